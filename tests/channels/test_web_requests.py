"""The purchase requests page (issue #14) over a real sandbox and the real governance, on both businesses: a
warehouse clerk raises a request (nothing in Odoo), a buyer sees the queue and turns it into an RFQ proposal in
one step, the clerk sees where it got to; a clerk cannot take requests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webapi_support import GovernedRuntime, page_csrf, web_login

from server import create_app
from tools.governance.audit import AuditLog
from tools.governance.identity import Directory
from tools.governance.policy import Policy
from tools.governance.proposals import ProposalService
from tools.governance.store import StateStore
from tools.odoo.client import OdooClient

ROOT = Path(__file__).resolve().parents[2]
BUSINESSES = {"bluebonnet": (None, "wes.warehouse", "ava.buyer"),
              "hollander": (ROOT / "sandbox" / "seed_hollander" / "users.yaml", "daan.magazijn", "sanne.inkoop")}


@pytest.fixture(params=list(BUSINESSES))
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[GovernedRuntime, str, str]]:
    from webapi_support import ScriptedAssistant

    from assistant.settings import load_settings

    users, clerk, buyer = BUSINESSES[request.param]
    running = request.getfixturevalue("fresh_sandbox" if request.param == "bluebonnet" else "fresh_sandbox_hollander")
    extra = {"QM_USERS_FILE": str(users)} if users else {}
    settings = load_settings(QM_DATA_DIR=str(tmp_path), QM_BRAIN="offline", **extra)
    odoo = OdooClient.connect(running.url, running.db, "admin", "admin")
    store = StateStore.open(settings.state_url)
    policy = Policy.load(settings.resolved_policy_file)
    directory = Directory.load(settings.resolved_users_file)
    audit = AuditLog(store)
    service = ProposalService(store, policy, directory, audit, odoo=odoo)
    rt = GovernedRuntime(settings, odoo, store, policy, directory, audit, service, None)  # type: ignore[arg-type]
    rt.assistant = ScriptedAssistant(rt)
    yield rt, clerk, buyer
    store.close()


def _product(odoo: OdooClient) -> str:
    rows = odoo.search_read("product.supplierinfo", [("price", ">", 0), ("min_qty", "<=", 1), ("date_end", "=", False)],
                            ["product_tmpl_id"], limit=30, order="id")
    for r in rows:
        prods = odoo.search_read("product.product", [("product_tmpl_id", "=", r["product_tmpl_id"][0])],
                                 ["default_code"], limit=2)
        if len(prods) == 1 and prods[0]["default_code"]:
            return str(prods[0]["default_code"])
    raise AssertionError("no purchasable product")


def test_request_queue_to_rfq_in_one_step(setup: tuple[GovernedRuntime, str, str]) -> None:
    rt, clerk, buyer = setup
    code = _product(rt.odoo)  # type: ignore[arg-type]
    pos_before = rt.odoo.search_count("purchase.order", [])  # type: ignore[attr-defined]
    with TestClient(create_app(rt.settings, rt), raise_server_exceptions=False) as client:
        web_login(client, clerk)
        page = client.get("/requests")
        assert page.status_code == 200 and "Raise a purchase request" in page.text
        assert "Turn into RFQ proposals" not in page.text  # the clerk is no buyer
        r = client.post("/requests/new", data={"product": code, "quantity": "6", "reason": "dock is low",
                                               "csrf_token": page_csrf(page.text)}, follow_redirects=True)
        assert "Purchase request P-" in r.text and "buyers" in r.text
        rid = re.search(r"Purchase request (P-[0-9a-f]+)", r.text).group(1)  # type: ignore[union-attr]
        assert "waiting for a buyer" in r.text
        bad = client.post("/requests/new", data={"product": code, "quantity": "lots",
                                                 "csrf_token": page_csrf(r.text)}, follow_redirects=True)
        assert "is not a quantity" in bad.text and bad.status_code == 200
        # the clerk cannot turn requests into RFQs (the tool is not theirs)
        denied = client.post("/requests/rfqs", data={"request": rid, "csrf_token": page_csrf(r.text)},
                             follow_redirects=True)
        assert "RFQ proposal P-" not in denied.text

        web_login(client, buyer)
        queue = client.get("/requests")
        assert rid in queue.text and "Turn into RFQ proposals" in queue.text
        done = client.post("/requests/rfqs", data={"request": rid, "choose_by": "price",
                                                   "csrf_token": page_csrf(queue.text)}, follow_redirects=True)
        assert "RFQ proposal P-" in done.text, done.text[:2000]
        assert rt.odoo.search_count("purchase.order", []) == pos_before  # type: ignore[attr-defined]
        req = rt.proposals.get(rid)
        assert req.state == "executed" and req.result["rfq_proposal"]

        web_login(client, clerk)
        mine = client.get("/requests")
        assert f"RFQ proposal {req.result['rfq_proposal']}" in mine.text
