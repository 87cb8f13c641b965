"""Who is who: the users file maps web logins, Slack ids, e-mails and API tokens to one identity.

Why a file and not Odoo users: roles here are *assistant* roles (who may propose or approve what),
which Odoo's groups do not express (a purchase user can confirm any PO in Odoo). Passwords are
stored as scrypt hashes (pbkdf2-sha256 accepted too), API tokens as sha256 — never in plain text.

Hash a new password:  python -m tools.governance.identity hash 'the-password'
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tools.base import Identity

ROLES = ("requester", "buyer", "warehouse", "finance", "approver", "manager", "admin")
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """`scrypt$N$r$p$salt$hash` (base64 parts)."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    """Constant-time check against a scrypt or pbkdf2_sha256 hash; False for anything malformed."""
    try:
        scheme, *parts = stored.split("$")
        if scheme == "scrypt":
            n, r, p, salt, want = parts
            got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r),
                                 p=int(p), dklen=len(base64.b64decode(want)))
        elif scheme == "pbkdf2_sha256":
            iterations, salt, want = parts
            got = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), base64.b64decode(salt),
                                      int(iterations))
        else:
            return False
        return hmac.compare_digest(got, base64.b64decode(want))
    except (ValueError, TypeError):
        return False


def hash_token(token: str) -> str:
    """API tokens are long random strings, so one sha256 suffices (and keeps lookups fast)."""
    return "sha256$" + hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class UserRecord:
    identity: Identity
    password_hash: str | None = None
    api_token_hash: str | None = None


class DirectoryError(ValueError):
    """The users file is malformed; the message says which entry and why."""


class Directory:
    """The loaded users file. Lookups return tools.base.Identity."""

    def __init__(self, records: list[UserRecord]) -> None:
        self._by_name = {r.identity.username: r for r in records}
        self._by_slack = {r.identity.slack_user_id: r for r in records if r.identity.slack_user_id}
        self._by_email = {r.identity.email.lower(): r for r in records if r.identity.email}
        self._by_token = {r.api_token_hash: r for r in records if r.api_token_hash}

    @classmethod
    def load(cls, path: str | Path) -> Directory:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Directory:
        records: list[UserRecord] = []
        for i, entry in enumerate(data.get("users") or []):
            if not isinstance(entry, dict) or not entry.get("username"):
                raise DirectoryError(f"users[{i}]: needs at least a username")
            role = entry.get("role")
            if role not in ROLES:
                raise DirectoryError(f"users[{i}] ({entry['username']}): role {role!r} is not one of {ROLES}")
            if "password" in entry:
                raise DirectoryError(f"users[{i}] ({entry['username']}): plain 'password' is not accepted; "
                                     "store password_hash (python -m tools.governance.identity hash ...)")
            ident = Identity(username=str(entry["username"]), role=role,
                             display_name=str(entry.get("display_name") or entry["username"]),
                             email=entry.get("email"), slack_user_id=entry.get("slack_user_id"),
                             odoo_login=entry.get("odoo_login"), warehouse=entry.get("warehouse"))
            records.append(UserRecord(ident, entry.get("password_hash"), entry.get("api_token_hash")))
        return cls(records)

    def get(self, username: str) -> Identity | None:
        rec = self._by_name.get(username)
        return rec.identity if rec else None

    def by_slack_id(self, slack_user_id: str) -> Identity | None:
        rec = self._by_slack.get(slack_user_id)
        return rec.identity if rec else None

    def by_email(self, email: str) -> Identity | None:
        rec = self._by_email.get(email.lower())
        return rec.identity if rec else None

    def verify_password(self, username: str, password: str) -> Identity | None:
        """The identity when the password matches, else None (unknown users cost the same time)."""
        rec = self._by_name.get(username)
        stored = rec.password_hash if rec and rec.password_hash else hash_password("x" * 12)
        ok = check_password(password, stored)
        return rec.identity if (rec and rec.password_hash and ok) else None

    def credential_stamp(self, username: str) -> str:
        """A short fingerprint of the user's current password hash: sessions made under another one
        (before a password change) are no longer valid. Empty when the user has no password."""
        rec = self._by_name.get(username)
        if rec is None or not rec.password_hash:
            return ""
        return hashlib.sha256(rec.password_hash.encode("utf-8")).hexdigest()[:16]

    def verify_token(self, token: str) -> Identity | None:
        rec = self._by_token.get(hash_token(token))
        return rec.identity if rec else None

    def all(self) -> list[Identity]:
        return [r.identity for r in self._by_name.values()]

    def with_role(self, *roles: str) -> list[Identity]:
        return [r.identity for r in self._by_name.values() if r.identity.role in roles]


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "hash":
        print(hash_password(argv[1]))
        return 0
    if len(argv) == 2 and argv[0] == "token":
        print(hash_token(argv[1]))
        return 0
    print("usage: python -m tools.governance.identity hash PASSWORD | token TOKEN", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
