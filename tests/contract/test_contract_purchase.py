"""Purchase lifecycle effects and refusals our action tools rely on (records tagged LAB-TEST)."""

from __future__ import annotations

import xmlrpc.client
from typing import Any

import odoorpc  # type: ignore[import-untyped]
import pytest
from contract_helpers import make_po


def _po(odoo: Any, po: int, fields: list[str]) -> dict[str, Any]:
    return odoo.execute_kw("purchase.order", "read", [[po], fields])[0]


def test_create_fills_name_and_display_name(odoo: Any, vendor_product: tuple[int, int], tag: str) -> None:
    po = make_po(odoo, vendor_product, tag)
    rec = _po(odoo, po, ["name", "display_name", "state", "amount_untaxed", "order_line", "date_planned"])
    assert rec["state"] == "draft" and rec["name"].startswith("P")
    assert rec["display_name"] == f"{rec['name']} ({tag})"
    assert rec["amount_untaxed"] == pytest.approx(7 * 12.5)
    assert len(rec["order_line"]) == 1 and rec["date_planned"]


def test_confirm_creates_receipt(odoo: Any, vendor_product: tuple[int, int], tag: str) -> None:
    product = vendor_product[1]
    before = odoo.execute_kw("product.product", "read", [[product], ["incoming_qty"]])[0]["incoming_qty"]
    po = make_po(odoo, vendor_product, tag)
    assert odoo.execute_kw("purchase.order", "button_confirm", [[po]]) is True
    rec = _po(odoo, po, ["state", "date_approve", "picking_ids", "receipt_status", "incoming_picking_count"])
    assert rec["state"] == "purchase" and rec["date_approve"]
    assert rec["receipt_status"] == "pending" and rec["incoming_picking_count"] == 1
    pick = odoo.execute_kw("stock.picking", "read", [rec["picking_ids"], ["state", "origin", "picking_type_code"]])[0]
    assert pick["state"] == "assigned" and pick["picking_type_code"] == "incoming"
    after = odoo.execute_kw("product.product", "read", [[product], ["incoming_qty"]])[0]["incoming_qty"]
    assert after == pytest.approx(before + 7)


def test_cancel_returns_null_and_cancels_receipt(odoo: Any, vendor_product: tuple[int, int], tag: str) -> None:
    po = make_po(odoo, vendor_product, tag)
    odoo.execute_kw("purchase.order", "button_confirm", [[po]])
    assert odoo.execute_kw("purchase.order", "button_cancel", [[po]]) is None
    rec = _po(odoo, po, ["state", "picking_ids"])
    assert rec["state"] == "cancel"
    states = {p["state"] for p in odoo.execute_kw("stock.picking", "read", [rec["picking_ids"], ["state"]])}
    assert states == {"cancel"}
    assert odoo.execute_kw("purchase.order", "button_draft", [[po]]) == {}
    assert _po(odoo, po, ["state"])["state"] == "draft"


def test_xmlrpc_cannot_marshal_none_but_commits(odoo: Any, xml: Any, vendor_product: tuple[int, int],
                                                tag: str) -> None:
    _obj, _uid, call = xml
    po = make_po(odoo, vendor_product, tag)
    with pytest.raises(xmlrpc.client.Fault) as fault:
        call("purchase.order", "button_cancel", [[po]])
    assert fault.value.faultCode == 1 and "cannot marshal None" in fault.value.faultString
    assert _po(odoo, po, ["state"])["state"] == "cancel"


def test_unlink_confirmed_po_refused(odoo: Any, xml: Any, vendor_product: tuple[int, int], tag: str) -> None:
    po = make_po(odoo, vendor_product, tag)
    odoo.execute_kw("purchase.order", "button_confirm", [[po]])
    with pytest.raises(odoorpc.error.RPCError) as exc:
        odoo.execute_kw("purchase.order", "unlink", [[po]])
    assert "In order to delete a purchase order, you must cancel it first." in str(exc.value)
    _obj, _uid, call = xml
    with pytest.raises(xmlrpc.client.Fault) as fault:
        call("purchase.order", "unlink", [[po]])
    assert fault.value.faultCode == 2


