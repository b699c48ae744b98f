from decimal import Decimal

import pytest
from pydantic import ValidationError

from domain.money import CurrencyMismatch, Money, total


def test_serialises_as_string_amount_and_currency() -> None:
    m = Money.of("19518", "CNY")
    assert m.model_dump(mode="json") == {"amount": "19518.00", "currency": "CNY"}
    assert Money.model_validate_json(m.model_dump_json()) == m


def test_refuses_more_precision_than_the_currency_has() -> None:
    with pytest.raises(ValidationError, match="more than 2 decimal places"):
        Money.of("1.001", "CNY")
    with pytest.raises(ValidationError, match="more than 0 decimal places"):
        Money.of("1.5", "JPY")
    assert Money.of("100", "JPY").model_dump(mode="json")["amount"] == "100"


def test_refuses_unknown_currency_and_nonsense() -> None:
    with pytest.raises(ValidationError, match="unknown currency 'RMB'"):
        Money.of("1", "RMB")
    with pytest.raises(ValidationError, match="not a decimal number"):
        Money(amount="12,5", currency="CNY")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="finite"):
        Money(amount="NaN", currency="CNY")  # type: ignore[arg-type]


def test_float_input_takes_its_shortest_repr() -> None:
    assert Money(amount=0.1, currency="USD").amount == Decimal("0.10")  # type: ignore[arg-type]


def test_arithmetic_and_mixed_currencies() -> None:
    a, b = Money.of("10.50", "CNY"), Money.of("0.25", "CNY")
    assert a + b == Money.of("10.75", "CNY")
    assert a - b == Money.of("10.25", "CNY")
    assert -a == Money.of("-10.50", "CNY")
    assert b < a and a >= b and a.min(b) == b
    with pytest.raises(CurrencyMismatch):
        _ = a + Money.of("1", "USD")
    with pytest.raises(CurrencyMismatch):
        _ = a < Money.of("1", "USD")
    with pytest.raises(TypeError):
        _ = a + 1  # type: ignore[operator]
    assert total([a, b], "CNY") == Money.of("10.75", "CNY")
    assert total([], "CNY").is_zero()


def test_minor_units_round_trip() -> None:
    m = Money.of("19518.07", "CNY")
    assert m.minor == 1951807
    assert Money.from_minor(m.minor, "CNY") == m
    assert str(m) == "CNY 19,518.07"
