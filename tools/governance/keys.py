"""The server-side signing key that seals proposals and audit checkpoints.

Why a key outside the state database: a hash stored next to the data it protects can be recomputed
by whoever edits the data. An HMAC under a key the database does not hold cannot. The key comes from
`QM_SIGNING_KEY` (a secret of at least 32 characters), else from a file `signing.key` in the data dir,
created with mode 0600 on first use (`QM_SIGNING_KEY_FILE` names another path).

Rotation: every seal stores the id of the key that made it, so old seals stay verifiable.
- file: `quartermaster keys rotate` (or `SigningKeys.rotate_file`) puts a new key on the first line;
  the older lines stay and only verify.
- environment: set the new secret in `QM_SIGNING_KEY` and the old ones, comma separated, in
  `QM_SIGNING_KEYS_OLD`.
A key id is the first 12 hex digits of sha256(secret): it names the key, it does not reveal it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.governance.store import canonical_json

KEY_FILE_NAME = "signing.key"
MIN_SECRET_CHARS = 32


class SigningKeyError(RuntimeError):
    """The key is missing, too short, or its file is readable by others."""


def key_id(secret: bytes) -> str:
    return hashlib.sha256(secret).hexdigest()[:12]


@dataclass(frozen=True)
class SigningKeys:
    """The active key (signs) and every known key by id (verifies)."""

    active_id: str
    keys: Mapping[str, bytes]
    source: str = "<memory>"

    # -- building ------------------------------------------------------------------------------
    @classmethod
    def from_secrets(cls, active: bytes, old: list[bytes] | None = None, source: str = "<memory>"
                     ) -> SigningKeys:
        keys = {key_id(s): s for s in [*(old or []), active]}
        return cls(active_id=key_id(active), keys=keys, source=source)

    @classmethod
    def ephemeral(cls) -> SigningKeys:
        """A random in-memory key (tests, benches)."""
        return cls.from_secrets(secrets.token_hex(32).encode())

    @classmethod
    def load(cls, data_dir: str | Path | None = None, env: Mapping[str, str] | None = None) -> SigningKeys:
        """The environment's key if set, else the key file (created 0600 when absent)."""
        env = os.environ if env is None else env
        secret = env.get("QM_SIGNING_KEY")
        if secret:
            if len(secret) < MIN_SECRET_CHARS:
                raise SigningKeyError(f"QM_SIGNING_KEY must be at least {MIN_SECRET_CHARS} characters.")
            old = [s.strip().encode() for s in (env.get("QM_SIGNING_KEYS_OLD") or "").split(",") if s.strip()]
            return cls.from_secrets(secret.encode(), old, source="QM_SIGNING_KEY")
        path = Path(env.get("QM_SIGNING_KEY_FILE") or Path(data_dir or env.get("QM_DATA_DIR") or "var")
                    / KEY_FILE_NAME)
        return cls.from_file(path)

    @classmethod
    def from_file(cls, path: Path) -> SigningKeys:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
            try:  # link: appears complete or not at all; a racing process keeps the first one
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise SigningKeyError(f"{path} is readable by others (mode {mode:o}); run chmod 600 {path}.")
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        if not lines:
            raise SigningKeyError(f"{path} holds no key.")
        return cls.from_secrets(lines[0].encode(), [ln.encode() for ln in lines[1:]], source=str(path))

    @staticmethod
    def rotate_file(path: Path) -> str:
        """Put a fresh key first in the file (old keys kept for verification); returns the new id."""
        fresh = secrets.token_hex(32)
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(fresh + "\n" + old)
        os.replace(tmp, path)
        return key_id(fresh.encode())

    # -- signing -------------------------------------------------------------------------------
    def sign(self, value: Any, kid: str | None = None) -> tuple[str, str]:
        """(key id, hex HMAC-SHA256 over the canonical JSON of `value`) with the active key."""
        kid = kid or self.active_id
        return kid, self._mac(kid, value)

    def verify(self, kid: str | None, value: Any, mac: str | None) -> bool:
        """True when `mac` was made over `value` by the key `kid` (any known key, old ones too)."""
        if not kid or not mac or kid not in self.keys:
            return False
        return hmac.compare_digest(self._mac(kid, value), mac)

    def _mac(self, kid: str, value: Any) -> str:
        body = value if isinstance(value, str) else canonical_json(value)
        return hmac.new(self.keys[kid], body.encode("utf-8"), hashlib.sha256).hexdigest()
