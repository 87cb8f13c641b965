"""fields_get attributes and the mail.activity.mixin searches as real Odoo 18 reports them (probed on 18.0)."""

from __future__ import annotations

from typing import Any

from contract_helpers import make_po

ATTRS = ["type", "store", "searchable", "sortable", "groupable", "aggregator", "relation_field", "related",
         "groups", "readonly", "currency_field", "selection"]


def _fg(odoo: Any, model: str, fields: list[str]) -> dict[str, Any]:
    return odoo.execute_kw(model, "fields_get", [fields], {"attributes": ATTRS})


def test_aggregators_only_on_stored_fields(odoo: Any) -> None:
    fg = _fg(odoo, "product.product", ["qty_available", "free_qty", "standard_price"])
    assert "aggregator" not in fg["qty_available"] and "aggregator" not in fg["free_qty"]
    line = _fg(odoo, "purchase.order.line", ["price_unit", "product_qty", "sequence", "price_subtotal"])
    assert line["price_unit"]["aggregator"] == "avg" and line["product_qty"]["aggregator"] == "sum"
    assert "aggregator" not in line["sequence"]
    assert "aggregator" not in line["price_subtotal"]  # purchase sets aggregator=None on it
    assert "aggregator" not in _fg(odoo, "stock.warehouse.orderpoint", ["qty_to_order"])["qty_to_order"]


def test_groupable_relation_field_and_currency(odoo: Any) -> None:
    po = _fg(odoo, "purchase.order", ["notes", "order_line", "message_ids", "activity_ids", "activity_state"])
    assert po["notes"]["groupable"] is True and po["order_line"]["groupable"] is False
    assert po["message_ids"]["relation_field"] == "res_id" and po["activity_ids"]["relation_field"] == "res_id"
    assert po["activity_state"]["groupable"] is True
    aml = _fg(odoo, "account.move.line", ["debit", "balance", "tax_ids"])
    assert aml["debit"]["currency_field"] == "company_currency_id" and aml["tax_ids"]["groupable"] is True
    usage = dict(_fg(odoo, "stock.location", ["usage"])["usage"]["selection"])
    assert usage["internal"] == "Internal Location" and usage["supplier"] == "Vendor Location"
    assert usage["view"] == "View"


def test_activity_mixin_fields_are_searchable(odoo: Any, vendor_product: tuple[int, int], tag: str) -> None:
    fg = _fg(odoo, "purchase.order", ["activity_date_deadline", "activity_user_id", "activity_type_id",
                                      "activity_summary"])
    for name, desc in fg.items():
        assert desc["searchable"] is True and desc["groups"] == "base.group_user", name
    assert fg["activity_summary"]["related"] == "activity_ids.summary"
    assert fg["activity_user_id"]["readonly"] is True
    ek = odoo.execute_kw
    po = make_po(odoo, vendor_product, tag)
    ek("purchase.order", "activity_schedule", [[po]], {"act_type_xmlid": "mail.mail_activity_data_todo",
                                                       "summary": tag, "date_deadline": "2031-03-04"})
    mine = [("partner_ref", "=", tag)]
    assert ek("purchase.order", "search", [mine + [("activity_date_deadline", "=", "2031-03-04")]]) == [po]
    assert ek("purchase.order", "search", [mine + [("activity_date_deadline", "<", "2031-03-04")]]) == []
    assert ek("purchase.order", "search", [mine + [("activity_summary", "=", tag)]]) == [po]
    assert ek("purchase.order", "search", [mine + [("activity_user_id", "=", odoo.env.uid)]]) == [po]
    assert ek("purchase.order", "search", [mine + [("activity_type_id.name", "=", "To-Do")]]) == [po]
    other = make_po(odoo, vendor_product, tag)
    assert ek("purchase.order", "search", [mine + [("activity_date_deadline", "=", False)]]) == [other]


def test_related_and_explicit_aggregators(odoo: Any) -> None:
    quant = _fg(odoo, "stock.quant", ["available_quantity", "company_id", "quantity"])
    assert quant["available_quantity"]["aggregator"] == "sum" and quant["available_quantity"]["store"] is False
    assert quant["company_id"]["related"] == "location_id.company_id"
    pick = _fg(odoo, "stock.picking", ["purchase_id"])["purchase_id"]
    assert (pick["related"], pick["store"]) == ("move_ids.purchase_line_id.order_id", False)
    assert _fg(odoo, "account.move.line", ["date"])["date"]["aggregator"] == "min"
    po = _fg(odoo, "purchase.order", ["picking_ids", "invoice_ids"])
    assert po["picking_ids"]["groupable"] is True and po["invoice_ids"]["groupable"] is True
