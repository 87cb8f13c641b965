"""``fields_get`` descriptions, with the attribute names Odoo 18 reports."""

from __future__ import annotations

from typing import Any

from sandbox.orm.fields import X2MANY, Field


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
    if f.stored and (f.type in ("html", "text") or (f.type == "many2many" and f.rel)) or f.extra.get("groupable"):
        d["groupable"] = True  # Odoo 18 groups by text columns and stored many2many (the engine does not)
    if f.groups:
        d["groups"] = f.groups
    return d
