"""create_rfq: propose a request for quotation to a vendor for a warehouse, priced from the vendor pricelist.

Approval amount: a requester may give `price_unit` (e.g. a quoted price), but the amount the approval
rule sees is computed, per line, at the HIGHER of the given price and the reference price — the vendor
pricelist row, or the product's cost when the vendor has no row. So "9,000 units at 0.01" is approved as
9,000 units at the list price, never as 90 USD. With no reference price at all (no row, cost 0) only a
manager may give a price. The PO itself is created at the given price.

Idempotency: the new PO's `origin` is `QM-<proposal id>`; a retry searches for it first.
Staleness: the vendor prices (product.supplierinfo rows) the amount was computed from are re-read;
a moved price or a vanished row makes the proposal stale.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from tools.actions.common import m2o_id, m2o_name, money, odoo_dt, propose, require
from tools.base import ToolContext, ToolError, ToolResult, tool
from tools.governance.executor import StaleProposal, marker
from tools.governance.proposals import Proposal
from tools.odoo.client import OdooClient
from tools.odoo.resolve import company_today, company_tz, resolve_product, resolve_supplier, resolve_warehouse

MAX_QTY = 100_000
MAX_PRICE = 1_000_000
#: Roles that may set a price nothing can be checked against (no pricelist row, no product cost).
PRICE_SETTERS = frozenset({"manager", "admin"})
#: uom.category names whose quantities are counts (Odoo's "Unit" category: Units, Dozens, Box of 12, ...).
COUNTED_CATEGORIES = frozenset({"unit", "units"})
#: The product read of create_rfq: cost, template, and the UoMs with their category (nested, same round trip).
PRODUCT_SPEC: dict[str, Any] = {
    "product_tmpl_id": {}, "standard_price": {},
    "uom_id": {"fields": {"display_name": {}, "category_id": {"fields": {"display_name": {}}}}},
    "uom_po_id": {"fields": {"display_name": {}}},
}
SUPPLIERINFO_FIELDS = ["id", "partner_id", "product_id", "product_tmpl_id", "price", "min_qty", "date_start",
                       "date_end", "delay"]


class RfqLine(BaseModel):
    product: str = Field(..., description="Product code, barcode or name", min_length=1,
                         max_length=128)
    quantity: float = Field(..., description="In the vendor's purchase unit")
    price_unit: float | None = Field(None, description="Omit to use the vendor's price")


class CreateRfqArgs(BaseModel):
    supplier: str = Field(..., description="Vendor name or reference.", min_length=1, max_length=128)
    lines: list[RfqLine] = Field(..., description="Products and quantities.", min_length=1, max_length=30)
    warehouse: str | None = Field(None, description="Receiving warehouse; default: the requester's")


def _valid_on(row: dict[str, Any], day: date) -> bool:
    start, end = odoo_dt(row.get("date_start")), odoo_dt(row.get("date_end"))
    return (start is None or start.date() <= day) and (end is None or end.date() >= day)


def _pick_price(rows: list[dict[str, Any]], product_id: int, tmpl_id: int | None, qty: float,
                day: date) -> tuple[dict[str, Any] | None, float | None]:
    """(cheapest valid pricelist row for this quantity, smallest MOQ when the quantity is below all)."""
    mine = [r for r in rows if m2o_id(r.get("product_id")) == product_id
            or (not r.get("product_id") and m2o_id(r.get("product_tmpl_id")) == tmpl_id)]
    mine = [r for r in mine if _valid_on(r, day)]
    fits = [r for r in mine if float(r.get("min_qty") or 0) <= qty]
    if fits:
        return min(fits, key=lambda r: (float(r["price"]), -float(r.get("min_qty") or 0))), None
    moq = min((float(r.get("min_qty") or 0) for r in mine), default=None)
    return None, moq


def _m2o_field(value: Any, name: str) -> Any:
    """`name` of a many2one read with a sub-specification ({"id": .., name: ..}); None otherwise."""
    return value.get(name) if isinstance(value, dict) else None


def _require_whole_units(quantity: float, prod: dict[str, Any]) -> None:
    """Refuse 2.5 boxes: a product counted in units (its UoM in the Unit category) takes whole numbers.

    The PO line's quantity is in the purchase UoM, which Odoo keeps in the same category as `uom_id`;
    weights, volumes and lengths may be fractional."""
    if float(quantity).is_integer():
        return
    uom = prod.get("uom_id")
    category = _m2o_field(_m2o_field(uom, "category_id"), "display_name")
    if str(category or "").strip().lower() not in COUNTED_CATEGORIES:
        return
    label = str(prod.get("default_code") or prod.get("display_name"))
    unit = _m2o_field(prod.get("uom_po_id"), "display_name") or _m2o_field(uom, "display_name") or "units"
    raise ToolError(f"{label} is counted in whole {unit} (unit of measure category {category}); "
                    f"{quantity:g} is not a whole number. Use {int(quantity)} or {int(quantity) + 1}. "
                    "Nothing proposed.", code="bad_quantity")


@tool(CreateRfqArgs, kind="propose")
def create_rfq(ctx: ToolContext, args: CreateRfqArgs) -> ToolResult:
    """Propose an RFQ to a vendor for one warehouse at the vendor's prices.

    Refused before proposing when the vendor, a product or the warehouse is unknown or ambiguous,
    a quantity is not positive or absurd or is fractional for a product counted in units, or the vendor has no price (or a higher minimum quantity).
    """
    for line in args.lines:
        require(line.quantity > 0, f"Quantity for {line.product} must be positive (got {line.quantity:g}). "
                                   "Nothing proposed.", "bad_quantity")
        require(line.quantity <= MAX_QTY, f"Quantity {line.quantity:,.0f} for {line.product} is beyond "
                                          f"{MAX_QTY:,}; split it or check the unit. Nothing proposed.",
                "bad_quantity")
        require(line.price_unit is None or 0 < line.price_unit <= MAX_PRICE,
                f"Unit price {line.price_unit} for {line.product} is not plausible. Nothing proposed.",
                "bad_price")
    wh_text = args.warehouse or ctx.user.warehouse
    require(bool(wh_text), "Which warehouse should receive it? Give a code such as DAL or HOU.", "missing")
    odoo = ctx.odoo
    vendor = resolve_supplier(odoo, args.supplier)
    warehouse = resolve_warehouse(odoo, str(wh_text))
    picking_type_id = m2o_id(warehouse.get("in_type_id"))
    require(picking_type_id is not None, f"Warehouse {warehouse['code']} has no receipt operation type.",
            "misconfigured")
    products = [resolve_product(odoo, line.product, specification=PRODUCT_SPEC) for line in args.lines]
    for line, prod in zip(args.lines, products, strict=True):
        _require_whole_units(line.quantity, prod)
    tmpl_ids = sorted({t for t in (m2o_id(p.get("product_tmpl_id")) for p in products) if t})
    prod_ids = sorted({int(p["id"]) for p in products})
    rows = odoo.search_read("product.supplierinfo",
                            [("partner_id", "=", vendor["id"]), "|", ("product_id", "in", prod_ids),
                             ("product_tmpl_id", "in", tmpl_ids)], SUPPLIERINFO_FIELDS, limit=500)
    day = company_today(company_tz(odoo), ctx.now())
    lines: list[dict[str, Any]] = []
    evidence_prices: dict[str, float] = {}
    amount = 0.0
    approval_amount = 0.0
    for line, prod in zip(args.lines, products, strict=True):
        label = str(prod.get("default_code") or prod.get("display_name"))
        row, moq = _pick_price(rows, int(prod["id"]), m2o_id(prod.get("product_tmpl_id")), line.quantity, day)
        reference: float | None = None
        ref_source = ""
        if row is not None:
            reference = float(row["price"])
            evidence_prices[str(row["id"])] = reference
            ref_source = f"pricelist:{row['id']}"
        elif float(prod.get("standard_price") or 0) > 0:
            reference, ref_source = float(prod["standard_price"]), "product cost"
        if line.price_unit is not None:
            price, source = float(line.price_unit), "given"
            require(reference is not None or ctx.user.role in PRICE_SETTERS,
                    f"{vendor['name']} has no pricelist row for {label} and the product has no cost, so the "
                    f"given price {price:,.2f} cannot be checked; only a manager may propose it. Nothing proposed.",
                    "unverified_price")
        elif row is not None:
            price, source = float(row["price"]), ref_source
        elif moq is not None:
            raise ToolError(f"{vendor['name']} sells {label} only from {moq:,.0f} units (minimum order "
                            f"quantity); {line.quantity:,.0f} is below it. Nothing proposed.", code="moq")
        else:
            sellers = odoo.search_read("product.supplierinfo",
                                       [("product_tmpl_id", "=", m2o_id(prod.get("product_tmpl_id")))],
                                       ["partner_id", "price"], limit=10)
            names = sorted({m2o_name(s["partner_id"]) for s in sellers})
            hint = f" Vendors with a price for it: {', '.join(names)}." if names else ""
            raise ToolError(f"{vendor['name']} has no price for {label}; give price_unit or pick another "
                            f"vendor.{hint} Nothing proposed.",
                            candidates=[{"name": n} for n in names], code="no_price")
        subtotal = round(price * line.quantity, 2)
        approval_price = max(price, reference) if reference is not None else price
        amount += subtotal
        approval_amount += round(approval_price * line.quantity, 2)
        entry: dict[str, Any] = {"product_id": int(prod["id"]), "product": label, "quantity": line.quantity,
                                 "price_unit": price, "price_source": source, "subtotal": subtotal}
        if source == "given" and reference is not None:
            entry.update(reference_price=reference, reference_source=ref_source)
        lines.append(entry)
    amount, approval_amount = round(amount, 2), round(approval_amount, 2)

    def _line(ln: dict[str, Any]) -> str:
        ref = (f" (given; {ln['reference_source'].split(':')[0]} {ln['reference_price']:,.2f})"
               if "reference_price" in ln else " (given, unverified)" if ln["price_source"] == "given" else "")
        return f"{ln['quantity']:,g} × {ln['product']} @ {ln['price_unit']:,.2f}{ref}"

    desc = "; ".join(_line(ln) for ln in lines)
    summary = f"new RFQ to {vendor['name']} for {warehouse['code']}: {desc} — total {money(amount)}"
    if approval_amount > amount + 0.005:
        summary += (f"; approval amount {money(approval_amount)} (given prices below the list price count "
                    "at the list price)")
    return propose(ctx, "create_rfq",
                   args={"supplier_id": vendor["id"], "supplier": vendor["name"], "warehouse_id": warehouse["id"],
                         "warehouse": warehouse["code"], "picking_type_id": picking_type_id, "lines": lines,
                         "requester_odoo_login": ctx.user.odoo_login or ctx.user.username},
                   summary=summary,
                   before_after={"po": [None, "draft RFQ"], "vendor": vendor["name"], "total": amount},
                   evidence={"prices": evidence_prices, "supplier_id": vendor["id"], "po_total": amount},
                   amount=approval_amount,
                   odoo_ref=f"res.partner,{vendor['id']}")


def _odoo_user_id(odoo: OdooClient, login: str) -> int | None:
    """The requester's res.users id (looked up at execution: users change), or None when Odoo has none."""
    if not login:
        return None
    rows = odoo.search_read("res.users", [("login", "=", login)], ["id"], limit=1)
    return int(rows[0]["id"]) if rows else None


