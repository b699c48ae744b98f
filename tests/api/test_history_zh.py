"""The history's sentences in Chinese: every template of the reader, of a proceeding's reports and of a guarantor
claim's standing has its rule in `api.history_zh`, keeps every value as written, and leaves no English behind.

The sentences are made by the real template functions where they are functions (so a template changed without its
rule fails here) and written out where the reader builds them inline."""

from __future__ import annotations

import re
from datetime import date

import pytest

from api.history_words import _command_words, _outcome_words
from api.history_zh import STAGES, in_language, translated
from domain.money import Money
from domain.proceedings import (
    Appealed,
    Decided,
    EnforcementFiled,
    Filed,
    Hearing,
    Preserved,
    ProceedsDistributed,
    RoundTerminated,
    Served,
)
from workflows import contracts as c
from workflows.proceeding import _words

ON = date(2027, 3, 4)
CNY = Money.of("1234.50", "CNY")
AMOUNT = {"amount": "1234.50", "currency": "CNY"}
# Values that are not English words, so whatever English is left is the template's.
WHO, FIRM, SHA = "张三", "某某律师事务所", "ab12cd34"
# Left as they are in Chinese: currency codes, hashes' and clocks' names, ids made of letters.
ALLOWED = {"CNY", "sha256", "UTC", "v2"}


def english_left(text: str) -> list[str]:
    """English words left, leaving out values: identifiers (with a digit, '_', '-', ':' or '/'), error types."""
    values = re.compile(r"[\w:./-]*[\d_:/-][\w:./-]*|[A-Z][a-z]+(?:[A-Z][a-z]+)+|\b[A-Z]{3}\b")  # (+ currencies)
    return [w for w in re.findall(r"[A-Za-z]{2,}", values.sub(" ", text)) if w not in ALLOWED]


def commands() -> list[str]:
    cmd = {"payment_id": "付1", "amount": AMOUNT, "received_on": "2027-03-04", "promise_id": "诺1",
           "due_on": "2027-03-04",
           "decision_id": "决1", "decision": "escalate", "firm": "律所1", "firm_details": {"name": FIRM},
           "retry_id": "重1", "recall_id": "撤1", "proceeding_id": "程1", "letter_id": "函1", "lawyer_name": "李四",
           "respond_within_days": 7, "draft_id": "稿1", "number": 2, "open_id": "开1", "asset_id": "产1",
           "asset": {"kind": "real_estate"}, "event": {"kind": "preserved"}, "demand_id": "催1"}
    out = [_command_words(name, cmd, WHO) for name in (
        c.UPDATE_PAYMENT, c.UPDATE_PROMISE, c.UPDATE_DECISION, c.UPDATE_RETRY, c.UPDATE_RECALL_REFERRAL,
        c.UPDATE_START_PROCEEDING, c.UPDATE_LAWYERS_LETTER, c.UPDATE_DRAFT_FILING, c.UPDATE_DRAFT_PRESERVATION,
        c.UPDATE_OPEN_CLAIMS, c.UPDATE_ADD_ASSET, c.UPDATE_ASSET_EVENT, c.UPDATE_DEMAND_GUARANTOR, "place_hold")]
    out.append(_command_words(c.UPDATE_DECISION, {**cmd, "decision": "extend_negotiation", "new_end_on": "2027-05-01"},
                              WHO))
    out.append(_command_words(c.UPDATE_START_PROCEEDING, {**cmd, "forum": "court", "appeal_of": 1,
                                                          "override_reason": "理由"}, WHO))
    return out


def outcomes() -> list[str]:
    alloc = {"costs": AMOUNT, "fees": AMOUNT, "penalty": AMOUNT, "interest": AMOUNT, "principal": AMOUNT}
    result = {"payment_id": "付1", "allocation": alloc, "outstanding": AMOUNT, "closed": True, "promise_id": "诺1",
              "deadline": "2027-03-04T00:00:00Z", "decision_id": "决1", "stage": "referral", "retry_id": "重1",
              "effect": "律所邮件", "number": 2, "forum": "arbitration", "instance": 1, "document_id": "文1",
              "respond_by": "2027-03-04", "pre_suit": True, "kind": "civil_complaint", "evidence_reference": "证1",
              "documents": ["文1", "文2"], "firm": "律所1", "firm_name": FIRM,
              "asset": {"number": 1, "standing": "preserved", "measure_ends_on": "2030-03-03"}, "opened": [1, 2]}
    names = (c.UPDATE_PAYMENT, c.UPDATE_PROMISE, c.UPDATE_DECISION, c.UPDATE_RETRY, c.UPDATE_START_PROCEEDING,
             c.UPDATE_LAWYERS_LETTER, c.UPDATE_DRAFT_PRESERVATION, c.UPDATE_DRAFT_FILING, c.UPDATE_RECALL_REFERRAL,
             c.UPDATE_ADD_ASSET, c.UPDATE_ASSET_EVENT, c.UPDATE_DEMAND_GUARANTOR, c.UPDATE_OPEN_CLAIMS, "place_hold")
    out = [_outcome_words(name, result) for name in names]
    out += [_outcome_words(name, {**result, "duplicate": True, "pre_suit": False, "kind": "arbitration_application",
                                  "opened": []}) for name in names]
    return out


