"""Purchase requests: anyone with stock access asks for a product; a buyer turns requests into RFQ proposals.

What a request is in Odoo terms: nothing yet. Odoo 18 has no purchase-request model in Purchase/Inventory
(`purchase_requisition` is blanket orders / calls for tenders, not internal requests), so a request lives in
Quartermaster only, as a sealed `request_purchase` proposal: the buyers' queue is the pending requests, and
approving one writes NOTHING to Odoo — its executor only records that a buyer accepted it (and which RFQ
proposal it became). The first Odoo write is the RFQ, through `create_rfq`'s own proposal, approval and
idempotency marker. The link request → RFQ proposal → PO is kept on both sides: the RFQ proposal's sealed
args carry `links.requests`, the request's result carries `rfq_proposal`; the PO is the RFQ proposal's result.

Vendor choice when turning requests into RFQs (`choose_by`):
- `price`: the lowest price valid today per product unit in the company currency (product_vendors' cheapest);
- `reliability`: the highest Odoo on-time rate (res.partner `on_time_rate`) among vendors with a valid price;
- `contract`: a vendor price row with an agreed validity period (date_end set) covering the needed-by day —
  the agreed price; the cheapest such row, else the cheapest price (said so in the reason).
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from tools.actions.common import m2o_id, propose, require
from tools.actions.rfq import CreateRfqArgs, RfqLine, create_rfq
from tools.base import ToolContext, ToolError, ToolResult, tool
from tools.governance.proposals import Proposal, ProposalService, service_for
from tools.odoo.client import OdooClient
from tools.odoo.errors import OdooError
from tools.odoo.resolve import (
    company_today,
    company_tz,
    parse_date_phrase,
    resolve_product,
    resolve_warehouse,
)
from tools.reads.vendors import ProductVendorsArgs, product_vendors

KIND = "request_purchase"
MAX_QTY = 100_000
RFQ_REF = re.compile(r"\bP-[0-9a-f]{6,}\b")


class RequestPurchaseArgs(BaseModel):
    product: str = Field(..., min_length=1, max_length=128, description="Product code or name")
    quantity: float = Field(..., gt=0, le=MAX_QTY, description="Quantity needed")
    warehouse: str | None = Field(None, description="Warehouse code or name")
    needed_by: str | None = Field(None, description="YYYY-MM-DD", max_length=64)
    reason: str = Field("", max_length=500, description="Why it is needed")


def _needed_by(ctx: ToolContext, text: str | None) -> date | None:
    if not text:
        return None
    today = company_today(company_tz(ctx.odoo), ctx.now())
    raw = text.strip()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        rng = parse_date_phrase(raw, today)
        if rng.end is None:
            raise ToolError(f"'{text}' is not a date I can read; give YYYY-MM-DD.", code="bad_date") from None
        day = rng.end
    require(day >= today, f"The needed-by date {day} is in the past (today is {today}). Nothing requested.",
            "bad_date")
    return day


@tool(RequestPurchaseArgs, kind="propose")
def request_purchase(ctx: ToolContext, args: RequestPurchaseArgs) -> ToolResult:
    """Raise a purchase request for the buyers (no Odoo write until it becomes an RFQ)."""
    odoo = ctx.odoo
    where = args.warehouse or ctx.user.warehouse
    require(bool(where), "Which warehouse needs it? Nothing requested.", "missing_warehouse")
    wh = resolve_warehouse(odoo, str(where))
    prod = resolve_product(odoo, args.product, specification={"uom_id": {"fields": {"display_name": {}}},
                                                              "purchase_ok": {}})
    require(prod.get("purchase_ok") is not False, f"{prod.get('display_name')} cannot be purchased in Odoo "
                                                  "(Can be Purchased is off). Nothing requested.", "not_purchasable")
    uom = prod.get("uom_id")
    unit = uom.get("display_name") if isinstance(uom, dict) else ""
    needed = _needed_by(ctx, args.needed_by)
    label = str(prod.get("default_code") or prod.get("display_name"))
    summary = (f"purchase request: {args.quantity:g} {unit} {label} for {wh['code']}"
               + (f", needed by {needed}" if needed else "") + (f" — {args.reason.strip()}" if args.reason else ""))
    res = propose(ctx, KIND,
                  args={"product_id": prod["id"], "product": label, "product_name": prod.get("display_name"),
                        "quantity": args.quantity, "uom": unit, "warehouse_id": wh["id"], "warehouse": wh["code"],
                        "needed_by": needed.isoformat() if needed else None, "reason": args.reason.strip()},
                  summary=summary,
                  before_after={"request": [None, "waiting for a buyer"], "odoo": "nothing written until an RFQ"},
                  evidence={"product_id": prod["id"], "warehouse_id": wh["id"]},
                  odoo_ref=f"stock.warehouse,{wh['id']}", show_amount=False)
    if not res.data.get("duplicate"):
        directory = service_for(ctx).directory
        who = ", ".join(p.label for p in (directory.get(u) for u in res.data.get("approvers") or []) if p)
        res.text = (f"Purchase request {res.data['proposal']} raised: {summary.split(': ', 1)[-1]}. It waits in the "
                    f"buyers' queue ({who}); nothing is written to Odoo until a buyer turns it into an RFQ.")
    return res


class RequestExecutor:
    """Accepting a request writes nothing to Odoo (the RFQ proposal does, after its own approval)."""

    def reconcile(self, odoo: OdooClient, proposal: Proposal) -> dict[str, Any] | None:
        return None  # nothing in Odoo to find

    def revalidate(self, odoo: OdooClient, proposal: Proposal) -> str | None:
        return None

    def execute(self, odoo: OdooClient, proposal: Proposal) -> dict[str, Any]:
        found = RFQ_REF.findall(proposal.decision_comment or "")
        a = proposal.args
        what = f"{a['quantity']:g} {a.get('uom') or ''} {a['product']} for {a['warehouse']}".replace("  ", " ")
        if found:
            return {"rfq_proposal": found[0], "odoo_written": False,
                    "message": f"Request for {what} accepted by {proposal.decided_by}; it became RFQ proposal "
                               f"{found[0]} (nothing written to Odoo until that RFQ is approved)."}
        return {"rfq_proposal": None, "odoo_written": False,
                "message": f"Request for {what} accepted by {proposal.decided_by}; the RFQ is drafted next "
                           "(\"turn the request into an RFQ\"). Nothing written to Odoo."}


# -- buyer: requests -> RFQ proposals ---------------------------------------------------------------
class RequestsToRfqsArgs(BaseModel):
    requests: list[str] = Field(default_factory=list, description="Request ids; empty = all waiting",
                                max_length=30)
    choose_by: Literal["price", "reliability", "contract"] = Field("price", description="How to pick the vendor")
    supplier: str | None = Field(None, description="Force this vendor")


def linked_rfqs(service: ProposalService, request_ids: set[str]) -> dict[str, Proposal]:
    """request id -> the create_rfq proposal that carries it in `links.requests` (newest wins)."""
    found: dict[str, Proposal] = {}
    for p in reversed(service.list(limit=500)):  # oldest first, so the newest stays
        if p.kind != "create_rfq":
            continue
        for rid in (p.args.get("links") or {}).get("requests") or []:
            if rid in request_ids and p.state not in ("rejected", "expired", "stale", "failed"):
                found[rid] = p
    return found


def _requests(ctx: ToolContext, service: ProposalService, ids: list[str]) -> list[Proposal]:
    if not ids:
        open_ = [p for p in service.list(state="pending", limit=200) if p.kind == KIND]
        accepted = [p for p in service.list(state="executed", limit=200) if p.kind == KIND
                    and not (p.result or {}).get("rfq_proposal")]
        done = linked_rfqs(service, {p.id for p in accepted})
        chosen = open_ + [p for p in accepted if p.id not in done]
        require(bool(chosen), "No purchase requests are waiting. Nothing proposed.", "nothing_to_do")
        return chosen
    out = []
    for rid in dict.fromkeys(i.strip() for i in ids):
        p = service.get(rid)
        require(p is not None and p.kind == KIND, f"{rid} is not a purchase request. Nothing proposed.", "not_found")
        assert p is not None
        if p.state == "executed" and not (p.result or {}).get("rfq_proposal") and rid not in linked_rfqs(
                service, {rid}):
            out.append(p)  # accepted earlier, RFQ not drafted yet
            continue
        require(p.state == "pending", f"{rid} is {p.state}, not waiting; nothing proposed for it.", "wrong_state")
        out.append(p)
    return out


def _reliability(odoo: OdooClient, names: list[str]) -> dict[str, float]:
    if not names:
        return {}
    try:
        rows = odoo.search_read("res.partner", [("name", "in", names)], ["name", "on_time_rate"], limit=len(names) * 3)
    except OdooError:
        return {}
    out: dict[str, float] = {}
    for r in rows:
        rate = r.get("on_time_rate")
        if isinstance(rate, int | float) and rate >= 0:
            out[str(r["name"])] = max(out.get(str(r["name"]), -1.0), float(rate))
    return out


def choose_vendor(ctx: ToolContext, request: Proposal, choose_by: str) -> tuple[str, str]:
    """(vendor name, why) for one request, from Odoo's vendor price rows (product_vendors) and on-time rates."""
    res = product_vendors.func(ctx, ProductVendorsArgs.model_validate({"product": str(request.args["product"]), "sort": "price"}))
    rows = [r for r in res.data.get("rows") or [] if r.get("valid_today") and r.get("price_per_product_uom")
            is not None]
    if not rows:
        raise ToolError(f"{request.args['product']} has no vendor price valid today in Odoo; name a vendor.",
                        code="no_vendor")
    qty = float(request.args["quantity"])
    fits = [r for r in rows if float(r.get("min_qty") or 0) <= qty] or rows
    cheapest = min(fits, key=lambda r: float(r["price_per_product_uom"]))
    if choose_by == "reliability":
        rates = _reliability(ctx.odoo, sorted({str(r["vendor"]) for r in fits}))
        if rates:
            best = max(fits, key=lambda r: (rates.get(str(r["vendor"]), -1.0), -float(r["price_per_product_uom"])))
            rate = rates.get(str(best["vendor"]))
            if rate is not None and rate >= 0:
                return str(best["vendor"]), (f"most reliable: on-time rate {rate:.0f} % in Odoo, "
                                             f"lead time {best.get('lead_time_days') or 0} days")
        return str(cheapest["vendor"]), "no on-time rates in Odoo; cheapest valid price instead"
    if choose_by == "contract":
        needed = request.args.get("needed_by") or company_today(company_tz(ctx.odoo), ctx.now()).isoformat()
        agreed = [r for r in fits if r.get("valid_to") and str(r["valid_to"])[:10] >= str(needed)[:10]]
        if agreed:
            best = min(agreed, key=lambda r: float(r["price_per_product_uom"]))
            return str(best["vendor"]), (f"agreed price valid until {str(best['valid_to'])[:10]} "
                                         f"(covers the needed-by day), lead time {best.get('lead_time_days') or 0} days")
        return str(cheapest["vendor"]), "no agreed price period covers the needed-by day; cheapest valid price"
    return str(cheapest["vendor"]), (f"cheapest valid price per {res.data.get('product_uom') or 'unit'}, "
                                     f"lead time {cheapest.get('lead_time_days') or 0} days")


