"""The transition table: the whole process on one screen, checked without Temporal."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.matter import STAGES
from workflows.matter import transitions as tr


def reachable(facts: list[tr.Facts]) -> set[str]:
    seen, todo = {"intake"}, ["intake"]
    while todo:
        stage = todo.pop()
        for trigger in tr.TRIGGERS:
            for f in facts:
                rule = tr.find(stage, trigger, f)
                if rule is not None and rule.to not in seen:
                    seen.add(rule.to)
                    todo.append(rule.to)
    return seen


FACTS = [tr.Facts(ladder_steps_left=0), tr.Facts(ladder_steps_left=3)]


def test_every_rule_names_known_stages_triggers_and_guards() -> None:
    for rule in tr.RULES:
        assert rule.stage in STAGES and rule.to in STAGES and rule.trigger in tr.TRIGGERS
        assert rule.guard is None or rule.guard in tr.GUARDS
        assert (rule.closure is not None) == (rule.to == "closed")


def test_at_most_one_rule_applies_for_any_facts() -> None:
    for stage in STAGES:
        for trigger in tr.TRIGGERS:
            for facts in FACTS:
                applicable = [r for r in tr.rules_for(stage, trigger)
                              if r.guard is None or tr.GUARDS[r.guard](facts)]
                assert len(applicable) <= 1, (stage, trigger, facts)


def test_the_process_reaches_what_this_release_builds_and_only_a_reversal_reopens() -> None:
    assert reachable(FACTS) == {"intake", "notice", "reminders", "negotiation", "legal_review", "referral",
                                "amendment", "litigation", "closed"}
    assert {r.trigger for r in tr.RULES if r.stage == "closed"} == {"payment_reversed"}
    # A matter re-opens where it was, except that the law firm's referral was cancelled on closing.
    for was, back in (("notice", "notice"), ("reminders", "reminders"), ("negotiation", "negotiation"),
                      ("legal_review", "legal_review"), ("referral", "legal_review"), ("intake", "notice")):
        assert tr.fire("closed", "payment_reversed", tr.Facts(closed_from=was)).to == back
    assert not tr.allowed("closed", "payment_reversed")  # nothing to go back to
    assert tr.fire("closed", "payment_reversed", tr.Facts(closed_from="amendment")).to == "legal_review"


def test_an_arrangement_is_performed_in_amendment_and_ends_settled_or_back_in_legal_review() -> None:
    for stage in ("notice", "reminders", "negotiation", "legal_review", "referral"):
        assert tr.fire(stage, "arrangement_effective").to == "amendment"
    assert not tr.allowed("intake", "arrangement_effective") and not tr.allowed("amendment", "arrangement_effective")
    kept = tr.fire("amendment", "arrangement_kept")
    assert (kept.to, kept.closure) == ("closed", "settled")
    assert tr.fire("amendment", "arrangement_breached").to == "legal_review"
    for stage in tr.OPEN_STAGES:
        off = tr.fire(stage, "written_off")
        assert (off.to, off.closure) == ("closed", "written_off")
    for stage in tr.OPEN_STAGES:  # paying in full closes a matter whatever its stage
        rule = tr.fire(stage, "paid_in_full")
        assert (rule.to, rule.closure) == ("closed", "paid")
        cured = tr.fire(stage, "arrears_cleared")  # the arrears paid, the loan continuing
        assert (cured.to, cured.closure) == ("closed", "cured")


def test_guards_choose_between_the_ladder_and_the_window() -> None:
    assert tr.fire("notice", "notice_sent", tr.Facts(ladder_steps_left=2)).to == "reminders"
    assert tr.fire("notice", "notice_sent", tr.Facts(ladder_steps_left=0)).to == "negotiation"


def test_a_trigger_the_stage_does_not_take_is_refused_by_name() -> None:
    assert not tr.allowed("negotiation", "escalate")
    with pytest.raises(tr.NoTransition, match="'negotiation' does not take 'escalate'.*window_ended"):
        tr.fire("negotiation", "escalate")
    assert tr.allowed("legal_review", "escalate") and tr.allowed("legal_review", "extend_negotiation")


def test_the_readme_shows_the_table_as_it_is() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert tr.table() in readme
