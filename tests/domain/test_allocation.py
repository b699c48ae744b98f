from hypothesis import given
from hypothesis import strategies as st

from domain.allocation import WATERFALL, Balance, allocate
from domain.money import Money

cents = st.integers(min_value=0, max_value=10**13)


def bal(costs=0, fees=0, penalty=0, interest=0, principal=0, cur="CNY") -> Balance:  # type: ignore[no-untyped-def]
    return Balance(**{k: Money.from_minor(v, cur) for k, v in
                      dict(costs=costs, fees=fees, penalty=penalty, interest=interest, principal=principal).items()})


def test_waterfall_order_costs_fees_penalty_interest_principal() -> None:
    b = bal(costs=100, fees=200, penalty=300, interest=400, principal=500)
    a, left = allocate(b, Money.from_minor(650, "CNY"))
    assert [getattr(a, k).minor for k in WATERFALL] == [100, 200, 300, 50, 0]
    assert [getattr(left, k).minor for k in WATERFALL] == [0, 0, 0, 350, 500]
    assert a.unapplied.is_zero()


def test_overpayment_is_held_unapplied() -> None:
    a, left = allocate(bal(principal=100), Money.from_minor(150, "CNY"))
    assert a.unapplied.minor == 50 and left.is_settled()


def test_refuses_wrong_currency_and_non_positive() -> None:
    import pytest

    from domain.money import CurrencyMismatch

    with pytest.raises(CurrencyMismatch):
        allocate(bal(principal=1), Money.from_minor(1, "USD"))
    with pytest.raises(ValueError, match="greater than zero"):
        allocate(bal(principal=1), Money.zero("CNY"))


@given(cents, cents, cents, cents, cents, st.integers(min_value=1, max_value=10**14))
def test_allocation_conserves_every_cent(c, f, p, i, pr, pay) -> None:  # type: ignore[no-untyped-def]
    b = bal(c, f, p, i, pr)
    a, left = allocate(b, Money.from_minor(pay, "CNY"))
    assert a.applied + a.unapplied == a.payment
    assert left.total + a.applied == b.total
    # No bucket is paid before every earlier bucket is cleared.
    for earlier, later in zip(WATERFALL, WATERFALL[1:], strict=False):
        if getattr(a, later).minor > 0:
            assert getattr(left, earlier).is_zero()
    assert all(getattr(left, k).minor >= 0 for k in WATERFALL)


@given(st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=20))
def test_successive_payments_conserve(payments) -> None:  # type: ignore[no-untyped-def]
    b = bal(5_000, 10_000, 20_000, 30_000, 1_000_000)
    start = b.total
    paid = Money.zero("CNY")
    unapplied = Money.zero("CNY")
    for p in payments:
        a, b = allocate(b, Money.from_minor(p, "CNY"))
        paid, unapplied = paid + a.applied, unapplied + a.unapplied
    assert b.total + paid == start
    assert paid + unapplied == Money.from_minor(sum(payments), "CNY")
