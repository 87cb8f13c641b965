"""Approval rule conditions beyond the amount (issue #14.5): urgency, category, vendor risk, min_amount; the
policy file's own checks; vendor risk read from the supplier_risk ranking only when a rule uses it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tools.actions.routing import routing_metrics
from tools.base import Identity, ToolContext
from tools.governance.policy import Policy, PolicyError, category_in
from tools.registry import run_tool

GOV = Path(__file__).resolve().parents[2] / "tools" / "governance"


def _policy(extra_rules: list[dict[str, Any]]) -> Policy:
    data = yaml.safe_load((GOV / "default_policy.yaml").read_text(encoding="utf-8"))
    data["approval_rules"]["create_rfq"] = extra_rules + data["approval_rules"]["create_rfq"]
    return Policy.from_dict(data, source="test")


def test_category_paths_match_whole_segments() -> None:
    assert category_in("All / Medical Supplies / Gloves", ["Medical Supplies"])
    assert category_in("All / Medical Supplies", ["all/medical supplies"])
    assert not category_in("All / Medical Supplies Extra", ["Medical Supplies"])
    assert not category_in("All / Cold Chain Pharma", ["Medical Supplies", "Chemicals"])


def test_rules_route_on_category_risk_and_urgency() -> None:
    pol = _policy([
        {"name": "hazmat_manager", "categories": ["Chemicals (Hazmat)"], "approver_roles": ["manager"]},
        {"name": "risky_vendor_four_eyes", "min_vendor_risk": 60, "approver_roles": ["approver", "manager"]},
    ])
    assert pol.uses_vendor_risk
    assert pol.rule_for("create_rfq", 100, None, {"categories": ["All / Chemicals (Hazmat)"]}).name == "hazmat_manager"
    assert pol.rule_for("create_rfq", 100, None, {"vendor_risk": 72.5}).name == "risky_vendor_four_eyes"
    assert pol.rule_for("create_rfq", 100, None, {"vendor_risk": 12}).name == "rfq_up_to_5000_self_ok"
    assert pol.rule_for("create_rfq", 100, None, {}).name == "rfq_up_to_5000_self_ok"
    assert pol.rule_for("create_rfq", 10_000.01, None, {"urgent": True}).name == "rfq_emergency_over_10000_manager"
    assert not Policy.load(GOV / "default_policy.yaml").uses_vendor_risk


def test_a_conditional_last_rule_is_refused() -> None:
    data = yaml.safe_load((GOV / "default_policy.yaml").read_text(encoding="utf-8"))
    data["approval_rules"]["remind_supplier"] = [{"name": "x", "urgent": True, "approver_roles": ["manager"]}]
    with pytest.raises(PolicyError, match="catch-all"):
        Policy.from_dict(data, source="test")


def test_blocked_by_reads_the_current_policy() -> None:
    data = yaml.safe_load((GOV / "default_policy.yaml").read_text(encoding="utf-8"))
    evidence = {"checks": [{"code": "incoming", "severity": "warn", "text": "40 already incoming."},
                           {"code": "no_contract", "severity": "info", "text": "No contract."}]}
    assert Policy.from_dict(data).blocked_by(evidence) == []
    data["prechecks"]["block"] = ["incoming", "no_contract"]
    assert Policy.from_dict(data).blocked_by(evidence) == ["40 already incoming."]  # info never blocks


def test_vendor_risk_comes_from_the_supplier_risk_ranking(odoo: Any) -> None:
    pol = _policy([{"name": "risky", "min_vendor_risk": 50, "approver_roles": ["manager"]}])
    ctx = ToolContext(user=Identity("ava.buyer", "buyer"), odoo=odoo, policy=pol)
    ranking = run_tool(ctx, "supplier_risk", {})
    assert ranking.ok
    top = ranking.data["vendors"][0]
    got = routing_metrics(ctx, urgent=False, categories=[], vendor=top["vendor"])
    assert got["vendor_risk"] == pytest.approx(top["score"], abs=0.05)
    plain = routing_metrics(ToolContext(user=Identity("ava.buyer", "buyer"), odoo=odoo,
                                        policy=Policy.load(GOV / "default_policy.yaml")),
                            urgent=True, categories=["All / A", "All / A", ""], vendor=top["vendor"])
    assert plain == {"urgent": True, "categories": ["All / A"]}  # no ranking read when no rule needs it
