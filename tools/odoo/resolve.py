"""Entity resolution shared by every tool: words a person types -> one Odoo record, or a question back.

Why here and not in each tool: the rules for "which product did they mean" must be the same for
reads and proposals, must never guess (ambiguity raises ToolError with `candidates`), and must be
cheap in round trips (one search per entity; small reference lists such as warehouses and vendors
are cached per client). Resolvers accept extra `fields`/`context` (or a nested `specification`) so a
tool can fetch what it needs in the very call that resolves the entity.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from rapidfuzz import fuzz

from tools.base import ToolError
from tools.odoo.client import OdooClient
from tools.odoo.errors import OdooError
from tools.odoo.values import m2o_id as _m2o_id
from tools.odoo.values import m2o_name as _m2o_name

MAX_CANDIDATES = 8
FUZZY_ACCEPT = 0.86  # a fuzzy match is taken only above this score ...
FUZZY_MARGIN = 0.08  # ... and this far ahead of the runner-up; otherwise we ask back
SUGGEST_CUTOFF = 0.45
VENDOR_TTL = 300.0
WAREHOUSE_TTL = 600.0

WAREHOUSE_FIELDS = ["id", "name", "code", "lot_stock_id", "view_location_id", "in_type_id", "out_type_id",
                    "company_id"]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


MAX_TEXT = 200


def _need(text: str | None, what: str) -> str:
    value = (text or "").strip()
    if not value:
        raise ToolError(f"Which {what}? Give a name or reference.", code="missing")
    if len(value) > MAX_TEXT:
        raise ToolError(f"That {what} text is too long ({len(value)} characters; at most {MAX_TEXT}).",
                        code="bad_input")
    return value


def escape_like(text: str) -> str:
    """User text for Odoo's `ilike`/`=ilike`: `%`, `_` and `\\` escaped, so they match themselves.

    Odoo passes the value to SQL (I)LIKE unescaped (wildcards keep their meaning) with `\\` as the escape
    character, in PostgreSQL and in the sandbox alike: `FURN_7777` must not match `FURN-7777`."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _score(query: str, name: str) -> float:
    """Similarity 0..1 of a query to a name (rapidfuzz): whole-string ratio, or the best word window.

    A window of as many words as the query scores a little lower than the whole name (0.97), so a
    query that is the whole name wins over one that is only part of a longer name."""
    q, n = _norm(query), _norm(name)
    best = fuzz.ratio(q, n) / 100.0
    words, qn = n.split(), len(q.split())
    for i in range(len(words)):
        window = " ".join(words[i:i + max(qn, 1)])
        best = max(best, fuzz.ratio(q, window) / 100.0 * 0.97)
    return best


def _ranked(query: str, rows: list[dict[str, Any]], label: str) -> list[tuple[float, dict[str, Any]]]:
    scored = [(_score(query, str(r.get(label) or "")), r) for r in rows]
    scored.sort(key=lambda x: -x[0])
    return scored


def _clear_winner(scored: list[tuple[float, dict[str, Any]]]) -> dict[str, Any] | None:
    if not scored or scored[0][0] < FUZZY_ACCEPT:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < FUZZY_MARGIN:
        return None
    return scored[0][1]


def _label(c: dict[str, Any]) -> str:
    name = str(c.get("name"))
    if c.get("code") and str(c["code"]) not in name:
        name = f"{name} [{c['code']}]"
    return name


def _ambiguous(what: str, text: str, cands: list[dict[str, Any]]) -> ToolError:
    names = ", ".join(_label(c) for c in cands[:MAX_CANDIDATES])
    return ToolError(f"'{text}' matches several {what}s: {names}. Which one?",
                     candidates=cands[:MAX_CANDIDATES], code="ambiguous")


def _not_found(what: str, text: str, suggestions: list[dict[str, Any]]) -> ToolError:
    if suggestions:
        names = ", ".join(_label(c) for c in suggestions)
        return ToolError(f"No {what} matches '{text}'. Closest: {names}.", candidates=suggestions,
                         code="not_found")
    return ToolError(f"No {what} matches '{text}'.", code="not_found")


# --------------------------------------------------------------------------------------------
# picking one candidate from a follow-up reply ("the white one", "Wood", "FURN_7778", "2")
# --------------------------------------------------------------------------------------------
_FILLER = {"the", "one", "ones", "a", "an", "that", "this", "i", "mean", "meant", "want", "please", "variant",
           "version", "with", "in", "of", "it", "is", "option", "pick", "take", "choose", "yes", "ok", "okay"}
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
             "fifth": 5, "5th": 5, "last": -1}


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[^\W_]+", text.lower()) if w]


def pick_candidate(candidates: list[dict[str, Any]], reply: str) -> dict[str, Any] | None:
    """The one candidate a follow-up reply names, or None when the reply names none or several.

    Candidates are the `candidates` of an ambiguous ToolError ({id, name, code?, attributes?, kind?}).
    In order: the code said verbatim (case-insensitive; `FURN_7778`), the exact name, attribute values
    that only one candidate has ("the white one", "Wood"), a number or ordinal ("2", "the second one"),
    then a confident fuzzy match on the distinguishing words. Never a guess between two."""
    text = (reply or "").strip()
    if not text or not candidates:
        return None
    low = _norm(text).strip(" .!?\"'")
    for key in ("code", "name"):
        hits = [c for c in candidates if c.get(key) and _norm(str(c[key])) == low]
        if len(hits) == 1:
            return hits[0]
    tokens = set(re.findall(r"[^\s,;()\[\]]+", low))  # codes keep their _ . - /
    hits = [c for c in candidates if c.get("code") and str(c["code"]).lower() in tokens]
    if len(hits) == 1:
        return hits[0]
    said = [w for w in _words(text) if w not in _FILLER]
    if not said:
        return None

    def own_words(c: dict[str, Any]) -> set[str]:
        words: set[str] = set()
        for value in c.get("attributes") or []:
            words.update(_words(str(value).split(":", 1)[-1]))
        return words

    attrs = [own_words(c) for c in candidates]
    shared = set.intersection(*attrs) if attrs else set()
    scores = [len(set(said) & (a - shared)) for a in attrs]
    best = max(scores)
    if best > 0 and scores.count(best) == 1:
        pick = candidates[scores.index(best)]
        vocab = attrs[scores.index(best)] | set(_words(str(pick.get("name") or ""))) | set(
            _words(str(pick.get("code") or "")))
        # every word said must belong to that candidate: "wood corner" is not the Wood variant
        return pick if set(said) <= vocab else None
    if len(said) == 1 and (said[0].isdigit() or said[0] in _ORDINALS):
        n = int(said[0]) if said[0].isdigit() else _ORDINALS[said[0]]
        if n == -1:
            return candidates[-1]
        return candidates[n - 1] if 1 <= n <= len(candidates) else None
    # distinguishing words of each candidate (attributes, else its name) vs the reply, fuzzily
    names = [set(_words(str(c.get("name") or ""))) for c in candidates]
    common = set.intersection(*names) if names else set()
    labels = [" ".join(sorted((a - shared) or (n - common))) for a, n in zip(attrs, names, strict=True)]
    phrase = " ".join(said)
    scored = sorted(((fuzz.token_set_ratio(phrase, lab) / 100.0, i) for i, lab in enumerate(labels) if lab),
                    reverse=True)
    if scored and scored[0][0] >= FUZZY_ACCEPT and (len(scored) == 1 or scored[0][0] - scored[1][0] >= FUZZY_MARGIN):
        return candidates[scored[0][1]]
    return None


