"""purchase.order buttons: confirm (creates the receipt), cancel (refused once a receipt is done),
back to draft, lock/unlock, create the vendor bill, and the RFQ e-mail wizard description."""

from __future__ import annotations

from typing import Any

from sandbox.business import derived
from sandbox.business.mail import create_message, log_note
from sandbox.errors import UserError
from sandbox.methods import _ids, specific
from sandbox.orm.env import Env, now_str
from sandbox.orm.model import ModelDef


def _orders(env: Env, model: ModelDef, ids: Any) -> list[int]:
    ids = env.ensure(model, _ids(ids))
    env.check_access(model, "write")
    return ids


def _subtype(env: Env, xmlid: str) -> int | None:
    row = env.q("SELECT id FROM mail_message_subtype WHERE xml_id = ?", [xmlid])
    return row[0][0] if row else None


def create_receipt(env: Env, order_id: int, only_lines: list[int] | None = None,
                   picking_id: int | None = None) -> int | None:
    """What Odoo's _create_picking does for one confirmed PO: one receipt with a move per product line
    (or, with ``picking_id``, moves for ``only_lines`` added to that open receipt)."""
    su = env.sudo()
    po = su.q("SELECT name, partner_id, picking_type_id, company_id FROM purchase_order WHERE id = ?", [order_id])[0]
    name, partner, ptype, company = po
    t = su.q("SELECT default_location_src_id, default_location_dest_id, warehouse_id FROM stock_picking_type "
             "WHERE id = ?", [ptype])
    src, dest, wh = t[0] if t else (None, None, None)
    if src is None:
        row = su.q("SELECT id FROM stock_location WHERE usage = 'supplier' ORDER BY id LIMIT 1")
        src = row[0][0] if row else None
    only = f" AND l.id IN ({','.join(map(str, only_lines))})" if only_lines else ""
    # Odoo 18 (_prepare_stock_move_vals): moves in the product's UoM, demand = the line's product_uom_qty
    lines = su.q("SELECT l.id, l.product_id, l.product_uom_qty, l.product_uom_qty, t.uom_id, l.date_planned, "
                 "l.price_unit * COALESCE((SELECT pu.factor / lu.factor FROM uom_uom lu, uom_uom pu WHERE "
                 "lu.id = l.product_uom AND pu.id = t.uom_id AND lu.factor > 0), 1.0), l.name "
                 "FROM purchase_order_line l JOIN product_product p ON p.id = l.product_id "
                 "JOIN product_template t ON t.id = p.product_tmpl_id WHERE l.order_id = ? AND "
                 f"l.display_type IS NULL AND t.type = 'consu'{only} ORDER BY l.sequence, l.id", [order_id])
    if not lines:
        return None
    scheduled = min(ln[5] for ln in lines if ln[5]) if any(ln[5] for ln in lines) else now_str()
    picking = picking_id
    if picking is None:
        picking = su.create(su.model("stock.picking"), [{
            "picking_type_id": ptype, "partner_id": partner, "origin": name, "location_id": src,
            "location_dest_id": dest, "scheduled_date": scheduled, "date": now_str(), "company_id": company,
            "state": "assigned", "purchase_id": order_id, "user_id": env.uid}])[0]
        su.conn.execute("UPDATE stock_picking SET date_deadline = ? WHERE id = ?", [scheduled, picking])
        po_name = su.display_names(su.model("purchase.order"), [order_id]).get(order_id, name) \
            .replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        log_note(env, su.model("stock.picking"), picking, (  # Odoo's mail.message_origin_link, as rendered
            '<p>\n                This transfer has been created from:\n                    <a href="#" '
            f'data-oe-model="purchase.order" data-oe-id="{order_id}"> {po_name}</a>\n            </p>'))
    pname = su.q("SELECT name FROM stock_picking WHERE id = ?", [picking])[0][0]
    moves = []
    for lid, prod, qty, uom_qty, uom, planned, price, lname in lines:
        moves.append({"name": lname, "reference": pname, "product_id": prod, "product_uom_qty": qty,
                      "product_qty": uom_qty or qty, "quantity": qty, "product_uom": uom, "picking_id": picking,
                      "picking_type_id": ptype, "location_id": src, "location_dest_id": dest,
                      "location_final_id": False, "state": "assigned", "date": planned or scheduled,
                      "date_deadline": planned or scheduled, "purchase_line_id": lid, "picked": False,
                      "origin": name, "partner_id": partner, "warehouse_id": wh, "price_unit": price,
                      "company_id": company, "procure_method": "make_to_stock"})
    su.create(su.model("stock.move"), moves)
    return picking


