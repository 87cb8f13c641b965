"""three_way_match_exceptions: posted bills that disagree with the PO or with what was received.

Three round trips, each reading only what it needs (vendor names come from the vendor cache):
1. the posted vendor-bill lines linked to a PO line, flat (ids, quantity, price; no nesting);
2. each distinct PO line once (price, received quantity, its bill lines' quantity/state/type) —
   a nested spec would repeat a PO line and its bill lines under every bill line that points to it;
3. display fields (bill number, date, product code, PO name) for the exception rows shown only.
Rules: a price difference is an exception when the line's difference in money, |bill − PO| × quantity (company
currency), exceeds the LOWER of the policy's allowances (`three_way_match.price_tolerance_pct` of the line's PO
value and `price_tolerance_amount` per line — "2 % or 50 per line, whichever is lower"); without that policy
section, any difference over tools.kpi's PRICE_TOLERANCE (0.01 per unit). Over-billing: posted billed quantity
above the received quantity by more than `quantity_tolerance` (0). Draft bills are checked too (their lines'
quantity counted on top of the posted ones) and flagged `draft`; their difference is reported apart
(`draft_diff_amount`), never in the posted total.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from tools import kpi
from tools.base import ToolContext, ToolResult, tool
from tools.odoo.resolve import resolve_supplier, vendor_list
from tools.reads.common import (
    bulk_rows,
    code_or_name,
    compact,
    currency,
    day,
    id_of,
    money,
    name_of,
    num,
    since_date,
)
from tools.reads.supplier import Conversions

MAX_LINES = 3000
MAX_ROWS = 25
BILL_LINE_SPEC: dict[str, Any] = {
    "move_id": {}, "partner_id": {}, "quantity": {}, "price_unit": {}, "purchase_line_id": {}, "currency_id": {},
    "parent_state": {}, "product_uom_id": {"fields": {"display_name": {}}},
}
PO_LINE_SPEC: dict[str, Any] = {
    "price_unit": {}, "qty_received": {}, "product_uom": {"fields": {"display_name": {}}},
    "invoice_lines": {"fields": {"quantity": {}, "parent_state": {}, "move_type": {}, "move_id": {}}},
}
SHOWN_SPEC: dict[str, Any] = {
    "move_name": {}, "date": {}, "product_id": {"fields": {"default_code": {}}},
    "purchase_order_id": {"fields": {"name": {}}},
}


def tolerances(policy: Any) -> dict[str, float | None]:
    """{pct, amount, qty} from the policy's three_way_match section; pct/amount None = the strict 0.01 rule."""
    spec = dict(getattr(policy, "three_way_match", None) or {})
    pct, amount = spec.get("price_tolerance_pct"), spec.get("price_tolerance_amount")
    return {"pct": float(pct) if pct is not None else None, "amount": float(amount) if amount is not None else None,
            "qty": float(spec.get("quantity_tolerance") or 0)}


def price_exception(po_price: float, bill_price: float, qty: float, rate: float | None,
                    tol: dict[str, float | None]) -> bool:
    """Is this bill line's price outside the tolerance? Money compared in the company currency (÷ rate)."""
    if tol["pct"] is None and tol["amount"] is None:
        return abs(bill_price - po_price) > kpi.PRICE_TOLERANCE
    if abs(bill_price - po_price) <= kpi.EPS:
        return False
    to_company = 1.0 / rate if rate else 1.0
    diff = abs(bill_price - po_price) * abs(qty) * to_company
    allowed = [a for a in ((tol["pct"] or 0) / 100.0 * po_price * abs(qty) * to_company if tol["pct"] is not None
                           else None, tol["amount"]) if a is not None]
    return diff > min(allowed) + 0.005


class MatchArgs(BaseModel):
    since: str | None = Field(None, description="Bills dated on or after (default 90 days ago)")
    supplier: str | None = Field(None, description="Vendor name or reference")
    reference: str | None = Field(None, description="One purchase order or vendor bill to check (PO or bill number): "
                                  "answers whether it passes, with the reasons")


