"""Durable proposals: the only way anything the assistant suggests reaches Odoo.

Lifecycle: pending → approved | rejected | expired | failed(tampered) → executing →
executed | failed | stale, or executing → approved again ("deferred") when Odoo was unreachable before
anything was sent: the approval is kept and `reconcile` (or the approver clicking again) runs it later. Every transition is a compare-and-set (`UPDATE … WHERE state = :from`)
committed together with its proposal event and its audit event, so a second approve, a retried
request or a second process racing on the same proposal is a no-op, and exactly one executes.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa

from tools.base import Identity, ToolContext, ToolError
from tools.governance.executor import ActionExecutor, ExecutionOutcome, run
from tools.governance.keys import SigningKeys
from tools.governance.policy import has_spend
from tools.governance.provenance import card_note
from tools.governance.store import (
    AuditEventRow,
    ProposalEventRow,
    ProposalRow,
    StateStore,
    canonical_json,
    storable_text,
    utcnow,
)
from tools.odoo.errors import OdooError, OdooUnavailable

if TYPE_CHECKING:
    from tools.governance.audit import AuditLog
    from tools.governance.identity import Directory
    from tools.governance.policy import Policy
    from tools.odoo.client import OdooClient

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
TERMINAL = frozenset({"rejected", "expired", "executed", "failed", "stale"})
DecisionOutcome = Literal["executed", "failed", "stale", "unknown", "deferred", "rejected", "expired", "refused",
                          "noop", "not_found", "invalid"]
Listener = Callable[[str, "Proposal"], None]
#: Kinds whose `odoo_ref` is the record acted on: a second pending proposal on the same record is a
#: duplicate whatever its arguments (two confirms, cancels, reminders or reschedules of one PO/receipt).
#: create_rfq's odoo_ref is the vendor, where several RFQs are normal: only identical arguments dedupe.
TARGET_UNIQUE_KINDS = frozenset({"confirm_purchase_order", "approve_purchase_order", "cancel_purchase_order",
                                 "remind_supplier", "reschedule_receipt"})
# arguments that make a proposal do more than another of its kind on the same record: a pending one without
# the flag does not stand in for a request with it (a note-only reminder is no answer to "and e-mail the vendor")
WIDER_FLAGS: dict[str, tuple[str, ...]] = {"remind_supplier": ("notify_vendor",)}


def args_hash(args_json: str) -> str:
    return hashlib.sha256(args_json.encode("utf-8")).hexdigest()


def _sha(text: str | None) -> str:
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="microseconds") if value is not None else None


def seal_body(r: ProposalRow) -> dict[str, Any]:
    """Every stored field that decides who may approve and what runs (or what the approver reads)."""
    return {"v": 1, "id": r.id, "schema_version": r.schema_version, "kind": r.kind, "args_json": r.args_json,
            "args_sha256": r.args_sha256, "amount": f"{float(r.amount):.6f}", "currency": r.currency,
            "requester": r.requester, "requester_role": r.requester_role, "created_at": _iso(r.created_at),
            "expires_at": _iso(r.expires_at), "evidence_sha256": _sha(r.evidence_json),
            "before_after_sha256": _sha(r.before_after_json), "summary_sha256": _sha(r.summary),
            "metrics_json": r.metrics_json, "odoo_ref": r.odoo_ref, "policy_rule": r.policy_rule,
            "policy_version": r.policy_version, "eligible_approvers_json": r.eligible_approvers_json,
            "origin": r.origin, "origin_sha256": _sha(r.origin_json), "channel": r.channel,
            "thread_id": r.thread_id, "run_id": r.run_id}


def event_body(pid: str, ts: datetime, event: str, actor: str, frm: str | None, to: str, comment: str | None,
               prev: str) -> dict[str, Any]:
    """One link of a proposal's transition chain (prev = the previous link, the seal for the first)."""
    return {"proposal": pid, "ts": _iso(ts), "event": event, "actor": actor, "from": frm, "to": to,
            "comment": comment, "prev": prev}


#: Audit types that move a proposal (their payload's "to" is the state after; created = pending).
TRANSITION_AUDITS = ("proposal_created", "proposal_approved", "proposal_rejected", "proposal_expired",
                     "proposal_executing", "proposal_executed", "proposal_failed", "proposal_stale",
                     "proposal_deferred", "proposal_confirmed")


@dataclass
class Integrity:
    """What `check` found: problems (empty = intact) and the verified transition events."""

    problems: builtins.list[str]
    events: builtins.list[ProposalEventRow]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def confirmed_by_requester(self) -> bool:
        return any(e.event == "confirmed" for e in self.events)


