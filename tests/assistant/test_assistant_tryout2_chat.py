"""Second try-out in chat, on a private sandbox of each business (offline brain, real runtime): "chase them pls"
and "cancel it, ..." right after a PO was shown are the person's own requests (sent to the approvers, one
consistent sentence), and "how many <code> we got at <wh> rn" answers stock on hand. Nothing is written to Odoo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.runtime import Runtime
from assistant.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
BUSINESSES = {"bluebonnet": (None, "ava.buyer"),
              "hollander": (ROOT / "sandbox" / "seed_hollander" / "users.yaml", "sanne.inkoop")}


@pytest.fixture(params=list(BUSINESSES))
def chat(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Runtime, str]]:
    users, buyer = BUSINESSES[request.param]
    running = request.getfixturevalue("fresh_sandbox" if request.param == "bluebonnet" else "fresh_sandbox_hollander")
    extra: dict[str, Any] = {"users_file": users} if users else {}
    rt = Runtime.build(load_settings(odoo_url=running.url, odoo_db=running.db, data_dir=tmp_path, brain="offline",
                                     **extra))
    yield rt, buyer
    rt.close()


def _ask(rt: Runtime, who: str, text: str, thread: str) -> Any:
    user = rt.user(who)
    assert user is not None, who
    return rt.assistant.ask(user, text, thread_id=thread, channel="web")


def _open_po(rt: Runtime) -> str:
    rows = rt.odoo.search_read("purchase.order", [("state", "=", "purchase"), ("receipt_status", "!=", "full")],
                               ["name"], limit=1, order="date_planned asc")
    assert rows, "no confirmed PO still to receive"
    return str(rows[0]["name"])


@pytest.mark.parametrize(("command", "kind"), [("chase them pls", "remind_supplier"),
                                              ("cancel it, we ordered from someone else", "cancel_purchase_order")])
def test_pointer_after_a_po_is_the_persons_request(chat: tuple[Runtime, str], command: str, kind: str) -> None:
    rt, buyer = chat
    po = _open_po(rt)
    shown = _ask(rt, buyer, f"status of {po}?", "t-ptr")
    assert po in shown.answer
    done = _ask(rt, buyer, command, "t-ptr")
    assert [c["name"] for c in done.tool_calls] == [kind], done.tool_calls
    assert done.tool_calls[0]["args"].get("po") == po
    assert done.proposals and done.proposals[0]["state"] == "pending"
    assert "did not clearly ask" not in done.answer and "did not send it for approval" not in done.answer
    assert "Needs approval" in done.answer or "approv" in done.answer.lower()
    # a fresh thread: nothing was discussed, so the same words are not the person's request on that PO
    alone = _ask(rt, buyer, command, "t-fresh")
    assert not any(c["name"] == kind and (c.get("args") or {}).get("po") == po and c.get("ok")
                   for c in alone.tool_calls) or "did not send it for approval" in alone.answer


def test_how_many_we_got_rn_is_stock(chat: tuple[Runtime, str]) -> None:
    rt, buyer = chat
    wh = rt.odoo.search_read("stock.warehouse", [], ["code"], limit=1, order="id")[0]["code"]
    prod = rt.odoo.search_read("product.product", [("default_code", "!=", False), ("type", "in", ["product",
                               "consu"])], ["default_code"], limit=1, order="id")[0]["default_code"]
    res = _ask(rt, buyer, f"hw many {prod} we got in {wh} rn", "t-stock")
    assert [c["name"] for c in res.tool_calls] == ["stock_levels"], res.tool_calls