def proceeding_reports() -> list[str]:
    return [_words(e, "court") for e in (
        Filed(on=ON, body="上海市长宁区人民法院", case_number="(2027)沪0105民初1号", fees_paid=CNY),
        Filed(on=ON, body="上海仲裁委员会", case_number="(2027)沪仲字第1号"),
        Preserved(on=ON, pre_suit=True, court="上海市长宁区人民法院", ruling_number="(2027)沪0105财保1号", amount=CNY,
                  measures="冻结", security="given", security_detail="保函"),
        Preserved(on=ON, pre_suit=False, court="上海市长宁区人民法院", ruling_number="(2027)沪0105财保2号", amount=CNY,
                  measures="冻结", security="excused", security_detail="金融机构"),
        Hearing(on=ON, place="第十二法庭"), Hearing(on=ON),
        Decided(on=ON, decision="judgment", amount=CNY, costs=CNY, performance_days=10),
        Decided(on=ON, decision="mediation", amount=CNY, performance_due_on=ON),
        Served(on=ON), Appealed(on=ON, by="debtor"),
        EnforcementFiled(on=ON, court="上海市第一中级人民法院", case_number="(2027)沪01执1号"),
        RoundTerminated(on=ON, ruling_number="(2027)沪01执1号之一"),
        ProceedsDistributed(on=ON, gross=Money.of("5000.00", "CNY"), costs=CNY, to_creditor=CNY, asset=2),
    )]


READER = [
    "Matter opened by key 'cli:demo' on policy 标准 v4",
    "New run continued from run 1f2e (migrated to workflow v2)", "Continued as new (next run 1f2e), migrating to "
    "workflow v2", "Workflow completed: matter closed (paid)", "Workflow failed (TypeError)",
    "Workflow terminated by an operator", "Workflow canceled", "Cancellation of the workflow requested",
    "Workflow timed out", "Stage now legal_review; Needs attention: a step keeps failing", "No longer needs attention",
    "Projection write failed (OperationalError); kept for the next attempt",
    f"Reminder sent by e-mail (message m-1, kept as evidence, sha256 {SHA})",
    f"Reminder sent by SMS (message m-1, kept as evidence, sha256 {SHA})",
    f"Hearing reminder e-mailed to the law firm (message m-1-hearing-2027, kept as evidence, sha256 {SHA})",
    f"The matter's closing, with the applications that undo it, e-mailed to the law firm (message m-unwinding, kept "
    f"as evidence, sha256 {SHA})",
    f"Evidence pack P1-ab made for the proceeding's filing (3 files, sha256 {SHA})",
    f"Letter 'guarantor_demand' stored (sha256 {SHA}, document d-1)",
    "Contact counted in the borrower's budget (2 in 7 days across the borrower's matters)",
    "Contact deferred by the borrower's contact rules to 2027-03-04T08:00+08:00: outside contact hours 08:00-21:00 "
    "Asia/Shanghai; deferred to 2027-03-04 08:00",
    "Activity 'store_letter' timed out", "Timer fired (after 3 days)", "Timer fired (after 90 s)",
    "Timer fired (negotiation window ends)", "Timer fired (instalment 2 falls due (grace included))",
    f"Timer fired (law firm's answer due ({FIRM}))", "Command 'record_payment' refused (ERR_INVALID)",
    f"Child reported: referral 1 instructed to {FIRM}, answer by 2027-03-04 08:00 UTC",
    f"Child reported: {FIRM} declined referral 1 (reason recorded)",
    f"Child reported: {FIRM} did not answer referral 1 in time",
    f"Child reported: referral 1 to {FIRM} closed",
    "Child reported: the claim against guarantor 1: the guarantee period runs to 2027-09-04: 六个月",
    "Child reported: the claim against guarantor 2: a demand reached the guarantor on 2027-03-04, within the guarantee "
    "period",
    "Child reported: proceeding 1: Decision effective on 2027-03-04; performance due by 2027-03-14",
    f"Referral 2 to {FIRM} ended (closed)", "Proceeding 1 (court) could not start (already started)",
    "Cancellation of Claim against guarantor 2 requested",
    "The claim against guarantor 2 told: the main debt due 2027-03-04, the debtor sued on 2027-03-05",
    "The claim against guarantor 2 told: the main debt due on a day not on record, the debtor sued on 2027-03-05",
    "The claim against guarantor 2 told: the main debt due on a day not on record",
    f"Proceeding 1: {FIRM} takes the case over", "Proceeding 1: no firm acts in it until another firm takes the matter",
]


