"""Helpers for the alert tests: a Watcher over a sandbox with a fake clock, and truth read from Odoo directly."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
USERS = {"bluebonnet": ROOT / "tools" / "governance" / "default_users.yaml",
         "hollander": ROOT / "sandbox" / "seed_hollander" / "users.yaml"}


class Capture:
    """A Slack-like sender that records what it was asked to post."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(self, target: str, text: str, blocks: list[dict[str, Any]]) -> str:
        self.sent.append({"target": target, "text": text, "blocks": blocks})
        return f"1700000000.{len(self.sent):06d}"


def make_watcher(odoo: Any, state_url: str, business: str, clock: Any, senders: dict[str, Any] | None = None,
                 rules: Any = None) -> Any:
    from assistant.watch.watcher import Watcher
    from tools.governance.audit import AuditLog
    from tools.governance.identity import Directory
    from tools.governance.policy import Policy
    from tools.governance.store import StateStore

    store = StateStore.open(state_url)
    return Watcher(odoo=odoo, store=store, policy=Policy.load(ROOT / "tools" / "governance" / "default_policy.yaml"),
                   directory=Directory.load(USERS[business]), audit=AuditLog(store), clock=clock,
                   senders=senders or {}, rules=rules)


def odoo_zone(odoo: Any) -> ZoneInfo:
    """The integration user's time zone as Odoo stores it (read here, independently of the code under test)."""
    (me,) = odoo.read("res.users", [odoo.uid], ["tz", "company_id"])
    tz = me.get("tz")
    if not tz:
        (company,) = odoo.read("res.company", [me["company_id"][0]], ["partner_id"])
        (partner,) = odoo.read("res.partner", [company["partner_id"][0]], ["tz"])
        tz = partner.get("tz") or "UTC"
    return ZoneInfo(tz)


def local_day_bounds(zone: ZoneInfo, day: date) -> tuple[str, str]:
    lo = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    hi = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
    return lo.strftime("%Y-%m-%d %H:%M:%S"), hi.strftime("%Y-%m-%d %H:%M:%S")


def receipts_due_truth(odoo: Any, code: str, day: date) -> set[str]:
    """Receipt references of warehouse `code` scheduled on local `day`, not done or cancelled: from Odoo."""
    (wh,) = odoo.search_read("stock.warehouse", [("code", "=", code)], ["in_type_id"])
    lo, hi = local_day_bounds(odoo_zone(odoo), day)
    rows = odoo.search_read("stock.picking", [("picking_type_id", "=", wh["in_type_id"][0]),
                                              ("state", "not in", ["done", "cancel"]),
                                              ("scheduled_date", ">=", lo), ("scheduled_date", "<", hi)], ["name"])
    return {r["name"] for r in rows}


def local_today(odoo: Any, at: datetime) -> date:
    return at.replace(tzinfo=UTC).astimezone(odoo_zone(odoo)).date()


def deliveries(store: Any) -> list[Any]:
    import sqlalchemy as sa

    from assistant.watch.tables import DeliveryRow

    with store.read() as s:
        return list(s.scalars(sa.select(DeliveryRow).order_by(DeliveryRow.id)).all())


def refs_in(row: Any) -> set[str]:
    payload = json.loads(row.payload_json)
    items = payload.get("items") or [i for sec in payload.get("sections") or [] for i in sec["items"]]
    return {str(i["key"]).split(":", 1)[1] for i in items}
