"""Tryout 2 H4: a person whose Odoo user sees only one company asked for replenishment at their own warehouse
and got Odoo's raw "top-secret records" error. Reads under a person's company scope must work, and an Odoo
AccessError that does reach a person is one plain sentence (what they can't see, whom to ask)."""

from __future__ import annotations

from typing import Any

import pytest
from read_helpers import BUSINESSES, ctx_for
from tools_fakes import ScriptedOdoo

from tools.base import Identity, ToolContext
from tools.odoo.client import OdooClient
from tools.odoo.errors import OdooAccessError
from tools.registry import run_tool

ODOO_RAW = """Uh-oh! Looks like you have stumbled upon some top-secret records.

Sorry, Administrator (id=2) doesn't have 'read' access to:
- Contact (res.partner)

If you really, really need access, perhaps you can win over your friendly administrator with a batch of freshly baked cookies.

This seems to be a multi-company issue, you might be able to access the record by switching to the company: Acme Two."""


@pytest.mark.parametrize("business", BUSINESSES)
def test_replenishment_under_a_one_company_person(business: str, request: pytest.FixtureRequest) -> None:
    sb = request.getfixturevalue(business)
    odoo = OdooClient.connect(sb.url, sb.db, "admin", "admin")  # fresh client: nothing cached yet
    base = ctx_for(odoo, "buyer")
    # a person whose own Odoo user is in the company of the last warehouse only (when there are several)
    whs = odoo.search_read("stock.warehouse", [], ["code", "company_id"], order="id")
    wh = whs[-1]
    users = odoo.search_read("res.users", [("share", "=", False), ("login", "!=", "admin")],
                             ["login", "company_ids"], limit=200)
    person = next((u for u in users if u["company_ids"] == [wh["company_id"][0]]), users[0])
    ctx = ToolContext(user=Identity(username="p", role="buyer", odoo_login=person["login"], warehouse=wh["code"]),
                      odoo=odoo, policy=base.policy)
    res = run_tool(ctx, "replenishment_risk", {"warehouse": wh["code"]})
    assert res.ok, res.error
    # the same answer as the integration user's own (the warehouse is in the person's company)
    own = run_tool(ctx_for(OdooClient.connect(sb.url, sb.db, "admin", "admin"), "buyer"), "replenishment_risk",
                   {"warehouse": wh["code"]})
    assert own.ok and res.data.get("count") == own.data.get("count")


def test_access_error_is_one_sentence_for_people() -> None:
    def handler(model: str, method: str, args: list[Any], kw: dict[str, Any]) -> Any:
        raise OdooAccessError(ODOO_RAW, "odoo.exceptions.AccessError")

    odoo = ScriptedOdoo(handler)
    res = run_tool(ctx_for(odoo, "buyer"), "three_way_match_exceptions", {})
    assert not res.ok and res.data["code"] == "odoo_access"
    err = res.error or ""
    for raw in ("Uh-oh", "top-secret", "cookies", "id=2", "res.partner", "\n"):
        assert raw not in err, err
    assert "contact records" in err and "Acme Two" in err and "administrator" in err
    assert err.count(". ") == 0 and err.endswith(".")  # one sentence
