"""Try-out fixes end to end in chat (offline brain, real runtime, a private sandbox of each business): the
person's own requests are theirs (an explicit approval, an RFQ completed through the question back), a cancel
keeps its reason, "remind them all" reminds only the orders just shown, a warehouse clerk's price question gets
the role sentence, a transfer "tmrw" is dated tomorrow in the company's zone. Nothing is written to Odoo."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from assistant.planner.intents import local_today
from assistant.planner.lexicon import load_lexicon
from assistant.runtime import Runtime
from assistant.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
#: users file, manager, buyer, warehouse clerk of each business
BUSINESSES = {"bluebonnet": (None, "maria.manager", "ava.buyer", "wes.warehouse"),
              "hollander": (ROOT / "sandbox" / "seed_hollander" / "users.yaml", "pieter.manager", "sanne.inkoop",
                            "daan.magazijn")}
_REF = re.compile(r"(?<![/\w])(P\d{5,}|[A-Z]{1,5}/\d{4}/\d{3,})(?![/\w])")


@pytest.fixture(params=list(BUSINESSES))
def chat(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Runtime, tuple[str, str, str]]]:
    users, *people = BUSINESSES[request.param]
    running = request.getfixturevalue("fresh_sandbox" if request.param == "bluebonnet" else "fresh_sandbox_hollander")
    extra: dict[str, Any] = {"users_file": users} if users else {}
    rt = Runtime.build(load_settings(odoo_url=running.url, odoo_db=running.db, data_dir=tmp_path, brain="offline",
                                     **extra))
    yield rt, (people[0], people[1], people[2])
    rt.close()


def _ask(rt: Runtime, who: str, text: str, thread: str) -> Any:
    user = rt.user(who)
    assert user is not None, who
    return rt.assistant.ask(user, text, thread_id=thread, channel="web")


def _vendor_product(rt: Runtime, wh: str) -> tuple[str, str]:
    """A product some vendor sells, and that vendor's name."""
    company = rt.odoo.search_read("stock.warehouse", [("code", "=", wh)], ["company_id"])[0]["company_id"][0]
    for si in rt.odoo.search_read("product.supplierinfo", [("company_id", "in", [company, False])],
                                  ["partner_id", "product_tmpl_id"], limit=50, order="id"):
        prods = rt.odoo.search_read("product.product", [("product_tmpl_id", "=", si["product_tmpl_id"][0])],
                                    ["default_code"], limit=2)
        if len(prods) == 1 and prods[0]["default_code"]:
            return str(prods[0]["default_code"]), str(si["partner_id"][1])
    raise AssertionError("no single-variant product with a vendor")


def test_tryout_requests_are_the_persons_own(chat: tuple[Runtime, tuple[str, str, str]]) -> None:
    rt, (manager, buyer, clerk) = chat
    pos_before = rt.odoo.search_count("purchase.order", [])

    # an explicit approval (Odoo's second step) or, where no order waits for one, a cancellation with a reason
    waiting = rt.odoo.search_read("purchase.order", [("state", "=", "to approve")], ["name"], limit=1)
    if waiting:
        asked = _ask(rt, manager, f"approve {waiting[0]['name']} in odoo", "m1")
        assert [p["kind"] for p in asked.proposals] == ["approve_purchase_order"], asked.answer
        p = rt.proposals.get(asked.proposals[0]["id"])
        assert p is not None and p.origin == "user" and not p.awaiting_requester, asked.answer
        assert "quartermaster proposals" not in asked.answer and "content I read" not in asked.answer
    draft = rt.odoo.search_read("purchase.order", [("state", "in", ["draft", "sent"])], ["name"], limit=1)[0]["name"]
    cancel = _ask(rt, buyer, f"cancel {draft} pls, wrong vendor", "b0")
    assert [p["kind"] for p in cancel.proposals] == ["cancel_purchase_order"], cancel.answer
    c = rt.proposals.get(cancel.proposals[0]["id"])
    assert c is not None and c.args["reason"] == "wrong vendor" and c.origin == "user"

    # an RFQ whose vendor the person gives in answer to the assistant's question
    wh = str(rt.user(buyer).warehouse or rt.odoo.search_read("stock.warehouse", [], ["code"], limit=1)[0]["code"])
    code, vendor = _vendor_product(rt, wh)
    q = _ask(rt, buyer, f"we need 20 more {code} at {wh}, can u get an rfq going", "b1")
    assert not q.proposals and "vendor" in q.answer.lower(), q.answer
    rfq = _ask(rt, buyer, vendor, "b1")
    assert [p["kind"] for p in rfq.proposals] == ["create_rfq"], rfq.answer
    r = rt.proposals.get(rfq.proposals[0]["id"])
    assert r is not None and r.origin == "user" and not r.awaiting_requester, rfq.answer

    # "remind them all" after a list: only the orders that list showed, each proposal id printed once
    listed = _ask(rt, buyer, "list the open rfqs", "b2")
    shown = set(_REF.findall(listed.answer))
    assert shown, listed.answer
    reminded = _ask(rt, buyer, "remind them all", "b2")
    for prop in reminded.proposals:
        for rem in (rt.proposals.get(prop["id"]),):
            assert rem is not None and rem.kind == "remind_supplier" and rem.args["po"] in shown, rem
        assert reminded.answer.count(prop["id"]) == 1, reminded.answer
    assert reminded.proposals or "nothing was proposed" in reminded.answer

    # a warehouse clerk asks about prices: the role sentence, no other answer in its place
    price = _ask(rt, clerk, f"how much did we pay for {code} last time", "c1")
    assert not price.tool_calls and "not available to your role" in price.answer, price.answer

    # a transfer "tmrw" is dated tomorrow in the company's zone
    whs = [w["code"] for w in rt.odoo.search_read("stock.warehouse", [("company_id", "=", rt.odoo.search_read(
        "stock.warehouse", [("code", "=", wh)], ["company_id"])[0]["company_id"][0])], ["code"])]
    other = next(w for w in whs if w != wh)
    moved = _ask(rt, clerk, f"transfer 1 {code} from {wh} to {other} tmrw", "c2")
    call = next(c for c in moved.tool_calls if c["name"] == "transfer_stock")
    tz = load_lexicon(rt.odoo).tz
    assert call["args"]["date"] == (local_today(tz) + timedelta(days=1)).isoformat(), moved.answer
    assert rt.odoo.search_count("purchase.order", []) == pos_before
