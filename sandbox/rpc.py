"""Odoo 18's RPC services (common, object, db) over JSON-RPC and XML-RPC, with Odoo's error shapes.

Each ``object`` call runs in one SQLite transaction: committed on success, rolled back on any error.
XML-RPC results are marshalled *after* the commit, so a method returning None still takes effect and
the caller gets Fault 1 "cannot marshal None", exactly like a real Odoo.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import threading
import traceback
import xmlrpc.client
from pathlib import Path
from typing import Any

from sandbox import passwords
from sandbox.errors import (
    AccessDenied,
    BadRequest,
    DbError,
    PyKeyError,
    PyTypeError,
    PyValueError,
    RpcError,
)
from sandbox.orm.env import Env
from sandbox.orm.schema import build
from sandbox.store import connect

DB_NAME = "quartermaster"
VERSION_INFO = {"server_version": "18.0", "server_version_info": [18, 0, 0, "final", 0, ""],
                "server_serie": "18.0", "protocol_version": 1}


class Service:
    """Holds the connection and the registry; serialises calls (SQLite has one writer anyway)."""

    def __init__(self, db_path: Path, db_name: str = DB_NAME) -> None:
        self.db_name = db_name
        self.registry = build()
        self.conn: sqlite3.Connection = connect(db_path)
        self.lock = threading.Lock()
        # (uid, password) -> the hash it was checked against; a changed hash or a deactivated user invalidates it
        self.auth_cache: dict[tuple[int, str], str] = {}

    # -- dispatch ---------------------------------------------------------------------------
    def dispatch(self, service: Any, method: Any, args: Any) -> Any:
        if not isinstance(args, (list, tuple)):
            raise PyTypeError(f"args must be a list, got {type(args).__name__}")
        args = list(args)
        if service == "common":
            return self._common(method, args)
        if service == "db":
            return self._db(method, args)
        if service == "object":
            return self._object(method, args)
        raise PyKeyError(f"Unknown service {service!r} (known: common, db, object)")

    def _common(self, method: Any, args: list[Any]) -> Any:
        if method == "version":
            return dict(VERSION_INFO)
        if method == "about":
            return "See http://openerp.com" if not args else ["See http://openerp.com", "18.0"]
        if method in ("login", "authenticate"):
            want = 3 if method == "login" else 4
            if len(args) != want:
                raise PyTypeError(f"exp_{method}() takes {want} positional arguments but {len(args)} were given")
            db, login, password = args[:3]
            self._check_db(db)
            with self.lock:
                uid = self._authenticate(login, password)
            return uid or False
        raise PyKeyError(f"Unknown method {method!r} of service 'common' (known: version, login, authenticate)")

    def _db(self, method: Any, args: list[Any]) -> Any:
        if method == "list":
            return [self.db_name]
        if method == "server_version":
            return "18.0"
        if method in ("db_exist",):
            return bool(args) and args[0] == self.db_name
        if method == "list_lang":
            return [["en_US", "English (US)"]]
        raise AccessDenied()

    def _check_db(self, db: Any) -> None:
        if db != self.db_name:
            raise DbError(f'connection to server failed: FATAL:  database "{db}" does not exist')

    def _authenticate(self, login: Any, password: Any) -> int | None:
        if not isinstance(login, str) or not isinstance(password, str) or not login:
            return None
        row = self.conn.execute("SELECT id, password_crypt FROM res_users WHERE login = ? AND active = 1",
                                [login]).fetchone()
        if not row:
            return None
        uid, crypt = row
        if self.auth_cache.get((uid, password)) == crypt or passwords.verify(password, crypt):
            self.auth_cache[(uid, password)] = crypt
            return int(uid)
        return None

    def _check_uid(self, uid: Any, password: Any) -> int:
        if isinstance(uid, bool) or not isinstance(uid, int) or not isinstance(password, str):
            raise AccessDenied()
        row = self.conn.execute("SELECT password_crypt FROM res_users WHERE id = ? AND active = 1", [uid]).fetchone()
        if not row or not row[0]:
            raise AccessDenied()
        if self.auth_cache.get((uid, password)) != row[0]:
            if not passwords.verify(password, row[0]):
                raise AccessDenied()
            self.auth_cache[(uid, password)] = row[0]
        return uid

    def _object(self, method: Any, args: list[Any]) -> Any:
        from sandbox import methods
        if method == "execute_kw":
            if not 6 <= len(args) <= 7:
                raise PyTypeError(f"execute_kw() takes from 6 to 7 positional arguments but {len(args)} were given")
            db, uid, password, model, meth, margs = args[:6]
            kwargs = args[6] if len(args) > 6 else {}
        elif method == "execute":
            if len(args) < 5:
                raise PyTypeError(f"execute() takes at least 5 positional arguments ({len(args)} given)")
            db, uid, password, model, meth = args[:5]
            margs, kwargs = args[5:], {}
        else:
            raise PyKeyError(f"Unknown method {method!r} of service 'object' (known: execute, execute_kw)")
        self._check_db(db)
        with self.lock:
            uid = self._check_uid(uid, password)
            if not isinstance(model, str):
                raise PyTypeError(f"model must be a string, got {model!r}")
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                env = Env(self.registry, self.conn, uid, {})
                result = methods.call(env, model, meth, margs, kwargs)
                self.conn.execute("COMMIT")
                return result
            except BaseException as exc:
                self.conn.execute("ROLLBACK")
                err = as_rpc_error(exc)
                print(f"sandbox: {model}.{meth} -> {err.odoo_name}: {err.message.splitlines()[0] if err.message else ''}",
                      file=sys.stderr, flush=True)
                raise err from exc


def as_rpc_error(exc: BaseException) -> RpcError:
    if isinstance(exc, RpcError):
        return exc
    if isinstance(exc, RecursionError):
        return PyValueError("Domain or value too deeply nested")
    if isinstance(exc, (OverflowError, sqlite3.Error)):
        return PyValueError(f"Invalid value: {exc}")
    print("sandbox: unexpected error\n" + traceback.format_exc(), file=sys.stderr)
    err = RpcError(str(exc) or type(exc).__name__)
    err.odoo_name = f"builtins.{type(exc).__name__}"
    return err


def _debug(err: RpcError) -> str:
    return ("Traceback (most recent call last):\n  File \"odoo/http.py\", line 1, in dispatch\n"
            f"{err.odoo_name.rsplit('.', 1)[-1] if err.odoo_name.startswith('builtins.') else err.odoo_name}: "
            f"{err.message}\n")


def json_error(exc: BaseException, req_id: Any) -> dict[str, Any]:
    err = as_rpc_error(exc)
    return {"jsonrpc": "2.0", "id": req_id, "error": {
        "code": 200, "message": "Odoo Server Error",
        "data": {"name": err.odoo_name, "debug": _debug(err), "message": err.message,
                 "arguments": [err.message], "context": {}}}}


def handle_json(service: Service, body: bytes, path: str) -> dict[str, Any]:
    req_id: Any = None
    try:
        try:
            req = json.loads(body or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest(f"Invalid JSON data: {exc}") from exc
        if not isinstance(req, dict):
            raise BadRequest("Invalid JSON-RPC request: expected an object")
        req_id = req.get("id")
        params = req.get("params", {})
        if path == "/web/webclient/version_info":
            return {"jsonrpc": "2.0", "id": req_id, "result": dict(VERSION_INFO)}
        if not isinstance(params, dict):
            raise BadRequest("Invalid JSON-RPC request: params must be an object")
        result = service.dispatch(params.get("service"), params.get("method"), params.get("args", []))
        if result is None:  # Odoo's _json_response leaves "result" out for None (e.g. button_cancel)
            return {"jsonrpc": "2.0", "id": req_id}
        return {"jsonrpc": "2.0", "id": req_id, "result": result}
    except BaseException as exc:  # noqa: BLE001 - every failure becomes Odoo's error shape
        return json_error(exc, req_id)


def handle_xmlrpc(service: Service, body: bytes, svc: str) -> bytes:
    try:
        try:
            params, method = xmlrpc.client.loads(body, use_builtin_types=True)
        except Exception as exc:  # noqa: BLE001 - malformed XML
            raise BadRequest(f"Invalid XML-RPC request: {exc}") from exc
        result = service.dispatch(svc, method, list(params))
    except BaseException as exc:  # noqa: BLE001
        err = as_rpc_error(exc)
        if err.fault_code in (2, 3, 4):
            fault = xmlrpc.client.Fault(err.fault_code, err.message)
        else:
            fault = xmlrpc.client.Fault(1, _debug(err))
        return xmlrpc.client.dumps(fault, methodresponse=True, allow_none=False).encode()
    try:
        return xmlrpc.client.dumps((result,), methodresponse=True, allow_none=False).encode()
    except (TypeError, OverflowError) as exc:
        tb = ("Traceback (most recent call last):\n  File \"odoo/service/wsgi_server.py\", line 1, in xmlrpc_return\n"
              f"{type(exc).__name__}: {exc}\n")
        return xmlrpc.client.dumps(xmlrpc.client.Fault(1, tb), methodresponse=True).encode()
