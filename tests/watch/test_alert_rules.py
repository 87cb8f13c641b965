"""Alert rules driven by a fake clock over the seeded sandbox history, checked against Odoo read directly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alert_kit import Capture, deliveries, local_today, make_watcher, receipts_due_truth, refs_in

from assistant.watch.clock import FakeClock


def _start() -> datetime:
    """15:00 UTC today: a working-day afternoon in America and in Europe."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(hour=15, minute=0, second=0, microsecond=0)


def _busiest(odoo: Any, clock: FakeClock) -> tuple[str, set[str]]:
    """The warehouse with the most receipts due tomorrow (truth from Odoo). When the seed has none for
    tomorrow, the fake clock moves to the day before the next scheduled receipt."""
    tomorrow = local_today(odoo, clock()) + timedelta(days=1)
    (nxt,) = odoo.search_read("stock.picking", [("picking_type_code", "=", "incoming"),
                                                ("state", "not in", ["done", "cancel"]),
                                                ("scheduled_date", ">=", clock().strftime("%Y-%m-%d %H:%M:%S"))],
                              ["scheduled_date"], limit=1, order="scheduled_date asc")
    first = local_today(odoo, datetime.fromisoformat(nxt["scheduled_date"]))
    if first > tomorrow:
        clock.advance((first - tomorrow).days * 86400)
        tomorrow = first
    codes = [w["code"] for w in odoo.search_read("stock.warehouse", [], ["code"])]
    best = max(codes, key=lambda c: len(receipts_due_truth(odoo, c, tomorrow)))
    return best, receipts_due_truth(odoo, best, tomorrow)


@pytest.mark.parametrize("business", ["bluebonnet", "hollander"])
def test_due_tomorrow_matches_odoo_and_is_alerted_once(business: str, request: Any, tmp_path: Path) -> None:
    odoo = request.getfixturevalue("odoo" if business == "bluebonnet" else "odoo_hollander")
    clock = FakeClock(_start())
    slack = Capture()
    w = make_watcher(odoo, f"sqlite:///{tmp_path}/state.db", business, clock, {"slack": slack})
    code, truth = _busiest(odoo, clock)
    assert truth, f"the {business} seed has receipts due tomorrow at {code}"
    dock = next(i for i in w.directory.all() if i.role == "warehouse")
    sub = w.subscriptions.add(by=dock, rule="receipts_due_tomorrow", warehouse=code, channel="slack")

    w.run_job("receipts_due_tomorrow", w.tick_now())
    (row,) = deliveries(w.store)
    assert row.state == "sent" and row.username == dock.username
    assert refs_in(row) == truth
    (msg,) = slack.sent
    assert msg["target"] == dock.slack_user_id
    for ref in truth:
        assert ref in msg["text"] and ref in json.dumps(msg["blocks"])

    # the next ticks, and a restarted process over the same store: nothing new, nothing re-sent
    for _ in range(3):
        clock.advance(3600)
        w.run_job("receipts_due_tomorrow", w.tick_now())
    w2 = make_watcher(odoo, f"sqlite:///{tmp_path}/state.db", business, clock, {"slack": slack})
    w2.run_job("receipts_due_tomorrow", w2.tick_now())
    assert len(deliveries(w.store)) == 1 and len(slack.sent) == 1

    # every delivery is audited
    audited = [e for e in w.audit.export_events() if e["type"] == "alert_delivered"] \
        if hasattr(w.audit, "export_events") else _audit_rows(w.store, "alert_delivered")
    assert len(audited) == 1 and sub.id in [json.loads(a["payload_json"])["subscription"] for a in audited]


def _audit_rows(store: Any, kind: str) -> list[dict[str, Any]]:
    import sqlalchemy as sa

    from tools.governance.store import AuditEventRow

    with store.read() as s:
        return [{"payload_json": r.payload_json} for r in
                s.scalars(sa.select(AuditEventRow).where(AuditEventRow.type == kind)).all()]


