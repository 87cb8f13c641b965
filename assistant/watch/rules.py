"""The alert rules file (tools/governance/alert_rules.yaml, or QM_ALERT_RULES_FILE): load and check it.

Why a file next to the policy: which conditions are worth interrupting people for, and with which
thresholds, is a business decision like the approval limits; operators change it without a release.
A bad file is refused at load with one sentence naming the rule and the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.settings import PACKAGE_ROOT

DEFAULT_RULES_FILE = PACKAGE_ROOT / "tools" / "governance" / "alert_rules.yaml"
SOURCES = ("receipts_due", "receipts_overdue", "late_pos", "unconfirmed", "stockout_risk",
           "three_way_exceptions", "contracts_expiring", "supplier_messages")
DIGEST_JOB = "digests"
DELIVERY_JOB = "deliveries"


class RulesError(ValueError):
    """The rules file is unusable; the message says where."""


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    source: str
    params: dict[str, Any] = field(default_factory=dict)
    every_minutes: int = 60
    roles: tuple[str, ...] = ()

    def allows(self, role: str) -> bool:
        return not self.roles or role in self.roles


@dataclass(frozen=True)
class RuleSet:
    rules: dict[str, Rule]
    tick_seconds: int = 60
    path: str = ""

    def get(self, name: str) -> Rule | None:
        return self.rules.get(name)

    def for_role(self, role: str) -> list[Rule]:
        return [r for r in self.rules.values() if r.allows(role)]

    def due(self, tick_minute: int) -> list[Rule]:
        """Rules evaluated at this tick (minutes since the epoch): every_minutes divides it."""
        return [r for r in self.rules.values() if tick_minute % max(1, r.every_minutes) == 0]

    def jobs(self) -> list[str]:
        return [*self.rules, DIGEST_JOB]


def load_rules(path: Path | str | None = None) -> RuleSet:
    p = Path(path) if path else DEFAULT_RULES_FILE
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise RulesError(f"The alert rules file {p} does not exist (QM_ALERT_RULES_FILE).") from None
    except yaml.YAMLError as exc:
        raise RulesError(f"The alert rules file {p} is not valid YAML ({exc.__class__.__name__}).") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("rules"), dict):
        raise RulesError(f"The alert rules file {p} needs a 'rules:' mapping.")
    rules: dict[str, Rule] = {}
    for name, body in raw["rules"].items():
        if not isinstance(body, dict):
            raise RulesError(f"Alert rule '{name}' in {p} must be a mapping.")
        source = body.get("source")
        if source not in SOURCES:
            raise RulesError(f"Alert rule '{name}' in {p} has source {source!r}; use one of {', '.join(SOURCES)}.")
        every = body.get("every_minutes", 60)
        if not isinstance(every, int) or every < 1:
            raise RulesError(f"Alert rule '{name}' in {p}: every_minutes must be a whole number of minutes >= 1.")
        params = body.get("params") or {}
        if not isinstance(params, dict):
            raise RulesError(f"Alert rule '{name}' in {p}: params must be a mapping.")
        roles = body.get("roles") or []
        if not isinstance(roles, list):
            raise RulesError(f"Alert rule '{name}' in {p}: roles must be a list.")
        if name in (DIGEST_JOB, DELIVERY_JOB, "*"):
            raise RulesError(f"Alert rule name '{name}' is reserved; pick another.")
        rules[str(name)] = Rule(name=str(name), title=str(body.get("title") or name), source=source,
                                params=params, every_minutes=every, roles=tuple(str(r) for r in roles))
    tick = raw.get("tick_seconds", 60)
    if not isinstance(tick, int) or tick < 1:
        raise RulesError(f"tick_seconds in {p} must be a whole number of seconds >= 1.")
    return RuleSet(rules=rules, tick_seconds=tick, path=str(p))
