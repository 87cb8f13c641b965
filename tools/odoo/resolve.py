"""Entity resolution shared by every tool: words a person types -> one Odoo record, or a question back.

Why here and not in each tool: the rules for "which product did they mean" must be the same for
reads and proposals, must never guess (ambiguity raises ToolError with `candidates`), and must be
cheap in round trips (one search per entity; small reference lists such as warehouses and vendors
are cached per client). Resolvers accept extra `fields`/`context` (or a nested `specification`) so a
tool can fetch what it needs in the very call that resolves the entity.
"""

from __future__ import annotations

import calendar
import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from tools.base import ToolError
from tools.odoo.client import OdooClient
from tools.odoo.values import m2o_id as _m2o_id
from tools.odoo.values import m2o_name as _m2o_name

MAX_CANDIDATES = 8
FUZZY_ACCEPT = 0.86  # a fuzzy match is taken only above this score ...
FUZZY_MARGIN = 0.08  # ... and this far ahead of the runner-up; otherwise we ask back
SUGGEST_CUTOFF = 0.45
VENDOR_TTL = 300.0
WAREHOUSE_TTL = 600.0

WAREHOUSE_FIELDS = ["id", "name", "code", "lot_stock_id", "view_location_id", "in_type_id", "out_type_id",
                    "company_id"]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


MAX_TEXT = 200


def _need(text: str | None, what: str) -> str:
    value = (text or "").strip()
    if not value:
        raise ToolError(f"Which {what}? Give a name or reference.", code="missing")
    if len(value) > MAX_TEXT:
        raise ToolError(f"That {what} text is too long ({len(value)} characters; at most {MAX_TEXT}).",
                        code="bad_input")
    return value






def _score(query: str, name: str) -> float:
    """Similarity of a query to a name: whole-string ratio, or the best word-window ratio."""
    q, n = _norm(query), _norm(name)
    best = difflib.SequenceMatcher(None, q, n).ratio()
    words, qn = n.split(), len(q.split())
    for i in range(len(words)):
        window = " ".join(words[i:i + max(qn, 1)])
        best = max(best, difflib.SequenceMatcher(None, q, window).ratio() * 0.97)
    return best


def _ranked(query: str, rows: list[dict[str, Any]], label: str) -> list[tuple[float, dict[str, Any]]]:
    scored = [(_score(query, str(r.get(label) or "")), r) for r in rows]
    scored.sort(key=lambda x: -x[0])
    return scored


def _clear_winner(scored: list[tuple[float, dict[str, Any]]]) -> dict[str, Any] | None:
    if not scored or scored[0][0] < FUZZY_ACCEPT:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < FUZZY_MARGIN:
        return None
    return scored[0][1]


def _ambiguous(what: str, text: str, cands: list[dict[str, Any]]) -> ToolError:
    names = ", ".join(str(c.get("name")) for c in cands[:MAX_CANDIDATES])
    return ToolError(f"'{text}' matches several {what}s: {names}. Which one?",
                     candidates=cands[:MAX_CANDIDATES], code="ambiguous")


def _not_found(what: str, text: str, suggestions: list[dict[str, Any]]) -> ToolError:
    if suggestions:
        names = ", ".join(str(c.get("name")) for c in suggestions)
        return ToolError(f"No {what} matches '{text}'. Closest: {names}.", candidates=suggestions,
                         code="not_found")
    return ToolError(f"No {what} matches '{text}'.", code="not_found")


# --------------------------------------------------------------------------------------------
# products
# --------------------------------------------------------------------------------------------
PRODUCT_SPEC: dict[str, Any] = {"display_name": {}, "default_code": {}, "barcode": {}}


def _product_cand(r: dict[str, Any]) -> dict[str, Any]:
    c = {"id": r["id"], "name": r.get("display_name") or r.get("name")}
    if r.get("default_code"):
        c["code"] = r["default_code"]
    return c


