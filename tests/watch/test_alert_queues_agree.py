"""Alerts and the control tower read the same exception queues (tools.kpis.queues), so they agree on what
"late", "due" and "at risk" mean: each rule's items equal the tower queue's rows, on both businesses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alert_kit import make_watcher

from assistant.watch import queues as watch_queues
from assistant.watch.clock import FakeClock
from assistant.watch.digests import Scope
from tools.kpis import queues as tower
from tools.reads.common import today


def _watcher(business: str, request: Any, tmp_path: Path) -> Any:
    odoo = request.getfixturevalue("odoo" if business == "bluebonnet" else "odoo_hollander")
    now = datetime.now(UTC).replace(tzinfo=None, hour=15, minute=0, second=0, microsecond=0)
    return make_watcher(odoo, f"sqlite:///{tmp_path}/state.db", business, FakeClock(now))


@pytest.mark.parametrize("business", ["bluebonnet", "hollander"])
def test_alert_late_receipts_equal_the_towers_overdue_queue(business: str, request: Any, tmp_path: Path) -> None:
    w = _watcher(business, request, tmp_path)
    ctx = w.context(w.tick_now())
    rows = tower.overdue_receipts(ctx)
    assert rows, f"the {business} seed has overdue receipts"
    items = watch_queues.SOURCES["receipts_overdue"](ctx, {"min_days_late": 1}, None)
    assert [i.key.split(":", 1)[1] for i in items] == [r.ref for r in rows]
    assert [(i.warehouse, i.facts["days_late"]) for i in items] == [(r.warehouse, r.days_late) for r in rows]
    # one warehouse (a dock team's subscription, a digest's scope with its shared cache): that warehouse's rows
    code = next(r.warehouse for r in rows if r.warehouse)
    wid = next(int(x["id"]) for x in ctx.odoo.search_read("stock.warehouse", [("code", "=", code)], ["id"]))
    mine = [r.ref for r in tower.overdue_receipts(ctx, tower.Filters(warehouse_id=wid))]
    digest = Scope(warehouse=code, receipts_until=(today(ctx) + timedelta(days=1)).isoformat())
    for scope in (Scope(warehouse=code), digest, digest):
        got = watch_queues.SOURCES["receipts_overdue"](ctx, {"min_days_late": 1}, scope)
        assert [i.key.split(":", 1)[1] for i in got] == mine


@pytest.mark.parametrize("business", ["bluebonnet", "hollander"])
def test_late_pos_unconfirmed_and_stockout_alerts_equal_the_towers_queues(business: str, request: Any,
                                                                            tmp_path: Path) -> None:
    w = _watcher(business, request, tmp_path)
    ctx = w.context(w.tick_now())
    late = watch_queues.SOURCES["late_pos"](ctx, {"min_days_late": 1}, None)
    assert [i.ref for i in late] == [r.po for r in tower.late_orders(ctx) if r.days >= 1]
    assert late, f"the {business} seed has late POs"
    unconfirmed = watch_queues.SOURCES["unconfirmed"](ctx, {"after_days": 3}, None)
    assert [i.ref for i in unconfirmed] == [r.po for r in tower.unconfirmed_orders(ctx, older_than_days=3)]
    risks = watch_queues.SOURCES["stockout_risk"](ctx, {}, None)
    rows = tower.stockout_risks(ctx)
    assert risks and [(i.warehouse, i.facts["forecast"], i.facts["suggested_qty"]) for i in risks] == \
        [(r.warehouse, r.forecast, r.to_order) for r in rows]


def test_the_alert_sources_read_the_tower_queue_functions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Repointing a tower queue repoints the alert: the adapter holds no query of its own."""
    row = tower.ReceiptRow(picking_id=1, ref="REF/1", po="PO1", po_id=1, vendor="V", vendor_id=2, warehouse="X",
                           scheduled="2026-01-01", days_late=3, lines="A x1")
    seen: list[Any] = []

    def fake(ctx: Any, first: Any, last: Any, flt: Any = tower.Filters(), limit: int = 0) -> list[Any]:
        seen.append((first, last, flt))
        return [row]

    monkeypatch.setattr(tower, "receipts_due", fake)

    class Ctx:
        odoo = None

    monkeypatch.setattr(watch_queues, "today", lambda ctx: datetime(2026, 1, 4).date())
    (item,) = watch_queues.SOURCES["receipts_overdue"](Ctx(), {"min_days_late": 1}, None)  # type: ignore[arg-type]
    assert item.ref == "PO1" and item.warehouse == "X" and seen[0][0] is None
