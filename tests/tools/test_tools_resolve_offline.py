"""Name matching for the cached reference lists (warehouses, vendors), against a scripted Odoo."""

from __future__ import annotations

from collections.abc import Callable

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
