"""The Slack channel: a bolt App over the assistant runtime, served at /slack/events or by Socket Mode.

Why it is built this way:
- Slack wants an answer within 3 s, an assistant turn can take 30. Every listener is split into a
  tiny `ack` function that runs on the request thread and a *lazy* function that runs afterwards in
  a thread pool (`process_before_response=True` + `lazy=[...]`). The ack path never waits for a
  busy pool, and tests can `drain()` the pool to make the lazy work deterministic.
- Signatures are verified by bolt (stale > 5 min -> 401); a replayed signature -> 401 here; a
  retried event (same event_id) is acknowledged, and its work is dropped via `runtime.store.seen_event`
  (checked in the background, so the ack never waits for a database write).
- One conversation per Slack thread: thread_id = ``slack:<channel>:<thread_ts>``.
- People are mapped to roles through the users file (Slack id, else e-mail via users.info).
"""

from __future__ import annotations

import html
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltResponse
from slack_bolt.adapter.fastapi import SlackRequestHandler
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_bolt.middleware.middleware import Middleware
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from assistant.channels.slack_approvals import SlackApprovals, SlackMessageLog
from assistant.channels.slack_blocks import (
    APPROVE_ACTION,
    BATCH_ACTION,
    COMMENT_BLOCK,
    COMMENT_INPUT,
    CONFIRM_ACTION,
    REJECT_ACTION,
    REJECT_MODAL,
    WORKING_TEXT,
    answer_blocks,
    escape,
    fallback_text,
    reject_modal,
)
from assistant.channels.slack_home import home_view
from tools.base import Identity

if TYPE_CHECKING:
    from fastapi import FastAPI
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from assistant.settings import Settings

log = logging.getLogger("quartermaster.slack")

EVENTS_PATH = "/slack/events"
REPLAY_WINDOW_S = 5 * 60  # Slack's own freshness window for signatures

NOT_REGISTERED = ("You are not registered with Quartermaster, so I can't act for you. Ask an admin to add "
                  "your Slack ID (`{uid}`) or your e-mail to the users file.")
HELP = ("*Quartermaster* answers questions about stock, inbound deliveries, purchase orders and "
        "suppliers, and proposes actions for approval.\n"
        "• `/qm <question>` — e.g. `/qm what is arriving in Houston this week?`\n"
        "• `/qm pending` — proposals waiting for your approval\n"
        "• mention me in a channel or send me a direct message; I answer in the thread and remember it.")


# ------------------------------------------------------------------------------------------------
# Background work
# ------------------------------------------------------------------------------------------------

class BackgroundWork(Executor):
    """A thread pool that remembers its pending futures so callers (tests, shutdown) can drain it."""

    def __init__(self, workers: int = 8) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qm-slack")
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = self._pool.submit(fn, *args, **kwargs)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)
        exc = future.exception()
        if exc is not None:
            log.error("Slack background work failed: %r", exc)

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until no work is pending (work may spawn work). False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = set(self._pending)
            if not pending:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            wait(pending, timeout=left)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


# ------------------------------------------------------------------------------------------------
# Request guard: replayed signatures and retried events
# ------------------------------------------------------------------------------------------------

class ReplayGuard(Middleware):
    """Runs right after bolt's signature check: a signature seen in the last 5 minutes is a replay -> 401.

    In memory, per process (cheap enough for the ack path); a replay to another worker process is
    still bounded by the signature's 5-minute freshness window.
    """

    def __init__(self) -> None:
        self._signatures: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def _replayed(self, signature: str) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._signatures and next(iter(self._signatures.values())) < now - REPLAY_WINDOW_S:
                self._signatures.popitem(last=False)
            if signature in self._signatures:
                return True
            self._signatures[signature] = now
            return False

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
                ) -> BoltResponse:
        if req.mode != "socket_mode":
            signature = (req.headers.get("x-slack-signature") or [""])[0]
            if signature and self._replayed(signature):
                log.warning("refused a replayed Slack request (signature seen before)")
                return BoltResponse(status=401, body={"error": "replayed request"})
        return next()


