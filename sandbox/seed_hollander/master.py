"""Hollander Horeca's master data: two companies in EUR, three warehouses (WH, RTM, EIN), users in
Europe/Amsterdam (an integration user without e-mail), UoMs with Dozens and Case of 24, products with
underscore/dot/space codes and variants, vendors with payment terms and GBP/USD price rows, currency rates,
ir.sequence rows with custom prefixes.

Why a separate generator: every convention here differs from Bluebonnet on purpose (issue #9), so a client
that assumed Bluebonnet's codes, units, currency or prefixes fails on this business in the sandbox already.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from sandbox.seed.catalog import GROUPS
from sandbox.seed.tables import Tables, d, ean13

TZ = "Europe/Amsterdam"
EUR, USD, GBP = 1, 2, 3
UNITS, DOZENS, CASE24, KG, LITRE = 1, 2, 3, 4, 5

PU, PM = "purchase.group_purchase_user", "purchase.group_purchase_manager"
SU, SM = "stock.group_stock_user", "stock.group_stock_manager"
AI, AM = "account.group_account_invoice", "account.group_account_manager"

# login, name, groups, company, allowed companies, e-mail (None: the integration user has none)
USERS: tuple[tuple[str, str, tuple[str, ...], int, tuple[int, ...], str | None], ...] = (
    ("qm.integration", "Quartermaster Integration", (PU, SU, AI), 1, (1, 2), None),
    ("sanne.inkoop", "Sanne de Vries", (PU, SU, AI), 1, (1, 2), "sanne.devries@hollander-horeca.example"),
    ("daan.magazijn", "Daan Bakker", (SU,), 1, (1,), "daan.bakker@hollander-horeca.example"),
    ("eva.financien", "Eva Jansen", (AI, AM, PU), 1, (1, 2), "eva.jansen@hollander-horeca.example"),
    ("pieter.manager", "Pieter Visser", (PM, SM, AI), 1, (1, 2), "pieter.visser@hollander-horeca.example"),
    ("noor.zuid", "Noor Hendriks", (PU, SU, AI), 2, (2,), "noor.hendriks@hollander-horeca.example"),
    ("lotte.teamlead", "Lotte de Boer", (PM, SU), 1, (1, 2), "lotte.deboer@hollander-horeca.example"),
)

PAYMENT_TERMS = ("Immediate Payment", "15 Days", "21 Days", "30 Days", "45 Days", "End of Following Month",
                 "30% Now, Balance 60 Days")


@dataclass(frozen=True)
class Vendor:
    key: str
    name: str
    currency: int
    term: str
    delay: int
    city: str
    contact: str
    email: str
    company: int | None = None  # the company it mostly supplies (partners themselves are shared)


VENDORS: tuple[Vendor, ...] = (
    Vendor("vandijk", "Van Dijk Glas & Porselein B.V.", EUR, "30 Days", 4, "Leerdam", "Marieke van Dijk",
           "verkoop@vandijkglas.example"),
    Vendor("koks", "Koks Keukentechniek B.V.", EUR, "15 Days", 3, "Utrecht", "Ruud Koks", "orders@kokskeuken.example"),
    Vendor("sheffield", "Sheffield Steel & Cutlery Ltd", GBP, "45 Days", 10, "Sheffield", "Oliver Hughes",
           "sales@sheffieldsteel.example"),
    Vendor("atlantic", "Atlantic Paper Goods Inc.", USD, "End of Following Month", 14, "Boston", "Megan Riley",
           "export@atlanticpaper.example"),
    Vendor("woodco", "Wood & Co Interiors B.V.", EUR, "30% Now, Balance 60 Days", 7, "Zwolle", "Bram Hout",
           "info@woodco-interiors.example"),
    Vendor("schoon", "Schoon Professional B.V.", EUR, "Immediate Payment", 2, "Breda", "Fatima El Amrani",
           "bestel@schoonpro.example"),
    Vendor("brabant", "Brabant Textiel B.V.", EUR, "21 Days", 5, "Tilburg", "Joep Verhoeven",
           "order@brabanttextiel.example", company=2),
)


@dataclass(frozen=True)
class Item:
    key: str
    template: str
    code: str
    categ: str
    uom_po: int
    cost: float  # EUR per stock unit
    variant: tuple[str, str] | None = None  # (attribute, value) for variants of a shared template
    active: bool = True


ITEMS: tuple[Item, ...] = (
    Item("screen_white", "Acoustic Bloc Screen", "FURN_7777", "Furniture", UNITS, 295.0, ("Colour", "White")),
    Item("screen_wood", "Acoustic Bloc Screen", "FURN_7778", "Furniture", UNITS, 325.0, ("Colour", "Wood")),
    Item("jacket_m", "Chef Jacket", "tex.jacket.M", "Textiles", UNITS, 24.5, ("Size", "M")),
    Item("jacket_l", "Chef Jacket", "tex.jacket.L", "Textiles", UNITS, 24.5, ("Size", "L")),
    Item("gn_pan", "Gastronorm Pan GN 1/1 65mm", "KIT.204", "Kitchen Equipment", UNITS, 18.9),
    Item("knife", "Chef Knife 20cm", "KIT.310", "Kitchen Equipment", DOZENS, 14.25),
    Item("steamer", "Combi Steamer 6x GN 1/1", "KIT.900", "Kitchen Equipment", UNITS, 7950.0),
    Item("wine", "Wine Glass 35cl", "GLS_Wine-35cl", "Glassware", DOZENS, 2.35),
    Item("plate", "Dinner Plate 27cm", "Plate.Dinner 27", "Crockery", DOZENS, 4.1),
    Item("cup", "Paper Coffee Cup 12oz (sleeve of 50)", "cup 12oz", "Disposables", CASE24, 3.2),
    Item("napkin", "Napkin 40x40 White (pack of 50)", "DISP_Napkin_40", "Disposables", CASE24, 2.6),
    Item("degreaser", "Kitchen Degreaser 5L", "CLN-Degreaser 5L", "Cleaning", UNITS, 11.4),
    Item("lamp", "Office Lamp", "furn_8888", "Furniture", UNITS, 45.0),
    Item("tray", "Serving Tray 40cm", "OLD_tray.40", "Crockery", UNITS, 6.0, active=False),
)

# (item, vendor, price per purchase UoM in the vendor's currency, min qty, sequence)
SUPPLY: tuple[tuple[str, str, float, float, int], ...] = (
    ("screen_white", "woodco", 295.0, 0.0, 1), ("screen_wood", "woodco", 325.0, 0.0, 1),
    ("lamp", "woodco", 45.0, 0.0, 1),
    ("jacket_m", "brabant", 24.5, 0.0, 1), ("jacket_l", "brabant", 24.5, 0.0, 1),
    ("gn_pan", "sheffield", 15.9, 0.0, 1), ("gn_pan", "koks", 19.5, 0.0, 2),
    ("knife", "sheffield", 146.0, 0.0, 1),  # GBP per dozen
    ("steamer", "koks", 7950.0, 0.0, 1),
    ("wine", "vandijk", 28.2, 0.0, 1), ("plate", "vandijk", 49.2, 0.0, 1),  # EUR per dozen
    ("cup", "atlantic", 82.8, 0.0, 1), ("napkin", "atlantic", 67.2, 0.0, 1),  # USD per case of 24
    ("napkin", "schoon", 66.0, 2.0, 2), ("degreaser", "schoon", 11.4, 0.0, 1),
)


@dataclass(frozen=True)
class Site:
    code: str
    name: str
    city: str
    company: int
    in_code: str = "IN"
    cold_room: bool = False


SITES: tuple[Site, ...] = (
    Site("WH", "Amsterdam Hoofdmagazijn", "Amsterdam", 1, cold_room=True),
    Site("RTM", "Rotterdam Havenmagazijn", "Rotterdam", 1),
    Site("EIN", "Eindhoven Zuid", "Eindhoven", 2, in_code="ONT"),
)

CUSTOMERS = (("Hotel De Gouden Leeuw", "Amsterdam", 1), ("Restaurant Het Anker", "Rotterdam", 1),
             ("Grand Café Centraal", "Amsterdam", 1), ("Brasserie Zuid", "Eindhoven", 2))


@dataclass
class SiteIds:
    site: Site
    warehouse: int
    view: int
    stock: int
    in_type: int
    out_type: int
    in_seq: int
    out_seq: int


@dataclass
class World:
    today: dt.date
    now: dt.datetime
    start: dt.date
    rng: random.Random
    scale: int
    users: dict[str, int] = field(default_factory=dict)
    user_partner: dict[str, int] = field(default_factory=dict)
    company_partner: dict[int, int] = field(default_factory=dict)
    vendors: dict[str, int] = field(default_factory=dict)
    contacts: dict[str, int] = field(default_factory=dict)
    customers: list[tuple[int, int]] = field(default_factory=list)  # (partner, company)
    products: dict[str, int] = field(default_factory=dict)
    uom_of: dict[str, int] = field(default_factory=dict)  # item -> purchase UoM
    supply: dict[tuple[str, str], int] = field(default_factory=dict)  # (item, vendor) -> supplierinfo id
    sites: dict[str, SiteIds] = field(default_factory=dict)
    po_seq: dict[int, int] = field(default_factory=dict)  # company -> ir.sequence id
    terms: dict[str, int] = field(default_factory=dict)
    subtypes: dict[str, int] = field(default_factory=dict)
    activity_types: dict[str, int] = field(default_factory=dict)
    supplier_location: int = 3
    customer_location: int = 4


FACTOR = {UNITS: 1.0, DOZENS: 12.0, CASE24: 24.0}


def build_master(t: Tables, w: World) -> None:
    _currencies(t, w)
    _companies_users(t, w)
    _uoms_categories(t)
    _partners(t, w)
    _products(t, w)
    _stock(t, w)
    _mail_types(t, w)


def _currencies(t: Tables, w: World) -> None:
    t.add("res.currency", name="EUR", symbol="€", rounding=0.01, decimal_places=2, position="after", active=True,
          full_name="Euro")
    t.add("res.currency", name="USD", symbol="$", rounding=0.01, decimal_places=2, position="before", active=True,
          full_name="United States dollar")
    t.add("res.currency", name="GBP", symbol="£", rounding=0.01, decimal_places=2, position="before", active=True,
          full_name="Pound sterling")
    usd, gbp = 1.0842, 0.8571
    day = w.start
    while day <= w.today:
        if day.weekday() < 5:
            usd = round(usd * (1 + w.rng.uniform(-0.003, 0.003)), 6)
            gbp = round(gbp * (1 + w.rng.uniform(-0.002, 0.002)), 6)
            t.add("res.currency.rate", name=d(day), rate=usd, currency_id=USD, company_id=None)
            t.add("res.currency.rate", name=d(day), rate=gbp, currency_id=GBP, company_id=None)
        day += dt.timedelta(days=1)


def _companies_users(t: Tables, w: World) -> None:
    t.add("res.company", name="Hollander Horeca B.V.", partner_id=1, currency_id=EUR, sequence=1,
          email="info@hollander-horeca.example", phone="+31 20 555 0100", street="Keizersgracht 100",
          city="Amsterdam", zip="1015 CV", country_code="NL", po_double_validation="two_step",
          po_double_validation_amount=5000.0, po_lock="edit", po_lead=0.0, days_to_purchase=0.0, parent_id=None)
    t.add("res.company", name="Hollander Horeca Zuid B.V.", partner_id=10, currency_id=EUR, sequence=2,
          email="zuid@hollander-horeca.example", phone="+31 40 555 0200", street="Stationsplein 8",
          city="Eindhoven", zip="5611 AB", country_code="NL", po_double_validation="one_step",
          po_double_validation_amount=5000.0, po_lock="edit", po_lead=0.0, days_to_purchase=0.0, parent_id=None)
    w.company_partner = {1: 1, 2: 10}
    gid: dict[str, int] = {}
    for xml_id, name, _implied in GROUPS:
        gid[xml_id] = t.add("res.groups", name=name, xml_id=xml_id, implied_ids=[])
    for xml_id, _name, implied in GROUPS:
        t.get("res.groups", gid[xml_id])["implied_ids"] = [gid[x] for x in implied]

    def closure(groups: tuple[str, ...]) -> list[int]:
        seen: set[str] = set()
        todo = list(groups)
        while todo:
            g = todo.pop()
            if g not in seen:
                seen.add(g)
                todo.extend(next(imp for x, _n, imp in GROUPS if x == g))
        return sorted(gid[g] for g in seen)

    # partners 1..9: company, OdooBot, the admin, the six users (ids fixed like a real Odoo's)
    t.add("res.partner", name="Hollander Horeca B.V.", is_company=True, email="info@hollander-horeca.example",
          street="Keizersgracht 100", city="Amsterdam", zip="1015 CV", country_code="NL", tz=TZ, lang="en_US",
          supplier_rank=0, customer_rank=0, company_id=1, vat="NL812345678B01")
    t.add("res.partner", name="OdooBot", is_company=False, active=False, email="odoobot@example.com", lang="en_US",
          supplier_rank=0, customer_rank=0, company_id=None)
    t.add("res.partner", name="Administrator", is_company=False, email="admin@hollander-horeca.example",
          parent_id=1, lang="en_US", tz=TZ, supplier_rank=0, customer_rank=0, company_id=None)
    for login, name, _g, _c, _cs, email in USERS:
        w.user_partner[login] = t.add("res.partner", name=name, is_company=False, email=email, parent_id=1,
                                      lang="en_US", tz=TZ, supplier_rank=0, customer_rank=0, company_id=None)
    t.add("res.partner", name="Hollander Horeca Zuid B.V.", is_company=True, email="zuid@hollander-horeca.example",
          street="Stationsplein 8", city="Eindhoven", zip="5611 AB", country_code="NL", tz=TZ, lang="en_US",
          supplier_rank=0, customer_rank=0, company_id=2, vat="NL856789012B01")
    everything = tuple(g[0] for g in GROUPS)
    t.add("res.users", login="__system__", password=None, name="OdooBot", partner_id=2, company_id=1,
          company_ids=[1, 2], groups_id=closure(everything), active=False, share=False, lang="en_US", tz=TZ,
          email="odoobot@example.com")
    w.users["admin"] = t.add("res.users", login="admin", password="admin", name="Administrator", partner_id=3,
                             company_id=1, company_ids=[1, 2], groups_id=closure(everything), active=True,
                             share=False, lang="en_US", tz=TZ, email="admin@hollander-horeca.example")
    w.user_partner["admin"] = 3
    for login, name, groups, company, companies, email in USERS:
        w.users[login] = t.add("res.users", login=login, password=login, name=name,
                               partner_id=w.user_partner[login], company_id=company, company_ids=list(companies),
                               groups_id=closure(groups), active=True, share=False, lang="en_US", tz=TZ, email=email)


def _uoms_categories(t: Tables) -> None:
    for name in ("Unit", "Weight", "Volume"):
        t.add("uom.category", name=name)
    t.add("uom.uom", name="Units", category_id=1, factor=1.0, uom_type="reference", rounding=0.01, active=True)
    t.add("uom.uom", name="Dozens", category_id=1, factor=1 / 12, uom_type="bigger", rounding=0.01, active=True)
    t.add("uom.uom", name="Case of 24", category_id=1, factor=1 / 24, uom_type="bigger", rounding=0.01, active=True)
    t.add("uom.uom", name="kg", category_id=2, factor=1.0, uom_type="reference", rounding=0.01, active=True)
    t.add("uom.uom", name="L", category_id=3, factor=1.0, uom_type="reference", rounding=0.01, active=True)
    t.add("product.category", name="All", parent_id=None)
    t.add("product.category", name="Tableware", parent_id=1)
    for name, parent in (("Glassware", 2), ("Crockery", 2), ("Kitchen Equipment", 1), ("Furniture", 1),
                         ("Disposables", 1), ("Cleaning", 1), ("Textiles", 1)):
        t.add("product.category", name=name, parent_id=parent)


def _partners(t: Tables, w: World) -> None:
    for seq, name in enumerate(PAYMENT_TERMS, start=1):
        w.terms[name] = t.add("account.payment.term", name=name, active=True, note=f"<p>Payment terms: {name}</p>",
                              company_id=None, sequence=seq, early_discount=False, display_on_invoice=True)
    for v in VENDORS:
        w.vendors[v.key] = t.add(
            "res.partner", name=v.name, is_company=True, email=v.email, city=v.city,
            country_code={"Sheffield": "GB", "Boston": "US"}.get(v.city, "NL"), lang="en_US", tz=TZ if v.currency == EUR
            else None, supplier_rank=3, customer_rank=0, company_id=None, ref=None,
            property_supplier_payment_term_id=w.terms[v.term],
            property_purchase_currency_id=None if v.currency == EUR else v.currency,
            buyer_id=None, user_id=None, category_id=[], comment=None, purchase_warn="no-message")
        w.contacts[v.key] = t.add("res.partner", name=v.contact, is_company=False, parent_id=w.vendors[v.key],
                                  type="contact", email=f"{v.contact.split()[0].lower()}@{v.email.split('@')[1]}",
                                  lang="en_US", supplier_rank=0, customer_rank=0, company_id=None)
    for name, city, company in CUSTOMERS:
        pid = t.add("res.partner", name=name, is_company=True, city=city, country_code="NL", lang="en_US", tz=TZ,
                    supplier_rank=0, customer_rank=2, company_id=None, email=None)
        w.customers.append((pid, company))


def _products(t: Tables, w: World) -> None:
    categ = {r["name"]: r["id"] for r in t.table("product.category")}
    attributes: dict[str, int] = {}
    values: dict[tuple[str, str], int] = {}
    templates: dict[str, int] = {}
    lines: dict[tuple[int, str], int] = {}
    for n, item in enumerate(ITEMS, start=1):
        tmpl = templates.get(item.template)
        if tmpl is None:
            tmpl = t.add("product.template", name=item.template, default_code=None if item.variant else item.code,
                         barcode=None if item.variant else ean13(871000000000 + n), type="consu", is_storable=True,
                         tracking="none", categ_id=categ[item.categ], uom_id=UNITS, uom_po_id=item.uom_po,
                         purchase_ok=item.active, sale_ok=True, purchase_method="receive",
                         list_price=round(item.cost * 1.6, 2), standard_price=item.cost, active=item.active,
                         company_id=None, description_purchase=None, weight=0.0, volume=0.0)
            templates[item.template] = tmpl
        combo: list[int] = []
        if item.variant:
            attr, value = item.variant
            if attr not in attributes:
                attributes[attr] = t.add("product.attribute", name=attr, active=True,
                                         display_type="color" if attr == "Colour" else "pills",
                                         create_variant="always", sequence=len(attributes) + 1)
            if (attr, value) not in values:
                values[(attr, value)] = t.add("product.attribute.value", name=value, attribute_id=attributes[attr],
                                              sequence=len(values) + 1, active=True, is_custom=False,
                                              html_color={"White": "#FFFFFF", "Wood": "#A0522D"}.get(value),
                                              default_extra_price=0.0)
            line = lines.get((tmpl, attr))
            if line is None:
                line = lines[(tmpl, attr)] = t.add("product.template.attribute.line", active=True,
                                                   product_tmpl_id=tmpl, attribute_id=attributes[attr],
                                                   value_ids=[], sequence=10)
            t.get("product.template.attribute.line", line)["value_ids"].append(values[(attr, value)])
            ptav = t.add("product.template.attribute.value", ptav_active=True,
                         product_attribute_value_id=values[(attr, value)], attribute_line_id=line,
                         price_extra=30.0 if value == "Wood" else 0.0, product_tmpl_id=tmpl,
                         attribute_id=attributes[attr])
            combo = [ptav]
        w.products[item.key] = t.add(
            "product.product", product_tmpl_id=tmpl, default_code=item.code, barcode=ean13(871000000000 + n),
            active=item.active, standard_price=item.cost, product_template_attribute_value_ids=combo,
            combination_indices=",".join(map(str, combo)))
        w.uom_of[item.key] = item.uom_po
    for item_key, vendor_key, price, min_qty, seq in SUPPLY:
        item = next(i for i in ITEMS if i.key == item_key)
        vendor = next(v for v in VENDORS if v.key == vendor_key)
        tmpl = t.get("product.product", w.products[item_key])["product_tmpl_id"]
        w.supply[(item_key, vendor_key)] = t.add(
            "product.supplierinfo", partner_id=w.vendors[vendor_key], product_tmpl_id=tmpl,
            product_id=w.products[item_key] if item.variant else None, product_name=None,
            product_code=f"{vendor_key[:3].upper()}-{item.code.replace(' ', '')}", min_qty=min_qty, price=price,
            discount=0.0, currency_id=vendor.currency, delay=vendor.delay, date_start=None, date_end=None,
            sequence=seq, company_id=None)


def _stock(t: Tables, w: World) -> None:
    for name, usage, parent, complete in (
        ("Physical Locations", "view", None, "Physical Locations"), ("Partners", "view", None, "Partners"),
        ("Vendors", "supplier", 2, "Partners/Vendors"), ("Customers", "customer", 2, "Partners/Customers"),
        ("Virtual Locations", "view", None, "Virtual Locations"),
        ("Inventory adjustment", "inventory", 5, "Virtual Locations/Inventory adjustment"),
        ("Scrap", "inventory", 5, "Virtual Locations/Scrap"),
    ):
        t.add("stock.location", name=name, complete_name=complete, usage=usage, location_id=parent, warehouse_id=None,
              company_id=None, active=True, barcode=None, scrap_location=name == "Scrap", replenish_location=False)
    for n, site in enumerate(SITES, start=1):
        view = t.add("stock.location", name=site.code, complete_name=site.code, usage="view", location_id=1,
                     warehouse_id=None, company_id=site.company, active=True, barcode=None, scrap_location=False,
                     replenish_location=False)
        stock = t.add("stock.location", name="Stock", complete_name=f"{site.code}/Stock", usage="internal",
                      location_id=view, warehouse_id=None, company_id=site.company, active=True,
                      barcode=f"{site.code}-STOCK", scrap_location=False, replenish_location=True)
        if site.cold_room:
            t.add("stock.location", name="Koelcel", complete_name=f"{site.code}/Stock/Koelcel", usage="internal",
                  location_id=stock, warehouse_id=None, company_id=site.company, active=True, barcode=None,
                  scrap_location=False, replenish_location=False)
        in_seq = t.add("ir.sequence", name=f"{site.name} Sequence in", code=None, implementation="standard",
                       active=True, prefix=f"{site.code}/{site.in_code}/", suffix=None, padding=5, number_next=1,
                       number_increment=1, company_id=site.company, use_date_range=False)
        out_seq = t.add("ir.sequence", name=f"{site.name} Sequence out", code=None, implementation="standard",
                        active=True, prefix=f"{site.code}/OUT/", suffix=None, padding=5, number_next=1,
                        number_increment=1, company_id=site.company, use_date_range=False)
        out_type = n * 2
        in_type = t.add("stock.picking.type", name="Receipts", code="incoming", sequence_code=site.in_code,
                        warehouse_id=n, default_location_src_id=w.supplier_location, default_location_dest_id=stock,
                        company_id=site.company, active=True, sequence=n * 10 + 1, return_picking_type_id=out_type,
                        sequence_id=in_seq)
        t.add("stock.picking.type", name="Delivery Orders", code="outgoing", sequence_code="OUT", warehouse_id=n,
              default_location_src_id=stock, default_location_dest_id=w.customer_location, company_id=site.company,
              active=True, sequence=n * 10 + 2, return_picking_type_id=in_type, sequence_id=out_seq)
        t.add("stock.warehouse", name=site.name, code=site.code, company_id=site.company,
              partner_id=w.company_partner[site.company], view_location_id=view, lot_stock_id=stock,
              wh_input_stock_loc_id=stock, in_type_id=in_type, out_type_id=out_type, int_type_id=None,
              reception_steps="one_step", delivery_steps="ship_only", buy_to_resupply=True, active=True, sequence=n)
        w.sites[site.code] = SiteIds(site, n, view, stock, in_type, out_type, in_seq, out_seq)
    for ids in w.sites.values():  # Odoo 18: every warehouse has Internal Transfers (active with 2+ warehouses)
        int_seq = t.add("ir.sequence", name=f"{ids.site.name} Sequence internal", code=None, implementation="standard",
                        active=True, prefix=f"{ids.site.code}/INT/", suffix=None, padding=5, number_next=1,
                        number_increment=1, company_id=ids.site.company, use_date_range=False)
        int_type = t.add("stock.picking.type", name="Internal Transfers", code="internal", sequence_code="INT",
                         warehouse_id=ids.warehouse, default_location_src_id=ids.stock,
                         default_location_dest_id=ids.stock, company_id=ids.site.company, active=True,
                         sequence=ids.warehouse * 10 + 3, return_picking_type_id=None, sequence_id=int_seq)
        t.get("stock.warehouse", ids.warehouse)["int_type_id"] = int_type
    for company, prefix, padding in ((1, "PO/%(year)s/", 5), (2, "POZ/%(year)s/", 4)):
        w.po_seq[company] = t.add("ir.sequence", name="Purchase Order", code="purchase.order",
                                  implementation="standard", active=True, prefix=prefix, suffix=None, padding=padding,
                                  number_next=1, number_increment=1, company_id=company, use_date_range=False)
    t.add("ir.sequence", name="Stock orderpoint", code="stock.orderpoint", implementation="standard", active=True,
          prefix="OP/", suffix=None, padding=5, number_next=1, number_increment=1, company_id=None,
          use_date_range=False)


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
                                      res_model=None, summary=None, active=True, sequence=len(w.activity_types) + 1,
                                      xml_id=f"mail.mail_activity_data_{'upload_document' if key == 'upload' else key}")
