"""The offline reader of a supplier e-mail: its kind and the facts in it, each with the sentence it came from.

Kinds: confirmation, delay (a new ETA), partial (a partial shipment), price (a price change), quality (a
complaint or defect), invoice, other. Rules in English, Dutch, German and French decide the kind; facts are
the new date, quantities, prices and percentages.

Dates are never guessed. Month names (any of the four languages) are read by dateparser; numeric dates
by their separator and the sender's locale: `03.12.` is day-month everywhere; `12/03` is month/day only
for a sender Odoo records as US (language en_US or country US), day/month for one recorded elsewhere, and
no date at all when neither is known and both numbers could be a month. A year left out is the one that
puts the date nearest the mail's own date. The ETA is the last date of the sentence announcing the new
date, skipping dates marked as the old one ("original date of ...", "instead of ...").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

DateOrder = Literal["MDY", "DMY", ""]
KINDS = ("confirmation", "delay", "partial", "price", "quality", "invoice", "other")

_KIND_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("quality", re.compile(
        r"\b(defect\w*|damaged|damage|quality (?:issue|problem|complaint)|complaint|broken|contaminat\w*|"
        r"excursion|out of spec|non-?conform\w*|rma\b|recall|beschadigd\w*|kwaliteitsprobleem|klacht|defect|"
        r"besch(?:ä|ae)digt|reklamation|qualit(?:ä|ae)tsm(?:ä|ae)ngel|mangelhaft|d(?:é|e)faut|endommag\w*|"
        r"non conforme)\b", re.I)),
    ("partial", re.compile(
        r"\b(partial(?:ly)?(?: shipment| delivery| shipped)?|short[- ]shipped|split shipment|balance (?:will|to) "
        r"follow|balance of \d[\d,.]* \w+ will follow|shipped \d[\d,.]* of \d|remaining (?:qty|quantity|units|balance)|shipped only|backorder(?:ed)? (?:balance|remainder)|"
        r"deellevering|gedeeltelijk\w*|restant|teillieferung|restmenge|livraison partielle|reliquat)\b", re.I)),
    ("delay", re.compile(
        r"\b(delay\w*|late|behind schedule|push(?:ed)? (?:back|out)|postpon\w*|new (?:eta|ship date|delivery date|"
        r"estimated delivery)|revised (?:eta|date|delivery)|will not make|won't make|running behind|reschedul\w*|"
        r"vertraging|vertraagd|later geleverd|nieuwe leverdatum|\w*verz(?:ö|oe)ger\w*|\w*versp(?:ä|ae)t\w*|"
        r"neue[rn]? liefertermin|retard\w*|report(?:é|e)e?|nouvelle date)\b", re.I)),
    ("price", re.compile(
        r"\b(price (?:increase|adjustment|change|update|list)|prices? (?:will )?(?:increase|rise|go up)|surcharge|"
        r"new (?:price|pricing)|pricing update|cost increase|raise (?:our )?prices|"
        r"prijsverhoging|prijswijziging|nieuwe prijzen|preiserh(?:ö|oe)hung|neue preise|preis(?:ä|ae)nderung|"
        r"augmentation (?:de|des) (?:prix|tarifs)|nouveaux tarifs|hausse (?:de|des) prix)\b", re.I)),
    ("invoice", re.compile(
        r"\b(invoice|factuur|rechnung|facture|credit note|creditnota|gutschrift)\b", re.I)),
    ("confirmation", re.compile(
        r"\b(confirm\w*|acknowledg\w*|on track|on schedule|as planned|order (?:is )?accepted|"
        r"received your (?:po|order)|bevestig\w*|best(?:ä|ae)tig\w*|auftragsbest(?:ä|ae)tigung|"
        r"confirm(?:ons|ation)|accus(?:é|e) de r(?:é|e)ception)\b", re.I)),
)
INJECTION = re.compile(
    r"\b(ignore (?:all |any |the )?(?:previous|prior|above|earlier) (?:instructions|messages)|you are now|"
    r"system prompt|(?:assistant|ai|bot)[:,] (?:please )?(?:confirm|approve|cancel|create|send)|"
    r"(?:confirm|approve|cancel) (?:po|purchase order|the order) \S+ (?:now|immediately)|"
    r"(?:approve|confirm) (?:all|every) (?:pending )?(?:proposals|orders|pos))", re.I)

_NEW_MARK = re.compile(
    r"(new (?:estimated )?(?:eta|delivery|ship|arrival|date)|revised|estimate\b|estimate for|says it|now (?:expect|plan|estimate)|eta\b|"
    r"expected (?:delivery|arrival|on)|estimated (?:delivery|arrival)|will (?:now )?(?:arrive|deliver|ship|be "
    r"(?:delivered|there|with you))|deliver(?:ed|y)? (?:by|on)|arriv\w* (?:by|on)|land\w* (?:by|on)|"
    r"pushed (?:to|out to)|moved to|rescheduled (?:to|for)|balance (?:will )?follow|delivery window|"
    r"follow(?:s|ing)? (?:by|on)|nieuwe (?:lever)?datum|verwachte (?:levering|leverdatum)|geleverd (?:op|rond)|"
    r"levering (?:op|volgt)|leveren (?:op|we)|neue[rn]? (?:liefer)?termin|voraussichtlich|lieferung (?:am|erfolgt)|"
    r"geliefert (?:am|werden)|liefern (?:wir )?(?:am|bis)|nouvelle date|livraison (?:pr(?:é|e)vue|le)|"
    r"livr(?:é|e)e?s? le|arriveront|ship date|lands?\b)", re.I)
_OLD_MARK = re.compile(
    r"(original(?:ly)?(?: date)?(?: of| for| due)?(?: on)?|was due(?: on)?|instead of|in place of|planned (?:for|on)|"
    r"from|oorspronkelijk(?:e)?(?: datum)?(?: van)?|in plaats van|i\.p\.v\.|ursprünglich(?: geplant)?(?: für| am)?|"
    r"statt|anstelle|initialement(?: prévue)?(?: le| pour)?|au lieu du?)\s*(?:the |de |den |le |am )?$", re.I)

MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
          "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
          "januari|februari|maart|mei|juni|juli|augustus|oktober|"
          "januar|februar|m(?:ä|ae)rz|mai|oktober|dezember|"
          "janvier|f(?:é|e)vrier|mars|avril|juin|juillet|ao(?:û|u)t|septembre|octobre|novembre|d(?:é|e)cembre|"
          "okt|dez|mrt|d(?:é|e)c")
_NAMED = re.compile(
    rf"(?<!\w)(?:\d{{1,2}}(?:st|nd|rd|th|e|er)?\.?\s+(?:{MONTHS})\.?(?:,?\s+\d{{4}})?|"
    rf"(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?)(?!\w)", re.I)
_ISO = re.compile(r"(?<![\d/.-])(\d{4})-(\d{2})-(\d{2})(?![\d])")
_NUMERIC = re.compile(r"(?<![\w/.,$€£-])(\d{1,2})([./-])(\d{1,2})(?:\2(\d{4}|\d{2}))?(?![\d/]|[.,]\d)")
_MONEY = re.compile(r"(?:[$€£]\s?\d[\d,.]*|\d[\d,.]*\s?(?:USD|EUR|GBP|\$|€|£))")
_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s?%")
_QTY = re.compile(r"(?<![\w.$€£])(\d[\d,.]*)\s?(units?|pcs|pieces|cases?|boxes|pallets?|cartons?|rolls?|x\b|"
                  r"stuks?|st(?:ü|ue)ck|dozens?|dozijn|colis|pi(?:è|e)ces)", re.I)


@dataclass
class Understanding:
    kind: str
    facts: dict[str, Any] = field(default_factory=dict)
    quote: str = ""
    injection: bool = False
    by: str = "offline"


_WORDS = {
    "nl": re.compile(r"\b(de|het|een|wij|uw|levering|bestelling|niet|voor|met|op)\b", re.I),
    "de": re.compile(r"\b(der|die|das|wir|ihre?|lieferung|bestellung|nicht|für|mit|am)\b", re.I),
    "fr": re.compile(r"\b(le|la|les|nous|votre|livraison|commande|pas|pour|avec)\b", re.I),
    "en": re.compile(r"\b(the|we|your|delivery|order|not|for|with|will)\b", re.I),
}


def text_language(text: str) -> str:
    """'nl', 'de', 'fr', 'en' by common words, '' when too short to tell."""
    counts = {k: len(rx.findall(text)) for k, rx in _WORDS.items()}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] >= 3 else ""


def date_order_for(lang: str = "", country: str = "", language_header: str = "", text: str = "") -> DateOrder:
    """'MDY' for a US sender, 'DMY' for any other known locale, '' when nothing is known. The vendor's
    country (Odoo) decides first, then the mail's Content-Language, then the language the mail is written in
    (a Dutch, German or French text writes day first), then the vendor's language in Odoo."""
    lang, country, header = (lang or "").replace("-", "_"), (country or "").upper(), (language_header or "").lower()
    if country:
        return "MDY" if country == "US" else "DMY"
    if header:
        return "MDY" if header == "en-us" else "DMY"
    if text and text_language(text) in ("nl", "de", "fr"):
        return "DMY"
    if lang:
        return "MDY" if lang == "en_US" else "DMY"
    return ""


