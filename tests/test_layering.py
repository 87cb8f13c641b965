"""The core must stay free of web and chat frameworks; the sandbox must stay free of our code."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRAMEWORKS = ("fastapi", "starlette", "slack_bolt", "slack_sdk", "uvicorn")
OURS = ("assistant", "tools", "knowledge", "prompts", "server")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _core_files() -> list[Path]:
    files = [*ROOT.joinpath("tools").rglob("*.py"), *ROOT.joinpath("knowledge").rglob("*.py")]
    # channels/ (web, Slack) and cli/ (the terminal channel) are the thin edges that may import them
    files += [p for p in ROOT.joinpath("assistant").rglob("*.py") if not {"channels", "cli"} & set(p.parts)]
    return files


def test_core_never_imports_web_or_chat_frameworks() -> None:
    offenders = {str(p.relative_to(ROOT)): sorted(_imports(p) & set(FRAMEWORKS)) for p in _core_files()}
    offenders = {k: v for k, v in offenders.items() if v}
    assert offenders == {}, f"core modules importing frameworks: {offenders}"


def test_sandbox_never_imports_our_code() -> None:
    offenders = {}
    for p in ROOT.joinpath("sandbox").rglob("*.py"):
        bad = sorted(_imports(p) & set(OURS))
        if bad:
            offenders[str(p.relative_to(ROOT))] = bad
    assert offenders == {}


def test_tools_never_import_the_sandbox() -> None:
    files = [*ROOT.joinpath("tools").rglob("*.py"), *ROOT.joinpath("knowledge").rglob("*.py")]
    offenders = [str(p.relative_to(ROOT)) for p in files if "sandbox" in _imports(p)]
    assert offenders == []
