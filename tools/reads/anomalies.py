"""purchase_anomalies: purchase lines and orders a buyer should look at twice, each with a checkable reason.

Four checks over the confirmed POs ordered in the period (rules and thresholds in
tools/governance/anomaly_rules.yaml, explained in tools/README.md#purchase-anomalies):
- quantity: the line's quantity is far from that product-vendor's history into the same warehouse, by the
  robust z-score 0.6745 * (x - median) / MAD of x = log(quantity) (Iglewicz & Hoaglin; logs because order
  sizes vary by ratios), so one huge order cannot hide itself by inflating a mean and standard deviation;
- price_above_list: the unit price is above the vendor's own price row valid on the order day (the
  scorecard's list price, tools/kpi.py, per product unit in the company currency);
- over_received: more was received than ordered (beyond the in-full tolerance);
- duplicate_open: two orders for the same product into the same warehouse open at the same time;
- duplicate_sites: the same order (same vendor, products and quantities) placed from two warehouses;
- price_spread: the same product bought at materially different unit prices across warehouses or
  vendors in the period (a line of one warehouse-vendor pair against another pair's average).
Two round trips: the period's POs with lines, moves and price rows nested (the scorecard's spec), and
a flat read of the quantity history.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from tools import kpi
from tools.base import ToolContext, ToolResult, tool
from tools.odoo.resolve import pricelist, resolve_supplier, resolve_warehouse
from tools.reads.common import (
    bulk_rows,
    compact,
    day_end_utc,
    day_start_utc,
    dt,
    id_of,
    money,
    months_ago,
    name_of,
    num,
    since_date,
    today,
)
from tools.reads.risk import with_units
from tools.reads.supplier import MAX_LINES, Conversions, scorecard_spec, to_kpi_lines

RULES_FILE = Path(__file__).resolve().parent.parent / "governance" / "anomaly_rules.yaml"
MAX_FLAGS = 25  # flags listed in the answer (counts cover all)
KINDS = ("quantity", "price_above_list", "over_received", "duplicate_open", "duplicate_sites", "price_spread")


def load_rules(path: Path = RULES_FILE) -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def robust_z(value: float, history: list[float], mad_floor_pct: float = 0.0, mad_floor: float = 0.0
             ) -> float | None:
    """0.6745 * (value - median) / MAD; with MAD 0 (half the history identical) the mean absolute
    deviation scaled to match (1.2533), and None when the history does not vary at all. The MAD is
    at least `mad_floor_pct` % of the median and at least `mad_floor` (one purchase unit), so an almost
    constant history (1, 1, 1, 2) does not make a one-unit difference look extreme."""
    med = statistics.median(history)
    mad = max(statistics.median(abs(x - med) for x in history), abs(med) * mad_floor_pct / 100, mad_floor)
    if mad > 0:
        return 0.6745 * (value - med) / mad
    mean_ad = statistics.fmean(abs(x - med) for x in history)
    if mean_ad > 0:
        return (value - med) / (1.2533 * mean_ad)
    return None if value == med else float("inf") if value > med else float("-inf")


class AnomalyArgs(BaseModel):
    period: str | None = Field(None, description="Since, e.g. last 30 days")
    warehouse: str | None = Field(None, description="Warehouse")
    vendor: str | None = Field(None, description="Vendor")


def _wh_code(po: dict[str, Any]) -> str:
    ptype = po.get("picking_type_id")
    ptype = ptype if isinstance(ptype, dict) else {}
    wh = ptype.get("warehouse_id")
    return str((wh.get("code") if isinstance(wh, dict) else None) or name_of(wh) or "")


def _lines_with_raw(orders: list[dict[str, Any]], prices: list[dict[str, Any]], conv: Conversions
                    ) -> list[tuple[dict[str, Any], dict[str, Any], kpi.POLine]]:
    """(PO row, raw line row, kpi.POLine) per product line, in to_kpi_lines' order, vendor by vendor."""
    by_vendor: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for po in orders:
        vid = id_of(po.get("partner_id"))
        if vid is not None:
            by_vendor[vid].append(po)
    prices_of: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for row in prices:  # each vendor's rows once (to_kpi_lines would scan the whole pricelist per vendor)
        prices_of[id_of(row.get("partner_id"))].append(row)
    out = []
    for vid, pos in by_vendor.items():
        raw = [(po, ln) for po in pos for ln in po.get("order_line") or ()
               if not ln.get("display_type") and ln.get("product_id")]
        for (po, ln), kl in zip(raw, to_kpi_lines(pos, vid, prices_of.get(vid, []), conv), strict=True):
            out.append((po, ln, kl))
    return out


