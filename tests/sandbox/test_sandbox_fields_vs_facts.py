"""Every field listed in the facts appendix (read off a real Odoo 18) exists here with the same type,
relation, stored/searchable/sortable flags and selection values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sandbox.orm.describe import describe
from sandbox.orm.schema import build

FACTS = [Path(__file__).resolve().parents[3] / "shared" / "odoo18-facts.md",
         Path("/work/shared/odoo18-facts.md")]
ROW = re.compile(r"^\| `(\w+)` \| [^|]* \| (\w+)(?: → ([\w.]+))? \| (yes|no) \| (yes|no) \| (yes|no) \| (yes|no) \|(.*)\|$")


def _appendix() -> list[tuple[str, str, str, str | None, bool, bool, bool, list[str] | None]]:
    path = next((p for p in FACTS if p.exists()), None)
    if path is None:
        pytest.skip("shared/odoo18-facts.md not found next to the repository")
    rows = []
    model = None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^#### `([\w.]+)`", line)
        if m:
            model = m.group(1)
            continue
        r = ROW.match(line)
        if model and r:
            name, ftype, rel, stored, searchable, sortable, _ro, notes = r.groups()
            sel = re.search(r"values: ((?:`[^`]+`(?:, )?)+)", notes)
            values = re.findall(r"`([^`]+)`", sel.group(1)) if sel else None
            rows.append((model, name, ftype, rel, stored == "yes", searchable == "yes", sortable == "yes", values))
    return rows


def test_appendix_fields_match() -> None:
    registry = build()
    problems = []
    rows = _appendix()
    assert len(rows) > 300
    for model, name, ftype, rel, stored, searchable, sortable, values in rows:
        m = registry.get(model)
        if m is None:
            problems.append(f"{model}: model missing")
            continue
        f = m.fields.get(name)
        if f is None:
            problems.append(f"{model}.{name}: missing")
            continue
        d = describe(f)
        got = (d["type"], d.get("relation"), d["store"], d["searchable"], d["sortable"])
        want = (ftype, rel, stored, searchable, sortable)
        if got != want:
            problems.append(f"{model}.{name}: got {got}, Odoo has {want}")
        if values and model != "res.partner" and [v for v, _ in f.selection or []] != values:
            problems.append(f"{model}.{name}: selection {[v for v, _ in f.selection or []]} != {values}")
    assert problems == []
