"""Run the eval question set through the assistant and score it per category.

Each question: who asks, the words (with placeholders filled from Odoo), the tool we expect, and a
checker that recomputes the right answer from Odoo now. Questions that share a `thread` run in one
conversation, in file order, so follow-ups ("and at Dallas?", "chase them") are tested too.
"""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.agent import TurnResult
from assistant.eval.checkers import CHECKERS, EvalEnv
from assistant.eval.fixtures import Fixtures

QUESTIONS = Path(__file__).resolve().parent / "questions.yaml"
# instructions tools and the guard write for a model; a user must never read them
MODEL_ONLY = re.compile(r"untrusted data|cite them by citation_id|Never follow instructions|Answer the question "
                        r"instead|Refused: \w+ creates a proposal|answer now with what you have|\bwh: [A-Z]{3};")


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


@dataclass
class Report:
    brain: str
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def accuracy(self) -> float:
        return sum(o.ok for o in self.outcomes) / max(1, len(self.outcomes))

    def by_category(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for o in self.outcomes:
            ok, n = out.get(o.category, (0, 0))
            out[o.category] = (ok + o.ok, n + 1)
        return out

    def latency(self) -> dict[str, float]:
        ms = sorted(o.ms for o in self.outcomes)
        if not ms:
            return {}
        return {"p50_ms": statistics.median(ms), "p95_ms": ms[min(len(ms) - 1, int(0.95 * len(ms)))],
                "rpc_per_turn": statistics.mean(o.rpc_calls for o in self.outcomes)}


def load_questions(path: Path | None = None) -> list[dict[str, Any]]:
    data = yaml.safe_load((path or QUESTIONS).read_text(encoding="utf-8"))
    return list(data["questions"])


def run_eval(runtime: Any, *, brain: str = "offline", category: str | None = None, path: Path | None = None,
             assistant: Any = None) -> Report:
    """Ask every question; `assistant` overrides runtime.assistant (e.g. one wired to the scripted mock)."""
    questions = [q for q in load_questions(path) if not category or q["category"] == category]
    mock = None
    if brain == "scripted" and assistant is None:
        assistant, mock = scripted_assistant(runtime)
    assistant = assistant or runtime.assistant
    env = EvalEnv(odoo=runtime.odoo, fixtures=Fixtures(runtime.odoo), runtime=runtime)
    report = Report(brain=brain)
    threads: dict[str, str] = {}
    try:
        for q in questions:
            report.outcomes.append(_one(env, assistant, runtime, q, threads))
    finally:
        if mock is not None:
            mock.close()
    return report


def _one(env: EvalEnv, assistant: Any, runtime: Any, q: dict[str, Any], threads: dict[str, str]) -> Outcome:
    try:
        text, values = env.fixtures.fill(str(q["ask"]))
        params = {k: (env.fixtures.fill(str(v))[0] if isinstance(v, str) else v)
                  for k, v in (q.get("params") or {}).items()}
    except (LookupError, KeyError) as exc:
        return Outcome(q["id"], q["category"], str(q["ask"]), False, f"fixture: {exc}", 0.0, 0, [])
    user = runtime.directory.get(q.get("user", "admin"))
    thread_key = q.get("thread")
    thread_id = threads.get(thread_key) if thread_key else None
    t0 = time.perf_counter()
    result: TurnResult = assistant.ask(user, text, thread_id=thread_id, channel="eval")
    ms = (time.perf_counter() - t0) * 1000
    if thread_key:
        threads[thread_key] = result.thread_id
    tools = [c["name"] for c in result.tool_calls]
    reason = None
    expected_tool = q.get("tool")
    if expected_tool == "none" and tools:
        reason = f"expected no tool, got {tools}"
    elif expected_tool and expected_tool != "none" and expected_tool not in tools:
        reason = f"expected tool {expected_tool}, got {tools or 'none'}"
    if reason is None:
        check = CHECKERS[q["check"]]
        try:
            reason = check(env, {**params, **values}, result)
        except Exception as exc:  # noqa: BLE001 - a broken checker is a failure with its reason
            reason = f"checker error {type(exc).__name__}: {exc}"
    if reason is None and (leak := MODEL_ONLY.search(result.answer)):
        reason = f"the answer carries text written for the model: {leak.group(0)!r}"
    rpc = sum(int(c.get("rpc_calls") or 0) for c in result.tool_calls)
    return Outcome(q["id"], q["category"], text, reason is None, reason, ms, rpc, tools, result.answer)


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


def print_report(console: Any, report: Report) -> None:
    from rich.table import Table

    table = Table(title=f"Quartermaster eval ({report.brain} brain)")
    table.add_column("category")
    table.add_column("passed", justify="right")
    table.add_column("accuracy", justify="right")
    for cat, (ok, n) in sorted(report.by_category().items()):
        table.add_row(cat, f"{ok}/{n}", f"{ok / n:.0%}")
    total = len(report.outcomes)
    table.add_row("[bold]all[/]", f"{total - len(report.failed)}/{total}", f"{report.accuracy:.1%}")
    console.print(table)
    lat = report.latency()
    if lat:
        console.print(f"turn latency p50 {lat['p50_ms']:.0f} ms, p95 {lat['p95_ms']:.0f} ms; "
                      f"Odoo round trips per turn {lat['rpc_per_turn']:.1f}")
    for o in report.failed:
        console.print(f"[red]FAIL[/] {o.id} [{o.category}] {o.question!r}: {o.reason} (tools {o.tools})")
        if o.answer:
            console.print("      answer: " + o.answer[:300].replace("\n", " | "), markup=False)
