"""CIPattern: case-insensitive search on lower-cased text, groups cut from the original."""

from __future__ import annotations

import re

import pytest

from spiders.extraction.fastre import CIPattern

PATTERN = r"(?:доставка|shipping)\s*:?\s*(?P<money>\d+[.,]\d{2}\s?(?:лв\.|EUR|€))"


@pytest.mark.parametrize(
    "text",
    ["ДОСТАВКА: 5,99 лв.", "Shipping: 4.99 EUR", "xx shipping 4.99 €", "İstanbul SHIPPING 4.99 €",
     "nothing here"],
)
def test_same_matches_as_ignorecase(text: str) -> None:
    fast = CIPattern(PATTERN).search(text)
    slow = re.compile(PATTERN, re.IGNORECASE).search(text)
    assert (fast is None) == (slow is None)
    if fast and slow:
        assert fast.group(0) == slow.group(0)
        assert fast.group("money") == slow.group("money")  # original case kept ("EUR")
        assert fast.span("money") == slow.span("money")


def test_finditer_and_match() -> None:
    pattern = CIPattern(r"код:\s*(\w+)")
    assert [m.group(1) for m in pattern.finditer("КОД: ABC и код: Xy")] == ["ABC", "Xy"]
    assert pattern.match("Код: Q1") is not None and pattern.match("x Код: Q1") is None
