"""The KPI definitions of tools/kpi.py on a tiny hand-built dataset, worked out by hand."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tools import kpi
from tools.kpi import BillLine, POLine, PriceRow, Receipt

AS_OF = date(2026, 11, 26)


def line(po: str, ordered: float, promised: str, approved: str, moves: list[Receipt], *,
         price: float = 10.0, rows: list[PriceRow] | None = None, bills: list[BillLine] | None = None,
         state: str = "done") -> POLine:
    return POLine(po=po, product="X", ordered=ordered, product_qty=ordered, price_unit=price,
                  promised=datetime.fromisoformat(promised), approved=datetime.fromisoformat(approved),
                  order_date=datetime.fromisoformat(approved), po_state=state, moves=moves,
                  bills=bills or [], price_rows=rows or [])


def rc(when: str, qty: float, ret: bool = False) -> Receipt:
    return Receipt(datetime.fromisoformat(when), qty, ret)


ROW = PriceRow(price=10.0, min_qty=0, delay=5)


@pytest.fixture()
def dataset() -> list[POLine]:
    return [
        # A: on time, in full: 5 days after approval, promised 5
        line("P1", 100, "2026-10-06 12:00:00", "2026-10-01 12:00:00", [rc("2026-10-06 12:00:00", 100)],
             rows=[ROW]),
        # B: first part on time (60), rest late (40): on time yes, in full yes, OTIF no; 3 days lead
        line("P2", 100, "2026-10-10 12:00:00", "2026-10-05 12:00:00",
             [rc("2026-10-08 12:00:00", 60), rc("2026-10-15 12:00:00", 40)], rows=[ROW], price=11.0),
        # C: late and short (90 of 100, beyond 2 %): not on time, not in full; 12 days lead; 10 returned
        line("P3", 100, "2026-10-20 12:00:00", "2026-10-10 00:00:00",
             [rc("2026-10-22 00:00:00", 90), rc("2026-10-25 00:00:00", 10, ret=True)], rows=[ROW],
             bills=[BillLine("B3", 90, 10.0)]),
        # D: over-delivered on time (110 of 100): on time, not in full, not OTIF; 2 days lead
        line("P4", 100, "2026-11-01 12:00:00", "2026-10-30 12:00:00", [rc("2026-11-01 12:00:00", 110)],
             rows=[ROW], bills=[BillLine("B4", 110, 10.5)]),
        # E: due in the future and not received: not evaluable; open, not late
        line("P5", 50, "2026-12-10 12:00:00", "2026-11-20 12:00:00", [], rows=[ROW], state="purchase"),
        # F: overdue, nothing received: evaluable, fails all three; open and late
        line("P6", 20, "2026-11-20 12:00:00", "2026-11-10 12:00:00", [], rows=[ROW], state="purchase",
             bills=[BillLine("B6", 20, 10.0)]),
    ]


def test_rates_follow_the_definitions(dataset: list[POLine]) -> None:
    card = kpi.scorecard(dataset, AS_OF)
    assert card["lines"] == 6 and card["lines_evaluated"] == 5
    assert card["on_time_pct"] == 60.0      # A, B, D of A-D + F
    assert card["in_full_pct"] == 40.0      # A, B
    assert card["otif_pct"] == 20.0         # A only


def test_lead_time_mean_spread_and_gap(dataset: list[POLine]) -> None:
    card = kpi.scorecard(dataset, AS_OF)
    actual = [5.0, 3.0, 12.0, 2.0]          # days from date_approve to the first receipt, A-D
    mean = sum(actual) / 4
    assert card["lead_time_avg_days"] == pytest.approx(mean, abs=0.01)
    pstdev = (sum((a - mean) ** 2 for a in actual) / 4) ** 0.5
    assert card["lead_time_stdev_days"] == pytest.approx(pstdev, abs=0.01)
    assert card["promised_lead_time_avg_days"] == 5.0
    assert card["lead_time_vs_promised_avg_days"] == pytest.approx(mean - 5, abs=0.01)


def test_price_variance_is_quantity_weighted(dataset: list[POLine]) -> None:
    card = kpi.scorecard(dataset, AS_OF)
    # only B is above list: (11-10)*100 over list value 10*(100*4+50+20) = 4700
    assert card["price_variance_amount"] == 100.0
    assert card["price_variance_pct"] == pytest.approx(100 * 100 / 4700, abs=0.01)
    assert card["lines_above_list"] == 1


def test_returns_and_three_way_exceptions(dataset: list[POLine]) -> None:
    card = kpi.scorecard(dataset, AS_OF)
    assert card["return_rate_pct"] == pytest.approx(100 * 10 / 400, abs=0.01)  # 10 back of 400 in
    # B3: billed 90 > net received 80 -> exception; B4: price 10.5 vs 10 -> exception;
    # B6: billed 20 with nothing received -> exception
    assert card["three_way_exceptions"] == 3


def test_open_and_late(dataset: list[POLine]) -> None:
    assert kpi.open_and_late(dataset, AS_OF) == (["P5", "P6"], ["P6"])


def test_empty_population_gives_none_not_zero() -> None:
    card = kpi.scorecard([], AS_OF)
    assert card["otif_pct"] is None and card["lead_time_avg_days"] is None
    assert card["three_way_exceptions"] == 0


def test_list_price_picks_quantity_tier_and_validity() -> None:
    rows = [PriceRow(12.0, 0), PriceRow(10.0, 100), PriceRow(9.0, 500),
            PriceRow(8.0, 0, date_end=date(2025, 1, 1))]
    ln = line("P", 150, "2026-10-06 12:00:00", "2026-10-01 12:00:00", [], rows=rows)
    assert ln.list_price() == 10.0
    ln.product_qty = 50
    assert ln.list_price() == 12.0
    variant = [PriceRow(12.0, 0), PriceRow(11.5, 0, variant_specific=True)]
    assert line("P", 1, "2026-10-06 12:00:00", "2026-10-01 12:00:00", [], rows=variant).list_price() == 11.5


def test_suggested_order_qty_rounds_to_multiple_and_vendor_minimum() -> None:
    assert kpi.suggested_order_qty(forecast=5, min_qty=10, max_qty=40) == 35
    assert kpi.suggested_order_qty(forecast=5, min_qty=10, max_qty=40, multiple=12) == 36
    assert kpi.suggested_order_qty(forecast=5, min_qty=10, max_qty=40, vendor_min=100) == 100
    assert kpi.suggested_order_qty(forecast=10, min_qty=10, max_qty=40) == 0


def test_price_trend() -> None:
    t = kpi.price_trend([(datetime(2026, 1, 1), 10.0, 5), (datetime(2026, 6, 1), 12.0, 5)])
    assert t["change_pct"] == 20.0 and t["avg_price"] == 11.0 and t["orders"] == 2


def test_shared_price_rows_still_price_each_line_by_its_own_tier_and_day() -> None:
    """kpi.scorecard looks list prices up once per (rows, order day, quantity): lines sharing one rows
    list but differing in quantity tier or order date must still get their own list price."""
    rows = [PriceRow(12.0, 0, delay=4), PriceRow(10.0, 100, delay=4),
            PriceRow(9.0, 10, delay=4, date_start=date(2026, 10, 5))]
    a = line("P1", 150, "2026-10-06 12:00:00", "2026-10-01 12:00:00", [], rows=rows, price=10.0)  # tier 100: 10
    b = line("P2", 50, "2026-10-06 12:00:00", "2026-10-01 12:00:00", [], rows=rows, price=12.0)   # tier 0: 12
    c = line("P3", 50, "2026-10-16 12:00:00", "2026-10-10 12:00:00", [], rows=rows, price=12.0)   # 9 from 10-05
    card = kpi.scorecard([a, b, c], AS_OF)
    assert card["lines_above_list"] == 1 and card["price_variance_amount"] == pytest.approx(3.0 * 50)
    alone = [kpi.scorecard([x], AS_OF)["price_variance_amount"] for x in (a, b, c)]
    assert alone == [0.0, 0.0, 150.0]


def test_scorecard_accepts_a_generator_of_fresh_lines() -> None:
    """Lines made on the fly (each with its own rows list, freed after use) give the same card as a list."""
    def make() -> list[POLine]:
        return [line(f"P{i}", 100, "2026-10-06 12:00:00", "2026-10-01 12:00:00",
                     [rc("2026-10-05 12:00:00", 100)], price=10.0 + i,
                     rows=[PriceRow(10.0 + (i % 3), 0, delay=i % 7)]) for i in range(40)]
    assert kpi.scorecard((ln for ln in make()), AS_OF) == kpi.scorecard(make(), AS_OF)


def test_otif_counts_only_receipts_up_to_the_promised_day() -> None:
    on_day = line("P1", 100, "2026-10-06 23:00:00", "2026-10-01 12:00:00",
                  [rc("2026-10-06 01:00:00", 50), rc("2026-10-06 22:00:00", 50), rc("2026-10-07 00:00:00", 1)])
    assert on_day.otif() and on_day.in_full()
    over = line("P2", 100, "2026-10-06 12:00:00", "2026-10-01 12:00:00",
                [rc("2026-10-05 12:00:00", 100), rc("2026-10-20 12:00:00", 5)])
    assert not over.otif() and over.on_time()  # total 105 > 102: not OTIF even though 100 came on time


def test_scorecard_rates_agree_with_the_line_methods_on_varied_lines() -> None:
    """kpi.scorecard inlines the per-line rules for speed; on a grid of edge cases (tolerance bounds,
    early full deliveries, over-deliveries, receipts on the due day, dated and undated price rows shared
    by many lines) its counts and list prices must equal those of the POLine methods."""
    dated = [PriceRow(price=9.0, min_qty=0, delay=3, date_start=date(2026, 1, 1), date_end=date(2026, 6, 30)),
             PriceRow(price=8.0, min_qty=50, delay=4, date_start=date(2026, 7, 1))]
    undated = [PriceRow(price=10.0, min_qty=0, delay=5), PriceRow(price=9.5, min_qty=100, delay=6)]
    lines: list[POLine] = []
    qtys = (97.9, 98.0, 100.0, 102.0, 102.1, 50.0)
    for i in range(120):
        approved = datetime(2026, 1 + i % 11, 1 + i % 27, 9)
        promised = datetime(2026, 1 + i % 11, 1 + i % 27, 15) + (datetime(2026, 1, 11) - datetime(2026, 1, 1)) * (i % 3)
        if i % 7 == 0:
            promised = datetime(2026, 12, 20)  # not yet due
        q1, q2 = qtys[i % 6], qtys[(i // 6) % 6] / 2
        moves = [Receipt(promised.replace(hour=23), q1 / 2), Receipt(promised + (promised - approved), q2)]
        if i % 5 == 0:
            moves = moves[:1]
        if i % 11 == 0:
            moves = []
        rows = dated if i % 2 else undated
        lines.append(POLine(po=f"P{i}", product="X", ordered=100.0, product_qty=40.0 + 10 * (i % 10),
                            price_unit=9.0 + (i % 4) * 0.5, promised=promised, approved=approved,
                            order_date=approved, po_state="purchase" if i % 9 else "done", moves=moves,
                            bills=([BillLine("B", 100.0, 9.0 + (i % 3) * 0.5)] if i % 4 else [])
                            + ([BillLine("R", 3.0, 9.0, refund=True)] if i % 8 == 1 else [])
                            + ([BillLine("D", 5.0, 7.0, posted=False)] if i % 6 == 1 else []),
                            price_rows=rows))
    card = kpi.scorecard(lines, AS_OF)
    ev = [ln for ln in lines if ln.evaluable(AS_OF)]
    assert 0 < len(ev) < len(lines)
    assert card["lines_evaluated"] == len(ev)
    assert card["on_time_pct"] == round(100.0 * sum(ln.on_time() for ln in ev) / len(ev), 1)
    assert card["in_full_pct"] == round(100.0 * sum(ln.in_full() for ln in ev) / len(ev), 1)
    assert card["otif_pct"] == round(100.0 * sum(ln.otif() for ln in ev) / len(ev), 1)
    assert 0 < sum(ln.otif() for ln in ev) < sum(ln.in_full() for ln in ev) < len(ev)
    assert card["three_way_exceptions"] == sum(len(ln.bill_exceptions()) for ln in lines)
    assert 0 < card["three_way_exceptions"] < sum(1 for ln in lines for b in ln.bills if b.posted and not b.refund)
    prices = [(ln.list_price(), ln) for ln in lines]
    amount = sum((ln.price_unit - lp) * ln.product_qty for lp, ln in prices if lp is not None)
    assert len({lp for lp, _ in prices}) > 2
    assert card["price_variance_amount"] == round(amount, 2)
    assert card["lines_above_list"] == sum(1 for lp, ln in prices if lp is not None and ln.price_unit > lp + 0.005)
