"""Socket Mode (offline: the handler is built and fed an envelope; the WebSocket itself is not
exercised), configuration errors, the CLI command, and the manifest's agreement with the code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from slack_kit import BOT_USER, ROOT, event_body, slack_settings
from typer.testing import CliRunner


class _RecordingSocketClient:
    """Stands in for the WebSocket client: records the acknowledgements the handler sends."""

    def __init__(self, logger: Any) -> None:
        self.logger = logger
        self.sent: list[Any] = []

    def send_socket_mode_response(self, response: Any) -> None:
        self.sent.append(response)


def test_socket_mode_handler_processes_an_envelope_without_signatures(fake_runtime, mock_slack, tmp_path):
    from slack_sdk.socket_mode.request import SocketModeRequest

    from assistant.channels.slack import SlackChannel

    settings = slack_settings(tmp_path, mock_slack.url, SLACK_APP_TOKEN="xapp-1-test", SLACK_SIGNING_SECRET="")
    channel = SlackChannel(fake_runtime, settings, socket_mode=True)
    handler = channel.socket_mode_handler()
    try:
        assert handler.app_token == "xapp-1-test"
        ev = {"type": "app_mention", "user": "UQMAVA", "text": f"<@{BOT_USER}> stock of PPE-1042?",
              "ts": "1700000700.000700", "channel": "CBUYERS", "event_ts": "1700000700.000700"}
        payload = json.loads(event_body(ev, event_id="EvSOCKET1"))
        client = _RecordingSocketClient(handler.client.logger)
        for attempt in (None, 1):  # the second delivery is Slack's retry of the same event
            req = SocketModeRequest(type="events_api", envelope_id=f"env-{attempt}", payload=payload,
                                    retry_attempt=attempt)
            handler.handle(client, req)  # type: ignore[arg-type]
        assert [r.envelope_id for r in client.sent] == ["env-None", "env-1"]  # both acknowledged
        assert channel.work.drain(30)
        (call,) = fake_runtime.assistant.calls  # processed once
        assert call["thread_id"] == "slack:CBUYERS:1700000700.000700"
        assert len(mock_slack.of("chat.update")) == 1
    finally:
        handler.client.close()
        channel.close()


def test_configuration_errors_are_clear(fake_runtime, mock_slack, tmp_path):
    from assistant.channels.slack import SlackChannel

    no_secret = slack_settings(tmp_path, mock_slack.url, SLACK_SIGNING_SECRET="")
    with pytest.raises(ValueError, match="SLACK_SIGNING_SECRET"):
        SlackChannel(fake_runtime, no_secret)
    channel = SlackChannel(fake_runtime, no_secret, socket_mode=True)
    with pytest.raises(ValueError, match="SLACK_APP_TOKEN"):
        channel.socket_mode_handler()
    channel.close()


def test_cli_explains_modes_and_missing_tokens(monkeypatch, tmp_path: Path):
    from assistant.cli import slack as cli_slack

    app = typer.Typer()
    cli_slack.register(app)

    @app.command("noop")
    def _noop() -> None:  # a second command so typer keeps the sub-command name
        pass

    monkeypatch.chdir(tmp_path)
    for var in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("QM_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    http = runner.invoke(app, ["slack"])
    assert http.exit_code == 2 and "/slack/events" in http.output
    missing = runner.invoke(app, ["slack", "--socket"])
    assert missing.exit_code == 2 and "SLACK_BOT_TOKEN and SLACK_APP_TOKEN" in missing.output


def test_manifest_matches_what_the_code_listens_to_and_calls():
    manifest = yaml.safe_load((ROOT / "slack" / "manifest.yaml").read_text(encoding="utf-8"))
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im", "app_home_opened"}
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")
    assert settings["interactivity"]["is_enabled"] and settings["interactivity"]["request_url"].endswith(
        "/slack/events")
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/qm" and command["url"].endswith("/slack/events")
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    # the Web API methods the channel calls, and the scope each needs
    needed = {"chat:write", "commands", "app_mentions:read", "im:history", "im:write", "users:read",
              "users:read.email"}
    assert needed <= scopes
    source = (ROOT / "assistant" / "channels" / "slack.py").read_text(encoding="utf-8")
    source += (ROOT / "assistant" / "channels" / "slack_approvals.py").read_text(encoding="utf-8")
    for call, scope in {"users_info": "users:read", "conversations_open": "im:write",
                        "chat_postMessage": "chat:write", "chat_update": "chat:write",
                        "chat_postEphemeral": "chat:write"}.items():
        assert call in source and scope in scopes
