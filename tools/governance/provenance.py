"""Provenance of a proposal: did the person ask for this action on this record, or did the model?

Why not a keyword test: "what's the status of purchase order P01700?" contains "order", "is P01700
ok?" contains "ok", and a model that obeys instructions planted in supplier e-mails, PO chatter or
documents will happily propose in that user's name. So the turn records which tool results it read
and whether they carried untrusted free text, and a proposal counts as the user's own only when the
user's message, parsed, asks for that action (a verb of that kind, not negated, not a mere question)
on that record (the PO, receipt, vendor or product named by the user). Anything else is
*model-suggested*: never self-approvable, quoted on its card, and invisible to approvers until the
requester confirms it (ProposalService.confirm).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

#: Verbs (as the user would type them) that ask for each kind of action.
KIND_VERBS: dict[str, tuple[str, ...]] = {
    "remind_supplier": ("remind", "chase", "nudge", "follow up", "follow-up", "ping", "send a reminder",
                        "send them a reminder", "email", "e-mail", "write to", "contact"),
    "reschedule_receipt": ("reschedule", "postpone", "push back", "push out", "push", "delay", "move",
                           "shift", "bring forward", "pull in", "change the date", "change the delivery date"),
    "confirm_purchase_order": ("confirm", "place", "approve", "turn into a po", "convert"),
    # Odoo's second step of a two-step approval ('to approve' -> purchase): "approve P00042 in Odoo" is the
    # person's own request
    "approve_purchase_order": ("approve", "sign off", "sign-off", "give the go-ahead", "give the second approval",
                               "validate"),
    "cancel_purchase_order": ("cancel", "void", "call off", "kill", "drop"),
    "create_rfq": ("order", "reorder", "re-order", "buy", "purchase", "restock", "replenish", "create an rfq",
                   "create a rfq", "raise an rfq", "draft an rfq", "make an rfq", "new rfq", "rfq for",
                   "request a quote", "get a quote", "ask for a quote", "quote for", "draft a po",
                   "raise a po", "create a po", "get an rfq", "start an rfq", "send an rfq", "open an rfq",
                   "put in an rfq", "set up an rfq"),
    # issue #14
    "request_purchase": ("purchase request", "purchase requisition", "raise a request", "request a purchase",
                         "requisition"),
    "requests_to_rfqs": ("turn", "convert", "make rfqs", "into rfqs", "into an rfq", "into rfq"),
    "transfer_stock": ("transfer", "move", "send", "ship", "shift"),
    "remind_unconfirmed": ("remind them all", "remind all", "chase them all", "chase all", "remind every",
                           "chase every", "nudge them all", "ping them all"),
}
#: Words that turn the next verb into "do not".
_NEGATION = re.compile(r"\b(?:don'?t|do not|never|no need to|not|without|stop|avoid|shouldn'?t|won'?t)\s+"
                       r"(?:\w+\s+){0,2}$", re.I)
#: Questions about the state of things ("is", "what", "why") ask nothing unless they are polite requests.
_QUESTION_START = re.compile(r"^\s*(?:what|what's|whats|why|when|where|which|who|whose|how|is|are|was|were|"
                             r"does|do|did|has|have|had|should|shall|would it|could it|will it|any)\b", re.I)
_POLITE = re.compile(r"\b(?:can|could|would|will)\s+you\b|\bplease\b|\bi\s+(?:want|need|would like)\s+(?:you\s+)?"
                     r"to\b|\blet'?s\b|\bgo ahead and\b", re.I)
#: Nouns that contain action verbs and must not count as verbs ("purchase order", "the order").
_NOUN_PHRASES = re.compile(
    r"\b(?:purchase|sales|open|this|that|the|my|our|their|an?|its|which|whose|rush|blanket|last|next|new)"
    r"\s+(?:purchase\s+)?orders?\b(?!\s+\d)|\borders?\s+(?:status|line|lines|date|number|ref|reference)\b"
    r"|\bpurchase\s+orders?\b|\bon\s+order\b|\bconfirmed\b|\bcancell?ed\b|\bdelayed\b|\bmoved\b"
    r"|\bdelay(?:s)?\s+(?:on|in|of|for)\b|\bquotes?\s+(?:from|on|of)\b(?=.*\?)", re.I)
#: Words that point back at the record just discussed ("chase them", "cancel it", "move that one").
_POINTER = re.compile(r"\b(?:it|them|they|this|that|this one|that one|this po|that po|the po|the order|"
                      r"this order|that order|the receipt|this receipt|that receipt|those|these|him|her)\b", re.I)
PO_REF = re.compile(r"\bP\d{4,}\b")
RECEIPT_REF = re.compile(r"\b[A-Z]{2,5}/IN/\d{3,}\b")
PRODUCT_CODE = re.compile(r"\b[A-Z]{2,4}-\d{3,5}\b")
#: Free-text keys in tool results that carry words written by others (suppliers, colleagues, documents).
UNTRUSTED_KEYS = frozenset({"body", "message", "messages", "chatter", "note", "notes", "text", "snippet",
                            "passage", "passages", "content", "subject", "email", "emails", "summary_text",
                            "excerpt", "comment", "comments", "description", "log"})
SOURCE_OF_TOOL = {"supplier_communications": "supplier e-mails", "search_documents": "documents",
                  "purchase_order_status": "purchase-order chatter", "supplier_history": "supplier messages"}
_INSTRUCTION = re.compile(r"\b(?:" + "|".join(sorted({re.escape(v) for vs in KIND_VERBS.values() for v in vs},
                                                     key=len, reverse=True)) + r")\b", re.I)


@dataclass(frozen=True)
class ParsedRequest:
    """What the person's own message asks for."""

    kinds: frozenset[str]
    refs: frozenset[str]  # upper-cased PO/receipt/product codes the user named
    words: str  # the lower-cased message, to match vendor/product names

    def names(self, text: str | None) -> bool:
        """Does the user's message mention this record (reference, code, or the name's first word)?"""
        if not text:
            return False
        t = str(text).strip()
        if m := re.fullmatch(r"\[([^\]]+)\]\s*(.+)", t):  # Odoo's display name "[CODE] Name": either part
            return self.names(m.group(1)) or self.names(m.group(2))
        if t.upper() in self.refs:
            return True
        lowered = t.lower()
        if " " in lowered and " ".join(lowered.split()) in self.words:
            return True  # a code or name written with spaces ("CLN-Degreaser 5L")
        if len(lowered) >= 4 and lowered in self.words:
            return True
        first = re.split(r"[\s,.&]+", lowered)[0]
        return len(first) >= 4 and re.search(rf"\b{re.escape(first)}\b", self.words) is not None