def _flag(kind: str, po: dict[str, Any], kl: kpi.POLine, reason: str, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "po": kl.po, "product": kl.product, "vendor": name_of(po.get("partner_id")),
            "warehouse": _wh_code(po), "date": str(po.get("date_order") or "")[:10], "reason": reason, **extra}


def find_anomalies(ctx: ToolContext, period: str | None = None, warehouse: str | None = None,
                   vendor: str | None = None, include: str | None = None) -> dict[str, Any]:
    """All flags of the period (filtered by warehouse and vendor at the end: spreads compare every site).
    `include`: a PO name checked whatever its state and date (an RFQ before it is confirmed)."""
    odoo = ctx.odoo
    rules = load_rules()
    lo = since_date(ctx, period, int(rules.get("default_days", 90)))
    hi = today(ctx)
    wh = resolve_warehouse(odoo, warehouse) if warehouse else None
    vend = resolve_supplier(odoo, vendor) if vendor else None
    conv = Conversions.load(odoo)
    code = conv.currency
    spec = {**with_units(scorecard_spec(odoo)), "partner_id": {"fields": {"display_name": {}}}, "receipt_status": {},
            "picking_type_id": {"fields": {"warehouse_id": {"fields": {"code": {}}}}}}
    lo_s, hi_s = day_start_utc(ctx, lo), day_end_utc(ctx, hi)
    with bulk_rows():
        # POs ordered in the period, plus those still open (a duplicate may pair with an older open order)
        domain: list[Any] = [("state", "in", ["purchase", "done"]), "|", "&", ("date_order", ">=", lo_s),
                             ("date_order", "<=", hi_s), "&", ("state", "=", "purchase"),
                             ("receipt_status", "!=", "full")]
        if include:
            domain = ["|", ("name", "=", include), "&", *domain]
        orders = odoo.web_search_read("purchase.order", domain, spec, limit=MAX_LINES,
                                      order="date_order asc, id asc").get("records", [])
        lines = _lines_with_raw(orders, pricelist(odoo), conv)
        flags: list[dict[str, Any]] = []
        in_period = [(po, ln, kl) for po, ln, kl in lines
                     if lo_s <= str(po.get("date_order") or "") <= hi_s or po.get("name") == include]
        hist_start = months_ago(ctx, int(rules.get("history_months", 12))).strftime("%Y-%m-%d %H:%M:%S")
        products = sorted({pid for _po, ln, _kl in in_period if (pid := id_of(ln.get("product_id")))})
        history = odoo.search_read(  # only the period's products: their history is all the z-scores need
            "purchase.order.line", [("state", "in", ["purchase", "done"]), ("date_order", ">=", hist_start),
                                    ("product_id", "in", products), ("display_type", "=", False)],
            ["product_id", "partner_id", "product_uom_qty", "product_qty", "order_id"],
            limit=MAX_LINES * 5) if products else []
        site_of = _order_sites(odoo, history)
        flags += _quantity_flags(in_period, history, site_of, rules["quantity"])
        flags += _price_flags(in_period, rules["price_above_list"], code)
        flags += _over_flags(in_period, rules["over_received"])
        flags += _duplicate_flags(lines, lo_s, hi_s, ctx.now(), float(rules["duplicates"]["within_days"]),
                                  float(rules["duplicates"]["same_quantity_pct"]),
                                  float(rules["duplicates"].get("usual_gap_share", 0.0)),
                                  float(rules["duplicates"].get("distinct_units", 0.0)),
                                  float(rules["duplicates"].get("keyed_twice_hours", 12.0)))
        flags += _site_duplicate_flags(lines, lo_s, hi_s, rules["duplicates"])
        flags += _spread_flags(in_period, rules["price_spread"], code)
    if wh is not None:
        flags = [f for f in flags if f["warehouse"] == wh["code"] or wh["code"] in f.get("warehouses", ())]
    if vend is not None:
        flags = [f for f in flags if f["vendor"] == vend["name"] or vend["name"] in f.get("vendors", ())]
    flags.sort(key=lambda f: (KINDS.index(f["kind"]), f["date"], f["po"]))
    counts = {k: sum(1 for f in flags if f["kind"] == k) for k in KINDS}
    scope = {k: v for k, v in (("warehouse", wh and wh["code"]), ("vendor", vend and vend["name"])) if v}
    return {"since": lo.isoformat(), "until": hi.isoformat(), "scope": scope, "counts": counts,
            "lines_checked": len(in_period), "flags": flags, "currency": code,
            "definitions": "tools/README.md#purchase-anomalies"}


