"""The streamed answer is replaced by the final event's `result.answer` (the full, scrubbed answer):
over the SSE API and in the real chat page (headless Chromium)."""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from webapi_support import GovernedRuntime, LiveServer, bearer, governed_runtime

from assistant.agent import TurnResult
from server import create_app

CHROMIUM = "/usr/bin/chromium"
DRAFT = "Apex quoted $4,200.00 for"  # what a model streamed before the answer was scrubbed
FINAL = "Apex quoted **[redacted]** for the order."


def _scrubbed_stream(user: Any, text: str, thread_id: str | None = None, channel: str = "cli"
                     ) -> Iterator[dict[str, Any]]:
    for word in DRAFT.split(" "):
        yield {"type": "token", "text": word + " "}
    yield {"type": "final", "result": TurnResult(answer=FINAL, brain="scripted", run_id=uuid.uuid4().hex[:16],
                                                 thread_id=thread_id or "")}


@pytest.fixture()
def rt(tmp_path: Path) -> Iterator[GovernedRuntime]:
    runtime = governed_runtime(tmp_path)
    runtime.assistant.stream = _scrubbed_stream  # type: ignore[method-assign]
    yield runtime
    runtime.close()


def test_final_event_carries_the_scrubbed_answer_not_the_streamed_tokens(rt: GovernedRuntime) -> None:
    with TestClient(create_app(rt.settings, rt), raise_server_exceptions=False) as client:
        r = client.post("/api/chat/stream", json={"message": "price of the Apex order?"},
                        headers=bearer("wes.warehouse"))
    events = [json.loads(line[6:]) for line in r.text.splitlines() if line.startswith("data: ")]
    tokens = "".join(e["text"] for e in events if e["type"] == "token")
    final = events[-1]
    assert "$4,200" in tokens and final["type"] == "final"
    assert final["result"]["answer"] == FINAL and "$4,200" not in final["html"] and "[redacted]" in final["html"]


@pytest.mark.browser
@pytest.mark.slow
def test_chat_page_replaces_streamed_tokens_with_the_final_answer(rt: GovernedRuntime) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    with LiveServer(create_app(rt.settings, rt)) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        try:
            page = browser.new_page()
            page.goto(f"{server.url}/login")
            page.fill("input[name=username]", "wes.warehouse")
            page.fill("input[name=password]", "wes.warehouse")
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(r".*/chat.*"))
            page.fill("#question", "price of the Apex order?")
            page.keyboard.press("Enter")
            answer = page.locator(".bubble.answer[data-done='1']").last
            answer.wait_for(timeout=30_000)
            shown = answer.inner_text()
            assert "[redacted]" in shown and "$4,200" not in shown, shown
            assert answer.locator("strong").count() == 1  # the final answer's Markdown, not raw tokens
        finally:
            browser.close()
