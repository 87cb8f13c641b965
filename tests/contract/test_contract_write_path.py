"""What Quartermaster's write path relies on (issue 9 point 4), on the sandbox and on a real Odoo 18:

- two-step approval: button_confirm by a non-manager above the company threshold lands in 'to approve';
  button_approve by that user is silently skipped; by a purchase manager it approves (receipt created);
- every PO state change is logged by Odoo as a notification authored by the user who made it (reconcile
  finds a state change without our note that way);
- message_post refuses an author without an e-mail address (even a note); creating the note as a
  mail.message works for a user who may write the document;
- a PO line created without a price gets Odoo's price from the vendor row (read back), and purchase.order's
  default_get gives the company's default receipt operation; res.users.has_group is callable.

Against a real Odoo set QM_CONTRACT_ODOO_URL/_DB/_LOGIN/_PASSWORD (a purchase manager, e.g. admin) and
QM_CONTRACT_INTEGRATION_LOGIN/_PASSWORD: a purchase user (not a manager) WITHOUT an e-mail address. On the
sandbox such a user is created. The company's approval settings are changed for the test and restored.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from contract_helpers import JsonRpcFault, Target, jsonrpc, make_po

NO_EMAIL = "Unable to send message, please configure the sender's email address."


@pytest.fixture(scope="module")
def integration(target: Target, odoo: Any) -> tuple[str, str, int]:
    """(login, password, uid) of a purchase user without an e-mail address."""
    login = os.environ.get("QM_CONTRACT_INTEGRATION_LOGIN")
    password = os.environ.get("QM_CONTRACT_INTEGRATION_PASSWORD", login or "")
    if not login:
        if not target.is_sandbox:
            pytest.skip("set QM_CONTRACT_INTEGRATION_LOGIN/_PASSWORD (a purchase user without e-mail)")
        ek = odoo.execute_kw
        partner = ek("res.partner", "create", [{"name": "Contract Integration"}])
        gids = ek("res.groups", "search", [[("name", "in", ["Role / User", "Purchase / User",
                                                             "Inventory / User"])]])
        login = password = "contract.integration"
        ek("res.users", "create", [{"login": login, "name": "Contract Integration", "password": password,
                                    "partner_id": partner, "company_id": 1, "company_ids": [[6, 0, [1]]],
                                    "groups_id": [[6, 0, gids]]}])
    uid = jsonrpc(target.url, "common", "authenticate", target.db, login, password, {})
    assert uid, f"cannot log in as {login}"
    return login, password, int(uid)


def as_user(target: Target, user: tuple[str, str, int], model: str, method: str, args: list[Any],
            kw: dict[str, Any] | None = None) -> Any:
    return jsonrpc(target.url, "object", "execute_kw", target.db, user[2], user[1], model, method, args, kw or {})


@pytest.fixture()
def two_step(odoo: Any) -> Iterator[int]:
    """Two-step approval on the admin's company with a threshold of 1 (company currency); restored after."""
    ek = odoo.execute_kw
    company = ek("res.users", "read", [[odoo.env.uid], ["company_id"]])[0]["company_id"][0]
    before = ek("res.company", "read", [[company], ["po_double_validation", "po_double_validation_amount"]])[0]
    ek("res.company", "write", [[company], {"po_double_validation": "two_step", "po_double_validation_amount": 1.0}])
    try:
        yield company
    finally:
        ek("res.company", "write", [[company], {k: before[k] for k in ("po_double_validation",
                                                                        "po_double_validation_amount")}])


def test_two_step_confirm_to_approve_then_approve(target: Target, odoo: Any, integration: tuple[str, str, int],
                                                  vendor_product: tuple[int, int], tag: str, two_step: int) -> None:
    ek = odoo.execute_kw
    if as_user(target, integration, "res.users", "has_group", [[integration[2]], "purchase.group_purchase_manager"]):
        pytest.skip("the integration user is a purchase manager: Odoo approves at once")
    po = make_po(odoo, vendor_product, tag)
    partner = ek("res.users", "read", [[integration[2]], ["partner_id"]])[0]["partner_id"][0]
    as_user(target, integration, "purchase.order", "button_confirm", [[po]])
    got = ek("purchase.order", "read", [[po], ["state", "date_approve", "picking_ids"]])[0]
    assert got["state"] == "to approve" and not got["picking_ids"]
    tracked = ek("mail.message", "search_read", [[("model", "=", "purchase.order"), ("res_id", "=", po),
                                                  ("message_type", "=", "notification"),
                                                  ("author_id", "=", partner)]], {"fields": ["id"]})
    assert tracked, "Odoo logs the state change authored by the user who made it"
    assert as_user(target, integration, "purchase.order", "button_approve", [[po]]) == {}
    assert ek("purchase.order", "read", [[po], ["state"]])[0]["state"] == "to approve"  # skipped, no error
    ek("purchase.order", "button_approve", [[po]])  # the target login is a purchase manager
    got = ek("purchase.order", "read", [[po], ["state", "date_approve", "picking_ids"]])[0]
    assert got["state"] in ("purchase", "done") and got["date_approve"] and got["picking_ids"]


