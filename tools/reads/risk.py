"""supplier_risk: every vendor ranked by a documented risk score, each component with the records behind it.

Why one read: the ranking needs the scorecard KPIs of *every* vendor; reading them vendor by vendor
would cost a round trip each. Here one web_search_read brings all confirmed POs of the window (and the
still-open ones) with the scorecard's nested spec (tools.reads.supplier), tools.kpi computes each
vendor's KPIs exactly as the scorecard does, and the weights and ramps come from
tools/governance/risk_weights.yaml (tools/README.md#supplier-risk explains the formula).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field

from tools import kpi
from tools.base import ToolContext, ToolResult, tool
from tools.odoo.client import OdooClient
from tools.odoo.resolve import pricelist, resolve_warehouse
from tools.reads.common import bulk_rows, compact, currency, id_of, money, months_ago, name_of, num, today
from tools.reads.purchase import next_open_receipt
from tools.reads.spend import resolve_category
from tools.reads.supplier import MAX_POS, Conversions, scorecard_spec, to_kpi_lines

WEIGHTS_FILE = Path(__file__).resolve().parent.parent / "governance" / "risk_weights.yaml"
EVIDENCE = 5  # records named per component
LISTED = 10  # vendors in the answer (all are ranked; vendor_count says how many)
_weights_cache: dict[str, Any] = {}


def load_weights(path: Path = WEIGHTS_FILE) -> dict[str, Any]:
    """The YAML formula, re-read when the file changes (an edit takes effect without a restart)."""
    stamp = path.stat().st_mtime
    if _weights_cache.get("stamp") != (str(path), stamp):
        _weights_cache.update(stamp=(str(path), stamp), data=yaml.safe_load(path.read_text(encoding="utf-8")))
    return dict(_weights_cache["data"])


def ramp(value: float, good: float, bad: float) -> float:
    """0 at `good` or better, 1 at `bad` or worse, linear between (works whichever way round)."""
    if good == bad:
        return 0.0 if value == good else 1.0
    return min(1.0, max(0.0, (value - good) / (bad - good)))


class RiskArgs(BaseModel):
    category: str | None = Field(None, description="Product category")
    warehouse: str | None = Field(None, description="Warehouse")
    order: Literal["riskiest", "most_reliable"] = Field(
        "riskiest", description="riskiest first, or most_reliable first (highest OTIF, enough history)")


def fetch_all_orders(odoo: OdooClient, start: datetime, spec: dict[str, Any], extra: list[Any]
                     ) -> list[dict[str, Any]]:
    """All vendors' confirmed POs approved since `start`, plus every still-open one: one round trip."""
    since = ("date_approve", ">=", start.strftime("%Y-%m-%d %H:%M:%S"))
    domain: list[Any] = [("state", "in", ["purchase", "done"]), *extra,
                         "|", since, "&", ("state", "=", "purchase"), ("receipt_status", "!=", "full")]
    res = odoo.web_search_read("purchase.order", domain, spec, limit=MAX_POS * 10, order="date_approve asc, id asc")
    return list(res.get("records", []))


def with_units(spec: dict[str, Any]) -> dict[str, Any]:
    """The scorecard spec plus each receipt move's and bill line's own UoM: Odoo 17+ (and the sandbox's
    second business) creates receipt moves in the product's UoM, not the PO line's, so a Case-of-24
    line received as 144 Units must not read as 144 Cases."""
    line = dict(spec["order_line"]["fields"])
    line["move_ids"] = {"fields": {**line["move_ids"]["fields"], "product_uom": {}}}
    line["invoice_lines"] = {"fields": {**line["invoice_lines"]["fields"], "product_uom_id": {}}}
    return {**spec, "order_line": {"fields": line}}


def _category_ids(ctx: ToolContext, text: str) -> tuple[str, set[int]]:
    cat = resolve_category(ctx, text)
    ids = ctx.odoo.search("product.category", [("id", "child_of", cat["id"])], limit=5000)
    return str(cat["name"]), {int(i) for i in ids}


def _keep_lines(orders: list[dict[str, Any]], categories: set[int]) -> list[dict[str, Any]]:
    """The orders with only their lines in the categories (orders left without lines dropped)."""
    out = []
    for po in orders:
        lines = [ln for ln in po.get("order_line") or ()
                 if isinstance(ln.get("product_id"), dict) and id_of(ln["product_id"].get("categ_id")) in categories]
        if lines:
            out.append({**po, "order_line": lines})
    return out


