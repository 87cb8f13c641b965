"""Odoo's exception classes, by the names Odoo reports (``error.data.name`` and XML-RPC fault codes).

Why: clients (odoorpc, our tools) branch on these names, so the sandbox must raise exactly the
classes a real Odoo 18 raises for the same mistake.
"""

from __future__ import annotations


class RpcError(Exception):
    """Base: ``odoo_name`` is what JSON-RPC reports in ``data.name``; ``fault_code`` is the XML-RPC code."""

    odoo_name = "builtins.Exception"
    fault_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UserError(RpcError):
    odoo_name = "odoo.exceptions.UserError"
    fault_code = 2


class ValidationError(UserError):
    odoo_name = "odoo.exceptions.ValidationError"


class MissingError(UserError):
    odoo_name = "odoo.exceptions.MissingError"


class AccessError(UserError):
    odoo_name = "odoo.exceptions.AccessError"
    fault_code = 4


class AccessDenied(RpcError):
    odoo_name = "odoo.exceptions.AccessDenied"
    fault_code = 3

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class PyValueError(RpcError):
    odoo_name = "builtins.ValueError"


class PyTypeError(RpcError):
    odoo_name = "builtins.TypeError"


class PyAttributeError(RpcError):
    odoo_name = "builtins.AttributeError"


class PyKeyError(RpcError):
    odoo_name = "builtins.KeyError"


class BadRequest(RpcError):
    odoo_name = "werkzeug.exceptions.BadRequest"


class DbError(RpcError):
    odoo_name = "psycopg2.OperationalError"


def missing_record() -> MissingError:
    return MissingError("Record does not exist or has been deleted.\n(Record: ..., User: ...)")
