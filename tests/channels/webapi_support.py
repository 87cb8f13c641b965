"""Helpers for the web/API tests: log in through the real form, and a governed runtime with a scripted brain.

`governed_runtime` uses the real governance (users file, policy, state store, audit chain, proposal
service) with a scripted assistant and a small in-memory Odoo stand-in, so adapter rules (401/403/409,
CSRF, redaction, inbox) can be tested fast. The end-to-end tests use the real Runtime on the sandbox.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.agent import TurnResult
from tools.base import Identity, ToolContext
from tools.odoo.client import RpcStats

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def demo_token(username: str) -> str:
    """The demo users file stores sha256('qm-demo-<username>') as each user's API token."""
    return f"qm-demo-{username}"


def bearer(username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {demo_token(username)}"}


def page_csrf(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no csrf_token field on the page"
    return m.group(1)


def web_login(client: Any, username: str, password: str | None = None) -> str:
    """Log in through the real form; returns the session's CSRF token (for fetch-style POSTs)."""
    client.cookies.clear()
    form = client.get("/login")
    token = page_csrf(form.text)
    resp = client.post("/login", data={"username": username, "password": password or username,
                                       "csrf_token": token, "next": "/chat"}, follow_redirects=False)
    assert resp.status_code == 303, resp.text[:500]
    chat = client.get("/chat")
    assert chat.status_code == 200
    m = re.search(r'<meta name="csrf-token" content="([^"]+)"', chat.text)
    assert m
    return m.group(1)


# -- a governed runtime with a scripted brain --------------------------------------------------------
class FakeOdoo:
    url = "http://odoo.invalid"
    uid = 2

    def __init__(self) -> None:
        self.total = RpcStats()
        self.up = True

    def _rpc(self) -> None:
        if not self.up:
            from tools.odoo.errors import OdooUnavailable

            raise OdooUnavailable("Odoo at http://odoo.invalid is not reachable: connection refused")
        self.total.calls += 1
        self.total.ms += 1.0

    def search_count(self, model: str, domain: list[Any], context: Any = None) -> int:
        self._rpc()
        return 1

    def search_read(self, model: str, domain: list[Any], fields: list[str], **kw: Any) -> list[dict[str, Any]]:
        self._rpc()
        if model == "stock.warehouse":
            return [{"code": "DAL", "name": "Dallas Central DC"}, {"code": "HOU", "name": "Houston Gulf DC"}]
        if model == "res.partner":
            return [{"name": "Apex Industrial Supply"}, {"name": "Gemini Furniture"}]
        return []

    def cached(self, key: str, loader: Any, ttl: float = 300.0) -> Any:
        return loader()


class RecordingExecutor:
    """Stands in for the Odoo writer; records what it was asked to execute."""

    def __init__(self) -> None:
        self.executed: list[str] = []
        self.stale_reason: str | None = None

    def reconcile(self, odoo: Any, proposal: Any) -> dict[str, Any] | None:
        return None

    def revalidate(self, odoo: Any, proposal: Any) -> str | None:
        return self.stale_reason

    def execute(self, odoo: Any, proposal: Any) -> dict[str, Any]:
        self.executed.append(proposal.id)
        return {"message": f"RFQ created for {proposal.id}"}


class ScriptedAssistant:
    """Answers with a Markdown table; 'propose rfq <amount>' creates a create_rfq proposal."""

    def __init__(self, runtime: GovernedRuntime) -> None:
        self.runtime = runtime
        self.memory = None

    def stream(self, user: Identity, text: str, thread_id: str | None = None, channel: str = "cli"
               ) -> Iterator[dict[str, Any]]:
        yield {"type": "status", "text": "thinking…"}
        proposals = []
        m = re.search(r"propose rfq (\d+)", text)
        if m:
            ctx = self.runtime.context_for(user, channel, thread_id)
            # the quantity follows the amount: the service treats identical pending requests as one
            qty = max(1, int(m.group(1)) // 10)
            p = self.runtime.proposals.create(ctx, "create_rfq", {"vendor": "Apex Industrial Supply",
                                                                   "lines": [{"product": "PPE-1042", "qty": qty}]},
                                              f"RFQ to Apex for {m.group(1)} USD", evidence={"reason": "low stock"},
                                              amount=float(m.group(1)))
            proposals.append({"id": p.id, "summary": p.summary, "state": p.state})
        answer = "| item | qty |\n|---|---|\n| PPE-1042 | 10 |\n\n<script>alert(1)</script>"
        for word in answer.split(" "):
            yield {"type": "token", "text": word + " "}
        yield {"type": "final", "result": TurnResult(
            answer=answer, brain="scripted", run_id=uuid.uuid4().hex[:16], thread_id=thread_id or "",
            tool_calls=[{"name": "stock_levels", "args": {}, "ms": 3.0, "rpc_calls": 1, "ok": True}],
            citations=[{"id": "c1", "title": "Receiving SOP", "section": "Put-away",
                        "source": "https://example.invalid/sop"}],
            proposals=proposals)}

    def ask(self, user: Identity, text: str, thread_id: str | None = None, channel: str = "cli") -> TurnResult:
        final = None
        for ev in self.stream(user, text, thread_id, channel):
            if ev["type"] == "final":
                final = ev["result"]
        assert final is not None
        return final


@dataclass
class GovernedRuntime:
    settings: Any
    odoo: FakeOdoo
    store: Any
    policy: Any
    directory: Any
    audit: Any
    proposals: Any
    executor: RecordingExecutor
    knowledge: Any = None
    assistant: Any = None
    timings: dict[str, float] = field(default_factory=dict)

    def context_for(self, user: Identity, channel: str = "cli", thread_id: str | None = None) -> ToolContext:
        return ToolContext(user=user, odoo=self.odoo, store=self.store, policy=self.policy,  # type: ignore[arg-type]
                           audit=self.audit, knowledge=self.knowledge, channel=channel, thread_id=thread_id)

    def close(self) -> None:
        self.store.close()


class _Knowledge:
    def count(self) -> int:
        return 42


def governed_runtime(data_dir: Path, **settings_overrides: Any) -> GovernedRuntime:
    from assistant.settings import load_settings
    from tools.governance.audit import AuditLog
    from tools.governance.identity import Directory
    from tools.governance.policy import Policy
    from tools.governance.proposals import ProposalService
    from tools.governance.store import StateStore

    settings = load_settings(QM_DATA_DIR=str(data_dir), QM_BRAIN="offline", **settings_overrides)
    store = StateStore.open(settings.state_url)
    policy = Policy.load(settings.resolved_policy_file)
    directory = Directory.load(settings.resolved_users_file)
    audit = AuditLog(store)
    executor = RecordingExecutor()
    odoo = FakeOdoo()
    proposals = ProposalService(store, policy, directory, audit, odoo=odoo,  # type: ignore[arg-type]
                                executors={k: executor for k in ("create_rfq", "confirm_purchase_order",
                                                                  "cancel_purchase_order", "remind_supplier",
                                                                  "reschedule_receipt")})
    rt = GovernedRuntime(settings, odoo, store, policy, directory, audit, proposals, executor, _Knowledge())
    rt.assistant = ScriptedAssistant(rt)
    return rt


def wait_until(pred: Any, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


# -- a real server on 127.0.0.1 --------------------------------------------------------------------
class LiveServer:
    """uvicorn serving an app in a background thread on a free 127.0.0.1 port."""

    def __init__(self, app: Any) -> None:
        import socket
        import threading

        import uvicorn

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="on", access_log=False))
        self.thread = threading.Thread(target=self.server.run, name="qm-live-server", daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        assert wait_until(lambda: self.server.started, 60), "uvicorn did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


# -- the real runtime on a private sandbox -----------------------------------------------------------
ROOT = Path(__file__).resolve().parents[2]
SANDBOX_CACHE = Path(__import__("os").environ.get("QM_SANDBOX_CACHE", ROOT / "var" / "cache" / "sandbox"))


class RealRuntime:
    """Context manager: a private sandbox (from the cached seed) plus Runtime.build on it (offline planner)."""

    def __init__(self, tmp: Path, *, ingest_corpus: bool = True, corpus: tuple[str, ...] | None = None,
                 business: str = "bluebonnet", **overrides: Any) -> None:
        self.tmp, self.ingest, self.overrides, self.business = tmp, ingest_corpus, overrides, business
        if corpus is not None:  # a few documents of the demo corpus (embedding all of it takes a minute)
            import shutil

            src = ROOT / "knowledge" / "corpus"
            for rel in corpus:
                for path in [src / rel, src / (rel + ".meta.yaml")]:
                    if path.exists():
                        (tmp / "corpus" / rel).parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy(path, tmp / "corpus" / path.relative_to(src))
            self.overrides["QM_CORPUS_DIR"] = str(tmp / "corpus")
        self.sandbox: Any = None
        self.runtime: Any = None

    def __enter__(self) -> Any:
        from assistant.runtime import Runtime
        from assistant.settings import load_settings
        from sandbox.launch import start_sandbox

        self.sandbox = start_sandbox(self.tmp / "sandbox", port=0, scale=1, cache_dir=SANDBOX_CACHE,
                                     business=self.business)
        try:
            settings = load_settings(QM_DATA_DIR=str(self.tmp / "data"), ODOO_URL=self.sandbox.url,
                                     ODOO_DB=self.sandbox.db, QM_BRAIN="offline", **self.overrides)
            self.runtime = Runtime.build(settings, ingest_corpus=self.ingest)
        except BaseException:
            self.sandbox.stop()
            raise
        return self.runtime

    def __exit__(self, *exc: object) -> None:
        try:
            if self.runtime is not None:
                self.runtime.close()
        finally:
            self.sandbox.stop()


_SHARED: dict[str, Any] = {}
E2E_CORPUS = ("sops/sop-receiving-and-putaway.md", "sops/sop-damaged-short-delivery.md",
              "policies/policy-approval-matrix.md", "contracts/contract-apex-industrial-supply.md",
              "contracts/contract-gemini-furniture.pdf")


def shared_real_runtime() -> Any:
    """One real runtime (private sandbox, a few corpus documents ingested) per test process, closed at exit.

    The e2e, fuzz and browser tests share it; each test works on proposals it created itself."""
    if "rt" not in _SHARED:
        import atexit
        import shutil
        import tempfile

        tmp = Path(tempfile.mkdtemp(prefix="qm-web-e2e-"))
        cm = RealRuntime(tmp, corpus=E2E_CORPUS)
        _SHARED["rt"] = cm.__enter__()
        atexit.register(shutil.rmtree, tmp, True)
        atexit.register(cm.__exit__, None, None, None)
    return _SHARED["rt"]


def web_pages(app: Any) -> list[str]:
    """The GET addresses of the web pages (the routes outside the OpenAPI schema), walking included routers."""
    from fastapi.routing import APIRoute

    def routes(items: list[Any], prefix: str = "", in_schema: bool = True) -> Iterator[tuple[str, Any, bool]]:
        for route in items:
            inner = getattr(route, "original_router", None)  # FastAPI >= 0.16x keeps included routers whole
            if inner is not None:
                inc = route.include_context
                yield from routes(inner.routes, prefix + inc.prefix, in_schema and inc.include_in_schema
                                  and inner.include_in_schema)
            elif isinstance(route, APIRoute):
                yield prefix + route.path, route, in_schema and route.include_in_schema

    return list(dict.fromkeys(path for path, route, in_schema in routes(app.routes)
                              if "GET" in route.methods and not in_schema))
