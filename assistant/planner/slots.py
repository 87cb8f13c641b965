"""Slot filling for the router: clean a Slack-style message, fix misspelt warehouse and vendor names, and
replace every entity by a placeholder ("how many {product} at {warehouse}") so the router compares the
*shape* of a question with its examples, whatever the names in the connected Odoo are.

Why placeholders: "wire connectors qty at housotn" and "stock of ABC-1042 at Rotterdam" are the same request;
with the names swapped for {product}/{warehouse} their embeddings are close, and no example ever needs to
name a real product. Names come from the lexicon (loaded from Odoo); rules keep references, dates,
quantities and units, which regular expressions read exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from assistant.planner.lexicon import Lexicon, norm

# words around a request that are never part of a name ("hi could ... thanks so")
_LEAD = re.compile(r"^(?:(?:hi|hey|hello|yo|morning|good morning|afternoon|ok|okay|so|um|uh|quick q(?:uestion)?|"
                   r"q|question|team|all|folks|guys|there|please|pls|plz|could you|can you|would you|"
                   r"can u|could u|could|can|would|you|u|tell me|lemme know|let me know)\b[\s,:;!.-]*)+", re.I)
_TAIL = re.compile(r"(?:[\s,;:!.-]*\b(?:thanks?|thank you|thx|ty|tks|cheers|pls|plz|please|so|asap|"
                   r"right now|rn|again|then|ok|okay|mate|team|folks|guys|\?)\b[\s?!.]*)+$", re.I)
_INNER = re.compile(r"\b(?:pls|plz|please|thx|thanks)\b", re.I)

DATE_RE = re.compile(
    r"\b(?:today|tomorrow|yesterday|tonight|this week|next week|last week|this month|next month|last month|"
    r"this year|last year|ytd|year to date|this quarter|last quarter|q[1-4](?: \d{4})?|"
    r"(?:next |this |last )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"\d{4}-\d{2}-\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?|"
    r"(?:in|last|past|next) \d+ (?:days?|weeks?|months?)|since (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"[a-z]*)\b", re.I)
PO_REF = re.compile(r"\b(?:po\s*#?\s*)?P\d{3,6}\b|\b(?:po|purchase order)\s*(?:#|no\.?|number)?\s*\d{1,6}\b", re.I)
DOC_REF = re.compile(r"\b[A-Z][A-Z0-9]{1,5}/(?:[A-Z]{2,5}/)?\d{2,6}(?:/\d{2,6}){0,2}\b", re.I)  # WH/IN/00002, PO/2026/0042
CODE_RE = re.compile(r"\b(?=[A-Za-z0-9_.-]*\d)[A-Za-z][A-Za-z0-9]*[-_][A-Za-z0-9_.-]*[A-Za-z0-9]\b")  # FURN_6667, ABC-1042
_CODE_AT = re.compile(r"[A-Za-z0-9_.\-/]+(?: \d{3,5}\b)?")
QTY_RE = re.compile(r"\b\d[\d,]*(?:\.\d+)?\b")


_SHORTHAND = ((r"tmrw|tmw|tmr|tomo|2moro|2morrow", "tomorrow"), (r"2day|tdy", "today"), (r"yday|yest", "yesterday"),
              (r"wk", "week"), (r"r", "are"), (r"u", "you"), (r"ur", "your"), (r"wh|whs|whse", "warehouse"),
              (r"recv(?:d)?|rcvd|rec'd", "received"), (r"pos", "POs"), (r"mo|mth", "month"), (r"mos|mths", "months"),
              (r"yr", "year"), (r"yrs", "years"), (r"3wm|3-wm", "three way match"), (r"invs?", "invoices"),
              (r"approx", "about"), (r"avg", "average"), (r"w/o", "without"), (r"w/", "with"),
              (r"appts?", "appointment"), (r"reqs?", "requests"))


def clean(text: str, keep: set[str] | frozenset[str] = frozenset()) -> str:
    """The request without greetings, sign-offs and politeness words, which must never become a name;
    chat shorthand spelt out ("tmrw" -> tomorrow), except words in `keep` (lower case: the connected Odoo's
    warehouse codes, so a warehouse coded WH stays WH)."""
    t = text.strip()
    for short, full in _SHORTHAND:
        def spell(m: re.Match[str], full: str = full) -> str:
            return m.group(0) if m.group(0).lower() in keep else full

        t = re.sub(rf"(?<![\w/-])(?:{short})(?![\w/-])", spell, t, flags=re.I)
    t = re.sub(r"(?:^|(?<=[\s(,;:+]))#\s*(?=[A-Za-z])", "number of ", t)  # "# open rfqs" -> "number of open rfqs"
    for _ in range(2):
        t = _LEAD.sub("", t).strip()
        t = _TAIL.sub("", t).strip()
    t = _INNER.sub(" ", t)
    return re.sub(r"\s+", " ", t).strip(" ,;") or text.strip()


@dataclass
class Span:
    start: int
    end: int
    kind: str  # product, warehouse, supplier, category, reference, date, qty
    value: str


def _alias_table(lex: Lexicon) -> list[tuple[str, str, str]]:
    """(alias, kind, canonical value) for every name the lexicon knows, longest alias first."""
    key = id(lex)
    cached = _ALIASES.get(key)
    if cached is not None and cached[0] is lex:
        return cached[1]
    rows: list[tuple[str, str, str]] = []
    for w in lex.warehouses:
        for a in {norm(str(w["name"])), *w.get("aliases", [])}:
            rows.append((a, "warehouse", str(w["code"])))
    for s in lex.suppliers:
        for a in s.get("aliases", []):
            rows.append((a, "supplier", str(s["name"])))
    for c in lex.categories:
        for a in c.get("aliases", []):
            rows.append((a, "category", str(c["name"])))
    rows = [r for r in rows if r[0]]
    rows.sort(key=lambda r: -len(r[0]))
    _ALIASES[key] = (lex, rows)
    return rows


_ALIASES: dict[int, tuple[Lexicon, list[tuple[str, str, str]]]] = {}


@lru_cache(maxsize=4096)
def _alias_re(alias: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w]){re.escape(alias)}(?![\w])")


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """Words of the router's own example bank: they are the vocabulary of requests, never misspelt names."""
    from assistant.planner.router import load_examples

    words: set[str] = set()
    for texts in load_examples().values():
        for t in texts:
            words.update(w for w in re.findall(r"[a-z]+", t.lower()))
    return frozenset(words)


