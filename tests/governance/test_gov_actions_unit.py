"""Executor corner cases that the sandbox cannot provoke: XML-RPC's "commits, then cannot marshal None"
(facts §7.3) and reconciliation of a confirm whose chatter note was lost in a crash."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tools.actions.po_state import CancelExecutor, ConfirmExecutor
from tools.governance.executor import run
from tools.governance.proposals import Proposal
from tools.odoo.errors import OdooError


class FakeOdoo:
    """Just enough of OdooClient for the PO executors: one PO, a chatter with Odoo's tracking notifications,
    a configurable fault. `now` is the time Odoo stamps on what it writes."""

    uid, login_name, partner = 5, "integration", 50

    def __init__(self, state: str, now: str = "2026-11-26 12:00:00") -> None:
        self.po = {"id": 7, "name": "P00007", "state": state, "partner_id": [3, "Apex"], "amount_total": 100.0,
                   "write_date": "2026-11-20 10:00:00", "date_approve": False, "picking_ids": [],
                   "receipt_status": False, "currency_id": [1, "USD"], "user_id": False, "company_id": [1, "Co"]}
        self.chatter: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self.marshal_fault = False
        self.now = now
        self.note_refusal: OdooError | None = None

    @property
    def messages(self) -> list[str]:
        """The bodies of the comments (notes) — Odoo's tracking notifications left out."""
        return [m["body"] for m in self.chatter if m["message_type"] == "comment"]

    def cached(self, key: str, loader: Any, ttl: float = 0) -> Any:
        return loader()

    def read(self, model: str, ids: list[int], fields: list[str]) -> list[dict[str, Any]]:
        if model == "res.users":
            return [{"id": self.uid, "partner_id": [self.partner, "Integration"]}]
        if model == "res.company":
            return [{"id": 1, "po_double_validation": "one_step", "po_double_validation_amount": 5000.0,
                     "currency_id": [1, "USD"]}]
        return [dict(self.po)] if model == "purchase.order" and 7 in ids else []

    def search_read(self, model: str, domain: list[Any], fields: list[str], **kw: Any) -> list[dict[str, Any]]:
        def match(m: dict[str, Any]) -> bool:
            for f, _op, v in domain:
                if f == "body" and str(v).lower() not in m["body"].lower():
                    return False
                if f in ("message_type", "author_id") and m[f] != v:
                    return False
                if f == "date" and m["date"] < v:
                    return False
            return True
        return [{"id": i + 1} for i, m in enumerate(self.chatter) if match(m)][:1]

    def _track(self) -> None:  # Odoo logs every PO state change, authored by the user who made it
        self.chatter.append({"body": "", "message_type": "notification", "author_id": self.partner,
                             "date": self.now})

    def call(self, model: str, method: str, args: list[Any] | None = None, kwargs: dict[str, Any] | None = None) -> Any:
        self.calls.append(method)
        if method == "button_cancel":
            self.po.update(state="cancel", write_date=self.now)
            self._track()
            if self.marshal_fault:
                raise OdooError("cannot marshal <class 'NoneType'> objects", "builtins.TypeError")
            return None
        if method == "button_confirm":
            self.po.update(state="purchase", date_approve=self.now, write_date=self.now)
            self._track()
            return True
        if method == "message_post":
            if self.note_refusal is not None:
                raise self.note_refusal
            self.chatter.append({"body": str((kwargs or {}).get("body")), "message_type": "comment",
                                 "author_id": self.partner, "date": self.now})
            return len(self.chatter)
        if method == "create" and model == "mail.message":
            raise self.note_refusal or AssertionError("note created directly although message_post works")
        raise AssertionError(method)


def _proposal(kind: str, state: str, attempts: int = 1, since: datetime | None = None) -> Proposal:
    args = {"po_id": 7, "po": "P00007", "reason": "duplicate order"}
    return Proposal(id="P-abc", schema_version=1, kind=kind, args=args, args_json="{}", args_sha256="",
                    summary="", before_after={}, evidence={"po_id": 7, "po": "P00007", "state": state,
                                                           "write_date": "2026-11-20 10:00:00",
                                                           "amount_total": 100.0},
                    requester="ava.buyer", requester_role="buyer", channel="test", thread_id=None, run_id=None,
                    amount=100.0, currency="USD", metrics={}, odoo_ref=None, policy_rule="r",
                    eligible_approvers=[], state="executing", created_at=datetime(2026, 11, 26),
                    expires_at=datetime(2026, 11, 29), decided_by="omar.approver", attempts=attempts,
                    executing_since=since)


