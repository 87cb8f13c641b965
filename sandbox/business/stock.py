"""stock.picking validation (full, partial -> backorder wizard or backorder), confirm/assign/cancel."""

from __future__ import annotations

from typing import Any

from sandbox.business import derived, sequences
from sandbox.business.mail import create_message
from sandbox.errors import UserError
from sandbox.methods import _ids, specific
from sandbox.orm.env import Env, now_str
from sandbox.orm.model import ModelDef

EPS = 1e-6


def _adjust_quant(env: Env, product_id: int, location_id: int, qty: float) -> None:
    usage = env.q("SELECT usage FROM stock_location WHERE id = ?", [location_id])
    if not usage or usage[0][0] not in ("internal", "transit"):
        return
    row = env.q("SELECT id FROM stock_quant WHERE product_id = ? AND location_id = ? AND lot_id IS NULL "
                "ORDER BY id LIMIT 1", [product_id, location_id])
    now = now_str()
    if row:
        env.conn.execute("UPDATE stock_quant SET quantity = quantity + ?, write_date = ? WHERE id = ?",
                         [qty, now, row[0][0]])
    else:
        env.conn.execute("INSERT INTO stock_quant (product_id, location_id, quantity, reserved_quantity, in_date, "
                         "company_id, inventory_quantity, create_date, write_date, create_uid, write_uid) "
                         "VALUES (?, ?, ?, 0, ?, COALESCE((SELECT company_id FROM stock_location WHERE id = ?), 1), "
                         "0, ?, ?, ?, ?)",
                         [product_id, location_id, qty, now, location_id, now, now, env.uid, env.uid])


def _ratio(env: Env, move_id: int) -> float:
    """Move UoM -> product UoM (quants and product_qty are in the product's UoM, as Odoo)."""
    row = env.q("SELECT mu.factor, pu.factor FROM stock_move m JOIN uom_uom mu ON mu.id = m.product_uom "
                "JOIN product_product p ON p.id = m.product_id JOIN product_template t ON t.id = p.product_tmpl_id "
                "JOIN uom_uom pu ON pu.id = t.uom_id WHERE m.id = ?", [move_id])
    return float(row[0][1]) / float(row[0][0]) if row and row[0][0] and row[0][1] else 1.0


def _done_move(env: Env, move_id: int) -> None:
    _unreserve(env, move_id)
    prod, src, dst, qty = env.q("SELECT product_id, location_id, location_dest_id, quantity FROM stock_move "
                                "WHERE id = ?", [move_id])[0]
    units = (qty or 0.0) * _ratio(env, move_id)
    _adjust_quant(env, prod, src, -units)
    _adjust_quant(env, prod, dst, units)
    env.conn.execute("UPDATE stock_move SET state = 'done', picked = 1, date = ?, write_date = ? WHERE id = ?",
                     [now_str(), now_str(), move_id])


@specific("stock.picking", "button_validate")
def button_validate(env: Env, model: ModelDef, ids: Any) -> Any:
    ids = env.ensure(model, _ids(ids))
    env.check_access(model, "write")
    todo = []
    for pid in ids:
        state = env.q("SELECT state FROM stock_picking WHERE id = ?", [pid])[0][0]
        if state in ("done", "cancel"):
            continue
        moves = env.q("SELECT id, product_uom_qty, quantity FROM stock_move WHERE picking_id = ? AND "
                      "state NOT IN ('done','cancel')", [pid])
        if not moves:
            raise UserError("Please add some items to move.")
        if all((q or 0.0) <= EPS for _m, _d, q in moves):
            env.conn.execute("UPDATE stock_move SET quantity = product_uom_qty WHERE picking_id = ? AND "
                             "state NOT IN ('done','cancel')", [pid])
            moves = [(m, d, d) for m, d, _q in moves]
        todo.append((pid, moves))
    partial = [pid for pid, moves in todo if any((q or 0.0) < d - EPS for _m, d, q in moves)]
    if partial and not env.context.get("skip_backorder"):
        return {"name": "Create Backorder?", "type": "ir.actions.act_window", "view_mode": "form",
                "res_model": "stock.backorder.confirmation", "views": [[False, "form"]], "view_id": False,
                "target": "new", "context": {**env.context, "button_validate_picking_ids": ids,
                                             "default_pick_ids": [[4, p] for p in partial]}}
    no_backorder = set(env.context.get("picking_ids_not_to_backorder") or [])
    orders: set[int] = set()
    for pid, moves in todo:
        for mid, demand, qty in moves:
            remaining = demand - (qty or 0.0)
            if remaining > EPS and (qty or 0.0) > EPS:
                env.conn.execute("UPDATE stock_move SET product_uom_qty = ?, product_qty = ? WHERE id = ?",
                                 [qty, qty * _ratio(env, mid), mid])
            if (qty or 0.0) > EPS:
                _done_move(env, mid)
            elif remaining > EPS and pid in no_backorder:
                env.conn.execute("UPDATE stock_move SET state = 'cancel' WHERE id = ?", [mid])
        leftovers = [(m, d - (q or 0.0)) for m, d, q in moves if d - (q or 0.0) > EPS]
        if leftovers and pid not in no_backorder:
            _backorder(env, pid, leftovers)
        env.conn.execute("UPDATE stock_picking SET state = 'done', date_done = ?, write_date = ?, write_uid = ? "
                         "WHERE id = ?", [now_str(), now_str(), env.uid, pid])
        po = env.q("SELECT purchase_id FROM stock_picking WHERE id = ?", [pid])[0][0]
        if po:
            orders.add(po)
        sub = env.q("SELECT id FROM mail_message_subtype WHERE xml_id = 'stock.mt_picking_done'")
        create_message(env.sudo(), model, pid, "", "notification", sub[0][0] if sub else None)
    derived.recompute_orders(env, sorted(orders), fill_dates=False)
    env.cache.clear()
    return True


