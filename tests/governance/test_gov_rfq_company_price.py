"""create_rfq for a warehouse of another company than the vendor's price row (seen on a real Odoo 18 demo: the
rows belong to the San Francisco company, "for Chicago" is the Chicago company's warehouse). Odoo prices a PO
only from rows of the PO's company or of none, so nothing is proposed, and the refusal says why instead of
"has no price … vendors with a price for it: <that same vendor>"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gov_kit import GOV

from tools.actions import ACTION_TOOLS, EXECUTORS
from tools.base import ToolContext, ToolError
from tools.governance.audit import AuditLog
from tools.governance.identity import Directory
from tools.governance.policy import Policy
from tools.governance.proposals import ProposalService
from tools.governance.store import StateStore
from tools.odoo.client import OdooClient

RFQ = next(t for t in ACTION_TOOLS if t.name == "create_rfq")


@pytest.fixture()
def env(fresh_sandbox_hollander: Any, tmp_path: Path) -> Iterator[tuple[OdooClient, ProposalService, ToolContext]]:
    sb = fresh_sandbox_hollander
    odoo = OdooClient.connect(sb.url, sb.db, "admin", "admin")
    store = StateStore.open(f"sqlite:///{tmp_path / 'state.db'}")
    directory = Directory.load(GOV / "default_users.yaml")
    service = ProposalService(store, Policy.load(GOV / "default_policy.yaml"), directory, AuditLog(store),
                              odoo=odoo, executors=dict(EXECUTORS))
    user = directory.get("maria.manager")
    assert user is not None
    ctx = ToolContext(user=user, odoo=odoo, store=store, policy=service.policy, audit=service.audit,
                      channel="test", thread_id="th")
    yield odoo, service, ctx
    store.close()


def test_a_price_row_of_another_company_is_named_not_offered(env: Any) -> None:
    odoo, service, ctx = env
    whs = odoo.search_read("stock.warehouse", [], ["code", "company_id"], limit=50)
    companies = sorted({w["company_id"][0] for w in whs})
    assert len(companies) >= 2, "the second business has two companies with warehouses"
    other_wh = next(w for w in whs if w["company_id"][0] == companies[1])
    vendor = odoo.search_read("res.partner", [("supplier_rank", ">", 0)], ["id", "name"], limit=1, order="id")[0]
    prod = odoo.search_read("product.product", [("purchase_ok", "=", True), ("default_code", "!=", False)],
                            ["id", "default_code", "product_tmpl_id"], limit=1, order="id desc")[0]
    for row in odoo.search_read("product.supplierinfo", [("product_tmpl_id", "=", prod["product_tmpl_id"][0])],
                                ["id"], limit=100):
        odoo.call("product.supplierinfo", "unlink", [[row["id"]]])
    odoo.call("product.supplierinfo", "create", [{"partner_id": vendor["id"], "product_tmpl_id":
                                                  prod["product_tmpl_id"][0], "price": 12.0, "min_qty": 0,
                                                  "company_id": companies[0]}])
    before = len(service.list(limit=1000))
    args = {"supplier": vendor["name"], "warehouse": other_wh["code"],
            "lines": [{"product": prod["default_code"], "quantity": 4}]}
    with pytest.raises(ToolError) as err:
        RFQ.func(ctx, RFQ.args_model.model_validate(args))
    msg = str(err.value)
    first = odoo.read("res.company", [companies[0]], ["name"])[0]["name"]
    assert err.value.code == "no_price" and "is set up for" in msg and first in msg, msg
    assert "Vendors with a price for it there" not in msg and len(service.list(limit=1000)) == before
    home_wh = next(w for w in whs if w["company_id"][0] == companies[0])
    ok = RFQ.func(ctx, RFQ.args_model.model_validate({**args, "warehouse": home_wh["code"]}))
    assert ok.ok and ok.proposal_ids  # the same vendor row prices an RFQ for its own company's warehouse
