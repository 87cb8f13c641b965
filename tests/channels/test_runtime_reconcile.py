"""Runtime.build finishes proposals a crash left approved/executing (reconcile_stuck after Odoo connects)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("QM_SANDBOX_CACHE", ROOT / "var" / "cache" / "sandbox"))


def _pricelist_line(odoo: Any) -> dict[str, Any]:
    for row in odoo.search_read("product.supplierinfo", [("price", ">", 1), ("price", "<", 100)],
                                ["partner_id", "product_tmpl_id", "price", "min_qty"], limit=50, order="id"):
        prods = odoo.search_read("product.product", [("product_tmpl_id", "=", row["product_tmpl_id"][0])],
                                 ["default_code"], limit=2)
        if len(prods) == 1 and prods[0]["default_code"]:
            return {**row, "code": prods[0]["default_code"]}
    raise AssertionError("no vendor price row in the sandbox")


def test_build_reconciles_a_proposal_left_approved_by_a_crash(tmp_path: Path) -> None:
    from assistant.runtime import Runtime
    from assistant.settings import load_settings
    from sandbox.launch import start_sandbox
    from tools.governance.store import ProposalRow

    (tmp_path / "corpus").mkdir()
    with start_sandbox(tmp_path / "sb", port=0, scale=1, cache_dir=CACHE) as sb:
        settings = load_settings(QM_DATA_DIR=str(tmp_path / "data"), ODOO_URL=sb.url, ODOO_DB=sb.db,
                                 QM_BRAIN="offline", QM_CORPUS_DIR=str(tmp_path / "corpus"))
        with Runtime.build(settings, ingest_corpus=False) as rt:
            line = _pricelist_line(rt.odoo)
            qty = max(10.0, float(line["min_qty"]))
            ctx = rt.context_for(rt.user("ava.buyer"), "cli")
            res = rt.assistant.backend.run(ctx, "create_rfq", {
                "supplier": line["partner_id"][1], "lines": [{"product": line["code"], "quantity": qty}],
                "warehouse": "DAL"})
            assert res.ok and res.proposal_ids, res
            pid = res.proposal_ids[0]
            created = rt.proposals.get(pid).created_at
            # approved (and claimed) long ago, then the process died before executing; the transition goes
            # through the service (a state written straight into the table is refused as tampered)
            assert rt.proposals._approve_and_start(pid, "omar.approver", None, "ok") is not None
            with rt.store.write() as s:
                s.execute(sa.update(ProposalRow).where(ProposalRow.id == pid).values(
                    executing_since=created - dt.timedelta(hours=2)))
            assert rt.proposals.get(pid).state == "executing"
        with Runtime.build(settings, ingest_corpus=False) as rt2:
            assert rt2.proposals.get(pid).state == "executed"
            pos = rt2.odoo.search_read("purchase.order", [("origin", "=", f"QM-{pid}")], ["id"], limit=5)
            assert len(pos) == 1
