"""Field definitions: what ``fields_get`` reports and how the engine stores, reads and searches a field.

Why a separate notion of *column* and *stored*: a few fields that Odoo does not store (e.g.
``stock.picking.purchase_id``) are cached in a hidden SQL column here for speed, while ``fields_get``
still reports them exactly as Odoo does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NUMERIC = ("integer", "float", "monetary")
X2MANY = ("one2many", "many2many")
TEXTUAL = ("char", "text", "html", "selection")


@dataclass
class Field:
    name: str
    type: str
    string: str
    relation: str | None = None
    selection: list[tuple[str, str]] | None = None
    stored: bool = True            # as reported by fields_get
    column: bool | None = None     # has an SQL column (defaults to stored and not x2many)
    related: str | None = None     # dotted path, e.g. "product_tmpl_id.name"
    compute: str | None = None     # name of a batch compute function in compute.py
    search: str | None = None      # name of a search function (returns a domain)
    readonly: bool = False
    required: bool = False
    inverse_name: str | None = None  # one2many: the many2one on the comodel
    rel: tuple[str, str, str] | None = None  # many2many: (table, my column, their column)
    groups: str | None = None
    help: str = ""
    translate: bool = False
    company_dependent: bool = False
    aggregator: str | None = None
    related_sql: bool = True         # False when the related target is itself a non-stored compute
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.column is None:
            self.column = self.stored and self.type not in X2MANY and self.compute is None \
                and not (self.related and not self.stored)
        if self.aggregator is None and self.type in NUMERIC and self.name not in ("id", "sequence"):
            self.aggregator = "sum"

    # -- derived flags ------------------------------------------------------------------------
    @property
    def searchable(self) -> bool:
        if self.related and not self.stored and not self.related_sql:
            return bool(self.search)
        if self.stored or self.related or self.search or self.column:
            return True
        return self.type in X2MANY and self.inverse_name is not None

    @property
    def sortable(self) -> bool:
        if self.type in X2MANY or self.type == "binary":
            return False
        if self.related and not self.stored and not self.related_sql:
            return False
        return bool(self.stored or self.related)

    @property
    def groupable(self) -> bool:
        if self.related and not self.stored and not self.related_sql:
            return False
        if self.type in X2MANY or self.type in ("binary", "json"):
            return False
        return bool(self.stored or self.related)


def char(name: str, string: str, **kw: Any) -> Field:
    return Field(name, "char", string, **kw)


def text(name: str, string: str, **kw: Any) -> Field:
    return Field(name, "text", string, **kw)


def html(name: str, string: str, **kw: Any) -> Field:
    return Field(name, "html", string, **kw)


def boolean(name: str, string: str, **kw: Any) -> Field:
    return Field(name, "boolean", string, **kw)


def integer(name: str, string: str, **kw: Any) -> Field:
    return Field(name, "integer", string, **kw)


def floating(name: str, string: str, **kw: Any) -> Field:
    return Field(name, "float", string, **kw)


def monetary(name: str, string: str, **kw: Any) -> Field:
    return Field(name, "monetary", string, **kw)


def date(name: str, string: str, **kw: Any) -> Field:
    return Field(name, "date", string, **kw)


def datetime_(name: str, string: str, **kw: Any) -> Field:
    return Field(name, "datetime", string, **kw)


def selection(name: str, string: str, values: list[tuple[str, str]], **kw: Any) -> Field:
    return Field(name, "selection", string, selection=values, **kw)


def m2o(name: str, string: str, relation: str, **kw: Any) -> Field:
    return Field(name, "many2one", string, relation=relation, **kw)


def o2m(name: str, string: str, relation: str, inverse: str | None, **kw: Any) -> Field:
    return Field(name, "one2many", string, relation=relation, inverse_name=inverse, **kw)


def m2m(name: str, string: str, relation: str, rel: tuple[str, str, str] | None, **kw: Any) -> Field:
    return Field(name, "many2many", string, relation=relation, rel=rel, **kw)
