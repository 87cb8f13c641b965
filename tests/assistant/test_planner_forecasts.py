"""The offline planner routes the prediction questions (issue #15): lead time, a PO's realistic arrival, demand
forecast and the options during a shortage — with the names of either sandbox business, and without taking
the questions that other tools answer."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import LEX as BLUEBONNET  # type: ignore[import-not-found]

from assistant.planner.forecasts import weeks_asked
from assistant.planner.intents import parse
from assistant.planner.lexicon import Lexicon
from tools.odoo.resolve import RefFormat

HOLLANDER = Lexicon(
    warehouses=[{"name": "Amsterdam Hoofdmagazijn", "code": "WH", "aliases": ["amsterdam"]},
                {"name": "Rotterdam Havenmagazijn", "code": "RTM", "aliases": ["rotterdam"]}],
    suppliers=[{"name": "Van Dijk Glas & Porselein B.V.", "aliases": ["van dijk", "van dijk glas"]}],
    products=[{"name": "Wine Glass 35cl", "code": "GLS_Wine-35cl", "norm": "wine glass 35cl"}],
    po_formats=[RefFormat("PO/%(year)s/", 5)], receipt_formats=[RefFormat("WH/IN/", 5)])


@pytest.mark.parametrize(("lex", "text", "tool", "slots"), [
    (BLUEBONNET, "predict the lead time for Gemini", "lead_time_forecast", {"vendor": "Gemini Furniture"}),
    (BLUEBONNET, "when will P00042 arrive realistically?", "lead_time_forecast", {"po": "P00042"}),
    (BLUEBONNET, "what lead time can we really expect from Apex", "lead_time_forecast",
     {"vendor": "Apex Industrial Supply"}),
    (BLUEBONNET, "realistic lead time for PPE-1042 from Apex", "lead_time_forecast",
     {"vendor": "Apex Industrial Supply", "product": "PPE-1042"}),
    (BLUEBONNET, "forecast demand for PPE-1042 at Dallas next month", "demand_forecast",
     {"product": "PPE-1042", "warehouse": "DAL", "weeks": 4}),
    (BLUEBONNET, "forecast PPE-1042 at Dallas for the next 8 weeks", "demand_forecast",
     {"product": "PPE-1042", "warehouse": "DAL", "weeks": 8}),
    (BLUEBONNET, "what are our options for PPE-1042 at Dallas?", "supply_options",
     {"product": "PPE-1042", "warehouse": "DAL"}),
    (BLUEBONNET, "alternative vendors for nitrile exam gloves medium", "supply_options", {"product": "PPE-1042"}),
    (HOLLANDER, "predict the lead time for van dijk", "lead_time_forecast",
     {"vendor": "Van Dijk Glas & Porselein B.V."}),
    (HOLLANDER, "when is PO/2026/00042 likely to arrive", "lead_time_forecast", {"po": "PO/2026/00042"}),
    (HOLLANDER, "forecast demand for GLS_Wine-35cl at rotterdam next quarter", "demand_forecast",
     {"product": "GLS_Wine-35cl", "warehouse": "RTM", "weeks": 13}),
    (HOLLANDER, "what are our options for wine glass 35cl at WH", "supply_options",
     {"product": "GLS_Wine-35cl", "warehouse": "WH"}),
])
def test_prediction_questions_route_with_their_slots(lex: Lexicon, text: str, tool: str, slots: dict[str, Any]) -> None:
    plan = parse(text, lex, [])
    assert plan.tool == tool, (plan.intent, plan.slots)
    for key, value in slots.items():
        got = plan.slots.get(key)
        assert got == value or (key == "product" and str(got).lower() in {str(value).lower(), "nitrile exam gloves, medium",
                                                                          "wine glass 35cl"}), (key, plan.slots)


@pytest.mark.parametrize(("text", "tool"), [
    ("Status of P00042", "purchase_order_status"),
    ("when will P00042 arrive?", "purchase_order_status"),  # no word asking for a prediction: Odoo's dates
    ("what's the forecast qty of PPE-1042 at Dallas", "stock_levels"),  # Odoo's forecast stock, not demand
    ("What is the lead time in the Gemini contract?", "search_documents"),
    ("Scorecard for Gemini Furniture", "supplier_scorecard"),
    ("shortest lead time for PPE-1042?", "product_vendors"),  # the pricelist's promise, not a prediction
    ("lead time for PPE-1042 from Apex", "product_vendors"),
])
def test_neighbouring_questions_keep_their_tools(text: str, tool: str) -> None:
    assert parse(text, BLUEBONNET, []).tool == tool


def test_a_missing_product_is_asked_for() -> None:
    plan = parse("forecast demand next month", BLUEBONNET, [])
    assert plan.tool is None and plan.pending and plan.pending["intent"] == "demand_forecast"
    assert plan.pending["slot"] == "product"


@pytest.mark.parametrize(("text", "weeks"), [("next 8 weeks", 8), ("next month", 4), ("next quarter", 13),
                                             ("the next 3 months", 13), ("next 40 weeks", 26), ("soon", None)])
def test_weeks_asked(text: str, weeks: int | None) -> None:
    assert weeks_asked(text) == weeks


def test_a_transfer_question_is_not_a_shortage_options_question() -> None:
    assert parse("can we transfer GLS_Wine-35cl from Amsterdam to Rotterdam?", HOLLANDER, []).tool != "supply_options"
