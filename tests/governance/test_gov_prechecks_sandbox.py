"""Checks before approval (issue #14.4) and the written emergency rule (#14.5) on private sandboxes of both
demo businesses: each finding is compared with a raw recomputation from Odoo's data or the corpus file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from gov_kit import GOV

from knowledge.terms import extract_terms
from tools.actions import ACTION_TOOLS
from tools.base import ToolContext, ToolError, ToolResult
from tools.governance.audit import AuditLog
from tools.governance.identity import Directory
from tools.governance.policy import Policy
from tools.governance.proposals import ProposalService
from tools.governance.store import StateStore
from tools.odoo.client import OdooClient

TOOLS = {t.name: t for t in ACTION_TOOLS}
CORPUS = Path(__file__).resolve().parents[2] / "knowledge" / "corpus" / "contracts"


class CorpusTerms:
    """The contract terms of the demo corpus's markdown contracts, parsed by knowledge.terms (no embeddings)."""

    def contract_terms(self, supplier: str, today: dt.date) -> Any:
        chunks = []
        for path in sorted(CORPUS.glob("*.md")):
            _, front, body = path.read_text(encoding="utf-8").split("---", 2)
            meta = yaml.safe_load(front)
            if str(meta.get("supplier", "")).lower() == supplier.lower():
                meta = {k: str(v) for k, v in meta.items()}
                chunks.append((body, {**meta, "chunk_index": 0}))
        return extract_terms(supplier, chunks, today)


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
                           audit=self.service.audit, knowledge=CorpusTerms(), channel="test", thread_id="th")

    def call(self, username: str, tool: str, **args: Any) -> ToolResult:
        t = TOOLS[tool]
        return t.func(self.ctx(username), t.args_model.model_validate(args))

    def decide(self, pid: str, username: str, decision: str = "approve") -> Any:
        user = self.directory.get(username)
        assert user is not None
        return self.service.decide(pid, user, decision, "ok")


def _world(sb: Any, tmp_path: Path, users: Path) -> Iterator[World]:
    odoo = OdooClient.connect(sb.url, sb.db, "admin", "admin")
    store = StateStore.open(f"sqlite:///{tmp_path / 'state.db'}")
    directory = Directory.load(users)
    service = ProposalService(store, Policy.load(GOV / "default_policy.yaml"), directory, AuditLog(store), odoo=odoo)
    yield World(odoo, service, directory, store)
    store.close()


@pytest.fixture()
def world(fresh_sandbox: Any, tmp_path: Path) -> Iterator[World]:
    yield from _world(fresh_sandbox, tmp_path, GOV / "default_users.yaml")


@pytest.fixture()
def world_h(fresh_sandbox_hollander: Any, tmp_path: Path) -> Iterator[World]:
    yield from _world(fresh_sandbox_hollander, tmp_path,
                      Path(__file__).resolve().parents[2] / "sandbox" / "seed_hollander" / "users.yaml")


def _policy_with(**changes: Any) -> Policy:
    data = yaml.safe_load((GOV / "default_policy.yaml").read_text(encoding="utf-8"))
    for key, value in changes.items():
        data[key] = {**(data.get(key) or {}), **value}
    return Policy.from_dict(data, source="test")


def _incoming_line(odoo: OdooClient) -> dict[str, Any]:
    """A confirmed PO line with quantity still to receive, whose vendor has a price row for the product."""
    got = odoo.web_search_read(
        "purchase.order.line", [("state", "=", "purchase")],
        {"product_id": {"fields": {"default_code": {}}}, "product_qty": {}, "qty_received": {}, "partner_id": {},
         "order_id": {"fields": {"name": {}, "picking_type_id": {"fields": {"warehouse_id": {"fields": {
             "code": {}}}}}}}}, limit=200, order="id desc")
    for r in got["records"]:
        if r["qty_received"] >= r["product_qty"] or not r["product_id"]["default_code"]:
            continue
        rows = odoo.search_read("product.supplierinfo", [("partner_id", "=", r["partner_id"]["id"] if isinstance(
            r["partner_id"], dict) else r["partner_id"]), ("product_tmpl_id.product_variant_ids", "in",
                                                          [r["product_id"]["id"]])], ["id", "partner_id", "min_qty"],
                                limit=1)
        if rows:
            return {**r, "vendor": rows[0]["partner_id"][1], "min_qty": rows[0]["min_qty"],
                    "warehouse": r["order_id"]["picking_type_id"]["warehouse_id"]["code"]}
    raise AssertionError("no open PO line with a priced vendor in the sandbox")