def parse_request(text: str) -> ParsedRequest:
    """The kinds of action the message asks for (not negated, not a question unless polite) and the
    records it names."""
    raw = text or ""
    refs = frozenset(m.group().upper() for pat in (PO_REF, RECEIPT_REF, PRODUCT_CODE) for m in pat.finditer(raw))
    kinds: set[str] = set()
    for sentence in re.split(r"(?<=[.!?;])\s+|\n+", raw):
        if not sentence.strip():
            continue
        if _QUESTION_START.match(sentence) and not _POLITE.search(sentence):
            continue
        clean = _NOUN_PHRASES.sub(" ", sentence)
        for kind, verbs in KIND_VERBS.items():
            for verb in verbs:
                for m in re.finditer(rf"\b{re.escape(verb)}\b", clean, re.I):
                    if not _NEGATION.search(clean[:m.start()]):
                        kinds.add(kind)
    return ParsedRequest(frozenset(kinds), refs, " ".join(raw.lower().split()))


def _record_texts(kind: str, args: dict[str, Any]) -> list[str]:
    """The user-visible names of the record a proposal acts on."""
    if kind == "create_rfq":
        out = [str(args.get("supplier") or "")]
        out += [str(line.get("product") or "") for line in args.get("lines") or [] if isinstance(line, dict)]
        return [x for x in out if x]
    for key in ("po", "receipt", "reference", "picking", "product"):
        if args.get(key):
            return [str(args[key])]
    return []


def _strings(value: Any, key: str | None = None) -> Iterable[str]:
    if isinstance(value, str):
        if key is None or key.lower() in UNTRUSTED_KEYS:
            yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, str(k) if isinstance(v, str) else None if isinstance(v, dict | list) else key)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v, key)


def untrusted_texts(tool: str, data: Any, text: str = "") -> list[str]:
    """The free-text strings a tool result carried that someone outside the user wrote."""
    found = [s for s in _strings(data, "") if len(s.split()) >= 3] if isinstance(data, dict | list) else []
    found = [s for s in found if s]
    if tool in SOURCE_OF_TOOL and text and len(text.split()) >= 3:
        found.append(text)
    return found


def _quote(texts: list[str], refs: list[str]) -> str:
    """The sentence most likely to have prompted the proposal: one naming the record and an action."""
    best_score, best = 0, ""
    for t in texts:
        for sentence in re.split(r"(?<=[.!?])\s+|\n+", t):
            s = sentence.strip()
            if not s:
                continue
            score = (2 if any(r and r.lower() in s.lower() for r in refs) else 0) + (1 if _INSTRUCTION.search(s)
                                                                                   else 0)
            if score > best_score:
                best_score, best = score, s
    if best:
        return best[:280]
    return texts[0].strip()[:280] if texts else ""


