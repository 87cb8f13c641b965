"""Checks before approval on every buying proposal (create_rfq, confirm_purchase_order, approve_purchase_order).

What an approver should know before spending, gathered when the proposal is made and sealed into its evidence:
- **open orders** for the same product into the same warehouse: RFQs not yet confirmed (`open_rfq`, a possible
  duplicate) and confirmed POs with quantity still to receive (`incoming`);
- the vendor's **contract** in the document corpus: expired (`contract_expired`), expiring within
  `expiring_days` (`contract_expiring`), none on file (`no_contract`, info), its lead-time SLA, payment terms and
  minimum order (shown as facts);
- **price** per product unit, in the order's currency: above the vendor's price list (`price_above_list`), above
  the last price paid to this vendor (`price_above_last`), and the same item bought for another warehouse at a
  lower price (`cheaper_elsewhere`) — each beyond `price_tolerance_pct`.

Cost: ONE Odoo round trip for create_rfq (the product's PO lines of the last `history_days`, nested with their
order's state, warehouse and currency); TWO for a PO proposal (its own lines first). The contract comes from the
knowledge index (no Odoo call). Findings are `{code, severity, text}`; severity is "warn" or "info", and "block"
for the codes the policy lists under `prechecks.block` — a blocking finding refuses the proposal ("Nothing
proposed") and, re-read at decision time, refuses approval (tools.governance.proposals).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from tools.base import ToolContext, ToolError
from tools.odoo.errors import OdooError
from tools.odoo.values import m2o_name

DEFAULTS: dict[str, Any] = {"price_tolerance_pct": 2.0, "expiring_days": 30, "history_days": 365, "block": []}
OPEN_RFQ_STATES = ("draft", "sent", "to approve")
CONFIRMED_STATES = ("purchase", "done")
_LINE_SPEC: dict[str, Any] = {
    "product_id": {"fields": {"display_name": {}, "default_code": {}}},
    "product_qty": {}, "product_uom_qty": {}, "qty_received": {}, "price_unit": {}, "price_subtotal": {},
    "partner_id": {"fields": {"display_name": {}}},
    "order_id": {"fields": {"name": {}, "state": {}, "date_order": {}, "date_approve": {}, "priority": {},
                            "currency_id": {"fields": {"display_name": {}}},
                            "picking_type_id": {"fields": {"warehouse_id": {"fields": {"display_name": {},
                                                                                       "code": {}}}}}}},
}


@dataclass
class CheckLine:
    """One line to check: quantity in the purchase unit, price per PRODUCT unit in the order's currency."""

    product_id: int
    product: str
    quantity: float
    unit_price: float | None  # per product unit, order currency
    list_price: float | None = None  # the vendor's price row, per product unit, order currency


@dataclass
class CheckResult:
    findings: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        return [f["text"] for f in self.findings if f["severity"] in ("warn", "block")]

    @property
    def blocking(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["severity"] == "block"]

    def evidence(self) -> dict[str, Any]:
        """What goes into the proposal's sealed evidence (and from there onto the card)."""
        out: dict[str, Any] = {"checks": self.findings}
        if self.warnings:
            out["warnings"] = self.warnings
        out.update(self.facts)
        return out


def settings(policy: Any) -> dict[str, Any]:
    """The policy's `prechecks` section over the defaults."""
    got = dict(getattr(policy, "prechecks", None) or {})
    return {**DEFAULTS, **got}


def _m2o(value: Any, key: str = "id") -> Any:
    if isinstance(value, dict):
        return value.get(key)
    if isinstance(value, list | tuple) and value:
        return value[0] if key == "id" else value[1] if len(value) > 1 else None
    return None


def _fmt(amount: float, code: str) -> str:
    return f"{amount:,.2f} {code}".rstrip()


def _per_unit(row: dict[str, Any]) -> float | None:
    qty = float(row.get("product_uom_qty") or row.get("product_qty") or 0)
    if qty <= 0:
        return None
    return float(row.get("price_subtotal") or 0) / qty or float(row.get("price_unit") or 0) or None


