"""reschedule_receipt: move an incoming receipt's scheduled date — the receipt only.

Odoo facts §7.6: writing `stock.picking.scheduled_date` moves the moves' dates and nothing else. The
PO lines' `date_planned` is deliberately NOT written: it is the date the supplier promised, which the
supplier KPIs (tools/kpi.py: on-time, OTIF) measure receipts against; moving it would retroactively
improve the supplier's record. Idempotency: a chatter note with `QM-<proposal id>` on the receipt; a
retry that finds the date already set records it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, Field

from tools.actions.common import find_marker_message, m2o_name, odoo_dt, propose, require, try_note
from tools.base import ToolContext, ToolError, ToolResult, tool
from tools.governance.executor import StaleProposal, marker
from tools.governance.proposals import Proposal
from tools.odoo.client import OdooClient
from tools.odoo.labels import identity_tz, local_time
from tools.odoo.resolve import company_today, company_tz, parse_date_phrase, resolve_picking

MAX_DAYS_AHEAD = 365
PICK_FIELDS = ["id", "name", "state", "scheduled_date", "write_date", "origin", "partner_id", "picking_type_code"]
ODOO_FMT = "%Y-%m-%d %H:%M:%S"


class RescheduleReceiptArgs(BaseModel):
    receipt: str = Field(..., description="The receipt or its PO", min_length=1,
                         max_length=64)
    date: str = Field(..., description="YYYY-MM-DD[ HH:MM UTC] or a phrase", min_length=1, max_length=64)


def _local_today(ctx: ToolContext) -> date:
    """The company's calendar day (Texas), so 'today' does not turn into tomorrow at 18:00 Central."""
    return company_today(company_tz(ctx.odoo), ctx.now())


def _target(ctx: ToolContext, text: str, current: datetime | None) -> datetime:
    """The new scheduled datetime; keeps the current time of day when only a day is given."""
    raw = text.strip()
    keep = current.time() if current else time(9, 0)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(:\d{2})?", raw):
        try:
            return datetime.fromisoformat(raw.replace("T", " "))
        except ValueError as exc:
            raise ToolError(f"'{text}' is not a valid date and time.", code="bad_date") from exc
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        try:
            return datetime.combine(date.fromisoformat(raw), keep)
        except ValueError as exc:
            raise ToolError(f"'{text}' is not a valid date.", code="bad_date") from exc
    rng = parse_date_phrase(raw, _local_today(ctx))
    if rng.start is None or rng.end is None or rng.start != rng.end:
        raise ToolError(f"'{text}' is a period ({rng.label}), not one day; give the day.", code="bad_date")
    return datetime.combine(rng.start, keep)


@tool(RescheduleReceiptArgs, kind="propose")
def reschedule_receipt(ctx: ToolContext, args: RescheduleReceiptArgs) -> ToolResult:
    """Propose moving an open receipt to a new date (the PO's promised date stays).

    Refused for past dates, dates over a year ahead, and done or cancelled receipts. A move of up to
    7 days may be self-approved; a longer one needs a different buyer, approver or manager.
    """
    odoo = ctx.odoo
    pick = resolve_picking(odoo, args.receipt, fields=["write_date", "picking_type_code"])
    require(pick.get("picking_type_code") in (None, False, "incoming") and "/OUT/" not in str(pick["name"]),
            f"{pick['name']} is not a receipt. Nothing proposed.", "wrong_kind")
    require(pick["state"] not in ("done", "cancel"),
            f"{pick['name']} is already {pick['state']}; it cannot be rescheduled. Nothing proposed.", "wrong_state")
    current = odoo_dt(pick.get("scheduled_date"))
    new = _target(ctx, args.date, current)
    today = _local_today(ctx)
    require(new.date() >= today, f"{new:%Y-%m-%d} is in the past (today is {today}); nothing proposed.",
            "bad_date")
    require(new.date() <= today + timedelta(days=MAX_DAYS_AHEAD),
            f"{new:%Y-%m-%d} is more than {MAX_DAYS_AHEAD} days ahead; check the date. Nothing proposed.",
            "bad_date")
    require(current is None or new != current, f"{pick['name']} is already scheduled for {new:%Y-%m-%d %H:%M}.",
            "no_change")
    days_shift = round((new - current).total_seconds() / 86400, 2) if current else 0.0
    tz = identity_tz(ctx.odoo, ctx.user)  # the requester reads the summary in their own zone, named
    old_txt = local_time(current, tz) if current else "unscheduled"
    summary = (f"reschedule receipt {pick['name']} ({m2o_name(pick.get('partner_id'))}, {pick.get('origin') or '-'}) "
               f"from {old_txt} to {local_time(new, tz)} ({days_shift:+g} days); the PO's promised date "
               "is kept")
    return propose(ctx, "reschedule_receipt",
                   args={"picking_id": pick["id"], "receipt": pick["name"], "scheduled_date": new.strftime(ODOO_FMT),
                         "origin": pick.get("origin") or None},
                   summary=summary,
                   before_after={"scheduled_date": [current.strftime(ODOO_FMT) if current else None,
                                                    new.strftime(ODOO_FMT)]},
                   evidence={"picking_id": pick["id"], "receipt": pick["name"], "state": pick["state"],
                             "scheduled_date": str(pick.get("scheduled_date") or ""),
                             "write_date": str(pick.get("write_date") or "")},
                   odoo_ref=f"stock.picking,{pick['id']}", metrics={"days_shift": days_shift},
                   show_amount=False)


