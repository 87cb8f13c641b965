"""Fixtures shared by the web/API channel tests: a governed runtime on the sandbox and a client on its app.

A test module that needs a different runtime (a patched stream, a fixed currency) defines its own `rt`;
pytest's local fixture then takes precedence over this one.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webapi_support import GovernedRuntime, governed_runtime

from server import create_app


@pytest.fixture()
def rt(tmp_path: Path) -> Iterator[GovernedRuntime]:
    runtime = governed_runtime(tmp_path)
    yield runtime
    runtime.close()


@pytest.fixture()
def client(rt: GovernedRuntime) -> Iterator[TestClient]:
    with TestClient(create_app(rt.settings, rt), raise_server_exceptions=False) as c:
        yield c
