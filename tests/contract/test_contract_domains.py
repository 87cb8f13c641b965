"""The domain language and read_group shapes, on records the test creates."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture()
def partners(odoo: Any, tag: str) -> dict[str, int]:
    ek = odoo.execute_kw
    ids = {}
    for suffix, email in (("Alpha", "a@x.example"), ("Beta", False), ("Gamma", "g@x.example")):
        ids[suffix] = ek("res.partner", "create", [{"name": f"{tag} {suffix}", "email": email or False,
                                                    "is_company": True}])
    ids["Child"] = ek("res.partner", "create", [{"name": f"{tag} Child", "parent_id": ids["Alpha"]}])
    return ids


def _names(odoo: Any, domain: list[Any], tag: str) -> set[str]:
    rows = odoo.execute_kw("res.partner", "search_read", [[("name", "=like", tag + "%"), *domain]],
                           {"fields": ["name"]})
    return {r["name"].split(" ", 1)[1] for r in rows}


def test_false_semantics(odoo: Any, tag: str, partners: dict[str, int]) -> None:
    assert _names(odoo, [("email", "=", False)], tag) == {"Beta", "Child"}
    assert _names(odoo, [("email", "!=", False)], tag) == {"Alpha", "Gamma"}
    assert _names(odoo, [("parent_id", "=", False)], tag) == {"Alpha", "Beta", "Gamma"}
    assert _names(odoo, [("email", "!=", "a@x.example")], tag) == {"Beta", "Gamma", "Child"}
    assert _names(odoo, [("email", "not in", ["a@x.example"])], tag) == {"Beta", "Gamma", "Child"}


def test_operators(odoo: Any, tag: str, partners: dict[str, int]) -> None:
    assert _names(odoo, [("name", "ilike", "alph")], tag) == {"Alpha"}
    assert _names(odoo, [("name", "like", "alph")], tag) == set()
    assert _names(odoo, [("name", "not ilike", "alpha")], tag) == {"Beta", "Gamma", "Child"}
    assert _names(odoo, [("name", "not like", "Beta")], tag) == {"Alpha", "Gamma", "Child"}
    assert _names(odoo, [("name", "=ilike", f"{tag.lower()} b%")], tag) == {"Beta"}
    assert _names(odoo, [("id", "in", [partners["Alpha"], partners["Gamma"]])], tag) == {"Alpha", "Gamma"}
    assert _names(odoo, [("id", "not in", [partners["Alpha"]])], tag) == {"Beta", "Gamma", "Child"}
    assert _names(odoo, [("id", ">", partners["Beta"])], tag) == {"Gamma", "Child"}
    assert _names(odoo, ["|", ("name", "ilike", "beta"), ("name", "ilike", "gamma")], tag) == {"Beta", "Gamma"}
    assert _names(odoo, ["!", ("name", "ilike", "beta")], tag) == {"Alpha", "Gamma", "Child"}
    assert _names(odoo, ["&", ("is_company", "=", True), ("email", "=", False)], tag) == {"Beta"}
    assert _names(odoo, [("parent_id.name", "ilike", "alpha")], tag) == {"Child"}
    assert _names(odoo, [("child_ids", "!=", False)], tag) == {"Alpha"}
    assert _names(odoo, [("id", "child_of", partners["Alpha"])], tag) == {"Alpha", "Child"}
    assert _names(odoo, [("id", "parent_of", partners["Child"])], tag) == {"Alpha", "Child"}
    assert odoo.execute_kw("res.partner", "search_count", [[("name", "=like", tag + "%")]]) == 4


def test_read_group_shapes(odoo: Any) -> None:
    groups = odoo.execute_kw("stock.quant", "read_group",
                             [[("location_id.usage", "=", "internal")], ["quantity:sum"], ["product_id", "location_id"]],
                             {"lazy": False})
    assert groups, "a stock database has quants"
    g = groups[0]
    assert set(g) >= {"product_id", "location_id", "__count", "quantity", "__domain"}
    assert isinstance(g["product_id"], list) and len(g["product_id"]) == 2
    by_wh = odoo.execute_kw("stock.quant", "read_group", [[("location_id.usage", "=", "internal")],
                                                          ["quantity:sum"], ["warehouse_id"]], {"lazy": False})
    assert sum(x["__count"] for x in by_wh) == sum(x["__count"] for x in groups)
    dropped = odoo.execute_kw("product.product", "read_group", [[], ["qty_available"], ["categ_id"]],
                              {"lazy": False})
    assert dropped and all(set(x) == {"categ_id", "__count", "__domain"} for x in dropped)


def test_read_group_date_granularity(odoo: Any) -> None:
    groups = odoo.execute_kw("purchase.order", "read_group", [[], ["amount_total:sum"], ["date_order:month"]],
                             {"lazy": False})
    assert groups
    g = groups[0]
    assert "date_order:month" in g and isinstance(g["date_order:month"], str)
    rng = g["__range"]["date_order:month"]
    assert rng["from"] < rng["to"]


def test_warehouse_id_context_vs_ignored_warehouse_key(odoo: Any) -> None:
    ek = odoo.execute_kw
    quant = ek("stock.quant", "search_read", [[("location_id.usage", "=", "internal"), ("quantity", ">", 0)]],
               {"fields": ["product_id"], "limit": 1})
    assert quant, "a stock database has stock"
    pid = quant[0]["product_id"][0]
    total = ek("product.product", "read", [[pid], ["qty_available"]])[0]["qty_available"]
    warehouses = ek("stock.warehouse", "search", [[]])
    per_wh = [ek("product.product", "read", [[pid], ["qty_available"]], {"context": {"warehouse_id": w}})[0]
              ["qty_available"] for w in warehouses]
    assert sum(per_wh) == pytest.approx(total)
    for w in warehouses:
        old_key = ek("product.product", "read", [[pid], ["qty_available"]], {"context": {"warehouse": w}})[0]
        assert old_key["qty_available"] == pytest.approx(total)
    searched = ek("product.product", "search", [[("id", "=", pid), ("qty_available", ">", 0)]])
    assert searched == [pid]


def test_day_labels_and_field_flags(odoo: Any) -> None:
    import re
    groups = odoo.execute_kw("stock.picking", "read_group", [[], ["__count"], ["scheduled_date:day"]], {"lazy": False})
    labelled = [g for g in groups if g["scheduled_date:day"]]
    assert labelled and all(re.match(r"^\d{2} [A-Z][a-z]{2} \d{4}$", g["scheduled_date:day"]) for g in labelled)
    rng = labelled[0]["__range"]["scheduled_date:day"]
    assert re.match(r"^\d{4}-\d{2}-\d{2} 00:00:00$", rng["from"])
    fg = odoo.execute_kw("product.product", "fields_get", [["qty_available", "free_qty", "default_code"]],
                         {"attributes": ["store", "searchable", "sortable", "type"]})
    assert fg["qty_available"] == {"type": "float", "store": False, "searchable": True, "sortable": False}
    assert fg["default_code"]["store"] is True and fg["default_code"]["sortable"] is True
    tmpl = odoo.execute_kw("product.template", "fields_get", [["free_qty", "qty_available"]], {"attributes": ["type"]})
    assert "free_qty" not in tmpl and "qty_available" in tmpl


def test_read_group_weeks_and_group_domains(odoo: Any, vendor_product: tuple[int, int], tag: str) -> None:
    """en_US weeks start on Sunday with US week numbers; __domain is normalize(domain + group terms)."""
    partner, product = vendor_product
    for day in ("2026-11-08 10:00:00", "2026-11-14 10:00:00", "2026-12-29 10:00:00"):
        odoo.execute_kw("purchase.order", "create", [{
            "partner_id": partner, "partner_ref": tag, "date_order": day,
            "order_line": [(0, 0, {"product_id": product, "product_qty": 1, "price_unit": 1.0})]}])
    dom = [("partner_ref", "=", tag)]
    weeks = odoo.execute_kw("purchase.order", "read_group", [dom, ["__count"], ["date_order:week"]], {"lazy": False})
    assert [(g["date_order:week"], g["__count"]) for g in weeks] == [("W46 2026", 2), ("W1 2027", 1)]
    assert weeks[0]["__range"]["date_order:week"] == {"from": "2026-11-08 00:00:00", "to": "2026-11-15 00:00:00"}
    assert weeks[0]["__domain"] == ["&", ["partner_ref", "=", tag], "&", ["date_order", ">=", "2026-11-08 00:00:00"],
                                    ["date_order", "<", "2026-11-15 00:00:00"]]
    two = dom + [("partner_id", "!=", False)]
    g = odoo.execute_kw("purchase.order", "read_group", [two, ["__count"], ["state", "partner_id"]], {"lazy": False})[0]
    assert g["__domain"] == ["&", "&", "&", ["partner_ref", "=", tag], ["partner_id", "!=", False],
                             ["state", "=", "draft"], ["partner_id", "=", partner]]
    lazy = odoo.execute_kw("purchase.order", "read_group", [two, ["__count"], ["state", "partner_id"]])[0]
    assert lazy["__domain"] == ["&", "&", ["partner_ref", "=", tag], ["partner_id", "!=", False],
                                ["state", "=", "draft"]]
