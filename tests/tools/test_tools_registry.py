"""run_tool: policy, validation, round-trip counting, redaction, audit, and errors as ok=False."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, Field
from tools_fakes import ScriptedOdoo, reference_handler  # type: ignore[import-not-found]

from tools import registry
from tools.base import Citation, Identity, ToolContext, ToolError, ToolResult, tool
from tools.odoo.client import OdooClient
from tools.odoo.errors import OdooUnavailable

Make = Callable[..., ScriptedOdoo]


class EchoArgs(BaseModel):
    qty: int = Field(ge=1, le=1000, description="How many")
    what: str = Field(description="What")


@tool(EchoArgs, name="echo_test")
def echo_test(ctx: ToolContext, args: EchoArgs) -> ToolResult:
    """Reads twice from Odoo and echoes a price."""
    ctx.odoo.search_read("res.partner", [], ["id"])
    ctx.odoo.search_read("res.partner", [], ["id"])
    if args.what == "ambiguous":
        raise ToolError("which one?", candidates=[{"id": 1, "name": "A"}, {"id": 2, "name": "B"}],
                        code="ambiguous")
    if args.what == "down":
        raise OdooUnavailable("connection refused")
    if args.what == "bug":
        raise KeyError("oops")
    return ToolResult(tool="echo_test", data={"what": args.what, "qty": args.qty, "price_unit": 9.5},
                      text=f"{args.qty} {args.what} at $9.50")


class FakePolicy:
    def __init__(self, allowed: dict[str, set[str]], redact: dict[str, set[str]]) -> None:
        self.allowed, self.redacted = allowed, redact

    def can_use(self, role: str, name: str) -> bool:
        return name in self.allowed.get(role, set())

    def redact(self, role: str, data: Any) -> Any:
        hide = self.redacted.get(role, set())
        return {k: v for k, v in data.items() if k not in hide}


class FakeAudit:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, str | None, dict[str, Any]]] = []

    def record(self, event_type: str, actor: str, run_id: str | None = None,
               payload: dict[str, Any] | None = None) -> int:
        self.events.append((event_type, actor, run_id, payload or {}))
        return len(self.events)


@pytest.fixture()
def ctx(scripted: Make, monkeypatch: pytest.MonkeyPatch) -> Iterator[ToolContext]:
    monkeypatch.setitem(registry.TOOLS, "echo_test", echo_test)
    odoo = scripted(lambda m, meth, a, k: [{"id": 1}] if meth == "search_read" else [])
    policy = FakePolicy({"buyer": {"echo_test"}, "warehouse": {"echo_test"}}, {"warehouse": {"price_unit"}})
    yield ToolContext(user=Identity("ava.buyer", "buyer"), odoo=odoo, policy=policy, audit=FakeAudit())


def test_success_counts_round_trips_and_audits(ctx: ToolContext) -> None:
    res = registry.run_tool(ctx, "echo_test", {"qty": 3, "what": "gloves"})
    assert res.ok and res.rpc_calls == 2 and res.ms >= 0
    assert res.data["price_unit"] == 9.5
    (etype, actor, run_id, payload), = ctx.audit.events
    assert (etype, actor, run_id) == ("tool_call", "ava.buyer", ctx.run_id)
    assert payload["tool"] == "echo_test" and payload["rpc_calls"] == 2 and payload["ok"] is True
    assert len(payload["args_hash"]) == 64


def test_args_hash_is_canonical(ctx: ToolContext) -> None:
    registry.run_tool(ctx, "echo_test", {"qty": 3, "what": "x"})
    registry.run_tool(ctx, "echo_test", {"what": "x", "qty": "3"})  # same after validation
    a, b = (e[3]["args_hash"] for e in ctx.audit.events)
    assert a == b


def test_redaction_by_role_also_strips_money_from_text(ctx: ToolContext) -> None:
    ctx.user = Identity("wes.warehouse", "warehouse")
    res = registry.run_tool(ctx, "echo_test", {"qty": 3, "what": "gloves"})
    assert res.ok and "price_unit" not in res.data and "$" not in res.text and "9.50" not in res.text


class NotesArgs(BaseModel):
    note: str = Field(description="A supplier e-mail body")


@tool(NotesArgs, name="notes_test")
def notes_test(ctx: ToolContext, args: NotesArgs) -> ToolResult:
    """Returns free text with prices but no price key (like supplier e-mails)."""
    return ToolResult(tool="notes_test", data={"messages": [{"subject": "Bill mismatch", "body": args.note}],
                                               "qty": 12}, text=args.note,
                      citations=[Citation(id="d1", title="Price notice: $4.18 per unit", section="USD 30.63")])


def test_real_policy_scrubs_money_in_every_string_for_warehouse(scripted: Make,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    from tools.governance.policy import Policy

    monkeypatch.setitem(registry.TOOLS, "notes_test", notes_test)
    policy = Policy.load(Path(registry.__file__).parent / "governance" / "default_policy.yaml")
    policy.roles["warehouse"] = policy.roles["warehouse"].__class__(
        tools=policy.roles["warehouse"].tools | {"notes_test"},
        redact_patterns=policy.roles["warehouse"].redact_patterns, scrub_money=True)
    policy.roles["buyer"] = policy.roles["buyer"].__class__(tools=policy.roles["buyer"].tools | {"notes_test"})
    note = "billed at $30.63 vs $29.16; USD 30.63, 1,234.56 USD, 30.63 dollars, €9.50, 4.18 per unit; 12 units"
    odoo = scripted(lambda m, meth, a, k: [])
    wes = registry.run_tool(ToolContext(user=Identity("wes", "warehouse"), odoo=odoo, policy=policy),
                            "notes_test", {"note": note})
    body = wes.data["messages"][0]["body"]
    for shown in (body, wes.text, wes.for_model()):
        for figure in ("30.63", "29.16", "1,234.56", "9.50", "4.18"):
            assert figure not in shown, shown
    assert "12 units" in body and wes.data["qty"] == 12  # quantities stay
    assert wes.citations[0].title == "Price notice: [redacted]" and wes.citations[0].section == "[redacted]"
    ava = registry.run_tool(ToolContext(user=Identity("ava", "buyer"), odoo=odoo, policy=policy),
                            "notes_test", {"note": note})
    assert ava.data["messages"][0]["body"] == note and ava.text == note


def test_forbidden_tool_makes_no_odoo_call(ctx: ToolContext) -> None:
    ctx.user = Identity("rita", "requester")
    res = registry.run_tool(ctx, "echo_test", {"qty": 3, "what": "gloves"})
    assert not res.ok and "requester" in (res.error or "") and res.rpc_calls == 0
    assert ctx.audit.events[-1][3]["ok"] is False


@pytest.mark.parametrize(("args", "needle"), [
    ({"qty": 0, "what": "x"}, "qty"), ({"what": "x"}, "qty: Field required"), ({"qty": "many", "what": "x"}, "qty"),
    ({"qty": 5000, "what": "x"}, "less than or equal to 1000"),
])
def test_bad_arguments_get_a_clear_message(ctx: ToolContext, args: dict[str, Any], needle: str) -> None:
    res = registry.run_tool(ctx, "echo_test", args)
    assert not res.ok and res.error and res.error.startswith("Bad arguments for echo_test") and needle in res.error
    assert res.rpc_calls == 0


def test_non_object_arguments_are_refused(ctx: ToolContext) -> None:
    res = registry.run_tool(ctx, "echo_test", ["qty", 3])  # type: ignore[arg-type]
    assert not res.ok and "JSON object" in (res.error or "")


def test_unknown_tool(ctx: ToolContext) -> None:
    res = registry.run_tool(ctx, "drop_database", {})
    assert not res.ok and "Unknown tool" in (res.error or "")


def test_ambiguity_returns_candidates(ctx: ToolContext) -> None:
    res = registry.run_tool(ctx, "echo_test", {"qty": 1, "what": "ambiguous"})
    assert not res.ok and res.data["code"] == "ambiguous" and len(res.data["candidates"]) == 2
    assert res.for_model().startswith("ERROR: which one?")


def test_odoo_down_and_tool_bugs_become_messages(ctx: ToolContext) -> None:
    down = registry.run_tool(ctx, "echo_test", {"qty": 1, "what": "down"})
    assert not down.ok and "not reachable" in (down.error or "")
    bug = registry.run_tool(ctx, "echo_test", {"qty": 1, "what": "bug"})
    assert not bug.ok and "unexpectedly" in (bug.error or "") and "oops" not in (bug.error or "")


def test_real_read_tool_validation_message(scripted: Make) -> None:
    ctx = ToolContext(user=Identity("a", "admin"), odoo=scripted(reference_handler))
    res = registry.run_tool(ctx, "stock_levels", {"warehouse": "DAL"})
    assert not res.ok and "product: Field required" in (res.error or "")
    res = registry.run_tool(ctx, "stock_levels", {"product": "X", "warehouse": "Chicago"})
    assert not res.ok and res.data["code"] == "not_found" and len(res.data["candidates"]) == 5


def test_catalogue_filters_by_policy_and_stays_small() -> None:
    everything = registry.catalogue("admin")
    assert {"stock_levels", "supplier_scorecard", "replenishment_risk"} <= {t.name for t in everything}
    only = registry.catalogue("warehouse", FakePolicy({"warehouse": {"stock_levels"}}, {}))
    assert [t.name for t in only] == ["stock_levels"]
    for t in everything:  # one tool stays small, so that any family of tools plus the core binds within 8 KB
        assert registry.catalogue_bytes([t]) <= 1536, (t.name, registry.catalogue_bytes([t]))
    for spec in registry.function_specs(everything):
        assert spec["description"] and len(spec["description"]) <= 200
        assert all(p.get("description") for name, p in spec["parameters"]["properties"].items()
                   if name not in registry.SELF_EXPLANATORY)
    for t in everything:  # the pydantic models keep every description (docs, validation messages)
        assert all(f.description for f in t.args_model.model_fields.values()), t.name


def test_buyer_catalogue_with_the_default_policy_stays_small() -> None:
    """Issue #10: the buyer may use every read tool (old and new) and the proposals; what one turn binds stays
    <= 8 KB (assistant/toolbelt.py), and every tool of the role is reachable."""
    from tools.governance.policy import Policy

    policy = Policy.load(Path(registry.__file__).parent / "governance" / "default_policy.yaml")
    buyer = registry.catalogue("buyer", policy)
    assert {"find_purchase_orders", "product_vendors", "receipts_done", "vendor_bills", "spend_analysis",
            "create_rfq"} <= {t.name for t in buyer}
    _per_turn_within_8kb(buyer)
    warehouse = {t.name for t in registry.catalogue("warehouse", policy)}
    assert {"receipts_done", "find_purchase_orders"} <= warehouse
    assert not {"vendor_bills", "spend_analysis", "product_vendors"} & warehouse
    finance = {t.name for t in registry.catalogue("finance", policy)}
    assert {"vendor_bills", "spend_analysis", "find_purchase_orders"} <= finance


def test_the_llm_brains_buyer_catalogue_stays_small_with_its_extra_tool() -> None:
    """What the LLM brain binds for a buyer: the registry's tools plus summarize_supplier."""
    from assistant.runtime import ToolSet
    from tools.governance.policy import Policy

    policy = Policy.load(Path(registry.__file__).parent / "governance" / "default_policy.yaml")
    tools = ToolSet(policy=policy, audit=None, llm=object()).catalogue(Identity("b", "buyer"))
    assert "summarize_supplier" in {t.name for t in tools} and "spend_analysis" in {t.name for t in tools}
    _per_turn_within_8kb(tools)


