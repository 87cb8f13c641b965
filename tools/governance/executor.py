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
from tools.odoo.errors import OdooAccessError, OdooError, OdooMissingError, OdooUnavailable, access_detail

if TYPE_CHECKING:
    from tools.governance.proposals import Proposal
    from tools.odoo.client import OdooClient

Outcome = Literal["executed", "failed", "stale", "unknown", "deferred"]
#: "deferred": Odoo was unreachable BEFORE anything was sent — the approval is kept (state back to
#: `approved`) and the proposal runs later (reconcile / a second approve), instead of being lost as failed.


def marker(proposal_id: str) -> str:
    """The idempotency marker written into Odoo by every execution."""
    return f"QM-{proposal_id}"


#: What each kind does, for "Odoo refused to …" sentences.
ACTION_PHRASES = {"create_rfq": "create the RFQ", "confirm_purchase_order": "confirm the purchase order",
                  "approve_purchase_order": "approve the purchase order",
                  "cancel_purchase_order": "cancel the purchase order", "remind_supplier": "post the reminder",
                  "reschedule_receipt": "reschedule the receipt", "transfer_stock": "create the internal transfer",
                  "request_purchase": "record the purchase request"}


def explain_refusal(exc: OdooError, login: str, action: str) -> str:
    """One plain sentence: what Odoo refused and what to fix in Odoo (not a traceback, not a class name)."""
    msg = " ".join(exc.message.split())
    who = f"the Odoo user '{login}' that Quartermaster signs in as" if login else "Quartermaster's Odoo user"
    if "configure the sender's email address" in msg:
        return (f"Odoo refused to {action}: {who} has no e-mail address. Give it one in Odoo (Settings → "
                "Users & Companies → Users → Email), then reconcile or approve again.")
    if isinstance(exc, OdooAccessError):
        what, company = access_detail(exc.message)
        first = f"on {what}" + (f" of {company}" if company else "")
        return (f"Odoo refused to {action}: {who} lacks the access rights ({first}). Give that user the "
                "needed group in Odoo (Settings → Users & Companies → Users, e.g. Purchase: User or Administrator).")
    low = msg.lower()
    if "locked" in low:
        return (f"Odoo refused to {action}: the order is locked in Odoo ({msg}). Unlock it in Odoo first "
                "(the order's Unlock button), or leave it as it is.")
    return f"Odoo refused to {action}: {msg}"


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
            said = str(done.get("message") or "").strip()
            return ExecutionOutcome("executed", "found already applied in Odoo; not repeated"
                                    + (f". {said}" if said else ""), {**done, "reconciled": True})
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
        phrase = ACTION_PHRASES.get(proposal.kind, proposal.kind.replace("_", " "))
        return ExecutionOutcome("failed", explain_refusal(exc, str(getattr(odoo, "login_name", "") or ""), phrase),
                                {"odoo_error": exc.message})
    except ToolError as exc:
        return ExecutionOutcome("failed", exc.message)
    except Exception as exc:  # noqa: BLE001 - an executor bug must not leave a proposal half-done silently
        return ExecutionOutcome("failed", f"unexpected {type(exc).__name__}: {exc}")
