"""Helpers for the engine tests: a raw JSON-RPC/XML-RPC caller that keeps Odoo's error name."""

from __future__ import annotations

import datetime as dt
import json
import os
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("QM_SANDBOX_CACHE", ROOT / "var" / "cache" / "sandbox"))
TODAY = dt.date(2026, 11, 26)  # the minimal business is generated relative to this day


class Fault(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        data = error.get("data", {})
        super().__init__(f"{data.get('name')}: {data.get('message')}")
        self.error = error
        self.name: str = data.get("name", "")
        self.message: str = data.get("message", "")


def post(url: str, body: bytes, path: str = "/jsonrpc") -> dict[str, Any]:
    req = urllib.request.Request(url + path, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        assert resp.status == 200
        return json.loads(resp.read())


def rpc(url: str, service: str, method: str, *args: Any) -> Any:
    out = post(url, json.dumps({"jsonrpc": "2.0", "method": "call", "id": 7,
                                "params": {"service": service, "method": method, "args": list(args)}}).encode())
    if "error" in out:
        raise Fault(out["error"])
    return out.get("result")  # Odoo omits "result" when a method returns None


class Client:
    """execute_kw as admin (or another user) on a sandbox URL."""

    def __init__(self, url: str, login: str = "admin", password: str | None = None) -> None:
        self.url = url
        self.password = password or login
        self.uid = rpc(url, "common", "login", "quartermaster", login, self.password)
        assert self.uid, f"cannot log in as {login}"

    def __call__(self, model: str, method: str, *args: Any, **kw: Any) -> Any:
        return rpc(self.url, "object", "execute_kw", "quartermaster", self.uid, self.password, model, method,
                   list(args), kw)
