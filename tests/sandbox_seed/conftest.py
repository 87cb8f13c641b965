"""Generated seed rows shared by the seed tests (generation is deterministic, so once per session is enough)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

TODAY = dt.date(2026, 11, 26)


@pytest.fixture(scope="session")
def today() -> dt.date:
    return TODAY


@pytest.fixture(scope="session")
def rows() -> dict[str, list[dict[str, Any]]]:
    from sandbox.seed import generate

    return generate(seed=42, scale=1, today=TODAY)