def test_cancel_survives_the_xmlrpc_marshal_trap() -> None:
    odoo = FakeOdoo("purchase")
    odoo.marshal_fault = True
    out = run(CancelExecutor(), odoo, _proposal("cancel_purchase_order", "purchase"))  # type: ignore[arg-type]
    assert out.state == "executed", out.message
    assert odoo.calls.count("button_cancel") == 1
    assert len(odoo.messages) == 1 and "QM-P-abc" in odoo.messages[0] and "duplicate order" in odoo.messages[0]


def test_other_odoo_errors_fail_the_cancel() -> None:
    odoo = FakeOdoo("purchase")

    def refuse(*a: Any, **k: Any) -> Any:
        raise OdooError("Unable to cancel purchase order(s): P00007 since they have receipts that are already done.")

    odoo.call = refuse  # type: ignore[method-assign]
    out = run(CancelExecutor(), odoo, _proposal("cancel_purchase_order", "purchase"))  # type: ignore[arg-type]
    assert out.state == "failed" and "receipts that are already done" in out.message


def test_confirm_retry_after_crash_before_the_note_is_recorded_once() -> None:
    odoo = FakeOdoo("draft")
    started = datetime(2026, 11, 26, 11, 59, 58)
    first = _proposal("confirm_purchase_order", "draft", attempts=1, since=started)
    odoo.call("purchase.order", "button_confirm", [[7]])  # the write landed, then the process died
    odoo.calls.clear()
    retry = _proposal("confirm_purchase_order", "draft", attempts=2, since=started)
    out = run(ConfirmExecutor(), odoo, retry)  # type: ignore[arg-type]
    assert out.state == "executed" and out.result.get("reconciled") is True
    assert "button_confirm" not in odoo.calls and len(odoo.messages) == 1  # note added, confirm not repeated
    # a first attempt that finds the PO confirmed by someone else is stale, not "executed"
    other = FakeOdoo("purchase")
    out2 = run(ConfirmExecutor(), other, first)  # type: ignore[arg-type]
    assert out2.state == "stale" and "now 'purchase'" in out2.message
    # and a retry long after someone else confirmed it is stale too
    late = _proposal("confirm_purchase_order", "draft", attempts=2, since=started + timedelta(hours=1))
    other2 = FakeOdoo("draft")
    other2.call("purchase.order", "button_confirm", [[7]])
    assert run(ConfirmExecutor(), other2, late).state == "stale"  # type: ignore[arg-type]


def test_reschedule_never_writes_the_po_promised_date_even_for_old_proposals() -> None:
    from tools.actions.reschedule import RescheduleExecutor

    writes: list[tuple[str, str, list[Any]]] = []

    class Odoo:
        def call(self, model: str, method: str, args: list[Any] | None = None,
                 kwargs: dict[str, Any] | None = None) -> Any:
            writes.append((model, method, list(args or [])))
            return 1

        def read(self, model: str, ids: list[int], fields: list[str]) -> list[dict[str, Any]]:
            return [{"id": 9, "name": "DAL/IN/00009", "state": "assigned", "scheduled_date": "2026-12-01 09:00:00",
                     "write_date": "2026-11-26 12:00:00"}]

    p = _proposal("reschedule_receipt", "assigned")
    p.args = {"picking_id": 9, "receipt": "DAL/IN/00009", "scheduled_date": "2026-12-01 09:00:00",
              "po_line_ids": [41, 42]}  # stored by a version that also moved the PO lines
    out = RescheduleExecutor().execute(Odoo(), p)  # type: ignore[arg-type]
    assert [(m, meth) for m, meth, _ in writes] == [("stock.picking", "write"), ("stock.picking", "message_post")]
    assert writes[0][2] == [[9], {"scheduled_date": "2026-12-01 09:00:00"}]
    assert "promised" in out["message"]


