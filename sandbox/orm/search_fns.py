"""Search functions for non-stored fields: ``fn(env, model, field, op, value) -> domain``."""

from __future__ import annotations

import operator as py_op
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sandbox.errors import PyValueError
from sandbox.orm.fields import Field
from sandbox.orm.model import ModelDef
from sandbox.orm.quantities import product_quantities, template_quantities

if TYPE_CHECKING:
    from sandbox.orm.env import Env

Domain = list[Any]
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": py_op.eq, "!=": py_op.ne, "<": py_op.lt, "<=": py_op.le, ">": py_op.gt, ">=": py_op.ge,
    "in": lambda a, b: a in b, "not in": lambda a, b: a not in b,
}
FNS: dict[str, Callable[..., Domain]] = {}


def register(name: str) -> Callable[[Callable[..., Domain]], Callable[..., Domain]]:
    def deco(fn: Callable[..., Domain]) -> Callable[..., Domain]:
        FNS[name] = fn
        return fn
    return deco


def run(env: Env, model: ModelDef, f: Field, op: str, value: Any) -> Domain:
    return FNS[f.search or ""](env, model, f, op, value)


def _ids(ids: Any) -> Domain:
    return [("id", "in", sorted(set(ids)))]


def _numeric_filter(values: dict[int, float], op: str, value: Any, f: Field) -> Domain:
    if op not in COMPARE:
        raise PyValueError(f"Invalid domain operator {op} for field {f.name}")
    if op in ("in", "not in"):
        if not isinstance(value, (list, tuple)):
            value = [value]
        value = [float(v) for v in value]
    else:
        if isinstance(value, bool) or value is None:
            value = 0.0
        try:
            value = float(value)
        except (TypeError, ValueError) as exc:
            raise PyValueError(f"Invalid value {value!r} for field {f.name}") from exc
    cmp = COMPARE[op]
    return _ids(i for i, v in values.items() if cmp(v, value))


@register("qty")
def qty(env: Env, model: ModelDef, f: Field, op: str, value: Any) -> Domain:
    if model.name == "product.template":
        all_ids = [r[0] for r in env.q("SELECT id FROM product_template")]
        q = template_quantities(env, None)
    else:
        all_ids = [r[0] for r in env.q("SELECT id FROM product_product")]
        q = product_quantities(env, None)
    return _numeric_filter({i: q.get(i, {}).get(f.name, 0.0) for i in all_ids}, op, value, f)


@register("display_name")
def display_name(env: Env, model: ModelDef, f: Field, op: str, value: Any) -> Domain:
    if value is False or value is None:
        # every record has a display name: "= False" matches nothing, "!= False" everything
        return [("id", "!=", 0)] if op in ("!=", "not in", "not ilike", "not like") else [("id", "=", 0)]
    negative = op in ("!=", "not like", "not ilike", "not in")
    pos = {"!=": "=", "not like": "like", "not ilike": "ilike", "not in": "in"}.get(op, op)
    dom = env.rec_name_domain(model, pos, value)
    return ["!", *dom] if negative else dom


def _by_res(env: Env, model: ModelDef, table: str, op: str, value: Any, extra: str = "") -> Domain:
    if op in ("in", "=") and value not in (False, None, []):
        ids = value if isinstance(value, (list, tuple)) else [value]
        rows = env.q(f"SELECT DISTINCT res_id FROM {table} WHERE model_col = ? AND id IN "
                     f"({','.join(str(int(i)) for i in ids)}) {extra}".replace("model_col", _model_col(table)),
                     [model.name])
        return _ids(r[0] for r in rows)
    rows = env.q(f"SELECT DISTINCT res_id FROM {table} WHERE {_model_col(table)} = ? {extra}", [model.name])
    have = [r[0] for r in rows]
    if op in ("=", "in"):  # = False: no such record
        return [("id", "not in", have)]
    if op in ("!=", "not in") and value in (False, None, []):
        return _ids(have)
    raise PyValueError(f"Unsupported search on {model.name}: operator {op!r} with {value!r}")


def _model_col(table: str) -> str:
    return "model" if table == "mail_message" else "res_model"


@register("message_ids")
def message_ids(env: Env, model: ModelDef, f: Field, op: str, value: Any) -> Domain:
    return _by_res(env, model, "mail_message", op, value)


@register("activity_ids")
def activity_ids(env: Env, model: ModelDef, f: Field, op: str, value: Any) -> Domain:
    return _by_res(env, model, "mail_activity", op, value, "AND active = 1")


@register("activity_state")
def activity_state(env: Env, model: ModelDef, f: Field, op: str, value: Any) -> Domain:
    from sandbox.orm.compute import activity_state as compute_state
    ids = [r[0] for r in env.q("SELECT DISTINCT res_id FROM mail_activity WHERE res_model = ? AND active = 1",
                               [model.name])]
    states = compute_state(env, model, ids, ["activity_state"])["activity_state"]
    values = value if isinstance(value, (list, tuple)) else [value]
    if op in ("=", "in"):
        if False in values:
            return [("id", "not in", [i for i, s in states.items() if s and s not in values])]
        return _ids(i for i, s in states.items() if s in values)
    if op in ("!=", "not in"):
        return ["!", ("id", "in", [i for i, s in states.items() if s in values])]
    raise PyValueError(f"Invalid operator {op!r} for activity_state")


ACTIVITY_VIA = {"activity_date_deadline": "date_deadline", "activity_summary": "summary",
                "activity_type_id": "activity_type_id", "activity_user_id": "user_id"}


