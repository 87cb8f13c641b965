"""The FastAPI app of the main job: web pages, REST API, probes, metrics (and Slack when configured).

No business logic here: it is built from the runtime. Importing this module starts nothing; the
runtime (Odoo connection or embedded sandbox, state store, knowledge base, brain) is built once in
the lifespan, in a worker thread, and closed on shutdown. Tests pass their own settings/runtime.
"""

from __future__ import annotations

import html
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.channels import api, cli_api, mail_triage, web, web_alerts, web_requests, web_tower
from assistant.channels.auth import SessionMiddleware, resolve_secret_key
from assistant.channels.metrics import Metrics

log = logging.getLogger("quartermaster.server")

STATIC_DIR = Path(__file__).resolve().parent / "assistant" / "channels" / "static"
API_PREFIXES = ("/api/", "/healthz", "/readyz", "/metrics", "/openapi.json", "/slack/")
MAX_BODY_BYTES = 256 * 1024  # a chat message is at most 8,000 characters
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIXES) or "text/html" not in request.headers.get("accept", "")


def _error_json(status: int, error: str, message: str, ref: str | None = None,
                headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": error, "message": message}
    if ref:
        body["id"] = ref
    return JSONResponse(body, status_code=status, headers=headers)


_ERROR_NAMES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
                422: "invalid_input", 429: "rate_limited", 501: "not_implemented", 503: "unavailable"}


