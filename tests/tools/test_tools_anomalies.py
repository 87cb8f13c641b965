"""purchase_anomalies: measured against the anomalies both sandbox generators planted (their own labels,
sandbox/seed/labels.py), and each flag's figures recomputed here from raw Odoo reads."""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
import statistics
from pathlib import Path
from typing import Any

import pytest

from tools.base import Identity, ToolContext
from tools.odoo.client import OdooClient
from tools.reads.anomalies import find_anomalies, load_rules, robust_z
from tools.registry import run_tool

ADMIN = Identity(username="admin", role="admin")


def sandbox_meta(running: Any) -> dict[str, str]:
    """seed, scale and today the served sandbox was generated with (its sandbox_meta table)."""
    path = next(p for p in Path(running.data_dir).glob("sandbox*.db"))
    with sqlite3.connect(str(path)) as conn:
        return dict(conn.execute("SELECT key, value FROM sandbox_meta").fetchall())


@pytest.fixture(scope="module")
def ctx(odoo: OdooClient) -> ToolContext:
    return ToolContext(user=ADMIN, odoo=odoo)


@pytest.fixture(scope="module")
def found(ctx: ToolContext) -> dict[str, Any]:
    return find_anomalies(ctx)


def test_robust_z_is_median_and_mad() -> None:
    hist = [8.0, 9.0, 10.0, 11.0, 12.0, 50.0, 10.0]  # one outlier in the history barely moves median and MAD
    assert robust_z(10.0, hist) == pytest.approx(0.0)
    assert robust_z(14.0, hist) == pytest.approx(0.6745 * 4 / 1.0)
    assert robust_z(5.0, [5.0] * 8) is None
    assert robust_z(6.0, [5.0] * 8) == float("inf")
    assert robust_z(6.0, [5.0] * 8, mad_floor_pct=10) == pytest.approx(0.6745 * 1 / 0.5)
    assert robust_z(6.0, [5.0] * 8, mad_floor_pct=10, mad_floor=2.0) == pytest.approx(0.6745 * 1 / 2.0)


def _score(running: Any, flags: list[dict[str, Any]], since: dt.date, business: str) -> dict[str, tuple[float, float]]:
    from sandbox.seed.labels import KINDS, anomaly_labels

    meta = sandbox_meta(running)
    labels = anomaly_labels(int(meta["seed"]), int(meta["scale"]), dt.date.fromisoformat(meta["today"]), business)
    out = {}
    for kind in KINDS:
        if kind == "price_spread":
            truth = {p for k, _po, p, _day in labels if k == kind}
            got = {f["product"] for f in flags if f["kind"] == kind}
        else:
            truth = {(po, p) for k, po, p, day in labels if k == kind and day >= since}
            got = {(f["po"], f["product"]) for f in flags if f["kind"] == kind}
        assert truth, (business, kind)  # every kind is planted on both businesses
        out[kind] = (len(truth & got) / max(len(got), 1), len(truth & got) / len(truth))
    return out


def test_precision_and_recall_on_the_planted_anomalies(sandbox: Any, found: dict[str, Any]) -> None:
    scores = _score(sandbox, found["flags"], dt.date.fromisoformat(found["since"]), "bluebonnet")
    assert all(p >= 0.8 and r >= 0.8 for p, r in scores.values()), scores


def test_precision_and_recall_on_business_two(sandbox_hollander: Any, odoo_hollander: OdooClient) -> None:
    data = find_anomalies(ToolContext(user=ADMIN, odoo=odoo_hollander))
    scores = _score(sandbox_hollander, data["flags"], dt.date.fromisoformat(data["since"]), "hollander")
    assert all(p >= 0.8 and r >= 0.8 for p, r in scores.values()), scores


def _line(odoo: OdooClient, po: str, product: str) -> dict[str, Any]:
    rows = odoo.search_read("purchase.order.line", [("order_id.name", "=", po), ("product_id.default_code", "=", product)],
                            ["id", "product_id", "partner_id", "product_uom_qty", "price_unit", "move_ids",
                             "date_order"], limit=1)
    return rows[0]


