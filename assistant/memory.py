"""Conversation memory per thread (a web conversation or a Slack thread), kept in the state store.

Why a wrapper over the governance ConversationStore: a turn needs the user's words, the answer and
the *focus* of that turn (the PO, supplier, product, warehouse it was about) so that "and at
Dallas?" or "chase them" resolves on the next turn, by either brain, after a restart. The focus rides
in the message's meta; `messages()` rebuilds LangChain history with it attached (never sent to a model).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

FOCUS_KEY = "qm_focus"


class MessageLog(Protocol):
    """What tools.governance.store.ConversationStore offers."""

    def append(self, thread_id: str, role: str, content: str, meta: dict[str, Any] | None = None, *,
               channel: str | None = None, username: str | None = None) -> int: ...

    def history(self, thread_id: str, limit: int = 20) -> list[dict[str, Any]]: ...


@dataclass
class StoredTurn:
    """One finished turn of a thread, as channels show it."""

    user_text: str
    answer: str
    username: str | None = None
    focus: dict[str, Any] = field(default_factory=dict)
    at: str | None = None
    citations: list[dict[str, Any]] = field(default_factory=list)  # what the answer cited, for a reopened thread


class ConversationMemory:
    """Two messages per turn (user, assistant); the last `max_turns` turns come back as history."""

    def __init__(self, log: MessageLog, *, max_turns: int = 10, max_chars: int = 4000) -> None:
        self.log = log
        self.max_turns = max_turns
        self.max_chars = max_chars  # per stored text, so one huge answer cannot blow the context

    def append(self, thread_id: str, *, username: str, channel: str, run_id: str, user_text: str,
               answer: str, focus: dict[str, Any] | None = None,
               citations: list[dict[str, Any]] | None = None) -> None:
        self.log.append(thread_id, "user", user_text[: self.max_chars], {"run_id": run_id, "username": username},
                        channel=channel, username=username)
        self.log.append(thread_id, "assistant", answer[: self.max_chars],
                        {"run_id": run_id, "username": username, FOCUS_KEY: focus or {},
                         **({"citations": citations[:10]} if citations else {})},
                        channel=channel, username=username)

    def load(self, thread_id: str) -> list[StoredTurn]:
        """The last turns of a thread, oldest first (a user message paired with the answer after it)."""
        turns: list[StoredTurn] = []
        pending: dict[str, Any] | None = None
        for row in self.log.history(thread_id, limit=2 * self.max_turns):
            if row.get("role") == "user":
                pending = row
            elif row.get("role") == "assistant" and pending is not None:
                turns.append(StoredTurn(user_text=str(pending.get("content") or ""),
                                        answer=str(row.get("content") or ""),
                                        focus=(row.get("meta") or {}).get(FOCUS_KEY) or {}, at=row.get("ts"),
                                        citations=list((row.get("meta") or {}).get("citations") or [])))
                pending = None
        return turns

    def threads(self, username: str, prefix: str = "", limit: int = 15) -> list[dict[str, Any]]:
        """A user's recent threads (optionally only ids starting with `prefix`), newest first, with the
        first question as the title: {thread_id, title, at}."""
        lister = getattr(self.log, "threads", None)
        if lister is None:
            return []
        out: list[dict[str, Any]] = []
        for t in lister(username=username, limit=max(limit * 4, 50)):
            tid = str(t["thread_id"])
            if not tid.startswith(prefix):
                continue
            first = next((m for m in self.log.history(tid, limit=1000) if m.get("role") == "user"), None)
            out.append({"thread_id": tid, "title": readable_title(str((first or {}).get("content") or "")),
                        "at": t.get("updated_at")})
            if len(out) >= limit:
                break
        return out

    def messages(self, thread_id: str, username: str | None = None) -> list[BaseMessage]:
        """History for a brain. With `username`, only that person's own turns: in a shared thread (Slack)
        another user's answers may hold what this user's role may not see, so they never reach the model."""
        out: list[BaseMessage] = []
        for row in self.log.history(thread_id, limit=2 * self.max_turns):
            owner = (row.get("meta") or {}).get("username")
            if username is not None and owner is not None and owner != username:
                continue
            content = str(row.get("content") or "")
            if row.get("role") == "user":
                out.append(HumanMessage(content))
            elif row.get("role") == "assistant":
                focus = (row.get("meta") or {}).get(FOCUS_KEY) or {}
                out.append(AIMessage(content, additional_kwargs={FOCUS_KEY: focus}))
        while out and not isinstance(out[0], HumanMessage):  # history must start with the user
            out.pop(0)
        return out


def readable_title(text: str, limit: int = 60) -> str:
    """A thread's title as a person can read it: the first question, without control or private-use characters
    (a message of emoji or garbage must not become an unreadable link), else "Conversation"."""
    import unicodedata

    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch == " ")
    kept = " ".join(kept.split())[:limit]
    return kept if any(ch.isalnum() for ch in kept) else "Conversation"
