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
    from sandbox.orm.env import Joins

    if not isinstance(ids, list):
        ids = list(ids)
    ids = env.existing(model, ids)
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
    if not ids:
        return []
    names = [f.name for f in fobjs]
    rows: dict[int, dict[str, Any]] = {i: {"id": i} for i in ids}
    id_list = ",".join(str(i) for i in ids)

    sql_fields = [f for f in fobjs if f.name != "id" and f.type not in X2MANY
                  and (f.column or (f.related and env.sql_path_ok(model, f.related)))]
    if sql_fields:
        joins = Joins(env, model)
        exprs = [joins.expr(f.name)[0] for f in sql_fields]
        sql = f"SELECT t0.id, {', '.join(exprs)} FROM {model.table} t0 {joins.sql()} WHERE t0.id IN ({id_list})"
        for r in env.conn.execute(sql):
            rec = rows[r[0]]
            for f, v in zip(sql_fields, r[1:], strict=False):
                rec[f.name] = v
    done = {"id"} | {f.name for f in sql_fields}

    # computed fields, batched per compute function
    from sandbox.orm import compute
    by_fn: dict[str, list[str]] = defaultdict(list)
    for f in fobjs:
        if f.name in done:
            continue
        if f.compute:
            by_fn[f.compute].append(f.name)
        elif f.related:
            by_fn["related:" + f.name].append(f.name)
    for fn, fnames in by_fn.items():
        if fn.startswith("related:"):
            values = compute.related(env, model, ids, model.fields[fnames[0]])
            for i in ids:
                rows[i][fnames[0]] = values.get(i)
        else:
            out = compute.run(env, fn, model, ids, fnames)
            for n in fnames:
                col = out.get(n, {})
                for i in ids:
                    rows[i][n] = col.get(i)
        done.update(fnames)

    # x2many
    for f in fobjs:
        if f.name in done or f.type not in X2MANY:
            continue
        values = x2many_ids(env, model, f, ids)
        for i in ids:
            rows[i][f.name] = values.get(i, [])
        done.add(f.name)

    # convert and resolve many2one names
    m2o_ids: dict[str, set[int]] = defaultdict(set)
    for f in fobjs:
        if f.type == "many2one":
            for i in ids:
                v = rows[i].get(f.name)
                if v:
                    m2o_ids[f.relation or ""].add(int(v))
    names_by_model: dict[str, dict[int, str]] = {}
    if load == "_classic_read":
        for rel, s in m2o_ids.items():
            if rel in env.registry:
                names_by_model[rel] = env.sudo().display_names(env.registry[rel], s)
    result = []
    for i in ids:
        rec = rows[i]
        out_rec: dict[str, Any] = {}
        for n, f in zip(names, fobjs, strict=False):
            v = rec.get(n)
            if f.type == "many2one":
                if not v:
                    out_rec[n] = False
                elif load == "_classic_read":
                    out_rec[n] = [int(v), names_by_model.get(f.relation or "", {}).get(int(v), f"{f.relation},{v}")]
                else:
                    out_rec[n] = int(v)
            elif f.type in X2MANY:
                out_rec[n] = list(v or [])
            else:
                out_rec[n] = convert(f, v)
        out_rec["id"] = i
        result.append(out_rec)
    return result


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
