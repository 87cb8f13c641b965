"""Writes on a private minimal sandbox: x2many commands, transactions, persistence, business effects."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sandbox_helpers import CACHE, TODAY, Client, Fault


def test_x2many_commands_and_cascade(mini_fresh: Any) -> None:
    c = Client(mini_fresh.url)
    po = c("purchase.order", "create", {"partner_id": 8, "order_line": [
        (0, 0, {"product_id": 2, "product_qty": 10}), (0, 0, {"product_id": 1, "product_qty": 1})]})
    lines = c("purchase.order", "read", [po], ["order_line"])[0]["order_line"]
    assert len(lines) == 2
    got = c("purchase.order.line", "read", lines, ["price_unit", "date_planned", "product_uom", "name"])
    assert got[0]["price_unit"] == 0.45 and got[1]["price_unit"] == 11.0  # from Redline's supplierinfo
    assert got[0]["name"] == "[FST-4410] Hex Bolt M8" and got[0]["product_uom"][0] == 1
    order_date = c("purchase.order", "read", [po], ["date_order"])[0]["date_order"]
    planned = dt.datetime.strptime(got[0]["date_planned"], "%Y-%m-%d %H:%M:%S")
    assert planned - dt.datetime.strptime(order_date, "%Y-%m-%d %H:%M:%S") == dt.timedelta(days=7)
    c("purchase.order", "write", [po], {"order_line": [(1, lines[0], {"product_qty": 20}), (2, lines[1])]})
    assert c("purchase.order", "read", [po], ["amount_total", "order_line"])[0] == {
        "id": po, "amount_total": 9.0, "order_line": [lines[0]]}
    pid = c("res.partner", "create", {"name": "Tagless"})
    c("res.partner", "write", [pid], {"category_id": [(6, 0, [])], "child_ids": [(0, 0, {"name": "Kid"})]})
    kid = c("res.partner", "search_read", [("parent_id", "=", pid)], fields=["complete_name", "commercial_partner_id"])
    assert kid[0]["complete_name"] == "Tagless, Kid" and kid[0]["commercial_partner_id"][0] == pid
    with pytest.raises(Fault) as refused:  # Odoo 18 deletes cancelled orders only, drafts included
        c("purchase.order", "unlink", [po])
    assert refused.value.message == "In order to delete a purchase order, you must cancel it first."
    c("purchase.order", "button_cancel", [po])
    assert c("purchase.order", "unlink", [po]) is True
    assert c("purchase.order.line", "search_count", [("id", "in", lines)]) == 0
    users = c("res.users", "read", [3], ["groups_id"])[0]["groups_id"]
    c("res.users", "write", [3], {"groups_id": [(4, 7)]})
    assert c("res.users", "read", [3], ["groups_id"])[0]["groups_id"] == sorted([*users, 7])


def test_failed_call_rolls_back_everything(mini_fresh: Any) -> None:
    c = Client(mini_fresh.url)
    before = c("purchase.order", "search_count", [])
    with pytest.raises(Fault):
        c("purchase.order", "create", {"partner_id": 6, "order_line": [(0, 0, {"product_id": 1}),
                                                                        (0, 0, {"product_id": 424242})]})
    assert c("purchase.order", "search_count", []) == before
    assert c("purchase.order.line", "search_count", []) == 4
    po = c("purchase.order", "create", {"partner_id": 6})
    assert c("purchase.order", "read", [po], ["name"])[0]["name"] == "P00004"  # the failed call took no number


def test_writes_persist_across_restart(tmp_path: Path) -> None:
    from sandbox.launch import start_sandbox
    data = tmp_path / "persist"
    with start_sandbox(data, cache_dir=CACHE, generator="minimal", today=TODAY) as s1:
        c = Client(s1.url)
        pid = c("res.partner", "create", {"name": "Survivor"})
    with start_sandbox(data, cache_dir=CACHE, generator="minimal", today=TODAY) as s2:
        assert Client(s2.url)("res.partner", "read", [pid], ["name"])[0]["name"] == "Survivor"
    out = subprocess.run([sys.executable, "-m", "sandbox", "reset", "--data-dir", str(data)], capture_output=True,
                         text=True, cwd=Path(__file__).resolve().parents[2], timeout=60)
    assert out.returncode == 0 and "removed" in out.stdout
    assert not (data / "sandbox.db").exists()


def test_receipt_flow_updates_stock_and_billing(mini_fresh: Any) -> None:
    c = Client(mini_fresh.url)
    pick = c("stock.picking", "search", [("name", "=", "HOU/IN/00001")])[0]
    moves = c("stock.move", "search_read", [("picking_id", "=", pick)], fields=["product_id"], order="id")
    c("stock.move", "write", [moves[0]["id"]], {"quantity": 10})  # 10 of 24 gloves; bolts in full
    assert c("stock.picking", "button_validate", [pick])["res_model"] == "stock.backorder.confirmation"
    assert c("stock.picking", "button_validate", [pick], context={"skip_backorder": True}) is True
    hou = {r["product_id"][0]: r["quantity"] for r in c("stock.quant", "search_read", [("location_id", "=", 11)],
                                                          fields=["product_id", "quantity"])}
    assert hou == {1: 50.0, 2: 600.0}
    back = c("stock.picking", "search_read", [("backorder_id", "=", pick)], fields=["name", "state", "move_ids"])
    assert back[0]["name"] == "HOU/IN/00002" and back[0]["state"] == "assigned"
    assert c("stock.move", "read", back[0]["move_ids"], ["product_uom_qty"])[0]["product_uom_qty"] == 14.0
    gloves = c("product.product", "read", [1], ["qty_available", "incoming_qty"], context={"warehouse_id": 2})[0]
    assert (gloves["qty_available"], gloves["incoming_qty"]) == (50.0, 14.0)
    po = c("purchase.order", "search", [("name", "=", "P00002")])[0]
    assert c("purchase.order", "read", [po], ["receipt_status", "invoice_status"])[0] == {
        "id": po, "receipt_status": "partial", "invoice_status": "to invoice"}
    action = c("purchase.order", "action_create_invoice", [po])
    bill = c("account.move", "read", [action["res_id"]], ["amount_untaxed", "name", "display_name", "invoice_origin",
                                                          "state", "invoice_line_ids"])[0]
    assert bill["amount_untaxed"] == pytest.approx(10 * 11 + 100 * 0.45)
    assert (bill["name"], bill["display_name"], bill["invoice_origin"]) == ("/", f"Draft Bill (* {bill['id']})",
                                                                            "P00002")
    with pytest.raises(Fault) as exc:
        c("purchase.order", "action_create_invoice", [po])
    assert exc.value.name == "odoo.exceptions.UserError" and "no invoiceable line" in exc.value.message
    c("account.move", "write", [bill["id"]], {"invoice_date": "2026-11-20"})
    assert c("account.move", "action_post", [bill["id"]]) is False
    assert c("account.move", "read", [bill["id"]], ["name"])[0]["name"] == "BILL/2026/11/0001"
    assert c("purchase.order", "read", [po], ["invoice_status", "invoice_count"])[0]["invoice_status"] == "invoiced"
    with pytest.raises(Fault) as exc2:
        c("account.move", "unlink", [bill["id"]])
    assert exc2.value.name == "odoo.exceptions.UserError"


def test_activities_and_chatter(mini_fresh: Any) -> None:
    c = Client(mini_fresh.url)
    model_id = c("ir.model", "search", [("model", "=", "purchase.order")])[0]
    act = c("mail.activity", "create", {"res_model_id": model_id, "res_id": 2, "activity_type_id": 4,
                                        "summary": "Chase Redline", "date_deadline": "2020-01-01", "user_id": 2})
    rec = c("mail.activity", "read", [act], ["res_model", "res_name", "state", "activity_category"])[0]
    assert rec == {"id": act, "res_model": "purchase.order", "res_name": "P00002", "state": "overdue",
                   "activity_category": "default"}
    po = c("purchase.order", "read", [2], ["activity_ids", "activity_state", "activity_summary"])[0]
    assert po["activity_ids"] == [act] and po["activity_state"] == "overdue"
    assert c("purchase.order", "search", [("activity_state", "=", "overdue")]) == [2]
    with pytest.raises(Fault) as exc:
        c("mail.activity", "create", {"res_model_id": model_id, "res_id": 999, "summary": "x", "user_id": 2})
    assert exc.value.name == "odoo.exceptions.MissingError"
    with pytest.raises(Fault) as exc2:
        c("purchase.order", "message_post", [1, 2], body="x")
    assert "Expected singleton" in exc2.value.message
    with pytest.raises(Fault) as exc3:
        c("res.partner", "message_post", [6], body="x", message_type="user_notification")
    assert exc3.value.message == "Use message_notify to send a notification to an user."
    mid = c("res.partner", "message_post", [6], body="Call me\nplease, it's late\n\nhttps://x.example/p?q=1",
            message_type="comment", subtype_xmlid="mail.mt_comment", subject="Hello")
    msg = c("mail.message", "read", [mid], ["body", "subject", "author_id", "subtype_id", "record_name"])[0]
    assert msg["body"] == "<p>Call me\nplease, it's late\n\nhttps://x.example/p?q=1</p>"  # as real Odoo 18
    assert msg["subtype_id"][1] == "Discussions"
    assert msg["author_id"][1] == "Mitchell Admin" and msg["record_name"] == "Apex Industrial Supply"
    assert mid in c("res.partner", "read", [6], ["message_ids"])[0]["message_ids"]


def test_picking_reschedule_posts_tracking_and_keeps_deadlines(mini_fresh: Any) -> None:
    c = Client(mini_fresh.url)
    before = c("mail.message", "search_count", [("model", "=", "stock.picking"), ("res_id", "=", 2)])
    c("stock.picking", "write", [2], {"scheduled_date": "2026-12-05 08:00:00"})
    moves = c("stock.move", "search_read", [("picking_id", "=", 2)], fields=["date", "date_deadline"])
    assert {m["date"] for m in moves} == {"2026-12-05 08:00:00"}
    assert {m["date_deadline"] for m in moves} == {"2026-11-28 15:00:00"}
    assert c("mail.message", "search_count", [("model", "=", "stock.picking"), ("res_id", "=", 2)]) == before + 1
    line = c("purchase.order.line", "search", [("order_id", "=", 2)])[0]
    c("purchase.order.line", "write", [line], {"date_planned": "2026-12-10 09:00:00"})
    mv = c("stock.move", "search_read", [("purchase_line_id", "=", line)], fields=["date", "date_deadline"])[0]
    assert mv == {"id": mv["id"], "date": "2026-12-05 08:00:00", "date_deadline": "2026-12-10 09:00:00"}
    assert c("purchase.order", "read", [2], ["date_planned"])[0]["date_planned"] == "2026-11-28 15:00:00"
    pick = c("stock.picking", "read", [2], ["date_deadline", "scheduled_date", "has_deadline_issue"])[0]
    assert pick["date_deadline"] == "2026-11-28 15:00:00"  # the earliest move deadline
    assert pick["has_deadline_issue"] is True  # scheduled 5 Dec, bolts still due 28 Nov


def test_concurrent_clients(mini_fresh: Any) -> None:
    c = Client(mini_fresh.url)

    def work(i: int) -> int:
        pid = c("res.partner", "create", {"name": f"Parallel {i}"})
        return len(c("res.partner", "search_read", [("name", "=like", "Parallel %")], fields=["name"])) and pid

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(work, range(40)))
    assert len(set(ids)) == 40
    assert c("res.partner", "search_count", [("name", "=like", "Parallel %")]) == 40


def test_copy_archive_unarchive(mini_fresh: Any) -> None:
    c = Client(mini_fresh.url)
    new = c("purchase.order", "copy", [1])
    rec = c("purchase.order", "read", [new], ["name", "state", "amount_total", "date_approve"])[0]
    assert rec == {"id": new, "name": "P00004", "state": "draft", "amount_total": 475.0, "date_approve": False}
    assert c("res.partner", "action_archive", [8]) is True
    assert c("res.partner", "search", [("id", "=", 8)]) == []
    assert c("res.partner", "action_unarchive", [8]) is True
    assert c("res.partner", "search", [("id", "=", 8)]) == [8]
    with pytest.raises(Fault) as exc:
        c("purchase.order", "action_archive", [1])
    assert exc.value.name == "builtins.AttributeError"


def test_confirmed_line_changes_follow_to_the_receipt(mini_fresh: Any) -> None:
    c = Client(mini_fresh.url)
    line = c("purchase.order.line", "search", [("order_id", "=", 2), ("product_id", "=", 1)])[0]
    c("purchase.order.line", "write", [line], {"product_qty": 30})
    move = c("stock.move", "search_read", [("purchase_line_id", "=", line)], fields=["product_uom_qty", "quantity"])
    assert [(m["product_uom_qty"], m["quantity"]) for m in move] == [(30.0, 30.0)]
    new = c("purchase.order.line", "create", {"order_id": 2, "product_id": 3, "product_qty": 5})
    moves = c("stock.move", "search_read", [("purchase_line_id", "=", new)], fields=["picking_id", "product_uom_qty"])
    assert moves[0]["picking_id"][1] == "HOU/IN/00001" and moves[0]["product_uom_qty"] == 5.0
    assert c("product.product", "read", [3], ["incoming_qty"])[0]["incoming_qty"] == 5.0
    with pytest.raises(Fault) as exc:
        c("purchase.order.line", "unlink", [new])
    assert exc.value.name == "odoo.exceptions.UserError" and "Cannot delete a purchase order line" in exc.value.message


def test_password_change_and_deactivation_take_effect(mini_fresh: Any) -> None:
    from sandbox_helpers import rpc
    admin = Client(mini_fresh.url)
    wes = Client(mini_fresh.url, "wes.warehouse")
    assert wes("res.partner", "search_count", [("id", "=", 1)]) == 1
    admin("res.users", "write", [3], {"password": "n3w-secret"})
    with pytest.raises(Fault) as exc:
        wes("res.partner", "search_count", [])
    assert exc.value.name == "odoo.exceptions.AccessDenied"
    assert rpc(mini_fresh.url, "common", "login", "quartermaster", "wes.warehouse", "n3w-secret") == 3
    admin("res.users", "write", [3], {"active": False})
    assert rpc(mini_fresh.url, "common", "login", "quartermaster", "wes.warehouse", "n3w-secret") is False
    new = admin("res.users", "create", {"login": "temp.user", "name": "Temp", "password": "pw-1", "partner_id": 4,
                                        "company_id": 1, "groups_id": [(6, 0, [1])]})
    assert rpc(mini_fresh.url, "common", "login", "quartermaster", "temp.user", "pw-1") == new


def test_new_location_gets_path_name_and_warehouse(mini_fresh: Any) -> None:
    c = Client(mini_fresh.url)
    loc = c("stock.location", "create", {"name": "Bin 7", "usage": "internal", "location_id": 8})
    assert c("stock.location", "read", [loc], ["complete_name", "parent_path", "warehouse_id"])[0] == {
        "id": loc, "complete_name": "DAL/Stock/Bin 7", "parent_path": f"1/7/8/{loc}/",
        "warehouse_id": [1, "Dallas Central DC"]}
    c("stock.quant", "create", {"product_id": 3, "location_id": loc, "quantity": 5.0, "reserved_quantity": 0.0,
                                "in_date": "2026-11-26 10:00:00"})
    assert c("product.product", "read", [3], ["qty_available"], context={"warehouse_id": 1})[0]["qty_available"] == 5.0


def test_lock_and_unlock_move_orders_and_lines_between_purchase_and_done(mini_fresh: Any) -> None:
    c = Client(mini_fresh.url)
    confirmed = c("purchase.order", "search", [("state", "=", "purchase")])
    drafts = c("purchase.order", "search", [("state", "=", "draft")])
    assert confirmed and drafts
    po, rfq = confirmed[0], drafts[0]

    def states(order: int) -> tuple[str, set[str]]:
        head = c("purchase.order", "read", [order], ["state"])[0]["state"]
        lines = c("purchase.order.line", "search_read", [("order_id", "=", order)], fields=["state"])
        return head, {ln["state"] for ln in lines}

    assert c("purchase.order", "button_done", [po, rfq]) is True
    assert states(po) == ("done", {"done"})
    assert states(rfq)[0] == "draft"  # only confirmed orders lock
    assert c("purchase.order", "button_unlock", [po]) is True
    assert states(po) == ("purchase", {"purchase"})