def _strip_code(display_name: Any) -> str:
    return re.sub(r"^\[[^\]]*\]\s*", "", str(display_name or ""))


def resolve_product(odoo: OdooClient, text: str, *, fields: list[str] | None = None,
                    specification: dict[str, Any] | None = None,
                    context: dict[str, Any] | None = None) -> dict[str, Any]:
    """One product.product by default_code (exact), barcode, name (ilike) or a confident fuzzy match.

    Returns the record read through web_search_read with `specification` (plus id, display_name,
    default_code, barcode; plain `fields` are read flat) under `context`, and `matched_by`.
    One round trip when the text is a code, a barcode or a distinctive name.
    """
    text = _need(text, "product")
    spec = {**PRODUCT_SPEC, **{f: {} for f in (fields or []) if f != "id"}, **(specification or {})}
    code = raw = text.strip("[] ")
    if m := re.fullmatch(r"([A-Za-z]{2,5})[\s_]?(\d{3,6})", code):  # 'ppe1042', 'PPE 1042' -> 'PPE-1042'
        code = f"{m.group(1).upper()}-{m.group(2)}"  # ... but 'FURN_7888' may be the real code: both tried
    domain: list[Any] = ["|", "|", "|", "|", ("default_code", "=ilike", raw), ("default_code", "=ilike", code),
                         ("barcode", "=", raw), ("name", "ilike", text), ("default_code", "ilike", code)]
    words = [w for w in re.findall(r"[^\W_]+", text) if len(w) >= 2]
    if len(words) > 1:  # 'nitrile gloves' finds 'Nitrile Exam Gloves': every word must occur in the name
        domain = ["|", *domain, *(["&"] * (len(words) - 1)), *(("name", "ilike", w) for w in words)]
    rows = odoo.web_search_read("product.product", domain, spec, limit=40, order="default_code",
                                context=context).get("records", [])
    ntext = _norm(text)
    for key, value in (("default_code", _norm(raw)), ("default_code", _norm(code)), ("barcode", raw)):
        exact = [r for r in rows if r.get(key) and _norm(str(r[key])) == _norm(value)]
        if len(exact) == 1:
            return {**exact[0], "matched_by": key}
        if len(exact) > 1:
            raise _ambiguous("product", text, [_product_cand(r) for r in exact])
    exact_name = [r for r in rows if _norm(str(r.get("display_name") or "")) == ntext
                  or _norm(_strip_code(r.get("display_name"))) == ntext]
    if len(exact_name) == 1:
        return {**exact_name[0], "matched_by": "name"}
    if len(rows) == 1:
        return {**rows[0], "matched_by": "name"}
    if len(rows) > 1:
        raise _ambiguous("product", text, [_product_cand(r) for r in (exact_name or rows)])
    # nothing by substring: fuzzy over a bounded candidate list (names sharing a word stem)
    stems = [w[:4] for w in re.findall(r"[A-Za-z0-9]+", text) if len(w) >= 3][:4]
    if not stems:
        raise _not_found("product", text, [])
    fuzzy_domain: list[Any] = ["|"] * (len(stems) - 1) + [("name", "ilike", s) for s in stems]
    pool = odoo.search_read("product.product", fuzzy_domain, ["id", "display_name", "default_code"],
                            limit=300)
    for r in pool:
        r["_label"] = _strip_code(r.get("display_name"))
    scored = _ranked(text, pool, "_label")
    winner = _clear_winner(scored)
    if winner is not None:
        rows = odoo.web_search_read("product.product", [("id", "=", winner["id"])], spec, limit=1,
                                    context=context).get("records", [])
        if rows:
            return {**rows[0], "matched_by": "fuzzy"}
    raise _not_found("product", text, [_product_cand(r) for s, r in scored[:5] if s >= SUGGEST_CUTOFF])


