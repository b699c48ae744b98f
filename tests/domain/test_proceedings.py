"""`domain.proceedings`: a suit or an arbitration as the firm records it, and the deadlines its events start
(appeal windows with the rest-day rule, effectiveness, performance, the enforcement window)."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from domain.deadlines import RestDays
from domain.money import Money
from domain.proceedings import Appealed, Decided, Filed, Hearing, Preserved, Proceeding, ProceedingError, Served
from workflows.calendars import china

CN = china()


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def filed_suit(on: date = date(2026, 1, 12)) -> Proceeding:
    p = Proceeding(forum="court", started_on=date(2026, 1, 5))
    return p.add(Filed(on=on, body="上海市黄浦区人民法院", case_number="(2026)沪0101民初1234号",
                       fees_paid=cny("1530.00")), CN)


def first_working_day_after(day: date) -> date:
    day += timedelta(days=1)
    while not chinese_calendar.is_workday(day):
        day += timedelta(days=1)
    return day


def test_a_judgment_served_before_national_day_takes_effect_after_the_moved_window() -> None:
    p = filed_suit().add(Hearing(on=date(2026, 7, 15)), CN)
    p = p.add(Decided(on=date(2026, 9, 10), decision="judgment", amount=cny("19518.00"), costs=cny("1530.00"),
                      performance_days=10), CN)
    assert p.deadlines(CN, date(2026, 9, 12)) == () and p.effective_on(CN) is None  # not served: nothing runs
    p = p.add(Served(on=date(2026, 9, 16)), CN)
    [appeal] = p.deadlines(CN, date(2026, 9, 20))
    # 15 days from service: 1 October, a public holiday: the window ends on the first working day after it.
    assert appeal.name == "appeal" and appeal.last_day == date(2026, 10, 1) and "art. 171" in appeal.rule
    assert not chinese_calendar.is_workday(date(2026, 10, 1))
    assert appeal.moved and appeal.ends_on == first_working_day_after(date(2026, 10, 1))
    assert appeal.ends_on is not None
    effective = appeal.ends_on + timedelta(days=1)
    assert p.effective_on(CN) == effective
    assert p.deadlines(CN, appeal.ends_on) == (appeal,)  # its last day: the window still runs
    performance = p.performance(CN)
    assert performance is not None and performance.runs_from == effective
    assert performance.last_day == effective + timedelta(days=10)
    # Once effective the appeal window is over; what runs is performance, then the 2-year enforcement window.
    after = p.deadlines(CN, effective)
    assert [d.name for d in after] == ["performance", "enforcement application"]
    assert after[0] == performance
    assert after[1].runs_from == (performance.ends_on or performance.last_day)
    assert after[1].last_day == after[1].runs_from.replace(year=after[1].runs_from.year + 2)


def test_an_appeal_within_the_window_stops_effectiveness_and_a_late_one_is_refused() -> None:
    p = filed_suit().add(Decided(on=date(2026, 3, 2), decision="judgment", performance_days=10), CN)
    p = p.add(Served(on=date(2026, 3, 4)), CN)
    window = p.appeal_deadline(CN)
    assert window is not None and window.ends_on is not None
    with pytest.raises(ProceedingError) as err:
        p.add(Appealed(on=window.ends_on + timedelta(days=1), by="debtor"), CN)
    assert err.value.field == "on" and "after the appeal window ended" in err.value.reason
    appealed = p.add(Appealed(on=window.ends_on, by="debtor"), CN)  # the last day still counts
    assert appealed.effective_on(CN) is None and appealed.deadlines(CN, date(2026, 4, 1)) == ()
    with pytest.raises(ProceedingError, match="already appealed"):
        appealed.add(Appealed(on=window.ends_on, by="creditor"), CN)


def test_a_ruling_has_ten_days_and_a_second_instance_is_final_on_service() -> None:
    p = filed_suit().add(Decided(on=date(2026, 3, 2), decision="ruling"), CN).add(Served(on=date(2026, 3, 4)), CN)
    window = p.appeal_deadline(CN)
    assert window is not None and window.last_day == date(2026, 3, 14) and "10 days" in window.rule
    second = Proceeding(forum="court", instance=2, started_on=date(2026, 4, 1))
    second = second.add(Filed(on=date(2026, 4, 2), body="上海市第二中级人民法院", case_number="(2026)沪02民终88号"), CN)
    second = second.add(Decided(on=date(2026, 6, 1), decision="judgment", performance_days=10), CN)
    second = second.add(Served(on=date(2026, 6, 3)), CN)
    assert second.effective_on(CN) == date(2026, 6, 3) and second.appeal_deadline(CN) is None
    with pytest.raises(ProceedingError, match="second-instance decision is final"):
        second.add(Appealed(on=date(2026, 6, 5), by="debtor"), CN)


def test_an_award_is_final_from_the_day_it_is_made() -> None:
    p = Proceeding(forum="arbitration", started_on=date(2026, 5, 1))
    p = p.add(Filed(on=date(2026, 5, 6), body="上海仲裁委员会", case_number="(2026)沪仲案字第0456号"), CN)
    with pytest.raises(ProceedingError) as err:
        p.add(Decided(on=date(2026, 8, 3), decision="judgment"), CN)
    assert err.value.field == "decision" and "arbitration proceeding ends by award, mediation" in err.value.reason
    p = p.add(Decided(on=date(2026, 8, 3), decision="award", amount=cny("19518.00"),
                      performance_due_on=date(2026, 8, 20)), CN)
    assert p.effective_on(CN) == date(2026, 8, 3)  # served or not: effective when made
    p = p.add(Served(on=date(2026, 8, 5)), CN)
    with pytest.raises(ProceedingError, match="an award is final"):
        p.add(Appealed(on=date(2026, 8, 6), by="debtor"), CN)
    assert p.deadlines(CN, date(2026, 8, 2)) == ()  # (not made yet on that day)
    performance, enforcement = p.deadlines(CN, date(2026, 8, 6))
    assert (performance.last_day, performance.rule) == (date(2026, 8, 20), "as the decision orders")
    assert enforcement.runs_from == date(2026, 8, 20) and enforcement.last_day == date(2028, 8, 20)


def test_a_mediation_agreement_takes_effect_when_signed_for() -> None:
    p = filed_suit().add(Decided(on=date(2026, 7, 1), decision="mediation", performance_days=30), CN)
    assert p.effective_on(CN) is None
    p = p.add(Served(on=date(2026, 7, 3)), CN)
    assert p.effective_on(CN) == date(2026, 7, 3) and p.appeal_deadline(CN) is None


def test_beyond_the_calendar_effectiveness_is_not_guessed() -> None:
    rest = RestDays(jurisdiction="T", first_year=2020, last_year=2026)
    p = Proceeding(forum="court", started_on=date(2026, 11, 1))
    p = p.add(Filed(on=date(2026, 11, 2), body="Court", case_number="1"), rest)
    p = p.add(Decided(on=date(2026, 12, 20), decision="judgment", performance_days=10), rest)
    p = p.add(Served(on=date(2026, 12, 28)), rest)  # the window ends in 2027, a year the calendar lacks
    [appeal] = p.deadlines(rest, date(2027, 3, 1))  # long after, still the window: its end is unknown
    assert appeal.ends_on is None and appeal.calendar_gap and appeal.last_day == date(2027, 1, 12)
    assert p.effective_on(rest) is None and p.performance(rest) is None


@pytest.mark.parametrize(("events", "field", "words"), [
    ([Hearing(on=date(2026, 6, 2))], "kind", "after the filing"),
    ([Filed(on=date(2026, 5, 1), body="X", case_number="1")], "on", "before the proceeding began"),
    ([Filed(on=date(2026, 6, 1), body="X", case_number="1"), Filed(on=date(2026, 6, 2), body="X", case_number="2")],
     "kind", "already filed"),
    ([Filed(on=date(2026, 6, 1), body="X", case_number="1"), Hearing(on=date(2026, 5, 30))],
     "on", "before the filing"),
    ([Filed(on=date(2026, 6, 1), body="X", case_number="1"), Served(on=date(2026, 6, 5))],
     "kind", "record the decision first"),
    ([Filed(on=date(2026, 6, 1), body="X", case_number="1"), Decided(on=date(2026, 7, 1), decision="judgment"),
      Served(on=date(2026, 6, 30))], "on", "before the decision"),
    ([Filed(on=date(2026, 6, 1), body="X", case_number="1"), Decided(on=date(2026, 7, 1), decision="judgment"),
      Decided(on=date(2026, 7, 2), decision="ruling")], "kind", "already decided"),
    ([Filed(on=date(2026, 6, 1), body="X", case_number="1"), Decided(on=date(2026, 7, 1), decision="judgment"),
      Hearing(on=date(2026, 7, 5))], "kind", "already decided"),
    ([Filed(on=date(2026, 6, 1), body="X", case_number="1"),
      Decided(on=date(2026, 7, 1), decision="judgment", performance_days=10, performance_due_on=date(2026, 8, 1))],
     "performance_due_on", "not both"),
    ([Filed(on=date(2026, 6, 1), body="X", case_number="1"),
      Decided(on=date(2026, 7, 1), decision="judgment", performance_due_on=date(2026, 6, 1))],
     "performance_due_on", "before the decision"),
    ([Filed(on=date(2026, 6, 1), body="X", case_number="1"),
      Decided(on=date(2026, 7, 1), decision="judgment", proposal_id="S1")], "proposal_id", "only a mediation"),
])
def test_events_out_of_order_are_refused_by_name(events: list, field: str, words: str) -> None:  # type: ignore[type-arg]
    p = Proceeding(forum="court", started_on=date(2026, 5, 20))
    with pytest.raises(ProceedingError) as err:
        for e in events:
            p = p.add(e, CN)
    assert err.value.field == field and words in err.value.reason, err.value


# ---- property preservation (CPL arts. 103-104) -----------------------------------------------------

def preserved(on: date, *, pre_suit: bool = True, security: str = "given") -> Preserved:
    return Preserved(on=on, pre_suit=pre_suit, court="上海市黄浦区人民法院", ruling_number="(2026)沪0101财保12号",
                     amount=cny("19518.00"), measures="冻结被申请人银行存款19,518.00元",
                     security=security,  # type: ignore[arg-type]
                     security_detail="中国人民财产保险股份有限公司上海市分公司诉讼财产保全责任保险保函，保单号PICC-1")


def test_pre_suit_preservation_gives_30_days_to_file_moved_past_a_holiday() -> None:
    started = Proceeding(forum="court", started_on=date(2026, 8, 20))
    # Measures taken on 1 September: 30 days end on 1 October, National Day: moved to the first working day.
    p = started.add(preserved(date(2026, 9, 1)), CN)
    [suit] = p.deadlines(CN, date(2026, 9, 2))
    assert suit.name == "suit after pre-suit preservation" and "art. 104" in suit.rule
    assert suit.last_day == date(2026, 10, 1) and suit.moved
    assert suit.ends_on == first_working_day_after(date(2026, 10, 1))
    assert p.suit_deadline(CN) == suit
    # A second measure later does not extend the first one's 30 days.
    p2 = p.add(preserved(date(2026, 9, 8)), CN)
    assert p2.suit_deadline(CN) == suit
    # Filed: the clock stops; a filing cannot predate what was recorded before it.
    with pytest.raises(ProceedingError) as err:
        p2.add(Filed(on=date(2026, 9, 5), body="上海市黄浦区人民法院", case_number="X"), CN)
    assert err.value.field == "on"
    filed = p2.add(Filed(on=date(2026, 9, 20), body="上海市黄浦区人民法院", case_number="(2026)沪0101民初9号"), CN)
    assert filed.suit_deadline(CN) is None and filed.deadlines(CN, date(2026, 9, 21)) == ()
    # Late filing is still a filing (the court lifts the measure; the suit stands): not refused.
    late = p.add(Filed(on=date(2026, 12, 1), body="上海市黄浦区人民法院", case_number="(2026)沪0101民初99号"), CN)
    assert late.filed is not None


def test_preservation_rules_name_the_field() -> None:
    started = Proceeding(forum="court", started_on=date(2026, 8, 20))
    with pytest.raises(ProceedingError) as err:  # CPL art. 104: no security, the application is rejected
        started.add(preserved(date(2026, 9, 1), security="excused"), CN)
    assert err.value.field == "security" and "art. 104" in err.value.reason
    with pytest.raises(ProceedingError) as err:  # in-suit preservation needs a case
        started.add(preserved(date(2026, 9, 1), pre_suit=False), CN)
    assert err.value.field == "kind"
    suit = filed_suit()
    with pytest.raises(ProceedingError) as err:
        suit.add(preserved(date(2026, 1, 20)), CN)
    assert err.value.field == "pre_suit" and "art. 103" in err.value.reason
    # In the case, the court may excuse security (e.g. a bank applying): recorded with the reason.
    p = suit.add(preserved(date(2026, 1, 20), pre_suit=False, security="excused"), CN)
    assert p.preservations[0].security == "excused" and p.suit_deadline(CN) is None
    with pytest.raises(ProceedingError) as err:
        Proceeding(forum="court", instance=2, started_on=date(2026, 8, 20)).add(preserved(date(2026, 9, 1)), CN)
    assert err.value.field == "pre_suit"
    award = (Proceeding(forum="arbitration", started_on=date(2026, 1, 5))
             .add(Filed(on=date(2026, 1, 6), body="上海仲裁委员会", case_number="(2026)沪仲案字第1号"), CN)
             .add(Decided(on=date(2026, 3, 2), decision="award", amount=cny("100.00"), performance_days=10), CN))
    with pytest.raises(ProceedingError) as err:
        award.add(preserved(date(2026, 3, 3), pre_suit=False), CN)
    assert err.value.field == "kind" and "enforcement" in err.value.reason


def _an_award(on: date = date(2026, 3, 2), days: int = 15) -> Proceeding:
    p = Proceeding(forum="arbitration", started_on=on - timedelta(days=50))
    p = p.add(Filed(on=on - timedelta(days=40), body="上海仲裁委员会", case_number="(2026)沪仲字第1号"), CN)
    return p.add(Decided(on=on, decision="award", amount=cny("19518.00"), performance_days=days), CN)


def test_enforcement_follows_the_effective_decision_in_rounds_and_distributes_what_it_fetches() -> None:
    from domain.proceedings import EnforcementFiled, ProceedsDistributed, RoundTerminated

    with pytest.raises(ProceedingError, match="^kind: enforcement follows a decision in effect"):
        filed_suit().add(EnforcementFiled(on=date(2026, 2, 1), court="C", case_number="E1"), CN)
    p = _an_award()
    with pytest.raises(ProceedingError, match="^kind: no enforcement is running"):
        p.add(RoundTerminated(on=date(2026, 4, 1), ruling_number="T1"), CN)
    p = p.add(EnforcementFiled(on=date(2026, 4, 1), court="上海市第一中级人民法院", case_number="(2026)沪01执1号"), CN)
    assert not p.enforcement_late(CN)
    assert [d.name for d in p.deadlines(CN, date(2026, 4, 2))] == []  # the window is used: applied for
    with pytest.raises(ProceedingError, match="^kind: enforcement is already applied for"):
        p.add(EnforcementFiled(on=date(2026, 4, 2), court="C", case_number="E2"), CN)
    with pytest.raises(ProceedingError, match="^to_creditor: the costs"):
        p.add(ProceedsDistributed(on=date(2026, 5, 1), gross=cny("100.00"), costs=cny("10.00"),
                                  to_creditor=cny("95.00")), CN)
    got = ProceedsDistributed(on=date(2026, 5, 1), gross=cny("60000.00"), costs=cny("1200.00"),
                              to_creditor=cny("19518.00"))
    assert got.returned == cny("39282.00")
    p = p.add(got, CN).add(RoundTerminated(on=date(2026, 6, 1), ruling_number="(2026)沪01执1号之一"), CN)
    assert p.enforcing() is None
    p = p.add(EnforcementFiled(on=date(2026, 9, 1), court="C", case_number="(2026)沪01执恢1号"), CN)  # property found
    assert p.enforcing() is not None and p.enforcing().case_number == "(2026)沪01执恢1号"  # type: ignore[union-attr]


def test_a_late_application_is_recorded_and_said_to_be_late() -> None:
    from domain.proceedings import EnforcementFiled

    p = _an_award(on=date(2023, 3, 2), days=15).add(  # performance by 2023-03-17: two years to 2025-03-17
        EnforcementFiled(on=date(2025, 3, 18), court="C", case_number="E1"), CN)
    assert p.enforcement_late(CN)