def _company_amount_in(env: Env, amount: float, company_id: int, currency_id: int, day: str) -> float:
    """``amount`` in the company's currency converted to ``currency_id`` at ``day`` (Odoo's _convert).

    Rates are Odoo's res.currency.rate rows (units of the currency per unit of the company currency); a
    currency without a rate counts 1:1, as Odoo does."""
    cur = env.q("SELECT currency_id FROM res_company WHERE id = ?", [company_id])
    if not cur or not currency_id or cur[0][0] == currency_id:
        return amount
    if not env.q("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'res_currency_rate'"):
        return amount

    def rate(cid: int) -> float:
        row = env.q("SELECT rate FROM res_currency_rate WHERE currency_id = ? AND name <= ? AND "
                    "(company_id IS NULL OR company_id = ?) ORDER BY name DESC, company_id DESC LIMIT 1",
                    [cid, day[:10], company_id])
        return float(row[0][0]) if row and row[0][0] else 1.0
    return amount * rate(currency_id) / rate(cur[0][0])


def approval_allowed(env: Env, order_id: int) -> bool:
    """Odoo 18's _approval_allowed: one-step company, or total below the two-step threshold (converted from
    the company currency into the order's), or the user is a purchase manager."""
    from sandbox.access import has_group, is_admin
    row = env.q("SELECT o.amount_total, o.currency_id, o.company_id, o.date_order, c.po_double_validation, "
                "c.po_double_validation_amount FROM purchase_order o JOIN res_company c ON c.id = o.company_id "
                "WHERE o.id = ?", [order_id])
    if not row:
        return True
    total, currency, company, day, mode, threshold = row[0]
    if (mode or "one_step") == "one_step":
        return True
    limit = _company_amount_in(env, float(5000 if threshold is None else threshold), company, currency,
                               day or now_str())
    if float(total or 0) < limit:
        return True
    return is_admin(env) or has_group(env, "purchase.group_purchase_manager")


def _approve(env: Env, model: ModelDef, oid: int, previous: str) -> None:
    """button_approve on one order: purchase (or done when the company locks confirmed orders), receipt."""
    lock = env.q("SELECT c.po_lock FROM purchase_order o JOIN res_company c ON c.id = o.company_id WHERE o.id = ?",
                 [oid])
    env.conn.execute("UPDATE purchase_order SET state = 'purchase', date_approve = ?, write_date = ?, "
                     "write_uid = ? WHERE id = ?", [now_str(), now_str(), env.uid, oid])
    env.conn.execute("UPDATE purchase_order_line SET state = 'purchase' WHERE order_id = ?", [oid])
    create_receipt(env, oid)
    subtype = "purchase.mt_rfq_approved" if previous == "to approve" else "purchase.mt_rfq_confirmed"
    create_message(env.sudo(), model, oid, "", "notification", _subtype(env, subtype))
    if lock and lock[0][0] == "lock":
        _lock_state(env, model, [oid], "purchase", "done")


@specific("purchase.order", "button_confirm")
def button_confirm(env: Env, model: ModelDef, ids: Any) -> bool:
    """Draft/sent orders: approved at once when allowed, else `to approve` (two-step approval)."""
    for oid in _orders(env, model, ids):
        state = env.q("SELECT state FROM purchase_order WHERE id = ?", [oid])[0][0]
        if state not in ("draft", "sent"):
            continue
        if approval_allowed(env, oid):
            _approve(env, model, oid, state)
        else:
            env.conn.execute("UPDATE purchase_order SET state = 'to approve', write_date = ?, write_uid = ? "
                             "WHERE id = ?", [now_str(), env.uid, oid])
            env.conn.execute("UPDATE purchase_order_line SET state = 'to approve' WHERE order_id = ?", [oid])
            create_message(env.sudo(), model, oid, "", "notification", _subtype(env, "purchase.mt_rfq_confirmed"))
        derived.recompute_orders(env, [oid], fill_dates=False)
    env.cache.clear()
    return True


