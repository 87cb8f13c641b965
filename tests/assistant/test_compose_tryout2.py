"""Tryout 2 presentation fixes end to end (offline brain, real runtime, the shared sandbox of each business):
an answer is said once, a heading only with content under it, counts that add up, open ranges in words, times
with their zone, no stray "No product matches" under an answer. Read questions and a purchase request only
(the request lives in our store; nothing is written to Odoo)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.planner.compose import FOOTER, tidy
from assistant.runtime import Runtime
from assistant.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
BUSINESSES = {"bluebonnet": (None, "maria.manager", "ava.buyer", "wes.warehouse", "fiona.finance"),
              "hollander": (ROOT / "sandbox" / "seed_hollander" / "users.yaml", "pieter.manager", "sanne.inkoop",
                            "daan.magazijn", "eva.financien")}


@pytest.fixture(scope="module", params=list(BUSINESSES))
def chat(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Runtime, Any]]:
    users, *people = BUSINESSES[request.param]
    running = request.getfixturevalue("sandbox" if request.param == "bluebonnet" else "sandbox_hollander")
    extra: dict[str, Any] = {"users_file": users} if users else {}
    rt = Runtime.build(load_settings(odoo_url=running.url, odoo_db=running.db, brain="offline",
                                     data_dir=tmp_path_factory.mktemp(f"qm-{request.param}"), **extra))
    yield rt, people
    rt.close()


def _ask(rt: Runtime, who: str, text: str, thread: str = "t") -> str:
    user = rt.user(who)
    assert user is not None, who
    return str(rt.assistant.ask(user, text, thread_id=f"{thread}-{who}", channel="web").answer)


def _headings_have_content(answer: str) -> None:
    lines = answer.replace(FOOTER, "").split("\n")
    for i, line in enumerate(lines):
        if re.fullmatch(r"\*\*[^*]+\*\*", line.strip()):
            rest = next((x for x in lines[i + 1:] if x.strip()), "")
            assert rest and not re.fullmatch(r"\*\*[^*]+\*\*", rest.strip()), (line, answer)


def _wh(rt: Runtime, who: str) -> str:
    return str(rt.user(who).warehouse or rt.odoo.search_read("stock.warehouse", [], ["code"], limit=1, order="id")[0]
               ["code"])


def _vendor_product(rt: Runtime) -> tuple[str, str]:
    for si in rt.odoo.search_read("product.supplierinfo", [], ["partner_id", "product_tmpl_id"], limit=80, order="id"):
        prods = rt.odoo.search_read("product.product", [("product_tmpl_id", "=", si["product_tmpl_id"][0])],
                                    ["default_code"], limit=2)
        if len(prods) == 1 and prods[0]["default_code"]:
            return str(prods[0]["default_code"]), str(si["partner_id"][1])
    raise AssertionError("no single-variant product with a vendor")


def test_an_answer_is_said_once(chat: tuple[Runtime, Any]) -> None:
    rt, (manager, buyer, clerk, _finance) = chat
    code, vendor = _vendor_product(rt)
    twice = _ask(rt, buyer, f"who supplies {code} and whats cheapest", "v")
    body = twice.replace(FOOTER, "")
    first = body.strip().split("\n")[0]
    assert body.count(first) == 1, twice
    _headings_have_content(twice)

    otif = _ask(rt, manager, f"how reliable is {vendor}? otif last 6 mo", "s")
    assert "6 months" in otif and "12 months" not in otif, otif
    _headings_have_content(otif)

    wh = _wh(rt, clerk)
    raised = _ask(rt, clerk, f"we need 50 {code} at {wh}, raise a purchase request", "r")
    assert len(re.findall(r"nothing (?:is written|changes)", raised, re.I)) == 1, raised


def test_headings_counts_and_ranges_add_up(chat: tuple[Runtime, Any]) -> None:
    rt, (manager, buyer, clerk, finance) = chat
    low = _ask(rt, buyer, f"r we low on anything at {_wh(rt, buyer)}", "l")
    _headings_have_content(low)

    bills = _ask(rt, finance, "which vendor bills r overdue and how much total", "b")
    assert "No product matches" not in bills, bills

    odd = _ask(rt, manager, "any weird purchases lately? dupes or odd qtys", "a")
    _headings_have_content(odd)
    counts = re.search(r"lines: ([^.]*)\. First", odd)
    assert counts, odd
    flagged = sum(int(n) for n in re.findall(r"(\d+) [a-z]", counts.group(1)))
    shown = re.search(r"Showing (\d+) of ([\d,]+)", odd)
    if shown:
        assert int(shown.group(2).replace(",", "")) == flagged, odd
    for when in re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d(?: ?[A-Z+-][\w:]*)?", odd):
        assert re.search(r"\d\d:\d\d ?[A-Z+-]", when), (when, odd)

    late = _ask(rt, clerk, f"anything overdue at {_wh(rt, clerk)}?", "o")
    assert "…" not in late.split("\n\n")[0] and " to " not in late.split("\n")[0].split("scheduled")[-1][:4], late

    acks = _ask(rt, buyer, "which orders hasnt the vendor confirmed yet", "c")
    assert "0+ days" not in acks, acks


def test_tidy_words() -> None:
    assert tidy("3 open receipt(s) at X scheduled … to 2026-12-03; 3 overdue") == \
        "3 open receipt(s) at X scheduled up to 2026-12-03; 3 overdue"
    assert tidy("bills due 2026-12-01 to …") == "bills due from 2026-12-01"
    assert tidy("57 order(s) not acknowledged by the vendor for 0+ days: P1") == \
        "57 order(s) not acknowledged by the vendor: P1"
    assert tidy("P00009 E-COM06: E-COM06: P00009 paid") == "P00009 E-COM06: P00009 paid"
    assert tidy("approved 2026-10-10 12:05) repeats", "Europe/Amsterdam") == "approved 2026-10-10 14:05 CEST) repeats"
    assert tidy("expires 2026-12-07 11:30 CST", "America/Chicago") == "expires 2026-12-07 11:30 CST"


def test_a_refined_period_replaces_the_default_but_other_subjects_stay() -> None:
    from assistant.planner.compose import compose
    from assistant.planner.intents import Plan
    from tools.base import ToolResult

    def card(months: int) -> tuple[str, ToolResult, str]:
        return ("supplier_scorecard", ToolResult(tool="supplier_scorecard", text=f"V, last {months} months: OTIF 80%",
                                                 data={"vendor": "V", "months": months}), "")

    def stock(wh: str) -> tuple[str, ToolResult, str]:
        return ("stock_levels", ToolResult(tool="stock_levels", text=f"P at {wh}: on hand 1",
                                           data={"product": "P", "warehouses": [{"wh": wh, "on_hand": 1}]}), "")

    plan = Plan(intent="supplier_scorecard")
    text = compose(plan, [card(12), card(6)])
    assert "6 months" in text and "12 months" not in text
    both = compose(plan, [stock("A"), stock("B")])
    assert "P at A" in both and "P at B" in both


def test_lines_after_a_table_are_not_read_as_its_rows() -> None:
    from assistant.figures import Formatter
    from assistant.planner.compose import render_data

    rows = [{"vendor": f"V{i}", "spend": float(i)} for i in range(20)]
    text = render_data("spend_analysis", {"flags": rows, "flag_count": 147, "currency": "EUR",
                                          "prices": {"by_warehouse": {"rows": rows[:2], "spread_pct": 4.8}}},
                       Formatter())
    lines = text.split("\n")
    for needle in ("Showing 15 of 147", "Spread between"):
        i = next(k for k, line in enumerate(lines) if needle in line)
        assert lines[i - 1] == "", text


def test_three_way_match_quantities_carry_their_units(chat: tuple[Runtime, Any]) -> None:
    rt, (_manager, _buyer, _clerk, finance) = chat
    got = rt.assistant.ask(rt.user(finance), "3-way match issues?", thread_id=f"m-{finance}", channel="web")
    rows = [r for t in got.tables for r in t["rows"]]
    heads = [h for t in got.tables for h in t["columns"]]
    assert rows, got.answer
    for col in ("Billed quantity", "Received quantity"):
        if col in heads:
            k = heads.index(col)
            for r in rows:
                assert r[k] == "" or re.fullmatch(r"[\d,.]+ \S.*", r[k]), (col, r, got.answer)