def test_rfq_buyer_is_the_requesters_odoo_user_when_it_exists() -> None:
    from tools.actions.rfq import CreateRfqExecutor

    class Odoo:
        def __init__(self, users: dict[str, int]) -> None:
            self.users, self.created = users, []  # type: ignore[var-annotated]

        def search_read(self, model: str, domain: list[Any], fields: list[str], **kw: Any) -> list[dict[str, Any]]:
            assert model == "res.users"
            login = domain[0][2]
            return [{"id": self.users[login]}] if login in self.users else []

        def call(self, model: str, method: str, args: list[Any] | None = None, kwargs: Any = None) -> Any:
            self.created.append(args[0])  # type: ignore[index]
            return 55

        def read(self, model: str, ids: list[int], fields: list[str]) -> list[dict[str, Any]]:
            if model == "purchase.order.line":
                return [{"product_id": [1, "X"], "product_qty": 1.0, "price_unit": 1.0, "product_uom": [1, "Units"]}]
            return [{"name": "P00055", "amount_total": 1.0, "state": "draft", "currency_id": [1, "USD"],
                     "order_line": [9]}]

    p = _proposal("create_rfq", "draft")
    p.args = {"supplier_id": 3, "supplier": "Apex", "warehouse": "DAL", "picking_type_id": 1,
              "lines": [{"product_id": 1, "quantity": 1, "price_unit": 1.0}], "requester_odoo_login": "ava.buyer"}
    known = Odoo({"ava.buyer": 8})
    CreateRfqExecutor().execute(known, p)  # type: ignore[arg-type]
    assert known.created[0]["user_id"] == 8
    unknown = Odoo({})
    CreateRfqExecutor().execute(unknown, p)  # type: ignore[arg-type]
    assert "user_id" not in unknown.created[0]  # Odoo's default (the integration user) rather than a crash


def test_odoo_refusals_become_one_sentence_naming_the_fix() -> None:
    from tools.governance.executor import explain_refusal
    from tools.odoo.errors import OdooAccessError, OdooValidationError

    no_mail = explain_refusal(OdooValidationError("Unable to send message, please configure the sender's email "
                                                  "address."), "integration", "confirm the purchase order")
    assert no_mail.startswith("Odoo refused to confirm the purchase order: the Odoo user 'integration'")
    assert "no e-mail address" in no_mail and "Settings → Users & Companies → Users → Email" in no_mail
    access = explain_refusal(OdooAccessError(
        "You are not allowed to modify 'Purchase Order' (purchase.order) records.\n\nThis operation is allowed for "
        "the following groups:\n\t- Purchase / User\n\nContact your administrator to request access if necessary.",
        "odoo.exceptions.AccessError"), "wes", "cancel the purchase order")
    # what was refused in business words (purchase order records), never Odoo's own message
    assert "lacks the access rights (on purchase order records)" in access and "\n" not in access \
        and "Settings" in access and "You are not allowed" not in access
    locked = explain_refusal(OdooValidationError("This order is locked and cannot be modified."), "integration",
                             "cancel the purchase order")
    assert "Unlock it in Odoo" in locked
    other = explain_refusal(OdooValidationError("Some other refusal."), "", "post the reminder")
    assert other == "Odoo refused to post the reminder: Some other refusal."


def test_po_amount_for_thresholds_is_in_the_company_currency() -> None:
    from tools.actions.common import company_total, po_money

    class Odoo:
        def __init__(self, has_cc: bool) -> None:
            self.has_cc = has_cc

        def cached(self, key: str, loader: Any, ttl: float = 0) -> Any:
            return loader()

        def read(self, model: str, ids: list[int], fields: list[str]) -> list[dict[str, Any]]:
            if model == "res.company":
                return [{"id": 1, "po_double_validation": "two_step", "po_double_validation_amount": 1000.0,
                         "currency_id": [1, "USD"]}]
            return [{"id": 7, "amount_total_cc": 3817.98}]

        def execute_kw(self, model: str, method: str, args: list[Any], kw: dict[str, Any]) -> Any:
            if method == "fields_get":
                return {"amount_total_cc": {"type": "monetary"}} if self.has_cc else {}
            assert kw["context"]["date"] == "2026-12-01"  # the order date's rate, as Odoo
            return [{"id": 1, "rate": 1.0}, {"id": 2, "rate": 1.2834}]

    po = {"id": 7, "amount_total": 4900.0, "currency_id": [2, "EUR"], "company_id": [1, "Co"],
          "date_order": "2026-12-01 10:00:00"}
    assert company_total(Odoo(True), po) == (3817.98, "USD")  # type: ignore[arg-type]
    assert company_total(Odoo(False), po) == (3817.98, "USD")  # type: ignore[arg-type]
    assert po_money(po, (3817.98, "USD")) == "4,900.00 EUR ≈ 3,817.98 USD"
    same = {**po, "currency_id": [1, "USD"], "amount_total": 10.0}
    assert company_total(Odoo(True), same) == (10.0, "USD") and po_money(same, (10.0, "USD")) == "10.00 USD"  # type: ignore[arg-type]