# --------------------------------------------------------------------------------------------
# products
# --------------------------------------------------------------------------------------------
PRODUCT_SPEC: dict[str, Any] = {"display_name": {}, "default_code": {}, "barcode": {}}
VARIANT_FIELD = "product_template_attribute_value_ids"  # Odoo's variant values; absent in older sandboxes
VARIANT_SPEC: dict[str, Any] = {"fields": {"name": {}, "attribute_id": {"fields": {"display_name": {}}}}}


def model_fields(odoo: OdooClient, model: str) -> set[str]:
    """The field names a model has on this Odoo (fields_get, cached per client for 10 min; empty when
    the model is missing). Lets a resolver ask for optional fields (variant values, sequences) only where
    the connected Odoo has them."""

    def load() -> set[str]:
        try:
            return set(odoo.execute_kw(model, "fields_get", [], {"attributes": ["type"]}))
        except OdooError:
            return set()

    return odoo.cached(f"fields:{model}", load, ttl=WAREHOUSE_TTL)


def _attributes(r: dict[str, Any]) -> list[str]:
    """A variant's attribute values ("White", "Wood"): Odoo's values when read, else the "(White)" that
    Odoo puts at the end of a variant's display name."""
    values = r.get(VARIANT_FIELD)
    if isinstance(values, list):  # read: Odoo's values are the truth (none for a product without variants)
        return [str(v.get("name")) for v in values if isinstance(v, dict) and v.get("name")]
    m = re.search(r"\(([^()]+)\)\s*$", _strip_code(r.get("display_name")))
    return [v.strip() for v in m.group(1).split(",")] if m else []


def _product_cand(r: dict[str, Any]) -> dict[str, Any]:
    c: dict[str, Any] = {"id": r["id"], "name": r.get("display_name") or r.get("name"), "kind": "product"}
    if r.get("default_code"):
        c["code"] = r["default_code"]
    if attrs := _attributes(r):
        c["attributes"] = attrs
    return c


def _strip_code(display_name: Any) -> str:
    return re.sub(r"^\[[^\]]*\]\s*", "", str(display_name or ""))


def _loose(code: str) -> str:
    """A code without its separators, lower-case: 'ABC 1042', 'abc1042', 'ABC-1042' -> 'abc1042'."""
    return re.sub(r"[\W_]+", "", code.lower())


def _variants_question(text: str, cands: list[dict[str, Any]]) -> ToolError:
    shown = cands[:MAX_CANDIDATES]
    base = _strip_code(shown[0]["name"])
    base = re.sub(r"\s*\([^()]*\)\s*$", "", base)
    opts = "; ".join(", ".join(c.get("attributes") or [str(c["name"])]) + (f" ({c['code']})" if c.get("code") else "")
                     for c in shown)
    return ToolError(f"'{text}' comes in {len(cands)} variants of {base}: {opts}. Which one?",
                     candidates=shown, code="ambiguous")


def resolve_product(odoo: OdooClient, text: str, *, fields: list[str] | None = None,
                    specification: dict[str, Any] | None = None,
                    context: dict[str, Any] | None = None) -> dict[str, Any]:
    """One product.product by default_code (verbatim, case-insensitive), barcode, name or a confident fuzzy match.

    Codes are Odoo's spelling: `FURN_7777` is looked up as typed (`%`/`_` escaped, never wildcards);
    a code typed without or with another separator (`abc1042`, `ABC 1042`) finds `ABC-1042` only when
    no code matches as typed. Several variants of one product come back as candidates with their
    attribute values (pick one with `pick_candidate`). Returns the record read through web_search_read
    with `specification` (plus id, display_name, default_code, barcode; plain `fields` are read flat)
    under `context`, and `matched_by`. One round trip when the text is a code, a barcode or a
    distinctive name (plus one fields_get per 10 minutes to learn whether variants have values).
    """
    text = _need(text, "product")
    spec = {**PRODUCT_SPEC, **{f: {} for f in (fields or []) if f != "id"}, **(specification or {})}
    if VARIANT_FIELD in model_fields(odoo, "product.product"):
        spec.setdefault(VARIANT_FIELD, VARIANT_SPEC)
    code = text.strip("[] ")
    if m := re.fullmatch(r"\[([^\]]+)\]\s*(.*)", text):  # a display name pasted back: "[FURN_7777] Office Chair"
        code = m.group(1).strip()
    esc = escape_like(code)
    terms: list[Any] = [("default_code", "=ilike", esc), ("barcode", "=", code), ("name", "ilike", escape_like(text)),
                        ("default_code", "ilike", esc)]
    if m := re.fullmatch(r"([A-Za-z]{1,8})[\s_.\-/]?(\d{2,8})", code):  # 'abc1042', 'ABC 1042' -> 'ABC-1042'
        a, b = escape_like(m.group(1)), escape_like(m.group(2))
        terms += [("default_code", "=ilike", f"{a}_{b}"), ("default_code", "=ilike", f"{a}{b}")]
        # the separator elsewhere ('ecom12' -> 'E-COM12'): any gaps; the loose comparison below decides
        terms.append(("default_code", "=ilike", "%".join(_loose(code))))
    domain: list[Any] = ["|"] * (len(terms) - 1) + terms
    words = [w for w in re.findall(r"[^\W_]+", text) if len(w) >= 2]
    if len(words) > 1:  # 'nitrile gloves' finds 'Nitrile Exam Gloves': every word must occur in the name
        domain = ["|", *domain, *(["&"] * (len(words) - 1)), *(("name", "ilike", escape_like(w)) for w in words)]
    rows = odoo.web_search_read("product.product", domain, spec, limit=40, order="default_code",
                                context=context).get("records", [])
    ntext = _norm(text)
    exact = [r for r in rows if r.get("default_code") and _norm(str(r["default_code"])) == _norm(code)]
    how = "default_code"
    if not exact:  # no code as typed: the same letters and digits with another separator ('code_loose')
        exact = [r for r in rows if r.get("default_code") and _loose(str(r["default_code"])) == _loose(code)
                 and re.fullmatch(r"[A-Za-z]{1,8}[\s_.\-/]?\d{2,8}", code)]
        how = "code_loose"
    if len(exact) == 1:
        return {**exact[0], "matched_by": how}
    if len(exact) > 1:
        raise _ambiguous("product", text, [_product_cand(r) for r in exact])
    by_barcode = [r for r in rows if r.get("barcode") and str(r["barcode"]) == code]
    if len(by_barcode) == 1:
        return {**by_barcode[0], "matched_by": "barcode"}
    if len(by_barcode) > 1:
        raise _ambiguous("product", text, [_product_cand(r) for r in by_barcode])
    exact_name = [r for r in rows if _norm(str(r.get("display_name") or "")) == ntext
                  or _norm(_strip_code(r.get("display_name"))) == ntext]
    if len(exact_name) == 1:
        return {**exact_name[0], "matched_by": "name"}
    if len(rows) == 1:
        return {**rows[0], "matched_by": "name_part"}
    if len(rows) > 1:
        cands = [_product_cand(r) for r in (exact_name or rows)]
        bases = {re.sub(r"\s*\([^()]*\)\s*$", "", _strip_code(c["name"])).lower() for c in cands}
        if len(bases) == 1 and all(isinstance(r.get(VARIANT_FIELD), list) and r[VARIANT_FIELD]
                                   for r in (exact_name or rows)):
            raise _variants_question(text, cands)
        raise _ambiguous("product", text, cands)
    # nothing by substring: fuzzy over a bounded candidate list (names sharing a word stem)
    stems = [w[:4] for w in re.findall(r"[^\W_]+", text) if len(w) >= 3][:4]
    if not stems:
        raise _not_found("product", text, [])
    fuzzy_domain: list[Any] = ["|"] * (len(stems) - 1) + [("name", "ilike", escape_like(s)) for s in stems]
    pool = odoo.search_read("product.product", fuzzy_domain, ["id", "display_name", "default_code"],
                            limit=300)
    for r in pool:
        r["_label"] = _strip_code(r.get("display_name"))
    scored = _ranked(text, pool, "_label")
    winner = _clear_winner(scored)
    if winner is not None:
        rows = odoo.web_search_read("product.product", [("id", "=", winner["id"])], spec, limit=1,
                                    context=context).get("records", [])
        if rows:
            return {**rows[0], "matched_by": "fuzzy"}
    raise _not_found("product", text, [_product_cand(r) for s, r in scored[:5] if s >= SUGGEST_CUTOFF])