# --------------------------------------------------------------------------------------------
# vendors (a bounded list, cached per client)
# --------------------------------------------------------------------------------------------
def vendor_list(odoo: OdooClient) -> list[dict[str, Any]]:
    """Every partner we buy from: supplier_rank > 0, or named on a vendor pricelist or a PO.

    supplier_rank alone is unreliable (facts §7.15), hence the union. Cached per client.
    """

    def load() -> list[dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        for r in odoo.search_read("res.partner", [("supplier_rank", ">", 0)], ["id", "name", "ref", "on_time_rate"],
                                  limit=5000):
            found[r["id"]] = {"id": r["id"], "name": r["name"], "ref": r.get("ref") or None,
                              "on_time_rate": r.get("on_time_rate")}
        for model in ("product.supplierinfo", "purchase.order"):
            for g in odoo.read_group(model, [], ["partner_id"], ["partner_id"], lazy=False):
                pid = _m2o_id(g.get("partner_id"))
                if pid and pid not in found:
                    found[pid] = {"id": pid, "name": _m2o_name(g["partner_id"]), "ref": None}
        return sorted(found.values(), key=lambda v: str(v["name"]))

    return odoo.cached("vendors", load, ttl=VENDOR_TTL)


def _match_named(what: str, text: str, rows: list[dict[str, Any]], keys: tuple[str, ...]
                 ) -> dict[str, Any]:
    """Exact key (code/ref/name) -> substring -> all words -> confident fuzzy; else ask back."""
    nt = _norm(text)
    for key in keys:
        exact = [r for r in rows if r.get(key) and _norm(str(r[key])) == nt]
        if len(exact) == 1:
            return exact[0]
        if len(exact) > 1:
            raise _ambiguous(what, text, exact)
    sub = [r for r in rows if nt in _norm(str(r["name"]))]
    if not sub:
        words = nt.split()
        sub = [r for r in rows if all(w in _norm(str(r["name"])) for w in words)]
    if len(sub) == 1:
        return sub[0]
    if len(sub) > 1:
        starts = [r for r in sub if _norm(str(r["name"])).startswith(nt)]
        if len(starts) == 1:
            return starts[0]
        raise _ambiguous(what, text, sub)
    scored = _ranked(text, rows, "name")
    winner = _clear_winner(scored)
    if winner is not None:
        return winner
    raise _not_found(what, text, [r for s, r in scored[:5] if s >= SUGGEST_CUTOFF])


def resolve_supplier(odoo: OdooClient, text: str) -> dict[str, Any]:
    """One vendor {id, name, ref?} by exact name or ref, unique substring, or a confident fuzzy match."""
    text = _need(text, "supplier")
    if text.isdigit():
        rows = [v for v in vendor_list(odoo) if v["id"] == int(text)]
        if rows:
            return _clean(rows[0])
    try:
        return _clean(_match_named("supplier", text, vendor_list(odoo), ("ref", "name")))
    except ToolError as err:
        if err.code != "not_found":
            raise
        odoo.invalidate("vendors")  # a vendor added since the list was cached?
        return _clean(_match_named("supplier", text, vendor_list(odoo), ("ref", "name")))


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "name", "ref") if row.get(k) not in (None, False, "")}


def reorder_rules(odoo: OdooClient) -> list[dict[str, Any]]:
    """Active reorder rules (min/max) of active products: configuration, cached per client (5 min)."""
    fields = ["product_id", "product_tmpl_id", "warehouse_id", "product_min_qty", "product_max_qty", "qty_multiple"]
    return odoo.cached("reorder_rules", lambda: odoo.search_read(
        "stock.warehouse.orderpoint", [("active", "=", True), ("product_id.active", "=", True)], fields,
        limit=100000, order="id"), ttl=VENDOR_TTL)


def pricelist(odoo: OdooClient) -> list[dict[str, Any]]:
    """Every vendor pricelist row (product.supplierinfo): master data, cached per client like vendors.

    Read tools rank vendors and compare prices from it; proposals re-read prices before executing.
    """
    fields = ["partner_id", "product_tmpl_id", "product_id", "price", "min_qty", "delay", "date_start",
              "date_end", "sequence"]
    return odoo.cached("pricelist", lambda: odoo.search_read("product.supplierinfo", [], fields, limit=100000),
                       ttl=VENDOR_TTL)


