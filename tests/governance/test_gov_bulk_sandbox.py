"""From suggestion to RFQs in bulk (issue #14.2) on private sandboxes of both businesses: one create_rfq proposal
per vendor with its lines, quantities and vendors as the replenishment answer said, each with its evidence and
its own approval; the follow-up in chat reads the thread's suggestion list."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gov_kit import GOV
from test_gov_prechecks_sandbox import World, _world

from tools.actions.bulk import _code
from tools.registry import run_tool

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def world(fresh_sandbox: Any, tmp_path: Path) -> Iterator[World]:
    yield from _world(fresh_sandbox, tmp_path, GOV / "default_users.yaml")


@pytest.fixture()
def world_h(fresh_sandbox_hollander: Any, tmp_path: Path) -> Iterator[World]:
    yield from _world(fresh_sandbox_hollander, tmp_path, ROOT / "sandbox" / "seed_hollander" / "users.yaml")


def _check_batch(w: World, user: str, warehouse: str | None, top: int) -> None:
    ctx = w.ctx(user)
    answer = run_tool(ctx, "replenishment_risk", {"warehouse": warehouse})
    assert answer.ok and answer.data["at_risk"], answer.text
    rows = answer.data["at_risk"][:top]
    res = run_tool(ctx, "order_suggestions", {"warehouse": warehouse, "top": top, "vendor": "cheapest"})
    assert res.ok, res.error
    # one proposal per (cheapest vendor, warehouse) of the rows the answer showed, every row on exactly one
    want: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        if r.get("cheapest"):
            want.setdefault((r["cheapest"]["vendor"], r.get("wh") or warehouse or ""), set()).add(_code(r))
    got: dict[tuple[str, str], set[str]] = {}
    for pid in res.proposal_ids:
        p = w.service.get(pid)
        assert p is not None and p.kind == "create_rfq" and p.state == "pending"
        got[(p.args["supplier"], p.args["warehouse"])] = {ln["product"] for ln in p.args["lines"]}
        assert set(p.evidence["basis"]) == {ln["product"] for ln in p.args["lines"]}
        assert all("forecast" in v and "suggested" in v for v in p.evidence["basis"].values())
        assert all("cheapest" in v for v in p.evidence["vendor_choice"].values())
        assert "checks" in p.evidence  # the checks before approval ran on each
    assert got == {k: v for k, v in want.items() if k in got}
    assert len(got) == len(res.proposal_ids) and sum(map(len, got.values())) + len(res.data["skipped"]) + sum(
        1 for r in res.data["refused"]) >= len(rows) - 1
    # the quantity is the suggested one, in the purchase unit (equal where the units are the same)
    for pid in res.proposal_ids:
        p = w.service.get(pid)
        for ln in p.args["lines"]:
            row = next(r for r in rows if _code(r) == ln["product"])
            if ln.get("uom") in ("Units", "Unit", "") and not row["cheapest"].get("min_qty"):
                assert ln["quantity"] == pytest.approx(float(row["suggested_qty"]))
    # one approval per RFQ: approving one leaves the others pending
    first = res.proposal_ids[0]
    p = w.service.get(first)
    approver = next(u for u in p.eligible_approvers)
    assert w.decide(first, approver).outcome == "executed"
    assert all(w.service.get(pid).state == "pending" for pid in res.proposal_ids[1:])


def test_top_suggestions_become_one_rfq_per_vendor(world: World) -> None:
    _check_batch(world, "ava.buyer", "DAL", 5)


def test_hollander_bulk_in_euro(world_h: World) -> None:
    buyer = next(u.username for u in world_h.directory.all() if u.role == "buyer")
    _check_batch(world_h, buyer, None, 3)
    p = world_h.service.list(limit=5)[0]
    assert p.currency == "EUR" and "USD" not in p.summary


def test_most_reliable_rule_and_critical_only(world: World) -> None:
    ctx = world.ctx("ava.buyer")
    rows = run_tool(ctx, "replenishment_risk", {"warehouse": "DAL"}).data["at_risk"]
    row = next(r for r in rows if r.get("most_reliable"))
    res = run_tool(ctx, "order_suggestions", {"warehouse": "DAL", "items": [_code(row)], "vendor": "most_reliable"})
    assert res.ok, res.error
    (pid,) = res.proposal_ids
    assert world.service.get(pid).args["supplier"] == row["most_reliable"]["vendor"]
    crit = run_tool(ctx, "order_suggestions", {"warehouse": "DAL", "critical_only": True, "top": 4})
    below = [_code(r) for r in rows if r.get("below_min")][:4]
    ordered = {ln["product"] for pid in crit.proposal_ids for ln in world.service.get(pid).args["lines"]}
    assert ordered and ordered <= set(below)
    nothing = run_tool(ctx, "order_suggestions", {"warehouse": "DAL", "items": ["NOPE-0000"]})
    assert not nothing.ok and "Nothing proposed" in (nothing.error or "")
