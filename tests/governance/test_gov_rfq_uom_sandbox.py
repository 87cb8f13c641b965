"""create_rfq refuses fractional quantities of products counted in units (2.5 boxes), against a private
sandbox; weights and volumes may be fractional."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gov_kit import GOV

from tools.actions import ACTION_TOOLS, EXECUTORS
from tools.base import ToolContext, ToolError, ToolResult
from tools.governance.audit import AuditLog
from tools.governance.identity import Directory
from tools.governance.policy import Policy
from tools.governance.proposals import ProposalService
from tools.governance.store import StateStore
from tools.odoo.client import OdooClient

RFQ = next(t for t in ACTION_TOOLS if t.name == "create_rfq")


@pytest.fixture()
def env(fresh_sandbox: Any, tmp_path: Path) -> Iterator[tuple[OdooClient, ProposalService, ToolContext]]:
    odoo = OdooClient.connect(fresh_sandbox.url, fresh_sandbox.db, "admin", "admin")
    store = StateStore.open(f"sqlite:///{tmp_path / 'state.db'}")
    directory = Directory.load(GOV / "default_users.yaml")
    service = ProposalService(store, Policy.load(GOV / "default_policy.yaml"), directory, AuditLog(store),
                              odoo=odoo, executors=dict(EXECUTORS))
    user = directory.get("ava.buyer")
    assert user is not None
    ctx = ToolContext(user=user, odoo=odoo, store=store, policy=service.policy, audit=service.audit,
                      channel="test", thread_id="th")
    yield odoo, service, ctx
    store.close()


def _priced_product(odoo: OdooClient, categories: list[str]) -> dict[str, Any]:
    """A product whose UoM is in one of `categories`, with a vendor price row of min qty ≤ 1."""
    cats = [c["id"] for c in odoo.search_read("uom.category", [("name", "in", categories)], ["id"])]
    uoms = [u["id"] for u in odoo.search_read("uom.uom", [("category_id", "in", cats)], ["id"])]
    prods = odoo.search_read("product.product", [("uom_id", "in", uoms), ("default_code", "!=", False)],
                             ["id", "default_code", "product_tmpl_id"], limit=200, order="id")
    for prod in prods:
        rows = odoo.search_read("product.supplierinfo",
                                [("product_tmpl_id", "=", prod["product_tmpl_id"][0]), ("min_qty", "<=", 1),
                                 ("price", ">", 0)], ["partner_id", "price"], limit=1)
        if rows:
            return {**prod, "vendor": rows[0]["partner_id"][1]}
    raise AssertionError(f"no priced product in UoM categories {categories} in the sandbox")


def _rfq(ctx: ToolContext, prod: dict[str, Any], qty: float) -> ToolResult:
    args = {"supplier": prod["vendor"], "warehouse": "DAL", "lines": [{"product": prod["default_code"],
                                                                       "quantity": qty}]}
    return RFQ.func(ctx, RFQ.args_model.model_validate(args))


def test_fractional_quantity_of_a_counted_product_is_refused(env: Any) -> None:
    odoo, service, ctx = env
    prod = _priced_product(odoo, ["Unit"])
    before = len(service.list(limit=1000))
    with pytest.raises(ToolError) as err:
        _rfq(ctx, prod, 2.5)
    msg = str(err.value)
    assert err.value.code == "bad_quantity" and prod["default_code"] in msg, msg
    assert "2.5 is not a whole number" in msg and "Use 2 or 3" in msg and "Nothing proposed" in msg
    assert len(service.list(limit=1000)) == before  # refused before proposing
    ok = _rfq(ctx, prod, 3.0)  # a whole number of the same product is proposed
    assert ok.ok and ok.proposal_ids and len(service.list(limit=1000)) == before + 1


def test_fractional_quantity_of_a_weight_or_volume_is_allowed(env: Any) -> None:
    odoo, service, ctx = env
    prod = _priced_product(odoo, ["Weight", "Volume"])
    res = _rfq(ctx, prod, 12.5)
    assert res.ok and res.proposal_ids, res
    proposal = service.get(res.proposal_ids[0])
    assert proposal is not None and proposal.args["lines"][0]["quantity"] == 12.5
