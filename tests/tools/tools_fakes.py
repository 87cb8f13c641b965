"""A scripted OdooClient (no server) for the tool tests' pure parts, plus reference rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tools.odoo.client import OdooClient

Handler = Callable[[str, str, list[Any], dict[str, Any]], Any]


class ScriptedOdoo(OdooClient):
    """An OdooClient whose round trips are answered by a Python function; counts them like the real one."""

    def __init__(self, handler: Handler) -> None:
        super().__init__("http://127.0.0.1:9", "test", "admin", "admin")
        self.handler = handler
        self.log: list[tuple[str, str]] = []
        self._odoo = object()  # "logged in"

    def execute_kw(self, model: str, method: str, args: list[Any] | None = None,
                   kwargs: dict[str, Any] | None = None) -> Any:
        self._count(1, 0.0)
        self.log.append((model, method))
        return self.handler(model, method, list(args or []), dict(kwargs or {}))


WAREHOUSES = [
    {"id": 1, "name": "Dallas Central DC", "code": "DAL", "in_type_id": [1, "DAL: Receipts"],
     "out_type_id": [2, "DAL: Delivery Orders"], "lot_stock_id": [8, "DAL/Stock"]},
    {"id": 2, "name": "Houston Gulf DC", "code": "HOU", "in_type_id": [3, "HOU: Receipts"],
     "out_type_id": [4, "HOU: Delivery Orders"], "lot_stock_id": [9, "HOU/Stock"]},
    {"id": 3, "name": "Austin Healthcare Hub", "code": "AUS", "in_type_id": [5, "AUS: Receipts"],
     "out_type_id": [6, "AUS: Delivery Orders"], "lot_stock_id": [10, "AUS/Stock"]},
    {"id": 4, "name": "San Antonio South", "code": "SAT", "in_type_id": [7, "x"], "out_type_id": [8, "x"]},
    {"id": 5, "name": "Oklahoma City North", "code": "OKC", "in_type_id": [9, "x"], "out_type_id": [10, "x"]},
]
VENDORS = [
    {"id": 10, "name": "Apex Industrial Supply", "ref": "V-APEX"},
    {"id": 11, "name": "Summit Medical Distributors", "ref": None},
    {"id": 12, "name": "Northgate Medical Supply", "ref": None},
    {"id": 13, "name": "Redline Fasteners", "ref": "V-RED"},
    {"id": 14, "name": "Gemini Furniture", "ref": None},
    {"id": 15, "name": "Pioneer Safety Products", "ref": None},
]


def reference_handler(model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """Answers the reference-list loads (warehouses, vendors) and nothing else."""
    if model == "stock.warehouse" and method == "search_read":
        return [dict(w) for w in WAREHOUSES]
    if model == "res.partner" and method == "search_read":
        return [dict(v) for v in VENDORS]
    if method == "read_group":
        return []
    raise AssertionError(f"unexpected call {model}.{method}")
