"""The link between `quartermaster ask` and a running `quartermaster run` of the same data dir.

Why: a one-shot `ask` spends seconds importing the agent stack and opening Odoo, the state store and the
planner before a 0.1 s turn. When `run` is up, the CLI posts the question to it instead and prints the
same answer (issue #12, item 7).

Trust: the CLI already acts as any user of the users file (`--as`), because whoever runs it can read the
data dir, the state store and the Odoo credentials. The server path asks for exactly that much: a random
key kept in the data dir (mode 0600) that only `run` of this data dir accepts. The server then runs the
very call the CLI would run in-process (`Assistant.ask_as(username, …, channel="cli")`), so the user is
looked up in the same directory and every role rule, redaction and audit event of the tool layer applies.

The link file (`web.link.json`, written by `run`, removed when it stops) says where the server listens and
carries a fingerprint of the settings that decide an answer (Odoo target and login, brain, policy, users,
state store). The CLI uses the server only when its own settings give the same fingerprint; otherwise —
another Odoo, another password, a stale file, no answer — it runs in-process as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

KEY_FILE = "cli.key"
LINK_FILE = "web.link.json"
KEY_HEADER = "X-QM-CLI-Key"
ASK_PATH = "/api/cli/ask"


def fingerprint(settings: Any) -> str:
    """A digest of every setting that changes what `ask` answers or who may do what (secrets hashed in)."""
    parts = {
        "odoo": settings.odoo_url or f"sandbox:{settings.sandbox_port}:{settings.sandbox_business}:"
                                     f"{settings.sandbox_scale}:{settings.sandbox_seed}",
        "db": settings.odoo_db, "login": settings.odoo_login, "password": settings.odoo_password,
        "state": settings.state_url, "brain": settings.resolved_brain, "model": settings.model,
        "llm_url": settings.openai_base_url, "llm_key": settings.openai_api_key,
        "tool_budget": settings.turn_tool_budget, "time_budget": settings.turn_time_budget_s,
        "chroma": f"{settings.chroma_host}:{settings.chroma_port}", "embeddings": settings.embeddings,
        "embeddings_model": settings.embeddings_model, "corpus": str(settings.resolved_corpus_dir),
        "policy": str(Path(settings.resolved_policy_file).resolve()),
        "users": str(Path(settings.resolved_users_file).resolve()),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def settings_env_names() -> list[str]:
    """Every environment variable name Settings reads (lower case: pydantic-settings ignores case)."""
    from pydantic import AliasChoices

    from assistant.settings import Settings

    names: set[str] = set()
    for name, f in Settings.model_fields.items():
        names.add(name)
        alias = f.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(c for c in alias.choices if isinstance(c, str))
        elif isinstance(alias, str):
            names.add(alias)
    return sorted(n.lower() for n in names)


def env_fingerprint(names: list[str], environ: Mapping[str, str] | None = None, cwd: Path | None = None
                    ) -> str | None:
    """A digest of the raw inputs of Settings (those variables and the working directory, which relative paths
    resolve against); None when a .env file is there (its contents would need the settings parser).
    Equal raw inputs mean equal settings, so the CLI can skip parsing them (0.2 s of CPU)."""
    cwd = (cwd or Path.cwd()).resolve()
    if (cwd / ".env").exists():
        return None
    wanted = set(names)
    env = os.environ if environ is None else environ
    pairs = sorted((k.lower(), v) for k, v in env.items() if k.lower() in wanted)
    return hashlib.sha256(json.dumps({"cwd": str(cwd), "env": pairs}).encode()).hexdigest()


def raw_data_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """QM_DATA_DIR as Settings would read it without a .env file (None when that is ambiguous)."""
    env = os.environ if environ is None else environ
    values = [v for k, v in env.items() if k.lower() == "qm_data_dir"]
    if len(values) > 1:
        return None
    return Path(values[0]) if values else Path("var")


def cli_key(data_dir: Path, *, create: bool = False) -> str | None:
    """The data dir's CLI key; created once (mode 0600) when `create`, else None when there is none."""
    path = Path(data_dir) / KEY_FILE
    with contextlib.suppress(OSError):
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
    if not create:
        return None
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key


