"""The read-only IMAP connector: IMAPS or STARTTLS, password or OAuth2 (XOAUTH2), folders selected read-only.

Library: IMAPClient (a kept wrapper over the stdlib's imaplib): it parses FETCH responses into Python
values, does STARTTLS and XOAUTH2 in one call each, and `select_folder(readonly=True)` issues EXAMINE,
so the server itself refuses any flag change. Bodies are fetched with `BODY.PEEK[]` (never sets \\Seen).
Nothing here sends, moves, deletes or flags mail; the only commands used are LOGIN/AUTHENTICATE,
EXAMINE, UID SEARCH, UID FETCH and LOGOUT.
"""

from __future__ import annotations

import contextlib
import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

Security = Literal["ssl", "starttls", "none"]
FETCH_BATCH = 500


class MailboxError(Exception):
    """The mailbox could not be read; the message is one sentence for a person."""


@dataclass
class ImapConfig:
    host: str
    user: str
    port: int = 993
    security: Security = "ssl"
    password: str | None = None
    oauth2_token: str | None = None
    folders: list[str] = field(default_factory=lambda: ["INBOX"])
    ca_file: str | None = None  # a private CA (self-signed servers); system CAs otherwise
    timeout: float = 30.0

    @property
    def account(self) -> str:
        """The cursor's key: one per server and user."""
        return f"{self.user}@{self.host}:{self.port}"[:255]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ImapMailbox:
    """One logged-in, read-only session. Use as a context manager."""

    def __init__(self, config: ImapConfig) -> None:
        self.config = config
        self.client: Any = None

    def __enter__(self) -> ImapMailbox:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        from imapclient import IMAPClient
        from imapclient.exceptions import IMAPClientError, LoginError

        c = self.config
        if c.security == "none" and not _is_loopback(c.host):
            raise MailboxError(f"The mailbox {c.host} would be read without encryption; set the mail security "
                               "to ssl or starttls (plain IMAP is allowed on this machine only).")
        if not (c.password or c.oauth2_token):
            raise MailboxError("The mailbox has no password or OAuth2 token configured (QM_MAIL_PASSWORD or "
                               "QM_MAIL_OAUTH2_TOKEN).")
        ctx = ssl.create_default_context(cafile=c.ca_file) if c.security != "none" else None
        try:
            self.client = IMAPClient(c.host, port=c.port, ssl=c.security == "ssl", ssl_context=ctx,
                                     timeout=c.timeout)
            if c.security == "starttls":
                self.client.starttls(ctx)
            if c.oauth2_token:
                self.client.oauth2_login(c.user, c.oauth2_token)
            else:
                self.client.login(c.user, c.password)
        except LoginError as exc:
            self._drop()
            raise MailboxError(f"The mailbox {c.host} refused the login for {c.user}; check the user and "
                               "password or token.") from exc
        except ssl.SSLError as exc:
            self._drop()
            raise MailboxError(f"The mailbox {c.host}:{c.port} failed the TLS check ({exc.reason or exc}); "
                               "check the security setting and the server certificate.") from exc
        except (TimeoutError, OSError, IMAPClientError) as exc:
            self._drop()
            raise MailboxError(f"The mailbox {c.host}:{c.port} cannot be reached "
                               f"({type(exc).__name__}: {exc}).") from exc

    def _drop(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):  # already broken
                self.client.shutdown()
        self.client = None

    def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):  # logging out of a dead connection
                self.client.logout()
            self.client = None

    def examine(self, folder: str) -> int:
        """Select `folder` read-only (EXAMINE); returns its UIDVALIDITY."""
        from imapclient.exceptions import IMAPClientError

        try:
            info = self.client.select_folder(folder, readonly=True)
        except IMAPClientError as exc:
            raise MailboxError(f"The mailbox has no folder '{folder}' this user may read.") from exc
        return int(info[b"UIDVALIDITY"])

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above `last_uid` in the selected folder, ascending ("N:*" returns the top UID even when it is
        below N, so the result is filtered)."""
        uids = self.client.search(["UID", f"{last_uid + 1}:*"])
        return sorted(int(u) for u in uids if int(u) > last_uid)

    def fetch(self, uids: list[int], batch: int = FETCH_BATCH) -> Iterator[list[tuple[int, bytes]]]:
        """Raw messages in batches, in UID order, with BODY.PEEK[] (the \\Seen flag is never set)."""
        for i in range(0, len(uids), batch):
            chunk = uids[i:i + batch]
            got = self.client.fetch(chunk, ["BODY.PEEK[]"])
            out = []
            for uid in chunk:
                data = got.get(uid) or {}
                raw = data.get(b"BODY[]")
                if isinstance(raw, bytes):
                    out.append((uid, raw))
            yield out