def _component(name: str, raw: float | None, cfg: dict[str, Any], records: list[str], **extra: Any
               ) -> dict[str, Any] | None:
    if raw is None:
        return None
    sub = ramp(raw, float(cfg["good"]), float(cfg["bad"]))
    return {"name": name, "value": num(raw), "score": round(sub, 3), "weight": float(cfg["weight"]),
            "records": records[:EVIDENCE], **extra}


def _listed(ln: kpi.POLine) -> float:
    """The line's list price, +inf when none applies (so it is never 'above')."""
    lp = ln.list_price()
    return float("inf") if lp is None else lp


def vendor_components(lines: list[kpi.POLine], as_of: date, weights: dict[str, Any], open_pos: list[str],
                      late_pos: list[str], single_spend: float, spend: float, single_items: list[str],
                      code: str = "") -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One vendor: its scorecard and the risk components (value, 0..1 sub-score, weight, records)."""
    card = kpi.scorecard(lines, as_of)
    cfg = weights["components"]
    evaluable = [ln for ln in lines if ln.evaluable(as_of)]
    not_otif = sorted({ln.po for ln in evaluable if not ln.otif()})
    gaps = sorted(((ln.first_receipt - ln.approved).total_seconds() / 86400 - row.delay, ln.po)
                  for ln in lines if ln.first_receipt and ln.approved and (row := ln.promised_row()) is not None)
    slow = [po for _g, po in reversed(gaps) if _g > 0]
    returned = sorted({ln.po for ln in lines if ln.returned > 0})
    exceptions = sorted({ln.po for ln in lines if ln.bill_exceptions()})
    above = sorted({ln.po for ln in lines if ln.price_rows and ln.price_unit > _listed(ln) + 0.005})
    # price increase: per product, first -> last unit price over the window, weighted by the product's spend
    points: dict[str, list[tuple[datetime, float, float]]] = defaultdict(list)
    for ln in lines:
        if ln.approved is not None and ln.product_qty > 0:
            points[ln.product].append((ln.approved, ln.price_unit, ln.product_qty))
    moves, total = [], 0.0
    weighted = 0.0
    for product, pts in points.items():
        if len(pts) < 2:
            continue
        trend = kpi.price_trend(pts)
        value = float(trend["qty"]) * float(trend["avg_price"])
        change = float(trend.get("change_pct", 0.0))
        weighted += change * value
        total += value
        shown = kpi.shown_trend(trend)  # the pair printed and its change agree
        if change > 0 and float(shown.get("change_pct", 0.0)) > 0:
            moves.append((change, f"{product} {money(float(shown['first_price']), code)} -> "
                                  f"{money(float(shown['last_price']), code)}"))
    increase = weighted / total if total else None
    # contract status: the share of spend on products this vendor has no price agreement for today (no pricelist
    # row, or every row expired / not started): bought off-agreement, the terms can change at any order
    off: dict[str, float] = defaultdict(float)
    all_spend = 0.0
    for ln in lines:
        value = ln.price_unit * ln.product_qty
        all_spend += value
        if not any((r.date_start is None or r.date_start <= as_of) and (r.date_end is None or as_of <= r.date_end)
                   for r in ln.price_rows):
            off[ln.product] += value
    off_agreement = 100.0 * sum(off.values()) / all_spend if all_spend > 0 else None
    n = card["lines"] or 0
    comps = [
        _component("otif", card["otif_pct"], cfg["otif"], not_otif, unit="%"),
        _component("lead_time_gap", card["lead_time_vs_promised_avg_days"], cfg["lead_time_gap"], slow, unit="days"),
        _component("lead_time_spread", card["lead_time_stdev_days"], cfg["lead_time_spread"], [], unit="days"),
        _component("return_rate", card["return_rate_pct"], cfg["return_rate"], returned, unit="%"),
        _component("bill_exceptions", 100.0 * int(card["three_way_exceptions"] or 0) / n if n else None,
                   cfg["bill_exceptions"], exceptions, unit="per 100 lines", count=card["three_way_exceptions"]),
        _component("price_over_list", max(0.0, float(card["price_variance_pct"]))
                   if card["price_variance_pct"] is not None else None, cfg["price_over_list"], above, unit="%",
                   lines_above_list=card["lines_above_list"]),
        _component("price_increase", increase, cfg["price_increase"],
                   [r for _c, r in sorted(moves, reverse=True)], unit="%"),
        _component("late_open_pos", 100.0 * len(late_pos) / len(open_pos) if open_pos else None,
                   cfg["late_open_pos"], late_pos, unit="%", open=len(open_pos), late=len(late_pos)),
        _component("single_sourced", 100.0 * single_spend / spend if spend else None, cfg["single_sourced"],
                   single_items, unit="% of spend"),
        _component("no_price_agreement", off_agreement, cfg["no_price_agreement"],
                   sorted(off, key=lambda p: -off[p]), unit="% of spend") if "no_price_agreement" in cfg else None,
    ]
    return card, [c for c in comps if c is not None]


def score(components: list[dict[str, Any]]) -> float | None:
    """100 * weighted mean of the sub-scores over the components with data (None when none has)."""
    w = sum(c["weight"] for c in components)
    return round(100.0 * sum(c["weight"] * c["score"] for c in components) / w, 1) if w else None


def rank_vendors(ctx: ToolContext, category: str | None = None, warehouse: str | None = None) -> dict[str, Any]:
    """Every vendor with confirmed POs in scope: score, components and records, riskiest first."""
    odoo = ctx.odoo
    weights = load_weights()
    start = months_ago(ctx, int(weights.get("months", 12)))
    scope: dict[str, Any] = {}
    extra: list[Any] = []
    if warehouse:
        wh = resolve_warehouse(odoo, warehouse)
        extra.append(("picking_type_id.warehouse_id", "=", wh["id"]))
        scope["warehouse"] = wh["code"]
    categories: set[int] | None = None
    if category:
        scope["category"], categories = _category_ids(ctx, category)
    spec = {**with_units(scorecard_spec(odoo)), "partner_id": {"fields": {"display_name": {}}}, "receipt_status": {},
            "picking_ids": {"fields": {"state": {}, "scheduled_date": {}}}}
    if categories is not None:
        spec["order_line"] = {"fields": {**spec["order_line"]["fields"], "product_id": {"fields": {
            **spec["order_line"]["fields"]["product_id"]["fields"], "categ_id": {}}}}}
    with bulk_rows():
        orders = fetch_all_orders(odoo, start, spec, extra)
        if categories is not None:
            orders = _keep_lines(orders, categories)
        as_of = today(ctx)
        conv = Conversions.load(odoo)
        prices = pricelist(odoo)
        start_s = start.strftime("%Y-%m-%d %H:%M:%S")
        by_vendor: dict[int, list[dict[str, Any]]] = defaultdict(list)
        names: dict[int, str] = {}
        for po in orders:
            vid = id_of(po.get("partner_id"))
            if vid is not None:
                by_vendor[vid].append(po)
                names[vid] = name_of(po.get("partner_id")) or str(vid)
        prices_of: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
        for row in prices:  # each vendor's rows once (to_kpi_lines would scan the whole pricelist per vendor)
            prices_of[id_of(row.get("partner_id"))].append(row)
        lines_of: dict[int, list[kpi.POLine]] = {}
        sellers: dict[str, set[int]] = defaultdict(set)
        spend_of: dict[int, dict[str, float]] = {}
        for vid, pos in by_vendor.items():
            window = {str(po["name"]) for po in pos if str(po.get("date_approve") or "") >= start_s}
            lines = [ln for ln in to_kpi_lines(pos, vid, prices_of.get(vid, []), conv) if ln.po in window]
            lines_of[vid] = lines
            per: dict[str, float] = defaultdict(float)
            for ln in lines:
                per[ln.product] += ln.price_unit * ln.product_qty
                sellers[ln.product].add(vid)
            spend_of[vid] = per
        rows = []
        for vid, pos in by_vendor.items():
            open_pos, late_pos = [], []
            for po in pos:
                if po.get("state") == "purchase" and po.get("receipt_status") != "full":
                    open_pos.append(str(po["name"]))
                    if next_open_receipt(ctx, po, as_of)[2]:
                        late_pos.append(str(po["name"]))
            per = spend_of[vid]
            single = sorted((p for p in per if len(sellers[p]) == 1), key=lambda p: -per[p])
            card, comps = vendor_components(lines_of[vid], as_of, weights, sorted(open_pos), sorted(late_pos),
                                            sum(per[p] for p in single), sum(per.values()), single, conv.currency)
            rows.append({"vendor": names[vid], "raw_score": score(comps), "lines": card["lines"],
                         "lines_evaluated": card["lines_evaluated"], "spend": num(sum(per.values())),
                         "thin_history": card["lines_evaluated"] < int(weights.get("min_lines", 5)),
                         "components": comps})
    # a vendor with little history is pulled toward the average vendor (weight `min_lines`): four lines,
    # one of them late, do not make a vendor the fifth riskiest
    raws = [r["raw_score"] for r in rows if r["raw_score"] is not None]
    mean = sum(raws) / len(raws) if raws else 0.0
    k = float(weights.get("min_lines", 5))
    for r in rows:
        n = float(r["lines_evaluated"] or 0)
        r["score"] = None if r["raw_score"] is None else round((n * r["raw_score"] + k * mean) / (n + k), 1)
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), r["vendor"]))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    return {"scope": scope, "since": start.date().isoformat(), "vendors": rows, "currency": conv.currency
            or currency(ctx), "definitions": "tools/README.md#supplier-risk"}


def _reason(comps: list[dict[str, Any]]) -> str:
    """The two components that weigh most in a vendor's score, in words."""
    label = {"otif": "OTIF {v}%", "lead_time_gap": "{v} d later than promised", "lead_time_spread": "lead time ± {v} d",
             "return_rate": "returns {v}%", "bill_exceptions": "{v} bill exceptions per 100 lines",
             "price_over_list": "{v}% above list", "price_increase": "prices {v:+}%",
             "late_open_pos": "{v}% of open POs late", "single_sourced": "{v}% of spend single-sourced",
             "no_price_agreement": "{v}% of spend without a valid price agreement"}
    top = sorted((c for c in comps if c["score"] > 0), key=lambda c: -c["weight"] * c["score"])[:2]
    return ", ".join(label[c["name"]].format(v=c["value"]) for c in top) or "no weak spot"


