"""Today's state: open receipts due today/this week/overdue, RFQs around the approval thresholds,
stockouts on fast movers, excess on slow movers, stale reorder rules, 18 months of history."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import seed_metrics as m

Rows = dict[str, list[dict[str, Any]]]


def _site_of_type(rows: Rows) -> dict[int, str]:
    codes = {w["id"]: w["code"] for w in rows["stock.warehouse"]}
    return {t["id"]: codes[t["warehouse_id"]] for t in rows["stock.picking.type"]}


def test_every_site_has_receipts_due_today_this_week_and_overdue(rows: Rows, today: dt.date) -> None:
    site = _site_of_type(rows)
    seen: dict[str, set[str]] = defaultdict(set)
    pos = m.by_id(rows, "purchase.order")
    for p in m.receipts(rows):
        if p["state"] not in ("assigned", "confirmed"):
            continue
        assert p["purchase_id"] and pos[p["purchase_id"]]["state"] == "purchase"
        day = m.parse(p["scheduled_date"]).date()
        bucket = "today" if day == today else "week" if today < day <= today + dt.timedelta(days=7) else \
            "overdue" if day < today else "later"
        seen[site[p["picking_type_id"]]].add(bucket)
    for code in ("DAL", "HOU", "AUS", "SAT", "OKC"):
        assert {"today", "week", "overdue"} <= seen[code], (code, seen[code])


def test_open_receipt_moves_feed_incoming_quantities(rows: Rows) -> None:
    picks = m.by_id(rows, "stock.picking")
    stock_locs = {w["lot_stock_id"] for w in rows["stock.warehouse"]}
    locs = m.by_id(rows, "stock.location")
    open_in = [mv for mv in rows["stock.move"] if mv["state"] == "assigned" and mv["purchase_line_id"]
               and picks[mv["picking_id"]]["state"] == "assigned"]
    assert len(open_in) >= 40
    for mv in open_in:
        dest = locs[mv["location_dest_id"]]
        assert mv["location_dest_id"] in stock_locs or dest["location_id"] in stock_locs
        assert mv["quantity"] == mv["product_uom_qty"] > 0


def test_rfqs_sit_in_each_approval_band(rows: Rows) -> None:
    rfqs = [po for po in rows["purchase.order"] if po["state"] in ("draft", "sent")]
    amounts = sorted(m.po_amount(rows, po["id"]) for po in rfqs)
    assert any(a < 5000 for a in amounts)
    assert sum(5000 < a <= 25000 for a in amounts) >= 2
    assert sum(a > 25000 for a in amounts) == 1
    assert {po["state"] for po in rfqs} == {"draft", "sent"}
    assert all(po["date_approve"] is None for po in rfqs)
    assert not any(p["purchase_id"] in {po["id"] for po in rfqs} for p in rows["stock.picking"])


def _onhand(rows: Rows) -> dict[tuple[int, int], float]:
    locs = m.by_id(rows, "stock.location")
    out: dict[tuple[int, int], float] = defaultdict(float)
    for q in rows["stock.quant"]:
        out[(locs[q["location_id"]]["warehouse_id"], q["product_id"])] += q["quantity"]
    return out


def test_fast_movers_are_out_and_slow_movers_pile_up(rows: Rows, today: dt.date) -> None:
    onhand = _onhand(rows)
    rules = [r for r in rows["stock.warehouse.orderpoint"] if r["active"]]
    below = defaultdict(int)
    for r in rules:
        if onhand.get((r["warehouse_id"], r["product_id"]), 0.0) < r["product_min_qty"]:
            below[r["warehouse_id"]] += 1
    assert len(below) == 5 and min(below.values()) >= 3
    # sales history per (site, product) over the last 90 days
    since = (today - dt.timedelta(days=90)).isoformat()
    sold: dict[tuple[int, int], float] = defaultdict(float)
    customers = next(loc["id"] for loc in rows["stock.location"] if loc["usage"] == "customer")
    for mv in rows["stock.move"]:
        if mv["state"] == "done" and mv["location_dest_id"] == customers and mv["date"] >= since:
            sold[(mv["warehouse_id"], mv["product_id"])] += mv["quantity"]
    fast_out = [k for k, v in sold.items() if v >= 200 and onhand.get(k, 0.0) == 0]
    excess = [k for k, v in onhand.items() if v > 0 and v > 3 * sold.get(k, 0.0) * 4]  # > 3 years of cover
    assert len(fast_out) >= 8, len(fast_out)
    assert len(excess) >= 20, len(excess)
    gloves = next(p["id"] for p in rows["product.product"] if p["default_code"] == "PPE-1042")
    assert onhand.get((1, gloves), 0.0) < 20


def test_okc_is_small_with_several_zero_items(rows: Rows) -> None:
    onhand = _onhand(rows)
    per_site = defaultdict(float)
    for (wh, _p), _q in onhand.items():
        per_site[wh] += 1
    assert per_site[5] == min(per_site.values())
    rules = [r for r in rows["stock.warehouse.orderpoint"] if r["warehouse_id"] == 5]
    zero = [r for r in rules if onhand.get((5, r["product_id"]), 0.0) == 0]
    assert len(zero) >= 5


def test_some_reorder_rules_are_stale(rows: Rows) -> None:
    products = m.by_id(rows, "product.product")
    rules = rows["stock.warehouse.orderpoint"]
    assert [r["name"] for r in rules[:2]] == ["OP/00001", "OP/00002"]
    archived = [r for r in rules if not products[r["product_id"]]["active"]]
    assert archived
    customers = next(loc["id"] for loc in rows["stock.location"] if loc["usage"] == "customer")
    last_sale: dict[tuple[int, int], str] = {}
    for mv in rows["stock.move"]:
        if mv["state"] == "done" and mv["location_dest_id"] == customers:
            key = (mv["warehouse_id"], mv["product_id"])
            last_sale[key] = max(last_sale.get(key, ""), mv["date"])
    cutoff = (dt.date.fromisoformat(rows["mail.message"][-1]["date"][:10]) - dt.timedelta(days=180)).isoformat()
    not_sold = [r for r in rules if last_sale.get((r["warehouse_id"], r["product_id"]), "") < cutoff]
    assert len(not_sold) >= 3
    assert {r["trigger"] for r in rules} == {"auto", "manual"}


def test_history_spans_eighteen_months_and_nothing_happens_after_now(rows: Rows, today: dt.date) -> None:
    now = f"{today.isoformat()} 15:00:00"
    dates = sorted(po["date_order"] for po in rows["purchase.order"])
    first = dt.date.fromisoformat(dates[0][:10])
    assert 520 <= (today - first).days <= 548
    assert dates[-1] <= now
    assert all(p["date_done"] <= now for p in rows["stock.picking"] if p["date_done"])
    assert all(msg["date"] <= now for msg in rows["mail.message"])
    assert all(po["date_approve"] <= now for po in rows["purchase.order"] if po["date_approve"])
    assert all(b["invoice_date"] <= today.isoformat() for b in rows["account.move"])
    assert [msg["date"] for msg in rows["mail.message"]] == sorted(msg["date"] for msg in rows["mail.message"])
    months = {po["date_order"][:7] for po in rows["purchase.order"]}
    assert len(months) >= 18


def test_names_follow_odoo_sequences(rows: Rows) -> None:
    names = [po["name"] for po in rows["purchase.order"]]
    assert names[:3] == ["P00001", "P00002", "P00003"] and len(set(names)) == len(names)
    picks = [p["name"] for p in rows["stock.picking"]]
    assert len(set(picks)) == len(picks)
    assert {"DAL/IN/00001", "HOU/OUT/00001", "OKC/IN/00001"} <= set(picks)
    posted = [b["name"] for b in rows["account.move"] if b["state"] == "posted"]
    assert len(set(posted)) == len(posted)
    assert all(n.startswith(("BILL/", "RBILL/")) for n in posted)
    assert all(b["name"] == "/" for b in rows["account.move"] if b["state"] == "draft")
    backorders = [p for p in rows["stock.picking"] if p["backorder_id"]]
    assert backorders and all(rows["stock.picking"][p["backorder_id"] - 1]["origin"] == p["origin"]
                              for p in backorders)


def test_activities_point_at_live_work(rows: Rows, today: dt.date) -> None:
    acts = rows["mail.activity"]
    assert len(acts) >= 8
    deadlines = {a["date_deadline"] for a in acts}
    assert min(deadlines) < today.isoformat() < max(deadlines)
    assert {a["res_model"] for a in acts} >= {"purchase.order", "res.partner"}


def test_every_site_has_a_partially_received_po_with_an_open_backorder(rows: Rows) -> None:
    site = _site_of_type(rows)
    picks = m.by_id(rows, "stock.picking")
    sites = {site[p["picking_type_id"]] for p in rows["stock.picking"]
             if p["backorder_id"] and p["state"] == "assigned" and picks[p["backorder_id"]]["state"] == "done"}
    assert sites == {"DAL", "HOU", "AUS", "SAT", "OKC"}
