"""Run an eval question set through the assistant and score it per category.

Each question: who asks, the words (with placeholders filled from Odoo), the tool(s) we expect, and a
checker that recomputes the right answer from Odoo now. Questions that share a `thread` run in one
conversation, in file order, so follow-ups ("and at <other warehouse>?", "chase them") are tested too.

Two sets: `dev` (questions.yaml, the development set the planner may be tuned on) and `paraphrase`
(paraphrase.yaml, held out: never tune item by item; see assistant/README.md "Evaluation").

Every outcome gets one verdict: right, wrong, question back (asked the user to choose or say more),
declined (said it cannot or did not understand) or skipped (this Odoo has no record the item needs).
A wrong answer is *confident* when the assistant acted on a different record or intent than asked:
another tool gave an answer, the expected tool answered for another record or scope, or a proposal was
made that was not asked for.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.agent import TurnResult
from assistant.eval.checkers import CHECKERS, HALF, PROPOSAL_TOOLS, EvalEnv, nothing_to_do
from assistant.eval.fixtures import Fixtures

HERE = Path(__file__).resolve().parent
QUESTIONS = HERE / "questions.yaml"
PARAPHRASE = HERE / "paraphrase.yaml"
SETS = {"dev": QUESTIONS, "paraphrase": PARAPHRASE}
VERDICTS = ("right", "wrong", "question_back", "declined", "skipped")
# instructions tools and the guard write for a model; a user must never read them
MODEL_ONLY = re.compile(r"untrusted data|cite them by citation_id|Never follow instructions|Answer the question "
                        r"instead|Refused: \w+ creates a proposal|answer now with what you have|\bwh: [A-Z]{3};")
# the reply asks the user to pick or say more about *their* request
QUESTION_BACK = re.compile(r"\b(which one|did you mean|do you mean|please (say|specify|choose|pick|tell)|could you (say|tell)|"
                           r"which (warehouse|product|supplier|vendor|order|receipt)|how many (do you|should))\b", re.I)
# the reply says it did not understand, may not, or cannot (the help text people get when nothing fits)
DECLINED = re.compile(r"\b(can't|cannot|can not|not allowed|outside what|may not|not able|won't|decline|"
                      r"not permitted|no permission|refuse|not sure what|don't understand|didn't understand|"
                      r"do not understand|I can (answer|help)|no \w+ match(es)?|not found|couldn't find|"
                      r"could not find|unknown)\b", re.I)
NOTHING_FOUND = re.compile(r"\bno (document passage|passage|product|supplier|vendor|purchase order|receipt|"
                           r"warehouse)\b[^.]*\b(matches|answers|found)\b", re.I)
NOT_UNDERSTOOD = re.compile(r"not sure what you|don't understand|didn't understand|do not understand|"
                            r"I can answer|I can help with", re.I)
EXPECT_BY_CHECK = {"refusal": "decline", "out_of_scope": "decline", "proposal": "proposal", "product_candidates": "ask",
                   "supplier_candidates": "ask", "unknown_warehouse": "ask", "clear_reply": "reply"}


@dataclass
class Outcome:
    id: str
    category: str
    question: str
    ok: bool
    reason: str | None
    ms: float
    rpc_calls: int
    tools: list[str]
    answer: str = ""
    verdict: str = "right"
    confident_wrong: bool = False
    expect: str = "answer"


@dataclass
class Report:
    brain: str
    set: str = "dev"
    business: str = ""
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def scored(self) -> list[Outcome]:
        """Outcomes that count (an item this Odoo has no data for is skipped, not failed)."""
        return [o for o in self.outcomes if o.verdict != "skipped"]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def accuracy(self) -> float:
        return sum(o.ok for o in self.scored) / max(1, len(self.scored))

    @property
    def confident_wrong(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.confident_wrong]

    def counts(self, outcomes: list[Outcome] | None = None) -> dict[str, int]:
        c = Counter(o.verdict for o in (self.outcomes if outcomes is None else outcomes))
        out = {v: c.get(v, 0) for v in VERDICTS}
        out["confident_wrong"] = sum(o.confident_wrong for o in (self.outcomes if outcomes is None else outcomes))
        return out

    def by_category(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for o in self.scored:
            ok, n = out.get(o.category, (0, 0))
            out[o.category] = (ok + o.ok, n + 1)
        return out

    def verdicts_by_category(self) -> dict[str, dict[str, int]]:
        cats = sorted({o.category for o in self.outcomes})
        return {c: self.counts([o for o in self.outcomes if o.category == c]) for c in cats}

    def latency(self) -> dict[str, float]:
        ms = sorted(o.ms for o in self.scored)
        if not ms:
            return {}
        return {"p50_ms": statistics.median(ms), "p95_ms": ms[min(len(ms) - 1, int(0.95 * len(ms)))],
                "rpc_per_turn": statistics.mean(o.rpc_calls for o in self.scored)}

    def summary(self) -> dict[str, Any]:
        n = len(self.scored)
        c = self.counts()
        return {"set": self.set, "brain": self.brain, "business": self.business, "items": len(self.outcomes),
                "scored": n, **c, "accuracy": round(self.accuracy, 4),
                "question_back_share": round(c["question_back"] / max(1, n), 4)}

    def to_json(self) -> dict[str, Any]:
        return {**self.summary(), "by_category": self.verdicts_by_category(), "latency": self.latency(),
                "outcomes": [asdict(o) for o in self.outcomes]}


def load_questions(path: Path | None = None) -> list[dict[str, Any]]:
    data = yaml.safe_load((path or QUESTIONS).read_text(encoding="utf-8"))
    return list(data["questions"])


def set_path(name: str) -> Path:
    if name not in SETS:
        raise ValueError(f"Unknown eval set '{name}': choose one of {', '.join(SETS)}.")
    return SETS[name]


def business_name(odoo: Any) -> str:
    """The connected company's name, to label a report (the same set runs on several businesses)."""
    try:
        rows = odoo.search_read("res.company", [], ["name"], limit=1, order="id")
        return str(rows[0]["name"]) if rows else "?"
    except Exception:  # noqa: BLE001 - a label only
        return "?"


