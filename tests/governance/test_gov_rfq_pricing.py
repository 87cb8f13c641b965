"""create_rfq prices as Odoo does (issue 9 point 3/4): Odoo's seller choice, currency and unit conversion, the
approval amount in the company currency, the vendor's currency and payment terms copied onto the PO, lines
created without a price (Odoo computes it) and read back, and Odoo's default receipt operation when no
warehouse is given."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from gov_kit import GOV

from tools.actions import ACTION_TOOLS, EXECUTORS
from tools.actions.rfq import CreateRfqExecutor, _convert, _pick_price
from tools.base import ToolContext
from tools.governance.audit import AuditLog
from tools.governance.identity import Directory
from tools.governance.policy import Policy
from tools.governance.proposals import Proposal, ProposalService
from tools.governance.store import StateStore
from tools.odoo.client import OdooClient

RFQ = next(t for t in ACTION_TOOLS if t.name == "create_rfq")


# -- pure pieces -------------------------------------------------------------------------------------
def test_a_eur_price_row_becomes_odoos_usd_price() -> None:
    # Odoo 18 demo + EUR at 1.2834 per USD: a 4,900 EUR row prices the USD PO line at 3,817.98 (seen on a real
    # Odoo 18); the USD company's approval amount is that, never 4,900
    rates = {1: 1.0, 2: 1.2834}  # USD (company), EUR
    assert round(_convert(4900.0, 2, 1, rates), 2) == 3817.98
    assert _convert(10.0, 1, 1, rates) == 10.0
    assert round(_convert(3817.98, 1, 2, rates), 2) == 4900.0  # and back


def test_seller_choice_follows_odoo_sequence_then_min_qty_then_price() -> None:
    day = date(2026, 12, 1)

    def row(rid: int, price: float, min_qty: float, seq: int, **kw: Any) -> dict[str, Any]:
        return {"id": rid, "price": price, "min_qty": min_qty, "sequence": seq, "product_id": False,
                "product_tmpl_id": [5, "T"], "date_start": False, "date_end": False, "company_id": False, **kw}

    rows = [row(1, 9.0, 0, 2), row(2, 10.0, 0, 1), row(3, 8.0, 50, 1), row(4, 7.0, 0, 1, company_id=[2, "B"]),
            row(5, 1.0, 0, 0, date_end="2026-11-30")]
    assert _pick_price(rows, 11, 5, 10, day, 1)[0]["id"] == 2  # sequence 1 beats the cheaper sequence 2
    assert _pick_price(rows, 11, 5, 60, day, 1)[0]["id"] == 3  # the largest minimum quantity that fits
    assert _pick_price(rows, 11, 5, 10, day, 2)[0]["id"] == 4  # another company's row only for that company
    got, moq = _pick_price([row(6, 3.0, 100, 1)], 11, 5, 10, day, 1)
    assert got is None and moq == 100


class _Odoo:
    """Records the create; answers the read-back with Odoo's own (different) price."""

    def __init__(self) -> None:
        self.created: list[dict[str, Any]] = []

    def search_read(self, model: str, domain: list[Any], fields: list[str], **kw: Any) -> list[dict[str, Any]]:
        return []

    def call(self, model: str, method: str, args: list[Any] | None = None, kwargs: Any = None) -> Any:
        self.created.append(args[0])  # type: ignore[index]
        return 77

    def read(self, model: str, ids: list[int], fields: list[str]) -> list[dict[str, Any]]:
        if model == "purchase.order.line":
            return [{"product_id": [29, "[FURN_7888] Desk Stand"], "product_qty": 1.0, "price_unit": 3817.98,
                     "product_uom": [1, "Units"], "taxes_id": [], "date_planned": "2026-12-08 10:00:00"},
                    {"product_id": [30, "[X] Given"], "product_qty": 2.0, "price_unit": 5.0,
                     "product_uom": [1, "Units"], "taxes_id": [3], "date_planned": "2026-12-08 10:00:00"}]
        return [{"name": "P00091", "amount_total": 3839.48, "amount_tax": 11.5, "state": "draft",
                 "currency_id": [1, "USD"], "payment_term_id": [6, "End of Following Month"], "order_line": [1, 2]}]


def _proposal(args: dict[str, Any], preview: float) -> Proposal:
    return Proposal(id="P-abc", schema_version=1, kind="create_rfq", args=args, args_json="{}", args_sha256="",
                    summary="", before_after={}, evidence={"po_total": preview}, requester="ava.buyer",
                    requester_role="buyer", channel="test", thread_id=None, run_id=None, amount=preview,
                    currency="USD", metrics={}, odoo_ref=None, policy_rule="r", eligible_approvers=[],
                    state="executing", created_at=datetime(2026, 12, 1), expires_at=datetime(2026, 12, 4),
                    decided_by="omar.approver", attempts=1)