def history(ctx: ToolContext, product_ids: list[int], days: int) -> list[dict[str, Any]]:
    """The products' purchase lines (not cancelled) of the last `days` days, newest first: one round trip."""
    if not product_ids:
        return []
    since = (ctx.now() - dt.timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S")
    got = ctx.odoo.web_search_read("purchase.order.line",
                                   [("product_id", "in", sorted(set(product_ids))), ("state", "!=", "cancel"),
                                    ("order_id.date_order", ">=", since)],
                                   _LINE_SPEC, limit=500, order="id desc")
    return list(got.get("records") or [])


def contract(ctx: ToolContext, vendor: str) -> dict[str, Any] | None:
    """The vendor's contract terms from the corpus (None when no knowledge base is configured)."""
    retriever = getattr(ctx, "knowledge", None)
    if retriever is None or not hasattr(retriever, "contract_terms"):
        return None
    from tools.reads.common import today

    try:
        terms = retriever.contract_terms(vendor, today(ctx))
    except Exception:  # noqa: BLE001 - the documents are an extra; a failing index must not stop a proposal
        return None
    return terms.to_dict() if hasattr(terms, "to_dict") else dict(terms)


def run_checks(ctx: ToolContext, *, vendor_id: int, vendor: str, warehouse_id: int | None, warehouse: str,
               lines: list[CheckLine], currency: str, currency_id: int | None, exclude_po: int | None = None,
               rows: list[dict[str, Any]] | None = None) -> CheckResult:
    """The findings for one buying proposal. `rows` = history() already read (a batch shares one read)."""
    conf = settings(ctx.policy)
    tol = float(conf["price_tolerance_pct"]) / 100.0
    block = {str(c) for c in conf.get("block") or []}
    res = CheckResult()

    def add(code: str, text: str, severity: str = "warn", **facts: Any) -> None:
        sev = "block" if code in block and severity != "info" else severity
        res.findings.append({"code": code, "severity": sev, "text": text, **facts})

    if rows is None:
        try:
            rows = history(ctx, [ln.product_id for ln in lines], int(conf["history_days"]))
        except OdooError as exc:
            add("not_checked", f"Open orders and prices could not be checked ({exc.message}).", "info")
            rows = []
    by_product: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        if _m2o(r.get("order_id")) == exclude_po:
            continue
        by_product.setdefault(int(_m2o(r.get("product_id")) or 0), []).append(r)
    incoming: dict[str, float] = {}
    for ln in lines:
        mine = by_product.get(ln.product_id, [])

        def wh_of(r: dict[str, Any]) -> Any:
            return _m2o(_m2o(_m2o(r.get("order_id"), "picking_type_id") or {}, "warehouse_id") or {})

        here = [r for r in mine if warehouse_id is None or wh_of(r) == warehouse_id]
        rfqs = [r for r in here if _m2o(r.get("order_id"), "state") in OPEN_RFQ_STATES]
        open_pos = [r for r in here if _m2o(r.get("order_id"), "state") in CONFIRMED_STATES
                    and float(r.get("qty_received") or 0) < float(r.get("product_qty") or 0)]
        qty_in = sum(float(r.get("product_qty") or 0) - float(r.get("qty_received") or 0) for r in open_pos)
        incoming[ln.product] = round(qty_in, 2)
        if rfqs:
            refs = ", ".join(f"{_m2o(r['order_id'], 'name')} ({_m2o(r.get('partner_id'), 'display_name')}, "
                             f"{float(r.get('product_qty') or 0):,g})" for r in rfqs[:3])
            add("open_rfq", f"{ln.product} is already on open RFQ(s) for {warehouse}: {refs} — possible duplicate.",
                product=ln.product, orders=[_m2o(r["order_id"], "name") for r in rfqs[:10]])
        if open_pos:
            refs = ", ".join(str(_m2o(r["order_id"], "name")) for r in open_pos[:3])
            add("incoming", f"{qty_in:,g} of {ln.product} already incoming to {warehouse} on confirmed order(s) "
                            f"{refs}{' and more' if len(open_pos) > 3 else ''}.", product=ln.product,
                quantity=round(qty_in, 2), orders=[_m2o(r["order_id"], "name") for r in open_pos[:10]])
        price = ln.unit_price
        if price is None:
            continue
        if ln.list_price and price > ln.list_price * (1 + tol):
            add("price_above_list", f"{ln.product} at {_fmt(price, currency)} is "
                                    f"{(price / ln.list_price - 1) * 100:.1f} % above {vendor}'s list price "
                                    f"{_fmt(ln.list_price, currency)}.", product=ln.product)
        same_cur = [r for r in mine if _m2o(r.get("order_id"), "state") in CONFIRMED_STATES
                    and (currency_id is None or _m2o(_m2o(r.get("order_id"), "currency_id") or {}) == currency_id)]
        last = next((r for r in same_cur if _m2o(r.get("partner_id")) == vendor_id), None)
        last_price = _per_unit(last) if last else None
        if last is not None and last_price:
            last_po = _m2o(last.get("order_id"), "name")
            res.facts.setdefault("last_price_paid", {})[ln.product] = f"{_fmt(last_price, currency)} ({last_po})"
            if price > last_price * (1 + tol):
                add("price_above_last", f"{ln.product} at {_fmt(price, currency)} is "
                                        f"{(price / last_price - 1) * 100:.1f} % above the last price paid to {vendor} "
                                        f"({_fmt(last_price, currency)} on {last_po}).", product=ln.product)
        others: dict[Any, tuple[float, str, str]] = {}
        for r in same_cur:  # newest first: the first line per other warehouse is its latest price
            wh = wh_of(r)
            p = _per_unit(r)
            if wh and wh != warehouse_id and wh not in others and p:
                whname = _m2o(_m2o(_m2o(r.get("order_id"), "picking_type_id") or {}, "warehouse_id") or {}, "code") \
                    or _m2o(_m2o(_m2o(r.get("order_id"), "picking_type_id") or {}, "warehouse_id") or {},
                            "display_name")
                others[wh] = (p, str(whname), str(_m2o(r["order_id"], "name")))
        cheaper = sorted(v for v in others.values() if v[0] * (1 + tol) < price)
        if cheaper:
            p, whname, po = cheaper[0]
            add("cheaper_elsewhere", f"{ln.product} was last bought for {whname} at {_fmt(p, currency)} ({po}), "
                                     f"{(price / p - 1) * 100:.1f} % below {_fmt(price, currency)}.",
                "info" if "cheaper_elsewhere" not in block else "warn", product=ln.product)
    if incoming:
        res.facts["incoming"] = {k: v for k, v in incoming.items()}
    terms = contract(ctx, vendor)
    if terms is not None:
        _contract_findings(terms, vendor, int(conf["expiring_days"]), res, add, ctx)
    return res


def _contract_findings(terms: dict[str, Any], vendor: str, soon: int, res: CheckResult, add: Any,
                       ctx: ToolContext) -> None:
    from tools.reads.common import today

    if not terms.get("doc_id"):
        add("no_contract", f"No contract with {vendor} in the documents.", "info")
        return
    ref = f"{terms.get('title') or terms['doc_id']}"
    expiry = str(terms.get("expiry") or "")
    status = terms.get("status")
    if expiry:
        try:
            days_left = (dt.date.fromisoformat(expiry[:10]) - today(ctx)).days
        except ValueError:
            days_left = None
        if days_left is not None and days_left < 0:
            add("contract_expired", f"{vendor}'s contract ({ref}) expired on {expiry[:10]}; its prices and "
                                    "service levels no longer apply.", expiry=expiry[:10])
        elif days_left is not None and days_left <= soon:
            add("contract_expiring", f"{vendor}'s contract ({ref}) expires on {expiry[:10]} "
                                     f"(in {days_left} days).", expiry=expiry[:10])
    facts = {"status": status, "lead_time_days": terms.get("lead_time_days"),
             "payment_terms": terms.get("payment_terms"), "minimum_order": terms.get("min_order"),
             "document": terms.get("doc_id")}
    res.facts["contract"] = {k: v for k, v in facts.items() if v not in (None, "")}


def refuse_if_blocked(result: CheckResult) -> None:
    """Raise when the policy turns a finding into a block: nothing is proposed."""
    blocks = result.blocking
    if blocks:
        why = " ".join(f["text"] for f in blocks)
        raise ToolError(f"Blocked by policy before approval: {why} Nothing proposed.", code="blocked_by_check")


_PO_LINE_SPEC: dict[str, Any] = {
    "product_id": {"fields": {"display_name": {}, "default_code": {}, "categ_id": {"fields": {"display_name": {}}},
                              "product_tmpl_id": {},
                              "seller_ids": {"fields": {"partner_id": {}, "product_id": {}, "product_tmpl_id": {},
                                                        "price": {}, "min_qty": {}, "sequence": {},
                                                        "date_start": {}, "date_end": {}, "currency_id": {},
                                                        "product_uom": {}, "company_id": {}}},
                              "uom_id": {}}},
    "product_qty": {}, "product_uom_qty": {}, "price_unit": {}, "price_subtotal": {}, "display_type": {},
    "order_id": {"fields": {"picking_type_id": {"fields": {"warehouse_id": {"fields": {"display_name": {},
                                                                                      "code": {}}}}}}},
}


def po_checks(ctx: ToolContext, po: dict[str, Any]) -> tuple[CheckResult, list[str]]:
    """Checks for a proposal on an existing PO (confirm, approve): its lines (one round trip, with each
    product's vendor price rows nested) against the history (one more). Returns (result, categories)."""
    from tools.actions.rfq import _pick_price
    from tools.odoo.resolve import company_today, company_tz

    po_id = int(po["id"])
    got = ctx.odoo.web_search_read("purchase.order.line", [("order_id", "=", po_id)], _PO_LINE_SPEC, limit=200)
    rows = [r for r in got.get("records") or [] if r.get("product_id") and not r.get("display_type")]
    vendor_id = _m2o(po.get("partner_id"))
    vendor = m2o_name(po.get("partner_id"))
    currency_id = _m2o(po.get("currency_id"))
    currency = m2o_name(po.get("currency_id"))
    day = company_today(company_tz(ctx.odoo), ctx.now())
    wh = _m2o(_m2o(rows[0].get("order_id"), "picking_type_id") or {}, "warehouse_id") if rows else None
    lines: list[CheckLine] = []
    categories: list[str] = []
    for r in rows:
        prod = r["product_id"]
        label = str(prod.get("default_code") or prod.get("display_name"))
        qty = float(r.get("product_qty") or 0)
        sellers = [s for s in prod.get("seller_ids") or [] if _m2o(s.get("partner_id")) == vendor_id]
        row, _ = _pick_price(sellers, int(prod["id"]), _m2o(prod.get("product_tmpl_id")), qty, day)
        list_price = None
        if row is not None and _m2o(row.get("currency_id")) in (None, currency_id) \
                and _m2o(row.get("product_uom")) in (None, _m2o(prod.get("uom_id"))):
            list_price = float(row["price"])
        lines.append(CheckLine(int(prod["id"]), label, qty, _per_unit(r), list_price))
        categories.append(str(_m2o(prod.get("categ_id") or {}, "display_name") or ""))
    result = run_checks(ctx, vendor_id=int(vendor_id or 0), vendor=vendor, warehouse_id=_m2o(wh or {}),
                        warehouse=str(_m2o(wh or {}, "code") or _m2o(wh or {}, "display_name") or "this warehouse"),
                        lines=lines, currency=currency, currency_id=currency_id, exclude_po=po_id)
    return result, categories