def _sentences(text: str) -> list[str]:
    parts: list[str] = []
    for line in text.splitlines():
        parts += re.split(r"(?<=[a-zA-Z)\]])[.!?]\s+|(?<=[a-zA-Z)\]])[;]\s+", line)
    return [p.strip() for p in parts if p.strip()]


def _year_near(month: int, day: int, base: date) -> date | None:
    best: date | None = None
    for y in (base.year - 1, base.year, base.year + 1):
        try:
            d = date(y, month, day)
        except ValueError:
            continue
        if best is None or abs((d - base).days) < abs((best - base).days):
            best = d
    return best


def _numeric(m: re.Match[str], order: DateOrder, base: date) -> date | None:
    a, sep, b, year = int(m.group(1)), m.group(2), int(m.group(3)), m.group(4)
    if sep == ".":
        day, month = a, b
    elif order == "MDY":
        month, day = a, b
    elif order == "DMY" or a > 12 >= b:
        day, month = a, b
    elif b > 12 >= a:
        month, day = a, b
    elif a == b:
        day = month = a
    else:
        return None  # 12/03 from a sender of unknown locale: ambiguous, no date
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    if year:
        y = int(year) + (2000 if len(year) == 2 else 0)
        try:
            return date(y, month, day)
        except ValueError:
            return None
    return _year_near(month, day, base)


