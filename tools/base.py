"""The shared vocabulary of the tool layer: who is asking, what a tool returns, how a tool is declared.

Framework-free on purpose: channels (FastAPI, Slack) and brains (LLM, offline planner) all speak
these types, and none of them may import a web or chat framework.
"""

from __future__ import annotations

import inspect
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

if TYPE_CHECKING:  # only for type hints; keeps import order free of cycles
    from tools.odoo.client import OdooClient

ToolKind = Literal["read", "propose"]


@dataclass(frozen=True)
class Identity:
    """A human (or the system) on whose behalf a tool runs. Built from the users file."""

    username: str
    role: str
    display_name: str = ""
    email: str | None = None
    slack_user_id: str | None = None
    odoo_login: str | None = None
    warehouse: str | None = None  # default warehouse code for "my dock" questions

    @property
    def label(self) -> str:
        return self.display_name or self.username


#: Every chatter note Quartermaster writes carries `QM-<proposal id>` (proposal ids start with "P-"): reads
#: of supplier communications skip messages containing it — they are ours, not the supplier's.
OWN_NOTE_MARK = "QM-P-"

SYSTEM = Identity(username="system", role="admin", display_name="Quartermaster (system)")


class Citation(BaseModel):
    """A pointer a person can open: document + section (+ page), or an Odoo record."""

    id: str
    title: str
    section: str | None = None
    page: int | None = None
    source: str | None = None  # path or URL
    doc_type: str | None = None


class ToolResult(BaseModel):
    """What every tool returns: structured data for programs, a short text for the model and people."""

    tool: str
    ok: bool = True
    data: dict[str, Any] = Field(default_factory=dict)
    text: str = ""
    citations: list[Citation] = Field(default_factory=list)
    proposal_ids: list[str] = Field(default_factory=list)
    rpc_calls: int = 0
    ms: float = 0.0
    error: str | None = None

    def for_model(self) -> str:
        """The compact string the chat model sees (text first, then the data as compact JSON)."""
        import json

        if not self.ok:
            return f"ERROR: {self.error}"
        body = json.dumps(self.data, separators=(",", ":"), default=str, ensure_ascii=False)
        return f"{self.text}\n{body}" if self.text else body


class ToolError(Exception):
    """A refusal or failure with a message fit for the user (never a traceback).

    `candidates` carries choices when an entity was ambiguous, so the brain can ask back.
    """

    def __init__(self, message: str, *, candidates: list[dict[str, Any]] | None = None,
                 code: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.candidates = candidates or []
        self.code = code


@dataclass
class ToolContext:
    """Everything a tool may touch during one call. Built by the runtime per turn.

    `store`, `policy`, `audit` and `knowledge` are typed loosely here to keep this module free of
    import cycles; their concrete classes live in tools.governance and knowledge.
    """

    user: Identity
    odoo: OdooClient
    store: Any = None  # tools.governance.store.StateStore
    policy: Any = None  # tools.governance.policy.Policy
    audit: Any = None  # tools.governance.audit.AuditLog
    knowledge: Any = None  # knowledge.retriever.Retriever
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    channel: str = "cli"
    thread_id: str | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC).replace(tzinfo=None))
    #: tools.governance.provenance.TurnProvenance for a chat turn (what the user asked, what untrusted text
    #: the tools returned); None outside chat (CLI `tool`, forms): then proposals are the caller's own.
    provenance: Any = None
    #: Set by a tool that makes proposals through another (requests_to_rfqs -> create_rfq): what links them
    #: ({"requests": [...], "vendor_choice": {...}}), sealed into the new proposal's args and evidence.
    proposal_links: dict[str, Any] | None = None

    def now(self) -> datetime:
        """Naive UTC, like Odoo's datetimes."""
        return self.clock()


@dataclass
class Tool:
    """A named business verb: typed args, a docstring that becomes its description, one function."""

    name: str
    description: str
    args_model: type[BaseModel]
    func: Callable[[ToolContext, Any], ToolResult]
    kind: ToolKind = "read"

    def json_schema(self) -> dict[str, Any]:
        return self.args_model.model_json_schema()


def tool(args_model: type[BaseModel], *, name: str | None = None, kind: ToolKind = "read"
         ) -> Callable[[Callable[[ToolContext, Any], ToolResult]], Tool]:
    """Declare a tool; the function's docstring (first paragraph) is the description the model sees."""

    def wrap(func: Callable[[ToolContext, Any], ToolResult]) -> Tool:
        doc = inspect.getdoc(func) or ""
        description = doc.split("\n\n")[0].replace("\n", " ").strip()
        return Tool(name=name or func.__name__, description=description, args_model=args_model,
                    func=func, kind=kind)

    return wrap


class Stopwatch:
    """Milliseconds since creation; tools use it to fill ToolResult.ms."""

    def __init__(self) -> None:
        self.t0 = time.perf_counter()

    @property
    def ms(self) -> float:
        return round((time.perf_counter() - self.t0) * 1000, 2)
