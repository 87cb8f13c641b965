"""``fields_get`` descriptions, with the attribute names Odoo 18 reports."""

from __future__ import annotations

from typing import Any

from sandbox.orm.fields import X2MANY, Field

# Attributes real Odoo 18 reports that the engine's field definitions do not carry (probed on 18.0)
OVERRIDES: dict[tuple[str, str], dict[str, Any]] = {
    ("stock.quant", "company_id"): {"related": "location_id.company_id"},
    ("stock.quant", "product_uom_id"): {"related": "product_id.uom_id"},
    ("stock.quant", "available_quantity"): {"aggregator": "sum"},
    ("stock.quant", "value"): {"aggregator": "sum"},
    ("stock.picking", "purchase_id"): {"related": "move_ids.purchase_line_id.order_id"},
    ("stock.picking", "group_id"): {"related": "move_ids.group_id"},
    ("stock.picking", "company_id"): {"related": "picking_type_id.company_id"},
    ("stock.warehouse.orderpoint", "product_uom"): {"related": "product_id.uom_id"},
    ("product.product", "seller_ids"): {"related": "product_tmpl_id.seller_ids"},
    ("product.product", "variant_seller_ids"): {"related": "product_tmpl_id.variant_seller_ids"},
    ("account.move.line", "date"): {"aggregator": "min"},
    ("mail.message", "tracking_value_ids"): {"relation_field": "mail_message_id"},
    ("product.product", "write_date"): {"string": "Last Updated on"},
    ("product.product", "lst_price"): {"string": "Sales\xa0Price"},
    ("product.product", "route_ids"): {"groupable": True},
    ("product.template", "standard_price"): {"company_dependent": True},
    ("product.template", "responsible_id"): {"company_dependent": False},
    ("res.partner", "purchase_warn"): {"string": "Purchase Order Warning"},
}


def describe_in(model_name: str, f: Field) -> dict[str, Any]:
    d = describe(f)
    d.update(OVERRIDES.get((model_name, f.name), {}))
    return d


def describe(f: Field) -> dict[str, Any]:
    d: dict[str, Any] = {
        "name": f.name, "type": f.type, "string": f.string, "help": f.help or False if False else f.help,
        "store": f.stored, "searchable": f.searchable, "sortable": f.sortable, "groupable": f.groupable,
        "readonly": f.readonly, "required": f.required, "manual": False, "company_dependent": f.company_dependent,
        "depends": [], "exportable": True, "change_default": False,
    }
    if not d["help"]:
        del d["help"]
    if f.type in ("char", "text", "html"):
        d["translate"] = f.translate
    if f.type == "char":
        d["trim"] = True
    if f.type == "html":
        d["sanitize"] = True
    if f.type == "selection":
        d["selection"] = [list(p) for p in (f.selection or [])]
    if f.type in ("many2one", *X2MANY):
        d["relation"] = f.relation
        d["context"] = {}
        d["domain"] = []
    if f.type == "many2one":
        d["sortable"] = f.sortable
    if f.type == "one2many" and f.inverse_name:
        d["relation_field"] = f.inverse_name
    if f.type == "many2one_reference":
        d["model_field"] = "model" if f.name == "res_id" else "res_model"
    if f.aggregator and f.type in ("integer", "float", "monetary") and f.stored:
        d["aggregator"] = f.aggregator  # Odoo 18 reports no aggregator for non-stored fields
    if f.type == "monetary":
        d["currency_field"] = f.extra.get("currency_field", "currency_id")
    if f.related or f.extra.get("related"):
        d["related"] = f.related or f.extra["related"]
    if f.extra.get("relation_field"):
        d["relation_field"] = f.extra["relation_field"]
    if f.stored and f.type in ("html", "text", "json", "many2many") or f.extra.get("groupable"):
        d["groupable"] = True  # Odoo 18 groups by text columns and stored many2many (the engine does not)
    if f.groups:
        d["groups"] = f.groups
    return d