@specific("purchase.order", "button_approve")
def button_approve(env: Env, model: ModelDef, ids: Any, force: bool = False) -> dict[str, Any]:
    """Odoo 18 silently skips the orders the user may not approve (no error, returns {}). Odoo would also
    approve a draft or cancelled order handed to it; the sandbox approves RFQs and `to approve` orders only."""
    for oid in _orders(env, model, ids):
        state = env.q("SELECT state FROM purchase_order WHERE id = ?", [oid])[0][0]
        if state in ("draft", "sent", "to approve") and approval_allowed(env, oid):
            _approve(env, model, oid, state)
            derived.recompute_orders(env, [oid], fill_dates=False)
    env.cache.clear()
    return {}


@specific("purchase.order", "button_cancel")
def button_cancel(env: Env, model: ModelDef, ids: Any) -> None:
    ids = _orders(env, model, ids)
    idl = ",".join(map(str, ids))
    done = [r[0] for r in env.q(f"SELECT DISTINCT purchase_id FROM stock_picking WHERE state = 'done' AND "
                                f"purchase_id IN ({idl})")]
    if done:
        names = env.display_names(model, done)
        raise UserError("Unable to cancel purchase order(s): "
                        f"{', '.join(names[i] for i in done)} since they have receipts that are already done.")
    posted = [oid for oid in ids if any(
        env.q(f"SELECT 1 FROM account_move WHERE id IN ({','.join(map(str, m)) or 'NULL'}) AND state = 'posted'")
        for m in [derived_invoices(env, oid)])]
    if posted:
        raise UserError("Unable to cancel this purchase order. You must first cancel the related vendor bills.")
    now = now_str()
    env.conn.execute(f"UPDATE stock_move SET state = 'cancel', quantity = 0 WHERE state NOT IN ('done','cancel') AND "
                     f"picking_id IN (SELECT id FROM stock_picking WHERE purchase_id IN ({idl}))")
    env.conn.execute(f"UPDATE stock_picking SET state = 'cancel', write_date = ? WHERE state NOT IN ('done','cancel') "
                     f"AND purchase_id IN ({idl})", [now])
    env.conn.execute(f"UPDATE purchase_order SET state = 'cancel', write_date = ?, write_uid = ? WHERE id IN ({idl})",
                     [now, env.uid])
    env.conn.execute(f"UPDATE purchase_order_line SET state = 'cancel' WHERE order_id IN ({idl})")
    for oid in ids:  # Odoo tracks the state change: a notification authored by the user
        create_message(env.sudo(), model, oid, "", "notification", _subtype(env, "mail.mt_note"))
    derived.recompute_orders(env, ids, fill_dates=False)
    env.cache.clear()
    return None


def derived_invoices(env: Env, oid: int) -> list[int]:
    from sandbox.orm.compute import po_invoice_map
    return po_invoice_map(env, [oid])[oid]


@specific("purchase.order", "button_draft")
def button_draft(env: Env, model: ModelDef, ids: Any) -> dict[str, Any]:
    ids = _orders(env, model, ids)
    idl = ",".join(map(str, ids))
    env.conn.execute(f"UPDATE purchase_order SET state = 'draft' WHERE state = 'cancel' AND id IN ({idl})")
    env.conn.execute(f"UPDATE purchase_order_line SET state = 'draft' WHERE order_id IN ({idl}) AND "
                     f"(SELECT state FROM purchase_order o WHERE o.id = order_id) = 'draft'")
    derived.recompute_orders(env, ids, fill_dates=False)
    return {}


def _lock_state(env: Env, model: ModelDef, ids: Any, frm: str, to: str) -> bool:
    """Lock (purchase -> done) or unlock (done -> purchase) orders and their lines."""
    ids = _orders(env, model, ids)
    idl = ",".join(map(str, ids))
    env.conn.execute(f"UPDATE purchase_order SET state = '{to}' WHERE state = '{frm}' AND id IN ({idl})")
    env.conn.execute(f"UPDATE purchase_order_line SET state = '{to}' WHERE order_id IN ({idl}) AND state = '{frm}'")
    return True


