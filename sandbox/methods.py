"""The public model methods callable over RPC (ORM surface + business buttons), with Odoo's signatures.

Why explicit signatures: wrong arity or unknown keywords must fail the way Odoo fails
(``TypeError ... takes ... positional arguments``), never with our own traceback.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from sandbox.errors import AccessError, PyAttributeError, PyTypeError, PyValueError, UserError
from sandbox.orm.env import Env
from sandbox.orm.fields import X2MANY
from sandbox.orm.model import ModelDef

Method = Callable[..., Any]
COMMON: dict[str, Method] = {}
SPECIFIC: dict[tuple[str, str], Method] = {}


def common(fn: Method) -> Method:
    COMMON[fn.__name__.rstrip("_")] = fn
    return fn


def specific(model: str, name: str) -> Callable[[Method], Method]:
    def deco(fn: Method) -> Method:
        SPECIFIC[(model, name)] = fn
        return fn
    return deco


# BaseModel methods Odoo 18 marks @api.private (probed on a real 18.0): refused like _methods
API_PRIVATE = frozenset({
    "sudo", "with_user", "with_company", "with_context", "with_env", "with_prefetch", "ensure_one", "mapped",
    "filtered", "filtered_domain", "sorted", "grouped", "union", "concat", "new", "init", "invalidate_recordset",
    "invalidate_model", "flush_model", "flush_recordset",
})


def _ids(args_ids: Any) -> list[int]:
    if args_ids is None or args_ids is False:
        return []
    if isinstance(args_ids, bool):
        raise PyTypeError(f"Invalid record ids {args_ids!r}")
    if isinstance(args_ids, int):
        return [args_ids]
    if isinstance(args_ids, (list, tuple)) and all(isinstance(i, int) and not isinstance(i, bool) for i in args_ids):
        return list(args_ids)
    raise PyTypeError(f"Invalid record ids {args_ids!r}: expected an id or a list of ids")


def call(env: Env, model_name: str, method: str, args: Any, kwargs: Any) -> Any:
    model = env.model(model_name)
    if not isinstance(method, str):
        raise PyTypeError(f"Method name must be a string, got {method!r}")
    if method.startswith("_") or method in API_PRIVATE:
        raise AccessError(f"Private methods (such as '{model.name}.{method}') cannot be called remotely.")
    if not isinstance(args, (list, tuple)):
        raise PyTypeError(f"args must be a list, got {type(args).__name__}")
    if kwargs in (None, False):
        kwargs = {}
    if not isinstance(kwargs, dict):
        raise PyTypeError(f"kwargs must be a dict, got {type(kwargs).__name__}")
    kwargs = dict(kwargs)
    ctx = kwargs.pop("context", None)
    if ctx not in (None, False):
        if not isinstance(ctx, dict):
            raise PyTypeError(f"context must be a dict, got {type(ctx).__name__}")
        env = env.with_context(**ctx)
    lang = env.context.get("lang")
    if lang not in (None, False, "en_US"):
        raise UserError(f"Invalid language code: {lang}")
    fn = SPECIFIC.get((model.name, method)) or COMMON.get(method)
    if fn is None:
        _load_business()
        fn = SPECIFIC.get((model.name, method)) or COMMON.get(method)
    if fn is None:
        raise PyAttributeError(f"The method '{model.name}.{method}' does not exist")
    try:
        bound = inspect.signature(fn).bind(env, model, *args, **kwargs)
    except TypeError as exc:
        raise PyTypeError(_arity_message(fn, model, method, args, kwargs) or str(exc)) from exc
    return fn(*bound.args, **bound.kwargs)


def _arity_message(fn: Method, model: ModelDef, method: str, args: Any, kwargs: dict[str, Any]) -> str | None:
    """Python's own message for the call as Odoo makes it (the record set is ``self``), e.g.
    "BaseModel.search_read() takes from 1 to 6 positional arguments but 7 were given"."""
    sig = inspect.signature(fn)
    params = list(sig.parameters.values())[1:]  # drop env; the record set (ids, else the model) is self
    on_records = len(params) > 1 and params[1].name == "ids"
    if on_records:
        params = params[1:]
        args = list(args)
    else:
        args = [model, *args]
    params[0] = params[0].replace(name="self")
    try:
        scope: dict[str, Any] = {}
        exec(f"def {method}{sig.replace(parameters=params, return_annotation=inspect.Signature.empty)}: pass",  # noqa: S102
             scope)
        stub = scope[method]
        owner = ("Base" if method.startswith("web_") else "BaseModel") if fn is COMMON.get(method) \
            else "".join(p.title() for p in model.name.split("."))  # web_* live on the web module's Base
        stub.__qualname__ = f"{owner}.{method}"
        stub(*args, **kwargs)
    except TypeError as exc:
        return str(exc)
    except Exception:  # noqa: BLE001 - fall back to inspect's message
        return None
    return None


_loaded = False


def _load_business() -> None:
    global _loaded
    if not _loaded:
        from sandbox.business import account, mail, purchase, stock  # noqa: F401 - registers methods
        _loaded = True


# -- ORM surface ------------------------------------------------------------------------------
@common
def search(env: Env, model: ModelDef, domain: Any, offset: int = 0, limit: int | None = None,
           order: str | None = None) -> Any:
    """Odoo 17+ signature: no ``count`` any more (search_count does that)."""
    return env.search(model, domain or [], offset, limit, order)


@common
def search_count(env: Env, model: ModelDef, domain: Any = None, limit: int | None = None) -> int:
    return env.search_count(model, domain or [], limit)


@common
def search_read(env: Env, model: ModelDef, domain: Any = None, fields: Any = None, offset: int = 0,
                limit: int | None = None, order: str | None = None, *, load: str | None = "_classic_read") -> Any:
    if fields:
        if not isinstance(fields, (list, tuple)) or not all(isinstance(n, str) for n in fields):
            raise PyTypeError(f"fields must be a list of field names, got {fields!r}")
        for n in fields:
            env.field(model, n)  # unknown fields fail before searching, as in Odoo
    ids = env.search(model, domain or [], offset, limit, order)
    return env.read(model, ids, list(fields) if fields else None, load)


@common
def read(env: Env, model: ModelDef, ids: Any, fields: Any = None, load: str | None = "_classic_read") -> Any:
    return env.read(model, _ids(ids), list(fields) if fields else None, load)


@common
def search_fetch(env: Env, model: ModelDef, domain: Any, field_names: Any, offset: int = 0,
                 limit: int | None = None, order: str | None = None) -> Any:
    """Odoo 18 returns a recordset here, which its RPC layer cannot serialise."""
    env.search(model, domain or [], offset, limit, order)
    raise PyTypeError(f"Object of type {model.name} is not JSON serializable")


@common
def read_group(env: Env, model: ModelDef, domain: Any, fields: Any, groupby: Any, offset: int = 0,
               limit: int | None = None, orderby: str | bool = False, lazy: bool = True) -> Any:
    from sandbox.orm.grouping import read_group as rg
    return rg(env, model, domain, fields, groupby, offset, limit, orderby, lazy)


@common
def fields_get(env: Env, model: ModelDef, allfields: Any = None, attributes: Any = None) -> dict[str, Any]:
    env.check_access(model, "read")
    from sandbox.orm.describe import describe_in
    out = {}
    for name, f in model.fields.items():
        if allfields and name not in allfields:
            continue
        desc = describe_in(model.name, f)
        if attributes:
            desc = {k: v for k, v in desc.items() if k in attributes}
        out[name] = desc
    return out


@common
def name_search(env: Env, model: ModelDef, name: str = "", args: Any = None, operator: str = "ilike",
                limit: int = 100) -> list[list[Any]]:
    from sandbox.orm.domain import OPERATORS
    if not isinstance(operator, str) or operator.lower() not in OPERATORS:
        raise PyValueError(f"Invalid leaf {('display_name', operator, name)!r}")  # Odoo 18 searches display_name
    if name:
        dom: list[Any] = env.rec_name_domain(model, operator, name)
        from sandbox.orm.domain import and_domains
        dom = and_domains(args or [], dom)
    else:
        dom = list(args or [])
    ids = env.search(model, dom, 0, limit)
    names = env.display_names(model, ids)
    return [[i, names.get(i, "")] for i in ids]


@common
def name_create(env: Env, model: ModelDef, name: str) -> list[Any]:
    # Odoo's _rec_name: 'name' where it is a plain field (complete_name is computed from it)
    field = "name" if "name" in model.fields and model.fields["name"].column else model.rec_name
    rid = env.create(model, [{field: name}])[0]
    return [rid, env.display_names(model, [rid])[rid]]


@common
def create(env: Env, model: ModelDef, vals_list: Any) -> Any:
    ids = env.create(model, vals_list)
    return ids[0] if isinstance(vals_list, dict) else ids


@common
def write(env: Env, model: ModelDef, ids: Any, vals: Any) -> bool:
    return env.write(model, _ids(ids), vals)


@common
def unlink(env: Env, model: ModelDef, ids: Any) -> bool:
    return env.unlink(model, _ids(ids))


@common
def exists(env: Env, model: ModelDef, ids: Any) -> list[int]:
    return env.existing(model, _ids(ids))


@common
def context_get(env: Env, model: ModelDef) -> dict[str, Any]:
    row = env.q("SELECT lang, tz FROM res_users WHERE id = ?", [env.uid])
    lang, tz = row[0] if row else ("en_US", False)
    return {"lang": lang or "en_US", "tz": tz or False, "uid": env.uid}


@common
def default_get(env: Env, model: ModelDef, fields_list: Any) -> dict[str, Any]:
    from sandbox.business.hooks import default_values
    vals = default_values(env, model)
    for k, v in list(env.context.items()):
        if k.startswith("default_") and k[8:] in model.fields:
            vals[k[8:]] = v
    return {k: v for k, v in vals.items() if k in (fields_list or [])}


@common
def check_access_rights(env: Env, model: ModelDef, operation: str, raise_exception: bool = True) -> bool:
    if operation not in ("read", "write", "create", "unlink"):
        raise PyValueError(f"Invalid access mode {operation!r}")
    try:
        env.check_access(model, operation)
    except AccessError:
        if raise_exception:
            raise
        return False
    return True


@common
def has_access(env: Env, model: ModelDef, operation: str) -> bool:
    return check_access_rights(env, model, operation, raise_exception=False)


@common
def web_search_read(env: Env, model: ModelDef, domain: Any, specification: Any, offset: int = 0,
                    limit: int | None = None, order: str | None = None, count_limit: int | None = None) -> Any:
    ids = env.search(model, domain or [], offset, limit, order)
    records = _web_read(env, model, ids, specification or {})
    if not records:
        return {"length": 0, "records": []}
    # Odoo 18's _format_web_search_read_results
    current = len(records) + (offset or 0)
    count_limit_reached = count_limit is not None and bool(count_limit) and count_limit <= current
    if limit and ((len(records) == limit and not count_limit_reached) or env.context.get("force_search_count")):
        length = env.search_count(model, domain or [], count_limit)
    else:
        length = current
    return {"length": length, "records": records}


@common
def web_read(env: Env, model: ModelDef, ids: Any, specification: Any) -> list[dict[str, Any]]:
    """Odoo 17+'s web_read: nested specs are read once per field for all records (no N+1), x2many sub-specs
    honour ``order`` (ids re-sorted) and ``limit`` (only the first ids are read, the rest stay ``{"id": n}``)."""
    return _web_read(env, model, _ids(ids), specification)


def _web_read(env: Env, model: ModelDef, ids: list[int], specification: Any) -> list[dict[str, Any]]:
    if not isinstance(specification, dict):
        raise PyTypeError("specification must be a dict of field name -> sub-specification")
    for n in specification:
        env.field(model, n)
    names = list(specification)
    plain = env.read(model, ids, names or ["id"], load=None)
    for n in names:
        sub = specification.get(n) or {}
        if not isinstance(sub, dict):
            raise PyTypeError(f"specification of {n!r} must be a dict")
        f = model.fields[n]
        if f.type == "many2one":
            _web_read_many2one(env, f.relation or "", n, sub, plain)
        elif f.type in X2MANY:
            _web_read_x2many(env, f.relation or "", n, sub, plain)
    return plain


def _sub_env(env: Env, sub: dict[str, Any]) -> Env:
    ctx = sub.get("context")
    return env.with_context(**ctx) if isinstance(ctx, dict) and ctx else env


def _web_read_many2one(env: Env, relation: str, n: str, sub: dict[str, Any], plain: list[dict[str, Any]]) -> None:
    if "fields" not in sub:
        for rec in plain:
            rec[n] = rec.get(n) or False
        return
    subfields = sub.get("fields") or {}
    env = _sub_env(env, sub)
    co = env.model(relation)
    wanted = sorted({rec[n] for rec in plain if rec.get(n)})
    extra = {k: v for k, v in subfields.items() if k != "display_name"}
    got = {r["id"]: r for r in _web_read(env, co, wanted, extra)} if wanted and extra else {}
    names = env.sudo().display_names(co, wanted) if wanted and "display_name" in subfields else {}
    for rec in plain:
        v = rec.get(n)
        if not v:
            rec[n] = False
            continue
        val = {**got.get(v, {}), "id": v}
        if "display_name" in subfields:
            val["display_name"] = names.get(v, False)
        rec[n] = val


def _web_read_x2many(env: Env, relation: str, n: str, sub: dict[str, Any], plain: list[dict[str, Any]]) -> None:
    env = _sub_env(env, sub)
    co = env.model(relation)
    if sub.get("order"):
        union = sorted({i for rec in plain for i in (rec.get(n) or [])})
        ordered = env.with_context(active_test=False).search(co, [("id", "in", union)], 0, None, sub["order"]) \
            if union else []
        rank = {i: k for k, i in enumerate(ordered)}
        for rec in plain:
            rec[n] = sorted(rec.get(n) or [], key=lambda i: rank.get(i, len(rank)))
    if "fields" not in sub:
        return
    limit = sub.get("limit")
    if limit is not None and not isinstance(limit, int):
        raise PyTypeError("slice indices must be integers or None or have an __index__ method")
    wanted = sorted({i for rec in plain for i in (rec.get(n) or [])[:limit]})
    got = {r["id"]: r for r in _web_read(env, co, wanted, sub.get("fields") or {})} if wanted else {}
    for rec in plain:  # a co-record shared by two parents is one dict (JSON output is the same)
        rec[n] = [got.get(i) or {"id": i} for i in (rec.get(n) or [])]


@common
def action_archive(env: Env, model: ModelDef, ids: Any) -> bool:
    if not model.has_active:
        raise PyAttributeError(f"The method '{model.name}.action_archive' does not exist")
    return env.write(model, _ids(ids), {"active": False})


@common
def action_unarchive(env: Env, model: ModelDef, ids: Any) -> bool:
    if not model.has_active:
        raise PyAttributeError(f"The method '{model.name}.action_unarchive' does not exist")
    return env.with_context(active_test=False).write(model, _ids(ids), {"active": True})


@common
def copy(env: Env, model: ModelDef, ids: Any, default: Any = None) -> int:
    """Duplicate one record's stored scalar and many2one values (Odoo copies more, e.g. PO lines)."""
    ids = env.ensure(model, _ids(ids))
    if len(ids) != 1:
        raise PyValueError(f"Expected singleton: {model.name}{tuple(ids)}")
    rec = env.read(model, ids, None, load=None)[0]
    skip = {"id", "name", "create_date", "write_date", "create_uid", "write_uid", "display_name", "state"}
    vals = {k: v for k, v in rec.items() if k not in skip and model.fields[k].column
            and not model.fields[k].readonly}
    if model.name == "purchase.order":
        lines = env.read(env.model("purchase.order.line"), rec["order_line"],
                         ["product_id", "product_qty", "price_unit", "name", "product_uom"], load=None)
        vals["order_line"] = [(0, 0, {k: v for k, v in ln.items() if k != "id"}) for ln in lines]
    elif "name" in model.fields and model.fields["name"].column and rec.get("name"):
        vals["name"] = f"{rec['name']} (copy)"
    vals.update(default or {})
    return env.create(model, [vals])[0]


@specific("res.users", "has_group")
def has_group(env: Env, model: ModelDef, ids: Any, group_ext_id: str) -> bool:
    """res.users.has_group (public, @api.readonly in Odoo 18): is the (single) user in the group?"""
    from sandbox.access import has_group as _has
    uids = _ids(ids) or [env.uid]
    if len(uids) != 1:
        raise PyValueError(f"Expected singleton: res.users{tuple(uids)}")
    if not isinstance(group_ext_id, str) or "." not in group_ext_id:
        raise PyValueError("External ID must be fully qualified")
    return _has(Env(env.registry, env.conn, uids[0], env.context), group_ext_id)