def correct_names(text: str, lex: Lexicon, vocab: set[str] | None = None) -> str:
    """Rewrite misspelt warehouse and vendor names to their canonical alias ("housotn" -> "houston").

    Only words of 5+ letters that are neither request vocabulary nor product words are tried, against
    aliases of 5+ letters, and only a close match (ratio >= 85) counts: a weak match changes nothing."""
    aliases = [a for a, kind, _ in _alias_table(lex) if kind in ("warehouse", "supplier") and len(a) >= 5]
    if not aliases:
        return text
    skip = known_words() | (vocab or set())
    out = text
    for m in reversed(list(re.finditer(r"[A-Za-z][A-Za-z'-]{4,}", text))):
        word = m.group(0).lower()
        if word in skip or any(f" {word} " in f" {a} " for a in aliases):
            continue
        hit = process.extractOne(word, aliases, scorer=fuzz.ratio, score_cutoff=85)
        if hit is None:
            continue
        alias = str(hit[0])
        if " " in alias:  # a one-word typo of a multi-word alias: only its matching word
            best = max(alias.split(), key=lambda part: fuzz.ratio(word, part))
            if fuzz.ratio(word, best) < 85:
                continue
            alias = best
        out = out[:m.start()] + alias + out[m.end():]
    return out


def spans(text: str, lex: Lexicon) -> list[Span]:
    """Every entity in the text, left to right, longest first where two overlap."""
    found: list[Span] = []
    taken = [False] * (len(text) + 1)

    def add(start: int, end: int, kind: str, value: str) -> None:
        if any(taken[start:end]):
            return
        for i in range(start, end):
            taken[i] = True
        found.append(Span(start, end, kind, value))

    for m in DOC_REF.finditer(text):
        add(m.start(), m.end(), "reference", m.group(0).upper())
    for m in PO_REF.finditer(text):
        add(m.start(), m.end(), "reference", m.group(0))
    for m in DATE_RE.finditer(text):
        add(m.start(), m.end(), "date", m.group(0).lower())
    for m in CODE_RE.finditer(text):
        add(m.start(), m.end(), "product", m.group(0))
    for pos, code in lex.products_in(text):
        if pos >= 0 and (end := lex.code_end(text, pos)):
            add(pos, end, "product", code)
            continue
        at = _CODE_AT.match(text, pos) if pos >= 0 and re.search(r"\d", code) else None
        if at:
            add(at.start(), at.end(), "product", code)
    low = text.lower()
    for alias, kind, value in _alias_table(lex):
        for m in _alias_re(alias).finditer(low):
            add(m.start(), m.end(), kind, value)
    for start, end, vendor in lex.proper_suppliers(text):  # "Is Ready reliable?" (a vendor written as a name)
        add(start, end, "supplier", vendor)
    kept = lex.codes_kept()
    for w in lex.warehouses:  # codes in capitals ("at RTM"); in lower case too when the company uses it ("wh:")
        code = str(w["code"])
        flags = re.I if code.lower() in kept else 0
        for m in re.finditer(rf"(?<![\w/-]){re.escape(code)}(?![\w/-])", text, flags):
            add(m.start(), m.end(), "warehouse", code)
    name = lex._product_name(text)
    hit = re.search(re.escape(norm(name)).replace(r"\ ", r"\W+"), low) if name else None
    if name and hit:
        add(hit.start(), hit.end(), "product", name)
    for start, end, value, _n in lex.product_spans(text):  # names in part or other words ("claw hammer 16 oz")
        add(start, end, "product", value)
    _product_runs(text, lex, add)
    for m in QTY_RE.finditer(text):
        add(m.start(), m.end(), "qty", m.group(0))
    found.sort(key=lambda s: s.start)
    return found


def _product_runs(text: str, lex: Lexicon, add: Callable[[int, int, str, str], None]) -> None:
    """Runs of words that all occur in product names and are not request words ("wire connectors")."""
    from assistant.planner.intents import _product_vocab, _stem

    vocab = _product_vocab(lex)
    request = known_words()
    run: list[re.Match[str]] = []
    for m in [*re.finditer(r"[A-Za-z][\w'-]*", text), None]:
        w = m.group(0).lower() if m else ""
        if m and len(w) >= 3 and _stem(w) in vocab and w not in request and _stem(w) not in request:
            run.append(m)
            continue
        if run:
            add(run[0].start(), run[-1].end(), "product", text[run[0].start():run[-1].end()])
        run = []


def delexicalise(text: str, found: list[Span]) -> str:
    """The text with each entity replaced by its {placeholder}."""
    out = text
    for s in sorted(found, key=lambda s: -s.start):
        out = out[:s.start] + "{" + s.kind + "}" + out[s.end:]
    return out