@tool(RiskArgs)
def supplier_risk(ctx: ToolContext, args: RiskArgs) -> ToolResult:
    """Vendors ranked by supply risk, with each factor and its records."""
    minutes = float(load_weights().get("cache_minutes", 15))
    key = f"supplier_risk:{args.category or ''}:{args.warehouse or ''}:{today(ctx)}"
    data = dict(ctx.odoo.cached(key, lambda: rank_vendors(ctx, args.category, args.warehouse), ttl=minutes * 60))
    vendors = data["vendors"]
    where = " ".join(str(v) for v in data["scope"].values())
    if not vendors:
        return ToolResult(tool="supplier_risk", data=compact(data),
                          text=f"No confirmed purchase orders{' for ' + where if where else ''} since {data['since']}.")
    data["vendor_count"] = len(vendors)
    if args.order == "most_reliable":
        return _most_reliable(data, vendors, where)
    data["vendors"] = vendors[:LISTED]
    data["least_risky"] = [{"vendor": r["vendor"], "rank": r["rank"], "score": r["score"]}
                           for r in vendors[LISTED:][-5:] if r["score"] is not None]
    parts = [f"{r['rank']}. {r['vendor']} {r['score']:g}/100 ({_reason(r['components'])})"
             + (" — little history" if r["thin_history"] else "") for r in data["vendors"] if r["score"] is not None]
    head = f"Supplier risk{' for ' + where if where else ''} since {data['since']}, {len(vendors)} vendors, riskiest first: "
    return ToolResult(tool="supplier_risk", data=compact(data), text=head + "; ".join(parts))


