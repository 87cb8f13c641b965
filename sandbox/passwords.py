"""Password hashes in Odoo's passlib format ($pbkdf2-sha512$rounds$salt$hash).

Real Odoo 18 uses 600,000 rounds (about 0.6 s per check); the sandbox uses few rounds so logins and
tests stay fast. The format is the same, only the cost differs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

ROUNDS = 2000


def _ab64(b: bytes) -> str:
    return base64.b64encode(b).decode().rstrip("=").replace("+", ".")


def hash_password(password: str, rounds: int = ROUNDS) -> str:
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, rounds)
    return f"$pbkdf2-sha512${rounds}${_ab64(salt)}${_ab64(digest)}"


def verify(password: str, stored: str | None) -> bool:
    if not stored or not isinstance(password, str):
        return False
    try:
        _, scheme, rounds, salt_s, digest_s = stored.split("$")
        if scheme != "pbkdf2-sha512":
            return False
        pad = lambda s: s.replace(".", "+") + "=" * (-len(s) % 4)  # noqa: E731
        salt = base64.b64decode(pad(salt_s))
        expected = base64.b64decode(pad(digest_s))
    except (ValueError, TypeError):
        return False
    got = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, int(rounds))
    return hmac.compare_digest(got, expected)
