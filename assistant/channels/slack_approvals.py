"""Approvals in Slack: post a card when a proposal is created, decide on a click, keep cards true.

The ProposalService owns every rule (who may approve, compare-and-set, execution). This module
only (1) posts cards, (2) forwards clicks to `decide`, (3) re-renders every card it posted from
the proposal's *current* state, and (4) tells the requester in their thread. Re-rendering is
idempotent: a card is only updated when what it would show changes, so a second click or a
retried delivery leaves Slack untouched.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from assistant.channels.slack_blocks import (
    ProposalCard,
    card_from_proposal,
    escape,
    outcome_text,
    proposal_fallback,
    proposal_message_blocks,
    requester_notice,
)
from tools.base import Identity

log = logging.getLogger("quartermaster.slack")

SETTLED = frozenset({"approved", "executing", "executed", "rejected", "failed", "stale"})
FINAL = frozenset({"executed", "rejected", "failed", "expired", "stale", "cancelled"})


class SlackMessageLog:
    """Where each proposal's cards and its requester's thread are in Slack.

    A small SQLite file in the data dir (`slack/messages.db`), so that cards posted before a restart
    are still updated after it, and so that the web process (which may decide a proposal) and the
    Socket Mode process (which may have posted its card) share one record. SQLite's own locking makes
    it safe across processes on one host; a lock serialises our threads on the one connection.
    """

    SCHEMA = (
        "create table if not exists cards (pid text, channel text, ts text, rendered text, created real, "
        "primary key (pid, channel, ts))",
        "create table if not exists threads (pid text primary key, channel text, thread_ts text, created real)",
        "create table if not exists notices (pid text primary key, state text, created real)",
    )

    def __init__(self, path: Path | None, keep_days: float = 120.0) -> None:
        self.path = path
        self._lock = threading.RLock()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path) if path else ":memory:", timeout=10, check_same_thread=False,
                                   isolation_level=None)
        with self._lock:
            if path is not None:
                self._db.execute("pragma journal_mode=wal")
            for ddl in self.SCHEMA:
                self._db.execute(ddl)
            cutoff = time.time() - keep_days * 86400
            for table in ("cards", "threads", "notices"):
                self._db.execute(f"delete from {table} where created < ?", (cutoff,))

    def _run(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, args)

    def add_card(self, pid: str, channel: str, ts: str, rendered: str | None = None) -> None:
        self._run("insert into cards (pid, channel, ts, rendered, created) values (?, ?, ?, ?, ?) "
                  "on conflict (pid, channel, ts) do update set rendered = coalesce(excluded.rendered, rendered)",
                  (pid, channel, ts, rendered, time.time()))

    def cards(self, pid: str) -> list[tuple[str, str]]:
        rows = self._run("select channel, ts from cards where pid = ? order by created", (pid,)).fetchall()
        return [(str(c), str(t)) for c, t in rows]

    def set_thread(self, pid: str, channel: str, thread_ts: str) -> None:
        self._run("insert or replace into threads (pid, channel, thread_ts, created) values (?, ?, ?, ?)",
                  (pid, channel, thread_ts, time.time()))

    def thread(self, pid: str) -> tuple[str, str] | None:
        row = self._run("select channel, thread_ts from threads where pid = ?", (pid,)).fetchone()
        return (str(row[0]), str(row[1])) if row else None

    def rendered(self, pid: str, channel: str, ts: str) -> str | None:
        row = self._run("select rendered from cards where pid = ? and channel = ? and ts = ?",
                        (pid, channel, ts)).fetchone()
        return row[0] if row else None

    def set_rendered(self, pid: str, channel: str, ts: str, key: str) -> None:
        self.add_card(pid, channel, ts, rendered=key)

    def claim_notice(self, pid: str, state: str) -> bool:
        """True exactly once per (proposal, state): whoever claims it tells the requester."""
        cur = self._run("insert into notices (pid, state, created) values (?, ?, ?) on conflict (pid) "
                        "do update set state = excluded.state where notices.state != excluded.state",
                        (pid, state, time.time()))
        return cur.rowcount == 1

    def close(self) -> None:
        with self._lock:
            self._db.close()


def parse_thread_id(thread_id: str | None) -> tuple[str, str] | None:
    """`slack:<channel>:<thread_ts>` -> (channel, thread_ts); anything else -> None."""
    if not thread_id or not thread_id.startswith("slack:"):
        return None
    parts = thread_id.split(":", 2)
    if len(parts) != 3 or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


class SlackApprovals:
    """Cards for proposals, kept in step with the ProposalService."""

    def __init__(self, runtime: Any, client: WebClient, message_log: SlackMessageLog, *,
                 approvals_channel: str | None, submit: Callable[..., Any], odoo_url: str | None = None
                 ) -> None:
        self.runtime = runtime
        self.client = client
        self.log = message_log
        self.approvals_channel = approvals_channel
        self.submit = submit
        self.odoo_url = odoo_url
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # -- lookups ---------------------------------------------------------------------------------
    @property
    def proposals(self) -> Any:
        return self.runtime.proposals

    @property
    def directory(self) -> Any:
        return self.runtime.directory

    def _lock_for(self, pid: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(pid, threading.Lock())

    def get(self, pid: str) -> Any | None:
        """The proposal, or None when the id is unknown or malformed (never raises)."""
        try:
            return self.proposals.get(pid)
        except Exception:  # noqa: BLE001 - an unknown id is a user error, not a crash
            return None

    def _people(self) -> tuple[dict[str, str], dict[str, str]]:
        names: dict[str, str] = {}
        slack_ids: dict[str, str] = {}
        all_fn = getattr(self.directory, "all", None)
        for ident in (all_fn() if callable(all_fn) else []):
            names[ident.username] = ident.label
            if ident.slack_user_id:
                slack_ids[ident.username] = ident.slack_user_id
        return names, slack_ids

    def card(self, proposal: Any, viewer: Identity | None = None) -> ProposalCard:
        """The card for `proposal`; with a `viewer`, amounts and evidence follow their role's redaction."""
        names, slack_ids = self._people()
        card = card_from_proposal(proposal, odoo_url=self.odoo_url, names=names, slack_ids=slack_ids)
        policy = getattr(self.runtime, "policy", None)
        hides = getattr(policy, "is_redacted", None) if viewer is not None else None
        if viewer is not None and callable(hides) and (hides(viewer.role, "amount_total")
                                                       or hides(viewer.role, "price")):
            card.amount = None
            evidence = policy.redact(viewer.role, getattr(proposal, "evidence", None) or {})  # type: ignore[union-attr]
            card.evidence = card_from_proposal({"id": card.id, "evidence": evidence}).evidence
        describe = getattr(policy, "rule_for_proposal", None)
        if callable(describe):
            try:
                rule = describe(proposal)
                card.rule = f"{card.rule or rule.name}: {rule.describe()}"
            except Exception:  # noqa: BLE001 - the rule name alone is still correct
                pass
        card.facts = self.facts(proposal, viewer, card.rule)
        return card

    def facts(self, proposal: Any, viewer: Identity | None, rule: str = "") -> dict[str, Any] | None:
        """The facts the web card shows for the same proposal (present.approval_facts), redacted for the
        viewer's role (or the strictest reader of the approvals channel: none known → as stored), times
        in the viewer's or else the requester's Odoo time zone."""
        from assistant.channels.present import approval_facts, odoo_version, user_tz
        from assistant.channels.serialize import redact_for, to_jsonable

        try:
            data = to_jsonable(proposal.to_dict() if hasattr(proposal, "to_dict") else proposal)
            if not isinstance(data, dict):
                return None
            if viewer is not None:
                redacted = redact_for(self.runtime, viewer.role, data)
                data = redacted if isinstance(redacted, dict) else data
            tz_of = viewer or (self.directory.get(str(data.get("requester"))) if data.get("requester") else None)
            facts = approval_facts(data, tz=user_tz(self.runtime, tz_of) if tz_of is not None else "UTC",
                                   odoo_url=self.odoo_url, viewer=viewer.username if viewer else None,
                                   odoo_version=odoo_version(self.runtime), directory=self.directory,
                                   policy=getattr(self.runtime, "policy", None),
                                   odoo=getattr(self.runtime, "odoo", None))
        except Exception as exc:  # noqa: BLE001 - the plain card is still correct
            log.warning("approval facts for %s failed: %s", getattr(proposal, "id", "?"), exc)
            return None
        if rule:
            facts["rule"] = rule
        return facts

    def eligible_approvers(self, proposal: Any) -> list[Identity]:
        """Who may approve: the proposal's own list when it has one, else the policy's answer."""
        usernames = getattr(proposal, "eligible_approvers", None)
        if usernames is None and isinstance(proposal, dict):
            usernames = proposal.get("eligible_approvers")
        if usernames is not None:
            found = [self.directory.get(u) if isinstance(u, str) else u for u in usernames]
            return [i for i in found if i is not None]
        policy = getattr(self.runtime, "policy", None)
        all_fn = getattr(self.directory, "all", None)
        if policy is not None and callable(all_fn):
            try:
                return list(policy.eligible_approvers(proposal, all_fn()))
            except Exception as exc:  # noqa: BLE001 - posting the card matters more than the list
                log.warning("could not compute eligible approvers for %s: %s", getattr(proposal, "id", "?"), exc)
        return []

    @staticmethod
    def _mention(ident: Identity) -> str:
        return f"<@{ident.slack_user_id}>" if ident.slack_user_id else ident.label

    # -- subscription ------------------------------------------------------------------------------
    def on_proposal_event(self, event: str, proposal: Any) -> None:
        """ProposalService callback; runs on the caller's thread, so only schedules the Slack work."""
        pid = str(getattr(proposal, "id", None) or (proposal.get("id") if isinstance(proposal, dict) else ""))
        if not pid:
            return
        if event == "created":
            self.submit(self._safe, self.post_cards, pid)
        elif event == "suggested":
            self.submit(self._safe, self.post_suggestion, pid)
        else:
            self.submit(self._safe, self.refresh_and_notify, pid)

    @staticmethod
    def _safe(fn: Callable[..., Any], *args: Any) -> None:
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - background Slack work must never take the process down
            log.exception("Slack approval work %s%s failed", getattr(fn, "__name__", fn), args)

    # -- posting -------------------------------------------------------------------------------------
    def post_cards(self, pid: str) -> list[tuple[str, str]]:
        """Post the approval card to the approvals channel, or else DM each eligible approver."""
        proposal = self.get(pid)
        if proposal is None:
            return []
        card = self.card(proposal)
        approvers = self.eligible_approvers(proposal)
        mentions = [self._mention(i) for i in approvers]
        blocks = proposal_message_blocks(card, approvers=mentions)
        text = proposal_fallback(card)
        targets: list[str] = []
        if self.approvals_channel:
            targets.append(self.approvals_channel)
        else:
            for ident in approvers:
                if not ident.slack_user_id:
                    continue
                try:
                    opened = self.client.conversations_open(users=ident.slack_user_id)
                    targets.append(opened["channel"]["id"])
                except SlackApiError as exc:
                    log.warning("cannot DM approver %s: %s", ident.username, exc.response.get("error"))
        if not targets:
            log.warning("proposal %s: no approvals channel and no approver with a Slack id; no card posted", pid)
        posted: list[tuple[str, str]] = []
        for channel in targets:
            try:
                resp = self.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
            except SlackApiError as exc:
                log.warning("cannot post approval card to %s: %s", channel, exc.response.get("error"))
                continue
            ts = str(resp["ts"])
            where = str(resp.get("channel") or channel)
            self.log.add_card(pid, where, ts, rendered=card.render_key)
            posted.append((where, ts))
        return posted

    def post_suggestion(self, pid: str) -> tuple[str, str] | None:
        """A model-suggested proposal goes to its requester only (their thread, else a DM), with Confirm/Discard."""
        from assistant.channels.slack_blocks import suggestion_blocks

        proposal = self.get(pid)
        if proposal is None:
            return None
        viewer = self.directory.get(str(getattr(proposal, "requester", "")))
        card = self.card(proposal, viewer)
        thread = self.requester_thread(proposal)
        channel, thread_ts = (thread[0], thread[1]) if thread else (None, None)
        if channel is None and viewer is not None and viewer.slack_user_id:
            try:
                channel = self.client.conversations_open(users=viewer.slack_user_id)["channel"]["id"]
            except SlackApiError as exc:
                log.warning("cannot DM requester %s: %s", viewer.username, exc.response.get("error"))
        if channel is None:
            return None
        try:
            resp = self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, blocks=suggestion_blocks(card),
                                                text=f"Please confirm: {card.title} {card.id}")
        except SlackApiError as exc:
            log.warning("cannot post suggestion %s: %s", pid, exc.response.get("error"))
            return None
        return str(resp.get("channel") or channel), str(resp["ts"])

    def confirm(self, pid: str, user: Identity) -> tuple[bool, str]:
        """The requester's Confirm click: (confirmed now, message). Approvers get their cards from the service's
        "created" event that follows."""
        if self.get(pid) is None:
            return False, f"I can't find proposal `{pid}`. Nothing was changed."
        try:
            decision = self.proposals.confirm(pid, user)
        except Exception as exc:  # noqa: BLE001 - the message must reach the clicker
            log.exception("confirm(%s, %s) failed", pid, user.username)
            return False, f"Sorry, I could not record that ({type(exc).__name__}). Nothing was changed."
        message = str(getattr(decision, "message", "") or "")
        return "confirmed:" in message or message.endswith("waits for an approver."), message

    def decide_many(self, pids: list[str], user: Identity, verdict: str) -> str:
        """A batch click: each proposal decided on its own; one line saying how many went through."""
        done, notes = 0, []
        for pid in dict.fromkeys(pids):
            changed, message = self.decide(pid, user, verdict)
            done += int(changed)
            if not changed:
                notes.append(message)
        verb = "approved" if verdict == "approve" else "rejected"
        return f"{done} of {len(dict.fromkeys(pids))} {verb}." + (" " + " ".join(notes[:5]) if notes else "")

    # -- keeping cards true ----------------------------------------------------------------------------
    def refresh(self, pid: str) -> int:
        """Re-render every card of the proposal from its current state; returns how many changed."""
        with self._lock_for(pid):
            proposal = self.get(pid)
            if proposal is None:
                return 0
            card = self.card(proposal)
            mentions = [self._mention(i) for i in self.eligible_approvers(proposal)]
            blocks = proposal_message_blocks(card, approvers=mentions)
            changed = 0
            for channel, ts in self.log.cards(pid):
                if self.log.rendered(pid, channel, ts) == card.render_key:
                    continue
                try:
                    self.client.chat_update(channel=channel, ts=ts, text=proposal_fallback(card), blocks=blocks)
                except SlackApiError as exc:
                    log.warning("cannot update card %s in %s: %s", ts, channel, exc.response.get("error"))
                    continue
                self.log.set_rendered(pid, channel, ts, card.render_key)
                changed += 1
            return changed

    def requester_thread(self, proposal: Any) -> tuple[str, str] | None:
        thread = parse_thread_id(getattr(proposal, "thread_id", None))
        return thread or self.log.thread(str(proposal.id))

    def notify_requester(self, pid: str) -> bool:
        """Tell the requester, once per final state, in the thread where they asked."""
        proposal = self.get(pid)
        if proposal is None:
            return False
        card = self.card(proposal)
        if card.state not in FINAL:
            return False
        thread = self.requester_thread(proposal)
        channel: str | None = thread[0] if thread else None
        thread_ts = thread[1] if thread else None
        if channel is None and getattr(proposal, "channel", None) == "slack":
            ident = self.directory.get(card.requester)
            if ident is not None and ident.slack_user_id:
                try:
                    channel = self.client.conversations_open(users=ident.slack_user_id)["channel"]["id"]
                except SlackApiError as exc:
                    log.warning("cannot DM requester %s: %s", card.requester, exc.response.get("error"))
        if channel is None or not self.log.claim_notice(pid, card.state):
            return False
        try:
            self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=requester_notice(card))
        except SlackApiError as exc:
            log.warning("cannot tell requester of %s: %s", pid, exc.response.get("error"))
            return False
        return True

    def refresh_and_notify(self, pid: str) -> None:
        self.refresh(pid)
        self.notify_requester(pid)
        self.notify_request_owners(pid)

    def notify_request_owners(self, pid: str) -> int:
        """Issue #14: an RFQ proposal made for purchase requests is settled — tell each request's requester too
        (once per request and state), in the thread where they raised the request, else by DM."""
        proposal = self.get(pid)
        if proposal is None:
            return 0
        kind, args = getattr(proposal, "kind", ""), getattr(proposal, "args", None) or {}
        requests: list[str] = []
        if kind == "create_rfq":
            requests = list((args.get("links") or {}).get("requests") or [])
        elif kind in ("confirm_purchase_order", "approve_purchase_order") and args.get("po_id"):
            requests = self._requests_of_po(int(args["po_id"]))  # the PO an RFQ for requests became
        if not requests:
            return 0
        card = self.card(proposal)
        if card.state not in FINAL:
            return 0
        told = 0
        for rid in requests:
            request = self.get(str(rid))
            if request is None:
                continue
            thread = self.requester_thread(request)
            channel, thread_ts = (thread[0], thread[1]) if thread else (None, None)
            ident = self.directory.get(str(request.requester))
            if channel is None and ident is not None and ident.slack_user_id:
                try:
                    channel = self.client.conversations_open(users=ident.slack_user_id)["channel"]["id"]
                except SlackApiError as exc:
                    log.warning("cannot DM requester %s: %s", request.requester, exc.response.get("error"))
            if channel is None or not self.log.claim_notice(str(rid), f"{kind}-{card.state}"):
                continue
            what = "its RFQ proposal" if kind == "create_rfq" else "its purchase order's"
            text = (f"Update on your purchase request `{escape(str(rid))}`: {what} "
                    f"`{escape(card.id)}` — {outcome_text(card)}")
            try:
                self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text)
                told += 1
            except SlackApiError as exc:
                log.warning("cannot tell requester of %s: %s", rid, exc.response.get("error"))
        return told

    def _requests_of_po(self, po_id: int) -> list[str]:
        """The purchase requests whose RFQ proposal created this PO (their link is sealed in its args)."""
        try:
            rfqs = self.proposals.list(state="executed", limit=500)
        except Exception:  # noqa: BLE001 - a notice must never break approvals
            return []
        for p in rfqs:
            result = getattr(p, "result", None) or {}
            links = (getattr(p, "args", None) or {}).get("links") or {}
            if getattr(p, "kind", "") == "create_rfq" and links.get("requests") and result.get("po_id") == po_id:
                return [str(r) for r in links["requests"]]
        return []

    # -- deciding --------------------------------------------------------------------------------------
    def decide(self, pid: str, user: Identity, verdict: str, comment: str | None = None,
               *, card_at: tuple[str, str] | None = None) -> tuple[bool, str]:
        """Forward a click to the ProposalService. Returns (state changed by this click, message).

        `card_at` is the (channel, ts) of the clicked card, so it is kept true even if it was
        posted before the message log existed.
        """
        before = self.get(pid)
        if before is None:
            return False, f"I can't find proposal `{pid}`. Nothing was changed."
        if card_at is not None and card_at[0] and card_at[1]:
            self.log.add_card(pid, card_at[0], card_at[1])
        state_before = str(getattr(before, "state", ""))
        try:
            decision = self.proposals.decide(pid, user, verdict, comment)
        except Exception as exc:  # noqa: BLE001 - the message must reach the clicker, not a log only
            log.exception("decide(%s, %s, %s) failed", pid, user.username, verdict)
            return False, f"Sorry, I could not record that decision ({type(exc).__name__}). Nothing was changed."
        after = getattr(decision, "proposal", None) or self.get(pid)
        state_after = str(getattr(after, "state", state_before))
        changed = state_before == "pending" and state_after in SETTLED
        message = str(getattr(decision, "message", "") or "")
        self.submit(self._safe, self.refresh_and_notify, pid)
        if not message:
            message = f"Proposal `{pid}` is now {state_after}." if changed else (
                f"Proposal `{pid}` is {state_after}; nothing was changed.")
        return changed, message
