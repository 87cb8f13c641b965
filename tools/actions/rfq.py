"""create_rfq: propose a request for quotation to a vendor, priced as Odoo prices it.

Pricing (what Odoo's own form does): the PO is in the vendor's purchase currency (else the company's), with
the vendor's payment terms, delivered to the given warehouse's receipt operation — or, without one, Odoo's
default receipt operation for the company (`default_get`, as the form). Each line's price is Odoo's: the
vendor price row Odoo would select (sequence, then the largest minimum quantity that fits, then price),
converted from the row's currency and unit into the PO's. The proposal previews that price; at execution the
PO line is created WITHOUT a price so Odoo computes it (a stored compute since Odoo 16), and the outcome reports
the price, currency, taxes and total Odoo read back. (Odoo 17/18 also offer an `onchange(values, field_names,
fields_spec)` preview RPC, 16 `onchange(values, field_name, field_onchange)`; Quartermaster does not need it.)

Approval amount: in the COMPANY currency (converted with Odoo's rates), per line at the HIGHER of a given
`price_unit` and the reference price — the vendor row, or the product's cost when the vendor has none. So
"9,000 units at 0.01" is approved as 9,000 units at the list price, never as 90. With no reference price at all
(no row, cost 0) only a manager may give a price; the PO is then created at the given price.

Idempotency: the new PO's `origin` is `QM-<proposal id>`; a retry searches for it first.
Staleness: the vendor price rows the amount was computed from are re-read; a moved price or a vanished row
makes the proposal stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from tools.actions import checks
from tools.actions.common import m2o_id, m2o_name, money, odoo_dt, propose, require
from tools.actions.routing import routing_metrics
from tools.base import ToolContext, ToolError, ToolResult, tool
from tools.governance.executor import StaleProposal, marker
from tools.governance.proposals import Proposal
from tools.odoo.client import OdooClient
from tools.odoo.errors import OdooError
from tools.odoo.resolve import company_today, company_tz, resolve_product, resolve_supplier, resolve_warehouse

MAX_QTY = 100_000
MAX_PRICE = 1_000_000
#: Roles that may set a price nothing can be checked against (no pricelist row, no product cost).
PRICE_SETTERS = frozenset({"manager", "admin"})
#: uom.category names whose quantities are counts (Odoo's "Unit" category: Units, Dozens, Box of 12, ...).
COUNTED_CATEGORIES = frozenset({"unit", "units"})
#: The product read of create_rfq: cost, template, and the UoMs with their category (nested, same round trip).
PRODUCT_SPEC: dict[str, Any] = {
    "product_tmpl_id": {}, "standard_price": {}, "categ_id": {"fields": {"display_name": {}}},
    "uom_id": {"fields": {"display_name": {}, "factor": {}, "category_id": {"fields": {"display_name": {}}}}},
    "uom_po_id": {"fields": {"display_name": {}, "factor": {}}},
}
SUPPLIERINFO_FIELDS = ["id", "partner_id", "product_id", "product_tmpl_id", "price", "min_qty", "date_start",
                       "date_end", "delay", "sequence", "currency_id", "product_uom", "company_id"]


class RfqLine(BaseModel):
    product: str = Field(..., description="Product code (as Odoo spells it), barcode or name.", min_length=1,
                         max_length=128)
    quantity: float = Field(..., description="Quantity in the vendor's purchase unit (whole for counted units).")
    price_unit: float | None = Field(None, description="Unit price; omit to use the vendor's pricelist. "
                                                       "Approval is computed at the higher of this and the "
                                                       "list price (or product cost).")


class CreateRfqArgs(BaseModel):
    supplier: str = Field(..., description="Vendor name or reference.", min_length=1, max_length=128)
    lines: list[RfqLine] = Field(..., description="Products and quantities.", min_length=1, max_length=30)
    warehouse: str | None = Field(None, description="Receiving warehouse code or name; defaults to the "
                                                    "requester's warehouse, else Odoo's default receipt "
                                                    "operation for the company.")
    urgent: bool = Field(default=False, description="Emergency order")


def _valid_on(row: dict[str, Any], day: date) -> bool:
    start, end = odoo_dt(row.get("date_start")), odoo_dt(row.get("date_end"))
    return (start is None or start.date() <= day) and (end is None or end.date() >= day)


def _pick_price(rows: list[dict[str, Any]], product_id: int, tmpl_id: int | None, qty: float,
                day: date, company_id: int | None = None) -> tuple[dict[str, Any] | None, float | None]:
    """(the vendor row Odoo's _select_seller would pick, smallest MOQ when the quantity is below all).

    Odoo: rows of this variant or its template, valid on the day, of the PO's company or none, whose minimum
    quantity fits; first by sequence, then the largest minimum quantity, then the lowest price."""
    mine = [r for r in rows if m2o_id(r.get("product_id")) == product_id
            or (not r.get("product_id") and m2o_id(r.get("product_tmpl_id")) == tmpl_id)]
    mine = [r for r in mine if _valid_on(r, day)
            and (company_id is None or m2o_id(r.get("company_id")) in (None, company_id))]
    fits = [r for r in mine if float(r.get("min_qty") or 0) <= qty]
    if fits:
        return min(fits, key=lambda r: (int(r.get("sequence") or 0), -float(r.get("min_qty") or 0),
                                        float(r["price"]), int(r["id"]))), None
    moq = min((float(r.get("min_qty") or 0) for r in mine), default=None)
    return None, moq


def _rates(odoo: OdooClient, currency_ids: set[int], company_id: int | None, day: date) -> dict[int, float]:
    """Odoo's rate per currency (units per 1 company currency) on `day`, for the company; 1.0 when unset."""
    if len(currency_ids) < 2:
        return dict.fromkeys(currency_ids, 1.0)
    ctx: dict[str, Any] = {"date": day.isoformat()}
    if company_id:
        ctx["company_id"] = company_id
        ctx["allowed_company_ids"] = [company_id]
    try:
        rows = odoo.execute_kw("res.currency", "read", [sorted(currency_ids), ["rate"]], {"context": ctx})
    except OdooError as exc:
        raise ToolError(f"Cannot read Odoo's currency rates ({exc.message}); nothing proposed.",
                        code="misconfigured") from exc
    return {int(r["id"]): float(r.get("rate") or 1.0) for r in rows}


def _convert(amount: float, src: int | None, dst: int | None, rates: dict[int, float]) -> float:
    """Odoo's res.currency._convert without rounding: amount * rate(dst) / rate(src)."""
    if not src or not dst or src == dst:
        return amount
    return amount * rates.get(dst, 1.0) / (rates.get(src, 1.0) or 1.0)


def _factor(uom: Any) -> float:
    return float(_m2o_field(uom, "factor") or 1.0) or 1.0


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


def _destination(ctx: ToolContext, text: str | None) -> dict[str, Any]:
    """Where the RFQ goes: {picking_type_id, label, company_id, warehouse?, note}.

    A warehouse named by the requester must exist. Without one: the requester's default warehouse from the
    users file when Odoo has it, else Odoo's default receipt operation for the company (purchase.order's
    `default_get`, which is what Odoo's own form fills in)."""
    odoo = ctx.odoo
    note = ""
    if text or ctx.user.warehouse:
        try:
            wh = resolve_warehouse(odoo, str(text or ctx.user.warehouse))
        except ToolError as err:
            if text:
                raise
            why = "is not in Odoo" if err.code == "not_found" else "matches several warehouses in Odoo"
            note = f" (your default warehouse '{ctx.user.warehouse}' {why})"
        else:
            ptype = m2o_id(wh.get("in_type_id"))
            require(ptype is not None, f"Warehouse {wh['code']} has no receipt operation type.", "misconfigured")
            return {"picking_type_id": ptype, "label": str(wh["code"]), "company_id": m2o_id(wh.get("company_id")),
                    "warehouse_id": wh["id"], "warehouse": wh["code"], "note": ""}
    got = odoo.call("purchase.order", "default_get", [["picking_type_id", "company_id"]])
    ptype = m2o_id(got.get("picking_type_id")) if isinstance(got, dict) else None
    require(ptype is not None, "Odoo has no default receipt operation for this company; name a warehouse. "
                               "Nothing proposed.", "misconfigured")
    assert ptype is not None
    rows = odoo.read("stock.picking.type", [ptype], ["display_name", "warehouse_id", "company_id"])
    row = rows[0] if rows else {}
    label = str(row.get("display_name") or f"receipt operation {ptype}")
    company = m2o_id(got.get("company_id")) or m2o_id(row.get("company_id"))
    return {"picking_type_id": ptype, "label": label, "company_id": company,
            "warehouse_id": m2o_id(row.get("warehouse_id")), "warehouse": m2o_name(row.get("warehouse_id")) or label,
            "note": f" to {label}, Odoo's default receipt operation{note}"}


def _vendor_terms(odoo: OdooClient, vendor_id: int, company_id: int | None) -> dict[str, Any]:
    """The vendor's purchase currency and payment terms (company-dependent), as Odoo's form copies them."""
    ctx: dict[str, Any] = {"allowed_company_ids": [company_id]} if company_id else {}
    try:
        rows = odoo.execute_kw("res.partner", "read", [[vendor_id], ["property_purchase_currency_id",
                                                                     "property_supplier_payment_term_id"]],
                               {"context": ctx} if ctx else {})
    except OdooError:
        return {}
    return rows[0] if rows else {}


def _company_currency(odoo: OdooClient, company_id: int | None) -> tuple[int | None, str]:
    if not company_id:
        return None, ""
    rows = odoo.read("res.company", [company_id], ["currency_id"])
    cur = rows[0].get("currency_id") if rows else None
    return m2o_id(cur), m2o_name(cur)


@dataclass
class Preload:
    """Reads shared by a batch of RFQ proposals (tools/actions/bulk.py): a field that is set replaces
    create_rfq's own read of it; everything else (pricing, checks, the proposal) is create_rfq's."""

    vendor: dict[str, Any] | None = None
    dest: dict[str, Any] | None = None
    company: tuple[int | None, str] | None = None
    terms: dict[str, Any] | None = None
    products: list[dict[str, Any]] | None = None  # aligned with the lines
    rows: list[dict[str, Any]] | None = None  # product.supplierinfo rows (any vendor: filtered here)
    rates: dict[int, float] | None = None
    uom_factor: dict[int, float] | None = None
    history: list[dict[str, Any]] | None = None  # checks.history() rows of the products
    evidence: dict[str, Any] | None = None  # extra evidence (why these lines, why this vendor)


@tool(CreateRfqArgs, kind="propose")
def create_rfq(ctx: ToolContext, args: CreateRfqArgs) -> ToolResult:
    """Propose a new RFQ to a vendor, priced as Odoo prices it (vendor currency, unit and payment terms).

    Refused before proposing when the vendor, a product or a named warehouse is unknown or ambiguous,
    a quantity is not positive or absurd or is fractional for a product counted in units, or the vendor has no
    price (or a higher minimum quantity). Without a warehouse it goes to Odoo's default receipt operation.
    """
    return propose_rfq(ctx, args)


def propose_rfq(ctx: ToolContext, args: CreateRfqArgs, pre: Preload | None = None) -> ToolResult:
    """create_rfq's work; `pre` carries reads a batch already made (tools/actions/bulk.py)."""
    pre = pre or Preload()
    for line in args.lines:
        require(line.quantity > 0, f"Quantity for {line.product} must be positive (got {line.quantity:g}). "
                                   "Nothing proposed.", "bad_quantity")
        require(line.quantity <= MAX_QTY, f"Quantity {line.quantity:,.0f} for {line.product} is beyond "
                                          f"{MAX_QTY:,}; split it or check the unit. Nothing proposed.",
                "bad_quantity")
        require(line.price_unit is None or 0 < line.price_unit <= MAX_PRICE,
                f"Unit price {line.price_unit} for {line.product} is not plausible. Nothing proposed.",
                "bad_price")
    odoo = ctx.odoo
    vendor = pre.vendor or resolve_supplier(odoo, args.supplier)
    dest = pre.dest or _destination(ctx, args.warehouse)
    company_id = dest["company_id"]
    company_cur, company_code = pre.company or _company_currency(odoo, company_id)
    terms = pre.terms if pre.terms is not None else _vendor_terms(odoo, int(vendor["id"]), company_id)
    po_cur = m2o_id(terms.get("property_purchase_currency_id")) or company_cur
    po_code = m2o_name(terms.get("property_purchase_currency_id")) or company_code
    payment_term = terms.get("property_supplier_payment_term_id") or None
    products = pre.products or [resolve_product(odoo, line.product, specification=PRODUCT_SPEC) for line in args.lines]
    for line, prod in zip(args.lines, products, strict=True):
        _require_whole_units(line.quantity, prod)
    tmpl_ids = sorted({t for t in (m2o_id(p.get("product_tmpl_id")) for p in products) if t})
    prod_ids = sorted({int(p["id"]) for p in products})
    if pre.rows is not None:
        rows = [r for r in pre.rows if m2o_id(r.get("partner_id")) == vendor["id"]]
    else:
        rows = odoo.search_read("product.supplierinfo",
                                [("partner_id", "=", vendor["id"]), "|", ("product_id", "in", prod_ids),
                                 ("product_tmpl_id", "in", tmpl_ids)], SUPPLIERINFO_FIELDS, limit=500)
    day = company_today(company_tz(odoo), ctx.now())
    currencies = {c for c in [po_cur, company_cur, *(m2o_id(r.get("currency_id")) for r in rows)] if c}
    rates = pre.rates if pre.rates is not None and currencies <= set(pre.rates) else _rates(
        odoo, currencies, company_id, day)
    row_uoms = {u for u in (m2o_id(r.get("product_uom")) for r in rows) if u}
    if pre.uom_factor is not None and row_uoms <= set(pre.uom_factor):
        uom_factor = dict(pre.uom_factor)
    else:
        uom_factor = {int(u["id"]): float(u.get("factor") or 1.0) or 1.0
                      for u in (odoo.read("uom.uom", sorted(row_uoms), ["factor"]) if row_uoms else [])}
    lines: list[dict[str, Any]] = []
    to_check: list[checks.CheckLine] = []
    evidence_prices: dict[str, float] = {}
    amount = 0.0
    approval_amount = 0.0  # in the company currency
    for line, prod in zip(args.lines, products, strict=True):
        label = str(prod.get("default_code") or prod.get("display_name"))
        po_uom = prod.get("uom_po_id") or prod.get("uom_id")
        po_uom_id = po_uom.get("id") if isinstance(po_uom, dict) else m2o_id(po_uom)
        po_uom_f = _factor(po_uom)
        unit = _m2o_field(po_uom, "display_name") or ""
        row, moq = _pick_price(rows, int(prod["id"]), m2o_id(prod.get("product_tmpl_id")), line.quantity, day,
                               company_id)
        reference: float | None = None  # in the PO currency, per PO line unit
        ref_source = ""
        vendor_price = ""
        if row is not None:
            row_uom = m2o_id(row.get("product_uom"))
            per_unit = float(row["price"])
            if row_uom and row_uom != po_uom_id:
                per_unit = per_unit * uom_factor.get(row_uom, po_uom_f) / po_uom_f
            reference = round(_convert(per_unit, m2o_id(row.get("currency_id")), po_cur, rates), 6)
            evidence_prices[str(row["id"])] = float(row["price"])
            ref_source = f"pricelist:{row['id']}"
            row_code = m2o_name(row.get("currency_id")) or po_code
            if row_code != po_code or (row_uom and row_uom != po_uom_id):
                vendor_price = f"vendor price {money(float(row['price']), row_code)}" + (
                    f" per {m2o_name(row.get('product_uom'))}" if row_uom and row_uom != po_uom_id else "")
        elif float(prod.get("standard_price") or 0) > 0:
            cost = float(prod["standard_price"]) * po_uom_f / _factor(prod.get("uom_id"))  # cost is per product UoM
            reference, ref_source = round(_convert(cost, company_cur, po_cur, rates), 6), "product cost"
        if line.price_unit is not None:
            price, source = float(line.price_unit), "given"
            require(reference is not None or ctx.user.role in PRICE_SETTERS,
                    f"{vendor['name']} has no pricelist row for {label} and the product has no cost, so the "
                    f"given price {price:,.2f} cannot be checked; only a manager may propose it. Nothing proposed.",
                    "unverified_price")
        elif row is not None and reference is not None:
            price, source = reference, ref_source
        elif moq is not None:
            raise ToolError(f"{vendor['name']} sells {label} only from {moq:,.0f} {unit or 'units'} (minimum order "
                            f"quantity); {line.quantity:,.0f} is below it. Nothing proposed.", code="moq")
        else:
            sellers = odoo.search_read("product.supplierinfo",
                                       [("product_tmpl_id", "=", m2o_id(prod.get("product_tmpl_id")))],
                                       ["partner_id", "price", "company_id"], limit=50)
            # Odoo prices a PO only from rows of the PO's company (or of none)
            fits = [s for s in sellers if company_id is None or m2o_id(s.get("company_id")) in (None, company_id)]
            names = sorted({m2o_name(s["partner_id"]) for s in fits})
            hint = f" Vendors with a price for it there: {', '.join(names)}." if names else ""
            elsewhere = sorted({m2o_name(s.get("company_id")) for s in sellers if s not in fits
                                and m2o_id(s.get("partner_id")) == int(vendor["id"])})
            if elsewhere:
                here = str((odoo.read("res.company", [company_id], ["display_name"]) or [{}])[0]
                           .get("display_name") or "") if company_id else ""
                raise ToolError(f"{vendor['name']}'s price for {label} is set up for {', '.join(elsewhere)} only, and "
                                f"{dest['warehouse']} receives for {here or 'another company'}; give price_unit or "
                                f"pick a warehouse of {elsewhere[0]}.{hint} Nothing proposed.",
                                candidates=[{"name": n} for n in names], code="no_price")
            raise ToolError(f"{vendor['name']} has no price for {label}; give price_unit or pick another "
                            f"vendor.{hint} Nothing proposed.",
                            candidates=[{"name": n} for n in names], code="no_price")
        subtotal = round(price * line.quantity, 2)
        approval_price = max(price, reference) if reference is not None else price
        amount += subtotal
        approval_amount += round(_convert(approval_price * line.quantity, po_cur, company_cur, rates), 2)
        entry: dict[str, Any] = {"product_id": int(prod["id"]), "product": label, "quantity": line.quantity,
                                 "price_unit": round(price, 6), "price_source": source, "subtotal": subtotal,
                                 "uom": unit}
        if vendor_price:
            entry["vendor_price"] = vendor_price
        if source == "given" and reference is not None:
            entry.update(reference_price=reference, reference_source=ref_source)
        lines.append(entry)
        per_product = po_uom_f / _factor(prod.get("uom_id"))  # PO-unit price -> product-unit price
        to_check.append(checks.CheckLine(int(prod["id"]), label, line.quantity, round(price * per_product, 6),
                                         round(reference * per_product, 6) if row is not None and reference
                                         else None))
    amount, approval_amount = round(amount, 2), round(approval_amount, 2)

    def _line(ln: dict[str, Any]) -> str:
        ref = (f" (given; {ln['reference_source'].split(':')[0]} {ln['reference_price']:,.2f})"
               if "reference_price" in ln else " (given, unverified)" if ln["price_source"] == "given" else "")
        extra = f" ({ln['vendor_price']})" if ln.get("vendor_price") else ""
        per = f" {ln['uom']}" if ln.get("uom") and ln["uom"] not in ("Units", "Unit") else ""
        return f"{ln['quantity']:,g}{per} × {ln['product']} @ {money(ln['price_unit'], po_code)}{ref}{extra}"

    desc = "; ".join(_line(ln) for ln in lines)
    where = dest["note"] or f" for {dest['label']}"
    summary = f"new RFQ to {vendor['name']}{where}: {desc} — total {money(amount, po_code)}"
    if po_code and company_code and po_code != company_code:
        summary += f" (≈ {money(approval_amount, company_code)} in the company currency)"
    if payment_term:
        summary += f"; payment terms {m2o_name(payment_term)}"
    given_below = any(ln["price_source"] == "given" and ln.get("reference_price", 0) > ln["price_unit"]
                      for ln in lines)
    if given_below:
        summary += (f"; approval amount {money(approval_amount, company_code)} (given prices below the list price "
                    "count at the list price)")
    found = checks.run_checks(ctx, vendor_id=int(vendor["id"]), vendor=str(vendor["name"]),
                              warehouse_id=dest.get("warehouse_id"), warehouse=str(dest["warehouse"]),
                              lines=to_check, currency=po_code, currency_id=po_cur, rows=pre.history)
    checks.refuse_if_blocked(found)
    if found.warnings:
        summary += ". Check before approving: " + " ".join(found.warnings)
    metrics = routing_metrics(ctx, urgent=args.urgent, categories=[
        m2o_name(p.get("categ_id")) for p in products],
        vendor=str(vendor["name"]))
    if args.urgent:
        summary = "URGENT: " + summary
    return propose(ctx, "create_rfq",
                   args={"supplier_id": vendor["id"], "supplier": vendor["name"], "urgent": args.urgent,
                         "warehouse_id": dest.get("warehouse_id"), "warehouse": dest["warehouse"],
                         "picking_type_id": dest["picking_type_id"], "destination": dest["label"],
                         "currency_id": po_cur, "currency": po_code,
                         "payment_term_id": m2o_id(payment_term), "lines": lines,
                         "requester_odoo_login": ctx.user.odoo_login or ctx.user.username},
                   summary=summary,
                   before_after={"po": [None, "draft RFQ"], "vendor": vendor["name"], "total": amount,
                                 "currency": po_code},
                   evidence={"prices": evidence_prices, "supplier_id": vendor["id"], "po_total": amount,
                             "company_currency": company_code, "approval_amount": approval_amount,
                             **found.evidence(), **(pre.evidence or {})},
                   amount=approval_amount, metrics=metrics,
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
        lines = []
        for ln in a["lines"]:
            vals = {"product_id": ln["product_id"], "product_qty": ln["quantity"]}
            if ln.get("price_source") == "given":  # else Odoo computes the price itself (its vendor row)
                vals["price_unit"] = ln["price_unit"]
            lines.append([0, 0, vals])
        po_vals: dict[str, Any] = {"partner_id": a["supplier_id"], "picking_type_id": a["picking_type_id"],
                                   "origin": marker(proposal.id), "order_line": lines}
        if a.get("currency_id"):
            po_vals["currency_id"] = a["currency_id"]
        if a.get("urgent"):
            po_vals["priority"] = "1"  # Odoo's star: Urgent
        if a.get("payment_term_id"):  # Odoo's form copies the vendor's terms; create() does not
            po_vals["payment_term_id"] = a["payment_term_id"]
        buyer = _odoo_user_id(odoo, str(a.get("requester_odoo_login") or proposal.requester))
        if buyer is not None:  # the PO's Buyer is the requester, not the integration user
            po_vals["user_id"] = buyer
        po_id = odoo.call("purchase.order", "create", [po_vals])
        if isinstance(po_id, list):
            po_id = po_id[0]
        return self._read_back(odoo, proposal, int(po_id))

    @staticmethod
    def _read_back(odoo: OdooClient, proposal: Proposal, po_id: int) -> dict[str, Any]:
        """What Odoo made of it: its prices, currency, taxes, total, payment terms — the outcome reported."""
        a = proposal.args
        rows = odoo.read("purchase.order", [po_id], ["name", "amount_total", "amount_tax", "state", "currency_id",
                                                     "payment_term_id", "order_line"])
        if not rows:
            return {"po_id": po_id, "po": f"purchase.order {po_id}",
                    "message": f"RFQ created for {a['supplier']} but Odoo did not return it on reading back."}
        po = rows[0]
        code = m2o_name(po.get("currency_id"))
        plines = odoo.read("purchase.order.line", list(po.get("order_line") or []),
                           ["product_id", "product_qty", "price_unit", "product_uom", "taxes_id", "date_planned"])
        priced = "; ".join(f"{float(pl['product_qty']):,g} × {m2o_name(pl.get('product_id'))} @ "
                           f"{money(float(pl['price_unit']), code)}" for pl in plines)
        total = float(po.get("amount_total") or 0)
        message = (f"RFQ {po['name']} created in Odoo for {a['supplier']} ({a.get('destination') or a['warehouse']}): "
                   f"{priced}; total {money(total, code)} incl. {money(float(po.get('amount_tax') or 0), code)} "
                   "taxes")
        if po.get("payment_term_id"):
            message += f"; payment terms {m2o_name(po['payment_term_id'])}"
        untaxed_preview = float(proposal.evidence.get("po_total") or 0)
        untaxed = sum(round(float(pl["price_unit"]) * float(pl["product_qty"]), 2) for pl in plines)
        if abs(untaxed - untaxed_preview) > 0.01:
            message += (f". Odoo's prices differ from the proposal's preview ({money(untaxed, code)} vs "
                        f"{money(untaxed_preview, code)} before taxes)")
        return {"po_id": po_id, "po": po["name"], "amount_total": total, "currency": code, "state": po.get("state"),
                "lines": [{"product": m2o_name(pl.get("product_id")), "quantity": pl["product_qty"],
                           "price_unit": pl["price_unit"], "uom": m2o_name(pl.get("product_uom")),
                           "taxes": pl.get("taxes_id") or [], "date_planned": pl.get("date_planned")}
                          for pl in plines],
                "message": message + "."}
