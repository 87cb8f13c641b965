"""What a connected Odoo database must have for the tools to work: installed apps and access rights.

Why here: the runtime refuses to start on a database without the apps the tools read (one round trip),
and `quartermaster doctor` reuses the same checks to say exactly what to install or grant.
"""

from __future__ import annotations

from typing import Any

from tools.odoo.client import OdooClient
from tools.odoo.errors import OdooAccessError, OdooError, OdooSetupError

# technical name -> what a person finds in Odoo's Apps list
REQUIRED_MODULES: dict[str, str] = {
    "purchase": "Purchase",
    "stock": "Inventory",
    "purchase_stock": "Purchase Stock (installed with Purchase + Inventory)",
}
OPTIONAL_MODULES: dict[str, str] = {"account": "Invoicing (three-way match, bills in the scorecard)"}
WORKING = ("installed", "to upgrade", "to remove", "unknown")  # states in which its models are there
# where a module shows when the module list cannot be read: a model it defines, or a field it adds
MARKERS: dict[str, tuple[str, str | None]] = {
    "purchase": ("purchase.order", None),
    "stock": ("stock.picking", None),
    "purchase_stock": ("stock.move", "purchase_line_id"),
    "account": ("account.move", None),
}


def installed_modules(odoo: OdooClient, names: list[str]) -> dict[str, str]:
    """{name: state} for every given module: Odoo's own state ("installed", "uninstalled", "to install",
    …) or "absent". Where the module list is not readable (no rights, or a server without one), the
    models and fields the modules define decide, and "unknown" marks what cannot be seen."""
    try:
        rows = odoo.search_read("ir.module.module", [["name", "in", names]], ["name", "state"], limit=len(names))
        found = {str(r["name"]): str(r["state"]) for r in rows}
        return {name: found.get(name, "absent") for name in names}
    except OdooError:
        pass
    states: dict[str, str] = {}
    if "purchase_stock" in names:  # one look answers three: purchase_stock depends on purchase and stock
        try:
            if "purchase_line_id" in odoo.execute_kw("stock.move", "fields_get", [], {"attributes": ["type"]}):
                states.update(dict.fromkeys(("purchase", "stock", "purchase_stock"), "installed"))
        except OdooError:
            pass
    for name in names:
        if name in states:
            continue
        marker = MARKERS.get(name)
        if marker is None:
            states[name] = "unknown"
            continue
        model, field = marker
        try:
            fields = odoo.execute_kw(model, "fields_get", [], {"attributes": ["type"]})
        except OdooAccessError:
            states[name] = "unknown"
            continue
        except OdooError:
            states[name] = "absent"
            continue
        states[name] = "installed" if field is None or field in fields else "absent"
    return states


def missing_required(odoo: OdooClient) -> list[str]:
    """The required modules that are not installed ([] when all are, or when it cannot be seen)."""
    states = installed_modules(odoo, list(REQUIRED_MODULES))
    return [m for m, state in states.items() if state not in WORKING]


def require_modules(odoo: OdooClient) -> None:
    """Raise OdooSetupError("modules") when Purchase, Inventory or their link is not installed."""
    missing = missing_required(odoo)
    if missing:
        apps = ", ".join(f"{m} ({REQUIRED_MODULES[m]})" for m in missing)
        raise OdooSetupError(f"Odoo database '{odoo.db}' does not have {apps} installed.", "modules",
                             db=odoo.db, missing=",".join(missing))


def model_access(odoo: OdooClient, model: str, operation: str = "read") -> tuple[bool, str]:
    """(allowed, reason). For reads, also one bounded search, so record rules and a missing model
    (an app not installed) show up, not just the access-control list."""
    try:
        allowed = bool(odoo.execute_kw(model, "check_access_rights", [operation], {"raise_exception": False}))
        if not allowed:
            return False, f"no {operation} access to {model}"
        if operation == "read":
            odoo.search(model, [], limit=1)
        return True, "ok"
    except OdooAccessError as exc:
        return False, _first_line(exc.message)
    except OdooError as exc:
        text = _first_line(exc.message)
        if "doesn't exist" in text or "does not exist" in text:
            return False, f"{model} does not exist in this database (its app is not installed)"
        return False, text


def _first_line(text: Any) -> str:
    return str(text).strip().splitlines()[0] if str(text).strip() else "refused"
