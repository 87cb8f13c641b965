"""The LLM brain binds a per-turn subset of the catalogue (assistant/toolbelt.py): <= 8 KB per turn, every tool
of the role reachable through more_tools, and nothing beyond the role's tools."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import AVA, LEX, WES, FakeBackend  # type: ignore[import-not-found]
from pydantic import BaseModel, Field

from assistant.eval.mock_llm import MockOpenAI, planner_script
from assistant.llm import build_llm
from assistant.toolbelt import BUDGET_BYTES, CORE, MORE_TOOLS, family_of, select
from tools import registry
from tools.base import Identity, Tool, ToolContext, ToolResult, tool
from tools.governance.policy import Policy

POLICY = Path(registry.__file__).parent / "governance" / "default_policy.yaml"


class GrowthArgs(BaseModel):
    warehouse: str | None = Field(None, description="Warehouse code or name; omit for every warehouse we run")
    date_from: str | None = Field(None, description="First day, YYYY-MM-DD, in the company's own time zone")
    date_to: str | None = Field(None, description="Last day, YYYY-MM-DD, in the company's own time zone")
    detail: str = Field("summary", description="summary: one line per group; full: every row with its source")


def _growth(name: str) -> Tool:
    """A stand-in for the tools other helpers are adding (kpi_report, demand_forecast, mail tools, ...)."""

    def run(ctx: ToolContext, args: GrowthArgs) -> ToolResult:
        return ToolResult(tool=name, text=f"{name}: nothing to report")

    run.__doc__ = (f"{name.replace('_', ' ').capitalize()}: figures per warehouse and period, with the rows "
                   "behind each figure and the definitions used, for buyers and managers.")
    return tool(GrowthArgs, name=name)(run)


# stand-ins for tools not built yet (names that collide with real tools would be counted twice by _bytes)
GROWN = [_growth(n) for n in ("kpi_trend_report", "lead_time_spread", "demand_outlook", "transfer_stock_plan",
                              "mail_inbox", "mail_thread", "budget_report", "carrier_performance",
                              "dock_capacity", "quality_incidents", "contract_renewals", "price_index",
                              "savings_report", "forecast_accuracy", "slow_movers", "po_aging_report")]


def _buyer_tools() -> list[Tool]:
    from assistant.runtime import ToolSet

    return ToolSet(policy=Policy.load(POLICY), audit=None, llm=object()).catalogue(Identity("b", "buyer"))


def _bytes(names: set[str], tools: list[Tool], meta: Tool | None) -> int:
    return registry.catalogue_bytes([t for t in tools if t.name in names] + ([meta] if meta else []))


QUESTIONS = ["How many PPE-1042 at Houston?", "unpaid bills from apex", "what's arriving at DAL today",
             "spend by category this year", "what does the SOP say about damaged pallets", "kpis for last month",
             "who sells PPE-1042 cheapest", "chase P01618", "hi", "forecast demand for PPE-1042 next month"]


def test_a_grown_buyer_catalogue_is_bound_per_turn_within_8kb() -> None:
    tools = _buyer_tools() + GROWN
    assert registry.catalogue_bytes(tools) > BUDGET_BYTES  # the whole catalogue no longer fits
    for q in QUESTIONS:
        sel = select(q, tools)
        assert sel.meta is not None and set(CORE) <= set(sel.bound)
        assert _bytes(sel.names(), tools, sel.meta) <= BUDGET_BYTES, q


@pytest.mark.parametrize(("question", "tool_name"), [
    ("unpaid bills from apex", "vendor_bills"), ("what does the SOP say about damaged pallets", "search_documents"),
    ("what's arriving at DAL today", "inbound_schedule"), ("spend by category this year", "spend_analysis"),
    ("who supplies PPE-1042", "product_vendors"), ("How many PPE-1042 at Houston?", "stock_levels")])
def test_the_tool_a_question_needs_is_bound(question: str, tool_name: str) -> None:
    sel = select(question, _buyer_tools() + GROWN)
    assert tool_name in sel.bound, (question, sel.bound)


def test_every_tool_is_reachable_through_more_tools_within_the_budget() -> None:
    tools = _buyer_tools() + GROWN
    for family in select("", tools).families:
        sel = select("", tools)
        added = sel.add_family(family)
        assert set(added) <= set(sel.bound) and added
        assert _bytes(sel.names(), tools, sel.meta) <= BUDGET_BYTES, family
    reachable = {n for names in select("", tools).families.values() for n in names}
    assert reachable == {t.name for t in tools}


def test_more_tools_offers_only_families_of_the_roles_own_tools() -> None:
    policy = Policy.load(POLICY)
    warehouse = list(registry.catalogue("warehouse", policy)) + GROWN[:12]
    sel = select("", warehouse)
    assert sel.meta is not None
    offered = set(sel.meta.args_model.model_json_schema()["properties"]["family"]["enum"])
    assert offered == {family_of(t.name) for t in warehouse}
    names = {n for f in offered for n in sel.families[f]}
    assert not names - {t.name for t in warehouse}  # nothing the role may not use
    assert "vendor_bills" not in names and "spend_analysis" not in names


def test_a_catalogue_that_fits_is_bound_whole_without_the_meta_tool() -> None:
    small = FakeBackend().catalogue(AVA)
    sel = select("anything", small)
    assert sel.meta is None and set(sel.bound) == {t.name for t in small}


def _core_only(text: str, tools: list[Tool], previous: list[str]) -> Any:
    """The binding of a turn whose question pointed nowhere: the core and more_tools only."""
    return select(text, tools, previous, budget=0)  # nothing fits beside the core


def _llm(mock: MockOpenAI) -> Any:
    return build_llm(model="mock-model", base_url=mock.base_url, api_key=None, timeout_s=5.0, max_retries=0)


def test_the_model_asks_for_a_family_and_gets_it_on_the_next_step(make_assistant: Any) -> None:
    """Over HTTP with the scripted model: search_documents is not bound at first, the model calls
    more_tools(documents), the next request binds it, and the answer cites the SOP."""
    backend = FakeBackend(FakeBackend().tools + GROWN)
    with MockOpenAI(planner_script(lambda: LEX)) as mock:
        a = make_assistant(model=_llm(mock), brain_name="llm", backend=backend, tool_selector=_core_only)
        r = a.ask(AVA, "What does the SOP say about damaged pallets?")
    first, second = ({t["function"]["name"] for t in req["tools"]} for req in mock.requests[:2])
    assert "search_documents" not in first and MORE_TOOLS in first
    assert "search_documents" in second
    assert [c["name"] for c in r.tool_calls] == ["search_documents"]
    assert r.ok and "Damaged and Short Deliveries SOP" in r.answer
    for req in mock.requests:
        assert len(str(req.get("tools"))) < 3 * BUDGET_BYTES


def test_more_tools_never_binds_a_tool_the_role_may_not_use(make_assistant: Any) -> None:
    backend = FakeBackend(FakeBackend().tools + GROWN)  # the warehouse role is denied remind_supplier
    with MockOpenAI(planner_script(lambda: LEX)) as mock:
        a = make_assistant(model=_llm(mock), brain_name="llm", backend=backend, tool_selector=_core_only)
        r = a.ask(WES, "chase P01618")
    bound = set().union(*({t["function"]["name"] for t in req["tools"]} for req in mock.requests))
    assert "remind_supplier" not in bound and not r.proposals
    assert "remind_supplier" not in {c["name"] for c in r.tool_calls}


def test_two_families_asked_for_in_one_step_both_stay_bound() -> None:
    tools = _buyer_tools() + GROWN
    sel = select("", tools, budget=0)  # only the core: both families must come through more_tools
    sel.add_family("orders")
    sel.add_family("finance")
    assert {"find_purchase_orders", "vendor_bills"} <= set(sel.bound)
    assert _bytes(sel.names(), tools, sel.meta) <= BUDGET_BYTES


def test_two_more_tools_calls_in_one_step_bind_both_families_over_http(make_assistant: Any) -> None:
    """'open rfqs? overdue bills?' with only the core bound: the model asks for two families in one step (the
    agent runs them in parallel); the next request binds both tools."""
    from tools.base import tool as make_tool

    class Q(BaseModel):
        state: str | None = None

    def _fake(name: str) -> Tool:
        def run(ctx: ToolContext, args: Q) -> ToolResult:
            return ToolResult(tool=name, text=f"{name}: 3", data={"count": 3})

        run.__doc__ = f"{name} stand-in."
        return make_tool(Q, name=name)(run)

    backend = FakeBackend(FakeBackend().tools + [_fake("find_purchase_orders"), _fake("vendor_bills")] + GROWN)
    with MockOpenAI(planner_script(lambda: LEX)) as mock:
        a = make_assistant(model=_llm(mock), brain_name="llm", backend=backend, tool_selector=_core_only)
        r = a.ask(AVA, "open rfqs? overdue bills?")
    assert {c["name"] for c in r.tool_calls} == {"find_purchase_orders", "vendor_bills"}, r.tool_calls
