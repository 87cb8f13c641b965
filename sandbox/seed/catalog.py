"""The fixed facts of Bluebonnet Supply Co.: sites, categories, vendors and their behaviour, users, customers.

Kept apart from the generators so that the story (who is good, who is bad, which site stocks what) can be
read and changed in one place; ARCHITECTURE.md "The demo business" is the contract these names follow.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Site:
    code: str
    name: str
    city: str
    street: str
    zip: str
    state: str
    size: float  # demand multiplier relative to an average site
    categories: tuple[str, ...]  # category prefixes the site stocks
    coverage: float  # share of those categories' products it stocks
    special: tuple[str, ...] = ()  # extra sublocations under CODE/Stock


ALL_CATS = ("PPE", "MED", "CCP", "JAN", "PKG", "FST", "ELE", "TOL", "CHM", "OFF", "FSD", "MHE")

SITES: tuple[Site, ...] = (
    Site("DAL", "Dallas Central DC", "Dallas", "4200 Irving Blvd", "75247", "TX", 1.6, ALL_CATS, 0.92,
         ("Bulk Racking",)),
    Site("HOU", "Houston Gulf DC", "Houston", "8815 Clinton Dr", "77029", "TX", 1.15,
         ("PPE", "FST", "ELE", "TOL", "CHM", "MHE", "JAN", "PKG"), 0.85, ("Hazmat Cage",)),
    Site("AUS", "Austin Healthcare Hub", "Austin", "2100 E St Elmo Rd", "78744", "TX", 0.95,
         ("MED", "CCP", "PPE", "JAN", "OFF"), 0.9, ("Cold Room (2-8 °C)",)),
    Site("SAT", "San Antonio South", "San Antonio", "5150 S Zarzamora St", "78211", "TX", 0.85,
         ("JAN", "PKG", "FSD", "OFF", "PPE"), 0.85),
    Site("OKC", "Oklahoma City North", "Oklahoma City", "1301 NE 63rd St", "73111", "OK", 0.45,
         ("FST", "TOL", "PKG", "JAN", "ELE", "MHE", "OFF"), 0.5),
)

# prefix -> (category name, first number of the code range, the example code ARCHITECTURE.md names)
CATEGORIES: dict[str, tuple[str, int, int]] = {
    "PPE": ("Safety & PPE", 1000, 1042),
    "MED": ("Medical Supplies", 2200, 2210),
    "CCP": ("Cold Chain Pharma", 2040, 2050),
    "JAN": ("Janitorial & Sanitation", 8000, 8030),
    "PKG": ("Packaging", 3300, 3301),
    "FST": ("Fasteners & Hardware", 4400, 4410),
    "ELE": ("Electrical", 5100, 5120),
    "TOL": ("Tools", 6000, 6005),
    "CHM": ("Chemicals (Hazmat)", 7000, 7002),
    "OFF": ("Office Supplies", 9000, 9001),
    "FSD": ("Food Service Disposables", 1100, 1150),
    "MHE": ("Material Handling", 1250, 1260),
}


@dataclass(frozen=True)
class Profile:
    """How a vendor behaves; every generated receipt, bill and e-mail draws from it."""

    on_time: float  # P(arrives no later than the promised date)
    late: tuple[int, int]  # days late when late
    delay: int  # promised lead time (supplierinfo.delay)
    partial: float  # P(first receipt is partial -> backorder)
    over: float  # P(over-delivery)
    defect: float  # P(a receipt line is returned for quality)
    bill_price: float  # P(a bill line's unit price differs from the PO)
    bill_qty: float  # P(a bill line's quantity exceeds what was received)
    price: float  # price level vs market cost
    steps: int = 0  # successive price increases over the history (Cardinal)
    moq: float = 1.0  # min_qty multiplier
    chatty: float = 0.35  # P(an acknowledgement e-mail per PO)


GOOD = Profile(0.985, (1, 2), 5, 0.01, 0.005, 0.004, 0.005, 0.0, 1.0, chatty=0.45)


@dataclass(frozen=True)
class Vendor:
    name: str
    cats: tuple[str, ...]
    city: str
    state: str
    domain: str
    contacts: tuple[str, ...]
    profile: Profile | None  # None = an "average" vendor, drawn from the seed


VENDORS: tuple[Vendor, ...] = (
    Vendor("Apex Industrial Supply", ("FST", "TOL", "MHE", "PPE", "ELE"), "Fort Worth", "TX", "apexindustrial.com",
           ("Dana Whitfield", "Luis Carrillo"), GOOD),
    Vendor("Summit Medical Distributors", ("MED", "CCP", "PPE"), "Plano", "TX", "summitmed.com",
           ("Rachel Kim", "Tom Bradley"), Profile(0.975, (1, 3), 4, 0.015, 0.0, 0.006, 0.01, 0.0, 1.02, chatty=0.4)),
    Vendor("Lonestar Packaging Co.", ("PKG", "FSD"), "Waco", "TX", "lonestarpack.com",
           ("Cody Reyes",), Profile(0.975, (1, 2), 3, 0.015, 0.005, 0.004, 0.005, 0.0, 0.88, chatty=0.3)),
    Vendor("Gemini Furniture", ("OFF", "MHE"), "Grand Prairie", "TX", "geminifurniture.com",
           ("Priya Nair", "Greg Holloway"), Profile(0.22, (2, 7), 7, 0.08, 0.0, 0.02, 0.02, 0.0, 1.0, chatty=0.5)),
    Vendor("Redline Fasteners", ("FST",), "Arlington", "TX", "redlinefasteners.com",
           ("Mike Sorensen", "Janelle Brooks"),
           Profile(0.68, (2, 9), 6, 0.38, 0.3, 0.03, 0.32, 0.22, 0.97, chatty=0.4)),
    Vendor("Northgate Medical Supply", ("MED", "CCP"), "Tulsa", "OK", "northgatemedical.com",
           ("Heather Collins", "Victor Ames"),
           Profile(0.48, (3, 14), 5, 0.14, 0.0, 0.22, 0.03, 0.02, 0.96, chatty=0.35)),
    Vendor("Cardinal Gloves & PPE", ("PPE",), "Shreveport", "LA", "cardinalppe.com",
           ("Alicia Moreno",), Profile(0.86, (1, 5), 5, 0.05, 0.02, 0.02, 0.3, 0.02, 1.06, steps=3, chatty=0.35)),
    Vendor("Crescent Chemical Co.", ("CHM", "JAN"), "Baton Rouge", "LA", "crescentchem.com",
           ("Paul Fontenot",), Profile(0.9, (1, 4), 10, 0.03, 0.0, 0.01, 0.02, 0.0, 1.0, moq=6.0)),
    Vendor("Pioneer Safety Products", ("PPE",), "Lubbock", "TX", "pioneersafety.com", ("Kara Jensen",), None),
    Vendor("Brazos Paper & Supply", ("PKG", "OFF", "JAN"), "Bryan", "TX", "brazospaper.com", ("Ellen Marsh",), None),
    Vendor("Keystone Electrical Components", ("ELE",), "Irving", "TX", "keystone-elec.com", ("Raj Patel",), None),
    Vendor("Trinity Tool & Hardware", ("TOL", "FST"), "Dallas", "TX", "trinitytool.com", ("Shawn Lee",), None),
    Vendor("Prairie Office Products", ("OFF",), "Norman", "OK", "prairieoffice.com", ("Megan Doyle",), None),
    Vendor("Sterling Lab Supplies", ("MED", "CHM"), "Round Rock", "TX", "sterlinglab.com", ("Owen Park",), None),
    Vendor("Magnolia Foodservice Disposables", ("FSD",), "Beaumont", "TX", "magnoliafsd.com",
           ("Tasha Greene",), None),
    Vendor("Ironclad Workwear", ("PPE",), "Amarillo", "TX", "ironcladworkwear.com", ("Bo Daniels",), None),
    Vendor("Bayou Plumbing Supply", ("FST", "TOL"), "Lake Charles", "LA", "bayouplumbing.com", ("Andre Thibodeaux",),
           None),
    Vendor("Vertex Batteries & Power", ("ELE",), "Garland", "TX", "vertexpower.com", ("Nina Volkova",), None),
    Vendor("Greenfield Cleaning Solutions", ("JAN", "CHM"), "Temple", "TX", "greenfieldclean.com",
           ("Carla Ruiz",), None),
    Vendor("Sunbelt Lighting", ("ELE",), "Houston", "TX", "sunbeltlighting.com", ("Derek Huang",), None),
    Vendor("Rio Grande Pallet Co.", ("MHE", "PKG"), "Laredo", "TX", "riograndepallet.com", ("Hector Salinas",), None),
    Vendor("Atlas Abrasives", ("TOL",), "Tyler", "TX", "atlasabrasives.com", ("Joan Pruitt",), None),
    Vendor("Blue Ridge Adhesives", ("PKG", "CHM"), "Chattanooga", "TN", "blueridgeadhesives.com",
           ("Wade Cooper",), None),
    Vendor("Pecos Valve & Fitting", ("FST", "CHM"), "Odessa", "TX", "pecosvalve.com", ("Lupe Garza",), None),
    Vendor("Meridian Healthcare Products", ("MED", "PPE"), "San Marcos", "TX", "meridianhp.com",
           ("Dr. Anne Whitley",), None),
    Vendor("Quantum Cable & Wire", ("ELE",), "McKinney", "TX", "quantumcable.com", ("Eric Lindqvist",), None),
    Vendor("Silverline Storage Systems", ("MHE",), "Denton", "TX", "silverlinestorage.com", ("Marcy Tate",), None),
    Vendor("Horizon Label & Print", ("PKG", "OFF"), "Austin", "TX", "horizonlabel.com", ("Jordan Blake",), None),
    Vendor("Copperleaf Hygiene", ("JAN", "FSD"), "Conroe", "TX", "copperleafhygiene.com", ("Sandra Ito",), None),
    Vendor("Evergreen Compostables", ("FSD", "PKG"), "Fayetteville", "AR", "evergreencompost.com",
           ("Lily Chen",), None),
    Vendor("Falcon Hand Tools", ("TOL",), "Wichita Falls", "TX", "falconhandtools.com", ("Ray Dunn",), None),
    Vendor("Granite Ladder Works", ("MHE", "TOL"), "Joplin", "MO", "graniteladder.com", ("Pete Olsen",), None),
    Vendor("Delta Diagnostics Supply", ("MED", "CCP"), "Jackson", "MS", "deltadiagnostics.com",
           ("Monica Ellis",), None),
    Vendor("Wood Corner", ("OFF", "MHE"), "Tyler", "TX", "woodcorner.com", ("Willie Burke",), None),
    Vendor("Caddo Cold Chain Supply", ("CCP", "MED"), "Bossier City", "LA", "caddocoldchain.com",
           ("Renee Landry",), None),
)

GOOD_VENDORS = ("Apex Industrial Supply", "Summit Medical Distributors", "Lonestar Packaging Co.")
BAD_VENDORS = ("Redline Fasteners", "Northgate Medical Supply", "Cardinal Gloves & PPE")


@dataclass(frozen=True)
class User:
    login: str
    name: str
    email: str
    groups: tuple[str, ...]
    sites: tuple[str, ...] = ()  # sites the buyer buys for


GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # xml_id, name, implied xml_ids
    ("base.group_user", "Role / User", ()),
    ("base.group_system", "Administration / Settings", ("base.group_user",)),
    ("purchase.group_purchase_user", "Purchase / User", ("base.group_user",)),
    ("purchase.group_purchase_manager", "Purchase / Administrator", ("purchase.group_purchase_user",)),
    ("stock.group_stock_user", "Inventory / User", ("base.group_user",)),
    ("stock.group_stock_manager", "Inventory / Administrator", ("stock.group_stock_user",)),
    ("account.group_account_invoice", "Invoicing / Billing", ("base.group_user",)),
    ("account.group_account_manager", "Invoicing / Billing Administrator", ("account.group_account_invoice",)),
)

PU, PM = "purchase.group_purchase_user", "purchase.group_purchase_manager"
SU, SM = "stock.group_stock_user", "stock.group_stock_manager"
AI, AM = "account.group_account_invoice", "account.group_account_manager"

USERS: tuple[User, ...] = (
    User("admin", "Mitchell Admin", "admin@bluebonnetsupply.com", tuple(g[0] for g in GROUPS)),
    User("ava.buyer", "Ava Thompson", "ava.thompson@bluebonnetsupply.com", (PU, SU, AI), ("DAL", "AUS", "SAT")),
    User("ben.buyer", "Ben Ortiz", "ben.ortiz@bluebonnetsupply.com", (PU, SU, AI), ("HOU", "OKC")),
    User("wes.warehouse", "Wes Carter", "wes.carter@bluebonnetsupply.com", (SU,)),
    User("fiona.finance", "Fiona Lee", "fiona.lee@bluebonnetsupply.com", (AI, AM, PU)),
    User("maria.manager", "Maria Gonzalez", "maria.gonzalez@bluebonnetsupply.com", (PM, SM, AI)),
    User("omar.approver", "Omar Haddad", "omar.haddad@bluebonnetsupply.com", (PM, SU)),
)

# name, segment, city, state, sites that serve it
CUSTOMERS: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("Hill Country Hardware", "retail", "Kerrville", "TX", ("SAT", "AUS", "DAL")),
    ("Lone Star Grocers", "retail", "Fort Worth", "TX", ("DAL", "SAT")),
    ("Prairie Home Centers", "retail", "Edmond", "OK", ("OKC", "DAL")),
    ("Gulf Coast Markets", "retail", "Corpus Christi", "TX", ("SAT", "HOU")),
    ("Red River Convenience", "retail", "Wichita Falls", "TX", ("OKC", "DAL")),
    ("Alamo City Cafes", "retail", "San Antonio", "TX", ("SAT",)),
    ("St. Brazos Regional Hospital", "healthcare", "Waco", "TX", ("AUS", "DAL")),
    ("Austin Family Clinics", "healthcare", "Austin", "TX", ("AUS",)),
    ("Hill Country Surgical Center", "healthcare", "New Braunfels", "TX", ("AUS", "SAT")),
    ("Travis County Dental Group", "healthcare", "Austin", "TX", ("AUS",)),
    ("Oklahoma Valley Health", "healthcare", "Norman", "OK", ("OKC", "DAL")),
    ("Permian Basin Fabrication", "industrial", "Midland", "TX", ("DAL", "HOU")),
    ("Houston Ship Channel Terminals", "industrial", "Pasadena", "TX", ("HOU",)),
    ("Trinity River Manufacturing", "industrial", "Grand Prairie", "TX", ("DAL",)),
    ("Sooner Steel Works", "industrial", "Tulsa", "OK", ("OKC",)),
    ("Panhandle Oilfield Services", "industrial", "Pampa", "TX", ("OKC", "HOU")),
)

SEGMENT_CATS: dict[str, tuple[str, ...]] = {
    "retail": ("JAN", "PKG", "FSD", "OFF", "PPE", "TOL", "ELE"),
    "healthcare": ("MED", "CCP", "PPE", "JAN", "OFF"),
    "industrial": ("PPE", "FST", "ELE", "TOL", "CHM", "MHE", "PKG", "JAN"),
}
