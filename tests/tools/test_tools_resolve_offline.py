"""Name matching for the cached reference lists (warehouses, vendors), against a scripted Odoo."""

from __future__ import annotations

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


# -- products: codes without a dash, several words, receipts naming their PO --------------------------
PRODUCTS = [
    {"id": 1, "default_code": "PPE-1042", "barcode": None,
     "display_name": "[PPE-1042] Nitrile Exam Gloves, Powder-Free, Size M (Box of 100)"},
    {"id": 2, "default_code": "PPE-1029", "barcode": None,
     "display_name": "[PPE-1029] Nitrile Exam Gloves, Powder-Free, Size M (Case of 10 x 100)"},
    {"id": 3, "default_code": "MED-2201", "barcode": None,
     "display_name": "[MED-2201] Exam Gloves, Latex, Powder-Free, Size M (Box of 100)"},
    {"id": 4, "default_code": "FURN_7888", "barcode": None, "display_name": "[FURN_7888] Desk Stand with Screen"},
]


def _matches(row: dict[str, object], domain: list[object]) -> bool:
    """Evaluate a prefix-notation domain of ('field', '='|'=ilike'|'ilike', value) terms on one row."""
    def term(t: tuple[str, str, str]) -> bool:
        field, op, value = t
        have = str(row.get("name" if field == "name" else field) or "")
        if field == "name":
            have = str(row["display_name"]).split("] ", 1)[-1]
        if op == "ilike":
            return value.lower() in have.lower()
        if op == "=ilike":
            return value.lower() == have.lower()
        return value == row.get(field)

    def ev(i: int) -> tuple[bool, int]:
        tok = domain[i]
        if tok in ("|", "&"):
            a, j = ev(i + 1)
            b, k = ev(j)
            return (a or b) if tok == "|" else (a and b), k
        return term(tok), i + 1  # type: ignore[arg-type]

    return ev(0)[0]


def product_handler(model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    if model == "product.product" and method == "web_search_read":
        return {"records": [dict(p) for p in PRODUCTS if _matches(p, kwargs["domain"])]}
    if model == "product.product" and method == "search_read":
        return []
    if model == "stock.picking" and method == "search_read":
        name = args[0][0][2] if args else kwargs["domain"][0][2]
        return [{"id": 7, "origin": "P01669", "purchase_id": [40, "P01669"]}] if name == "DAL/IN/00568" else []
    if model == "purchase.order" and method == "web_search_read":
        wanted = kwargs["domain"][3][2]
        return {"records": [{"id": 40, "name": "P01669"}] if wanted == "P01669" else []}
    return reference_handler(model, method, args, kwargs)


@pytest.mark.parametrize("text", ["ppe1042", "PPE 1042", "PPE-1042", "ppe-1042"])
def test_product_code_with_or_without_the_dash(scripted: Make, text: str) -> None:
    from tools.odoo.resolve import resolve_product

    assert resolve_product(scripted(product_handler), text)["default_code"] == "PPE-1042"


@pytest.mark.parametrize("text", ["FURN_7888", "furn_7888", "[FURN_7888]"])
def test_a_code_with_an_underscore_is_found_as_typed(scripted: Make, text: str) -> None:
    """Odoo's own demo codes use underscores: 'FURN_7888' must not only be tried as 'FURN-7888'."""
    from tools.odoo.resolve import resolve_product

    assert resolve_product(scripted(product_handler), text)["id"] == 4


def test_several_words_must_all_occur_in_the_name(scripted: Make) -> None:
    from tools.odoo.resolve import resolve_product

    with pytest.raises(ToolError) as err:
        resolve_product(scripted(product_handler), "nitrile gloves")
    assert err.value.code == "ambiguous"
    assert {c["id"] for c in err.value.candidates} == {1, 2}  # the latex gloves do not say "nitrile"
    assert resolve_product(scripted(product_handler), "nitrile gloves case")["id"] == 2


def test_a_receipt_reference_resolves_to_its_purchase_order(scripted: Make) -> None:
    from tools.odoo.resolve import resolve_purchase_order

    assert resolve_purchase_order(scripted(product_handler), "DAL/IN/00568")["name"] == "P01669"
    with pytest.raises(ToolError) as err:
        resolve_purchase_order(scripted(product_handler), "DAL/IN/09999")
    assert err.value.code == "not_found"
