"""Money in integer cents and the platform commission split.

No float ever touches an amount: rates are exact decimals and every rounding
is half-up on integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from tailtribe.domain.errors import InvalidInput

CURRENCY = "EUR"


@dataclass(frozen=True, slots=True, order=True)
class Money:
    amount_cents: int
    currency: str = CURRENCY

    def __post_init__(self) -> None:
        if isinstance(self.amount_cents, bool) or not isinstance(self.amount_cents, int):
            raise TypeError("amount_cents must be an int")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount_cents + other.amount_cents, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount_cents - other.amount_cents, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    @classmethod
    def zero(cls) -> Money:
        return cls(0)


def round_half_up(value: Fraction) -> int:
    """Nearest integer, halves away from zero (amounts here are never negative)."""
    if value < 0:
        return -round_half_up(-value)
    return int((value * 2 + 1) // 2)


@dataclass(frozen=True, slots=True)
class CommissionRate:
    """A percentage in 0..100, exact (e.g. Decimal("17.5"))."""

    percent: Decimal

    def __post_init__(self) -> None:
        if not self.percent.is_finite() or not Decimal(0) <= self.percent <= Decimal(100):
            raise InvalidInput(f"commission percentage must be within 0..100, got {self.percent}")

    @classmethod
    def parse(cls, text: str) -> CommissionRate:
        try:
            return cls(Decimal(text.strip()))
        except InvalidOperation as exc:
            raise InvalidInput(f"commission percentage is not a number: {text!r}") from exc

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.percent) / 100


DEFAULT_COMMISSION = CommissionRate(Decimal(20))


@dataclass(frozen=True, slots=True)
class Split:
    total_cents: int
    commission_cents: int
    payout_cents: int


def split(total_cents: int, rate: CommissionRate) -> Split:
    """commission = round_half_up(total * rate); payout = total - commission."""
    if total_cents < 0:
        raise InvalidInput("a total cannot be negative")
    commission = round_half_up(total_cents * rate.fraction)
    return Split(total_cents, commission, total_cents - commission)


def share(amount_cents: int, percent: int) -> int:
    """`percent`% of an amount, half-up (e.g. a 50% refund of an odd total)."""
    return round_half_up(Fraction(amount_cents * percent, 100))
