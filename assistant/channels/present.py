"""Numbers, times and approval facts as people read them, the same on web pages and Slack cards.

Why one module: a finance reader expects money with its currency and two decimals, percentages with
one decimal and times in their own time zone with the zone shown — on every page and card alike. The
approval card's facts (what will happen, the record, evidence, who asked, who may approve, expiry) are
built once here so the web card and its Slack twin cannot drift apart.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from assistant.people_text import for_people

log = logging.getLogger(__name__)

_NUM = (int, float)


def is_num(value: Any) -> bool:
    return isinstance(value, _NUM) and not isinstance(value, bool)


def money(value: Any, currency: str | None) -> str:
    """1342.8, 'USD' → '1,342.80 USD' (the currency code as Odoo names it)."""
    if not is_num(value):
        return "" if value is None else str(value)
    return f"{float(value):,.2f} {currency}".strip() if currency else f"{float(value):,.2f}"


def pct(value: Any) -> str:
    return f"{float(value):.1f} %" if is_num(value) else ("" if value is None else str(value))


def qty(value: Any, unit: str | None = None) -> str:
    if not is_num(value):
        return "" if value is None else str(value)
    text = f"{float(value):,.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}" if unit else text


def days(value: Any) -> str:
    return f"{float(value):.1f} d" if is_num(value) else ("" if value is None else str(value))


# -- time zones -------------------------------------------------------------------------------------
def user_tz(runtime: Any, user: Any) -> str:
    """The person's time zone as Odoo keeps it (res.users.tz of their Odoo login), else the company's."""
    from tools.odoo.labels import identity_tz

    odoo = getattr(runtime, "odoo", None)
    return identity_tz(odoo, user) if odoo is not None and user is not None else "UTC"


def local_time(value: Any, tz: str) -> str:
    """An ISO timestamp (naive = UTC, as Odoo stores them) → '2026-12-03 09:15 CST'."""
    from tools.odoo.labels import local_time as _local

    return _local(value, tz)


_UTC_STAMP = re.compile(r"\b(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d)(?::\d\d)? UTC\b")


def localize_text(text: str, tz: str) -> str:
    """'… to 2026-12-07 08:50 UTC …' → '… to 2026-12-07 02:50 CST …' (summaries stored before times were
    written in the requester's zone, and executor messages)."""
    return _UTC_STAMP.sub(lambda m: local_time(f"{m.group(1)} {m.group(2)}", tz), text)


# -- approval facts -----------------------------------------------------------------------------------
_KIND_LABEL = {"create_rfq": "Request for quotation", "confirm_purchase_order": "Confirm purchase order",
               "cancel_purchase_order": "Cancel purchase order", "remind_supplier": "Reminder to the supplier",
               "reschedule_receipt": "Reschedule a receipt", "approve_purchase_order": "Approve purchase order",
               "request_purchase": "Purchase request", "transfer_stock": "Transfer between warehouses"}
_MODEL_APP = {"purchase.order": "purchase", "stock.picking": "inventory", "account.move": "accounting",
              "res.partner": "contacts"}
# the argument that names a proposal's record when the record is not an order or a receipt, and the record's kind
_MODEL_NAMES = {"stock.warehouse": (("warehouse", "to_warehouse"), "warehouse"),
                "product.product": (("product", "product_name"), "product"),
                "res.partner": (("supplier", "vendor"), "supplier"), "purchase.order": (("po",), "purchase order"),
                "stock.picking": (("receipt",), "receipt"), "account.move": (("bill",), "bill")}
_MONEY_WORDS = ("price", "amount", "total", "subtotal", "budget", "spend", "cost")
_SKIP_EVIDENCE = ("write_date", "policy_version", "provenance", "checks", "warnings")


def kind_label(kind: Any) -> str:
    return _KIND_LABEL.get(str(kind), str(kind or "").replace("_", " ").capitalize())


def odoo_record_url(base_url: str | None, model: str | None, res_id: Any, *, version: int | None = 17) -> str | None:
    """A record in Odoo's web client: /odoo/<app>/<id> on Odoo 17+ (18 routes), /web# form before."""
    if not base_url or not model or not str(res_id or "").isdigit():
        return None
    base = base_url.rstrip("/")
    app = _MODEL_APP.get(model)
    if app and (version or 0) >= 17:
        return f"{base}/odoo/{app}/{res_id}"
    return f"{base}/web#id={res_id}&model={model}&view_type=form"


_FIELD_LABELS = {"po": "Purchase order", "amount_total": "Order total", "po_total": "Order total", "receipt_status": "Receipt status",
                 "scheduled_date": "Scheduled", "days_shift": "Days moved", "qty_available": "On hand",
                 "links": "For purchase requests", "vendor_choice": "Vendor chosen", "source_free": "Free at the source",
                 "source_min": "Reorder minimum at the source", "destination_min": "Reorder minimum at the destination"}


def _label(key: str) -> str:
    return _FIELD_LABELS.get(key) or key.replace("_", " ").strip().capitalize()


def _key_label(key: str) -> str:
    """A dict key as a label; product codes and other names keep their own spelling."""
    return key if any(c.isdigit() for c in key) or any(c.isupper() for c in key) or " " in key else _label(key)


def check_warnings(evidence: Any, policy: Any = None) -> list[dict[str, str]]:
    """The checks before approval as {severity, text}: block and warn first, then info (e.g. cheaper at another
    warehouse); a warning the CURRENT policy blocks (prechecks.block) shows as a block (approval is refused)."""
    found = evidence.get("checks") if isinstance(evidence, dict) else None
    blocked = set(policy.blocked_by(evidence)) if policy is not None and hasattr(policy, "blocked_by") else set()
    return [{"severity": "block" if str(f.get("text")) in blocked else str(f.get("severity")),
             "text": for_people(str(f.get("text") or ""))}
            for f in sorted(found or [], key=lambda f: {"block": 0, "warn": 1}.get(str(f.get("severity")), 2)
                            if isinstance(f, dict) else 3)
            if isinstance(f, dict) and f.get("severity") in ("warn", "block", "info")]


def _cell(key: str, value: Any, currency: str | None, tz: str, states: dict[str, str] | None = None) -> str:
    if value is None or value == "":
        return ""
    low = key.lower()
    if isinstance(value, dict):
        parts = [f"{_key_label(str(k))}: {_cell(key, v, currency, tz, states)}" for k, v in value.items()
                 if v not in (None, "")]
        return "; ".join(parts)
    if isinstance(value, list | tuple):
        return ", ".join(_cell(key, v, currency, tz, states) for v in value[:12] if v not in (None, ""))
    if states and low in ("state", "status") and str(value) in states:  # Odoo's label of the record's state
        return states[str(value)]
    if is_num(value):
        if "pct" in low or "percent" in low:
            return pct(value)
        if any(w in low for w in _MONEY_WORDS):
            return money(value, currency)
        return qty(value)
    text = str(value)
    if ("date" in low or low.endswith("_at")) and len(text) >= 16 and text[4:5] == "-" and text[10:11] in "T ":
        return local_time(text, tz)
    return for_people(localize_text(text, tz))


def evidence_rows(evidence: Any, currency: str | None, tz: str, states: dict[str, str] | None = None
                  ) -> list[tuple[str, str]]:
    """Evidence as (label, readable value) rows: money with its currency, no raw dicts, no empty rows."""
    rows: list[tuple[str, str]] = []
    if isinstance(evidence, dict):
        for key, value in evidence.items():
            if key in _SKIP_EVIDENCE or key.startswith("_") or key.endswith("_id") or (
                    isinstance(value, dict) and value and all(str(k).isdigit() for k in value)):
                continue  # internal ids and id-keyed snapshots are for the staleness check, not people
            text = _cell(str(key), value, currency, tz, states)
            if text:
                rows.append((_label(str(key)), text))
    elif isinstance(evidence, list):
        rows = [("", _cell("", v, currency, tz)) for v in evidence if v not in (None, "")]
    elif evidence:
        rows = [("", for_people(str(evidence)))]
    return rows


def change_rows(before_after: Any, currency: str | None, tz: str, states: dict[str, str] | None = None
                ) -> list[tuple[str, str, str]]:
    """(what, now, after) rows from a proposal's before/after pairs."""
    rows: list[tuple[str, str, str]] = []
    if not isinstance(before_after, dict):
        return rows
    for key, value in before_after.items():
        if isinstance(value, list | tuple) and len(value) == 2:
            rows.append((_label(str(key)), _cell(str(key), value[0], currency, tz, states) or "—",
                         _cell(str(key), value[1], currency, tz, states) or "—"))
    return rows


def line_rows(args: Any, currency: str | None) -> list[tuple[str, str, str, str]]:
    """(product, quantity with unit, unit price, subtotal) for proposals that order lines."""
    lines = args.get("lines") if isinstance(args, dict) else None
    out = []
    for line in lines or []:
        if isinstance(line, dict) and line.get("product"):
            out.append((str(line["product"]), qty(line.get("quantity"), line.get("uom") or None),
                        money(line.get("price_unit"), currency), money(line.get("subtotal"), currency)))
    return out


def _result_message(result: Any) -> str:
    if not isinstance(result, dict):
        return ""
    text = str(result.get("message") or "").strip()
    # "executed: Executed: …" — the outcome word once
    head, sep, rest = text.partition(":")
    if sep and rest.strip().lower().startswith(head.strip().lower() + ":"):
        text = rest.strip()
    return for_people(text)


def odoo_version(runtime: Any) -> int | None:
    """The connected Odoo's major version (for its web client's routes), when the client knows it."""
    odoo = getattr(runtime, "odoo", None)
    for attr in ("version", "server_version", "major_version"):
        value = getattr(odoo, attr, None)
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.split(".")[0].isdigit():
            return int(value.split(".")[0])
    return 17


def _sentence(text: str) -> str:
    """One sentence: capital first letter, a full stop at the end."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def approval_facts(data: dict[str, Any], *, tz: str, odoo_url: str | None, viewer: str | None,
                   odoo_version: int | None = 17, directory: Any = None, policy: Any = None,
                   own_record_href: Any = None, odoo: Any = None) -> dict[str, Any]:
    """The facts a person decides on, from a proposal's JSON (same for the web card and Slack). With `odoo`,
    the record's state reads as that Odoo labels it ('Ready', 'Purchase Order')."""
    currency = data.get("currency") or getattr(policy, "currency", None)
    model, _, res_id = str(data.get("odoo_ref") or "").partition(",")
    from tools.odoo.labels import selection_labels

    states = selection_labels(odoo, model, "state") if odoo is not None and model else {}
    record_href = odoo_record_url(odoo_url, model, res_id, version=odoo_version)
    raw_ev, raw_args = data.get("evidence"), data.get("args")
    ev: dict[str, Any] = raw_ev if isinstance(raw_ev, dict) else {}
    args: dict[str, Any] = raw_args if isinstance(raw_args, dict) else {}
    record = next((str(v) for v in (data.get("record_name"), ev.get("po"), ev.get("receipt"), args.get("po"),
                                     args.get("receipt"), args.get("supplier"), args.get("vendor"), ev.get("vendor"))
                   if v and isinstance(v, str)), "")
    if not record and record_href:  # a warehouse, a product: its name from the arguments, never "model,id"
        keys, noun = _MODEL_NAMES.get(model, ((), "record"))
        name = next((str(args[k]) for k in keys if args.get(k) and isinstance(args.get(k), str)), res_id)
        record = f"{noun.capitalize()} {name}" if name else ""
    if record and record_href is None and own_record_href is not None:
        record_href = own_record_href(record)  # no Odoo web client (the sandbox): our own page for it

    def person(name: Any) -> str:
        ident = directory.get(str(name)) if directory is not None and name else None
        return f"{ident.label} ({ident.role})" if ident is not None else str(name or "")

    amount = data.get("amount")
    result = data.get("result") if isinstance(data.get("result"), dict) else {}
    po_id = (result or {}).get("po_id")
    eligible = [str(x) for x in data.get("eligible_approvers") or []]
    awaiting = (data.get("origin") == "model" and not data.get("confirmed_at") and data.get("state") == "pending")
    return {
        "id": data.get("id"),
        "title": kind_label(data.get("kind")),
        "what": _sentence(for_people(localize_text(str(data.get("summary") or kind_label(data.get("kind"))), tz))),
        "state": str(data.get("state") or ""),
        "amount": money(amount, currency) if is_num(amount) and amount else "",
        "record": record,
        "record_href": record_href,
        "evidence": evidence_rows(data.get("evidence"), currency, tz, states),
        "changes": change_rows(data.get("before_after"), currency, tz, states),
        "lines": line_rows(data.get("args"), currency),
        "requester": person(data.get("requester")),
        "reason": for_people(str(data.get("reason") or data.get("justification") or "")),
        "requested_at": local_time(data.get("created_at"), tz),
        "approvers": ", ".join(person(x) for x in eligible),
        "rule": str(data.get("policy_rule") or ""),
        "rule_note": for_people(str(data.get("policy_note") or "")),
        "expires": local_time(data.get("expires_at"), tz) if data.get("state") == "pending" else "",
        "decided_by": person(data.get("decided_by")) if data.get("decided_by") else "",
        "decided_at": local_time(data.get("decided_at"), tz),
        "comment": str(data.get("decision_comment") or ""),
        "result": localize_text(_result_message(result), tz),
        "result_href": odoo_record_url(odoo_url, "purchase.order", po_id, version=odoo_version),
        "error": for_people(str(data.get("error") or "")),
        "can_decide": data.get("state") == "pending" and viewer is not None and viewer in eligible
        and not awaiting,
        "warnings": check_warnings(raw_ev, policy),
        "suggested": data.get("origin") == "model",
        "awaiting_confirm": awaiting,
        "needs_confirm": awaiting and viewer is not None and viewer == data.get("requester"),
    }
