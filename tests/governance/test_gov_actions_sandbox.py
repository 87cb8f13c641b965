"""Each proposal tool end to end against a private sandbox: validate → propose → approve → Odoo written once;
plus staleness (changed PO state, moved price), refusals before proposing, and crash reconciliation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from gov_kit import GOV
from pydantic import ValidationError

from tools.actions import ACTION_TOOLS, EXECUTORS
from tools.actions.common import find_marker_message, read_po
from tools.base import ToolContext, ToolError, ToolResult
from tools.governance.audit import AuditLog
from tools.governance.identity import Directory
from tools.governance.policy import Policy
from tools.governance.proposals import Proposal, ProposalService
from tools.governance.store import StateStore, utcnow
from tools.odoo.client import OdooClient

TOOLS = {t.name: t for t in ACTION_TOOLS}


@dataclass
class World:
    odoo: OdooClient
    service: ProposalService
    directory: Directory
    store: StateStore

    def ctx(self, username: str) -> ToolContext:
        user = self.directory.get(username)
        assert user is not None
        return ToolContext(user=user, odoo=self.odoo, store=self.store, policy=self.service.policy,
                           audit=self.service.audit, channel="test", thread_id="th")

    def call(self, username: str, tool: str, **args: Any) -> ToolResult:
        t = TOOLS[tool]
        return t.func(self.ctx(username), t.args_model.model_validate(args))

    def approve(self, pid: str, username: str) -> Any:
        user = self.directory.get(username)
        assert user is not None
        return self.service.decide(pid, user, "approve", "ok")

    def count(self) -> int:
        return len(self.service.list(limit=1000))


@pytest.fixture()
def world(fresh_sandbox: Any, tmp_path: Path) -> Iterator[World]:
    odoo = OdooClient.connect(fresh_sandbox.url, fresh_sandbox.db, "admin", "admin")
    store = StateStore.open(f"sqlite:///{tmp_path / 'state.db'}")
    directory = Directory.load(GOV / "default_users.yaml")
    service = ProposalService(store, Policy.load(GOV / "default_policy.yaml"), directory, AuditLog(store),
                              odoo=odoo)
    yield World(odoo, service, directory, store)
    store.close()


def _po(odoo: OdooClient, domain: list[Any]) -> dict[str, Any]:
    rows = odoo.search_read("purchase.order", domain, ["id", "name", "state", "amount_total"], limit=1,
                            order="id desc")
    assert rows, f"no PO matches {domain} in the sandbox"
    return rows[0]


def _pricelist_line(odoo: OdooClient) -> dict[str, Any]:
    """A vendor price row of a purchasable product (vendor, product code, min qty, price)."""
    for row in odoo.search_read("product.supplierinfo", [("price", ">", 1), ("price", "<", 100)],
                                ["id", "partner_id", "product_tmpl_id", "product_id", "price", "min_qty"],
                                limit=50, order="id"):
        prods = odoo.search_read("product.product", [("product_tmpl_id", "=", row["product_tmpl_id"][0])],
                                 ["id", "default_code"], limit=2)
        if len(prods) == 1 and prods[0]["default_code"]:
            return {**row, "code": prods[0]["default_code"]}
    raise AssertionError("no simple vendor price in the sandbox")


# -- create_rfq ----------------------------------------------------------------------------------
def test_create_rfq_end_to_end_and_crash_reconciliation(world: World) -> None:
    line = _pricelist_line(world.odoo)
    qty = max(10.0, float(line["min_qty"]))
    res = world.call("ava.buyer", "create_rfq", supplier=line["partner_id"][1],
                     lines=[{"product": line["code"], "quantity": qty}], warehouse="DAL")
    assert res.ok and res.proposal_ids, res
    pid = res.proposal_ids[0]
    p = world.service.get(pid)
    assert p and p.amount == pytest.approx(round(qty * line["price"], 2))
    assert p.args["lines"][0]["price_source"] == f"pricelist:{line['id']}"
    assert f"Proposed {pid}" in res.text and "Nothing is written" in res.text
    # simulate a crash right after the Odoo write, before our status update
    real = EXECUTORS["create_rfq"]

    class Crashing:
        def reconcile(self, odoo: OdooClient, proposal: Proposal) -> Any:
            return real.reconcile(odoo, proposal)

        def revalidate(self, odoo: OdooClient, proposal: Proposal) -> Any:
            return real.revalidate(odoo, proposal)

        def execute(self, odoo: OdooClient, proposal: Proposal) -> Any:
            real.execute(odoo, proposal)
            raise SystemExit("crash after the Odoo write")

    world.service._executors = {**EXECUTORS, "create_rfq": Crashing()}
    approver = "ava.buyer" if p.amount <= 5000 else "omar.approver"
    with pytest.raises(SystemExit):
        world.approve(pid, approver)
    assert world.service.get(pid).state == "executing"  # type: ignore[union-attr]
    world.service._executors = dict(EXECUTORS)
    d = world.service.reconcile(pid, force=True)
    assert d.outcome == "executed" and d.proposal and d.proposal.result["reconciled"] is True
    pos = world.odoo.search_read("purchase.order", [("origin", "=", f"QM-{pid}")],
                                 ["id", "state", "partner_id", "picking_type_id", "amount_total"], limit=5)
    assert len(pos) == 1, "written once, never repeated"
    wh = world.odoo.search_read("stock.warehouse", [("code", "=", "DAL")], ["in_type_id"], limit=1)[0]
    assert pos[0]["state"] == "draft" and pos[0]["partner_id"][0] == line["partner_id"][0]
    assert pos[0]["picking_type_id"][0] == wh["in_type_id"][0]
    assert pos[0]["amount_total"] == pytest.approx(p.amount)
    assert world.approve(pid, "maria.manager").outcome == "noop"
    # the PO's Buyer is the requester's Odoo user, not the integration user (admin)
    ava = world.directory.get("ava.buyer")
    assert ava is not None
    ava_uid = world.odoo.search_read("res.users", [("login", "=", ava.odoo_login or ava.username)], ["id"],
                                     limit=1)[0]["id"]
    assert ava_uid != world.odoo.uid
    assert world.odoo.read("purchase.order", [pos[0]["id"]], ["user_id"])[0]["user_id"][0] == ava_uid


def test_create_rfq_stale_when_price_moves_and_refusals(world: World) -> None:
    line = _pricelist_line(world.odoo)
    qty = max(5.0, float(line["min_qty"]))
    before = world.count()
    for bad, match in [
        ({"supplier": "Nonexistent Vendor Zzz", "lines": [{"product": line["code"], "quantity": 5}]}, "No supplier"),
        ({"supplier": line["partner_id"][1], "lines": [{"product": line["code"], "quantity": -3}]}, "positive"),
        ({"supplier": line["partner_id"][1], "lines": [{"product": line["code"], "quantity": 10**7}]}, "beyond"),
        ({"supplier": line["partner_id"][1], "lines": [{"product": "NOPE-0000 no such thing", "quantity": 5}]},
         "product"),
        ({"supplier": line["partner_id"][1], "lines": [{"product": line["code"], "quantity": 5}],
          "warehouse": "Atlantis"}, "warehouse"),
    ]:
        with pytest.raises(ToolError, match=match):
            world.call("ava.buyer", "create_rfq", **{"warehouse": "DAL", **bad})
    if float(line["min_qty"]) > 1:
        with pytest.raises(ToolError, match="minimum order"):
            world.call("ava.buyer", "create_rfq", supplier=line["partner_id"][1],
                       lines=[{"product": line["code"], "quantity": float(line["min_qty"]) - 1}], warehouse="DAL")
    with pytest.raises(ToolError, match="may not propose"):  # warehouse staff cannot buy
        world.call("wes.warehouse", "create_rfq", supplier=line["partner_id"][1],
                   lines=[{"product": line["code"], "quantity": qty}], warehouse="HOU")
    assert world.count() == before, "nothing proposed by refused calls"
    res = world.call("ava.buyer", "create_rfq", supplier=line["partner_id"][1],
                     lines=[{"product": line["code"], "quantity": qty}], warehouse="DAL")
    pid = res.proposal_ids[0]
    world.odoo.call("product.supplierinfo", "write", [[line["id"]], {"price": round(line["price"] * 1.2, 2)}])
    p = world.service.get(pid)
    assert p is not None
    d = world.approve(pid, "ava.buyer" if p.amount <= 5000 else "omar.approver")
    assert d.outcome == "stale" and "moved from" in d.message
    assert world.odoo.search_count("purchase.order", [("origin", "=", f"QM-{pid}")]) == 0


# -- confirm / cancel ------------------------------------------------------------------------------
def test_confirm_four_eyes_executes_once_and_stale_on_state_change(world: World) -> None:
    drafts = world.odoo.search_read("purchase.order", [("state", "in", ["draft", "sent"]),
                                                       ("amount_total", "<=", 25000)],
                                    ["id", "name", "state"], limit=2, order="id")
    assert len(drafts) == 2
    res = world.call("ava.buyer", "confirm_purchase_order", po=drafts[0]["name"])
    pid = res.proposal_ids[0]
    assert world.approve(pid, "ava.buyer").outcome == "refused"  # four eyes
    d = world.approve(pid, "omar.approver")
    assert d.outcome == "executed", d.message
    po = read_po(world.odoo, drafts[0]["id"])
    assert po and po["state"] == "purchase"
    assert find_marker_message(world.odoo, "purchase.order", po["id"], pid)
    assert world.approve(pid, "maria.manager").outcome == "noop"
    # wrong state -> refused before proposing
    with pytest.raises(ToolError, match="only RFQs"):
        world.call("ava.buyer", "confirm_purchase_order", po=drafts[0]["name"])
    # state changed in Odoo between proposal and approval -> stale, nothing written
    res2 = world.call("ben.buyer", "confirm_purchase_order", po=drafts[1]["name"])
    pid2 = res2.proposal_ids[0]
    world.odoo.call("purchase.order", "button_cancel", [[drafts[1]["id"]]])
    d2 = world.approve(pid2, "omar.approver")
    assert d2.outcome == "stale" and "now 'cancel'" in d2.message
    assert read_po(world.odoo, drafts[1]["id"])["state"] == "cancel"  # type: ignore[index]
    assert find_marker_message(world.odoo, "purchase.order", drafts[1]["id"], pid2) is None


def test_cancel_po(world: World) -> None:
    po = _po(world.odoo, [("state", "=", "purchase"), ("receipt_status", "=", "pending")])
    with pytest.raises(ValidationError):
        world.call("ava.buyer", "cancel_purchase_order", po=po["name"], reason="")
    res = world.call("ava.buyer", "cancel_purchase_order", po=po["name"], reason="Vendor cannot deliver in time")
    pid = res.proposal_ids[0]
    assert world.approve(pid, "ben.buyer").outcome == "refused"
    d = world.approve(pid, "omar.approver")
    assert d.outcome == "executed", d.message
    assert read_po(world.odoo, po["id"])["state"] == "cancel"  # type: ignore[index]
    msgs = world.odoo.search_read("mail.message", [("model", "=", "purchase.order"), ("res_id", "=", po["id"]),
                                                   ("body", "ilike", f"QM-{pid}")], ["body"], limit=5)
    assert len(msgs) == 1 and "Vendor cannot deliver" in msgs[0]["body"]
    done = _po(world.odoo, [("state", "in", ["purchase", "done"]), ("receipt_status", "=", "full")])
    before = world.count()
    with pytest.raises(ToolError, match="done|cannot be cancelled"):
        world.call("ava.buyer", "cancel_purchase_order", po=done["name"], reason="test refusal")
    assert world.count() == before


# -- remind / reschedule ---------------------------------------------------------------------------
def test_remind_supplier_self_approved(world: World) -> None:
    po = _po(world.odoo, [("state", "=", "purchase"), ("receipt_status", "=", "pending")])
    res = world.call("wes.warehouse", "remind_supplier", po=po["name"],
                     message="Please confirm the delivery date for this order.")
    assert res.ok and "amount" not in res.data  # warehouse sees no money
    pid = res.proposal_ids[0]
    d = world.approve(pid, "wes.warehouse")
    assert d.outcome == "executed", d.message
    assert world.odoo.search_count("mail.message", [("model", "=", "purchase.order"), ("res_id", "=", po["id"]),
                                                    ("body", "ilike", f"QM-{pid}")]) == 1
    acts = world.odoo.search_read("mail.activity", [("res_id", "=", po["id"]), ("summary", "ilike", f"QM-{pid}")],
                                  ["user_id", "date_deadline", "res_model", "activity_type_id"], limit=5)
    assert len(acts) == 1 and acts[0]["res_model"] == "purchase.order"
    todo = world.odoo.search_read("mail.activity.type", [("name", "=", "To-Do")], ["id"], limit=1)
    if todo:  # the sandbox seed may ship the activity types archived; then Odoo's default type applies
        assert acts[0]["activity_type_id"][0] == todo[0]["id"]
    wes_uid = world.odoo.search_read("res.users", [("login", "=", "wes.warehouse")], ["id"], limit=1)[0]["id"]
    assert acts[0]["user_id"][0] == wes_uid
    # a retry after a crash adds nothing
    assert EXECUTORS["remind_supplier"].reconcile(world.odoo, world.service.get(pid))  # type: ignore[arg-type]
    assert world.odoo.search_count("mail.activity", [("summary", "ilike", f"QM-{pid}")]) == 1
    assert world.odoo.search_count("mail.message", [("body", "ilike", f"QM-{pid}")]) == 1


def test_reschedule_receipt(world: World) -> None:
    picks = world.odoo.search_read("stock.picking", [("picking_type_code", "=", "incoming"),
                                                     ("state", "not in", ["done", "cancel"])],
                                   ["id", "name", "scheduled_date"], limit=1, order="id desc")
    pick = picks[0]
    today = utcnow().date()
    with pytest.raises(ToolError, match="past"):
        world.call("wes.warehouse", "reschedule_receipt", receipt=pick["name"],
                   date=(today - timedelta(days=2)).isoformat())
    with pytest.raises(ToolError, match="365"):
        world.call("wes.warehouse", "reschedule_receipt", receipt=pick["name"], date="2031-01-01")
    target = today + timedelta(days=2)
    moves = world.odoo.search_read("stock.move", [("picking_id", "=", pick["id"])], ["purchase_line_id"])
    line_ids = sorted({m["purchase_line_id"][0] for m in moves if m.get("purchase_line_id")})
    assert line_ids, "an incoming receipt of the seed comes from a PO"
    promised = {r["id"]: r["date_planned"]
                for r in world.odoo.read("purchase.order.line", line_ids, ["date_planned"])}
    res = world.call("wes.warehouse", "reschedule_receipt", receipt=pick["name"], date=target.isoformat())
    pid = res.proposal_ids[0]
    p = world.service.get(pid)
    assert p is not None
    shift = p.metrics["days_shift"]
    approver = "wes.warehouse" if abs(shift) <= 7 else "ben.buyer"
    d = world.approve(pid, approver)
    assert d.outcome == "executed", d.message
    after = world.odoo.read("stock.picking", [pick["id"]], ["scheduled_date"])[0]
    assert after["scheduled_date"].startswith(target.isoformat())
    assert "po_line_ids" not in p.args and "promised date is kept" in p.summary
    # the supplier's promised date (what on-time/OTIF measure against) is untouched
    assert {r["id"]: r["date_planned"] for r in world.odoo.read("purchase.order.line", line_ids,
                                                                 ["date_planned"])} == promised
    moved = world.odoo.search_read("stock.move", [("picking_id", "=", pick["id"]), ("state", "!=", "cancel")],
                                   ["date"])
    assert moved and all(str(m["date"]).startswith(target.isoformat()) for m in moved)
    assert find_marker_message(world.odoo, "stock.picking", pick["id"], pid)


def test_through_the_registry(world: World) -> None:
    from tools.registry import run_tool

    po = _po(world.odoo, [("state", "=", "purchase"), ("receipt_status", "=", "pending")])
    ok = run_tool(world.ctx("ava.buyer"), "remind_supplier", {"po": po["name"], "message": "Status please?"})
    assert ok.ok and ok.proposal_ids and ok.rpc_calls > 0
    bad = run_tool(world.ctx("fiona.finance"), "confirm_purchase_order", {"po": po["name"]})
    assert not bad.ok and "finance" in (bad.error or "")
    wrong = run_tool(world.ctx("ava.buyer"), "confirm_purchase_order", {"po": po["name"]})
    assert not wrong.ok and "only RFQs" in (wrong.error or "")


def test_chatter_on_the_po_does_not_make_confirm_stale(world: World) -> None:
    """Odoo's message_post/activities do not touch the PO's write_date, so a reminder in between is fine."""
    draft = _po(world.odoo, [("state", "in", ["draft", "sent"]), ("amount_total", "<=", 25000)])
    confirm = world.call("ava.buyer", "confirm_purchase_order", po=draft["name"]).proposal_ids[0]
    remind = world.call("ava.buyer", "remind_supplier", po=draft["name"], message="Please send your quote.")
    assert world.approve(remind.proposal_ids[0], "ava.buyer").outcome == "executed"
    d = world.approve(confirm, "maria.manager")
    assert d.outcome == "executed", d.message


def test_create_rfq_price_override_cannot_lower_the_approval_amount(world: World) -> None:
    line = _pricelist_line(world.odoo)
    qty = max(9000.0, float(line["min_qty"]))
    res = world.call("ava.buyer", "create_rfq", supplier=line["partner_id"][1],
                     lines=[{"product": line["code"], "quantity": qty, "price_unit": 0.01}], warehouse="DAL")
    p = world.service.get(res.proposal_ids[0])
    assert p is not None
    # the PO would be written at the given price, but approval is computed at the (higher) list price
    assert p.args["lines"][0]["price_unit"] == 0.01
    list_price = min(r["price"] for r in world.odoo.search_read(
        "product.supplierinfo", [("partner_id", "=", line["partner_id"][0]),
                                 ("product_tmpl_id", "=", line["product_tmpl_id"][0]), ("min_qty", "<=", qty)],
        ["price"]))
    assert p.amount == pytest.approx(round(list_price * qty, 2))
    assert p.amount > 5000 and p.policy_rule != "rfq_up_to_5000_self_ok"
    assert "ava.buyer" not in p.eligible_approvers
    assert "approval amount" in p.summary
    d = world.approve(p.id, "ava.buyer")
    assert d.outcome == "refused"
    # a given price ABOVE the list counts as given
    high = round(list_price * 2, 2)
    res = world.call("ava.buyer", "create_rfq", supplier=line["partner_id"][1],
                     lines=[{"product": line["code"], "quantity": max(5.0, float(line["min_qty"])),
                             "price_unit": high}], warehouse="DAL")
    p2 = world.service.get(res.proposal_ids[0])
    assert p2 is not None and p2.amount == pytest.approx(round(high * max(5.0, float(line["min_qty"])), 2))


def test_create_rfq_override_without_pricelist_counts_at_product_cost(world: World) -> None:
    vendor = _pricelist_line(world.odoo)["partner_id"]
    sold = {r["product_tmpl_id"][0] for r in world.odoo.search_read(
        "product.supplierinfo", [("partner_id", "=", vendor[0])], ["product_tmpl_id"], limit=1000)}
    prods = world.odoo.search_read("product.product", [("standard_price", ">", 1), ("default_code", "!=", False),
                                                       ("purchase_ok", "=", True)],
                                   ["id", "default_code", "standard_price", "product_tmpl_id"], limit=200)
    prod = next(p for p in prods if p["product_tmpl_id"][0] not in sold)
    res = world.call("ava.buyer", "create_rfq", supplier=vendor[1],
                     lines=[{"product": prod["default_code"], "quantity": 100, "price_unit": 0.01}],
                     warehouse="DAL")
    p = world.service.get(res.proposal_ids[0])
    assert p is not None and p.amount == pytest.approx(round(prod["standard_price"] * 100, 2))
    assert p.args["lines"][0]["reference_source"] == "product cost"
    world.odoo.call("product.product", "write", [[prod["id"]], {"standard_price": 0}])
    world.odoo.invalidate()
    with pytest.raises(ToolError, match="only a manager"):
        world.call("ava.buyer", "create_rfq", supplier=vendor[1],
                   lines=[{"product": prod["default_code"], "quantity": 100, "price_unit": 0.01}], warehouse="DAL")
    res = world.call("maria.manager", "create_rfq", supplier=vendor[1],
                     lines=[{"product": prod["default_code"], "quantity": 100, "price_unit": 3.0}], warehouse="DAL")
    assert "unverified" in res.text
