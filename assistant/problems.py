"""Set-up and connection failures as one sentence a person can act on (what is wrong, what to set).

Why one place: the CLI, the web app, the API and Slack all build the same runtime and meet the same
failures (Odoo down or slow, wrong URL, database, login or API key, a missing app, missing rights, a
state store or Chroma server that does not answer). Each channel asks `describe(exc)` and shows the
sentence instead of a traceback; anything `describe` does not know stays a bug and is logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tools.odoo.errors import OdooAccessError, OdooSetupError, OdooUnavailable, access_detail

API_KEY_HINT = "ODOO_API_KEY (an API key from Odoo: Preferences → Account Security → New API Key)"


@dataclass(frozen=True)
class Problem:
    """`kind` is a stable code (odoo_unreachable, odoo_login, …); `message` is the sentence people read."""

    kind: str
    message: str

    def public(self) -> dict[str, Any]:
        return {"ok": False, "error": self.kind, "message": self.message}


class StartupProblem(Exception):
    """Raised where the runtime already knows the sentence (e.g. a Chroma server that does not answer)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.problem = Problem(kind, message)


def describe(exc: BaseException, settings: Any = None) -> Problem | None:
    """The Problem behind `exc` (also looking through its causes), or None for anything unexpected."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = _describe_one(current, settings)
        if found is not None:
            return found
        current = current.__cause__ or current.__context__
    return None


def _describe_one(exc: BaseException, settings: Any) -> Problem | None:
    if isinstance(exc, StartupProblem):
        return exc.problem
    if isinstance(exc, OdooUnavailable):
        return _unavailable(exc, settings)
    if isinstance(exc, OdooSetupError):
        return _setup(exc, settings)
    if isinstance(exc, OdooAccessError):
        who = f" '{settings.odoo_login}'" if settings is not None else ""
        what, company = access_detail(exc.message)
        return Problem("odoo_access", f"Odoo refused access to its user{who} ({what}"
                                      f"{' of ' + company if company else ''}). "
                                      "Give that user the rights in Odoo (Settings → Users); "
                                      "`quartermaster doctor` lists what each tool needs.")
    name = type(exc).__name__
    if name == "SandboxPortTaken":
        return Problem("sandbox_port", str(exc))
    if name == "SandboxStartError":  # sandbox/launch.py: the sandbox process ended before answering
        why = str(getattr(exc, "reason", "") or "").strip().rstrip(".")
        return Problem("sandbox_start", f"The embedded sandbox could not start{' (' + why + ')' if why else ''}; "
                                        "set QM_SANDBOX_PORT to a free port, or ODOO_URL to use a real Odoo.")
    if name == "ValidationError" and type(exc).__module__.startswith("pydantic"):
        return Problem("config", f"A setting is invalid: {_pydantic_summary(exc)}.")
    if name in ("DirectoryError", "PolicyError"):
        which = "QM_USERS_FILE" if name == "DirectoryError" else "QM_POLICY_FILE"
        return Problem("config", f"{_first_line(str(exc)).rstrip('.')}. Fix the file ({which}).")
    if type(exc).__module__.startswith("sqlalchemy") and name in ("OperationalError", "ArgumentError",
                                                                  "NoSuchModuleError", "InterfaceError"):
        return Problem("state_store", f"The state store {_store_url(settings)} cannot be opened "
                                      f"({_first_line(str(getattr(exc, 'orig', None) or exc))}). "
                                      "Check QM_DATABASE_URL and that its database server is running.")
    return None


def _unavailable(exc: OdooUnavailable, settings: Any) -> Problem:
    kind = getattr(exc, "kind", "unreachable")
    text = str(exc).rstrip(".")
    if settings is not None and settings.uses_sandbox:
        return Problem(f"odoo_{kind}", f"{text}. The embedded sandbox stopped or is busy: start Quartermaster "
                                       "again (or set ODOO_URL to your Odoo).")
    url = str(getattr(settings, "odoo_url", "") or "")
    if url and not url.lower().startswith(("http://", "https://")):
        return Problem("odoo_url", f"ODOO_URL '{url}' is not a web address: set it to the address you open Odoo "
                                   "at in a browser, e.g. https://erp.example.com.")
    timeout = getattr(settings, "odoo_timeout", None)
    fixes = {
        "unreachable": "Check ODOO_URL and that the Odoo server is running.",
        "timeout": "Check that the Odoo server is running and not overloaded, or raise QM_ODOO_TIMEOUT"
                   + (f" (now {timeout:g} s)." if timeout else "."),
        "not_odoo": "Set ODOO_URL to the address you open Odoo at in a browser, e.g. https://erp.example.com.",
        "tls": "Check the server's certificate, or use http:// if it has no HTTPS.",
    }
    return Problem(f"odoo_{kind}", f"{text}. {fixes.get(kind, fixes['unreachable'])}")


def _setup(exc: OdooSetupError, settings: Any) -> Problem:
    text = exc.message.rstrip(".")
    fixes = {
        "database": "Set ODOO_DB to the right database name.",
        "login": f"Check ODOO_LOGIN and ODOO_PASSWORD, or use {API_KEY_HINT}.",
        "modules": "Install the missing apps in Odoo (Apps), then start Quartermaster again.",
        "access": "Give the Odoo user those rights (Settings → Users); `quartermaster doctor` lists them per tool.",
    }
    return Problem(f"odoo_{exc.kind}", f"{text}. {fixes.get(exc.kind, 'Run `quartermaster doctor`.')}")


def _store_url(settings: Any) -> str:
    url = getattr(settings, "state_url", None) if settings is not None else None
    if not url:
        return "(QM_DATABASE_URL)"
    try:
        from sqlalchemy.engine import make_url

        return f"at {make_url(url).render_as_string(hide_password=True)}"
    except Exception:  # noqa: BLE001 - the URL itself may be what is broken
        return "(QM_DATABASE_URL)"


def _pydantic_summary(exc: Any) -> str:
    try:
        errors = exc.errors()
    except Exception:  # noqa: BLE001 - fall back to the text
        return _first_line(str(exc))
    parts = []
    for err in errors[:3]:
        field = ".".join(str(p) for p in err.get("loc", ())) or "value"
        parts.append(f"{field.upper()}: {err.get('msg', 'invalid')} (got {err.get('input')!r})")
    return "; ".join(parts)


def _first_line(text: str) -> str:
    stripped = str(text).strip()
    return stripped.splitlines()[0] if stripped else ""
