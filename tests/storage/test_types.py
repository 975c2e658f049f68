"""Money stays exact and time stays UTC on every database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import StatementError

from storage.db import session_scope
from storage.models import Product
from storage.types import MoneyPrecisionError, from_units, to_units


@pytest.mark.parametrize(
    "amount", ["19.99", "1234567.89", "0.01", "0.0001", "99999999999999.9999", "24990", "1.5"]
)
def test_money_round_trips_exactly(engine: Engine, amount: str) -> None:
    value = Decimal(amount)
    with session_scope(engine) as s:
        s.add(Product(sku="X", name="n", price=value, currency="EUR", cost=value))
    with session_scope(engine) as s:
        product = s.scalars(select(Product)).one()
    assert product.price == value
    assert isinstance(product.price, Decimal)
    assert str(product.cost) == str(value) or product.cost == value


def test_money_text_form_is_natural(engine: Engine) -> None:
    with session_scope(engine) as s:
        s.add(Product(sku="X", name="n", price=Decimal("19.99"), currency="BGN",
                      cost=Decimal("1234567.89")))
    with session_scope(engine) as s:
        product = s.scalars(select(Product)).one()
    assert str(product.price) == "19.99"
    assert str(product.cost) == "1234567.89"


def test_float_money_is_refused(engine: Engine) -> None:
    with pytest.raises(StatementError, match="Decimal, not float"), session_scope(engine) as s:
        s.add(Product(sku="X", name="n", price=19.99, currency="EUR"))  # type: ignore[arg-type]


def test_sub_precision_money_is_refused_not_rounded() -> None:
    with pytest.raises(MoneyPrecisionError):
        to_units(Decimal("0.00001"))
    assert from_units(to_units(Decimal("12.3456"))) == Decimal("12.3456")


def test_times_come_back_aware_utc(engine: Engine) -> None:
    sofia = timezone(timedelta(hours=2))
    stamp = datetime(2026, 11, 26, 12, 30, tzinfo=sofia)
    with session_scope(engine) as s:
        s.add(Product(sku="X", name="n", price=Decimal(1), currency="EUR", created_at=stamp))
    with session_scope(engine) as s:
        product = s.scalars(select(Product)).one()
    assert product.created_at.tzinfo is not None
    assert product.created_at.utcoffset() == timedelta(0)
    assert product.created_at == stamp
    assert product.created_at.hour == 10


def test_naive_time_is_refused(engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive"), session_scope(engine) as s:
        s.add(Product(sku="X", name="n", price=Decimal(1), currency="EUR",
                      created_at=datetime(2026, 1, 1)))


def test_now_is_utc() -> None:
    from storage.types import utcnow

    assert utcnow().tzinfo is UTC
