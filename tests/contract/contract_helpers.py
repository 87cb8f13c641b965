"""Helpers shared by the contract tests: the target description, a raw JSON-RPC call, a LAB-TEST PO."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass
class Target:
    url: str
    db: str
    login: str
    password: str
    is_sandbox: bool
    business: str | None = None  # the sandbox's demo business (None on a real Odoo)

    @property
    def host_port(self) -> tuple[str, int]:
        from urllib.parse import urlparse
        p = urlparse(self.url)
        return p.hostname or "127.0.0.1", p.port or 80


class JsonRpcFault(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("data", {}).get("message", error.get("message")))
        self.error = error
        self.name = error.get("data", {}).get("name", "")
        self.message = error.get("data", {}).get("message", "")


def jsonrpc(url: str, service: str, method: str, *args: Any) -> Any:
    """A raw /jsonrpc call that keeps Odoo's error data (odoorpc hides the exception name)."""
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": {"service": service, "method": method,
                                                                      "args": list(args)}, "id": 1}).encode()
    req = urllib.request.Request(url + "/jsonrpc", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        out = json.loads(resp.read())
    if "error" in out:
        raise JsonRpcFault(out["error"])
    return out.get("result")  # Odoo omits "result" when a method returns None



def make_po(odoo: Any, vendor_product: tuple[int, int], tag: str, qty: float = 7.0) -> int:
    partner, product = vendor_product
    return int(odoo.execute_kw("purchase.order", "create", [{
        "partner_id": partner, "partner_ref": tag, "origin": tag,
        "order_line": [(0, 0, {"product_id": product, "product_qty": qty, "price_unit": 12.5})]}]))