def test_quantity_flags_recomputed_from_raw_lines(ctx: ToolContext, found: dict[str, Any]) -> None:
    odoo = ctx.odoo
    rules = load_rules()["quantity"]
    flags = [f for f in found["flags"] if f["kind"] == "quantity"]
    assert flags
    from tools.reads.common import months_ago

    start = months_ago(ctx, int(load_rules()["history_months"])).strftime("%Y-%m-%d %H:%M:%S")
    for f in flags[:5]:
        ln = _line(odoo, f["po"], f["product"])
        ptype = odoo.search_read("purchase.order", [("name", "=", f["po"])], ["picking_type_id"])[0]["picking_type_id"]
        hist = odoo.search_read("purchase.order.line", [("product_id", "=", ln["product_id"][0]),
                                                        ("partner_id", "=", ln["partner_id"][0]),
                                                        ("order_id.picking_type_id", "=", ptype[0]),
                                                        ("state", "in", ["purchase", "done"]),
                                                        ("date_order", ">=", start), ("id", "!=", ln["id"])],
                                ["product_uom_qty", "product_qty"], limit=10000)
        qty = [h["product_uom_qty"] for h in hist]
        med = statistics.median(qty)
        logs = [math.log(q) for q in qty]
        lmed = statistics.median(logs)
        distinct = sorted(set(qty))
        step = min((b - a for a, b in zip(distinct, distinct[1:], strict=False)), default=0.0)
        unit = hist[0]["product_uom_qty"] / hist[0]["product_qty"]
        mad = max(statistics.median(abs(x - lmed) for x in logs), math.log1p(rules["mad_floor_pct"] / 100),
                  math.log1p(max(unit, step) / med))
        assert f["median"] == med and f["history"] == len(qty)
        assert abs(0.6745 * (math.log(ln["product_uom_qty"]) - lmed) / mad) > rules["robust_z"]
        assert f"into {f['warehouse']}" in f["reason"]


def test_price_and_over_receipt_flags_recomputed(ctx: ToolContext, found: dict[str, Any]) -> None:
    odoo = ctx.odoo
    for f in [f for f in found["flags"] if f["kind"] == "price_above_list"][:5]:
        ln = _line(odoo, f["po"], f["product"])
        rows = odoo.search_read("product.supplierinfo", [("partner_id", "=", ln["partner_id"][0]),
                                                         ("product_tmpl_id.product_variant_ids", "in",
                                                          [ln["product_id"][0]])],
                                ["price", "date_start", "date_end"], limit=100)
        day = str(ln["date_order"])[:10]
        valid = [r["price"] for r in rows if (not r["date_start"] or str(r["date_start"]) <= day)
                 and (not r["date_end"] or day <= str(r["date_end"]))]
        assert f["list_price"] in valid and ln["price_unit"] == f["unit_price"] > f["list_price"]
        assert "above the vendor's price row" in f["reason"]
    for f in [f for f in found["flags"] if f["kind"] == "over_received"][:5]:
        ln = _line(odoo, f["po"], f["product"])
        moves = odoo.read("stock.move", ln["move_ids"], ["state", "quantity", "picking_code"])
        got = sum(m["quantity"] for m in moves if m["state"] == "done" and m["picking_code"] == "incoming")
        assert got == f["received"] > ln["product_uom_qty"] == f["ordered"]


def test_duplicate_and_spread_flags_name_checkable_records(ctx: ToolContext, found: dict[str, Any]) -> None:
    odoo = ctx.odoo
    dups = [f for f in found["flags"] if f["kind"] == "duplicate_open"]
    assert dups and any(f["kind"] == "price_spread" for f in found["flags"])
    sites = [f for f in found["flags"] if f["kind"] == "duplicate_sites"]
    assert sites
    for f in sites[:5]:
        a = odoo.search_read("purchase.order", [("name", "=", f["po"])], ["partner_id", "picking_type_id"])[0]
        b = odoo.search_read("purchase.order", [("name", "=", f["other_po"])], ["partner_id", "picking_type_id"])[0]
        assert a["partner_id"] == b["partner_id"] and a["picking_type_id"] != b["picking_type_id"]
        assert _line(odoo, f["other_po"], f["product"])["product_uom_qty"] == _line(odoo, f["po"], f["product"])[
            "product_uom_qty"]
    for f in dups[:5]:
        a = odoo.search_read("purchase.order", [("name", "=", f["po"])], ["date_approve", "picking_type_id"])[0]
        b = odoo.search_read("purchase.order", [("name", "=", f["other_po"])], ["date_approve", "picking_type_id"])[0]
        assert b["date_approve"] <= a["date_approve"] and a["picking_type_id"] == b["picking_type_id"]
        assert _line(odoo, f["other_po"], f["product"])  # the same product is on the other order
    for f in [f for f in found["flags"] if f["kind"] == "price_spread"][:5]:
        dear, cheap = _line(odoo, f["po"], f["product"]), _line(odoo, f["other_po"], f["product"])
        assert dear["price_unit"] > cheap["price_unit"] and len(f["warehouses"]) + len(f["vendors"]) >= 3