# --------------------------------------------------------------------------------------------
# warehouses (tiny list, cached per client)
# --------------------------------------------------------------------------------------------
def warehouse_list(odoo: OdooClient) -> list[dict[str, Any]]:
    """All active warehouses with their stock location and picking types. Cached per client."""
    return odoo.cached("warehouses", lambda: odoo.search_read(
        "stock.warehouse", [], WAREHOUSE_FIELDS, limit=200, order="sequence,id"), ttl=WAREHOUSE_TTL)


def resolve_warehouse(odoo: OdooClient, text: str) -> dict[str, Any]:
    """One stock.warehouse by code ("DAL"), name ("Dallas Central DC") or part of it ("dallas")."""
    text = _need(text, "warehouse")
    rows = warehouse_list(odoo)
    if text.isdigit():
        hit = [w for w in rows if w["id"] == int(text)]
        if hit:
            return hit[0]
    cleaned = re.sub(r"\b(warehouse|wh|dc)\b", "", _norm(text)).strip() or text
    try:
        return _match_named("warehouse", cleaned, rows, ("code", "name"))
    except ToolError as err:
        err.candidates = [{"id": c["id"], "name": c["name"], "code": c["code"]} for c in err.candidates]
        if err.code == "not_found" and not err.candidates:
            err.candidates = [{"id": w["id"], "name": w["name"], "code": w["code"]} for w in rows]
            err.message = f"No warehouse matches '{text}'. Warehouses: " + ", ".join(
                f"{w['code']} ({w['name']})" for w in rows)
            err.args = (err.message,)
        raise


# --------------------------------------------------------------------------------------------
# documents: purchase orders, receipts, bills
# --------------------------------------------------------------------------------------------
def normalize_po_name(text: str) -> str | None:
    """'P123', 'p00123', '123' -> 'P00123' (Odoo's default sequence: P + 5 digits)."""
    m = re.fullmatch(r"\s*(?:po\s*#?\s*|p)?0*(\d{1,7})\s*", text, flags=re.I)
    return f"P{int(m.group(1)):05d}" if m else None


def resolve_purchase_order(odoo: OdooClient, text: str, *,
                           specification: dict[str, Any] | None = None,
                           context: dict[str, Any] | None = None) -> dict[str, Any]:
    """One purchase.order by name (P00123, 'PO 123') or vendor reference (partner_ref).

    With `specification` the record comes back through web_search_read (nested lines, receipts,
    bills ... in the same round trip); without it, a small header dict.
    """
    text = _need(text, "purchase order")
    if re.fullmatch(r"\s*[A-Za-z]{2,5}/IN/\d{1,7}\s*", text):  # a receipt: its PO (one extra round trip)
        picks = odoo.search_read("stock.picking", [("name", "=ilike", text.strip())], ["id", "origin", "purchase_id"],
                                 limit=2)
        po_name = (_m2o_name(picks[0].get("purchase_id")) or str(picks[0].get("origin") or "")) if picks else ""
        if not po_name:
            raise ToolError(f"No purchase order found for receipt '{text.strip()}'."
                            if picks else f"No receipt named '{text.strip()}'.", code="not_found")
        text = po_name
    name = normalize_po_name(text) or text.strip().upper()
    domain = ["|", "|", ("name", "=ilike", name), ("name", "=ilike", text.strip()),
              ("partner_ref", "=ilike", text.strip())]
    spec = specification or {"name": {}, "state": {}, "partner_id": {"fields": {"display_name": {}}},
                             "partner_ref": {}, "amount_total": {}, "date_planned": {}}
    spec = {"name": {}, "partner_ref": {}, **spec}
    rows = odoo.web_search_read("purchase.order", domain, spec, limit=MAX_CANDIDATES,
                                context=context).get("records", [])
    if not rows:
        near = odoo.search_read("purchase.order", [("name", "ilike", text.strip())], ["id", "name"],
                                limit=5, order="id desc")
        raise _not_found("purchase order", text, [{"id": r["id"], "name": r["name"]} for r in near])
    exact = [r for r in rows if _norm(str(r.get("name"))) in (_norm(name), _norm(text))]
    if len(exact) == 1:
        return exact[0]
    if len(rows) == 1:
        return rows[0]
    raise _ambiguous("purchase order", text, [
        {"id": r["id"], "name": r["name"], **({"vendor_ref": r["partner_ref"]} if r.get("partner_ref") else {})}
        for r in rows])


