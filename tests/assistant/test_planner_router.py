"""The planner's router: paraphrases, typos, filler words, two-part questions, questions back and the
short replies that complete them. Decisions (Plans) are tested apart from execution, so routing to a tool
another helper is still building is tested here without it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import AVA, FakeBackend, StockArgs  # type: ignore[import-not-found]

from assistant.agent import turn_focus
from assistant.planner.intents import parse
from assistant.planner.lexicon import Lexicon, category_entries, warehouse_entries
from assistant.planner.route import answer_pending, help_for, split_parts
from assistant.planner.slots import clean, correct_names
from tools.base import ToolResult

# a business that is not the demo one: underscore codes, other warehouse names
WH = warehouse_entries([{"name": "Riverside Main Warehouse", "code": "RIV"}, {"name": "Lakeview North DC", "code": "LKV"},
                        {"name": "San Marco Depot", "code": "SMD"}])
LEX = Lexicon(
    warehouses=WH,
    suppliers=[{"name": "Kestrel Fasteners", "aliases": ["kestrel", "kestrel fasteners"]},
               {"name": "Wood Corner", "aliases": ["wood corner"]},
               {"name": "Orchid Safety Products", "aliases": ["orchid", "orchid safety"]}],
    products=[{"name": "Acoustic Bloc Screens (Wood)", "code": "FURN_6666", "norm": "acoustic bloc screens wood"},
              {"name": "Acoustic Bloc Screens (White)", "code": "FURN_6667", "norm": "acoustic bloc screens white"},
              {"name": "Wire Connectors, Yellow", "code": "ELE-5120", "norm": "wire connectors yellow"},
              {"name": "Exam Gloves Latex Powder-Free Size L", "code": "PPE-2001",
               "norm": "exam gloves latex powder-free size l"}],
    categories=category_entries([{"name": "Safety & PPE", "complete_name": "All / Safety & PPE"},
                                 {"name": "Electrical", "complete_name": "All / Electrical"}]))


def plan_of(text: str, history: list[dict[str, Any]] | None = None) -> Any:
    return parse(text, LEX, history or [])


def test_aliases_come_from_odoo_names_and_codes() -> None:
    riv = next(w for w in WH if w["code"] == "RIV")
    assert {"riverside", "riv", "riverside main warehouse"} <= set(riv["aliases"])
    smd = next(w for w in WH if w["code"] == "SMD")
    assert "san marco" in smd["aliases"]


@pytest.mark.parametrize(("text", "tool", "slots"), [
    ("how many POs are running late right now?", "find_purchase_orders", {"late": True}),
    ("list the open rfqs pls", "find_purchase_orders", {"state": "rfq"}),
    ("How many RFQs are still open?", "find_purchase_orders", {"state": "rfq"}),
    ("what's our biggest open PO?", "find_purchase_orders", {"sort": "amount"}),
    ("who sells us FURN_6667", "product_vendors", {"product": "FURN_6667"}),
    ("cheapest vendor for ELE-5120?", "product_vendors", {"product": "ELE-5120", "sort": "price"}),
    ("whats the price tolerance on 3 way match", "search_documents", {}),
    ("receiving hours at riverside?", "search_documents", {}),
    ("is the bill on P01675 clean?", "three_way_match_exceptions", {"reference": "P01675"}),  # a verdict, not a list
    ("which vendor bills are overdue", "vendor_bills", {"status": "overdue"}),
    ("what did we receive at RIV yesterday", "receipts_done", {"warehouse": "RIV"}),
    ("how much did we spend on Safety & PPE this year?", "spend_analysis", {"category": "Safety & PPE"}),
    ("total spend with kestrel in Q3?", "spend_analysis", {"supplier": "Kestrel Fasteners"}),
    ("wire connectors qty at riversdie?", "stock_levels", {"warehouse": "RIV"}),
    ("hi could exam gloves latex powder-free size l thanks so", "stock_levels",
     {"product": "Exam Gloves Latex Powder-Free Size L"}),
    ("status of furn_6667", "stock_levels", {"product": "FURN_6667"}),
    ("riv inbound this week", "inbound_schedule", {"warehouse": "RIV", "when": "this week"}),
    ("kill P01647, we don't need it anymore", "cancel_purchase_order", {"reference": "P01647"}),
    ("Where is PO 4?", "purchase_order_status", {"reference": "P00004"}),
])
def test_paraphrases_reach_the_right_tool(text: str, tool: str, slots: dict[str, Any]) -> None:
    plan = plan_of(text)
    assert plan.tool == tool, (text, plan)
    for key, value in slots.items():
        assert plan.slots.get(key) == value, (text, key, plan.slots)


def test_extra_words_never_become_the_product() -> None:
    assert clean("hi could exam gloves latex thanks so") == "exam gloves latex"
    assert clean("pls list the open rfqs thx") == "list the open rfqs"
    plan = plan_of("how many POs are running late right now?")
    assert "product" not in plan.slots  # a count of POs, never a product called "pos running late"


def test_spend_on_a_category_is_not_a_vendor() -> None:
    plan = plan_of("spend on Safety & PPE this year")
    assert plan.tool == "spend_analysis" and plan.slots.get("category") == "Safety & PPE"
    assert "supplier" not in plan.slots  # never the vendor Orchid Safety Products


def test_typos_of_names_are_fixed_only_when_close() -> None:
    assert "riverside" in correct_names("stock at riversdie", LEX).lower()
    assert correct_names("stock at rome", LEX) == "stock at rome"  # a weak match changes nothing


def test_two_part_question_answers_both_parts() -> None:
    assert split_parts("what's arriving at RIV today, and is anything overdue there?") == [
        "what's arriving at RIV today", "is anything overdue there?"]
    plan = plan_of("what's arriving at RIV today, and is anything overdue there?")
    assert plan.tool == "inbound_schedule" and plan.slots["warehouse"] == "RIV" and plan.slots["when"] == "today"
    assert len(plan.also) == 1 and plan.also[0].slots["warehouse"] == "RIV" and plan.also[0].slots["when"] == "overdue"


def test_back_up_to_max_is_computed_from_the_stock_figures() -> None:
    from assistant.planner.builders import stock_gap_note

    plan = plan_of("how many do we need to get ELE-5120 at RIV back up to max?")
    assert plan.tool == "stock_levels" and plan.post == "stock_gap"
    note = stock_gap_note({"warehouses": [{"wh": "RIV", "on_hand": 4, "reorder_max": 230, "forecast": 4}]})
    assert note is not None and "230 − 4 on hand = 226" in note


def test_nothing_fits_lists_what_it_can_answer_with_this_odoos_names() -> None:
    plan = plan_of("asdf qwer zxcv")
    assert plan.tool is None and plan.intent == "unknown"
    reply = plan.reply or ""
    assert "Riverside Main Warehouse" in reply and "FURN_6666" in reply and "Kestrel Fasteners" in reply
    for demo in ("Bluebonnet", "PPE-1042", "Dallas", "Apex"):
        assert demo not in reply and demo not in help_for(LEX)


def test_reschedule_with_days_late_asks_the_date_then_a_short_reply_completes_it() -> None:
    ask = plan_of("carrier called, RIV/IN/00400 will be 2 days late, move it")
    assert ask.tool is None and ask.pending and "RIV/IN/00400" in (ask.reply or "")
    done = plan_of("2026-12-09", [{"pending": ask.pending}])
    assert done.tool == "reschedule_receipt" and done.slots == {"receipt": "RIV/IN/00400", "date": "2026-12-09"}


def test_rfq_without_vendor_asks_once_and_the_vendor_name_completes_it() -> None:
    ask = plan_of("we need 200 more ELE-5120 at riverside, can you get an rfq going?")
    assert ask.tool is None and ask.pending and "vendor" in (ask.reply or "").lower()
    done = plan_of("Kestrel", [{"pending": ask.pending}])
    assert done.tool == "create_rfq" and done.slots["supplier"] == "Kestrel Fasteners"
    assert done.slots["quantity"] == 200 and done.slots["product"] == "ELE-5120" and done.slots["warehouse"] == "RIV"


CANDS = {"kind": "candidates", "tool": "stock_levels", "args": {"product": "Acoustic Bloc Screens", "warehouse": "RIV"},
         "slot": "product", "choices": [{"label": "[FURN_6666] Acoustic Bloc Screens (Wood)", "code": "FURN_6666"},
                                        {"label": "[FURN_6667] Acoustic Bloc Screens (White)", "code": "FURN_6667"}]}


@pytest.mark.parametrize(("reply", "code"), [("FURN_6667", "FURN_6667"), ("the white one", "FURN_6667"),
                                             ("2", "FURN_6667"), ("the Wood one", "FURN_6666"),
                                             ("first", "FURN_6666")])
def test_a_short_reply_picks_the_variant(reply: str, code: str) -> None:
    plan = plan_of(reply, [{"tool": "stock_levels", "pending": CANDS}])
    assert plan.tool == "stock_levels" and plan.slots == {"product": code, "warehouse": "RIV"}


def test_a_reply_that_fits_no_choice_is_a_new_request() -> None:
    assert answer_pending("scorecard for Kestrel Fasteners please now", LEX, [{"pending": CANDS}], CANDS) is None
    assert answer_pending("the blue one", LEX, [{"pending": CANDS}], CANDS) is None  # never a weak pick


def test_choice_between_two_readings_is_answered_by_number() -> None:
    pending = {"kind": "intent", "choices": ["inbound_schedule", "receipts_done"], "text": "deliveries at RIV"}
    plan = answer_pending("2", LEX, [{"pending": pending}], pending)
    assert plan is not None and plan.tool == "receipts_done" and plan.slots.get("warehouse") == "RIV"


def test_tool_candidates_become_the_pending_request() -> None:
    rec = [{"name": "stock_levels", "args": {"product": "Acoustic Bloc Screens"}}]
    res = [ToolResult(tool="stock_levels", ok=False, error="Several products match 'Acoustic Bloc Screens'.",
                      data={"code": "ambiguous", "candidates": [{"id": 1, "name": "Acoustic Bloc Screens (Wood)",
                                                                  "code": "FURN_6666"}]})]
    focus = turn_focus(rec, res)
    assert focus["pending"]["kind"] == "candidates" and focus["pending"]["slot"] == "product"
    assert focus["pending"]["choices"][0]["code"] == "FURN_6666"


def test_them_means_the_most_recent_records() -> None:
    history = [{"tool": "purchase_order_status", "args": {"reference": "P00001"}, "reference": "P00001",
                "pos": ["P00001"]},
               {"tool": "stock_levels", "args": {"product": "ELE-5120"}},
               {"tool": "open_purchase_orders", "args": {"supplier": "Kestrel Fasteners"}, "pos": ["P00042"]}]
    plan = plan_of("chase them", history)
    assert plan.tool == "remind_supplier" and plan.slots["reference"] == "P00042"


def test_and_for_a_warehouse_changes_one_slot() -> None:
    history = [{"tool": "stock_levels", "args": {"product": "ELE-5120", "warehouse": "RIV"}, "product": "ELE-5120",
                "warehouse": "RIV"}]
    plan = plan_of("and for Lakeview?", history)
    assert plan.tool == "stock_levels" and plan.slots == {"product": "ELE-5120", "warehouse": "LKV"}


def test_example_embeddings_are_cached_by_content_hash(tmp_path: Path) -> None:
    from assistant.planner.router import Router
    from knowledge.embeddings import HashEmbedder

    examples = {"a": ["stock of {product}"], "b": ["who sells {product}"]}
    first = Router(HashEmbedder(), examples, tmp_path)
    second = Router(HashEmbedder(), examples, tmp_path)
    assert not first.from_cache and second.from_cache
    assert Router(HashEmbedder(), {**examples, "c": ["x"]}, tmp_path).from_cache is False  # edited: recomputed


def test_a_question_back_is_completed_by_a_short_reply_through_the_loop(make_assistant: Any) -> None:

    a = make_assistant()
    ask = a.ask(AVA, "how much stock do we have at houston")
    assert ask.tool_calls == [] and "Which product" in ask.answer
    done = a.ask(AVA, "PPE-1042", thread_id=ask.thread_id)
    assert [c["name"] for c in done.tool_calls] == ["stock_levels"]
    assert done.tool_calls[0]["args"] == {"product": "PPE-1042", "warehouse": "HOU"}


def test_a_tools_candidates_are_chosen_by_a_short_reply_through_the_loop(make_assistant: Any) -> None:

    from tools.base import ToolContext, tool

    @tool(StockArgs)
    def stock_levels(ctx: ToolContext, args: StockArgs) -> ToolResult:
        """Stock of one product; a family name is ambiguous between two variants."""
        if args.product.lower().startswith("nitrile"):
            return ToolResult(tool="stock_levels", ok=False, error=f"Several products match '{args.product}'.",
                              data={"code": "ambiguous", "candidates": [
                                  {"id": 1, "name": "[PPE-1042] Nitrile Exam Gloves, Medium", "code": "PPE-1042"},
                                  {"id": 2, "name": "[PPE-1043] Nitrile Exam Gloves, Large", "code": "PPE-1043"}]})
        return ToolResult(tool="stock_levels", data={"product": args.product}, text=f"{args.product}: 5 on hand")

    backend = FakeBackend(tools=[stock_levels])
    a = make_assistant(backend=backend)
    first = a.ask(AVA, "stock of nitrile gloves at houston")
    assert first.tool_calls and not first.tool_calls[0]["ok"]
    second = a.ask(AVA, "the large one", thread_id=first.thread_id)
    assert second.tool_calls[0]["args"] == {"product": "PPE-1043", "warehouse": "HOU"}
    assert "PPE-1043: 5 on hand" in second.answer


def test_a_place_that_is_no_warehouse_is_asked_back_and_a_warehouse_name_completes_it() -> None:
    ask = plan_of("how many ELE-5120 in Tulsa?")
    assert ask.tool is None and "Tulsa" in (ask.reply or "") and "Riverside Main Warehouse" in (ask.reply or "")
    done = plan_of("Riverside", [{"pending": ask.pending}])
    assert done.tool == "stock_levels" and done.slots == {"product": "ELE-5120", "warehouse": "RIV"}
    assert plan_of("Tulsa", [{"pending": ask.pending}]).slots.get("warehouse") != "RIV"  # no guess


def test_completing_an_rfq_question_back_is_not_refused_by_the_action_guard(make_assistant: Any) -> None:
    from pydantic import BaseModel

    from tools.base import ToolContext, tool

    class RfqArgs(BaseModel):
        supplier: str
        product: str
        quantity: float
        warehouse: str | None = None

    @tool(RfqArgs, kind="propose")
    def create_rfq(ctx: ToolContext, args: RfqArgs) -> ToolResult:
        """Propose an RFQ."""
        return ToolResult(tool="create_rfq", data={"state": "pending"}, text=f"RFQ {args.supplier} {args.product}",
                          proposal_ids=["PR-9"])

    a = make_assistant(backend=FakeBackend(tools=[create_rfq]))
    ask = a.ask(AVA, "we need 200 more PPE-1042 at houston, can you get an rfq going?")
    assert ask.tool_calls == [] and "vendor" in ask.answer.lower()
    done = a.ask(AVA, "Redline", thread_id=ask.thread_id)
    assert [c["name"] for c in done.tool_calls] == ["create_rfq"] and done.tool_calls[0]["ok"]
    assert done.tool_calls[0]["args"]["supplier"] == "Redline Fasteners" and done.proposals
    other = a.ask(AVA, "Redline")  # a new thread: nothing pending, so no proposal
    assert not other.proposals


class _FixedRouter:
    """A router whose ranking is given: tests the arbitration alone."""

    def __init__(self, *readings: tuple[str, float]) -> None:
        from assistant.planner.router import Reading

        self.readings = [Reading(i, s, "") for i, s in readings]

    def rank(self, delexicalised: str) -> list[Any]:
        return list(self.readings)


def test_two_close_readings_become_one_question_back_with_the_choices() -> None:
    router = _FixedRouter(("inbound_schedule", 0.70), ("receipts_done", 0.69), ("stock_levels", 0.4))
    plan = parse("blorp zibber RIV", LEX, [], router=router)  # the rules read nothing
    assert plan.tool is None and plan.pending and plan.pending["choices"] == ["inbound_schedule", "receipts_done"]
    assert "(1)" in (plan.reply or "") and "(2)" in (plan.reply or "")


def test_nothing_confident_is_not_guessed() -> None:
    plan = parse("blorp zibber", LEX, [], router=_FixedRouter(("stock_levels", 0.45), ("help", 0.30)))
    assert plan.tool is None and plan.intent == "unknown"


def test_a_confident_reading_beats_a_rule_only_by_a_clear_margin() -> None:
    text = "Scorecard for Kestrel Fasteners"  # the rules read a scorecard
    kept = parse(text, LEX, [], router=_FixedRouter(("supplier_history", 0.80), ("supplier_scorecard", 0.75)))
    assert kept.tool == "supplier_scorecard"
    beaten = parse(text, LEX, [], router=_FixedRouter(("supplier_communications", 0.90), ("supplier_scorecard", 0.70)))
    assert beaten.tool == "supplier_communications"