def test_a_changed_condition_is_alerted_again_and_a_cleared_one_on_return(fresh_sandbox: Any, tmp_path: Path) -> None:
    from tools.odoo.client import OdooClient

    odoo = OdooClient.connect(fresh_sandbox.url, fresh_sandbox.db, "admin", "admin")
    clock = FakeClock(_start())
    w = make_watcher(odoo, f"sqlite:///{tmp_path}/state.db", "bluebonnet", clock)
    code, truth = _busiest(odoo, clock)
    buyer = w.directory.get("ava.buyer")
    w.subscriptions.add(by=buyer, rule="receipts_due_tomorrow", warehouse=code, channel="web")
    w.run_job("receipts_due_tomorrow", w.tick_now())
    assert refs_in(deliveries(w.store)[0]) == truth

    # move one receipt out of tomorrow: it clears silently; move it back: alerted again (a new episode)
    ref = sorted(truth)[0]
    (pick,) = odoo.search_read("stock.picking", [("name", "=", ref)], ["scheduled_date"])
    later = (datetime.fromisoformat(pick["scheduled_date"]) + timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
    odoo.call("stock.picking", "write", [[pick["id"]], {"scheduled_date": later}])
    clock.advance(3600)
    w.run_job("receipts_due_tomorrow", w.tick_now())
    assert len(deliveries(w.store)) == 1
    odoo.call("stock.picking", "write", [[pick["id"]], {"scheduled_date": pick["scheduled_date"]}])
    clock.advance(3600)
    w.run_job("receipts_due_tomorrow", w.tick_now())
    rows = deliveries(w.store)
    assert len(rows) == 2 and refs_in(rows[1]) == {ref}

    # web notifications: the buyer sees both, newest first
    from assistant.watch.deliveries import web_notifications

    notes = web_notifications(w.store, "ava.buyer")
    assert [n["id"] for n in notes] == [rows[1].id, rows[0].id] and all(r.state == "sent" for r in rows)


@pytest.mark.parametrize("business", ["bluebonnet", "hollander"])
def test_warehouse_role_gets_no_money_buyer_gets_company_currency(business: str, request: Any, tmp_path: Path) -> None:
    from tools.governance.policy import scrub_money

    odoo = request.getfixturevalue("odoo" if business == "bluebonnet" else "odoo_hollander")
    clock = FakeClock(_start())
    w = make_watcher(odoo, f"sqlite:///{tmp_path}/state.db", business, clock)
    dock = next(i for i in w.directory.all() if i.role == "warehouse")
    buyer = next(i for i in w.directory.all() if i.role == "buyer")
    w.subscriptions.add(by=dock, rule="*", channel="web")
    w.subscriptions.add(by=buyer, rule="pos_late", channel="web")
    with pytest.raises(ValueError, match="not available to the warehouse role"):
        w.subscriptions.add(by=dock, rule="three_way_exceptions", channel="web")
    w.run_once()
    rows = deliveries(w.store)
    dock_rows = [r for r in rows if r.username == dock.username]
    assert dock_rows and {r.rule for r in dock_rows} <= {"receipts_due_tomorrow", "receipts_overdue", "stockout_risk"}
    for r in dock_rows:
        body = r.payload_json
        assert '"money"' not in body and scrub_money(body) == body
    currency = odoo.read("res.company", [1], ["currency_id"])[0]["currency_id"][1]
    (late,) = [r for r in rows if r.username == buyer.username]
    items = json.loads(late.payload_json)["items"]
    truth = {p["name"] for p in odoo.search_read("purchase.order", [
        ("state", "in", ["purchase", "done"]), ("receipt_status", "in", ["pending", "partial"])],
        ["name", "date_planned"]) if p["date_planned"] and local_today(odoo, datetime.fromisoformat(
            p["date_planned"])) < local_today(odoo, clock())}
    assert {i["ref"] for i in items} == truth
    po_currency = {p["name"]: p["currency_id"][1] for p in odoo.search_read(
        "purchase.order", [("name", "in", sorted(truth))], ["name", "currency_id"])}
    assert all(i["money"].endswith(po_currency[i["ref"]]) for i in items)  # each order in its own currency
    assert currency in {po_currency[i["ref"]] for i in items}


def test_digest_at_local_time_once_a_day_and_quiet_hours_hold_alerts(odoo: Any, tmp_path: Path) -> None:
    from alert_kit import odoo_zone

    zone = odoo_zone(odoo)
    start = _start()
    local = start.replace(tzinfo=UTC).astimezone(zone)
    clock = FakeClock(start)
    slack = Capture()
    w = make_watcher(odoo, f"sqlite:///{tmp_path}/state.db", "bluebonnet", clock, {"slack": slack})
    dock = w.directory.get("wes.warehouse")
    at = (local + timedelta(hours=2)).strftime("%H:%M")
    w.subscriptions.add(by=dock, rule="*", warehouse="HOU", channel="slack", mode="digest", digest_time=at)
    w.run_job("digests", w.tick_now())
    assert slack.sent == []  # two hours early
    clock.advance(2 * 3600)
    w.run_job("digests", w.tick_now())
    clock.advance(60)
    w.run_job("digests", w.tick_now())
    (digest,) = slack.sent
    tomorrow = local_today(odoo, clock()) + timedelta(days=1)
    for ref in receipts_due_truth(odoo, "HOU", tomorrow):
        assert ref in digest["text"]
    assert "Receipts due tomorrow" in digest["text"] and "New stock-out risks" in digest["text"]
    clock.advance(24 * 3600)
    w.run_job("digests", w.tick_now())
    assert len(slack.sent) == 2  # the next day's

    # quiet hours around "now": the alert waits, then goes out when they end
    now_local = clock().replace(tzinfo=UTC).astimezone(zone)
    qs, qe = (now_local - timedelta(hours=1)).strftime("%H:%M"), (now_local + timedelta(hours=1)).strftime("%H:%M")
    w.subscriptions.add(by=dock, rule="receipts_overdue", warehouse="HOU", channel="slack", quiet_start=qs,
                        quiet_end=qe)
    w.run_job("receipts_overdue", w.tick_now())
    assert len(slack.sent) == 2
    (held,) = [r for r in deliveries(w.store) if r.rule == "receipts_overdue"]
    assert held.state == "pending" and held.not_before is not None
    clock.advance(3600 + 120)
    w.run_job("deliveries", w.tick_now())
    assert len(slack.sent) == 3 and "overdue" in slack.sent[-1]["text"].lower()
