"""The pure rules of an escalation policy: each broken rule names its field and the reason."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from domain.policy import EscalationPolicy, PolicyError, PolicyProblem, ReferralRules, field_path

SOURCE = "policies/p.yaml"


def policy_data(**overrides: Any) -> dict[str, Any]:
    """A valid policy as a YAML file would hold it (no file: these rules are pure)."""
    data: dict[str, Any] = {
        "name": "p",
        "version": 2,
        "day_seconds": 86400,
        "ladder": [
            {"day": 3, "channel": "sms", "name": "first SMS"},
            {"day": 7, "channel": "letter", "name": "first letter", "template": "reminder_letter"},
            {"day": 15, "channel": "email", "name": "e-mail"},
            {"day": 20, "channel": "phone_task", "name": "call"},
        ],
        "negotiation_days": 30,
        "promise_grace_days": 3,
        "contact": {"start_hour": 8, "end_hour": 21, "max_attempts_per_7_days": 7},
        "referral": {"answer_within_days": 5, "remind_after_days": 3},
    }
    data.update(overrides)
    return data


def with_step(index: int, **changes: Any) -> list[dict[str, Any]]:
    ladder = [dict(step) for step in policy_data()["ladder"]]
    ladder[index].update(changes)
    return ladder


def refused(data: dict[str, Any]) -> str:
    with pytest.raises(PolicyError) as err:
        EscalationPolicy.from_mapping(data, SOURCE)
    return str(err.value)


def test_a_valid_policy_passes() -> None:
    policy = EscalationPolicy.from_mapping(policy_data(), SOURCE)
    assert [s.day for s in policy.ladder] == [3, 7, 15, 20]
    assert policy.referral == ReferralRules(answer_within_days=5, remind_after_days=3)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param(
            {"ladder": with_step(2, day=7)},
            "ladder[2].day: 7 is not after the previous step's day 7: two steps on the same day are not allowed "
            "(ladder days must strictly ascend)",
            id="two-steps-on-one-day",
        ),
        pytest.param(
            {"ladder": with_step(2, day=5)},
            "ladder[2].day: 5 is not after the previous step's day 7 (ladder days must strictly ascend)",
            id="descending-day",
        ),
        pytest.param({"ladder": with_step(0, day=0)},
                     "ladder[0].day: Input should be greater than or equal to 1 (got 0)", id="day-zero"),
        pytest.param(
            {"ladder": with_step(1, template=None)},
            "ladder[1].template: ladder step 'first letter' is a letter and needs a template",
            id="letter-without-template",
        ),
        pytest.param({"ladder": with_step(3, channel="fax")}, "ladder[3].channel: Input should be", id="bad-channel"),
        pytest.param({"negotiation_days": 0}, "negotiation_days: Input should be greater than or equal to 1 (got 0)",
                     id="zero-negotiation-window"),
        pytest.param({"promise_grace_days": -1},
                     "promise_grace_days: Input should be greater than or equal to 0 (got -1)", id="negative-grace"),
        pytest.param({"day_seconds": 0}, "day_seconds: Input should be greater than or equal to 1 (got 0)",
                     id="zero-day-seconds"),
        pytest.param(
            {"contact": {"start_hour": 21, "end_hour": 8}},
            "contact.end_hour: 8 is not after start_hour 21 (contact hours must be a non-empty window)",
            id="contact-window-reversed",
        ),
        pytest.param(
            {"contact": {"start_hour": 9, "end_hour": 9}},
            "contact.end_hour: 9 is not after start_hour 9",
            id="contact-window-empty",
        ),
        pytest.param({"referral": {"answer_within_days": 0, "remind_after_days": 3}},
                     "referral.answer_within_days: Input should be greater than or equal to 1 (got 0)",
                     id="referral-answer-zero"),
        pytest.param({"referral": {"answer_within_days": 5, "remind_after_days": 0}},
                     "referral.remind_after_days: Input should be greater than or equal to 1 (got 0)",
                     id="referral-remind-zero"),
        pytest.param(
            {"referral": {"answer_within_days": 5, "remind_after_days": 5}},
            "referral.remind_after_days: 5 is not before answer_within_days 5 "
            "(the reminder must come before the firm's deadline)",
            id="referral-remind-not-before-deadline",
        ),
        pytest.param({"referral": {"answer_within_days": 3}},
                     "referral.remind_after_days: 3 is not before answer_within_days 3",
                     id="referral-default-reminder-vs-short-deadline"),
        pytest.param({"name": "Standard Policy"}, "name: String should match pattern", id="bad-name"),
        pytest.param({"surprise": 1}, "surprise: unknown field (not part of the policy format)", id="unknown-field"),
        pytest.param({"referral": {"answer_in": 5}}, "referral.answer_in: unknown field", id="unknown-nested-field"),
    ],
)
def test_each_broken_rule_names_the_field_and_the_reason(overrides: dict[str, Any], expected: str) -> None:
    assert refused(policy_data(**overrides)).startswith(f"{SOURCE}: {expected}")


def test_a_missing_field_is_named() -> None:
    data = policy_data()
    del data["negotiation_days"]
    assert refused(data) == f"{SOURCE}: negotiation_days: required field is missing"


def test_every_problem_is_reported_one_per_line() -> None:
    data = policy_data(ladder=with_step(3, day=7), negotiation_days=0, contact={"start_hour": 22})
    lines = refused(data).splitlines()
    assert [line.split(": ")[1] for line in lines] == ["ladder[3].day", "negotiation_days", "contact.end_hour"]
    assert all(line.startswith(f"{SOURCE}: ") for line in lines)


def test_the_model_itself_refuses_with_the_field_location() -> None:
    """Workflow inputs decode through the model: the same rules, pydantic's own error."""
    with pytest.raises(ValidationError) as err:
        EscalationPolicy.model_validate(policy_data(ladder=with_step(2, day=7)))
    assert [e["loc"] for e in err.value.errors()] == [("ladder", 2, "day")]


def test_policies_recorded_before_referral_and_with_dpd_refresh_days_still_decode() -> None:
    """A version-1 policy as old workflow inputs carry it: no `referral`, a `dpd_refresh_days`."""
    old = policy_data(version=1, dpd_refresh_days=10)
    del old["referral"]
    policy = EscalationPolicy.model_validate_json(EscalationPolicy.model_validate(old).model_dump_json())
    assert policy.version == 1 and policy.dpd_refresh_days == 10
    assert policy.referral == ReferralRules() == ReferralRules(answer_within_days=5, remind_after_days=3)
    # New files leave the deprecated field out: it defaults, it is not required.
    assert EscalationPolicy.model_validate(policy_data()).dpd_refresh_days == 1


def test_field_path_and_problem_format() -> None:
    assert field_path(("ladder", 2, "day")) == "ladder[2].day"
    assert field_path(("contact", "end_hour")) == "contact.end_hour"
    assert field_path(()) is None
    assert str(PolicyProblem("a.yaml", "name", "why")) == "a.yaml: name: why"
    assert str(PolicyProblem("a.yaml", None, "why")) == "a.yaml: why"
    assert isinstance(PolicyError([]), ValueError)


def test_a_step_name_with_braces_is_quoted_not_formatted() -> None:
    ladder = with_step(1, template=None, name="letter {x}")
    assert "ladder step 'letter {x}' is a letter and needs a template" in refused(policy_data(ladder=ladder))