@dataclass
class Proposal:
    id: str
    schema_version: int
    kind: str
    args: dict[str, Any]
    args_json: str
    args_sha256: str
    summary: str
    before_after: dict[str, Any]
    evidence: dict[str, Any]
    requester: str
    requester_role: str
    channel: str
    thread_id: str | None
    run_id: str | None
    amount: float
    currency: str
    metrics: dict[str, Any]
    odoo_ref: str | None
    policy_rule: str
    eligible_approvers: list[str]
    state: str
    created_at: datetime
    expires_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_comment: str | None = None
    executing_since: datetime | None = None
    attempts: int = 0
    finished_at: datetime | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    seal_kid: str | None = None
    seal: str | None = None
    chain_head: str | None = None
    policy_version: str | None = None
    origin: str = "user"  # "model": suggested by the model after it read untrusted text (see provenance)
    provenance: dict[str, Any] = field(default_factory=dict)
    confirmed_at: datetime | None = None
    duplicate_of_request: bool = False  # set (not stored) when create() returned an existing pending one

    @property
    def hash_ok(self) -> bool:
        return args_hash(self.args_json) == self.args_sha256

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL

    @property
    def has_spend(self) -> bool:
        """False for kinds that spend nothing (reminders, reschedules): no amount to show."""
        return has_spend(self.kind)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view for channels (web, API, Slack) and the CLI; `amount` is None for no-spend kinds."""
        out: dict[str, Any] = {}
        for k, v in self.__dict__.items():
            if k in ("args_json", "duplicate_of_request", "seal", "chain_head"):
                continue
            out[k] = v.isoformat() if isinstance(v, datetime) else v
        if not self.has_spend:
            out["amount"] = None
        return out

    @classmethod
    def from_row(cls, r: ProposalRow) -> Proposal:
        def loads(raw: str | None, default: Any) -> Any:
            try:
                return json.loads(raw) if raw else default
            except ValueError:
                return default

        return cls(id=r.id, schema_version=r.schema_version, kind=r.kind, args=loads(r.args_json, {}),
                   args_json=r.args_json, args_sha256=r.args_sha256, summary=r.summary,
                   before_after=loads(r.before_after_json, {}), evidence=loads(r.evidence_json, {}),
                   requester=r.requester, requester_role=r.requester_role, channel=r.channel,
                   thread_id=r.thread_id, run_id=r.run_id, amount=float(r.amount), currency=r.currency,
                   metrics=loads(r.metrics_json, {}), odoo_ref=r.odoo_ref, policy_rule=r.policy_rule,
                   eligible_approvers=loads(r.eligible_approvers_json, []), state=r.state,
                   created_at=r.created_at, expires_at=r.expires_at, decided_by=r.decided_by,
                   decided_at=r.decided_at, decision_comment=r.decision_comment,
                   executing_since=r.executing_since, attempts=r.attempts, finished_at=r.finished_at,
                   result=loads(r.result_json, None), error=r.error, seal_kid=r.seal_kid, seal=r.seal,
                   chain_head=r.chain_head, policy_version=r.policy_version, origin=r.origin or "user",
                   provenance=loads(r.origin_json, {}), confirmed_at=r.confirmed_at)

    @property
    def model_suggested(self) -> bool:
        return self.origin == "model"

    @property
    def awaiting_requester(self) -> bool:
        """A model-suggested proposal the requester has not confirmed: approvers do not see it yet."""
        return self.model_suggested and self.confirmed_at is None and self.state == "pending"


@dataclass
class Decision:
    """What happened when someone clicked approve/reject; `message` is fit to show them."""

    outcome: DecisionOutcome
    message: str
    proposal: Proposal | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("executed", "rejected")


@dataclass
class _Draft:
    """What the policy needs to know about a proposal before it exists."""

    kind: str
    amount: float
    requester: str
    metrics: Mapping[str, Any] = field(default_factory=dict)
    requester_role: str | None = None


def default_executors() -> dict[str, ActionExecutor]:
    """The executors of tools/actions, imported lazily (actions depend on governance, not back)."""
    import importlib

    module = importlib.import_module("tools.actions")
    return dict(module.EXECUTORS)


class ProposalService:
    """Create, list and decide proposals. Build one per process; it attaches itself to `store.proposals`
    so that proposal tools reach it through `ToolContext.store`."""

    def __init__(self, store: StateStore, policy: Policy, directory: Directory, audit: AuditLog | None = None,
                 *, odoo: OdooClient | None = None, odoo_factory: Callable[[], OdooClient] | None = None,
                 executors: Mapping[str, ActionExecutor] | None = None,
                 clock: Callable[[], datetime] = utcnow,
                 execution_lease: timedelta = timedelta(minutes=5), keys: SigningKeys | None = None) -> None:
        from tools.governance.audit import AuditLog

        self.store, self.policy, self.directory = store, policy, directory
        if keys is not None:
            store.keys = keys
        self.audit = audit or AuditLog(store)
        self._odoo, self._odoo_factory = odoo, odoo_factory
        self._executors = dict(executors) if executors is not None else None
        self.clock = clock
        self.execution_lease = execution_lease
        self._listeners: list[Listener] = []
        store.proposals = self

    # -- wiring --------------------------------------------------------------------------------
    @property
    def executors(self) -> dict[str, ActionExecutor]:
        if self._executors is None:
            self._executors = default_executors()
        return self._executors

    @property
    def keys(self) -> SigningKeys:
        keys: SigningKeys = self.store.keys
        return keys

    def odoo(self) -> OdooClient | None:
        if self._odoo is None and self._odoo_factory is not None:
            self._odoo = self._odoo_factory()
        return self._odoo

    def subscribe(self, callback: Listener) -> Callable[[], None]:
        """callback(event, proposal) for "created", "decided" (approved/rejected/expired/refused-tamper)
        and "executed" (final outcome: proposal.state is executed, failed or stale). Returns unsubscribe."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def _notify(self, event: str, proposal: Proposal | None) -> None:
        if proposal is None:
            return
        for cb in list(self._listeners):
            try:
                cb(event, proposal)
            except Exception:  # noqa: BLE001 - a broken channel must not break approvals
                log.exception("proposal listener failed on %s %s", event, proposal.id)

    def _in_record_company(self, ctx: ToolContext, eligible: list[str], odoo_ref: str | None) -> list[str]:
        """Drop approvers whose own Odoo user cannot see the record's company (Odoo's multi-company rule):
        they could not open it. Kept as is when the record, its company or a person's companies are unknown."""
        odoo = ctx.odoo
        scope = getattr(odoo, "person_companies", None)
        model, _, rid = (odoo_ref or "").partition(",")
        if model not in ("purchase.order", "stock.picking") or not rid.isdigit() or odoo is None or scope is None:
            return eligible  # an RFQ's vendor (res.partner) is shared across companies: nothing to narrow
        try:
            rows = odoo.read(model, [int(rid)], ["company_id"])
        except (OdooError, OdooUnavailable):
            return eligible
        value = rows[0].get("company_id") if rows else None
        company = value[0] if isinstance(value, list | tuple) and value else value
        if not company:
            return eligible
        kept = []
        for username in eligible:
            who = self.directory.get(username)
            companies = scope(who.odoo_login) if who is not None else None
            if companies is None or company in companies:
                kept.append(username)
        return kept

    # -- create --------------------------------------------------------------------------------
    def create(self, ctx: ToolContext, kind: str, args: Mapping[str, Any], summary: str,
               before_after: Mapping[str, Any] | None = None, evidence: Mapping[str, Any] | None = None,
               amount: float = 0.0, odoo_ref: str | None = None,
               metrics: Mapping[str, Any] | None = None) -> Proposal:
        user = ctx.user
        if not self.policy.can_use(user.role, kind):
            raise ToolError(f"{user.label} ({user.role}) may not propose {kind}.", code="forbidden")
        metrics = dict(metrics or {})
        try:
            rule = self.policy.rule_for(kind, float(amount), metrics.get("days_shift"), metrics)
        except ValueError as exc:  # PolicyError: no approval rule for this kind
            raise ToolError(f"Cannot propose {kind}: {exc}", code="misconfigured") from exc
        eligible = self.policy.eligible_approvers(_Draft(kind, float(amount), user.username, metrics, user.role),
                                                  self.directory)
        eligible = self._in_record_company(ctx, eligible, odoo_ref)
        origin, provenance = _assess(ctx, kind, dict(args), odoo_ref)
        if origin == "model" or self._split_reason(kind, user.username, odoo_ref, float(amount), metrics):
            # from untrusted text, or self-approvals on this record would add up past the policy's limit
            eligible = [u for u in eligible if u != user.username]
            summary = f"{summary.rstrip().rstrip('.')}. {card_note(provenance, user.username)}"
        if not eligible:  # never store a proposal nobody can approve
            roles = " or ".join(rule.approver_roles)
            if user.role in rule.approver_roles and not rule.self_approval_allowed:
                why = (f"no one but you may approve this (rule {rule.name}: four eyes, and no other {roles} "
                       f"is in the users file). Ask another {roles} to propose it, or split it below the threshold")
            else:
                why = f"nobody in the users file may approve it (rule {rule.name} needs {roles})"
            raise ToolError(f"Cannot propose {kind}: {why}. Nothing proposed.", code="no_approver")
        args_json = canonical_json(dict(args))
        existing = self._pending_duplicate(kind, args_hash(args_json), odoo_ref, args=args)
        if existing is not None:
            return existing
        now = self.clock()
        pid = "P-" + secrets.token_hex(5)
        row = ProposalRow(
            id=pid, schema_version=SCHEMA_VERSION, kind=kind, args_json=args_json,
            args_sha256=args_hash(args_json), summary=storable_text(summary),
            before_after_json=canonical_json(dict(before_after or {})),
            evidence_json=canonical_json(dict(evidence or {})), requester=user.username,
            requester_role=user.role, channel=ctx.channel, thread_id=ctx.thread_id, run_id=ctx.run_id,
            amount=float(amount), currency=self._currency(ctx), metrics_json=canonical_json(metrics),
            odoo_ref=odoo_ref, policy_rule=rule.name, eligible_approvers_json=canonical_json(eligible),
            state="pending", created_at=now, expires_at=now + timedelta(hours=self.policy.expiry_hours),
            attempts=0, version=1, policy_version=self.policy.version or None, origin=origin,
            origin_json=canonical_json(provenance))
        row.seal_kid, row.seal = self.keys.sign(seal_body(row))
        with self.store.write() as s:
            if s.get_bind().dialect.name == "postgresql":  # serialise creates of the same action (SQLite:
                # BEGIN IMMEDIATE already does) so two racing requests cannot both pass the check
                s.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"),
                          {"k": int(hashlib.sha256(f"{kind}|{odoo_ref}".encode()).hexdigest()[:15], 16)})
            dup = self._pending_duplicate(kind, row.args_sha256, odoo_ref, s, args=args)
            if dup is not None:
                return dup
            row.chain_head = self._link(s, pid, f"{row.seal_kid}:{row.seal}", ts=now, event="created",
                                        actor=user.username, frm=None, to="pending", add_row=False)
            s.add(row)
            s.flush()
            self._link(s, pid, f"{row.seal_kid}:{row.seal}", ts=now, event="created", actor=user.username,
                       frm=None, to="pending")
            self.audit.append(s, "proposal_created", user.username, ctx.run_id,
                              {"proposal": pid, "kind": kind, "args_sha256": row.args_sha256,
                               "amount": float(amount), "currency": row.currency, "rule": rule.name,
                               "eligible": eligible, "odoo_ref": odoo_ref, "channel": ctx.channel,
                               "requester_role": user.role, "expires_at": _iso(row.expires_at),
                               "seal": row.seal, "kid": row.seal_kid, "origin": origin},
                              on_behalf_of=user.username)
        proposal = Proposal.from_row(row)
        self._notify("suggested" if proposal.awaiting_requester else "created", proposal)
        return proposal

    def _currency(self, ctx: ToolContext) -> str:
        """The currency of the policy's amounts: as written, or the connected Odoo's company currency when the
        policy says `currency: company` (amounts are computed in the company currency)."""
        code = str(self.policy.currency or "")
        if code.lower() != "company":
            return code
        from tools.odoo.resolve import company_info

        try:
            return str(company_info(ctx.odoo).get("currency") or "") if ctx.odoo is not None else ""
        except Exception:  # noqa: BLE001 - a currency label must not stop a proposal
            return ""

    # -- seal and chain ------------------------------------------------------------------------
    def _link(self, s: Any, pid: str, prev: str, *, ts: datetime, event: str, actor: str, frm: str | None,
              to: str, comment: str | None = None, add_row: bool = True) -> str:
        """Add one signed transition event chained to `prev`; returns its link ("kid:hmac")."""
        comment = storable_text(comment) if comment is not None else None
        kid, mac = self.keys.sign(event_body(pid, ts, event, actor, frm, to, comment, prev))
        link = f"{kid}:{mac}"
        if add_row:
            s.add(ProposalEventRow(proposal_id=pid, ts=ts, event=event, actor=actor, from_state=frm,
                                   to_state=to, comment=comment, prev_hash=prev, hash=link))
        return link

    def _verify_link(self, pid: str, ev: ProposalEventRow, prev: str) -> bool:
        kid, _, mac = (ev.hash or "").partition(":")
        return ev.prev_hash == prev and self.keys.verify(
            kid, event_body(pid, ev.ts, ev.event, ev.actor, ev.from_state, ev.to_state, ev.comment, prev), mac)

    def check(self, proposal_id: str, *, row: ProposalRow | None = None,
              events: builtins.list[ProposalEventRow] | None = None,
              audits: builtins.list[AuditEventRow] | None = None) -> Integrity:
        """Verify the seal, the transition chain and the audit trail of one proposal. Reads are retried
        when they disagree, since a racing writer can commit between the three reads (PostgreSQL)."""
        if row is None or events is None or audits is None:
            found = self._check_fresh(proposal_id)
            for _ in range(3):
                if found.ok:
                    break
                time.sleep(0.02)
                found = self._check_fresh(proposal_id)
            return found
        return self._check_rows(row, events, audits)

    def _check_fresh(self, proposal_id: str) -> Integrity:
        like = f'%"proposal":"{proposal_id}"%'
        with self.store.read() as s:
            row = s.get(ProposalRow, proposal_id)
            if row is None:
                return Integrity([], [])
            events = builtins.list(s.scalars(sa.select(ProposalEventRow)
                                             .where(ProposalEventRow.proposal_id == proposal_id)
                                             .order_by(ProposalEventRow.id)))
            q = sa.select(AuditEventRow).where(AuditEventRow.type.in_(TRANSITION_AUDITS),
                                               AuditEventRow.payload_json.like(like))
            if row.run_id:  # every audit event of a proposal carries its (sealed) run id: an indexed lookup
                q = q.where(AuditEventRow.run_id == row.run_id)
            audits = builtins.list(s.scalars(q.order_by(AuditEventRow.seq)))
        return self._check_rows(row, events, audits)

    def _check_rows(self, row: ProposalRow, events: builtins.list[ProposalEventRow],
                    audits: builtins.list[AuditEventRow]) -> Integrity:
        problems: builtins.list[str] = []
        if not row.seal or not row.seal_kid:
            return Integrity(["it carries no seal (made before proposals were sealed, or the seal was "
                              "removed)"], events)
        if row.seal_kid not in self.keys.keys:
            problems.append(f"its seal was made with key {row.seal_kid}, which this server does not hold")
        elif not self.keys.verify(row.seal_kid, seal_body(row), row.seal):
            problems.append("a sealed field (kind, arguments, amount, currency, requester, role, dates, "
                            "evidence, policy, approvers) was changed after creation")
        if args_hash(row.args_json) != row.args_sha256:
            problems.append("the stored arguments do not match their hash")
        prev, state = f"{row.seal_kid}:{row.seal}", None
        for ev in events:
            if not self._verify_link(row.id, ev, prev):
                problems.append(f"transition '{ev.event}' ({ev.from_state} -> {ev.to_state}) is not a signed "
                                "link of its chain (edited, inserted or reordered)")
            elif ev.from_state != state and not (state is None and ev.from_state is None):
                problems.append(f"transition '{ev.event}' starts from {ev.from_state}, not {state}")
            prev, state = ev.hash or "", ev.to_state
        if row.chain_head != prev:
            problems.append("its last signed transition is missing (the chain head does not match)")
        if state != row.state:
            problems.append(f"its state '{row.state}' was not reached by a signed transition "
                            f"(the chain ends at '{state}')")
        created = next((a for a in audits if a.type == "proposal_created"), None)
        if created is None:
            problems.append("the audit trail has no proposal_created event for it")
        else:
            try:
                pay = json.loads(created.payload_json)
            except ValueError:
                pay = {}
            if (pay.get("kind") != row.kind or pay.get("args_sha256") != row.args_sha256
                    or abs(float(pay.get("amount") or 0.0) - float(row.amount)) > 1e-6
                    or created.on_behalf_of != row.requester
                    or ("seal" in pay and pay.get("seal") != row.seal)):
                problems.append("it differs from its proposal_created audit event (kind, arguments, amount, "
                                "requester or seal)")
            last = audits[-1]
            try:
                last_to = "pending" if last.type == "proposal_created" else json.loads(last.payload_json).get("to")
            except ValueError:
                last_to = None
            if last_to != row.state:
                problems.append(f"the audit trail says it is '{last_to}', the database says '{row.state}'")
        return Integrity(problems, events)

    def verify_all(self, batch: int = 500) -> dict[str, builtins.list[str]]:
        """Every proposal whose seal, chain or audit trail does not hold: {id: problems}. One pass."""
        audits: dict[str, builtins.list[AuditEventRow]] = {}
        bad: dict[str, builtins.list[str]] = {}
        with self.store.read() as s:
            for a in s.scalars(sa.select(AuditEventRow).where(AuditEventRow.type.in_(TRANSITION_AUDITS))
                               .order_by(AuditEventRow.seq)):
                try:
                    pid = json.loads(a.payload_json).get("proposal")
                except ValueError:
                    continue
                if isinstance(pid, str):
                    audits.setdefault(pid, []).append(a)
            events: dict[str, builtins.list[ProposalEventRow]] = {}
            for ev in s.scalars(sa.select(ProposalEventRow).order_by(ProposalEventRow.id)):
                events.setdefault(ev.proposal_id, []).append(ev)
            for row in s.scalars(sa.select(ProposalRow)):
                found = self.check(row.id, row=row, events=events.get(row.id, []), audits=audits.get(row.id, []))
                if found.problems:
                    bad[row.id] = found.problems
            for alert in s.scalars(sa.select(AuditEventRow).where(AuditEventRow.type == "proposal_tampered")
                                   .order_by(AuditEventRow.seq)):
                try:
                    pay = json.loads(alert.payload_json)
                except ValueError:
                    continue
                pid = str(pay.get("proposal"))
                bad.setdefault(pid, []).append(f"refused as tampered at audit seq {alert.seq} "
                                               f"({alert.ts:%Y-%m-%d %H:%M} UTC): " + "; ".join(pay.get("problems") or []))
        return bad

    def _pending_duplicate(self, kind: str, sha: str, odoo_ref: str | None, session: Any = None, *,
                           args: Mapping[str, Any] | None = None) -> Proposal | None:
        """The live pending proposal for the same action (same kind and arguments, or same kind and
        target record for TARGET_UNIQUE_KINDS), marked `duplicate_of_request`; None when there is none.
        A pending one on the same record that lacks a flag of WIDER_FLAGS the request sets (a note-only
        reminder when the vendor is to be e-mailed) is no duplicate: it would not do what was asked."""
        same = ProposalRow.args_sha256 == sha
        if odoo_ref and kind in TARGET_UNIQUE_KINDS:
            same = sa.or_(same, ProposalRow.odoo_ref == odoo_ref)
        q = (sa.select(ProposalRow).where(ProposalRow.kind == kind, ProposalRow.state == "pending",
                                          ProposalRow.expires_at > self.clock(), same)
             .order_by(ProposalRow.created_at).limit(20))
        wanted = [f for f in WIDER_FLAGS.get(kind, ()) if args and args.get(f)]

        def covers(row: ProposalRow) -> bool:
            if row.args_sha256 == sha or not wanted:
                return True
            have = json.loads(row.args_json or "{}")
            return all(have.get(f) for f in wanted)

        if session is not None:
            row = next((r for r in session.scalars(q).all() if covers(r)), None)
            found = Proposal.from_row(row) if row else None
        else:
            with self.store.read() as s:
                row = next((r for r in s.scalars(q).all() if covers(r)), None)
                found = Proposal.from_row(row) if row else None
        if found is not None:
            found.duplicate_of_request = True
        return found

    # -- read ----------------------------------------------------------------------------------
    def get(self, proposal_id: str) -> Proposal | None:
        with self.store.read() as s:
            row = s.get(ProposalRow, proposal_id)
            return Proposal.from_row(row) if row else None

    def list(self, state: str | None = None, requester: str | None = None, approver: str | None = None,
             limit: int = 100, *, approver_username: str | None = None) -> list[Proposal]:
        """Newest first. `approver` keeps the pending proposals that user may approve *now*."""
        approver = approver or approver_username
        if state in (None, "pending", "expired"):
            self.expire_due()  # one cheap SELECT when nothing is due; keeps lists honest
        with self.store.read() as s:
            q = sa.select(ProposalRow).order_by(ProposalRow.created_at.desc())
            if state:
                q = q.where(ProposalRow.state == state)
            if requester:
                q = q.where(ProposalRow.requester == requester)
            if approver:
                q = q.where(ProposalRow.state == "pending")
            rows = s.scalars(q.limit(limit if not approver else max(limit * 5, 500))).all()
            out = [Proposal.from_row(r) for r in rows]
        if approver:
            who = self.directory.get(approver)
            out = [p for p in out if who and self.can_approve(who, p)[0]][:limit]
        return out

    def history(self, proposal_id: str) -> builtins.list[dict[str, Any]]:
        """The proposal's transitions, oldest first (who did what, when, with which comment)."""
        with self.store.read() as s:
            rows = s.scalars(sa.select(ProposalEventRow).where(ProposalEventRow.proposal_id == proposal_id)
                             .order_by(ProposalEventRow.id)).all()
            return [{"ts": r.ts.isoformat(timespec="seconds"), "event": r.event, "actor": r.actor,
                     "from": r.from_state, "to": r.to_state, "comment": r.comment} for r in rows]

    # -- transitions ---------------------------------------------------------------------------
    def _transition(self, pid: str, frm: str | tuple[str, ...], to: str, *, actor: str, event: str,
                    audit_type: str | None, comment: str | None = None, approver: str | None = None,
                    values: Mapping[str, Any] | None = None, payload: Mapping[str, Any] | None = None,
                    extra_where: Any = None) -> Proposal | None:
        """Compare-and-set one transition with its event and audit row; None if we lost the race."""
        froms = (frm,) if isinstance(frm, str) else frm
        now = self.clock()
        with self.store.write() as s:
            prev: str | None = froms[0]
            if len(froms) > 1:
                prev = s.scalar(sa.select(ProposalRow.state).where(ProposalRow.id == pid))
                if prev not in froms:
                    return None
            stmt = (sa.update(ProposalRow)
                    .where(ProposalRow.id == pid, ProposalRow.state == prev)
                    .values(state=to, version=ProposalRow.version + 1, **dict(values or {}))
                    .returning(ProposalRow)
                    .execution_options(synchronize_session=False))
            if extra_where is not None:
                stmt = stmt.where(extra_where)
            row = s.scalars(stmt).first()
            if row is None:  # lost the race: the state was no longer `prev`
                return None
            row.chain_head = self._link(s, pid, row.chain_head or "", ts=now, event=event, actor=actor,
                                        frm=prev, to=to, comment=comment)
            s.execute(sa.update(ProposalRow).where(ProposalRow.id == pid).values(chain_head=row.chain_head)
                      .execution_options(synchronize_session=False))
            if audit_type:
                self.audit.append(s, audit_type, actor, row.run_id,
                                  {"proposal": pid, "kind": row.kind, "from": prev, "to": to,
                                   "args_sha256": row.args_sha256, "comment": comment, **dict(payload or {})},
                                  on_behalf_of=row.requester, approver=approver)
            return Proposal.from_row(row)

    def _noop(self, p: Proposal) -> Decision:
        by = f" by {p.decided_by}" if p.decided_by else ""
        said = (p.result or {}).get("message") if p.state == "executed" else None
        done = f" Odoo: {said}" if said else ""
        return Decision("noop", f"{p.id} is already {p.state}{by}; nothing done.{done}", p)

    # -- decide --------------------------------------------------------------------------------
    def decide(self, proposal_id: str, user: Identity, decision: str, comment: str | None = None
               ) -> Decision:
        """Approve (then execute) or reject. Re-authorises `user` against the current users file and
        policy; safe to call twice or from two processes at once. The message is worded for the decider:
        a role without money rights gets it without amounts (refusals quote the proposal's value)."""
        done = self._decide(proposal_id, user, decision, comment)
        role = getattr(self.directory.get(user.username), "role", user.role)
        if self.policy.scrubs_money(role):
            done.message = self.policy.scrub_text(role, done.message)
        return done

    def _decide(self, proposal_id: str, user: Identity, decision: str, comment: str | None = None
                ) -> Decision:
        if decision not in ("approve", "reject"):
            return Decision("invalid", f"decision must be 'approve' or 'reject', not {decision!r}")
        p = self.get(proposal_id)
        if p is None:
            return Decision("not_found", f"No proposal {proposal_id}.")
        current = self.directory.get(user.username)
        if current is None:
            return Decision("refused", f"{user.username} is not in the users file; cannot decide.", p)
        integrity = self.check(p.id)
        if not integrity.ok:
            return self._refuse_tampered(p, current.username, integrity.problems)
        if p.state == "approved" and decision == "approve" and p.error:  # deferred: retry now
            ok, reason = self.can_approve(current, p, integrity)
            if not ok:
                self._audit_refusal(p, current, reason)
                return Decision("refused", f"Not allowed to approve {p.id}: {reason}", p)
            return self._execute(p.id, current.username, "approved")
        if p.state == "failed" and decision == "approve" and p.hash_ok:
            ok, reason = self.policy.can_approve(current, p)
            if not ok:
                return self._noop(p)
            return self._reconcile_failed(p, current.username)  # a write Odoo has anyway is reported as done
        if p.state != "pending":
            return self._noop(p)
        now = self.clock()
        if now >= p.expires_at:
            expired = self._expire(p.id)
            return Decision("expired", f"{p.id} expired at {p.expires_at:%Y-%m-%d %H:%M} UTC; nothing done.",
                            expired or self.get(p.id))
        if decision == "reject":
            ok, reason = self.can_approve(current, p, integrity)
            if not ok and current.username != p.requester:
                self._audit_refusal(p, current, reason)
                return Decision("refused", f"Not allowed to reject: {reason}", p)
            done = self._transition(p.id, "pending", "rejected", actor=current.username, event="rejected",
                                    audit_type="proposal_rejected", comment=comment, approver=current.username,
                                    values={"decided_by": current.username, "decided_at": now,
                                            "decision_comment": comment, "finished_at": now})
            if done is None:
                return self._noop(self.get(p.id) or p)
            self._notify("decided", done)
            return Decision("rejected", f"{p.id} rejected by {current.label}.", done)
        ok, reason = self.can_approve(current, p, integrity)
        blocked = self.policy.blocked_by(p.evidence)  # the current policy's blocks (prechecks.block)
        if ok and blocked:
            ok, reason = False, "the policy blocks it until this is resolved: " + " ".join(blocked)
        if not ok:
            self._audit_refusal(p, current, reason)
            return Decision("refused", f"Not allowed to approve {p.id}: {reason}", p)
        started = self._approve_and_start(p.id, current.username, comment, reason)
        if started is None:
            return self._noop(self.get(p.id) or p)
        self._notify("decided", replace(started, state="approved"))
        return self._finish(started, current.username)

    def _approve_and_start(self, pid: str, approver: str, comment: str | None, reason: str) -> Proposal | None:
        """pending → approved → executing in ONE transaction (two events, two audit rows, one commit):
        the approval and the claim to execute it can never be separated by a crash or another process."""
        now = self.clock()
        with self.store.write() as s:
            row = s.scalars(
                sa.update(ProposalRow).where(ProposalRow.id == pid, ProposalRow.state == "pending")
                .values(state="executing", version=ProposalRow.version + 2, decided_by=approver, decided_at=now,
                        decision_comment=comment, executing_since=now, attempts=ProposalRow.attempts + 1)
                .returning(ProposalRow).execution_options(synchronize_session=False)).first()
            if row is None:
                return None
            head = row.chain_head or ""
            for event, frm, to, audit_type, extra in (
                    ("approved", "pending", "approved", "proposal_approved", {"reason": reason}),
                    ("executing", "approved", "executing", "proposal_executing", {})):
                head = self._link(s, pid, head, ts=now, event=event, actor=approver, frm=frm, to=to,
                                  comment=comment if event == "approved" else None)
                self.audit.append(s, audit_type, approver, row.run_id,
                                  {"proposal": pid, "kind": row.kind, "from": frm, "to": to,
                                   "args_sha256": row.args_sha256,
                                   "comment": comment if event == "approved" else None, **extra},
                                  on_behalf_of=row.requester, approver=approver)
            row.chain_head = head
            s.execute(sa.update(ProposalRow).where(ProposalRow.id == pid).values(chain_head=head)
                      .execution_options(synchronize_session=False))
            return Proposal.from_row(row)

    def _audit_refusal(self, p: Proposal, who: Identity, reason: str) -> None:
        self.audit.record("proposal_refused", who.username, p.run_id,
                          {"proposal": p.id, "kind": p.kind, "reason": reason}, on_behalf_of=p.requester)

    def can_approve(self, who: Identity, p: Proposal, integrity: Integrity | None = None) -> tuple[bool, str]:
        """The policy's answer, plus the provenance rules: a model-suggested proposal is never approved by
        its requester, and nobody else sees or decides it before the requester confirms it."""
        if who.username == p.requester:
            split = self._split_reason(p.kind, p.requester, p.odoo_ref, p.amount, p.metrics, exclude=p.id)
            if split:
                return False, split
        if p.model_suggested:
            if who.username == p.requester:
                return False, ("it was suggested by the assistant after reading untrusted content, so the "
                               "requester may not approve it; another approver must")
            # the column is a fast "no"; a "yes" is only believed from the signed chain
            confirmed = p.confirmed_at is not None and (integrity or self.check(p.id)).confirmed_by_requester
            if not confirmed:
                return False, f"it waits for {p.requester} to confirm they want it"
        return self.policy.can_approve(who, p)

    def _split_reason(self, kind: str, requester: str, odoo_ref: str | None, amount: float,
                      metrics: Mapping[str, Any], exclude: str | None = None) -> str | None:
        """Why a self-approval would split a limit (policy cumulative_self_approval), or None: what this
        requester self-approved on the same record within the window, plus this proposal."""
        limits = self.policy.cumulative.get(kind)
        if not limits or not odoo_ref:
            return None
        since = self.clock() - timedelta(hours=self.policy.cumulative_window_hours)
        q = (sa.select(ProposalRow.amount, ProposalRow.metrics_json)
             .where(ProposalRow.kind == kind, ProposalRow.requester == requester, ProposalRow.odoo_ref == odoo_ref,
                    ProposalRow.decided_by == requester, ProposalRow.decided_at >= since,
                    ProposalRow.state.in_(("approved", "executing", "executed"))))
        if exclude:
            q = q.where(ProposalRow.id != exclude)
        with self.store.read() as s:
            rows = s.execute(q).all()
        window = f"{self.policy.cumulative_window_hours:g} hours"
        if "max_amount" in limits:
            total = sum(float(r.amount) for r in rows) + float(amount)
            if rows and total > limits["max_amount"]:
                return (f"self-approvals of {kind} on this record would total {total:,.2f} {self.policy.label_currency} "
                        f"within {window} (limit {limits['max_amount']:,.2f}): a different person must approve")
        if "max_days_shift" in limits:
            def days(raw: Any) -> float:
                try:
                    return abs(float((json.loads(raw) if isinstance(raw, str) else raw or {}).get("days_shift") or 0))
                except (ValueError, TypeError, AttributeError):
                    return 0.0
            total = sum(days(r.metrics_json) for r in rows) + days(dict(metrics))
            if rows and total > limits["max_days_shift"]:
                return (f"self-approved shifts of this receipt would total {total:g} days within {window} "
                        f"(limit {limits['max_days_shift']:g}): a different person must approve")
        return None

    def confirm(self, proposal_id: str, user: Identity) -> Decision:
        """The requester confirms a model-suggested proposal: only then do approvers see it."""
        p = self.get(proposal_id)
        if p is None:
            return Decision("not_found", f"No proposal {proposal_id}.")
        integrity = self.check(p.id)
        if not integrity.ok:
            return self._refuse_tampered(p, user.username, integrity.problems)
        if user.username != p.requester:
            return Decision("refused", f"Only {p.requester} can confirm {p.id}.", p)
        if p.state != "pending" or not p.model_suggested or integrity.confirmed_by_requester:
            return Decision("noop", f"{p.id} needs no confirmation ({p.state}).", p)
        done = self._transition(p.id, "pending", "pending", actor=user.username, event="confirmed",
                                audit_type="proposal_confirmed", values={"confirmed_at": self.clock()},
                                extra_where=ProposalRow.confirmed_at.is_(None))
        if done is None:
            return self._noop(self.get(p.id) or p)
        self._notify("created", done)
        return Decision("noop", f"{p.id} confirmed: it now waits for an approver.", done)

    def _refuse_tampered(self, p: Proposal, actor: str, problems: builtins.list[str] | None = None) -> Decision:
        problems = problems or ["the stored arguments do not match their hash"]
        msg = (f"{p.id}: the stored proposal was tampered with ({'; '.join(problems)}); refused, "
               "nothing executed.")
        self.audit.record("proposal_tampered", actor, p.run_id,
                          {"proposal": p.id, "kind": p.kind, "problems": problems}, on_behalf_of=p.requester)
        log.warning("tampered proposal %s: %s", p.id, problems)
        done = self._transition(p.id, ("pending", "approved", "executing"), "failed", actor=actor,
                                event="refused_tampered", audit_type="proposal_failed", comment=msg,
                                values={"error": msg, "finished_at": self.clock()},
                                payload={"reason": "tampered", "problems": problems})
        self._notify("decided", done)
        return Decision("refused", msg, done or self.get(p.id))

    def _expire(self, pid: str) -> Proposal | None:
        done = self._transition(pid, "pending", "expired", actor="system", event="expired",
                                audit_type="proposal_expired", values={"finished_at": self.clock()})
        self._notify("decided", done)
        return done

    def expire(self, proposal_id: str) -> Proposal | None:
        """Expire one pending proposal now (an operator's or a test's shortcut); None if not pending."""
        return self._expire(proposal_id)

    def expire_due(self) -> int:
        """Expire every pending proposal past its deadline; returns how many."""
        now = self.clock()
        with self.store.read() as s:
            ids = s.scalars(sa.select(ProposalRow.id).where(ProposalRow.state == "pending",
                                                            ProposalRow.expires_at <= now)).all()
        return sum(1 for pid in ids if self._expire(pid) is not None)

    # -- execute -------------------------------------------------------------------------------
    def _execute(self, pid: str, actor: str, frm: str, extra_where: Any = None) -> Decision:
        now = self.clock()
        p = self._transition(pid, frm, "executing", actor=actor, event="executing",
                             audit_type="proposal_executing", approver=actor,
                             values={"executing_since": now, "attempts": ProposalRow.attempts + 1},
                             extra_where=extra_where)
        if p is None:
            latest = self.get(pid)
            return self._noop(latest) if latest else Decision("not_found", f"No proposal {pid}.")
        return self._finish(p, actor)

    def _finish(self, p: Proposal, actor: str) -> Decision:
        """Run the executor for a proposal this process has just moved to `executing`, record the outcome."""
        pid = p.id
        integrity = self.check(pid)
        if not integrity.ok:
            return self._refuse_tampered(p, actor, integrity.problems)
        outcome = self._run_executor(p)
        if outcome.state == "deferred":
            message = (f"{outcome.message}. The approval by {p.decided_by} is kept ({pid} is 'approved'); it runs "
                       "when Odoo is back: `quartermaster proposals reconcile` (also done at start), or approve again")
            back = self._transition(pid, "executing", "approved", actor=actor, event="deferred",
                                    audit_type="proposal_deferred", approver=p.decided_by, comment=outcome.message,
                                    values={"error": message, "executing_since": None})
            if back is None:
                return self._noop(self.get(pid) or p)
            self._notify("deferred", back)
            return Decision("deferred", f"Approved, not yet executed: {pid}. {message}.", back)
        if outcome.state == "unknown":
            with self.store.write() as s:
                s.execute(sa.update(ProposalRow).where(ProposalRow.id == pid, ProposalRow.state == "executing")
                          .values(error=outcome.message).execution_options(synchronize_session=False))
            return Decision("unknown", f"{pid}: {outcome.message}. It stays 'executing'; "
                                       "`quartermaster proposals reconcile` finishes it.", self.get(pid))
        done = self._transition(
            pid, "executing", outcome.state, actor=actor, event=outcome.state,
            audit_type=f"proposal_{outcome.state}", approver=p.decided_by,
            values={"finished_at": self.clock(), "result_json": canonical_json(outcome.result),
                    "error": None if outcome.state == "executed" else outcome.message},
            payload={"message": outcome.message, "result": outcome.result})
        if done is None:  # someone reconciled it meanwhile
            return self._noop(self.get(pid) or p)
        self._notify("executed", done)
        verb = {"executed": "Executed", "failed": "Failed", "stale": "Stale — nothing written"}[outcome.state]
        return Decision(outcome.state, f"{verb}: {pid} ({p.summary}). {outcome.message}", done)

    def _run_executor(self, p: Proposal) -> ExecutionOutcome:
        executor = self.executors.get(p.kind)
        if executor is None:
            return ExecutionOutcome("failed", f"no executor for {p.kind}")
        try:
            odoo = self.odoo()
        except Exception as exc:  # noqa: BLE001 - a connection failure is an outcome, not a crash
            why = str(exc).rstrip(".") if isinstance(exc, (OdooError, OdooUnavailable)) else \
                f"could not connect to Odoo ({type(exc).__name__}: {exc})"
            return ExecutionOutcome("deferred", f"{why}; nothing was written")
        if odoo is None:
            return ExecutionOutcome("failed", "no Odoo connection configured; nothing was written")
        return run(executor, odoo, p)

    def reconcile(self, proposal_id: str, actor: str = "system", *, force: bool = False) -> Decision:
        """Finish a proposal left `approved` (deferred while Odoo was down, or a crash) or `executing`
        (a crash): looks for the Odoo marker first,
        so a write that already happened is recorded, never repeated. Respects the execution lease
        unless `force`."""
        p = self.get(proposal_id)
        if p is None:
            return Decision("not_found", f"No proposal {proposal_id}.")
        if p.state == "approved":
            # a deferred approval (error noted: Odoo was down) has nobody about to run it: no lease
            if not force and not p.error and p.decided_at and self.clock() - p.decided_at < self.execution_lease:
                return Decision("noop", f"{p.id} was approved at {p.decided_at:%H:%M:%S} and is about to run; "
                                        "try again after the lease or use force.", p)
            return self._execute(p.id, actor, "approved")
        if p.state == "failed" and p.hash_ok:
            return self._reconcile_failed(p, actor)
        if p.state != "executing":
            return self._noop(p)
        if not force and p.executing_since and self.clock() - p.executing_since < self.execution_lease:
            return Decision("noop", f"{p.id} is being executed since {p.executing_since:%H:%M:%S}; "
                                    "try again after the lease or use force.", p)
        since = p.executing_since
        guard = (ProposalRow.executing_since == since) if since is not None else ProposalRow.executing_since.is_(None)
        return self._execute(p.id, actor, "executing", extra_where=guard)

    def _reconcile_failed(self, p: Proposal, actor: str) -> Decision:
        """A proposal recorded as failed whose write is nevertheless in Odoo (e.g. the state changed, then
        the chatter note failed, before executors reported that as executed): record it as executed."""
        executor = self.executors.get(p.kind)
        odoo = self.odoo()
        if executor is None or odoo is None:
            return self._noop(p)
        try:
            found = executor.reconcile(odoo, p)
        except Exception as exc:  # noqa: BLE001 - reconcile reports, never crashes
            return Decision("noop", f"{p.id} is failed; could not check Odoo ({type(exc).__name__}: {exc}).", p)
        if found is None:
            return self._noop(p)
        message = str(found.get("message") or "found applied in Odoo")
        done = self._transition(p.id, "failed", "executed", actor=actor, event="executed",
                                audit_type="proposal_executed", approver=p.decided_by,
                                comment="reconciled: the write is in Odoo although the proposal was recorded failed",
                                values={"finished_at": self.clock(), "error": None,
                                        "result_json": canonical_json({**found, "reconciled": True})},
                                payload={"message": message, "result": found})
        if done is None:
            return self._noop(self.get(p.id) or p)
        self._notify("executed", done)
        return Decision("executed", f"Executed (found in Odoo): {p.id} ({p.summary}). {message}", done)

    def reconcile_stuck(self, actor: str = "system", *, force: bool = False) -> builtins.list[Decision]:
        """Reconcile every proposal stuck in approved/executing beyond the lease (all of them with force)."""
        with self.store.read() as s:
            ids = s.scalars(sa.select(ProposalRow.id)
                            .where(ProposalRow.state.in_(("approved", "executing")))).all()
        return [self.reconcile(pid, actor, force=force) for pid in ids]


def service_for(ctx: ToolContext) -> ProposalService:
    """The ProposalService a proposal tool must use (the one attached to the context's store)."""
    service = getattr(ctx.store, "proposals", None)
    if not isinstance(service, ProposalService):
        raise ToolError("Proposals are not configured in this runtime (no ProposalService on the store).",
                        code="misconfigured")
    return service


def _assess(ctx: ToolContext, kind: str, args: dict[str, Any], odoo_ref: str | None) -> tuple[str, dict[str, Any]]:
    """("user" | "model", provenance) from the turn's provenance tracker, when the context carries one."""
    tracker = getattr(ctx, "provenance", None)
    assess = getattr(tracker, "assess", None)
    if assess is None:
        return "user", {}
    origin, details = assess(kind, args, odoo_ref)
    return ("model" if origin == "model" else "user"), dict(details or {})