def _backorder(env: Env, pid: int, leftovers: list[tuple[int, float]]) -> int:
    cols = [r[1] for r in env.conn.execute("PRAGMA table_info(stock_picking)") if r[1] not in ("id", "name")]
    ptype = env.q("SELECT picking_type_id FROM stock_picking WHERE id = ?", [pid])[0][0]
    name = sequences.picking_name(env, ptype)
    qcols = ", ".join(f'"{c}"' for c in cols)
    cur = env.conn.execute(f"INSERT INTO stock_picking (name, {qcols}) SELECT ?, {qcols} FROM stock_picking "
                           f"WHERE id = ?", [name, pid])
    new = int(cur.lastrowid or 0)
    env.conn.execute("UPDATE stock_picking SET backorder_id = ?, state = 'assigned', date_done = NULL, "
                     "create_date = ?, write_date = ? WHERE id = ?", [pid, now_str(), now_str(), new])
    mcols = [r[1] for r in env.conn.execute("PRAGMA table_info(stock_move)") if r[1] != "id"]
    mq = ", ".join(f'"{c}"' for c in mcols)
    for mid, rest in leftovers:
        cur = env.conn.execute(f"INSERT INTO stock_move ({mq}) SELECT {mq} FROM stock_move WHERE id = ?", [mid])
        env.conn.execute("UPDATE stock_move SET picking_id = ?, reference = ?, product_uom_qty = ?, product_qty = ?, "
                         "quantity = ?, state = 'assigned', picked = 0 WHERE id = ?",
                         [new, name, rest, rest * _ratio(env, mid), rest, cur.lastrowid])
    return new


@specific("stock.picking", "action_confirm")
def action_confirm(env: Env, model: ModelDef, ids: Any) -> bool:
    """Odoo 18: draft moves are confirmed, then reserved at once (picking types reserve `at_confirm`)."""
    ids = env.ensure(model, _ids(ids))
    idl = ",".join(map(str, ids))
    env.conn.execute(f"UPDATE stock_move SET state = 'confirmed' WHERE state = 'draft' AND picking_id IN ({idl})")
    env.conn.execute(f"UPDATE stock_picking SET state = 'confirmed' WHERE state = 'draft' AND id IN ({idl})")
    _reserve(env, ids)
    return True


@specific("stock.picking", "action_assign")
def action_assign(env: Env, model: ModelDef, ids: Any) -> bool:
    ids = env.ensure(model, _ids(ids))
    idl = ",".join(map(str, ids))
    env.conn.execute(f"UPDATE stock_move SET state = 'confirmed' WHERE state = 'draft' AND picking_id IN ({idl})")
    _reserve(env, ids)
    return True