class EventDedupe:
    """Slack re-delivers an event (same event_id, X-Slack-Retry-Num) when an ack was late or lost.

    Checked at the start of the *lazy* work, not on the ack path: every delivery is acked at once
    (Slack only needs the 200) and only the first one to claim the id in the state store proceeds.
    The store's insert is atomic, so two concurrent deliveries, or two processes, cannot both win.
    """

    def __init__(self, seen_event: Callable[[str], bool]) -> None:
        self.seen_event = seen_event

    def first_delivery(self, body: dict[str, Any]) -> bool:
        event_id = body.get("event_id") if isinstance(body, dict) else None
        if not event_id:
            return True
        try:
            duplicate = self.seen_event(f"slack:{event_id}")
        except Exception:  # noqa: BLE001 - a store hiccup must not lose the event
            log.exception("dedupe store failed; processing event %s anyway", event_id)
            return True
        if duplicate:
            log.info("dropped duplicate delivery of Slack event %s", event_id)
        return not duplicate


class _MemorySeen:
    """Fallback dedupe when the runtime's store has no seen_event (bounded, process-local)."""

    def __init__(self, size: int = 10_000) -> None:
        self._keys: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def __call__(self, key: str) -> bool:
        with self._lock:
            if key in self._keys:
                return True
            self._keys[key] = None
            while len(self._keys) > self._size:
                self._keys.popitem(last=False)
            return False


# ------------------------------------------------------------------------------------------------
# People
# ------------------------------------------------------------------------------------------------

class SlackIdentities:
    """Slack member id -> Identity via the users file: by Slack id, else by e-mail from users.info."""

    def __init__(self, directory: Any, ttl_s: float = 600.0, miss_ttl_s: float = 60.0) -> None:
        self.directory = directory
        self.ttl_s, self.miss_ttl_s = ttl_s, miss_ttl_s
        self._cache: dict[str, tuple[float, Identity | None]] = {}
        self._inflight: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def resolve(self, slack_user_id: str | None, client: WebClient) -> Identity | None:
        if not slack_user_id:
            return None
        ident = self.directory.by_slack_id(slack_user_id)
        if ident is not None:
            return ident
        with self._lock:
            user_lock = self._inflight.setdefault(slack_user_id, threading.Lock())
        with user_lock:  # one users.info per person, even when their messages arrive together
            return self._lookup(slack_user_id, client)

    def _lookup(self, slack_user_id: str, client: WebClient) -> Identity | None:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(slack_user_id)
        if hit and hit[0] > now:
            return hit[1]
        email = None
        try:
            info = client.users_info(user=slack_user_id)
            email = ((info.get("user") or {}).get("profile") or {}).get("email")
        except SlackApiError as exc:
            log.info("users.info %s failed: %s", slack_user_id, exc.response.get("error"))
        ident = self.directory.by_email(email) if email else None
        with self._lock:
            self._cache[slack_user_id] = (now + (self.ttl_s if ident else self.miss_ttl_s), ident)
        return ident


# ------------------------------------------------------------------------------------------------
# Text helpers
# ------------------------------------------------------------------------------------------------

_SLACK_LINK = re.compile(r"<(https?://[^|>]+)(?:\|([^>]+))?>")
_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")


