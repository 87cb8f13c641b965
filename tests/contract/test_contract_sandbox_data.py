"""Sandbox-only assertions about the demo business (ARCHITECTURE.md); skipped against a real Odoo."""

from __future__ import annotations

from typing import Any

import odoorpc  # type: ignore[import-untyped]
import pytest
from contract_helpers import JsonRpcFault, Target, jsonrpc


@pytest.fixture(autouse=True)
def _sandbox_only(target: Target) -> None:
    if not target.is_sandbox or target.business != "bluebonnet":
        pytest.skip("Bluebonnet demo-business assertions only hold on the Bluebonnet sandbox")


def test_admin_is_uid_2_and_company(odoo: Any) -> None:
    assert odoo.env.uid == 2
    assert odoo.execute_kw("res.company", "read", [[1], ["name"]])[0]["name"] == "Bluebonnet Supply Co."


def test_five_warehouses(odoo: Any) -> None:
    rows = odoo.execute_kw("stock.warehouse", "search_read", [[]], {"fields": ["code", "lot_stock_id"]})
    assert [r["code"] for r in rows] == ["DAL", "HOU", "AUS", "SAT", "OKC"]
    assert all(r["lot_stock_id"][1] == f"{r['code']}/Stock" for r in rows)


@pytest.mark.parametrize("login", ["ava.buyer", "ben.buyer", "wes.warehouse", "fiona.finance", "maria.manager",
                                   "omar.approver"])
def test_demo_users_log_in(target: Target, login: str) -> None:
    host, port = target.host_port
    o = odoorpc.ODOO(host, port=port)
    o.login(target.db, login, login)
    assert o.env.uid > 2


def test_warehouse_user_cannot_read_bills(target: Target) -> None:
    uid = jsonrpc(target.url, "common", "login", target.db, "wes.warehouse", "wes.warehouse")
    with pytest.raises(JsonRpcFault) as exc:
        jsonrpc(target.url, "object", "execute_kw", target.db, uid, "wes.warehouse", "account.move", "search_read",
                [[]], {"fields": ["name"], "limit": 1})
    assert exc.value.name == "odoo.exceptions.AccessError"
    assert "(account.move)" in exc.value.message
    assert jsonrpc(target.url, "object", "execute_kw", target.db, uid, "wes.warehouse", "stock.quant",
                   "search_count", [[]]) > 0


def test_system_user_cannot_log_in(target: Target) -> None:
    assert jsonrpc(target.url, "common", "login", target.db, "__system__", "") is False


def test_named_vendors_and_open_receipts(odoo: Any) -> None:
    ek = odoo.execute_kw
    for name in ("Apex Industrial Supply", "Redline Fasteners", "Gemini Furniture", "Cardinal Gloves & PPE"):
        assert ek("res.partner", "search_count", [[("name", "=", name), ("supplier_rank", ">", 0)]]) == 1
    open_receipts = ek("stock.picking", "search_count", [[("picking_type_code", "=", "incoming"),
                                                          ("state", "=", "assigned")]])
    assert open_receipts > 0
    assert ek("purchase.order", "search_count", [[("state", "in", ["draft", "sent"])]]) > 0
