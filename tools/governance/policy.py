"""The rules, read from YAML: which role may call which tool, what it may see, who approves what.

Why in the assistant and not in Odoo: Odoo's groups let any purchase user confirm any PO, so the
four-eyes rules, amount thresholds and per-role redaction must live here (see default_policy.yaml).
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import yaml

from tools.base import Identity

if TYPE_CHECKING:
    from tools.governance.identity import Directory


_NUM = r"-?\d(?:[\d,]*\d)?(?:\.\d+)?(?:\s?(?:k|bn|million|thousand)\b)?"
_DEC = r"-?\d(?:[\d,]*\d)?\.\d+"
_CODES = r"(?:USD|US\$|EUR|GBP|CAD|MXN)"
#: Money amounts in free text: "$1,234.56", "1,234.56 USD", "USD 30.63", "30.63 dollars", "€9", "£9",
#: "4.18 per unit", "@ 0.01". One place, used by run_tool (data and text) and the chat runtime's answers.
_PER = r"\s?(?:/|per|an?)\s?(?:unit|each|ea|pc|pcs|piece|item|box|case|pack|pair|dozen|roll|kg|lb)s?\b"
MONEY_PATTERN = re.compile(
    rf"(?:{_CODES}|[$€£¥])\s?{_NUM}(?:{_PER})?"
    rf"|{_NUM}\s?(?:{_CODES}|[$€£¥]|dollars?|euros?|pounds?|cents?|bucks)(?![A-Za-z])(?:{_PER})?"
    rf"|{_DEC}{_PER}"
    rf"|@\s?{_NUM}",
    re.IGNORECASE)
#: "billed at 30.63", "unit price: 4.18", "priced at 2.50", "cost of 12.00": a decimal after a price word.
_PRICE_WORD = re.compile(
    rf"\b((?:unit\s)?(?:price[ds]?|cost[s]?|billed|invoiced|charged|quoted|spend|spent)"
    rf"(?:\s(?:at|of|is|was|to|for))?\s?[:=]?\s?)({_DEC})",
    re.IGNORECASE)
REDACTED = "[redacted]"
#: "[redacted] vs 29.16": the second figure of a comparison whose first one was money.
_FOLLOWER = re.compile(rf"(\[redacted\]\s?(?:vs\.?|versus|instead of|and|or|to|from|->|→|/)\s?)({_DEC})",
                       re.IGNORECASE)


# -- money by construction ---------------------------------------------------------------------------
# Every number-like token is judged on its own: it is money when a currency marker touches it, when it
# has exactly two decimals (the shape of an amount; quantities with a unit after them are kept), when a
# money word precedes it in the same clause ("total due: 15895.91", "Invoice total 12,345 is due"),
# when a per-unit word follows it ("12.40 each"), or when it sits in a table column whose header names
# money. Codes (ABC-4424), references (P01700, WH/IN/00012), dates and percentages never match.
_CUR_BEFORE = re.compile(r"(?:US\$|[$€£¥]|\b(?:USD|EUR|GBP|CAD|MXN|JPY|CHF|AUD)\b)\s?[-+]?$", re.I)
_CUR_AFTER = re.compile(r"^\s?(?:USD|EUR|GBP|CAD|MXN|JPY|CHF|AUD|US\$|[$€£¥]|dollars?|euros?|pounds?|cents?|"
                        r"bucks)(?![A-Za-z])", re.I)
_TOKEN = re.compile(r"(?<![\w/\-.,:#])(\d{1,3}(?:[,.\u202f\u00a0 ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?)"
                    r"(\s?(?:k|K|m|M|bn|mn|million|thousand)\b)?(?![\w/\-]|[.,:]\d)")
_UNIT_AFTER = re.compile(r"^\s?(?:%|°|×|(?:percent|degrees?|kg|g|lbs?|oz|l|ml|cm|mm|km|m2|m3|ft|in|days?|d|hours?|"
                         r"hrs?|h|weeks?|wks?|months?|years?|yrs?|units?|pcs|pieces?|cases?|boxes|box|packs?|"
                         r"pallets?|rolls?|pairs?|dozens?|items?|lines?|orders?|pos|receipts?|vendors?|x|×|"
                         r"times|minutes?|min|s|seconds?|ms|ppm|points?|pts|st|nd|rd|th)\b)", re.I)
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_MONTH_BEFORE = re.compile(rf"\b{_MONTHS}\s$", re.I)
_MONTH_AFTER = re.compile(rf"^\s(?:of\s)?{_MONTHS}(?![a-z])", re.I)
_PER_AFTER = re.compile(r"^\s?(?:each|ea\b|apiece|/\s?(?:unit|ea|each|pc|case|box|kg|lb)|per\s(?:unit|each|ea|pc|"
                        r"piece|item|case|box|pack|pair|dozen|roll|kg|lb|pallet)|an?\s(?:unit|piece|case|box))", re.I)
_MONEY_WORDS = re.compile(  # whole words only: "Magnetic" holds "net", "overdue" holds "due"
    r"(?<![a-z])(?:price[ds]?|pricing|cost[s]?|costing|total[s]?|subtotal|sub-total|due|invoiced?|invoices|amount[s]?|"
    r"rate[s]?|charge[ds]?|fees?|spend|spent|paid|pay|payment|payable|budget|value[ds]?|worth|quoted?|quotes|"
    r"bill(?:ed|ing)?|credit|debit|balance|rebate|surcharge|freight|net|gross|tax|vat|owed?|outstanding|"
    r"refund(?:ed)?|deposit|discount(?:ed)?|tariff|list|unit\s?price|costs?\sper|sum|@)\W{0,3}"
    r"(?:\w+\W{1,3}){0,5}$", re.I)
#: "[amount] to 44", "[amount] vs 29.16": the second figure of a range or comparison whose first was money.
_CONNECTOR = re.compile(r"\s?(?:to|vs\.?|versus|and|or|->|→|/|instead of|up to|down to|-|–|—)\s?(?:US\$|[$€£]|"
                        r"(?:USD|EUR|GBP)\s)?", re.I)
_CLAUSE_END = re.compile(r"[.,;!?\n|]\s|\s[-–—]\s")
_MONEY_HEADER = re.compile(r"price|cost|amount|total|value|subtotal|spend|rate|fee|charge|usd|eur|\$|€|£", re.I)


def _is_money(text: str, m: re.Match[str]) -> bool:
    before, after = text[:m.start()], text[m.end():]
    if _CUR_BEFORE.search(before[-6:]) or _CUR_AFTER.match(after):
        return True
    number = m.group(1)
    if m.group(2) and _CUR_BEFORE.search(before[-6:]):
        return True
    if _UNIT_AFTER.match(after) or _MONTH_BEFORE.search(before[-10:]) or _MONTH_AFTER.match(after):
        return False
    if _PER_AFTER.match(after) and re.search(r"[.,]\d", number):
        return True
    if re.search(r"[.,]\d{2}$", number) and not re.fullmatch(r"\d{1,2}[.,]\d{2}", number.strip()) or \
            re.search(r"\d[.,]\d{3}[.,]\d{2}$", number):
        return True
    if re.fullmatch(r"\d{1,2}[.,]\d{2}", number) and not re.search(r"\d\s?[:h]\s?$", before[-3:]):
        return True  # "9.50": two decimals, not a time of day
    clause = _CLAUSE_END.split(before[-80:])[-1]
    return bool(_MONEY_WORDS.search(clause))


def _scrub_tables(text: str) -> str:
    """Markdown/pipe tables: every number in a column whose header names money."""
    lines = text.split("\n")
    money_cols: set[int] = set()
    for i, line in enumerate(lines):
        if "|" not in line:
            money_cols = set()
            continue
        cells = line.split("|")
        if not money_cols and any(_MONEY_HEADER.search(c) for c in cells) and not re.search(r"\d", line):
            money_cols = {j for j, c in enumerate(cells) if _MONEY_HEADER.search(c)}
            continue
        if money_cols:
            for j in money_cols:
                if j < len(cells):
                    cells[j] = re.sub(r"[-+]?\d[\d,.\u202f ]*", REDACTED + " ", cells[j]).replace(
                        REDACTED + " ", REDACTED)
            lines[i] = "|".join(cells)
    return "\n".join(lines)


def scrub_money(text: str) -> str:
    """`text` with every money amount replaced by "[redacted]" (for roles that may not see prices)."""
    if not text or not any(ch.isdigit() for ch in text):
        return text
    if "|" in text:
        text = _scrub_tables(text)
    out: list[str] = []
    last = 0
    prev_end = -1
    for m in _TOKEN.finditer(text):
        follows = prev_end >= 0 and _CONNECTOR.fullmatch(text[prev_end:m.start()]) is not None
        if follows or _is_money(text, m):
            start, end = m.start(), m.end()
            cur = _CUR_BEFORE.search(text[max(0, start - 6):start])
            if cur:
                start -= len(cur.group())
            after = _CUR_AFTER.match(text[end:]) or _PER_AFTER.match(text[end:])
            if after:
                end += len(after.group())
            if start < last:
                start = last
            out.append(text[last:start])
            out.append(REDACTED)
            last = prev_end = end
    out.append(text[last:])
    result = "".join(out)
    return re.sub(r"@\s?\[redacted\]", REDACTED, result)


def scrub_money_deep(value: Any) -> Any:
    """A copy of `value` with every string (dict keys excepted) passed through `scrub_money`."""
    if isinstance(value, str):
        return scrub_money(value)
    if isinstance(value, dict):
        return {k: scrub_money_deep(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_money_deep(v) for v in value]
    return value


#: Proposal kinds that spend nothing: their amount is meaningless, so messages and views omit it.
#: request_purchase spends nothing (no Odoo write); transfer_stock moves stock already paid for (its amount is the
#: value moved, for the approval rule only).
NO_SPEND_KINDS = frozenset({"remind_supplier", "reschedule_receipt", "request_purchase", "transfer_stock"})


def has_spend(kind: str) -> bool:
    return kind not in NO_SPEND_KINDS


class PolicyError(ValueError):
    """The policy file is malformed; the message names the place."""


@dataclass(frozen=True)
class Rule:
    """One approval rule: the first rule of a kind whose conditions hold decides who may approve."""

    name: str
    kind: str
    approver_roles: tuple[str, ...]
    self_approval_allowed: bool
    max_amount: float | None = None
    max_days_shift: float | None = None
    note: str | None = None
    escalate_to: tuple[str, ...] = ()
    min_amount: float | None = None  # the rule holds only ABOVE this amount (exclusive)
    urgent: bool | None = None  # only for urgent (Odoo priority) / only for non-urgent proposals
    categories: tuple[str, ...] = ()  # only when a line's product category is one of these (or under one)
    min_vendor_risk: float | None = None  # only when the vendor's risk score is at least this

    @property
    def conditional(self) -> bool:
        return (self.max_amount is not None or self.max_days_shift is not None or self.min_amount is not None
                or self.urgent is not None or bool(self.categories) or self.min_vendor_risk is not None)

    def matches(self, amount: float, days_shift: float | None, metrics: Mapping[str, Any] | None = None) -> bool:
        metrics = metrics or {}
        if self.max_amount is not None and amount > self.max_amount:
            return False
        if self.min_amount is not None and amount <= self.min_amount:
            return False
        if self.urgent is not None and bool(metrics.get("urgent")) != self.urgent:
            return False
        if self.categories and not any(category_in(c, self.categories) for c in metrics.get("categories") or []):
            return False
        if self.min_vendor_risk is not None and float(metrics.get("vendor_risk") or 0) < self.min_vendor_risk:
            return False
        return not (self.max_days_shift is not None and days_shift is not None
                    and abs(days_shift) > self.max_days_shift)

    def describe(self) -> str:
        who = " or ".join(self.approver_roles)
        if self.escalate_to:
            who += f" (for a {' or '.join(self.approver_roles)}'s own request also {' or '.join(self.escalate_to)})"
        return (f"{who} (self-approval allowed)" if self.self_approval_allowed
                else f"a different person: {who}")


def category_in(category: str, wanted: Iterable[str]) -> bool:
    """Is Odoo's category ("All / Medical Supplies / Gloves") one of `wanted` or under one (case-insensitive,
    matched on whole path segments, so "Medical Supplies" holds for its children too)."""
    parts = [p.strip().lower() for p in str(category).split("/") if p.strip()]
    for w in wanted:
        want = [p.strip().lower() for p in str(w).split("/") if p.strip()]
        n = len(want)
        if n and any(parts[i:i + n] == want for i in range(len(parts) - n + 1)):
            return True
    return False


class ProposalLike(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def amount(self) -> float: ...
    @property
    def requester(self) -> str: ...
    @property
    def metrics(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class RolePolicy:
    tools: frozenset[str]
    redact_patterns: tuple[str, ...] = ()
    hidden_doc_types: frozenset[str] = frozenset()
    scrub_money: bool = False


def _known_roles(value: Any, roles: Mapping[str, Any], where: str) -> tuple[str, ...]:
    names = tuple(_flatten(value if isinstance(value, list | tuple) else [value] if value else []))
    unknown = [r for r in names if r not in roles]
    if unknown:
        raise PolicyError(f"{where}: escalate_to names unknown roles {unknown}")
    return names


def _flatten(items: Iterable[Any]) -> list[str]:
    out: list[str] = []
    for it in items:
        if isinstance(it, list | tuple):
            out.extend(_flatten(it))
        elif it is not None:
            out.append(str(it))
    return out


@dataclass
class Policy:
    roles: dict[str, RolePolicy]
    rules: dict[str, list[Rule]]
    expiry_hours: float = 72.0
    currency: str = "USD"
    document_types: tuple[str, ...] = ()
    source: str = "<memory>"
    cumulative: dict[str, dict[str, float]] = field(default_factory=dict)  # kind -> {max_amount|max_days_shift}
    cumulative_window_hours: float = 168.0
    version: str = ""  # sha256 prefix of the parsed policy: sealed into every proposal made under it
    prechecks: dict[str, Any] = field(default_factory=dict)  # tools/actions/checks.py settings
    three_way_match: dict[str, Any] = field(default_factory=dict)  # tolerances (tools/reads/matching.py)
    _redact_cache: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    # -- loading -------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> Policy:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<memory>") -> Policy:
        roles: dict[str, RolePolicy] = {}
        for role, spec in (data.get("roles") or {}).items():
            spec = spec or {}
            roles[str(role)] = RolePolicy(
                tools=frozenset(_flatten(spec.get("tools") or [])),
                redact_patterns=tuple(p.lower() for p in _flatten(spec.get("redact_fields") or [])),
                hidden_doc_types=frozenset(_flatten(spec.get("hidden_doc_types") or [])),
                scrub_money=bool(spec.get("scrub_money_in_text", False)))
        rules: dict[str, list[Rule]] = {}
        for kind, specs in (data.get("approval_rules") or {}).items():
            parsed: list[Rule] = []
            for i, spec in enumerate(specs or []):
                approvers = tuple(_flatten(spec.get("approver_roles") or []))
                unknown = [r for r in approvers if r not in roles]
                if not approvers or unknown:
                    raise PolicyError(f"{source}: approval_rules.{kind}[{i}]: approver_roles {approvers} "
                                      f"must name known roles (unknown: {unknown})")
                parsed.append(Rule(
                    name=str(spec.get("name") or f"{kind}_{i}"), kind=str(kind), approver_roles=approvers,
                    self_approval_allowed=bool(spec.get("self_approval", False)),
                    max_amount=float(spec["max_amount"]) if spec.get("max_amount") is not None else None,
                    max_days_shift=(float(spec["max_days_shift"])
                                    if spec.get("max_days_shift") is not None else None),
                    note=spec.get("note"),
                    escalate_to=_known_roles(spec.get("escalate_to"), roles, f"{source}: approval_rules.{kind}[{i}]"),
                    min_amount=float(spec["min_amount"]) if spec.get("min_amount") is not None else None,
                    urgent=bool(spec["urgent"]) if spec.get("urgent") is not None else None,
                    categories=tuple(_flatten(spec.get("categories") or [])),
                    min_vendor_risk=(float(spec["min_vendor_risk"])
                                     if spec.get("min_vendor_risk") is not None else None)))
            if parsed and parsed[-1].conditional:
                raise PolicyError(f"{source}: approval_rules.{kind}: the last rule must have no condition "
                                  "(a catch-all), so every proposal has a rule")
            rules[str(kind)] = parsed
        cum_spec = dict(data.get("cumulative_self_approval") or {})
        window = float(cum_spec.pop("window_hours", 168))
        cumulative: dict[str, dict[str, float]] = {}
        for kind, spec in cum_spec.items():
            limits = {k: float(v) for k, v in dict(spec or {}).items() if k in ("max_amount", "max_days_shift")}
            if not limits:
                raise PolicyError(f"{source}: cumulative_self_approval.{kind} needs max_amount or max_days_shift")
            cumulative[str(kind)] = limits
        return cls(roles=roles, rules=rules, expiry_hours=float(data.get("expiry_hours", 72)),
                   cumulative=cumulative, cumulative_window_hours=window,
                   currency=str(data.get("currency", "USD")),
                   document_types=tuple(_flatten(data.get("document_types") or [])), source=source,
                   version=hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16],
                   prechecks=dict(data.get("prechecks") or {}),
                   three_way_match=dict(data.get("three_way_match") or {}))

    @property
    def label_currency(self) -> str:
        """The policy's currency code for messages ("" when it is the connected company's: `company`)."""
        return "" if self.currency.lower() == "company" else self.currency

    # -- tools -----------------------------------------------------------------------------------
    def allowed_tools(self, role: str) -> list[str]:
        rp = self.roles.get(role)
        return sorted(rp.tools) if rp else []

    def can_use(self, role: str, tool: str) -> bool:
        rp = self.roles.get(role)
        return bool(rp and tool in rp.tools)

    # -- redaction ------------------------------------------------------------------------------
    def redaction_patterns(self, role: str) -> tuple[str, ...]:
        rp = self.roles.get(role)
        return rp.redact_patterns if rp else ()

    def is_redacted(self, role: str, key: str) -> bool:
        k = key.lower()
        return any(fnmatch.fnmatchcase(k, p) for p in self.redaction_patterns(role))

    def scrubs_money(self, role: str) -> bool:
        """Does this role lose money amounts in free text (policy `scrub_money_in_text`)?"""
        rp = self.roles.get(role)
        return bool(rp and rp.scrub_money)

    def scrub_text(self, role: str, text: str) -> str:
        """`text` as this role may see it: money amounts replaced when the role scrubs money."""
        return scrub_money(text) if self.scrubs_money(role) else text

    def redact(self, role: str, data: Any) -> Any:
        """A copy of `data` without the keys this role may not see (dicts and lists walked), and, for
        roles with `scrub_money_in_text`, every remaining string scrubbed of money amounts."""
        patterns = self.redaction_patterns(role)
        if self.scrubs_money(role):
            data = scrub_money_deep(data)
        if not patterns:
            return data

        def walk(value: Any) -> Any:
            if isinstance(value, dict):
                return {k: walk(v) for k, v in value.items()
                        if not (isinstance(k, str) and any(fnmatch.fnmatchcase(k.lower(), p)
                                                           for p in patterns))}
            if isinstance(value, list | tuple):
                return [walk(v) for v in value]
            return value

        return walk(data)

    # -- documents ------------------------------------------------------------------------------
    def hidden_doc_types(self, role: str) -> frozenset[str]:
        rp = self.roles.get(role)
        return rp.hidden_doc_types if rp else frozenset(self.document_types)

    def visible_doc_types(self, role: str) -> frozenset[str]:
        """The known document types (policy `document_types`) this role may see."""
        if role not in self.roles:
            return frozenset()
        return frozenset(self.document_types) - self.hidden_doc_types(role)

    def can_see_doc_type(self, role: str, doc_type: str | None) -> bool:
        """For types the policy does not list: visible unless hidden (or the role is unknown)."""
        return role in self.roles and (doc_type or "") not in self.hidden_doc_types(role)

    # -- approvals ------------------------------------------------------------------------------
    @property
    def uses_vendor_risk(self) -> bool:
        """Does any approval rule route on vendor risk (so proposals must carry the vendor's score)?"""
        return any(r.min_vendor_risk is not None for rules in self.rules.values() for r in rules)

    def blocked_by(self, evidence: Mapping[str, Any] | None) -> list[str]:
        """The findings of a proposal's checks that the CURRENT policy makes blocking (prechecks.block)."""
        block = {str(c) for c in _flatten(self.prechecks.get("block") or [])}
        found = (evidence or {}).get("checks") if isinstance(evidence, Mapping) else None
        return [str(f.get("text")) for f in found or [] if isinstance(f, Mapping) and f.get("code") in block
                and f.get("severity") != "info"]

    def rule_for(self, kind: str, amount: float = 0.0, days_shift: float | None = None,
                 metrics: Mapping[str, Any] | None = None) -> Rule:
        for rule in self.rules.get(kind, []):
            if rule.matches(amount, days_shift, metrics):
                return rule
        raise PolicyError(f"no approval rule for {kind!r} in {self.source}")

    def rule_for_proposal(self, proposal: ProposalLike) -> Rule:
        return self.rule_for(proposal.kind, proposal.amount, proposal.metrics.get("days_shift"), proposal.metrics)

    def can_approve(self, identity: Identity, proposal: ProposalLike) -> tuple[bool, str]:
        """(allowed, reason) under the *current* policy — called again at decision time."""
        try:
            rule = self.rule_for_proposal(proposal)
        except PolicyError as exc:
            return False, str(exc)
        code = getattr(proposal, "currency", None) or ("" if self.currency.lower() == "company" else self.currency)
        what = (f"{proposal.kind} of {proposal.amount:,.2f} {code}".rstrip() if has_spend(proposal.kind)
                else proposal.kind)
        if identity.username == proposal.requester:
            if rule.self_approval_allowed:
                return True, f"self-approval allowed by rule {rule.name}"
            return False, (f"four-eyes rule {rule.name}: {what} needs a different "
                           f"person ({' or '.join(rule.approver_roles)}), not the requester")
        if identity.role in rule.approver_roles:
            return True, f"role {identity.role} approves under rule {rule.name}"
        requester_role = getattr(proposal, "requester_role", None)
        if identity.role in rule.escalate_to and requester_role in rule.approver_roles:
            return True, (f"role {identity.role} approves under rule {rule.name}: escalated, the requester "
                          f"({requester_role}) holds the approving role")
        return False, (f"role {identity.role} may not approve {what}; rule "
                       f"{rule.name} needs {' or '.join(rule.approver_roles)}")

    def eligible_approvers(self, proposal: ProposalLike, directory: Directory | Iterable[Identity]
                           ) -> list[str]:
        """Usernames who could approve right now (requester included only when self-approval is allowed)."""
        people = directory.all() if hasattr(directory, "all") else list(directory)
        return sorted(p.username for p in people if self.can_approve(p, proposal)[0])
