"""Eval fixtures derive from the connected Odoo (issue #9): an RFQ item's warehouse belongs to a company the
vendor's price is set up for, and an item with nothing to act on expects the answer that says so."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from assistant.eval.checkers import EvalEnv, nothing_to_do
from assistant.eval.fixtures import Fixtures


def test_rfq_warehouse_is_one_the_vendors_price_applies_to(odoo_hollander: Any) -> None:
    fx = Fixtures(odoo_hollander)
    companies_of_wh = {str(w["code"]): w["company_id"][0] for w in fx.warehouses()}
    assert len(set(companies_of_wh.values())) >= 2  # the second business has two companies
    checked = 0
    for n in range(1, 7):
        vendor, code = fx.vendor(f"v{n}"), fx.get("vendor_product", f"v{n}")
        prices = odoo_hollander.search_read("product.supplierinfo", [("partner_id.name", "=", vendor),
                                                                     ("product_id.default_code", "=", code)],
                                            ["company_id"], limit=50) or odoo_hollander.search_read(
            "product.supplierinfo", [("partner_id.name", "=", vendor),
                                     ("product_tmpl_id.product_variant_ids.default_code", "=", code)],
            ["company_id"], limit=50)
        allowed = {(r.get("company_id") or [None])[0] for r in prices}
        for sel in ("w1", "w2", "w3"):
            wh = fx.get("warehouse_code", f"{sel}+v{n}")
            assert None in allowed or not allowed or companies_of_wh[wh] in allowed, (vendor, code, wh, allowed)
            checked += 1
    assert checked


def test_nothing_to_act_on_is_computed_from_odoo(odoo_hollander: Any) -> None:
    fx = Fixtures(odoo_hollander)
    env = EvalEnv(odoo=odoo_hollander, fixtures=fx, runtime=SimpleNamespace(proposals=None))
    rows = fx.warehouses()
    by_company: dict[int, list[str]] = {}
    for w in rows:
        by_company.setdefault(w["company_id"][0], []).append(str(w["code"]))
    one, other = list(by_company.values())[:2]
    differ = nothing_to_do(env, {"nothing_when": {"different_companies": [one[0], other[0]]}})
    assert differ and differ[0] == "different_companies" and one[0] in differ[1]
    if len(one) > 1:
        assert nothing_to_do(env, {"nothing_when": {"different_companies": one[:2]}}) is None
    assert nothing_to_do(env, {"nothing_when": {"requests_waiting": True}})[0] == "requests_waiting"  # type: ignore[index]
    for w in rows:  # late receipts: "nothing to chase" exactly where Odoo has no overdue receipt of a PO
        late = odoo_hollander.search_count("stock.picking", fx._late_receipt_domain(str(w["code"])))
        got = nothing_to_do(env, {"nothing_when": {"late_receipts": str(w["code"])}})
        assert (got is None) == bool(late), (w["code"], late, got)


class _TwoCompanies:
    """Odoo's own demo shape: vendors priced for company 1 only, a second company with its own warehouse."""

    def search_read(self, model: str, domain: list[Any], fields: list[str], **kw: Any) -> list[dict[str, Any]]:
        if model == "stock.warehouse":
            return [{"id": 1, "name": "YourCompany", "code": "WH", "partner_id": False, "company_id": [1, "SF"]},
                    {"id": 2, "name": "My Company (Chicago)", "code": "My Co", "partner_id": False,
                     "company_id": [2, "Chicago"]},
                    {"id": 3, "name": "Second SF", "code": "SF2", "partner_id": False, "company_id": [1, "SF"]}]
        if model == "product.supplierinfo":
            return [{"product_tmpl_id": [7, "Chair"], "product_id": False, "company_id": [1, "SF"],
                     "partner_id": [9, "Wood Corner"]}]
        if model == "product.product":
            return [{"id": 70, "product_tmpl_id": [7, "Chair"], "default_code": "FURN_7777"}]
        return []

    def read_group(self, *a: Any, **k: Any) -> list[dict[str, Any]]:
        return [{"partner_id": [9, "Wood Corner"], "__count": 3}]


def test_a_price_of_one_company_sends_the_rfq_item_to_that_companys_warehouses() -> None:
    fx = Fixtures.__new__(Fixtures)
    fx.odoo, fx.knowledge, fx._cache, fx.tz = _TwoCompanies(), None, {}, "UTC"  # type: ignore[assignment]
    assert fx.get("warehouse_code", "w2") == "My Co"  # the plain selector: the other company's warehouse
    assert [fx.get("warehouse_code", f"w{n}+v1") for n in (1, 2, 3)] == ["WH", "SF2", "WH"]
