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
_COMMON = {"the", "blue", "delta", "quantum", "vertex", "horizon", "atlas", "trinity",
           "greenfield", "evergreen", "sterling", "meridian", "pioneer"}
_PRODUCT_CODE = re.compile(r"\b([A-Z]{3})[- ]?(\d{3,5})\b", re.I)
DEFAULT_TZ = "America/Chicago"  # the company's timezone when Odoo's user context names none
_CITY_ALIASES = {"oklahoma": "OKC", "okc": "OKC", "san antonio": "SAT", "houston": "HOU",
                 "dallas": "DAL", "austin": "AUS"}


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w&./-]+", " ", text.lower())).strip()


@dataclass
class Lexicon:
    warehouses: list[dict[str, Any]] = field(default_factory=list)  # {name, code}
    suppliers: list[dict[str, Any]] = field(default_factory=list)  # {name, aliases}
    products: list[dict[str, Any]] = field(default_factory=list)  # {name, code, norm, uom?}
    tz: str = DEFAULT_TZ  # the company's timezone (Odoo user context), for "today"

    # -- finders: each returns the words to hand to the tool, or None --------------------------
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
        return best[1] if best else None

    def product(self, text: str) -> str | None:
        hits = self.products_in(text)
        return hits[0][1] if hits else None

    def products_in(self, text: str) -> list[tuple[int, str]]:
        """(position, code) of every product code in the text ('ppe1042' counts as PPE-1042), in order;
        else the longest product name found, as one hit."""
        codes = [(m.start(), f"{m.group(1).upper()}-{m.group(2)}") for m in _PRODUCT_CODE.finditer(text)
                 if not re.fullmatch(r"(?i)in|bill", m.group(1))]
        if codes:
            return codes
        name = self._product_name(text)
        return [(norm(text).find(norm(name)), name)] if name else []

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


_cache: dict[int, Lexicon] = {}
_lock = threading.Lock()


def load_lexicon(odoo: OdooClient) -> Lexicon:
    """Read warehouses, vendors and products once per client (3–4 round trips)."""
    with _lock:
        if id(odoo) in _cache:
            return _cache[id(odoo)]
    from tools.odoo.resolve import vendor_list, warehouse_list

    lex = Lexicon()
    for w in warehouse_list(odoo):
        name = str(w.get("name") or "")
        aliases = {norm(name), norm(re.sub(r"\b(dc|hub|north|south|central|gulf|healthcare)\b", "", name,
                                            flags=re.I))}
        aliases |= {a for a, code in _CITY_ALIASES.items() if code == w.get("code")}
        lex.warehouses.append({"name": name, "code": w.get("code"), "aliases": sorted(a for a in aliases if a)})
    vendors = vendor_list(odoo)
    firsts: dict[str, int] = {}
    for v in vendors:
        first = norm(str(v["name"])).split(" ")[0]
        firsts[first] = firsts.get(first, 0) + 1
    for v in vendors:
        name = str(v["name"])
        full = norm(name)
        short = norm(_SUFFIXES.sub(" ", name))
        aliases = {full, short}
        first = full.split(" ")[0]
        if firsts.get(first) == 1 and len(first) > 3 and first not in _COMMON:
            aliases.add(first)
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
    from tools.odoo.resolve import company_tz

    lex.tz = company_tz(odoo)
    with _lock:
        _cache[id(odoo)] = lex
    return lex
