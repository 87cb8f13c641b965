"""Engine behaviours behind the performance work: quantities computed for requested ids only must equal the
full computation, seeded rows get Odoo's default active=True, web_read answers are identical per record and
in batch (no N+1 shortcut may change a value)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sandbox_helpers import Client

QTY = ["qty_available", "virtual_available", "incoming_qty", "outgoing_qty", "free_qty"]


@pytest.mark.parametrize("context", [{}, {"warehouse_id": 1}, {"location": 4, "strict": True},
                                     {"to_date": "2026-01-01"}])
def test_quantities_for_some_ids_equal_the_full_computation(admin: Client, context: dict[str, Any]) -> None:
    every = admin("product.product", "search_read", [], fields=QTY, context={**context, "active_test": False})
    assert len(every) >= 3
    for row in every:
        one = admin("product.product", "read", [row["id"]], QTY, context=context)[0]
        assert one == row
    pair = [every[-1]["id"], every[0]["id"]]
    assert admin("product.product", "read", pair, QTY, context=context) == [every[-1], every[0]]
    # a search on a quantity (every product) and a read of a few in the same request stay consistent
    positive = admin("product.product", "search", [("qty_available", ">", 0)], context=context)
    assert sorted(positive) == sorted(r["id"] for r in every if r["qty_available"] > 0)


def test_seeded_rows_without_active_are_active(tmp_path: Path) -> None:
    from sandbox.minimal_seed import generate
    from sandbox.store import build_database
    data = generate(42, 1)
    for row in data["mail.activity.type"]:
        row.pop("active", None)
    data["mail.activity.type"][0]["active"] = False  # an explicit False is kept
    build_database(tmp_path / "s.db", data, {})
    conn = sqlite3.connect(tmp_path / "s.db")
    got = dict(conn.execute("SELECT id, active FROM mail_activity_type").fetchall())
    assert got[data["mail.activity.type"][0]["id"]] == 0
    assert all(v == 1 for k, v in got.items() if k != data["mail.activity.type"][0]["id"])


def test_web_read_batch_equals_per_record(admin: Client) -> None:
    spec = {"name": {}, "partner_id": {"fields": {"display_name": {}, "name": {}}},
            "order_line": {"fields": {"product_qty": {}, "product_id": {"fields": {"default_code": {}}},
                                      "move_ids": {"fields": {"state": {}, "quantity": {}}}}}}
    ids = admin("purchase.order", "search", [])
    batch = admin("purchase.order", "web_read", ids, specification=spec)
    assert [r["id"] for r in batch] == ids
    for rec in batch:
        assert admin("purchase.order", "web_read", [rec["id"]], specification=spec) == [rec]
    limited = admin("purchase.order", "web_read", ids,
                    specification={"order_line": {"fields": {"product_qty": {}}, "limit": 1,
                                                  "order": "product_qty desc"}})
    for rec, full in zip(limited, batch, strict=True):
        lines = rec["order_line"]
        assert sorted(x["id"] for x in lines) == sorted(x["id"] for x in full["order_line"])
        if lines:
            assert lines[0]["product_qty"] == max(x["product_qty"] for x in full["order_line"])
            assert all(set(x) == {"id"} for x in lines[1:])