# --------------------------------------------------------------------------------------------
# vendors (a bounded list, cached per client)
# --------------------------------------------------------------------------------------------
def vendor_list(odoo: OdooClient) -> list[dict[str, Any]]:
    """Every partner we buy from: supplier_rank > 0, or named on a vendor pricelist or a PO.

    supplier_rank alone is unreliable (facts §7.15), hence the union. Cached per client.
    """

    def load() -> list[dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        for r in odoo.search_read("res.partner", [("supplier_rank", ">", 0)], ["id", "name", "ref", "on_time_rate"],
                                  limit=5000):
            found[r["id"]] = {"id": r["id"], "name": r["name"], "ref": r.get("ref") or None,
                              "on_time_rate": r.get("on_time_rate")}
        for model in ("product.supplierinfo", "purchase.order"):
            for g in odoo.read_group(model, [], ["partner_id"], ["partner_id"], lazy=False):
                pid = _m2o_id(g.get("partner_id"))
                if pid and pid not in found:
                    found[pid] = {"id": pid, "name": _m2o_name(g["partner_id"]), "ref": None}
        return sorted(found.values(), key=lambda v: str(v["name"]))

    return odoo.cached("vendors", load, ttl=VENDOR_TTL)


def _match_named(what: str, text: str, rows: list[dict[str, Any]], keys: tuple[str, ...]
                 ) -> dict[str, Any]:
    """Exact key (code/ref/name) -> substring -> all words -> confident fuzzy; else ask back."""
    return _match_scored(what, text, rows, keys)[0]


def _match_scored(what: str, text: str, rows: list[dict[str, Any]], keys: tuple[str, ...]
                  ) -> tuple[dict[str, Any], float]:
    """_match_named with how strong the match was: 1.0 exact, 0.8 part of the name, fuzzy score x 0.9."""
    nt = _norm(text)
    for key in keys:
        exact = [r for r in rows if r.get(key) and _norm(str(r[key])) == nt]
        if len(exact) == 1:
            return exact[0], 1.0
        if len(exact) > 1:
            raise _ambiguous(what, text, exact)
    sub = [r for r in rows if nt in _norm(str(r["name"]))]
    if not sub:
        words = _words(nt)
        sub = [r for r in rows if words and all(re.search(rf"\b{re.escape(w)}", _norm(str(r["name"]))) for w in words)]
    if len(sub) == 1:
        return sub[0], 0.8
    if len(sub) > 1:
        starts = [r for r in sub if _norm(str(r["name"])).startswith(nt)]
        if len(starts) == 1:
            return starts[0], 0.8
        raise _ambiguous(what, text, sub)
    scored = _ranked(text, rows, "name")
    winner = _clear_winner(scored)
    if winner is not None:
        return winner, scored[0][0] * 0.9
    raise _not_found(what, text, [r for s, r in scored[:5] if s >= SUGGEST_CUTOFF])


def resolve_supplier(odoo: OdooClient, text: str) -> dict[str, Any]:
    """One vendor {id, name, ref?} by exact name or ref, unique substring, or a confident fuzzy match."""
    text = _need(text, "supplier")
    if text.isdigit():
        rows = [v for v in vendor_list(odoo) if v["id"] == int(text)]
        if rows:
            return _clean(rows[0])
    try:
        return _clean(_match_named("supplier", text, vendor_list(odoo), ("ref", "name")))
    except ToolError as err:
        if err.code != "not_found":
            raise
        odoo.invalidate("vendors")  # a vendor added since the list was cached?
        return _clean(_match_named("supplier", text, vendor_list(odoo), ("ref", "name")))


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "name", "ref") if row.get(k) not in (None, False, "")}


def category_list(odoo: OdooClient) -> list[dict[str, Any]]:
    """Every product category {id, name, complete_name} (cached per client like the vendors)."""
    return odoo.cached("categories", lambda: [
        {"id": r["id"], "name": r.get("name") or r.get("complete_name"), "complete_name": r.get("complete_name")}
        for r in odoo.search_read("product.category", [], ["id", "name", "complete_name"], limit=5000)],
        ttl=VENDOR_TTL)