def test_validate_partial_backorder_then_cancel_refused(odoo: Any, vendor_product: tuple[int, int],
                                                         tag: str) -> None:
    ek = odoo.execute_kw
    po = make_po(odoo, vendor_product, tag)
    ek("purchase.order", "button_confirm", [[po]])
    pick = _po(odoo, po, ["picking_ids"])["picking_ids"][0]
    moves = ek("stock.move", "search", [[("picking_id", "=", pick)]])
    ek("stock.move", "write", [moves, {"quantity": 4, "picked": True}])
    action = ek("stock.picking", "button_validate", [[pick]])
    assert isinstance(action, dict) and action["res_model"] == "stock.backorder.confirmation"
    assert ek("stock.picking", "read", [[pick], ["state"]])[0]["state"] != "done"
    assert ek("stock.picking", "button_validate", [[pick]], {"context": {"skip_backorder": True}}) is True
    rec = _po(odoo, po, ["receipt_status", "picking_ids", "invoice_status"])
    assert rec["receipt_status"] == "partial" and len(rec["picking_ids"]) == 2
    backorder = ek("stock.picking", "search_read", [[("backorder_id", "=", pick)]], {"fields": ["state"]})
    assert len(backorder) == 1 and backorder[0]["state"] not in ("done", "cancel")
    line = ek("purchase.order.line", "search_read", [[("order_id", "=", po)]], {"fields": ["qty_received"]})[0]
    assert line["qty_received"] == pytest.approx(4)
    with pytest.raises(odoorpc.error.RPCError) as exc:
        ek("purchase.order", "button_cancel", [[po]])
    assert "since they have receipts that are already done" in str(exc.value)


def test_full_validate_and_bill(odoo: Any, vendor_product: tuple[int, int], tag: str) -> None:
    ek = odoo.execute_kw
    po = make_po(odoo, vendor_product, tag, qty=3)
    ek("purchase.order", "button_confirm", [[po]])
    pick = _po(odoo, po, ["picking_ids"])["picking_ids"][0]
    assert ek("stock.picking", "button_validate", [[pick]]) is True
    rec = _po(odoo, po, ["receipt_status", "invoice_status", "effective_date"])
    assert rec["receipt_status"] == "full" and rec["invoice_status"] == "to invoice" and rec["effective_date"]
    action = ek("purchase.order", "action_create_invoice", [[po]])
    assert action["res_model"] == "account.move"
    bill = ek("account.move", "search_read", [[("invoice_origin", "=", _po(odoo, po, ["name"])["name"])]],
              {"fields": ["state", "move_type", "amount_untaxed"]})
    assert bill and bill[0]["state"] == "draft" and bill[0]["move_type"] == "in_invoice"
    assert bill[0]["amount_untaxed"] == pytest.approx(3 * 12.5)
    with pytest.raises(odoorpc.error.RPCError) as exc:
        ek("account.move", "action_post", [[bill[0]["id"]]])
    assert "The Bill/Refund date is required to validate this document." in str(exc.value)
    ek("account.move", "write", [[bill[0]["id"]], {"invoice_date": "2026-11-26"}])
    assert ek("account.move", "action_post", [[bill[0]["id"]]]) is False
    assert _po(odoo, po, ["invoice_status"])["invoice_status"] == "invoiced"


