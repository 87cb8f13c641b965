"""Who is calling: API tokens, signed session cookies, or a trusted reverse-proxy header; and CSRF.

Why one module: the web pages and the REST API accept the same three kinds of credentials and must
agree on them. Secrets never live here: passwords and tokens are checked by the runtime's Directory
(hashed in the users file); this module only signs the session cookie and compares CSRF tokens.

The session is a small signed cookie (itsdangerous, timestamped) rather than server-side state, so
a restart keeps people logged in as long as the secret key is the same (settings.secret_key, or a
random key persisted once in the data dir).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
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
                    secure = self.https_only() or scope.get("scheme") in ("https", "wss")
                    flags = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
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


class FailureThrottle:
    """Failed credentials per key (user+IP, IP) within a sliding window; in memory, per process.

    Why by (user, IP) and by IP, not by user name alone: anyone could otherwise lock a real user out
    by typing wrong passwords for her; now a guesser only locks out itself (its IP), per user and overall.
    """

    def __init__(self, window_s: float = 300.0, max_keys: int = 10_000) -> None:
        self.window_s = window_s
        self.max_keys = max_keys
        self._book: dict[str, list[float]] = {}
        self._good: dict[str, set[str]] = {}  # account -> addresses it logged in from
        self._lock = threading.Lock()

    def remember_good(self, account: str, address: str) -> None:
        with self._lock:
            seen = self._good.setdefault(account, set())
            if len(seen) < 50:
                seen.add(address)

    def good_addresses(self, account: str) -> frozenset[str]:
        with self._lock:
            return frozenset(self._good.get(account, ()))

    def _recent(self, key: str, now: float) -> list[float]:
        recent = [t for t in self._book.get(key, ()) if now - t < self.window_s]
        if recent:
            self._book[key] = recent
        else:
            self._book.pop(key, None)
        return recent

    def retry_after(self, limits: dict[str, int]) -> int:
        """Seconds to wait when any key has reached its limit, else 0."""
        now = time.monotonic()
        with self._lock:
            waits = [int(self.window_s - (now - recent[-limit])) + 1
                     for key, limit in limits.items()
                     if len(recent := self._recent(key, now)) >= limit]
        return max(waits, default=0)

    def fail(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._book) > self.max_keys:
                self._book = {k: v for k, v in self._book.items() if now - v[-1] < self.window_s}
                if len(self._book) > self.max_keys:
                    self._book.clear()
            for key in keys:
                self._book.setdefault(key, []).append(now)

    def clear(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._book.pop(key, None)


LOGIN_MAX_PER_USER_IP = 5
LOGIN_MAX_PER_IP = 20
LOGIN_MAX_PER_USER = 10  # across addresses: a guesser rotating addresses still meets this
TOKEN_MAX_PER_IP = 20
TRUSTED_PROXIES_ENV = "QM_TRUSTED_PROXIES"

# uvicorn rewrites the client address from X-Forwarded-For for any peer in FORWARDED_ALLOW_IPS, which
# defaults to localhost: anything running on the host could then pick its own address. Only the
# proxies an operator lists in QM_TRUSTED_PROXIES may do that (none by default). Set at import, which
# happens before `quartermaster run` builds uvicorn's config.
os.environ["FORWARDED_ALLOW_IPS"] = os.environ.get(TRUSTED_PROXIES_ENV, "") or ""


def _trusted(host: str, proxies: str) -> bool:
    import ipaddress

    for item in (p.strip() for p in proxies.split(",")):
        if not item:
            continue
        if item == host:
            return True
        try:
            if ipaddress.ip_address(host) in ipaddress.ip_network(item, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(request: Request) -> str:
    """The socket peer; the X-Forwarded-For client only when the peer is a listed trusted proxy
    (QM_TRUSTED_PROXIES: addresses or networks). Then the rightmost address not itself a trusted proxy."""
    peer = request.client.host if request.client else "unknown"
    proxies = os.environ.get(TRUSTED_PROXIES_ENV, "")
    if not proxies or not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop[:64]
    return peer


def login_keys(request: Request, username: str, channel: str = "web") -> dict[str, int]:
    """The throttle keys of one password attempt and their limits: per account+address, per address, and
    per account (so rotating addresses do not help a guesser)."""
    name, ip = username.strip().lower(), client_ip(request)
    return {f"{channel}-user-ip:{name}|{ip}": LOGIN_MAX_PER_USER_IP, f"{channel}-ip:{ip}": LOGIN_MAX_PER_IP,
            f"{channel}-user:{name}": LOGIN_MAX_PER_USER}


def login_wait(request: Request, username: str, channel: str = "web") -> int:
    """Seconds this attempt must wait (0: go ahead). The per-account limit does not apply from an address
    this account logged in from successfully before: someone else's guesses never lock the owner out."""
    keys = login_keys(request, username, channel)
    throttle = throttle_of(request)
    name, ip = username.strip().lower(), client_ip(request)
    if ip in throttle.good_addresses(name):
        keys.pop(f"{channel}-user:{name}", None)
    wait = throttle.retry_after(keys)
    if wait:
        audit_lockout(request, username, channel, wait)
    return wait


def login_failed(request: Request, username: str, channel: str = "web") -> None:
    throttle_of(request).fail(*login_keys(request, username, channel))


def login_succeeded(request: Request, username: str, channel: str = "web") -> None:
    name, ip = username.strip().lower(), client_ip(request)
    throttle = throttle_of(request)
    throttle.clear(f"{channel}-user-ip:{name}|{ip}")
    throttle.remember_good(name, ip)


