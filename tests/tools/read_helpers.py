"""Shared bits of the tests of the issue-#10 read tools: contexts per role, the company's local days
computed here (not with the tools' helpers), and a policy that lends a tool to the warehouse role so
its money redaction can be checked."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from tools.base import Identity, ToolContext, ToolResult
from tools.governance.policy import Policy
from tools.odoo.client import OdooClient
from tools.odoo.resolve import company_tz
from tools.registry import run_tool

POLICY_FILE = Path(__file__).resolve().parents[2] / "tools" / "governance" / "default_policy.yaml"
MONEY_KEY = re.compile(r"(^|_)(amount|price|total_untaxed|total_residual)(_|$)")


def policy(lend_to_warehouse: str | None = None) -> Policy:
    data = yaml.safe_load(POLICY_FILE.read_text())
    if lend_to_warehouse:
        data["roles"]["warehouse"]["tools"] = [*data["roles"]["warehouse"]["tools"], lend_to_warehouse]
    return Policy.from_dict(data)


def ctx_for(odoo: OdooClient, role: str, pol: Policy | None = None) -> ToolContext:
    return ToolContext(user=Identity(username=f"test-{role}", role=role), odoo=odoo, policy=pol or policy())


def call(ctx: ToolContext, name: str, **args: Any) -> ToolResult:
    res = run_tool(ctx, name, args)
    assert res.ok, f"{name}({args}): {res.error}"
    return res


def zone(odoo: OdooClient) -> ZoneInfo:
    return ZoneInfo(company_tz(odoo))


def local_today(odoo: OdooClient) -> date:
    return datetime.now(UTC).astimezone(zone(odoo)).date()


def utc_bounds(odoo: OdooClient, lo: date, hi: date) -> tuple[str, str]:
    """[local midnight of lo, local midnight after hi) as naive-UTC strings."""
    z = zone(odoo)
    start = datetime.combine(lo, time.min, tzinfo=z).astimezone(UTC)
    end = datetime.combine(hi + timedelta(days=1), time.min, tzinfo=z).astimezone(UTC)
    return start.strftime("%Y-%m-%d %H:%M:%S"), end.strftime("%Y-%m-%d %H:%M:%S")


def local_date(odoo: OdooClient, value: str) -> date:
    return datetime.fromisoformat(value).replace(tzinfo=UTC).astimezone(zone(odoo)).date()


@lru_cache(maxsize=8)
def company_currency(odoo: OdooClient) -> str:
    user = odoo.read("res.users", [int(odoo.uid or 2)], ["company_id"])[0]
    company = odoo.read("res.company", [user["company_id"][0]], ["currency_id"])[0]
    return str(company["currency_id"][1])


def money_keys(value: Any) -> list[str]:
    """Every key at any depth that names an amount or a price."""
    found: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if MONEY_KEY.search(str(k)):
                found.append(str(k))
            found += money_keys(v)
    elif isinstance(value, list):
        for v in value:
            found += money_keys(v)
    return found


def no_money_text(res: ToolResult, currency: str) -> bool:
    blob = res.text + json.dumps(res.data)
    return not re.search(rf"\d[\d,]*\.\d\d\s?{currency}", blob)


def shared_word(names: list[str]) -> str:
    """A word (5+ letters) found in at least two of `names`: a name that must be ambiguous."""
    counts: dict[str, int] = {}
    for n in names:
        for w in set(re.findall(r"[a-z]{5,}", n.split("]")[-1].lower())):
            counts[w] = counts.get(w, 0) + 1
    return next(w for w, c in sorted(counts.items(), key=lambda x: (-x[1], x[0])) if c >= 2)


def ambiguous_product(odoo: OdooClient) -> str:
    return shared_word([r["display_name"] for r in odoo.search_read("product.product", [], ["display_name"],
                                                                   limit=2000)])


def ambiguous_vendor(odoo: OdooClient) -> str | None:
    """None when no two vendors share a word (some businesses have none)."""
    return shared_word_or_none([r["name"] for r in odoo.search_read("res.partner", [("supplier_rank", ">", 0),
                                                                           ("is_company", "=", True)],
                                                           ["name"], limit=2000)])


# -- both sandbox businesses -------------------------------------------------------------------------
BUSINESSES = ["sandbox", "sandbox_hollander"]  # the default business, and the EUR one with GBP/USD and UoMs


def business_odoo(request: Any) -> OdooClient:
    """An admin client on the sandbox business named by the fixture's param (skipped where that
    business's fixture is not in this tree)."""
    import pytest

    try:
        sb = request.getfixturevalue(request.param)
    except pytest.FixtureLookupError:
        pytest.skip(f"no {request.param} fixture in this tree")
    return OdooClient.connect(sb.url, sb.db, "admin", "admin")


@lru_cache(maxsize=8)
def company_currency_id(odoo: OdooClient) -> int:
    user = odoo.read("res.users", [int(odoo.uid or 2)], ["company_id"])[0]
    return int(odoo.read("res.company", [user["company_id"][0]], ["currency_id"])[0]["currency_id"][0])


def has_field(odoo: OdooClient, model: str, field: str) -> bool:
    return field in (odoo.execute_kw(model, "fields_get", [[field]], {"attributes": ["type"]}) or {})


def today_rates(odoo: OdooClient) -> dict[int, float]:
    """{currency id: Odoo's current rate against the company currency}; {} on an Odoo without rates."""
    if not has_field(odoo, "res.currency", "rate"):
        return {}
    return {r["id"]: float(r["rate"]) for r in odoo.search_read("res.currency", [], ["rate"], limit=200)
            if r.get("rate")}


def po_in_company(odoo: OdooClient, po: dict[str, Any], amount: float) -> float:
    """A PO amount in the company currency: at the PO's own rate (as purchase.report), else unchanged
    when the PO is in the company currency."""
    if po["currency_id"][0] == company_currency_id(odoo):
        return amount
    return amount / float(po["currency_rate"])


def shared_word_or_none(names: list[str]) -> str | None:
    try:
        return shared_word(names)
    except StopIteration:
        return None