class CreateRfqExecutor:
    def reconcile(self, odoo: OdooClient, proposal: Proposal) -> dict[str, Any] | None:
        rows = odoo.search_read("purchase.order", [("origin", "=", marker(proposal.id))], ["id", "name"],
                                limit=1)
        return {"po_id": rows[0]["id"], "po": rows[0]["name"]} if rows else None

    def revalidate(self, odoo: OdooClient, proposal: Proposal) -> str | None:
        prices: dict[str, float] = proposal.evidence.get("prices") or {}
        if not prices:
            return None
        ids = [int(k) for k in prices]
        rows = {r["id"]: r for r in odoo.read("product.supplierinfo", ids, ["id", "price", "partner_id"])}
        for key, old in prices.items():
            row = rows.get(int(key))
            if row is None:
                raise StaleProposal(f"the vendor price row {key} used for this RFQ no longer exists")
            if abs(float(row["price"]) - float(old)) > 1e-6:
                line: dict[str, Any] = next((ln for ln in proposal.args["lines"]
                                        if f"pricelist:{key}" in (ln["price_source"], ln.get("reference_source"))),
                                        {})
                raise StaleProposal(f"the price of {line.get('product', key)} from {proposal.args['supplier']} "
                                    f"moved from {float(old):,.2f} to {float(row['price']):,.2f}")
        return None

    def execute(self, odoo: OdooClient, proposal: Proposal) -> dict[str, Any]:
        a = proposal.args
        vals = {"partner_id": a["supplier_id"], "picking_type_id": a["picking_type_id"],
                "origin": marker(proposal.id),
                "order_line": [[0, 0, {"product_id": ln["product_id"], "product_qty": ln["quantity"],
                                       "price_unit": ln["price_unit"]}] for ln in a["lines"]]}
        buyer = _odoo_user_id(odoo, str(a.get("requester_odoo_login") or proposal.requester))
        if buyer is not None:  # the PO's Buyer is the requester, not the integration user
            vals["user_id"] = buyer
        po_id = odoo.call("purchase.order", "create", [vals])
        if isinstance(po_id, list):
            po_id = po_id[0]
        rows = odoo.read("purchase.order", [int(po_id)], ["name", "amount_total", "state"])
        name = rows[0]["name"] if rows else f"purchase.order {po_id}"
        return {"po_id": int(po_id), "po": name, "amount_total": rows[0].get("amount_total") if rows else None,
                "message": f"RFQ {name} created for {a['supplier']} ({a['warehouse']})."}
