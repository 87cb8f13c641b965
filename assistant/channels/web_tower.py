"""The control tower: `/` for managers and admins (`/tower` for every role allowed the KPIs).

KPIs with their targets (tools/governance/kpi_targets.yaml) and month-on-month trend come from the
`kpi_report` tool through the registry (policy, redaction, audit); the exception queues from
tools.kpis.queues with the viewer's own context. Each row links to the record; where a proposal fits, one
button files it through the proposal tools (chase = remind_supplier, reschedule = reschedule_receipt,
RFQ = create_rfq) — nothing changes in Odoo until an eligible person approves. Every table exports as CSV.
The whole page is cached per viewer's role, filters and company day for PAGE_TTL seconds.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import yaml
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from assistant.channels.web import (
    _warehouses,
    check_form_csrf,
    flash,
    own_record_href,
    page_user,
    render,
    run_page_tool,
)
from assistant.channels.web_charts import line_chart
from assistant.people_text import for_people
from tools.base import Identity
from tools.base import ToolError as _ToolError

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

TARGETS_FILE = Path(__file__).resolve().parents[2] / "tools" / "governance" / "kpi_targets.yaml"
PAGE_TTL = 300.0
TOWER_ROLES = ("manager", "admin")  # whose `/` is the control tower
_page_cache: dict[tuple[Any, ...], tuple[float, dict[str, Any]]] = {}
_targets: dict[str, Any] = {}

QUEUES: dict[str, tuple[str, tuple[str, ...]]] = {  # key -> (title, columns)
    "overdue_receipts": ("Overdue receipts", ("ref", "po", "vendor", "warehouse", "scheduled", "days_late", "lines")),
    "late_orders": ("Late purchase orders", ("po", "vendor", "warehouse", "day", "days", "amount")),
    "unconfirmed_orders": ("Not confirmed by the vendor", ("po", "vendor", "warehouse", "state", "day", "days",
                                                           "reason", "amount")),
    "stockout_risks": ("Stock-out risk", ("product", "warehouse", "on_hand", "forecast", "min_qty", "to_order",
                                          "vendor")),
    "three_way_exceptions": ("Three-way-match exceptions", ("bill", "po", "vendor", "product", "issue", "date",
                                                            "diff_amount")),
    "contracts_expiring": ("Contracts expiring within 60 days", ("supplier", "title", "expiry", "days_left")),
    "purchase_anomalies": ("Unusual purchases (last 90 days)", ("po", "vendor", "warehouse", "product", "issue",
                                                                "date", "other_po")),
}
LABELS = {"ref": "Receipt", "po": "PO", "vendor": "Vendor", "warehouse": "Warehouse", "scheduled": "Scheduled",
          "days_late": "Days late", "lines": "Lines", "day": "Since", "days": "Days", "amount": "Amount",
          "state": "State", "reason": "Waiting for", "product": "Product", "on_hand": "On hand",
          "forecast": "Forecast", "min_qty": "Minimum", "to_order": "To order", "bill": "Bill", "issue": "Issue",
          "date": "Date", "diff_amount": "Difference", "supplier": "Supplier", "title": "Contract",
          "expiry": "Expires", "days_left": "Days left", "other_po": "Other PO"}
MONEY_COLUMNS = {"amount", "diff_amount"}
REASONS = {"rfq_not_confirmed": "RFQ sent, no confirmation", "po_not_acknowledged": "PO not acknowledged",
           "late": "late"}


def load_targets(path: Path = TARGETS_FILE) -> dict[str, float]:
    """{kpi key: target}, re-read when the file changes."""
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return {}
    if _targets.get("stamp") != stamp:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        _targets.update(stamp=stamp, data={str(k): float(v["target"]) for k, v in raw.items()
                                           if isinstance(v, dict) and isinstance(v.get("target"), int | float)})
    return dict(_targets.get("data") or {})


def _shows_money(request: Request, user: Identity) -> bool:
    policy = getattr(request.app.state.runtime, "policy", None)
    return not (policy is not None and policy.scrubs_money(user.role))


def _allowed(request: Request, user: Identity) -> bool:
    policy = getattr(request.app.state.runtime, "policy", None)
    return policy is None or policy.can_use(user.role, "kpi_report")


def _fmt(value: Any, unit: str, code: str) -> str:
    if value is None:
        return "—"
    v = float(value)
    if unit == "%":
        return f"{v:.1f}%"
    if unit == "days":
        return f"{v:.1f} d"
    if unit == "money":
        return f"{v:,.2f} {code}".strip()
    return f"{v:.1f}"


def _tiles(data: dict[str, Any], targets: dict[str, float], code: str) -> tuple[list[dict[str, Any]], list[Any]]:
    """One tile and one chart per KPI, from the tool's figures (keyed by KPI, each month in its own place)."""
    tiles, charts = [], []
    for key, fig in (data.get("figures") or {}).items():
        unit = str(fig.get("unit") or "%")
        better_down = fig.get("better") == "down"
        value, prev = fig.get("value"), fig.get("previous")
        target = targets.get(key)
        on_target = None
        if value is not None and target is not None:
            on_target = value <= target if better_down else value >= target
        change = None if value is None or prev is None else float(value) - float(prev)
        arrow = "" if change is None or abs(change) < 1e-9 else ("▲" if change > 0 else "▼")
        improving = None if change is None or abs(change) < 1e-9 else ((change < 0) == better_down)
        tiles.append({"key": key, "label": fig.get("label"), "value": _fmt(value, unit, code),
                      "previous": _fmt(prev, unit, code), "target": _fmt(target, unit, code) if target is not None
                      else "—", "on_target": on_target, "arrow": arrow, "improving": improving,
                      "month": fig.get("month"), "previous_month": fig.get("previous_month")})
        pts = [(str(t[0]), t[1]) for t in fig.get("trend") or [] if len(t) == 2 and t[1] is not None]
        chart_unit = "%" if unit == "%" else ("d" if unit == "days" else (code if unit == "money" else ""))
        charts.append(line_chart(pts, title=str(fig.get("label")), unit=chart_unit, target=target))
    return tiles, charts


