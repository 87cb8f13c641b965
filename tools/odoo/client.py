"""The one seam between Quartermaster and Odoo: odoorpc underneath, typed and bounded on top.

Why a seam: every tool talks to a real Odoo or the sandbox through this class alone, so that
login happens once per process, reads are retried on transient faults, writes never are, and
every round trip is counted for benchmarks and the audit trail.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
import urllib.error
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, cast
from urllib.parse import urlparse

import odoorpc  # type: ignore[import-untyped]
import odoorpc.error  # type: ignore[import-untyped]

from tools.odoo.errors import OdooAccessError, OdooError, OdooSetupError, OdooUnavailable, classify

Domain = list[Any]
T = TypeVar("T")
log = logging.getLogger(__name__)

TRANSIENT = (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError, OSError)
READ_METHODS = frozenset({
    "search", "search_read", "read", "search_count", "read_group", "fields_get", "name_search",
    "web_search_read", "web_read", "context_get", "check_access_rights",
})


@dataclass
class RpcStats:
    calls: int = 0
    ms: float = 0.0


class OdooClient:
    """A logged-in connection. Thread-safe counters; odoorpc itself is stateless over /jsonrpc."""

    def __init__(self, url: str, db: str, login: str, password: str, timeout: float = 15.0,
                 read_retries: int = 2) -> None:
        self.url, self.db, self.login_name = url, db, login
        self._password = password
        self.timeout = timeout
        self.read_retries = read_retries
        self._lock = threading.Lock()
        self._local = threading.local()
        self.total = RpcStats()
        self._odoo: Any = None
        self.uid: int | None = None
        self.version: str | None = None
        self.context: dict[str, Any] = {}
        self._cache: dict[str, tuple[float, Any]] = {}

    # -- connection -------------------------------------------------------------------------
    @classmethod
    def connect(cls, url: str, db: str, login: str, password: str, timeout: float = 15.0) -> OdooClient:
        client = cls(url, db, login, password, timeout)
        client._login()
        return client

    def _open(self) -> Any:
        """An odoorpc handle (it asks the server for its version: the reachability check)."""
        parsed = urlparse(self.url if "://" in self.url else f"http://{self.url}")
        protocol = "jsonrpc+ssl" if parsed.scheme == "https" else "jsonrpc"
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        return odoorpc.ODOO(parsed.hostname or "127.0.0.1", protocol=protocol, port=port, timeout=self.timeout)

    def server_version(self) -> str:
        """The server's version, without logging in; failures as in `connect` (one sentence each)."""
        try:
            return str(self._open().version)
        except Exception as exc:  # noqa: BLE001 - sorted like a login failure, or re-raised
            failure = self._login_failure(exc)
            if failure is exc:
                raise
            raise failure from exc

    def databases(self) -> list[str] | None:
        """The databases the server lists; None when it hides them (list_db = False) or cannot say."""
        try:
            return sorted(str(n) for n in self._open().db.list())
        except Exception:  # noqa: BLE001 - only a hint: the login says the rest
            return None

    def _login(self) -> None:
        """Log in once; every failure becomes one sentence saying what is wrong (see `_login_failure`)."""
        try:
            odoo = self._open()
            odoo.login(self.db, self.login_name, self._password)
        except Exception as exc:  # noqa: BLE001 - sorted into what the person has to fix, or re-raised
            failure = self._login_failure(exc)
            if failure is exc:
                raise
            raise failure from exc
        self._odoo = odoo
        self.uid = odoo.env.uid
        self.version = odoo.version
        self.context = {k: v for k, v in dict(odoo.env.context).items() if k in ("lang", "tz", "uid")}
        self._count(2, 0.0)  # common.login + context_get

    def _login_failure(self, exc: Exception) -> Exception:
        """Why logging in failed, as the exception to raise: OdooUnavailable (transport: nothing answers,
        no answer in time, not an Odoo, TLS) or OdooSetupError (no such database, login refused)."""
        url, db, login = self.url, self.db, self.login_name
        if isinstance(exc, odoorpc.error.RPCError):
            err = _to_odoo_error(exc)
            text = err.message.lower()
            if "does not exist" in text and "database" in text:
                known = self.databases()
                listed = f"; it has {', '.join(repr(n) for n in known)}" if known else ""
                return OdooSetupError(f"Odoo at {url} has no database '{db}'{listed}.", "database",
                                      err.name, url=url, db=db)
            if isinstance(err, OdooAccessError) or "wrong login" in text or "access denied" in text:
                return OdooSetupError(f"Odoo database '{db}' at {url} refused the login '{login}': the login or "
                                      "its password/API key is wrong, or the user is archived.", "login",
                                      err.name, url=url, db=db, login=login)
            return err
        if isinstance(exc, urllib.error.HTTPError):
            return OdooUnavailable(f"{url} answered HTTP {exc.code} instead of Odoo's JSON-RPC: it is not the "
                                   "address of an Odoo server (or a proxy in front of it refused).", "not_odoo",
                                   url=url)
        if isinstance(exc, ValueError):  # JSONDecodeError: a web page, not Odoo's JSON-RPC
            return OdooUnavailable(f"{url} answered, but not like an Odoo server (no JSON-RPC there).",
                                   "not_odoo", url=url)
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, ssl.SSLError) or isinstance(exc, ssl.SSLError):
            return OdooUnavailable(f"The HTTPS connection to {url} failed ({reason}).", "tls", url=url)
        if _is_timeout(exc):
            return OdooUnavailable(f"Odoo at {url} did not answer within {self.timeout:g} s.", "timeout", url=url)
        if isinstance(reason, socket.gaierror):
            return OdooUnavailable(f"Odoo at {url} is not reachable: its host name is unknown "
                                   f"({str(reason.strerror or reason).lower()}).", "unreachable", url=url)
        if isinstance(exc, TRANSIENT):
            why = getattr(reason, "strerror", None) or str(reason)
            return OdooUnavailable(f"Odoo at {url} is not reachable: nothing answers there ({why.lower()}).",
                                   "unreachable", url=url)
        return exc

    # -- small reference-data cache (warehouses, vendors): per client, time-bounded ----------------
    def cached(self, key: str, loader: Callable[[], T], ttl: float = 300.0) -> T:
        """Return `loader()`'s value, kept for `ttl` seconds per client (reference lists only)."""
        now = time.monotonic()
        if companies := getattr(self._local, "companies", None):  # lists seen within a person's companies
            key = f"{key}@{','.join(map(str, companies))}"
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and now - hit[0] < ttl:
            return cast(T, hit[1])
        value = loader()
        with self._lock:
            self._cache[key] = (now, value)
        return value

    def invalidate(self, key: str | None = None) -> None:
        """Forget one cached list (or all), e.g. after a miss that a fresh list might answer."""
        with self._lock:
            if key is None:
                self._cache.clear()
            else:
                for k in [k for k in self._cache if k == key or k.startswith(f"{key}@")]:
                    self._cache.pop(k, None)

    # -- counting ------------------------------------------------------------------------------
    def _count(self, n: int, ms: float) -> None:
        with self._lock:
            self.total.calls += n
            self.total.ms += ms
        stats: RpcStats | None = getattr(self._local, "stats", None)
        if stats is not None:
            stats.calls += n
            stats.ms += ms

    @contextmanager
    def measure(self) -> Iterator[RpcStats]:
        """Count the round trips made by this thread inside the block (one tool call)."""
        outer = getattr(self._local, "stats", None)
        stats = RpcStats()
        self._local.stats = stats
        try:
            yield stats
        finally:
            self._local.stats = outer
            if outer is not None:
                outer.calls += stats.calls
                outer.ms += stats.ms

    # -- whose companies -------------------------------------------------------------------
    def person_companies(self, login: str | None) -> list[int] | None:
        """The companies a person's own Odoo user may see (res.users.company_ids), kept to those of the
        integration user: Odoo's multi-company record rules then scope the integration user's reads as they
        would scope the person's. None (no narrowing) when the person has no Odoo login or Odoo cannot say."""
        if not login or login == self.login_name:
            return None

        def load() -> list[int] | None:
            try:
                rows = self.search_read("res.users", [("login", "=", login)], ["company_ids"], limit=1)
                own = self.read("res.users", [int(self.uid or 0)], ["company_ids"]) if self.uid else []
            except Exception:  # noqa: BLE001 - no narrowing rather than no answer
                return None
            if not rows or not own:
                return None
            mine = set(own[0].get("company_ids") or [])
            ids = [int(c) for c in rows[0].get("company_ids") or [] if c in mine]
            return ids if ids and set(ids) != mine else None

        with self.scoped_to(None):  # the users as the integration user sees them, not as the asker does
            return self.cached(f"person_companies:{login}", load)

    @contextmanager
    def scoped_to(self, companies: list[int] | None) -> Iterator[None]:
        """Inside the block (this thread), calls carry `allowed_company_ids=companies` unless they set their own."""
        outer = getattr(self._local, "companies", None)
        self._local.companies = companies
        try:
            yield
        finally:
            self._local.companies = outer

    # -- the one primitive -----------------------------------------------------------------
    def execute_kw(self, model: str, method: str, args: list[Any] | None = None,
                   kwargs: dict[str, Any] | None = None) -> Any:
        """One RPC. Reads are retried on *fast* transport faults (connection refused/reset) within a
        total deadline of `timeout` seconds; a timeout is never retried, so a read takes at most about
        `timeout` seconds however many retries are allowed. Anything else is tried exactly once.

        A lost session (the server forgot us, e.g. after a restart) triggers one fresh login and a
        replay: Odoo refused the call before running it, so even a write is safe to replay then.
        """
        if self._odoo is None:
            self._login()
        kwargs = dict(kwargs or {})
        ctx = {**self.context, **(kwargs.get("context") or {})}
        companies = getattr(self._local, "companies", None)
        if companies and "allowed_company_ids" not in ctx:
            ctx["allowed_company_ids"] = list(companies)
        kwargs["context"] = ctx
        attempts = 1 + (self.read_retries if method in READ_METHODS else 0)
        attempt = 0
        relogged = False
        deadline = time.monotonic() + self.timeout
        while True:
            t0 = time.perf_counter()
            try:
                result = self._odoo.execute_kw(model, method, args or [], kwargs)
                self._count(1, (time.perf_counter() - t0) * 1000)
                return result
            except odoorpc.error.RPCError as exc:
                self._count(1, (time.perf_counter() - t0) * 1000)
                err = _to_odoo_error(exc)
                if not relogged and _session_lost(err):
                    relogged = True
                    self._odoo = None
                    self._login()
                    continue
                raise err from exc
            except TRANSIENT as exc:
                self._count(1, (time.perf_counter() - t0) * 1000)
                attempt += 1
                pause = 0.2 * attempt
                timed_out = _is_timeout(exc)
                if timed_out or attempt >= attempts or time.monotonic() + pause >= deadline:
                    cause = getattr(exc, "reason", exc)
                    reason = getattr(cause, "strerror", None) or str(cause) or type(exc).__name__
                    what = (f"did not answer within {self.timeout:g} s" if timed_out
                            else f"is not reachable: nothing answers there ({str(reason).lower()})")
                    log.info("Odoo %s.%s failed after %d attempt(s): %r", model, method, attempt, exc)
                    raise OdooUnavailable(f"Odoo at {self.url} {what}.", "timeout" if timed_out else "unreachable",
                                          url=self.url, call=f"{model}.{method}") from exc
                time.sleep(pause)

    # -- bounded reads -----------------------------------------------------------------------
    def search_read(self, model: str, domain: Domain, fields: list[str], *, limit: int = 80,
                    offset: int = 0, order: str | None = None,
                    context: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        kw: dict[str, Any] = {"fields": fields, "limit": limit, "offset": offset}
        if order:
            kw["order"] = order
        if context:
            kw["context"] = context
        return list(self.execute_kw(model, "search_read", [domain], kw))

    def read(self, model: str, ids: list[int], fields: list[str],
             context: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        if not ids:
            return []
        kw: dict[str, Any] = {"fields": fields}
        if context:
            kw["context"] = context
        return list(self.execute_kw(model, "read", [ids], kw))

    def search_count(self, model: str, domain: Domain, context: dict[str, Any] | None = None) -> int:
        return int(self.execute_kw(model, "search_count", [domain], {"context": context or {}}))

    def search(self, model: str, domain: Domain, *, limit: int = 80, order: str | None = None,
               context: dict[str, Any] | None = None) -> list[int]:
        kw: dict[str, Any] = {"limit": limit}
        if order:
            kw["order"] = order
        if context:
            kw["context"] = context
        return list(self.execute_kw(model, "search", [domain], kw))

    def read_group(self, model: str, domain: Domain, fields: list[str], groupby: list[str], *,
                   lazy: bool = False, limit: int | None = None, orderby: str | None = None,
                   context: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        kw: dict[str, Any] = {"lazy": lazy}
        if limit:
            kw["limit"] = limit
        if orderby:
            kw["orderby"] = orderby
        if context:
            kw["context"] = context
        return list(self.execute_kw(model, "read_group", [domain, fields, groupby], kw))

    def web_search_read(self, model: str, domain: Domain, specification: dict[str, Any], *,
                        limit: int = 80, offset: int = 0, order: str | None = None,
                        context: dict[str, Any] | None = None) -> dict[str, Any]:
        kw: dict[str, Any] = {"domain": domain, "specification": specification, "limit": limit,
                              "offset": offset}
        if order:
            kw["order"] = order
        if context:
            kw["context"] = context
        return dict(self.execute_kw(model, "web_search_read", [], kw))

    def web_read(self, model: str, ids: list[int], specification: dict[str, Any], *,
                 context: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Odoo 17+ nested read: many2one as {"id", ...}, x2many as lists of dicts, in one trip."""
        if not ids:
            return []
        kw: dict[str, Any] = {"specification": specification}
        if context:
            kw["context"] = context
        return list(self.execute_kw(model, "web_read", [ids], kw))

    # -- writes (never retried) --------------------------------------------------------------
    def call(self, model: str, method: str, args: list[Any] | None = None,
             kwargs: dict[str, Any] | None = None) -> Any:
        """A business method or write. Tried once: the caller re-reads state if the outcome is unclear."""
        return self.execute_kw(model, method, args, kwargs)


def _is_timeout(exc: BaseException) -> bool:
    """A timeout (the server may be working on it or hung): retrying would only multiply the wait."""
    reason = getattr(exc, "reason", None)  # urllib wraps connect timeouts in URLError(reason=...)
    return isinstance(exc, TimeoutError) or isinstance(reason, TimeoutError) or "timed out" in str(exc).lower()


def _session_lost(err: OdooError) -> bool:
    """Odoo forgot our session (server restart, expired cookie): worth exactly one re-login."""
    return err.name.endswith("SessionExpiredException") or "session expired" in err.message.lower()


def _to_odoo_error(exc: Exception) -> OdooError:
    info = getattr(exc, "info", None) or {}
    data = info.get("data", {}) if isinstance(info, dict) else {}
    name = data.get("name") or "odoo.exceptions.UserError"
    message = data.get("message") or (exc.args[0] if exc.args else str(exc))
    if isinstance(message, str) and message.strip().lower() == "access denied":
        name = "odoo.exceptions.AccessDenied"
    return classify(name, str(message))
