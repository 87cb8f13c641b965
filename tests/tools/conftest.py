"""Fixtures for the tool tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tools_fakes import Handler, ScriptedOdoo  # type: ignore[import-not-found]


@pytest.fixture()
def scripted() -> Callable[[Handler], ScriptedOdoo]:
    return ScriptedOdoo
