"""Who is calling: API tokens, signed session cookies, or a trusted reverse-proxy header; and CSRF.

Why one module: the web pages and the REST API accept the same three kinds of credentials and must
agree on them. Secrets never live here: passwords and tokens are checked by the runtime's Directory
(hashed in the users file); this module only signs the session cookie and compares CSRF tokens.

The session is a small signed cookie (itsdangerous, timestamped) rather than server-side state, so
a restart keeps people logged in as long as the secret key is the same (settings.secret_key, or a
random key persisted once in the data dir).
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from fastapi import HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tools.base import Identity

log = logging.getLogger(__name__)

SESSION_COOKIE = "qm_session"
SESSION_MAX_AGE_S = 12 * 3600
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SECRET_FILE = "web_secret_key"

Via = Literal["token", "session", "header"]


def resolve_secret_key(configured: str | None, data_dir: Path) -> str:
    """The configured key, else a random one created once in the data dir (mode 0600)."""
    if configured:
        return configured
    path = data_dir / SECRET_FILE
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key


class SessionMiddleware:
    """A signed-cookie session whose secret is looked up per request (it is known only after startup).

    Exposes the session as `request.session` (a dict); writes the cookie back only when it changed.
    """

    def __init__(self, app: ASGIApp, get_secret: Callable[[], str | None], *,
                 https_only: Callable[[], bool] = lambda: False) -> None:
        self.app = app
        self.get_secret = get_secret
        self.https_only = https_only

    def _serializer(self) -> URLSafeTimedSerializer | None:
        secret = self.get_secret()
        return URLSafeTimedSerializer(secret, salt="qm-session") if secret else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        serializer = self._serializer()
        session: dict[str, Any] = {}
        raw = _cookie(scope, SESSION_COOKIE)
        if raw and serializer is not None:
            try:
                loaded = serializer.loads(raw, max_age=SESSION_MAX_AGE_S)
                if isinstance(loaded, dict):
                    session = loaded
            except BadSignature:
                session = {}
        scope["session"] = session
        before = json.dumps(session, sort_keys=True)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start" and serializer is not None:
                current = scope.get("session") or {}
                if json.dumps(current, sort_keys=True) != before:
                    headers = MutableHeaders(scope=message)
                    flags = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if self.https_only() else "")
                    if current:
                        value = serializer.dumps(current)
                        headers.append("Set-Cookie",
                                       f"{SESSION_COOKIE}={value}; Max-Age={SESSION_MAX_AGE_S}{flags}")
                    else:
                        headers.append("Set-Cookie", f"{SESSION_COOKIE}=; Max-Age=0{flags}")
            await send(message)

        await self.app(scope, receive, send_wrapper)


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name:
                    return v
    return None


@dataclass(frozen=True)
class Principal:
    """An authenticated caller and how they proved it (CSRF applies to browser credentials only)."""

    user: Identity
    via: Via


def _directory_call(func: Callable[..., Any], *args: Any) -> Identity | None:
    """The Directory answers None (or raises) for unknown users/bad secrets; both mean 'no'."""
    try:
        result = func(*args)
    except Exception as exc:  # noqa: BLE001 - a lookup failure must not become a 500 on login
        log.info("directory lookup refused: %s", exc)
        return None
    return result if isinstance(result, Identity) else None


def authenticate(request: Request) -> Principal | None:
    """Bearer token first, then the trusted proxy header (when configured), then the session cookie."""
    runtime = request.app.state.runtime
    settings = request.app.state.settings
    if runtime is None:
        return None
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        user = _directory_call(runtime.directory.verify_token, token.strip())
        return Principal(user, "token") if user else None
    header = getattr(settings, "trusted_user_header", None)
    if header:
        name = request.headers.get(header, "").strip()
        if name:
            user = _directory_call(runtime.directory.get, name)
            return Principal(user, "header") if user else None
    username = request.session.get("u") if "session" in request.scope else None
    if isinstance(username, str) and username:
        user = _directory_call(runtime.directory.get, username)
        if user is not None:
            return Principal(user, "session")
    return None


def api_principal(request: Request) -> Principal:
    """FastAPI dependency for the REST API: 401 with a Bearer challenge when nobody is logged in."""
    principal = authenticate(request)
    if principal is None:
        raise HTTPException(status_code=401, detail="Authentication required: send 'Authorization: "
                            "Bearer <token>' or log in.", headers={"WWW-Authenticate": "Bearer"})
    return principal


def api_principal_csrf(request: Request) -> Principal:
    """As api_principal, and for browser credentials (cookie/proxy) the CSRF header must match."""
    principal = api_principal(request)
    if principal.via != "token" and not csrf_ok(request, request.headers.get(CSRF_HEADER)):
        raise HTTPException(status_code=403, detail=f"Missing or wrong CSRF token (send the "
                            f"{CSRF_HEADER} header from the page you are on).")
    return principal


def require_role(principal: Principal, *roles: str) -> None:
    if principal.user.role not in roles:
        raise HTTPException(status_code=403, detail=f"Only {', '.join(roles)} may do this; you are "
                            f"{principal.user.role}.")


def csrf_token(request: Request) -> str:
    """This browser's CSRF token, created on first use and kept in the signed session."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request, presented: str | None) -> bool:
    expected = request.session.get("csrf") if "session" in request.scope else None
    if not isinstance(expected, str) or not expected or not presented:
        return False
    return hmac.compare_digest(expected.encode(), presented.encode())


def log_in(request: Request, user: Identity) -> None:
    """Start a fresh session (a new CSRF token too: no session fixation)."""
    request.session.clear()
    request.session["u"] = user.username
    request.session["csrf"] = secrets.token_urlsafe(24)


def log_out(request: Request) -> None:
    request.session.clear()
