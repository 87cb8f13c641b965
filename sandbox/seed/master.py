"""Master data: company, users and groups, partners, units, categories, products, vendor pricelists,
warehouses, locations and operation types.

`build_master` fills the tables and returns a `World`: the ids and the Python-side facts (vendor profiles,
which site stocks what at what demand) that the history generator needs.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from sandbox.seed.catalog import CATEGORIES, CUSTOMERS, GROUPS, SITES, USERS, VENDORS, Profile, Site
from sandbox.seed.products import Item, expand
from sandbox.seed.tables import Tables, d, ean13

FURNITURE = ("Chair", "Desk", "Table", "Cabinet", "Shelving", "Monitor Arm", "Utility Cart")
DEMAND = {"F": (3.0, 12.0), "M": (0.8, 3.5), "S": (0.05, 0.4)}  # units/day at an average site


@dataclass
class SiteIds:
    site: Site
    warehouse: int
    view: int
    stock: int
    special: dict[str, int]  # sublocation name -> id
    bins: list[int]
    in_type: int
    out_type: int
    partner: int
    int_type: int = 0


@dataclass
class Supply:
    """One vendor's offer for an item (the current supplierinfo row, plus Cardinal's price history)."""

    vendor: int  # index into VENDORS
    price: float
    delay: int
    min_qty: float
    info_id: int
    history: list[tuple[dt.date, dt.date | None, float, int]] = field(default_factory=list)

    def price_on(self, day: dt.date) -> tuple[float, int]:
        for start, end, price, info in self.history:
            if start <= day and (end is None or day <= end):
                return price, info
        return self.price, self.info_id


@dataclass
class World:
    today: dt.date
    now: dt.datetime
    start: dt.date
    rng: random.Random
    scale: int
    items: list[Item] = field(default_factory=list)  # index i -> product id i+1
    supply: dict[int, list[Supply]] = field(default_factory=dict)  # product id -> offers
    profiles: list[Profile] = field(default_factory=list)  # per vendor index
    vendor_ids: list[int] = field(default_factory=list)  # res.partner id per vendor index
    contacts: list[list[int]] = field(default_factory=list)  # contact partner ids per vendor index
    sites: list[SiteIds] = field(default_factory=list)
    stocked: dict[tuple[int, int], float] = field(default_factory=dict)  # (site idx, product id) -> units/day
    primary: dict[tuple[int, int], int] = field(default_factory=dict)  # (site idx, product id) -> vendor index
    users: dict[str, int] = field(default_factory=dict)  # login -> res.users id
    user_partner: dict[str, int] = field(default_factory=dict)  # login -> res.partner id
    customers: dict[str, list[int]] = field(default_factory=dict)  # site code -> customer partner ids
    vendor_locations: int = 3
    customer_location: int = 4
    uom: dict[str, int] = field(default_factory=dict)
    subtypes: dict[str, int] = field(default_factory=dict)  # xml_id -> id
    activity_types: dict[str, int] = field(default_factory=dict)  # short key -> id
    price_steps: list[dt.date] = field(default_factory=list)  # Cardinal's increase dates


def _average_profile(rng: random.Random) -> Profile:
    return Profile(on_time=round(rng.uniform(0.78, 0.93), 3), late=(1, rng.randint(3, 7)),
                   delay=rng.choice((3, 4, 5, 6, 7, 10)), partial=round(rng.uniform(0.03, 0.1), 3),
                   over=round(rng.uniform(0.0, 0.03), 3), defect=round(rng.uniform(0.003, 0.025), 3),
                   bill_price=round(rng.uniform(0.005, 0.03), 3), bill_qty=round(rng.uniform(0.0, 0.01), 3),
                   price=round(rng.uniform(0.95, 1.08), 3), chatty=round(rng.uniform(0.15, 0.35), 2))


def _people(t: Tables, w: World) -> None:
    t.add("res.currency", name="USD", symbol="$", rounding=0.01, decimal_places=2, position="before", active=True)
    addr = {"street": "4200 Irving Blvd", "city": "Dallas", "zip": "75247", "state_code": "TX", "country_code": "US"}
    t.add("res.partner", name="Bluebonnet Supply Co.", complete_name="Bluebonnet Supply Co.", is_company=True,
          parent_id=None, commercial_partner_id=1, type="contact", email="info@bluebonnetsupply.com",
          phone="+1 214-555-0100", ref=None, vat="US75-3318842", lang="en_US", tz="America/Chicago", active=True,
          supplier_rank=0, customer_rank=0, company_id=None, comment=None, buyer_id=None, user_id=None,
          category_id=[], **addr)
    t.add("res.company", name="Bluebonnet Supply Co.", partner_id=1, currency_id=1,
          email="info@bluebonnetsupply.com", phone="+1 214-555-0100", street=addr["street"], city="Dallas",
          zip="75247", state_code="TX", country_code="US")
    gid = {}
    for xml_id, name, _implied in GROUPS:
        gid[xml_id] = t.add("res.groups", name=name, xml_id=xml_id, implied_ids=[])
    for xml_id, _name, implied in GROUPS:
        t.get("res.groups", gid[xml_id])["implied_ids"] = [gid[x] for x in implied]

    def closure(groups: tuple[str, ...]) -> list[int]:
        seen: list[str] = []
        todo = list(groups)
        while todo:
            g = todo.pop(0)
            if g not in seen:
                seen.append(g)
                todo.extend(next(imp for x, _n, imp in GROUPS if x == g))
        return sorted(gid[g] for g in seen)

    def person(name: str, email: str | None, parent: int | None = None, **extra: object) -> int:
        pid = len(t.table("res.partner")) + 1
        parent_name = t.get("res.partner", parent)["name"] if parent else None
        values: dict[str, object] = dict(
            name=name, complete_name=f"{parent_name}, {name}" if parent_name else name, is_company=False,
            parent_id=parent, commercial_partner_id=parent or pid, type="contact", email=email, phone=None,
            street=None, city=None, zip=None, state_code=None, country_code="US", ref=None, vat=None,
            lang="en_US", tz="America/Chicago", active=True, supplier_rank=0, customer_rank=0, company_id=None,
            comment=None, buyer_id=None, user_id=None, category_id=[])
        values.update(extra)
        return t.add("res.partner", **values)

    bot = person("OdooBot", "odoobot@example.com", active=False)
    t.add("res.users", login="__system__", password=None, name="OdooBot", partner_id=bot, company_id=1,
          company_ids=[1], groups_id=closure(tuple(g[0] for g in GROUPS)), active=False, share=False,
          lang="en_US", tz="America/Chicago", email="odoobot@example.com")
    for u in USERS:
        pid = person(u.name, u.email, phone="+1 214-555-0" + str(110 + len(w.users)))
        w.users[u.login] = t.add("res.users", login=u.login, password=u.login, name=u.name, partner_id=pid,
                                 company_id=1, company_ids=[1], groups_id=closure(u.groups), active=True,
                                 share=False, lang="en_US", tz="America/Chicago", email=u.email)
        w.user_partner[u.login] = pid


def _partners(t: Tables, w: World) -> None:
    rng = w.rng
    for s in SITES:
        pid = len(t.table("res.partner")) + 1
        t.add("res.partner", name=s.name, complete_name=f"Bluebonnet Supply Co., {s.name}", is_company=False,
              parent_id=1, commercial_partner_id=1, type="delivery", email=None, phone=None, street=s.street,
              city=s.city, zip=s.zip, state_code=s.state, country_code="US", ref=s.code, vat=None, lang="en_US",
              tz="America/Chicago", active=True, supplier_rank=0, customer_rank=0, company_id=None, comment=None,
              buyer_id=None, user_id=None, category_id=[])
        w.customers[s.code] = []
        w.sites.append(SiteIds(s, 0, 0, 0, {}, [], 0, 0, pid))
    for n, v in enumerate(VENDORS):
        w.profiles.append(v.profile or _average_profile(rng))
        buyer = "ben.buyer" if v.cats[0] in ("FST", "CHM", "ELE", "TOL", "MHE") else "ava.buyer"
        vid = t.add("res.partner", name=v.name, complete_name=v.name, is_company=True, parent_id=None,
                    commercial_partner_id=len(t.table("res.partner")) + 1, type="contact",
                    email=f"orders@{v.domain}", phone=f"+1 {rng.randint(210, 989)}-555-{rng.randint(1000, 9999)}",
                    street=f"{rng.randint(100, 9900)} {rng.choice(('Commerce', 'Industrial', 'Freeport', 'Loop', 'Market'))} "
                           f"{rng.choice(('St', 'Blvd', 'Pkwy', 'Dr'))}",
                    city=v.city, zip=f"{rng.randint(70000, 79999)}", state_code=v.state, country_code="US",
                    ref=f"V{n + 1:04d}", vat=f"US{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}",
                    lang="en_US", tz="America/Chicago", active=True, supplier_rank=rng.randint(3, 40),
                    customer_rank=0, company_id=None, comment=None, buyer_id=w.users[buyer], user_id=None,
                    category_id=[])
        w.vendor_ids.append(vid)
        contacts = []
        for cname in v.contacts:
            first, last = cname.replace("Dr. ", "").split(" ", 1)
            pid = len(t.table("res.partner")) + 1
            contacts.append(t.add(
                "res.partner", name=cname, complete_name=f"{v.name}, {cname}", is_company=False, parent_id=vid,
                commercial_partner_id=vid, type="contact", email=f"{first[0].lower()}{last.lower()}@{v.domain}",
                phone=f"+1 {rng.randint(210, 989)}-555-{rng.randint(1000, 9999)}", street=None, city=v.city,
                zip=None, state_code=v.state, country_code="US", ref=None, vat=None, lang="en_US",
                tz="America/Chicago", active=True, supplier_rank=0, customer_rank=0, company_id=None,
                comment=None, buyer_id=None, user_id=None, category_id=[]))
            assert contacts[-1] == pid
        w.contacts.append(contacts)
    for name, segment, city, state, sites in CUSTOMERS:
        slug = "".join(c for c in name.lower() if c.isalnum())[:18]
        cid = t.add("res.partner", name=name, complete_name=name, is_company=True, parent_id=None,
                    commercial_partner_id=len(t.table("res.partner")) + 1, type="contact",
                    email=f"purchasing@{slug}.com", phone=f"+1 {rng.randint(210, 989)}-555-{rng.randint(1000, 9999)}",
                    street=f"{rng.randint(100, 9900)} Main St", city=city, zip=f"{rng.randint(70000, 79999)}",
                    state_code=state, country_code="US", ref=f"C{len(w.customers['DAL']) + rng.randint(100, 999)}",
                    vat=None, lang="en_US", tz="America/Chicago", active=True, supplier_rank=0,
                    customer_rank=rng.randint(5, 60), company_id=None, comment=f"<p>Segment: {segment}</p>",
                    buyer_id=None, user_id=None, category_id=[])
        for code in sites:
            w.customers[code].append(cid)


def _units(t: Tables, w: World) -> None:
    cats = {n: t.add("uom.category", name=n) for n in ("Unit", "Weight", "Volume", "Length / Distance")}
    for name, cat, factor, kind, rounding in (
        ("Units", "Unit", 1.0, "reference", 0.01), ("Dozens", "Unit", 1 / 12, "bigger", 1.0),
        ("Box of 12", "Unit", 1 / 12, "bigger", 1.0), ("Case of 24", "Unit", 1 / 24, "bigger", 1.0),
        ("Pack of 100", "Unit", 1 / 100, "bigger", 1.0), ("kg", "Weight", 1.0, "reference", 0.01),
        ("g", "Weight", 1000.0, "smaller", 0.01), ("lb", "Weight", 2.20462, "smaller", 0.01),
        ("L", "Volume", 1.0, "reference", 0.01), ("gal (US)", "Volume", 0.264172, "smaller", 0.01),
        ("m", "Length / Distance", 1.0, "reference", 0.01), ("ft", "Length / Distance", 3.28084, "smaller", 0.01),
    ):
        w.uom[name] = t.add("uom.uom", name=name, category_id=cats[cat], factor=factor, uom_type=kind,
                            rounding=rounding, active=True)


def _products(t: Tables, w: World) -> None:
    rng = w.rng
    t.add("product.category", name="All", parent_id=None, complete_name="All")
    cat_ids = {}
    for prefix, (name, _b, _h) in CATEGORIES.items():
        cat_ids[prefix] = t.add("product.category", name=name, parent_id=1, complete_name=f"All / {name}")
    by_cat: dict[str, list[int]] = {p: [n for n, v in enumerate(VENDORS) if p in v.cats] for p in CATEGORIES}
    start = w.start
    w.price_steps = [start + dt.timedelta(days=x) for x in (150, 330, 470)]
    for prefix, (_name, base, hero) in CATEGORIES.items():
        for code, name, vel, cost, opts, fam in expand(prefix, base, hero):
            pid = len(w.items) + 1
            uom = w.uom[opts.get("uom", "Units")]
            po_uom = w.uom[opts.get("po", opts.get("uom", "Units"))]
            lot = bool(opts.get("lot"))
            active = not (vel == "S" and (pid % 11 == 4 or rng.random() < 0.02))  # discontinued items
            barcode = ean13(85001200000 + pid * 7)
            price = round(cost * rng.uniform(1.32, 1.65), 2)
            t.add("product.template", name=name, default_code=code, barcode=barcode, type="consu",
                  is_storable=True, tracking="lot" if lot else "none", categ_id=cat_ids[prefix], uom_id=uom,
                  uom_po_id=po_uom, purchase_ok=True, sale_ok=True, purchase_method="receive", list_price=price,
                  standard_price=cost, active=active, company_id=None,
                  description_purchase="Keep at 2-8 °C; ship with data logger." if prefix == "CCP" else None,
                  weight=round(rng.uniform(0.1, 12.0), 2), volume=round(rng.uniform(0.001, 0.2), 3))
            t.add("product.product", product_tmpl_id=pid, default_code=code, barcode=barcode, active=active,
                  standard_price=cost)
            item = Item(prefix, code, name, vel, cost, opts.get("uom", "Units"),
                        opts.get("po", opts.get("uom", "Units")), lot, fam)
            item.vendors = _pick_vendors(rng, prefix, fam, by_cat[prefix])
            w.items.append(item)
            _supplierinfo(t, w, pid, item)


def _pick_vendors(rng: random.Random, prefix: str, fam: str, candidates: list[int]) -> list[int]:
    """2-4 vendors per item; the named good/bad vendors carry most of their categories."""
    furniture = any(k in fam for k in FURNITURE)
    pool = [v for v in candidates if (VENDORS[v].name in ("Gemini Furniture", "Wood Corner")) == furniture
            or (furniture and prefix == "MHE" and VENDORS[v].name == "Silverline Storage Systems")]
    if not pool:
        pool = list(candidates)
    anchors = {"FST": "Redline Fasteners", "PPE": "Cardinal Gloves & PPE", "MED": "Northgate Medical Supply",
               "CCP": "Summit Medical Distributors", "PKG": "Lonestar Packaging Co.", "CHM": "Crescent Chemical Co.",
               "OFF": "Gemini Furniture", "MHE": "Gemini Furniture"}
    chosen: list[int] = []
    for v in pool:
        name = VENDORS[v].name
        if name == anchors.get(prefix) or (name in ("Apex Industrial Supply", "Summit Medical Distributors",
                                                     "Northgate Medical Supply", "Lonestar Packaging Co.")
                                           and rng.random() < 0.75):
            chosen.append(v)
    rest = [v for v in pool if v not in chosen]
    rng.shuffle(rest)
    want = rng.randint(2, 4)
    chosen += rest[: max(0, want - len(chosen))]
    if len(chosen) < 2:
        chosen += [v for v in candidates if v not in chosen][: 2 - len(chosen)]
    return sorted(chosen[:4])


def _supplierinfo(t: Tables, w: World, pid: int, item: Item) -> None:
    rng = w.rng
    offers: list[Supply] = []
    for seq, v in enumerate(item.vendors, start=1):
        prof = w.profiles[v]
        vendor = VENDORS[v]
        price = round(item.cost * prof.price * rng.uniform(0.95, 1.06), 2)
        min_qty = float(max(1, round(prof.moq * rng.choice((1, 1, 2, 4))))) if prof.moq > 1 else 1.0
        delay = max(1, prof.delay + (rng.choice((-1, 0, 0, 1)) if vendor.profile is None else 0))
        common = dict(partner_id=w.vendor_ids[v], product_tmpl_id=pid, product_id=None,
                      product_name=None, product_code=f"{vendor.name[:2].upper()}-{rng.randint(10000, 99999)}",
                      min_qty=min_qty, discount=0.0, currency_id=1, delay=delay, sequence=seq, company_id=1)
        history: list[tuple[dt.date, dt.date | None, float, int]] = []
        if prof.steps:
            starts = [w.start - dt.timedelta(days=30), *w.price_steps]
            for k, begin in enumerate(starts):
                end = starts[k + 1] - dt.timedelta(days=1) if k + 1 < len(starts) else None
                p = round(price * (1.055 + 0.01 * (k % 2)) ** k, 2)
                info = t.add("product.supplierinfo", price=p, date_start=d(begin),
                             date_end=d(end) if end else None, **common)
                history.append((begin, end, p, info))
            offers.append(Supply(v, history[-1][2], delay, min_qty, history[-1][3], history))
        else:
            info = t.add("product.supplierinfo", price=price, date_start=None, date_end=None, **common)
            offers.append(Supply(v, price, delay, min_qty, info))
    w.supply[pid] = offers


def _sites(t: Tables, w: World) -> None:
    def loc(name: str, complete: str, usage: str, parent: int | None, wh: int | None, path: str, **kw: object) -> int:
        lid = len(t.table("stock.location")) + 1
        return t.add("stock.location", name=name, complete_name=complete, usage=usage, location_id=parent,
                     warehouse_id=wh, company_id=kw.pop("company", 1 if wh else None), active=True, barcode=None,
                     scrap_location=bool(kw.pop("scrap", False)), replenish_location=bool(kw.pop("replenish", False)),
                     parent_path=f"{path}{lid}/")

    loc("Physical Locations", "Physical Locations", "view", None, None, "")
    loc("Partners", "Partners", "view", None, None, "")
    w.vendor_locations = loc("Vendors", "Partners/Vendors", "supplier", 2, None, "2/")
    w.customer_location = loc("Customers", "Partners/Customers", "customer", 2, None, "2/")
    loc("Virtual Locations", "Virtual Locations", "view", None, None, "")
    loc("Inventory adjustment", "Virtual Locations/Inventory adjustment", "inventory", 5, None, "5/")
    loc("Scrap", "Virtual Locations/Scrap", "inventory", 5, None, "5/", scrap=True)
    nbins = w.scale if w.scale >= 2 else 0
    for n, s in enumerate(w.sites):
        code = s.site.code
        wh = n + 1
        s.view = loc(code, code, "view", 1, wh, "1/")
        s.stock = loc("Stock", f"{code}/Stock", "internal", s.view, wh, f"1/{s.view}/", replenish=True)
        for extra in s.site.special:
            s.special[extra] = loc(extra, f"{code}/Stock/{extra}", "internal", s.stock, wh, f"1/{s.view}/{s.stock}/")
        for b in range(1, nbins + 1):
            s.bins.append(loc(f"Bin {b:02d}", f"{code}/Stock/Bin {b:02d}", "internal", s.stock, wh,
                              f"1/{s.view}/{s.stock}/"))
    for n, s in enumerate(w.sites):
        wh = n + 1
        s.in_type = t.add("stock.picking.type", name="Receipts", code="incoming", sequence_code="IN", warehouse_id=wh,
                          default_location_src_id=w.vendor_locations, default_location_dest_id=s.stock,
                          company_id=1, active=True, sequence=1, return_picking_type_id=None)
        s.out_type = t.add("stock.picking.type", name="Delivery Orders", code="outgoing", sequence_code="OUT",
                           warehouse_id=wh, default_location_src_id=s.stock,
                           default_location_dest_id=w.customer_location, company_id=1, active=True, sequence=2,
                           return_picking_type_id=None)
        t.get("stock.picking.type", s.in_type)["return_picking_type_id"] = s.out_type
        s.warehouse = t.add("stock.warehouse", name=s.site.name, code=s.site.code, company_id=1, partner_id=s.partner,
                            view_location_id=s.view, lot_stock_id=s.stock, wh_input_stock_loc_id=s.stock,
                            in_type_id=s.in_type, out_type_id=s.out_type, int_type_id=None,
                            reception_steps="one_step", delivery_steps="ship_only", buy_to_resupply=True,
                            active=True, sequence=wh * 10)
        assert s.warehouse == wh
    for s in w.sites:  # Odoo 18 gives every warehouse an Internal Transfers type (active with 2+ warehouses)
        s.int_type = t.add("stock.picking.type", name="Internal Transfers", code="internal", sequence_code="INT",
                           warehouse_id=s.warehouse, default_location_src_id=s.stock, default_location_dest_id=s.stock,
                           company_id=1, active=True, sequence=3, return_picking_type_id=None)
        t.get("stock.warehouse", s.warehouse)["int_type_id"] = s.int_type


def _assortment(w: World) -> None:
    """Which site stocks which product at what daily demand, and whom it usually buys it from."""
    rng = w.rng
    for n, s in enumerate(w.sites):
        for i, item in enumerate(w.items):
            pid = i + 1
            core = item.code in _HERO_CODES
            if item.prefix not in s.site.categories or not (core or rng.random() < s.site.coverage):
                continue
            lo, hi = DEMAND[item.velocity]
            damp = min(1.0, 20.0 / item.cost) ** 0.8  # expensive items move fewer units
            w.stocked[(n, pid)] = round(rng.uniform(lo, hi) * s.site.size * damp, 3)
            offers = w.supply[pid]
            weights = [_vendor_weight(VENDORS[o.vendor].name) * rng.uniform(0.5, 1.5) for o in offers]
            w.primary[(n, pid)] = rng.choices([o.vendor for o in offers], weights)[0]
            if core:  # the named items: each site sticks to a different supplier (the "same item" problem)
                w.primary[(n, pid)] = offers[n % len(offers)].vendor


_HERO_CODES = {f"{p}-{h}" for p, (_n, _b, h) in CATEGORIES.items()}


def _vendor_weight(name: str) -> float:
    if name in ("Redline Fasteners", "Cardinal Gloves & PPE", "Northgate Medical Supply", "Gemini Furniture"):
        return 2.2
    if name in ("Apex Industrial Supply", "Summit Medical Distributors", "Lonestar Packaging Co."):
        return 2.0
    return 1.0


def _mail_types(t: Tables, w: World) -> None:
    for xml_id, name, internal, model, desc in (
        ("mail.mt_comment", "Discussions", False, None, None),
        ("mail.mt_note", "Note", True, None, None),
        ("mail.mt_activities", "Activities", True, None, None),
        ("purchase.mt_rfq_sent", "RFQ Sent", False, "purchase.order", "RFQ sent"),
        ("purchase.mt_rfq_confirmed", "RFQ Confirmed", False, "purchase.order", "RFQ confirmed"),
        ("purchase.mt_rfq_approved", "RFQ Approved", False, "purchase.order", "RFQ approved"),
        ("purchase.mt_rfq_done", "RFQ Done", False, "purchase.order", "RFQ done"),
        ("account.mt_invoice_validated", "Validated", False, "account.move", "Invoice validated"),
        ("account.mt_invoice_paid", "Paid", False, "account.move", "Invoice paid"),
        ("stock.mt_picking_done", "Done", True, "stock.picking", "Transfer done"),
    ):
        w.subtypes[xml_id] = t.add("mail.message.subtype", name=name, xml_id=xml_id, internal=internal,
                                   description=desc, res_model=model, default=model is None or not internal,
                                   sequence=len(w.subtypes) + 1, hidden=False)
    for key, name, cat, icon, delay in (
        ("email", "Email", "default", "fa-envelope", 0), ("call", "Call", "phonecall", "fa-phone", 2),
        ("meeting", "Meeting", "default", "fa-users", 0), ("todo", "To-Do", "default", "fa-check", 5),
        ("upload", "Upload Document", "upload_file", "fa-upload", 5),
    ):
        w.activity_types[key] = t.add("mail.activity.type", name=name, category=cat, delay_count=delay, icon=icon,
                                      res_model=None, summary=None,
                                      xml_id=f"mail.mail_activity_data_{'upload_document' if key == 'upload' else key}")


def build_master(t: Tables, w: World) -> None:
    """Fill every master-data table (order matters: ids referenced later are created first)."""
    _people(t, w)
    _partners(t, w)
    _units(t, w)
    _products(t, w)
    _sites(t, w)
    _assortment(w)
    _mail_types(t, w)