@dataclass
class TurnProvenance:
    """One turn: the person's message and the untrusted text the tools returned so far."""

    user_text: str
    reads: list[dict[str, Any]] = field(default_factory=list)  # {"tool", "source", "texts"}
    #: the proposal kind the assistant's own question back asked about, when this message answers it
    #: ("which vendor?" -> "apex"): the earlier request plus this reply are the person's words
    completes: str | None = None
    earlier: str = ""
    #: products the person referred to by position in a list Odoo computed ("order the top 3" of the
    #: replenishment suggestions): theirs, as if named, for the kinds their own message asks for
    referred: set[str] = field(default_factory=set)
    #: the record the previous answer was about (the PO or receipt the person asked after): "chase them",
    #: "cancel it" right after it name that record, as if its reference were typed again
    discussed: set[str] = field(default_factory=set)
    _parsed: ParsedRequest | None = None

    @property
    def request(self) -> ParsedRequest:
        if self._parsed is None:
            parsed = parse_request(f"{self.earlier}\n{self.user_text}" if self.earlier else self.user_text)
            if self.completes:  # the question back was about this kind of action, asked by this person
                parsed = ParsedRequest(parsed.kinds | {self.completes}, parsed.refs, parsed.words)
            self._parsed = parsed
        return self._parsed

    def answering(self, kind: str | None, earlier: str = "") -> None:
        """This message answers the assistant's question back about a `kind` proposal the person started
        with `earlier` (their own message of the previous turn, never tool output)."""
        self.completes, self.earlier, self._parsed = kind or None, (earlier or "").strip(), None

    def note(self, tool: str, data: Any, text: str = "") -> None:
        """Record a tool result (called by the registry for every successful read)."""
        texts = untrusted_texts(tool, data, text)
        if texts:
            self.reads.append({"tool": tool, "source": SOURCE_OF_TOOL.get(tool, "Odoo records"), "texts": texts})

    @property
    def read_untrusted(self) -> bool:
        return bool(self.reads)

    def asked_for(self, kind: str, args: dict[str, Any]) -> bool:
        req = self.request
        if kind == "create_rfq" and (args.get("links") or {}).get("requests") and "requests_to_rfqs" in req.kinds:
            return True  # an RFQ for purchase requests people raised, turned into RFQs at the user's word
        if kind == "remind_supplier" and "remind_unconfirmed" in req.kinds:
            return True  # "remind them all": one reminder per unacknowledged order, listed by the tool
        if kind not in req.kinds:
            return False
        records = _record_texts(kind, args)
        if kind == "request_purchase":  # the product must be the user's words
            return req.names(str(args.get("product") or "")) or req.names(str(args.get("product_name") or ""))
        if kind == "create_rfq":  # the vendor, or every product, must be the user's words
            products = [str(x.get("product") or "") for x in args.get("lines") or [] if isinstance(x, dict)]
            return req.names(str(args.get("supplier") or "")) or (bool(products) and all(
                req.names(p) or p in self.referred for p in products))
        if any(req.names(r) for r in records):
            return True
        return bool(self.discussed) and not req.refs and _POINTER.search(req.words) is not None and any(
            str(r).upper() in self.discussed for r in records)  # "chase them" about the record just shown

    def assess(self, kind: str, args: dict[str, Any], odoo_ref: str | None = None) -> tuple[str, dict[str, Any]]:
        """("user", {}) when the person asked for this; else ("model", why + the quoted untrusted text)."""
        if self.asked_for(kind, args):
            return "user", {}
        records = _record_texts(kind, args)
        texts = [t for r in self.reads for t in r["texts"]]
        details: dict[str, Any] = {
            "reason": ("the request did not ask for this action on this record"),
            "user_message": self.user_text[:280],
            "sources": sorted({r["source"] for r in self.reads}),
            "untrusted": self.read_untrusted,
            "quote": _quote(texts, records),
        }
        return "model", details


def chat_note(details: dict[str, Any], proposal_id: str, channel: str) -> str:
    """What the person reads in the conversation about a proposal parked for their confirmation: why, in
    plain words (never the model-facing word list), and how to go ahead on the channel they use."""
    sources = ", ".join(details.get("sources") or [])
    if details.get("untrusted") and sources:
        why = (f"your message did not ask for this action on this record, and it follows from {sources} I read, "
               "not from you")
    else:
        why = "your message did not clearly ask for this action on this record"
    quote = str(details.get("quote") or "").strip().replace('"', "'")
    said = f' The text that prompted it: "{quote}".' if quote and details.get("untrusted") else ""
    how = (f"confirm it with `quartermaster proposals confirm {proposal_id}`" if channel == "cli" else
           f"press Confirm on {proposal_id} under Approvals → My proposals (or on its card in Slack)")
    return (f"I drafted {proposal_id} but did not send it for approval: {why}.{said} If you want it, {how}; "
            "otherwise ignore it and it expires.")


def card_note(details: dict[str, Any], requester: str) -> str:
    """One sentence for the proposal card of a model-suggested proposal."""
    sources = ", ".join(details.get("sources") or [])
    quote = str(details.get("quote") or "").strip()
    said = f' It said: "{quote}"' if quote else ""
    if not (details.get("untrusted") and sources):  # nothing from outside was read: no quote to show
        return (f"Suggested by the assistant, not asked for in so many words by {requester}; {requester} must "
                "confirm it before approvers see it.")
    return (f"Suggested by the assistant from untrusted content ({sources}), not asked for by {requester}; "
            f"{requester} must confirm it before approvers see it.{said}")
