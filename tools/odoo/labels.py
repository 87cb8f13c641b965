"""Odoo's own words for what people read: selection labels and the person's time zone.

Why here: a state key ("assigned", "to approve") is a database value; the person knows the label Odoo
shows for it ("Ready", "To Approve"). Labels are read from the connected Odoo (fields_get, cached per
client) so a translated or customised Odoo reads the same as its web client; times are shown in the
person's own zone (res.users.tz of their Odoo login, else the company's) with the zone named.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tools.odoo.errors import OdooError
from tools.odoo.resolve import DEFAULT_TZ, company_tz

log = logging.getLogger(__name__)
TTL = 600.0

# the selections whose keys reach answers, tables, summaries and cards
STATE_FIELDS: tuple[tuple[str, str], ...] = (
    ("purchase.order", "state"), ("purchase.order", "receipt_status"), ("purchase.order", "invoice_status"),
    ("stock.picking", "state"), ("account.move", "state"), ("account.move", "payment_state"),
)


def selection_labels(odoo: Any, model: str, field: str) -> dict[str, str]:
    """{key: label} of a selection field as the connected Odoo describes it; {} when unknown."""
    if odoo is None:
        return {}

    def load() -> dict[str, str]:
        try:
            desc = odoo.execute_kw(model, "fields_get", [[field]], {"attributes": ["selection"]})
        except (OdooError, Exception) as exc:  # noqa: BLE001 - a label falls back to the key, never an error
            log.info("no selection labels for %s.%s: %s", model, field, exc)
            return {}
        sel = (desc.get(field) or {}).get("selection") if isinstance(desc, dict) else None
        return {str(k): str(v) for k, v in sel or [] if isinstance(k, str | int)}

    if hasattr(odoo, "cached"):
        return dict(odoo.cached(f"selection:{model}.{field}", load, ttl=TTL))
    return load()


def label_for(odoo: Any, model: str, field: str, value: Any) -> str:
    """'assigned' → 'Ready' (stock.picking state); an unknown value is returned as it is."""
    if value in (None, False, ""):
        return ""
    return selection_labels(odoo, model, field).get(str(value), str(value))


def user_tz(odoo: Any, login: str | None) -> str:
    """The person's time zone as Odoo keeps it (res.users.tz of their Odoo login), else the company's."""
    if odoo is None:
        return DEFAULT_TZ
    tz = ""
    if login:
        def load() -> str:
            rows = odoo.search_read("res.users", [["login", "=", login]], ["tz"], limit=1)
            return str(rows[0]["tz"]) if rows and rows[0].get("tz") else ""

        try:
            tz = odoo.cached(f"web:tz:{login}", load, ttl=TTL) if hasattr(odoo, "cached") else load()
        except Exception as exc:  # noqa: BLE001 - then the company's zone
            log.info("cannot read the time zone of %s: %s", login, exc)
    return tz if tz and tz.lower() not in ("false", "none") else company_tz(odoo, DEFAULT_TZ)


def identity_tz(odoo: Any, user: Any) -> str:
    """`user_tz` for an Identity (its Odoo login, else its username)."""
    return user_tz(odoo, getattr(user, "odoo_login", None) or getattr(user, "username", None))


def local_time(value: Any, tz: str) -> str:
    """A timestamp (naive = UTC, as Odoo and our store keep them; or ISO text) → '2026-12-03 09:15 CST'."""
    if not value:
        return ""
    try:
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        zone = ZoneInfo(tz or DEFAULT_TZ)
    except (ZoneInfoNotFoundError, ValueError):
        zone, tz = ZoneInfo(DEFAULT_TZ), DEFAULT_TZ
    local = when.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname() or tz}"
