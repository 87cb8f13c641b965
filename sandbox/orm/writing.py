"""create / write / unlink with Odoo's value checks and x2many commands; business hooks run around them."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from sandbox.errors import PyTypeError, PyValueError, ValidationError
from sandbox.orm.fields import X2MANY, Field
from sandbox.orm.model import ModelDef

if TYPE_CHECKING:
    from sandbox.orm.env import Env

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")


def _q(name: str) -> str:
    return '"' + name + '"'


def to_sql(env: Env, model: ModelDef, f: Field, v: Any) -> Any:
    """Validate and convert one written value to its SQL form."""
    where = f"{model.name}.{f.name}"
    if v is None or (v is False and f.type != "boolean"):
        if f.type in ("integer", "float", "monetary"):
            return 0
        return None
    t = f.type
    if t == "boolean":
        return 1 if v else 0
    if t in ("integer", "many2one_reference"):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise PyValueError(f"Wrong value for {where}: {v!r} (expected an integer)")
        return int(v)
    if t in ("float", "monetary"):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            if isinstance(v, str):
                try:
                    return float(v)
                except ValueError:
                    pass
            raise PyValueError(f"Wrong value for {where}: {v!r} (expected a number)")
        return float(v)
    if t == "many2one":
        if isinstance(v, (list, tuple)) and v:
            v = v[0]
        if isinstance(v, bool) or not isinstance(v, int):
            raise PyValueError(f"Wrong value for {where}: {v!r} (expected a record id)")
        if f.relation in env.registry and not env.existing(env.registry[f.relation], [v]):
            raise ValidationError(
                f"The operation cannot be completed: the record {f.relation}({v}) set on field "
                f"'{f.string}' ({where}) does not exist.")
        return v
    if t == "selection":
        valid = {k for k, _ in (f.selection or [])}
        if v not in valid:
            raise PyValueError(f"Wrong value for {where}: {v!r}")
        return v
    if t == "date":
        if not isinstance(v, str) or not (DATE_RE.match(v) or DATETIME_RE.match(v)):
            raise PyValueError(f"Wrong value for {where}: {v!r} (expected YYYY-MM-DD)")
        return v[:10]
    if t == "datetime":
        if not isinstance(v, str) or not (DATE_RE.match(v) or DATETIME_RE.match(v)):
            raise PyValueError(f"Wrong value for {where}: {v!r} (expected YYYY-MM-DD HH:MM:SS)")
        v = v.replace("T", " ")
        if len(v) == 10:
            v += " 00:00:00"
        elif len(v) == 16:
            v += ":00"
        return v[:19]
    if t == "json":
        return json.dumps(v)
    if not isinstance(v, str):
        if isinstance(v, (int, float)):
            return str(v)
        raise PyValueError(f"Wrong value for {where}: {v!r} (expected text)")
    if t == "html" and v:
        return sanitize_html(v)
    return v


def sanitize_html(v: str) -> str:
    """Odoo's html field sanitizer, approximated: plain text becomes one escaped paragraph (newlines kept);
    markup loses script/style/iframe elements and on* attributes."""
    if "<" not in v:
        return "<p>" + v.replace("&", "&amp;").replace(">", "&gt;") + "</p>"
    from sandbox.business.mail import sanitize
    return sanitize(v)


def _check_vals(model: ModelDef, vals: Any) -> dict[str, Any]:
    if not isinstance(vals, dict):
        raise PyTypeError(f"Expected a dict of field values for {model.name}, got {type(vals).__name__}")
    for k in vals:
        if k not in model.fields:
            raise PyValueError(f"Invalid field {k!r} on model {model.name!r}")
    return vals


def create(env: Env, model: ModelDef, vals_list: Any) -> list[int]:
    from sandbox.business import hooks
    from sandbox.orm.env import now_str

    if isinstance(vals_list, dict):
        vals_list = [vals_list]
    if not isinstance(vals_list, list):
        raise PyTypeError(f"create() expects a dict or a list of dicts, got {type(vals_list).__name__}")
    env.check_access(model, "create")
    ids = []
    for vals in vals_list:
        vals = dict(_check_vals(model, vals))
        vals = hooks.defaults(env, model, vals)
        hooks.before_create(env, model, vals)
        cols: dict[str, Any] = {}
        x2m: dict[str, Any] = {}
        for k, v in vals.items():
            f = model.fields[k]
            if k == "id":
                continue
            if f.type in X2MANY:
                x2m[k] = v
            elif f.column:
                cols[k] = to_sql(env, model, f, v)
        for f in model.fields.values():
            if f.required and f.column and cols.get(f.name) is None and f.type not in (
                    "float", "integer", "monetary", "boolean") and (f.relation is None or f.relation in env.registry):
                raise ValidationError(f"The operation cannot be completed: Missing required value for the field "
                                      f"'{f.string}' ({f.name}).\nModel: {model.description} ({model.name})")
        stamp = now_str()
        cols.update(create_date=stamp, write_date=stamp, create_uid=env.uid, write_uid=env.uid)
        names = list(cols)
        cur = env.conn.execute(
            f"INSERT INTO {model.table} ({', '.join(chr(34) + n + chr(34) for n in names)}) VALUES ({', '.join('?' * len(names))})",
            [cols[n] for n in names])
        rid = int(cur.lastrowid or 0)
        for k, v in x2m.items():
            apply_x2many(env, model, model.fields[k], rid, v)
        sync_related(env, model, [rid])
        hooks.after_create(env, model, rid, vals)
        ids.append(rid)
    env.cache.clear()
    return ids


def write(env: Env, model: ModelDef, ids: list[int], vals: Any) -> bool:
    from sandbox.business import hooks
    from sandbox.orm.env import now_str

    vals = dict(_check_vals(model, vals))
    env.check_access(model, "write")
    ids = env.ensure(model, ids)
    if not ids:
        return True
    hooks.before_write(env, model, ids, vals)
    cols: dict[str, Any] = {}
    for k, v in vals.items():
        f = model.fields[k]
        if f.type in X2MANY:
            for rid in ids:
                apply_x2many(env, model, f, rid, v)
        elif f.column and k != "id":
            cols[k] = to_sql(env, model, f, v)
        elif f.related and "." in f.related:
            _write_related(env, model, ids, f, v)
    cols.update(write_date=now_str(), write_uid=env.uid)
    env.conn.execute(f"UPDATE {model.table} SET {', '.join(_q(k) + ' = ?' for k in cols)} "
                     f"WHERE id IN ({','.join(map(str, ids))})", list(cols.values()))
    sync_related(env, model, ids)
    propagate_related(env, model, ids, set(cols))
    hooks.after_write(env, model, ids, vals)
    env.cache.clear()
    return True


def _write_related(env: Env, model: ModelDef, ids: list[int], f: Field, v: Any) -> None:
    head, last = (f.related or "").rsplit(".", 1)
    vals = env.values(model, ids, [head])
    hops = env.expand_path(model, head)
    co = env.model(hops[-1][1].relation or "")
    targets = sorted({x[head] for x in vals.values() if x[head]})
    if targets:
        write(env.sudo(), co, targets, {last: v})


def unlink(env: Env, model: ModelDef, ids: list[int]) -> bool:
    from sandbox.business import hooks

    env.check_access(model, "unlink")
    ids = env.existing(model, ids)
    if not ids:
        return True
    hooks.before_unlink(env, model, ids)
    idl = ",".join(map(str, ids))
    for other in env.registry.values():
        for f in other.fields.values():
            if f.type == "many2one" and f.relation == model.name and f.column:
                if f.required:
                    child_ids = [r[0] for r in env.q(f"SELECT id FROM {other.table} WHERE {f.name} IN ({idl})")]
                    if child_ids:
                        unlink(env.sudo(), other, child_ids)
                else:
                    env.conn.execute(f"UPDATE {other.table} SET {f.name} = NULL WHERE {f.name} IN ({idl})")
            if f.type == "many2many" and f.rel and f.relation == model.name:
                env.conn.execute(f"DELETE FROM {f.rel[0]} WHERE {f.rel[2]} IN ({idl})")
        if other is model:
            for f in other.fields.values():
                if f.type == "many2many" and f.rel:
                    env.conn.execute(f"DELETE FROM {f.rel[0]} WHERE {f.rel[1]} IN ({idl})")
    env.conn.execute(f"DELETE FROM {model.table} WHERE id IN ({idl})")
    env.cache.clear()
    return True


def apply_x2many(env: Env, model: ModelDef, f: Field, rid: int, commands: Any) -> None:
    """Odoo's x2many commands: (0,0,vals) (1,id,vals) (2,id) (3,id) (4,id) (5,) (6,0,ids), or a list of ids."""
    if commands is False or commands is None:
        commands = [(5,)]
    if not isinstance(commands, (list, tuple)):
        raise PyValueError(f"Wrong value for {model.name}.{f.name}: {commands!r} (expected a list of commands)")
    if commands and all(isinstance(c, int) and not isinstance(c, bool) for c in commands):
        commands = [(6, 0, list(commands))]
    co = env.model(f.relation or "") if f.relation in env.registry else None
    for cmd in commands:
        if not isinstance(cmd, (list, tuple)) or not cmd or not isinstance(cmd[0], int):
            raise PyValueError(f"Wrong value for {model.name}.{f.name}: invalid command {cmd!r}")
        code = cmd[0]
        arg = cmd[1] if len(cmd) > 1 else 0
        vals = cmd[2] if len(cmd) > 2 else None
        if f.type == "one2many":
            if co is None or not f.inverse_name:
                raise PyValueError(f"Field {model.name}.{f.name} cannot be written")
            inv = f.inverse_name
            if code == 0:
                create(env, co, [{**(vals or {}), inv: rid}])
            elif code == 1:
                write(env, co, [int(arg)], vals or {})
            elif code in (2, 3):
                unlink(env, co, [int(arg)]) if code == 2 or co.fields[inv].required else \
                    write(env, co, [int(arg)], {inv: False})
            elif code == 4:
                write(env, co, [int(arg)], {inv: rid})
            elif code == 5:
                existing = [r[0] for r in env.q(f"SELECT id FROM {co.table} WHERE {inv} = ?", [rid])]
                if existing:
                    unlink(env, co, existing) if co.fields[inv].required else write(env, co, existing, {inv: False})
            elif code == 6:
                keep = [int(i) for i in (vals or [])]
                existing = [r[0] for r in env.q(f"SELECT id FROM {co.table} WHERE {inv} = ?", [rid])]
                drop = [i for i in existing if i not in keep]
                if drop:
                    unlink(env, co, drop) if co.fields[inv].required else write(env, co, drop, {inv: False})
                if keep:
                    write(env, co, keep, {inv: rid})
            else:
                raise PyValueError(f"Wrong value for {model.name}.{f.name}: unknown command {code}")
        elif f.type == "many2many" and f.rel:
            table, c1, c2 = f.rel
            if code == 0:
                if co is None:
                    raise PyValueError(f"Field {model.name}.{f.name} cannot be written")
                new = create(env, co, [vals or {}])
                env.conn.execute(f"INSERT OR IGNORE INTO {table} ({c1}, {c2}) VALUES (?, ?)", [rid, new[0]])
            elif code == 1 and co is not None:
                write(env, co, [int(arg)], vals or {})
            elif code in (2, 3):
                env.conn.execute(f"DELETE FROM {table} WHERE {c1} = ? AND {c2} = ?", [rid, int(arg)])
                if code == 2 and co is not None:
                    unlink(env, co, [int(arg)])
            elif code == 4:
                if co is not None:
                    env.ensure(co, [int(arg)])
                env.conn.execute(f"INSERT OR IGNORE INTO {table} ({c1}, {c2}) VALUES (?, ?)", [rid, int(arg)])
            elif code == 5:
                env.conn.execute(f"DELETE FROM {table} WHERE {c1} = ?", [rid])
            elif code == 6:
                ids = [int(i) for i in (vals or [])]
                if co is not None:
                    env.ensure(co, ids)
                env.conn.execute(f"DELETE FROM {table} WHERE {c1} = ?", [rid])
                env.conn.executemany(f"INSERT OR IGNORE INTO {table} ({c1}, {c2}) VALUES (?, ?)",
                                     [(rid, i) for i in ids])
            else:
                raise PyValueError(f"Wrong value for {model.name}.{f.name}: unknown command {code}")
        else:
            raise PyValueError(f"Field {model.name}.{f.name} cannot be written")


def sync_related(env: Env, model: ModelDef, ids: list[int]) -> None:
    """Refresh stored related columns (e.g. purchase.order.line.state = order_id.state) of these records."""
    rel_fields = [f for f in model.fields.values() if f.related and f.column]
    if not rel_fields or not ids:
        return
    vals = env.values(model, ids, [f.related or "" for f in rel_fields])
    for i, v in vals.items():
        env.conn.execute(f"UPDATE {model.table} SET {', '.join(_q(f.name) + ' = ?' for f in rel_fields)} WHERE id = ?",
                         [*(v[f.related or ""] for f in rel_fields), i])


def propagate_related(env: Env, model: ModelDef, ids: list[int], changed: set[str]) -> None:
    """When a record changes, refresh stored related fields that read through it (one hop)."""
    for other in env.registry.values():
        for f in other.fields.values():
            if not (f.related and f.column):
                continue
            first, _, rest = (f.related or "").partition(".")
            link = other.fields.get(first)
            if link is None or link.relation != model.name or rest.split(".")[0] not in changed:
                continue
            dep = [r[0] for r in env.q(f"SELECT id FROM {other.table} WHERE {first} IN ({','.join(map(str, ids))})")]
            if dep:
                sync_related(env, other, dep)
