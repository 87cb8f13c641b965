"""The domain language on the minimal business: operators, False semantics, paths, hierarchy, x2many."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_helpers import Client, Fault


def names(admin: Client, model: str, domain: list[Any], field: str = "name", **kw: Any) -> list[Any]:
    return sorted(r[field] for r in admin(model, "search_read", domain, fields=[field], **kw))


def test_comparison_and_like_operators(admin: Client) -> None:
    assert names(admin, "res.partner", [("name", "ilike", "apex")]) == ["Apex Industrial Supply"]
    assert names(admin, "res.partner", [("name", "like", "apex")]) == []
    assert names(admin, "res.partner", [("name", "=like", "R%")]) == ["Redline Fasteners"]
    assert names(admin, "res.partner", [("name", "=ilike", "r%")]) == ["Redline Fasteners"]
    assert names(admin, "res.partner", [("name", "ilike", "%")]) == names(admin, "res.partner", [])
    assert names(admin, "res.partner", [("name", "ilike", "d_n")]) == ["Dana Reyes"]  # '_' stays a wildcard
    assert names(admin, "res.partner", [("supplier_rank", ">", 3)]) == ["Apex Industrial Supply"]
    assert names(admin, "res.partner", [("supplier_rank", ">=", 3)]) == ["Apex Industrial Supply",
                                                                          "Redline Fasteners"]
    assert names(admin, "res.partner", [("supplier_rank", "<", 1), ("is_company", "=", True)]) == \
        ["Bluebonnet Supply Co."]
    assert names(admin, "res.partner", [("name", "not ilike", "e"), ("is_company", "=", True)]) == []
    assert names(admin, "res.partner", [("name", "not ilike", "a"), ("is_company", "=", False)]) == []


def test_false_semantics_and_negations(admin: Client) -> None:
    # the users who post in the chatter have an e-mail (Odoo 18 refuses message_post without one)
    assert names(admin, "res.partner", [("email", "!=", False)]) == ["Apex Industrial Supply", "Dana Reyes",
                                                                     "Mitchell Admin", "Wes Carter"]
    with_email = set(names(admin, "res.partner", [("email", "!=", False)]))
    no_email = set(names(admin, "res.partner", [("email", "=", False)]))
    assert with_email.isdisjoint(no_email) and len(with_email | no_email) == len(names(admin, "res.partner", []))
    # '!=' and 'not in' include NULLs, like PostgreSQL in Odoo
    assert "Redline Fasteners" in names(admin, "res.partner", [("email", "!=", "orders@apex.example")])
    assert "Redline Fasteners" in names(admin, "res.partner", [("email", "not in", ["orders@apex.example"])])
    assert "Redline Fasteners" in names(admin, "res.partner", [("email", "not ilike", "apex")])
    assert names(admin, "res.partner", ["!", ("email", "=", "orders@apex.example")]) == \
        names(admin, "res.partner", [("email", "!=", "orders@apex.example")])
    assert names(admin, "res.partner", [("email", "in", [False, "dana@apex.example"]),
                                        ("is_company", "=", False)]) == ["Ava Thompson", "Dana Reyes"]
    assert names(admin, "res.partner", [("is_company", "=", False), ("parent_id", "=", False)]) == \
        ["Ava Thompson", "Mitchell Admin", "Wes Carter"]
    assert names(admin, "res.partner", [("is_company", "!=", True), ("parent_id", "!=", False)]) == ["Dana Reyes"]


def test_prefix_operators(admin: Client) -> None:
    d = ["|", ("name", "=", "Redline Fasteners"), "&", ("is_company", "=", True), ("supplier_rank", ">", 4)]
    assert names(admin, "res.partner", d) == ["Apex Industrial Supply", "Redline Fasteners"]
    d2 = ["!", "|", ("is_company", "=", True), ("name", "ilike", "a")]
    assert names(admin, "res.partner", d2) == []
    assert admin("res.partner", "search_count", [(1, "=", 1)]) == admin("res.partner", "search_count", [])
    assert admin("res.partner", "search_count", [(0, "=", 1)]) == 0


def test_active_test(admin: Client) -> None:
    assert "Old Vendor (archived)" not in names(admin, "res.partner", [])
    assert "Old Vendor (archived)" in names(admin, "res.partner", [("active", "in", [True, False])])
    assert "Old Vendor (archived)" in names(admin, "res.partner", [], context={"active_test": False})


def test_dotted_paths_and_many2one_names(admin: Client) -> None:
    assert names(admin, "purchase.order", [("partner_id.name", "=", "Redline Fasteners")]) == ["P00002"]
    assert names(admin, "purchase.order", [("partner_id", "ilike", "apex")]) == ["P00001", "P00003"]
    assert names(admin, "purchase.order", [("partner_id", "not ilike", "apex")]) == ["P00002"]
    assert names(admin, "stock.quant", [("location_id.usage", "=", "internal"), ("product_id.default_code", "=",
                                                                                 "PPE-1042")], "quantity") == \
        [20.0, 40.0, 100.0]
    assert names(admin, "stock.quant", [("warehouse_id.code", "=", "HOU")], "quantity") == [40.0, 500.0]
    assert names(admin, "product.product", [("categ_id.name", "=", "Safety & PPE")], "default_code") == \
        ["PPE-1042", "PPE-1050"]
    assert names(admin, "product.product", [("name", "ilike", "gloves")], "default_code") == ["PPE-1042"]
    assert names(admin, "product.product", [("display_name", "ilike", "FST-4410")], "default_code") == ["FST-4410"]
    assert names(admin, "stock.picking", [("picking_type_code", "=", "incoming")]) == ["DAL/IN/00001",
                                                                                     "HOU/IN/00001"]


def test_x2many_in_domains(admin: Client) -> None:
    assert names(admin, "purchase.order", [("order_line.product_id.default_code", "=", "FST-4410")]) == ["P00002"]
    assert names(admin, "purchase.order", [("order_line", "=", False)]) == []
    assert names(admin, "res.partner", [("child_ids", "!=", False)]) == ["Apex Industrial Supply"]
    assert names(admin, "res.partner", [("child_ids.name", "=", "Dana Reyes")]) == ["Apex Industrial Supply"]
    assert names(admin, "purchase.order", [("picking_ids.state", "=", "done")]) == ["P00001"]
    assert names(admin, "purchase.order", [("picking_ids", "=", False)]) == ["P00003"]
    assert names(admin, "purchase.order", [("invoice_ids", "!=", False)]) == ["P00001"]
    assert names(admin, "res.users", [("groups_id.name", "=", "Inventory / User"), ("login", "!=", "admin")],
                 "login") == ["ava.buyer", "wes.warehouse"]


def test_child_of_and_parent_of(admin: Client) -> None:
    assert names(admin, "stock.location", [("id", "child_of", 8)], "complete_name") == ["DAL/Stock",
                                                                                       "DAL/Stock/Bulk Racking"]
    assert names(admin, "stock.location", [("id", "parent_of", 9)], "complete_name") == \
        ["DAL", "DAL/Stock", "DAL/Stock/Bulk Racking", "Physical Locations"]
    assert names(admin, "stock.quant", [("location_id", "child_of", "DAL/Stock")], "quantity") == [20.0, 100.0]
    assert names(admin, "product.product", [("categ_id", "child_of", 1)], "default_code") == \
        ["FST-4410", "PPE-1042", "PPE-1050"]


def test_computed_field_searches(admin: Client) -> None:
    assert names(admin, "product.product", [("qty_available", ">", 0)], "default_code") == ["FST-4410", "PPE-1042"]
    assert names(admin, "product.product", [("qty_available", "=", 0)], "default_code") == ["PPE-1050"]
    assert names(admin, "product.product", [("qty_available", ">", 0)], "default_code",
                 context={"warehouse_id": 1}) == ["PPE-1042"]
    assert names(admin, "product.product", [("incoming_qty", ">", 0)], "default_code") == ["FST-4410", "PPE-1042"]
    assert names(admin, "stock.warehouse.orderpoint", [("qty_to_order", ">", 0)]) == ["OP/00001"]


def test_order_limit_offset(admin: Client) -> None:
    assert names(admin, "purchase.order", [], order="name desc") == ["P00001", "P00002", "P00003"]
    got = [r["name"] for r in admin("purchase.order", "search_read", [], fields=["name"], order="name desc",
                                    limit=2, offset=1)]
    assert got == ["P00002", "P00001"]
    got = [r["name"] for r in admin("purchase.order", "search_read", [], fields=["name"],
                                    order="partner_id, name desc")]
    assert got == ["P00003", "P00001", "P00002"]
    got = [r["default_code"] for r in admin("product.product", "search_read", [], fields=["default_code"],
                                            order="name")]
    assert got == ["FST-4410", "PPE-1042", "PPE-1050"]


@pytest.mark.parametrize("domain, fragment", [
    ([("name", "bad-op", 1)], "Invalid leaf"),
    (["|", ("name", "=", "x")], "syntactically not correct"),
    (["&"], "syntactically not correct"),
    ([("nope", "=", 1)], "Invalid field res.partner.nope"),
    ([("name", "=")], "not enough values to unpack (expected 3, got 2)"),
    ("not a list", "Invalid domain"),
    ([("supplier_rank", ">", "many")], "Invalid value 'many'"),
    ([("display_name", "in", [[1, 2]])], "Invalid"),
    ([("on_time_rate", ">", 1)], "cannot be searched"),
])
def test_invalid_domains_get_value_errors(admin: Client, domain: Any, fragment: str) -> None:
    with pytest.raises(Fault) as exc:
        admin("res.partner", "search", domain)
    assert exc.value.name == "builtins.ValueError"
    assert fragment in exc.value.message


def test_long_domains_do_not_recurse(admin: Client) -> None:
    many = [("name", "!=", f"nobody {i}") for i in range(3000)]
    assert admin("res.partner", "search_count", many) == admin("res.partner", "search_count", [])
    ors = ["|"] * 2999 + [("id", "=", i) for i in range(3000)]
    assert admin("res.partner", "search_count", ors) == admin("res.partner", "search_count", [("id", "<", 3000)])


def test_huge_id_lists(admin: Client) -> None:
    ids = list(range(1, 60001))
    assert admin("res.partner", "search_count", [("id", "in", ids)]) == admin("res.partner", "search_count", [])
    assert admin("res.partner", "search_count", [("id", "not in", ids)]) == 0
