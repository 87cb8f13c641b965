"""Slack test kit (imported by the tests and conftest.py): a mock Slack Web API server, signed requests, and a small fake runtime.

The mock server is what bolt-python's own test suite does: a real HTTP server on 127.0.0.1 that
answers the Web API methods we call and records every call, so tests assert on what Slack *would*
have received. The WebClient reaches it through `QM_SLACK_API_URL`.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

ROOT = Path(__file__).resolve().parents[3]
SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_USER = "UQMBOT"
TEAM = "T0BLUEBONNET"
APPROVALS_CHANNEL = "CAPPROVALS"


# ------------------------------------------------------------------------------------------------
# Mock Slack Web API
# ------------------------------------------------------------------------------------------------

class MockSlack:
    """Records calls; answers like Slack. `fail[method] = "error_code"` makes a method fail."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.users: dict[str, dict[str, Any]] = {}  # users.info answers by id
        self.fail: dict[str, str] = {}
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        self.hook_url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/"

    def start(self) -> MockSlack:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()

    def of(self, method: str) -> list[dict[str, Any]]:
        with self._lock:
            return [args for m, args in self.calls if m == method]

    def methods(self) -> list[str]:
        with self._lock:
            return [m for m, _ in self.calls]

    def answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.calls.append((method, args))
            error = self.fail.get(method)
        if error:
            return {"ok": False, "error": error}
        if method == "auth.test":
            return {"ok": True, "url": "https://bluebonnet.slack.com/", "team": "Bluebonnet", "user": "qm",
                    "team_id": TEAM, "user_id": BOT_USER, "bot_id": "BQMBOT", "is_enterprise_install": False}
        if method in ("chat.postMessage", "chat.update"):
            ts = args.get("ts") or f"1700000000.{next(self._ts):06d}"
            args["_ts"] = ts  # recorded: tests click on the card Slack would show
            return {"ok": True, "channel": args.get("channel"), "ts": ts,
                    "message": {"text": args.get("text"), "ts": ts}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}
        if method in ("views.publish", "views.open", "views.update"):
            return {"ok": True, "view": {"id": "V123", **(args.get("view") or {})}}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(args.get("users", "X")).lstrip("U")}}
        if method == "users.info":
            user = self.users.get(str(args.get("user")))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        return {"ok": True}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        mock = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _args(self) -> dict[str, Any]:
                parsed = urlparse(self.path)
                args: dict[str, Any] = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8") if length else ""
                if raw:
                    if "json" in (self.headers.get("Content-Type") or ""):
                        args.update(json.loads(raw))
                    else:
                        args.update({k: v[0] for k, v in parse_qs(raw).items()})
                for key in ("blocks", "view", "attachments"):
                    if isinstance(args.get(key), str):
                        with contextlib.suppress(ValueError):
                            args[key] = json.loads(args[key])
                return args

            def _serve(self) -> None:
                path = urlparse(self.path).path
                args = self._args()
                if path.startswith("/hooks/"):
                    mock.answer("response_url", args)
                    body = b"ok"
                    ctype = "text/plain"
                else:
                    body = json.dumps(mock.answer(path.rsplit("/", 1)[-1], args)).encode()
                    ctype = "application/json"
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = _serve
            do_POST = _serve

        return Handler


# ------------------------------------------------------------------------------------------------
# Signed requests
# ------------------------------------------------------------------------------------------------

def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Slack's v0 signature headers for a raw body."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


_event_ids = itertools.count(1)


def event_body(event: dict[str, Any], event_id: str | None = None) -> str:
    return json.dumps({
        "token": "legacy", "team_id": TEAM, "api_app_id": "AQM", "type": "event_callback",
        "event_id": event_id or f"Ev{next(_event_ids):08d}", "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        "event": event,
    })


def form_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


_triggers = itertools.count(1)


def command_body(user: str, text: str, channel: str = "CBUYERS", response_url: str = "") -> str:
    """A /qm invocation; like Slack's, every one carries a fresh trigger_id (so no two bodies are equal)."""
    return urlencode({"token": "legacy", "team_id": TEAM, "channel_id": channel, "channel_name": "buyers",
                      "user_id": user, "user_name": user.lower(), "command": "/qm", "text": text,
                      "response_url": response_url,
                      "trigger_id": f"13345224609.738474920.{next(_triggers):020d}"})


