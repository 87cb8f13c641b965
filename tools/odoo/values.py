"""Reading Odoo's value shapes: many2one comes as [id, name] (read), {id, display_name} (web_read) or an id."""

from __future__ import annotations

from typing import Any


def m2o_id(value: Any) -> int | None:
    """The id of a many2one value in any of Odoo's shapes; None when empty (False)."""
    if isinstance(value, list | tuple) and value:
        return int(value[0])
    if isinstance(value, dict):
        return int(value["id"]) if value.get("id") else None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def m2o_name(value: Any) -> str:
    """The display name of a many2one value; "" when empty or a bare id."""
    if isinstance(value, list | tuple) and len(value) > 1:
        return str(value[1])
    if isinstance(value, dict):
        return str(value.get("display_name") or value.get("name") or "")
    return ""
