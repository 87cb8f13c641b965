"""Turning the core's objects (dataclasses, pydantic models, datetimes) into plain JSON values.

Why here: the web pages, the REST API and the SSE stream all show the same TurnResult, Proposal and
Decision objects; one conversion keeps them consistent and keeps the core free of web concerns.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from pydantic import BaseModel

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def to_jsonable(obj: Any, _depth: int = 0) -> Any:
    """A JSON-safe copy of obj; unknown objects become their str()."""
    if _depth > 20:
        return str(obj)
    d = _depth + 1
    if obj is None or isinstance(obj, bool | int | str):
        return obj
    if isinstance(obj, float):
        return obj if obj == obj and obj not in (float("inf"), float("-inf")) else None
    if isinstance(obj, BaseModel):
        return to_jsonable(obj.model_dump(mode="json"), d)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name), d) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v, d) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [to_jsonable(v, d) for v in obj]
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, Enum):
        return to_jsonable(obj.value, d)
    if isinstance(obj, Decimal):
        return float(obj)
    if isinstance(obj, Path):
        return str(obj)
    return str(obj)


def markdown_html(text: str) -> str:
    """Safe HTML for an answer: Markdown with tables, raw HTML escaped, unsafe link schemes dropped."""
    return _MD.render(text or "")


def redact_for(runtime: Any, role: str, data: Any) -> Any:
    """Apply the policy's redaction for a role (warehouse never sees prices) when a policy exists."""
    policy = getattr(runtime, "policy", None)
    if policy is None or not hasattr(policy, "redact"):
        return data
    return policy.redact(role, data)