def block_action(user: str, action_id: str, value: str | None, *, channel: str = APPROVALS_CHANNEL,
                 ts: str = "1700000000.000001", home: bool = False, trigger: bool = True,
                 response_url: str = "") -> dict[str, Any]:
    action: dict[str, Any] = {"action_id": action_id, "block_id": "qm_decide", "type": "button",
                              "action_ts": str(time.time())}
    if value is not None:
        action["value"] = value
    body: dict[str, Any] = {
        "type": "block_actions", "team": {"id": TEAM}, "user": {"id": user}, "api_app_id": "AQM",
        "actions": [action], "response_url": response_url,
    }
    if trigger:
        body["trigger_id"] = "trigger-123"
    if home:
        body["container"] = {"type": "view", "view_id": "V123"}
        body["view"] = {"id": "V123", "type": "home"}
    else:
        body["container"] = {"type": "message", "message_ts": ts, "channel_id": channel}
        body["channel"] = {"id": channel}
        body["message"] = {"ts": ts, "text": "card"}
    return body


def post(client: Any, body: str, *, content_type: str = "application/json", headers: dict[str, str] | None = None,
         signed: bool = True, timestamp: int | None = None) -> Any:
    hdrs = {"Content-Type": content_type, **(sign(body, timestamp) if signed else {}), **(headers or {})}
    return client.post("/slack/events", content=body.encode(), headers=hdrs)


# ------------------------------------------------------------------------------------------------
# A small fake runtime with the interfaces of H3/H6 (used until/unless the real one is wired)
# ------------------------------------------------------------------------------------------------

@dataclass
class FakeProposal:
    id: str
    kind: str
    summary: str
    requester: str
    amount: float
    eligible_approvers: list[str]
    state: str = "pending"
    currency: str = "USD"
    policy_rule: str = "create_rfq > 5,000 USD: approver or manager"
    evidence: dict[str, Any] = field(default_factory=lambda: {"on hand": 12, "reorder point": 40})
    thread_id: str | None = None
    channel: str = "slack"
    odoo_ref: str | None = "purchase.order,42"
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None))
    expires_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=72))
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_comment: str | None = None
    result: dict[str, Any] | None = None
    error: str | None = None


@dataclass
class FakeDecision:
    outcome: str
    message: str
    proposal: FakeProposal | None


class FakeProposals:
    """Compare-and-set decisions with the demo policy's key rule: requester may not self-approve."""

    def __init__(self) -> None:
        self._items: dict[str, FakeProposal] = {}
        self._subs: list[Any] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.decide_calls: list[tuple[str, str, str]] = []

    def subscribe(self, callback: Any) -> None:
        self._subs.append(callback)

    def _emit(self, event: str, p: FakeProposal) -> None:
        for cb in self._subs:
            cb(event, replace(p))

    def create(self, *, requester: str, summary: str, amount: float, eligible: list[str],
               thread_id: str | None = None, kind: str = "create_rfq") -> FakeProposal:
        p = FakeProposal(id=f"P{next(self._ids):04d}", kind=kind, summary=summary, requester=requester,
                         amount=amount, eligible_approvers=eligible, thread_id=thread_id)
        with self._lock:
            self._items[p.id] = p
        self._emit("created", p)
        return replace(p)

    def get(self, pid: str) -> FakeProposal | None:
        with self._lock:
            p = self._items.get(pid)
            return replace(p) if p else None

    def list(self, state: str | None = None, requester: str | None = None, approver: str | None = None
             ) -> list[FakeProposal]:
        with self._lock:
            items = [replace(p) for p in self._items.values()]
        return [p for p in items if (state is None or p.state == state)
                and (requester is None or p.requester == requester)
                and (approver is None or approver in p.eligible_approvers)]

    def expire(self, pid: str) -> None:
        with self._lock:
            self._items[pid].expires_at = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=1)

    def decide(self, pid: str, user: Any, verdict: str, comment: str | None = None) -> FakeDecision:
        self.decide_calls.append((pid, user.username, verdict))
        with self._lock:
            p = self._items.get(pid)
            if p is None:
                return FakeDecision("not_found", f"No proposal {pid}.", None)
            if p.state == "pending" and p.expires_at < datetime.now(UTC).replace(tzinfo=None):
                p.state = "expired"
            if p.state != "pending":
                return FakeDecision("noop" if p.state != "expired" else "expired",
                                    f"{pid} is already {p.state}"
                                    + (f" by {p.decided_by}" if p.decided_by else "") + "; nothing done.", replace(p))
            if user.username not in p.eligible_approvers:
                return FakeDecision("refused", f"Not allowed to approve {pid}: {user.label} may not decide it: the requester cannot "
                                    "approve their own proposal above 5,000 USD.", replace(p))
            p.decided_by, p.decided_at, p.decision_comment = user.username, datetime.now(UTC), comment
            p.state = "approved" if verdict == "approve" else "rejected"
            snapshot = replace(p)
        self._emit("decided", snapshot)
        if verdict == "approve":
            with self._lock:
                p.state, p.result = "executed", {"text": "RFQ P00042 created for Apex Industrial Supply"}
                snapshot = replace(p)
            self._emit("executed", snapshot)
            return FakeDecision("executed", f"Approved and executed {pid}.", snapshot)
        return FakeDecision("rejected", f"Rejected {pid}.", snapshot)


