"""`allowed_company_ids` naming a company the caller lacks: real Odoo 18 raises AccessError "Access to
unauthorized or invalid companies." on every model with a multi-company rule (and on res.users / res.company),
for search, read and read_group alike; a model without company rules (uom.uom) answers. Probed on a real 18.0
(2026-12-03) with a one-company user and with a company id that does not exist; the sandbox used to narrow the
context silently instead."""

from __future__ import annotations

from typing import Any

import pytest
from contract_helpers import JsonRpcFault, Target, jsonrpc

REFUSED = ("odoo.exceptions.AccessError", "Access to unauthorized or invalid companies.")


def _call(target: Target, odoo: Any, model: str, method: str, args: list[Any], kw: dict[str, Any]) -> Any:
    return jsonrpc(target.url, "object", "execute_kw", target.db, odoo.env.uid, target.password, model, method,
                   args, kw)


@pytest.fixture(scope="module")
def companies(odoo: Any) -> tuple[list[int], int]:
    """The login's companies and an id no company has."""
    ek = odoo.execute_kw
    mine = ek("res.users", "read", [[odoo.env.uid], ["company_ids"]])[0]["company_ids"]
    every = ek("res.company", "search", [[]], {"context": {"active_test": False}})
    return list(mine), max(every) + 1000


CALLS = [
    ("purchase.order", "search_count", [[]], {}),
    ("res.partner", "search_read", [[]], {"fields": ["id"], "limit": 1}),
    ("product.product", "search_read", [[]], {"fields": ["qty_available"], "limit": 1}),
    ("stock.warehouse", "search_read", [[]], {"fields": ["name"]}),
    ("stock.quant", "read_group", [[], ["quantity:sum"], ["product_id"]], {"lazy": False}),
    ("res.company", "search_read", [[]], {"fields": ["name"]}),
]


@pytest.mark.parametrize("model, method, args, kw", CALLS)
def test_a_company_the_user_lacks_is_refused(target: Target, odoo: Any, companies: tuple[list[int], int],
                                             model: str, method: str, args: list[Any], kw: dict[str, Any]) -> None:
    mine, invalid = companies
    for allowed in ([invalid], [*mine, invalid]):
        with pytest.raises(JsonRpcFault) as exc:
            _call(target, odoo, model, method, args, {**kw, "context": {"allowed_company_ids": allowed}})
        assert (exc.value.name, exc.value.message) == REFUSED, allowed
    _call(target, odoo, model, method, args, {**kw, "context": {"allowed_company_ids": mine}})  # answers


def test_reading_by_id_is_refused_too(target: Target, odoo: Any, companies: tuple[list[int], int]) -> None:
    mine, invalid = companies
    for model in ("res.partner", "product.product", "stock.warehouse"):
        ids = odoo.execute_kw(model, "search", [[]], {"limit": 1})
        with pytest.raises(JsonRpcFault) as exc:
            _call(target, odoo, model, "read", [ids], {"fields": ["display_name"],
                                                       "context": {"allowed_company_ids": [invalid]}})
        assert (exc.value.name, exc.value.message) == REFUSED, model


def test_a_model_without_company_rules_answers(target: Target, odoo: Any,
                                               companies: tuple[list[int], int]) -> None:
    _, invalid = companies
    rows = _call(target, odoo, "uom.uom", "search_read", [[]], {"fields": ["name"], "limit": 1,
                                                                 "context": {"allowed_company_ids": [invalid]}})
    assert rows and rows[0]["name"]
