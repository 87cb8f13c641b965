"""order_suggestions: the replenishment suggestions turned into RFQ proposals, one per vendor and warehouse.

"Order the top 3", "order all of <warehouse>'s critical items from the best vendors", "order the suggested
quantity of the first one from the most reliable vendor": the rows are replenishment_risk's (the same order
and figures as the answer the person saw — Odoo's reorder forecast and `qty_to_order`, or Quartermaster's
lead-time rule), the vendor per row is chosen by `vendor`:
- `cheapest`: the lowest price valid today, per product unit in the company currency (replenishment's);
- `most_reliable`: the highest Odoo on-time rate among the product's vendors;
- `best` (default): the most reliable when it is on time at least RELIABLE_GAIN points more often than the
  cheapest and costs at most PRICE_SLACK more; otherwise the cheapest. A vendor whose contract in the documents
  has expired gives way to the other one when there is another.
Lines are grouped per (vendor, warehouse) into one create_rfq proposal each — priced, checked (tools/actions/
checks.py) and governed exactly like a single create_rfq, one approval each. Quantities are the suggested
quantity in the product unit, converted to the vendor's purchase unit (rounded up for counted units) and raised
to the vendor's minimum quantity where it is higher (said in the evidence).

Round trips (the Odoo reads every proposal shares are read once): replenishment's 2 (reference lists cached),
products 1, company currency 1 per company, vendors' terms 1, price rows 1, unit factors 1, rates 0-1, the
checks' order history 1 — about 9 for a batch of 10 RFQs.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from typing import Any, Literal

from pydantic import BaseModel, Field

from tools.actions import checks
from tools.actions.rfq import (
    COUNTED_CATEGORIES,
    PRODUCT_SPEC,
    SUPPLIERINFO_FIELDS,
    CreateRfqArgs,
    Preload,
    RfqLine,
    _company_currency,
    _destination,
    _factor,
    _m2o_field,
    _rates,
    propose_rfq,
)
from tools.base import ToolContext, ToolError, ToolResult, tool
from tools.odoo.errors import OdooError
from tools.odoo.resolve import company_today, company_tz, vendor_list
from tools.odoo.values import m2o_id

RELIABLE_GAIN = 10.0  # on-time percentage points
PRICE_SLACK = 0.10  # 10 % dearer at most
_CODE = re.compile(r"^\[([^\]]+)\]")


class OrderSuggestionsArgs(BaseModel):
    warehouse: str | None = Field(None, description="Warehouse of the suggestions; omit for all")
    items: list[str] | None = Field(None, description="Codes (CODE or CODE@WH)", max_length=30)
    top: int | None = Field(None, ge=1, le=15, description="First N")
    critical_only: bool = Field(False, description="Below min only")
    vendor: Literal["best", "cheapest", "most_reliable"] = Field("best", description="Vendor rule")


def _code(row: dict[str, Any]) -> str:
    m = _CODE.match(str(row.get("product") or ""))
    return m.group(1) if m else str(row.get("product") or "")


def _select(rows: list[dict[str, Any]], args: OrderSuggestionsArgs) -> list[dict[str, Any]]:
    if args.items:
        want = [(i.split("@")[0].strip().lower(), (i.split("@")[1].strip().lower() if "@" in i else None))
                for i in args.items]
        rows = [r for r in rows if any(_code(r).lower() == c and (w is None or str(r.get("wh") or "").lower() == w)
                                       for c, w in want)]
    if args.critical_only:
        rows = [r for r in rows if r.get("below_min")]
    if args.top:
        rows = rows[:args.top]
    return rows


def _choose(row: dict[str, Any], how: str, expired: set[str]) -> tuple[dict[str, Any] | None, str]:
    """(the vendor row, why it was chosen, in words)."""
    cheap: dict[str, Any] | None = row.get("cheapest")
    if cheap is None:
        return None, ""
    reliable: dict[str, Any] = row.get("most_reliable") or cheap

    def price(v: dict[str, Any]) -> float:
        return float(v.get("price_company_per_unit") or v.get("price") or 0)

    def ontime(v: dict[str, Any]) -> float:
        return float(v.get("on_time_pct") or 0)

    if how == "cheapest":
        pick, why = cheap, "cheapest"
    elif how == "most_reliable":
        pick, why = reliable, "most reliable"
    elif reliable is not cheap and ontime(reliable) >= ontime(cheap) + RELIABLE_GAIN \
            and price(reliable) <= price(cheap) * (1 + PRICE_SLACK):
        pick, why = reliable, (f"on time {ontime(reliable):.0f} % vs {ontime(cheap):.0f} % for the cheapest, at most "
                               f"{PRICE_SLACK * 100:.0f} % dearer")
    else:
        pick, why = cheap, "cheapest" + (f"; the most reliable ({reliable['vendor']}) is not enough more reliable "
                                         "for its price" if reliable is not cheap else "")
    other = reliable if pick is cheap else cheap
    if pick["vendor"] in expired and other is not None and other is not pick and other["vendor"] not in expired:
        pick, why = other, f"{why.split(';')[0]} vendor's contract has expired; the other vendor instead"
    facts = [f"price {pick.get('price')}" + (f" {pick['currency']}" if pick.get("currency") else "")
             + (f" per {pick['per']}" if pick.get("per") else ""),
             f"lead time {pick.get('lead_days')} d" if pick.get("lead_days") is not None else "",
             f"on time {pick.get('on_time_pct')} %" if pick.get("on_time_pct") is not None else ""]
    return pick, f"{why} ({', '.join(f for f in facts if f)})"


def _basis(row: dict[str, Any]) -> str:
    parts = [f"on hand {row.get('on_hand', 0):g}", f"forecast {row.get('forecast', 0):g} vs min {row.get('min', 0):g}",
             f"{row.get('daily_out', 0):g}/day out (last 30 days)"]
    if row.get("days_cover") is not None:
        parts.append(f"{row['days_cover']:g} days of cover")
    parts.append(f"suggested {row.get('suggested_qty', 0):g} by {row.get('suggested_by')}")
    return ", ".join(parts)


def _po_qty(qty: float, prod: dict[str, Any]) -> float:
    """Product-unit quantity -> the purchase unit (Odoo's factors); whole numbers for counted units."""
    po_qty = qty * _factor(prod.get("uom_po_id") or prod.get("uom_id")) / _factor(prod.get("uom_id"))
    category = _m2o_field(_m2o_field(prod.get("uom_id"), "category_id"), "display_name")
    if str(category or "").strip().lower() in COUNTED_CATEGORIES:
        return float(math.ceil(po_qty - 1e-9))
    return round(po_qty, 3)


@tool(OrderSuggestionsArgs, kind="propose")
def order_suggestions(ctx: ToolContext, args: OrderSuggestionsArgs) -> ToolResult:
    """RFQ proposals from the replenishment suggestions, one per vendor."""
    from tools.reads.replenishment import ReplenishmentArgs, _replenishment

    odoo = ctx.odoo
    answer = _replenishment(ctx, ReplenishmentArgs(warehouse=args.warehouse))
    rows = _select(list((answer.data or {}).get("at_risk") or []), args)
    if not rows:
        raise ToolError("None of the replenishment suggestions matches"
                        + (f" ({', '.join(args.items)})" if args.items else "")
                        + (f" at {args.warehouse}" if args.warehouse else "") + ". Nothing proposed.",
                        code="not_found")
    vendors = {v["name"]: v for v in vendor_list(odoo)}
    expired = set()
    for name in {str((r.get(k) or {}).get("vendor")) for r in rows for k in ("cheapest", "most_reliable")} - {"None"}:
        contract = checks.contract(ctx, name)
        if contract and contract.get("doc_id") and contract.get("status") == "expired":
            expired.add(name)
    codes = sorted({_code(r) for r in rows})
    tracker = getattr(ctx, "provenance", None)
    if tracker is not None and hasattr(tracker, "referred"):
        # the person's own order verb + a position in Odoo's suggestion list: these products are theirs
        # (provenance still requires the order verb in their message; untrusted text never adds to the list)
        tracker.referred.update(codes)
    spec = {**PRODUCT_SPEC, "default_code": {}, "display_name": {}}
    got = odoo.web_search_read("product.product", [("default_code", "in", codes)], spec, limit=len(codes) + 10)
    products = {str(p.get("default_code")): p for p in got.get("records") or []}
    groups: dict[tuple[str, str], list[tuple[dict[str, Any], dict[str, Any], float, str]]] = defaultdict(list)
    skipped: list[str] = []
    for r in rows:
        code = _code(r)
        pick, why = _choose(r, args.vendor, expired)
        prod = products.get(code)
        wh = str(r.get("wh") or args.warehouse or "")
        if pick is None or prod is None or pick["vendor"] not in vendors:
            skipped.append(f"{code}: no vendor with a price" if pick is None else f"{code}: not found in Odoo")
            continue
        qty = _po_qty(float(r.get("suggested_qty") or 0), prod)
        if qty <= 0:
            skipped.append(f"{code}: nothing to order")
            continue
        moq = float(pick.get("min_qty") or 0)
        if moq > qty and not pick.get("per"):
            why += f"; quantity raised from {qty:g} to the vendor's minimum {moq:g}"
            qty = moq
        groups[(pick["vendor"], wh)].append((r, prod, qty, why))
    if not groups:
        raise ToolError("No suggestion could be ordered: " + "; ".join(skipped) + ". Nothing proposed.",
                        code="no_price")
    # the reads every proposal shares, once
    vendor_ids = sorted({int(vendors[v]["id"]) for v, _ in groups})
    prods = [p for items in groups.values() for _, p, _, _ in items]
    dests = {wh: _destination(ctx, wh or None) for _, wh in groups}
    companies = {d["company_id"] for d in dests.values()}
    company = {c: _company_currency(odoo, c) for c in companies}
    terms_ctx = {"context": {"allowed_company_ids": sorted(c for c in companies if c)}} if any(companies) else {}
    try:
        terms_rows = odoo.execute_kw("res.partner", "read", [vendor_ids, ["property_purchase_currency_id",
                                                                          "property_supplier_payment_term_id"]],
                                     terms_ctx)
    except OdooError:
        terms_rows = []
    terms: dict[int, dict[str, Any]] = {int(t["id"]): t for t in terms_rows}
    tmpl_ids = sorted({t for t in (m2o_id(p.get("product_tmpl_id")) for p in prods) if t})
    prod_ids = sorted({int(p["id"]) for p in prods})
    price_rows = odoo.search_read("product.supplierinfo",
                                 [("partner_id", "in", vendor_ids), "|", ("product_id", "in", prod_ids),
                                  ("product_tmpl_id", "in", tmpl_ids)], SUPPLIERINFO_FIELDS, limit=2000)
    day = company_today(company_tz(odoo), ctx.now())
    currencies = {c for c in [*(m2o_id(t.get("property_purchase_currency_id")) for t in terms_rows),
                              *(c for c, _ in company.values()), *(m2o_id(r.get("currency_id")) for r in price_rows)]
                  if c}
    one_company = next(iter(companies)) if len(companies) == 1 else None
    rates = _rates(odoo, currencies, one_company, day) if one_company or len(currencies) < 2 else None
    row_uoms = sorted({u for u in (m2o_id(r.get("product_uom")) for r in price_rows) if u})
    uom_factor = {int(u["id"]): float(u.get("factor") or 1.0) or 1.0
                  for u in (odoo.read("uom.uom", row_uoms, ["factor"]) if row_uoms else [])}
    conf = checks.settings(ctx.policy)
    try:
        history = checks.history(ctx, prod_ids, int(conf["history_days"]))
    except OdooError:
        history = None
    made: list[ToolResult] = []
    refused: list[str] = []
    for (vendor, wh), items in groups.items():
        vendor_row = vendors[vendor]
        dest = dests[wh]
        lines = [RfqLine(product=str(p.get("default_code")), quantity=q, price_unit=None) for _, p, q, _ in items]
        evidence = {"basis": {str(p.get("default_code")): _basis(r) for r, p, _, _ in items},
                    "vendor_choice": {str(p.get("default_code")): why for _, p, _, why in items},
                    "from_suggestions": f"replenishment suggestions{' at ' + wh if wh else ''}, vendor rule '{args.vendor}'"}
        pre = Preload(vendor={"id": vendor_row["id"], "name": vendor_row["name"]}, dest=dest,
                      company=company[dest["company_id"]], terms=terms.get(int(vendor_row["id"]), {}),
                      products=[p for _, p, _, _ in items], rows=price_rows, rates=rates, uom_factor=uom_factor,
                      history=history, evidence=evidence)
        try:
            made.append(propose_rfq(ctx, CreateRfqArgs(supplier=vendor, lines=lines, warehouse=wh or None,
                                                       urgent=False), pre))
        except ToolError as err:
            refused.append(f"{vendor}{' for ' + wh if wh else ''}: {err}")
    ids = [pid for res in made for pid in res.proposal_ids]
    if not made:
        raise ToolError("No RFQ could be proposed: " + " ".join(refused), code="refused")
    text = (f"{len(made)} RFQ proposal(s) from {sum(len(v) for v in groups.values())} suggestion(s), one per vendor"
            f" — each needs its own approval: " + " ".join(res.text for res in made))
    if refused:
        text += " Not proposed: " + " ".join(refused)
    if skipped:
        text += " Left out: " + "; ".join(skipped) + "."
    return ToolResult(tool="order_suggestions", text=text, proposal_ids=ids,
                      data={"proposals": [res.data for res in made], "refused": refused, "skipped": skipped,
                            "vendor_rule": args.vendor})
