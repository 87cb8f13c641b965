"""The labelled corpora of both businesses, linked and read against their sandboxes; what the product shows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from tools.base import Identity, ToolContext
from tools.mail.notices import latest_mail_for_po, price_change_notices, reschedule_suggestions
from tools.mail.scoring import score
from tools.mail.store import MailMessageRow, MailStore
from tools.mail.sync import import_path, process_pending


def _load(tmp_path: Any, state: Any, odoo: Any, corpus: list[Any]) -> MailStore:
    from sandbox.seed.mailbox import write_corpus

    write_corpus(corpus, tmp_path / "corpus")
    mails = MailStore(state)
    import_path(mails, tmp_path / "corpus")
    process_pending(mails, odoo)
    return mails


@pytest.fixture()
def bb(tmp_path: Any, state: Any, odoo: Any, bluebonnet_mail: list[Any]) -> MailStore:
    return _load(tmp_path, state, odoo, bluebonnet_mail)


def test_bluebonnet_corpus_links_and_dates_meet_the_targets(bb: MailStore, bluebonnet_mail: list[Any]) -> None:
    s = score(bb, [m.label for m in bluebonnet_mail])
    assert s.messages == len(bluebonnet_mail)
    assert s.precision >= 0.95 and s.recall >= 0.9, s.misses[:10]
    assert s.eta_accuracy >= 0.9, s.misses[:10]


def test_hollander_corpus_links_and_dates_meet_the_targets(tmp_path: Any, state: Any, odoo_hollander: Any,
                                                           hollander_mail: list[Any]) -> None:
    mails = _load(tmp_path, state, odoo_hollander, hollander_mail)
    s = score(mails, [m.label for m in hollander_mail])
    assert s.precision >= 0.95 and s.recall >= 0.9, s.misses[:10]
    assert s.eta_accuracy >= 0.9, s.misses[:10]
    kinds = {lb["kind"] for lb in (m.label for m in hollander_mail)}
    assert {"delay", "price", "quality"} <= kinds


def test_unknown_sender_lands_in_triage_and_can_be_linked_by_hand(bb: MailStore) -> None:
    triage = bb.triage()
    assert triage and all(r.vendor_id is None for r in triage)
    assert any("freight-weekly" in r.sender for r in triage)
    row = triage[0]
    assert bb.link_by_hand(row.id, vendor_id=15, vendor_name="x", links=[], user="ava.buyer")
    assert row.id not in {r.id for r in bb.triage()}


def test_delay_mail_raises_a_reschedule_suggestion_for_the_right_receipt(bb: MailStore, odoo: Any,
                                                                          bluebonnet_mail: list[Any]) -> None:
    sugg = {s["receipt"]: s for s in reschedule_suggestions(bb.store, odoo)}
    delays = [m.label for m in bluebonnet_mail if m.label["kind"] in ("delay", "partial") and m.label.get("receipt")]
    assert delays
    # truth from Odoo, not from the code under test: the receipt's scheduled date and the labelled new date
    later = 0
    for lb in delays:
        rec = odoo.search_read("stock.picking", [("name", "=", lb["receipt"])], ["scheduled_date", "state"])[0]
        if rec["state"] in ("done", "cancel") or lb["eta"] <= rec["scheduled_date"][:10]:
            continue
        later += 1
        assert lb["receipt"] in sugg, lb
    assert later >= 10
    right = sum(1 for lb in delays if lb["receipt"] in sugg and sugg[lb["receipt"]]["new_date"] == lb["eta"])
    assert right >= 0.8 * later  # threads move the date again; the newest mail's date wins
    with bb.store.read() as s:  # suggestions only: not one proposal exists
        assert s.scalar(sa.text("select count(*) from proposals")) == 0


def test_price_change_notices_and_latest_mail_on_a_po(bb: MailStore, bluebonnet_mail: list[Any]) -> None:
    price = [m.label for m in bluebonnet_mail if m.label["kind"] == "price"]
    notices = price_change_notices(bb.store, price[0]["vendor_id"])
    assert notices and notices[0]["percent"] and notices[0]["id"].startswith("mail:")
    assert price_change_notices(None, 1) == []
    po = next(m.label for m in bluebonnet_mail if m.label["kind"] == "delay")["pos"][0]
    latest = latest_mail_for_po(bb.store, po)
    assert latest is not None and po in (latest["on"] or "")


def test_planted_instructions_are_flagged_and_cause_nothing(bb: MailStore, bluebonnet_mail: list[Any]) -> None:
    planted = [m.label["message_id"] for m in bluebonnet_mail if m.label.get("injection")]
    assert planted
    rows = bb.by_message_ids(planted)
    assert rows and all(r.injection for r in rows)
    assert all(r.kind == "delay" for r in rows)  # the instruction did not change what the mail is
    with bb.store.read() as s:
        assert s.scalar(sa.text("select count(*) from proposals")) == 0
        assert s.scalar(sa.select(sa.func.count()).select_from(MailMessageRow)) == len(bluebonnet_mail)


def _ctx(odoo: Any, store: Any, role: str) -> ToolContext:
    from assistant.settings import load_settings
    from tools.governance.audit import AuditLog
    from tools.governance.policy import Policy

    settings = load_settings()
    return ToolContext(user=Identity(username=f"t.{role}", role=role, display_name="T"), odoo=odoo, store=store,
                       policy=Policy.load(settings.resolved_policy_file), audit=AuditLog(store))


def test_supplier_communications_merges_chatter_and_mail_with_citations(bb: MailStore, odoo: Any,
                                                                         bluebonnet_mail: list[Any]) -> None:
    from tools.registry import run_tool

    lb = next(m.label for m in bluebonnet_mail if m.label["kind"] == "delay" and not m.label.get("injection"))
    ctx = _ctx(odoo, bb.store, "buyer")
    r = run_tool(ctx, "supplier_communications", {"supplier": lb["vendor"], "po": lb["pos"][0]})
    assert r.ok, r.error
    ids = [m["id"] for m in r.data["messages"]]
    assert any(i.startswith("mail:") for i in ids)
    assert {c.id for c in r.citations} >= {i for i in ids if i.startswith("mail:")}
    chatter = odoo.search_count("mail.message", [("model", "=", "purchase.order"), ("record_name", "=", lb["pos"][0]),
                                                 ("message_type", "in", ["email", "comment"])])
    if chatter:
        assert any(i.startswith("msg:") for i in ids)
    all_rows = run_tool(ctx, "supplier_communications", {"supplier": lb["vendor"], "since": "2000-01-01",
                                                         "limit": 50})
    assert any(m["id"].startswith("msg:") for m in all_rows.data["messages"])


def test_warehouse_role_sees_mail_without_money(bb: MailStore, odoo: Any, bluebonnet_mail: list[Any]) -> None:
    from tools.registry import run_tool

    with bb.store.write() as s:  # a vendor mail quoting a price
        row = s.scalars(sa.select(MailMessageRow).where(MailMessageRow.kind == "delay")).first()
        assert row is not None
        row.body += "\nThe freight surcharge is $1,250.00 on this order."
        vendor, po = row.vendor_name, [lk for lk in __import__("json").loads(row.links_json)][0]["name"]
    wes = run_tool(_ctx(odoo, bb.store, "warehouse"), "supplier_communications", {"supplier": vendor, "po": po})
    ava = run_tool(_ctx(odoo, bb.store, "buyer"), "supplier_communications", {"supplier": vendor, "po": po})
    assert "1,250.00" in str(ava.data) and "1,250.00" not in str(wes.data)


def test_cli_import_and_triage(tmp_path: Any, sandbox: Any, bluebonnet_mail: list[Any],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from typer.testing import CliRunner

    from assistant.cli import app
    from sandbox.seed.mailbox import write_corpus

    write_corpus(bluebonnet_mail[:15], tmp_path / "in")
    monkeypatch.setenv("ODOO_URL", sandbox.url)
    monkeypatch.setenv("ODOO_DB", sandbox.db)
    monkeypatch.setenv("QM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QM_BRAIN", "offline")
    out = CliRunner().invoke(app, ["mail", "import", str(tmp_path / "in"), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["new"] == 15 and data["processed"] == 15
    again = json.loads(CliRunner().invoke(app, ["mail", "import", str(tmp_path / "in"), "--json"]).output)
    assert again["new"] == 0 and again["duplicates"] == 15
    missing = CliRunner().invoke(app, ["mail", "import", str(tmp_path / "nope")])
    assert missing.exit_code == 1 and "Traceback" not in missing.output
    monkeypatch.delenv("QM_MAIL_HOST", raising=False)
    nosync = CliRunner().invoke(app, ["mail", "sync"])
    assert nosync.exit_code == 1 and "No mailbox is configured" in nosync.output
    _ = dt


def test_po_status_shows_the_latest_vendor_mail(bb: MailStore, odoo: Any, bluebonnet_mail: list[Any]) -> None:
    from tools.registry import run_tool

    lb = next(m.label for m in bluebonnet_mail if m.label["kind"] == "delay")
    r = run_tool(_ctx(odoo, bb.store, "buyer"), "purchase_order_status", {"reference": lb["pos"][0]})
    assert r.ok, r.error
    mail = r.data["latest_vendor_mail"]
    assert mail["id"].startswith("mail:") and mail["subject"] in r.text
    assert [c.id for c in r.citations] == [mail["id"]]


def test_hollander_vendor_mail_reaches_communications_and_suggestions(tmp_path: Any, state: Any,
                                                                       odoo_hollander: Any,
                                                                       hollander_mail: list[Any]) -> None:
    from tools.registry import run_tool

    mails = _load(tmp_path, state, odoo_hollander, hollander_mail)
    lb = next(m.label for m in hollander_mail if m.label["kind"] == "delay" and not m.label.get("injection"))
    r = run_tool(_ctx(odoo_hollander, state, "buyer"), "supplier_communications",
                 {"supplier": lb["vendor"], "po": lb["pos"][0]})
    assert r.ok, r.error
    assert any(m["id"].startswith("mail:") for m in r.data["messages"])
    sugg = reschedule_suggestions(state, odoo_hollander)
    open_late = []
    for s in sugg:  # each suggestion checked against Odoo's own receipt
        rec = odoo_hollander.search_read("stock.picking", [("name", "=", s["receipt"])], ["scheduled_date", "state"])[0]
        assert rec["state"] not in ("done", "cancel") and s["new_date"] > rec["scheduled_date"][:10]
        open_late.append(s["receipt"])
    assert open_late
    assert mails.triage()


def test_alert_queue_of_supplier_news_includes_mailbox_delays_and_price_changes(bb: MailStore, odoo: Any,
                                                                                 bluebonnet_mail: list[Any]) -> None:
    from assistant.watch.queues import supplier_messages

    items = supplier_messages(_ctx(odoo, bb.store, "admin"), {"categories": ["price", "delay"], "since_days": 7})
    mail = [i for i in items if i.key.startswith("mail:")]
    kinds = {i.facts["categories"][0] for i in mail}
    assert kinds == {"price", "delay"}
    with bb.store.read() as s:  # truth: the stored mails of those kinds with a vendor (independent query)
        n = s.scalar(sa.select(sa.func.count()).select_from(MailMessageRow).where(
            MailMessageRow.kind.in_(["price", "delay"]), MailMessageRow.vendor_id.is_not(None)))
    assert len(mail) == n
    assert all(i.vendor and "\u201c" in i.text for i in mail)
