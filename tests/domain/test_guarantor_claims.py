"""A claim against one guarantor: held by what the guarantee period requires done within it (a demand to a
joint-and-several guarantor, a suit against the debtor for a general one), released when it ends with
nothing done or when the creditor releases it; each event refused by name when the law does not allow it."""

from __future__ import annotations

from datetime import date

import pytest

from domain.guarantor_claims import ClaimError, Demanded, GuarantorClaim, Refused, Released
from domain.parties import Guarantor

DUE = date(2026, 8, 31)  # the period: to 2027-02-28


def claim(kind: str = "joint_and_several", **kw: object) -> GuarantorClaim:
    g = Guarantor(name="李娜", id_number="110105198202022345", guarantee_type=kind)  # type: ignore[arg-type]
    return GuarantorClaim.model_validate({"number": 1, "guarantor": g, "main_due_on": DUE, **kw})


def test_a_demand_within_the_period_holds_a_joint_guarantor_then_a_refusal_means_suing_it() -> None:
    c = claim()
    assert c.standing(date(2026, 9, 1))[0] == "open"
    c = c.add(Demanded(on=date(2026, 9, 10), method="registered_post"), date(2026, 9, 12))
    state, why = c.standing(date(2027, 6, 1))
    assert state == "held" and "2026-09-10, within the guarantee period" in why
    c = c.add(Refused(on=date(2026, 9, 20), reason="says it never signed"), date(2026, 9, 20))
    assert c.standing(date(2026, 9, 21)) == ("refused", "refused on 2026-09-20: sue the guarantor")
    with pytest.raises(ClaimError, match="^kind: the refusal is already recorded"):
        c.add(Refused(on=date(2026, 9, 21), reason="again"), date(2026, 9, 21))


def test_a_period_ending_with_nothing_done_releases_the_guarantor_with_the_reason() -> None:
    state, why = claim().standing(date(2027, 3, 1))
    assert state == "released" and "ended on 2027-02-28 and no demand reached the guarantor" in why
    assert "art. 693 para 2" in why
    state, why = claim("general").standing(date(2027, 3, 1))
    assert state == "released" and "no suit or arbitration against the debtor" in why and "para 1" in why
    with pytest.raises(ClaimError, match=r"^kind: the guarantor is released \(the guarantee period ended on 2027"):
        claim().add(Demanded(on=date(2027, 3, 1), method="courier"), date(2027, 3, 1))


def test_a_general_guarantor_is_held_by_the_suit_against_the_debtor_not_by_a_demand() -> None:
    c = claim("general").add(Demanded(on=date(2026, 9, 10), method="courier"), date(2026, 9, 10))
    assert c.standing(date(2026, 9, 11))[0] == "open"  # notice only
    held = c.model_copy(update={"debtor_sued_on": date(2027, 2, 28)})
    assert held.standing(date(2027, 6, 1)) == ("held", "the debtor was sued on 2027-02-28, within the guarantee "
                                                       "period")
    late = c.model_copy(update={"debtor_sued_on": date(2027, 3, 1)})
    assert late.standing(date(2027, 6, 1))[0] == "released"


def test_a_demand_before_the_main_debt_fell_due_is_not_counted() -> None:
    c = claim().add(Demanded(on=date(2026, 8, 1), method="courier"), date(2026, 8, 1))
    assert c.held_on() is None and c.standing(date(2027, 3, 1))[0] == "released"


def test_without_the_main_debt_s_due_date_the_claim_stays_open() -> None:
    c = claim(main_due_on=None).add(Demanded(on=date(2030, 1, 1), method="courier"), date(2030, 1, 1))
    state, why = c.standing(date(2031, 1, 1))
    assert state == "open" and "due date is not on record" in why


@pytest.mark.parametrize(("event", "field", "words"), [
    (Refused(on=date(2026, 9, 1), reason="no"), "kind", "once the guarantor is held"),
    (Demanded(on=date(2026, 9, 30), method="courier"), "on", "after today"),
])
def test_events_the_law_does_not_allow_are_refused_by_name(event: object, field: str, words: str) -> None:
    with pytest.raises(ClaimError) as err:
        claim().add(event, date(2026, 9, 2))  # type: ignore[arg-type]
    assert err.value.field == field and words in err.value.reason


def test_a_released_guarantor_takes_no_more_events() -> None:
    c = claim().add(Released(on=date(2026, 9, 1), reason="released by agreement of 1 September"), date(2026, 9, 1))
    assert c.standing(date(2026, 9, 2))[0] == "released"
    with pytest.raises(ClaimError, match="^kind: the guarantor is released"):
        c.add(Demanded(on=date(2026, 9, 2), method="courier"), date(2026, 9, 2))