PICKING_BASE = ["id", "name", "state", "origin", "scheduled_date", "partner_id", "picking_type_id"]


def resolve_picking(odoo: OdooClient, text: str, *, fields: list[str] | None = None) -> dict[str, Any]:
    """One receipt by its name (DAL/IN/00012) or by its PO (P00123 -> that PO's open receipt)."""
    text = _need(text, "receipt")
    cols = list(dict.fromkeys(PICKING_BASE + (fields or [])))
    po_name = normalize_po_name(text)
    domain: list[Any] = ["|", ("name", "=ilike", text.strip()), ("origin", "=ilike", po_name or text.strip())]
    rows = odoo.search_read("stock.picking", domain, cols, limit=20, order="scheduled_date")
    by_name = [r for r in rows if _norm(r["name"]) == _norm(text)]
    if len(by_name) == 1:
        return by_name[0]
    incoming = [r for r in rows if "/IN/" in str(r.get("name")) or "receipt" in _m2o_name(
        r.get("picking_type_id")).lower()]
    open_ = [r for r in (incoming or rows) if r.get("state") not in ("done", "cancel")]
    if len(open_) == 1:
        return open_[0]
    if len(open_) > 1:
        raise _ambiguous("receipt", text, [{"id": r["id"], "name": r["name"], "state": r["state"],
                                           "scheduled": r.get("scheduled_date")} for r in open_])
    if rows:
        raise ToolError(f"'{text}' has no open receipt (all done or cancelled): "
                        + ", ".join(f"{r['name']} ({r['state']})" for r in rows[:5]),
                        candidates=[{"id": r["id"], "name": r["name"], "state": r["state"]} for r in rows[:5]],
                        code="not_found")
    near = odoo.search_read("stock.picking", [("name", "ilike", text.strip())], ["id", "name"], limit=5)
    raise _not_found("receipt", text, [{"id": r["id"], "name": r["name"]} for r in near])


BILL_BASE = ["id", "name", "state", "partner_id", "ref", "invoice_origin", "amount_total", "move_type"]


def resolve_bill(odoo: OdooClient, text: str, *, fields: list[str] | None = None) -> dict[str, Any]:
    """One vendor bill or refund by number (BILL/2026/11/0002) or the vendor's bill reference."""
    text = _need(text, "bill")
    cols = list(dict.fromkeys(BILL_BASE + (fields or [])))
    domain = [("move_type", "in", ["in_invoice", "in_refund"]), "|", ("name", "=ilike", text.strip()),
              ("ref", "=ilike", text.strip())]
    rows = odoo.search_read("account.move", domain, cols, limit=MAX_CANDIDATES)
    if len(rows) == 1:
        return rows[0]
    exact = [r for r in rows if _norm(str(r.get("name"))) == _norm(text)]
    if len(exact) == 1:
        return exact[0]
    if rows:
        raise _ambiguous("bill", text, [{"id": r["id"], "name": r["name"], "vendor": _m2o_name(r["partner_id"])}
                                        for r in rows])
    near = odoo.search_read("account.move", [("move_type", "in", ["in_invoice", "in_refund"]),
                                             ("name", "ilike", text.strip())], ["id", "name"], limit=5)
    raise _not_found("bill", text, [{"id": r["id"], "name": r["name"]} for r in near])