class RescheduleExecutor:
    @staticmethod
    def _read(odoo: OdooClient, pid: int) -> dict[str, Any] | None:
        rows = odoo.read("stock.picking", [pid], ["name", "state", "scheduled_date", "write_date"])
        return rows[0] if rows else None

    @staticmethod
    def _note(proposal: Proposal) -> str:
        return (f"Rescheduled to {proposal.args['scheduled_date']} UTC by Quartermaster on behalf of "
                f"{proposal.requester}, approved by {proposal.decided_by} [{marker(proposal.id)}]")

    def reconcile(self, odoo: OdooClient, proposal: Proposal) -> dict[str, Any] | None:
        pid = int(proposal.args["picking_id"])
        note = find_marker_message(odoo, "stock.picking", pid, proposal.id)
        if note is None:
            if proposal.attempts <= 1:
                return None
            pick = self._read(odoo, pid)
            if pick is None or str(pick.get("scheduled_date"))[:19] != proposal.args["scheduled_date"]:
                return None
            _note_id, problem = try_note(odoo, "stock.picking", pid, self._note(proposal))
            if problem:
                return {"receipt": proposal.args["receipt"], "scheduled_date": proposal.args["scheduled_date"],
                        "note_error": problem}
        return {"receipt": proposal.args["receipt"], "scheduled_date": proposal.args["scheduled_date"]}

    def revalidate(self, odoo: OdooClient, proposal: Proposal) -> str | None:
        ev = proposal.evidence
        pick = self._read(odoo, int(ev["picking_id"]))
        if pick is None:
            raise StaleProposal(f"{ev['receipt']} no longer exists in Odoo")
        if pick["state"] != ev["state"]:
            return f"{ev['receipt']} is now '{pick['state']}' (was '{ev['state']}')"
        if str(pick.get("scheduled_date") or "") != ev["scheduled_date"]:
            return f"{ev['receipt']} was already moved to {pick.get('scheduled_date')} by someone else"
        if str(pick.get("write_date") or "") != ev["write_date"]:
            return f"{ev['receipt']} was modified in Odoo since it was proposed"
        return None

    def execute(self, odoo: OdooClient, proposal: Proposal) -> dict[str, Any]:
        a = proposal.args
        pid = int(a["picking_id"])
        # Only the picking (its moves follow). Never the PO lines' date_planned — not even for proposals
        # stored by older versions with `po_line_ids` in their args: that is the supplier's promise.
        odoo.call("stock.picking", "write", [[pid], {"scheduled_date": a["scheduled_date"]}])
        pick = self._read(odoo, pid)  # the outcome is what Odoo says now
        now = str((pick or {}).get("scheduled_date") or "")[:19]
        if now != a["scheduled_date"]:
            raise ToolError(f"Odoo did not move {a['receipt']}: it is scheduled for {now or 'no date'}. "
                            "Nothing changed.")
        message = (f"{a['receipt']} now scheduled for {local_time(now, company_tz(odoo))} in Odoo (the PO's promised date is unchanged).")
        note_id, problem = try_note(odoo, "stock.picking", pid, self._note(proposal))
        result: dict[str, Any] = {"receipt": a["receipt"], "scheduled_date": now, "note_id": note_id}
        if problem:
            result["note_error"] = problem
            message += f" The write happened, but the audit note was not posted — {problem}"
        result["message"] = message
        return result
