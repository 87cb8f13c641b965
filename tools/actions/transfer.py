"""transfer_stock: move stock from one warehouse to another with an internal transfer in Odoo.

How Odoo 18 does it without extra configuration: every warehouse has an "Internal Transfers" operation type
(`stock.warehouse.int_type_id`, code `internal`; Odoo activates it as soon as a company has a second warehouse,
because that turns on Storage Locations). Quartermaster creates ONE stock.picking of the SOURCE warehouse's
internal type, from the source warehouse's stock location (`lot_stock_id`) straight to the destination's, with one
stock.move, then `action_confirm` (Odoo reserves what is free at the source: Ready, or Waiting when it is not).
The resupply routes ("Supply Product from <WH>", via the `Inter-warehouse transit` location) would need
resupply_wh_ids and routes set per warehouse — configuration a plain Odoo does not have — so they are not used.

Governance: the amount is the value moved (quantity × the product's cost, company currency; never shown to the
warehouse role); the policy's transfer rules decide who approves. Refused when the source has less free stock than
asked; the evidence says when the transfer takes the source below its own reorder minimum.
Idempotency: the picking's `origin` is `QM-<proposal id>`; a retry searches for it first.
Staleness: the source's free quantity is re-read before the write; less than asked makes the proposal stale.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from pydantic import BaseModel, Field

from tools.actions.common import m2o_id, m2o_name, propose, require
from tools.base import ToolContext, ToolError, ToolResult, tool
from tools.governance.executor import StaleProposal, marker
from tools.governance.proposals import Proposal
from tools.odoo.client import OdooClient
from tools.odoo.resolve import (
    company_today,
    company_tz,
    parse_date_phrase,
    resolve_product,
    resolve_warehouse,
)

MAX_QTY = 100_000
ODOO_FMT = "%Y-%m-%d %H:%M:%S"
PRODUCT_SPEC: dict[str, Any] = {"uom_id": {"fields": {"display_name": {}}}, "standard_price": {},
                                "orderpoint_ids": {"fields": {"warehouse_id": {}, "product_min_qty": {},
                                                              "active": {}}}}
QTY_SPEC: dict[str, Any] = {"qty_available": {}, "free_qty": {}, "virtual_available": {}}


class TransferStockArgs(BaseModel):
    product: str = Field(..., min_length=1, max_length=128, description="Product code or name")
    quantity: float = Field(..., gt=0, le=MAX_QTY, description="Quantity to move")
    from_warehouse: str = Field(..., min_length=1, max_length=64, description="Source warehouse")
    to_warehouse: str = Field(..., min_length=1, max_length=64, description="Destination warehouse")
    date: str | None = Field(None, description="YYYY-MM-DD", max_length=64)


def reorder_min(product: dict[str, Any], wh_id: int) -> float:
    for op in product.get("orderpoint_ids") or []:
        if m2o_id(op.get("warehouse_id")) == wh_id and op.get("active", True) is not False:
            return float(op.get("product_min_qty") or 0)
    return 0.0


def quantities(odoo: OdooClient, product_id: int, wh_id: int) -> dict[str, float]:
    """Odoo's own on hand / free / forecast of the product in one warehouse (context `warehouse_id`)."""
    rows = odoo.web_read("product.product", [product_id], QTY_SPEC, context={"warehouse_id": wh_id})
    r = rows[0] if rows else {}
    return {k: float(r.get(k) or 0) for k in QTY_SPEC}


def internal_type(odoo: OdooClient, wh: dict[str, Any]) -> dict[str, Any]:
    """The source warehouse's Internal Transfers operation type, or one clear refusal."""
    rows = odoo.read("stock.warehouse", [int(wh["id"])], ["int_type_id", "lot_stock_id", "company_id"])
    tid = m2o_id(rows[0].get("int_type_id")) if rows else None
    if not tid:
        raise ToolError(f"Warehouse {wh['code']} has no internal transfer operation in Odoo; nothing proposed.",
                        code="misconfigured")
    types = odoo.execute_kw("stock.picking.type", "read", [[tid], ["display_name", "active", "code"]],
                            {"context": {"active_test": False}})
    t = types[0] if types else {}
    if t.get("active") is False:
        raise ToolError(f"{t.get('display_name')} is archived in Odoo (turn on Storage Locations in Inventory "
                        "settings); nothing proposed.", code="misconfigured")
    return {"id": tid, "label": str(t.get("display_name") or f"operation type {tid}"),
            "src": m2o_id(rows[0].get("lot_stock_id")), "src_name": m2o_name(rows[0].get("lot_stock_id")),
            "company_id": m2o_id(rows[0].get("company_id"))}


