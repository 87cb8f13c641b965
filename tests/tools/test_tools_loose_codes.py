"""A product code typed without its separators finds the code Odoo has, wherever the separator sits ('ecom12'
-> 'E-COM12', seen on a real Odoo 18 demo), only when one code has those letters and digits."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from tools.odoo.resolve import resolve_product


def _loose(code: str) -> str:
    return re.sub(r"[\W_]+", "", code.lower())


@pytest.mark.parametrize("client", ["odoo", "odoo_hollander"])
def test_codes_without_separators_resolve(request: pytest.FixtureRequest, client: str) -> None:
    odoo: Any = request.getfixturevalue(client)
    codes = [str(r["default_code"]) for r in odoo.search_read("product.product", [("default_code", "!=", False)],
                                                              ["default_code"], limit=20000)]
    counts = Counter(_loose(c) for c in codes)
    shaped = [c for c in codes if counts[_loose(c)] == 1 and re.fullmatch(r"[A-Za-z]{1,8}\d{2,8}", _loose(c))
              and _loose(c) != c.lower()]
    assert shaped, "the business has codes with separators"
    # separators inside the letters first (the case the old lookup missed), then the rest
    odd = [c for c in shaped if not re.fullmatch(r"[A-Za-z]+[\W_]?\d+", c)]
    for code in (odd[:3] + shaped[:3]):
        got = resolve_product(odoo, _loose(code))
        assert got["default_code"] == code and got["matched_by"] == "code_loose", (code, got)
