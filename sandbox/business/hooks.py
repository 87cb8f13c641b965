"""What Odoo does around create/write/unlink for the models we serve: defaults, sequences, line
completion from the vendor pricelist, cascades (picking date -> moves), recomputes and refusals."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sandbox.business import derived, sequences
from sandbox.errors import UserError
from sandbox.orm.model import ModelDef
from sandbox.orm.schema import PO_STATES as PO_STATE_LABELS

if TYPE_CHECKING:
    from sandbox.orm.env import Env


def _now() -> str:
    from sandbox.orm.env import now_str
    return now_str()


def _today() -> str:
    return _now()[:10]


COMMON_DEFAULTS: dict[str, Any] = {"active": True}


def defaults(env: Env, model: ModelDef, vals: dict[str, Any]) -> dict[str, Any]:
    """Odoo's default values (also what ``default_get`` returns)."""
    out = dict(vals)
    d = default_values(env, model, vals)
    for k, v in d.items():
        if k not in out and k in model.fields:
            out[k] = v
    return out


def default_values(env: Env, model: ModelDef, vals: dict[str, Any] | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {}
    vals = vals or {}
    company = vals.get("company_id") if isinstance(vals.get("company_id"), int) else current_company(env)
    if model.has_active:
        d["active"] = True
    if "company_id" in model.fields and model.fields["company_id"].column and model.name not in (
            "res.partner", "product.template", "product.supplierinfo", "ir.sequence", "account.payment.term",
            "res.currency.rate"):
        d["company_id"] = company
    if "currency_id" in model.fields and model.fields["currency_id"].column:
        d["currency_id"] = company_currency(env, company)
    n = model.name
    if n == "purchase.order":
        d.update(state="draft", date_order=_now(), user_id=env.uid, priority="0", invoice_status="no",
                 picking_type_id=_default_in_type(env, company))
    elif n == "purchase.order.line":
        d.update(qty_received_method="stock_moves", product_qty=1.0, discount=0.0, qty_received_manual=0.0)
    elif n == "stock.picking":
        d.update(state="draft", priority="0", move_type="direct", scheduled_date=_now(), date=_now(),
                 user_id=env.uid)
    elif n == "stock.move":
        d.update(state="draft", procure_method="make_to_stock", date=_now(), quantity=0.0, picked=False)
    elif n == "account.move":
        d.update(state="draft", move_type="entry", name="/", payment_state="not_paid", date=_today())
    elif n == "account.move.line":
        d.update(display_type="product", quantity=1.0)
    elif n == "mail.message":
        d.update(message_type="comment", date=_now(), author_id=_user_partner(env))
    elif n == "mail.activity":
        d.update(user_id=env.uid, date_deadline=_today(), automated=False)
    elif n == "res.partner":
        d.update(type="contact", is_company=False, supplier_rank=0, customer_rank=0, lang="en_US")
    elif n == "stock.warehouse.orderpoint":
        d.update(trigger="auto", qty_multiple=1.0, product_min_qty=0.0, product_max_qty=0.0)
    elif n == "product.template":
        d.update(type="consu", tracking="none", purchase_ok=True, sale_ok=True, purchase_method="receive",
                 uom_id=1, uom_po_id=1, categ_id=1, is_storable=False)
    elif n == "product.supplierinfo":
        d.update(min_qty=0.0, delay=1, currency_id=1, price=0.0, sequence=1)
    return d


def current_company(env: Env) -> int:
    """Odoo's env.company: the first of the context's allowed_company_ids, else the user's company."""
    allowed = env.context.get("allowed_company_ids")
    if isinstance(allowed, (list, tuple)) and allowed and isinstance(allowed[0], int):
        if not env.su:
            env.company_ids()  # a company the user lacks raises, as Odoo's env.company does
        return int(allowed[0])
    row = env.q("SELECT company_id FROM res_users WHERE id = ?", [env.uid])
    return int(row[0][0]) if row and row[0][0] else 1


def company_currency(env: Env, company: int | None) -> int:
    row = env.q("SELECT currency_id FROM res_company WHERE id = ?", [company or 1])
    return int(row[0][0]) if row and row[0][0] else 1


def _default_in_type(env: Env, company: int | None = None) -> int | None:
    """Odoo's _get_picking_type: the company's first incoming type of a warehouse, else any of the company."""
    row = env.q("SELECT t.id FROM stock_picking_type t LEFT JOIN stock_warehouse w ON w.id = t.warehouse_id "
                "WHERE t.code = 'incoming' AND t.active = 1 AND (? IS NULL OR w.company_id = ?) "
                "ORDER BY t.sequence, t.id LIMIT 1", [company, company])
    if not row:
        row = env.q("SELECT id FROM stock_picking_type WHERE code = 'incoming' AND active = 1 "
                    "ORDER BY sequence, id LIMIT 1")
    return row[0][0] if row else None


def _user_partner(env: Env) -> int | None:
    row = env.q("SELECT partner_id FROM res_users WHERE id = ?", [env.uid])
    return row[0][0] if row else None


def _seller(env: Env, product_id: int, partner_id: int | None, qty: float,
            company: int | None = None) -> tuple[Any, ...] | None:
    """Odoo's _select_seller: (price, delay, min_qty, currency_id) of the vendor's best row; the rule for a
    variant (product_id set) before the template's, company rows and shared rows."""
    rows = env.q(
        "SELECT s.price, s.delay, s.min_qty, s.currency_id FROM product_supplierinfo s JOIN product_product p "
        "ON p.product_tmpl_id = s.product_tmpl_id WHERE p.id = ? AND s.partner_id = ? "
        "AND (s.product_id IS NULL OR s.product_id = p.id) AND s.min_qty <= ? "
        "AND (? IS NULL OR s.company_id IS NULL OR s.company_id = ?) "
        "AND (s.date_start IS NULL OR s.date_start <= date('now')) AND (s.date_end IS NULL OR s.date_end >= date('now')) "
        "ORDER BY s.sequence, s.min_qty DESC, s.price, s.id LIMIT 1", [product_id, partner_id, qty, company, company])
    return rows[0] if rows else None


def _uom_factor(env: Env, uom_id: int | None) -> float:
    row = env.q("SELECT factor FROM uom_uom WHERE id = ?", [uom_id]) if uom_id else []
    return float(row[0][0]) if row and row[0][0] else 1.0


def seller_price(env: Env, seller: tuple[Any, ...], seller_uom: int | None, line_uom: int | None,
                 currency: int | None, company: int | None, day: str) -> float:
    """The vendor price in the order's currency and the line's UoM, as Odoo's
    _compute_price_unit_and_date_planned_and_name (currency first, rounded to the currency, then UoM)."""
    from sandbox.business.currency import convert, decimals
    price = float(seller[0])
    if seller[3] and currency and seller[3] != currency:
        price = round(convert(env, price, int(seller[3]), int(currency), company, day), max(decimals(env, currency), 2))
    if seller_uom and line_uom and seller_uom != line_uom:
        # uom._compute_price: price per seller unit -> per line unit (factor = units of uom per reference unit)
        price = price * _uom_factor(env, seller_uom) / _uom_factor(env, line_uom)
    return price


def before_create(env: Env, model: ModelDef, vals: dict[str, Any]) -> None:
    n = model.name
    if n == "purchase.order":
        if not vals.get("name") or vals.get("name") == "New":
            vals["name"] = sequences.po_name(env, vals.get("company_id"), vals.get("date_order"))
    elif n == "purchase.order.line" and vals.get("product_id") and not vals.get("display_type"):
        order = env.q("SELECT partner_id, date_order, state, currency_id, company_id FROM purchase_order "
                      "WHERE id = ?", [vals.get("order_id")])
        partner, date_order, state, currency, company = order[0] if order else (None, _now(), "draft", None, None)
        vals.setdefault("state", state)
        prod = env.q("SELECT t.name, p.default_code, t.uom_po_id FROM product_product p JOIN product_template t "
                     "ON t.id = p.product_tmpl_id WHERE p.id = ?", [vals["product_id"]])
        uom_po = None
        if prod:
            name, code, uom_po = prod[0]
            if "name" not in vals:
                vals["name"] = env.display_names(env.model("product.product"), [vals["product_id"]]).get(
                    vals["product_id"]) or (f"[{code}] {name}" if code else name)
            vals.setdefault("product_uom", uom_po)
        seller = _seller(env, vals["product_id"], partner, float(vals.get("product_qty") or 1.0), company)
        if "price_unit" not in vals:
            vals["price_unit"] = seller_price(env, seller, uom_po, vals.get("product_uom"), currency, company,
                                              (date_order or _now())[:10]) if seller else 0.0
        if not vals.get("date_planned"):
            delay = int(seller[1]) if seller else 0
            base = datetime.strptime((date_order or _now())[:19], "%Y-%m-%d %H:%M:%S")
            vals["date_planned"] = (base + timedelta(days=delay)).strftime("%Y-%m-%d %H:%M:%S")
    elif n == "stock.picking" and not vals.get("name") and vals.get("picking_type_id"):
        vals["name"] = sequences.picking_name(env, vals["picking_type_id"])
        if not vals.get("location_id") or not vals.get("location_dest_id"):
            t = env.q("SELECT default_location_src_id, default_location_dest_id FROM stock_picking_type WHERE id = ?",
                      [vals["picking_type_id"]])
            if t:
                vals.setdefault("location_id", t[0][0])
                vals.setdefault("location_dest_id", t[0][1])
    elif n == "stock.warehouse.orderpoint" and not vals.get("name"):
        vals["name"] = sequences.orderpoint_name(env, vals.get("company_id"))
    elif n == "mail.message" and vals.get("model") in env.registry and vals.get("res_id"):
        # mail.message's create rule: the author may post on a document they may write (read for partners)
        doc = env.registry[vals["model"]]
        env.ensure(doc, [int(vals["res_id"])])
        env.check_access(doc, "read" if doc.name == "res.partner" else "write")
    elif n == "mail.activity":
        if vals.get("res_model_id") and vals.get("res_id"):
            mname = env.q("SELECT model FROM ir_model WHERE id = ?", [vals["res_model_id"]])
            if mname and mname[0][0] in env.registry:
                target = env.registry[mname[0][0]]
                env.ensure(target, [vals["res_id"]])
                vals.setdefault("res_name", env.display_names(target, [vals["res_id"]]).get(vals["res_id"]))
    elif n == "res.partner":
        vals.setdefault("complete_name", vals.get("name"))
    elif n == "product.product" and not vals.get("product_tmpl_id"):
        tmpl_fields = {k: vals.pop(k) for k in list(vals) if model.fields[k].related
                       and (model.fields[k].related or "").startswith("product_tmpl_id.")}
        from sandbox.orm.writing import create
        tmpl = env.model("product.template")
        vals["product_tmpl_id"] = create(env.sudo().with_context(create_product_product=False), tmpl,
                                         [{k.split(".")[-1]: v for k, v in tmpl_fields.items()}])[0]


def _set_password(env: Env, ids: list[int], password: Any) -> None:
    from sandbox import passwords
    from sandbox.errors import UserError as _UserError
    if not isinstance(password, str) or not password:
        raise _UserError("Setting empty passwords is not allowed for security reasons!")
    crypt = passwords.hash_password(password)
    env.conn.execute(f"UPDATE res_users SET password_crypt = ? WHERE id IN ({','.join(map(str, ids))})", [crypt])


# mail.thread logs "<description> created" on create for models with tracked fields
CREATION_MESSAGES = {"purchase.order": "Purchase Order created", "res.partner": "Contact created",
                     "stock.picking": "Transfer created"}


def after_create(env: Env, model: ModelDef, rid: int, vals: dict[str, Any]) -> None:
    n = model.name
    if n == "res.users" and vals.get("password"):
        _set_password(env, [rid], vals["password"])
    if n == "purchase.order":
        derived.recompute_orders(env, [rid], fill_dates=True)
    elif n == "purchase.order.line":
        oid, state = env.q("SELECT l.order_id, o.state FROM purchase_order_line l JOIN purchase_order o "
                           "ON o.id = l.order_id WHERE l.id = ?", [rid])[0]
        env.conn.execute("UPDATE purchase_order SET date_planned = NULL WHERE id = ?", [oid])
        if state == "purchase":
            sync_line_moves(env, [rid])
        derived.recompute_orders(env, [oid])
    elif n == "res.partner":
        _partner_names(env, [rid])
    elif n in ("account.move", "account.move.line"):
        mid = rid if n == "account.move" else env.q("SELECT move_id FROM account_move_line WHERE id = ?", [rid])[0][0]
        derived.recompute_bills(env, [mid])
        derived.recompute_orders(env, derived.orders_of_moves(env, [mid]))
    elif n == "stock.location":
        _location_paths(env)
    elif n == "product.template" and env.context.get("create_product_product", True) and not env.q(
            "SELECT 1 FROM product_product WHERE product_tmpl_id = ?", [rid]):
        # Odoo creates the template's variant with it (no attributes: one product.product)
        t = env.q("SELECT default_code, barcode, active, standard_price FROM product_template WHERE id = ?", [rid])[0]
        from sandbox.orm.writing import create as create_rows
        create_rows(env.sudo().with_context(create_product_product=False), env.model("product.product"), [{
            "product_tmpl_id": rid, "default_code": t[0], "barcode": t[1],
            "active": bool(t[2]) if t[2] is not None else True, "standard_price": t[3] or 0.0}])
    if n in CREATION_MESSAGES:
        from sandbox.business.mail import log_note
        log_note(env, model, rid, f"<p>{CREATION_MESSAGES[n]}</p>")


def before_write(env: Env, model: ModelDef, ids: list[int], vals: dict[str, Any]) -> None:
    if model.name == "purchase.order" and "state" in vals and vals["state"] not in ("draft", "sent", "purchase",
                                                                                   "done", "cancel", "to approve"):
        return


def after_write(env: Env, model: ModelDef, ids: list[int], vals: dict[str, Any]) -> None:
    n = model.name
    if n == "res.users" and "password" in vals:
        _set_password(env, ids, vals["password"])
    if n == "stock.picking" and "scheduled_date" in vals:
        idl = ",".join(map(str, ids))
        env.conn.execute(f"UPDATE stock_move SET date = (SELECT scheduled_date FROM stock_picking p WHERE "
                         f"p.id = stock_move.picking_id) WHERE picking_id IN ({idl}) AND state NOT IN ('done','cancel')")
        env.conn.execute(f"UPDATE stock_picking SET has_deadline_issue = CASE WHEN date_deadline IS NOT NULL AND "
                         f"scheduled_date > date_deadline THEN 1 ELSE 0 END WHERE id IN ({idl})")
        from sandbox.business import mail
        for pid in ids:
            mail.post_tracking(env, "stock.picking", pid, "Scheduled Date", None, vals["scheduled_date"])
    if n == "purchase.order":
        derived.recompute_orders(env, ids, fill_dates=False)
    elif n == "purchase.order.line":
        oids = [r[0] for r in env.q(f"SELECT DISTINCT order_id FROM purchase_order_line WHERE id IN "
                                    f"({','.join(map(str, ids))})")]
        if "product_qty" in vals:
            sync_line_moves(env, ids)
        if "date_planned" in vals:
            idl = ",".join(map(str, ids))
            env.conn.execute(f"UPDATE stock_move SET date_deadline = (SELECT date_planned FROM purchase_order_line l "
                             f"WHERE l.id = stock_move.purchase_line_id) WHERE purchase_line_id IN ({idl}) "
                             f"AND state NOT IN ('done','cancel')")
            env.conn.execute(f"UPDATE stock_picking SET date_deadline = (SELECT MIN(m.date_deadline) FROM stock_move m "
                             f"WHERE m.picking_id = stock_picking.id) WHERE id IN (SELECT picking_id FROM stock_move "
                             f"WHERE purchase_line_id IN ({idl})) AND state NOT IN ('done','cancel')")
            env.conn.execute(f"UPDATE stock_picking SET has_deadline_issue = CASE WHEN date_deadline IS NOT NULL AND "
                             f"scheduled_date > date_deadline THEN 1 ELSE 0 END WHERE id IN (SELECT picking_id FROM "
                             f"stock_move WHERE purchase_line_id IN ({idl}))")
            env.conn.execute(f"UPDATE purchase_order SET date_planned = (SELECT MIN(date_planned) FROM "
                             f"purchase_order_line l WHERE l.order_id = purchase_order.id) WHERE id IN "
                             f"({','.join(map(str, oids))})")
        derived.recompute_orders(env, oids, fill_dates=False)
    elif n in ("account.move", "account.move.line"):
        mids = ids if n == "account.move" else [r[0] for r in env.q(
            f"SELECT DISTINCT move_id FROM account_move_line WHERE id IN ({','.join(map(str, ids))})")]
        derived.recompute_bills(env, mids)
        derived.recompute_orders(env, derived.orders_of_moves(env, mids))
    elif n == "res.partner" and ("name" in vals or "parent_id" in vals):
        _partner_names(env, ids)
    elif n == "stock.move":
        oids = [r[0] for r in env.q(f"SELECT DISTINCT l.order_id FROM stock_move m JOIN purchase_order_line l ON "
                                    f"l.id = m.purchase_line_id WHERE m.id IN ({','.join(map(str, ids))})")]
        derived.recompute_orders(env, oids, fill_dates=False)


def sync_line_moves(env: Env, line_ids: list[int]) -> None:
    """Odoo's _create_or_update_picking: a confirmed line's open move follows its quantity; a new line on a
    confirmed PO gets a move in the open receipt (or a new receipt)."""
    from sandbox.business.purchase import create_receipt
    for lid in line_ids:
        derived.recompute_lines(env, [r[0] for r in env.q("SELECT order_id FROM purchase_order_line WHERE id = ?",
                                                         [lid])])
        row = env.q("SELECT l.order_id, l.product_uom_qty, o.state, l.display_type, t.uom_id FROM purchase_order_line l "
                    "JOIN purchase_order o ON o.id = l.order_id JOIN product_product p ON p.id = l.product_id "
                    "JOIN product_template t ON t.id = p.product_tmpl_id WHERE l.id = ?", [lid])
        if not row or row[0][2] != "purchase" or row[0][3]:
            continue
        oid, qty, product_uom = row[0][0], row[0][1] or 0.0, row[0][4]
        # everything in the product's UoM (moves may be in another UoM: convert with the factors)
        done = env.q("SELECT COALESCE(SUM(m.quantity * COALESCE((SELECT pu.factor / mu.factor FROM uom_uom mu, uom_uom pu "
                     "WHERE mu.id = m.product_uom AND pu.id = ? AND mu.factor > 0), 1.0)), 0) FROM stock_move m "
                     "WHERE m.purchase_line_id = ? AND m.state = 'done'", [product_uom, lid])[0][0]
        open_moves = env.q("SELECT m.id, COALESCE((SELECT mu.factor / pu.factor FROM uom_uom mu, uom_uom pu WHERE "
                           "mu.id = m.product_uom AND pu.id = ? AND pu.factor > 0), 1.0) FROM stock_move m WHERE "
                           "m.purchase_line_id = ? AND m.state NOT IN ('done','cancel') ORDER BY m.id", [product_uom, lid])
        remaining = max(qty - done, 0.0)
        if open_moves:
            in_move_uom = remaining * open_moves[0][1]
            env.conn.execute("UPDATE stock_move SET product_uom_qty = ?, product_qty = ?, quantity = CASE WHEN "
                             "state = 'assigned' THEN ? ELSE quantity END WHERE id = ?",
                             [in_move_uom, remaining, in_move_uom, open_moves[0][0]])
            continue
        if remaining <= 0:
            continue
        pick = env.q("SELECT id FROM stock_picking WHERE purchase_id = ? AND state NOT IN ('done','cancel') "
                     "ORDER BY id LIMIT 1", [oid])
        if not pick:
            create_receipt(env, oid, only_lines=[lid])
            continue
        create_receipt(env, oid, only_lines=[lid], picking_id=pick[0][0])


def before_unlink(env: Env, model: ModelDef, ids: list[int]) -> None:
    if model.name == "purchase.order.line":
        states = env.q(f"SELECT o.state FROM purchase_order_line l JOIN purchase_order o ON o.id = l.order_id "
                       f"WHERE l.id IN ({','.join(map(str, ids))})")
        for (state,) in states:
            if state in ("purchase", "done"):
                label = dict(PO_STATE_LABELS).get(state, state)
                raise UserError(f"Cannot delete a purchase order line which is in state “{label}”.")
    if model.name == "purchase.order":
        states = [r[0] for r in env.q(f"SELECT state FROM purchase_order WHERE id IN ({','.join(map(str, ids))})")]
        if any(s != "cancel" for s in states):  # Odoo 18 deletes cancelled orders only (drafts too)
            raise UserError("In order to delete a purchase order, you must cancel it first.")
    if model.name == "account.move":
        states = [r[0] for r in env.q(f"SELECT state FROM account_move WHERE id IN ({','.join(map(str, ids))})")]
        if "posted" in states:
            raise UserError("You cannot delete an entry which has been posted once.")


def _partner_names(env: Env, ids: list[int]) -> None:
    idl = ",".join(map(str, ids))
    env.conn.execute(f"""UPDATE res_partner SET complete_name = CASE
        WHEN parent_id IS NOT NULL AND COALESCE(is_company, 0) = 0 AND name IS NOT NULL
          THEN (SELECT p.name FROM res_partner p WHERE p.id = res_partner.parent_id) || ', ' || name
        ELSE name END,
        commercial_partner_id = CASE WHEN COALESCE(is_company, 0) = 0 AND parent_id IS NOT NULL
          THEN COALESCE((SELECT p.commercial_partner_id FROM res_partner p WHERE p.id = res_partner.parent_id), parent_id)
          ELSE id END
        WHERE id IN ({idl})""")


def _location_paths(env: Env) -> None:
    from sandbox.store import derive_location_paths
    derive_location_paths(env.conn)
