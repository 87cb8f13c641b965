"""What a subscriber reads: an alert or a digest as plain text and as Slack Block Kit (plain dicts).

Role-aware by construction: the money part of an item is added only for roles whose policy shows money,
and every line of text passes the policy's money scrubber for the others (supplier quotes can carry
prices). Times are the reader's local day; references are Odoo's. Buttons carry the action that fits
(a reminder to the vendor on a late or unconfirmed order) and start a normal, governed proposal in the
clicker's name when pressed.
"""

from __future__ import annotations

from typing import Any

from assistant.watch.queues import Item

CHASE_ACTION = "qm_alert_chase"
RFQ_ACTION = "qm_alert_rfq"
MAX_LINES = 25
SECTION_LIMIT = 2900


def shows_money(policy: Any, role: str) -> bool:
    if policy is None:
        return True
    scrubs = getattr(policy, "scrubs_money", None)
    return not (scrubs(role) if scrubs else policy.is_redacted(role, "amount_total"))


def _may(policy: Any, role: str, tool: str) -> bool:
    """A button only for people whose role may make that proposal (the warehouse role asks no quotes)."""
    if policy is None:
        return True
    try:
        return bool(policy.can_use(role, tool))
    except Exception:  # noqa: BLE001 - an older policy without that tool: no button
        return False


def item_line(item: Item | dict[str, Any], policy: Any, role: str) -> str:
    get = item.get if isinstance(item, dict) else lambda k, i=item: getattr(i, k, None)
    text = str(get("text") or "")
    if get("money") and shows_money(policy, role):
        text += f" — {get('money')}"
    if policy is not None and not shows_money(policy, role):
        text = policy.scrub_text(role, text)
    return text


def render_items(items: list[dict[str, Any]], policy: Any, role: str) -> list[str]:
    lines = [item_line(i, policy, role) for i in items[:MAX_LINES]]
    if len(items) > MAX_LINES:
        lines.append(f"… and {len(items) - MAX_LINES} more")
    return lines


def alert_text(title: str, lines: list[str]) -> str:
    return f"{title} ({len(lines)}):\n" + "\n".join(f"• {line}" for line in lines)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_LIMIT]}}


def alert_blocks(title: str, items: list[dict[str, Any]], policy: Any, role: str, *, footer: str = ""
                 ) -> list[dict[str, Any]]:
    """Header, one section per item (with a "Chase supplier" button where a reminder fits), a footer."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}}]
    for item in items[:MAX_LINES]:
        sec = _section(f"• {_esc(item_line(item, policy, role))}")
        if item.get("action") == "chase" and item.get("ref") and _may(policy, role, "remind_supplier"):
            sec["accessory"] = {"type": "button", "action_id": CHASE_ACTION, "value": str(item["ref"])[:2000],
                                "text": {"type": "plain_text", "text": "Chase supplier"}}
        elif item.get("action") == "rfq" and item.get("ref") and _may(policy, role, "create_rfq"):
            sec["accessory"] = {"type": "button", "action_id": RFQ_ACTION, "value": str(item["ref"])[:2000],
                                "text": {"type": "plain_text", "text": "Request quote"}}
        blocks.append(sec)
    if len(items) > MAX_LINES:
        blocks.append(_section(f"… and {len(items) - MAX_LINES} more"))
    if footer:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _esc(footer)[:SECTION_LIMIT]}]})
    return blocks[:50]


def digest_sections(sections: list[tuple[str, list[dict[str, Any]]]], policy: Any, role: str
                    ) -> tuple[str, list[dict[str, Any]]]:
    """A digest: one titled section per rule (empty ones say "nothing")."""
    text_parts, blocks = [], []
    for title, items in sections:
        lines = render_items(items, policy, role)
        text_parts.append(alert_text(title, lines) if lines else f"{title}: nothing")
        body = "\n".join(f"• {_esc(line)}" for line in lines) or "_nothing_"
        blocks.append(_section(f"*{_esc(title)}* ({len(items)})\n{body}"))
    return "\n\n".join(text_parts), blocks