def run_eval(runtime: Any, *, brain: str = "offline", category: str | None = None, path: Path | None = None,
             assistant: Any = None, set_name: str | None = None) -> Report:
    """Ask every question; `assistant` overrides runtime.assistant (e.g. one wired to the scripted mock)."""
    if path is None and set_name:
        path = set_path(set_name)
    questions = [q for q in load_questions(path) if not category or q["category"] == category]
    mock = None
    if brain == "scripted" and assistant is None:
        assistant, mock = scripted_assistant(runtime)
    assistant = assistant or runtime.assistant
    env = EvalEnv(odoo=runtime.odoo, fixtures=Fixtures(runtime.odoo, getattr(runtime, "knowledge", None)),
                  runtime=runtime)
    label = set_name or ("dev" if path in (None, QUESTIONS) else Path(path).stem)
    report = Report(brain=brain, set=label, business=business_name(runtime.odoo))
    threads: dict[str, str] = {}
    try:
        for q in questions:
            report.outcomes.append(_one(env, assistant, runtime, q, threads))
    finally:
        if mock is not None:
            mock.close()
    return report


ROLES = ("admin", "buyer", "warehouse", "finance", "manager", "approver", "requester")


def eval_user(directory: Any, who: str) -> Any:
    """The asker: a role ("buyer") picks the users file's first user of that role, so the set runs with any
    users file; a username is used as is, and an unknown one ("ava.buyer") falls back to its role suffix."""
    role = who if who in ROLES else who.rsplit(".", 1)[-1] if "." in who else None
    user = None if who in ROLES else directory.get(who)
    if user is None and role:
        if role == "admin" and directory.get("admin") is not None:
            return directory.get("admin")
        users = sorted(directory.with_role(role), key=lambda u: u.username)
        user = users[0] if users else None
    return user


def expected_tools(q: dict[str, Any]) -> list[str]:
    tool = q.get("tool")
    if tool is None:
        return []
    return [str(t) for t in tool] if isinstance(tool, list) else [str(tool)]