# --------------------------------------------------------------------------------------------
# date phrases
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DateRange:
    """An inclusive range of calendar days; either end may be open (None)."""

    start: date | None
    end: date | None
    label: str

    def contains(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def odoo_bounds(self) -> tuple[str | None, str | None]:
        """UTC datetime strings for a domain: [start 00:00:00, end 23:59:59]."""
        lo = f"{self.start.isoformat()} 00:00:00" if self.start else None
        hi = f"{self.end.isoformat()} 23:59:59" if self.end else None
        return lo, hi


WEEKDAYS = {name: i for i, name in enumerate(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])}
WEEKDAYS.update({k[:3]: v for k, v in list(WEEKDAYS.items())})
WEEKDAYS.update({"tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3})
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10,
           "fourteen": 14, "thirty": 30}


def _day(d: date, label: str) -> DateRange:
    return DateRange(d, d, label)


def _month_range(year: int, month: int, label: str) -> DateRange:
    return DateRange(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), label)


def _nearest_year(month: int, day: int, today: date) -> date:
    """'Dec 3' means the occurrence within six months either side of today."""
    for year in (today.year, today.year + 1, today.year - 1):
        try:
            cand = date(year, month, day)
        except ValueError:
            continue
        if abs((cand - today).days) <= 183:
            return cand
    return date(today.year, month, day)


DEFAULT_TZ = "America/Chicago"  # Bluebonnet's timezone when Odoo's user context names none


_UNSET_TZ = {"", "utc", "etc/utc", "gmt", "etc/gmt", "false"}


def company_tz(odoo: OdooClient | None, default: str = DEFAULT_TZ) -> str:
    """The company's timezone: the Odoo user's `tz` context (set at login), else `default` (America/Chicago).

    A user left on UTC/GMT (Odoo's value when nobody set one) counts as unset: Bluebonnet works in Texas."""
    tz = (getattr(odoo, "context", None) or {}).get("tz") if odoo is not None else None
    return str(tz) if tz and str(tz).lower() not in _UNSET_TZ else default


def company_today(tz: str = DEFAULT_TZ, now: datetime | None = None) -> date:
    """The calendar day in the company's timezone (after 18:00 Central, UTC is already tomorrow).

    `now` is an aware datetime, or a naive one in UTC (as ToolContext.now() returns). Pass the result
    to `parse_date_phrase` as `today`: the date functions stay pure."""
    from datetime import UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        zone = ZoneInfo(tz or DEFAULT_TZ)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(DEFAULT_TZ)
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date()


