"""A thread list link a person can read (the browser tour found a link whose whole text was a private-use glyph:
someone's first message was garbage, and the link to that conversation had no readable text)."""

from __future__ import annotations

import pytest

from assistant.memory import readable_title


@pytest.mark.parametrize(("text", "title"), [
    ("\U0010FF3C", "Conversation"), ("", "Conversation"), ("\x00\x07 hi there", "hi there"),
    ("how much PPE-1042 at DAL?", "how much PPE-1042 at DAL?"), ("x" * 80, "x" * 60),
])
def test_titles_are_readable(text: str, title: str) -> None:
    assert readable_title(text) == title
