"""Product spans and the fresh-user phrasings of 2026-12-04: codes and names written with spaces, units,
underscores or hyphens inside requests, transfers, forecasts and stock questions; 'which products are low',
'which vendor is most reliable'. The lexicons are built here (a business with codes like 'CLN-Degreaser 5L')."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import LEX  # type: ignore[import-not-found]

from assistant.planner.intents import parse
from assistant.planner.lexicon import Lexicon, norm
from assistant.planner.model import fit_args
from tools.governance.provenance import parse_request
from tools.registry import TOOLS


def _p(name: str, code: str) -> dict[str, Any]:
    return {"name": name, "code": code, "norm": norm(name)}


LEX3 = Lexicon(
    warehouses=[{"name": "North Main Store", "code": "WH", "aliases": ["north main store", "north"]},
                {"name": "Harbour Depot", "code": "RTM", "aliases": ["harbour", "harbour depot"]},
                {"name": "South Site", "code": "EIN", "aliases": ["south site"]}],
    suppliers=[{"name": "Clean Pro B.V.", "aliases": ["clean pro", "clean pro b.v."]}],
    products=[_p("Kitchen Degreaser 5L", "CLN-Degreaser 5L"), _p("Paper Coffee Cup 12oz (sleeve of 50)", "cup 12oz"),
              _p("Nitrile Gloves 100ct", "GLV_100"), _p("Nitrile Gloves 200ct", "GLV_200"),
              _p("Dinner Plate 27cm", "Plate.Dinner 27"), _p("Claw Hammer 16 oz, Fiberglass", "TOL-16")])


@pytest.mark.parametrize(("text", "tool", "slots"), [
    ("forecast demand for CLN-Degreaser 5L next month", "demand_forecast",
     {"product": "CLN-Degreaser 5L", "weeks": 4}),
    ("can we move 20 cln-degreaser 5l from WH to RTM", "transfer_stock",
     {"product": "CLN-Degreaser 5L", "quantity": 20.0, "from_warehouse": "WH", "to_warehouse": "RTM"}),
    ("we need 50 kitchen degreaser 5 l at EIN, raise a request", "request_purchase",
     {"product": "CLN-Degreaser 5L", "quantity": 50.0, "warehouse": "EIN"}),
    ("we need 30 Nitrile Gloves 100 ct at EIN, please raise a purchase request", "request_purchase",
     {"product": "GLV_100", "quantity": 30.0, "warehouse": "EIN"}),
    ("transfer 4 cup 12oz from RTM to WH", "transfer_stock",
     {"product": "cup 12oz", "quantity": 4.0, "from_warehouse": "RTM", "to_warehouse": "WH"}),
    ("how many Plate.Dinner 27 at RTM", "stock_levels", {"product": "Plate.Dinner 27", "warehouse": "RTM"}),
    ("stock of claw hammer 16 oz at harbour", "stock_levels", {"product": "claw hammer 16 oz", "warehouse": "RTM"}),
])
def test_product_spans_with_spaces_and_units(text: str, tool: str, slots: dict[str, Any]) -> None:
    plan = parse(text, LEX3, [])
    assert plan.tool == tool, (text, plan)
    for key, value in slots.items():
        assert plan.slots.get(key) == value, (key, plan.slots)
    TOOLS[tool].args_model.model_validate(fit_args(TOOLS[tool].json_schema(), plan.slots))


def test_a_name_shared_by_several_products_goes_to_the_tool_as_typed_never_as_one_code() -> None:
    plan = parse("how many nitrile gloves at RTM", LEX3, [])
    assert plan.tool == "stock_levels" and plan.slots["product"].lower() == "nitrile gloves", plan
    assert lex_spans("forecast demand for nitrile gloves next month") == [("nitrile gloves", 2)]


def lex_spans(text: str) -> list[tuple[str, int]]:
    return [(value, n) for _s, _e, value, n in LEX3.product_spans(text)]


def test_warehouse_and_vendor_names_are_never_part_of_a_product_span() -> None:
    assert lex_spans("what did clean pro say about harbour") == []
    assert LEX3.product("stock at the harbour depot") is None


@pytest.mark.parametrize(("lex", "text"), [(LEX, "which products are low?"), (LEX3, "anything getting low at RTM?"),
                                          (LEX, "what's running low at Dallas")])
def test_low_stock_questions_read_the_reorder_list(lex: Lexicon, text: str) -> None:
    assert parse(text, lex, []).tool == "replenishment_risk"


@pytest.mark.parametrize(("text", "order"), [("which vendor is most reliable", "most_reliable"),
                                             ("who is our least reliable supplier?", "riskiest"),
                                             ("rank our vendors by on-time delivery", "most_reliable")])
def test_reliability_ranking_is_the_supplier_ranking_in_that_order(text: str, order: str) -> None:
    plan = parse(text, LEX, [])
    assert plan.tool == "supplier_risk" and plan.slots.get("order") == order, plan
    TOOLS["supplier_risk"].args_model.model_validate(plan.slots)


def test_a_named_vendor_still_gets_its_scorecard() -> None:
    plan = parse("is Redline reliable?", LEX, [])
    assert plan.tool == "supplier_scorecard" and plan.slots["supplier"] == "Redline Fasteners"


def test_the_user_named_the_product_when_odoo_shows_it_as_code_and_name() -> None:
    req = parse_request("we need 50 kitchen degreaser 5l at EIN, raise a request")
    assert req.names("[CLN-Degreaser 5L] Kitchen Degreaser 5L")
    assert parse_request("move 20 CLN-Degreaser 5L from WH to RTM").names("CLN-Degreaser 5L")
    assert not req.names("[GLV_100] Nitrile Gloves 100ct")


def test_every_transfer_verb_the_planner_reads_passes_the_action_guard() -> None:
    from assistant.agent import asks_for_action
    from tools.governance.provenance import KIND_VERBS

    for verb in KIND_VERBS["transfer_stock"] + KIND_VERBS["request_purchase"]:
        assert asks_for_action(f"could we {verb} 2 of them"), verb
    assert not asks_for_action("how many do we have at the harbour?")


def test_a_requisition_with_a_product_and_quantity_is_a_request_and_a_list_question_is_not() -> None:
    plan = parse("requisition please - 6 x cup 12oz at EIN", LEX3, [])
    assert plan.tool == "request_purchase" and plan.slots == {"product": "cup 12oz", "quantity": 6.0,
                                                              "warehouse": "EIN"}
    assert parse("what requisitions are waiting?", LEX3, []).tool == "purchase_requests"


@pytest.mark.parametrize(("text", "slots"), [
    ("last month's spend for RTM", {"warehouse": "RTM"}),
    ("who do we spend the most with this year?", {"group_by": "vendor"}),
])
def test_spend_for_a_warehouse_or_a_period_never_becomes_a_vendor(text: str, slots: dict[str, Any]) -> None:
    plan = parse(text, LEX3, [])
    assert plan.tool == "spend_analysis" and not plan.slots.get("supplier"), plan
    for key, value in slots.items():
        assert plan.slots.get(key) == value


def test_reorder_words_are_never_a_product_even_when_a_name_has_them() -> None:
    lex = Lexicon(warehouses=LEX3.warehouses, products=[_p("Fridge Thermometer, Min/Max", "THM-1")])
    assert parse("anything below min at RTM?", lex, []).tool == "replenishment_risk"
    assert lex.product_spans("anything below min at RTM?") == []


def test_the_reliability_answer_is_introduced_as_most_reliable_first() -> None:
    from assistant.planner.compose import compose
    from assistant.planner.intents import Plan
    from tools.base import ToolResult

    res = ToolResult(tool="supplier_risk", data={"order": "most_reliable", "vendors": [{"rank": 1, "vendor": "A"}]},
                     text="Most reliable vendors since 2026-01-01: 1. A OTIF 99%")
    out = compose(Plan("supplier_risk", "supplier_risk", {"order": "most_reliable"}), [("supplier_risk", res, "")])
    assert "most reliable first" in out and "highest risk first" not in out
