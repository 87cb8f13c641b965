"""Business 2 (Hollander Horeca): every convention that differs from Bluebonnet is really in the rows and is
served the way Odoo 18 serves it (names from ir.sequence, UoM conversion, currency rates, orderpoint forecast
with RFQs in progress, multi-company defaults)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from sandbox.orm.schema import build
from sandbox.seed_hollander import HISTORY_DAYS, generate

Rows = dict[str, list[dict[str, Any]]]
TODAY = dt.date(2026, 11, 26)


@pytest.fixture(scope="module")
def hrows() -> Rows:
    return generate(seed=42, scale=1, today=TODAY)


def by(rows: Rows, model: str, **match: Any) -> list[dict[str, Any]]:
    return [r for r in rows[model] if all(r.get(k) == v for k, v in match.items())]


def one(rows: Rows, model: str, **match: Any) -> dict[str, Any]:
    found = by(rows, model, **match)
    assert len(found) == 1, (model, match, len(found))
    return found[0]


# -- the rows -------------------------------------------------------------------------------------------
def test_deterministic_and_ids_one_to_n(hrows: Rows) -> None:
    assert generate(seed=42, scale=1, today=TODAY) == hrows
    assert generate(seed=7, scale=1, today=TODAY) != hrows  # the seed moves the rates
    for model, table in hrows.items():
        assert [r["id"] for r in table] == list(range(1, len(table) + 1)), model


def test_every_reference_resolves_and_every_model_is_served(hrows: Rows) -> None:
    registry = build()
    ids = {m: {r["id"] for r in t} for m, t in hrows.items()}
    checked = 0
    for model, table in hrows.items():
        assert model in registry, model
        fields = registry[model].fields
        for r in table:
            for key, value in r.items():
                f = fields.get(key)
                if f is None or f.relation not in ids or value in (None, False, []):
                    continue
                targets = value if f.type == "many2many" else [value] if f.type == "many2one" else []
                for v in targets:
                    assert v in ids[f.relation or ""], (model, r["id"], key, v)
                    checked += 1
    assert checked > 500


def test_two_companies_in_eur_with_two_step_approval_on_the_first(hrows: Rows) -> None:
    eur = one(hrows, "res.currency", name="EUR")
    companies = hrows["res.company"]
    assert [c["name"] for c in companies] == ["Hollander Horeca B.V.", "Hollander Horeca Zuid B.V."]
    assert {c["currency_id"] for c in companies} == {eur["id"]}
    assert (companies[0]["po_double_validation"], companies[0]["po_double_validation_amount"]) == ("two_step", 5000.0)
    wh = {w["code"]: w["company_id"] for w in hrows["stock.warehouse"]}
    assert wh == {"WH": 1, "RTM": 1, "EIN": 2}
    # company_id on records follows the warehouse's company
    types = {t["id"]: t for t in hrows["stock.picking.type"]}
    for po in hrows["purchase.order"]:
        assert wh[next(w["code"] for w in hrows["stock.warehouse"]
                       if w["id"] == types[po["picking_type_id"]]["warehouse_id"])] == po["company_id"]
    assert {po["company_id"] for po in hrows["purchase.order"]} == {1, 2}


def test_users_amsterdam_integration_user_without_email_and_allowed_companies(hrows: Rows) -> None:
    users = {u["login"]: u for u in hrows["res.users"]}
    assert users["admin"]["id"] == 2 and users["admin"]["company_ids"] == [1, 2]
    assert {u["tz"] for u in users.values()} == {"Europe/Amsterdam"}
    integration = users["qm.integration"]
    assert integration["email"] is None
    assert one(hrows, "res.partner", id=integration["partner_id"])["email"] is None
    groups = {g["id"]: g["xml_id"] for g in hrows["res.groups"]}
    assert "purchase.group_purchase_manager" not in {groups[g] for g in integration["groups_id"]}
    assert users["daan.magazijn"]["company_ids"] == [1] and users["noor.zuid"]["company_ids"] == [2]
    assert users["noor.zuid"]["company_id"] == 2


def test_codes_verbatim_with_underscores_dots_spaces_and_case(hrows: Rows) -> None:
    codes = [p["default_code"] for p in hrows["product.product"]]
    assert {"FURN_7777", "KIT.204", "cup 12oz", "GLS_Wine-35cl", "Plate.Dinner 27", "tex.jacket.M"} <= set(codes)
    assert any("_" in c for c in codes) and any("." in c for c in codes) and any(" " in c for c in codes)
    assert any(c != c.upper() for c in codes) and not any(re.fullmatch(r"[A-Z]{3}-\d{4}", c) for c in codes)
    assert len(set(codes)) == len(codes)


def test_variants_share_a_template_and_differ_by_attribute_value(hrows: Rows) -> None:
    white, wood = one(hrows, "product.product", default_code="FURN_7777"), one(hrows, "product.product",
                                                                                default_code="FURN_7778")
    assert white["product_tmpl_id"] == wood["product_tmpl_id"]
    tmpl = one(hrows, "product.template", id=white["product_tmpl_id"])
    assert tmpl["name"] == "Acoustic Bloc Screen" and tmpl["default_code"] is None
    values = {v["id"]: v["name"] for v in hrows["product.attribute.value"]}
    ptav = {a["id"]: values[a["product_attribute_value_id"]] for a in hrows["product.template.attribute.value"]}
    assert [ptav[i] for i in white["product_template_attribute_value_ids"]] == ["White"]
    assert [ptav[i] for i in wood["product_template_attribute_value_ids"]] == ["Wood"]
    assert any(v["name"].startswith("Wood") for v in by(hrows, "res.partner", is_company=True)
               if v["supplier_rank"]), "a vendor named like the variant value (ambiguity on purpose)"


def test_purchase_uom_differs_from_stock_uom_with_odoo_factors(hrows: Rows) -> None:
    uoms = {u["name"]: u for u in hrows["uom.uom"]}
    assert uoms["Units"]["uom_type"] == "reference" and uoms["Units"]["factor"] == 1.0
    assert uoms["Dozens"]["uom_type"] == "bigger" and round(1 / uoms["Dozens"]["factor"], 6) == 12.0
    assert round(1 / uoms["Case of 24"]["factor"], 6) == 24.0
    bought_in = {one(hrows, "product.template", id=p["product_tmpl_id"])["uom_po_id"]
                 for p in hrows["product.product"]}
    assert {uoms["Dozens"]["id"], uoms["Case of 24"]["id"]} <= bought_in
    factor = {u["id"]: u["factor"] for u in hrows["uom.uom"]}
    lines = hrows["purchase.order.line"]
    dozen_lines = [ln for ln in lines if ln["product_uom"] == uoms["Dozens"]["id"]]
    assert dozen_lines
    for ln in lines:  # product_uom_qty = the line quantity in the product UoM (Units)
        assert ln["product_uom_qty"] == pytest.approx(ln["product_qty"] / factor[ln["product_uom"]])
    for m in hrows["stock.move"]:  # moves and quants in the product UoM
        assert m["product_uom"] == uoms["Units"]["id"]
        if m["purchase_line_id"]:
            assert m["product_uom_qty"] <= one(hrows, "purchase.order.line", id=m["purchase_line_id"])[
                "product_uom_qty"] + 1e-9


def test_foreign_currency_vendors_rates_and_orders(hrows: Rows) -> None:
    cur = {c["name"]: c["id"] for c in hrows["res.currency"]}
    rates = hrows["res.currency.rate"]
    for name, low, high in (("USD", 1.0, 1.2), ("GBP", 0.78, 0.92)):
        mine = [r for r in rates if r["currency_id"] == cur[name]]
        assert len(mine) >= 20 and all(low < r["rate"] < high for r in mine), name  # units per 1 EUR
    assert not [r for r in rates if r["currency_id"] == cur["EUR"]]
    for vendor, currency in (("Sheffield Steel & Cutlery Ltd", "GBP"), ("Atlantic Paper Goods Inc.", "USD")):
        partner = one(hrows, "res.partner", name=vendor)
        assert partner["property_purchase_currency_id"] == cur[currency]
        assert {s["currency_id"] for s in by(hrows, "product.supplierinfo", partner_id=partner["id"])} == {cur[currency]}
        assert {po["currency_id"] for po in by(hrows, "purchase.order", partner_id=partner["id"])} == {cur[currency]}
    bills = [b for b in hrows["account.move"] if b["currency_id"] != cur["EUR"]]
    assert bills, "bills in the PO's foreign currency"


def test_vendor_payment_terms_on_partners_and_orders(hrows: Rows) -> None:
    terms = {t["id"]: t["name"] for t in hrows["account.payment.term"]}
    vendors = [p for p in hrows["res.partner"] if p["supplier_rank"] and p["is_company"]]
    assert len(vendors) == 7 and all(p["property_supplier_payment_term_id"] in terms for p in vendors)
    assert len({p["property_supplier_payment_term_id"] for p in vendors}) >= 5
    for po in hrows["purchase.order"]:
        assert po["payment_term_id"] == one(hrows, "res.partner", id=po["partner_id"])["property_supplier_payment_term_id"]


def test_custom_sequence_prefixes_and_names(hrows: Rows) -> None:
    seqs = {(s["code"], s["company_id"]): s for s in hrows["ir.sequence"] if s["code"]}
    assert seqs[("purchase.order", 1)]["prefix"] == "PO/%(year)s/" and seqs[("purchase.order", 2)]["padding"] == 4
    for po in hrows["purchase.order"]:
        pattern = r"PO/\d{4}/\d{5}" if po["company_id"] == 1 else r"POZ/\d{4}/\d{4}"
        assert re.fullmatch(pattern, po["name"]), po["name"]
        assert po["name"].split("/")[1] == po["date_order"][:4]
    assert min(int(po["name"].rsplit("/", 1)[1]) for po in hrows["purchase.order"]) > 1  # an ongoing business
    types = {t["id"]: t for t in hrows["stock.picking.type"]}
    seq_by_id = {s["id"]: s for s in hrows["ir.sequence"]}
    for pick in hrows["stock.picking"]:
        prefix = seq_by_id[types[pick["picking_type_id"]]["sequence_id"]]["prefix"]
        assert re.fullmatch(re.escape(prefix) + r"\d{5}", pick["name"]), pick["name"]
    names = {p["name"].rsplit("/", 1)[0] for p in hrows["stock.picking"]}
    assert {"WH/IN", "RTM/IN", "EIN/ONT", "WH/OUT"} <= names
    # the sequences continue after the names already used
    for t in types.values():
        used = [int(p["name"].rsplit("/", 1)[1]) for p in hrows["stock.picking"] if p["picking_type_id"] == t["id"]]
        assert seq_by_id[t["sequence_id"]]["number_next"] == max(used, default=0) + 1
    assert all(re.fullmatch(r"BILL/\d{4}/\d{2}/\d{4}", b["name"]) or b["name"] == "/" for b in hrows["account.move"])


def test_a_few_weeks_of_history_and_todays_open_work(hrows: Rows) -> None:
    start = (TODAY - dt.timedelta(days=HISTORY_DAYS)).isoformat()
    now = f"{TODAY.isoformat()} 15:00:00"
    assert HISTORY_DAYS <= 42
    # the stories' purchasing fits in a few weeks; only the planted anomalies (issue #15, numbered after all
    # other POs) go back further, inside the 90 days the anomaly check reads
    pos = hrows["purchase.order"]
    older = [po for po in pos if po["date_order"] < start]
    assert all(po["name"] > other["name"] for po in older for other in pos
               if other["date_order"] >= start and other["company_id"] == po["company_id"])
    assert min(po["date_order"] for po in pos) >= (TODAY - dt.timedelta(days=90)).isoformat()
    assert max(m["date"] for m in hrows["mail.message"]) <= now
    assert max(p["date_done"] for p in hrows["stock.picking"] if p["date_done"]) <= now
    states = [po["state"] for po in hrows["purchase.order"]]
    assert {"draft", "sent", "to approve", "purchase", "cancel"} <= set(states)
    to_approve = one(hrows, "purchase.order", state="to approve")
    total = sum(ln["product_qty"] * ln["price_unit"] for ln in by(hrows, "purchase.order.line",
                                                                   order_id=to_approve["id"]))
    assert total > hrows["res.company"][0]["po_double_validation_amount"]
    backorders = [p for p in hrows["stock.picking"] if p["backorder_id"]]
    assert backorders and all(p["state"] == "assigned" for p in backorders)
    partial_po = backorders[0]["purchase_id"]
    assert {p["state"] for p in by(hrows, "stock.picking", purchase_id=partial_po)} == {"done", "assigned"}
    outgoing = {t["id"] for t in hrows["stock.picking.type"] if t["code"] == "outgoing"}
    assert sum(1 for p in hrows["stock.picking"] if p["picking_type_id"] in outgoing and p["state"] == "done") >= 6


def test_chatter_has_injections_and_quartermaster_notes(hrows: Rows) -> None:
    bodies = [m["body"] or "" for m in hrows["mail.message"]]
    assert sum("ignore previous instructions" in b.lower() for b in bodies) == 2
    note = one(hrows, "mail.message.subtype", xml_id="mail.mt_note")["id"]
    qm_notes = [m for m in hrows["mail.message"] if "QM-P-" in (m["body"] or "")]
    assert len(qm_notes) == 2 and all(m["subtype_id"] == note and m["message_type"] == "comment" for m in qm_notes)
    assert sum(1 for m in hrows["mail.message"] if m["message_type"] == "email") >= 4


# -- served as Odoo serves it ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ek(sandbox_hollander: Any) -> Any:
    import odoorpc  # type: ignore[import-untyped]
    o = odoorpc.ODOO("127.0.0.1", port=sandbox_hollander.port, timeout=60)
    o.login(sandbox_hollander.db, "admin", "admin")
    return o.execute_kw


def test_served_currency_rates_follow_odoos_convention(ek: Any) -> None:
    cur = {c["name"]: c for c in ek("res.currency", "search_read", [[]],
                                     {"fields": ["name", "rate", "inverse_rate", "rate_string",
                                                 "is_current_company_currency"]})}
    assert cur["EUR"]["rate"] == 1.0 and cur["EUR"]["is_current_company_currency"]
    gbp_rows = ek("res.currency.rate", "search_read", [[("currency_id.name", "=", "GBP")]],
                  {"fields": ["name", "rate", "company_rate", "inverse_company_rate"], "order": "name desc", "limit": 1})
    assert cur["GBP"]["rate"] == pytest.approx(gbp_rows[0]["rate"]) == pytest.approx(gbp_rows[0]["company_rate"])
    assert cur["GBP"]["inverse_rate"] == pytest.approx(1 / cur["GBP"]["rate"])
    assert cur["USD"]["rate_string"].startswith("1 EUR = ")
    old = ek("res.currency", "read", [[cur["USD"]["id"]], ["rate"]], {"context": {"date": "2000-01-01"}})[0]
    first = ek("res.currency.rate", "search_read", [[("currency_id.name", "=", "USD")]],
               {"fields": ["rate"], "order": "name asc", "limit": 1})[0]
    assert old["rate"] == pytest.approx(first["rate"])  # before any rate: the earliest one (Odoo's fallback)


def test_served_orders_convert_currency_and_uom(ek: Any) -> None:
    pos = ek("purchase.order", "search_read", [[("currency_id.name", "=", "GBP"), ("state", "=", "purchase"),
                                                 ("receipt_status", "=", "pending")]],
             {"fields": ["name", "amount_total", "amount_total_cc", "currency_rate", "date_order"]})
    assert pos
    po = pos[0]
    assert po["amount_total_cc"] == pytest.approx(po["amount_total"] / po["currency_rate"], abs=0.01)
    assert 1.1 < po["amount_total_cc"] / po["amount_total"] < 1.3  # GBP is worth more than EUR
    lines = ek("purchase.order.line", "search_read", [[("order_id", "=", po["id"])]],
               {"fields": ["product_qty", "product_uom", "product_uom_qty", "move_ids"]})
    dozen = next(ln for ln in lines if ln["product_uom"][1] == "Dozens")
    assert dozen["product_uom_qty"] == dozen["product_qty"] * 12
    move = ek("stock.move", "read", [dozen["move_ids"], ["product_uom", "product_uom_qty", "reference"]])[0]
    assert move["product_uom"][1] == "Units" and move["product_uom_qty"] == dozen["product_uom_qty"]
    assert move["reference"].startswith("RTM/IN/")


def test_served_partial_receipt_counts_in_the_line_uom(ek: Any) -> None:
    back = ek("stock.picking", "search_read", [[("backorder_id", "!=", False)]],
              {"fields": ["purchase_id", "name", "backorder_id"]})
    po = back[0]["purchase_id"][0]
    line = ek("purchase.order.line", "search_read", [[("order_id", "=", po)]],
              {"fields": ["product_qty", "product_uom", "qty_received"]})[0]
    assert line["product_uom"][1] == "Dozens" and line["product_qty"] == 10.0 and line["qty_received"] == 6.0
    assert ek("purchase.order", "read", [[po], ["receipt_status"]])[0]["receipt_status"] == "partial"


def test_served_orderpoints_forecast_includes_rfqs_like_odoo(ek: Any) -> None:
    ops = ek("stock.warehouse.orderpoint", "search_read", [[]],
             {"fields": ["product_id", "location_id", "qty_on_hand", "qty_forecast", "qty_to_order", "lead_days_date",
                         "product_min_qty", "product_max_qty", "qty_multiple"]})
    assert len(ops) == 7
    for op in ops:
        pid, loc = op["product_id"][0], op["location_id"][0]
        ctx = {"location": loc, "to_date": f"{op['lead_days_date']} 23:59:59"}
        virtual = ek("product.product", "read", [[pid], ["virtual_available"]], {"context": ctx})[0]["virtual_available"]
        rfq_lines = ek("purchase.order.line", "search_read",
                       [[("product_id", "=", pid), ("state", "in", ["draft", "sent", "to approve"]),
                         ("order_id.picking_type_id.default_location_dest_id", "=", loc)]],
                       {"fields": ["product_uom_qty"]})
        expected = virtual + sum(ln["product_uom_qty"] for ln in rfq_lines)
        assert op["qty_forecast"] == pytest.approx(expected), op
        need = 0.0
        if expected < op["product_min_qty"]:
            need = op["product_max_qty"] - expected
            need -= need % op["qty_multiple"]
        assert op["qty_to_order"] == pytest.approx(need), op
    lamp = next(op for op in ops if op["product_id"][1] == "[furn_8888] Office Lamp")
    assert (lamp["qty_on_hand"], lamp["qty_forecast"], lamp["qty_to_order"]) == (10.0, 50.0, 0.0)
    wine = next(op for op in ops if "GLS_Wine-35cl" in op["product_id"][1])
    assert (wine["qty_forecast"], wine["qty_to_order"]) == (90.0, 144.0)  # 150 rounded down to 12s


def test_served_variant_display_names_and_search_by_value(ek: Any) -> None:
    got = ek("product.product", "search_read", [[("product_template_variant_value_ids", "ilike", "wood")]],
             {"fields": ["display_name", "default_code"]})
    assert [(p["default_code"], p["display_name"]) for p in got] == [
        ("FURN_7778", "[FURN_7778] Acoustic Bloc Screen (Wood)")]
    assert ek("product.product", "search", [[("default_code", "=", "cup 12oz")]])


def test_writes_use_the_sequences_currency_and_companies(fresh_sandbox_hollander: Any) -> None:
    import odoorpc  # type: ignore[import-untyped]

    def login(user: str) -> Any:
        o = odoorpc.ODOO("127.0.0.1", port=fresh_sandbox_hollander.port, timeout=60)
        o.login(fresh_sandbox_hollander.db, user, user)
        return o.execute_kw

    admin = login("admin")
    seq = admin("ir.sequence", "search_read", [[("code", "=", "purchase.order"), ("company_id", "=", 1)]],
                {"fields": ["number_next_actual"]})[0]["number_next_actual"]
    sheffield = admin("res.partner", "search", [[("name", "=", "Sheffield Steel & Cutlery Ltd")]])[0]
    knife = admin("product.product", "search", [[("default_code", "=", "KIT.310")]])[0]
    gbp = admin("res.currency", "search", [[("name", "=", "GBP")]])[0]
    # in the vendor's currency: the vendor row's price per dozen, as is
    po = admin("purchase.order", "create", [{"partner_id": sheffield, "currency_id": gbp,
                                             "order_line": [(0, 0, {"product_id": knife, "product_qty": 2})]}])
    rec = admin("purchase.order", "read", [[po], ["name", "company_id", "picking_type_id"]])[0]
    year = dt.date.today().year
    assert rec["name"] == f"PO/{year}/{seq:05d}" and rec["company_id"][0] == 1
    line = admin("purchase.order.line", "search_read", [[("order_id", "=", po)]],
                 {"fields": ["price_unit", "product_uom", "product_uom_qty", "name"]})[0]
    assert (line["price_unit"], line["product_uom"][1], line["product_uom_qty"]) == (146.0, "Dozens", 24.0)
    # in the company currency (no onchange over RPC): the GBP price converted at today's rate
    po_eur = admin("purchase.order", "create", [{"partner_id": sheffield,
                                                 "order_line": [(0, 0, {"product_id": knife, "product_qty": 1})]}])
    rate = admin("res.currency", "read", [[gbp], ["rate"]])[0]["rate"]
    eur_line = admin("purchase.order.line", "search_read", [[("order_id", "=", po_eur)]], {"fields": ["price_unit"]})[0]
    assert eur_line["price_unit"] == pytest.approx(round(146.0 / rate, 2))
    # confirming as admin (a purchase manager): moves in Units, named from the picking type's sequence
    admin("purchase.order", "button_confirm", [[po]])
    pick = admin("stock.picking", "search_read", [[("purchase_id", "=", po)]],
                 {"fields": ["name", "move_ids"]})[0]
    assert re.fullmatch(r"WH/IN/\d{5}", pick["name"])
    move = admin("stock.move", "read", [pick["move_ids"], ["product_uom", "product_uom_qty", "quantity"]])[0]
    assert (move["product_uom"][1], move["product_uom_qty"], move["quantity"]) == ("Units", 24.0, 24.0)
    wh = {"warehouse_id": admin("stock.warehouse", "search", [[("code", "=", "WH")]])[0]}
    before = admin("product.product", "read", [[knife], ["qty_available"]], {"context": wh})[0]["qty_available"]
    admin("stock.picking", "button_validate", [[pick["id"]]])
    got = admin("purchase.order.line", "search_read", [[("order_id", "=", po)]], {"fields": ["qty_received"]})[0]
    assert got["qty_received"] == 2.0  # in the line's Dozens
    after = admin("product.product", "read", [[knife], ["qty_available"]], {"context": wh})[0]["qty_available"]
    assert after - before == 24.0  # the quants in Units
    # a user of company 2 only: company, picking type and name of company 2
    noor = login("noor.zuid")
    brabant = noor("res.partner", "search", [[("name", "=", "Brabant Textiel B.V.")]])[0]
    jacket = noor("product.product", "search", [[("default_code", "=", "tex.jacket.L")]])[0]
    po2 = noor("purchase.order", "create", [{"partner_id": brabant,
                                             "order_line": [(0, 0, {"product_id": jacket, "product_qty": 3})]}])
    rec2 = noor("purchase.order", "read", [[po2], ["name", "company_id", "picking_type_id", "currency_id"]])[0]
    assert re.fullmatch(rf"POZ/{year}/\d{{4}}", rec2["name"]) and rec2["company_id"][0] == 2
    assert rec2["picking_type_id"][1] == "Eindhoven Zuid: Receipts" and rec2["currency_id"][1] == "EUR"
    noor("purchase.order", "button_confirm", [[po2]])
    names = noor("stock.picking", "search_read", [[("purchase_id", "=", po2)]], {"fields": ["name"]})
    assert re.fullmatch(r"EIN/ONT/\d{5}", names[0]["name"])


def test_bluebonnet_names_now_come_from_ir_sequence_unchanged(sandbox: Any) -> None:
    import odoorpc  # type: ignore[import-untyped]
    o = odoorpc.ODOO("127.0.0.1", port=sandbox.port, timeout=60)
    o.login(sandbox.db, "admin", "admin")
    seq = o.execute_kw("ir.sequence", "search_read", [[("code", "=", "purchase.order")]],
                       {"fields": ["prefix", "padding", "number_next_actual", "company_id"]})
    assert len(seq) == 1 and (seq[0]["prefix"], seq[0]["padding"], seq[0]["company_id"]) == ("P", 5, False)
    last = o.execute_kw("purchase.order", "search_read", [[]], {"fields": ["name"], "order": "name desc", "limit": 1})
    assert seq[0]["number_next_actual"] == int(last[0]["name"][1:]) + 1
    types = o.execute_kw("stock.picking.type", "search_read", [[("code", "=", "incoming")]],
                         {"fields": ["sequence_id", "warehouse_id"]})
    prefixes = {t["sequence_id"][1] for t in types}
    assert "Dallas Central DC Sequence in" in prefixes
    company = o.execute_kw("res.company", "read", [[1], ["po_double_validation", "currency_id"]])[0]
    assert company["po_double_validation"] == "one_step" and company["currency_id"][1] == "USD"


def test_multi_company_record_rules_follow_the_users_companies(sandbox_hollander: Any) -> None:
    import odoorpc  # type: ignore[import-untyped]

    def login(user: str) -> Any:
        o = odoorpc.ODOO("127.0.0.1", port=sandbox_hollander.port, timeout=60)
        o.login(sandbox_hollander.db, user, user)
        return o.execute_kw

    admin, daan, noor = login("admin"), login("daan.magazijn"), login("noor.zuid")
    codes = {"admin": ["WH", "RTM", "EIN"], "daan": ["WH", "RTM"], "noor": ["EIN"]}
    for name, ek in (("admin", admin), ("daan", daan), ("noor", noor)):
        got = ek("stock.warehouse", "search_read", [[]], {"fields": ["code"]})
        assert [w["code"] for w in got] == codes[name], name
    everything = admin("purchase.order", "search_count", [[]])
    zuid = noor("purchase.order", "search_count", [[]])
    assert 0 < zuid < everything
    assert admin("purchase.order", "search_count", [[]], {"context": {"allowed_company_ids": [2]}}) == zuid
    # shared records (no company) stay visible to everyone: vendors, products
    assert noor("res.partner", "search_count", [[("name", "=", "Sheffield Steel & Cutlery Ltd")]]) == 1
    assert noor("product.product", "search_count", [[("default_code", "=", "FURN_7777")]]) == 1
    groups = admin("stock.quant", "read_group", [[], ["quantity:sum"], ["warehouse_id"]],
                   {"context": {"allowed_company_ids": [1]}, "lazy": False})
    assert {g["warehouse_id"][1] for g in groups} == {"Amsterdam Hoofdmagazijn", "Rotterdam Havenmagazijn"}


def test_each_business_keeps_its_own_file_in_one_data_dir(tmp_path: Any) -> None:
    import xmlrpc.client
    from pathlib import Path

    from sandbox.launch import start_sandbox

    cache = Path(__file__).resolve().parents[2] / "var" / "cache" / "sandbox"

    def company(business: str) -> str:
        with start_sandbox(tmp_path, port=0, cache_dir=cache, business=business) as s:
            common = xmlrpc.client.ServerProxy(s.url + "/xmlrpc/2/common")
            uid = common.authenticate(s.db, "admin", "admin", {})
            obj = xmlrpc.client.ServerProxy(s.url + "/xmlrpc/2/object")
            return str(obj.execute_kw(s.db, uid, "admin", "res.company", "read", [[1], ["name"]])[0]["name"])

    assert company("hollander") == "Hollander Horeca B.V."
    assert company("bluebonnet") == "Bluebonnet Supply Co."
    assert (tmp_path / "sandbox.db").exists() and (tmp_path / "sandbox-hollander.db").exists()
    with pytest.raises(RuntimeError, match="unknown sandbox business 'nope'"):
        start_sandbox(tmp_path, port=0, cache_dir=cache, business="nope", timeout=60)


def test_the_demo_users_file_matches_the_odoo_users(hrows: Rows) -> None:
    from pathlib import Path

    from tools.governance.identity import Directory

    path = Path(__file__).resolve().parents[2] / "sandbox" / "seed_hollander" / "users.yaml"
    directory = Directory.load(path)
    logins = {u["login"] for u in hrows["res.users"] if u["active"]}
    codes = {w["code"] for w in hrows["stock.warehouse"]}
    names = ["admin", "sanne.inkoop", "noor.zuid", "daan.magazijn", "eva.financien", "pieter.manager",
             "lotte.teamlead"]
    roles = set()
    for name in names:
        ident = directory.get(name)
        assert ident is not None and ident.odoo_login in logins, name
        assert ident.warehouse is None or ident.warehouse in codes
        assert directory.verify_password(name, name)
        roles.add(ident.role)
    assert roles == {"admin", "buyer", "warehouse", "finance", "manager", "approver"}


def test_reading_a_record_of_another_company_is_refused_as_odoo(sandbox_hollander: Any) -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "contract"))
    from contract_helpers import JsonRpcFault, jsonrpc

    url, db = sandbox_hollander.url, sandbox_hollander.db
    admin = jsonrpc(url, "common", "login", db, "admin", "admin")
    noor = jsonrpc(url, "common", "login", db, "noor.zuid", "noor.zuid")
    wh = jsonrpc(url, "object", "execute_kw", db, admin, "admin", "stock.warehouse", "search", [[("code", "=", "WH")]])
    with pytest.raises(JsonRpcFault) as exc:
        jsonrpc(url, "object", "execute_kw", db, noor, "noor.zuid", "stock.warehouse", "read", [wh, ["code"]])
    assert exc.value.name == "odoo.exceptions.AccessError"
    assert exc.value.message == (
        "Uh-oh! Looks like you have stumbled upon some top-secret records.\n\nSorry, Noor Hendriks (id=8) doesn't "
        "have 'read' access to:\n- Warehouse (stock.warehouse)\n\nIf you really, really need access, perhaps you can "
        "win over your friendly administrator with a batch of freshly baked cookies.\n\nThis seems to be a "
        "multi-company issue, but you do not have access to the proper company to access the record anyhow.")
    with pytest.raises(JsonRpcFault) as exc:
        jsonrpc(url, "object", "execute_kw", db, admin, "admin", "stock.warehouse", "read", [wh, ["code"]],
                {"context": {"allowed_company_ids": [2]}})
    # Odoo's template ends "… the company: %s." — after "B.V." that is two dots, as Odoo prints it
    assert exc.value.message.endswith("you might be able to access the record by switching to the company: "
                                      "Hollander Horeca B.V..")
    got = jsonrpc(url, "object", "execute_kw", db, admin, "admin", "stock.warehouse", "read", [wh, ["code"]])
    assert got == [{"id": wh[0], "code": "WH"}]