def _one(env: EvalEnv, assistant: Any, runtime: Any, q: dict[str, Any], threads: dict[str, str]) -> Outcome:
    expect = str(q.get("expect") or EXPECT_BY_CHECK.get(str(q["check"]), "answer"))
    try:
        text, values = env.fixtures.fill(str(q["ask"]))
        params = {k: env.fixtures.fill_any(v) for k, v in (q.get("params") or {}).items()}
    except (LookupError, KeyError, ValueError) as exc:
        return Outcome(q["id"], q["category"], str(q["ask"]), False, f"fixture: {exc}", 0.0, 0, [],
                       verdict="skipped" if isinstance(exc, LookupError) else "wrong", expect=expect)
    try:
        nothing = nothing_to_do(env, q)
    except (LookupError, KeyError) as exc:
        return Outcome(q["id"], q["category"], text, False, f"fixture: {exc}", 0.0, 0, [],
                       verdict="skipped" if isinstance(exc, LookupError) else "wrong", expect=expect)
    if nothing is not None:  # this Odoo has nothing for the action to act on: the right answer says so
        q = {**q, "tool": None, "check": "nothing_proposed"}
        params = {**params, "condition": nothing[0], "why": nothing[1]}
        expect = "answer"
    user = eval_user(runtime.directory, str(q.get("user", "admin")))
    if user is None:
        return Outcome(q["id"], q["category"], text, False, f"no user for '{q.get('user')}' in the users file",
                       0.0, 0, [], verdict="skipped", expect=expect)
    thread_key = q.get("thread")
    thread_id = threads.get(thread_key) if thread_key else None
    t0 = time.perf_counter()
    result: TurnResult = assistant.ask(user, text, thread_id=thread_id, channel="eval")
    ms = (time.perf_counter() - t0) * 1000
    if thread_key:
        threads[thread_key] = result.thread_id
    tools = [c["name"] for c in result.tool_calls]
    wanted = expected_tools(q)
    reason = None
    if wanted == ["none"] and tools:
        reason = f"expected no tool, got {tools}"
    elif wanted and wanted != ["none"] and not set(wanted) & set(tools):
        reason = f"expected tool {' or '.join(wanted)}, got {tools or 'none'}"
    if reason is None:
        check = CHECKERS[q["check"]]
        try:
            reason = check(env, {**params, **values}, result)
        except Exception as exc:  # noqa: BLE001 - a broken checker is a failure with its reason
            reason = f"checker error {type(exc).__name__}: {exc}"
    if reason is None and (leak := MODEL_ONLY.search(result.answer)):
        reason = f"the answer carries text written for the model: {leak.group(0)!r}"
    rpc = sum(int(c.get("rpc_calls") or 0) for c in result.tool_calls)
    proposal_ok = None
    if reason is not None and expect == "proposal" and result.proposals:
        try:  # the proposal itself may be right while another part of the message went unanswered
            proposal_ok = CHECKERS["proposal"](env, {**params, **values}, result) is None
        except Exception:  # noqa: BLE001 - then it counts as not right
            proposal_ok = False
    verdict, confident = ("right", False) if reason is None else classify(expect, wanted, result, reason,
                                                                          proposal_ok)
    return Outcome(q["id"], q["category"], text, reason is None, reason, ms, rpc, tools, result.answer,
                   verdict=verdict, confident_wrong=confident, expect=expect)


def classify(expect: str, wanted: list[str], r: TurnResult, reason: str = "",
             proposal_ok: bool | None = None) -> tuple[str, bool]:
    """The verdict of a miss: a confident wrong answer, a question back, a decline, or a plain wrong one."""
    answered = [c["name"] for c in r.tool_calls if c.get("ok")]
    proposed = bool(r.proposals) or any(c["name"] in PROPOSAL_TOOLS and c.get("ok") for c in r.tool_calls)
    if proposed and expect != "proposal":
        return "wrong", True  # a proposal nobody asked for
    if expect == "proposal" and proposed:
        return "wrong", not proposal_ok  # another kind or record; a right proposal with a part left out is not
    if reason.startswith(HALF):
        return "wrong", False  # one part of a two-part message right, the other missing
    if NOTHING_FOUND.search(r.answer):
        return "declined", False  # the tool ran but found nothing it would stand behind
    asks = _asks_back(r.answer)
    if answered and (not asks or expect in ("decline", "ask")):
        # a tool answered, but the checker says it is not what was asked: another tool, record or scope
        return "wrong", True
    if NOT_UNDERSTOOD.search(r.answer) or not r.answer.strip():
        return "declined", False
    if asks:
        return "question_back", False
    if DECLINED.search(r.answer):
        return "declined", False
    return "wrong", False


