"""Key contract terms (lead-time SLA, OTIF target, payment terms, validity) read from contract text.

Why: "the contract promises 7-day lead time; the last 10 receipts averaged 11.4 days" needs the
promised figures as numbers, so the assistant can put them next to the supplier scorecard. The
figures come from the ingested contract chunks (the same text the citations point at).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any

_LEAD = re.compile(r"lead[- ]time sla[^0-9]{0,80}?(\d{1,3})\s*(?:calendar |business |working )?days?", re.I)
_LEAD_ALT = re.compile(r"deliver[s]? within (\d{1,3}) (?:calendar |business )?days", re.I)
_OTIF = re.compile(r"otif target[^0-9]{0,40}?(\d{2,3}(?:\.\d)?)\s*%", re.I)
_PAY = re.compile(r"\b(\d/\d{1,2} net \d{2,3}|net \d{2,3}(?: days)?)", re.I)
#: "Minimum order quantity: one box (100 pieces) per SKU." or the clause under a "Minimum order quantity" heading.
_MOQ = re.compile(r"minimum order quantity[\s:*#]{0,8}?(?:\d+\.\d+\s+)?([^\n]{5,200})", re.I)


@dataclass
class ContractTerms:
    supplier: str
    doc_id: str | None
    title: str | None
    lead_time_days: int | None
    otif_target_pct: float | None
    payment_terms: str | None
    effective: str | None
    expiry: str | None
    status: str  # active | expired | expiring_soon | unknown
    citation_id: str | None
    min_order: str | None = None  # the contract's minimum-order clause, as written (units vary: cases, pallets)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def contract_status(expiry: str | None, today: dt.date, soon_days: int = 30) -> str:
    if not expiry:
        return "unknown"
    try:
        end = dt.date.fromisoformat(expiry[:10])
    except ValueError:
        return "unknown"
    if end < today:
        return "expired"
    return "expiring_soon" if (end - today).days <= soon_days else "active"


def extract_terms(supplier: str, chunks: list[tuple[str, dict[str, Any]]], today: dt.date) -> ContractTerms:
    """Terms from a supplier's contract chunks [(text, metadata)], first match in document order."""
    chunks = sorted(chunks, key=lambda c: int(c[1].get("chunk_index") or 0))
    lead = otif = None
    pay = cite = moq = None
    for text, md in chunks:
        if lead is None:
            m = _LEAD.search(text) or _LEAD_ALT.search(text)
            if m:
                lead = int(m.group(1))
                cite = f"{md.get('doc_id')}#{md.get('chunk_index')}"
        if otif is None and (m := _OTIF.search(text)):
            otif = float(m.group(1))
        if pay is None and (m := _PAY.search(text)):
            pay = m.group(1)
        if moq is None and (m := _MOQ.search(text)):
            moq = m.group(1).strip(" :*").strip()
    md0 = chunks[0][1] if chunks else {}
    expiry = md0.get("expiry")
    return ContractTerms(supplier=supplier, doc_id=md0.get("doc_id"), title=md0.get("title"),
                         lead_time_days=lead, otif_target_pct=otif, payment_terms=pay,
                         effective=md0.get("effective"), expiry=expiry,
                         status=contract_status(expiry, today), citation_id=cite, min_order=moq)