def parse_date_phrase(text: str, today: date | datetime) -> DateRange:
    """Turn 'today', 'next Monday', 'this week', 'overdue', '2026-12-03', 'Dec 3' ... into a DateRange.

    Relative to `today` (pass ctx.now()). Weeks run Monday-Sunday. Unknown phrases raise ToolError.
    """
    if isinstance(today, datetime):
        today = today.date()
    raw = _need(text, "date")
    t = _norm(raw).replace(",", " ").replace(".", " ")
    t = re.sub(r"\s+", " ", t).strip()
    t = re.sub(r"^(on|by|due|for|before|until|till|after|since|from) ", "", t)
    simple = {"today": _day(today, "today"), "now": _day(today, "today"),
              "tomorrow": _day(today + timedelta(days=1), "tomorrow"),
              "yesterday": _day(today - timedelta(days=1), "yesterday"),
              "overdue": DateRange(None, today - timedelta(days=1), "overdue"),
              "late": DateRange(None, today - timedelta(days=1), "overdue"),
              "past due": DateRange(None, today - timedelta(days=1), "overdue")}
    if t in simple:
        return simple[t]
    monday = today - timedelta(days=today.weekday())
    if t in ("this week", "the week", "week"):
        return DateRange(monday, monday + timedelta(days=6), "this week")
    if t == "next week":
        return DateRange(monday + timedelta(days=7), monday + timedelta(days=13), "next week")
    if t == "last week":
        return DateRange(monday - timedelta(days=7), monday - timedelta(days=1), "last week")
    if t in ("this month", "month"):
        return _month_range(today.year, today.month, "this month")
    if t == "next month":
        yy, mm = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        return _month_range(yy, mm, "next month")
    if t == "last month":
        yy, mm = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
        return _month_range(yy, mm, "last month")
    m = re.fullmatch(r"(?:in the |the )?(next|coming|past|last) (\d+|[a-z]+) (day|week|month)s?", t)
    if m and (m.group(2).isdigit() or m.group(2) in NUMBERS):
        n = int(m.group(2)) if m.group(2).isdigit() else NUMBERS[m.group(2)]
        days = n * {"day": 1, "week": 7, "month": 30}[m.group(3)]
        if m.group(1) in ("next", "coming"):
            return DateRange(today, today + timedelta(days=days), t)
        return DateRange(today - timedelta(days=days), today, t)
    m = re.fullmatch(r"in (\d+|[a-z]+) (day|week)s?", t)
    if m and (m.group(1).isdigit() or m.group(1) in NUMBERS):
        n = int(m.group(1)) if m.group(1).isdigit() else NUMBERS[m.group(1)]
        return _day(today + timedelta(days=n * (7 if m.group(2) == "week" else 1)), t)
    m = re.fullmatch(r"(?:(next|this|coming|last) )?([a-z]+)", t)
    if m and m.group(2) in WEEKDAYS:
        wd, which = WEEKDAYS[m.group(2)], m.group(1)
        if which == "last":
            delta = (today.weekday() - wd) % 7 or 7
            return _day(today - timedelta(days=delta), t)
        delta = (wd - today.weekday()) % 7
        if which == "next":
            delta = delta or 7  # "next Monday" on a Monday is a week away
        return _day(today + timedelta(days=delta), t)
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t][\d:]+)?", t)
    if m:
        return _day(_safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), raw), raw)
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?", t)  # US style: month/day[/year]
    if m:
        month, day = int(m.group(1)), int(m.group(2))
        if m.group(3):
            year = int(m.group(3)) + (2000 if len(m.group(3)) == 2 else 0)
            return _day(_safe_date(year, month, day, raw), raw)
        _safe_date(today.year, month, day, raw)
        return _day(_nearest_year(month, day, today), raw)
    m = (re.fullmatch(r"([a-z]+) (\d{1,2})(?:st|nd|rd|th)?(?: (\d{4}))?", t)
         or re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)(?: (\d{4}))?", t))
    if m:
        a, b = m.group(1), m.group(2)
        mon_word, day_s = (a, b) if a.isalpha() else (b, a)
        if mon_word in MONTHS:
            month, day = MONTHS[mon_word], int(day_s)
            if m.group(3):
                return _day(_safe_date(int(m.group(3)), month, day, raw), raw)
            _safe_date(2000, month, day, raw)  # 2000 is a leap year: Feb 29 stays valid here
            return _day(_nearest_year(month, day, today), raw)
    m = re.fullmatch(r"([a-z]+)(?: (\d{4}))?", t)
    if m and m.group(1) in MONTHS and len(m.group(1)) >= 3:
        month = MONTHS[m.group(1)]
        year = int(m.group(2)) if m.group(2) else _nearest_year(month, 1, today).year
        return _month_range(year, month, raw)
    raise ToolError(f"I can't read the date '{raw}'. Use e.g. 2026-12-03, 'Dec 3', 'tomorrow', "
                    "'next Monday', 'this week' or 'overdue'.", code="bad_date")


def _safe_date(year: int, month: int, day: int, raw: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ToolError(f"'{raw}' is not a real calendar date.", code="bad_date") from None