def resolve_category(odoo: OdooClient, text: str) -> dict[str, Any]:
    """One product.category by name ("Safety & PPE"), full path ("All / Safety & PPE") or part of it."""
    text = _need(text, "category")
    rows = category_list(odoo)
    try:
        return _match_named("category", text, rows, ("name", "complete_name"))
    except ToolError as err:
        err.candidates = [{**c, "kind": "category"} for c in err.candidates]
        raise


ENTITY_KINDS = ("product", "supplier", "category")
KIND_MARGIN = 0.15  # a kind wins only this far ahead of the next kind's match


def resolve_entity(odoo: OdooClient, text: str, kinds: tuple[str, ...] = ENTITY_KINDS) -> dict[str, Any]:
    """What a phrase names when it could be a product, a vendor or a category ("spend on Safety & PPE").

    Each kind is resolved on its own and scored (exact name/code 1.0, part of a name 0.8, fuzzy score
    x 0.9; several records of one kind 0.8). The strongest kind wins only when it is KIND_MARGIN ahead
    of the next; otherwise ToolError(code="ambiguous") with candidates of the different kinds, each
    tagged `kind` — never a silent pick. Returns the record with `kind`. Products cost one search;
    vendors and categories come from the cached lists."""
    text = _need(text, "name")
    found: list[tuple[float, str, list[dict[str, Any]]]] = []
    for kind in kinds:
        try:
            if kind == "product":
                p = resolve_product(odoo, text)
                strength = {"default_code": 1.0, "barcode": 1.0, "name": 1.0, "name_part": 0.8,
                            "code_loose": 0.9}.get(
                    str(p.get("matched_by")), _score(text, _strip_code(p.get("display_name"))) * 0.9)
                found.append((strength, kind, [{**_product_cand(p), "kind": kind}]))
            elif kind == "supplier":
                v, strength = _match_scored("supplier", text, vendor_list(odoo), ("ref", "name"))
                found.append((strength, kind, [{**_clean(v), "kind": kind}]))
            elif kind == "category":
                c, strength = _match_scored("category", text, category_list(odoo), ("name", "complete_name"))
                found.append((strength, kind, [{**c, "kind": kind}]))
        except ToolError as err:
            if err.code == "ambiguous":
                found.append((0.8, kind, [{**c, "kind": kind} for c in err.candidates]))
    if not found:
        raise ToolError(f"Nothing matches '{text}' (looked for a {', a '.join(kinds)}).", code="not_found")
    found.sort(key=lambda f: -f[0])
    best = found[0]
    rivals = [f for f in found[1:] if best[0] - f[0] < KIND_MARGIN]
    if len(best[2]) == 1 and not rivals:
        return best[2][0]
    cands = [c for f in [best, *rivals] for c in f[2]][:MAX_CANDIDATES]
    kinds_seen = ", ".join(dict.fromkeys(f[1] for f in [best, *rivals]))
    names = "; ".join(f"{c['kind']} {_label(c)}" for c in cands)
    raise ToolError(f"'{text}' could be a {kinds_seen.replace(', ', ' or a ')}: {names}. Which one?",
                    candidates=cands, code="ambiguous")


def reorder_rules(odoo: OdooClient) -> list[dict[str, Any]]:
    """Active reorder rules (min/max) of active products: configuration, cached per client (5 min)."""
    fields = ["product_id", "product_tmpl_id", "warehouse_id", "product_min_qty", "product_max_qty", "qty_multiple"]
    return odoo.cached("reorder_rules", lambda: odoo.search_read(
        "stock.warehouse.orderpoint", [("active", "=", True), ("product_id.active", "=", True)], fields,
        limit=100000, order="id"), ttl=VENDOR_TTL)


def pricelist(odoo: OdooClient) -> list[dict[str, Any]]:
    """Every vendor pricelist row (product.supplierinfo): master data, cached per client like vendors.

    Read tools rank vendors and compare prices from it; proposals re-read prices before executing.
    """
    fields = ["partner_id", "product_tmpl_id", "product_id", "price", "min_qty", "delay", "date_start",
              "date_end", "sequence", "currency_id", "product_uom"]
    return odoo.cached("pricelist", lambda: odoo.search_read("product.supplierinfo", [], fields, limit=100000),
                       ttl=VENDOR_TTL)


def uom_factors(odoo: OdooClient) -> dict[int, float]:
    """{uom.uom id: factor} for every unit of measure (Units 1, Dozens 1/12): cached per client (10 min),
    so read tools convert PO-line, move, bill and price-row quantities to the product's UoM without
    nesting the factor in every read."""
    return odoo.cached("uom_factors", lambda: {
        int(r["id"]): float(r.get("factor") or 0) for r in odoo.search_read(
            "uom.uom", ["|", ("active", "=", True), ("active", "=", False)], ["id", "factor"], limit=2000)},
        ttl=WAREHOUSE_TTL)


def currency_rates(odoo: OdooClient) -> dict[int, float]:
    """{res.currency id: Odoo's current `rate` against the company currency (company currency = 1.0)}.

    Cached per client (10 min). Where Odoo has no `rate` field (an older sandbox) only the company
    currency is known (1.0); amounts in other currencies are then left out of sums, not mixed in."""

    def load() -> dict[int, float]:
        if "rate" in model_fields(odoo, "res.currency"):
            rows = odoo.search_read("res.currency", [("active", "=", True)], ["id", "rate"], limit=500)
            rates = {int(r["id"]): float(r.get("rate") or 0) for r in rows if r.get("rate")}
        else:
            rates = {}
        cid = company_info(odoo).get("currency_id")
        if cid:
            rates[int(cid)] = 1.0
        return rates

    return odoo.cached("currency_rates", load, ttl=WAREHOUSE_TTL)


# --------------------------------------------------------------------------------------------
# warehouses (tiny list, cached per client)
# --------------------------------------------------------------------------------------------
def warehouse_list(odoo: OdooClient) -> list[dict[str, Any]]:
    """All active warehouses with their stock location and picking types. Cached per client."""
    return odoo.cached("warehouses", lambda: odoo.search_read(
        "stock.warehouse", [], WAREHOUSE_FIELDS, limit=200, order="sequence,id"), ttl=WAREHOUSE_TTL)


def resolve_warehouse(odoo: OdooClient, text: str) -> dict[str, Any]:
    """One stock.warehouse by code ("RTM"), name ("Rotterdam Havenmagazijn") or part of it ("rotterdam")."""
    text = _need(text, "warehouse")
    rows = warehouse_list(odoo)
    if text.isdigit():
        hit = [w for w in rows if w["id"] == int(text)]
        if hit:
            return hit[0]
    exact = [w for w in rows if _norm(str(w.get("code") or "")) == _norm(text) or _norm(str(w["name"])) == _norm(text)]
    if len(exact) == 1:  # a code such as 'WH' or 'My Co' is taken as typed before any word is dropped
        return exact[0]
    cleaned = re.sub(r"\b(warehouse|wh|dc)\b", "", _norm(text)).strip() or text
    try:
        return _match_named("warehouse", cleaned, rows, ("code", "name"))
    except ToolError as err:
        err.candidates = [{"id": c["id"], "name": c["name"], "code": c["code"]} for c in err.candidates]
        if err.code == "not_found" and not err.candidates:
            err.candidates = [{"id": w["id"], "name": w["name"], "code": w["code"]} for w in rows]
            err.message = f"No warehouse matches '{text}'. Warehouses: " + ", ".join(
                f"{w['code']} ({w['name']})" for w in rows)
            err.args = (err.message,)
        raise