def test_note_by_a_user_without_email(target: Target, odoo: Any, integration: tuple[str, str, int],
                                      vendor_product: tuple[int, int], tag: str) -> None:
    ek = odoo.execute_kw
    user = ek("res.users", "read", [[integration[2]], ["partner_id", "email"]])[0]
    assert not user["email"], "the integration user must have no e-mail address for this contract"
    po = make_po(odoo, vendor_product, tag)
    with pytest.raises(JsonRpcFault) as exc:
        as_user(target, integration, "purchase.order", "message_post", [[po]],
                {"body": "note", "message_type": "comment", "subtype_xmlid": "mail.mt_note"})
    assert exc.value.message == NO_EMAIL
    note = as_user(target, integration, "mail.message.subtype", "search_read",
                   [[("name", "=", "Note"), ("res_model", "=", False)]], {"fields": ["id"], "limit": 1,
                                                                         "context": {"lang": "en_US"}})
    assert note
    mid = as_user(target, integration, "mail.message", "create", [{
        "model": "purchase.order", "res_id": po, "body": f"<p>audit note {tag}</p>", "message_type": "comment",
        "subtype_id": note[0]["id"], "is_internal": True, "author_id": user["partner_id"][0]}])
    got = ek("mail.message", "read", [[mid], ["subtype_id", "author_id", "body", "message_type"]])[0]
    assert got["subtype_id"][0] == note[0]["id"] and got["author_id"][0] == user["partner_id"][0]
    assert tag in got["body"] and got["message_type"] == "comment"


def test_rfq_line_without_price_gets_odoos_price(odoo: Any, tag: str) -> None:
    ek = odoo.execute_kw
    company = ek("res.users", "read", [[odoo.env.uid], ["company_id"]])[0]["company_id"][0]
    currency = ek("res.company", "read", [[company], ["currency_id"]])[0]["currency_id"][0]
    rows = ek("product.supplierinfo", "search_read",
              [[("currency_id", "=", currency), ("price", ">", 0), ("product_id", "=", False),
                ("date_end", "=", False), ("partner_id.is_company", "=", True)]],
              {"fields": ["partner_id", "product_tmpl_id", "min_qty", "price", "sequence"], "limit": 50,
               "order": "id"})
    pick = None
    for row in rows:
        prods = ek("product.product", "search_read", [[("product_tmpl_id", "=", row["product_tmpl_id"][0]),
                                                       ("purchase_ok", "=", True)]],
                   {"fields": ["uom_id", "uom_po_id"], "limit": 2})
        same = [r for r in rows if r["partner_id"] == row["partner_id"]
                and r["product_tmpl_id"] == row["product_tmpl_id"]]
        if len(prods) == 1 and prods[0]["uom_id"] == prods[0]["uom_po_id"] and len(same) == 1:
            pick = (row, prods[0]["id"])
            break
    if pick is None:
        pytest.skip("no single vendor price row in the company currency")
    row, product = pick
    defaults = ek("purchase.order", "default_get", [["picking_type_id", "currency_id"]])
    assert defaults.get("picking_type_id")
    ptype = ek("stock.picking.type", "read", [[defaults["picking_type_id"]], ["code"]])[0]
    assert ptype["code"] == "incoming"
    qty = max(1.0, float(row["min_qty"]))
    po = ek("purchase.order", "create", [{"partner_id": row["partner_id"][0], "origin": tag,
                                         "picking_type_id": defaults["picking_type_id"],
                                         "order_line": [(0, 0, {"product_id": product, "product_qty": qty})]}])
    line = ek("purchase.order.line", "search_read", [[("order_id", "=", po)]],
              {"fields": ["price_unit", "date_planned", "currency_id", "taxes_id"]})[0]
    assert line["price_unit"] == pytest.approx(row["price"])
    assert line["date_planned"] and line["currency_id"][0] == currency
    got = ek("purchase.order", "read", [[po], ["amount_untaxed"]])[0]
    assert got["amount_untaxed"] == pytest.approx(round(row["price"] * qty, 2))