def _queue_rows(request: Request, user: Identity, filters: dict[str, str]) -> tuple[dict[str, list[dict[str, Any]]],
                                                                                      list[str]]:
    from dataclasses import asdict

    from tools.kpis import queues as q

    runtime = request.app.state.runtime
    ctx = runtime.context_for(user, "web", None)
    errors: list[str] = []
    try:
        flt = q.resolve_filters(ctx, filters.get("warehouse") or None, filters.get("category") or None,
                                filters.get("vendor") or None)
    except _ToolError as exc:
        return {}, [exc.message]
    out: dict[str, list[dict[str, Any]]] = {}
    calls: dict[str, Callable[[], list[Any]]] = {
        "overdue_receipts": lambda: q.overdue_receipts(ctx, flt),
        "late_orders": lambda: q.late_orders(ctx, flt),
        "unconfirmed_orders": lambda: q.unconfirmed_orders(ctx, flt),
        "stockout_risks": lambda: q.stockout_risks(ctx, flt),
        "three_way_exceptions": lambda: q.three_way_exceptions(ctx, flt) if runtime.policy is None
        or runtime.policy.can_use(user.role, "three_way_match_exceptions") else [],
        "contracts_expiring": lambda: q.contracts_expiring(ctx, flt),
        "purchase_anomalies": lambda: q.purchase_anomalies(ctx, flt) if runtime.policy is None
        or runtime.policy.can_use(user.role, "purchase_anomalies") else [],
    }
    for key, call in calls.items():
        try:
            out[key] = [asdict(r) for r in call()]
        except Exception as exc:  # noqa: BLE001 - one queue failing must not take the page down
            log.info("control tower queue %s failed: %s", key, exc)
            errors.append(f"{QUEUES[key][0]}: {for_people(str(exc), runtime.policy, user.role)}")
            out[key] = []
    money = _shows_money(request, user)
    from tools.reads.common import currency

    code = currency(ctx)
    for rows in out.values():
        for r in rows:
            if "reason" in r:
                r["reason"] = REASONS.get(str(r["reason"]), r["reason"])
            if not money:
                for c in MONEY_COLUMNS:
                    r.pop(c, None)
                continue
            if r.get("amount") is not None:  # in the PO's own currency (a vendor may bill in another)
                r["amount"] = f"{float(r['amount']):,.2f} {r.get('currency') or ''}".strip()
            if r.get("diff_amount") is not None:  # converted to the company currency by the matching rules
                r["diff_amount"] = f"{float(r['diff_amount']):,.2f} {code}".strip()
    return out, errors


