"""The purchase requests page (issue #14): buyers see the queue and turn requests into RFQ proposals in one
step; anyone with stock access raises a request and follows what it became (RFQ proposal, RFQ, PO).

Thin: every action is a tool through the registry (request_purchase, requests_to_rfqs, purchase_requests) and
the cards are the approval cards' own facts (present.py through web.proposal_card).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from assistant.channels.web import check_form_csrf, flash, page_user, proposal_card, render, run_page_tool
from assistant.people_text import for_people

router = APIRouter(include_in_schema=False)
CHOICES = (("price", "cheapest valid price"), ("reliability", "most reliable (on-time rate)"),
           ("contract", "agreed price covering the needed-by day"))


def _can(runtime: Any, user: Any, tool: str) -> bool:
    policy = getattr(runtime, "policy", None)
    return bool(policy is None or policy.can_use(user.role, tool))


@router.get("/requests", response_model=None)
def requests_page(request: Request) -> Response:
    user = page_user(request)
    runtime = request.app.state.runtime
    buyer = _can(runtime, user, "requests_to_rfqs")
    queue = run_page_tool(request, user, "purchase_requests", {"show": "waiting"}) if buyer else None
    mine = run_page_tool(request, user, "purchase_requests", {"show": "mine"})
    cards = []
    if queue is not None and queue.ok:
        ids = [r["request"] for r in queue.data.get("requests") or []]
        odoo_url = request.app.state.settings.odoo_url
        for pid in ids:
            p = runtime.proposals.get(pid)
            if p is not None:
                cards.append(proposal_card(runtime, user, p, odoo_url))
    return render(request, "requests.html", user=user, nav="requests", buyer=buyer, cards=cards,
                  queue=(queue.data.get("requests") if queue is not None and queue.ok else []),
                  mine=(mine.data.get("requests") if mine.ok else []), choices=CHOICES,
                  may_request=_can(runtime, user, "request_purchase"),
                  default_warehouse=user.warehouse or "")


@router.post("/requests/new", response_model=None)
def requests_new(request: Request, product: str = Form("", max_length=128), quantity: str = Form("", max_length=32),
                 warehouse: str = Form("", max_length=64), needed_by: str = Form("", max_length=64),
                 reason: str = Form("", max_length=500), csrf_token: str = Form("", max_length=200)) -> Response:
    user = page_user(request)
    check_form_csrf(request, csrf_token)
    try:
        qty = float(quantity.replace(",", ""))
    except ValueError:
        flash(request, "error", f"'{quantity}' is not a quantity; nothing was requested.")
        return RedirectResponse("/requests", status_code=303)
    args = {"product": product.strip(), "quantity": qty, "warehouse": warehouse.strip() or None,
            "needed_by": needed_by.strip() or None, "reason": reason.strip()}
    res = run_page_tool(request, user, "request_purchase", {k: v for k, v in args.items() if v is not None})
    runtime = request.app.state.runtime
    text = for_people(res.text if res.ok else str(res.error), getattr(runtime, "policy", None), user.role)
    flash(request, "ok" if res.ok else "error", text)
    return RedirectResponse("/requests", status_code=303)


@router.post("/requests/rfqs", response_model=None)
async def requests_to_rfqs(request: Request) -> Response:
    user = page_user(request)
    form = await request.form()
    check_form_csrf(request, str(form.get("csrf_token") or ""))
    ids = [str(v) for v in form.getlist("request") if str(v).startswith("P-")][:30]
    choose = str(form.get("choose_by") or "price")
    if not ids:
        flash(request, "error", "Tick the requests to turn into RFQs.")
        return RedirectResponse("/requests", status_code=303)
    res = run_page_tool(request, user, "requests_to_rfqs", {"requests": ids, "choose_by": choose})
    runtime = request.app.state.runtime
    text = for_people(res.text if res.ok else str(res.error), getattr(runtime, "policy", None), user.role)
    flash(request, "ok" if res.ok else "error", text)
    return RedirectResponse("/requests", status_code=303)
