"""Every answer of the eval set, on both sandbox businesses, reads like a finance team expects (issue #12, 2-4).

The whole development question set is asked (offline planner) and every answer is scanned — its Markdown
tables and headings, the structured tables the CLI and web chat draw, and the proposal summaries:
- headers are business labels: no abbreviation standing as a word ("Po", "Wh", "Qty", "Pct", "Otif"), no
  field names (snake_case), no booleans ("Below min True");
- money columns carry a currency and two decimals, never a bare decimal ("667.2");
- states read as Odoo labels them, never a raw key ("assigned", "purchase", "to approve");
- proposal summaries name times in the reader's zone: no "UTC", no naive ISO timestamps.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.eval.runner import QUESTIONS, load_questions, run_eval
from assistant.figures import ABBREVIATIONS
from assistant.runtime import Runtime
from assistant.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
CHROMA_CACHE = ROOT / "var" / "cache" / "assistant-tests-chroma"

MONEY_HEADER = re.compile(r"\b(price|amount|total|spend|cost|subtotal|value)\b", re.I)
NOT_MONEY_HEADER = re.compile(r"%|\b(quantity|count|lines|orders|days|share)\b", re.I)
MONEY_CELL = re.compile(r"^-?\d{1,3}(,\d{3})*\.\d\d [A-Z]{3}(/unit)?$")
STATE_HEADER = re.compile(r"^(state|status|receipt status|billing status|payment status|payment)$", re.I)
# selection keys of purchase.order, stock.picking and account.move as stored (a label is capitalised)
RAW_STATES = {"draft", "sent", "to approve", "purchase", "done", "cancel", "assigned", "confirmed", "waiting",
              "posted", "not_paid", "not paid", "in_payment", "partial", "paid", "reversed", "pending", "full",
              "no", "to invoice", "invoiced", "purchase order", "locked", "cancelled"}
RAW_STATE_TEXT = re.compile(r"\b(?:State|Status): (?:draft|sent|to approve|purchase|done|cancel|assigned|confirmed|"
                            r"waiting|posted)\b|(?:\b(?:draft|sent|to approve|purchase|cancel)) → |→ (?:purchase|cancel|"
                            r"to approve|draft)\b")
NAIVE_OR_UTC = re.compile(r"\bUTC\b|\d{4}-\d\d-\d\dT\d\d:\d\d")
# answers that quote documents and messages or decline: no tables, states or proposals to read (saves a third)
QUOTES_ONLY = {"documents", "summaries", "refusals", "injection"}
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


class Recorder:
    """The assistant, keeping each turn's full result (answers, tables, proposals)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.turns = inner, []  # type: ignore[var-annotated]

    def ask(self, user: Any, text: str, **kw: Any) -> Any:
        result = self.inner.ask(user, text, **kw)
        self.turns.append((text, result))
        return result


def _answers(sandbox: Any, tmp: Path) -> list[tuple[str, Any]]:
    if CHROMA_CACHE.is_dir():
        shutil.copytree(CHROMA_CACHE, tmp / "chroma")
    rt = Runtime.build(load_settings(odoo_url=sandbox.url, odoo_db=sandbox.db, data_dir=tmp, brain="offline"))
    try:
        rec = Recorder(rt.assistant)
        questions = [q for q in load_questions(QUESTIONS) if q["category"] not in QUOTES_ONLY]
        path = tmp / "questions.yaml"
        path.write_text(yaml.safe_dump({"questions": questions}), encoding="utf-8")
        run_eval(rt, brain="offline", assistant=rec, path=path)
        return rec.turns
    finally:
        rt.close()


@pytest.fixture(scope="module", params=["bluebonnet", "hollander"])
def turns(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Any]]:
    sandbox = request.getfixturevalue("sandbox" if request.param == "bluebonnet" else "sandbox_hollander")
    yield _answers(sandbox, tmp_path_factory.mktemp(f"qm-figures-{request.param}"))


def md_tables(answer: str) -> list[tuple[list[str], list[list[str]]]]:
    """(headers, rows) of each Markdown table in an answer."""
    out: list[tuple[list[str], list[list[str]]]] = []
    lines = answer.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|") and i + 1 < len(lines) and lines[i + 1].startswith("|---"):
            heads = [h.strip() for h in line.strip().strip("|").split("|")]
            rows = []
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                rows.append([c.strip() for c in row.strip().strip("|").split("|")])
            out.append((heads, rows))
    return out


def all_tables(result: Any) -> list[tuple[list[str], list[list[str]]]]:
    tabs = md_tables(result.answer)
    tabs += [([str(c) for c in t["columns"]], [["" if v is None else str(v) for v in r] for r in t["rows"]])
             for t in result.tables]
    return tabs


def header_problems(header: str) -> list[str]:
    bad = []
    if "_" in header or re.search(r"\b(True|False)\b", header):
        bad.append("field name or boolean")
    for word in re.findall(r"[A-Za-z]+", header):
        if re.fullmatch(r"[A-Z]?[a-z]+", word) and word.lower() in ABBREVIATIONS:
            bad.append(f"abbreviation {word!r}")
    return bad


def test_headers_are_business_labels(turns: list[Any]) -> None:
    bad = set()
    for question, r in turns:
        heads = [h for hs, _ in all_tables(r) for h in hs]
        heads += [t["title"] for t in r.tables]
        heads += re.findall(r"^\*\*([^*\n]+)\*\*$", r.answer, re.M)
        for h in heads:
            for problem in header_problems(h):
                bad.add(f"{h!r}: {problem} ({question})")
    assert not bad, "\n".join(sorted(bad)[:40])


def test_money_columns_carry_currency_and_two_decimals(turns: list[Any]) -> None:
    bad = set()
    for question, r in turns:
        for heads, rows in all_tables(r):
            for i, h in enumerate(heads):
                if not MONEY_HEADER.search(h) or NOT_MONEY_HEADER.search(h):
                    continue
                for row in rows:
                    cell = row[i] if i < len(row) else ""
                    if cell and re.search(r"\d", cell) and not MONEY_CELL.match(cell.split(" (")[0]):
                        bad.add(f"{h}: {cell!r} ({question})")
    assert not bad, "\n".join(sorted(bad)[:40])


def test_states_read_as_odoo_labels_them(turns: list[Any]) -> None:
    bad = set()
    for question, r in turns:
        for heads, rows in all_tables(r):
            for i, h in enumerate(heads):
                if STATE_HEADER.match(h):
                    bad.update(f"{h}: {row[i]!r} ({question})" for row in rows if i < len(row) and row[i] in RAW_STATES)
        for m in RAW_STATE_TEXT.finditer(r.answer):
            bad.add(f"{m.group(0)!r} ({question})")
    assert not bad, "\n".join(sorted(bad)[:40])


def test_proposal_summaries_show_local_times(turns: list[Any]) -> None:
    bad, seen = set(), 0
    for question, r in turns:
        lines = [ln for ln in r.answer.splitlines() if "Proposed P-" in ln or "Already proposed" in ln]
        lines += [str(p.get("summary") or "") for p in r.proposals]
        for _heads, rows in md_tables(r.answer):
            lines += [" | ".join(row) for row in rows if row and row[0].startswith("P-")]
        seen += len(lines)
        bad.update(f"{m.group(0)!r} in {ln[:140]!r} ({question})" for ln in lines for m in NAIVE_OR_UTC.finditer(ln))
    assert seen >= 5, "the eval set makes proposals: their summaries must be scanned"
    assert not bad, "\n".join(sorted(bad)[:40])
