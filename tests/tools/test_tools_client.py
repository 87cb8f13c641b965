"""OdooClient's promises, with odoorpc replaced by a scripted transport: reads retried on transport
faults, writes never; one re-login on a lost session; errors classified; round trips counted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import odoorpc.error  # type: ignore[import-untyped]
import pytest

from tools.odoo.client import OdooClient
from tools.odoo.errors import OdooAccessError, OdooUnavailable, OdooValidationError


class Transport:
    """Stands in for odoorpc.ODOO: answers each execute_kw from a script of results/exceptions."""

    def __init__(self, script: list[Any]) -> None:
        self.script = list(script)
        self.seen: list[tuple[str, str, dict[str, Any]]] = []

    def execute_kw(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        self.seen.append((model, method, kwargs))
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step


def client_with(script: list[Any], logins: list[int] | None = None) -> tuple[OdooClient, Transport]:
    c = OdooClient("http://127.0.0.1:9", "db", "admin", "admin", timeout=1, read_retries=2)
    t = Transport(script)
    c._odoo = t
    c.context = {"lang": "en_US", "tz": "UTC"}

    def relogin() -> None:
        (logins if logins is not None else []).append(1)
        c._odoo = t

    c._login = relogin  # type: ignore[method-assign]
    return c, t


def rpc_error(name: str, message: str) -> odoorpc.error.RPCError:
    return odoorpc.error.RPCError(message, info={"code": 200, "data": {"name": name, "message": message}})


def test_reads_are_retried_on_fast_transport_faults_and_counted() -> None:
    c, t = client_with([ConnectionRefusedError("refused"), ConnectionResetError("reset"), [{"id": 1}]])
    with c.measure() as stats:
        assert c.search_read("res.partner", [], ["id"]) == [{"id": 1}]
    assert stats.calls == 3 and len(t.seen) == 3


def test_a_timeout_is_never_retried() -> None:
    c, t = client_with([TimeoutError("timed out"), [{"id": 1}]])
    with pytest.raises(OdooUnavailable, match="did not answer within 1 s"):
        c.search_read("res.partner", [], ["id"])
    assert len(t.seen) == 1


def test_reads_give_up_with_odoo_unavailable() -> None:
    c, _ = client_with([ConnectionRefusedError("refused")] * 3)
    with pytest.raises(OdooUnavailable, match=r"is not reachable: nothing answers there \(refused\)"):
        c.search_read("res.partner", [], ["id"])


def test_a_hung_server_costs_one_timeout_not_three() -> None:
    """Against a real socket that accepts and never answers (a paused Odoo): bounded by the timeout."""
    import socket
    import time

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    port = srv.getsockname()[1]
    try:
        import urllib.request

        class Http:  # the same urllib call odoorpc makes, minus its login round trips
            def execute_kw(self, *a: Any) -> Any:
                return urllib.request.urlopen(f"http://127.0.0.1:{port}/jsonrpc", data=b"{}", timeout=1.0).read()

        c = OdooClient(f"http://127.0.0.1:{port}", "db", "admin", "admin", timeout=1.0, read_retries=2)
        c._odoo = Http()
        t0 = time.monotonic()
        with pytest.raises(OdooUnavailable, match="did not answer within 1 s"):
            c.search_read("res.partner", [], ["id"])
        assert time.monotonic() - t0 < 1.8
    finally:
        srv.close()


def test_writes_are_never_retried() -> None:
    c, t = client_with([ConnectionResetError("reset"), True])
    with pytest.raises(OdooUnavailable):
        c.call("purchase.order", "button_confirm", [[1]])
    assert len(t.seen) == 1


def test_lost_session_logs_in_once_and_replays() -> None:
    logins: list[int] = []
    expired = rpc_error("odoo.http.SessionExpiredException", "Session expired")
    c, t = client_with([expired, [{"id": 7}]], logins)
    assert c.search_read("res.partner", [], ["id"]) == [{"id": 7}]
    assert logins == [1] and len(t.seen) == 2
    c2, _ = client_with([expired, expired], [])
    with pytest.raises(Exception, match="Session expired"):
        c2.search_read("res.partner", [], ["id"])


@pytest.mark.parametrize(("name", "cls"), [("odoo.exceptions.AccessError", OdooAccessError),
                                           ("odoo.exceptions.UserError", OdooValidationError)])
def test_odoo_errors_are_classified_not_retried(name: str, cls: Callable[..., Exception]) -> None:
    c, t = client_with([rpc_error(name, "nope")])
    with pytest.raises(cls, match="nope"):  # type: ignore[arg-type]
        c.search_read("account.move", [], ["id"])
    assert len(t.seen) == 1


def test_context_is_merged_into_every_call() -> None:
    c, t = client_with([[]])
    c.search_read("product.product", [], ["qty_available"], context={"warehouse_id": 3})
    assert t.seen[0][2]["context"] == {"lang": "en_US", "tz": "UTC", "warehouse_id": 3}


def test_reference_cache_is_per_key_and_expires() -> None:
    c, _ = client_with([])
    loads: list[int] = []
    assert c.cached("k", lambda: loads.append(1) or "v") == "v"
    assert c.cached("k", lambda: loads.append(1) or "w") == "v"
    assert c.cached("k", lambda: loads.append(1) or "x", ttl=0) == "x"
    c.invalidate("k")
    assert c.cached("k", lambda: loads.append(1) or "y") == "y"
    assert len(loads) == 3
