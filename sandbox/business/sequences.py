"""Odoo's sequences: `ir.sequence` rows give PO names (`purchase.order` per company, e.g. P00001 or
PO/2026/00042) and picking names (the picking type's `sequence_id`, e.g. DAL/IN/00001 or WH/IN/00002);
bills follow the journal naming BILL/YYYY/MM/0001 as in Odoo 18 (a counter, not an ir.sequence).

Why ir.sequence: a real Odoo's prefixes are whatever its admin configured; the sandbox serves the same
records, so clients read prefixes from Odoo instead of assuming ours. A seed without sequences gets
rows derived from its names at load time (`ensure_sequences`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite3

    from sandbox.orm.env import Env


def next_value(env: Env, code: str, start_from: int = 1) -> int:
    row = env.conn.execute("SELECT next FROM ir_sequence_counter WHERE code = ?", [code]).fetchone()
    value = row[0] if row else start_from
    env.conn.execute("INSERT INTO ir_sequence_counter (code, next) VALUES (?, ?) "
                     "ON CONFLICT(code) DO UPDATE SET next = excluded.next", [code, value + 1])
    return int(value)


def _max_suffix(conn: Any, table: str, prefix: str) -> int:
    best = 0
    for (name,) in conn.execute(f"SELECT name FROM {table} WHERE name LIKE ?", [prefix + "%"]).fetchall():
        tail = str(name)[len(prefix):]
        if tail.isdigit():
            best = max(best, int(tail))
    return best


def _interpolate(text: str | None, day: dt.datetime) -> str:
    """Odoo's _interpolate: %(year)s, %(y)s, %(month)s, %(day)s, … (and the range_ variants)."""
    if not text:
        return ""
    keys = {"year": "%Y", "month": "%m", "day": "%d", "y": "%y", "doy": "%j", "woy": "%W", "weekday": "%w",
            "h24": "%H", "h12": "%I", "min": "%M", "sec": "%S"}
    values = {k: day.strftime(f) for k, f in keys.items()}
    values.update({f"range_{k}": v for k, v in list(values.items())})
    values.update({f"current_{k}": v for k, v in list(values.items()) if not k.startswith("range_")})
    try:
        return text % values
    except (KeyError, ValueError, TypeError):
        return text


def _take(env: Env, seq_id: int, when: str | None) -> str:
    row = env.q("SELECT prefix, suffix, padding, number_next, number_increment FROM ir_sequence WHERE id = ?",
                [seq_id])[0]
    prefix, suffix, padding, number, step = row
    env.conn.execute("UPDATE ir_sequence SET number_next = ? WHERE id = ?", [int(number) + int(step or 1), seq_id])
    moment = dt.datetime.strptime((when or _now())[:19], "%Y-%m-%d %H:%M:%S") if len(when or _now()) >= 19 \
        else dt.datetime.strptime((when or _now())[:10], "%Y-%m-%d")
    return f"{_interpolate(prefix, moment)}{int(number):0{int(padding or 0)}d}{_interpolate(suffix, moment)}"


def _now() -> str:
    from sandbox.orm.env import now_str
    return now_str()


def next_by_code(env: Env, code: str, company: int | None, when: str | None = None) -> str | None:
    """ir.sequence.next_by_code: the company's sequence for ``code`` (else a shared one); None when absent."""
    row = env.q("SELECT id FROM ir_sequence WHERE code = ? AND active = 1 AND (company_id = ? OR company_id IS NULL) "
                "ORDER BY company_id IS NULL, id LIMIT 1", [code, company])
    return _take(env, row[0][0], when) if row else None


def po_name(env: Env, company: int | None = None, date_order: str | None = None) -> str:
    from sandbox.business.hooks import current_company
    return next_by_code(env, "purchase.order", company or current_company(env), date_order) or "/"


def picking_name(env: Env, picking_type_id: int) -> str:
    row = env.q("SELECT t.sequence_id, t.sequence_code, w.code FROM stock_picking_type t LEFT JOIN stock_warehouse w "
                "ON w.id = t.warehouse_id WHERE t.id = ?", [picking_type_id])
    seq_id, seq_code, wh_code = row[0] if row else (None, "IN", "WH")
    if seq_id:
        return _take(env, seq_id, None)
    prefix = f"{wh_code or 'WH'}/{seq_code}/"
    code = "picking:" + prefix
    if not env.q("SELECT 1 FROM ir_sequence_counter WHERE code = ?", [code]):
        env.conn.execute("INSERT INTO ir_sequence_counter (code, next) VALUES (?, ?)",
                         [code, _max_suffix(env.conn, "stock_picking", prefix) + 1])
    return f"{prefix}{next_value(env, code):05d}"


def bill_name(env: Env, move_type: str, date: str) -> str:
    head = "RBILL" if move_type == "in_refund" else "BILL"
    prefix = f"{head}/{date[:4]}/{date[5:7]}/"
    code = "move:" + prefix
    if not env.q("SELECT 1 FROM ir_sequence_counter WHERE code = ?", [code]):
        env.conn.execute("INSERT INTO ir_sequence_counter (code, next) VALUES (?, ?)",
                         [code, _max_suffix(env.conn, "account_move", prefix) + 1])
    return f"{prefix}{next_value(env, code):04d}"


def orderpoint_name(env: Env, company: int | None = None) -> str:
    from sandbox.business.hooks import current_company
    return next_by_code(env, "stock.orderpoint", company or current_company(env)) or "/"


def ensure_sequences(conn: sqlite3.Connection) -> None:
    """Give a seed without ir.sequence rows Odoo's default ones, continuing after its names: `purchase.order`
    (prefix P, padding 5), `stock.orderpoint` (OP/), and one per picking type (WAREHOUSE/CODE/)."""
    def add(name: str, code: str | None, prefix: str, padding: int, number: int, company: int | None) -> int:
        cur = conn.execute("INSERT INTO ir_sequence (name, code, implementation, active, prefix, padding, number_next, "
                           "number_increment, company_id, use_date_range) VALUES (?, ?, 'standard', 1, ?, ?, ?, 1, ?, 0)",
                           [name, code, prefix, padding, number, company])
        return int(cur.lastrowid or 0)

    codes = {r[0] for r in conn.execute("SELECT code FROM ir_sequence WHERE code IS NOT NULL")}
    if "purchase.order" not in codes:
        add("Purchase Order", "purchase.order", "P", 5, _max_suffix(conn, "purchase_order", "P") + 1, None)
    if "stock.orderpoint" not in codes:
        add("Stock orderpoint", "stock.orderpoint", "OP/", 5,
            _max_suffix(conn, "stock_warehouse_orderpoint", "OP/") + 1, None)
    kinds = {"incoming": "in", "outgoing": "out", "internal": "internal"}
    for tid, seq_code, wh_code, wh_name, ptname, company, kind in conn.execute(
            "SELECT t.id, t.sequence_code, w.code, w.name, t.name, t.company_id, t.code FROM stock_picking_type t "
            "LEFT JOIN stock_warehouse w ON w.id = t.warehouse_id WHERE t.sequence_id IS NULL ORDER BY t.id").fetchall():
        prefix = f"{wh_code}/{seq_code}/" if wh_code else f"{seq_code}/"
        # Odoo names them "<warehouse> Sequence in|out|internal"
        sid = add(f"{wh_name} Sequence {kinds.get(kind, str(seq_code).lower())}" if wh_name else ptname, None,
                  prefix, 5, _max_suffix(conn, "stock_picking", prefix) + 1, company)
        conn.execute("UPDATE stock_picking_type SET sequence_id = ? WHERE id = ?", [sid, tid])
