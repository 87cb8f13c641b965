"""Scale-out on loopback: three web replicas (`quartermaster run`, each scheduling alerts) and two Celery workers
over Redis, sharing PostgreSQL; ten one-minute ticks of fake time while receipts move into "tomorrow" in Odoo; one
worker is killed with SIGKILL mid-run, and later one web replica. Every (job, tick) runs exactly once to completion, and every subscriber
gets every new receipt exactly once (truth from Odoo; Slack is the mock Web API)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from topology_kit import run_topology


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(600)
def test_three_replicas_two_workers_kill_one_no_duplicate_no_missed(
        fresh_sandbox: Any, postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "channels" / "slack"))
    from slack_kit import MockSlack

    from tools.odoo.client import OdooClient

    odoo = OdooClient.connect(fresh_sandbox.url, fresh_sandbox.db, "admin", "admin")
    slack = MockSlack().start()
    try:
        rep = run_topology(odoo=odoo, odoo_url=fresh_sandbox.url, odoo_db=fresh_sandbox.db, pg_url=postgres_url,
                           redis_url=redis_url, slack=slack, work=tmp_path / "topology", ticks=10, kill_at=4)
    finally:
        slack.stop()
    print(rep)
    assert rep.problems == []
    assert rep.killed_worker and rep.killed_replica and rep.web_replicas
    assert rep.runs == rep.runs_expected == 30 and rep.duplicate_runs == 0 and rep.missed_runs == 0
    assert rep.alerts_expected > 10
    assert rep.duplicate_alerts == 0 and rep.missed_alerts == 0
    assert rep.digests == 1
