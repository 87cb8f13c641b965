"""Second fresh-user try-out (2026-12-04): "how many X we got at <wh> rn" is stock, not receipts; a colour or
variant word alone never picks a product and a plural name finds its products (the question back lists them);
two warehouses in a price comparison compare both; "chase them" / "cancel it" right after a PO was shown is
the person's own request. Lexicons built here, for two businesses' naming styles."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.planner.intents import parse
from assistant.planner.lexicon import Lexicon, norm
from tools.governance.provenance import TurnProvenance


def _p(name: str, code: str) -> dict[str, Any]:
    return {"name": name, "code": code, "norm": norm(name)}


LEX_A = Lexicon(
    warehouses=[{"name": "Dallas Central DC", "code": "DAL", "aliases": ["dallas central dc", "dallas", "dal"]},
                {"name": "Houston Gulf DC", "code": "HOU", "aliases": ["houston gulf dc", "houston", "hou"]}],
    suppliers=[{"name": "Pioneer Safety Products", "aliases": ["pioneer safety products", "pioneer safety"]}],
    products=[_p("Nitrile Exam Gloves, Powder-Free, Size M (Box of 100)", "PPE-1042"),
              _p("Office Chair", "FURN-100"), _p("Office Chair Black", "FURN-101"),
              _p("Shop Towels (White)", "JAN-8020"), _p("Shop Towels (Blue)", "JAN-8021")])
LEX_B = Lexicon(
    warehouses=[{"name": "Hoofdmagazijn", "code": "WH", "aliases": ["hoofdmagazijn"]},
                {"name": "Rotterdam Haven", "code": "RTM", "aliases": ["rotterdam haven", "rotterdam"]},
                {"name": "Eindhoven Zuid", "code": "EIN", "aliases": ["eindhoven zuid", "eindhoven"]}],
    suppliers=[{"name": "Atlantic Paper Goods Inc.", "aliases": ["atlantic paper goods", "atlantic paper"]}],
    products=[_p("Acoustic Bloc Screen (White)", "FURN_7777"), _p("Acoustic Bloc Screen (Wood)", "FURN_7778"),
              _p("Napkin 40x40 White (pack of 50)", "DISP_Napkin_40"),
              _p("Paper Coffee Cup 12oz (sleeve of 50)", "cup 12oz")])


@pytest.mark.parametrize(("lex", "text", "wh"), [
    (LEX_A, "hw many PPE-1042 we got in dallas rn", "DAL"),
    (LEX_A, "how many PPE-1042 have we got at houston right now", "HOU"),
    (LEX_B, "how many FURN_7777 we got in rotterdam rn", "RTM"),
    (LEX_B, "how many cup 12oz do we have at WH now", "WH"),
])
def test_how_many_we_got_now_is_stock(lex: Lexicon, text: str, wh: str) -> None:
    plan = parse(text, lex, [])
    assert plan.tool == "stock_levels", (text, plan)
    assert plan.slots.get("warehouse") == wh


@pytest.mark.parametrize(("lex", "text"), [
    (LEX_A, "what did we get in at dallas yesterday"),
    (LEX_A, "how many PPE-1042 did we get in last week at DAL"),
    (LEX_B, "what did we receive at RTM yesterday"),
])
def test_what_came_in_stays_receipts(lex: Lexicon, text: str) -> None:
    assert parse(text, lex, []).tool == "receipts_done", text


@pytest.mark.parametrize(("lex", "text", "expect"), [
    (LEX_B, "how many acoustic bloc screens do we have, white and wood?", "acoustic bloc screen"),
    (LEX_A, "how many shop towels do we have, white and blue?", "shop towels"),
    (LEX_A, "how many office chairs in stock", "office chair"),
])
def test_variant_word_never_picks_a_product(lex: Lexicon, text: str, expect: str) -> None:
    plan = parse(text, lex, [])
    assert plan.tool == "stock_levels"
    assert str(plan.slots.get("product")).lower() == expect  # the tool resolves it or lists the variants
    assert not plan.also and not plan.extra  # never a second answer for "white" (another product has it)


@pytest.mark.parametrize("lex", [LEX_A, LEX_B])
def test_colour_word_alone_is_no_product(lex: Lexicon) -> None:
    assert lex.product("white and wood?") is None
    assert lex.product("stock of white napkin") if lex is LEX_B else lex.product("white shop towels")  # with a name


@pytest.mark.parametrize(("lex", "text", "product"), [
    (LEX_B, "do WH and EIN pay different prices for cup 12oz", "cup 12oz"),
    (LEX_B, "do RTM and WH pay the same price for cup 12oz?", "cup 12oz"),
    (LEX_A, "do dallas and houston pay different prices for PPE-1042", "PPE-1042"),
])
def test_two_warehouses_compare_prices_across(lex: Lexicon, text: str, product: str) -> None:
    plan = parse(text, lex, [])
    assert plan.tool == "spend_analysis" and plan.slots.get("compare_prices") is True, plan
    assert plan.slots.get("product") == product
    assert not plan.slots.get("warehouse") and not plan.also and not plan.extra  # not scoped to the first


@pytest.mark.parametrize(("text", "kind", "args"), [
    ("chase them pls", "remind_supplier", {"po": "P01602"}),
    ("cancel it, we ordered from someone else", "cancel_purchase_order", {"po": "PO/2026/00041"}),
    ("move that one to monday", "reschedule_receipt", {"receipt": "WH/IN/00006"}),
])
def test_pointer_to_the_record_just_discussed_is_the_persons_request(text: str, kind: str,
                                                                    args: dict[str, Any]) -> None:
    record = str(next(iter(args.values())))
    turn = TurnProvenance(user_text=text)
    assert not turn.asked_for(kind, args)  # nothing discussed before: not theirs
    turn = TurnProvenance(user_text=text, discussed={record.upper()})
    assert turn.asked_for(kind, args)
    other = {k: "P09999" for k in args}
    assert not turn.asked_for(kind, other)  # another record than the one just discussed: not theirs
    assert not TurnProvenance(user_text="what is it?", discussed={record.upper()}).asked_for(kind, args)


@pytest.mark.parametrize(("lex", "first", "wh"), [(LEX_A, "stock of PPE-1042 at dallas?", "DAL"),
                                                  (LEX_B, "stock of FURN_7777 at rotterdam?", "RTM")])
def test_other_sites_follow_up_drops_the_warehouse(lex: Lexicon, first: str, wh: str) -> None:
    plan = parse(first, lex, [])
    assert plan.tool == "stock_levels" and plan.slots.get("warehouse") == wh
    focus = [{"tool": plan.tool, "args": dict(plan.slots), **plan.slots}]
    for text in ("and at the other sites?", "what about everywhere else?"):
        again = parse(text, lex, focus)
        assert again.tool == "stock_levels", (text, again)
        assert again.slots.get("product") == plan.slots["product"] and not again.slots.get("warehouse")


@pytest.mark.parametrize("lex", [LEX_A, LEX_B])
def test_kpis_without_a_vendor_are_the_companys(lex: Lexicon) -> None:
    for text in ("kpis this month", "kpis for this month - otif, po cycle time etc"):
        plan = parse(text, lex, [])
        assert plan.tool == "kpi_report", (text, plan)
        assert not plan.slots.get("vendor")
