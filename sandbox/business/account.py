"""Vendor bills: post (needs the bill date; returns False), back to draft, cancel."""

from __future__ import annotations

from typing import Any

from sandbox.business import derived, sequences
from sandbox.errors import UserError
from sandbox.methods import _ids, specific
from sandbox.orm.env import Env, now_str
from sandbox.orm.model import ModelDef


@specific("account.move", "action_post")
def action_post(env: Env, model: ModelDef, ids: Any) -> bool:
    ids = env.ensure(model, _ids(ids))
    env.check_access(model, "write")
    for mid in ids:
        mtype, state, inv_date, name, due = env.q(
            "SELECT move_type, state, invoice_date, name, invoice_date_due FROM account_move WHERE id = ?", [mid])[0]
        if state == "posted":
            raise UserError(f"The entry {name} (id {mid}) is already posted.")
        if mtype in ("in_invoice", "in_refund", "in_receipt") and not inv_date:
            raise UserError("The Bill/Refund date is required to validate this document.")
        if not env.q("SELECT 1 FROM account_move_line WHERE move_id = ?", [mid]):
            raise UserError("You need to add a line before posting.")
        date = inv_date or now_str()[:10]
        new_name = name if name and name != "/" else sequences.bill_name(env, mtype, date)
        env.conn.execute("UPDATE account_move SET state = 'posted', name = ?, date = ?, invoice_date_due = ?, "
                         "payment_state = 'not_paid', write_date = ?, write_uid = ? WHERE id = ?",
                         [new_name, date, due or date, now_str(), env.uid, mid])
        env.conn.execute("UPDATE account_move_line SET parent_state = 'posted', move_name = ?, date = ? "
                         "WHERE move_id = ?", [new_name, date, mid])
    derived.recompute_bills(env, ids)
    derived.recompute_orders(env, derived.orders_of_moves(env, ids), fill_dates=False)
    env.cache.clear()
    return False


def _set_state(env: Env, model: ModelDef, ids: Any, state: str) -> bool:
    ids = env.ensure(model, _ids(ids))
    env.check_access(model, "write")
    idl = ",".join(map(str, ids))
    env.conn.execute(f"UPDATE account_move SET state = ? WHERE id IN ({idl})", [state])
    env.conn.execute(f"UPDATE account_move_line SET parent_state = ? WHERE move_id IN ({idl})", [state])
    derived.recompute_bills(env, ids)
    derived.recompute_orders(env, derived.orders_of_moves(env, ids), fill_dates=False)
    env.cache.clear()
    return True


@specific("account.move", "button_draft")
def button_draft(env: Env, model: ModelDef, ids: Any) -> bool:
    return _set_state(env, model, ids, "draft")


@specific("account.move", "button_cancel")
def button_cancel(env: Env, model: ModelDef, ids: Any) -> bool:
    return _set_state(env, model, ids, "cancel")