def _reserve(env: Env, picking_ids: list[int]) -> None:
    """Odoo's _action_assign: a move from a non-internal location (a vendor) is available in full; a move from
    an internal location reserves what its quants (the location and its children) hold free, oldest quant
    first (quants' `reserved_quantity` goes up). The picking is Ready when a move is (partly) reserved and its
    shipping policy is "as soon as possible", or when all are; else Waiting."""
    idl = ",".join(map(str, picking_ids))
    moves = env.q(f"SELECT m.id, m.product_id, m.location_id, m.product_uom_qty, COALESCE(m.quantity, 0), l.usage, "
                  f"l.parent_path FROM stock_move m JOIN stock_location l ON l.id = m.location_id WHERE m.picking_id "
                  f"IN ({idl}) AND m.state IN ('confirmed','waiting','partially_available')")
    for mid, prod, _loc, demand, have, usage, path in moves:
        if usage not in ("internal", "transit"):
            env.conn.execute("UPDATE stock_move SET state = 'assigned', quantity = product_uom_qty WHERE id = ?", [mid])
            continue
        ratio = _ratio(env, mid)
        need = (float(demand or 0) - float(have or 0)) * ratio  # product UoM
        for qid, free in env.q("SELECT q.id, q.quantity - q.reserved_quantity FROM stock_quant q JOIN stock_location "
                               "l ON l.id = q.location_id WHERE q.product_id = ? AND l.parent_path LIKE ? AND "
                               "q.quantity - q.reserved_quantity > 0 ORDER BY q.in_date, q.id",
                               [prod, f"{path}%"]):
            if need <= EPS:
                break
            take = min(need, float(free))
            env.conn.execute("UPDATE stock_quant SET reserved_quantity = reserved_quantity + ? WHERE id = ?", [take, qid])
            need -= take
            have = float(have or 0) + take / ratio
        state = "assigned" if need <= EPS else "partially_available" if float(have or 0) > EPS else "confirmed"
        env.conn.execute("UPDATE stock_move SET quantity = ?, state = ? WHERE id = ?", [have, state, mid])
    for pid, policy in env.q(f"SELECT id, move_type FROM stock_picking WHERE id IN ({idl}) AND state NOT IN "
                             f"('done','cancel','draft')"):
        states = [r[0] for r in env.q("SELECT state FROM stock_move WHERE picking_id = ? AND state NOT IN "
                                      "('done','cancel')", [pid])]
        ready = all(st == "assigned" for st in states) if policy == "one" else \
            any(st in ("assigned", "partially_available") for st in states)
        env.conn.execute("UPDATE stock_picking SET state = ? WHERE id = ?", ["assigned" if ready and states
                                                                             else "confirmed", pid])
    env.cache.clear()


def _unreserve(env: Env, move_id: int) -> None:
    """Give back what an internal move reserved on its source quants (Odoo's _do_unreserve)."""
    row = env.q("SELECT m.product_id, m.quantity, l.usage, l.parent_path, m.state FROM stock_move m JOIN stock_location l "
                "ON l.id = m.location_id WHERE m.id = ?", [move_id])
    if not row or row[0][2] not in ("internal", "transit") or row[0][4] not in ("assigned", "partially_available"):
        return
    prod, qty, _usage, path, _state = row[0]
    left = float(qty or 0) * _ratio(env, move_id)
    for qid, reserved in env.q("SELECT q.id, q.reserved_quantity FROM stock_quant q JOIN stock_location l ON "
                               "l.id = q.location_id WHERE q.product_id = ? AND l.parent_path LIKE ? AND "
                               "q.reserved_quantity > 0 ORDER BY q.in_date DESC, q.id DESC", [prod, f"{path}%"]):
        if left <= EPS:
            break
        give = min(left, float(reserved))
        env.conn.execute("UPDATE stock_quant SET reserved_quantity = reserved_quantity - ? WHERE id = ?", [give, qid])
        left -= give


@specific("stock.picking", "action_cancel")
def action_cancel(env: Env, model: ModelDef, ids: Any) -> bool:
    ids = env.ensure(model, _ids(ids))
    idl = ",".join(map(str, ids))
    for (mid,) in env.q(f"SELECT id FROM stock_move WHERE picking_id IN ({idl}) AND state != 'done'"):
        _unreserve(env, mid)
    env.conn.execute(f"UPDATE stock_move SET state = 'cancel', quantity = 0 WHERE state != 'done' AND "
                     f"picking_id IN ({idl})")
    env.conn.execute(f"UPDATE stock_picking SET state = 'cancel' WHERE state != 'done' AND id IN ({idl})")
    orders = derived.orders_of_pickings(env, ids)
    derived.recompute_orders(env, orders, fill_dates=False)
    return True


@specific("stock.picking", "do_unreserve")
def do_unreserve(env: Env, model: ModelDef, ids: Any) -> bool:
    ids = env.ensure(model, _ids(ids))
    idl = ",".join(map(str, ids))
    for (mid,) in env.q(f"SELECT id FROM stock_move WHERE picking_id IN ({idl})"):
        _unreserve(env, mid)
    env.conn.execute(f"UPDATE stock_move SET quantity = 0, state = 'confirmed' WHERE state IN "
                     f"('assigned','partially_available') AND "
                     f"picking_id IN ({idl})")
    env.conn.execute(f"UPDATE stock_picking SET state = 'confirmed' WHERE state = 'assigned' AND id IN ({idl})")
    return True
