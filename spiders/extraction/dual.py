"""Dual display: a price shown in two currencies ("459,00 € (897,73 лв.)", "897,73 лв. /
459,00 €"), as Bulgarian shops had to from 8 August 2025 to 8 August 2026.

The price itself is chosen elsewhere (in the shop's currency, `currency.context_currency`);
this finds the *other* amount shown beside it, so it can be kept as the displayed
secondary amount. Only an amount that is the same price at a fixed rate counts: an old
price or a per-kilo price in another currency is not the dual display.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from storage.money import same_price

from .prices import find_prices

MAX_TEXT = 160
"""A dual display is one short line (perhaps with the old price); longer blocks hold other
prices too."""


def secondary_amount(texts: Iterable[str], price: Decimal,
                     currency: str) -> tuple[Decimal | None, str | None]:
    """(amount, currency) of the second currency shown beside `price` in the first short
    text that shows both, or (None, None)."""
    digits = integer_digits(price)
    for text in texts:
        if not text or len(text) > MAX_TEXT or digits not in text:
            continue
        found = find_prices(text, default_currency=currency)
        if len(found) < 2 or not any(p.amount == price and p.currency == currency
                                     for p in found):
            continue
        for other in found:  # beside an old price too: "30,00 € 25,51 € (49,90 лв.)"
            if not other.currency or other.currency == currency:
                continue
            # no configured rates here: only a fixed peg (leva beside euros) can agree
            if same_price(price, currency, other.amount, other.currency):
                return other.amount, other.currency
    return None, None


def integer_digits(price: Decimal) -> str:
    """Digits every writing of `price` shows side by side: its whole integer part below
    1,000, else the last three digits of it ("1.299,00 €", "1 299 лв." and "1299.00" all
    show "299"; a thousands separator never falls inside them). A text without them
    cannot show the price, so the costly price scan is skipped for it: on a crawl's
    product pages that scan was most of the time spent reading a page."""
    whole = int(price)
    return str(whole) if whole < 1000 else f"{whole % 1000:03d}"
