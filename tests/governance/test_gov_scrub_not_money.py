"""The money scrubber hides amounts from roles that may not see prices, and nothing else (tryout: a clerk read
"claim within [redacted] calendar days", a citation "[[redacted]]" and "confidence [redacted]")."""

from __future__ import annotations

import pytest

from tools.governance.policy import REDACTED, scrub_money

KEPT = [
    "Report the shortage and claim a credit within 2 calendar days.",
    "Invoice disputes are raised within 5 business days of receipt.",
    "Total due: see the table.\n[4] Damaged and Short Deliveries SOP",
    "No passage answers that well enough (best match confidence 0.42).",
    "Forecast error MASE 0.87 against a seasonal naive forecast.",
]
SCRUBBED = ["billed at 30.63 USD", "unit price: 4.18 per unit", "invoice total 12.50", "a credit of $45.00",
            "Total due: 1,250.00\n[4] Payment terms"]


@pytest.mark.parametrize("text", KEPT)
def test_days_citations_and_scores_are_kept(text: str) -> None:
    assert scrub_money(text) == text


@pytest.mark.parametrize("text", SCRUBBED)
def test_amounts_are_still_scrubbed(text: str) -> None:
    out = scrub_money(text)
    assert REDACTED in out
    assert not any(x in out for x in ("30.63", "4.18", "12.50", "45.00", "1,250.00"))


def test_money_words_are_whole_words() -> None:
    """'Magnetic' holds 'net', 'Listerine' holds 'list': a quantity after such a product name is not money."""
    for text in ('"key":"[TOL-6011] Torpedo Level 9 in, Magnetic","ref":"order 35 TOL-6011 from Apex"',
                 "Listerine Mouthwash: order 40 bottles"):
        assert scrub_money(text) == text
    assert REDACTED in scrub_money("net 45.5 due")
