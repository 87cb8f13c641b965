"""Supplier scorecard figures people read: unit prices in money with the currency, the change computed from the
two prices shown (never "first 3.18, last 3.18, change -0.1"), human headers in the scorecard and replenishment
tables; on both businesses."""

from __future__ import annotations

from datetime import datetime

import pytest

from assistant.people_text import heading
from assistant.planner.compose import render_data
from tools import kpi
from tools.base import Identity, ToolContext
from tools.governance.policy import Policy
from tools.reads.common import currency
from tools.reads.scorecard import ScorecardArgs, supplier_scorecard

POLICY = Policy.load("tools/governance/default_policy.yaml")


def test_the_change_agrees_with_the_prices_shown() -> None:
    raw = kpi.price_trend([(datetime(2026, 1, 1), 3.183, 10), (datetime(2026, 6, 1), 3.1798, 10)])
    assert raw["change_pct"] == -0.1  # the unrounded pair moved 0.1 %
    shown = kpi.shown_trend(raw)
    assert (shown["first_price"], shown["last_price"], shown["change_pct"]) == (3.18, 3.18, 0.0)
    up = kpi.shown_trend(kpi.price_trend([(datetime(2026, 1, 1), 4.0, 1), (datetime(2026, 2, 1), 4.4449, 1)]))
    assert (up["first_price"], up["last_price"], up["change_pct"]) == (4.0, 4.44, 11.0)


@pytest.mark.parametrize("fixture", ["odoo", "odoo_hollander"])
def test_scorecard_top_products_are_consistent_and_carry_the_currency(fixture: str,
                                                                       request: pytest.FixtureRequest) -> None:
    odoo = request.getfixturevalue(fixture)
    ctx = ToolContext(user=Identity("b", "buyer"), odoo=odoo, policy=POLICY)
    code = currency(ctx)
    vendors = odoo.search_read("purchase.order", [("state", "in", ["purchase", "done"])], ["partner_id"], limit=400)
    counts: dict[str, int] = {}
    for v in vendors:
        counts[v["partner_id"][1]] = counts.get(v["partner_id"][1], 0) + 1
    checked = 0
    for name in sorted(counts, key=lambda n: -counts[n])[:4]:
        res = supplier_scorecard.func(ctx, ScorecardArgs(supplier=name))
        for p in res.data.get("top_products") or []:
            first, last = float(p["first_price"]), float(p["last_price"])
            assert round(first, 2) == first and round(last, 2) == last and round(float(p["avg_price"]), 2) == \
                float(p["avg_price"])
            assert p["change_pct"] == pytest.approx(round(100 * (last - first) / first, 1), abs=1e-9)
            checked += 1
        table = render_data("supplier_scorecard", res.data)
        if res.data.get("top_products"):
            assert "| First price | Last price | Average price | Change % |" in table.replace(
                "| Product | Spend | Orders | Qty ", "")
            assert f"{float(res.data['top_products'][0]['first_price']):,.2f} {code}" in table
            assert "Change pct" not in table and "Avg price" not in table
    assert checked >= 3


def test_replenishment_and_scorecard_headers_read_as_words() -> None:
    data = {"at_risk": [{"product": "[A-1] Thing", "on_hand": 0, "forecast": -3, "min": 5, "below_min": True,
                         "daily_out": 1.5, "wh": "X1"}],
            "lines": [{"po": "P1", "change_pct": 2.0}]}
    table = render_data("replenishment_risk", data)
    assert "Below minimum" in table and "Daily outflow" in table and "Warehouse" in table
    assert "Below min |" not in table and "Daily out |" not in table
    assert [heading(k) for k in ("below_min", "daily_out", "wh", "po", "change_pct", "previous_month")] == \
        ["Below minimum", "Daily outflow", "Warehouse", "PO", "Change %", "Previous month"]
    assert heading("replenishment_risk: at_risk") == "Products at risk of running out"
    assert heading("supplier_scorecard: top_products").startswith("Top products")
