"""Stored fields Odoo computes (PO totals and statuses, line received/billed quantities, bill totals).

Why bulk SQL: the same functions run over the whole seed at load time and over a handful of records
after each business call, so they must be set-based and fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.orm.env import Env


def _where(col: str, ids: list[int] | None) -> str:
    if ids is None:
        return "1=1"
    return f"{col} IN ({','.join(str(int(i)) for i in ids) or 'NULL'})"


def recompute_lines(env: Env, order_ids: list[int] | None = None) -> None:
    w = _where("order_id", order_ids)
    env.conn.execute(f"""
        UPDATE purchase_order_line SET
          price_subtotal = ROUND(COALESCE(product_qty,0) * COALESCE(price_unit,0) * (1 - COALESCE(discount,0)/100.0), 2),
          price_tax = 0.0,
          price_total = ROUND(COALESCE(product_qty,0) * COALESCE(price_unit,0) * (1 - COALESCE(discount,0)/100.0), 2),
          product_uom_qty = COALESCE(product_qty,0) * COALESCE(
              (SELECT pu.factor FROM uom_uom lu, uom_uom pu, product_product p, product_template t
               WHERE lu.id = purchase_order_line.product_uom AND p.id = purchase_order_line.product_id
               AND t.id = p.product_tmpl_id AND pu.id = t.uom_id AND lu.factor > 0) /
              (SELECT lu.factor FROM uom_uom lu WHERE lu.id = purchase_order_line.product_uom AND lu.factor > 0), 1.0),
          qty_received = CASE WHEN qty_received_method = 'manual' THEN COALESCE(qty_received_manual, 0) ELSE COALESCE((
              SELECT SUM((CASE WHEN ld.usage IN ('internal','transit') AND ls.usage NOT IN ('internal','transit')
                              THEN m.quantity
                              WHEN ld.usage = 'supplier' AND COALESCE(m.to_refund, 0) = 1 THEN -m.quantity
                              ELSE 0 END)
                         -- move UoM -> line UoM (Odoo: move.product_uom._compute_quantity(qty, line.product_uom))
                         * CASE WHEN m.product_uom = purchase_order_line.product_uom THEN 1.0 ELSE COALESCE(
                             (SELECT lu.factor / mu.factor FROM uom_uom mu, uom_uom lu WHERE mu.id = m.product_uom
                              AND lu.id = purchase_order_line.product_uom AND mu.factor > 0), 1.0) END)
              FROM stock_move m JOIN stock_location ld ON ld.id = m.location_dest_id
              JOIN stock_location ls ON ls.id = m.location_id
              WHERE m.purchase_line_id = purchase_order_line.id AND m.state = 'done'), 0) END,
          qty_invoiced = COALESCE((
              SELECT SUM(CASE am.move_type WHEN 'in_refund' THEN -aml.quantity ELSE aml.quantity END)
              FROM account_move_line aml JOIN account_move am ON am.id = aml.move_id
              WHERE aml.purchase_line_id = purchase_order_line.id AND am.state != 'cancel'), 0)
        WHERE {w}""")
    env.conn.execute(f"""
        UPDATE purchase_order_line SET qty_to_invoice = CASE
          WHEN state NOT IN ('purchase','done') OR display_type IS NOT NULL THEN 0
          WHEN COALESCE((SELECT t.purchase_method FROM product_product p JOIN product_template t
                         ON t.id = p.product_tmpl_id WHERE p.id = purchase_order_line.product_id), 'receive') = 'purchase'
            THEN product_qty - qty_invoiced
          ELSE qty_received - qty_invoiced END
        WHERE {w}""")


def recompute_orders(env: Env, order_ids: list[int] | None = None, fill_dates: bool = True) -> None:
    """Header totals and statuses; ``order_ids=None`` means all (seed load)."""
    recompute_lines(env, order_ids)
    w = _where("id", order_ids)
    env.conn.execute(f"""
        UPDATE purchase_order SET
          amount_untaxed = COALESCE((SELECT ROUND(SUM(price_subtotal), 2) FROM purchase_order_line l
                                     WHERE l.order_id = purchase_order.id), 0),
          amount_tax = COALESCE((SELECT ROUND(SUM(price_tax), 2) FROM purchase_order_line l
                                 WHERE l.order_id = purchase_order.id), 0),
          amount_total = COALESCE((SELECT ROUND(SUM(price_total), 2) FROM purchase_order_line l
                                   WHERE l.order_id = purchase_order.id), 0),
          invoice_count = (SELECT COUNT(DISTINCT aml.move_id) FROM account_move_line aml JOIN purchase_order_line l
                           ON l.id = aml.purchase_line_id WHERE l.order_id = purchase_order.id),
          receipt_status = (SELECT CASE
              WHEN COUNT(*) = 0 OR SUM(p.state = 'cancel') = COUNT(*) THEN NULL
              WHEN SUM(p.state IN ('done','cancel')) = COUNT(*) THEN 'full'
              WHEN SUM(p.state = 'done') > 0 THEN 'partial'
              ELSE 'pending' END
              FROM stock_picking p JOIN stock_picking_type t ON t.id = p.picking_type_id
              WHERE p.purchase_id = purchase_order.id AND t.code = 'incoming')
        WHERE {w}""")
    env.conn.execute(f"""
        UPDATE purchase_order SET invoice_status = CASE
          WHEN state NOT IN ('purchase','done') THEN 'no'
          WHEN EXISTS (SELECT 1 FROM purchase_order_line l WHERE l.order_id = purchase_order.id
                       AND l.display_type IS NULL AND ABS(l.qty_to_invoice) > 0.00001) THEN 'to invoice'
          WHEN invoice_count > 0 THEN 'invoiced'
          ELSE 'no' END
        WHERE {w}""")
    if fill_dates:
        env.conn.execute(f"""
            UPDATE purchase_order SET date_planned = (SELECT MIN(date_planned) FROM purchase_order_line l
                                                      WHERE l.order_id = purchase_order.id)
            WHERE date_planned IS NULL AND {w}""")
    env.conn.execute(f"""
        UPDATE purchase_order SET effective_date = (SELECT MIN(p.date_done) FROM stock_picking p
            WHERE p.purchase_id = purchase_order.id AND p.state = 'done')
        WHERE effective_date IS NULL AND {w}""")


def recompute_bills(env: Env, move_ids: list[int] | None = None) -> None:
    w = _where("move_id", move_ids)
    env.conn.execute(f"""
        UPDATE account_move_line SET
          price_subtotal = ROUND(COALESCE(quantity,0) * COALESCE(price_unit,0) * (1 - COALESCE(discount,0)/100.0), 2),
          price_total = ROUND(COALESCE(quantity,0) * COALESCE(price_unit,0) * (1 - COALESCE(discount,0)/100.0), 2)
        WHERE display_type = 'product' AND {w}""")
    env.conn.execute(f"""
        UPDATE account_move_line SET
          balance = CASE (SELECT move_type FROM account_move m WHERE m.id = move_id)
                    WHEN 'in_refund' THEN -price_subtotal ELSE price_subtotal END
        WHERE display_type = 'product' AND {w}""")
    env.conn.execute(f"""
        UPDATE account_move_line SET debit = MAX(balance, 0), credit = MAX(-balance, 0), amount_currency = balance
        WHERE display_type = 'product' AND {w}""")
    w2 = _where("id", move_ids)
    env.conn.execute(f"""
        UPDATE account_move SET
          amount_untaxed = COALESCE((SELECT ROUND(SUM(price_subtotal), 2) FROM account_move_line l
                                     WHERE l.move_id = account_move.id AND l.display_type = 'product'), 0),
          amount_tax = 0.0,
          amount_total = COALESCE((SELECT ROUND(SUM(price_total), 2) FROM account_move_line l
                                   WHERE l.move_id = account_move.id AND l.display_type = 'product'), 0)
        WHERE {w2}""")
    env.conn.execute(f"""
        UPDATE account_move SET
          amount_total_signed = CASE WHEN move_type IN ('in_invoice','out_refund','in_receipt') THEN -amount_total
                                     ELSE amount_total END,
          amount_residual = CASE WHEN state != 'posted' THEN amount_total
                                 WHEN payment_state IN ('paid','in_payment','reversed') THEN 0
                                 WHEN payment_state = 'partial' THEN COALESCE(amount_residual, amount_total / 2.0)
                                 ELSE amount_total END
        WHERE {w2}""")


def orders_of_pickings(env: Env, picking_ids: list[int]) -> list[int]:
    if not picking_ids:
        return []
    return [r[0] for r in env.q(
        f"SELECT DISTINCT purchase_id FROM stock_picking WHERE purchase_id IS NOT NULL AND "
        f"id IN ({','.join(map(str, picking_ids))})")]


def orders_of_moves(env: Env, move_ids: list[int]) -> list[int]:
    if not move_ids:
        return []
    return [r[0] for r in env.q(
        f"SELECT DISTINCT l.order_id FROM account_move_line aml JOIN purchase_order_line l ON l.id = aml.purchase_line_id "
        f"WHERE aml.move_id IN ({','.join(map(str, move_ids))})")]
