"""Engine tests run on the small hand-made business of sandbox/minimal_seed.py (exact oracles)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sandbox_helpers import CACHE, TODAY, Client


@pytest.fixture(scope="session")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A read-mostly sandbox on the minimal business."""
    from sandbox.launch import start_sandbox
    running = start_sandbox(tmp_path_factory.mktemp("mini"), port=0, cache_dir=CACHE, generator="minimal",
                            today=TODAY)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def admin(mini: Any) -> Client:
    return Client(mini.url)


@pytest.fixture()
def mini_fresh(tmp_path: Path) -> Iterator[Any]:
    """A private sandbox on the minimal business, for tests that write."""
    from sandbox.launch import start_sandbox
    running = start_sandbox(tmp_path / "sbx", port=0, cache_dir=CACHE, generator="minimal", today=TODAY)
    try:
        yield running
    finally:
        running.stop()
