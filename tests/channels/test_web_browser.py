"""A real headless Chromium (Debian's package, driven by Playwright) against a real uvicorn server.

Log in, ask a question and see the streamed answer, create a proposal from the chat, log in as
another user and approve it in the inbox; the outcome message is shown and the proposal executed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from webapi_support import LiveServer, shared_real_runtime

from server import create_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is missing (make test installs Debian's chromium; or apt-get install chromium)"
        print(f"SKIP reason: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[LiveServer, Any]]:
    rt = shared_real_runtime()  # sandbox Odoo, offline planner, real governance
    with LiveServer(create_app(rt.settings, rt)) as server:
        yield server, rt


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", username)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/chat.*"))


def _ask(page: Any, text: str) -> Any:
    before = page.locator(".bubble.answer[data-done='1']").count()
    page.fill("#question", text)
    page.keyboard.press("Enter")
    page.locator(".bubble.answer[data-done='1']").nth(before).wait_for(timeout=60_000)
    return page.locator(".bubble.answer").last


def test_login_chat_propose_and_approve_as_another_user(browser: Any, live: tuple[LiveServer, Any],
                                                       tmp_path: Path) -> None:
    server, rt = live
    ctx = browser.new_context()
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))

    _login(page, server.url, "ava.buyer")
    answer = _ask(page, "What is arriving at DAL this week?")
    assert answer.locator("table").count() >= 1  # tables render as tables
    assert "DAL/IN/" in answer.inner_text()
    assert "thread=" in page.url  # the conversation got its own thread

    answer = _ask(page, "order 2000 PPE-1042 from Apex Industrial Supply for Dallas")
    link = answer.locator("ul.proposals a").first
    pid = re.search(r"P-[0-9a-f]+", link.inner_text()).group(0)  # type: ignore[union-attr]
    page.screenshot(path=str(tmp_path / "chat.png"))

    page.click("button:has-text('Log out')")
    page.wait_for_url(re.compile(r".*/login.*"))
    _login(page, server.url, "omar.approver")
    page.goto(f"{server.url}/approvals")
    card = page.locator(f"#proposal-{pid}")
    card.locator("input[name=comment]").fill("Approved in the browser test")
    card.locator("button[value=approve]").click()
    page.wait_for_selector(".flash")
    flash = page.locator(".flash").inner_text()
    assert pid in flash and "Executed" in flash and "created" in flash, flash
    assert rt.proposals.get(pid).state == "executed"
    page.screenshot(path=str(tmp_path / "approved.png"))

    assert errors == [], errors
    assert all(u.startswith(server.url) for u in requests), [u for u in requests if not u.startswith(server.url)]
    ctx.close()
