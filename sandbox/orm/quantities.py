"""Product quantities (on hand, incoming, outgoing, forecast, free) in the scope Odoo 18 derives from the
context: ``location`` (id, ids or name; children unless ``strict``), else ``warehouse_id`` (id, ids or
name), else every warehouse. The old key ``warehouse`` is ignored, exactly as in Odoo 18."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.orm.env import Env

OPEN_MOVE_STATES = "('waiting','confirmed','assigned','partially_available')"
QTY_FIELDS = ("qty_available", "virtual_available", "incoming_qty", "outgoing_qty", "free_qty")


def _ids_or_names(env: Env, model: str, value: Any, name_field: str) -> list[int]:
    values = value if isinstance(value, (list, tuple)) else [value]
    ids: list[int] = []
    for v in values:
        if isinstance(v, bool) or v is None:
            continue
        if isinstance(v, int):
            ids.append(v)
        elif isinstance(v, str):
            ids += [r[0] for r in env.conn.execute(
                f"SELECT id FROM {model.replace('.', '_')} WHERE lower({name_field}) LIKE lower(?) ESCAPE '\\'",
                ["%" + v.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"])]
    return ids


def scope(env: Env) -> tuple[str, list[int]]:
    """('tree'|'strict', location ids) for the current context, as Odoo 18's _get_domain_locations: warehouses
    give their view locations; locations given with warehouses are kept only when inside those warehouses."""
    ctx = env.context
    kind = "strict" if ctx.get("strict") else "tree"
    loc = ctx.get("location")
    wh = ctx.get("warehouse_id")
    has_loc = loc not in (None, False, [], "")
    if wh not in (None, False, [], ""):
        wids = _ids_or_names(env, "stock.warehouse", wh, "name")
        views = _views(env, wids)
        if not has_loc:
            return "tree", views
        parents = [r[0] for r in env.conn.execute(
            f"SELECT parent_path FROM stock_location WHERE id IN ({','.join(map(str, views)) or 'NULL'})") if r[0]]
        lids = _ids_or_names(env, "stock.location", loc, "complete_name")
        paths = dict(env.conn.execute(
            f"SELECT id, parent_path FROM stock_location WHERE id IN ({','.join(map(str, lids)) or 'NULL'})"))
        return kind, [i for i in lids if any((paths.get(i) or "").startswith(p) for p in parents)]
    if has_loc:
        return kind, _ids_or_names(env, "stock.location", loc, "complete_name")
    companies = ctx.get("allowed_company_ids")
    if isinstance(companies, (list, tuple)) and all(isinstance(c, int) for c in companies):
        wids = [r[0] for r in env.conn.execute(
            f"SELECT id FROM stock_warehouse WHERE active = 1 AND company_id IN "
            f"({','.join(str(int(c)) for c in companies) or 'NULL'})")]
    else:
        wids = [r[0] for r in env.conn.execute("SELECT id FROM stock_warehouse WHERE active = 1")]
    return "tree", _views(env, wids)


def _views(env: Env, wids: list[int]) -> list[int]:
    if not wids:
        return []
    rows = env.conn.execute(
        f"SELECT view_location_id FROM stock_warehouse WHERE id IN ({','.join(str(int(w)) for w in wids)})")
    return [r[0] for r in rows if r[0]]


def location_filter(env: Env, alias: str, kind: str, ids: list[int]) -> str:
    """SQL condition: location ``alias`` lies in the scope."""
    if not ids:
        return "0"
    if kind == "strict":
        return f"{alias}.id IN ({','.join(map(str, ids))})"
    paths = [r[0] for r in env.conn.execute(
        f"SELECT parent_path FROM stock_location WHERE id IN ({','.join(map(str, ids))})") if r[0]]
    if not paths:
        return "0"
    return "(" + " OR ".join(f"{alias}.parent_path LIKE '{p}%'" for p in paths) + ")"


FULL_SCAN_ABOVE = 400  # more requested products than this: one unfiltered pass is cheaper than a long IN list


def product_quantities(env: Env, product_ids: list[int] | None) -> dict[int, dict[str, float]]:
    """Quantities of ``product_ids`` (None: every product) in the context's scope. A request for a few
    products only reads their quants and moves; results are cached per request on (context, ids)."""
    ctx_key = repr(sorted((k, repr(v)) for k, v in env.context.items()
                          if k in ("location", "warehouse_id", "strict", "to_date", "from_date",
                                   "allowed_company_ids")))
    full = env.cache.get(("qty", ctx_key, None))
    if full is None and (product_ids is None or len(set(product_ids)) > FULL_SCAN_ABOVE):
        full = env.cache[("qty", ctx_key, None)] = _compute(env, None)
    if full is not None:
        if product_ids is None:
            return full
        return {p: full.get(p, _zero()) for p in product_ids}
    wanted = frozenset(int(p) for p in product_ids or [])
    key = ("qty", ctx_key, wanted)
    got = env.cache.get(key)
    if got is None:
        got = env.cache[key] = _compute(env, sorted(wanted))
    return {p: got.get(p, _zero()) for p in product_ids or []}


def _compute(env: Env, product_ids: list[int] | None) -> dict[int, dict[str, float]]:
    if product_ids is not None and not product_ids:
        return {}
    in_ids = "" if product_ids is None else f"IN ({','.join(str(int(p)) for p in product_ids)})"
    q_filter = f" AND q.product_id {in_ids}" if in_ids else ""
    m_filter = f" AND m.product_id {in_ids}" if in_ids else ""
    kind, ids = scope(env)
    inside = location_filter(env, "l", kind, ids)
    cached: dict[int, dict[str, float]] = {}
    for pid, qty, reserved in env.conn.execute(
            f"SELECT q.product_id, SUM(q.quantity), SUM(q.reserved_quantity) FROM stock_quant q "
            f"JOIN stock_location l ON l.id = q.location_id WHERE {inside}{q_filter} GROUP BY q.product_id"):
        cached.setdefault(pid, _zero())
        cached[pid]["qty_available"] = qty or 0.0
        cached[pid]["free_qty"] = (qty or 0.0) - (reserved or 0.0)
    src_in = location_filter(env, "ls", kind, ids)
    dst_in = location_filter(env, "l", kind, ids)
    to_date = _date_param(env.context.get("to_date"))
    from_date = _date_param(env.context.get("from_date"))
    window = m_filter
    params: list[str] = []
    if to_date:
        window += " AND m.date <= ?"
        params.append(to_date)
    if from_date:
        window += " AND m.date >= ?"
        params.append(from_date)
    # the few open moves by (state, product): without the hint SQLite walks ix_stock_move_product_id and reads
    # every move (mostly done) of the products asked for — scale 10, ~300 reorder-rule products of one
    # location: ~1,100 ms -> ~50 ms; one product: 0.15 -> 0.08 ms (measured)
    hint = " INDEXED BY ix_move_state" if any(True for _ in env.conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'ix_move_state'")) else ""
    for direction, cond in (("incoming_qty", f"{dst_in} AND NOT {src_in}"),
                            ("outgoing_qty", f"{src_in} AND NOT {dst_in}")):
        for pid, qty in env.conn.execute(
                f"SELECT m.product_id, SUM(COALESCE(m.product_qty, m.product_uom_qty)) FROM stock_move m{hint} "
                f"JOIN stock_location l ON l.id = m.location_dest_id "
                f"JOIN stock_location ls ON ls.id = m.location_id "
                f"WHERE m.state IN {OPEN_MOVE_STATES} AND {cond}{window} GROUP BY m.product_id", params):
            cached.setdefault(pid, _zero())
            cached[pid][direction] = qty or 0.0
    if to_date and to_date < _now():
        # on hand back then = today's quants minus what was done since (Odoo's _compute_quantities_dict)
        for sign, cond in ((-1.0, f"{dst_in} AND NOT {src_in}"), (1.0, f"{src_in} AND NOT {dst_in}")):
            for pid, qty in env.conn.execute(
                    f"SELECT m.product_id, SUM(m.quantity) FROM stock_move m "
                    f"JOIN stock_location l ON l.id = m.location_dest_id "
                    f"JOIN stock_location ls ON ls.id = m.location_id "
                    f"WHERE m.state = 'done' AND m.date > ? AND {cond}{m_filter} GROUP BY m.product_id",
                    [to_date]):
                cached.setdefault(pid, _zero())
                cached[pid]["qty_available"] += sign * (qty or 0.0)
                cached[pid]["free_qty"] += sign * (qty or 0.0)
    for v in cached.values():
        v["virtual_available"] = v["qty_available"] + v["incoming_qty"] - v["outgoing_qty"]
    return cached


def _date_param(v: Any) -> str | None:
    if not v or not isinstance(v, str):
        return None
    v = v.replace("T", " ")[:19]
    return v + " 00:00:00" if len(v) == 10 else v


def _now() -> str:
    from sandbox.orm.env import now_str
    return now_str()


def _zero() -> dict[str, float]:
    return dict.fromkeys(QTY_FIELDS, 0.0)


def template_quantities(env: Env, tmpl_ids: set[int] | None) -> dict[int, dict[str, float]]:
    rows = env.conn.execute("SELECT id, product_tmpl_id FROM product_product").fetchall()
    if tmpl_ids is not None:
        rows = [(pid, tid) for pid, tid in rows if tid in tmpl_ids]
    per_product = product_quantities(env, None if tmpl_ids is None else [pid for pid, _ in rows])
    out: dict[int, dict[str, float]] = {}
    for pid, tid in rows:
        acc = out.setdefault(tid, _zero())
        for k, v in per_product.get(pid, {}).items():
            acc[k] += v
    if tmpl_ids is not None:
        for t in tmpl_ids:
            out.setdefault(t, _zero())
    return out
