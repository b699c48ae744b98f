"""Exact money: a Decimal amount in an ISO 4217 currency, never a float.

Amounts carry exactly the currency's minor units (two for CNY, USD, EUR; none for JPY);
more precision than that is refused rather than rounded, so no cent is ever invented or
lost. Arithmetic between different currencies raises `CurrencyMismatch`. On the wire a
Money is `{"amount": "19518.00", "currency": "CNY"}`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, field_serializer, field_validator, model_validator

# ISO 4217 minor units for currencies whose exponent is not 2.
_EXPONENTS: dict[str, int] = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3}
# Currencies we accept; others are refused by name so typos ("RMB") get a clear error.
KNOWN_CURRENCIES: frozenset[str] = frozenset(
    {"CNY", "HKD", "USD", "EUR", "GBP", "JPY", "SGD", "AUD", "CAD", "CHF", "KRW", "TWD", "MOP"}
    | set(_EXPONENTS)
)


# The largest amount any matter takes in (a principal, an overdue bucket, a payment, a promise, a
# guarantee cap, an asset's value): a trillion in the currency's units. Larger is a typo or an
# attack, never a loan; sums of such amounts stay far inside the database column (20 digits, 4 places).
MAX_AMOUNT = Decimal("1000000000000")
# What a Money can hold at all (arithmetic included): fewer than 20 digits before the point.
_MAX_ADJUSTED_EXPONENT = 19
_MAX_TEXT = 64  # characters of a decimal number given as text


class CurrencyMismatch(ValueError):
    """Arithmetic or comparison between two currencies."""


def minor_units(currency: str) -> int:
    return _EXPONENTS.get(currency, 2)


class Money(BaseModel):
    """An exact amount of one currency. Immutable; arithmetic returns new values."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: Decimal
    currency: str

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if value not in KNOWN_CURRENCIES:
            raise ValueError(f"unknown currency {value!r}; use an ISO 4217 code such as CNY or USD")
        return value

    @field_validator("amount", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        # A JSON number arrives as float: take its shortest repr, never its binary expansion.
        if isinstance(value, float):
            return Decimal(repr(value))
        if isinstance(value, str):
            if len(value) > _MAX_TEXT:
                raise ValueError(f"not a decimal number of at most {_MAX_TEXT} characters")
            try:
                Decimal(value)
            except InvalidOperation:
                raise ValueError("not a decimal number") from None
        return value

    @model_validator(mode="after")
    def _scale(self) -> Money:
        if not self.amount.is_finite():
            raise ValueError("amount must be a finite number")
        if self.amount and self.amount.adjusted() > _MAX_ADJUSTED_EXPONENT:
            raise ValueError(f"amount is too large: at most {MAX_AMOUNT:,} {self.currency} is accepted")
        exp = minor_units(self.currency)
        quantum = Decimal(1).scaleb(-exp)
        try:
            quantized = self.amount.quantize(quantum, rounding=ROUND_HALF_EVEN)
        except InvalidOperation:  # more significant digits than the context holds
            raise ValueError(f"amount has more than {exp} decimal places for {self.currency}") from None
        if quantized != self.amount:
            raise ValueError(f"amount {self.amount} has more than {exp} decimal places for {self.currency}")
        object.__setattr__(self, "amount", quantized)
        return self

    @field_serializer("amount")
    def _amount_str(self, value: Decimal) -> str:
        return format(value, "f")

    # ---- construction -------------------------------------------------------------
    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        return cls(amount=Decimal(str(amount)) if not isinstance(amount, Decimal) else amount, currency=currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(amount=Decimal(0), currency=currency)

    @classmethod
    def from_minor(cls, units: int, currency: str) -> Money:
        return cls(amount=Decimal(units).scaleb(-minor_units(currency)), currency=currency)

    # ---- properties -------------------------------------------------------------------
    @property
    def minor(self) -> int:
        """The amount in minor units (cents, fen), exact."""
        return int(self.amount.scaleb(minor_units(self.currency)))

    def is_zero(self) -> bool:
        return self.amount == 0

    def is_positive(self) -> bool:
        return self.amount > 0

    def is_negative(self) -> bool:
        return self.amount < 0

    # ---- arithmetic ---------------------------------------------------------------------
    def _check(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        o = self._check(other)
        return Money(amount=self.amount + o.amount, currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        o = self._check(other)
        return Money(amount=self.amount - o.amount, currency=self.currency)

    def __neg__(self) -> Money:
        return Money(amount=-self.amount, currency=self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._check(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._check(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._check(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._check(other).amount

    def __hash__(self) -> int:
        return hash((self.amount, self.currency))

    def min(self, other: Money) -> Money:
        return self if self <= other else other

    def __str__(self) -> str:
        return f"{self.currency} {self.amount:,.{minor_units(self.currency)}f}"


def within_limit(value: Money) -> Money:
    """An amount a matter may take in: at most `MAX_AMOUNT` either way."""
    if abs(value.amount) > MAX_AMOUNT:
        raise ValueError(f"amount must be at most {MAX_AMOUNT:,} {value.currency} (larger than any loan)")
    return value


# A Money taken in from outside (intake, commands): bounded by `MAX_AMOUNT`.
BoundedMoney = Annotated[Money, AfterValidator(within_limit)]


def total(items: list[Money] | tuple[Money, ...], currency: str) -> Money:
    """Sum of amounts in one currency (zero for an empty list)."""
    result = Money.zero(currency)
    for item in items:
        result = result + item
    return result
