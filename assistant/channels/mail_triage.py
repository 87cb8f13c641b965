"""The mailbox triage page (/mail/triage): vendor e-mail nobody could link, and linking it by hand.

Thin: it lists tools.mail's triage rows and, on a form post (CSRF-checked), resolves the vendor and the
optional PO through the ordinary resolvers and stores the link (tools.mail.store.link_by_hand). Only
roles that may read supplier communications see or change it. Linking changes nothing in Odoo.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from assistant.channels.web import check_form_csrf, flash, page_user, render

router = APIRouter(include_in_schema=False)


def _allowed(request: Request, role: str) -> bool:
    policy = getattr(request.app.state.runtime, "policy", None)
    return bool(policy is None or policy.can_use(role, "supplier_communications"))


@router.get("/mail/triage", response_model=None)
def triage_page(request: Request) -> Response:
    from tools.mail.notices import mail_item
    from tools.mail.store import MailStore, mail_tables_exist

    user = page_user(request)
    runtime = request.app.state.runtime
    rows: list[dict[str, Any]] = []
    if _allowed(request, user.role) and mail_tables_exist(runtime.store):
        rows = [mail_item(r, text_limit=300) for r in MailStore(runtime.store).triage()]
        rows = [runtime.policy.redact(user.role, r) if runtime.policy else r for r in rows]
    return render(request, "mail_triage.html", user=user, nav="mail", rows=rows,
                  allowed=_allowed(request, user.role))


@router.post("/mail/triage/{row_id}", response_model=None)
def link_by_hand(request: Request, row_id: int, vendor: str = Form("", max_length=200),
                 po: str = Form("", max_length=100), csrf_token: str = Form("", max_length=200)) -> Response:
    from tools.base import ToolError
    from tools.mail.store import MailStore
    from tools.odoo.resolve import resolve_purchase_order, resolve_supplier

    check_form_csrf(request, csrf_token)
    user = page_user(request)
    runtime = request.app.state.runtime
    if not _allowed(request, user.role):
        flash(request, "error", "Your role may not link supplier e-mail.")
        return RedirectResponse("/mail/triage", status_code=303)
    try:
        v = resolve_supplier(runtime.odoo, vendor) if vendor.strip() else None
        order = resolve_purchase_order(runtime.odoo, po) if po.strip() else None
    except ToolError as exc:
        flash(request, "error", str(exc))
        return RedirectResponse("/mail/triage", status_code=303)
    if v is None and order is None:
        flash(request, "error", "Name a supplier or a purchase order to link the e-mail to.")
        return RedirectResponse("/mail/triage", status_code=303)
    vendor_id = v["id"] if v else None
    vendor_name = v["name"] if v else None
    if order is not None and v is None:
        partner = order.get("partner_id") or {}
        vendor_id = partner.get("id") if isinstance(partner, dict) else None
        vendor_name = partner.get("display_name") if isinstance(partner, dict) else None
    links = [{"model": "purchase.order", "id": order["id"], "name": order["name"]}] if order else []
    ok = MailStore(runtime.store).link_by_hand(row_id, vendor_id=vendor_id, vendor_name=vendor_name, links=links,
                                               user=user.username)
    flash(request, "ok" if ok else "error", "E-mail linked." if ok else "That e-mail no longer exists.")
    return RedirectResponse("/mail/triage", status_code=303)