def test_tool_filters_text_and_bad_input(ctx: ToolContext) -> None:
    res = run_tool(ctx, "purchase_anomalies", {"vendor": "Cardinal Gloves & PPE"})
    assert res.ok, res.error
    assert res.data["counts"]["price_above_list"] > 0
    assert all(f["vendor"] == "Cardinal Gloves & PPE" or "Cardinal Gloves & PPE" in f.get("vendors", ())
               for f in res.data["flags"])
    assert "above the vendor's price" in res.text and "USD" in res.text
    wh = run_tool(ctx, "purchase_anomalies", {"warehouse": "HOU", "period": "last 30 days"})
    assert wh.ok and all(f["warehouse"] == "HOU" or "HOU" in f.get("warehouses", ()) for f in wh.data.get("flags", []))
    bad = run_tool(ctx, "purchase_anomalies", {"period": "whenever"})
    assert not bad.ok and "Traceback" not in (bad.error or "")


def test_business_two_reads_units_right(odoo_hollander: OdooClient) -> None:
    """Business 2 receives Case-of-24 lines as Units: the one planted over-delivery (84 units on 3 cases of 24)
    is the only over-receipt, read in the same unit on both sides (no phantom 24x over-receipts)."""
    res = run_tool(ToolContext(user=ADMIN, odoo=odoo_hollander), "purchase_anomalies", {})
    assert res.ok, res.error
    assert res.data["lines_checked"] > 0 and res.data["counts"]["over_received"] == 1
    over = next(f for f in res.data["flags"] if f["kind"] == "over_received")
    assert (over["ordered"], over["received"]) == (72.0, 84.0)


def test_warehouse_role_sees_flags_without_money(odoo: OdooClient) -> None:
    from tools.governance.policy import Policy

    policy = Policy.load(Path(__file__).resolve().parents[2] / "tools" / "governance" / "default_policy.yaml")
    ctx = ToolContext(user=Identity(username="w", role="warehouse"), odoo=odoo, policy=policy)
    res = run_tool(ctx, "purchase_anomalies", {"vendor": "Cardinal Gloves & PPE"})
    assert res.ok, res.error
    flags = res.data["flags"]
    assert flags and not any("unit_price" in f or "list_price" in f for f in flags)
    assert " USD" not in res.for_model()


def test_flags_show_on_po_status_and_rfqs_are_checked_before_confirmation(ctx: ToolContext,
                                                                         found: dict[str, Any]) -> None:
    from tools.reads.anomalies import flags_for_po

    for kind in ("duplicate_open", "quantity", "duplicate_sites"):
        f = next(f for f in found["flags"] if f["kind"] == kind)
        res = run_tool(ctx, "purchase_order_status", {"reference": f["po"]})
        assert res.ok, res.error
        assert any(a["reason"] == f["reason"] for a in res.data["anomalies"]), kind
        assert "worth a second look" in res.text and "kind" not in res.data["anomalies"][0]
    rfqs = ctx.odoo.search_read("purchase.order", [("state", "in", ["draft", "sent"])], ["name"], limit=50)
    assert rfqs
    checked = {r["name"]: flags_for_po(ctx, r["name"], draft=True) for r in rfqs}
    assert all(f["po"] == name or f["other_po"] == name for name, fl in checked.items() for f in fl)
    # RFQs sized up to an amount (the approval-threshold stories) carry quantities far above their history
    assert any(f["kind"] == "quantity" and f["po"] == name for name, fl in checked.items() for f in fl), checked
