"""Texts in both languages and Babel formatting for each locale."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from reports.i18n import BG, EN, Texts


def test_every_english_text_has_a_bulgarian_one() -> None:
    assert set(EN) == set(BG)
    assert all(BG[k].strip() for k in BG)


@pytest.mark.parametrize(("lang", "money", "eur", "pct", "day"), [
    ("en", "BGN\xa01,234.50", "€12.00", "+12.3%", "3 Oct 2026"),
    ("bg", "1\xa0234,50\xa0лв.", "12,00\xa0€", "+12,3%", "3.10.2026\u202fг."),
])
def test_locale_formats(lang: str, money: str, eur: str, pct: str, day: str) -> None:
    t = Texts(lang)
    assert t.money(Decimal("1234.5"), "BGN") == money
    assert t.money(Decimal("12"), "EUR") == eur
    assert t.percent(Decimal("12.34"), signed=True) == pct
    assert t.date(datetime(2026, 10, 3, 23, 0, tzinfo=UTC)) == day
    assert t.money(None, "BGN") == "" and t.date(None) == ""


def test_negative_money_keeps_its_sign() -> None:
    assert Texts("en").money(Decimal("-3.5"), "BGN") == "-BGN\xa03.50"


def test_placeholders_and_fallbacks() -> None:
    t = Texts("bg")
    assert "2026" in t("hold_until", date=t.date(date(2026, 11, 4)))
    assert t.kind("undercut") == "По-евтини от нас"
    assert t.kind("something_new") == "something_new"
    with pytest.raises(ValueError, match="unknown report language"):
        Texts("fr")
