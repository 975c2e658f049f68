"""Fixed exchange rates for comparing prices across currencies (e.g. EUR shop vs BGN catalog)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


class Rates:
    """Rates as units of each currency per 1 EUR; unknown currencies convert to None."""

    def __init__(self, per_eur: Mapping[str, Decimal]) -> None:
        self._per_eur = {code.upper(): Decimal(rate) for code, rate in per_eur.items()}

    def factor(self, source: str | None, target: str | None) -> Decimal | None:
        """Multiply an amount in `source` by this to get `target` (None when unknown)."""
        if not source or not target:
            return None
        if source == target:
            return Decimal(1)
        if source not in self._per_eur or target not in self._per_eur:
            return None
        return self._per_eur[target] / self._per_eur[source]

    def convert(self, amount: Decimal | None, source: str | None, target: str | None) -> Decimal | None:
        """`amount` in `target` currency, to the cent (None when it cannot be converted)."""
        if amount is None:
            return None
        factor = self.factor(source, target)
        if factor is None:
            return None
        if factor == 1:
            return amount
        return (amount * factor).quantize(CENT, rounding=ROUND_HALF_UP)
