"""Running an approved proposal against Odoo exactly once.

Why three steps per action: (1) `reconcile` looks for the idempotency marker the action writes
into Odoo (`QM-<proposal id>` in a PO origin or a chatter note), so a crash between the Odoo write
and our status update is finished, never repeated; (2) `revalidate` re-reads the evidence the
proposal was based on and refuses (`stale`) if the world moved; (3) `execute` writes, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from tools.base import ToolError
from tools.odoo.errors import OdooError, OdooMissingError, OdooUnavailable

if TYPE_CHECKING:
    from tools.governance.proposals import Proposal
    from tools.odoo.client import OdooClient

Outcome = Literal["executed", "failed", "stale", "unknown", "deferred"]
#: "deferred": Odoo was unreachable BEFORE anything was sent — the approval is kept (state back to
#: `approved`) and the proposal runs later (reconcile / a second approve), instead of being lost as failed.


def marker(proposal_id: str) -> str:
    """The idempotency marker written into Odoo by every execution."""
    return f"QM-{proposal_id}"


class StaleProposal(Exception):
    """Raised by executors when the evidence no longer holds; nothing has been written."""


class ActionExecutor(Protocol):
    def reconcile(self, odoo: OdooClient, proposal: Proposal) -> dict[str, Any] | None:
        """If this proposal's write is already in Odoo (marker found), the result; else None."""

    def revalidate(self, odoo: OdooClient, proposal: Proposal) -> str | None:
        """A reason the proposal is stale (state changed, price moved, record gone), or None."""

    def execute(self, odoo: OdooClient, proposal: Proposal) -> dict[str, Any]:
        """Write to Odoo once, carrying the marker; return what was done (ids, names)."""


@dataclass
class ExecutionOutcome:
    state: Outcome
    message: str
    result: dict[str, Any] = field(default_factory=dict)


def run(executor: ActionExecutor, odoo: OdooClient, proposal: Proposal) -> ExecutionOutcome:
    """Reconcile → revalidate → execute, mapping every failure onto an outcome (never raises)."""
    writing = False
    try:
        done = executor.reconcile(odoo, proposal)
        if done is not None:
            return ExecutionOutcome("executed", "already applied in Odoo (marker found); not repeated",
                                    {**done, "reconciled": True})
        reason = executor.revalidate(odoo, proposal)
        if reason:
            return ExecutionOutcome("stale", reason)
        writing = True
        result = executor.execute(odoo, proposal)
        return ExecutionOutcome("executed", str(result.get("message") or "done"), result)
    except StaleProposal as exc:
        return ExecutionOutcome("stale", str(exc))
    except OdooUnavailable as exc:
        if not writing:  # nothing was sent that could write: keep the approval, run it later
            return ExecutionOutcome("deferred", f"Odoo is unreachable; nothing was written ({exc})")
        return ExecutionOutcome("unknown", f"Odoo did not answer during the write; outcome unknown until "
                                           f"reconciled: {exc}")
    except OdooMissingError as exc:
        return ExecutionOutcome("stale", f"the record vanished in Odoo: {exc.message}")
    except OdooError as exc:
        return ExecutionOutcome("failed", f"Odoo refused: {exc.message}")
    except ToolError as exc:
        return ExecutionOutcome("failed", exc.message)
    except Exception as exc:  # noqa: BLE001 - an executor bug must not leave a proposal half-done silently
        return ExecutionOutcome("failed", f"unexpected {type(exc).__name__}: {exc}")
