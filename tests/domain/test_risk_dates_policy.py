from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from domain.dates import PolicyClock, days_past_due
from domain.policy import EscalationPolicy
from domain.risk import RiskInputs, assess
from store.policies import UnknownPolicy, get_policy, load_policies
from tests.factories import intake_data, make_intake


def test_days_past_due() -> None:
    assert days_past_due(date(2026, 9, 1), date(2026, 9, 1)) == 0
    assert days_past_due(date(2026, 9, 1), date(2026, 11, 30)) == 90
    assert days_past_due(date(2026, 9, 1), date(2026, 8, 1)) == 0


def test_risk_grade_is_deterministic_and_explained() -> None:
    inputs = RiskInputs(days_past_due=95, outstanding=Decimal("19518"), principal=Decimal("200000"),
                        collateral_value=Decimal("5000"), guarantors=1, broken_promises=1)
    a, b = assess(inputs), assess(inputs)
    assert a == b
    by = {f.factor: f.points for f in a.factors}
    assert by == {"days_past_due": 30, "outstanding": 5, "collateral_cover": 20, "guarantors": 5,
                  "broken_promises": 10, "payments_made": 0}
    assert a.score == 70 and a.grade == "E"
    assert all(f.reason for f in a.factors)


def test_risk_grade_rises_with_broken_promises() -> None:
    base = RiskInputs(days_past_due=10, outstanding=Decimal("5000"), principal=Decimal("5000"))
    grades = [assess(base.model_copy(update={"broken_promises": n})).score for n in range(4)]
    assert grades == sorted(grades) and grades[0] < grades[-1]


def test_policy_clock_real_time_uses_borrower_zone() -> None:
    start = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)  # 01:00 next day in Shanghai
    c = PolicyClock.start(start, "Asia/Shanghai", 86400)
    assert c.start_date == date(2026, 11, 30)
    assert c.day_starts(date(2026, 12, 1)) == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert c.today(start + timedelta(hours=23)) == date(2026, 12, 1)
    # Contact hours: 01:00 local is too early; the first allowed instant is 08:00 local.
    assert c.contact_allowed_at(start) == datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    late = datetime(2026, 11, 30, 13, 30, tzinfo=UTC)  # 21:30 Shanghai
    assert c.contact_allowed_at(late) == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    ok = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # 11:00 Shanghai
    assert c.contact_allowed_at(ok) == ok


def test_policy_clock_compressed_days() -> None:
    start = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    c = PolicyClock.start(start, "Europe/London", 1)
    assert c.today(start + timedelta(seconds=10.5)) == c.start_date + timedelta(days=10)
    assert c.day_starts(c.start_date + timedelta(days=3)) == start + timedelta(seconds=3)
    assert c.contact_allowed_at(start) == start


def test_policies_load_and_are_versioned() -> None:
    policies = load_policies()
    assert {"standard", "demo"} <= set(policies)
    assert policies["demo"].day_seconds == 1 and policies["standard"].day_seconds == 86400
    assert policies["standard"].version >= 1
    with pytest.raises(UnknownPolicy, match="unknown policy 'nope'"):
        get_policy("nope")


def test_policy_rejects_letter_without_template_and_unordered_ladder() -> None:
    base = get_policy("standard").model_dump()
    bad = {**base, "ladder": [{"day": 2, "channel": "letter", "name": "x"}]}
    with pytest.raises(ValidationError, match="needs a template"):
        EscalationPolicy.model_validate(bad)
    steps = base["ladder"]
    with pytest.raises(ValidationError, match="ladder days must strictly ascend"):
        EscalationPolicy.model_validate({**base, "ladder": list(reversed(steps))})


def test_intake_validation_names_fields() -> None:
    make_intake()
    with pytest.raises(ValidationError) as err:
        make_intake(overdue={**intake_data()["overdue"], "fees": {"amount": "1.00", "currency": "USD"}})
    assert "mix currencies" in str(err.value)
    with pytest.raises(ValidationError) as err:
        make_intake(surprise=1)
    assert "surprise" in str(err.value)
    bad_tz = {**intake_data()["borrower"], "timezone": "Mars/Base"}
    with pytest.raises(ValidationError, match="unknown time zone"):
        make_intake(borrower=bad_tz)


def test_pii_models_do_not_print_personal_data() -> None:
    intake = make_intake()
    text = repr(intake) + str(intake.borrower)
    assert "张伟" not in text and "110105198001011234" not in text


def test_control_characters_are_refused_with_the_field_named() -> None:
    bad = {**intake_data()["borrower"], "address": "Road 1\x00"}
    with pytest.raises(ValidationError) as err:
        make_intake(borrower=bad)
    assert err.value.errors()[0]["loc"] == ("borrower", "address")
    assert "control character (U+0000)" in str(err.value)
    ok = {**intake_data()["borrower"], "address": "Line 1\nLine 2\tBuilding 3"}
    assert make_intake(borrower=ok).borrower.address == "Line 1\nLine 2\tBuilding 3"
