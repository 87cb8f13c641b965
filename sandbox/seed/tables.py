"""Row tables with 1..n ids, plus the small formatting helpers every generator needs.

Why: the seed emits plain dicts keyed by Odoo field names; keeping id allocation and date formatting in one
place makes the output deterministic and the generators short.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

Row = dict[str, Any]


class Tables:
    """model name -> list of rows; `add` assigns the next id of that model."""

    def __init__(self) -> None:
        self.rows: dict[str, list[Row]] = {}

    def add(self, model: str, /, **values: Any) -> int:
        table = self.rows.setdefault(model, [])
        row: Row = {"id": len(table) + 1}
        row.update(values)
        table.append(row)
        return row["id"]

    def get(self, model: str, rid: int) -> Row:
        return self.rows[model][rid - 1]

    def table(self, model: str) -> list[Row]:
        return self.rows.setdefault(model, [])


def renumber(tables: Tables, model: str, key: Any, refs: list[tuple[str, str]]) -> dict[int, int]:
    """Re-sort `model` by `key`, give ids 1..n in that order and rewrite the many2one fields in `refs`.

    Real Odoo ids grow with creation time (messages, pickings, bills); the generators create rows out of
    order, so they are put in time order once at the end.
    """
    rows = sorted(tables.rows.get(model, []), key=key)
    mapping = {row["id"]: new for new, row in enumerate(rows, start=1)}
    for row in rows:
        row["id"] = mapping[row["id"]]
    tables.rows[model] = rows
    for ref_model, field in refs:
        for row in tables.rows.get(ref_model, []):
            old = row.get(field)
            if old is not None:
                row[field] = mapping[old]
    return mapping


def d(day: dt.date | dt.datetime) -> str:
    """A date as Odoo writes it."""
    return (day.date() if isinstance(day, dt.datetime) else day).isoformat()


def ts(moment: dt.datetime) -> str:
    """A naive-UTC datetime as Odoo writes it."""
    return moment.isoformat(sep=" ", timespec="seconds")


def ean13(number: int) -> str:
    """A valid EAN-13 from a 12-digit number (GS1 check digit)."""
    body = f"{number:012d}"[-12:]
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body))
    return body + str((10 - total % 10) % 10)


def round_to(value: float, multiple: float) -> float:
    """Round up to a positive multiple (order quantities in whole packs)."""
    if multiple <= 0:
        return value
    packs = max(1, -(-value // multiple))
    return float(packs * multiple)
