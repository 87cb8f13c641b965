"""Fixtures for the Slack tests; the kit itself (mock server, signing, fakes) is in slack_kit.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_kit import (
    ROOT,
    FakeAssistant,
    FakeProposals,
    FakeRuntime,
    FakeStore,
    MockSlack,
    SlackHarness,
    slack_settings,
)


@pytest.fixture(scope="session")
def slack_api() -> Iterator[MockSlack]:
    mock = MockSlack().start()
    try:
        yield mock
    finally:
        mock.stop()


@pytest.fixture()
def mock_slack(slack_api: MockSlack) -> MockSlack:
    slack_api.reset()
    slack_api.fail.clear()
    slack_api.users.clear()
    return slack_api


@pytest.fixture()
def fake_runtime(tmp_path: Path, mock_slack: MockSlack) -> FakeRuntime:
    from tools.governance.identity import Directory

    proposals = FakeProposals()
    return FakeRuntime(settings=slack_settings(tmp_path, mock_slack.url), assistant=FakeAssistant(proposals),
                       proposals=proposals,
                       directory=Directory.load(ROOT / "tools" / "governance" / "default_users.yaml"),
                       store=FakeStore())


@pytest.fixture()
def harness(fake_runtime: FakeRuntime, mock_slack: MockSlack) -> Iterator[SlackHarness]:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from assistant.channels.slack import mount_slack

    app = FastAPI()
    channel = mount_slack(app, fake_runtime)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield SlackHarness(client, channel, fake_runtime, mock_slack)
    channel.close()

