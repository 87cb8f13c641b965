"""Issue #14 end to end in chat (offline brain, real runtime, private sandbox of each business): a clerk's purchase
request lands in the buyers' queue as the clerk's own proposal (not model-suggested), a buyer lists and turns it
into an RFQ proposal, a transfer is proposed, unacknowledged orders are listed and "remind them all" proposes one
reminder per order. Nothing is written to Odoo by any of it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.runtime import Runtime
from assistant.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
BUSINESSES = {"bluebonnet": (None, "wes.warehouse", "ava.buyer"),
              "hollander": (ROOT / "sandbox" / "seed_hollander" / "users.yaml", "daan.magazijn", "sanne.inkoop")}


@pytest.fixture(params=list(BUSINESSES))
def chat(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Runtime, str, str]]:
    users, clerk, buyer = BUSINESSES[request.param]
    running = request.getfixturevalue("fresh_sandbox" if request.param == "bluebonnet" else "fresh_sandbox_hollander")
    extra: dict[str, Any] = {"users_file": users} if users else {}
    settings = load_settings(odoo_url=running.url, odoo_db=running.db, data_dir=tmp_path, brain="offline", **extra)
    rt = Runtime.build(settings)
    yield rt, clerk, buyer
    rt.close()


def _stocked(rt: Runtime, warehouse: str) -> str:
    wid = rt.odoo.search_read("stock.warehouse", [("code", "=", warehouse)], ["id", "lot_stock_id"])[0]
    quants = rt.odoo.search_read("stock.quant", [("location_id", "=", wid["lot_stock_id"][0]), ("quantity", ">", 20)],
                                 ["product_id"], limit=30, order="id")
    for q in quants:
        code = rt.odoo.read("product.product", [q["product_id"][0]], ["default_code"])[0]["default_code"]
        if code and rt.odoo.search_count("product.supplierinfo", [("product_tmpl_id.product_variant_ids", "in",
                                                                   [q["product_id"][0]])]):
            return str(code)
    raise AssertionError(f"no stocked purchasable product at {warehouse}")


def test_request_to_rfq_transfer_and_reminders_in_chat(chat: tuple[Runtime, str, str]) -> None:
    rt, clerk_name, buyer_name = chat
    clerk, buyer = rt.user(clerk_name), rt.user(buyer_name)
    assert clerk is not None and buyer is not None
    wh = str(clerk.warehouse)
    code = _stocked(rt, wh)
    pos = rt.odoo.search_count("purchase.order", [])
    picks = rt.odoo.search_count("stock.picking", [])

    asked = rt.assistant.ask(clerk, f"we need 12 {code} at {wh}, please raise a purchase request", thread_id="c1",
                             channel="web")
    assert [p["kind"] for p in asked.proposals] == ["request_purchase"], asked.answer
    rid = asked.proposals[0]["id"]
    req = rt.proposals.get(rid)
    assert req is not None and req.origin == "user" and not req.awaiting_requester  # buyers see it now
    assert any(p.id == rid for p in rt.proposals.list(state="pending", approver=buyer.username))

    queue = rt.assistant.ask(buyer, "what requests are waiting?", thread_id="b1", channel="web")
    assert rid in queue.answer
    turned = rt.assistant.ask(buyer, f"turn request {rid} into an RFQ", thread_id="b1", channel="web")
    rfq_ids = re.findall(r"RFQ proposal (P-[0-9a-f]+)", turned.answer)
    assert rfq_ids, turned.answer
    rfq = rt.proposals.get(rfq_ids[0])
    assert rfq is not None and rfq.kind == "create_rfq" and rfq.origin == "user"
    assert rfq.args["links"]["requests"] == [rid]

    other = next(w["code"] for w in rt.odoo.search_read("stock.warehouse", [], ["code", "company_id"])
                 if w["code"] != wh and w["company_id"] == rt.odoo.search_read(
                     "stock.warehouse", [("code", "=", wh)], ["company_id"])[0]["company_id"])
    can = rt.assistant.ask(clerk, f"can we transfer {code} from {wh} to {other}?", thread_id="c2", channel="web")
    assert not can.proposals and f"transfer 20 {code} from {wh} to {other}" in can.answer
    moved = rt.assistant.ask(clerk, f"transfer 2 {code} from {wh} to {other}", thread_id="c2", channel="web")
    assert [p["kind"] for p in moved.proposals] == ["transfer_stock"], moved.answer
    assert rt.proposals.get(moved.proposals[0]["id"]).origin == "user"  # type: ignore[union-attr]

    listed = rt.assistant.ask(buyer, "which RFQs have not been confirmed by the supplier yet?", thread_id="b2",
                              channel="web")
    assert [c["name"] for c in listed.tool_calls] == ["vendor_confirmations"]
    count = int(re.search(r"(\d+) order\(s\) not acknowledged", listed.answer).group(1))  # type: ignore[union-attr]
    if count:
        reminded = rt.assistant.ask(buyer, "remind them all", thread_id="b2", channel="web")
        assert reminded.proposals and all(p["kind"] == "remind_unconfirmed" for p in reminded.proposals)
        for p in reminded.proposals:
            stored = rt.proposals.get(p["id"])
            assert stored is not None and stored.kind == "remind_supplier" and stored.origin == "user"
    assert rt.odoo.search_count("purchase.order", []) == pos
    assert rt.odoo.search_count("stock.picking", []) == picks
