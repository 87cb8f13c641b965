"""Which tools the LLM brain sees on one turn: the ones the question needs, a small core, and a way to ask for more.

Why: a chat model re-reads the whole tool catalogue on every step, and a buyer's catalogue grows with every read
tool and proposal kind (it passed 8 KB). So each turn binds a *subset*: the families of tools the question is
about (ranked by the planner's router when it is loaded, and by keywords), the always-on core, and `more_tools`,
a meta-tool the model calls with a family name when it needs a tool it was not given; the next step of the same
turn binds that family. Governance is unchanged: the families offered are built from the tools the person's role
may use (the policy already filtered the catalogue), so `more_tools` can never expose anything else, and every
call still goes through run_tool. The offline planner does not read a catalogue and binds everything.

A tool a helper adds later needs no edit here: its family comes from FAMILY_OF, else from words in its name,
else "other" (still reachable through more_tools).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from tools.base import Tool, ToolContext, ToolResult

BUDGET_BYTES = 8192  # what one turn binds, names + descriptions + schemas (tools.registry.catalogue_bytes)


def budget_bytes() -> int:
    """QM_TOOL_BUDGET_BYTES lowers it (a small local model; or the eval, to exercise more_tools)."""
    try:
        return min(BUDGET_BYTES, int(os.environ.get("QM_TOOL_BUDGET_BYTES") or BUDGET_BYTES))
    except ValueError:
        return BUDGET_BYTES
MORE_TOOLS = "more_tools"
CORE = ("stock_levels", "purchase_order_status")  # always bound (cheap, and the most asked)

#: family -> (what more_tools says about it, words in a question that point at it)
FAMILIES: dict[str, tuple[str, str]] = {
    "orders": ("POs and RFQs: find, status, create, confirm, cancel, approve",
               r"\b(po|pos|purchase orders?|orders?|rfqs?|quotes?|quotations?|draft|confirm\w*|cancel\w*|approv\w*|"
               r"order(?:ed|ing)?|buy|purchase|biggest|open)\b"),
    "stock": ("stock on hand, reorder needs, forecasts, transfers",
              r"\b(stock|on hand|qty|quantity|inventory|available|left|reorder|replenish\w*|run(?:ning)? out|"
              r"low|min|max|forecast\w*|demand|transfer\w*|move stock)\b"),
    "receiving": ("expected and done receipts, reschedules",
                  r"\b(receipts?|receiv\w*|inbound|arriv\w*|deliver\w*|dock|due|overdue|late|eta|came in|"
                  r"coming|reschedul\w*|postpone|push|shipments?|trucks?)\b"),
    "suppliers": ("vendor scorecards, history, messages, risk, who supplies what, reminders",
                  r"\b(suppliers?|vendors?|otif|scorecard|performance|reliab\w*|history|messages?|emails?|"
                  r"summar\w*|brief|risk|who (?:sells|supplies)|cheapest|lead times?|chase|remind\w*|nudge)\b"),
    "finance": ("bills, spend, three-way match, anomalies, KPIs",
                r"\b(bills?|invoices?|paid|unpaid|owe|spend|spent|cost|budget|three[- ]way|3[- ]way|match|"
                r"anomal\w*|unusual|kpis?|report)\b"),
    "documents": ("policies, SOPs, contracts",
                  r"\b(policy|policies|sop|procedure|process|contract|clause|terms|penalt\w*|handbook|playbook|"
                  r"how do (?:i|we)|rules?|who (?:can|may) approve)\b"),
    "mail": ("e-mail: read and draft messages", r"\b(e-?mails?|mail|inbox|reply|write to)\b"),
    "other": ("anything else", r"$^"),
}
FAMILY_OF: dict[str, str] = {
    "stock_levels": "stock", "replenishment_risk": "stock", "demand_forecast": "stock", "transfer_stock": "stock",
    "inbound_schedule": "receiving", "receipts_done": "receiving", "reschedule_receipt": "receiving",
    "purchase_order_status": "orders", "open_purchase_orders": "orders", "find_purchase_orders": "orders",
    "create_rfq": "orders", "confirm_purchase_order": "orders", "cancel_purchase_order": "orders",
    "approve_purchase_order": "orders", "request_purchase": "orders",
    "supplier_scorecard": "suppliers", "supplier_history": "suppliers", "supplier_communications": "suppliers",
    "summarize_supplier": "suppliers", "supplier_risk": "suppliers", "product_vendors": "suppliers",
    "remind_supplier": "suppliers", "lead_time_forecast": "suppliers",
    "vendor_bills": "finance", "spend_analysis": "finance", "three_way_match_exceptions": "finance",
    "purchase_anomalies": "finance", "kpi_report": "finance",
    "search_documents": "documents",
}
_BY_NAME = (("mail", "mail"), ("stock|inventory|forecast|transfer|replen", "stock"), ("receipt|inbound", "receiving"),
            ("rfq|purchase|order|po_", "orders"), ("supplier|vendor|lead_time", "suppliers"),
            ("bill|spend|kpi|invoice|budget|payment", "finance"), ("document|policy", "documents"))
DEFAULT_ORDER = ("orders", "receiving", "suppliers", "stock", "finance", "documents", "mail", "other")


def family_of(name: str) -> str:
    if name in FAMILY_OF:
        return FAMILY_OF[name]
    for pattern, family in _BY_NAME:
        if re.search(pattern, name):
            return family
    return "other"


def spec_bytes(tools: Iterable[Tool]) -> int:
    from tools.registry import catalogue_bytes

    return int(catalogue_bytes(tools))


@dataclass
class Selection:
    """One turn's binding: the tools the model sees now, and what more_tools may add."""

    bound: list[str]
    families: dict[str, list[str]]  # every family of the role's tools -> its tool names
    meta: Tool | None
    by_name: dict[str, Tool] = field(default_factory=dict)
    budget: int = BUDGET_BYTES
    requested: list[str] = field(default_factory=list)  # families more_tools bound this turn, in order
    lock: threading.Lock = field(default_factory=threading.Lock)  # the agent runs a step's tool calls in parallel

    def names(self) -> set[str]:
        return set(self.bound) | ({MORE_TOOLS} if self.meta else set())

    def add_family(self, family: str, called: Sequence[str] = ()) -> list[str]:
        """Bind `family` for the next step; keeps what is bound when it fits, else core + called + family."""
        with self.lock:
            return self._add_family(family, called)

    def _add_family(self, family: str, called: Sequence[str]) -> list[str]:
        wanted = self.families.get(family) or []
        self.requested.append(family)
        merged = list(dict.fromkeys([*self.bound, *wanted]))
        if self._bytes(merged) > (self.budget if self.budget > 0 else BUDGET_BYTES):
            # keep the core, what this turn already called and every family the model asked for (newest
            # first while they fit the hard 8 KB), drop the rest of the first guess
            merged = list(dict.fromkeys([*[c for c in CORE if c in self.by_name], *called, *wanted]))
            for older in reversed(self.requested[:-1]):
                trial = list(dict.fromkeys([*merged, *self.families.get(older, [])]))
                if self._bytes(trial) <= BUDGET_BYTES:
                    merged = trial
        self.bound = [n for n in merged if n in self.by_name]
        return wanted

    def _bytes(self, names: Sequence[str]) -> int:
        tools = [self.by_name[n] for n in names if n in self.by_name]
        return spec_bytes([*tools, *([self.meta] if self.meta else [])])