def _order_sites(odoo: Any, history: list[dict[str, Any]]) -> dict[int, str]:
    """PO id -> warehouse code of the history's orders (two small reads: orders, operation types)."""
    ids = sorted({oid for h in history if (oid := id_of(h.get("order_id"))) is not None})
    if not ids:
        return {}
    orders = odoo.search_read("purchase.order", [("id", "in", ids)], ["picking_type_id"], limit=len(ids))
    types = odoo.search_read("stock.picking.type", [("code", "=", "incoming")], ["warehouse_id"], limit=500)
    whs = {int(w["id"]): str(w.get("code") or "") for w in odoo.search_read("stock.warehouse", [], ["code"],
                                                                              limit=500)}
    wh_of_type = {int(t["id"]): whs.get(id_of(t.get("warehouse_id")) or 0, "") for t in types}
    return {int(o["id"]): wh_of_type.get(id_of(o.get("picking_type_id")) or 0, "") for o in orders}


def _quantity_flags(lines: list[tuple[dict[str, Any], dict[str, Any], kpi.POLine]], history: list[dict[str, Any]],
                    site_of: dict[int, str], cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """The line's quantity against the same product-vendor's other lines into the same warehouse (sites order
    at their own scale; pooling them made a big site's ordinary order look unusual next to a small site's).
    Fewer than min_history such lines in the history window: no verdict."""
    past: dict[tuple[int | None, int | None], list[tuple[int, float, str]]] = defaultdict(list)
    unit: dict[int | None, float] = {}
    for h in history:
        q = float(h.get("product_uom_qty") or 0)
        past[(id_of(h.get("product_id")), id_of(h.get("partner_id")))].append(
            (int(h["id"]), q, site_of.get(id_of(h.get("order_id")) or 0, "")))
        if float(h.get("product_qty") or 0) > 0:
            unit[id_of(h.get("product_id"))] = q / float(h["product_qty"])
    out = []
    need = int(cfg["min_history"])
    for po, ln, kl in lines:
        key = (id_of(ln.get("product_id")), id_of(po.get("partner_id")))
        wh = _wh_code(po)
        others = [q for lid, q, site in past.get(key, ()) if lid != ln.get("id") and site == wh]
        if len(others) < need:
            continue
        # on the log scale (order sizes vary by ratios: 60 then 180 is as ordinary as 6 then 18); the MAD is at
        # least mad_floor_pct % and at least one purchase unit or the ordering step the history shows (a pack
        # or minimum makes quantities jump 60 -> 120 with nothing unusual going on)
        steps = [b - a for a, b in zip(sorted(set(others)), sorted(set(others))[1:], strict=False)]
        floor = max(unit.get(key[0], 1.0), min(steps) if steps else 0.0)
        if kl.ordered <= 0 or min(others) <= 0:
            continue
        med = statistics.median(others)
        logs = [math.log(q) for q in others]
        z = robust_z(math.log(kl.ordered), logs, 0.0,
                     max(math.log1p(float(cfg.get("mad_floor_pct", 0)) / 100), math.log1p(floor / med)))
        if z is not None and abs(z) > float(cfg["robust_z"]):
            word = "above" if z > 0 else "below"
            out.append(_flag("quantity", po, kl, f"ordered {kl.ordered:g}, {word} the usual {med:g} "
                             f"(median of {len(others)} earlier orders of it from this vendor into {wh}, robust z {z:+.1f})",
                             qty=kl.ordered, median=med, history=len(others),
                             robust_z=None if abs(z) == float("inf") else round(z, 1)))
    return out


def _price_flags(lines: list[tuple[dict[str, Any], dict[str, Any], kpi.POLine]], cfg: dict[str, Any], code: str
                 ) -> list[dict[str, Any]]:
    out = []
    tol = float(cfg["tolerance_pct"]) / 100
    for po, _ln, kl in lines:
        lp = kl.list_price()
        if lp is not None and lp > 0 and kl.price_unit > lp * (1 + tol) + 0.005:
            pct = 100 * (kl.price_unit - lp) / lp
            out.append(_flag("price_above_list", po, kl, f"paid {money(kl.price_unit, code)} per unit, "
                             f"{pct:.1f}% above the vendor's price row {money(lp, code)}",
                             unit_price=num(kl.price_unit, 4), list_price=num(lp, 4), over_pct=round(pct, 1)))
    return out


def _over_flags(lines: list[tuple[dict[str, Any], dict[str, Any], kpi.POLine]], cfg: dict[str, Any]
                ) -> list[dict[str, Any]]:
    out = []
    tol = float(cfg["tolerance_pct"]) / 100
    for po, _ln, kl in lines:
        if kl.delivered > kl.ordered * (1 + tol) + kpi.EPS:
            out.append(_flag("over_received", po, kl, f"received {kl.delivered:g} against {kl.ordered:g} ordered",
                             ordered=kl.ordered, received=kl.delivered))
    return out


def _open_until(kl: kpi.POLine, po: dict[str, Any], now: datetime) -> datetime:
    """When the line stopped waiting: its completing receipt, else now while the PO is open, else its
    last move (a PO closed short)."""
    got = 0.0
    for m in kl.receipts:
        got += m.qty
        if got >= kl.ordered * (1 - kpi.IN_FULL_TOLERANCE) - kpi.EPS:
            return m.when
    if po.get("state") == "purchase" and po.get("receipt_status") != "full":
        return now
    return kl.receipts[-1].when if kl.receipts else (kl.approved or now)


def _duplicate_flags(lines: list[tuple[dict[str, Any], dict[str, Any], kpi.POLine]], lo_s: str, hi_s: str,
                     now: datetime, within_days: float, same_qty_pct: float,
                     gap_share: float = 0.0, distinct_units: float = 0.0, twice_hours: float = 12.0
                     ) -> list[dict[str, Any]]:
    """A line ordered in the period, within `within_days` of an earlier order for the same product and
    warehouse and about the same quantity (within `same_qty_pct` %) that had received nothing yet and was
    still open: the same goods ordered twice, not a top-up. The repeat must also be telling: the whole
    order repeats the other one (same vendor, products and quantities) within `twice_hours`, or the quantity is at least
    `distinct_units` purchase units and at most a quarter of the item's orders into that warehouse have it
    (two orders of the vendor's minimum the same week are the rhythm, not a double entry)."""
    twice_s = twice_hours * 3600
    content: dict[str, dict[str, float]] = defaultdict(dict)
    vendor: dict[str, Any] = {}
    for po, _ln, kl in lines:
        content[kl.po][kl.product] = content[kl.po].get(kl.product, 0.0) + kl.ordered
        vendor[kl.po] = id_of(po.get("partner_id"))

    def same_order(a: str, b: str) -> bool:  # the same vendor, products and quantities: keyed twice
        x, y = content[a], content[b]
        return vendor[a] == vendor[b] and set(x) == set(y) and all(abs(x[p] - y[p]) <= same_qty_pct / 100 * max(x[p], y[p]) for p in x)

    by_key: dict[tuple[str, str], list[tuple[datetime, datetime, dict[str, Any], kpi.POLine]]] = defaultdict(list)
    for po, _ln, kl in lines:
        start = kl.approved or dt(po.get("date_order"))
        if start is not None:
            by_key[(kl.product, _wh_code(po))].append((start, _open_until(kl, po, now), po, kl))
    out = []
    for (_product, wh), rows in by_key.items():
        rows.sort(key=lambda r: r[0])
        # where this product is ordered into this warehouse every day or two anyway, two orders a day apart are
        # the rhythm, not a repeat: the gap must also be at most `gap_share` of the usual gap between its orders
        gaps = sorted((b[0] - a[0]).total_seconds() for a, b in zip(rows, rows[1:], strict=False)
                      if b[3].po != a[3].po)
        # (a median of fewer than three gaps would be the pair's own gap)
        usual = gaps[len(gaps) // 2] if len(gaps) >= 3 else float("inf")
        window = min(within_days * 86400, gap_share * usual) if gap_share > 0 else within_days * 86400
        common: dict[float, int] = defaultdict(int)  # a quantity most orders of it here have is no fingerprint
        for r in rows:
            common[r[3].ordered] += 1
        for i, (start, _end, po, kl) in enumerate(rows):
            if not lo_s <= str(po.get("date_order") or "") <= hi_s:
                continue
            earlier = [r for r in rows[:i] if r[3].po != kl.po and r[1] > start
                       and (r[3].first_receipt is None or r[3].first_receipt > start)
                       and (start - r[0]).total_seconds() <= window
                       and abs(r[3].ordered - kl.ordered) <= same_qty_pct / 100 * max(r[3].ordered, kl.ordered)
                       and ((same_order(kl.po, r[3].po) and (start - r[0]).total_seconds() <= twice_s)
                            or (kl.product_qty >= distinct_units
                                                             and common[kl.ordered] <= 0.25 * len(rows)))]
            if earlier:
                first = earlier[-1]
                out.append(_flag("duplicate_open", po, kl,
                                 f"{kl.ordered:g} ordered (approved {start:%Y-%m-%d}) while {first[3].po} for "
                                 f"{first[3].ordered:g} of the same product into {wh}, approved {first[0]:%Y-%m-%d}, "
                                 f"had received nothing yet", other_po=first[3].po,
                                 other_vendor=name_of(first[2].get("partner_id"))))
    return out


def _site_duplicate_flags(lines: list[tuple[dict[str, Any], dict[str, Any], kpi.POLine]], lo_s: str, hi_s: str,
                          cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """The same order placed from two warehouses: a PO of the period with at least `sites_min_lines` product
    lines whose products and quantities (within `same_quantity_pct` %) all match another PO of the same vendor
    into a different warehouse, approved within `sites_within_hours` before it."""
    min_lines = int(cfg.get("sites_min_lines", 2))
    within = float(cfg.get("sites_within_hours", 24)) * 3600
    pct = float(cfg["same_quantity_pct"]) / 100
    orders: dict[str, tuple[dict[str, Any], datetime, dict[str, float], list[kpi.POLine]]] = {}
    for po, _ln, kl in lines:
        start = kl.approved or dt(po.get("date_order"))
        if start is None:
            continue
        row = orders.setdefault(kl.po, (po, start, {}, []))
        row[2][kl.product] = row[2].get(kl.product, 0.0) + kl.ordered
        row[3].append(kl)
    by_vendor: dict[Any, list[tuple[dict[str, Any], datetime, dict[str, float], list[kpi.POLine]]]] = defaultdict(list)
    for row in orders.values():
        if len(row[2]) >= min_lines:
            by_vendor[id_of(row[0].get("partner_id"))].append(row)
    out = []
    for rows in by_vendor.values():
        rows.sort(key=lambda r: r[1])
        for i, (po, start, qty, kls) in enumerate(rows):
            if not lo_s <= str(po.get("date_order") or "") <= hi_s:
                continue
            twin = next((r for r in reversed(rows[:i]) if (start - r[1]).total_seconds() <= within
                         and _wh_code(r[0]) != _wh_code(po) and set(r[2]) == set(qty)
                         and all(abs(r[2][p] - q) <= pct * max(r[2][p], q) for p, q in qty.items())), None)
            if twin is None:
                continue
            for kl in kls:
                out.append(_flag("duplicate_sites", po, kl,
                                 f"{kl.po} into {_wh_code(po)} (approved {start:%Y-%m-%d %H:%M}) repeats "
                                 f"{twin[3][0].po} into {_wh_code(twin[0])} (approved {twin[1]:%Y-%m-%d %H:%M}): "
                                 f"same vendor, same {len(qty)} products and quantities", other_po=twin[3][0].po))
    return out


def _spread_flags(lines: list[tuple[dict[str, Any], dict[str, Any], kpi.POLine]], cfg: dict[str, Any], code: str
                  ) -> list[dict[str, Any]]:
    """Per product: quantity-weighted unit price per (warehouse, vendor); flag when a line of one group paid at
    least min_pct more per unit than another group's average (so one dear spot buy is not averaged away by its
    site's ordinary orders). One flag per product, on the dearest such line, naming the cheapest group."""
    groups: dict[str, dict[tuple[str, str], list[tuple[float, float, dict[str, Any], kpi.POLine]]]] = \
        defaultdict(lambda: defaultdict(list))
    for po, _ln, kl in lines:
        if kl.product_qty > 0 and kl.price_unit > 0:
            groups[kl.product][(_wh_code(po), str(name_of(po.get("partner_id"))))].append(
                (kl.price_unit, kl.ordered, po, kl))
    out = []
    for product, by in groups.items():
        if len(by) < 2:
            continue
        avg = {k: sum(p * q for p, q, _po, _kl in v) / sum(q for _p, q, _po, _kl in v) for k, v in by.items()}
        best: tuple[float, tuple[str, str], tuple[str, str]] | None = None
        for k, rows in by.items():
            lo_k = min((h for h in avg if h != k), key=lambda h: avg[h])
            pct = 100 * (max(r[0] for r in rows) / avg[lo_k] - 1)
            if best is None or pct > best[0]:
                best = (pct, k, lo_k)
        if best is None or best[0] < float(cfg["min_pct"]):
            continue
        pct, hi_k, lo_k = best
        dear = max(by[hi_k], key=lambda r: r[0])
        cheap = min(by[lo_k], key=lambda r: r[0])
        out.append(_flag("price_spread", dear[2], dear[3],
                         f"{product}: {dear[3].po} paid {money(dear[0], code)} per unit at {hi_k[0]} from {hi_k[1]}, "
                         f"{pct:.0f}% more than the {money(avg[lo_k], code)} paid on average at {lo_k[0]} from "
                         f"{lo_k[1]} in the same period", spread_pct=round(pct, 1), other_po=cheap[3].po,
                         warehouses=sorted({k[0] for k in by}), vendors=sorted({k[1] for k in by})))
    return out


LABEL = {"quantity": "unusual quantity", "price_above_list": "above the vendor's price",
         "over_received": "received more than ordered", "duplicate_open": "overlapping open orders",
         "duplicate_sites": "same order from two sites", "price_spread": "price differs by site or vendor"}


def cached_anomalies(ctx: ToolContext) -> dict[str, Any]:
    """The default question's flags (90 days, every warehouse and vendor), shared with the tool's cache."""
    minutes = float(load_rules().get("cache_minutes", 15))
    return dict(ctx.odoo.cached(f"purchase_anomalies::::{today(ctx)}", lambda: find_anomalies(ctx), ttl=minutes * 60))


def flags_for_po(ctx: ToolContext, name: str, draft: bool = False) -> list[dict[str, Any]]:
    """The flags that involve one PO (its own lines, or named as the other order of a pair), each with its
    kind label, reason and the POs to open. `draft`: check this PO whatever its state (a proposal's RFQ)."""
    data = find_anomalies(ctx, include=name) if draft else cached_anomalies(ctx)
    out = []
    for f in data["flags"]:
        if f["po"] == name or f.get("other_po") == name:
            out.append({"kind": f["kind"], "label": LABEL[f["kind"]], "po": f["po"], "other_po": f.get("other_po"),
                        "product": f["product"], "warehouse": f["warehouse"], "reason": f["reason"]})
    return out


@tool(AnomalyArgs)
def purchase_anomalies(ctx: ToolContext, args: AnomalyArgs) -> ToolResult:
    """Unusual purchases: odd quantity, price above list, overlapping orders, site price gaps."""
    minutes = float(load_rules().get("cache_minutes", 15))
    key = f"purchase_anomalies:{args.period or ''}:{args.warehouse or ''}:{args.vendor or ''}:{today(ctx)}"
    data = dict(ctx.odoo.cached(key, lambda: find_anomalies(ctx, args.period, args.warehouse, args.vendor),
                                ttl=minutes * 60))
    flags = data["flags"]
    data["flag_count"] = len(flags)
    data["flags"] = flags[:MAX_FLAGS]
    where = " ".join(str(v) for v in data["scope"].values())
    head = f"Purchase anomalies{' for ' + where if where else ''} in orders since {data['since']}"
    if not flags:
        return ToolResult(tool="purchase_anomalies", data=compact(data),
                          text=f"{head}: none among {data['lines_checked']} order lines.")
    counts = ", ".join(f"{n} {LABEL[k]}" for k, n in data["counts"].items() if n)
    shown = "; ".join(f"{f['po']} {f['product']}: {f['reason']}" for f in flags[:6])
    return ToolResult(tool="purchase_anomalies", data=compact(data),
                      text=f"{head}, {data['lines_checked']} lines: {counts}. First: {shown}")

