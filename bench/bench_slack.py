"""Slack: signed request -> HTTP response (the `ack`) latency, as Slack would measure it.

A real uvicorn server on 127.0.0.1 serves the FastAPI app with the Slack channel mounted; an
httpx client sends signed requests one after another (like Slack's steady trickle, not a flood).
The ack path is what runs in production: signature check, replay guard, retry dedupe in a real
SQLite state store, listener matching, ack. The assistant turns run afterwards in the background,
so acks are measured while that work is in flight (same process, same GIL):
  --runtime real (default): the real runtime (offline planner, governed tools) on a sandbox Odoo;
  --runtime fake: a stand-in turn that sleeps --turn-ms (isolates the ack path itself).
The Slack Web API is a local mock. Target: p95 <= 100 ms (Slack's limit is 3 s).

    python bench/bench_slack.py [--events 300] [--runtime real|fake]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "channels" / "slack"))  # the mock Slack Web API and signing

from slack_kit import (  # noqa: E402
    BOT_USER,
    FakeAssistant,
    FakeProposals,
    FakeRuntime,
    MockSlack,
    block_action,
    command_body,
    event_body,
    sign,
    slack_settings,
)

QUESTIONS = [
    "what is the stock of PPE-1042?",
    "what is arriving in Houston this week?",
    "open purchase orders for Redline Fasteners",
    "how is Apex Industrial Supply performing?",
    "what is overdue at DAL?",
    "which items are at risk of running out in OKC?",
    "status of P00012",
    "scorecard for Northgate Medical Supply",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300, help="signed app_mention events to send")
    parser.add_argument("--turn-ms", type=float, default=200.0, help="fake runtime: simulated turn time")
    parser.add_argument("--runtime", choices=("real", "fake"), default="real")
    args = parser.parse_args()

    import httpx
    import uvicorn
    from fastapi import FastAPI

    from assistant.channels.slack import mount_slack
    from tools.governance.identity import Directory
    from tools.governance.store import StateStore

    mock = MockSlack().start()
    tmp = Path(tempfile.mkdtemp(prefix="qm-bench-slack-"))
    sandbox = None
    runtime: Any
    if args.runtime == "real":
        from assistant.runtime import Runtime
        from sandbox.launch import start_sandbox

        sandbox = start_sandbox(tmp / "sandbox", port=0, scale=1, cache_dir=ROOT / "var" / "cache" / "sandbox")
        runtime = Runtime.build(slack_settings(tmp, mock.url, ODOO_URL=sandbox.url, ODOO_DB=sandbox.db,
                                               QM_BRAIN="offline"), ingest_corpus=False)
        store = runtime.store
        label = "real runtime (offline planner) on a sandbox Odoo"
    else:
        store = StateStore.open(f"sqlite:///{tmp / 'state.db'}")
        proposals = FakeProposals()
        assistant = FakeAssistant(proposals)
        assistant.delay_s = args.turn_ms / 1000
        runtime = FakeRuntime(settings=slack_settings(tmp, mock.url), assistant=assistant, proposals=proposals,
                              directory=Directory.load(ROOT / "tools" / "governance" / "default_users.yaml"),
                              store=store)
        label = f"stand-in turn sleeping {args.turn_ms:.0f} ms"
    app = FastAPI()
    channel = mount_slack(app, runtime)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}/slack/events"

    def send(client: httpx.Client, body: str, ctype: str) -> tuple[float, int]:
        headers = {"Content-Type": ctype, **sign(body)}
        t0 = time.perf_counter()
        resp = client.post(url, content=body.encode(), headers=headers)
        return (time.perf_counter() - t0) * 1000, resp.status_code

    users = ["UQMAVA", "UQMBEN", "UQMWES", "UQMMARIA"]
    event_ms: list[float] = []
    command_ms: list[float] = []
    click_ms: list[float] = []
    errors = 0
    with httpx.Client(timeout=10) as client:
        for i in range(5):  # warm-up: first auth.test, imports, connection pool
            send(client, event_body({"type": "app_mention", "user": "UQMAVA", "text": f"<@{BOT_USER}> warm {i}",
                                     "ts": f"1600000000.{i:06d}", "channel": "CWARM"}), "application/json")
        channel.work.drain(60)
        t_all = time.perf_counter()
        for i in range(args.events):
            ev = {"type": "app_mention", "user": users[i % len(users)], "channel": "CBENCH",
                  "text": f"<@{BOT_USER}> {QUESTIONS[i % len(QUESTIONS)]}", "ts": f"1700000000.{i:06d}"}
            ms, status = send(client, event_body(ev), "application/json")
            event_ms.append(ms)
            errors += status != 200
            if i % 10 == 0:
                body = command_body(users[i % len(users)], f"open POs for vendor {i}", channel="CBENCH",
                                    response_url=mock.hook_url + "b")
                ms, status = send(client, body, "application/x-www-form-urlencoded")
                command_ms.append(ms)
                errors += status != 200
                payload = block_action("UQMOMAR", "qm_approve", f"P-unknown{i}", channel="CBENCH")
                ms, status = send(client, urlencode({"payload": json.dumps(payload)}),
                                  "application/x-www-form-urlencoded")
                click_ms.append(ms)
                errors += status != 200
        send_s = time.perf_counter() - t_all
        backlog_done = channel.work.drain(600)
        total_s = time.perf_counter() - t_all

    updates = mock.of("chat.update")
    answered = sum("Sorry" not in str(u.get("text")) for u in updates)
    server.should_exit = True
    thread.join(10)
    channel.close()
    if args.runtime == "real":
        runtime.close()
    else:
        store.close()
    if sandbox is not None:
        sandbox.stop()
    mock.stop()

    print(f"Slack ack latency (signed request -> HTTP response), uvicorn on 127.0.0.1, {os.cpu_count()} CPUs; "
          f"background turns: {label}")
    for name, values in (("app_mention events", event_ms), ("/qm commands", command_ms),
                         ("button clicks", click_ms)):
        if values:
            print(f"  {name:<18} n={len(values):>4}  p50 {statistics.median(values):6.1f} ms  "
                  f"p95 {_pct(values, 95):6.1f} ms  p99 {_pct(values, 99):6.1f} ms  max {max(values):6.1f} ms")
    p95 = _pct(event_ms, 95)
    print(f"  non-200 responses: {errors}")
    print(f"  background: {len(updates)} answers posted ({answered} without error); all requests sent in {send_s:.1f} s, "
          f"backlog drained after {total_s:.1f} s ({'ok' if backlog_done else 'TIMEOUT'})")
    print(f"  event -> ack p95 = {p95:.1f} ms (target <= 100 ms): {'PASS' if p95 <= 100 else 'FAIL'}")


if __name__ == "__main__":
    main()
