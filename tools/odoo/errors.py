"""Odoo failures, sorted into what the caller can do about them."""

from __future__ import annotations

import re


class OdooError(Exception):
    """Odoo answered with an error. `name` is Odoo's exception class, e.g. odoo.exceptions.UserError."""

    def __init__(self, message: str, name: str = "odoo.exceptions.UserError") -> None:
        super().__init__(message)
        self.message = message
        self.name = name

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]


class OdooAccessError(OdooError):
    """AccessError / AccessDenied: the Odoo user may not do this."""


class OdooMissingError(OdooError):
    """MissingError: the record was deleted or never existed."""


class OdooValidationError(OdooError):
    """UserError / ValidationError: Odoo refused the business operation."""


class OdooSetupError(OdooError):
    """The connection settings or the Odoo database need fixing before anything can work.

    `kind` says what: "database" (no such database), "login" (login or password/API key refused),
    "modules" (a required app is not installed), "access" (the user lacks rights Quartermaster needs).
    The message is one sentence a person can act on; the caller may add its own setting names.
    """

    def __init__(self, message: str, kind: str, name: str = "odoo.exceptions.UserError", **facts: str) -> None:
        super().__init__(message, name)
        self.kind = kind
        self.facts = facts


class OdooUnavailable(Exception):
    """Odoo could not be reached or timed out: a transport problem, not an Odoo answer.

    `kind`: "unreachable" (nothing answers), "timeout" (no answer in time), "not_odoo" (something
    answers, but not Odoo's JSON-RPC) or "tls" (the HTTPS handshake failed).
    """

    def __init__(self, message: str, kind: str = "unreachable", **facts: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.facts = facts


def classify(name: str, message: str) -> OdooError:
    """Map Odoo's exception name onto our classes."""
    if name.endswith(("AccessError", "AccessDenied")):
        return OdooAccessError(message, name)
    if name.endswith("MissingError"):
        return OdooMissingError(message, name)
    if name.endswith(("UserError", "ValidationError", "RedirectWarning")):
        return OdooValidationError(message, name)
    return OdooError(message, name)


_MODEL_LINE = re.compile(r"^\s*-\s*(.+?)\s*\(([\w.]+)\)\s*$", re.M)
_MODEL_QUOTED = re.compile(r"'([^'\n]+)' \(([\w.]+)\) records")
_OTHER_COMPANY = re.compile(r"switching to the company:?\s*(.+?)\.?\s*$", re.M | re.I)


def access_detail(message: str) -> tuple[str, str | None]:
    """From Odoo's AccessError text: (what could not be read, in words — "contact records"; the other
    company it belongs to, when Odoo says so). Never Odoo's own sentences (its jokes, user ids, model names)."""
    found = [*_MODEL_LINE.finditer(message or ""), *_MODEL_QUOTED.finditer(message or "")]
    what = ", ".join(dict.fromkeys(m.group(1).strip().lower() + " records" for m in found)) \
        or "some of the records needed"
    other = _OTHER_COMPANY.search(message or "")
    return what, (other.group(1).strip() if other else None)