def meta_tool(families: dict[str, list[str]]) -> Tool:
    """more_tools(family): its enum lists only the families this role has tools in."""
    names = tuple(families)
    family_type: Any = Literal[names]  # type: ignore[valid-type]
    args: type[BaseModel] = create_model(
        "MoreToolsArgs", family=(family_type, Field(description="; ".join(f"{f}: {FAMILIES[f][0]}" for f in names))))

    def never(ctx: ToolContext, a: Any) -> ToolResult:  # the agent answers more_tools itself (it binds tools)
        return ToolResult(tool=MORE_TOOLS, ok=False, error="more_tools runs inside the agent loop only")

    return Tool(name=MORE_TOOLS, description="Need a tool not listed? Name its family; its tools come next step.",
                args_model=args, func=never)


def rank_families(text: str, previous: Sequence[str] = ()) -> dict[str, float]:
    """Family scores for one message: keyword hits, the planner router's nearest intents when it is loaded
    (no model is loaded just for this), and a little weight for the family the thread was last about."""
    low = text.lower()
    scores: dict[str, float] = {}
    for family, (_, words) in FAMILIES.items():
        hits = len(re.findall(words, low))
        if hits:
            scores[family] = scores.get(family, 0.0) + min(hits, 3)
    for intent, score in _router_intents(text):
        fam = family_of(intent)
        scores[fam] = scores.get(fam, 0.0) + 4 * score
    for name in previous[-1:]:
        fam = family_of(name)
        scores[fam] = scores.get(fam, 0.0) + 0.5
    return scores


def _router_intents(text: str) -> list[tuple[str, float]]:
    try:
        from assistant.planner import router as router_module
    except ImportError:  # pragma: no cover - the planner ships with the assistant
        return []
    r = getattr(router_module, "_router", None)
    if r is None:
        return []
    try:
        return [(x.intent, x.score) for x in r.rank(text)[:3] if x.score >= 0.55]
    except Exception:  # noqa: BLE001 - ranking is a hint; keywords still work
        return []


def select(text: str, tools: Sequence[Tool], previous: Sequence[str] = (), budget: int | None = None
           ) -> Selection:
    """The tools bound for this turn: core, then the best-scoring families while they fit the budget, then
    the usual families in order of use; more_tools offers every family (of this role's tools) not fully bound."""
    budget = budget_bytes() if budget is None else budget
    by_name = {t.name: t for t in tools}
    families: dict[str, list[str]] = {}
    for t in tools:
        families.setdefault(family_of(t.name), []).append(t.name)
    scores = rank_families(text, previous)
    order = sorted(families, key=lambda f: (-scores.get(f, 0.0), DEFAULT_ORDER.index(f)
                                            if f in DEFAULT_ORDER else len(DEFAULT_ORDER)))
    meta = meta_tool(families) if len(families) > 1 else None
    bound: list[str] = [c for c in CORE if c in by_name]
    sel = Selection(bound=bound, families=families, meta=meta, by_name=by_name, budget=budget)
    if sel._bytes(list(by_name)) <= budget:  # everything fits: no subset, no meta-tool
        return Selection(bound=list(by_name), families=families, meta=None, by_name=by_name)
    for family in order:
        trial = list(dict.fromkeys([*sel.bound, *families[family]]))
        if sel._bytes(trial) <= budget:
            sel.bound = trial
        elif scores.get(family):  # a relevant family too big to add whole: its tools one by one
            for name in families[family]:
                trial = [*sel.bound, name] if name not in sel.bound else sel.bound
                if sel._bytes(trial) <= budget:
                    sel.bound = trial
    return sel
