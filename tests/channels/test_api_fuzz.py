"""Property-based fuzz of the REST API from its own OpenAPI schema: no input may cause a 5xx.

Runs over the real runtime (sandbox Odoo, offline planner), so generated chat messages go through
the planner and the tools, and generated ids through the proposal service."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from webapi_support import bearer, shared_real_runtime

from assistant.settings import load_settings
from server import create_app

# The schema is read when this module is collected; the runtime is put in place by the fixture below
# (the OpenAPI document does not depend on it).
_DATA = Path(tempfile.mkdtemp(prefix="qm-fuzz-"))
atexit.register(shutil.rmtree, _DATA, True)
APP = create_app(load_settings(QM_DATA_DIR=str(_DATA), QM_BRAIN="offline"), runtime=object())
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def live_runtime() -> Iterator[None]:
    APP.state.runtime = shared_real_runtime()  # sandbox Odoo, offline planner, real governance
    yield
    APP.state.runtime = None


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_answers_5xx(case: schemathesis.Case) -> None:
    for who in ("maria.manager", None):
        response = case.call(headers=bearer(who) if who else {})
        case.validate_response(response, checks=[not_a_server_error])
