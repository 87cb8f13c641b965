"""The REST API: chat (plain and streamed), proposals and decisions, the audit trail, probes, metrics.

A thin adapter: every rule (who may approve what, compare-and-set, redaction) lives in the core;
this module authenticates the caller, validates input, maps outcomes to HTTP statuses and counts.
Handlers are plain `def` so FastAPI runs the (synchronous) core in its thread pool.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from pydantic import BaseModel, Field, field_validator

from assistant.channels.auth import Principal, api_principal, api_principal_csrf, require_role
from assistant.channels.corpus import citation_href
from assistant.channels.health import readiness
from assistant.channels.serialize import markdown_html, redact_for, to_jsonable

log = logging.getLogger(__name__)

router = APIRouter()

THREAD_ID_RE = r"^[A-Za-z0-9_.:-]{1,64}$"
PROPOSAL_ID_RE = r"^[A-Za-z0-9_.:-]{1,64}$"
AUDIT_ROLES = ("admin", "manager")
SEES_ALL_PROPOSALS = ("admin", "manager", "approver", "finance")
LIST_LIMIT = 1000


# -- models ---------------------------------------------------------------------------------------
class ChatRequest(BaseModel):
    message: str = Field(..., min_length=1, max_length=8000, description="What you ask the assistant.")
    thread_id: str | None = Field(None, pattern=THREAD_ID_RE,
                                  description="Continue this conversation; omit to start a new one.")

    @field_validator("message")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("message must not be blank")
        return value


class ChatResponse(BaseModel):
    answer: str
    brain: str
    thread_id: str
    run_id: str
    tool_calls: list[dict[str, Any]] = Field(default_factory=list)
    citations: list[dict[str, Any]] = Field(default_factory=list)
    proposals: list[Any] = Field(default_factory=list)
    usage: dict[str, Any] = Field(default_factory=dict)
    ok: bool = True
    error: str | None = Field(None, description="Short code when the turn failed: input, timeout, model, ...")
    tables: list[dict[str, Any]] = Field(default_factory=list, description="Rows behind the answer")


class DecideRequest(BaseModel):
    comment: str = Field("", max_length=2000, description="Why; shown to the requester and kept in the audit.")


class BatchDecideRequest(BaseModel):
    ids: list[str] = Field(..., min_length=1, max_length=50, description="Proposal ids, each decided on its own.")
    decision: Literal["approve", "reject"]
    comment: str = Field("", max_length=2000, description="Why; kept with each decision.")


class DecisionResponse(BaseModel):
    outcome: str
    message: str
    proposal: dict[str, Any] | None = None


class ErrorResponse(BaseModel):
    error: str
    message: str
    id: str | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Not authenticated"},
    403: {"model": ErrorResponse, "description": "Not allowed"},
    422: {"model": ErrorResponse, "description": "Bad input"},
}


# -- helpers --------------------------------------------------------------------------------------
def runtime_of(request: Request) -> Any:
    runtime = request.app.state.runtime
    if runtime is None:
        raise HTTPException(status_code=503, detail="Quartermaster is still starting; try again shortly.")
    return runtime


def internal_thread(username: str, thread_id: str) -> str:
    """Threads are private to their user: the same id from two users never shares memory."""
    return f"u:{username}:{thread_id}"


def relative_source(source: Any, corpus_dir: FsPath) -> Any:
    """A corpus file as its path inside the corpus (never the server's absolute path); else as given."""
    text = str(source or "")
    if not text or text.startswith(("https://", "http://")) or not FsPath(text).is_absolute():
        return source
    try:
        return FsPath(text).resolve().relative_to(corpus_dir.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):
        return FsPath(text).name


def chat_response(result: Any, thread_id: str, corpus_dir: FsPath | None = None, *, policy: Any = None,
                  role: str | None = None) -> dict[str, Any]:
    """The turn as JSON for people: the answer in their words (no tool names, no model framing) and
    citations linking to our document pages with paths relative to the corpus."""
    from assistant.people_text import for_people, heading

    data = to_jsonable(result)
    if not isinstance(data, dict):
        data = {"answer": str(data)}
    citations = [dict(c) for c in data.get("citations") or [] if isinstance(c, dict)]
    if corpus_dir is not None:
        for c in citations:
            c["href"] = citation_href(c, corpus_dir)
            if "source" in c:
                c["source"] = relative_source(c["source"], corpus_dir)
    return {
        "answer": for_people(str(data.get("answer") or ""), policy, role),
        "brain": str(data.get("brain") or ""),
        "thread_id": thread_id,
        "run_id": str(data.get("run_id") or ""),
        "tool_calls": [c for c in data.get("tool_calls") or [] if isinstance(c, dict)],
        "citations": citations,
        "proposals": list(data.get("proposals") or []),
        "usage": data.get("usage") if isinstance(data.get("usage"), dict) else {},
        "ok": bool(data.get("ok", True)),
        "error": data.get("error"),
        "tables": [{**t, "title": heading(str(t.get("title") or ""))} for t in data.get("tables") or []
                   if isinstance(t, dict)],
    }


def proposal_json(runtime: Any, user: Any, proposal: Any) -> dict[str, Any]:
    if proposal is None:
        return {}
    data = to_jsonable(proposal.to_dict() if hasattr(proposal, "to_dict") else proposal)
    data = data if isinstance(data, dict) else {"value": data}
    redacted = redact_for(runtime, user.role, data)
    return redacted if isinstance(redacted, dict) else data


def _attr(obj: Any, name: str, default: Any = None) -> Any:
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


def can_see_proposal(runtime: Any, user: Any, proposal: Any) -> bool:
    """Requesters see their own, approvers the ones they may decide, leads and admins all."""
    if user.role in SEES_ALL_PROPOSALS:
        return True
    if _attr(proposal, "requester") == user.username:
        return True
    eligible_names = _attr(proposal, "eligible_approvers")
    if isinstance(eligible_names, list | tuple):
        return user.username in eligible_names
    try:
        eligible = runtime.proposals.list(approver=user.username)
    except Exception:  # noqa: BLE001 - when the service cannot tell, hide
        return False
    pid = _attr(proposal, "id")
    return any(_attr(p, "id") == pid for p in eligible)


def visible_proposals(runtime: Any, user: Any, state: str | None, scope: str) -> list[Any]:
    svc = runtime.proposals
    if scope == "mine":
        items = svc.list(state=state, requester=user.username, limit=LIST_LIMIT)
    elif scope == "to_approve":
        items = svc.list(state=state, approver=user.username, limit=LIST_LIMIT)
    elif user.role in SEES_ALL_PROPOSALS:
        items = svc.list(state=state, limit=LIST_LIMIT)
    else:
        seen: dict[Any, Any] = {}
        for p in [*svc.list(state=state, requester=user.username, limit=LIST_LIMIT),
                  *svc.list(state=state, approver=user.username, limit=LIST_LIMIT)]:
            seen[_attr(p, "id")] = p
        items = list(seen.values())
    return sorted(items, key=lambda p: str(_attr(p, "created_at", "")), reverse=True)


# ProposalService.decide outcomes -> HTTP status (executed/rejected are 200)
_STATUS_BY_OUTCOME = {
    "refused": 403,  # the policy forbids this person (wrong role, self-approval above the threshold)
    "not_found": 404,
    "noop": 409,  # already decided
    "stale": 409,  # Odoo changed since the proposal was made
    "expired": 409,
    "invalid": 422,
    "unknown": 202,  # sent to Odoo, result not confirmed yet; reconciled later
    "deferred": 202,  # approved, Odoo unreachable: the background reconciler runs it when Odoo is back
    "failed": 502,  # approved, but Odoo refused the write; the message says why
}


ACTED = ("executed", "rejected", "failed", "unknown")


def decision_status(outcome: str) -> int:
    return _STATUS_BY_OUTCOME.get(outcome, 200)


def decide(runtime: Any, user: Any, proposal_id: str, verdict: Literal["approve", "reject"],
           comment: str, metrics: Any = None) -> tuple[int, dict[str, Any]]:
    """Decide through the ProposalService and map its outcome to (HTTP status, JSON body)."""
    proposal = runtime.proposals.get(proposal_id)
    if proposal is None:
        return 404, {"error": "not_found", "message": f"No proposal {proposal_id}."}
    visible = can_see_proposal(runtime, user, proposal)
    decision = runtime.proposals.decide(proposal_id, user, verdict, comment)
    outcome = str(_attr(decision, "outcome", "") or "")
    if metrics is not None:
        metrics.decisions.labels(verdict, outcome or "none").inc()
    if not visible and outcome not in ACTED:  # refused (and audited) by the service; say no more
        return 403, {"outcome": "refused", "message": f"You may not {verdict} proposal {proposal_id}.",
                     "proposal": None}
    body = {
        "outcome": outcome,
        "message": str(_attr(decision, "message", "") or ""),
        "proposal": proposal_json(runtime, user, _attr(decision, "proposal") or runtime.proposals.get(proposal_id)),
    }
    return decision_status(outcome), body


def confirm(runtime: Any, user: Any, proposal_id: str) -> tuple[int, dict[str, Any]]:
    """The requester confirms a proposal the assistant suggested after reading untrusted content (the web and
    Slack button, like `proposals confirm`): only then does it reach the approvers. Never an approval."""
    proposal = runtime.proposals.get(proposal_id)
    if proposal is None or not can_see_proposal(runtime, user, proposal):
        return 404, {"error": "not_found", "message": f"No proposal {proposal_id} that you can see."}
    decision = runtime.proposals.confirm(proposal_id, user)
    outcome = str(_attr(decision, "outcome", "") or "")
    message = str(_attr(decision, "message", "") or "")
    status = 200 if "confirmed" in message and outcome == "noop" else decision_status(outcome)
    return status, {"outcome": "confirmed" if status == 200 else outcome, "message": message,
                    "proposal": proposal_json(runtime, user, _attr(decision, "proposal") or proposal)}


def decide_many(runtime: Any, user: Any, ids: list[str], verdict: Literal["approve", "reject"], comment: str,
                metrics: Any = None) -> list[dict[str, Any]]:
    """A batch decision: each proposal still its own compare-and-set decision (re-authorised, audited, executed
    alone); one result per id, in order. A refusal or failure of one never stops the others."""
    out: list[dict[str, Any]] = []
    for pid in dict.fromkeys(ids):  # each id once
        status, body = decide(runtime, user, pid, verdict, comment, metrics)
        out.append({"id": pid, "status": status, "outcome": body.get("outcome") or body.get("error"),
                    "message": body.get("message")})
    return out


def audit_page(runtime: Any, limit: int, offset: int, event_type: str | None,
               actor: str | None) -> tuple[int, list[dict[str, Any]]]:
    """(total, events newest first) from the hash-chained audit table, filtered and paginated in SQL."""
    import sqlalchemy as sa

    from tools.governance.audit import _event
    from tools.governance.store import AuditEventRow

    audit = runtime.audit
    conds = []
    if event_type:
        conds.append(AuditEventRow.type == event_type)
    if actor:
        conds.append(sa.or_(AuditEventRow.actor == actor, AuditEventRow.on_behalf_of == actor))
    with audit.store.read() as s:
        total = int(s.scalar(sa.select(sa.func.count()).select_from(AuditEventRow).where(*conds)) or 0)
        rows = s.scalars(sa.select(AuditEventRow).where(*conds).order_by(AuditEventRow.seq.desc())
                         .offset(offset).limit(limit)).all()
        return total, [_event(r).to_json() for r in rows]


# -- chat -----------------------------------------------------------------------------------------
def channel_of(principal: Principal) -> str:
    return "api" if principal.via == "token" else "web"


@router.post("/api/chat", response_model=ChatResponse, tags=["chat"], responses=ERRORS,
             summary="Ask the assistant; the whole answer at once")
def chat(body: ChatRequest, request: Request,
         principal: Annotated[Principal, Depends(api_principal_csrf)]) -> dict[str, Any]:
    runtime = runtime_of(request)
    thread_id = body.thread_id or uuid.uuid4().hex[:16]
    channel = channel_of(principal)
    t0 = time.perf_counter()
    try:
        result = runtime.assistant.ask(principal.user, body.message,
                                       thread_id=internal_thread(principal.user.username, thread_id),
                                       channel=channel)
    except Exception:
        request.app.state.metrics.observe_turn(None, channel, time.perf_counter() - t0, "error")
        raise
    request.app.state.metrics.observe_turn(result, channel, time.perf_counter() - t0)
    return chat_response(result, thread_id, request.app.state.settings.resolved_corpus_dir,
                         policy=getattr(runtime, "policy", None), role=principal.user.role)


def _sse(event: dict[str, Any]) -> str:
    return f"data: {json.dumps(event, ensure_ascii=False, default=str)}\n\n"


def stream_events(request: Request, principal: Principal, message: str, thread_id: str) -> Iterator[str]:
    """SSE frames: status/token events as the runtime yields them, then one final (or error) event."""
    runtime = request.app.state.runtime
    metrics = request.app.state.metrics
    channel = channel_of(principal)
    t0 = time.perf_counter()
    yield _sse({"type": "thread", "thread_id": thread_id})
    try:
        for event in runtime.assistant.stream(principal.user, message,
                                              thread_id=internal_thread(principal.user.username, thread_id),
                                              channel=channel):
            kind = _attr(event, "type")
            if kind == "final":
                result = _attr(event, "result") or _attr(event, "turn") or event
                body = chat_response(result, thread_id, request.app.state.settings.resolved_corpus_dir,
                                     policy=getattr(runtime, "policy", None), role=principal.user.role)
                metrics.observe_turn(result if not isinstance(result, dict) else _Obj(result), channel,
                                     time.perf_counter() - t0)
                yield _sse({"type": "final", "result": body, "html": markdown_html(body["answer"])})
            else:
                yield _sse(to_jsonable(event) if isinstance(event, dict) else {"type": str(kind)})
    except Exception as exc:  # noqa: BLE001 - the HTTP status is already sent; report in-band
        ref = uuid.uuid4().hex[:12]
        log.exception("stream failed (error id %s)", ref)
        metrics.observe_turn(None, channel, time.perf_counter() - t0, "error")
        yield _sse({"type": "error", "id": ref, "message": f"The turn failed ({type(exc).__name__}); "
                    f"error id {ref}."})


async def coalesced(frames: Iterator[str]) -> AsyncIterator[str]:
    """Run a blocking frame iterator in ONE worker thread and pass frames to the event loop.

    Starlette would hop threads once per frame for a sync iterator; a turn yields dozens of token
    events, so that costs more than the turn under load. Frames already waiting are sent together.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def produce() -> None:
        try:
            for frame in frames:
                loop.call_soon_threadsafe(queue.put_nowait, frame)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, None)

    worker = asyncio.ensure_future(anyio.to_thread.run_sync(produce))
    try:
        done = False
        while not done:
            batch = [await queue.get()]
            while not queue.empty():
                batch.append(queue.get_nowait())
            if None in batch:
                done = True
                batch = batch[:batch.index(None)]
            if batch:
                yield "".join(f for f in batch if f is not None)
    finally:
        if done:
            await worker


class _Obj:
    """Attribute view of a dict (metrics read TurnResult-like objects)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.__dict__.update(data)


@router.post("/api/chat/stream", tags=["chat"], responses={**ERRORS, 200: {
    "content": {"text/event-stream": {}},
    "description": "Server-sent events: {type: thread|status|token|final|error}; final carries the "
                   "TurnResult as `result` and the answer as safe HTML as `html`."}},
    summary="Ask the assistant; the answer streamed as server-sent events")
def chat_stream(body: ChatRequest, request: Request,
                principal: Annotated[Principal, Depends(api_principal_csrf)]) -> StreamingResponse:
    runtime_of(request)
    thread_id = body.thread_id or uuid.uuid4().hex[:16]
    return StreamingResponse(coalesced(stream_events(request, principal, body.message, thread_id)),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


# -- proposals ------------------------------------------------------------------------------------
ProposalId = Annotated[str, Path(pattern=PROPOSAL_ID_RE, description="Proposal id")]


@router.get("/api/proposals", tags=["proposals"], responses=ERRORS,
            summary="Proposals you may see, newest first")
def list_proposals(request: Request, principal: Annotated[Principal, Depends(api_principal)],
                   state: Annotated[str | None, Query(pattern=r"^[a-z_]{1,32}$",
                                                      description="e.g. pending, executed, rejected")] = None,
                   scope: Annotated[Literal["all", "mine", "to_approve"], Query(
                       description="all you may see, those you requested, or those you may decide")] = "all",
                   kind: Annotated[str | None, Query(pattern=r"^[a-z_]{1,64}$",
                                                     description="e.g. create_rfq, remind_supplier")] = None,
                   limit: Annotated[int, Query(ge=1, le=200)] = 50,
                   offset: Annotated[int, Query(ge=0, le=100_000)] = 0) -> dict[str, Any]:
    runtime = runtime_of(request)
    items = visible_proposals(runtime, principal.user, state, scope)
    if kind:
        items = [p for p in items if _attr(p, "kind") == kind]
    page = items[offset:offset + limit]
    return {"total": len(items), "limit": limit, "offset": offset,
            "items": [proposal_json(runtime, principal.user, p) for p in page]}


@router.get("/api/proposals/{proposal_id}", tags=["proposals"],
            responses={**ERRORS, 404: {"model": ErrorResponse, "description": "Unknown"}})
def get_proposal(proposal_id: ProposalId, request: Request,
                 principal: Annotated[Principal, Depends(api_principal)]) -> dict[str, Any]:
    runtime = runtime_of(request)
    proposal = runtime.proposals.get(proposal_id)
    if proposal is None or not can_see_proposal(runtime, principal.user, proposal):
        raise HTTPException(status_code=404, detail=f"No proposal {proposal_id} that you can see.")
    return proposal_json(runtime, principal.user, proposal)


DECIDE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    200: {"model": DecisionResponse, "description": "Decided (see outcome and message)"},
    404: {"model": ErrorResponse, "description": "Unknown proposal"},
    202: {"model": DecisionResponse, "description": "Approved and sent; Odoo's result not confirmed yet"},
    403: {"model": DecisionResponse, "description": "The policy does not let you decide this proposal"},
    409: {"model": DecisionResponse, "description": "Already decided, expired or stale"},
    502: {"model": DecisionResponse, "description": "Approved, but Odoo refused the write (see message)"},
}


def _decide_endpoint(verdict: Literal["approve", "reject"], proposal_id: str, body: DecideRequest | None,
                     request: Request, principal: Principal) -> JSONResponse:
    runtime = runtime_of(request)
    status, payload = decide(runtime, principal.user, proposal_id, verdict, (body.comment if body else ""),
                             request.app.state.metrics)
    if status == 404:
        raise HTTPException(status_code=404, detail=payload["message"])
    return JSONResponse(payload, status_code=status)


@router.post("/api/proposals/{proposal_id}/approve", tags=["proposals"], responses=DECIDE_RESPONSES,
             summary="Approve (and so execute) a proposal, if the policy lets you")
def approve(proposal_id: ProposalId, request: Request,
            principal: Annotated[Principal, Depends(api_principal_csrf)],
            body: DecideRequest | None = None) -> JSONResponse:
    return _decide_endpoint("approve", proposal_id, body, request, principal)


@router.post("/api/proposals/{proposal_id}/confirm", tags=["proposals"], responses=DECIDE_RESPONSES,
             summary="Confirm a proposal the assistant suggested (requester only); then approvers see it")
def confirm_endpoint(proposal_id: ProposalId, request: Request,
                     principal: Annotated[Principal, Depends(api_principal_csrf)]) -> JSONResponse:
    status, payload = confirm(runtime_of(request), principal.user, proposal_id)
    if status == 404:
        raise HTTPException(status_code=404, detail=payload["message"])
    return JSONResponse(payload, status_code=status)


@router.post("/api/proposals/batch", tags=["proposals"], responses=ERRORS,
             summary="Approve or reject several proposals; each is its own decision")
def batch_endpoint(body: BatchDecideRequest, request: Request,
                   principal: Annotated[Principal, Depends(api_principal_csrf)]) -> JSONResponse:
    bad = [i for i in body.ids if not re.fullmatch(PROPOSAL_ID_RE, i)]
    if bad:
        raise HTTPException(status_code=422, detail=f"Not proposal ids: {', '.join(bad[:5])}")
    results = decide_many(runtime_of(request), principal.user, body.ids, body.decision, body.comment,
                          request.app.state.metrics)
    return JSONResponse({"results": results, "decided": sum(1 for r in results if r["status"] in (200, 202))})


@router.post("/api/proposals/{proposal_id}/reject", tags=["proposals"], responses=DECIDE_RESPONSES,
             summary="Reject a proposal, if the policy lets you")
def reject(proposal_id: ProposalId, request: Request,
           principal: Annotated[Principal, Depends(api_principal_csrf)],
           body: DecideRequest | None = None) -> JSONResponse:
    return _decide_endpoint("reject", proposal_id, body, request, principal)


# -- audit ----------------------------------------------------------------------------------------
@router.get("/api/audit", tags=["audit"], responses=ERRORS, summary="The audit trail, newest first")
def audit(request: Request, principal: Annotated[Principal, Depends(api_principal)],
          limit: Annotated[int, Query(ge=1, le=500)] = 50,
          offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
          event_type: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")] = None,
          actor: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_.@:-]{1,128}$")] = None) -> dict[str, Any]:
    require_role(principal, *AUDIT_ROLES)
    runtime = runtime_of(request)
    total, rows = audit_page(runtime, limit, offset, event_type, actor)
    return {"total": total, "limit": limit, "offset": offset, "items": to_jsonable(rows)}


# -- probes and metrics ---------------------------------------------------------------------------
@router.get("/healthz", tags=["ops"], summary="Liveness: the process answers")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", tags=["ops"], summary="Readiness: Odoo, state store, vector store, model endpoint",
            responses={503: {"description": "One dependency failed; details per check"}})
def readyz(request: Request) -> JSONResponse:
    problem = getattr(request.app.state, "problem", None)
    if problem is not None and request.app.state.runtime is None:  # could not start: say why
        return JSONResponse({"status": "not ready", "checks": {"runtime": {"ok": False, "detail": problem.message,
                                                                           "error": problem.kind, "ms": 0}}},
                            status_code=503)
    ok, checks = readiness(request.app.state.runtime, request.app.state.settings)
    return JSONResponse({"status": "ready" if ok else "not ready", "checks": checks},
                        status_code=200 if ok else 503)


@router.get("/metrics", tags=["ops"], summary="Prometheus metrics", response_class=PlainTextResponse)
def metrics(request: Request) -> PlainTextResponse:
    return PlainTextResponse(request.app.state.metrics.render(),
                             media_type="text/plain; version=0.0.4; charset=utf-8")