@tool(RequestsToRfqsArgs, kind="propose")
def requests_to_rfqs(ctx: ToolContext, args: RequestsToRfqsArgs) -> ToolResult:
    """Turn purchase requests into RFQ proposals, one per vendor, saying why that vendor."""
    service = service_for(ctx)
    requests = _requests(ctx, service, args.requests)
    me = service.directory.get(ctx.user.username) or ctx.user
    for r in requests:
        if r.state == "pending":
            ok, why = service.can_approve(me, r)
            require(ok, f"You may not take request {r.id}: {why}. Nothing proposed.", "forbidden")
    groups: dict[tuple[str, str], list[tuple[Proposal, str]]] = defaultdict(list)
    problems: list[str] = []
    for r in requests:
        try:
            if args.supplier:
                vendor, why = args.supplier, "vendor named by the buyer"
            else:
                vendor, why = choose_vendor(ctx, r, args.choose_by)
        except ToolError as exc:
            problems.append(f"{r.id}: {exc.message}")
            continue
        groups[(vendor, str(r.args["warehouse"]))].append((r, why))
    made: list[dict[str, Any]] = []
    for (vendor, warehouse), items in groups.items():
        links = {"requests": [r.id for r, _ in items],
                 "vendor_choice": {r.id: why for r, why in items}, "choose_by": args.choose_by}
        sub = dataclasses.replace(ctx, proposal_links=links)
        rfq_args = CreateRfqArgs(supplier=vendor, warehouse=warehouse,
                                 lines=[RfqLine.model_validate({"product": str(r.args["product"]), "quantity": float(r.args["quantity"])})
                                        for r, _ in items])
        try:
            res = create_rfq.func(sub, rfq_args)
        except ToolError as exc:
            problems.append(f"{', '.join(r.id for r, _ in items)} ({vendor}): {exc.message}")
            continue
        pid = res.data.get("proposal")
        for r, _ in items:
            if r.state == "pending":
                service.decide(r.id, me, "approve", comment=f"Turned into RFQ proposal {pid} for {vendor}")
        made.append({"rfq_proposal": pid, "vendor": vendor, "warehouse": warehouse,
                     "requests": [r.id for r, _ in items], "why": sorted({w for _, w in items}),
                     "approvers": res.data.get("approvers"), "duplicate": bool(res.data.get("duplicate"))})
    require(bool(made), "No RFQ proposed: " + "; ".join(problems), "nothing_proposed")
    text = "; ".join(f"RFQ proposal {m['rfq_proposal']} to {m['vendor']} for {m['warehouse']} from request(s) "
                     f"{', '.join(m['requests'])} ({'; '.join(m['why'])})" for m in made)
    text += ". Each RFQ needs its own approval; nothing is written to Odoo until then."
    if problems:
        text += " Not proposed: " + "; ".join(problems)
    return ToolResult(tool="requests_to_rfqs", text=text, data={"rfqs": made, "problems": problems},
                      proposal_ids=[m["rfq_proposal"] for m in made if m["rfq_proposal"]])


