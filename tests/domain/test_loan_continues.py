"""When paying the arrears pays off the loan (closure `paid`) and when the loan continues (`cured`)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from domain.matter import MatterIntake
from tests.factories import intake_data

TODAY = date(2026, 12, 2)


def intake(**contract: Any) -> MatterIntake:
    data = intake_data()
    data["contract"] = {k: v for k, v in {**data["contract"], **contract}.items() if v is not None}
    return MatterIntake.model_validate(data)


def cny(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "CNY"}


@pytest.mark.parametrize(("contract", "continues"), [
    ({"principal_not_due": None}, True),  # not known: continues (no payoff certificate on a guess)
    ({"principal_not_due": cny("150000.00")}, True),
    ({"principal_not_due": cny("0.00")}, False),
    ({"principal_not_due": None, "due_on": "2026-12-02"}, False),  # matured today: all of it is due
    ({"principal_not_due": None, "due_on": "2026-12-03"}, True),
    ({"principal_not_due": cny("150000.00"), "due_on": "2026-01-01"}, False),  # matured: all due, whatever else
])
def test_the_loan_continues_unless_the_record_says_nothing_else_is_owed(contract: dict[str, Any],
                                                                         continues: bool) -> None:
    assert intake(**contract).loan_continues(TODAY) is continues


@pytest.mark.parametrize(("contract", "message"), [
    ({"principal_not_due": cny("-1.00")}, "principal_not_due cannot be negative"),
    ({"principal_not_due": {"amount": "5.00", "currency": "USD"}}, "contract.principal_not_due is not in CNY"),
    ({"principal_not_due": cny("182000.01")}, "plus the overdue principal is more than the contract's principal"),
])
def test_a_principal_not_due_that_cannot_be_is_refused(contract: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        intake(**contract)
