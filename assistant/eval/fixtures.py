"""Placeholders in eval questions, filled from the connected Odoo at eval time.

Why: the expected answers must come from the live data, not from numbers frozen in a file, and no question
may name a warehouse, product, vendor or reference of one business, so the same sets run on the demo
sandbox, a second sandbox business and a real Odoo 18.

Syntax: `{name}`, `{name:selector}`, `{name:selector|transform|…}`. Selectors pick records by rank or by a
property the question needs:

- warehouses: `w1`…`w9` (by id; wraps round when Odoo has fewer, so a one-warehouse Odoo still runs the
  item), `w2+v8` (the same among the warehouses of companies vendor v8's price for {vendor_product:v8} is set
  up for: an RFQ item must not send a vendor's price to a company it does not belong to), `zero` (most products at zero stock), `late` (most overdue receipts), `open` (most open receipts);
  placeholders `warehouse_code`, `warehouse_name`, `warehouse_city` (the warehouse address' city, else the
  name's first word), `warehouse` (= name).
- vendors: `v1`…`v9` (by number of confirmed POs, wraps round), `late` (most late open POs), `match`
  (most bills that disagree with their PO), `messages` (most messages), `contract1`/`contract2` (vendors
  with a contract in the document store), `multi` (sells two products or more), `bills` (most open bills), `rfq` (most open RFQs);
  placeholders `vendor`, `vendor_short` (first word when no other vendor shares it), `vendor_product`,
  `vendor_other_product`, `vendor_word:shared` (a word in the names of 2–4 vendors).
- products: `product_stocked:<wh>`, `product_stocked_name:<wh>`, `product_stocked_nodash:<wh>`,
  `product_zero:<wh>`, `product_below:<wh>` (under its reorder minimum), `product_multi_vendor` (two vendor rows or more), `product_multi_site` (bought for
  two warehouses or more this year), `product_words:multi` / `product_word:multi` (words several products
  share), `category:top` / `category:2` (by spend this year), `variant_template`, `variant_code:1`,
  `variant_word:1` (a product with variants, one variant's code and its attribute word "White").
- references: `po_open[:<wh>]`, `po_late[:<wh>]`, `po_done`, `po_draft`, `po_of:<vendor>`, `po_short`,
  `po_number`, `po_billed`, `receipt_open:<wh>`, `receipt_done`, `bill_open`.
- dates: `date:+3` / `date:-10` (company-local today plus days, ISO).

Transforms: `lower`, `upper`, `typo` (two letters of the longest word swapped: "Housotn"), `drop` (a vowel
left out: "Gemni"), `nodash`,
`first` (first word).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tools.odoo.client import OdooClient
from tools.odoo.resolve import DEFAULT_TZ, company_today, company_tz

PLACEHOLDER = re.compile(r"\{([a-z_]+)(?::([A-Za-z0-9_ .&+-]+))?((?:\|[a-z]+)*)\}")
VENDOR_SELECTORS = {"late", "match", "messages", "contract1", "contract2", "multi", "bills", "rfq"}
STOP_WORDS = {"and", "the", "of", "for", "inc", "ltd", "llc", "co", "company", "supply", "supplies", "group",
              "corp", "corporation", "sa", "gmbh", "bv", "nv", "srl", "spa"}


def local_midnight_utc(day: date, tz: str = DEFAULT_TZ) -> str:
    """Midnight opening `day` in the company's timezone, as the naive-UTC string Odoo compares with."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz)).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def today_start(tz: str = DEFAULT_TZ, now: datetime | None = None) -> str:
    """Start of the company-local today (06:00 UTC in a Texas winter), the same day rule as the read tools:
    a receipt is overdue when its scheduled time is before this."""
    return local_midnight_utc(company_today(tz, now), tz)


def typo(value: str) -> str:
    """The typo people make most: two letters of the longest word swapped near its end ("housotn")."""
    words = value.split(" ")
    i = max(range(len(words)), key=lambda k: len(words[k]))
    w = words[i]
    if len(w) >= 5:
        j = len(w) - 3
        words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


def drop(value: str) -> str:
    """A letter left out: the last vowel inside the longest word ("Gemni", "recipts")."""
    words = value.split(" ")
    i = max(range(len(words)), key=lambda k: len(words[k]))
    w = words[i]
    inner = [k for k in range(1, len(w) - 1) if w[k].lower() in "aeiou"]
    if len(w) >= 5 and inner:
        words[i] = w[:inner[-1]] + w[inner[-1] + 1:]
    return " ".join(words)


TRANSFORMS = {
    "lower": str.lower,
    "upper": str.upper,
    "typo": typo,
    "drop": drop,
    "nodash": lambda v: re.sub(r"[-_ ]", "", v).lower(),
    "first": lambda v: v.split(" ")[0],
}


