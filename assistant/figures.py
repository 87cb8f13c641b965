"""Every table people read, one renderer: business column names and figures as a finance team reads them.

Why one place: tools return rows keyed by field names ("po", "wh", "change_pct", "below_min") with raw
values (a state key, 667.2, True, a naive UTC timestamp). The planner's Markdown tables, the structured
tables of the CLI and the web chat, and Slack all pass through `Formatter`, so a column is always a label
("PO", "Warehouse", "Change %", "Below minimum"), money always carries its currency and two decimals,
percentages one decimal, quantities their unit, booleans read Yes/No, states read as Odoo labels them
("Ready", "Purchase Order") and times show in the reader's zone with the zone named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tools.odoo.labels import local_time, selection_labels

# -- column labels ------------------------------------------------------------------------------------
LABELS = {
    "wh": "Warehouse", "warehouse_code": "Warehouse", "po": "PO", "pos": "POs", "ref": "Reference",
    "qty": "Quantity", "uom": "Unit", "product_uom": "Unit", "on_hand": "On hand", "reorder_min": "Reorder minimum",
    "reorder_max": "Reorder maximum", "min": "Minimum", "max": "Maximum", "min_qty": "Minimum quantity",
    "below_min": "Below minimum", "days_late": "Days late", "suggested_qty": "Suggested quantity",
    "daily_out": "Daily outflow", "days_cover": "Days of cover", "runs_out_in_lead_time": "Runs out within lead time",
    "otif_pct": "OTIF %", "on_time_pct": "On-time %", "in_full_pct": "In-full %", "cheapest": "Cheapest vendor",
    "most_reliable": "Most reliable vendor", "kpis": "KPIs", "kpi": "KPI", "price_unit": "Unit price",
    "avg_unit_price": "Average unit price", "avg_price": "Average price", "po_price": "PO price",
    "amount_total": "Total", "amount_untaxed": "Untaxed amount", "amount_residual": "Open amount",
    "price_subtotal": "Subtotal", "price_per_product_uom": "Price per stock unit", "change_pct": "Change %",
    "share_pct": "Share %", "likely_basis_receipts": "Receipts behind the estimate", "likely": "Likely arrival",
    "age_days": "Age (days)", "lead_time_days": "Lead time (days)", "otif_target_pct": "OTIF target %",
    "doc_id": "Document", "expires_at": "Expires", "created_at": "Created", "before_after": "Change",
    "rfq_proposal": "RFQ proposal", "rfqs": "RFQs", "key": "Group", "date_done": "Received on",
    "payment_state": "Payment status", "receipt_status": "Receipt status", "invoice_status": "Billing status",
    "state": "Status", "vendor_ref": "Vendor reference", "lines": "Lines", "more_lines": "More lines",
    "mom_change_pct": "Month-on-month %", "promised_days": "Promised lead time (days)",
    "likely_days": "Likely lead time (days)", "history_mean_days": "Average past lead time (days)",
    "based_on_receipts": "Receipts behind the estimate", "previous_month": "Previous month", "risk_score": "Risk score", "valid_today": "Valid today",
}
# short words people read as their acronym, and abbreviations written out
ACRONYMS = {"po": "PO", "pos": "POs", "rfq": "RFQ", "rfqs": "RFQs", "otif": "OTIF", "uom": "UoM", "kpi": "KPI",
            "kpis": "KPIs", "sku": "SKU", "id": "ID", "ytd": "YTD", "eta": "ETA", "vat": "VAT", "sla": "SLA",
            "moq": "MOQ", "iban": "IBAN", "ean": "EAN"}
WORDS = {"qty": "quantity", "avg": "average", "wh": "warehouse", "min": "minimum", "max": "maximum",
         "num": "number", "ref": "reference", "amt": "amount", "desc": "description", "pct": "%",
         "percent": "%", "mom": "month-on-month", "cnt": "count", "loc": "location"}
#: words that are abbreviations when they stand alone in a header ("Po", "Wh", "Qty", "Pct")
ABBREVIATIONS = frozenset(ACRONYMS) | frozenset(WORDS) - {"min", "max"}


def column_label(key: str) -> str:
    """'po' → 'PO', 'change_pct' → 'Change %', 'lead_time_days' → 'Lead time (days)', 'rfq_ref' → 'RFQ reference'."""
    key = str(key or "").strip()
    if key in LABELS:
        return LABELS[key]
    if not re.fullmatch(r"[a-z0-9_]+", key):  # already written for people ("Product code", "FURN_6667")
        return key
    words = [w for w in key.split("_") if w]
    unit = ""
    if words and words[-1] in ("pct", "percent"):
        words, unit = words[:-1], " %"
    elif len(words) > 1 and words[-1] in ("days", "hours"):
        words, unit = words[:-1], f" ({words[-1]})"
    out = [ACRONYMS.get(w) or WORDS.get(w, w) for w in words]
    text = " ".join(out) or key
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    return text + unit


def title_label(tool_label: str, key: str) -> str:
    """A table's title: its section ('Receipts', 'KPIs'), or the tool's label for a generic 'rows'."""
    return tool_label if key in ("rows", "items", "results", "data") else column_label(key)


# -- kinds of figures, by key -------------------------------------------------------------------------
MONEY_WORDS = ("price", "amount", "total", "spend", "cost", "subtotal", "budget")
# a row that says what its figures are ({"kpi": …, "value": 95.2, "unit": "%"}): its generic value columns follow
FIGURE_UNITS = {"%": "pct", "pct": "pct", "percent": "pct", "money": "money", "days": "days", "d": "days"}
GENERIC_FIGURES = frozenset({"value", "previous", "change", "current", "target", "delta"})
NOT_MONEY = ("pct", "percent", "qty", "quantity", "count", "lines", "orders", "days", "share", "score", "rank",
             "ratio", "rate", "status", "state", "date", "currency", "basis", "receipts")
QTY_KEYS = frozenset({"qty", "quantity", "ordered", "received", "billed", "on_hand", "free", "forecast", "incoming",
                      "outgoing", "reserved", "suggested_qty", "min", "max", "reorder_min", "reorder_max",
                      "product_qty", "qty_received", "qty_invoiced", "billed_qty", "received_qty", "short",
                      "spare", "qty_available", "min_qty", "product_uom_qty", "demand", "qty_done"})
STATE_KEYS = {"state": None, "status": None, "receipt_status": ("purchase.order", "receipt_status"),
              "invoice_status": ("purchase.order", "invoice_status"), "billing": ("purchase.order", "invoice_status"),
              "payment_state": ("account.move", "payment_state"), "payment": ("account.move", "payment_state")}
# which model a table's "state" belongs to, by the section's name or the tool
STATE_MODEL_BY_SECTION = {"receipts": "stock.picking", "pickings": "stock.picking", "transfers": "stock.picking",
                          "bills": "account.move", "orders": "purchase.order", "purchase_orders": "purchase.order",
                          "rfqs": "purchase.order"}
STATE_MODEL_BY_TOOL = {"inbound_schedule": "stock.picking", "receipts_done": "stock.picking",
                       "vendor_bills": "account.move", "find_purchase_orders": "purchase.order",
                       "open_purchase_orders": "purchase.order", "purchase_order_status": "purchase.order",
                       "vendor_confirmations": "purchase.order", "supplier_history": "purchase.order"}
# states of our own records (proposals, purchase requests) — not Odoo's
OWN_STATES = {"pending": "Pending", "approved": "Approved", "rejected": "Rejected", "executed": "Executed",
              "failed": "Failed", "expired": "Expired", "executing": "Executing", "open": "Open", "done": "Done",
              "converted": "Converted", "cancelled": "Cancelled"}
KIND_LABELS = {"create_rfq": "Request for quotation", "confirm_purchase_order": "Confirm purchase order",
               "cancel_purchase_order": "Cancel purchase order", "remind_supplier": "Reminder to the supplier",
               "reschedule_receipt": "Reschedule a receipt", "approve_purchase_order": "Approve purchase order",
               "request_purchase": "Purchase request", "transfer_stock": "Transfer between warehouses"}
# our own bookkeeping in a table of proposals: the policy rule's id is for auditors (the approvers column says who)
OWN_SKIP = {"rule", "policy_rule", "before_after"}
_ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?$")


# a time written into a sentence without its zone is Odoo's (UTC, as Odoo keeps them)
_NAIVE_TIME = re.compile(r"\b(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d)(?::\d\d)?\b(?!\s?(?:[A-Z]{2,5}\b|[+-]\d|Z\b))")


def zoned(text: str, tz: str) -> str:
    """Times inside a sentence ("approved 2026-10-10 12:05") in the reader's zone, the zone named."""
    return _NAIVE_TIME.sub(lambda m: local_time(f"{m.group(1)}T{m.group(2)}", tz), text)