def _expected_incoming(odoo: OdooClient, product_id: int, warehouse: str) -> float:
    rows = odoo.search_read("purchase.order.line", [("product_id", "=", product_id), ("state", "in", ["purchase", "done"])],
                            ["product_qty", "qty_received", "order_id"], limit=1000)
    total = 0.0
    for r in rows:
        po = odoo.read("purchase.order", [r["order_id"][0]], ["picking_type_id"])[0]
        wh = odoo.read("stock.picking.type", [po["picking_type_id"][0]], ["warehouse_id"])[0]["warehouse_id"]
        if wh and odoo.read("stock.warehouse", [wh[0]], ["code"])[0]["code"] == warehouse:
            total += max(0.0, r["product_qty"] - r["qty_received"])
    return round(total, 2)


def _finding(p: Any, code: str) -> dict[str, Any] | None:
    return next((f for f in p.evidence.get("checks") or [] if f["code"] == code), None)


def test_rfq_warns_of_quantity_already_incoming_and_open_rfq(world: World) -> None:
    line = _incoming_line(world.odoo)
    code, wh = line["product_id"]["default_code"], line["warehouse"]
    qty = max(10.0, float(line["min_qty"]))
    res = world.call("ava.buyer", "create_rfq", supplier=line["vendor"], lines=[{"product": code, "quantity": qty}],
                     warehouse=wh)
    assert res.ok, res.text
    p = world.service.get(res.proposal_ids[0])
    assert p is not None
    found = _finding(p, "incoming")
    assert found is not None, p.evidence
    assert found["quantity"] == pytest.approx(_expected_incoming(world.odoo, line["product_id"]["id"], wh))
    assert line["order_id"]["name"] in found["orders"]
    assert "already incoming" in p.summary and "Check before approving" in p.summary
    # the RFQ just executed is an open RFQ for the same product and warehouse: the next proposal says so
    d = world.decide(p.id, "ava.buyer" if p.amount <= 5000 else "omar.approver")
    assert d.outcome == "executed", d.message
    again = world.call("ava.buyer", "create_rfq", supplier=line["vendor"],
                       lines=[{"product": code, "quantity": qty + 1}], warehouse=wh)
    p2 = world.service.get(again.proposal_ids[0])
    dup = _finding(p2, "open_rfq")
    assert dup is not None and d.proposal.result["po"] in dup["orders"]


def _vendor_row(odoo: OdooClient, vendor: str) -> dict[str, Any]:
    rows = odoo.search_read("product.supplierinfo", [("partner_id.name", "=", vendor)],
                            ["product_tmpl_id", "price", "min_qty"], limit=20, order="id")
    for row in rows:
        prods = odoo.search_read("product.product", [("product_tmpl_id", "=", row["product_tmpl_id"][0])],
                                 ["default_code"], limit=2)
        if len(prods) == 1:
            return {**row, "code": prods[0]["default_code"]}
    raise AssertionError(f"no price row for {vendor}")


