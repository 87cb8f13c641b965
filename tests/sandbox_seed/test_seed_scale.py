"""`scale` multiplies the transactional volume and leaves the named business alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sandbox.seed import generate

Rows = dict[str, list[dict[str, Any]]]


@pytest.mark.slow
def test_scale_ten_has_about_ten_times_the_transactions(rows: Rows, today: dt.date) -> None:
    big = generate(seed=42, scale=10, today=today)
    for model in ("purchase.order", "stock.picking", "mail.message"):
        ratio = len(big[model]) / len(rows[model])
        assert 8.0 <= ratio <= 12.0, (model, ratio)
    assert len(big["stock.quant"]) >= 5 * len(rows["stock.quant"])
    assert [w["code"] for w in big["stock.warehouse"]] == [w["code"] for w in rows["stock.warehouse"]]
    assert len(big["res.users"]) == len(rows["res.users"])
    assert sum(p["supplier_rank"] > 0 for p in big["res.partner"]) == 35
    bins = [loc for loc in big["stock.location"] if "/Bin " in loc["complete_name"]]
    assert len(bins) == 50
