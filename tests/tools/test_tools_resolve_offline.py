"""Name matching for the cached reference lists (warehouses, vendors), against a scripted Odoo."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from tools_fakes import ScriptedOdoo, reference_handler  # type: ignore[import-not-found]

from tools.base import ToolError
from tools.odoo.resolve import resolve_supplier, resolve_warehouse

Make = Callable[..., ScriptedOdoo]


@pytest.mark.parametrize(("text", "code"), [
    ("DAL", "DAL"), ("dal", "DAL"), ("Dallas", "DAL"), ("dallas central", "DAL"), ("Dallas Central DC", "DAL"),
    ("houston warehouse", "HOU"), ("Oklahoma", "OKC"), ("okc", "OKC"), ("Austin Healthcare", "AUS"),
])
def test_warehouse_by_code_name_or_part(scripted: Make, text: str, code: str) -> None:
    odoo = scripted(reference_handler)
    assert resolve_warehouse(odoo, text)["code"] == code


def test_warehouse_list_is_cached_per_client(scripted: Make) -> None:
    odoo = scripted(reference_handler)
    resolve_warehouse(odoo, "DAL")
    resolve_warehouse(odoo, "HOU")
    assert odoo.log.count(("stock.warehouse", "search_read")) == 1


def test_unknown_warehouse_lists_the_real_ones(scripted: Make) -> None:
    with pytest.raises(ToolError) as err:
        resolve_warehouse(scripted(reference_handler), "Chicago")
    assert err.value.code == "not_found"
    assert {c["code"] for c in err.value.candidates} == {"DAL", "HOU", "AUS", "SAT", "OKC"}


@pytest.mark.parametrize(("text", "vendor_id"), [
    ("Apex Industrial Supply", 10), ("apex", 10), ("V-RED", 13), ("redline", 13), ("Gemini", 14),
    ("Apex Industial Suply", 10),  # typo: confident fuzzy match
])
def test_supplier_by_name_ref_part_or_typo(scripted: Make, text: str, vendor_id: int) -> None:
    assert resolve_supplier(scripted(reference_handler), text)["id"] == vendor_id


def test_ambiguous_supplier_returns_candidates_instead_of_guessing(scripted: Make) -> None:
    with pytest.raises(ToolError) as err:
        resolve_supplier(scripted(reference_handler), "medical")
    assert err.value.code == "ambiguous"
    assert {c["id"] for c in err.value.candidates} == {11, 12}


def test_unknown_supplier_refreshes_the_cache_once_then_suggests(scripted: Make) -> None:
    odoo = scripted(reference_handler)
    with pytest.raises(ToolError) as err:
        resolve_supplier(odoo, "Gemeni Furnitur Ltd and Sons")
    assert err.value.code in ("not_found",)
    assert odoo.log.count(("res.partner", "search_read")) == 2  # one reload for a vendor added meanwhile
    assert any(c["id"] == 14 for c in err.value.candidates)


def test_absurdly_long_names_are_refused_before_any_odoo_call(scripted: Make) -> None:
    odoo = scripted(reference_handler)
    with pytest.raises(ToolError) as err:
        resolve_supplier(odoo, "x" * 5000)
    assert err.value.code == "bad_input" and odoo.log == []


# -- products: codes as Odoo spells them, several words, variants, receipts naming their PO -------------
PRODUCTS = [
    {"id": 1, "default_code": "PPE-1042", "barcode": None,
     "display_name": "[PPE-1042] Nitrile Exam Gloves, Powder-Free, Size M (Box of 100)"},
    {"id": 2, "default_code": "PPE-1029", "barcode": None,
     "display_name": "[PPE-1029] Nitrile Exam Gloves, Powder-Free, Size M (Case of 10 x 100)"},
    {"id": 3, "default_code": "MED-2201", "barcode": None,
     "display_name": "[MED-2201] Exam Gloves, Latex, Powder-Free, Size M"},
    {"id": 4, "default_code": "FURN_7777", "barcode": None, "display_name": "[FURN_7777] Office Chair"},
    {"id": 5, "default_code": "FURN-7777", "barcode": None, "display_name": "[FURN-7777] Office Chair Mat"},
    {"id": 6, "default_code": "FURN_8888", "barcode": None, "display_name": "[FURN_8888] Office Lamp"},
    {"id": 7, "default_code": "FURN_6666", "barcode": None, "display_name": "[FURN_6666] Acoustic Bloc Screens (White)",
     "product_template_attribute_value_ids": [{"id": 70, "name": "White", "attribute_id": {"id": 9, "display_name": "Color"}}]},
    {"id": 8, "default_code": "FURN_6667", "barcode": None, "display_name": "[FURN_6667] Acoustic Bloc Screens (Wood)",
     "product_template_attribute_value_ids": [{"id": 71, "name": "Wood", "attribute_id": {"id": 9, "display_name": "Color"}}]},
    {"id": 9, "default_code": "E-COM11", "barcode": None, "display_name": "[E-COM11] Cabinet with Doors 100% oak"},
]


def _like(pattern: str, have: str) -> bool:
    """SQL ILIKE with backslash escapes, as Odoo (PostgreSQL) and the sandbox evaluate it."""
    rx, i = "", 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            rx += re.escape(pattern[i + 1])
            i += 2
            continue
        rx += ".*" if ch == "%" else "." if ch == "_" else re.escape(ch)
        i += 1
    return re.fullmatch(rx, have, flags=re.I | re.S) is not None


def _matches(row: dict[str, object], domain: list[object]) -> bool:
    """Evaluate a prefix-notation domain of ('field', '='|'in'|'=ilike'|'ilike', value) terms on one row."""
    def term(t: tuple[str, str, Any]) -> bool:
        field, op, value = t
        have = str(row.get(field) or "")
        if field == "name" and "display_name" in row:
            have = str(row["display_name"]).split("] ", 1)[-1]
        if op == "ilike":
            return _like(f"%{value}%", have)
        if op == "=ilike":
            return _like(str(value), have)
        if op == "in":
            return row.get(field) in value
        return value == row.get(field)

    def ev(i: int) -> tuple[bool, int]:
        tok = domain[i]
        if tok in ("|", "&"):
            a, j = ev(i + 1)
            b, k = ev(j)
            return (a or b) if tok == "|" else (a and b), k
        return term(tok), i + 1  # type: ignore[arg-type]

    return all(ev(0)[0] for _ in [0]) if domain else True


PICKINGS = [{"id": 7, "name": "DAL/IN/00568", "origin": "P01669", "purchase_id": [40, "P01669"]},
            {"id": 9, "name": "AUS/ONT/00001", "origin": "P01636", "purchase_id": [42, "P01636"], "state": "assigned",
             "picking_type_code": "incoming"},
            {"id": 8, "name": "HOU/IN/00400", "origin": "PO/2026/0042", "purchase_id": [41, "PO/2026/0042"]}]
ORDERS = [{"id": 40, "name": "P01669", "partner_ref": False}, {"id": 41, "name": "PO/2026/0042", "partner_ref": "SO-1_2"},
          {"id": 42, "name": "P01636", "partner_ref": False}]
TYPES = [{"id": 1, "sequence_code": "IN", "warehouse_id": [1, "Dallas"], "sequence_id": [101, "x"]},
         {"id": 3, "sequence_code": "IN", "warehouse_id": [2, "Houston"], "sequence_id": False},
         {"id": 5, "sequence_code": "ONT", "warehouse_id": [3, "Austin"], "sequence_id": False}]
SEQUENCES = [{"id": 100, "code": "purchase.order", "prefix": "P", "padding": 5, "suffix": False},
             {"id": 102, "code": "purchase.order", "prefix": "PO/%(year)s/", "padding": 4, "suffix": False},
             {"id": 101, "code": False, "prefix": "DAL/IN/", "padding": 5, "suffix": False}]


def product_handler(model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    domain = kwargs.get("domain", args[0] if args else [])
    if method == "fields_get":
        return {"product.product": {"product_template_attribute_value_ids": {}},
                "ir.sequence": {"prefix": {}, "padding": {}, "code": {}, "suffix": {}},
                "stock.picking.type": {"sequence_id": {}}}.get(model, {})
    if model == "product.product" and method == "web_search_read":
        return {"records": [dict(p) for p in PRODUCTS if _matches(p, domain)]}
    if model == "product.product" and method == "search_read":
        return []
    if model == "stock.picking.type" and method == "search_read":
        return [dict(t) for t in TYPES]
    if model == "ir.sequence" and method == "search_read":
        return [dict(s) for s in SEQUENCES]
    if model == "stock.picking" and method == "search_read":
        return [dict(p) for p in PICKINGS if _matches(p, domain)]
    if model == "purchase.order" and method == "search_read":
        if not domain:
            return [{"name": ORDERS[-1]["name"]}]
        return [dict(o) for o in ORDERS if _matches(o, domain)]
    if model == "purchase.order" and method == "web_search_read":
        return {"records": [dict(o) for o in ORDERS if _matches(o, domain)]}
    if model == "product.category" and method == "search_read":
        return [{"id": 50, "name": "Safety & PPE", "complete_name": "All / Safety & PPE"},
                {"id": 51, "name": "Office Furniture", "complete_name": "All / Office Furniture"}]
    return reference_handler(model, method, args, kwargs)


@pytest.mark.parametrize("text", ["ppe1042", "PPE 1042", "PPE-1042", "ppe-1042"])
def test_product_code_with_or_without_the_dash(scripted: Make, text: str) -> None:
    from tools.odoo.resolve import resolve_product

    assert resolve_product(scripted(product_handler), text)["default_code"] == "PPE-1042"


@pytest.mark.parametrize(("text", "code"), [("FURN_7777", "FURN_7777"), ("furn_7777", "FURN_7777"),
                                            ("FURN-7777", "FURN-7777"), ("furn_8888", "FURN_8888"),
                                            ("[FURN_8888]", "FURN_8888"), ("[FURN_8888] Office Lamp", "FURN_8888")])
def test_codes_are_taken_as_odoo_spells_them(scripted: Make, text: str, code: str) -> None:
    """An underscore is never rewritten to a dash, and never a one-character wildcard."""
    from tools.odoo.resolve import resolve_product

    assert resolve_product(scripted(product_handler), text)["default_code"] == code


def test_a_code_with_another_separator_is_found_and_said_so(scripted: Make) -> None:
    from tools.odoo.resolve import resolve_product

    got = resolve_product(scripted(product_handler), "FURN 8888")
    assert got["default_code"] == "FURN_8888" and got["matched_by"] == "code_loose"


def test_percent_and_underscore_in_user_text_are_not_wildcards(scripted: Make) -> None:
    from tools.odoo.resolve import escape_like, resolve_product

    assert escape_like("100%_a\\b") == "100\\%\\_a\\\\b"
    assert resolve_product(scripted(product_handler), "100% oak")["id"] == 9
    with pytest.raises(ToolError) as err:
        resolve_product(scripted(product_handler), "FURN%")  # would match every FURN code as a wildcard
    assert err.value.code == "not_found"


def test_variants_come_back_with_their_values_and_a_reply_picks_one(scripted: Make) -> None:
    from tools.odoo.resolve import pick_candidate, resolve_product

    with pytest.raises(ToolError) as err:
        resolve_product(scripted(product_handler), "Acoustic Bloc Screens")
    assert err.value.code == "ambiguous"
    cands = err.value.candidates
    assert [c["attributes"] for c in cands] == [["White"], ["Wood"]]
    assert "White" in err.value.message and "FURN_6667" in err.value.message
    for reply, want in [("the white one", 7), ("Wood", 8), ("wood please", 8), ("FURN_6667", 8),
                        ("furn_6666", 7), ("2", 8), ("the first one", 7), ("whte", 7)]:
        got = pick_candidate(cands, reply)
        assert got is not None and got["id"] == want, reply
    for reply in ("the red one", "both", "", "Acoustic Bloc Screens", "Wood Corner"):
        assert pick_candidate(cands, reply) is None, reply


def test_variant_values_fall_back_to_the_display_name() -> None:
    from tools.odoo.resolve import _attributes

    assert _attributes({"display_name": "[X_1] Desk (Steel, Large)"}) == ["Steel", "Large"]
    assert _attributes({"display_name": "[X_2] Desk"}) == []


def test_several_words_must_all_occur_in_the_name(scripted: Make) -> None:
    from tools.odoo.resolve import resolve_product

    with pytest.raises(ToolError) as err:
        resolve_product(scripted(product_handler), "nitrile gloves")
    assert err.value.code == "ambiguous"
    assert {c["id"] for c in err.value.candidates} == {1, 2}  # the latex gloves do not say "nitrile"
    assert resolve_product(scripted(product_handler), "nitrile gloves case")["id"] == 2


@pytest.mark.parametrize(("text", "po"), [("DAL/IN/00568", "P01669"), ("dal/in/00568", "P01669"),
                                          ("HOU/IN/00400", "PO/2026/0042"), ("PO/2026/0042", "PO/2026/0042"),
                                          ("P01636", "P01636"), ("p1636", "P01636"), ("po 1669", "P01669"),
                                          ("SO-1_2", "PO/2026/0042"), ("AUS/ONT/00001", "P01636")])
def test_references_of_any_sequence_prefix_resolve(scripted: Make, text: str, po: str) -> None:
    from tools.odoo.resolve import resolve_purchase_order

    assert resolve_purchase_order(scripted(product_handler), text)["name"] == po


def test_a_receipt_of_a_custom_prefix_or_its_po_resolves_as_a_picking(scripted: Make) -> None:
    from tools.odoo.resolve import resolve_picking

    assert resolve_picking(scripted(product_handler), "aus/ont/00001")["id"] == 9
    assert resolve_picking(scripted(product_handler), "p1636")["id"] == 9  # the PO's one open receipt


def test_unknown_receipt_says_so(scripted: Make) -> None:
    from tools.odoo.resolve import resolve_purchase_order

    with pytest.raises(ToolError) as err:
        resolve_purchase_order(scripted(product_handler), "DAL/IN/09999")
    assert err.value.code == "not_found"
    with pytest.raises(ToolError) as err:
        resolve_purchase_order(scripted(product_handler), "SO-1%2")  # '%' is no wildcard
    assert err.value.code == "not_found"


def test_reference_formats_come_from_odoo_and_are_cached(scripted: Make) -> None:
    from tools.odoo.resolve import RefFormat, po_names, reference_formats

    odoo = scripted(product_handler)
    fmts = reference_formats(odoo)
    assert RefFormat("P", 5) in fmts["purchase"] and RefFormat("PO/%(year)s/", 4) in fmts["purchase"]
    assert {f.prefix for f in fmts["receipt"]} == {"DAL/IN/", "HOU/IN/", "AUS/ONT/"}  # sequence row, Odoo default
    calls = len(odoo.log)
    reference_formats(odoo)
    assert len(odoo.log) == calls
    assert po_names("po 42", [RefFormat("PO/%(year)s/", 4)])[0].endswith("/0042")
    assert po_names("P123") == ["P00123"]


def test_a_phrase_matching_several_kinds_is_a_question(scripted: Make) -> None:
    from tools.odoo.resolve import resolve_entity

    odoo = scripted(product_handler)
    got = resolve_entity(odoo, "Safety & PPE")
    assert got["kind"] == "category" and got["id"] == 50  # the exact category, not a vendor with "Safety"
    with pytest.raises(ToolError) as err:
        resolve_entity(odoo, "office")  # products named Office ..., the Office Furniture category
    assert err.value.code == "ambiguous"
    assert {c["kind"] for c in err.value.candidates} >= {"product", "category"}
    assert resolve_entity(odoo, "Redline")["kind"] == "supplier"


def test_weak_fuzzy_matches_are_never_picked(scripted: Make) -> None:
    with pytest.raises(ToolError) as err:
        resolve_supplier(scripted(reference_handler), "Safety & PPE")
    assert err.value.code == "not_found"  # 'Pioneer Safety Products' shares one word: suggested, not picked
