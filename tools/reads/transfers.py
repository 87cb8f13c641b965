"""Spare stock elsewhere: the "transfer instead of buying" hint of replenishment answers (issue #14).

From the reorder rules replenishment_risk reads anyway (no extra round trip): a warehouse of the same company
has spare stock of a product when its rule is not short (Odoo's `qty_forecast` at or above `product_min_qty`)
and what it holds beyond its own minimum, counting what is already promised out, is positive:
spare = min(`qty_on_hand`, `qty_forecast`) − `product_min_qty`. Warehouses without a rule for the product are
not offered (stock_levels, which reads the quants, offers those: free − min, min 0 without a rule).
"""

from __future__ import annotations

from typing import Any

from tools.reads.common import id_of


def spare_from_rules(rules: list[dict[str, Any]]) -> dict[tuple[int, int], float]:
    """{(product id, warehouse id): spare > 0} from active reorder rules (orderpoint rows)."""
    out: dict[tuple[int, int], float] = {}
    for r in rules:
        pid, wid = id_of(r.get("product_id")), id_of(r.get("warehouse_id"))
        mn = float(r.get("product_min_qty") or 0)
        forecast, on_hand = float(r.get("qty_forecast") or 0), float(r.get("qty_on_hand") or 0)
        if pid is None or wid is None or forecast < mn:
            continue
        spare = min(on_hand, forecast) - mn
        if spare > 0:
            out[(pid, wid)] = out.get((pid, wid), 0.0) + spare
    return out


def best_donor(spare: dict[tuple[int, int], float], product_id: int, warehouse_id: int,
               warehouses: dict[int, dict[str, Any]]) -> tuple[int, float] | None:
    """(warehouse id, spare) of the same-company warehouse with the most spare of the product, or None."""
    company = id_of(warehouses.get(warehouse_id, {}).get("company_id"))
    options = [(wid, n) for (pid, wid), n in spare.items() if pid == product_id and wid != warehouse_id
               and id_of(warehouses.get(wid, {}).get("company_id")) == company]
    return max(options, key=lambda x: x[1], default=None)
