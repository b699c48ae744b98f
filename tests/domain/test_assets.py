"""The asset register's rules: the longest a measure may run by what it holds (SPC Interpretation of the Civil
Procedure Law art. 485: a deposit 1 year, a vehicle 2, real estate and property rights 3), renewals before
the end for at most the same term, a measure that lapses unrenewed, auctions in rounds with lower reserves,
a sale or a transfer in lieu of payment, a release; each refusal names its field."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.assets import (
    AssetError,
    AssetRecord,
    Auctioned,
    Preserved,
    Released,
    Renewed,
    Transferred,
    Valued,
    max_end,
)
from domain.money import Money
from domain.parties import Asset

D = date(2026, 3, 2)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def record(kind: str = "deposit") -> AssetRecord:
    return AssetRecord(number=1, asset=Asset(kind=kind, description="x"))  # type: ignore[arg-type]


def freeze(**kw: Any) -> Preserved:
    return Preserved.model_validate({"on": D, "measure": "freeze", "court": "C", "ruling_number": "R1", **kw})


@pytest.mark.parametrize(("kind", "years"), [("deposit", 1), ("vehicle", 2), ("real_estate", 3), ("equity", 3)])
def test_a_measure_runs_at_most_the_law_s_term_for_what_it_holds(kind: str, years: int) -> None:
    r = record(kind).add(freeze(), D)
    assert r.measure_ends_on() == max_end(kind, D) == date(2026 + years, 3, 2)
    with pytest.raises(AssetError) as err:
        record(kind).add(freeze(ends_on=date(2026 + years, 3, 3)), D)
    assert err.value.field == "ends_on" and "art. 485" in err.value.reason


def test_an_unrenewed_measure_lapses_and_a_renewal_continues_it() -> None:
    r = record().add(freeze(ends_on=date(2026, 9, 1)), D)
    assert r.standing(date(2026, 9, 1)) == "preserved" and r.standing(date(2026, 9, 2)) == "lapsed"
    renewed = r.add(Renewed(on=date(2026, 8, 20), ruling_number="R2", ends_on=date(2027, 9, 1)), date(2026, 8, 20))
    assert renewed.measure_ends_on() == date(2027, 9, 1) and renewed.standing(date(2027, 1, 1)) == "preserved"
    with pytest.raises(AssetError, match="^ends_on: 2027-09-02 is after 2027-09-01"):  # a year from the old end
        r.add(Renewed(on=date(2026, 8, 20), ruling_number="R2", ends_on=date(2027, 9, 2)), date(2026, 8, 20))
    with pytest.raises(AssetError, match="^kind: only a measure still holding is renewed"):
        r.add(Renewed(on=date(2026, 9, 5), ruling_number="R2", ends_on=date(2027, 9, 1)), date(2026, 9, 5))
    again = r.add(freeze(on=date(2026, 9, 5), ruling_number="R3"), date(2026, 9, 5))  # preserved anew
    assert again.standing(date(2026, 9, 6)) == "preserved"


def test_a_vehicle_valued_auctioned_twice_and_sold() -> None:
    r = record("vehicle").add(Preserved(on=D, measure="seize", court="C", ruling_number="R"), D)
    r = r.add(Valued(on=date(2026, 4, 1), value=cny("60000.00"), by="appraiser"), date(2026, 4, 1))
    assert r.standing(date(2026, 4, 2)) == "valued"
    r = r.add(Auctioned(on=date(2026, 5, 1), round=1, reserve=cny("60000.00"), outcome="unsold"), date(2026, 5, 1))
    with pytest.raises(AssetError, match="^reserve: a later round's reserve is lower"):
        r.add(Auctioned(on=date(2026, 6, 1), round=2, reserve=cny("60000.00"), outcome="unsold"), date(2026, 6, 1))
    with pytest.raises(AssetError, match="^price: below the reserve"):
        r.add(Auctioned(on=date(2026, 6, 1), round=2, reserve=cny("48000.00"), outcome="sold",
                        price=cny("47000.00")), date(2026, 6, 1))
    sold = r.add(Auctioned(on=date(2026, 6, 1), round=2, reserve=cny("48000.00"), outcome="sold",
                           price=cny("50000.00")), date(2026, 6, 1))
    assert sold.standing(date(2027, 6, 1)) == "sold"
    with pytest.raises(AssetError, match="^kind: the asset is sold"):
        sold.add(Released(on=date(2026, 6, 2), reason="x"), date(2026, 6, 2))


def test_taken_in_lieu_of_payment_only_after_an_unsold_auction() -> None:
    r = record("real_estate").add(Preserved(on=D, measure="seal", court="C", ruling_number="R"), D)
    with pytest.raises(AssetError, match="^kind: an asset is taken in lieu of payment after an auction"):
        r.add(Transferred(on=date(2026, 4, 1), value=cny("1.00")), date(2026, 4, 1))
    r = r.add(Auctioned(on=date(2026, 5, 1), round=1, reserve=cny("900000.00"), outcome="unsold"), date(2026, 5, 1))
    assert r.add(Transferred(on=date(2026, 6, 1), value=cny("720000.00")), date(2026, 6, 1)).standing(
        date(2026, 6, 2)) == "transferred"


@pytest.mark.parametrize(("event", "field", "words"), [
    (Released(on=date(2026, 3, 3), reason="paid"), "on", "after today"),
    (Released(on=D, reason="paid"), "kind", "nothing to release"),
    (Auctioned(on=D, round=2, reserve=cny("1.00"), outcome="unsold"), "round", "the next round is 1"),
    (Auctioned(on=D, round=1, reserve=cny("1.00"), outcome="sold"), "price", "a sale has its price"),
    (Preserved(on=D, measure="freeze", court="C", ruling_number="R"), "ends_on", "give the ruling's last day"),
])
def test_refusals_name_the_field(event: Any, field: str, words: str) -> None:
    with pytest.raises(AssetError) as err:
        record("other").add(event, D)
    assert err.value.field == field and words in err.value.reason