def test_bill_takes_the_po_payment_terms(odoo: Any, vendor_product: tuple[int, int], tag: str) -> None:
    """Odoo's _prepare_invoice copies the PO's payment terms onto the bill (the sandbox used to leave them empty)."""
    ek = odoo.execute_kw
    terms = ek("account.payment.term", "search", [[]], {"limit": 1})
    if not terms:
        pytest.skip("no payment terms in this database")
    po = make_po(odoo, vendor_product, tag, qty=2)
    ek("purchase.order", "write", [[po], {"payment_term_id": terms[0]}])
    ek("purchase.order", "button_confirm", [[po]])
    pick = _po(odoo, po, ["picking_ids"])["picking_ids"][0]
    assert ek("stock.picking", "button_validate", [[pick]]) is True
    ek("purchase.order", "action_create_invoice", [[po]])
    bill = ek("account.move", "search_read", [[("invoice_origin", "=", _po(odoo, po, ["name"])["name"])]],
              {"fields": ["invoice_payment_term_id"]})
    assert bill and bill[0]["invoice_payment_term_id"] and bill[0]["invoice_payment_term_id"][0] == terms[0]


def test_picking_date_write_moves_follow(odoo: Any, vendor_product: tuple[int, int], tag: str) -> None:
    ek = odoo.execute_kw
    po = make_po(odoo, vendor_product, tag)
    ek("purchase.order", "button_confirm", [[po]])
    pick = _po(odoo, po, ["picking_ids"])["picking_ids"][0]
    assert ek("stock.picking", "write", [[pick], {"scheduled_date": "2027-01-15 09:00:00"}]) is True
    dates = {m["date"] for m in ek("stock.move", "search_read", [[("picking_id", "=", pick)]], {"fields": ["date"]})}
    assert dates == {"2027-01-15 09:00:00"}


def test_message_post_escapes_text_and_keeps_html(odoo: Any, vendor_product: tuple[int, int], tag: str) -> None:
    ek = odoo.execute_kw
    po = make_po(odoo, vendor_product, tag)
    mid = ek("purchase.order", "message_post", [[po]], {"body": "<b>late</b> & more", "message_type": "comment",
                                                        "subtype_xmlid": "mail.mt_note"})
    msg = ek("mail.message", "read", [[mid], ["body", "model", "res_id", "message_type", "subtype_id"]])[0]
    assert msg["body"] == "<p>&lt;b&gt;late&lt;/b&gt; &amp; more</p>"
    assert (msg["model"], msg["res_id"], msg["message_type"]) == ("purchase.order", po, "comment")
    mid2 = ek("purchase.order", "message_post", [[po]], {"body": "<p>ok<script>x()</script></p>",
                                                         "body_is_html": True, "message_type": "comment"})
    body2 = ek("mail.message", "read", [[mid2], ["body"]])[0]["body"]
    assert "<script>" not in body2 and "ok" in body2
    with pytest.raises(odoorpc.error.RPCError):
        ek("purchase.order", "message_post", [[po], "positional body"])
    act = ek("purchase.order", "activity_schedule", [[po]], {"act_type_xmlid": "mail.mail_activity_data_todo",
                                                              "summary": tag})
    assert isinstance(act, str) and act.startswith("mail.activity(")
    assert ek("mail.activity", "search_count", [[("res_id", "=", po), ("res_model", "=", "purchase.order")]]) == 1