def _otif(row: dict[str, Any]) -> float | None:
    comp = next((c for c in row.get("components") or [] if c.get("name") == "otif"), None)
    value = comp.get("value") if comp else None
    return float(value) if isinstance(value, int | float) else None


def _most_reliable(data: dict[str, Any], vendors: list[dict[str, Any]], where: str) -> ToolResult:
    """'Which vendor is most reliable?': vendors with enough history first, highest OTIF (on time in full)
    first, the lower risk score breaking a tie; thin histories and vendors with nothing evaluable last."""
    ranked = sorted(vendors, key=lambda r: (bool(r["thin_history"]), _otif(r) is None, -(_otif(r) or 0.0),
                                            r["score"] if r["score"] is not None else 999.0, r["vendor"]))
    rows = [{"rank": i, "vendor": r["vendor"], "otif_pct": _otif(r), "risk_score": r["score"],
             "lines_evaluated": r["lines_evaluated"], "little_history": r["thin_history"] or None}
            for i, r in enumerate(ranked[:LISTED], 1)]
    data = {k: v for k, v in data.items() if k not in ("vendors", "least_risky")}
    data["order"] = "most_reliable"
    data["vendors"] = rows
    parts = [f"{r['rank']}. {r['vendor']} OTIF {r['otif_pct']:g}% (risk {r['risk_score']:g}/100)"
             + (" — little history" if r["little_history"] else "")
             for r in rows[:5] if r["otif_pct"] is not None and r["risk_score"] is not None]
    head = (f"Most reliable vendors{' for ' + where if where else ''} since {data['since']} (on time in full, "
            f"{data['vendor_count']} vendors), most reliable first: ")
    if not parts:
        return ToolResult(tool="supplier_risk", data=compact(data),
                          text=f"No vendor{' for ' + where if where else ''} has deliveries due since {data['since']} "
                               "to judge reliability on.")
    return ToolResult(tool="supplier_risk", data=compact(data), text=head + "; ".join(parts))
