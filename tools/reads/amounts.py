"""Money and units the way the connected Odoo states them: the company currency, exchange rates, UoM.

Why one place: the new read tools sum and compare amounts across purchase orders, bills and vendor
price rows that may be in other currencies or units. The company currency and what the Odoo version
offers (res.currency `rate`, purchase.report, the PO's acknowledgement field) are read once per client
and cached like the other reference lists; a rate is read only when a foreign currency shows up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from tools.base import ToolContext
from tools.odoo.errors import OdooError
from tools.reads.common import id_of, name_of

FACTS_TTL = 600.0
ACK_FIELDS = ("acknowledged", "mail_reception_confirmed")  # newest name first


@dataclass(frozen=True)
class Facts:
    """What this Odoo offers, read once per client (4 round trips, cached 10 min)."""

    company_id: int | None
    currency_id: int | None
    currency: str
    has_purchase_report: bool  # purchase.report with untaxed_total in company currency
    ack_field: str | None  # the PO field saying the vendor acknowledged the order
    po_currency_rate: bool  # purchase.order.currency_rate: the PO's own rate, fixed at its order date
    residual_signed: bool  # account.move.amount_residual_signed: amount due in the company currency


def odoo_facts(ctx: ToolContext) -> Facts:
    odoo = ctx.odoo

    def load() -> Facts:
        user = odoo.web_read("res.users", [int(odoo.uid or 2)], {"company_id": {"fields": {
            "currency_id": {"fields": {"name": {}}}}}})
        company = (user[0].get("company_id") if user else None) or {}
        cur = company.get("currency_id") if isinstance(company, dict) else None
        models = {r["model"] for r in odoo.search_read(
            "ir.model", [("model", "in", ["purchase.report"])], ["model"], limit=5)}
        po_fields = odoo.execute_kw("purchase.order", "fields_get", [[*ACK_FIELDS, "currency_rate"]],
                                    {"attributes": ["type"]}) or {}
        move_fields = odoo.execute_kw("account.move", "fields_get", [["amount_residual_signed"]],
                                      {"attributes": ["type"]}) or {}
        return Facts(company_id=id_of(company), currency_id=id_of(cur), currency=name_of(cur) or "",
                     has_purchase_report="purchase.report" in models,
                     ack_field=next((f for f in ACK_FIELDS if f in po_fields), None),
                     po_currency_rate="currency_rate" in po_fields,
                     residual_signed="amount_residual_signed" in move_fields)

    return odoo.cached("company_facts", load, ttl=FACTS_TTL)


def fmt_money(amount: Any, currency: str | None) -> str:
    """'1,234.56 EUR': two decimals and the ISO code Odoo gives (no symbol guessed)."""
    return f"{float(amount or 0):,.2f} {currency or ''}".rstrip()


def rates(ctx: ToolContext, facts: Facts, currency_ids: set[int], on: date | None = None) -> dict[int, float]:
    """{currency id: Odoo's rate against the company currency on `on`} for the foreign ones: one round
    trip, none when every amount is already in the company currency."""
    foreign = sorted(c for c in currency_ids if c and c != facts.currency_id)
    if not foreign:
        return {}
    context: dict[str, Any] = {"date": on.isoformat()} if on else {}
    if facts.company_id:
        context["company_id"] = facts.company_id
    try:
        rows = ctx.odoo.read("res.currency", foreign, ["rate"], context=context)
    except OdooError:  # an Odoo without rates: the Converter keeps those amounts apart and says so
        return {}
    return {r["id"]: float(r["rate"]) for r in rows if r.get("rate")}


class Converter:
    """Sums amounts into the company currency; what cannot be converted is kept per currency."""

    def __init__(self, facts: Facts, rate_by_id: dict[int, float]) -> None:
        self.facts, self.rate_by_id = facts, rate_by_id
        self.unconverted: dict[str, float] = {}

    def __call__(self, amount: float, currency: Any) -> float | None:
        cid = id_of(currency)
        if cid is None or cid == self.facts.currency_id:
            return amount
        rate = self.rate_by_id.get(cid)
        if rate:
            return amount / rate
        code = name_of(currency) or str(cid)
        self.unconverted[code] = self.unconverted.get(code, 0.0) + amount
        return None

    def note(self) -> str | None:
        if not self.unconverted:
            return None
        parts = ", ".join(fmt_money(v, k) for k, v in sorted(self.unconverted.items()))
        return f"not in the totals (Odoo has no exchange rate for them): {parts}"


def uom_factor(uom: Any) -> float:
    """The `factor` of a nested uom.uom (units per reference unit); 1 when missing."""
    f = uom.get("factor") if isinstance(uom, dict) else None
    return float(f) if f else 1.0


def convert_qty(qty: float, from_uom: Any, to_uom: Any) -> float:
    """A quantity in `from_uom` expressed in `to_uom` (same category), as Odoo's _compute_quantity."""
    return qty / uom_factor(from_uom) * uom_factor(to_uom)


def convert_price(price: float, from_uom: Any, to_uom: Any) -> float:
    """A unit price per `from_uom` expressed per `to_uom`, as Odoo's _compute_price."""
    return price * uom_factor(from_uom) / uom_factor(to_uom)


def shows_money(ctx: ToolContext) -> bool:
    """False for roles whose results are scrubbed of money: their summary text leaves amounts out."""
    policy = ctx.policy
    return not (policy is not None and getattr(policy, "scrubs_money", lambda _r: False)(ctx.user.role))