def _per_turn_within_8kb(tools: list[Any]) -> None:
    """What the LLM brain binds on one turn (a subset + more_tools when the whole does not fit) is <= 8 KB for
    any question, and every tool is bound after at most one more_tools call, still within 8 KB."""
    from assistant.toolbelt import select

    def bound_bytes(sel: Any) -> int:
        return registry.catalogue_bytes([t for t in tools if t.name in sel.bound] + ([sel.meta] if sel.meta else []))

    for q in ("stock of PPE-1042 at DAL", "unpaid bills", "open rfqs", "spend by category", "hazmat SOP", "hello"):
        assert bound_bytes(select(q, tools)) <= 8192, q
    reachable: set[str] = set()
    for family in select("", tools).families:
        sel = select("", tools)
        sel.add_family(family)
        assert bound_bytes(sel) <= 8192, family
        reachable |= set(sel.bound)
    assert reachable == {t.name for t in tools}


def test_compact_schema_inlines_nested_models_and_drops_noise() -> None:
    spec = registry.compact_schema(registry.TOOLS["find_purchase_orders"])
    state = spec["properties"]["state"]
    assert "type" not in state and state["enum"][0] == "rfq" and state["default"] == "any"
    assert "default" not in spec["properties"]["late"]  # a false flag is what an absent flag means
    assert "title" not in json.dumps(spec) and "anyOf" not in json.dumps(spec)


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_unreachable_odoo_fails_fast_with_a_clear_error() -> None:
    t0 = time.perf_counter()
    with pytest.raises(OdooUnavailable) as err:
        OdooClient.connect(f"http://127.0.0.1:{_closed_port()}", "quartermaster", "admin", "admin", timeout=3)
    assert time.perf_counter() - t0 < 4
    assert "not reachable" in str(err.value)


