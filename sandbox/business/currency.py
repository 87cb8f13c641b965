"""Currency rates as Odoo 18 reads them: `rate` = units of the currency per 1 unit of the company currency.

Why here: PO line prices from a vendor row in another currency, `res.currency.rate` on the currency and the
PO's `currency_rate` all need the same rule (latest rate on or before the date for the company or shared,
else the earliest one, else 1.0; the company currency is 1 by definition).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.orm.env import Env


def raw_rates(env: Env, currency_ids: list[int], company: int | None, day: str) -> dict[int, float]:
    """Odoo's _get_rates: per currency, the rate dated on/before ``day`` (company rows before shared ones),
    else the earliest known, else 1.0."""
    out: dict[int, float] = {}
    for cid in currency_ids:
        row = env.q("SELECT rate FROM res_currency_rate WHERE currency_id = ? AND name <= ? AND "
                    "(company_id IS NULL OR company_id = ?) ORDER BY company_id IS NULL, name DESC, id DESC LIMIT 1",
                    [cid, day[:10], company])
        if not row:
            row = env.q("SELECT rate FROM res_currency_rate WHERE currency_id = ? AND (company_id IS NULL OR "
                        "company_id = ?) ORDER BY company_id IS NULL, name ASC, id ASC LIMIT 1", [cid, company])
        out[cid] = float(row[0][0]) if row and row[0][0] else 1.0
    return out


def company_currency_id(env: Env, company: int | None) -> int:
    row = env.q("SELECT currency_id FROM res_company WHERE id = ?", [company or 1])
    return int(row[0][0]) if row and row[0][0] else 1


def rate(env: Env, currency: int, company: int | None, day: str) -> float:
    """Units of ``currency`` per 1 unit of the company currency on ``day`` (res.currency.rate)."""
    base = company_currency_id(env, company)
    got = raw_rates(env, [currency, base], company, day)
    return got[currency] / got[base]


def convert(env: Env, amount: float, from_currency: int, to_currency: int, company: int | None, day: str) -> float:
    """res.currency._convert without rounding."""
    if from_currency == to_currency:
        return amount
    got = raw_rates(env, [from_currency, to_currency], company, day)
    return amount * got[to_currency] / got[from_currency]


def decimals(env: Env, currency: int) -> int:
    row = env.q("SELECT decimal_places FROM res_currency WHERE id = ?", [currency])
    return int(row[0][0]) if row and row[0][0] is not None else 2
