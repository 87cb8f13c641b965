"""A model definition: its table, default order, display-name rule and fields."""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.orm.fields import Field, datetime_, integer, m2o


@dataclass
class ModelDef:
    name: str
    description: str
    fields: dict[str, Field]
    order: str = "id"
    rec_name: str = "name"
    parent_name: str | None = None
    display: str | None = None          # name of a display-name formatter in display.py
    display_paths: tuple[str, ...] = ()  # the paths that formatter needs
    methods: dict[str, str] = field(default_factory=dict)

    @property
    def table(self) -> str:
        return self.name.replace(".", "_")

    @property
    def has_active(self) -> bool:
        return "active" in self.fields


def model(name: str, description: str, fields: list[Field], **kw: object) -> ModelDef:
    """Build a model with Odoo's magic fields added (id, display_name, create/write stamps)."""
    base = [
        integer("id", "ID", readonly=True, aggregator=None),
        Field("display_name", "char", "Display Name", stored=False, compute="display_name",
              search="display_name", readonly=True),
        datetime_("create_date", "Created on", readonly=True),
        m2o("create_uid", "Created by", "res.users", readonly=True),
        datetime_("write_date", "Last Updated on", readonly=True),
        m2o("write_uid", "Last Updated by", "res.users", readonly=True),
    ]
    by_name = {f.name: f for f in base}
    for f in fields:
        by_name[f.name] = f
    return ModelDef(name, description, by_name, **kw)  # type: ignore[arg-type]