def _over_billed(pol: dict[str, Any]) -> tuple[float, int | None]:
    """(posted billed qty - received qty, id of the latest posted bill on the line)."""
    billed, last = 0.0, None
    for il in pol.get("invoice_lines") or []:
        if il.get("parent_state") != "posted":
            continue
        sign = -1.0 if il.get("move_type") == "in_refund" else 1.0
        billed += sign * float(il.get("quantity") or 0)
        if sign > 0:
            last = max(last or 0, id_of(il.get("move_id")) or 0)
    return billed - float(pol.get("qty_received") or 0), last


def _shown(odoo: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows shown, with bill number, date, PO and product read for just these bill lines."""
    if not rows:
        return []
    info = {r["id"]: r for r in odoo.web_read("account.move.line", [r["id"] for r in rows], SHOWN_SPEC)}
    out = []
    for r in rows:
        bl = info.get(r["id"], {})
        order = bl.get("purchase_order_id") if isinstance(bl.get("purchase_order_id"), dict) else {}
        out.append({"bill": bl.get("move_name"), "date": day(bl.get("date")), "po": order.get("name"),
                    "vendor": r["vendor"], "product": code_or_name(bl.get("product_id")),
                    **{k: v for k, v in r.items() if k not in ("id", "vendor")}})
    return out


@tool(MatchArgs)
def three_way_match_exceptions(ctx: ToolContext, args: MatchArgs) -> ToolResult:
    """Posted vendor bills whose price or quantity disagrees with the PO or the receipts, in money."""
    with bulk_rows():
        return _exceptions(ctx, args)


def exceptions_rows(ctx: ToolContext, args: MatchArgs, vendor_id: int | None = None, limit: int = 200
                    ) -> list[dict[str, Any]]:
    """Every exception row (not only the shown ones), largest money difference first, with bill, date,
    PO and product: for the control tower's queue and the alert rules. Rows on draft bills say `draft`."""
    with bulk_rows():
        found = _scan(ctx, args, vendor_id)
    return _shown(ctx.odoo, found["rows"][:limit])


def _exceptions(ctx: ToolContext, args: MatchArgs) -> ToolResult:
    odoo = ctx.odoo
    if args.reference:
        return _one_document(ctx, args.reference.strip())
    vendor = resolve_supplier(odoo, args.supplier) if args.supplier else None
    found = _scan(ctx, args, vendor["id"] if vendor else None)
    start, rows, lines, tol = found["start"], found["rows"], found["lines"], found["tol"]
    total_lines, unconverted = found["total_lines"], found["unconverted"]
    total = sum(float(r["diff_amount"]) for r in rows if not r["unconverted"] and not r["draft"])
    drafts = [r for r in rows if r["draft"]]
    data: dict[str, Any] = {"since": start.isoformat(), "exceptions": _shown(odoo, rows[:MAX_ROWS]), "count": len(rows),
                            "bill_lines_checked": len(lines), "total_diff_amount": num(total)}
    if tol["pct"] is not None or tol["amount"] is not None:
        data["tolerance"] = {"price_pct": tol["pct"], "price_amount_per_line": tol["amount"], "rule": "the lower one"}
    if drafts:
        data["draft_count"] = len(drafts)
        data["draft_diff_amount"] = num(sum(float(r["diff_amount"]) for r in drafts if not r["unconverted"]))
    if vendor:
        data["vendor"] = vendor["name"]
    if unconverted:
        data["unconverted"] = (f"{unconverted} exception(s) in a currency without a rate in Odoo: their diff_amount "
                               "is in the bill's currency and not in the total")
    if total_lines > len(lines):
        data["note"] = f"checked the latest {len(lines)} of {total_lines} bill lines"
    if len(rows) > MAX_ROWS:
        data["shown"] = MAX_ROWS
    by_vendor: dict[str, int] = {}
    for r in rows:
        by_vendor[str(r["vendor"])] = by_vendor.get(str(r["vendor"]), 0) + 1
    text = (f"{len(rows)} three-way-match exception(s) on bills since {start.isoformat()}"
            + (f" from {vendor['name']}" if vendor else "") + f", net {money(total, currency(ctx))} billed above PO/receipt"
            + (f" ({unconverted} in a currency without a rate not included)" if unconverted else ""))
    if drafts:
        text += (f"; {len(drafts)} of them on DRAFT bills (not posted yet, not in that total: "
                 f"{money(float(data['draft_diff_amount']), currency(ctx))})")
    if by_vendor and not vendor:
        text += "; by vendor: " + ", ".join(f"{k} {v}" for k, v in sorted(by_vendor.items(), key=lambda x: -x[1])[:4])
    return ToolResult(tool="three_way_match_exceptions", data=compact(data), text=text)


def _tolerance_words(tol: dict[str, float | None], cur: str) -> str:
    """The policy's tolerances in words."""
    if tol["pct"] is None and tol["amount"] is None:
        price = f"any price difference over {money(kpi.PRICE_TOLERANCE, cur)} a unit"
    elif tol["pct"] is not None and tol["amount"] is not None:
        price = (f"price allowed {num(tol['pct'])} % of the line or {money(tol['amount'], cur)} a line, "
                 "whichever is lower")
    elif tol["pct"] is not None:
        price = f"price allowed {num(tol['pct'])} % of the line"
    else:
        price = f"price allowed {money(float(tol['amount'] or 0), cur)} a line"
    qty = tol["qty"] or 0
    return price + "; " + ("billed quantity may not exceed the received quantity" if not qty
                           else f"billed quantity may exceed the received quantity by {num(qty)}")


def _one_document(ctx: ToolContext, ref: str) -> ToolResult:
    """Does one PO (or one vendor bill) pass the three-way match? Yes/no first, then the reasons."""
    odoo = ctx.odoo
    cur = currency(ctx)
    pos = odoo.search_read("purchase.order", [("name", "=ilike", ref)], ["name"], limit=1)
    scope: list[Any]
    if pos:
        label, kind = str(pos[0]["name"]), "purchase order"
        scope = [("purchase_line_id", "any", [("order_id", "=", pos[0]["id"])])]
    else:
        bills = odoo.search_read("account.move", [("move_type", "=", "in_invoice"), "|", ("name", "=ilike", ref),
                                                  ("ref", "=ilike", ref)], ["name"], limit=1)
        if not bills:
            return ToolResult(tool="three_way_match_exceptions", data={"reference": ref, "found": False},
                              text=f"No purchase order or vendor bill numbered {ref} was found in Odoo.")
        label, kind = str(bills[0]["name"]), "vendor bill"
        scope = [("move_id", "=", bills[0]["id"])]
    found = _scan(ctx, MatchArgs(since=None, supplier=None, reference=None), None, scope=scope)
    rows, lines, tol = found["rows"], found["lines"], found["tol"]
    rules = _tolerance_words(tol, cur)
    data: dict[str, Any] = {"reference": label, "kind": kind, "bill_lines_checked": len(lines),
                            "exceptions": _shown(odoo, rows[:MAX_ROWS]), "count": len(rows), "rules": rules}
    if not lines:
        data["verdict"] = "no bill yet"
        text = (f"Not yet: {label} has no vendor bill linked to its lines, so there is nothing to match "
                "against the order and the receipts.")
        return ToolResult(tool="three_way_match_exceptions", data=compact(data), text=text)
    move_ids = sorted({i for i in (id_of(bl.get("move_id")) for bl in lines) if i})
    bills_seen = sorted({str(m.get("name") or "") for m in odoo.web_read("account.move", move_ids, {"name": {}})}
                        - {"", "/"})
    on = f" (bill {', '.join(bills_seen)})" if bills_seen and kind == "purchase order" else ""
    if not rows:
        data["verdict"] = "passes"
        text = (f"Yes: {label} passes the three-way match. Its {len(lines)} bill line(s){on} agree with the "
                f"order's prices and the received quantities within the policy ({rules}).")
        return ToolResult(tool="three_way_match_exceptions", data=compact(data), text=text)
    data["verdict"] = "fails"
    reasons = []
    for r in data["exceptions"][:5]:
        bits = []
        if "price" in r["issue"]:
            bits.append(f"billed at {num(float(r['bill_price']), 4)} a unit vs {num(float(r['po_price']), 4)} on the order")
        if "qty" in r["issue"]:
            bits.append(f"billed quantity {r['billed_qty']} while {r['received_qty']} received")
        reasons.append(f"{r.get('product') or 'a line'} on {r.get('bill') or 'a draft bill'}"
                       + (" (draft)" if r.get("draft") else "") + ": " + " and ".join(bits))
    total = sum(float(r["diff_amount"]) for r in rows if not r["unconverted"])
    text = (f"No: {label} does not pass the three-way match: {len(rows)} of its {len(lines)} bill line(s){on} are "
            f"outside the policy ({rules}); {money(total, cur)} billed above the order/receipts. "
            + "; ".join(reasons) + (f"; and {len(rows) - 5} more (listed below)." if len(rows) > 5 else "."))
    return ToolResult(tool="three_way_match_exceptions", data=compact(data), text=text)


def _scan(ctx: ToolContext, args: MatchArgs, vendor_id: int | None, scope: list[Any] | None = None
          ) -> dict[str, Any]:
    odoo = ctx.odoo
    start = since_date(ctx, args.since, 90)
    bill: list[Any] = [("move_type", "=", "in_invoice"), "|", ("invoice_date", ">=", start.isoformat()),
                       "&", ("state", "=", "draft"), ("invoice_date", "=", False)]
    if scope is not None:  # one PO or bill: every date
        bill = [("move_type", "=", "in_invoice")]
    if vendor_id is not None:
        bill.append(("partner_id", "=", vendor_id))
    # one `any` sub-select on the bills (Odoo 17+) rather than one per dotted move_id.* condition
    domain: list[Any] = [("parent_state", "in", ["posted", "draft"]), ("purchase_line_id", "!=", False),
                         ("move_id", "any", bill), *(scope or [])]
    res = odoo.web_search_read("account.move.line", domain, BILL_LINE_SPEC, limit=MAX_LINES, order="id desc")
    names = {v["id"]: v["name"] for v in vendor_list(odoo)}
    conv = Conversions.load(odoo)
    unconverted = 0
    lines, total_lines = res.get("records", []), int(res.get("length") or 0)
    po_line_ids = sorted({i for i in (id_of(bl.get("purchase_line_id")) for bl in lines) if i})
    po_lines = {r["id"]: r for r in odoo.web_read("purchase.order.line", po_line_ids, PO_LINE_SPEC)} if po_line_ids else {}
    over_billed = {i: _over_billed(pol) for i, pol in po_lines.items()}
    tol = tolerances(ctx.policy)
    rows: list[dict[str, Any]] = []
    for bl in lines:
        pol_id = id_of(bl.get("purchase_line_id")) or 0
        pol = po_lines.get(pol_id, {})
        po_price, bill_price = float(pol.get("price_unit") or 0), float(bl.get("price_unit") or 0)
        qty = float(bl.get("quantity") or 0)
        draft = bl.get("parent_state") == "draft"
        rate = conv.rate(bl.get("currency_id"))  # the money in the company currency; prices stay the bill's
        issues, diff = [], 0.0
        if price_exception(po_price, bill_price, qty, rate, tol):
            issues.append("price")
            diff += (bill_price - po_price) * qty
        over, last_bill = over_billed.get(pol_id, (0.0, None))
        if draft:  # a draft bill would add its quantity to what is posted already
            over, last_bill = over + qty, id_of(bl.get("move_id"))
        if over > (tol["qty"] or 0) + kpi.EPS:
            issues.append("qty")
            if last_bill == id_of(bl.get("move_id")):  # the over-billed money is counted once, on the latest bill
                diff += min(over, qty) * po_price if draft else over * po_price
        if not issues:
            continue
        if rate:
            diff /= rate
        else:
            unconverted += 1
        rows.append({"unconverted": not rate, "id": bl["id"], "vendor": names.get(id_of(bl.get("partner_id")) or 0),
                     "issue": "+".join(issues), "billed_qty": num(qty), "draft": draft,
                     "received_qty": num(float(pol.get("qty_received") or 0)),
                     # each quantity in its own unit (a bill in Units against a PO line in Dozens reads as such)
                     "billed_qty_uom": name_of(bl.get("product_uom_id")) or None,
                     "received_qty_uom": name_of(pol.get("product_uom")) or None,
                     "po_price": num(po_price, 4), "bill_price": num(bill_price, 4), "diff_amount": num(diff)})
    rows.sort(key=lambda r: -abs(float(r["diff_amount"])))
    return {"start": start, "rows": rows, "lines": lines, "total_lines": total_lines, "unconverted": unconverted,
            "tol": tol}