def audit_lockout(request: Request, username: str, channel: str, wait: int) -> None:
    runtime = request.app.state.runtime
    audit = getattr(runtime, "audit", None)
    if audit is None:
        return
    try:
        audit.record("login_lockout", (username or "anonymous")[:128],
                     payload={"channel": channel, "ip": client_ip(request), "retry_after_s": wait})
    except Exception:  # noqa: BLE001 - best effort
        log.exception("could not audit a lockout")


def throttle_of(request: Request) -> Any:
    """The app's failure throttle: in memory (embedded default), or shared in Redis when
    QM_SHARED_STATE_URL is set (scale-out: every replica counts the same failures; shared_state.py)."""
    state = request.app.state
    throttle = getattr(state, "login_throttle", None)
    if throttle is None:
        url = getattr(getattr(state, "settings", None), "shared_state_url", None)
        if url:
            from assistant.channels.shared_state import RedisThrottle

            throttle = RedisThrottle(url)
        else:
            throttle = FailureThrottle()
        state.login_throttle = throttle
    return throttle


def audit_login(request: Request, username: str, ok: bool, channel: str, reason: str | None = None) -> None:
    """A `login` audit event (success or failure); never lets an audit problem break the login."""
    runtime = request.app.state.runtime
    audit = getattr(runtime, "audit", None)
    if audit is None:
        return
    payload: dict[str, Any] = {"channel": channel, "ok": ok, "ip": client_ip(request)}
    if reason:
        payload["reason"] = reason
    try:
        audit.record("login", (username or "anonymous")[:128], payload=payload)
    except Exception:  # noqa: BLE001 - best effort, the decision stands
        log.exception("could not audit a %s login", channel)


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
        # the token is checked first: a valid one is never throttled by someone else's failures
        user = _directory_call(runtime.directory.verify_token, token.strip())
        if user is not None:
            return Principal(user, "token")
        throttle, ip_key = throttle_of(request), f"token-ip:{client_ip(request)}"
        wait = throttle.retry_after({ip_key: TOKEN_MAX_PER_IP})
        if wait:
            audit_lockout(request, "anonymous", "api", wait)
            raise HTTPException(status_code=429, detail=f"Too many failed API tokens from your address; try "
                                f"again in {wait} s.", headers={"Retry-After": str(wait)})
        throttle.fail(ip_key)
        audit_login(request, "anonymous", False, "api", "bad_token")
        return None
    header = getattr(settings, "trusted_user_header", None)
    if header:
        name = request.headers.get(header, "").strip()
        if name:
            user = _directory_call(runtime.directory.get, name)
            return Principal(user, "header") if user else None
    username = request.session.get("u") if "session" in request.scope else None
    if isinstance(username, str) and username:
        user = _directory_call(runtime.directory.get, username)
        if user is not None and session_valid(request, user):
            return Principal(user, "session")
    return None


def _sessions_store(request: Request) -> Any:
    return getattr(getattr(request.app.state, "runtime", None), "store", None)


def _stamp(request: Request, username: str) -> str:
    stamp = getattr(request.app.state.runtime.directory, "credential_stamp", None)
    return str(stamp(username)) if callable(stamp) else ""


def _sid_key(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


def session_valid(request: Request, user: Identity) -> bool:
    """A session cookie counts only while its server-side row lives (not logged out, not expired) and
    the user's password is the one it was made under (a password change ends every older session)."""
    store = _sessions_store(request)
    if store is None:
        return True
    sid = request.session.get("sid")
    if not isinstance(sid, str) or not sid:
        return False
    if request.session.get("pw", "") != _stamp(request, user.username):
        revoke_session(request)
        return False
    from tools.governance.store import WebSessionRow, utcnow

    with store.read() as s:
        row = s.get(WebSessionRow, _sid_key(sid))
        return bool(row and row.username == user.username and row.revoked_at is None and row.expires_at > utcnow())


def revoke_session(request: Request) -> None:
    store = _sessions_store(request)
    sid = request.session.get("sid") if "session" in request.scope else None
    if store is None or not isinstance(sid, str):
        return
    from tools.governance.store import WebSessionRow, utcnow

    with store.write() as s:
        row = s.get(WebSessionRow, _sid_key(sid))
        if row is not None and row.revoked_at is None:
            row.revoked_at = utcnow()


def revoke_user_sessions(store: Any, username: str) -> int:
    """End every session of a user now (after a password change, or an account that must go)."""
    import sqlalchemy as sa

    from tools.governance.store import WebSessionRow, utcnow

    with store.write() as s:
        done = s.execute(sa.update(WebSessionRow).where(WebSessionRow.username == username,
                                                        WebSessionRow.revoked_at.is_(None))
                         .values(revoked_at=utcnow()))
        return int(getattr(done, "rowcount", 0) or 0)


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
    """Start a fresh session (a new CSRF token too: no session fixation), recorded server-side."""
    request.session.clear()
    sid = secrets.token_urlsafe(24)
    request.session["u"] = user.username
    request.session["csrf"] = secrets.token_urlsafe(24)
    request.session["sid"] = sid
    request.session["pw"] = _stamp(request, user.username)
    store = _sessions_store(request)
    if store is not None:
        from datetime import timedelta

        from tools.governance.store import WebSessionRow, utcnow

        now = utcnow()
        with store.write() as s:
            s.add(WebSessionRow(id=_sid_key(sid), username=user.username, created_at=now,
                                expires_at=now + timedelta(seconds=SESSION_MAX_AGE_S)))


def log_out(request: Request) -> None:
    """Revoke the session server-side: a copied cookie is dead too."""
    revoke_session(request)
    request.session.clear()