def test_expired_contract_warns_and_policy_block_refuses_and_stops_approval(world: World) -> None:
    row = _vendor_row(world.odoo, "Redline Fasteners")
    terms = CorpusTerms().contract_terms("Redline Fasteners", dt.date.today())
    assert terms.expiry == "2026-09-30"  # the corpus file's own date
    res = world.call("ava.buyer", "create_rfq", supplier="Redline Fasteners",
                     lines=[{"product": row["code"], "quantity": max(5.0, row["min_qty"])}], warehouse="DAL")
    p = world.service.get(res.proposal_ids[0])
    expired = _finding(p, "contract_expired")
    assert expired is not None and expired["severity"] == "warn" and "2026-09-30" in expired["text"]
    assert p.evidence["contract"]["minimum_order"].startswith("one box")
    # a given price above the vendor's list is flagged with the percentage
    given = round(row["price"] * 1.1, 2)
    res2 = world.call("ava.buyer", "create_rfq", supplier="Redline Fasteners",
                      lines=[{"product": row["code"], "quantity": max(7.0, row["min_qty"]), "price_unit": given}],
                      warehouse="DAL")
    above = _finding(world.service.get(res2.proposal_ids[0]), "price_above_list")
    assert above is not None and f"{(given / row['price'] - 1) * 100:.1f} %" in above["text"]
    # the policy turns the expired contract into a block: approval stops (reject still works) ...
    world.service.policy = _policy_with(prechecks={"block": ["contract_expired"]})
    d = world.decide(p.id, "omar.approver")
    assert d.outcome == "refused" and "blocks it" in d.message and "2026-09-30" in d.message
    assert world.service.get(p.id).state == "pending"
    assert world.decide(p.id, "omar.approver", "reject").outcome == "rejected"
    # ... and nothing new is proposed
    before = len(world.service.list(limit=1000))
    with pytest.raises(ToolError) as err:
        world.call("ava.buyer", "create_rfq", supplier="Redline Fasteners",
                   lines=[{"product": row["code"], "quantity": max(9.0, row["min_qty"])}], warehouse="DAL")
    assert err.value.code == "blocked_by_check" and "Nothing proposed" in str(err.value)
    assert len(world.service.list(limit=1000)) == before


def test_emergency_over_threshold_needs_the_manager(world: World) -> None:
    row = _vendor_row(world.odoo, "Apex Industrial Supply")
    qty = float(int(10_500 / row["price"]) + 1)
    res = world.call("ben.buyer", "create_rfq", supplier="Apex Industrial Supply",
                     lines=[{"product": row["code"], "quantity": qty}], warehouse="HOU", urgent=True)
    p = world.service.get(res.proposal_ids[0])
    assert 10_000 < p.amount <= 25_000 and p.metrics["urgent"] is True
    assert p.policy_rule == "rfq_emergency_over_10000_manager" and p.eligible_approvers == ["maria.manager"]
    d = world.decide(p.id, "omar.approver")
    assert d.outcome == "refused" and world.service.get(p.id).state == "pending"
    done = world.decide(p.id, "maria.manager")
    assert done.outcome == "executed", done.message
    po = world.odoo.search_read("purchase.order", [("origin", "=", f"QM-{p.id}")], ["priority", "name"], limit=1)[0]
    assert po["priority"] == "1"
    # the same order, now an RFQ in Odoo with the Urgent star: confirming it also needs the manager
    conf = world.call("ben.buyer", "confirm_purchase_order", po=po["name"])
    cp = world.service.get(conf.proposal_ids[0])
    assert cp.policy_rule == "confirm_emergency_over_10000_manager" and cp.summary.startswith("URGENT")
    assert world.decide(cp.id, "omar.approver").outcome == "refused"
    # not urgent: the ordinary matrix (an approver may confirm up to 25,000)
    normal = world.call("ben.buyer", "create_rfq", supplier="Apex Industrial Supply",
                        lines=[{"product": row["code"], "quantity": qty + 1}], warehouse="HOU")
    assert world.service.get(normal.proposal_ids[0]).policy_rule == "rfq_up_to_25000_four_eyes"


def test_hollander_checks_speak_euro_and_find_no_contract(world_h: World) -> None:
    odoo = world_h.odoo
    line = _incoming_line(odoo)
    buyer = next(u.username for u in world_h.directory.all() if u.role == "buyer")
    res = world_h.call(buyer, "create_rfq", supplier=line["vendor"],
                       lines=[{"product": line["product_id"]["default_code"], "quantity": max(10.0, line["min_qty"])}],
                       warehouse=line["warehouse"])
    assert res.ok, res.text
    p = world_h.service.get(res.proposal_ids[0])
    found = _finding(p, "incoming")
    assert found is not None
    assert found["quantity"] == pytest.approx(_expected_incoming(odoo, line["product_id"]["id"], line["warehouse"]))
    assert _finding(p, "no_contract") is not None  # the demo corpus holds the other business's contracts
    assert "USD" not in p.summary
