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


def uom_ratio(from_factor: float | None, to_factor: float | None) -> float | None:
    """How many `to` units one `from` unit is, from Odoo's uom.uom `factor` (units of the UoM per reference
    unit: Units 1, Dozens 1/12): 1 Dozen = 12 Units. None when a factor is unknown (different category or
    not read): callers leave such a figure out of comparisons rather than mix units."""
    if not from_factor or not to_factor:
        return None
    return float(to_factor) / float(from_factor)


def price_per(price: float, from_factor: float | None, to_factor: float | None) -> float | None:
    """A unit price per `from` UoM expressed per `to` UoM (per-Dozen 120.00 -> per-Unit 10.00)."""
    ratio = uom_ratio(from_factor, to_factor)
    return None if ratio is None else price / ratio


def to_company(amount: float, rate: float | None) -> float | None:
    """An amount in a foreign currency -> company currency with Odoo's `rate` (foreign units per company
    unit; 1.0 for the company currency itself). None when the rate is unknown."""
    if rate is None or rate <= 0:
        return None
    return amount / rate