class Fixtures:
    """Cached look-ups of real records to ask about."""

    def __init__(self, odoo: OdooClient, knowledge: Any = None) -> None:
        self.odoo = odoo
        self.knowledge = knowledge
        self._cache: dict[str, Any] = {}
        self.tz = company_tz(odoo)

    @property
    def today(self) -> date:
        return company_today(self.tz)

    def fill(self, text: str) -> tuple[str, dict[str, str]]:
        values: dict[str, str] = {}

        def sub(m: re.Match[str]) -> str:
            key = m.group(0)[1:-1]
            value = self.get(m.group(1), m.group(2))
            for t in filter(None, (m.group(3) or "").split("|")):
                if t not in TRANSFORMS:
                    raise KeyError(f"unknown eval transform |{t}")
                value = TRANSFORMS[t](value)
            values[key] = value
            return value

        return PLACEHOLDER.sub(sub, text), values

    def fill_any(self, value: Any) -> Any:
        """Fill placeholders in a param value (strings, lists and dicts of them)."""
        if isinstance(value, str):
            return self.fill(value)[0]
        if isinstance(value, list):
            return [self.fill_any(v) for v in value]
        if isinstance(value, dict):
            return {k: self.fill_any(v) for k, v in value.items()}
        return value

    def get(self, name: str, arg: str | None) -> str:
        key = f"{name}:{arg}"
        if key not in self._cache:
            fn = getattr(self, f"_{name}", None)
            if fn is None:
                raise KeyError(f"unknown eval placeholder {{{name}}}")
            self._cache[key] = fn(arg) if arg is not None else fn()
        return str(self._cache[key])

    def memo(self, key: str, loader: Any) -> Any:
        """A value loaded once per eval run (fixtures and checkers share the cache)."""
        if key not in self._cache:
            self._cache[key] = loader()
        return self._cache[key]

    # -- warehouses ----------------------------------------------------------------------------
    def warehouses(self) -> list[dict[str, Any]]:
        def load() -> list[dict[str, Any]]:
            rows = self.odoo.search_read("stock.warehouse", [], ["name", "code", "partner_id", "company_id"],
                                         order="id")
            if not rows:
                raise LookupError("Odoo has no warehouse")
            pids = [r["partner_id"][0] for r in rows if r.get("partner_id")]
            city = {p["id"]: p.get("city") for p in self.odoo.read("res.partner", pids, ["city"])} if pids else {}
            cities = [city.get(r["partner_id"][0]) if r.get("partner_id") else None for r in rows]
            for r, c in zip(rows, cities, strict=True):
                # the address' city when the name carries it and no other warehouse shares it (a warehouse on
                # the company's address would otherwise be "in" the head-office city); else the name's first word
                fits = c and str(c).lower() in str(r["name"]).lower() and cities.count(c) == 1
                r["city"] = str(c) if fits else str(r["name"]).split(" ")[0]
            return rows
        return self.memo("warehouses", load)  # type: ignore[no-any-return]

    def warehouse(self, sel: str | None) -> dict[str, Any]:
        """A warehouse by selector; a plain code (old files) is accepted too."""
        sel = sel or "w1"
        rows = self.warehouses()
        if m := re.fullmatch(r"w(\d)\+(v\d+|[a-z]+\d?)", sel):
            rows = self._buying_warehouses(m.group(2))  # only where that vendor's price for its product applies
            sel = f"w{m.group(1)}"
        if m := re.fullmatch(r"w(\d)", sel):
            return rows[(int(m.group(1)) - 1) % len(rows)]
        if sel in ("zero", "late", "open"):
            def score(r: dict[str, Any]) -> float:
                if sel == "zero":
                    return sum(1 for x in self._stock_rows_by_id(r["id"]) if not x.get("qty_available"))
                domain = self._open_receipt_domain(r["code"])
                if sel == "late":
                    domain.append(("scheduled_date", "<", today_start(self.tz)))
                return self.odoo.search_count("stock.picking", domain)
            best = self.memo(f"wh-best:{sel}", lambda: max(rows, key=lambda r: (score(r), -r["id"])))
            return best  # type: ignore[no-any-return]
        for r in rows:
            if str(r["code"]).lower() == sel.lower():
                return r
        raise LookupError(f"no warehouse {sel}")

    def _buying_warehouses(self, vendor_sel: str) -> list[dict[str, Any]]:
        """Warehouses an RFQ of {vendor_product:<vendor_sel>} from that vendor may go to: those of a company the
        vendor's price rows for the product are set up for (a row without a company is for all). On an Odoo
        with two companies a price may belong to one company only, and Odoo does not apply it to the other's
        purchases: "order 50 X from V for <the other company's warehouse>" has no price to propose."""
        def load() -> list[dict[str, Any]]:
            vendor, code = self.vendor(vendor_sel), self.get("vendor_product", vendor_sel)
            prices = self.odoo.search_read("product.supplierinfo", [("partner_id.name", "=", vendor)],
                                           ["product_tmpl_id", "product_id", "company_id"], limit=500)
            product = self.odoo.search_read("product.product", [("default_code", "=", code)],
                                            ["id", "product_tmpl_id"], limit=1)
            if product:
                tmpl, pid = product[0]["product_tmpl_id"][0], product[0]["id"]
                prices = [r for r in prices if r["product_tmpl_id"] and r["product_tmpl_id"][0] == tmpl
                          and (not r.get("product_id") or r["product_id"][0] == pid)] or prices
            companies = {(r.get("company_id") or [None])[0] for r in prices}
            rows = self.warehouses()
            if None in companies or not companies:
                return rows
            fits = [r for r in rows if (r.get("company_id") or [None])[0] in companies]
            if not fits:
                raise LookupError(f"no warehouse of a company {vendor}'s prices are set up for")
            return fits
        return self.memo(f"buying-wh:{vendor_sel}", load)  # type: ignore[no-any-return]

    def warehouse_id(self, code: str) -> int:
        for r in self.warehouses():
            if r["code"] == code:
                return int(r["id"])
        return int(self.warehouse(code)["id"])

    def _warehouse_code(self, sel: str | None = None) -> str:
        return str(self.warehouse(sel)["code"])

    def _warehouse_name(self, sel: str | None = None) -> str:
        return str(self.warehouse(sel)["name"])

    _warehouse = _warehouse_name

    def _warehouse_city(self, sel: str | None = None) -> str:
        return str(self.warehouse(sel)["city"])

    # -- products ------------------------------------------------------------------------------
    def _stock_rows_by_id(self, wid: int) -> list[dict[str, Any]]:
        return self.memo(f"stock:{wid}", lambda: self.odoo.search_read(  # type: ignore[no-any-return]
            "product.product", [("default_code", "!=", False), ("type", "in", ["product", "consu"])],
            ["default_code", "name", "qty_available"], limit=2000, order="default_code",
            context={"warehouse_id": wid}))

    def _stock_rows(self, sel: str) -> list[dict[str, Any]]:
        return self._stock_rows_by_id(int(self.warehouse(sel)["id"]))

    def _product_stocked(self, sel: str) -> str:
        rows = [r for r in self._stock_rows(sel) if (r.get("qty_available") or 0) > 0]
        if not rows:
            raise LookupError(f"no product in stock at {sel}")
        return str(rows[len(rows) // 3]["default_code"])

    def _product_stocked_name(self, sel: str) -> str:
        rows = [r for r in self._stock_rows(sel) if (r.get("qty_available") or 0) > 0]
        if not rows:
            raise LookupError(f"no product in stock at {sel}")
        names = Counter(str(r["name"]) for r in rows)
        unique = [r for r in rows if names[str(r["name"])] == 1] or rows
        return str(unique[len(unique) // 2]["name"])

    def _spaced_row(self, sel: str) -> tuple[str, str]:
        """(how people write it, its code) for a product in stock at `sel` whose code or name has a space and a
        number or unit in it ("CLN-Degreaser 5L", "Claw Hammer 16 oz"): a code with a space when Odoo has one,
        else the name up to its first comma or bracket when no other product name contains those words."""
        wid = int(self.warehouse(sel)["id"])
        free = self.memo(f"free:{wid}", lambda: {r["id"]: r.get("free_qty") for r in self.odoo.search_read(
            "product.product", [("default_code", "!=", False)], ["free_qty"], limit=2000,
            context={"warehouse_id": wid})})
        rows = [r for r in self._stock_rows(sel) if (r.get("qty_available") or 0) >= 2
                and (free.get(r["id"]) is None or free[r["id"]] >= 2)]  # free to move or request
        for r in rows:
            if " " in str(r["default_code"]).strip():
                return str(r["default_code"]), str(r["default_code"])
        names = [str(x["name"]).lower() for x in self._product_names()]
        for r in rows[len(rows) // 4:] + rows[:len(rows) // 4]:
            head = re.split(r"[,(]", str(r["name"]))[0].strip()
            if len(head.split()) >= 2 and re.search(r"\d", head) and sum(head.lower() in n for n in names) == 1:
                return head, str(r["default_code"])
        raise LookupError(f"no product with a spaced name or code in stock at {sel}")

    def _product_spaced(self, sel: str) -> str:
        return self._spaced_row(sel)[0]

    def _product_spaced_code(self, sel: str) -> str:
        return self._spaced_row(sel)[1]

    def _product_stocked_nodash(self, sel: str) -> str:
        """The same product as {product_stocked:…}, typed the lazy way: 'ppe1042'."""
        return re.sub(r"[-_ .]", "", self.get("product_stocked", sel)).lower()

    def _product_zero(self, sel: str) -> str:
        rows = [r for r in self._stock_rows(sel) if not r.get("qty_available")]
        if not rows:
            raise LookupError(f"no product with zero stock at {sel}")
        return str(rows[0]["default_code"])

    def _product_below(self, sel: str) -> str:
        """A product under its reorder minimum at the warehouse ("how many to get back to max?")."""
        wid = int(self.warehouse(sel)["id"])
        rules = self.odoo.search_read("stock.warehouse.orderpoint", [("warehouse_id", "=", wid)],
                                      ["product_id", "product_min_qty"], limit=5000, order="id")
        qty = {r["id"]: (r.get("qty_available") or 0, r["default_code"]) for r in self._stock_rows_by_id(wid)}
        for rule in rules:
            on_hand, code = qty.get(rule["product_id"][0], (None, None))
            if code and on_hand is not None and on_hand < rule["product_min_qty"]:
                return str(code)
        raise LookupError(f"no product below its minimum at {sel}")

    def _variants(self) -> list[dict[str, Any]]:
        """The variants (with codes) of the first product template that has two or more."""
        def load() -> list[dict[str, Any]]:
            rows = self.odoo.search_read("product.product", [("default_code", "!=", False)],
                                         ["default_code", "display_name", "product_tmpl_id"], limit=5000, order="id")
            by: dict[int, list[dict[str, Any]]] = {}
            for r in rows:
                by.setdefault(r["product_tmpl_id"][0], []).append(r)
            for variants in by.values():
                if len(variants) >= 2 and all(re.search(r"\(([^)]+)\)\s*$", str(v["display_name"])) for v in variants):
                    return variants
            raise LookupError("no product with variants")
        return self.memo("variants", load)  # type: ignore[no-any-return]

    def _variant_template(self) -> str:
        """The product's name without the variant part: "Acoustic Bloc Screen"."""
        return str(self._variants()[0]["product_tmpl_id"][1])

    def _variant_code(self, n: str = "1") -> str:
        return str(self._variants()[(int(n) - 1) % len(self._variants())]["default_code"])

    def _variant_word(self, n: str = "1") -> str:
        """The attribute value that tells the variant apart ("White" in "… (White)")."""
        v = self._variants()[(int(n) - 1) % len(self._variants())]
        m = re.search(r"\(([^)]+)\)\s*$", str(v["display_name"]))
        return m.group(1).split(",")[0].strip() if m else str(v["default_code"])

    def _product_names(self) -> list[dict[str, Any]]:
        return self.memo("product-names", lambda: self.odoo.search_read(  # type: ignore[no-any-return]
            "product.product", [("default_code", "!=", False)], ["name", "default_code"], limit=5000,
            order="default_code"))

    def _word_groups(self) -> dict[str, set[str]]:
        groups: dict[str, set[str]] = {}
        for r in self._product_names():
            for w in set(re.findall(r"[a-z]{4,}", str(r["name"]).lower())):
                groups.setdefault(w, set()).add(str(r["default_code"]))
        return groups

    def _product_word(self, arg: str = "multi") -> str:
        """A word (6 letters or more) 3–8 products share: a search that must come back as candidates."""
        groups = self._word_groups()
        fits = sorted((w for w, c in groups.items() if 3 <= len(c) <= 8 and len(w) >= 6),
                      key=lambda w: (-len(groups[w]), w))
        if not fits:
            raise LookupError("no word shared by several products")
        return fits[0]

    def _product_words(self, arg: str = "multi") -> str:
        """Two adjacent words that occur in 2–6 product names ("alkaline batteries")."""
        pairs: dict[str, set[str]] = {}
        for r in self._product_names():
            ws = re.findall(r"[a-z]{4,}", str(r["name"]).lower())
            for a, b in zip(ws, ws[1:], strict=False):
                pairs.setdefault(f"{a} {b}", set()).add(str(r["default_code"]))
        fits = sorted((p for p, c in pairs.items() if 2 <= len(c) <= 6), key=lambda p: (-len(pairs[p]), p))
        if not fits:
            raise LookupError("no two words shared by several products")
        return fits[0]

    def _product_multi_vendor(self, arg: str | None = None) -> str:
        """A product with two vendor price rows or more (who supplies / cheapest / fastest)."""
        def load() -> str:
            rows = self.odoo.search_read("product.supplierinfo", [], ["product_tmpl_id", "partner_id"], limit=5000,
                                         order="id")
            by_tmpl: dict[int, set[int]] = {}
            for r in rows:
                by_tmpl.setdefault(r["product_tmpl_id"][0], set()).add(r["partner_id"][0])
            multi = sorted(t for t, v in by_tmpl.items() if len(v) >= 2)
            for tmpl in multi:
                prod = self.odoo.search_read("product.product", [("product_tmpl_id", "=", tmpl),
                                                                 ("default_code", "!=", False)], ["default_code"],
                                             limit=1)
                if prod:
                    return str(prod[0]["default_code"])
            raise LookupError("no product with two vendors")
        return str(self.memo("multi-vendor", load))

    def _product_multi_site(self, arg: str | None = None) -> str:
        """A product bought for two warehouses or more since the start of the year (price across sites)."""
        def load() -> str:
            start = date(self.today.year, 1, 1)
            if (self.today - start).days < 60:
                start = start.replace(year=start.year - 1)
            groups = self.odoo.read_group(
                "purchase.order.line", [("order_id.state", "in", ["purchase", "done"]),
                                        ("order_id.date_approve", ">=", local_midnight_utc(start, self.tz)),
                                        ("product_id.default_code", "!=", False)],
                ["product_id", "order_id"], ["product_id", "order_id"], lazy=False, limit=20000)
            po_ids = {g["order_id"][0] for g in groups if g.get("order_id")}
            wh = {p["id"]: (p["picking_type_id"] or [0])[0] for p in self.odoo.read(
                "purchase.order", list(po_ids), ["picking_type_id"])} if po_ids else {}
            sites: dict[int, set[int]] = {}
            for g in groups:
                if g.get("product_id") and g.get("order_id"):
                    sites.setdefault(g["product_id"][0], set()).add(wh.get(g["order_id"][0], 0))
            ranked = sorted(sites, key=lambda p: (-len(sites[p]), p))
            if not ranked or len(sites[ranked[0]]) < 2:
                raise LookupError("no product bought for two warehouses")
            return str(self.odoo.read("product.product", [ranked[0]], ["default_code"])[0]["default_code"])
        return str(self.memo("multi-site", load))

    def _category(self, sel: str = "top") -> str:
        """A product category by spend this year (leaf name, as people say it)."""
        def load() -> list[str]:
            groups = self.odoo.read_group(
                "purchase.order.line", [("order_id.state", "in", ["purchase", "done"])],
                ["product_id", "price_subtotal:sum"], ["product_id"], lazy=False, limit=20000)
            pids = [g["product_id"][0] for g in groups if g.get("product_id")]
            cat = {p["id"]: p["categ_id"] for p in self.odoo.read("product.product", pids, ["categ_id"])}
            spend: dict[str, float] = {}
            for g in groups:
                if g.get("product_id") and cat.get(g["product_id"][0]):
                    leaf = str(cat[g["product_id"][0]][1]).split(" / ")[-1]
                    spend[leaf] = spend.get(leaf, 0.0) + float(g.get("price_subtotal") or 0)
            return [c for c, _ in sorted(spend.items(), key=lambda kv: -kv[1]) if c != "All"]
        ranked: list[str] = self.memo("categories", load)
        if not ranked:
            raise LookupError("no category with spend")
        i = 0 if sel == "top" else int(sel) - 1
        return ranked[i % len(ranked)]

    # -- vendors -------------------------------------------------------------------------------
    def vendors(self) -> list[str]:
        """Vendors by number of confirmed POs (most first), then name."""
        def load() -> list[str]:
            groups = self.odoo.read_group("purchase.order", [("state", "in", ["purchase", "done"])],
                                          ["partner_id"], ["partner_id"], lazy=False)
            ranked = sorted((g for g in groups if g.get("partner_id")),
                            key=lambda g: (-int(g.get("__count") or g.get("partner_id_count") or 0),
                                           str(g["partner_id"][1])))
            if not ranked:
                raise LookupError("no vendor with confirmed purchase orders")
            return [str(g["partner_id"][1]) for g in ranked]
        return self.memo("vendors", load)  # type: ignore[no-any-return]

    def vendor(self, sel: str | None) -> str:
        sel = sel or "v1"
        ranked = self.vendors()
        if m := re.fullmatch(r"v(\d+)", sel):
            return ranked[(int(m.group(1)) - 1) % len(ranked)]
        if sel in VENDOR_SELECTORS:
            return str(self.memo(f"vendor-sel:{sel}", getattr(self, f"_vendor_{sel}")))
        if sel in ranked:
            return sel
        raise LookupError(f"unknown vendor selector {sel}")

    def _vendor_by_count(self, model: str, domain: list[Any], field: str = "partner_id") -> str:
        groups = self.odoo.read_group(model, domain, [field], [field], lazy=False)
        ranked = sorted((g for g in groups if g.get(field)),
                        key=lambda g: (-int(g.get("__count") or 0), str(g[field][1])))
        if not ranked:
            raise LookupError(f"no vendor with {model} {domain}")
        return str(ranked[0][field][1])

    def _vendor_late(self) -> str:
        rows = self.odoo.search_read("stock.picking", self._late_receipt_domain(None), ["partner_id"], limit=5000)
        counts = Counter(str(r["partner_id"][1]) for r in rows if r.get("partner_id"))
        if not counts:
            raise LookupError("no vendor with a late receipt")
        return sorted(counts, key=lambda n: (-counts[n], n))[0]

    def _vendor_match(self) -> str:
        names = self._match_vendors()
        if not names:
            raise LookupError("no vendor with a bill that disagrees with its PO")
        return names[0]

    def _match_vendors(self) -> list[str]:
        """Vendors whose posted bills disagree with the PO (price or quantity), most exceptions first."""
        def load() -> list[str]:
            lines = self.odoo.search_read(
                "account.move.line", [("move_id.move_type", "=", "in_invoice"), ("purchase_line_id", "!=", False),
                                      ("move_id.state", "=", "posted")],
                ["move_id", "partner_id", "price_unit", "quantity", "purchase_line_id"], limit=20000)
            pol_ids = list({ln["purchase_line_id"][0] for ln in lines})
            pol = {x["id"]: x for x in self.odoo.read("purchase.order.line", pol_ids,
                                                      ["price_unit", "qty_received"])} if pol_ids else {}
            bad: Counter[str] = Counter()
            for ln in lines:
                p = pol.get(ln["purchase_line_id"][0])
                if p and ln.get("partner_id") and (abs(ln["price_unit"] - p["price_unit"]) > 0.005
                                                   or ln["quantity"] > p["qty_received"] + 1e-6):
                    bad[str(ln["partner_id"][1])] += 1
            return [n for n, _ in sorted(bad.items(), key=lambda kv: (-kv[1], kv[0]))]
        return self.memo("match-vendors", load)  # type: ignore[no-any-return]

    def _vendor_messages(self) -> str:
        rows = self.odoo.search_read("mail.message", [("model", "=", "purchase.order"),
                                                      ("message_type", "in", ["email", "comment"])],
                                     ["res_id"], limit=20000)
        ids = Counter(r["res_id"] for r in rows)
        pos = self.odoo.read("purchase.order", list(ids), ["partner_id"]) if ids else []
        counts: Counter[str] = Counter()
        for p in pos:
            counts[str(p["partner_id"][1])] += ids[p["id"]]
        if not counts:
            raise LookupError("no vendor with messages")
        return sorted(counts, key=lambda n: (-counts[n], n))[0]

    def _contract_vendors(self) -> list[str]:
        def load() -> list[str]:
            have: list[str] = []
            if self.knowledge is not None:
                try:
                    have = [s for s in self.knowledge.suppliers()
                            if any(c.metadata.get("supplier") == s and c.metadata.get("doc_type") == "contract"
                                   for c in self.knowledge.index.chunks)]
                except Exception:  # noqa: BLE001 - no document store: no contract questions
                    have = []
            known = set(self.vendors())
            return sorted(s for s in have if s in known)
        return self.memo("contract-vendors", load)  # type: ignore[no-any-return]

    def _vendor_contract1(self) -> str:
        names = self._contract_vendors()
        if not names:
            raise LookupError("no vendor has a contract in the document store")
        return names[0]

    def _vendor_contract2(self) -> str:
        names = self._contract_vendors()
        if len(names) < 2:
            raise LookupError("fewer than two vendors have a contract")
        return names[1]

    def _vendor_multi(self) -> str:
        rows = self.odoo.search_read("product.supplierinfo", [], ["partner_id", "product_tmpl_id"], limit=5000)
        sells: dict[str, set[int]] = {}
        for r in rows:
            sells.setdefault(str(r["partner_id"][1]), set()).add(r["product_tmpl_id"][0])
        for name in self.vendors():
            if len(sells.get(name, ())) >= 2:
                return name
        raise LookupError("no vendor sells two products")

    def _vendor_rfq(self) -> str:
        return self._vendor_by_count("purchase.order", [("state", "in", ["draft", "sent"])])

    def _vendor_bills(self) -> str:
        return self._vendor_by_count("account.move", [("move_type", "=", "in_invoice"), ("state", "=", "posted"),
                                                      ("payment_state", "in", ["not_paid", "partial"])])

    def _vendor(self, sel: str | None = None) -> str:
        return self.vendor(sel)

    def _vendor_short(self, sel: str | None = None) -> str:
        """How people name a vendor: its first word ("Van Dijk" when the first is short), unless another
        vendor's name starts the same way."""
        name = self.vendor(sel)
        words = [w.strip(",.") for w in name.split(" ")]
        short = words[0] if len(words[0]) >= 4 and words[0].lower() not in STOP_WORDS else " ".join(words[:2])
        others = [v for v in self.vendors() if v != name and v.lower().startswith(short.lower())]
        return name if others or len(short) < 4 else short

    def _vendor_word(self, arg: str = "shared") -> str:
        """A word in the names of 2–4 vendors but not their first word of all (an ambiguous short name)."""
        counts: dict[str, set[str]] = {}
        for v in self.vendors():
            for w in set(re.findall(r"[A-Za-z]{5,}", v)):
                if w.lower() not in STOP_WORDS:
                    counts.setdefault(w, set()).add(v)
        fits = sorted((w for w, vs in counts.items() if 2 <= len(vs) <= 4), key=lambda w: (len(counts[w]), w))
        if not fits:
            raise LookupError("no word shared by several vendors")
        return fits[0]

    def _supplier_product(self, supplier: str) -> str:
        rows = self.odoo.search_read("product.supplierinfo", [("partner_id.name", "=", supplier)],
                                     ["product_tmpl_id"], limit=50, order="id")
        found = []
        for row in rows:
            prod = self.odoo.search_read("product.product", [("product_tmpl_id", "=", row["product_tmpl_id"][0]),
                                                             ("default_code", "!=", False)],
                                         ["default_code"], limit=2)
            if len(prod) == 1:
                return str(prod[0]["default_code"])
            found += prod
        if found:  # only products with variants: the first variant's own code
            return str(found[0]["default_code"])
        raise LookupError(f"{supplier} sells nothing with a code")

    def _vendor_product(self, sel: str | None = None) -> str:
        return self._supplier_product(self.vendor(sel))

    def _supplier_other_product(self, supplier: str) -> str:
        """Another product the supplier sells than {vendor_product:…} (for RFQs of several lines)."""
        first = self._supplier_product(supplier)
        rows = self.odoo.search_read("product.supplierinfo", [("partner_id.name", "=", supplier)],
                                     ["product_tmpl_id"], limit=50, order="id")
        for row in rows:
            prod = self.odoo.search_read("product.product", [("product_tmpl_id", "=", row["product_tmpl_id"][0])],
                                         ["default_code"], limit=2)
            if len(prod) == 1 and prod[0]["default_code"] and prod[0]["default_code"] != first:
                return str(prod[0]["default_code"])
        raise LookupError(f"{supplier} sells only one product")

    def _vendor_other_product(self, sel: str | None = None) -> str:
        return self._supplier_other_product(self.vendor(sel))

    # -- references ----------------------------------------------------------------------------
    def _po(self, domain: list[Any], what: str, order: str = "name") -> str:
        rows = self.odoo.search_read("purchase.order", domain, ["name"], limit=1, order=order)
        if not rows:
            raise LookupError(f"no purchase order that is {what}")
        return str(rows[0]["name"])

    def _po_open(self, sel: str | None = None) -> str:
        """An open PO (confirmed, not fully received), at the warehouse when it has one, else anywhere. One
        with a receipt still to come is preferred: a confirmed PO without any receipt (Odoo's receipt status
        empty) has nothing to reschedule or chase."""
        open_: list[Any] = [("state", "=", "purchase"), ("receipt_status", "!=", "full")]
        here = [("picking_type_id.warehouse_id", "=", int(self.warehouse(sel)["id"]))] if sel else None
        for where in ([here] if here else []) + [[]]:
            for domain in (open_ + [("receipt_status", "in", ["pending", "partial"])], open_):
                try:
                    return self._po(domain + where, "open")
                except LookupError:
                    continue
        raise LookupError("no open PO")

    def _open_receipt_domain(self, code: str | None) -> list[Any]:
        domain: list[Any] = [("picking_type_code", "=", "incoming"), ("state", "not in", ["done", "cancel"])]
        if code:
            domain.append(("picking_type_id.warehouse_id.code", "=", code))
        return domain

    def _late_receipt_domain(self, code: str | None) -> list[Any]:
        return self._open_receipt_domain(code) + [("scheduled_date", "<", today_start(self.tz)),
                                                  ("purchase_id", "!=", False)]

    def _po_late(self, sel: str | None = None) -> str:
        """A PO with an overdue receipt, at the warehouse when it has one, else anywhere."""
        code = str(self.warehouse(sel)["code"]) if sel else None
        rows = self.odoo.search_read("stock.picking", self._late_receipt_domain(code), ["purchase_id"], limit=1,
                                     order="scheduled_date")
        if not rows and code:
            rows = self.odoo.search_read("stock.picking", self._late_receipt_domain(None), ["purchase_id"],
                                         limit=1, order="scheduled_date")
        if not rows:
            raise LookupError("no late PO")
        return str(rows[0]["purchase_id"][1]).split(" ")[0]

    def _po_done(self) -> str:
        """A finished PO: locked (done), else confirmed and fully received."""
        try:
            return self._po([("state", "=", "done")], "done", order="name desc")
        except LookupError:
            return self._po([("state", "=", "purchase"), ("receipt_status", "=", "full")], "received",
                            order="name desc")

    def _po_draft(self) -> str:
        return self._po([("state", "in", ["draft", "sent"])], "an RFQ")

    def _po_of(self, sel: str) -> str:
        supplier = self.vendor(sel)
        return self._po([("partner_id.name", "=", supplier), ("state", "=", "purchase")], f"open at {supplier}")

    def _po_short(self, sel: str | None = None) -> str:
        """An open PO typed the lazy way: 'p1636' for P01636 (the prefix's first letter and the number)."""
        name = self.get("po_open", sel)
        m = re.fullmatch(r"([A-Za-z]+)\D*?0*(\d+)", name)
        if not m:
            raise LookupError(f"{name} has no short form")
        return m.group(1)[0].lower() + m.group(2)

    def _po_number(self, sel: str | None = None) -> str:
        """Only the number of an open PO, as in "where is PO 1636?"."""
        name = self.get("po_open", sel)
        digits = re.findall(r"\d+", name)
        if not digits:
            raise LookupError(f"{name} has no number")
        return str(int(digits[-1]))

    def _po_billed(self) -> str:
        """The latest fully billed PO, one with a posted bill first (Odoo counts draft bills as billed too)."""
        billed: list[Any] = [("state", "in", ["purchase", "done"]), ("invoice_status", "=", "invoiced")]
        rows = self.odoo.search_read("purchase.order", billed + [("invoice_ids.state", "=", "posted")],
                                     ["name"], limit=1, order="date_approve desc") or self.odoo.search_read(
            "purchase.order", billed, ["name"], limit=1, order="date_approve desc")
        if not rows:
            raise LookupError("no billed purchase order")
        return str(rows[0]["name"])

    def _receipt_open(self, sel: str) -> str:
        code = str(self.warehouse(sel)["code"])
        rows = self.odoo.search_read("stock.picking", self._open_receipt_domain(code), ["name"], limit=1,
                                     order="scheduled_date desc") or self.odoo.search_read(
            "stock.picking", self._open_receipt_domain(None), ["name"], limit=1, order="scheduled_date desc")
        if not rows:
            raise LookupError("no open receipt")
        return str(rows[0]["name"])

    def _receipt_done(self, sel: str | None = None) -> str:
        domain: list[Any] = [("picking_type_code", "=", "incoming"), ("state", "=", "done")]
        if sel:
            domain.append(("picking_type_id.warehouse_id.code", "=", str(self.warehouse(sel)["code"])))
        rows = self.odoo.search_read("stock.picking", domain, ["name"], limit=1, order="date_done desc")
        if not rows:
            raise LookupError("no done receipt")
        return str(rows[0]["name"])

    def _bill_open(self) -> str:
        rows = self.odoo.search_read("account.move", [("move_type", "=", "in_invoice"), ("state", "=", "posted"),
                                                      ("payment_state", "in", ["not_paid", "partial"])],
                                     ["name"], limit=1, order="invoice_date desc")
        if not rows:
            raise LookupError("no open vendor bill")
        return str(rows[0]["name"])

    def _date(self, offset: str = "0") -> str:
        return (self.today + timedelta(days=int(offset))).isoformat()

    # -- planted injections (the sandbox seeds them; a real Odoo has none: the item is skipped) --------
    def _injection_message(self) -> list[dict[str, Any]]:
        k = "injection"
        if k not in self._cache:
            rows = self.odoo.search_read("mail.message", [("body", "ilike", "ignore previous instructions")],
                                         ["model", "res_id", "record_name"], limit=10, order="id")
            if not rows:
                raise LookupError("the data has no injection-like message")
            self._cache[k] = rows
        return self._cache[k]  # type: ignore[no-any-return]

    def _po_injection(self) -> str:
        for r in self._injection_message():
            if r["model"] == "purchase.order":
                return str(self.odoo.read("purchase.order", [r["res_id"]], ["name"])[0]["name"])
        raise LookupError("no injection message on a PO")

    def _supplier_injection(self) -> str:
        for r in self._injection_message():
            if r["model"] == "res.partner":
                return str(self.odoo.read("res.partner", [r["res_id"]], ["name"])[0]["name"])
            if r["model"] == "purchase.order":
                po = self.odoo.read("purchase.order", [r["res_id"]], ["partner_id"])[0]
                return str(po["partner_id"][1])
        raise LookupError("no injection message on a supplier")
