"""References as the connected Odoo numbers them (read from its sequences), not only Odoo's default 'P00042'."""

from __future__ import annotations

from assistant.agent import _RECEIPT_RE, _REF_RE
from assistant.planner.intents import _entities
from assistant.planner.lexicon import Lexicon
from tools.odoo.resolve import RefFormat


def _lex(po: list[RefFormat], receipts: list[RefFormat]) -> Lexicon:
    return Lexicon(po_formats=po, receipt_formats=receipts)


def test_dated_po_and_custom_receipt_prefixes_are_references() -> None:
    lex = _lex([RefFormat("PO/%(year)s/", 5)], [RefFormat("WH/IN/", 5), RefFormat("EIN/ONT/", 5)])
    assert _entities("status of PO/2026/00041 pls", lex)["reference"] == "PO/2026/00041"
    assert _entities("move EIN/ONT/00003 to friday", lex)["receipt"] == "EIN/ONT/00003"
    assert _entities("po 41?", lex)["reference"].startswith("PO/")
    assert "reference" not in _entities("status of P01636", lex)  # not this Odoo's numbering


def test_default_numbering_still_understood() -> None:
    lex = _lex([RefFormat("P", 5)], [RefFormat("HOU/IN/", 5)])
    assert _entities("status of p1636", lex)["reference"] == "P01636"
    assert _entities("HOU/IN/00400 will be late", lex)["receipt"] == "HOU/IN/00400"
    assert _entities("status of p1636", Lexicon())["reference"] == "P01636"  # numbering not read


def test_answers_remember_references_of_any_numbering() -> None:
    text = "P01636 PO/2026/00042 POZ/2026/0003 BILL/2026/11/0001 WH/IN/00002 EIN/ONT/00001"
    assert _REF_RE.findall(text) == ["P01636", "PO/2026/00042", "POZ/2026/0003"]
    assert _RECEIPT_RE.findall(text) == ["WH/IN/00002", "EIN/ONT/00001"]


# -- the intelligence tools and the Odoo approval step are routed like the rest -------------------------
def _plan(text: str) -> object:
    from assistant.planner.intents import parse

    lex = Lexicon(warehouses=[{"name": "Riverside Main Warehouse", "code": "RIV", "aliases": ["riverside"]}],
                  suppliers=[{"name": "Kestrel Fasteners", "aliases": ["kestrel", "kestrel fasteners"]}],
                  po_formats=[RefFormat("PO/%(year)s/", 5)])
    return parse(text, lex, [])


def test_risk_anomaly_and_odoo_approval_requests_are_routed() -> None:
    assert _plan("which suppliers are the riskiest?").tool == "supplier_risk"  # type: ignore[attr-defined]
    assert _plan("any unusual order quantities or duplicate purchases?").tool == "purchase_anomalies"  # type: ignore[attr-defined]
    assert _plan("do sites pay different prices for the same item").tool in ("purchase_anomalies", "spend_analysis")  # type: ignore[attr-defined]
    plan = _plan("approve PO/2026/00052 in odoo")
    assert plan.tool == "approve_purchase_order" and plan.slots["reference"] == "PO/2026/00052"  # type: ignore[attr-defined]


def test_a_warehouse_coded_like_chat_shorthand_keeps_its_code() -> None:
    from assistant.planner.intents import parse

    lex = Lexicon(warehouses=[{"name": "Amsterdam Hoofdmagazijn", "code": "WH", "aliases": ["amsterdam"]},
                              {"name": "Rotterdam Havenmagazijn", "code": "RTM", "aliases": ["rotterdam"]}])
    plan = parse("whats coming in at WH this week", lex, [])
    assert plan.tool == "inbound_schedule" and plan.slots.get("warehouse") == "WH"


def test_tryout_phrasings_approval_wait_spend_this_month_and_cancel_without_reference() -> None:
    from assistant.planner.intents import parse

    lex = Lexicon(warehouses=[{"name": "Amsterdam Hoofdmagazijn", "code": "WH", "aliases": ["amsterdam"]}],
                  suppliers=[{"name": "Van Dijk Glas", "aliases": ["van dijk", "van dijk glas"]}])
    waiting = parse("which POs are waiting for my approval", lex, [])
    assert waiting.tool == "find_purchase_orders" and waiting.slots.get("state") == "to_approve"
    assert parse("spend with van dijk this month", lex, []).tool == "spend_analysis"
    cancel = parse("cancel the draft RFQ for van dijk", lex, [])
    assert cancel.tool is None and cancel.pending and cancel.pending["intent"] == "cancel_purchase_order"