def clean_text(text: str, bot_user_id: str | None = None) -> str:
    """Slack's wire text -> what the person typed: no bot mention, plain links, unescaped."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", "", text)
    else:
        text = re.sub(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>", "", text)
    text = _SLACK_LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _MENTION.sub(lambda m: f"@{m.group(1)}", text)
    return html.unescape(text).strip()


def thread_key(channel: str, thread_ts: str) -> str:
    """One conversation per Slack thread."""
    return f"slack:{channel}:{thread_ts}"


def _footer(result: Any) -> str:
    calls = list(getattr(result, "tool_calls", None) or [])
    names = ", ".join(str(c.get("name") if isinstance(c, dict) else getattr(c, "name", c)) for c in calls[:6])
    brain = getattr(result, "brain", "") or ""
    run_id = getattr(result, "run_id", "") or ""
    bits = [b for b in (brain and f"brain: {brain}", calls and f"tools: {escape(names)}",
                        run_id and f"run `{run_id}`") if b]
    return " · ".join(bits)


# ------------------------------------------------------------------------------------------------
# The channel
# ------------------------------------------------------------------------------------------------

def build_web_client(settings: Settings) -> WebClient:
    """The bot's WebClient; `QM_SLACK_API_URL` points it elsewhere (tests, proxies)."""
    base = settings.slack_api_url or WebClient.BASE_URL
    if not base.endswith("/"):
        base += "/"
    return WebClient(token=settings.slack_bot_token, base_url=base, timeout=15)


