"""Column types that keep money exact and time in UTC on every database.

SQLAlchemy's `Numeric` is stored as REAL (a float) on SQLite, so `Decimal('19.99')`
could come back as 19.989999... There `Exact` stores integer units of 1/10,000;
on PostgreSQL it is a plain NUMERIC(18, 4). Either way Python sees `Decimal`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine

SCALE = 4
_FACTOR = 10**SCALE
_CENT = Decimal("0.01")


class MoneyPrecisionError(ValueError):
    """A value with more than four decimal places, which `Exact` would have to round."""


def to_units(value: Decimal) -> int:
    """Decimal -> integer 1/10,000 units, refusing to round silently."""
    scaled = value.scaleb(SCALE)
    units = int(scaled)
    if units != scaled:
        raise MoneyPrecisionError(f"{value} has more than {SCALE} decimal places")
    return units


def from_units(units: int) -> Decimal:
    """Integer units -> Decimal with at least two places ('19.99', not '19.9900')."""
    value = Decimal(units).scaleb(-SCALE)
    quantized = value.quantize(_CENT)
    return quantized if quantized == value else value.normalize()


def _from_numeric(value: Any) -> Decimal:
    value = Decimal(value)
    quantized = value.quantize(_CENT)
    return quantized if quantized == value else value.normalize()


class Exact(TypeDecorator[Decimal]):
    """An exact decimal (money, ratios): NUMERIC on PostgreSQL, scaled BIGINT on SQLite."""

    impl = Numeric(18, SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(18, SCALE, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must be Decimal, not float")
        value = Decimal(value)
        if dialect.name == "sqlite":
            return to_units(value)
        to_units(value)  # same precision rule on every database
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return from_units(int(value))
        return _from_numeric(value)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes in, timezone-aware UTC datetimes out.

    Naive datetimes are refused: a time without a zone is a bug waiting to happen.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError("naive datetime: use an aware UTC datetime (datetime.now(UTC))")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Currency(TypeDecorator[str]):
    """ISO 4217 code, upper case."""

    impl = String(3)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        code = str(value).upper()
        if len(code) != 3 or not code.isalpha():
            raise ValueError(f"'{value}' is not an ISO 4217 currency code")
        return code


def utcnow() -> datetime:
    return datetime.now(UTC)


def sqlite_datetime_text(value: datetime) -> str:
    """The text SQLAlchemy's SQLite DateTime stores, for the raw bulk path."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def money_binder(dialect_name: str) -> Callable[[Decimal | None], Any]:
    """The per-dialect conversion `Exact` applies, for raw bulk inserts."""
    if dialect_name == "sqlite":
        return lambda v: None if v is None else to_units(v)
    return lambda v: v
