"""``read``: stored columns in one SQL query (joins for related fields), then computes, x2many, names."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sandbox.errors import AccessError
from sandbox.orm.fields import X2MANY, Field
from sandbox.orm.model import ModelDef

if TYPE_CHECKING:
    from sandbox.orm.env import Env


def convert(f: Field, v: Any) -> Any:
    """SQL value -> what Odoo's read() returns (many2one handled by the caller)."""
    t = f.type
    if t == "boolean":
        return bool(v)
    if t == "integer":
        return int(v or 0)
    if t in ("float", "monetary"):
        return float(v or 0.0)
    if t == "many2one_reference":
        return int(v or 0)
    if t == "json":
        if not v:
            return False
        try:
            return json.loads(v)
        except (TypeError, ValueError):
            return False
    if v is None:
        return False
    return v


def field_groups_ok(env: Env, f: Field) -> bool:
    if not f.groups or env.su:
        return True
    from sandbox import access
    return access.has_group(env, f.groups)


def read_records(env: Env, model: ModelDef, ids: list[int], fields: list[str] | None,
                 load: str | None = "_classic_read") -> list[dict[str, Any]]:
    """Column-major: one SQL query for the stored columns (it also drops missing ids), computes batched per
    function, then each field converted as a whole column; records are zipped at the end."""
    from sandbox.orm.env import Joins

    if not isinstance(ids, list):
        ids = list(ids)
    if fields:
        if not isinstance(fields, (list, tuple)) or not all(isinstance(x, str) for x in fields):
            from sandbox.errors import PyTypeError
            raise PyTypeError(f"fields must be a list of field names, got {fields!r}")
        fobjs = [env.field(model, n) for n in dict.fromkeys(fields)]
        for f in fobjs:
            if not field_groups_ok(env, f):
                raise AccessError(
                    "The requested operation can not be completed due to security restrictions.\n\n"
                    f"Document type: {model.description} ({model.name})\nOperation: read\n"
                    f"User: {env.uid}\nFields:\n- {f.name} (allowed for groups '{f.groups}')")
    else:
        fobjs = [f for f in model.fields.values() if field_groups_ok(env, f)]
    ids = [int(i) for i in ids]
    if not ids:
        return []
    id_list = ",".join(map(str, ids))
    sql_fields = [f for f in fobjs if f.name != "id" and f.type not in X2MANY
                  and (f.column or (f.related and env.sql_path_ok(model, f.related)))]
    raw: dict[str, list[Any]] = {}
    if sql_fields:
        joins = Joins(env, model)
        exprs = [joins.expr(f.name)[0] for f in sql_fields]
        sql = f"SELECT t0.id, {', '.join(exprs)} FROM {model.table} t0 {joins.sql()} WHERE t0.id IN ({id_list})"
        fetched = {r[0]: r for r in env.conn.execute(sql)}
        ids = [i for i in ids if i in fetched]
        rows = [fetched[i] for i in ids]
        for j, f in enumerate(sql_fields, start=1):
            raw[f.name] = [r[j] for r in rows]
    else:
        ids = env.existing(model, ids)
    if not ids:
        return []

    # computed fields, batched per compute function
    from sandbox.orm import compute
    by_fn: dict[str, list[str]] = defaultdict(list)
    for f in fobjs:
        if f.name in raw or f.name == "id":
            continue
        if f.compute:
            by_fn[f.compute].append(f.name)
        elif f.related:
            by_fn["related:" + f.name].append(f.name)
    for fn, fnames in by_fn.items():
        if fn.startswith("related:"):
            values = compute.related(env, model, ids, model.fields[fnames[0]])
            raw[fnames[0]] = [values.get(i) for i in ids]
        else:
            out = compute.run(env, fn, model, ids, fnames)
            for n in fnames:
                col = out.get(n, {})
                raw[n] = [col.get(i) for i in ids]

    # x2many
    for f in fobjs:
        if f.name not in raw and f.type in X2MANY:
            values = x2many_ids(env, model, f, ids)
            raw[f.name] = [values.get(i, []) for i in ids]

    # many2one names (one query per target model)
    names_by_model: dict[str, dict[int, str]] = {}
    if load == "_classic_read":
        m2o_ids: dict[str, set[int]] = defaultdict(set)
        for f in fobjs:
            if f.type == "many2one":
                m2o_ids[f.relation or ""].update(int(v) for v in raw.get(f.name, ()) if v)
        for rel, wanted in m2o_ids.items():
            if rel in env.registry and wanted:
                names_by_model[rel] = env.sudo().display_names(env.registry[rel], wanted)

    keys = ["id"]
    columns: list[list[Any]] = [ids]
    for f in fobjs:
        if f.name == "id":
            continue
        keys.append(f.name)
        columns.append(_convert_column(f, raw.get(f.name) or [None] * len(ids), load, names_by_model))
    return [dict(zip(keys, vals, strict=True)) for vals in zip(*columns, strict=True)]


def _convert_column(f: Field, vals: list[Any], load: str | None,
                    names_by_model: dict[str, dict[int, str]]) -> list[Any]:
    t = f.type
    if t == "many2one":
        if load != "_classic_read":
            return [int(v) if v else False for v in vals]
        nm = names_by_model.get(f.relation or "", {})
        return [[int(v), nm.get(int(v), f"{f.relation},{v}")] if v else False for v in vals]
    if t in X2MANY:
        return [list(v or []) for v in vals]
    if t in ("float", "monetary"):
        return [float(v or 0.0) for v in vals]
    if t in ("char", "text", "html", "selection", "date", "datetime"):
        return [False if v is None else v for v in vals]
    return [convert(f, v) for v in vals]


def x2many_ids(env: Env, model: ModelDef, f: Field, ids: list[int]) -> dict[int, list[int]]:
    from sandbox.orm.env import Joins

    out: dict[int, list[int]] = defaultdict(list)
    if not ids:
        return out
    id_list = ",".join(str(i) for i in ids)
    if f.compute:
        from sandbox.orm import compute
        return compute.run(env, f.compute, model, ids, [f.name]).get(f.name, {})
    if f.related:
        from sandbox.orm import compute
        return compute.related(env, model, ids, f)
    if f.relation not in env.registry:
        if f.type == "many2many" and f.rel:
            table, c1, c2 = f.rel
            for a, b in env.conn.execute(f"SELECT {c1}, {c2} FROM {table} WHERE {c1} IN ({id_list})"):
                out[a].append(b)
        return out
    co = env.model(f.relation or "")
    if f.type == "one2many" and f.inverse_name:
        joins = Joins(env, co)
        where = f"t0.{f.inverse_name} IN ({id_list})"
        if co.has_active and env.context.get("active_test", True):
            where += " AND t0.active = 1"
        order = env.order_sql(co, None, joins)
        sql = f"SELECT t0.{f.inverse_name}, t0.id FROM {co.table} t0 {joins.sql()} WHERE {where} ORDER BY {order}"
        for a, b in env.conn.execute(sql):
            out[a].append(b)
    elif f.type == "many2many" and f.rel:
        table, c1, c2 = f.rel
        for a, b in env.conn.execute(f"SELECT {c1}, {c2} FROM {table} WHERE {c1} IN ({id_list}) ORDER BY {c2}"):
            out[a].append(b)
    return out