def tower_data(request: Request, user: Identity, filters: dict[str, str]) -> dict[str, Any]:
    """Everything the page shows (cached per role, money visibility, filters and day for PAGE_TTL s)."""
    from tools.reads.common import today

    runtime = request.app.state.runtime
    ctx = runtime.context_for(user, "web", None)
    money = _shows_money(request, user)
    key = (getattr(runtime.odoo, "url", None), getattr(runtime.odoo, "db", None), user.role, money,
           tuple(sorted(filters.items())), today(ctx).isoformat())
    hit = _page_cache.get(key)
    if hit and time.monotonic() - hit[0] < PAGE_TTL:
        return hit[1]
    args = {k: v for k, v in filters.items() if v and k in ("warehouse", "category", "vendor")}
    result = run_page_tool(request, user, "kpi_report", args)
    errors: list[str] = []
    kpis: dict[str, Any] = {}
    if result.ok:
        kpis = dict(result.data)
        kpis["keys"] = list(kpis.get("figures") or {})
    else:
        errors.append(for_people(str(result.error), runtime.policy, user.role))
    queues, qerr = _queue_rows(request, user, filters)
    data = {"kpis": kpis, "queues": queues, "errors": errors + qerr, "money": money}
    if len(_page_cache) > 128:
        _page_cache.clear()
    _page_cache[key] = (time.monotonic(), data)
    return data


def _filters(warehouse: str | None, category: str | None, vendor: str | None) -> dict[str, str]:
    return {"warehouse": (warehouse or "").strip()[:64], "category": (category or "").strip()[:120],
            "vendor": (vendor or "").strip()[:120]}


def _named(value: Any) -> bool:
    """Odoo names a record "/" until it is numbered (a draft bill): nothing to link or ask about yet."""
    return any(ch.isalnum() for ch in str(value or ""))


def _readable(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, **{c: "draft, no number yet" for c in ("ref", "po", "bill") if row.get(c) and not _named(row[c])}}


def _links(key: str, row: dict[str, Any]) -> dict[str, str]:
    links = {}
    for c in ("ref", "po", "bill", "other_po"):
        if row.get(c) and _named(row[c]):
            links[c] = own_record_href(str(row[c]))
    if row.get("vendor"):
        links["vendor"] = "/suppliers/" + quote(str(row["vendor"]))
    if row.get("supplier"):
        links["supplier"] = "/suppliers/" + quote(str(row["supplier"]))
    if key in ("stockout_risks", "purchase_anomalies") and row.get("product"):
        links["product"] = own_record_href(str(row["product"]))
    return links


def _action(key: str, row: dict[str, Any], user: Identity, policy: Any) -> dict[str, str] | None:
    """The one-click proposal that fits a row (None when none fits or the role may not propose it)."""
    def may(tool: str) -> bool:
        return policy is None or policy.can_use(user.role, tool)

    if key in ("late_orders", "unconfirmed_orders") and row.get("po") and may("remind_supplier"):
        return {"kind": "chase", "label": "Chase", "ref": str(row["po"])}
    if key == "overdue_receipts" and row.get("ref") and may("reschedule_receipt"):
        return {"kind": "reschedule", "label": "Reschedule +7 days", "ref": str(row["ref"])}
    if key == "stockout_risks" and row.get("vendor") and row.get("to_order") and may("create_rfq"):
        return {"kind": "rfq", "label": "Draft RFQ", "ref": str(row["product"]), "vendor": str(row["vendor"]),
                "qty": str(row["to_order"]), "warehouse": str(row.get("warehouse") or "")}
    return None


