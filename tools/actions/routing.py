"""The facts approval routing looks at besides the amount: urgency, product categories, vendor risk.

They go into the proposal's metrics (sealed with it), where the policy's rule conditions read them
(`urgent`, `categories`, `min_vendor_risk`; tools/governance/policy.py). Urgency is Odoo's own `priority` on
the purchase order (the star: "1" = Urgent); an RFQ proposed as urgent is created with that priority. Vendor
risk is the supplier_risk score (0-100, riskier is higher), computed only when the policy has a rule that
needs it (a cold ranking is one heavy read; it is then cached for the day like the supplier_risk tool).
"""

from __future__ import annotations

from typing import Any

from tools.base import ToolContext


def vendor_risk(ctx: ToolContext, vendor: str) -> float | None:
    """The vendor's supplier_risk score (same cache as the supplier_risk tool), None without history."""
    from tools.reads.common import today
    from tools.reads.risk import load_weights, rank_vendors

    minutes = float(load_weights().get("cache_minutes", 15))
    key = f"supplier_risk:::{today(ctx)}"
    data = ctx.odoo.cached(key, lambda: rank_vendors(ctx, None, None), ttl=minutes * 60)
    for row in data.get("vendors") or []:
        if str(row.get("vendor")) == vendor:
            score = row.get("score")
            return float(score) if score is not None else None
    return None


def routing_metrics(ctx: ToolContext, *, urgent: bool, categories: list[str], vendor: str) -> dict[str, Any]:
    """{"urgent"?, "categories"?, "vendor_risk"?} for the proposal's metrics."""
    out: dict[str, Any] = {}
    if urgent:
        out["urgent"] = True
    cats = sorted({c for c in categories if c})
    if cats:
        out["categories"] = cats
    policy = ctx.policy
    if policy is not None and getattr(policy, "uses_vendor_risk", False):
        score = vendor_risk(ctx, vendor)
        if score is not None:
            out["vendor_risk"] = round(score, 1)
    return out