class SlackChannel:
    """The bolt App, its listeners and the approval cards, over one assistant runtime."""

    def __init__(self, runtime: Any, settings: Settings | None = None, *, client: WebClient | None = None,
                 executor: BackgroundWork | None = None, socket_mode: bool = False) -> None:
        self.runtime = runtime
        self.settings = settings or runtime.settings
        self.metrics: Any = None  # the web app's Metrics when mounted there (turns counted per channel)
        if not self.settings.slack_bot_token and client is None:
            raise ValueError("Slack needs SLACK_BOT_TOKEN (xoxb-...).")
        if not socket_mode and not self.settings.slack_signing_secret:
            raise ValueError("Slack HTTP mode needs SLACK_SIGNING_SECRET (Basic Information > App Credentials); "
                             "or run `quartermaster slack --socket` with SLACK_APP_TOKEN.")
        self.client = client or build_web_client(self.settings)
        self.work = executor or BackgroundWork()
        store = getattr(runtime, "store", None)
        seen = getattr(store, "seen_event", None)
        self.guard = ReplayGuard()
        self.dedupe = EventDedupe(seen if callable(seen) else _MemorySeen())
        self.identities = SlackIdentities(runtime.directory)
        odoo = getattr(runtime, "odoo", None)
        data_dir = Path(getattr(self.settings, "data_dir", Path("var")))
        self.approvals = SlackApprovals(
            runtime, self.client, SlackMessageLog(data_dir / "slack" / "messages.db"),
            approvals_channel=self.settings.slack_approvals_channel, submit=self.work.submit,
            odoo_url=self.settings.odoo_url or getattr(odoo, "url", None))
        self.app = App(
            client=self.client,
            signing_secret=self.settings.slack_signing_secret,
            request_verification_enabled=bool(self.settings.slack_signing_secret),
            token_verification_enabled=False,  # no network at construction; auth.test on first request
            process_before_response=True,  # acks run inline, the work is lazy (see module doc)
            listener_executor=self.work,
            before_authorize=self.guard,
            name="quartermaster",
        )
        self._register()
        subscribe = getattr(getattr(runtime, "proposals", None), "subscribe", None)
        if callable(subscribe):
            subscribe(self.approvals.on_proposal_event)

    # -- wiring ------------------------------------------------------------------------------------
    def _register(self) -> None:
        app = self.app
        app.event("app_mention")(ack=self._ack, lazy=[self._on_mention])
        app.event("message")(ack=self._ack, lazy=[self._on_message])
        app.event("app_home_opened")(ack=self._ack, lazy=[self._on_home_opened])
        app.command("/qm")(ack=self._ack_command, lazy=[self._on_command])
        app.action(APPROVE_ACTION)(ack=self._ack, lazy=[self._on_approve])
        app.action(REJECT_ACTION)(ack=self._ack_reject, lazy=[self._on_reject_click])
        app.action(CONFIRM_ACTION)(ack=self._ack, lazy=[self._on_confirm])
        app.action(BATCH_ACTION)(ack=self._ack, lazy=[self._on_batch])
        app.view(REJECT_MODAL)(ack=self._ack, lazy=[self._on_reject_submit])
        # anything else a person can click or submit gets a clear answer, not bolt's 404
        app.action(re.compile(".*"))(ack=self._ack, lazy=[self._on_unknown_action])
        app.view(re.compile(".*"))(ack=self._ack, lazy=[self._on_unknown_action])
        app.shortcut(re.compile(".*"))(ack=self._ack, lazy=[self._on_unknown_action])
        app.error(self._on_error)

    def _on_error(self, error: Exception, body: dict[str, Any], logger: logging.Logger) -> None:
        logger.error("Slack listener failed: %r (body type %s)", error, body.get("type"))

    @staticmethod
    def _ack(ack: Callable[..., None]) -> None:
        ack()

    # -- conversations --------------------------------------------------------------------------------
    def _on_mention(self, body: dict[str, Any], event: dict[str, Any], client: WebClient, context: Any) -> None:
        if not self.dedupe.first_delivery(body):
            return
        channel = event.get("channel")
        ts = event.get("thread_ts") or event.get("ts")
        if not channel or not ts:
            log.warning("app_mention without channel/ts ignored")
            return
        self.converse(client, channel, str(ts), event.get("user"),
                      clean_text(str(event.get("text") or ""), context.get("bot_user_id")))

    def _on_message(self, body: dict[str, Any], event: dict[str, Any], client: WebClient, context: Any) -> None:
        # only people's own new messages in a DM with the app; edits, bot posts and channels are ignored
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        if not self.dedupe.first_delivery(body):
            return
        channel = event.get("channel")
        ts = event.get("thread_ts") or event.get("ts")
        if not channel or not ts:
            return
        self.converse(client, channel, str(ts), event.get("user"),
                      clean_text(str(event.get("text") or ""), context.get("bot_user_id")))

    def converse(self, client: WebClient, channel: str, thread_ts: str, slack_user: str | None,
                 text: str) -> None:
        """Post "working…" in the thread, ask the assistant, replace the status with the answer."""
        identity = self.identities.resolve(slack_user, client)
        if identity is None:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts,
                                    text=NOT_REGISTERED.format(uid=slack_user or "?"))
            return
        if not text or text.lower() in {"help", "?"}:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=HELP)
            return
        status = client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=WORKING_TEXT)
        status_ts = str(status["ts"])
        self.answer_into(client, channel, thread_ts, status_ts, identity, text)

    def ask(self, identity: Identity, text: str, thread_id: str) -> Any:
        """One assistant turn, counted in the app's turn metrics like web and API turns."""
        t0 = time.perf_counter()
        try:
            result = self.runtime.assistant.ask(identity, text, thread_id=thread_id, channel="slack")
        except Exception:
            self._observe(None, t0, "error")
            raise
        self._observe(result, t0, "ok" if getattr(result, "ok", True) else "error")
        return result

    def _observe(self, result: Any, t0: float, outcome: str) -> None:
        if self.metrics is None:
            return
        try:
            self.metrics.observe_turn(result, "slack", time.perf_counter() - t0, outcome)
        except Exception:  # noqa: BLE001 - metrics never cost an answer
            log.exception("could not count a Slack turn")

    def answer_into(self, client: WebClient, channel: str, thread_ts: str, status_ts: str,
                    identity: Identity, text: str) -> None:
        try:
            result = self.ask(identity, text, thread_key(channel, thread_ts))
        except Exception as exc:  # noqa: BLE001 - the person must hear back, whatever broke
            log.exception("assistant turn failed in %s/%s", channel, thread_ts)
            client.chat_update(channel=channel, ts=status_ts,
                               text=f":warning: Sorry, I could not answer that ({type(exc).__name__}). "
                                    "Please try again; if it keeps failing, tell an admin.")
            return
        proposals = list(getattr(result, "proposals", None) or [])
        for p in proposals:
            pid = p if isinstance(p, str) else (p.get("id") if isinstance(p, dict) else getattr(p, "id", None))
            if pid:
                self.approvals.log.set_thread(str(pid), channel, thread_ts)
        answer = str(getattr(result, "answer", "") or "")
        blocks = answer_blocks(answer, citations=list(getattr(result, "citations", None) or []),
                               proposals=proposals, footer=_footer(result),
                               policy=getattr(self.runtime, "policy", None), role=identity.role)
        try:
            client.chat_update(channel=channel, ts=status_ts, text=fallback_text(answer), blocks=blocks)
        except SlackApiError as exc:  # e.g. the status message was deleted: post the answer instead
            log.warning("chat.update failed (%s); posting the answer", exc.response.get("error"))
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=fallback_text(answer),
                                    blocks=blocks)

    # -- /qm -------------------------------------------------------------------------------------------
    @staticmethod
    def _ack_command(ack: Callable[..., None], command: dict[str, Any]) -> None:
        text = str(command.get("text") or "").strip()
        if not text or text.lower() in {"help", "?"}:
            ack(text=HELP)
        elif text.lower() == "pending":
            ack()
        else:
            ack(text=f":hourglass_flowing_sand: Asking: _{escape(text[:300])}_")

    def _on_command(self, command: dict[str, Any], client: WebClient, respond: Callable[..., Any]) -> None:
        text = clean_text(str(command.get("text") or ""))
        if not text or text.lower() in {"help", "?"}:
            return
        user = command.get("user_id")
        identity = self.identities.resolve(user, client)
        if identity is None:
            respond(text=NOT_REGISTERED.format(uid=user or "?"), response_type="ephemeral")
            return
        if text.lower() == "pending":
            cards = self._pending_cards(identity)
            if len(cards) > 1:  # several: one list with Approve all / Reject all (each decided on its own)
                from assistant.channels.slack_blocks import batch_blocks

                respond(text=self._pending_text(identity), response_type="ephemeral",
                        blocks=batch_blocks([(c.id, f"{c.title}: {c.summary}") for c in cards[:20]]))
                return
            respond(text=self._pending_text(identity), response_type="ephemeral")
            return
        channel = str(command.get("channel_id") or "")
        try:
            question = client.chat_postMessage(channel=channel,
                                               text=f"<@{user}> asked: {escape(text[:2000])}")
            thread_ts = str(question["ts"])
            status = client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=WORKING_TEXT)
        except SlackApiError as exc:  # the bot is not in this channel: answer privately instead
            log.info("cannot post in %s (%s); answering via response_url", channel,
                     exc.response.get("error"))
            self._answer_privately(identity, text, command, respond)
            return
        self.answer_into(client, channel, thread_ts, str(status["ts"]), identity, text)

    def _answer_privately(self, identity: Identity, text: str, command: dict[str, Any],
                          respond: Callable[..., Any]) -> None:
        thread_id = f"slack:{command.get('channel_id')}:cmd-{command.get('user_id')}"
        try:
            result = self.ask(identity, text, thread_id)
        except Exception as exc:  # noqa: BLE001
            log.exception("assistant turn failed for /qm")
            respond(text=f":warning: Sorry, I could not answer that ({type(exc).__name__}).",
                    response_type="ephemeral")
            return
        answer = str(getattr(result, "answer", "") or "")
        respond(text=fallback_text(answer), response_type="ephemeral", replace_original=False,
                blocks=answer_blocks(answer, citations=list(getattr(result, "citations", None) or []),
                                     proposals=list(getattr(result, "proposals", None) or []),
                                     footer=_footer(result), policy=getattr(self.runtime, "policy", None),
                                     role=identity.role))

    def _pending_text(self, identity: Identity) -> str:
        cards = self._pending_cards(identity)
        if not cards:
            return "Nothing is waiting for your approval."
        lines = [f"• `{escape(c.id)}` {escape(c.title)}: {escape(c.summary)}" for c in cards[:20]]
        return f"*Waiting for your approval ({len(cards)})*\n" + "\n".join(lines)

    def _pending_cards(self, identity: Identity) -> list[Any]:
        try:
            items = self.runtime.proposals.list(state="pending", approver=identity.username)
        except Exception:  # noqa: BLE001
            log.exception("listing pending proposals failed")
            return []
        return [self.approvals.card(p, identity) for p in items]

    # -- approvals ---------------------------------------------------------------------------------------
    @staticmethod
    def _where(body: dict[str, Any]) -> tuple[str, str | None, str | None]:
        """("message", channel, ts) for a card in a conversation, ("home", None, None) for the Home tab."""
        container = body.get("container") or {}
        if container.get("type") == "view" or (body.get("view") and not body.get("message")):
            return "home", None, None
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
        return "message", channel, ts

    def tell(self, client: WebClient, body: dict[str, Any], text: str) -> None:
        """A message only the clicker sees: ephemeral in the conversation, else a Home-tab notice."""
        user = (body.get("user") or {}).get("id")
        kind, channel, _ts = self._where(body)
        if not user:
            log.info("no user to tell: %s", text)
            return
        if kind == "message" and channel:
            try:
                client.chat_postEphemeral(channel=channel, user=user, text=text)
                return
            except SlackApiError as exc:
                log.info("chat.postEphemeral failed (%s); falling back", exc.response.get("error"))
        self.publish_home(client, user, notice=text)

    def _clicked_proposal(self, action: dict[str, Any] | None) -> str:
        value = str((action or {}).get("value") or "").strip()
        return value if re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", value) else ""

    def _decide_click(self, body: dict[str, Any], client: WebClient, pid: str, verdict: str,
                      comment: str | None, card_at: tuple[str, str] | None, home: bool) -> None:
        user = (body.get("user") or {}).get("id")
        identity = self.identities.resolve(user, client)
        if identity is None:
            self.tell(client, body, NOT_REGISTERED.format(uid=user or "?"))
            return
        changed, message = self.approvals.decide(pid, identity, verdict, comment, card_at=card_at)
        if home:
            self.work.submit(self.publish_home, client, user, message)
        elif not changed:
            self.tell(client, body, f":no_entry: {message}")

    def _on_approve(self, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        pid = self._clicked_proposal(action)
        if not pid:
            self.tell(client, body, "That button carries no valid proposal id. Nothing was changed.")
            return
        kind, channel, ts = self._where(body)
        card_at = (channel, ts) if kind == "message" and channel and ts else None
        self._decide_click(body, client, pid, "approve", None, card_at, home=kind == "home")

    def _on_confirm(self, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        """The requester confirms a suggested proposal; the clicked message loses its buttons."""
        pid = self._clicked_proposal(action)
        user = (body.get("user") or {}).get("id")
        identity = self.identities.resolve(user, client) if pid else None
        if not pid or identity is None:
            self.tell(client, body, NOT_REGISTERED.format(uid=user or "?") if pid else
                      "That button carries no valid proposal id. Nothing was changed.")
            return
        ok, message = self.approvals.confirm(pid, identity)
        kind, channel, ts = self._where(body)
        if ok and kind == "message" and channel and ts:
            try:
                client.chat_update(channel=channel, ts=ts, text=message,
                                   blocks=[{"type": "section", "text": {"type": "mrkdwn",
                                                                        "text": f":white_check_mark: {escape(message)}"}}])
                return
            except SlackApiError as exc:
                log.info("chat.update failed (%s)", exc.response.get("error"))
        self.tell(client, body, (":white_check_mark: " if ok else ":no_entry: ") + escape(message))

    def _on_batch(self, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        """Approve all / Reject all on a batch list: each proposal decided on its own."""
        verdict, _, ids = str((action or {}).get("value") or "").partition("|")
        pids = [p for p in ids.split(",") if re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", p)][:50]
        user = (body.get("user") or {}).get("id")
        identity = self.identities.resolve(user, client)
        if identity is None or verdict not in ("approve", "reject") or not pids:
            self.tell(client, body, NOT_REGISTERED.format(uid=user or "?") if identity is None else
                      "That button carries no valid proposals. Nothing was changed.")
            return
        self.tell(client, body, escape(self.approvals.decide_many(pids, identity, verdict)))

    def _ack_reject(self, ack: Callable[..., None], body: dict[str, Any], action: dict[str, Any],
                    client: WebClient) -> None:
        """Open the comment modal right away: trigger_ids expire after 3 s, a busy pool must not delay it."""
        ack()
        pid = self._clicked_proposal(action)
        proposal = self.approvals.get(pid) if pid else None
        if proposal is None or getattr(proposal, "state", None) != "pending" or not body.get("trigger_id"):
            return  # the lazy half explains why
        kind, channel, ts = self._where(body)
        meta = {"pid": pid, "channel": channel, "ts": ts, "home": kind == "home"}
        try:
            client.views_open(trigger_id=body["trigger_id"], view=reject_modal(self.approvals.card(proposal), meta))
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))

    def _on_reject_click(self, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        pid = self._clicked_proposal(action)
        if not pid:
            self.tell(client, body, "That button carries no valid proposal id. Nothing was changed.")
            return
        proposal = self.approvals.get(pid)
        if proposal is None:
            self.tell(client, body, f"I can't find proposal `{escape(pid)}`. Nothing was changed.")
        elif getattr(proposal, "state", None) != "pending":
            self.approvals.submit(self.approvals.refresh, pid)
            self.tell(client, body, f":no_entry: Proposal `{escape(pid)}` is already "
                                    f"{getattr(proposal, 'state', '?')}. Nothing was changed.")
        elif not body.get("trigger_id"):
            self.tell(client, body, "Slack sent no dialog trigger with that click; please click Reject again.")

    def _on_reject_submit(self, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
            pid = str(meta["pid"])
        except (ValueError, KeyError, TypeError):
            log.warning("reject modal without valid metadata")
            return
        values = (view.get("state") or {}).get("values") or {}
        comment = ((values.get(COMMENT_BLOCK) or {}).get(COMMENT_INPUT) or {}).get("value") or None
        channel, ts = meta.get("channel"), meta.get("ts")
        tell_body = {"user": body.get("user") or {},
                     "container": {"type": "message", "channel_id": channel, "message_ts": ts}
                     if channel else {"type": "view"}}
        self._decide_click(tell_body, client, pid, "reject", comment,
                           (channel, ts) if channel and ts else None, home=bool(meta.get("home")))

    def _on_unknown_action(self, body: dict[str, Any], client: WebClient) -> None:
        actions = body.get("actions") or [{}]
        name = actions[0].get("action_id") or (body.get("view") or {}).get("callback_id") or body.get(
            "callback_id") or "?"
        log.info("unknown Slack interaction %s (%s)", name, body.get("type"))
        self.tell(client, body, f"I don't know what to do with `{escape(str(name))}`. Nothing was changed.")

    # -- App Home ------------------------------------------------------------------------------------------
    def _on_home_opened(self, body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home" or not event.get("user") or not self.dedupe.first_delivery(body):
            return
        self.publish_home(client, str(event["user"]))

    def publish_home(self, client: WebClient, slack_user: str, notice: str | None = None) -> None:
        identity = self.identities.resolve(slack_user, client)
        if identity is None:
            view = home_view(user_label=None, slack_user_id=slack_user, notice=notice)
        else:
            pending = self._pending_cards(identity)
            try:
                mine = list(self.runtime.proposals.list(requester=identity.username))
            except Exception:  # noqa: BLE001
                log.exception("listing proposals failed")
                mine = []
            mine.sort(key=lambda p: str(getattr(p, "created_at", "")), reverse=True)
            view = home_view(user_label=identity.label, pending=pending,
                             recent=[self.approvals.card(p, identity) for p in mine[:10]], notice=notice)
        try:
            client.views_publish(user_id=slack_user, view=view)
        except SlackApiError as exc:
            log.warning("views.publish failed: %s", exc.response.get("error"))

    def signed(self, body: bytes, headers: Any) -> bool:
        """Whether a raw HTTP request carries a valid, fresh Slack signature."""
        secret = self.settings.slack_signing_secret
        if not secret:
            return False
        return SignatureVerifier(secret).is_valid(
            body, headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature"))

    # -- running ---------------------------------------------------------------------------------------------
    def socket_mode_handler(self) -> SocketModeHandler:
        """The Socket Mode connection (needs SLACK_APP_TOKEN, xapp-...); `.start()` blocks."""
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        if not self.settings.slack_app_token:
            raise ValueError("Socket Mode needs SLACK_APP_TOKEN (an app-level token, xapp-..., "
                             "with the connections:write scope).")
        web = WebClient(base_url=self.client.base_url)
        return SocketModeHandler(self.app, self.settings.slack_app_token, web_client=web)

    def close(self) -> None:
        self.work.drain(timeout=10)
        self.work.shutdown(wait=False)
        self.approvals.log.close()


class ThreadedSlackRequestHandler(SlackRequestHandler):
    """bolt's FastAPI handler, but dispatching on a worker thread so the event loop never blocks
    (the dedupe store and auth.test are synchronous)."""

    async def handle(self, req: Request, addition_context_properties: dict[str, Any] | None = None
                     ) -> Response:
        if req.method != "POST":
            return await super().handle(req, addition_context_properties)
        body = await req.body()
        bolt_req = to_bolt_request(req, body, addition_context_properties)
        bolt_resp = await run_in_threadpool(self.app.dispatch, bolt_req)
        return to_starlette_response(bolt_resp)


def mount_slack(app: FastAPI, runtime: Any, *, settings: Settings | None = None,
                client: WebClient | None = None, executor: BackgroundWork | None = None) -> SlackChannel:
    """Serve Slack's Events API, commands and interactivity at POST /slack/events on `app`.

    Without a signing secret (a Socket Mode site: the events arrive in `quartermaster slack --socket`)
    nothing is served, but this process still posts and updates approval cards for the proposals
    created or decided in it (the web inbox, the API), sharing the card record in the data dir.
    """
    settings = settings or runtime.settings
    if not settings.slack_signing_secret:
        log.warning("SLACK_SIGNING_SECRET is not set: /slack/events is not served (use `quartermaster slack "
                    "--socket` for events); approval cards are still posted from this process")
        notifier = SlackChannel(runtime, settings, client=client, executor=executor, socket_mode=True)
        notifier.metrics = getattr(app.state, "metrics", None)
        app.state.slack = notifier
        return notifier

    channel = SlackChannel(runtime, settings, client=client, executor=executor)
    channel.metrics = getattr(app.state, "metrics", None)
    handler = ThreadedSlackRequestHandler(channel.app)

    async def slack_events(req: Request) -> Response:
        try:
            resp = await handler.handle(req)
        except Exception as exc:  # noqa: BLE001 - a malformed body is the sender's problem, never a 500
            # bolt parses the body before it checks the signature: keep "unsigned -> 401" true anyway
            if not channel.signed(await req.body(), req.headers):
                return JSONResponse({"error": "invalid request"}, status_code=401)
            log.warning("malformed Slack request: %r", exc)
            return JSONResponse({"error": "malformed Slack request"}, status_code=400)
        if resp.status_code == 404:  # bolt found no listener (an event type we do not subscribe to)
            return JSONResponse({"ok": True, "ignored": True}, status_code=200)
        return resp

    app.add_api_route(EVENTS_PATH, slack_events, methods=["POST"], include_in_schema=False)
    app.state.slack = channel
    return channel