def key_matches(data_dir: Path, offered: str | None) -> bool:
    """The offered key is this data dir's key (constant-time compare; no key file means no CLI link)."""
    key = cli_key(data_dir)
    if not key or not offered:
        return False
    return hmac.compare_digest(key.encode(), str(offered).encode())


def write_link(data_dir: Path, host: str, port: int, settings: Any) -> Path:
    """Announce a server of this data dir (creating the key it will accept). Returns the link file."""
    cli_key(data_dir, create=True)
    connect = "127.0.0.1" if host in ("0.0.0.0", "", "::", "localhost") else host  # noqa: S104 - a bind address
    path = Path(data_dir) / LINK_FILE
    names = settings_env_names()
    path.write_text(json.dumps({"url": f"http://{connect}:{port}", "pid": os.getpid(),
                                "fingerprint": fingerprint(settings), "env_names": names,
                                "env_fingerprint": env_fingerprint(names),
                                "timeout": float(settings.turn_time_budget_s) + 30.0}), encoding="utf-8")
    return path


def clear_link(data_dir: Path) -> None:
    """Remove the link file if this process wrote it."""
    path = Path(data_dir) / LINK_FILE
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        if int(json.loads(path.read_text(encoding="utf-8"))["pid"]) == os.getpid():
            path.unlink()


def read_link(data_dir: Path) -> dict[str, Any] | None:
    """{url, pid, fingerprint} of a server announced in this data dir whose process still lives, else None."""
    try:
        link = json.loads((Path(data_dir) / LINK_FILE).read_text(encoding="utf-8"))
        pid, url = int(link["pid"]), str(link["url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    names = link.get("env_names")
    return {"url": url, "pid": pid, "fingerprint": str(link.get("fingerprint") or ""),
            "env_names": [str(n) for n in names] if isinstance(names, list) else [],
            "env_fingerprint": str(link.get("env_fingerprint") or ""), "timeout": float(link.get("timeout") or 90.0)}


def serve_ask(runtime: Any, settings: Any, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Run one `ask` for the CLI exactly as the CLI would in-process; (HTTP status, JSON body).

    200: {"result": TurnResult.public(), "tables", "ms", "people_answer", "role"};
    400: a malformed request; 500: {"problem": Problem.public()} when the turn failed (Odoo down, …)."""
    question, as_user, thread = body.get("question"), body.get("as_user"), body.get("thread_id")
    if not isinstance(question, str) or not isinstance(as_user, str) or not (
            thread is None or isinstance(thread, str)):
        return 400, {"problem": {"ok": False, "error": "input", "message": "question and as_user are required."}}
    from assistant.people_text import for_people

    try:
        result = runtime.assistant.ask_as(as_user, question, thread_id=thread, channel="cli")
        asker = runtime.user(as_user)
        role = asker.role if asker else None
        payload = {"result": result.public(), "tables": result.tables, "ms": result.ms,
                   "people_answer": for_people(result.answer, runtime.policy, role), "role": role}
    except Exception as exc:  # noqa: BLE001 - the CLI prints the same sentence it would in-process
        from assistant.problems import Problem, describe

        first = (str(exc).strip().splitlines() or ["no message"])[0][:300]
        problem = describe(exc, settings) or Problem(
            "internal", f"Quartermaster stopped on an unexpected error ({type(exc).__name__}: {first}). "
                        "Run again with QM_DEBUG=1 to see where.")
        return 500, {"problem": problem.public()}
    # the CLI prints json.dumps(result.public(), default=str): make the wire carry exactly that
    return 200, json.loads(json.dumps(payload, default=str, ensure_ascii=False))