@pytest.mark.parametrize("sentence", commands() + outcomes() + proceeding_reports() + READER)
def test_every_sentence_has_its_chinese_with_its_values(sentence: str) -> None:
    zh = in_language(sentence, "zh")
    assert translated(sentence) and not english_left(zh), (sentence, zh)
    # Every value is carried over as written: numbers, dates, amounts, names.
    for value in re.findall(r"\d[\d,.:\-]*\d|[\u4e00-\u9fff]{2,}", sentence):
        assert value in zh, (value, sentence, zh)


def test_english_is_as_written_and_an_unknown_sentence_is_kept() -> None:
    assert in_language("Stage now referral", "en") == "Stage now referral"
    assert in_language("Stage now referral", "zh") == f"阶段变更为：{STAGES['referral']}"
    assert in_language("Something no template says", "zh") == "Something no template says"
    assert not translated("Something no template says")
    # A value holding the separator of joined sentences does not swallow the next sentence.
    assert in_language(f"Referral 2 recalled from {FIRM}; stage now legal_review", "zh") == (
        f"委托 2 已从 {FIRM} 撤回；当前阶段：法务审查")


@pytest.mark.parametrize("step", [
    "negotiation window ends", "first SMS reminder", "instalment 2 falls due (grace included)",
    "collector call (moved into the contact hours 08:00-21:00 Asia/Shanghai)"])
def test_a_matters_next_step_is_said_in_chinese(step: str) -> None:
    zh = in_language(step, "zh")
    assert translated(step) and not english_left(zh), zh


def deadline_texts() -> list[str]:
    """The names, rules and sources of every kind of legal deadline, made by the domain's own functions."""
    from domain.assets import AssetRecord
    from domain.assets import Preserved as AssetPreserved
    from domain.deadlines import (
        Interruption,
        RestDays,
        appeal_window,
        enforcement_window,
        limitation,
        suit_after_preservation,
    )
    from domain.guarantee import guarantee_period
    from domain.parties import Asset, Guarantor

    rest = RestDays(jurisdiction="T", first_year=2020, last_year=2035)
    made = [limitation(ON, (), rest), enforcement_window(ON, rest), enforcement_window(ON, rest, (
        Interruption(kind="partial_payment", on=date(2027, 5, 1)),)), suit_after_preservation(ON, rest)]
    made += [limitation(ON, (Interruption(kind=k, on=date(2027, 5, 1)),), rest)  # type: ignore[arg-type]
             for k in ("demand_arrived", "acknowledgement", "partial_payment", "filing")]
    made += [d for d in (appeal_window("judgment", ON, rest), appeal_window("ruling", ON, rest)) if d]
    for kind in ("joint_and_several", "general"):
        for ends in (None, date(2027, 1, 1), date(2028, 1, 1)):
            g = Guarantor(name="王某", id_number="110101199001011234", guarantee_type=kind,  # type: ignore[arg-type]
                          period_ends_on=ends)
            made.append(guarantee_period(g, 1, ON))
    record = AssetRecord(number=2, asset=Asset(kind="vehicle", description="沪A00000"), events=(AssetPreserved(
        on=ON, measure="seize", court="上海市第一中级人民法院", ruling_number="(2027)沪01执1号之一"),))
    measure = record.measure_deadline(ON)
    assert measure is not None
    made.append(measure)
    return [text for d in made for text in (d.name, d.rule, d.source)]


@pytest.mark.parametrize("text", deadline_texts())
def test_every_legal_deadline_is_said_in_chinese(text: str) -> None:
    zh = in_language(text, "zh")
    assert translated(text) and not english_left(zh), (text, zh)
    for value in re.findall(r"\d{4}-\d\d-\d\d|[\u4e00-\u9fff]{2,}", text):
        assert value in zh, (value, text, zh)