def _when(ctx: ToolContext, text: str | None) -> datetime:
    today = company_today(company_tz(ctx.odoo), ctx.now())
    if not text:
        return ctx.now().replace(microsecond=0)
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        rng = parse_date_phrase(text.strip(), today)
        if rng.start is None:
            raise ToolError(f"'{text}' is not a date I can read; give YYYY-MM-DD.", code="bad_date") from None
        day = rng.start
    require(day >= today, f"{day} is in the past (today is {today}). Nothing proposed.", "bad_date")
    return datetime.combine(day, time(12, 0)) if day > today else ctx.now().replace(microsecond=0)


@tool(TransferStockArgs, kind="propose")
def transfer_stock(ctx: ToolContext, args: TransferStockArgs) -> ToolResult:
    """Propose an internal transfer between two warehouses (instead of buying)."""
    odoo = ctx.odoo
    src, dst = resolve_warehouse(odoo, args.from_warehouse), resolve_warehouse(odoo, args.to_warehouse)
    require(src["id"] != dst["id"], f"From and to are both {src['code']}. Nothing proposed.", "same_warehouse")
    require(m2o_id(src.get("company_id")) == m2o_id(dst.get("company_id")),
            f"{src['code']} and {dst['code']} belong to different companies; an internal transfer cannot cross "
            "companies. Nothing proposed.", "wrong_company")
    prod = resolve_product(odoo, args.product, specification=PRODUCT_SPEC)
    label = str(prod.get("default_code") or prod.get("display_name"))
    uom = prod.get("uom_id")
    unit = uom.get("display_name") if isinstance(uom, dict) else ""
    uom_id = uom.get("id") if isinstance(uom, dict) else m2o_id(uom)
    optype = internal_type(odoo, src)
    dst_loc = m2o_id(dst.get("lot_stock_id"))
    require(bool(optype["src"] and dst_loc), "A warehouse has no stock location in Odoo. Nothing proposed.",
            "misconfigured")
    have, need = quantities(odoo, int(prod["id"]), int(src["id"])), quantities(odoo, int(prod["id"]), int(dst["id"]))
    src_min, dst_min = reorder_min(prod, int(src["id"])), reorder_min(prod, int(dst["id"]))
    require(have["free_qty"] >= args.quantity,
            f"{src['code']} has only {have['free_qty']:g} {unit} of {label} free (on hand {have['qty_available']:g}); "
            f"{args.quantity:g} cannot be transferred. Nothing proposed.", "not_enough")
    when = _when(ctx, args.date)
    left = have["free_qty"] - args.quantity
    warnings = []
    if left < src_min:
        warnings.append(f"leaves {src['code']} with {left:g} free, below its reorder minimum {src_min:g}")
    summary = (f"transfer {args.quantity:g} {unit} {label} from {src['code']} to {dst['code']} on {when:%Y-%m-%d} "
               f"({optype['label']}, {optype['src_name']} → {m2o_name(dst.get('lot_stock_id'))})")
    if warnings:
        summary += "; warning: " + "; ".join(warnings)
    value = round(args.quantity * float(prod.get("standard_price") or 0), 2)
    return propose(ctx, "transfer_stock",
                   args={"product_id": prod["id"], "product": label, "quantity": args.quantity, "uom_id": uom_id,
                         "uom": unit, "from_warehouse_id": src["id"], "from_warehouse": src["code"],
                         "to_warehouse_id": dst["id"], "to_warehouse": dst["code"], "picking_type_id": optype["id"],
                         "operation": optype["label"], "location_id": optype["src"], "location_dest_id": dst_loc,
                         "company_id": optype["company_id"], "scheduled_date": when.strftime(ODOO_FMT)},
                   summary=summary,
                   before_after={f"{src['code']} free": [have["free_qty"], left],
                                 f"{dst['code']} on hand": [need["qty_available"], need["qty_available"] + args.quantity]},
                   evidence={"source_free": have["free_qty"], "source_on_hand": have["qty_available"],
                             "source_min": src_min, "destination_on_hand": need["qty_available"],
                             "destination_forecast": need["virtual_available"], "destination_min": dst_min,
                             "warnings": warnings},
                   amount=value, odoo_ref=f"product.product,{prod['id']}", show_amount=False)


