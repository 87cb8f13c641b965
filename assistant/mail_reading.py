"""The LLM reader of supplier e-mail (used by `quartermaster mail sync` when the brain is an LLM).

The e-mail goes to the model as data under a prompt that says so (prompts/mail/understand.md); the answer
is checked before it is kept: the kind must be one of ours, the date a real ISO date, and the quoted
sentence must occur in the e-mail. Anything else falls back to the offline reading (tools/mail/extractor).
The reading only labels a message; nothing here can propose or change anything in Odoo.
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import date
from typing import Any

from assistant.settings import PACKAGE_ROOT
from tools.mail.extractor import KINDS, Understanding, date_order_for
from tools.mail.store import MailMessageRow

PROMPT = PACKAGE_ROOT / "prompts" / "mail" / "understand.md"
MAX_CHARS = 6000


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def make_understander(llm: Any) -> Any:
    """A callable(row, offline, date_order) -> Understanding | None for tools.mail.sync.process_pending."""
    template = PROMPT.read_text(encoding="utf-8")

    def understand(row: MailMessageRow, offline: Understanding, date_order: str = "") -> Understanding | None:
        """`date_order` is the sender's convention as the pipeline read it from Odoo (MDY, DMY or '')."""
        known = date_order or date_order_for(language_header=row.language)
        order = {"MDY": "month/day (US)", "DMY": "day/month"}.get(known, "unknown")
        system = template.replace("{date_order}", order).replace(
            "{sent}", row.date.date().isoformat() if row.date else "unknown")
        mail = f"Subject: {row.subject}\nFrom: {row.sender}\n\n{row.body}"[:MAX_CHARS]
        reply = llm.invoke([("system", system), ("human", f"<email>\n{mail}\n</email>")])
        text = str(getattr(reply, "content", reply))
        m = re.search(r"\{.*\}", text, re.S)
        if not m:
            return None
        try:
            data = json.loads(m.group(0))
        except ValueError:
            return None
        kind = str(data.get("kind") or "")
        if kind not in KINDS:
            return None
        quote = str(data.get("quote") or "")
        if quote and _norm(quote) not in _norm(f"{row.subject}\n{row.body}"):
            quote = offline.quote  # a sentence the mail does not contain is not a quote
        facts = dict(offline.facts)
        facts.pop("eta", None)
        eta = data.get("eta")
        if eta:
            with contextlib.suppress(ValueError):
                facts["eta"] = date.fromisoformat(str(eta)).isoformat()
        return Understanding(kind=kind, facts=facts, quote=quote[:400], injection=bool(data.get("injection")),
                             by="llm")

    return understand