def test_chatter_on_create_confirm_and_plain_body(target: Any, odoo: Any, vendor_product: tuple[int, int],
                                                  tag: str) -> None:
    """Real Odoo 18 logs "... created" notes, links the receipt to its PO, keeps a text body's newlines and
    quotes (only & < > escaped, no <br>, no links), and omits JSON-RPC "result" when a method returns None."""
    import json
    import urllib.request
    ek = odoo.execute_kw

    def notes(model: str, rid: int) -> list[str]:
        return [m["body"] for m in ek("mail.message", "search_read", [[("model", "=", model), ("res_id", "=", rid)]],
                                      {"fields": ["body"], "order": "id asc"})]
    po = make_po(odoo, vendor_product, tag)
    assert notes("purchase.order", po) == ["<p>Purchase Order created</p>"]
    ek("purchase.order", "button_confirm", [[po]])
    pick = ek("purchase.order", "read", [[po], ["picking_ids", "display_name"]])[0]
    got = notes("stock.picking", pick["picking_ids"][0])
    assert got[0] == "<p>Transfer created</p>"
    assert f'data-oe-model="purchase.order" data-oe-id="{po}"> {pick["display_name"]}</a>' in got[1]
    partner = ek("res.partner", "create", [{"name": tag}])
    assert notes("res.partner", partner) == ["<p>Contact created</p>"]
    mid = ek("res.partner", "message_post", [[partner]], {"body": "a <b> & 'q' \"d\"\n\nhttps://x.org/y?q=1"})
    assert ek("mail.message", "read", [[mid], ["body"]])[0]["body"] == \
        "<p>a &lt;b&gt; &amp; 'q' \"d\"\n\nhttps://x.org/y?q=1</p>"
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 7, "params": {
        "service": "object", "method": "execute_kw",
        "args": [target.db, odoo.env.uid, target.password, "purchase.order", "button_cancel", [[po]]]}}).encode()
    req = urllib.request.Request(target.url + "/jsonrpc", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        assert json.loads(resp.read()) == {"jsonrpc": "2.0", "id": 7}
    with pytest.raises(odoorpc.error.RPCError) as exc:
        ek("purchase.order", "button_cancel", [[po, 987654321]])
    assert f"(Record: purchase.order(987654321,), User: {odoo.env.uid})" in str(exc.value)
    draft = make_po(odoo, vendor_product, tag)
    with pytest.raises(odoorpc.error.RPCError) as exc:
        ek("purchase.order", "unlink", [[draft]])
    assert "you must cancel it first" in str(exc.value)


def test_activity_note_feedback_and_api_private(target: Any, odoo: Any, vendor_product: tuple[int, int],
                                                tag: str) -> None:
    """Html fields wrap plain text in an escaped paragraph; action_feedback logs an Activities message and
    returns its id; @api.private ORM methods are refused like _methods."""
    from contract_helpers import JsonRpcFault, jsonrpc
    ek = odoo.execute_kw
    po = make_po(odoo, vendor_product, tag)
    model_id = ek("ir.model", "search", [[("model", "=", "purchase.order")]])[0]
    act = ek("mail.activity", "create", [{"res_model_id": model_id, "res_id": po, "summary": tag,
                                          "note": "hello & bye\nx", "date_deadline": "2031-01-02"}])
    assert ek("mail.activity", "read", [[act], ["note"]])[0]["note"] == "<p>hello &amp; bye\nx</p>"
    mid = ek("mail.activity", "action_feedback", [[act]], {"feedback": "done <ok>"})
    msg = ek("mail.message", "read", [[mid], ["body", "model", "res_id", "subtype_id", "message_type"]])[0]
    assert (msg["model"], msg["res_id"], msg["subtype_id"][1], msg["message_type"]) == \
        ("purchase.order", po, "Activities", "notification")
    assert f"<span>{tag}</span>" in msg["body"] and "done &lt;ok&gt;" in msg["body"]
    assert "<div><p>hello &amp; bye\nx</p></div>" in msg["body"]
    assert ek("mail.activity", "search_count", [[("id", "=", act)]]) == 0
    ek("purchase.order", "write", [[po], {"notes": "plain & text"}])
    assert ek("purchase.order", "read", [[po], ["notes"]])[0]["notes"] == "<p>plain &amp; text</p>"
    for name in ("sudo", "with_context", "mapped", "ensure_one"):
        with pytest.raises(JsonRpcFault) as exc:
            jsonrpc(target.url, "object", "execute_kw", target.db, odoo.env.uid, target.password,
                    "purchase.order", name, [[po]], {})
        assert exc.value.name == "odoo.exceptions.AccessError"
        assert exc.value.message == f"Private methods (such as 'purchase.order.{name}') cannot be called remotely."