def test_rfq_lines_go_to_odoo_without_a_price_and_the_outcome_is_what_odoo_says() -> None:
    args = {"supplier_id": 9, "supplier": "Wood Corner", "warehouse": "YourCompany: Receipts",
            "destination": "YourCompany: Receipts", "picking_type_id": 1, "currency_id": 1, "currency": "USD",
            "payment_term_id": 6, "requester_odoo_login": "nobody",
            "lines": [{"product_id": 29, "product": "FURN_7888", "quantity": 1.0, "price_unit": 3817.983481,
                       "price_source": "pricelist:29"},
                      {"product_id": 30, "product": "X", "quantity": 2.0, "price_unit": 5.0, "price_source": "given"}]}
    odoo = _Odoo()
    out = CreateRfqExecutor().execute(odoo, _proposal(args, 3800.0))  # type: ignore[arg-type]
    vals = odoo.created[0]
    assert vals["currency_id"] == 1 and vals["payment_term_id"] == 6 and vals["origin"] == "QM-P-abc"
    first, second = (ln[2] for ln in vals["order_line"])
    assert "price_unit" not in first  # Odoo prices it from its vendor row
    assert second["price_unit"] == 5.0  # a price the requester gave is kept
    assert "3,817.98 USD" in out["message"] and "total 3,839.48 USD" in out["message"]
    assert "End of Following Month" in out["message"] and "11.50 USD taxes" in out["message"]
    assert "differ from the proposal's preview" in out["message"]  # 3,827.98 vs 3,800.00 before taxes
    assert out["lines"][1]["taxes"] == [3]


# -- against the sandbox -----------------------------------------------------------------------------
@pytest.fixture()
def env(fresh_sandbox: Any, tmp_path: Path) -> Iterator[tuple[OdooClient, ProposalService, Directory]]:
    odoo = OdooClient.connect(fresh_sandbox.url, fresh_sandbox.db, "admin", "admin")
    store = StateStore.open(f"sqlite:///{tmp_path / 'state.db'}")
    directory = Directory.load(GOV / "default_users.yaml")
    service = ProposalService(store, Policy.load(GOV / "default_policy.yaml"), directory, AuditLog(store),
                              odoo=odoo, executors=dict(EXECUTORS))
    yield odoo, service, directory
    store.close()


def _ctx(env: tuple[OdooClient, ProposalService, Directory], warehouse: str | None) -> ToolContext:
    odoo, service, directory = env
    user = directory.get("ava.buyer")
    assert user is not None
    return ToolContext(user=replace(user, warehouse=warehouse), odoo=odoo, store=service.store,
                       policy=service.policy, audit=service.audit, channel="test", thread_id="th")


def test_without_a_warehouse_the_rfq_goes_to_odoos_default_receipt_and_odoo_prices_it(
        env: tuple[OdooClient, ProposalService, Directory]) -> None:
    odoo, service, directory = env
    row = odoo.search_read("product.supplierinfo", [("price", ">", 1), ("price", "<", 100), ("min_qty", "<=", 1),
                                                    ("product_id", "=", False)],
                           ["partner_id", "product_tmpl_id", "price"], limit=1, order="id")[0]
    prod = odoo.search_read("product.product", [("product_tmpl_id", "=", row["product_tmpl_id"][0])],
                            ["default_code"], limit=1)[0]
    default = odoo.call("purchase.order", "default_get", [["picking_type_id"]])["picking_type_id"]
    label = odoo.read("stock.picking.type", [default], ["display_name"])[0]["display_name"]
    for qty, warehouse, said in ((3, None, ""), (4, "NOWHERE", "your default warehouse 'NOWHERE' is not in Odoo")):
        res = RFQ.func(_ctx(env, warehouse), RFQ.args_model.model_validate(
            {"supplier": row["partner_id"][1], "lines": [{"product": prod["default_code"], "quantity": qty}]}))
        assert f"to {label}, Odoo's default receipt operation" in res.text and said in res.text
    p = service.get(res.proposal_ids[0])
    assert p is not None and p.args["picking_type_id"] == default
    user = directory.get("ava.buyer")
    assert user is not None
    d = service.decide(p.id, user, "approve", "ok")
    assert d.outcome == "executed", d.message
    po = odoo.search_read("purchase.order", [("origin", "=", f"QM-{p.id}")],
                          ["picking_type_id", "order_line", "amount_untaxed"], limit=1)[0]
    assert po["picking_type_id"][0] == default
    line = odoo.read("purchase.order.line", po["order_line"], ["price_unit", "date_planned"])[0]
    assert line["price_unit"] == pytest.approx(row["price"]) and line["date_planned"]
    assert f"created in Odoo for {row['partner_id'][1]}" in d.message and f"{row['price']:,.2f}" in d.message
