"""The alert rules' two questions about money, answered by the one money module
(`storage.money`, which owns the fixed BGN/EUR rate and every conversion)."""

from __future__ import annotations

from decimal import Decimal

from storage import money


def same_price(a: Decimal, a_ccy: str, b: Decimal, b_ccy: str) -> bool:
    """Whether two prices are the same amount of money (across BGN -> EUR at the fixed rate)."""
    return money.same_price(a, a_ccy, b, b_ccy)


def convert_price(amount: Decimal, from_ccy: str, to_ccy: str) -> Decimal | None:
    """`amount` in `to_ccy`, or None when it cannot be converted (then no price event)."""
    conversion = money.convert(amount, from_ccy, to_ccy)
    return None if conversion is None else conversion.amount
