"""CLI tables keep their headers readable on any terminal, print each title once and never leave a heading
without its table (tryout 2: "P", "War", "Dat", "O"; "At risk" twice; orphan "Lines / Receipts")."""

from __future__ import annotations

from types import SimpleNamespace

from rich.console import Console

from assistant.cli.render import _print_turn

FLAGS = {"title": "Flags", "columns": ["Kind", "PO", "Product", "Vendor", "Warehouse", "Date", "Reason", "Other PO"],
         "rows": [["Duplicate order", "PO/2026/00064", "Plate.Dinner 27", "Van Dijk Glas & Porselein B.V.", "RTM",
                   "2026-10-10", "PO/2026/00064 into RTM repeats PO/2026/00063 into WH: same vendor, same 2 "
                   "products and quantities " * 2, "PO/2026/00063"]] * 3}


def _out(answer: str, tables: list[dict], width: int) -> str:
    console = Console(width=width, record=True, force_terminal=False)
    result = SimpleNamespace(tables=tables, proposals=[], tool_calls=[], brain="offline", ms=1.0, run_id="r1")
    _print_turn(console, result, answer)
    return console.export_text()


def test_headers_stay_whole_when_the_terminal_is_narrow() -> None:
    for width in (200, 120, 80, 50):
        text = _out("Unusual purchases.\n\n**Flags**\n| Kind |\n|---|\n| x |\n\ndone", [FLAGS], width)
        for head in ("Warehouse", "Date", "Reason", "PO/2026/00064"):
            assert head in text, (width, text)
        assert "Other PO" in text or ("Other" in text and "PO" in text)


def test_a_title_is_printed_once_and_the_total_is_the_tools() -> None:
    answer = ("Risk.\n\n**At risk**\n| Product |\n|---|\n| A |\n\nShowing 1 of 147. Name a vendor.\n\n"
              "**Below minimum covered by orders**\n| Product |\n|---|\n| B |")
    text = _out(answer, [{"title": "At risk", "columns": ["Product"], "rows": [["A"]] * 40}], 120)
    assert text.count("At risk") == 1
    assert "showing 30 of 147" in " ".join(text.split())
    # the second table was not printed from rows: its Markdown table stays under its heading
    assert "Below minimum covered by orders" in text and "B" in text.split("Below minimum covered by orders")[1]


def test_the_same_table_twice_is_printed_once() -> None:
    t = {"title": "Product vendors", "columns": ["Vendor", "Price"], "rows": [["Koks", "19.50 EUR"]]}
    text = _out("Vendors.", [t, dict(t)], 100)
    assert text.count("Koks") == 1
