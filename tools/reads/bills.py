"""vendor_bills: vendor bills and refunds — open, overdue, due soon, paid or draft — by vendor, PO or number.

Two round trips: a read_group gives the true count and the amount still due (Odoo's
`amount_residual_signed`, in the company currency, refunds reducing it), and one web_search_read gives
the first rows with their purchase orders nested. An Odoo without that field converts each currency at
today's rate (one more read when a foreign currency shows up).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from tools.base import ToolContext, ToolResult, tool
from tools.odoo.resolve import normalize_po_name, resolve_supplier
from tools.reads.amounts import Converter, fmt_money, odoo_facts, rates, shows_money
from tools.reads.common import compact, date_range, id_of, name_of, num, today

OPEN = [("state", "=", "posted"), ("payment_state", "in", ["not_paid", "partial"])]
PAYMENT_LABEL = {"not_paid": "not paid", "partial": "partially paid", "in_payment": "in payment", "paid": "paid",
                 "reversed": "reversed", "blocked": "blocked", "invoicing_legacy": "legacy"}
SPEC: dict[str, Any] = {
    "name": {}, "move_type": {}, "state": {}, "payment_state": {}, "ref": {}, "invoice_origin": {},
    "partner_id": {"fields": {"display_name": {}}}, "invoice_date": {}, "invoice_date_due": {},
    "amount_total": {}, "amount_residual": {}, "currency_id": {"fields": {"name": {}}},
    "invoice_line_ids": {"fields": {"purchase_order_id": {"fields": {"name": {}}}}},
}
MAX_LIMIT = 100
DUE_DAYS = 7


class VendorBillsArgs(BaseModel):
    status: Literal["open", "overdue", "due", "paid", "draft", "any"] = Field(
        "open", description="due: in the window, default 7 days")
    supplier: str | None = Field(None, description="Vendor")
    reference: str | None = Field(None, description="PO or bill number")
    date_from: str | None = Field(None, description="YYYY-MM-DD; bill date (due date if due)")
    date_to: str | None = Field(None, description="YYYY-MM-DD")
    limit: int = Field(15, ge=1, le=MAX_LIMIT, description="Rows")


def _domain(ctx: ToolContext, args: VendorBillsArgs) -> tuple[list[Any], dict[str, Any]]:
    domain: list[Any] = [("move_type", "in", ["in_invoice", "in_refund"])]
    scope: dict[str, Any] = {"status": args.status}
    now = today(ctx)
    if args.status in ("open", "overdue", "due"):
        domain += OPEN
    elif args.status == "paid":
        domain += [("state", "=", "posted"), ("payment_state", "in", ["paid", "in_payment"])]
    elif args.status == "draft":
        domain.append(("state", "=", "draft"))
    if args.status == "overdue":
        domain.append(("invoice_date_due", "<", now.isoformat()))
    if args.supplier:
        vendor = resolve_supplier(ctx.odoo, args.supplier)
        domain.append(("partner_id", "child_of", vendor["id"]))
        scope["vendor"] = vendor["name"]
    if args.reference:
        ref = args.reference.strip()
        po = normalize_po_name(ref) or ref
        domain += ["|", "|", "|", "|", ("name", "=ilike", ref), ("ref", "=ilike", ref),
                   ("invoice_origin", "ilike", po), ("invoice_origin", "ilike", ref),
                   ("invoice_line_ids.purchase_line_id.order_id.name", "=ilike", po)]
        scope["reference"] = ref
    lo, hi = date_range(ctx, args.date_from, args.date_to)
    field = "invoice_date_due" if args.status == "due" else "invoice_date"
    if args.status == "due" and not (lo or hi):
        lo, hi = now, now + timedelta(days=DUE_DAYS)
    if lo:
        domain.append((field, ">=", lo.isoformat()))
    if hi:
        domain.append((field, "<=", hi.isoformat()))
    if lo or hi:
        scope["due" if field == "invoice_date_due" else "bill_date"] = f"{lo or '…'} to {hi or '…'}"
    return domain, scope


@tool(VendorBillsArgs)
def vendor_bills(ctx: ToolContext, args: VendorBillsArgs) -> ToolResult:
    """Vendor bills/refunds by status, vendor, PO or number; amount due."""
    odoo = ctx.odoo
    domain, scope = _domain(ctx, args)
    facts = odoo_facts(ctx)
    sums = ["amount_residual:sum", *(["amount_residual_signed:sum"] if facts.residual_signed else [])]
    groups = odoo.read_group("account.move", domain, sums, ["currency_id", "move_type", "state"], lazy=False)
    count = sum(int(g.get("__count") or 0) for g in groups)
    groups = [g for g in groups if g.get("state") == "posted"]  # a draft owes nothing yet
    if facts.residual_signed:  # Odoo's own figure in the company currency: negative for bills, positive for refunds
        conv = Converter(facts, {})
        residual = -sum(float(g.get("amount_residual_signed") or 0) for g in groups)
    else:  # an Odoo without it: each currency at today's rate
        conv = Converter(facts, rates(ctx, facts, {c for g in groups if (c := id_of(g.get("currency_id")))},
                                      today(ctx)))
        residual = 0.0
        for g in groups:
            v = conv(float(g.get("amount_residual") or 0) * (-1 if g.get("move_type") == "in_refund" else 1),
                     g.get("currency_id"))
            residual += v or 0.0
    order = "invoice_date_due asc, id asc" if args.status in ("open", "overdue", "due") else "invoice_date desc, id desc"
    res = odoo.web_search_read("account.move", domain, SPEC, limit=args.limit, order=order) if count else {}
    rows = []
    for b in res.get("records", []):
        pos = sorted({str((ln.get("purchase_order_id") or {}).get("name") or "")
                      for ln in b.get("invoice_line_ids") or [] if isinstance(ln.get("purchase_order_id"), dict)}
                     - {""})
        # A credit note (in_refund) lowers what we owe: shown as such, its amounts negative, as the total nets it.
        refund = b.get("move_type") == "in_refund"
        sign = -1.0 if refund else 1.0
        rows.append({"bill": b.get("name") or "(draft)", "kind": "credit note" if refund else "bill",
                     "vendor": name_of(b.get("partner_id")), "vendor_ref": b.get("ref"),
                     "bill_date": b.get("invoice_date"), "due_date": b.get("invoice_date_due"),
                     "amount_total": num(sign * float(b.get("amount_total") or 0)),
                     "amount_residual": num(sign * float(b.get("amount_residual") or 0)),
                     "currency": name_of(b.get("currency_id")),
                     "payment_state": PAYMENT_LABEL.get(str(b.get("payment_state")), b.get("payment_state")),
                     "state": b.get("state"),
                     "purchase_orders": ", ".join(pos) or b.get("invoice_origin")})
    data: dict[str, Any] = {"count": count, "total_residual": num(residual), "currency": facts.currency,
                            "filters": scope, "rows": rows, "showing": f"{len(rows)} of {count}"}
    if note := conv.note():
        data["note"] = note
    text = f"{count} {args.status if args.status != 'any' else ''} vendor bill(s)".replace("  ", " ")
    if refunds := sum(int(g.get("__count") or 0) for g in groups if g.get("move_type") == "in_refund"):
        text += f" (of which {refunds} credit note(s))"
    text += "".join(f", {k.replace('_', ' ')} {v}" for k, v in scope.items() if k != "status")
    if count and shows_money(ctx):
        text += f"; still due {fmt_money(residual, facts.currency)}"
    return ToolResult(tool="vendor_bills", data=compact(data), text=text)
