"""The App Home tab: a person's pending approvals (with buttons) and their recent proposals.

Built from ProposalCards so the tab and the channel cards always say the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.channels.slack_blocks import (
    STATE_BADGES,
    ProposalCard,
    approval_buttons,
    context,
    escape,
    outcome_text,
    plain,
    section,
)

MAX_PENDING = 15
MAX_RECENT = 10


def _money(card: ProposalCard) -> str:
    return "" if not card.amount else f" · {card.amount:,.2f} {card.currency}"


def home_view(*, user_label: str | None, pending: Sequence[ProposalCard] = (),
              recent: Sequence[ProposalCard] = (), notice: str | None = None,
              slack_user_id: str = "") -> dict[str, Any]:
    """The whole Home tab. `user_label` None means the Slack user is not in the users file."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": plain("Quartermaster", 150)}]
    if notice:
        blocks.append(section(f":information_source: {notice}"))
    if user_label is None:
        blocks.append(section(
            "You are not registered with Quartermaster yet, so there is nothing to show. "
            f"Ask an admin to add your Slack ID (`{escape(slack_user_id)}`) or your email to the users file."))
        return {"type": "home", "blocks": blocks}
    blocks.append(context(f"Signed in as *{escape(user_label)}*. Ask me anything with `/qm`, "
                          "a direct message, or by mentioning me in a channel."))
    blocks.append({"type": "divider"})
    blocks.append(section(f"*Waiting for your approval* ({len(pending)})"))
    if not pending:
        blocks.append(context("Nothing is waiting for you. :tada:"))
    for card in list(pending)[:MAX_PENDING]:
        who = escape(card.requester_name or card.requester or "?")
        blocks.append(section(f"*{escape(card.title)}* · `{escape(card.id)}`{_money(card)}\n"
                              f"{escape(card.summary)}\n_requested by {who}_"
                              + (f" · _rule: {escape(card.rule)}_" if card.rule else "")))
        blocks.append(approval_buttons(card.id, amount_text=_money(card).lstrip(" ·") + " "
                                       if card.amount else ""))
    if len(pending) > MAX_PENDING:
        blocks.append(context(f"…and {len(pending) - MAX_PENDING} more; see the web inbox."))
    blocks.append({"type": "divider"})
    blocks.append(section("*Your recent proposals*"))
    if not recent:
        blocks.append(context("You have not proposed anything yet."))
    for card in list(recent)[:MAX_RECENT]:
        badge = STATE_BADGES.get(card.state, escape(card.state))
        line = f"{badge} · *{escape(card.title)}* · `{escape(card.id)}`{_money(card)}\n{escape(card.summary)}"
        if card.state != "pending":
            line += "\n" + outcome_text(card)
        blocks.append(section(line))
    return {"type": "home", "blocks": blocks[:100]}
