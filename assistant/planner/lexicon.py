"""The names the offline planner recognises in a sentence, loaded from Odoo once and cached.

Why: "how many nitrile gloves at Houston" must find a product, a warehouse and nothing else without
an LLM. We scan the sentence for known warehouse codes/names/cities, vendor names (and their
distinctive first word), product codes and product names. The tools resolve the words again,
authoritatively, so the planner only has to pick the right words, not the right record ids.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from tools.odoo.client import OdooClient

_SUFFIXES = re.compile(r"\b(co|company|inc|llc|ltd|corp|corporation|supply|supplies|distributors|"
                       r"products|&)\b\.?", re.I)
# first words too common in English (or in business names) to stand for one vendor on their own
_COMMON = {"the", "blue", "red", "green", "general", "global", "united", "first", "national", "american",
           "international", "central", "north", "south", "east", "west", "best", "quality", "premier",
           "standard", "prime", "star", "alpha", "golden", "silver", "royal", "city", "metro", "new", "great",
           "pacific", "wood", "steel", "ready", "smart", "total", "open", "late"}
# words that occur in product names ("Cabinet with Doors") without naming a product
_FUNCTION_WORDS = {"with", "and", "for", "the", "from", "that", "this", "what", "have", "has", "been", "into",
                   "over", "than", "them", "they", "your", "our", "when", "where", "which", "about", "there",
                   "their", "does", "will", "going", "are", "was", "not", "any", "all", "how", "who", "its"}
# words of warehouse names that say what kind of site it is, not where: "Houston Gulf DC" -> "houston gulf"
_SITE_WORDS = re.compile(r"\b(dc|hub|warehouse|wh|depot|site|center|centre|distribution|fulfil+ment|"
                         r"north|south|east|west|central|main|store|stores|the|of)\b", re.I)
_PRODUCT_CODE = re.compile(r"\b([A-Z]{3})[- ]?(\d{3,5})\b", re.I)
DEFAULT_TZ = "UTC"  # only when no Odoo is read (tests); load_lexicon takes the company's timezone from Odoo


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w&./-]+", " ", text.lower())).strip()


@dataclass
class Lexicon:
    warehouses: list[dict[str, Any]] = field(default_factory=list)  # {name, code}
    suppliers: list[dict[str, Any]] = field(default_factory=list)  # {name, aliases}
    products: list[dict[str, Any]] = field(default_factory=list)  # {name, code, norm, uom?}
    categories: list[dict[str, Any]] = field(default_factory=list)  # {name, full, aliases}
    tz: str = DEFAULT_TZ  # the company's timezone (Odoo user context), for "today"
    po_formats: list[Any] = field(default_factory=list)  # RefFormat: how this Odoo numbers POs
    receipt_formats: list[Any] = field(default_factory=list)  # RefFormat: how it numbers receipts
    # first words of vendor names that are also common words ("Wood Corner", "Ready Mat"): a vendor only when
    # written as a name — capitalised and not the first word of the message ("Is Ready reliable?")
    proper_firsts: dict[str, str] = field(default_factory=dict)
    shared_firsts: frozenset[str] = frozenset()  # those of them that are product or variant words too
    product_words: frozenset[str] = frozenset()
    _code_index: dict[str, str] | None = field(default=None, repr=False, compare=False)
    _loose_index: dict[str, str] | None = field(default=None, repr=False, compare=False)
    _spaced: list[tuple[re.Pattern[str], str]] | None = field(default=None, repr=False, compare=False)
    _tok_index: list[tuple[int, frozenset[str]]] | None = field(default=None, repr=False, compare=False)
    _tokens: frozenset[str] | None = field(default=None, repr=False, compare=False)
    _names_re: tuple[re.Pattern[str] | None, re.Pattern[str] | None] | None = field(default=None, repr=False,
                                                                                 compare=False)
    _span_memo: dict[str, list[tuple[int, int, str, int]]] = field(default_factory=dict, repr=False, compare=False)
    _variants: frozenset[str] | None = field(default=None, repr=False, compare=False)

    # -- finders: each returns the words to hand to the tool, or None --------------------------
    def references(self, text: str) -> dict[str, str]:
        """PO and receipt references written the way this Odoo numbers them (read from its sequences:
        'PO/2026/00042', 'WH/IN/00002', 'EIN/ONT/00001'), as {"reference": ..., "receipt": ...}."""
        out: dict[str, str] = {}
        for slot, formats in (("receipt", self.receipt_formats), ("reference", self.po_formats)):
            best = ""
            for f in formats:
                for m in f.pattern().finditer(text):
                    glued = (m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] == "/")) or \
                        (m.end() < len(text) and (text[m.end()].isalnum() or text[m.end()] == "/"))
                    if not glued and len(m.group(0)) > len(best):
                        best = _as_odoo_spells(f, m.group(0))
            if best and best.upper() not in {v.upper() for v in out.values()}:
                out[slot] = best
        return out

    def codes_kept(self) -> frozenset[str]:
        """Warehouse codes (lower case) that chat shorthand must not rewrite ('wh' is not 'warehouse' here)."""
        return frozenset(str(w.get("code") or "").lower() for w in self.warehouses if w.get("code"))

    def short_po_names(self, number: str) -> list[str]:
        """What 'po 42' means under this Odoo's numbering ('P00042', 'PO/2026/00042', …)."""
        from tools.odoo.resolve import po_names

        return po_names(number, self.po_formats or None)

    # -- examples for help texts and questions back, from this Odoo's own records (never a demo business; a
    # placeholder such as "<PO>" would vanish in a web page or Slack message, so a missing example is omitted) --
    def example_product(self) -> str | None:
        """A product code people can type here (the first coded purchasable product), else a product name."""
        coded = next((str(p["code"]) for p in self.products if p.get("code")), None)
        return coded or (str(self.products[0]["name"]) if self.products else None)

    def example_vendor(self, n: int = 0) -> str | None:
        return str(self.suppliers[min(n, len(self.suppliers) - 1)]["name"]) if self.suppliers else None

    def example_warehouse(self) -> str | None:
        return str(self.warehouses[0]["code"]) if self.warehouses else None

    def _example_ref(self, formats: list[Any], number: int) -> str | None:
        from datetime import datetime
        from zoneinfo import ZoneInfo

        try:
            year = datetime.now(ZoneInfo(self.tz)).year
        except Exception:  # noqa: BLE001 - an unknown zone name: UTC's year
            year = datetime.now().year
        for f in formats:
            refs = f.expand(number, (year,))
            if refs:
                return str(refs[0])
        return None

    def example_po(self) -> str | None:
        """A PO reference in this Odoo's numbering ('P00012', 'PO/2026/00012'); None when it was not read."""
        return self._example_ref(self.po_formats, 12)

    def example_receipt(self) -> str | None:
        """A receipt reference in this Odoo's numbering ('WH/IN/00012'); None when it was not read."""
        return self._example_ref(self.receipt_formats, 12)

    def uses_default_po_numbering(self) -> bool:
        """Odoo's default 'P' + digits (or numbering not read): a bare 'P01636' is a PO reference."""
        return not self.po_formats or any(str(f.prefix).upper() == "P" for f in self.po_formats)

    def warehouse(self, text: str) -> str | None:
        hits = self.warehouses_in(text)
        return hits[0] if hits else None

    def warehouses_in(self, text: str) -> list[str]:
        """Warehouse codes mentioned, in order of appearance."""
        found: list[tuple[int, str]] = []
        low = f" {norm(text)} "
        for w in self.warehouses:
            code = str(w["code"])
            m = re.search(rf"\b{re.escape(code)}\b", text)
            if m:
                found.append((m.start(), code))
                continue
            for alias in {norm(w["name"]), *w.get("aliases", [])}:
                pos = low.find(f" {alias} ")
                if alias and pos >= 0:
                    found.append((pos, code))
                    break
        found.sort()
        seen: list[str] = []
        for _, code in found:
            if code not in seen:
                seen.append(code)
        return seen

    def supplier(self, text: str) -> str | None:
        low = f" {norm(text)} "
        best: tuple[int, str] | None = None
        for s in self.suppliers:
            for alias in s["aliases"]:
                if f" {alias} " in low and (best is None or len(alias) > best[0]):
                    best = (len(alias), s["name"])
        if best is None and (named := self.proper_suppliers(text)):
            return named[0][2]
        return best[1] if best else None

    def proper_suppliers(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, vendor) where a common-word vendor first word is written as a name: capitalised, not
        the message's (or a sentence's) first word, and not all capitals."""
        if not self.proper_firsts:
            return []
        out = []
        for m in re.finditer(r"\b([A-Z][a-z]{3,})\b", text):
            word = m.group(1).lower()
            vendor = self.proper_firsts.get(word)
            before = text[:m.start()].rstrip()
            if not vendor or not before or before[-1] in ".!?:;\n\"'(":
                continue
            if word in self.shared_firsts and any(  # "Wood screens": the variant, not the vendor
                    w != word and w in self.product_words and w not in _FUNCTION_WORDS
                    for w in re.findall(r"[a-z]{3,}", text.lower())):
                continue
            out.append((m.start(), m.end(), vendor))
        return out

    def product(self, text: str) -> str | None:
        hits = self.products_in(text)
        return hits[0][1] if hits else None

    def products_in(self, text: str) -> list[tuple[int, str]]:
        """(position, code) of every product code in the text, in order, spelt as Odoo spells it
        ("furn_6667" -> FURN_6667, "abc1042" -> ABC-1042 when that code exists); else the longest product
        name found, as one hit. A code-like token Odoo does not know is passed on verbatim."""
        known = self._codes()
        hits: list[tuple[int, str]] = self._spaced_codes_in(text)
        covered = [(pos, pos + len(code)) for pos, code in hits]
        for m in re.finditer(r"[A-Za-z0-9][A-Za-z0-9_.\-/]*[A-Za-z0-9]", text):
            tok = m.group(0)
            if any(a <= m.start() < b for a, b in covered):
                continue
            if tok.lower() in known:
                hits.append((m.start(), known[tok.lower()]))
            elif re.search(r"\d", tok) and (loose := self._loose_codes().get(re.sub(r"[\W_]+", "", tok.lower()))):
                hits.append((m.start(), loose))  # 'ecom12' -> E-COM12: the only code with those letters and digits
        taken = {pos for pos, _ in hits}
        for m in _PRODUCT_CODE.finditer(text):
            if re.fullmatch(r"(?i)in|bill", m.group(1)) or any(m.start() <= p < m.end() for p in taken):
                continue
            squashed = f"{m.group(1)}{m.group(2)}".lower()
            code = known.get(f"{m.group(1)}-{m.group(2)}".lower()) or known.get(squashed) or \
                known.get(f"{m.group(1)}_{m.group(2)}".lower()) or known.get(f"{m.group(1)}.{m.group(2)}".lower())
            if code or not known:
                hits.append((m.start(), code or f"{m.group(1).upper()}-{m.group(2)}"))
        if not hits:
            for m in re.finditer(r"\b(?=[A-Za-z0-9_.-]*\d)[A-Za-z]+[_.-]?\d[A-Za-z0-9_.-]*\b", text):
                tok = m.group(0)
                if ("_" in tok or re.fullmatch(r"[A-Za-z]{2,6}[-_.]\d{2,}[A-Za-z0-9_.-]*", tok)) \
                        and not re.fullmatch(r"(?i)p\d+|q[1-4]|\d+[a-z]*", tok):
                    hits.append((m.start(), tok))
        if hits:
            return sorted(hits)
        name = self._product_name(text)
        if name:
            return [(norm(text).find(norm(name)), name)]
        found = self.product_spans(text)
        return [(start, value) for start, _end, value, _n in found[:1]]

    def _spaced_codes_in(self, text: str) -> list[tuple[int, str]]:
        """(position, code) of the codes Odoo spells with a space ("CLN-Degreaser 5L", "cup 12oz"): a token
        scan would cut them in two. Matched whole, any case, spaces as typed (one or more)."""
        if self._spaced is None:
            codes = sorted((str(p["code"]) for p in self.products if p.get("code") and " " in str(p["code"]).strip()),
                           key=len, reverse=True)
            self._spaced = [(re.compile(r"(?<![\w])" + r"\s+".join(re.escape(part) for part in c.split())
                                        + r"(?![\w])", re.I), c) for c in codes]
        out: list[tuple[int, str]] = []
        for pattern, code in self._spaced:
            for m in pattern.finditer(text):
                if not any(p <= m.start() < p + len(c) for p, c in out):
                    out.append((m.start(), code))
        return out

    def code_end(self, text: str, pos: int) -> int | None:
        """Where the product code starting at `pos` ends (a code with a space included)."""
        for pattern, _code in self._spaced or []:
            if m := pattern.match(text, pos):
                return m.end()
        return None

    def product_spans(self, text: str) -> list[tuple[int, int, str, int]]:
        """Product names written in part or in other words ("nitrile exam gloves size L", "kitchen degreaser
        5 l", "claw hammer 16 oz"): (start, end, value, products matched), longest first.

        A span is a run of words that all occur in one product name (units glued or not: "5 l" = "5L"),
        starting on a distinctive product word, never on a warehouse, vendor or category name, and cut back
        until some product has every word. One product has them all -> its code (or name): a sure match.
        Several -> the words as typed, for the tool to resolve or list the candidates (never a guess)."""
        if (hit := self._span_memo.get(text)) is not None:
            return list(hit)
        if len(self._span_memo) > 512:
            self._span_memo.clear()
        found = self._product_spans(text)
        self._span_memo[text] = found
        return list(found)

    def _product_spans(self, text: str) -> list[tuple[int, int, str, int]]:
        index = self._token_index()
        if not index:
            return []
        blocked = self._name_spans(text)
        toks = [(m.start(), m.end(), m.group(0).lower()) for m in re.finditer(r"[A-Za-z0-9]+", text)
                if not any(a <= m.start() < b for a, b in blocked)]
        out: list[tuple[int, int, str, int]] = []
        i = 0
        while i < len(toks):
            if not self._anchor(toks[i][2]):
                i += 1
                continue
            best: tuple[int, list[int]] | None = None
            j = i
            words: list[str] = []
            while j < len(toks) and (j == i or _gap_ok(text[toks[j - 1][1]:toks[j][0]])):
                words.append(_pstem(toks[j][2]))
                matched = self._matching(words)
                if not matched:
                    break
                best = (j, matched)
                j += 1
            if best is None:
                i += 1
                continue
            end_j, matched = best
            while end_j > i and not self._anchor(toks[end_j][2]) and not re.search(r"\d", toks[end_j][2]) \
                    and len(toks[end_j][2]) > 2:
                end_j -= 1  # a trailing common word ("gloves for") is not part of the name
            matched = self._matching([_pstem(t[2]) for t in toks[i:end_j + 1]])
            start, end = toks[i][0], toks[end_j][1]
            typed = {_pstem(t[2]) for t in toks[i:end_j + 1]}
            if end_j == i and toks[i][2] in self._variant_words():
                i = end_j + 1  # "white" alone: a colour/variant of some product, never a product of its own
                continue
            if len(matched) == 1 and _name_tokens(str(self.products[matched[0]]["name"])) <= typed | _glued(typed):
                p = self.products[matched[0]]  # the whole name, only spelt differently ("5 l" for "5L")
                value = str(p.get("code") or p["name"])
            else:
                value = self._as_named(text[start:end])  # part of a name: the tool resolves it, or lists them
            out.append((start, end, value, len(matched)))
            i = end_j + 1
        out.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
        return out

    def _variant_words(self) -> frozenset[str]:
        """Words that only tell variants apart: a qualifier in brackets in Odoo's product names ("Screen
        (White)") and colour words, unless some product's name starts with the word ("White Wine Glass")."""
        if self._variants is None:
            found: set[str] = set(_COLOURS)
            firsts: set[str] = set()
            for p in self.products:
                name = str(p.get("name") or "").lower()
                firsts.update(re.findall(r"[a-z]+", name)[:1])
                for q in re.findall(r"\(([^()]*)\)", name):
                    found.update(w for w in re.findall(r"[a-z]+", q) if len(w) >= 3)
            self._variants = frozenset(found - firsts)
        return self._variants

    def _as_named(self, typed: str) -> str:
        """Words typed in the plural ("screens", "chairs") as Odoo's names spell them, when only the singular
        occurs in a product name: the tool then finds the products (or lists them) instead of none."""
        low = " ".join(typed.lower().split())
        names = [str(p.get("norm") or norm(str(p.get("name") or ""))) for p in self.products]
        if any(low in n for n in names):
            return typed
        single = " ".join(_pstem(w) for w in low.split())
        return single if single != low and any(single in n for n in names) else typed

    def _anchor(self, word: str) -> bool:
        """A word that can start a product name in a request: in some product's name, 3+ letters, and not a
        word of requests themselves ("stock", "order", "low", "open")."""
        from assistant.planner.slots import known_words

        w = word.lower()
        return (len(w) >= 3 and w.isalpha() and _pstem(w) in self._all_tokens() and w not in known_words()
                and _pstem(w) not in known_words() and w not in _FUNCTION_WORDS and w not in _NOT_NAME)

    def _matching(self, words: list[str]) -> list[int]:
        index = self._token_index()
        need = set(words)
        return [i for i, toks in index if need <= toks]

    def _all_tokens(self) -> frozenset[str]:
        if self._tokens is None:
            self._tokens = frozenset(t for _i, toks in self._token_index() for t in toks)
        return self._tokens

    def _token_index(self) -> list[tuple[int, frozenset[str]]]:
        if self._tok_index is None:
            self._tok_index = [(i, frozenset(_name_tokens(f"{p['name']} {p.get('code') or ''}")))
                               for i, p in enumerate(self.products)]
        return self._tok_index

    def _name_spans(self, text: str) -> list[tuple[int, int]]:
        """Where warehouse, vendor and category names are written: never part of a product span."""
        if self._names_re is None:  # one pattern for every name (compiled once: hundreds of aliases)
            aliases = [a for w in self.warehouses for a in (*w.get("aliases", []), norm(str(w.get("name") or "")))]
            aliases += [a for s in self.suppliers for a in s.get("aliases", [])]
            aliases += [a for c in self.categories for a in c.get("aliases", [])]
            alts = sorted({re.escape(a) for a in aliases if a and len(a) >= 3}, key=len, reverse=True)
            codes = sorted({re.escape(str(w["code"])) for w in self.warehouses if w.get("code")}, key=len, reverse=True)
            self._names_re = (re.compile(rf"(?<![\w])(?:{'|'.join(alts)})(?![\w])") if alts else None,
                              re.compile(rf"(?<![\w/-])(?:{'|'.join(codes)})(?![\w/-])") if codes else None)
        names, codes_re = self._names_re
        out: list[tuple[int, int]] = []
        if names is not None:
            out += [(m.start(), m.end()) for m in names.finditer(text.lower())]
        if codes_re is not None:
            out += [(m.start(), m.end()) for m in codes_re.finditer(text)]
        for start, end, _v in self.proper_suppliers(text):
            out.append((start, end))
        return out

    def _loose_codes(self) -> dict[str, str]:
        """Codes by their letters and digits alone, where only one code has them."""
        if self._loose_index is None:
            seen: dict[str, list[str]] = {}
            for p in self.products:
                if p.get("code"):
                    seen.setdefault(re.sub(r"[\W_]+", "", str(p["code"]).lower()), []).append(str(p["code"]))
            self._loose_index = {k: v[0] for k, v in seen.items() if len(set(v)) == 1 and k}
        return self._loose_index

    def _codes(self) -> dict[str, str]:
        if self._code_index is None:
            self._code_index = {str(p["code"]).lower(): str(p["code"]) for p in self.products if p.get("code")}
        return self._code_index

    def product_info(self, code_or_name: str) -> dict[str, Any] | None:
        key = code_or_name.lower()
        return next((p for p in self.products if str(p.get("code") or "").lower() == key
                     or str(p["name"]).lower() == key), None)

    def warehouse_names(self) -> str:
        return ", ".join(f"{w['name']} ({w['code']})" for w in self.warehouses)

    def _product_name(self, text: str) -> str | None:
        low = f" {norm(text)} "
        best: tuple[int, str] | None = None
        for p in self.products:
            name = p["norm"]
            if name and f" {name} " in low and (best is None or len(name) > best[0]):
                best = (len(name), p["name"])
        return best[1] if best else None


#: colour words: a variant of a product, never a product on their own
_COLOURS = frozenset({"white", "black", "red", "blue", "green", "yellow", "grey", "gray", "orange", "purple", "pink",
                      "brown", "silver", "gold", "beige", "clear", "transparent", "natural", "wood", "oak", "walnut"})
# words of product names that never start one in a request ("the low ones", "all items")
_NOT_NAME = {"low", "high", "new", "all", "each", "per", "set", "kit", "item", "items", "product", "products", "size",
             "pack", "case", "box", "one", "two", "more", "less", "most", "best", "top", "open", "stock",
             "min", "max", "minimum", "maximum", "reorder", "below", "above", "under", "over", "late", "due", "left"}
_UNIT_GLUE = re.compile(r"(\d)\s+(ct|pcs?|pk|oz|fl|l|ml|cl|dl|cm|mm|m|kg|g|mg|lbs?|in|ft|gal|qt|v|w|mah|x)\b")


def _pstem(word: str) -> str:
    w = word.lower()
    return w[:-1] if len(w) > 3 and w.isalpha() and w.endswith("s") and not w.endswith("ss") else w


def _name_tokens(name: str) -> set[str]:
    """The words of a product name as people may type them: each word (stemmed), numbers with their unit
    glued and apart ("5L" -> 5l, 5, l; "16 oz" -> 16oz, 16, oz)."""
    low = name.lower()
    out: set[str] = set()
    for variant in (low, _UNIT_GLUE.sub(r"\1\2", low)):
        for tok in re.findall(r"[a-z0-9]+", variant):
            out.add(_pstem(tok))
            if m := re.fullmatch(r"(\d+)([a-z]+)", tok):
                out.update({m.group(1), m.group(2)})
    return out


def _glued(typed: set[str]) -> set[str]:
    """The parts of glued number+unit words and the other way round, so '5 l' covers '5l' and '5l' covers '5', 'l'."""
    out: set[str] = set()
    for tok in typed:
        if m := re.fullmatch(r"(\d+)([a-z]+)", tok):
            out.update({m.group(1), m.group(2)})
    nums = [t for t in typed if t.isdigit()]
    out.update(f"{n}{u}" for n in nums for u in typed if u.isalpha())
    return out


def _gap_ok(gap: str) -> bool:
    """Characters between two words of one product name: spaces, punctuation inside names, no sentence break."""
    return len(gap) <= 3 and not re.search(r"[?!;:]|\.\s", gap)


def warehouse_entries(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Aliases people type for a warehouse, derived from Odoo's own name and code only: the full name,
    the name without site words ("Houston Gulf DC" -> "houston gulf"), its first word(s) when no other
    warehouse starts the same ("houston", "san antonio", "oklahoma city"), and the code in lower case."""
    names = [norm(str(w.get("name") or "")) for w in rows]
    out: list[dict[str, Any]] = []
    for w, full in zip(rows, names, strict=True):
        code = str(w.get("code") or "")
        aliases = {full, re.sub(r"\s+", " ", _SITE_WORDS.sub(" ", full)).strip()}
        words = [x for x in _SITE_WORDS.sub(" ", full).split() if x]
        for n in (1, 2):
            head = " ".join(words[:n])
            if len(words) >= n and len(head) >= 4 and sum(o.startswith(head) for o in names) == 1:
                aliases.add(head)
        if len(code) >= 3 and code.lower() not in _STOP_ALIASES:
            aliases.add(code.lower())
        # a qualifier in brackets names the place ("My Company (Chicago)" -> "chicago") when no other has it
        for q in re.findall(r"\(([^()]+)\)", str(w.get("name") or "")):
            qn = norm(q)
            if len(qn) >= 4 and sum(qn in o for o in names) == 1:
                aliases.add(qn)
        out.append({"name": str(w.get("name") or ""), "code": code,
                    "aliases": sorted(a for a in aliases if a and a not in _STOP_ALIASES)})
    return out


def category_entries(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Product categories by their own name ("Safety & PPE") and full path ("All / Safety & PPE")."""
    out = []
    for c in rows:
        name = str(c.get("name") or "")
        if not name or norm(name) in {"all", "saleable", "expenses", "deliveries"}:
            continue
        out.append({"name": name, "full": str(c.get("complete_name") or name),
                    "aliases": sorted({norm(name), norm(name.replace("&", "and"))})})
    return out


_STOP_ALIASES = {"the", "all", "and", "for", "our", "any", "new", "due", "are", "can", "how", "who", "not"}

def _as_odoo_spells(fmt: Any, typed: str) -> str:
    """'p1636' -> 'P01636', 'po/2026/00041' -> 'PO/2026/00041': the prefix's case and the padding."""
    prefix, suffix = str(fmt.prefix), str(getattr(fmt, "suffix", "") or "")
    if "%(" not in prefix and (m := re.fullmatch(rf"{re.escape(prefix)}(\d+){re.escape(suffix)}", typed, re.I)):
        return f"{prefix}{m.group(1).zfill(int(fmt.padding or 0))}{suffix}"
    return typed.upper() if prefix == prefix.upper() and suffix == suffix.upper() else typed


_cache: dict[int, Lexicon] = {}
_lock = threading.Lock()


def load_lexicon(odoo: OdooClient) -> Lexicon:
    """Read warehouses, vendors and products once per client (3–4 round trips)."""
    with _lock:
        if id(odoo) in _cache:
            return _cache[id(odoo)]
    from tools.odoo.resolve import vendor_list, warehouse_list

    lex = Lexicon()
    lex.warehouses = warehouse_entries(warehouse_list(odoo))
    vendors = vendor_list(odoo)
    firsts: dict[str, int] = {}
    heads: dict[str, int] = {}
    for v in vendors:
        first = norm(str(v["name"])).split(" ")[0]
        firsts[first] = firsts.get(first, 0) + 1
        head = " ".join(norm(str(v["name"])).split(" ")[:2])
        heads[head] = heads.get(head, 0) + 1
    for v in vendors:
        name = str(v["name"])
        full = norm(name)
        short = norm(_SUFFIXES.sub(" ", name))
        aliases = {full, short}
        first = full.split(" ")[0]
        if firsts.get(first) == 1 and len(first) > 3 and first not in _COMMON:
            aliases.add(first)
        head = " ".join(full.split(" ")[:2])  # "Van Dijk Glas & Porselein B.V." -> "van dijk" (short first word)
        if len(first) <= 3 and " " in head and heads.get(head) == 1 and len(head) >= 6:
            aliases.add(head)
        words = short.split(" ")
        two = " ".join(words[:2])
        if len(words) > 2 and (len(first) <= 3 or first in _COMMON) and len(words[1]) > 3 and "&" not in two \
                and sum(norm(str(o["name"])).startswith(two + " ") for o in vendors) == 1:
            aliases.add(two)  # "Van Dijk Glas & Porselein" -> "van dijk": a short first word needs the second
        lex.suppliers.append({"name": name, "aliases": sorted(a for a in aliases if a)})
    try:
        rows = odoo.search_read("product.product", [("purchase_ok", "=", True)], ["name", "default_code", "uom_id"],
                                limit=20000)
    except Exception:  # noqa: BLE001 - an Odoo without uom_id readable: names and codes are enough
        rows = odoo.search_read("product.product", [("purchase_ok", "=", True)], ["name", "default_code"],
                                limit=20000)
    for r in rows:
        uom = r.get("uom_id")
        lex.products.append({"name": r["name"], "code": r.get("default_code") or None,
                             "norm": norm(str(r["name"])),
                             "uom": str(uom[1]) if isinstance(uom, list | tuple) and len(uom) > 1 else None})
    lex.proper_firsts, lex.shared_firsts, lex.product_words = _proper_firsts(odoo, vendors, firsts, lex.products)
    try:
        cats = odoo.search_read("product.category", [], ["name", "complete_name"], limit=2000)
    except Exception:  # noqa: BLE001 - categories only sharpen spend questions; the rest works without
        cats = []
    lex.categories = category_entries(cats)
    from tools.odoo.resolve import company_tz, reference_formats

    lex.tz = company_tz(odoo)
    try:
        formats = reference_formats(odoo)
        lex.po_formats, lex.receipt_formats = list(formats.get("purchase", [])), list(formats.get("receipt", []))
    except Exception:  # noqa: BLE001 - without them the rule patterns for Odoo's default numbering still apply
        pass
    with _lock:
        _cache[id(odoo)] = lex
    return lex


def _proper_firsts(odoo: OdooClient, vendors: list[dict[str, Any]], firsts: dict[str, int],
                   products: list[dict[str, Any]]) -> tuple[dict[str, str], frozenset[str], frozenset[str]]:
    """Vendor first words kept out of the plain aliases only for being common words ("wood", "ready") when
    one vendor starts with it; those that are also product-name or variant words ("Wood" of a variant), and the
    product words themselves (a message naming a product keeps such a word for the product)."""
    words: set[str] = set()
    for p in products:
        words.update(w for w in str(p.get("norm") or "").split() if len(w) >= 3)
    try:  # variant values ("Wood", "White") are product words too: "the Wood one" is a variant
        for v in odoo.search_read("product.attribute.value", [], ["name"], limit=5000):
            words.update(w for w in norm(str(v.get("name") or "")).split() if len(w) >= 3)
    except Exception:  # noqa: BLE001 - an Odoo without variants: product names are enough
        pass
    out: dict[str, str] = {}
    for v in vendors:
        full = norm(str(v["name"])).split(" ")
        if full[0] in _COMMON and firsts.get(full[0]) == 1 and len(full[0]) > 3 and len(full) > 1:
            out[full[0]] = str(v["name"])
    return out, frozenset(w for w in out if w in words), frozenset(words)