def _named(text: str, base: date) -> date | None:
    import dateparser

    got = dateparser.parse(text, languages=["en", "nl", "de", "fr"],
                           settings={"REQUIRE_PARTS": ["day", "month"], "PREFER_DAY_OF_MONTH": "first",
                                     "RELATIVE_BASE": datetime.combine(base, datetime.min.time())})
    if got is None:
        return None
    if not re.search(r"\d{4}", text):
        return _year_near(got.month, got.day, base)
    return got.date()


def dates_in(sentence: str, order: DateOrder, base: date) -> list[tuple[int, date | None]]:
    """(position, date or None when unreadable/ambiguous) of every date expression in the sentence."""
    found: list[tuple[int, int, date | None]] = []
    taken: list[tuple[int, int]] = []
    for m in _ISO.finditer(sentence):
        try:
            found.append((m.start(), m.end(), date(int(m.group(1)), int(m.group(2)), int(m.group(3)))))
        except ValueError:
            found.append((m.start(), m.end(), None))
        taken.append((m.start(), m.end()))
    for m in _NAMED.finditer(sentence):
        if any(s <= m.start() < e for s, e in taken):
            continue
        found.append((m.start(), m.end(), _named(m.group(0), base)))
        taken.append((m.start(), m.end()))
    for m in _NUMERIC.finditer(sentence):
        if any(s <= m.start() < e for s, e in taken):
            continue
        after = sentence[m.end():m.end() + 2]
        if "%" in after:
            continue
        found.append((m.start(), m.end(), _numeric(m, order, base)))
    return [(s, d) for s, _e, d in sorted(found, key=lambda x: x[0])]


def new_date(text: str, order: DateOrder, base: date) -> tuple[date | None, str, bool]:
    """(the announced new date, its sentence, ambiguous?) from a message's text."""
    ranked: list[tuple[int, int, str]] = []
    for i, s in enumerate(_sentences(text)):
        if not dates_in(s, order, base):
            continue
        ranked.append((0 if _NEW_MARK.search(s) else 1, i, s))
    ambiguous = False
    for _rank, _i, s in sorted(ranked):
        cands = dates_in(s, order, base)
        keep = [(pos, d) for pos, d in cands if not _OLD_MARK.search(s[max(0, pos - 40):pos])]
        if not keep:
            continue
        pos, d = keep[-1]
        if d is None:
            ambiguous = True
            continue
        return d, s, False
    return None, "", ambiguous


def kind_of(text: str) -> str:
    for kind, rx in _KIND_RULES:
        if rx.search(text):
            return kind
    return "other"


def understand(subject: str, body: str, *, attachments_text: str = "", order: DateOrder = "",
               sent: datetime | None = None, thread_kind: str = "") -> Understanding:
    """The kind and facts of one message (offline). `order` from `date_order_for`; `sent` anchors years;
    `thread_kind` is the kind of the message this one answers (a reply "yes, it lands on the 18th" carries on
    the delay it answers)."""
    base = (sent or datetime.now()).date()
    text = f"{subject}\n{body}"
    kind = kind_of(body)
    if kind == "other" and thread_kind in ("delay", "partial", "confirmation") and new_date(body, order, base)[0]:
        kind = thread_kind
    if kind == "other":
        kind = kind_of(text)
    if kind == "other" and attachments_text:
        kind = kind_of(attachments_text)
    facts: dict[str, Any] = {}
    quote = ""
    if kind in ("delay", "partial", "confirmation"):
        eta, sentence, ambiguous = new_date(f"{body}\n{attachments_text}" if kind == "confirmation" else body,
                                            order, base)
        if eta is None and not ambiguous:
            eta, sentence, ambiguous = new_date(subject, order, base)
        if eta is not None:
            facts["eta"] = eta.isoformat()
            quote = sentence
        elif ambiguous:
            facts["date_unclear"] = True
    quantities = [{"qty": q.group(1), "unit": q.group(2)} for q in _QTY.finditer(body)][:10]
    if quantities:
        facts["quantities"] = quantities
    prices = [m.group(0).strip() for m in _MONEY.finditer(body)][:10]
    if prices:
        facts["prices"] = prices
    pct = [m.group(1) for m in _PERCENT.finditer(body)][:5]
    if pct and kind == "price":
        facts["percent"] = pct
    if not quote:
        rx = dict(_KIND_RULES).get(kind)
        for s in _sentences(body) or _sentences(subject):
            if rx is None or rx.search(s):
                quote = s
                break
    return Understanding(kind=kind, facts=facts, quote=quote[:400], injection=bool(INJECTION.search(text)))
