"""The write path as Odoo's workflow has it (issue 9 point 4), against a private sandbox: two-step approval
(confirm lands in 'to approve', approve_purchase_order approves), an integration user without an e-mail
address, a note that fails after the state change (reported, reconciled), Odoo's refusals as one sentence,
and vendor-facing text without internal names or proposal ids."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from gov_kit import GOV

from tools.actions import ACTION_TOOLS, EXECUTORS
from tools.actions import common as action_common
from tools.actions.common import find_marker_message, post_note, read_po
from tools.base import ToolContext, ToolError, ToolResult
from tools.governance.audit import AuditLog
from tools.governance.identity import Directory
from tools.governance.policy import Policy
from tools.governance.proposals import Decision, Proposal, ProposalService
from tools.governance.store import StateStore
from tools.odoo.client import OdooClient
from tools.odoo.errors import OdooError, OdooValidationError

TOOLS = {t.name: t for t in ACTION_TOOLS}
NO_EMAIL = "Unable to send message, please configure the sender's email address."


@dataclass
class World:
    admin: OdooClient
    integration: OdooClient  # a purchase user (not a manager) without an e-mail address
    service: ProposalService
    directory: Directory
    store: StateStore

    def use(self, odoo: OdooClient) -> None:
        """The Odoo user Quartermaster signs in as, for proposing and executing."""
        self.service._odoo = odoo

    def ctx(self, username: str) -> ToolContext:
        user = self.directory.get(username)
        assert user is not None
        odoo = self.service.odoo()
        assert odoo is not None
        return ToolContext(user=user, odoo=odoo, store=self.store, policy=self.service.policy,
                           audit=self.service.audit, channel="test", thread_id="th")

    def call(self, username: str, tool: str, **args: Any) -> ToolResult:
        t = TOOLS[tool]
        return t.func(self.ctx(username), t.args_model.model_validate(args))

    def approve(self, pid: str, username: str) -> Decision:
        user = self.directory.get(username)
        assert user is not None
        return self.service.decide(pid, user, "approve", "ok")


def make_user(admin: OdooClient, url: str, db: str, login: str, groups: list[str],
              email: str | None = None) -> OdooClient:
    """A new Odoo user (password = login) in the named groups, optionally without an e-mail address."""
    partner = admin.call("res.partner", "create", [{"name": login.title(), "email": email or False}])
    gids = [g["id"] for g in admin.search_read("res.groups", [("name", "in", groups)], ["id"], limit=20)]
    assert len(gids) == len(groups), groups
    admin.call("res.users", "create", [{"login": login, "name": login.title(), "password": login,
                                        "partner_id": partner, "company_id": 1, "company_ids": [[6, 0, [1]]],
                                        "groups_id": [[6, 0, gids]]}])
    return OdooClient.connect(url, db, login, login)


@pytest.fixture()
def world(fresh_sandbox: Any, tmp_path: Path) -> Iterator[World]:
    url, db = fresh_sandbox.url, fresh_sandbox.db
    admin = OdooClient.connect(url, db, "admin", "admin")
    integration = make_user(admin, url, db, "integration", ["Role / User", "Purchase / User", "Inventory / User"])
    store = StateStore.open(f"sqlite:///{tmp_path / 'state.db'}")
    directory = Directory.load(GOV / "default_users.yaml")
    service = ProposalService(store, Policy.load(GOV / "default_policy.yaml"), directory, AuditLog(store),
                              odoo=integration)
    yield World(admin, integration, service, directory, store)
    store.close()


def two_step(world: World, threshold: float) -> None:
    world.admin.call("res.company", "write", [[1], {"po_double_validation": "two_step",
                                                    "po_double_validation_amount": threshold}])


def draft_po(world: World, above: float = 0.0, skip: tuple[int, ...] = ()) -> dict[str, Any]:
    rows = world.admin.search_read("purchase.order", [("state", "=", "draft"), ("amount_total", ">", above),
                                                      ("amount_total", "<=", 25000), ("id", "not in", list(skip))],
                                   ["id", "name", "amount_total"], limit=1, order="id")
    assert rows, "the sandbox has no draft RFQ in range"
    return rows[0]


def test_message_post_needs_an_email_but_a_note_does_not(world: World) -> None:
    po = draft_po(world)
    with pytest.raises(OdooError) as exc:
        world.integration.call("purchase.order", "message_post", [[po["id"]]], {"body": "hello",
                                                                             "subtype_xmlid": "mail.mt_note"})
    assert exc.value.message == NO_EMAIL  # Odoo 18's own words, even for a note
    mid = post_note(world.integration, "purchase.order", po["id"], "internal <check> [QM-P-0123456789]")
    msg = world.admin.read("mail.message", [mid], ["body", "subtype_id", "author_id", "message_type"])[0]
    assert msg["subtype_id"][1] == "Note" and msg["message_type"] == "comment"
    own = world.integration.read("res.users", [world.integration.uid], ["partner_id"])[0]["partner_id"][0]
    assert msg["author_id"][0] == own
    assert "&lt;check&gt;" in msg["body"] and "QM-P-0123456789" in msg["body"]


def test_two_step_confirm_lands_in_to_approve_then_approve(world: World) -> None:
    two_step(world, 100.0)
    po = draft_po(world, above=100.0)
    res = world.call("ava.buyer", "confirm_purchase_order", po=po["name"])
    assert "two-step approval" in res.text
    pid = res.proposal_ids[0]
    d = world.approve(pid, "omar.approver")
    assert d.outcome == "executed", d.message
    assert "Sent for approval in Odoo" in d.message and "'to approve'" in d.message
    assert "draft → purchase" not in d.message.split(").", 1)[-1]
    assert read_po(world.admin, po["id"])["state"] == "to approve"  # type: ignore[index]
    assert d.proposal and d.proposal.result and d.proposal.result["state"] == "to approve"
    assert not d.proposal.result.get("note_error")
    assert find_marker_message(world.admin, "purchase.order", po["id"], pid)  # the note, without an e-mail
    # confirming again is refused before proposing, pointing at approval
    with pytest.raises(ToolError, match="propose approving"):
        world.call("ava.buyer", "confirm_purchase_order", po=po["name"])
    # the integration user is no purchase manager: Odoo would not let it approve, so nothing is proposed
    with pytest.raises(ToolError, match="not a purchase manager") as refused:
        world.call("ava.buyer", "approve_purchase_order", po=po["name"])
    assert refused.value.code == "odoo_rights"
    # signed in as a purchase manager, the approval runs through Odoo's Approve button
    world.use(world.admin)
    res2 = world.call("ava.buyer", "approve_purchase_order", po=po["name"])
    pid2 = res2.proposal_ids[0]
    assert world.approve(pid2, "ava.buyer").outcome == "refused"  # four eyes, like confirm
    d2 = world.approve(pid2, "omar.approver")
    assert d2.outcome == "executed", d2.message
    assert "approved in Odoo" in d2.message
    after = read_po(world.admin, po["id"])
    assert after and after["state"] == "purchase" and after["picking_ids"]  # receipt created on approval
    assert after["date_approve"]
    # approving again says what is done, not a silent noop
    d3 = world.approve(pid2, "maria.manager")
    assert d3.outcome == "noop" and "already executed" in d3.message and "approved in Odoo" in d3.message
    with pytest.raises(ToolError, match="already approved"):
        world.call("ava.buyer", "approve_purchase_order", po=po["name"])


def test_below_the_threshold_confirm_is_one_step(world: World) -> None:
    po = draft_po(world)
    two_step(world, float(po["amount_total"]) + 1)
    d = world.approve(world.call("ava.buyer", "confirm_purchase_order", po=po["name"]).proposal_ids[0],
                      "omar.approver")
    assert d.outcome == "executed" and "now a purchase order" in d.message
    assert read_po(world.admin, po["id"])["state"] == "purchase"  # type: ignore[index]


def test_approve_that_odoo_skips_is_reported_failed_with_the_fix(world: World) -> None:
    two_step(world, 1.0)
    po = draft_po(world, above=1.0)
    world.integration.call("purchase.order", "button_confirm", [[po["id"]]])
    world.use(world.admin)
    pid = world.call("ava.buyer", "approve_purchase_order", po=po["name"]).proposal_ids[0]
    world.use(world.integration)  # e.g. the connection changed to a user without the rights
    d = world.approve(pid, "omar.approver")
    assert d.outcome == "failed"
    assert "Odoo did not approve" in d.message and "'integration'" in d.message and "Administrator" in d.message
    assert read_po(world.admin, po["id"])["state"] == "to approve"  # type: ignore[index]


def test_note_failing_after_confirm_is_reported_and_the_change_kept(world: World,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    po = draft_po(world)

    def refuse(*a: Any, **k: Any) -> Any:
        raise OdooValidationError(NO_EMAIL)

    monkeypatch.setattr(action_common, "post_note", refuse)
    d = world.approve(world.call("ava.buyer", "confirm_purchase_order", po=po["name"]).proposal_ids[0],
                      "omar.approver")
    assert d.outcome == "executed", d.message
    assert "audit note was not posted" in d.message and "no e-mail address" in d.message
    assert d.proposal and d.proposal.result and "no e-mail address" in d.proposal.result["note_error"]
    assert read_po(world.admin, po["id"])["state"] == "purchase"  # type: ignore[index]


def test_reconcile_finds_a_state_change_without_a_note(world: World) -> None:
    """A crash between button_confirm and the note, and a proposal recorded 'failed' by an older version after
    its state change: both are found in Odoo (its own tracking of our user's change) and recorded executed."""
    real = EXECUTORS["confirm_purchase_order"]

    class ConfirmOnly:  # writes, then dies (crash) or raises (the old "note failed -> failed")
        def __init__(self, how: str) -> None:
            self.how = how

        def reconcile(self, odoo: OdooClient, proposal: Proposal) -> Any:
            return real.reconcile(odoo, proposal)

        def revalidate(self, odoo: OdooClient, proposal: Proposal) -> Any:
            return real.revalidate(odoo, proposal)

        def execute(self, odoo: OdooClient, proposal: Proposal) -> Any:
            odoo.call("purchase.order", "button_confirm", [[int(proposal.args["po_id"])]])
            if self.how == "crash":
                raise SystemExit("crash after the Odoo write")
            raise OdooValidationError(NO_EMAIL)

    first = draft_po(world)
    second = draft_po(world, skip=(first["id"],))
    pid1 = world.call("ava.buyer", "confirm_purchase_order", po=first["name"]).proposal_ids[0]
    pid2 = world.call("ava.buyer", "confirm_purchase_order", po=second["name"]).proposal_ids[0]
    world.service._executors = {**EXECUTORS, "confirm_purchase_order": ConfirmOnly("crash")}
    with pytest.raises(SystemExit):
        world.approve(pid1, "omar.approver")
    world.service._executors = {**EXECUTORS, "confirm_purchase_order": ConfirmOnly("refuse")}
    failed = world.approve(pid2, "omar.approver")
    assert failed.outcome == "failed" and "no e-mail address" in failed.message
    world.service._executors = dict(EXECUTORS)
    for pid, po in ((pid1, first), (pid2, second)):
        assert find_marker_message(world.admin, "purchase.order", po["id"], pid) is None
        # the crash: `proposals reconcile`; the one recorded failed: reconcile, or simply approving it again
        d = world.service.reconcile(pid, force=True) if pid == pid1 else world.approve(pid, "maria.manager")
        assert d.outcome == "executed", d.message
        assert d.proposal and d.proposal.result and d.proposal.result["state"] == "purchase"
        assert find_marker_message(world.admin, "purchase.order", po["id"], pid)  # the note, added now
        assert "found" in d.message and "in Odoo" in d.message
    # a PO someone else confirmed is not taken for ours
    third = draft_po(world, skip=(first["id"], second["id"]))
    pid3 = world.call("ava.buyer", "confirm_purchase_order", po=third["name"]).proposal_ids[0]
    world.admin.call("purchase.order", "button_confirm", [[third["id"]]])
    d3 = world.approve(pid3, "omar.approver")
    assert d3.outcome == "stale"


def test_odoo_access_refusal_is_one_sentence_naming_the_fix(world: World, fresh_sandbox: Any) -> None:
    po = draft_po(world)
    pid = world.call("ava.buyer", "confirm_purchase_order", po=po["name"]).proposal_ids[0]
    world.use(OdooClient.connect(fresh_sandbox.url, fresh_sandbox.db, "wes.warehouse", "wes.warehouse"))
    d = world.approve(pid, "omar.approver")
    assert d.outcome == "failed"
    assert "Odoo refused to confirm the purchase order" in d.message and "'wes.warehouse'" in d.message
    assert "access rights" in d.message and "Settings" in d.message and "Traceback" not in d.message
    assert d.proposal and d.proposal.error and "access rights" in d.proposal.error
    assert read_po(world.admin, po["id"])["state"] == "draft"  # type: ignore[index]


def test_vendor_reminder_names_no_internal_user_nor_proposal(world: World) -> None:
    world.use(world.admin)
    po = world.admin.search_read("purchase.order", [("state", "=", "purchase"), ("receipt_status", "=", "pending")],
                                 ["id", "name", "partner_id"], limit=1, order="id")[0]
    text = "Please confirm the delivery date for this order."
    pid = world.call("wes.warehouse", "remind_supplier", po=po["name"], message=text,
                     notify_vendor=True).proposal_ids[0]
    d = world.approve(pid, "wes.warehouse")
    assert d.outcome == "executed", d.message
    msgs = world.admin.search_read("mail.message", [("model", "=", "purchase.order"), ("res_id", "=", po["id"]),
                                                    ("message_type", "=", "comment")],
                                   ["body", "partner_ids", "subtype_id"], limit=20, order="id desc")
    to_vendor = [m for m in msgs if po["partner_id"][0] in m["partner_ids"]]
    assert len(to_vendor) == 1
    body = to_vendor[0]["body"]
    assert text in body and "QM-" not in body and "wes" not in body.lower() and "approved" not in body.lower()
    notes = [m for m in msgs if f"QM-{pid}" in m["body"]]
    assert len(notes) == 1 and notes[0]["subtype_id"][1] == "Note" and "wes.warehouse" in notes[0]["body"]
    # a retry finds both and sends nothing twice
    p = world.service.get(pid)
    assert p is not None
    p.attempts = 2
    assert EXECUTORS["remind_supplier"].reconcile(world.admin, p)
    assert world.admin.search_count("mail.message", [("res_id", "=", po["id"]), ("model", "=", "purchase.order"),
                                                     ("body", "ilike", text)]) == 2  # vendor message + note


def test_vendor_reminder_from_a_user_without_email_says_what_to_fix(world: World) -> None:
    po = world.admin.search_read("purchase.order", [("state", "=", "purchase"), ("receipt_status", "=", "pending")],
                                 ["id", "name"], limit=1, order="id")[0]
    pid = world.call("ava.buyer", "remind_supplier", po=po["name"], message="Any news on this order?",
                     notify_vendor=True).proposal_ids[0]
    d = world.approve(pid, "ava.buyer")
    assert d.outcome == "failed"
    assert "no e-mail address" in d.message and "'integration'" in d.message and "Email" in d.message
    assert world.admin.search_count("mail.message", [("res_id", "=", po["id"]), ("model", "=", "purchase.order"),
                                                     ("body", "ilike", "Any news on this order")]) == 0


def test_supplier_communications_and_brief_skip_quartermasters_own_notes(world: World) -> None:
    from assistant.summaries import _messages
    from tools.reads.communications import CommsArgs, supplier_communications

    world.use(world.admin)
    po = world.admin.search_read("purchase.order", [("state", "=", "purchase"), ("receipt_status", "=", "pending")],
                                 ["id", "name", "partner_id"], limit=1, order="id")[0]
    pid = world.call("ava.buyer", "remind_supplier", po=po["name"],
                     message="Internal: chase this vendor tomorrow.").proposal_ids[0]
    assert world.approve(pid, "ava.buyer").outcome == "executed"
    vendor_words = "We will ship the balance next week."
    world.admin.call("purchase.order", "message_post", [[po["id"]]], {"body": vendor_words,
                                                                     "message_type": "comment"})
    res = supplier_communications.func(world.ctx("ava.buyer"), CommsArgs(supplier=po["partner_id"][1], limit=50))
    texts = [m["text"] for m in res.data["messages"]]
    assert any(vendor_words in t for t in texts)
    assert not any("QM-" in t or "chase this vendor" in t for t in texts)
    # the brief's own filter too (for messages reaching it by another tool)
    planted = ToolResult(tool="x", data={"messages": [{"text": f"note [QM-{pid}]"}, {"text": vendor_words}]})
    assert [m["text"] for m in _messages(planted)] == [vendor_words]


def test_a_note_needs_write_access_on_the_document(world: World, fresh_sandbox: Any) -> None:
    """The e-mail-free note (mail.message create) is no back door: Odoo wants write access on the PO."""
    po = draft_po(world)
    wes = OdooClient.connect(fresh_sandbox.url, fresh_sandbox.db, "wes.warehouse", "wes.warehouse")
    with pytest.raises(OdooError) as exc:
        wes.call("mail.message", "create", [{"model": "purchase.order", "res_id": po["id"], "body": "<p>x</p>",
                                             "message_type": "comment"}])
    assert exc.value.short_name == "AccessError"