def test_unreachable_odoo_through_run_tool_is_ok_false() -> None:
    client = OdooClient(f"http://127.0.0.1:{_closed_port()}", "quartermaster", "admin", "admin", timeout=2,
                        read_retries=1)
    ctx = ToolContext(user=Identity("a", "admin"), odoo=client)
    t0 = time.perf_counter()
    res = registry.run_tool(ctx, "stock_levels", {"product": "PPE-1042", "warehouse": "DAL"})
    assert not res.ok and res.data["code"] == "odoo_unavailable" and "not reachable" in (res.error or "")
    assert time.perf_counter() - t0 < 5


def test_no_odoo_connection_is_a_message_not_a_crash() -> None:
    ctx = ToolContext(user=Identity("a", "admin"), odoo=None)  # type: ignore[arg-type]
    res = registry.run_tool(ctx, "stock_levels", {"product": "PPE-1042"})
    assert not res.ok and res.data["code"] == "odoo_unavailable"


def test_bulk_rows_pauses_the_collector_and_restores_its_state() -> None:
    import gc

    from tools.reads.common import bulk_rows

    assert gc.isenabled()
    with bulk_rows():
        assert not gc.isenabled()
        with bulk_rows():  # nested: the inner exit must not switch it back on early
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with bulk_rows():
            pass
        assert not gc.isenabled()  # was off at entry: stays off
    finally:
        gc.enable()
    with pytest.raises(ValueError), bulk_rows():
        raise ValueError("boom")
    assert gc.isenabled()
