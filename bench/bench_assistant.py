"""Assistant figures: offline planner accuracy on the development and the held-out paraphrase sets (right,
confident wrong, questions back), whole-turn latency and Odoo round trips per turn, and
the agent loop's own overhead per turn with the scripted OpenAI-compatible mock (mock time excluded).

Run: .venv/bin/python bench/bench_assistant.py   (starts a private sandbox; ~2 minutes)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.eval.checkers import CHECKERS, EvalEnv  # noqa: E402
from assistant.eval.fixtures import Fixtures  # noqa: E402
from assistant.eval.runner import eval_user, load_questions, run_eval, scripted_assistant  # noqa: E402
from assistant.runtime import Runtime  # noqa: E402
from assistant.settings import load_settings  # noqa: E402
from sandbox.launch import start_sandbox  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def line(label: str, values: list[float], unit: str = "ms") -> None:
    print(f"  {label:<44} p50 {statistics.median(values):8.1f} {unit}   p95 {pct(values, 0.95):8.1f} {unit}   "
          f"max {max(values):8.1f} {unit}   (n={len(values)})")


def timed_pass(runtime: Runtime, assistant: Any, mock: Any = None) -> dict[str, list[float]]:
    """Ask every eval question once; split each turn into tool time, mock time and the loop's own time."""
    fixtures = Fixtures(runtime.odoo, runtime.knowledge)
    env = EvalEnv(odoo=runtime.odoo, fixtures=fixtures, runtime=runtime)
    out: dict[str, list[Any]] = {"turn": [], "tools": [], "overhead": [], "rpc": [], "mock": [], "ok": [],
                                 "who": []}
    threads: dict[str, str] = {}
    for q in load_questions():
        try:
            text, values = fixtures.fill(str(q["ask"]))
            params = {k: fixtures.fill_any(v) for k, v in (q.get("params") or {}).items()}
        except LookupError:  # this Odoo lacks the data the item needs (the eval reports it as skipped)
            continue
        user = eval_user(runtime.directory, str(q.get("user", "admin")))
        before = len(mock.server_ms) if mock is not None else 0
        t0 = time.perf_counter()
        r = assistant.ask(user, text, thread_id=threads.get(q.get("thread", "")), channel="bench")
        turn = (time.perf_counter() - t0) * 1000
        if q.get("thread"):
            threads[q["thread"]] = r.thread_id
        tools = sum(float(c["ms"]) for c in r.tool_calls)
        mock_ms = sum(mock.server_ms[before:]) if mock is not None else 0.0
        out["turn"].append(turn)
        out["tools"].append(tools)
        out["mock"].append(mock_ms)
        out["overhead"].append(turn - tools - mock_ms)
        out["rpc"].append(float(sum(int(c.get("rpc_calls") or 0) for c in r.tool_calls)))
        out["ok"].append(float(CHECKERS[q["check"]](env, {**params, **values}, r) is None))
        out["who"].append(f"{q['id']} {','.join(c['name'] for c in r.tool_calls) or '-'}")
    return out


def paraphrase_figures(runtime: Runtime) -> None:
    """The held-out paraphrase set: right, confident wrong, questions back, declined, per category."""
    t0 = time.perf_counter()
    report = run_eval(runtime, brain="offline", set_name="paraphrase")
    s = report.summary()
    print(f"\nHeld-out paraphrase set ({s['items']} questions, {s['skipped']} skipped for want of data, "
          f"{time.perf_counter() - t0:.0f} s): right {s['right']}/{s['scored']} = {report.accuracy:.1%}; "
          f"confident wrong {s['confident_wrong']}; questions back {s['question_back']} "
          f"({s['question_back_share']:.1%}); declined {s['declined']}; wrong (not confident) "
          f"{s['wrong'] - s['confident_wrong']}")
    for cat, c in report.verdicts_by_category().items():
        n = sum(c[v] for v in ("right", "wrong", "question_back", "declined"))
        print(f"  {cat:<14} right {c['right']:>3}/{n:<3} confident wrong {c['confident_wrong']:>2}  "
              f"asked back {c['question_back']:>2}  declined {c['declined']:>2}")
    lat = report.latency()
    print(f"  turn latency p50 {lat['p50_ms']:.0f} ms, p95 {lat['p95_ms']:.0f} ms; "
          f"Odoo round trips per turn {lat['rpc_per_turn']:.2f}")
