"""Fixtures for the mailbox tests: a private Dovecot on loopback, a fresh state store, the demo corpora."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Any]:
    """A Dovecot of our own (IMAPS + STARTTLS, self-signed cert, one passwd-file user). In CI a server that
    cannot start is a failure, elsewhere a skip with the reason."""
    from sandbox.mailserver import MailServerUnavailable, start_dovecot

    try:
        server = start_dovecot()
    except MailServerUnavailable as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the IMAP test server is required in CI: {exc}")
        pytest.skip(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def state(tmp_path: Path) -> Iterator[Any]:
    from tools.governance.store import StateStore

    store = StateStore.open(f"sqlite:///{tmp_path / 'state.db'}")
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(scope="session")
def bluebonnet_mail() -> list[Any]:
    """The Bluebonnet corpus for the shared sandbox (same seed, scale and day as tests/conftest.py's)."""
    from sandbox.seed.mailbox import bluebonnet_corpus

    return bluebonnet_corpus(42, 1, dt.date.today())


@pytest.fixture(scope="session")
def hollander_mail() -> list[Any]:
    from sandbox.seed_hollander.mailbox import hollander_corpus

    return hollander_corpus(42, 1, dt.date.today())
