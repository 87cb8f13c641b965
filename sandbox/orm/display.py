"""``display_name`` per model, as Odoo 18 formats it (e.g. "[PPE-1042] Nitrile Gloves", "P00012 (REF)")."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sandbox.orm.model import ModelDef

if TYPE_CHECKING:
    from sandbox.orm.env import Env


def _product(v: dict[str, Any]) -> str:
    name = v.get("name") or ""
    return f"[{v['default_code']}] {name}" if v.get("default_code") else name


def _purchase(v: dict[str, Any]) -> str:
    return f"{v['name']} ({v['partner_ref']})" if v.get("partner_ref") else (v.get("name") or "")


def _picking_type(v: dict[str, Any]) -> str:
    wh = v.get("warehouse_id.name")
    return f"{wh}: {v['name']}" if wh else (v.get("name") or "")


def _move(v: dict[str, Any]) -> str:
    code = v.get("product_id.default_code")
    pname = v.get("product_id.product_tmpl_id.name") or ""
    prod = f"[{code}] {pname}" if code else pname
    return f"{v['reference']}: {prod}" if v.get("reference") else prod


def _account_move(v: dict[str, Any]) -> str:
    if v.get("name") and v["name"] != "/":
        return str(v["name"])
    kind = {"in_invoice": "Bill", "in_refund": "Refund", "out_invoice": "Invoice",
            "out_refund": "Credit Note"}.get(v.get("move_type") or "", "Entry")
    return f"Draft {kind} (* {v['id']})"


def _quant(v: dict[str, Any]) -> str:
    code = v.get("product_id.default_code")
    pname = v.get("product_id.product_tmpl_id.name") or ""
    return f"{v.get('location_id.complete_name') or ''} - {'[' + code + '] ' if code else ''}{pname}"


def _po_line(v: dict[str, Any]) -> str:
    return f"{v.get('order_id.name') or ''}: {(v.get('name') or '').splitlines()[0] if v.get('name') else ''}"


def _message(v: dict[str, Any]) -> str:
    return str(v.get("record_name") or v.get("subject") or "")


def _activity(v: dict[str, Any]) -> str:
    return str(v.get("summary") or v.get("activity_type_id.name") or "")


def _first(key: str) -> Callable[[dict[str, Any]], str]:
    return lambda v: str(v.get(key) or "")


def _ptav(v: dict[str, Any]) -> str:
    return f"{v.get('attribute_id.name') or ''}: {v.get('product_attribute_value_id.name') or ''}"


def variant_suffixes(env: Env, ids: list[int]) -> dict[int, str]:
    """Odoo's _get_combination_name: the variant's attribute values ("White", "M, Wood") for products whose
    template has more than one value on that attribute line."""
    if not ids or not env.conn.execute("SELECT 1 FROM product_variant_combination LIMIT 1").fetchone():
        return {}
    rows = env.conn.execute(
        "SELECT c.product_product_id, v.name FROM product_variant_combination c "
        "JOIN product_template_attribute_value a ON a.id = c.product_template_attribute_value_id "
        "JOIN product_attribute_value v ON v.id = a.product_attribute_value_id "
        "JOIN product_template_attribute_line l ON l.id = a.attribute_line_id "
        "JOIN product_attribute t ON t.id = l.attribute_id "
        "WHERE c.product_product_id IN (" + ",".join(str(int(i)) for i in ids) + ") AND t.create_variant != 'no_variant' "
        "AND (SELECT COUNT(*) FROM product_template_attribute_value x WHERE x.attribute_line_id = l.id) > 1 "
        "ORDER BY c.product_product_id, t.sequence, t.id, a.id").fetchall()
    out: dict[int, list[str]] = {}
    for pid, name in rows:
        out.setdefault(pid, []).append(name)
    return {pid: ", ".join(names) for pid, names in out.items()}


FORMATTERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "ptav": _ptav, "ptal": _first("attribute_id.name"),
    "product": _product, "purchase": _purchase, "picking_type": _picking_type, "move": _move,
    "quant": _quant, "po_line": _po_line, "message": _message, "activity": _activity,
    "partner": lambda v: str(v.get("complete_name") or v.get("name") or ""),
    "category": _first("complete_name"), "location": _first("complete_name"),
    "supplierinfo": _first("partner_id.complete_name"),
}


def display_names(env: Env, model: ModelDef, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    if model.name == "account.move":
        vals = env.values(model, ids, ["name", "move_type"])
        return {i: _account_move({**v, "id": i}) for i, v in vals.items()}
    if model.display:
        paths = list(model.display_paths)
        vals = env.values(model, ids, paths)
        fmt = FORMATTERS[model.display]
        out = {i: fmt(v) for i, v in vals.items()}
        if model.name == "product.product":
            for i, suffix in variant_suffixes(env, ids).items():
                if i in out:
                    out[i] = f"{out[i]} ({suffix})"
        return out
    rn = model.rec_name if model.rec_name in model.fields and model.fields[model.rec_name].column else None
    if rn is None:
        return {i: f"{model.name},{i}" for i in ids}
    vals = env.values(model, ids, [rn])
    return {i: str(v.get(rn) or "") for i, v in vals.items()}
