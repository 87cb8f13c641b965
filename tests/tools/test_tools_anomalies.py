"""purchase_anomalies: measured against the anomalies the Bluebonnet generator planted (its own labels,
sandbox/seed/labels.py), and each flag's figures recomputed here from raw Odoo reads."""

from __future__ import annotations

import datetime as dt
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


def test_precision_and_recall_on_the_planted_anomalies(sandbox: Any, found: dict[str, Any]) -> None:
    from sandbox.seed.labels import anomaly_labels

    meta = sandbox_meta(sandbox)
    labels = anomaly_labels(int(meta["seed"]), int(meta["scale"]), dt.date.fromisoformat(meta["today"]))
    since = dt.date.fromisoformat(found["since"])
    for kind in ("price_above_list", "over_received"):
        truth = {(po, p) for k, po, p, day in labels if k == kind and day >= since}
        got = {(f["po"], f["product"]) for f in found["flags"] if f["kind"] == kind}
        assert truth, kind
        precision, recall = len(truth & got) / len(got), len(truth & got) / len(truth)
        assert precision >= 0.8 and recall >= 0.8, (kind, precision, recall, sorted(truth ^ got)[:6])


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
        hist = odoo.search_read("purchase.order.line", [("product_id", "=", ln["product_id"][0]),
                                                        ("partner_id", "=", ln["partner_id"][0]),
                                                        ("state", "in", ["purchase", "done"]),
                                                        ("date_order", ">=", start), ("id", "!=", ln["id"])],
                                ["product_uom_qty"], limit=10000)
        qty = [h["product_uom_qty"] for h in hist]
        med = statistics.median(qty)
        mad = max(statistics.median(abs(q - med) for q in qty), med * rules["mad_floor_pct"] / 100)
        assert f["median"] == med and f["history"] == len(qty)
        assert abs(0.6745 * (ln["product_uom_qty"] - med) / mad) > rules["robust_z"]


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
    """Business 2 receives Case-of-24 lines as Units: no phantom over-receipts."""
    res = run_tool(ToolContext(user=ADMIN, odoo=odoo_hollander), "purchase_anomalies", {})
    assert res.ok, res.error
    assert res.data["lines_checked"] > 0 and res.data["counts"]["over_received"] == 0


def test_warehouse_role_sees_flags_without_money(odoo: OdooClient) -> None:
    from tools.governance.policy import Policy

    policy = Policy.load(Path(__file__).resolve().parents[2] / "tools" / "governance" / "default_policy.yaml")
    ctx = ToolContext(user=Identity(username="w", role="warehouse"), odoo=odoo, policy=policy)
    res = run_tool(ctx, "purchase_anomalies", {"vendor": "Cardinal Gloves & PPE"})
    assert res.ok, res.error
    flags = res.data["flags"]
    assert flags and not any("unit_price" in f or "list_price" in f for f in flags)
    assert " USD" not in res.for_model()