@register("activity_via")
def activity_via(env: Env, model: ModelDef, f: Field, op: str, value: Any) -> Domain:
    """mail.activity.mixin's _search_activity_*: through the record's open activities."""
    if f.name == "activity_date_deadline" and op == "=" and not value:
        return [("activity_ids", "=", False)]
    return [(f"activity_ids.{ACTIVITY_VIA[f.name]}", op, value)]


def _x2many_search(pairs: list[tuple[int, int]], op: str, value: Any) -> Domain:
    owners_all = {a for a, _ in pairs}
    if value in (False, None, []):
        return [("id", "not in", sorted(owners_all))] if op in ("=", "in") else _ids(owners_all)
    wanted = set(value if isinstance(value, (list, tuple)) else [value])
    hits = {a for a, b in pairs if b in wanted}
    if op in ("=", "in"):
        return _ids(hits)
    if op in ("!=", "not in"):
        return [("id", "not in", sorted(hits))]
    raise PyValueError(f"Invalid operator {op!r} on a many2many computed field")


@register("po_invoice_ids")
def po_invoice_ids(env: Env, model: ModelDef, f: Field, op: str, value: Any) -> Domain:
    pairs = env.q("SELECT DISTINCT pol.order_id, aml.move_id FROM account_move_line aml JOIN purchase_order_line pol "
                  "ON pol.id = aml.purchase_line_id")
    return _x2many_search([(a, b) for a, b in pairs], op, value)


@register("po_picking_ids")
def po_picking_ids(env: Env, model: ModelDef, f: Field, op: str, value: Any) -> Domain:
    pairs = env.q("SELECT purchase_id, id FROM stock_picking WHERE purchase_id IS NOT NULL")
    return _x2many_search([(a, b) for a, b in pairs], op, value)


@register("seller_ids")
def seller_ids(env: Env, model: ModelDef, f: Field, op: str, value: Any) -> Domain:
    if isinstance(value, str) or (isinstance(value, (list, tuple)) and value and isinstance(value[0], str)):
        co = env.model("product.supplierinfo")
        pos = {"!=": "=", "not like": "like", "not ilike": "ilike", "not in": "in"}.get(op, op)
        value = env.search(co, env.rec_name_domain(co, pos, value), check=False)
        op = "not in" if op != pos else "in"
    pairs = env.q("SELECT p.id, s.id FROM product_product p JOIN product_supplierinfo s ON "
                  "s.product_tmpl_id = p.product_tmpl_id AND (s.product_id IS NULL OR s.product_id = p.id)")
    return _x2many_search([(a, b) for a, b in pairs], op, value)


@register("is_in_purchase_order")
def is_in_purchase_order(env: Env, model: ModelDef, f: Field, op: str, value: Any) -> Domain:
    order_id = env.context.get("order_id")
    ids = [r[0] for r in env.q("SELECT DISTINCT product_id FROM purchase_order_line WHERE order_id = ?",
                               [order_id or 0])]
    positive = (op == "=") == bool(value)
    return _ids(ids) if positive else [("id", "not in", ids)]


@register("none_domain")
def none_domain(env: Env, model: ModelDef, f: Field, op: str, value: Any) -> Domain:
    matches_false = (op in ("=", "in") and value in (False, None, [False])) or (op == "!=" and value)
    return [] if matches_false else [("id", "=", 0)]


@register("is_empty")
def is_empty(env: Env, model: ModelDef, f: Field, op: str, value: Any) -> Domain:
    full = [r[0] for r in env.q("SELECT DISTINCT location_id FROM stock_quant WHERE quantity > 0")]
    positive = (op == "=") == bool(value)
    return [("id", "not in", full)] if positive else _ids(full)


@register("on_hand")
def on_hand(env: Env, model: ModelDef, f: Field, op: str, value: Any) -> Domain:
    positive = (op == "=") == bool(value)
    dom: Domain = [("location_id.usage", "in", ["internal", "transit"])]
    return dom if positive else ["!", *dom]


@register("qty_to_order")
def qty_to_order(env: Env, model: ModelDef, f: Field, op: str, value: Any) -> Domain:
    from sandbox.orm.compute import orderpoint_qty
    ids = [r[0] for r in env.q("SELECT id FROM stock_warehouse_orderpoint")]
    vals = orderpoint_qty(env, model, ids, ["qty_to_order"])["qty_to_order"]
    return _numeric_filter(vals, op, value, f)


@register("group_full_name")
def group_full_name(env: Env, model: ModelDef, f: Field, op: str, value: Any) -> Domain:
    return [("name", op, value)]


@register("variant_values")
def variant_values(env: Env, model: ModelDef, f: Field, op: str, value: Any) -> Domain:
    """product_template_variant_value_ids: the variant's combination (values of variant-creating attributes)."""
    if isinstance(value, str) or (isinstance(value, (list, tuple)) and value and isinstance(value[0], str)):
        pos = {"!=": "=", "not like": "like", "not ilike": "ilike", "not in": "in"}.get(op, op)
        names = [value] if isinstance(value, str) else list(value)
        like = pos in ("like", "ilike")
        found: list[int] = []
        for name in names:
            found += [r[0] for r in env.q(
                "SELECT a.id FROM product_template_attribute_value a JOIN product_attribute_value v ON "
                "v.id = a.product_attribute_value_id WHERE " + ("lower(v.name) LIKE lower(?)" if like else "v.name = ?"),
                [f"%{name}%" if like else name])]
        value = found
        op = "not in" if op != pos else "in"
    pairs = env.q("SELECT product_product_id, product_template_attribute_value_id FROM product_variant_combination")
    return _x2many_search([(a, b) for a, b in pairs], op, value)