class TransferExecutor:
    PICK_FIELDS = ["name", "state", "origin", "picking_type_id", "location_id", "location_dest_id", "move_ids"]

    def _read_back(self, odoo: OdooClient, proposal: Proposal, pid: int, *, found: bool = False) -> dict[str, Any]:
        a = proposal.args
        rows = odoo.read("stock.picking", [pid], self.PICK_FIELDS)
        pick: dict[str, Any] = rows[0] if rows else {"name": f"stock.picking {pid}", "state": "?", "move_ids": []}
        moves = odoo.read("stock.move", [int(m) for m in pick.get("move_ids") or []], ["product_uom_qty", "quantity", "state"])
        reserved = sum(float(m.get("quantity") or 0) for m in moves)
        state = {"assigned": "ready (stock reserved)", "confirmed": "waiting for stock", "waiting": "waiting",
                 "draft": "draft", "done": "done", "cancel": "cancelled"}.get(str(pick.get("state")), pick.get("state"))
        msg = (f"Transfer {pick['name']} {'found' if found else 'created'} in Odoo: {a['quantity']:g} {a.get('uom') or ''} "
               f"{a['product']} from {a['from_warehouse']} to {a['to_warehouse']} ({a['operation']}); {state}, "
               f"{reserved:g} reserved.")
        return {"picking_id": pid, "picking": pick["name"], "state": pick.get("state"), "reserved": reserved,
                "message": msg.replace("  ", " ")}

    def reconcile(self, odoo: OdooClient, proposal: Proposal) -> dict[str, Any] | None:
        rows = odoo.search_read("stock.picking", [("origin", "=", marker(proposal.id))], ["id"], limit=1)
        return self._read_back(odoo, proposal, int(rows[0]["id"]), found=True) if rows else None

    def revalidate(self, odoo: OdooClient, proposal: Proposal) -> str | None:
        a = proposal.args
        have = quantities(odoo, int(a["product_id"]), int(a["from_warehouse_id"]))
        if have["free_qty"] < float(a["quantity"]):
            raise StaleProposal(f"{a['from_warehouse']} now has only {have['free_qty']:g} of {a['product']} free "
                                f"(was {proposal.evidence.get('source_free')})")
        return None

    def execute(self, odoo: OdooClient, proposal: Proposal) -> dict[str, Any]:
        a = proposal.args
        move = {"name": a["product"], "product_id": a["product_id"], "product_uom_qty": a["quantity"],
                "product_uom": a["uom_id"], "location_id": a["location_id"], "location_dest_id": a["location_dest_id"],
                "date": a["scheduled_date"]}
        vals: dict[str, Any] = {"picking_type_id": a["picking_type_id"], "location_id": a["location_id"],
                                "location_dest_id": a["location_dest_id"], "origin": marker(proposal.id),
                                "scheduled_date": a["scheduled_date"], "move_ids": [[0, 0, move]],
                                "note": f"Requested by {proposal.requester} in Quartermaster, approved by "
                                        f"{proposal.decided_by} [{marker(proposal.id)}]"}
        pid = odoo.call("stock.picking", "create", [vals])
        pid = int(pid[0] if isinstance(pid, list) else pid)
        odoo.call("stock.picking", "action_confirm", [[pid]])  # Odoo reserves at confirmation (at_confirm)
        return self._read_back(odoo, proposal, pid)