@dataclass
class FakeTurn:
    answer: str
    brain: str = "offline"
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    proposals: list[str] = field(default_factory=list)
    run_id: str = "run0001"
    usage: dict[str, Any] = field(default_factory=dict)


class FakeAssistant:
    """Echoes the question; "propose" in the text creates an RFQ proposal (like the real agent)."""

    def __init__(self, proposals: FakeProposals) -> None:
        self.proposals = proposals
        self.calls: list[dict[str, Any]] = []
        self.delay_s = 0.0

    def ask(self, user: Any, text: str, thread_id: str | None = None, channel: str = "slack") -> FakeTurn:
        self.calls.append({"user": user.username, "text": text, "thread_id": thread_id, "channel": channel})
        if self.delay_s:
            time.sleep(self.delay_s)
        if "boom" in text:
            raise RuntimeError("model endpoint down")
        turn = FakeTurn(answer=f"**Stock** for {user.username}: 12 units of PPE-1042 in [DAL](https://odoo.example/x)",
                        tool_calls=[{"name": "get_stock", "args": {}, "ms": 3.0, "rpc_calls": 1, "ok": True}],
                        citations=[{"id": "sop-1", "title": "Receiving SOP", "section": "4.2"}])
        if "propose" in text:
            p = self.proposals.create(requester=user.username, summary="RFQ: 500 nitrile gloves from Apex",
                                      amount=7_450.0, eligible=["omar.approver", "maria.manager"],
                                      thread_id=thread_id)
            turn.proposals = [p.id]
        return turn


class FakeStore:
    def __init__(self) -> None:
        self.keys: set[str] = set()
        self._lock = threading.Lock()

    def seen_event(self, key: str) -> bool:
        with self._lock:
            if key in self.keys:
                return True
            self.keys.add(key)
            return False


@dataclass
class FakeRuntime:
    settings: Any
    assistant: FakeAssistant
    proposals: FakeProposals
    directory: Any
    store: FakeStore
    odoo: Any = None
    policy: Any = None


def slack_settings(tmp_path: Path, api_url: str, **extra: Any) -> Any:
    from assistant.settings import load_settings

    values = {"QM_DATA_DIR": str(tmp_path / "data"), "SLACK_BOT_TOKEN": "xoxb-test-token",
              "SLACK_SIGNING_SECRET": SIGNING_SECRET, "QM_SLACK_API_URL": api_url,
              "QM_SLACK_APPROVALS_CHANNEL": APPROVALS_CHANNEL, "ODOO_URL": "https://odoo.bluebonnet.example"}
    values.update(extra)
    return load_settings(**values)


@dataclass
class SlackHarness:
    client: Any  # fastapi TestClient
    channel: Any  # SlackChannel
    runtime: Any
    mock: MockSlack
    card_ts: str = ""

    def drain(self) -> None:
        assert self.channel.work.drain(timeout=30), "Slack background work did not finish"