def router_startup(tmp: Path) -> None:
    """The offline planner's router: example embeddings computed (cold) vs read from the disk cache."""
    from assistant.planner.router import Router, get_router, load_examples
    from knowledge.embeddings import make_embedder

    live = get_router()
    embedder = make_embedder("local")
    embedder.embed(["warm the model"])
    cold = Router(embedder, load_examples(), tmp / "router-cache")
    warm = Router(embedder, load_examples(), tmp / "router-cache")
    t0 = time.perf_counter()
    for q in ("how many {product} at {warehouse}", "who sells us {product}", "list the open rfqs"):
        warm.rank(q)
    query_ms = (time.perf_counter() - t0) * 1000 / 3
    print(f"planner router start-up: {len(cold.texts)} examples; cold (embed all) {cold.startup_ms:.0f} ms, "
          f"from the disk cache {warm.startup_ms:.0f} ms (this run's runtime: {live.startup_ms:.0f} ms, "
          f"{'cache hit' if live.from_cache else 'cache miss'}); one routed query {query_ms:.0f} ms")


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="qm-bench-"))
    t0 = time.perf_counter()
    sandbox = start_sandbox(tmp / "sandbox", port=0, scale=1, cache_dir=ROOT / "var" / "cache" / "sandbox")
    print(f"sandbox ready in {time.perf_counter() - t0:.1f} s at {sandbox.url}")
    try:
        settings = load_settings(odoo_url=sandbox.url, odoo_db=sandbox.db, data_dir=tmp / "data", brain="offline")
        t0 = time.perf_counter()
        runtime = Runtime.build(settings)
        print(f"Runtime.build {time.perf_counter() - t0:.1f} s {runtime.timings}")
        router_startup(tmp)
        try:
            report = run_eval(runtime, brain="offline")
            print(f"\nOffline planner accuracy on the eval set: {len(report.outcomes) - len(report.failed)}/"
                  f"{len(report.outcomes)} = {report.accuracy:.1%}")
            for cat, (ok, n) in sorted(report.by_category().items()):
                print(f"  {cat:<14} {ok}/{n}")
            for o in report.failed:
                print(f"  FAIL {o.id}: {o.reason}")
            paraphrase_figures(runtime)
            lat = report.latency()
            print(f"  first pass (every question routed afresh): turn p50 {lat['p50_ms']:.1f} ms, "
                  f"p95 {lat['p95_ms']:.1f} ms")

            print("\nWhole turn, offline planner on the sandbox (second pass, warm; the router's ranking of an "
                  "identical delexicalised question is memoised):")
            offline = timed_pass(runtime, runtime.assistant)
            line("turn latency", offline["turn"])
            line("  of which tool time (Odoo, retriever)", offline["tools"])
            line("  of which agent loop + memory + audit", offline["overhead"])
            line("Odoo round trips per turn", offline["rpc"], unit="rt")
            print(f"  mean Odoo round trips per turn: {statistics.mean(offline['rpc']):.2f}; "
                  f"turns answered correctly in this pass: {int(sum(offline['ok']))}/{len(offline['ok'])}")
            slow = sorted(zip(offline["turn"], offline["tools"], offline["who"], strict=True), reverse=True)[:8]
            print("  slowest turns (turn ms / tool ms): " + "; ".join(f"{w} {t:.0f}/{u:.0f}" for t, u, w in slow))

            print("\nScripted OpenAI-compatible mock over HTTP (real ChatOpenAI client):")
            assistant, mock = scripted_assistant(runtime)
            try:
                timed_pass(runtime, assistant, mock)  # warm the HTTP client
                scripted = timed_pass(runtime, assistant, mock)
            finally:
                mock.close()
            line("turn latency", scripted["turn"])
            line("  mock server time (excluded below)", scripted["mock"])
            line("  tool time", scripted["tools"])
            line("  agent loop overhead per turn", scripted["overhead"])
            print(f"  correct: {int(sum(scripted['ok']))}/{len(scripted['ok'])}; "
                  f"model round trips: {len(mock.requests)} over {2 * len(scripted['ok'])} turns")
        finally:
            runtime.close()
    finally:
        sandbox.stop()


if __name__ == "__main__":
    main()