def _asks_back(answer: str) -> bool:
    """The reply ends on a question to the user, or offers choices ("Which one do you mean?")."""
    lines = [ln.strip() for ln in answer.splitlines() if ln.strip() and not ln.strip().startswith("_(")]
    return bool(lines) and (lines[-1].endswith("?") or QUESTION_BACK.search(answer) is not None)


def scripted_assistant(runtime: Any) -> tuple[Any, Any]:
    """The runtime's assistant, but thinking through ChatOpenAI against the local scripted mock."""
    from assistant.agent import Assistant
    from assistant.eval.mock_llm import MockOpenAI, planner_script
    from assistant.llm import build_llm
    from assistant.planner.lexicon import load_lexicon

    mock = MockOpenAI(planner_script(lambda: load_lexicon(runtime.odoo))).__enter__()
    base = runtime.assistant
    llm = build_llm(model="scripted-mock", base_url=mock.base_url, api_key="mock",
                    timeout_s=max(1.0, base.time_budget_s * 0.8))
    assistant = Assistant(brain_name="llm", model=llm, backend=base.backend, context_for=base.context_for,
                          memory=base.memory, audit=base.audit, system_prompt=base.system_prompt,
                          tool_budget=base.tool_budget, time_budget_s=base.time_budget_s,
                          directory=base.directory, scrubber=base.scrubber)
    return assistant, mock


def print_report(console: Any, report: Report, *, failures: bool = True) -> None:
    from rich.markup import escape
    from rich.table import Table

    title = f"Quartermaster eval: {report.set} set, {report.brain} brain" + (
        f", {report.business}" if report.business else "")
    table = Table(title=title)
    for col in ("category", "right", "wrong", "conf. wrong", "asked back", "declined", "skipped", "accuracy"):
        table.add_column(col, justify="left" if col == "category" else "right")
    for cat, c in report.verdicts_by_category().items():
        n = sum(c[v] for v in VERDICTS if v != "skipped")
        table.add_row(cat, str(c["right"]), str(c["wrong"]), str(c["confident_wrong"]), str(c["question_back"]),
                      str(c["declined"]), str(c["skipped"]), f"{c['right'] / n:.0%}" if n else "-")
    s = report.summary()
    table.add_row("[bold]all[/]", f"{s['right']}/{s['scored']}", str(s["wrong"]), str(s["confident_wrong"]),
                  str(s["question_back"]), str(s["declined"]), str(s["skipped"]), f"{report.accuracy:.1%}")
    console.print(table)
    console.print(f"right {s['right']}/{s['scored']} ({report.accuracy:.1%}); confident wrong answers "
                  f"{s['confident_wrong']}; questions back {s['question_back']} "
                  f"({s['question_back_share']:.1%}); declined {s['declined']}; skipped {s['skipped']} "
                  "(no such data in this Odoo)")
    lat = report.latency()
    if lat:
        console.print(f"turn latency p50 {lat['p50_ms']:.0f} ms, p95 {lat['p95_ms']:.0f} ms; "
                      f"Odoo round trips per turn {lat['rpc_per_turn']:.1f}")
    if not failures:
        return
    for o in report.failed:
        tag = "CONFIDENT WRONG" if o.confident_wrong else o.verdict.upper().replace("_", " ")
        console.print(f"[red]{tag}[/] " + escape(f"{o.id} [{o.category}] {o.question!r}: {o.reason} "
                                                   f"(tools {o.tools})"), highlight=False)
        if o.answer:
            console.print("      answer: " + o.answer[:300].replace("\n", " | "), markup=False)


def reports_json(reports: list[Report]) -> str:
    return json.dumps({"reports": [r.to_json() for r in reports]}, ensure_ascii=False, indent=2, default=str)