# -- the queue --------------------------------------------------------------------------------------
class PurchaseRequestsArgs(BaseModel):
    show: Literal["waiting", "mine", "all"] = Field("waiting", description="Which requests")
    limit: int = Field(20, ge=1, le=100, description="Rows shown")


def request_status(service: ProposalService, odoo: OdooClient | None, requests: list[Proposal]
                   ) -> list[dict[str, Any]]:
    """Each request with where it got to: waiting, accepted, RFQ proposed, RFQ in Odoo, PO confirmed."""
    links = linked_rfqs(service, {r.id for r in requests})
    for r in requests:
        rid = (r.result or {}).get("rfq_proposal")
        if rid and r.id not in links:
            got = service.get(str(rid))
            if got is not None:
                links[r.id] = got
    po_ids = sorted({int(p.result["po_id"]) for p in links.values() if p.state == "executed" and p.result
                     and p.result.get("po_id")})
    po_state: dict[int, dict[str, Any]] = {}
    if po_ids and odoo is not None:
        try:
            po_state = {int(r["id"]): r for r in odoo.read("purchase.order", po_ids, ["name", "state",
                                                                                       "receipt_status"])}
        except OdooError:
            po_state = {}
    out = []
    for r in requests:
        a = r.args
        row: dict[str, Any] = {"request": r.id, "product": a.get("product"), "quantity": a.get("quantity"),
                               "uom": a.get("uom"), "warehouse": a.get("warehouse"), "needed_by": a.get("needed_by"),
                               "reason": a.get("reason") or None, "requested_by": r.requester,
                               "requested_on": r.created_at.date().isoformat()}
        rfq = links.get(r.id)
        if r.state == "pending":
            row["status"] = "waiting for a buyer"
        elif r.state in ("rejected", "expired"):
            row["status"] = r.state + (f" by {r.decided_by}" if r.decided_by else "")
        elif rfq is None:
            row["status"] = f"accepted by {r.decided_by}; RFQ not drafted yet"
        if rfq is not None:
            row["rfq_proposal"] = rfq.id
            row["vendor"] = rfq.args.get("supplier")
            if rfq.state == "executed" and rfq.result and rfq.result.get("po_id"):
                po = po_state.get(int(rfq.result["po_id"]), {})
                name = po.get("name") or rfq.result.get("po")
                row["po"] = name
                state = str(po.get("state") or rfq.result.get("state") or "draft")
                row["status"] = {"draft": f"RFQ {name} in Odoo", "sent": f"RFQ {name} sent to the vendor",
                                 "to approve": f"{name} waiting for approval in Odoo",
                                 "purchase": f"purchase order {name} confirmed"
                                 + (" and received" if po.get("receipt_status") == "full" else ""),
                                 "done": f"purchase order {name} locked", "cancel": f"{name} cancelled"}.get(
                                     state, f"{name} ({state})")
            else:
                row["status"] = f"RFQ proposal {rfq.id} {rfq.state}" + (
                    " (waiting for approval)" if rfq.state == "pending" else "")
        out.append(row)
    return out