# --------------------------------------------------------------------------------------------
# documents: purchase orders, receipts, bills
# --------------------------------------------------------------------------------------------
REF_TTL = 600.0
_SEQ_KEYS = {"year": r"\d{4}", "range_year": r"\d{4}", "current_year": r"\d{4}", "range_end_year": r"\d{4}",
             "y": r"\d{2}", "range_y": r"\d{2}", "current_y": r"\d{2}", "range_end_y": r"\d{2}",
             "doy": r"\d{3}", "range_doy": r"\d{3}", "current_doy": r"\d{3}",
             "weekday": r"\d", "range_weekday": r"\d", "current_weekday": r"\d"}


@dataclass(frozen=True)
class RefFormat:
    """One document numbering scheme read from Odoo: a sequence prefix (may hold `%(year)s`), padding."""

    prefix: str
    padding: int = 0
    suffix: str = ""

    @property
    def dated(self) -> bool:
        return "%(" in self.prefix

    def pattern(self) -> re.Pattern[str]:
        """A regex for whole references of this scheme, case-insensitive ('WH/IN/00002', 'PO/2026/0042')."""
        def part(text: str) -> str:
            out, pos = [], 0
            for m in re.finditer(r"%\((\w+)\)s", text):
                out.append(re.escape(text[pos:m.start()]))
                out.append(_SEQ_KEYS.get(m.group(1), r"\d{1,4}"))
                pos = m.end()
            return "".join(out) + re.escape(text[pos:])
        return re.compile(part(self.prefix) + r"\d+" + part(self.suffix), re.I)

    def expand(self, number: int, years: tuple[int, ...]) -> list[str]:
        """The references number `number` would have: 'P' + 5 digits -> ['P00042']; dated prefixes are
        filled with `years` (this year and last)."""
        digits = str(number).zfill(self.padding)
        if not self.dated:
            return [f"{self.prefix}{digits}{self.suffix}"]
        out: list[str] = []
        for y in years:
            keys = {k: (str(y) if v == r"\d{4}" else f"{y % 100:02d}" if v == r"\d{2}" else None)
                    for k, v in _SEQ_KEYS.items()}
            text = self.prefix + "\0" + self.suffix
            for m in re.findall(r"%\((\w+)\)s", text):
                if keys.get(m) is None:
                    return out  # month/day in the prefix: too many combinations to guess; exact text only
                text = text.replace(f"%({m})s", str(keys[m]))
            out.append(text.replace("\0", digits))
        return out


ODOO_DEFAULT_PO = RefFormat("P", 5)  # Odoo's own purchase.order sequence when nothing else is known


def _format_from_name(name: str) -> RefFormat | None:
    m = re.fullmatch(r"(.*?)(\d+)", name or "")
    return RefFormat(m.group(1), len(m.group(2))) if m else None


def reference_formats(odoo: OdooClient) -> dict[str, list[RefFormat]]:
    """How this Odoo numbers purchase orders and receipts, read from Odoo and cached per client (10 min).

    Purchase orders: the `ir.sequence` rows with code `purchase.order` (prefix, padding, suffix), plus the
    scheme of the latest PO's name (a database whose sequence was renamed, or a user without access to
    ir.sequence). Receipts: each incoming operation type's sequence (`sequence_id` prefix/padding), or
    `<warehouse code>/<sequence_code>/` + 5 digits where Odoo has no sequence row to read (Odoo's default).
    Two or three round trips once per 10 minutes; a model or field the Odoo lacks is skipped.
    """

    def load() -> dict[str, list[RefFormat]]:
        po: list[RefFormat] = []
        receipts: list[RefFormat] = []
        seq_fields = model_fields(odoo, "ir.sequence")
        type_fields = model_fields(odoo, "stock.picking.type")
        cols = ["id", "sequence_code", "warehouse_id"] + (["sequence_id"] if "sequence_id" in type_fields else [])
        types = odoo.search_read("stock.picking.type", [("code", "=", "incoming")], cols, limit=200)
        seq_ids = [i for i in (_m2o_id(t.get("sequence_id")) for t in types) if i]
        seqs: dict[int, dict[str, Any]] = {}
        if {"prefix", "padding", "code"} <= seq_fields:
            try:
                for s in odoo.search_read("ir.sequence", ["|", ("code", "=", "purchase.order"), ("id", "in", seq_ids)],
                                          ["id", "code", "prefix", "suffix", "padding"], limit=500):
                    seqs[s["id"]] = s
            except OdooError:
                pass
        for s in seqs.values():
            if s.get("code") == "purchase.order":
                po.append(RefFormat(str(s.get("prefix") or ""), int(s.get("padding") or 0), str(s.get("suffix") or "")))
        wh_codes = {w["id"]: w.get("code") for w in warehouse_list(odoo)}
        for t in types:
            seq = seqs.get(_m2o_id(t.get("sequence_id")) or 0)
            if seq is not None:
                receipts.append(RefFormat(str(seq.get("prefix") or ""), int(seq.get("padding") or 0),
                                          str(seq.get("suffix") or "")))
            elif t.get("sequence_code"):
                wh = wh_codes.get(_m2o_id(t.get("warehouse_id")) or 0)
                receipts.append(RefFormat(f"{wh}/{t['sequence_code']}/" if wh else f"{t['sequence_code']}/", 5))
        latest = odoo.search_read("purchase.order", [], ["name"], limit=1, order="id desc")
        seen = _format_from_name(str(latest[0]["name"])) if latest else None
        if seen is not None and not any(f.pattern().fullmatch(str(latest[0]["name"])) for f in po):
            po.append(seen)
        if not po:
            po.append(ODOO_DEFAULT_PO)
        return {"purchase": list(dict.fromkeys(po)), "receipt": list(dict.fromkeys(receipts))}

    return odoo.cached("reference_formats", load, ttl=REF_TTL)


def _years() -> tuple[int, ...]:
    y = datetime.now().year
    return (y, y - 1)


