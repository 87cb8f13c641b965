"""Proposal tools: the model can only *propose* writes; each has an executor that runs it once.

`ACTION_TOOLS` goes into tools.registry's catalogue; `EXECUTORS` (kind -> executor) is what the
ProposalService runs after approval (it imports this package lazily).
"""

from __future__ import annotations

from tools.actions.bulk import order_suggestions
from tools.actions.po_state import (
    ApproveExecutor,
    CancelExecutor,
    ConfirmExecutor,
    approve_purchase_order,
    cancel_purchase_order,
    confirm_purchase_order,
)
from tools.actions.remind import RemindExecutor, remind_supplier
from tools.actions.reschedule import RescheduleExecutor, reschedule_receipt
from tools.actions.rfq import CreateRfqExecutor, create_rfq
from tools.base import Tool
from tools.governance.executor import ActionExecutor

ACTION_TOOLS: list[Tool] = [create_rfq, confirm_purchase_order, approve_purchase_order, cancel_purchase_order,
                            remind_supplier, reschedule_receipt, order_suggestions]

EXECUTORS: dict[str, ActionExecutor] = {
    "create_rfq": CreateRfqExecutor(),
    "confirm_purchase_order": ConfirmExecutor(),
    "approve_purchase_order": ApproveExecutor(),
    "cancel_purchase_order": CancelExecutor(),
    "remind_supplier": RemindExecutor(),
    "reschedule_receipt": RescheduleExecutor(),
}

__all__ = ["ACTION_TOOLS", "EXECUTORS"]