class _SecurityHeaders:
    """Safe defaults on every response, and per-route request counts for /metrics."""

    def __init__(self, app: ASGIApp, metrics_of: Any) -> None:
        self.app = app
        self.metrics_of = metrics_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status_holder = {"status": 500}
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
            await JSONResponse({"error": "too_large", "message": f"Request bodies are limited to "
                                f"{MAX_BODY_BYTES // 1024} KiB."}, status_code=413)(scope, receive, send)
            return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = message.setdefault("headers", [])
                names = {k.lower() for k, _ in headers}
                for k, v in ((b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                             (b"referrer-policy", b"same-origin"),
                             (b"content-security-policy", CSP.encode())):
                    if k not in names:
                        headers.append((k, v))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            metrics = self.metrics_of()
            if metrics is not None:
                metrics.http.labels(scope.get("method", ""), path, str(status_holder["status"])).inc()


class _Unavailable:
    """While the runtime could not be built (Odoo down, wrong login, …), every request but the probes and
    static files gets 503 with the one sentence that says what to fix — JSON for the API, a page for people."""

    OPEN = ("/healthz", "/readyz", "/metrics", "/static/")

    def __init__(self, app: ASGIApp, problem_of: Any) -> None:
        self.app = app
        self.problem_of = problem_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        problem = self.problem_of() if scope["type"] == "http" else None
        if problem is None or str(scope.get("path", "")).startswith(self.OPEN):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if _wants_json(request):
            response: Response = _error_json(503, problem.kind, problem.message, headers={"Retry-After": "30"})
        else:
            response = HTMLResponse(f"<!doctype html><title>Quartermaster is not connected</title>"
                                    f"<h1>Quartermaster cannot start</h1><p>{html.escape(problem.message)}</p>",
                                    status_code=503, headers={"Retry-After": "30"})
        await response(scope, receive, send)


def _start_reconciler(app: FastAPI) -> Any:
    """The background reconciler (one per process; a DB lease makes one of them work). Off with
    QM_RECONCILE_INTERVAL=0."""
    import os

    service = getattr(app.state.runtime, "proposals", None)
    interval = float(os.environ.get("QM_RECONCILE_INTERVAL", "30") or 0)
    if service is None or interval <= 0 or not hasattr(service, "reconcile_stuck"):
        return None
    from tools.governance.reconciler import Reconciler

    return Reconciler(service, interval_s=interval).start()


def _start_alerts(app: FastAPI) -> Any:
    """Alert scheduling (assistant/watch): a thread here, jobs on a thread here or on Celery workers."""
    try:
        from assistant.watch.standalone import start_alerts

        return start_alerts(app.state.runtime, app.state.settings)
    except Exception:  # noqa: BLE001 - alerts must never stop the web app from serving
        log.exception("alerts could not start")
        return None


def create_app(settings: Any = None, runtime: Any = None) -> FastAPI:
    """Build the app. With `runtime` given, it is used as is (and not closed); else built at startup."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = None
        if app.state.settings is None:
            from assistant.settings import load_settings

            app.state.settings = load_settings()
        s = app.state.settings
        app.state.secret_key = resolve_secret_key(s.secret_key, Path(s.data_dir))
        if app.state.runtime is None:
            from assistant import runtime as runtime_module

            existing = getattr(runtime_module, "_current", None)  # installed by `quartermaster run`
            if existing is not None:
                app.state.runtime = existing
            else:
                log.info("building the runtime (Odoo/sandbox, state store, knowledge, brain)…")
                try:
                    owned = await anyio.to_thread.run_sync(runtime_module.Runtime.build, s)
                except Exception as exc:
                    from assistant.problems import describe

                    problem = describe(exc, s)
                    if problem is None:
                        raise
                    # serve the sentence (503 on every page and API call) instead of dying with a traceback
                    log.error("Quartermaster cannot start: %s", problem.message)
                    app.state.problem = problem
                else:
                    runtime_module.set_runtime(owned)
                    app.state.runtime = owned
            if app.state.runtime is not None:
                _mount_slack(app)
        reconciler = _start_reconciler(app) if app.state.runtime is not None else None
        alerts = _start_alerts(app) if app.state.runtime is not None else None
        app.state.metrics.start_sharing()
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(app.state.metrics.stop_sharing)
            if alerts is not None:
                await anyio.to_thread.run_sync(alerts.stop)
            if reconciler is not None:
                await anyio.to_thread.run_sync(reconciler.stop)
            if owned is not None:
                from assistant import runtime as runtime_module

                runtime_module.set_runtime(None)
                app.state.runtime = None
                close = getattr(owned, "close", None)
                if callable(close):
                    await anyio.to_thread.run_sync(close)

    app = FastAPI(title="Quartermaster", version="0.1.0", lifespan=lifespan,
                  description="A governed procurement and logistics assistant for Odoo. Authenticate with "
                              "`Authorization: Bearer <API token>` (tokens are hashed in the users file) "
                              "or a browser session (then send X-CSRF-Token on POSTs).",
                  docs_url=None, redoc_url=None)  # the bundled docs pages load assets from a CDN
    app.state.settings = settings
    app.state.runtime = runtime
    app.state.problem = None  # an assistant.problems.Problem when the runtime could not be built
    app.state.secret_key = (resolve_secret_key(settings.secret_key, Path(settings.data_dir))
                            if settings is not None else None)
    app.state.metrics = Metrics(lambda: app.state.runtime, shared_url_of=lambda: getattr(
        app.state.settings, "shared_state_url", None))  # scale-out: /metrics sums the live replicas

    app.add_middleware(SessionMiddleware, get_secret=lambda: app.state.secret_key,
                       https_only=lambda: bool(app.state.settings and str(app.state.settings.public_url or "")
                                               .startswith("https://")))
    app.add_middleware(_Unavailable, problem_of=lambda: app.state.problem)
    app.add_middleware(_SecurityHeaders, metrics_of=lambda: app.state.metrics)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.include_router(api.router)
    app.include_router(web.router)
    app.include_router(web_tower.router)
    app.include_router(web_requests.router)  # issue #14: the purchase requests page
    app.include_router(web_alerts.router)
    app.include_router(mail_triage.router)  # issue #16: the mailbox triage page
    app.include_router(cli_api.router)  # issue #12: `quartermaster ask` answered by a running server
    _install_error_handlers(app)
    if runtime is not None:
        _mount_slack(app)
    return app


def _mount_slack(app: FastAPI) -> None:
    settings = app.state.settings
    if settings is None or not getattr(settings, "slack_enabled", False) or getattr(app.state, "slack", None):
        return
    try:
        from assistant.channels.slack import mount_slack
    except ImportError as exc:
        log.warning("Slack is configured but its adapter is missing: %s", exc)
        return
    mount_slack(app, app.state.runtime, settings=settings)  # sets app.state.slack


BODY_PARSE_ERROR = "There was an error parsing the body"  # FastAPI's 400 for undecodable bodies


def _invalid_body_response(details: list[dict[str, str]]) -> JSONResponse:
    summary = "; ".join(f"{d['field']}: {d['problem']}" for d in details[:5])
    return JSONResponse({"error": "invalid_input", "message": f"Bad input — {summary}", "details": details},
                        status_code=422)


def _validation_detail(err: Any) -> dict[str, str]:
    """One validation problem as {field, problem}; body-level problems (not JSON, not an object) say so
    plainly instead of naming a character offset as the field."""
    loc = [p for p in err.get("loc", ()) if p != "body"]
    kind = str(err.get("type", ""))
    if kind == "json_invalid":
        return {"field": "body", "problem": "the request body is not valid JSON (send a JSON object with "
                                            "Content-Type: application/json)"}
    if not loc and kind in ("model_attributes_type", "dict_type", "model_type"):
        return {"field": "body", "problem": "the request body must be a JSON object"}
    if not loc and kind == "missing":
        return {"field": "body", "problem": "a JSON body is required"}
    return {"field": ".".join(str(p) for p in loc) or "body", "problem": str(err.get("msg", "invalid"))}


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(web.LoginRequired)
    async def _login(request: Request, exc: web.LoginRequired) -> Response:
        return web.login_redirect(exc.next_path)

    @app.exception_handler(web.CsrfFailed)
    async def _csrf(request: Request, exc: web.CsrfFailed) -> Response:
        if _wants_json(request):
            return _error_json(403, "csrf", "Missing or wrong CSRF token; reload the page and try again.")
        return web.render(request, "error.html", status_code=403, user=None, title="Form expired",
                          message="This form has no valid CSRF token (it may be from an old page). "
                                  "Go back, reload and try again.")

    @app.exception_handler(StarletteHTTPException)  # FastAPI's HTTPException too, and routing 404/405
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 400 and message == BODY_PARSE_ERROR and _wants_json(request):
            return _invalid_body_response([_validation_detail({"type": "json_invalid"})])
        if not _wants_json(request) and exc.status_code == 401:
            return web.login_redirect(request.url.path)
        if not _wants_json(request) and exc.status_code == 404:
            return web.not_found_page(request, message)
        if not _wants_json(request):
            return web.render(request, "error.html", status_code=exc.status_code, user=None,
                              title=_ERROR_NAMES.get(exc.status_code, "error").replace("_", " ").capitalize(),
                              message=message)
        return _error_json(exc.status_code, _ERROR_NAMES.get(exc.status_code, "error"), message,
                           headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return _invalid_body_response([_validation_detail(err) for err in exc.errors()[:20]])

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        ref = uuid.uuid4().hex[:12]
        log.error("unhandled error %s on %s %s", ref, request.method, request.url.path, exc_info=exc)
        if not _wants_json(request):
            return HTMLResponse(f"<!doctype html><title>Error</title><h1>Something broke</h1><p>The server hit "
                                f"an internal error. It has been logged with id <code>{ref}</code>.</p>",
                                status_code=500)
        return _error_json(500, "internal", f"Internal error; quote id {ref} to your administrator.", ref)


app = create_app()
