"""Proposal tools: the model can only *propose* writes; each has an executor that runs it once.

`ACTION_TOOLS` goes into tools.registry's catalogue; `EXECUTORS` (kind -> executor) is what the
ProposalService runs after approval (it imports this package lazily).
"""

from __future__ import annotations

from tools.actions.bulk import order_suggestions
from tools.actions.confirmations import remind_unconfirmed
from tools.actions.po_state import (
    ApproveExecutor,
    CancelExecutor,
    ConfirmExecutor,
    approve_purchase_order,
    cancel_purchase_order,
    confirm_purchase_order,
)
from tools.actions.remind import RemindExecutor, remind_supplier
from tools.actions.requests import RequestExecutor, purchase_requests, request_purchase, requests_to_rfqs
from tools.actions.reschedule import RescheduleExecutor, reschedule_receipt
from tools.actions.rfq import CreateRfqExecutor, create_rfq
from tools.actions.transfer import TransferExecutor, transfer_stock
from tools.base import Tool
from tools.governance.executor import ActionExecutor

ACTION_TOOLS: list[Tool] = [create_rfq, confirm_purchase_order, approve_purchase_order, cancel_purchase_order,
                            remind_supplier, reschedule_receipt, order_suggestions]
# issue #14: purchase requests (Quartermaster-side until a buyer turns them into RFQs), transfers, reminders
ACTION_TOOLS += [request_purchase, requests_to_rfqs, purchase_requests, transfer_stock, remind_unconfirmed]

EXECUTORS: dict[str, ActionExecutor] = {
    "create_rfq": CreateRfqExecutor(),
    "confirm_purchase_order": ConfirmExecutor(),
    "approve_purchase_order": ApproveExecutor(),
    "cancel_purchase_order": CancelExecutor(),
    "remind_supplier": RemindExecutor(),
    "reschedule_receipt": RescheduleExecutor(),
    "request_purchase": RequestExecutor(),
    "transfer_stock": TransferExecutor(),
}

__all__ = ["ACTION_TOOLS", "EXECUTORS"]
