"""Evaluation never touches live data: its own data dir, its own sandbox, or a read-only real Odoo.

Why: the eval asks for RFQs, cancellations and reminders. Run against the live runtime, those proposals
landed in the live approvals inbox (approvable, unmarked) and the audit grew by hundreds of events. Here
the eval gets a throw-away data dir (its own state DB: proposals, audit, conversations; its own Chroma
copy) and, on the sandbox, its own sandbox started from the seed cache. Against a real Odoo the client is
read-only: any method that is not a read is refused before it leaves the process, so a proposal can be
made (it lives only in the throw-away store) but nothing can be written to Odoo.
"""

from __future__ import annotations

import contextlib
import inspect
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tools.odoo.client import OdooClient
from tools.odoo.errors import OdooAccessError

READ_METHODS = frozenset({
    "search_read", "read", "search", "search_count", "read_group", "web_search_read", "web_read",
    "web_read_group", "fields_get", "name_search", "name_get", "default_get", "onchange", "check_access_rights",
    "check_access", "has_group", "context_get", "formatted_read_group", "search_fetch", "get_views",
    "display_name", "version", "get_installed_modules",
})


class ReadOnlyRefused(OdooAccessError):
    """A write was attempted by the eval against a real Odoo."""


def make_read_only(odoo: OdooClient) -> OdooClient:
    """Refuse every RPC that is not a read, on this client instance (the eval's own login)."""
    original = odoo.execute_kw

    def execute_kw(model: str, method: str, args: list[Any] | None = None,
                   kwargs: dict[str, Any] | None = None) -> Any:
        if method not in READ_METHODS:
            raise ReadOnlyRefused(f"The evaluation is read-only: {model}.{method} was not sent to Odoo.")
        return original(model, method, args, kwargs)

    odoo.execute_kw = execute_kw  # type: ignore[method-assign]
    odoo.read_only = True  # type: ignore[attr-defined]
    return odoo


def _start_own_sandbox(settings: Any, where: Path, business: str | None) -> Any:
    from sandbox.launch import start_sandbox

    kwargs: dict[str, Any] = {"port": 0, "scale": settings.sandbox_scale,
                              "cache_dir": Path(settings.data_dir) / "cache"}
    params = inspect.signature(start_sandbox).parameters
    if "seed" in params:
        kwargs["seed"] = settings.sandbox_seed
    business = business or getattr(settings, "sandbox_business", None)
    if business and business != "bluebonnet" or (business and "business" in params):
        if "business" not in params:
            raise ValueError(f"This sandbox has no second business yet: cannot start '{business}'.")
        kwargs["business"] = business
    return start_sandbox(where, **kwargs)


@contextlib.contextmanager
def eval_runtime(settings: Any, *, brain: str = "offline", business: str | None = None,
                 keep: bool = False) -> Iterator[Any]:
    """A Runtime for one eval run that shares nothing writable with the live one.

    `settings` are the live settings (where Odoo is, which users/policy files); the copy used here points
    at a temporary data dir and state DB. On the sandbox a private sandbox is started (`business` picks the
    seeded business); against a real Odoo the login is made read-only. `keep` leaves the temp dir (debug).
    """
    from assistant.runtime import Runtime
    from assistant.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="qm-eval-"))
    sandbox = None
    runtime = None
    try:
        data = tmp / "data"
        data.mkdir()
        live_chroma = Path(settings.data_dir) / "chroma"
        if live_chroma.is_dir() and not settings.chroma_host:
            shutil.copytree(live_chroma, data / "chroma")  # a copy: ingesting the corpus again writes here
        overrides: dict[str, Any] = {"data_dir": data, "database_url": None, "chroma_host": None,
                                     "brain": "offline" if brain == "scripted" else brain}
        if settings.uses_sandbox:
            sandbox = _start_own_sandbox(settings, tmp / "sandbox", business)
            overrides.update(odoo_url=sandbox.url, odoo_db=sandbox.db, odoo_login="admin", odoo_password="admin")
        elif business:
            raise ValueError("--business picks a sandbox business; this eval runs against the Odoo at ODOO_URL.")
        fields = settings.model_dump()
        fields.pop("state_url", None)
        own = Settings(**{**fields, **overrides})
        if (own.state_url == settings.state_url) or own.data_dir == settings.data_dir:
            raise RuntimeError("refusing to run the eval on the live state store")
        runtime = Runtime.build(own)
        if sandbox is None:
            make_read_only(runtime.odoo)  # the proposal service and every tool share this client
        runtime.eval_sandbox = sandbox  # type: ignore[attr-defined]
        yield runtime
    finally:
        if runtime is not None:
            runtime.close()
        if sandbox is not None:
            sandbox.stop()
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