@tool(PurchaseRequestsArgs)
def purchase_requests(ctx: ToolContext, args: PurchaseRequestsArgs) -> ToolResult:
    """Purchase requests waiting for buyers, or yours, with the RFQ/PO each became."""
    service = service_for(ctx)
    if args.show == "waiting":
        rows = [p for p in service.list(state="pending", limit=500) if p.kind == KIND]
    else:
        rows = [p for p in service.list(requester=ctx.user.username if args.show == "mine" else None,
                                        limit=500) if p.kind == KIND]
    since = ctx.now() - timedelta(days=90)
    rows = [p for p in rows if p.state == "pending" or p.created_at >= since][:args.limit]
    status = request_status(service, ctx.odoo, rows)
    what = {"waiting": "purchase request(s) waiting for a buyer", "mine": "purchase request(s) of yours",
            "all": "purchase request(s)"}[args.show]
    text = f"{len(status)} {what}"
    if status:
        text += ": " + "; ".join(f"{s['request']} {s['quantity']:g} {s['product']} for {s['warehouse']}"
                                 + (f" by {s['needed_by']}" if s.get("needed_by") else "")
                                 + f" ({s['requested_by']}) — {s['status']}" for s in status[:10])
    return ToolResult(tool="purchase_requests", text=text, data={"count": len(status), "requests": status})


__all__ = ["RequestExecutor", "purchase_requests", "request_purchase", "requests_to_rfqs", "m2o_id"]
