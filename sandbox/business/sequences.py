"""Odoo's sequences: P00001 for purchase orders, CODE/IN/00001 per picking type, BILL/YYYY/MM/0001."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.orm.env import Env


def next_value(env: Env, code: str, start_from: int = 1) -> int:
    row = env.conn.execute("SELECT next FROM ir_sequence_counter WHERE code = ?", [code]).fetchone()
    value = row[0] if row else start_from
    env.conn.execute("INSERT INTO ir_sequence_counter (code, next) VALUES (?, ?) "
                     "ON CONFLICT(code) DO UPDATE SET next = excluded.next", [code, value + 1])
    return int(value)


def _max_suffix(env: Env, table: str, prefix: str) -> int:
    best = 0
    for (name,) in env.q(f"SELECT name FROM {table} WHERE name LIKE ?", [prefix + "%"]):
        tail = str(name)[len(prefix):]
        if tail.isdigit():
            best = max(best, int(tail))
    return best


def po_name(env: Env) -> str:
    code = "purchase.order"
    if not env.q("SELECT 1 FROM ir_sequence_counter WHERE code = ?", [code]):
        next_value(env, code, _max_suffix(env, "purchase_order", "P") + 1)
        env.conn.execute("UPDATE ir_sequence_counter SET next = next - 1 WHERE code = ?", [code])
    return f"P{next_value(env, code):05d}"


def picking_name(env: Env, picking_type_id: int) -> str:
    row = env.q("SELECT t.sequence_code, w.code FROM stock_picking_type t LEFT JOIN stock_warehouse w "
                "ON w.id = t.warehouse_id WHERE t.id = ?", [picking_type_id])
    seq_code, wh_code = row[0] if row else ("IN", "WH")
    prefix = f"{wh_code or 'WH'}/{seq_code}/"
    code = "picking:" + prefix
    if not env.q("SELECT 1 FROM ir_sequence_counter WHERE code = ?", [code]):
        env.conn.execute("INSERT INTO ir_sequence_counter (code, next) VALUES (?, ?)",
                         [code, _max_suffix(env, "stock_picking", prefix) + 1])
    return f"{prefix}{next_value(env, code):05d}"


def bill_name(env: Env, move_type: str, date: str) -> str:
    head = "RBILL" if move_type == "in_refund" else "BILL"
    prefix = f"{head}/{date[:4]}/{date[5:7]}/"
    code = "move:" + prefix
    if not env.q("SELECT 1 FROM ir_sequence_counter WHERE code = ?", [code]):
        env.conn.execute("INSERT INTO ir_sequence_counter (code, next) VALUES (?, ?)",
                         [code, _max_suffix(env, "account_move", prefix) + 1])
    return f"{prefix}{next_value(env, code):04d}"


def orderpoint_name(env: Env) -> str:
    code = "stock.orderpoint"
    if not env.q("SELECT 1 FROM ir_sequence_counter WHERE code = ?", [code]):
        env.conn.execute("INSERT INTO ir_sequence_counter (code, next) VALUES (?, ?)",
                         [code, _max_suffix(env, "stock_warehouse_orderpoint", "OP/") + 1])
    return f"OP/{next_value(env, code):05d}"
