"""The contract target: a real Odoo 18 when QM_CONTRACT_ODOO_URL is set, else a private sandbox of each demo
business (bluebonnet and hollander; QM_CONTRACT_SANDBOX_BUSINESS picks one).

Contract tests only assert what holds on any Odoo 18 database: they create their own records
(tagged LAB-TEST) and look up what they need, never relying on demo data ids.
"""

from __future__ import annotations

import os
import uuid
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from contract_helpers import Target

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("QM_SANDBOX_CACHE", ROOT / "var" / "cache" / "sandbox"))


def _targets() -> list[str]:
    """A real Odoo when QM_CONTRACT_ODOO_URL is set; else both sandbox businesses (or the one
    QM_CONTRACT_SANDBOX_BUSINESS names): the suite must hold on any Odoo's data."""
    if os.environ.get("QM_CONTRACT_ODOO_URL"):
        return ["odoo"]
    one = os.environ.get("QM_CONTRACT_SANDBOX_BUSINESS")
    return [one] if one else ["bluebonnet", "hollander"]


@pytest.fixture(scope="session", params=_targets())
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    url = os.environ.get("QM_CONTRACT_ODOO_URL")
    if url:
        yield Target(url.rstrip("/"), os.environ.get("QM_CONTRACT_ODOO_DB", "lab"),
                     os.environ.get("QM_CONTRACT_ODOO_LOGIN", "admin"),
                     os.environ.get("QM_CONTRACT_ODOO_PASSWORD", "admin"), False)
        return
    from sandbox.launch import start_sandbox
    business = str(request.param)
    running = start_sandbox(tmp_path_factory.mktemp("contract"), port=0, scale=1, cache_dir=CACHE, business=business)
    try:
        yield Target(running.url, running.db, "admin", "admin", True, business)
    finally:
        running.stop()


@pytest.fixture(scope="session")
def odoo(target: Target) -> Any:
    import odoorpc  # type: ignore[import-untyped]
    host, port = target.host_port
    o = odoorpc.ODOO(host, port=port, timeout=60)
    o.login(target.db, target.login, target.password)
    return o


@pytest.fixture(scope="session")
def xml(target: Target) -> tuple[Any, int, Any]:
    common = xmlrpc.client.ServerProxy(target.url + "/xmlrpc/2/common")
    uid = common.authenticate(target.db, target.login, target.password, {})
    obj = xmlrpc.client.ServerProxy(target.url + "/xmlrpc/2/object")

    def call(model: str, method: str, args: list[Any], kw: dict[str, Any] | None = None) -> Any:
        return obj.execute_kw(target.db, uid, target.password, model, method, args, kw or {})
    return obj, uid, call


@pytest.fixture()
def tag() -> str:
    return f"LAB-TEST-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def vendor_product(odoo: Any) -> tuple[int, int]:
    """A company partner and a purchasable goods product of this database."""
    ek = odoo.execute_kw
    partner = ek("res.partner", "search", [[("is_company", "=", True)]], {"limit": 1})[0]
    goods = ek("product.product", "search_read", [[("purchase_ok", "=", True), ("type", "=", "consu")]],
               {"fields": ["uom_id", "uom_po_id"], "limit": 50})
    same_uom = [p["id"] for p in goods if p["uom_id"] == p["uom_po_id"]]
    assert same_uom, "the database needs a purchasable goods product bought in its own unit"
    product = same_uom[0]
    return partner, product
