"""Wire everything once per process: Odoo (or the sandbox), state store, governance, knowledge, brain.

Why one place: channels (CLI, web, API, Slack) and the eval must see the same assistant with the same
policy, audit trail and Odoo login; each of them calls `Runtime.build(settings)` and then only uses
`runtime.assistant.ask/stream` and `runtime.context_for`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from assistant.agent import Assistant
from assistant.memory import ConversationMemory
from assistant.settings import PACKAGE_ROOT, Settings
from tools.base import Identity, Stopwatch, Tool, ToolContext, ToolError, ToolResult
from tools.odoo.checks import require_modules
from tools.odoo.client import OdooClient

log = logging.getLogger(__name__)
PROMPTS = PACKAGE_ROOT / "prompts"


def read_prompt(name: str) -> str:
    return (PROMPTS / name).read_text(encoding="utf-8")


@dataclass
class Runtime:
    settings: Settings
    odoo: OdooClient
    store: Any
    policy: Any
    directory: Any
    audit: Any
    proposals: Any
    knowledge: Any
    brain: BaseChatModel
    brain_name: str
    assistant: Assistant
    sandbox: Any = None
    timings: dict[str, float] = field(default_factory=dict)
    _closed: bool = field(default=False, repr=False)

    @property
    def sandbox_shared(self) -> bool:
        """Connected to a sandbox another process started (e.g. `quartermaster run`); not ours to stop."""
        return self.settings.uses_sandbox and self.sandbox is None

    # -- construction --------------------------------------------------------------------------
    @classmethod
    def build(cls, settings: Settings, *, brain: BaseChatModel | None = None,
              ingest_corpus: bool = True, embedder: Any = None, warm: bool = True) -> Runtime:
        """Start or connect everything. `brain` overrides the configured one (tests, scripted mock);
        `embedder` overrides the configured embedding model (tests use a fast deterministic one).
        `warm=False` (one-shot CLI commands): the knowledge base is opened on first use, not at start,
        and nothing is warmed up beyond what the first question needs."""
        timings: dict[str, float] = {}
        t = time.perf_counter()
        sandbox = None
        url, db = settings.odoo_url, settings.odoo_db
        if settings.uses_sandbox:
            local = _local_sandbox(settings)
            sandbox, url, db = local.running, local.url, local.db
        timings["sandbox_s"] = round(time.perf_counter() - t, 3)
        assert url is not None
        try:
            t = time.perf_counter()
            odoo = OdooClient.connect(url, db, settings.odoo_login, settings.odoo_password,
                                      timeout=settings.odoo_timeout)
            require_modules(odoo)  # a database without Purchase/Inventory: say so now, not on every question
            timings["odoo_login_s"] = round(time.perf_counter() - t, 3)

            from tools.governance.audit import AuditLog
            from tools.governance.identity import Directory
            from tools.governance.policy import Policy
            from tools.governance.store import ConversationStore, StateStore

            store = StateStore.open(settings.state_url)
            policy = Policy.load(settings.resolved_policy_file)
            directory = Directory.load(settings.resolved_users_file)
            audit = AuditLog(store)
            proposals = _proposal_service(store, policy, directory, audit, odoo)

            t = time.perf_counter()
            knowledge = _knowledge(settings, ingest_corpus, embedder) if warm else LazyKnowledge(
                lambda: _knowledge(settings, ingest_corpus, embedder))
            timings["knowledge_s"] = round(time.perf_counter() - t, 3)

            brain_name = "custom" if brain is not None else settings.resolved_brain
            if brain is None:
                brain = _make_brain(settings, odoo)
            runtime_ref: list[Runtime] = []

            def context_for(user: Identity, channel: str = "cli", thread_id: str | None = None) -> ToolContext:
                return runtime_ref[0].context_for(user, channel, thread_id)

            toolset = ToolSet(policy=policy, audit=audit, llm=brain if brain_name == "llm" else None)
            assistant = Assistant(
                brain_name=brain_name, model=brain, backend=toolset, context_for=context_for,
                memory=ConversationMemory(ConversationStore(store)), audit=audit,
                system_prompt=read_prompt("system.md"), tool_budget=settings.turn_tool_budget,
                time_budget_s=settings.turn_time_budget_s, directory=directory, scrubber=_money_scrubber(policy))
            t = time.perf_counter()
            if warm:
                _warm_up(brain_name, odoo, knowledge)
                if settings.warm_intel:
                    _warm_intel(odoo)
            timings["warm_up_s"] = round(time.perf_counter() - t, 3)
            _reconcile_stuck(proposals)
        except BaseException:
            if sandbox is not None:
                _stop_sandbox(sandbox)
            raise
        runtime = cls(settings=settings, odoo=odoo, store=store, policy=policy, directory=directory,
                      audit=audit, proposals=proposals, knowledge=knowledge, brain=brain,
                      brain_name=brain_name, assistant=assistant, sandbox=sandbox, timings=timings)
        runtime_ref.append(runtime)
        return runtime

    def context_for(self, user: Identity, channel: str = "cli", thread_id: str | None = None) -> ToolContext:
        """A fresh ToolContext (new run id) for one turn or one tool call on behalf of `user`."""
        return ToolContext(user=user, odoo=self.odoo, store=self.store, policy=self.policy, audit=self.audit,
                           knowledge=self.knowledge, channel=channel, thread_id=thread_id)

    def user(self, username: str) -> Identity | None:
        return self.directory.get(username)  # type: ignore[no-any-return]

    def close(self, *, keep_sandbox: bool = False) -> None:
        """Idempotent: the web lifespan, `run`'s signal handler and atexit may all call it.
        `keep_sandbox` closes everything but the sandbox (a later close() stops it)."""
        if self._closed:
            if not keep_sandbox and self.sandbox is not None:
                _stop_sandbox(self.sandbox)
                self.sandbox = None
            return
        self._closed = True
        try:
            self.assistant.close()
        except Exception:  # noqa: BLE001 - the sandbox must still be stopped
            log.exception("closing the assistant failed")
        for closer in (getattr(self.store, "close", None),):
            if closer:
                try:
                    closer()
                except Exception:  # noqa: BLE001 - closing is best effort
                    log.exception("closing the state store failed")
        if self.sandbox is not None and not keep_sandbox:
            _stop_sandbox(self.sandbox)
            self.sandbox = None

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ToolSet:
    """The agent's tool backend: the governed registry plus assistant-level tools (summaries).

    Assistant-level tools cannot live in tools/ (they may use the LLM); they read only through
    `run_tool`, so policy, redaction and audit still apply to every byte they see.
    """

    def __init__(self, *, policy: Any, audit: Any, llm: BaseChatModel | None = None) -> None:
        from assistant.summaries import make_summary_tool

        self.policy = policy
        self.audit = audit
        self.extra: dict[str, Tool] = {"summarize_supplier": make_summary_tool(self._run_registry, llm)}
        # an extra tool is offered to a role iff the role may use the tool whose data it reads
        self.extra_needs = {"summarize_supplier": "supplier_communications"}

    def catalogue(self, user: Identity) -> list[Tool]:
        try:
            from tools.registry import catalogue
        except ImportError:
            log.warning("tools.registry is not available yet: no tools")
            return []
        tools = list(catalogue(user.role, self.policy))
        names = {t.name for t in tools}
        for name, t in self.extra.items():
            if name not in names and self._may_use(user.role, name):
                tools.append(t)
        return tools

    def _may_use(self, role: str, name: str) -> bool:
        """The policy names the tool (e.g. summarize_supplier under supplier_reads), or its data source."""
        if self.policy is None:
            return True
        try:
            return bool(self.policy.can_use(role, name))
        except Exception:  # noqa: BLE001 - an older policy without this tool: fall back to the source
            return bool(self.policy.can_use(role, self.extra_needs[name]))

    def run(self, ctx: ToolContext, name: str, args: dict[str, Any]) -> ToolResult:
        if name in self.extra:
            return self._run_extra(ctx, self.extra[name], args)
        return self._run_registry(ctx, name, args)

    @staticmethod
    def _run_registry(ctx: ToolContext, name: str, args: dict[str, Any]) -> ToolResult:
        from tools.registry import run_tool

        return run_tool(ctx, name, args)  # type: ignore[no-any-return]

    def _run_extra(self, ctx: ToolContext, t: Tool, args: dict[str, Any]) -> ToolResult:
        watch = Stopwatch()
        needs = self.extra_needs[t.name]
        with ctx.odoo.measure() as stats:
            try:
                if not self._may_use(ctx.user.role, t.name) or (
                        self.policy is not None and not self.policy.can_use(ctx.user.role, needs)):
                    raise ToolError(f"Your role ({ctx.user.role}) may not use {t.name}.", code="forbidden")
                try:
                    parsed = t.args_model.model_validate(args)
                except ValueError as exc:
                    raise ToolError(f"Invalid arguments for {t.name}: {exc}", code="invalid") from exc
                result = t.func(ctx, parsed)
            except ToolError as exc:
                result = ToolResult(tool=t.name, ok=False, error=exc.message,
                                    data={"candidates": exc.candidates} if exc.candidates else {})
            except Exception as exc:  # noqa: BLE001 - a tool bug becomes a clear message, not a crash
                log.exception("tool %s failed", t.name)
                result = ToolResult(tool=t.name, ok=False, error=f"{t.name} failed ({type(exc).__name__}).")
        result.ms, result.rpc_calls = watch.ms, stats.calls
        if self.audit is not None:
            digest = hashlib.sha256(json.dumps(args, sort_keys=True, default=str).encode()).hexdigest()
            try:
                self.audit.record("tool_call", ctx.user.username, ctx.run_id,
                                  {"tool": t.name, "args_sha256": digest, "ok": result.ok, "ms": result.ms,
                                   "rpc_calls": result.rpc_calls, "error": result.error})
            except Exception:  # noqa: BLE001 - the answer still goes out
                log.exception("could not audit tool call %s", t.name)
        return result


class LazyKnowledge:
    """The document retriever, opened on first use (chromadb and the corpus check cost seconds; most
    one-shot questions never search documents). Attribute access opens it; `resolve()` returns the
    retriever or None when no knowledge base is available."""

    def __init__(self, build: Any) -> None:
        self._build = build
        self._value: Any = None
        self._built = False

    def resolve(self) -> Any:
        if not self._built:
            self._value, self._built = self._build(), True
        return self._value

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        value = self.resolve()
        if value is None:
            raise AttributeError(f"no knowledge base ({name})")
        return getattr(value, name)


# -- pieces ------------------------------------------------------------------------------------
def _local_sandbox(settings: Settings) -> Any:
    """The sandbox of this data dir already answering on QM_SANDBOX_PORT, else a new one (owned by us)."""
    from assistant.local_sandbox import attach_or_start
    from sandbox.rpc import DB_NAME

    return attach_or_start(settings.data_dir / "sandbox", settings.sandbox_port, db=DB_NAME,
                           start=lambda: _start_sandbox(settings), business=settings.sandbox_business)


def _stop_sandbox(sandbox: Any) -> None:
    from assistant.local_sandbox import clear_owner

    sandbox.stop()
    clear_owner(Path(sandbox.data_dir), sandbox.process.pid)


def _reconcile_stuck(proposals: Any) -> None:
    """Finish proposals a crash left approved/executing (the service finds Odoo's marker; never repeats)."""
    reconcile = getattr(proposals, "reconcile_stuck", None)
    if reconcile is None:
        return
    try:
        for decision in reconcile("runtime"):
            log.log(logging.INFO if decision.outcome == "noop" else logging.WARNING,
                    "stuck proposal at start: %s: %s", decision.outcome, decision.message)
    except Exception:  # noqa: BLE001 - a failed reconcile must not stop the assistant; the CLI can retry
        log.exception("reconciling stuck proposals at start failed")


def _start_sandbox(settings: Settings) -> Any:
    import inspect

    from sandbox.launch import start_sandbox

    kwargs: dict[str, Any] = {"port": settings.sandbox_port, "scale": settings.sandbox_scale,
                              "cache_dir": settings.data_dir / "cache"}
    if "seed" in inspect.signature(start_sandbox).parameters:
        kwargs["seed"] = settings.sandbox_seed
    if settings.sandbox_business != "bluebonnet":
        kwargs["business"] = settings.sandbox_business
    return start_sandbox(settings.data_dir / "sandbox", **kwargs)


def _proposal_service(store: Any, policy: Any, directory: Any, audit: Any, odoo: OdooClient) -> Any:
    """The ProposalService attaches itself to the store (proposal tools find it there)."""
    try:
        from tools.governance.proposals import ProposalService
    except ImportError:
        log.warning("tools.governance.proposals is not available: proposal tools will refuse")
        return None
    import inspect

    params = inspect.signature(ProposalService).parameters
    offered = {"store": store, "policy": policy, "directory": directory, "audit": audit, "odoo": odoo}
    service = ProposalService(**{k: v for k, v in offered.items() if k in params})
    if getattr(store, "proposals", None) is None:
        store.proposals = service
    return service


def _knowledge(settings: Settings, ingest: bool, embedder: Any = None) -> Any:
    """The document retriever; the demo corpus is ingested (idempotently) on start."""
    try:
        from knowledge.embeddings import make_embedder
        from knowledge.retriever import Retriever, ingest_default_corpus
        from knowledge.store import DocumentStore
    except ImportError as exc:
        log.warning("knowledge is not available (%s): search_documents will refuse", exc)
        return None
    if embedder is None:
        embedder = make_embedder(settings.embeddings, model=settings.embeddings_model,
                                 base_url=settings.openai_base_url, api_key=settings.openai_api_key)
    if settings.chroma_host:
        try:
            doc_store = DocumentStore(embedder, host=settings.chroma_host, port=settings.chroma_port)
        except Exception as exc:  # noqa: BLE001 - chromadb raises several kinds; all mean "not there"
            from assistant.problems import StartupProblem

            raise StartupProblem("vector_store", f"The Chroma server at {settings.chroma_host}:"
                                 f"{settings.chroma_port} does not answer ({type(exc).__name__}). Check "
                                 "CHROMA_HOST and CHROMA_PORT, or unset CHROMA_HOST to use the embedded "
                                 "store.") from exc
    else:
        doc_store = DocumentStore.in_data_dir(embedder, settings.data_dir)
    retriever = Retriever(doc_store)
    corpus: Path = settings.resolved_corpus_dir
    if ingest and corpus.exists():
        try:
            ingest_default_corpus(retriever, corpus)
        except Exception:  # noqa: BLE001 - a bad corpus must not stop the assistant
            log.exception("ingesting the corpus at %s failed", corpus)
    return retriever


def _money_scrubber(policy: Any) -> Any:
    """Answers for roles whose policy hides prices lose any money figure, wherever it came from
    (the same patterns run_tool uses: tools.governance.policy.scrub_money)."""
    from tools.governance.policy import scrub_money

    def scrubber(user: Identity) -> Any:
        if policy is None:
            return None
        scrubs = getattr(policy, "scrubs_money", None)
        hides = scrubs(user.role) if scrubs else policy.is_redacted(user.role, "price_unit")
        return scrub_money if hides else None

    return scrubber


def _warm_up(brain_name: str, odoo: OdooClient, knowledge: Any) -> None:
    """Pay the one-off costs (planner lexicon, embedding model, keyword index) before the first user."""
    if brain_name == "offline":
        from assistant.planner.lexicon import load_lexicon

        try:
            load_lexicon(odoo)
        except Exception:  # noqa: BLE001 - the first turn will retry and report
            log.exception("loading the planner's lexicon failed")
        try:
            from assistant.planner.router import get_router

            get_router()  # MiniLM + the example embeddings (cached on disk by content hash)
        except Exception:  # noqa: BLE001 - the first turn will retry and report
            log.exception("loading the planner's router failed")
    if knowledge is not None:
        try:
            knowledge.search("receiving damaged pallets", k=1)
        except Exception:  # noqa: BLE001 - search_documents reports its own errors
            log.exception("warming up the retriever failed")


def _warm_intel(odoo: OdooClient) -> None:
    """In a background thread: the day's lead-time model, anomaly flags and supplier risk ranking (each cached
    per company day by its tool), so the first question of the day does not pay their fits and reads."""
    import threading

    def run() -> None:
        from tools.base import Identity, ToolContext
        from tools.reads.anomalies import cached_anomalies
        from tools.reads.common import today
        from tools.reads.leadtime import history_and_model
        from tools.reads.risk import load_weights, rank_vendors

        ctx = ToolContext(user=Identity(username="warm-up", role="admin"), odoo=odoo)
        minutes = float(load_weights().get("cache_minutes", 15))
        for name, step in (("lead-time model", lambda: history_and_model(ctx)),
                           ("purchase anomalies", lambda: cached_anomalies(ctx)),
                           ("supplier risk", lambda: odoo.cached(f"supplier_risk:::{today(ctx)}",
                                                                 lambda: rank_vendors(ctx), ttl=minutes * 60))):
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - the first question computes it instead
                log.info("warming up the %s failed: %s", name, exc)

    threading.Thread(target=run, name="warm-intel", daemon=True).start()


def _make_brain(settings: Settings, odoo: OdooClient) -> BaseChatModel:
    if settings.resolved_brain == "llm":
        from assistant.llm import build_llm

        return build_llm(model=settings.model, base_url=settings.openai_base_url,
                         api_key=settings.openai_api_key, timeout_s=max(1.0, settings.turn_time_budget_s * 0.8))
    from assistant.planner import OfflinePlanner
    from assistant.planner.lexicon import load_lexicon

    return OfflinePlanner(lexicon_loader=lambda: load_lexicon(odoo))




# -- one runtime per process ---------------------------------------------------------------------
_current: Runtime | None = None


def set_runtime(runtime: Runtime | None) -> None:
    """Install the process's runtime (the `run` command does this before starting the web server)."""
    global _current
    _current = runtime


def get_runtime(settings: Settings | None = None) -> Runtime:
    """The process's runtime, built on first use from `settings` (or the environment)."""
    global _current
    if _current is None:
        from assistant.settings import load_settings

        _current = Runtime.build(settings or load_settings())
    return _current