def po_names(text: str, formats: list[RefFormat] | None = None) -> list[str]:
    """The PO references a short form can mean under this Odoo's numbering: 'P123', 'po 42', '#42', '42'
    -> ['P00123'] (Odoo's default 'P' + 5 digits) or ['PO/2026/0042', 'PO/2025/0042'] for a dated prefix.
    A full reference is returned as typed. Empty when the text is no PO number."""
    formats = formats or [ODOO_DEFAULT_PO]
    t = text.strip()
    for f in formats:
        if f.dated and f.pattern().fullmatch(t):
            return [t]
    out: list[str] = []
    for f in formats:
        head = re.escape(f.prefix) if not f.dated else None
        m = re.fullmatch(rf"(?:{head}|po\s*#?|purchase order\s*#?|order\s*#?|#)?\s*0*(\d{{1,9}})", t, flags=re.I) \
            if head else re.fullmatch(r"(?:po\s*#?|purchase order\s*#?|order\s*#?|#)?\s*0*(\d{1,9})", t, flags=re.I)
        if m and (not f.padding or len(m.group(1)) <= max(f.padding, 1) + 2):
            out += f.expand(int(m.group(1)), _years())
    return list(dict.fromkeys(out))


def normalize_po_name(text: str, formats: list[RefFormat] | None = None) -> str | None:
    """'P123', 'p00123', '123' -> 'P00123' under Odoo's default numbering (or the first of `formats`)."""
    names = po_names(text, formats)
    return names[0] if names else None


def _is_receipt_ref(odoo: OdooClient, text: str) -> bool:
    return any(f.pattern().fullmatch(text.strip()) for f in reference_formats(odoo)["receipt"])


def resolve_purchase_order(odoo: OdooClient, text: str, *,
                           specification: dict[str, Any] | None = None,
                           context: dict[str, Any] | None = None) -> dict[str, Any]:
    """One purchase.order by its reference as this Odoo numbers it (`P00123`, `PO/2026/0042`, short
    forms such as 'P123' or 'po 42'), the vendor's reference (`partner_ref`), or a receipt's reference
    (`WH/IN/00002`, any prefix: its PO).

    With `specification` the record comes back through web_search_read (nested lines, receipts,
    bills ... in the same round trip); without it, a small header dict. The numbering schemes are read
    from Odoo once (`reference_formats`, cached). User text is matched exactly (case-insensitive,
    `%`/`_` escaped).
    """
    text = _need(text, "purchase order")
    t = text.strip()
    spec = specification or {"name": {}, "state": {}, "partner_id": {"fields": {"display_name": {}}},
                             "partner_ref": {}, "amount_total": {}, "date_planned": {}}
    spec = {"name": {}, "partner_ref": {}, **spec}
    if _is_receipt_ref(odoo, t):  # a receipt: its PO (one extra round trip)
        return _po_of_receipt(odoo, t, spec, context, required=True) or {}
    names = po_names(t, reference_formats(odoo)["purchase"])
    domain: list[Any] = ["|", "|", ("name", "in", names or [t]), ("name", "=ilike", escape_like(t)),
                         ("partner_ref", "=ilike", escape_like(t))]
    rows = odoo.web_search_read("purchase.order", domain, spec, limit=MAX_CANDIDATES,
                                context=context).get("records", [])
    if not rows:
        via_receipt = _po_of_receipt(odoo, t, spec, context, required=False)  # a receipt of a scheme not cached yet
        if via_receipt:
            return via_receipt
        near = odoo.search_read("purchase.order", ["|", ("name", "ilike", escape_like(t)),
                                                   ("partner_ref", "ilike", escape_like(t))], ["id", "name"],
                                limit=5, order="id desc")
        raise _not_found("purchase order", text, [{"id": r["id"], "name": r["name"]} for r in near])
    wanted = {_norm(n) for n in names} | {_norm(t)}
    exact = [r for r in rows if _norm(str(r.get("name"))) in wanted]
    if len(exact) == 1:
        return exact[0]
    if len(rows) == 1:
        return rows[0]
    raise _ambiguous("purchase order", text, [
        {"id": r["id"], "name": r["name"], **({"vendor_ref": r["partner_ref"]} if r.get("partner_ref") else {})}
        for r in (exact or rows)])


def _po_of_receipt(odoo: OdooClient, ref: str, spec: dict[str, Any], context: dict[str, Any] | None,
                   required: bool) -> dict[str, Any] | None:
    picks = odoo.search_read("stock.picking", [("name", "=ilike", escape_like(ref))],
                             ["id", "name", "origin", "purchase_id", "partner_id"], limit=2)
    if not picks:
        if required:
            raise ToolError(f"No receipt named '{ref}'.", code="not_found")
        return None
    po_id = _m2o_id(picks[0].get("purchase_id"))
    domain: list[Any] = [("id", "=", po_id)] if po_id else [("name", "=", str(picks[0].get("origin") or ""))]
    rows = odoo.web_search_read("purchase.order", domain, spec, limit=1, context=context).get("records", []) \
        if po_id or picks[0].get("origin") else []
    if not rows:
        who = _m2o_name(picks[0].get("partner_id"))
        raise ToolError(f"Receipt {picks[0].get('name') or ref}{' from ' + who if who else ''} is not linked to a "
                        "purchase order in Odoo.", code="not_found")
    return dict(rows[0])


PICKING_BASE = ["id", "name", "state", "origin", "scheduled_date", "partner_id", "picking_type_id", "picking_type_code"]


def resolve_picking(odoo: OdooClient, text: str, *, fields: list[str] | None = None) -> dict[str, Any]:
    """One receipt by its reference (`WH/IN/00012`, any prefix) or by its PO (a PO reference or short form
    -> that PO's one open receipt)."""
    text = _need(text, "receipt")
    t = text.strip()
    cols = list(dict.fromkeys(PICKING_BASE + (fields or [])))
    names = [] if _is_receipt_ref(odoo, t) else po_names(t, reference_formats(odoo)["purchase"])
    domain: list[Any] = ["|", ("name", "=ilike", escape_like(t)), ("origin", "in", names or [t])]
    rows = odoo.search_read("stock.picking", domain, cols, limit=20, order="scheduled_date")
    by_name = [r for r in rows if _norm(r["name"]) == _norm(t)]
    if len(by_name) == 1:
        return by_name[0]
    incoming = [r for r in rows if r.get("picking_type_code") == "incoming"]
    open_ = [r for r in (incoming or rows) if r.get("state") not in ("done", "cancel")]
    if len(open_) == 1:
        return open_[0]
    if len(open_) > 1:
        raise _ambiguous("receipt", text, [{"id": r["id"], "name": r["name"], "state": r["state"],
                                           "scheduled": r.get("scheduled_date")} for r in open_])
    if rows:
        raise ToolError(f"'{text}' has no open receipt (all done or cancelled): "
                        + ", ".join(f"{r['name']} ({r['state']})" for r in rows[:5]),
                        candidates=[{"id": r["id"], "name": r["name"], "state": r["state"]} for r in rows[:5]],
                        code="not_found")
    if names:  # a PO reference: say so when the PO exists but Odoo made no receipt for it
        po = odoo.search_read("purchase.order", [("name", "in", names)], ["name", "state"], limit=1)
        if po:
            raise ToolError(f"Purchase order {po[0]['name']} has no receipt in Odoo, so there is nothing to "
                            "receive or reschedule for it.", code="not_found")
    near = odoo.search_read("stock.picking", [("name", "ilike", escape_like(t))], ["id", "name"], limit=5)
    raise _not_found("receipt", text, [{"id": r["id"], "name": r["name"]} for r in near])


