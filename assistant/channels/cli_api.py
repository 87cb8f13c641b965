"""`POST /api/cli/ask`: the running server answers `quartermaster ask` for the CLI of the same data dir.

Only a caller presenting this data dir's CLI key (assistant/cli_link.py), from this machine, is served;
the turn is the CLI's own call (`ask_as`, channel "cli"), so roles, redaction and audit are the tool
layer's as always. Anything else is a 404, as if the route did not exist (the CLI then runs in-process).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from assistant.cli_link import ASK_PATH, KEY_HEADER, key_matches, serve_ask

router = APIRouter()
LOOPBACK = ("127.0.0.1", "::1", "localhost")


@router.post(ASK_PATH, include_in_schema=False)
def cli_ask(request: Request, body: dict[str, Any]) -> JSONResponse:
    settings, runtime = request.app.state.settings, request.app.state.runtime
    client = request.client.host if request.client else ""
    if (runtime is None or settings is None or client not in LOOPBACK
            or not key_matches(Path(settings.data_dir), request.headers.get(KEY_HEADER))):
        return JSONResponse({"detail": "Not Found"}, status_code=404)
    status, payload = serve_ask(runtime, settings, body)
    return JSONResponse(payload, status_code=status)
