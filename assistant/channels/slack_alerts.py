"""Slack side of alerts: the sender (chat.postMessage), `/qm subscribe|unsubscribe|subscriptions|digest now`,
and the "Chase supplier" button on alert messages. Thin: parsing, rules and dedupe are in assistant/watch.

The button never writes anything itself: it asks the assistant, in the clicker's name, to chase that
order — the normal governed path (a reminder proposal, self-approvable by policy, audited).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient

from assistant.watch.messages import CHASE_ACTION, RFQ_ACTION
from assistant.watch.subscriptions import SubscriptionError, parse_subscribe, warehouse_code

if TYPE_CHECKING:
    from assistant.settings import Settings

log = logging.getLogger("quartermaster.slack")

COMMANDS = ("subscribe", "unsubscribe", "subscriptions", "digest")
HELP_LINES = ("• `/qm subscribe due tomorrow at <warehouse>` — alerts as they happen (add `digest at 07:00` for a "
              "daily digest, `here` to post in this channel, `quiet 20:00-06:00` for quiet hours)\n"
              "• `/qm subscriptions`, `/qm unsubscribe <number>`, `/qm digest now`")


class SlackSender:
    """Posts alert and digest messages (a channel id, or a user id for a DM)."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    @classmethod
    def from_settings(cls, settings: Settings) -> SlackSender:
        from assistant.channels.slack import build_web_client

        return cls(build_web_client(settings))

    def send(self, target: str, text: str, blocks: list[dict[str, Any]]) -> str | None:
        resp = self.client.chat_postMessage(channel=target, text=text[:3000], blocks=blocks, unfurl_links=False)
        return str(resp.get("ts") or "") or None


def is_alert_command(text: str) -> bool:
    word = text.strip().split(" ", 1)[0].lower()
    return word in COMMANDS and not (word == "digest" and "now" not in text.lower())


def watcher_for(channel: Any) -> Any:
    """The Slack channel's Watcher (built once, over the runtime, sending through this channel's client)."""
    watcher = getattr(channel, "_watcher", None)
    if watcher is None:
        from assistant.watch.watcher import Watcher

        watcher = Watcher.from_runtime(channel.runtime, senders={"slack": SlackSender(channel.client)})
        channel._watcher = watcher
    return watcher


def handle_command(channel: Any, identity: Any, text: str, command: dict[str, Any]) -> str:
    """Run one alert command for `identity`; returns the private answer."""
    watcher = watcher_for(channel)
    subs = watcher.subscriptions
    word, _, rest = text.strip().partition(" ")
    word = word.lower()
    try:
        if word == "subscribe":
            req = parse_subscribe(rest, subs, resolve_warehouse=lambda t: warehouse_code(watcher.odoo, t))
            sub = subs.add(by=identity, rule=req.rule, warehouse=req.warehouse, vendor=req.vendor, channel="slack",
                           target=str(command.get("channel_id")) if req.here else None, mode=req.mode,
                           digest_time=req.digest_time, quiet_start=req.quiet_start, quiet_end=req.quiet_end)
            return f"Subscribed {sub.describe()}."
        if word == "unsubscribe":
            target = rest.strip().lstrip("#")
            if target.isdigit():
                if not subs.remove(by=identity, sub_id=int(target)):
                    return f"There is no subscription #{target}."
                return f"Unsubscribed #{target}."
            n = subs.remove_rule(by=identity, rule=subs.resolve_rule(target or "all"))
            return f"Removed {n} subscription(s)." if n else "You had no such subscription."
        if word == "subscriptions":
            mine = subs.list(username=identity.username)
            return "\n".join(f"• {s.describe()}" for s in mine) if mine else \
                "You have no alert subscriptions. " + HELP_LINES
        # digest now
        mine = subs.list(username=identity.username)
        if not mine:
            return "You have no alert subscriptions yet, so there is nothing to digest. " + HELP_LINES
        sent = 0
        for sub in mine:
            sent += int(watcher.digest_now(sub)["queued"] is not None)
        return f"Sent {sent} digest(s) to where your subscriptions deliver."
    except SubscriptionError as exc:
        return str(exc)


def register_actions(channel: Any) -> None:
    """The alert buttons (registered before the catch-all action handler)."""
    channel.app.action(CHASE_ACTION)(ack=channel._ack, lazy=[
        lambda body, action, client: _on_button(channel, body, action, client, "chase")])
    channel.app.action(RFQ_ACTION)(ack=channel._ack, lazy=[
        lambda body, action, client: _on_button(channel, body, action, client, "rfq")])


def _on_button(channel: Any, body: dict[str, Any], action: dict[str, Any], client: WebClient, kind: str) -> None:
    """A button on an alert: the clicker's own request to the assistant (chase that order / quote that product)."""
    user = (body.get("user") or {}).get("id")
    identity = channel.identities.resolve(user, client)
    ref = str((action or {}).get("value") or "").strip()[:200]
    if identity is None or not ref:
        channel.tell(client, body, "I can't act for you: you are not registered with Quartermaster.")
        return
    where: dict[str, Any] = body.get("channel") or {}
    target = str(where.get("id") or "")
    if not target:
        dm: Any = client.conversations_open(users=user)
        target = str((dm.get("channel") or {}).get("id") or "")
    label = f"Chasing {ref}" if kind == "chase" else "Asking for a quote"
    status = client.chat_postMessage(channel=target, text=f"{label} for <@{user}>…")
    channel.answer_into(client, target, str(status["ts"]), str(status["ts"]), identity,
                        f"chase {ref}" if kind == "chase" else ref)