BILL_BASE = ["id", "name", "state", "partner_id", "ref", "invoice_origin", "amount_total", "move_type"]


def resolve_bill(odoo: OdooClient, text: str, *, fields: list[str] | None = None) -> dict[str, Any]:
    """One vendor bill or refund by number (BILL/2026/11/0002) or the vendor's bill reference."""
    text = _need(text, "bill")
    t = escape_like(text.strip())
    cols = list(dict.fromkeys(BILL_BASE + (fields or [])))
    domain = [("move_type", "in", ["in_invoice", "in_refund"]), "|", ("name", "=ilike", t), ("ref", "=ilike", t)]
    rows = odoo.search_read("account.move", domain, cols, limit=MAX_CANDIDATES)
    if len(rows) == 1:
        return rows[0]
    exact = [r for r in rows if _norm(str(r.get("name"))) == _norm(text)]
    if len(exact) == 1:
        return exact[0]
    if rows:
        raise _ambiguous("bill", text, [{"id": r["id"], "name": r["name"], "vendor": _m2o_name(r["partner_id"])}
                                        for r in rows])
    near = odoo.search_read("account.move", [("move_type", "in", ["in_invoice", "in_refund"]),
                                             ("name", "ilike", t)], ["id", "name"], limit=5)
    raise _not_found("bill", text, [{"id": r["id"], "name": r["name"]} for r in near])


# --------------------------------------------------------------------------------------------
# date phrases
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DateRange:
    """An inclusive range of calendar days; either end may be open (None)."""

    start: date | None
    end: date | None
    label: str

    def contains(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def odoo_bounds(self) -> tuple[str | None, str | None]:
        """UTC datetime strings for a domain: [start 00:00:00, end 23:59:59]."""
        lo = f"{self.start.isoformat()} 00:00:00" if self.start else None
        hi = f"{self.end.isoformat()} 23:59:59" if self.end else None
        return lo, hi


WEEKDAYS = {name: i for i, name in enumerate(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])}
WEEKDAYS.update({k[:3]: v for k, v in list(WEEKDAYS.items())})
WEEKDAYS.update({"tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3})
MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10,
           "fourteen": 14, "thirty": 30}


def _day(d: date, label: str) -> DateRange:
    return DateRange(d, d, label)


def _month_range(year: int, month: int, label: str) -> DateRange:
    return DateRange(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), label)


def _nearest_year(month: int, day: int, today: date) -> date:
    """'Dec 3' means the occurrence within six months either side of today."""
    for year in (today.year, today.year + 1, today.year - 1):
        try:
            cand = date(year, month, day)
        except ValueError:
            continue
        if abs((cand - today).days) <= 183:
            return cand
    return date(today.year, month, day)


DEFAULT_TZ = "UTC"  # when neither the Odoo user nor the company's partner names a timezone


_UNSET_TZ = {"", "false", "none"}


def company_info(odoo: OdooClient) -> dict[str, Any]:
    """The connected user's company as Odoo has it: {id, name, currency, currency_symbol, tz}.

    One web_read of the user (company -> currency, company partner's tz), cached per client for 10
    minutes. `tz` is the user's timezone, else the company partner's, else UTC; `currency` is the
    company currency's code (e.g. "EUR"). Read tools print money in it and compare in it."""

    def load() -> dict[str, Any]:
        uid = int((odoo.context or {}).get("uid") or 0)
        spec: dict[str, Any] = {"tz": {}, "company_id": {"fields": {"name": {}, "currency_id": {"fields": {"name": {}, "symbol": {}}},
                                                     "partner_id": {"fields": {"tz": {}}}}}}
        # the connected (integration) user's own company, read outside a person's company scope: that
        # company's partner is not readable when the scope is another company (Odoo's multi-company rule)
        unscoped = getattr(odoo, "scoped_to", None)
        if uid and unscoped is not None:
            with unscoped(None):
                rows = odoo.web_read("res.users", [uid], spec)
        else:
            rows = odoo.web_read("res.users", [uid], spec) if uid else []
        user = rows[0] if rows else {}
        company = _sub(user, "company_id")
        currency, partner = _sub(company, "currency_id"), _sub(company, "partner_id")
        tz = next((str(z) for z in (user.get("tz"), partner.get("tz")) if z and str(z).lower() not in _UNSET_TZ),
                  DEFAULT_TZ)
        return {"id": company.get("id"), "name": company.get("name"), "currency": currency.get("name") or None,
                "currency_id": currency.get("id"), "currency_symbol": currency.get("symbol"), "tz": tz}

    return odoo.cached("company", load, ttl=WAREHOUSE_TTL)


def _sub(row: dict[str, Any], key: str) -> dict[str, Any]:
    value = row.get(key)
    return value if isinstance(value, dict) else {}


def company_tz(odoo: OdooClient | None, default: str = DEFAULT_TZ) -> str:
    """The company's timezone: the Odoo user's `tz` context (set at login), else the company partner's
    tz when `company_info` has been read, else `default` (UTC). No round trip."""
    tz = (getattr(odoo, "context", None) or {}).get("tz") if odoo is not None else None
    if tz and str(tz).lower() not in _UNSET_TZ:
        return str(tz)
    # the value company_info cached, if any (peeked without loading: this function makes no round trip)
    hit = (getattr(odoo, "_cache", None) or {}).get("company")
    info = hit[1] if isinstance(hit, tuple) and len(hit) == 2 else None
    if isinstance(info, dict) and info.get("tz"):
        return str(info["tz"])
    return default


def company_today(tz: str = DEFAULT_TZ, now: datetime | None = None) -> date:
    """The calendar day in the company's timezone (in the evening west of Greenwich, UTC is already tomorrow).

    `now` is an aware datetime, or a naive one in UTC (as ToolContext.now() returns). Pass the result
    to `parse_date_phrase` as `today`: the date functions stay pure."""
    from datetime import UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        zone = ZoneInfo(tz or DEFAULT_TZ)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(DEFAULT_TZ)
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date()