@specific("purchase.order", "button_done")
def button_done(env: Env, model: ModelDef, ids: Any) -> bool:
    return _lock_state(env, model, ids, "purchase", "done")


@specific("purchase.order", "button_unlock")
def button_unlock(env: Env, model: ModelDef, ids: Any) -> bool:
    return _lock_state(env, model, ids, "done", "purchase")


@specific("purchase.order", "action_rfq_send")
def action_rfq_send(env: Env, model: ModelDef, ids: Any) -> dict[str, Any]:
    ids = _orders(env, model, ids)
    return {"name": "Compose Email", "type": "ir.actions.act_window", "view_mode": "form",
            "res_model": "mail.compose.message", "views": [[False, "form"]], "view_id": False, "target": "new",
            "context": {"default_model": "purchase.order", "active_model": "purchase.order", "active_id": ids[0],
                        "default_res_ids": ids, "default_template_id": False, "default_composition_mode": "comment",
                        "default_email_layout_xmlid": "mail.mail_notification_layout_with_responsible_signature",
                        "email_notification_allow_footer": True, "force_email": True, "mark_rfq_as_sent": True,
                        "model_description": "Request for Quotation"}}


@specific("purchase.order", "action_create_invoice")
def action_create_invoice(env: Env, model: ModelDef, ids: Any) -> dict[str, Any]:
    ids = _orders(env, model, ids)
    bills = []
    am = env.model("account.move")
    for oid in ids:
        po = env.q("SELECT name, partner_id, partner_ref, user_id, currency_id, company_id, payment_term_id "
                   "FROM purchase_order WHERE id = ?", [oid])[0]
        lines = env.q("SELECT id, product_id, name, qty_to_invoice, price_unit, product_uom, discount FROM "
                      "purchase_order_line WHERE order_id = ? AND display_type IS NULL AND qty_to_invoice > 0.00001 "
                      "ORDER BY sequence, id", [oid])
        if not lines:
            continue
        commercial = env.q("SELECT commercial_partner_id FROM res_partner WHERE id = ?", [po[1]])[0][0]
        vals = {"move_type": "in_invoice", "partner_id": po[1], "commercial_partner_id": commercial or po[1],
                "ref": po[2] or False, "invoice_origin": po[0], "invoice_user_id": po[3], "currency_id": po[4] or 1,
                "company_id": po[5] or 1, "state": "draft", "name": "/", "payment_state": "not_paid",
                # Odoo's _prepare_invoice copies the PO's payment terms onto the bill
                "invoice_payment_term_id": po[6] or False,
                "invoice_line_ids": [(0, 0, {
                    "product_id": prod, "name": f"{po[0]}: {lname}", "quantity": qty, "price_unit": price,
                    "product_uom_id": uom, "purchase_line_id": lid, "discount": disc or 0.0, "partner_id": po[1],
                    "display_type": "product", "currency_id": po[4] or 1})
                    for lid, prod, lname, qty, price, uom, disc in lines]}
        bills += env.create(am, [vals])
    if not bills:
        raise UserError("There is no invoiceable line. If a product has a control policy based on received quantity, "
                        "please make sure that a quantity has been received.")
    action: dict[str, Any] = {"name": "Vendor Bills", "type": "ir.actions.act_window", "res_model": "account.move",
                              "context": {"default_move_type": "in_invoice"}, "target": "current",
                              "domain": [["id", "in", bills]], "views": [[False, "list"], [False, "form"]],
                              "view_mode": "list,form"}
    if len(bills) == 1:
        action.update(views=[[False, "form"]], view_mode="form", res_id=bills[0])
    return action


@specific("purchase.order", "action_view_picking")
def action_view_picking(env: Env, model: ModelDef, ids: Any) -> dict[str, Any]:
    ids = _orders(env, model, ids)
    from sandbox.orm.compute import po_picking_map
    picks = [p for v in po_picking_map(env, ids).values() for p in v]
    return {"name": "Receipts", "type": "ir.actions.act_window", "res_model": "stock.picking",
            "domain": [["id", "in", picks]], "views": [[False, "list"], [False, "form"]], "context": {}}
