"""The guarantee period (Civil Code arts. 686, 692, 693): from the main debt's due date (moved earlier by an
acceleration), as agreed only if the agreed end is after that date, else six months; what the creditor must
do within it follows from the guarantee's type, and a guarantee that does not say is a general one."""

from __future__ import annotations

from datetime import date

import pytest

from domain.guarantee import guarantee_period, guarantee_period_end, main_debt_due_on
from domain.matter import MatterIntake
from domain.parties import Guarantor
from tests.factories import intake_data

DUE = date(2026, 8, 31)


def guarantor(**kw: object) -> Guarantor:
    return Guarantor.model_validate({"name": "王芳", "id_number": "310104199107226028", **kw})


def test_a_guarantee_that_does_not_say_is_a_general_one() -> None:
    assert guarantor().guarantee_type == "general"  # art. 686(2)
    data = intake_data()
    data["guarantors"] = [{k: v for k, v in g.items() if k != "guarantee_type"} for g in data["guarantors"]]
    assert {g.guarantee_type for g in MatterIntake.model_validate(data).guarantors} == {"general"}


@pytest.mark.parametrize(("contract_due", "accelerated", "expected"), [
    (date(2027, 3, 15), None, date(2027, 3, 15)),
    (date(2027, 3, 15), date(2026, 11, 2), date(2026, 11, 2)),  # the acceleration made it all due earlier
    (date(2026, 10, 1), date(2026, 11, 2), date(2026, 10, 1)),  # already due at maturity
    (None, date(2026, 11, 2), date(2026, 11, 2)),
    (None, None, None),
])
def test_the_main_debt_s_due_date_is_maturity_or_the_acceleration(contract_due: date | None,
                                                                   accelerated: date | None,
                                                                   expected: date | None) -> None:
    assert main_debt_due_on(contract_due, accelerated) == expected


@pytest.mark.parametrize(("agreed", "expected"), [
    (None, date(2027, 2, 28)),  # six months, to the month's last day (art. 202)
    (date(2028, 8, 31), date(2028, 8, 31)),  # agreed, after the due date
    (DUE, date(2027, 2, 28)),  # ending with the main debt: as if none was agreed
    (date(2026, 1, 1), date(2027, 2, 28)),  # ending before it: as if none
])
def test_the_period_is_as_agreed_only_when_it_ends_after_the_main_debt(agreed: date | None, expected: date) -> None:
    assert guarantee_period_end(DUE, agreed) == expected
    d = guarantee_period(guarantor(period_ends_on=agreed), 1, DUE)
    assert d.last_day == d.ends_on == expected and d.runs_from == DUE
    assert ("as agreed" in d.rule) == (agreed is not None and agreed > DUE)


def test_what_must_be_done_within_the_period_follows_the_type() -> None:
    joint = guarantee_period(guarantor(guarantee_type="joint_and_several"), 2, DUE)
    assert joint.name == "guarantee period: guarantor 2 (joint and several)"
    assert "demand performance from the guarantor" in joint.rule and "art. 693 para 2" in joint.rule
    general = guarantee_period(guarantor(), 1, DUE)
    assert "sue or apply for arbitration against the debtor" in general.rule and "art. 687 para 2" in general.rule
    assert "never suspended, interrupted or extended" in general.rule


def test_the_last_day_is_not_moved_off_a_rest_day() -> None:
    d = guarantee_period(guarantor(period_ends_on=date(2026, 10, 3)), 1, date(2026, 9, 1))  # National Day
    assert d.last_day == d.ends_on == date(2026, 10, 3) and not d.moved