def is_num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_money_key(key: str) -> bool:
    low = key.lower()
    return any(w in low for w in MONEY_WORDS) and not any(w in low for w in NOT_MONEY)


def is_pct_key(key: str) -> bool:
    low = key.lower()
    return low.endswith(("_pct", "percent")) or low in ("pct", "share", "on_time_rate")


def money(value: float, currency: str | None) -> str:
    return f"{float(value):,.2f}" + (f" {currency}" if currency else "")


def number(value: float) -> str:
    """A plain figure: thousands separators, at most two decimals, none when whole."""
    if float(value) == int(value):
        return f"{int(value):,}"
    return f"{float(value):,.2f}".rstrip("0").rstrip(".")


@dataclass
class Formatter:
    """How figures read for one person on one Odoo: its currency, their time zone, its selection labels."""

    odoo: Any = None
    tz: str = "UTC"
    currency: str | None = None
    _labels: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    # -- states ---------------------------------------------------------------------------------------
    def labels(self, model: str, fname: str) -> dict[str, str]:
        got = self._labels.get((model, fname))
        if got is None:
            got = self._labels[(model, fname)] = selection_labels(self.odoo, model, fname) if self.odoo else {}
        return got

    def state(self, value: str, key: str = "state", tool: str = "", section: str = "") -> str:
        """A selection key as Odoo labels it; already-readable values keep their words, capitalised."""
        where = STATE_KEYS.get(key)
        models = [where] if where else []
        guess = STATE_MODEL_BY_SECTION.get(section) or STATE_MODEL_BY_TOOL.get(tool)
        if key in ("state", "status"):
            if section in ("proposals", "requests", "reminders") or tool in ("purchase_requests",):
                return OWN_STATES.get(value, _cap(value))
            order = [guess] if guess else []
            order += [m for m in ("purchase.order", "stock.picking", "account.move") if m not in order]
            models = [(m, "state") for m in order]
        for model, fname in models:
            labels = self.labels(model, fname)
            if value in labels:
                return labels[value]
            loose = value.replace(" ", "_").lower()
            for k, label in labels.items():  # a tool that already wrote "not paid" or "purchase order"
                if loose == k.lower() or value.lower() == label.lower():
                    return label
        return OWN_STATES.get(value) or _cap(value.replace("_", " "))

    # -- cells ------------------------------------------------------------------------------------------
    def cell(self, key: str, value: Any, row: dict[str, Any] | None = None, *, tool: str = "",
             section: str = "", currency: str | None = None, unit: str | None = None,
             with_unit: bool = True) -> str | None:
        """One value as people read it; None when there is nothing to show."""
        row = row or {}
        if value is None or (isinstance(value, str | list | dict) and not value):
            return None
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, dict):
            return self._dict(value, currency)
        if isinstance(value, list):
            if all(not isinstance(v, dict | list) for v in value):
                return ", ".join(self.cell(key, v, row, tool=tool, section=section, currency=currency) or ""
                                 for v in value[:8])
            return None
        cur = row.get("currency") if isinstance(row.get("currency"), str) else currency or self.currency
        if isinstance(row.get(f"{key}_currency"), str):  # a figure in another currency than the row's own
            cur = row[f"{key}_currency"]
        if is_num(value):
            kind = FIGURE_UNITS.get(str(row.get("unit"))) if key in GENERIC_FIGURES else None
            if kind == "pct":
                return f"{float(value):.1f} %"
            if kind == "money":
                return money(value, cur)
            if kind == "days":
                return f"{float(value):.1f} d"
            if is_pct_key(key):
                return f"{float(value):.1f} %"
            if is_money_key(key):
                return money(value, cur)
            shown = number(value)
            own = row.get(f"{key}_uom")  # a quantity in another unit than the row's own ("received_qty_uom")
            row_unit = unit or (next((str(row[k]) for k in ("uom", "unit", "product_uom")
                                      if isinstance(row.get(k), str) and row.get(k) and row[k] not in FIGURE_UNITS),
                                     None) if with_unit else None)
            if isinstance(own, str) and own:
                row_unit = own
            return f"{shown} {row_unit}" if row_unit and key in QTY_KEYS else shown
        text = str(value)
        if key in STATE_KEYS:
            return self.state(text, key, tool, section)
        if key == "kind" and re.fullmatch(r"[a-z]+(?:_[a-z]+)+", text):  # a proposal's kind, never a tool name
            return KIND_LABELS.get(text) or _cap(text.replace("_", " "))
        if _ISO_TIME.match(text):
            return local_time(text, self.tz)
        return zoned(text, self.tz) if " " in text else text

    def _dict(self, value: dict[str, Any], currency: str | None) -> str | None:
        if "vendor" in value:  # a vendor offer: name, price, lead time, on-time rate
            bits = [str(value["vendor"])]
            cur = value.get("currency") if isinstance(value.get("currency"), str) else currency or self.currency
            if is_num(value.get("price")):  # the vendor row's own price, currency and unit of measure
                per = f" per {value['per']}" if value.get("per") else "/unit"
                bits.append(f"{money(value['price'], cur)}{per}")
            if is_num(value.get("lead_days")):
                bits.append(f"{number(value['lead_days'])} d lead")
            if is_num(value.get("on_time_pct")):
                bits.append(f"{float(value['on_time_pct']):.1f} % on time")
            return bits[0] + (f" ({', '.join(bits[1:])})" if len(bits) > 1 else "")
        inner = value.get("display_name") or value.get("name") or value.get("code")
        return str(inner) if inner else None

    # -- tables -----------------------------------------------------------------------------------------
    def columns(self, rows: list[dict[str, Any]], prefer: list[str] | None = None, *, skip: set[str] | frozenset[str]
                = frozenset(), limit: int = 9) -> list[str]:
        """The keys worth a column: preferred first, then any with a value in some row; the unit and currency
        columns go when every figure already carries them."""
        def shown(r: dict[str, Any], k: str) -> bool:
            v = r.get(k)
            if v is None or v is False or (isinstance(v, str | list | dict) and not v):
                return False
            return not (isinstance(v, list) and any(isinstance(x, dict | list) for x in v))

        cols = [c for c in prefer or [] if any(shown(r, c) for r in rows)]
        for r in rows:
            for k in r:
                companion = k.endswith("_currency") or (k.endswith("_uom") and k[:-4] in r)  # said in its figure
                if k not in skip and k not in cols and shown(r, k) and not companion and \
                        (not isinstance(r[k], dict) or "vendor" in r[k] or "display_name" in r[k] or "name" in r[k]):
                    cols.append(k)
        if all(isinstance(r.get("currency"), str) for r in rows) and any(is_money_key(c) for c in cols):
            cols = [c for c in cols if c != "currency"]
        return cols[:limit]

    def table(self, rows: list[dict[str, Any]], *, tool: str = "", section: str = "", prefer: list[str] | None = None,
              skip: set[str] | frozenset[str] = frozenset(), currency: str | None = None, limit: int = 9,
              unit: str | None = None) -> tuple[list[str], list[list[str]]]:
        """(headers, rows of strings) for any list of flat rows. `unit`: the unit of measure of every quantity
        in the table (one product's stock), said once in the quantity headers."""
        skip = set(skip) | (OWN_SKIP if section in ("proposals", "requests") else set())
        cols = self.columns(rows, prefer, skip=skip, limit=limit)
        units_shown = any(c in ("uom", "unit", "product_uom") for c in cols)  # else each quantity says its unit
        body = [[self.cell(c, r.get(c), r, tool=tool, section=section, currency=currency,
                           with_unit=not units_shown) or "" for c in cols] for r in rows]
        heads = [column_label(c) + (f" ({unit})" if unit and c in QTY_KEYS else "") for c in cols]
        return heads, body


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def formatter_for(ctx: Any) -> Formatter:
    """The formatter for one tool context: the connected Odoo, the person's zone, the company currency."""
    if ctx is None or getattr(ctx, "odoo", None) is None:
        return Formatter()
    from tools.odoo.labels import identity_tz
    from tools.odoo.resolve import company_info

    odoo = ctx.odoo
    try:
        currency = company_info(odoo).get("currency")
    except Exception:  # noqa: BLE001 - figures still render, with the row's own currency when it has one
        currency = None
    return Formatter(odoo=odoo, tz=identity_tz(odoo, getattr(ctx, "user", None)), currency=currency)