def tower_response(request: Request, warehouse: str | None = None, category: str | None = None,
                   vendor: str | None = None) -> Response:
    user = page_user(request)
    runtime = request.app.state.runtime
    if not _allowed(request, user):
        return render(request, "error.html", status_code=403, user=user, title="Not allowed",
                      message="The KPIs are not available to your role — ask a manager.")
    filters = _filters(warehouse, category, vendor)
    data = tower_data(request, user, filters)
    code = str(data["kpis"].get("currency") or "")
    tiles, charts = _tiles(data["kpis"], load_targets(), code) if data["kpis"] else ([], [])
    tables = []
    for key, (title, columns) in QUEUES.items():
        rows = data["queues"].get(key) or []
        cols = [c for c in columns if data["money"] or c not in MONEY_COLUMNS]
        shown = [{**_readable(r), "links": _links(key, r),
                  "action": _action(key, r, user, runtime.policy)} for r in rows[:50]]
        tables.append({"key": key, "title": title, "columns": cols, "rows": shown, "total": len(rows),
                       "csv": f"/tower.csv?{urlencode({'table': key, **filters})}"})
    return render(request, "tower.html", user=user, nav="tower", tiles=tiles, charts=charts, tables=tables,
                  labels=LABELS, filters=filters, warehouses=_warehouses(runtime), errors=data["errors"],
                  scope=data["kpis"].get("scope"), money=data["money"],
                  kpi_csv=f"/tower.csv?{urlencode({'table': 'kpis', **filters})}")


@router.get("/tower", response_model=None)
def tower_page(request: Request, warehouse: str | None = None, category: str | None = None,
               vendor: str | None = None) -> Response:
    return tower_response(request, warehouse, category, vendor)


@router.get("/tower.csv", response_model=None)
def tower_csv(request: Request, table: str = "kpis", warehouse: str | None = None, category: str | None = None,
              vendor: str | None = None) -> Response:
    user = page_user(request)
    if not _allowed(request, user):
        return Response("The KPIs are not available to your role.\n", status_code=403, media_type="text/plain")
    filters = _filters(warehouse, category, vendor)
    data = tower_data(request, user, filters)
    buf = io.StringIO()
    w = csv.writer(buf)
    if table == "kpis":
        w.writerow(["kpi", "month", "value"])
        for fig in (data["kpis"].get("figures") or {}).values():
            for t in fig.get("trend") or []:
                w.writerow([fig.get("label"), t[0], "" if len(t) < 2 or t[1] is None else t[1]])
    elif table in QUEUES:
        cols = [c for c in QUEUES[table][1] if data["money"] or c not in MONEY_COLUMNS]
        w.writerow([LABELS[c] for c in cols])
        for r in data["queues"].get(table) or []:
            w.writerow(["" if r.get(c) is None else r.get(c) for c in cols])
    else:
        return Response(f"Unknown table {table[:40]!r}; choose kpis or one of {', '.join(QUEUES)}.\n",
                        status_code=404, media_type="text/plain")
    return Response(buf.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{table}.csv"'})


@router.post("/tower/propose", response_model=None)
def tower_propose(request: Request, kind: str = Form(""), ref: str = Form("", max_length=64),
                  vendor: str = Form("", max_length=128), qty: str = Form("", max_length=32),
                  warehouse: str = Form("", max_length=64), csrf_token: str = Form("", max_length=200),
                  back: str = Form("/", max_length=500)) -> Response:
    from assistant.channels.web import safe_next

    user = page_user(request)
    check_form_csrf(request, csrf_token)
    runtime = request.app.state.runtime
    back = safe_next(back)
    if kind == "chase":
        result = run_page_tool(request, user, "remind_supplier", {
            "po": ref, "message": f"Please confirm the delivery status and the expected delivery date for {ref}."})
    elif kind == "reschedule":
        from tools.reads.common import today

        day = today(runtime.context_for(user, "web", None)) + timedelta(days=7)
        result = run_page_tool(request, user, "reschedule_receipt", {"receipt": ref, "date": day.isoformat()})
    elif kind == "rfq":
        try:
            amount = max(1.0, float(qty))
        except ValueError:
            flash(request, "error", "The quantity to order is not a number.")
            return RedirectResponse(back, status_code=303)
        result = run_page_tool(request, user, "create_rfq", {
            "supplier": vendor, "lines": [{"product": ref, "quantity": amount}], "warehouse": warehouse or None})
    else:
        flash(request, "error", "Unknown action.")
        return RedirectResponse(back, status_code=303)
    if result.ok:
        flash(request, "ok", for_people(result.text or "Proposal filed; it waits for approval.", runtime.policy,
                                        user.role))
    else:
        flash(request, "error", for_people(str(result.error), runtime.policy, user.role))
    return RedirectResponse(back, status_code=303)


def clear_cache() -> None:
    _page_cache.clear()
