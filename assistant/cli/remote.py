"""`ask` through a running `quartermaster run` of the same data dir (see assistant/cli_link.py).

Stdlib only on this path: the point is not to import the agent stack for one question. The server is
used only when its link file names a live process with the same settings fingerprint; a refused or
absent server means "run in-process" (nothing was sent), while a server that took the question and then
failed is reported, never retried in-process (the question could otherwise run twice).
QM_CLI_SERVER=off always runs in-process; QM_DEBUG=1 does too (so tracebacks show).
"""

from __future__ import annotations

import http.client
import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from assistant.cli_link import (
    ASK_PATH,
    KEY_HEADER,
    cli_key,
    env_fingerprint,
    fingerprint,
    raw_data_dir,
    read_link,
)

FALLBACK_STATUSES = (401, 403, 404, 405, 503)  # not ours, an older server, or one that could not start


def server_enabled() -> bool:
    if os.environ.get("QM_DEBUG", "").strip().lower() in ("1", "true", "yes", "on"):
        return False
    return os.environ.get("QM_CLI_SERVER", "auto").strip().lower() not in ("0", "off", "no", "false")


UNDECIDED: dict[str, Any] = {}  # ask_server_raw: the raw settings cannot tell; parse them (ask_server)


def ask_server_raw(question: str, as_user: str, thread_id: str | None) -> dict[str, Any] | None:
    """As ask_server, deciding from the raw environment (no settings parsing) when it can: UNDECIDED when the
    environment differs from the server's in any way, or a .env file is there."""
    if not server_enabled():
        return None
    data_dir = raw_data_dir()
    if data_dir is None or (Path.cwd() / ".env").exists():
        return UNDECIDED
    link = read_link(data_dir)
    if link is None:
        return None  # no server of this data dir is up
    key = cli_key(data_dir)
    if not key or not link["env_fingerprint"] or env_fingerprint(link["env_names"]) != link["env_fingerprint"]:
        return UNDECIDED
    return _post(link, key, question, as_user, thread_id, link["timeout"])


def ask_server(settings: Any, question: str, as_user: str, thread_id: str | None) -> dict[str, Any] | None:
    """The server's answer ({"result", …} or {"problem"}), or None when the CLI should run in-process."""
    if not server_enabled():
        return None
    data_dir = Path(settings.data_dir)
    link = read_link(data_dir)
    key = cli_key(data_dir)
    if link is None or not key or link["fingerprint"] != fingerprint(settings):
        return None
    return _post(link, key, question, as_user, thread_id, float(settings.turn_time_budget_s) + 30.0)


def _post(link: dict[str, Any], key: str, question: str, as_user: str, thread_id: str | None,
          timeout: float) -> dict[str, Any] | None:
    req = urllib.request.Request(
        link["url"] + ASK_PATH, method="POST",
        data=json.dumps({"question": question, "as_user": as_user, "thread_id": thread_id}).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json", KEY_HEADER: key})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - our own loopback server
            body = _payload(resp.read())
    except urllib.error.HTTPError as exc:
        if exc.code in FALLBACK_STATUSES:
            return None
        body = _payload(exc.read())
        if body and "problem" in body:
            return body
        return _problem("server", f"The running Quartermaster server at {link['url']} failed on this question "
                                  f"(HTTP {exc.code}); see its log.")
    except urllib.error.URLError:
        return None  # nothing listening (a stale link file): the question was not sent
    except (TimeoutError, http.client.HTTPException, OSError):
        return _problem("server", f"The running Quartermaster server at {link['url']} did not answer within "
                                  f"{timeout:.0f} s; see its log (the question may still have run there).")
    if body is None or not ("result" in body or "problem" in body):
        return _problem("server", f"The running Quartermaster server at {link['url']} sent an answer the CLI "
                                  "cannot read; see its log.")
    return body


def _payload(raw: bytes) -> dict[str, Any] | None:
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _problem(kind: str, message: str) -> dict[str, Any]:
    return {"problem": {"ok": False, "error": kind, "message": message}}