def parse_date_phrase(text: str, today: date | datetime) -> DateRange:
    """Turn 'today', 'next Monday', 'this week', 'overdue', '2026-12-03', 'Dec 3' ... into a DateRange.

    Relative to `today` (pass ctx.now()). Weeks run Monday-Sunday. Unknown phrases raise ToolError.
    """
    if isinstance(today, datetime):
        today = today.date()
    raw = _need(text, "date")
    t = _norm(raw).replace(",", " ").replace(".", " ")
    t = re.sub(r"\s+", " ", t).strip()
    t = re.sub(r"^(on|by|due|for|before|until|till|after|since|from) ", "", t)
    t = re.sub(r"^(?:tmrw|tmr|tmw|tmro|tmorrow|tomorow|tomorro|tommorow|tommorrow|2moro|2morrow)$", "tomorrow", t)
    t = re.sub(r"^(next|this|coming) (week)?\s*(mon|tue|tues|wed|weds|thu|thur|thurs|fri|sat|sun)$", r"\1 \3", t)
    simple = {"today": _day(today, "today"), "now": _day(today, "today"),
              "tomorrow": _day(today + timedelta(days=1), "tomorrow"),
              "yesterday": _day(today - timedelta(days=1), "yesterday"),
              "overdue": DateRange(None, today - timedelta(days=1), "overdue"),
              "late": DateRange(None, today - timedelta(days=1), "overdue"),
              "past due": DateRange(None, today - timedelta(days=1), "overdue")}
    if t in simple:
        return simple[t]
    monday = today - timedelta(days=today.weekday())
    if t in ("this week", "the week", "week"):
        return DateRange(monday, monday + timedelta(days=6), "this week")
    if t == "next week":
        return DateRange(monday + timedelta(days=7), monday + timedelta(days=13), "next week")
    if t == "last week":
        return DateRange(monday - timedelta(days=7), monday - timedelta(days=1), "last week")
    if t in ("this month", "month"):
        return _month_range(today.year, today.month, "this month")
    if t == "next month":
        yy, mm = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        return _month_range(yy, mm, "next month")
    if t == "last month":
        yy, mm = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
        return _month_range(yy, mm, "last month")
    m = re.fullmatch(r"(?:in the |the )?(next|coming|past|last) (\d+|[a-z]+) (day|week|month)s?", t)
    if m and (m.group(2).isdigit() or m.group(2) in NUMBERS):
        n = int(m.group(2)) if m.group(2).isdigit() else NUMBERS[m.group(2)]
        days = n * {"day": 1, "week": 7, "month": 30}[m.group(3)]
        if m.group(1) in ("next", "coming"):
            return DateRange(today, today + timedelta(days=days), t)
        return DateRange(today - timedelta(days=days), today, t)
    m = re.fullmatch(r"in (\d+|[a-z]+) (day|week)s?", t)
    if m and (m.group(1).isdigit() or m.group(1) in NUMBERS):
        n = int(m.group(1)) if m.group(1).isdigit() else NUMBERS[m.group(1)]
        return _day(today + timedelta(days=n * (7 if m.group(2) == "week" else 1)), t)
    m = re.fullmatch(r"(?:(next|this|coming|last) )?([a-z]+)", t)
    if m and m.group(2) in WEEKDAYS:
        wd, which = WEEKDAYS[m.group(2)], m.group(1)
        if which == "last":
            delta = (today.weekday() - wd) % 7 or 7
            return _day(today - timedelta(days=delta), t)
        delta = (wd - today.weekday()) % 7
        if which == "next":
            delta = delta or 7  # "next Monday" on a Monday is a week away
        return _day(today + timedelta(days=delta), t)
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t][\d:]+)?", t)
    if m:
        return _day(_safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), raw), raw)
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?", t)  # US style: month/day[/year]
    if m:
        month, day = int(m.group(1)), int(m.group(2))
        if m.group(3):
            year = int(m.group(3)) + (2000 if len(m.group(3)) == 2 else 0)
            return _day(_safe_date(year, month, day, raw), raw)
        _safe_date(today.year, month, day, raw)
        return _day(_nearest_year(month, day, today), raw)
    m = (re.fullmatch(r"([a-z]+) (\d{1,2})(?:st|nd|rd|th)?(?: (\d{4}))?", t)
         or re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)(?: (\d{4}))?", t))
    if m:
        a, b = m.group(1), m.group(2)
        mon_word, day_s = (a, b) if a.isalpha() else (b, a)
        if mon_word in MONTHS:
            month, day = MONTHS[mon_word], int(day_s)
            if m.group(3):
                return _day(_safe_date(int(m.group(3)), month, day, raw), raw)
            _safe_date(2000, month, day, raw)  # 2000 is a leap year: Feb 29 stays valid here
            return _day(_nearest_year(month, day, today), raw)
    m = re.fullmatch(r"([a-z]+)(?: (\d{4}))?", t)
    if m and m.group(1) in MONTHS and len(m.group(1)) >= 3:
        month = MONTHS[m.group(1)]
        year = int(m.group(2)) if m.group(2) else _nearest_year(month, 1, today).year
        return _month_range(year, month, raw)
    if (loose := _loose_date(t, today)) is not None:  # "day after tomorrow", "in a week", "the 9th"
        return _day(loose, raw)
    raise ToolError(f"I can't read the date '{raw}'. Use e.g. 2026-12-03, 'Dec 3', 'tomorrow', "
                    "'next Monday', 'this week' or 'overdue'.", code="bad_date")


def _loose_date(text: str, today: date) -> date | None:
    """A day phrase the rules above do not know, read by dateparser relative to `today` (the company's day,
    so never the server's clock), preferring the future; None when it is not a date."""
    if not re.search(r"[a-z]", text) or len(text) > 40:
        return None
    try:
        import dateparser
    except ImportError:  # pragma: no cover - an optional reader
        return None
    base = datetime(today.year, today.month, today.day, 12, 0)
    found = dateparser.parse(text, languages=["en"], settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "future",
                                                               "REQUIRE_PARTS": ["day"]})
    return found.date() if found is not None else None


def _safe_date(year: int, month: int, day: int, raw: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ToolError(f"'{raw}' is not a real calendar date.", code="bad_date") from None


def warm_caches(odoo: OdooClient) -> None:
    """Fill every reference list the read tools use (vendors, warehouses, pricelist, numbering schemes,
    company, units, rates): ~12 round trips once per 5-10 minutes, so a tool's own round trips are its
    work alone (the figures in tools/README.md are measured warm)."""
    for load in (vendor_list, warehouse_list, pricelist, reference_formats, company_info, uom_factors,
                 currency_rates):
        load(odoo)
    for model in ("product.product", "purchase.order", "stock.warehouse.orderpoint"):
        model_fields(odoo, model)
    from tools.odoo.labels import STATE_FIELDS, selection_labels  # labels.py imports this module

    for model, field in STATE_FIELDS:  # Odoo's own words for states ("Ready", "To Approve"), read once
        selection_labels(odoo, model, field)
