"""Benchmark of the bulk flow (issue #14): RFQ proposals from one replenishment answer, and the checks' cost.

On a private sandbox (scale 1) for each business: the replenishment answer for a warehouse is read first (as
in the chat), then `order_suggestions` turns its suggestions into RFQ proposals, one per vendor; the vendor
rule is varied until a batch of at least 10 proposals comes out. Prints the proposals made, the time and the
Odoo round trips of that step (the OdooClient's RPC counter), and the round trips the checks before approval
add to a single create_rfq (with vs. without them). Targets: 10 proposals in <= 2 s and <= 12 round trips;
checks <= 2 round trips per proposal.

    .venv/bin/python bench/bench_bulk.py [--business bluebonnet|hollander|both]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox.launch import start_sandbox  # noqa: E402
from tools.actions import checks  # noqa: E402
from tools.base import ToolContext  # noqa: E402
from tools.governance.audit import AuditLog  # noqa: E402
from tools.governance.identity import Directory  # noqa: E402
from tools.governance.policy import Policy  # noqa: E402
from tools.governance.proposals import ProposalService  # noqa: E402
from tools.governance.store import StateStore  # noqa: E402
from tools.odoo.client import OdooClient  # noqa: E402
from tools.registry import run_tool  # noqa: E402

GOV = ROOT / "tools" / "governance"
USERS = {"bluebonnet": GOV / "default_users.yaml", "hollander": ROOT / "sandbox" / "seed_hollander" / "users.yaml"}


def measure(ctx: ToolContext, name: str, args: dict[str, Any]) -> tuple[Any, float, int]:
    t0 = time.perf_counter()
    res = run_tool(ctx, name, args)  # counts this call's round trips (OdooClient.measure) into res.rpc_calls
    return res, (time.perf_counter() - t0) * 1000, int(res.rpc_calls or 0)


def bench(business: str, tmp: Path) -> None:
    sb = start_sandbox(tmp / business, port=0, scale=1, cache_dir=ROOT / "var" / "cache" / "sandbox",
                       business=business)
    try:
        odoo = OdooClient.connect(sb.url, sb.db, "admin", "admin")
        store = StateStore.open(f"sqlite:///{tmp / (business + '.db')}")
        directory = Directory.load(USERS[business])
        policy = Policy.load(GOV / "default_policy.yaml")
        ProposalService(store, policy, directory, AuditLog(store), odoo=odoo)
        buyer = next(u for u in directory.all() if u.role == "manager")
        ctx = ToolContext(user=buyer, odoo=odoo, store=store, policy=policy, audit=AuditLog(store), channel="bench")
        best: tuple[Any, float, int, str] | None = None
        whs = [None, *[w["code"] for w in odoo.search_read("stock.warehouse", [], ["code"], limit=20)]]
        for wh in whs:
            answer, ms_r, rt_r = measure(ctx, "replenishment_risk", {"warehouse": wh})
            if not answer.ok or not answer.data.get("at_risk"):
                continue
            for rule in ("cheapest", "best", "most_reliable"):
                res, ms, rt = measure(ctx, "order_suggestions", {"warehouse": wh, "vendor": rule})
                if res.ok and (best is None or len(res.proposal_ids) > len(best[0].proposal_ids)):
                    best = (res, ms, rt, f"{wh or 'all warehouses'}, vendor rule {rule}; replenishment answer "
                                         f"{ms_r:.0f} ms / {rt_r} trips before it")
                if best and len(best[0].proposal_ids) >= 10:
                    break
            if best and len(best[0].proposal_ids) >= 10:
                break
        if best is None:
            print(f"{business}: no replenishment suggestion to order")
            return
        res, ms, rt, where = best
        n = len(res.proposal_ids)
        lines = sum(len(ctx.store.proposals.get(pid).args["lines"]) for pid in res.proposal_ids)
        print(f"{business}: {n} RFQ proposals ({lines} lines) from one replenishment answer ({where}): "
              f"{ms:.0f} ms, {rt} Odoo round trips "
              f"[target 10 in <= 2000 ms and <= 12 trips: {'ok' if n >= 10 and ms <= 2000 and rt <= 12 else 'MISSED' if n >= 10 else f'only {n} vendors'}]")
        # the checks' own cost on one create_rfq: run it with and without the checks (history read)
        p = ctx.store.proposals.get(res.proposal_ids[0])
        args = {"supplier": p.args["supplier"], "warehouse": p.args["warehouse"],
                "lines": [{"product": ln["product"], "quantity": ln["quantity"] + 1} for ln in p.args["lines"]]}
        _, ms1, with_checks = measure(ctx, "create_rfq", args)
        real = checks.run_checks

        def no_history(*a: Any, **kw: Any) -> Any:
            kw["rows"] = []
            return real(*a, **kw)

        checks.run_checks = no_history  # type: ignore[assignment]
        try:
            args["lines"] = [{**ln, "quantity": ln["quantity"] + 1} for ln in args["lines"]]
            _, ms2, without = measure(ctx, "create_rfq", args)
        finally:
            checks.run_checks = real  # type: ignore[assignment]
        print(f"{business}: one create_rfq {with_checks} trips with the checks, {without} without: the checks add "
              f"{with_checks - without} [target <= 2]; confirm/approve add 2 (their lines, the history)")
        store.close()
    finally:
        sb.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--business", default="both", choices=["bluebonnet", "hollander", "both"])
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="qm-bench-bulk-") as tmp:
        for biz in (["bluebonnet", "hollander"] if a.business == "both" else [a.business]):
            bench(biz, Path(tmp))


if __name__ == "__main__":
    main()
