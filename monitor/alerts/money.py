"""The alert rules' two questions about money, answered by the one money module.

`storage.money` (the shared money module) owns the fixed BGN/EUR rate and conversion;
nothing here converts by itself. Until that module is present, prices in two different
currencies are simply not compared (no event), never guessed.
"""

from __future__ import annotations

import importlib
from decimal import Decimal
from types import ModuleType
from typing import Any


def _load() -> ModuleType | None:
    try:  # the shared money module (issue 15)
        return importlib.import_module("storage.money")
    except ImportError:  # before the money module is merged
        return None


_money: Any = _load()


def same_price(a: Decimal, a_ccy: str, b: Decimal, b_ccy: str) -> bool:
    """Whether two prices are the same amount of money (across BGN -> EUR at the fixed rate)."""
    if _money is not None:
        return bool(_money.same_price(a, a_ccy, b, b_ccy))
    return a_ccy == b_ccy and a == b


def convert_price(amount: Decimal, from_ccy: str, to_ccy: str) -> Decimal | None:
    """`amount` in `to_ccy`, or None when the money module cannot convert it."""
    if from_ccy == to_ccy:
        return amount
    if _money is None:
        return None
    try:
        converted: Decimal = _money.convert(amount, from_ccy, to_ccy)
        return converted
    except (ValueError, KeyError, LookupError):
        return None
