"""The hearing reminder e-mail to the law firm (activities/firm_messages.py `hearing_email`, sent by
`send_firm_email` through activities/notify.py `build_firm_email`), without servers: both locales name
the matter, the proceeding, the case and the court once filed, the hearing's day and place, and nothing
of the borrower; a job without `hearing` is still the instruction."""

from __future__ import annotations

import email
from datetime import UTC, date, datetime
from email import policy

import pytest

from activities.firm_messages import firm_email_kind, firm_email_text, hearing_email
from activities.inputs import BundleRef, FirmEmailJob, HearingFacts
from activities.notify import build_firm_email
from tests.factories import make_intake

BUNDLE = BundleRef(bundle_id="R1-0123456789abcdef", bucket="b", key="k", version_id="v", sha256="ab" * 32,
                   size=48213, item_count=4)
HEARING = HearingFacts(proceeding=2, forum="court", on=date(2026, 10, 8), place="第三法庭",
                       case_number="(2026)沪0101民初123号", body="上海市黄浦区人民法院")


def job(locale: str = "zh-CN", hearing: HearingFacts | None = HEARING, **kw: object) -> FirmEmailJob:
    data: dict[str, object] = dict(
        matter_id="m-1", message_id="m-1-proceeding-2-hearing-2026-10-08", to="intake@firm.example",
        firm_name="Firm A LLP", locale=locale, creditor_name="Example Bank", matter_reference="LN-2026-0001",
        contract_number="JK-7788", number=1, answer_within_days=5,
        letter_document_id="m-1-referral-1-referral_instruction", letter_sha256="cd" * 32,
        pack_reference="EP-M-1-R1", bundle=BUNDLE, dated=datetime(2026, 10, 5, tzinfo=UTC), hearing=hearing,
    )
    data.update(kw)
    return FirmEmailJob.model_validate(data)


@pytest.mark.parametrize(("locale", "day", "words"), [
    ("zh-CN", "2026年10月8日", ("第2号诉讼程序", "案号：(2026)沪0101民初123号",
                               "受理法院：上海市黄浦区人民法院", "开庭地点：第三法庭", "请贵所安排承办律师按时出庭")),
    ("en", "8 October 2026", ("proceeding 2 of our matter LN-2026-0001",
                              "Case number: (2026)沪0101民初123号", "Court: 上海市黄浦区人民法院", "Place: 第三法庭",
                              "counsel attends")),
])
def test_the_hearing_reminder_names_the_case_the_day_and_the_place(locale: str, day: str,
                                                                  words: tuple[str, ...]) -> None:
    text = firm_email_text(job(locale), "https://recovery.example")
    assert text.subject.startswith("开庭提醒" if locale == "zh-CN" else "Hearing reminder")
    assert "LN-2026-0001" in text.subject and day in text.subject and "(2026)沪0101民初123号" in text.subject
    for expected in (*words, day, "LN-2026-0001", "Firm A LLP", "Example Bank"):
        assert expected in text.body, expected
    assert text.body.endswith("\n")
    # Nothing of the borrower, nor the instruction's documents (the firm has the case file).
    intake = make_intake()
    for absent in (intake.borrower.name, intake.borrower.id_number, "JK-7788", "cd" * 32, "ab" * 32,
                   "https://recovery.example"):
        assert absent not in text.subject + text.body, absent


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_before_filing_an_arbitration_s_hearing_is_named_without_a_case(locale: str) -> None:
    hearing = HearingFacts(proceeding=1, forum="arbitration", instance=1, on=date(2026, 3, 2))
    text = hearing_email(job(locale), hearing)
    assert ("2026年3月2日" if locale == "zh-CN" else "2 March 2026") in text.body
    assert ("仲裁" if locale == "zh-CN" else "arbitration") in text.body
    for absent in ("案号", "Case number", "受理法院", "Court:", "开庭地点", "Place:", "None"):
        assert absent not in text.body, absent


def test_it_goes_to_the_firm_as_its_own_evidence_and_a_job_without_a_hearing_is_the_instruction() -> None:
    content = build_firm_email(job("en"), "recovery@bank.example", "")
    assert content == build_firm_email(job("en"), "recovery@bank.example", "")
    message = email.message_from_bytes(content, policy=policy.default)
    assert message["To"].addresses[0].addr_spec == "intake@firm.example"
    assert message["Message-ID"] == "<m-1-proceeding-2-hearing-2026-10-08@bank.example>"
    assert str(message["Subject"]).startswith("Hearing reminder")
    assert firm_email_kind(job()) == "hearing_reminder"
    instruction = job(hearing=None)
    assert firm_email_kind(instruction) == "referral_instruction"
    assert firm_email_text(instruction).subject.startswith("委托代理")
    # An instruction stored before the field existed still reads (no `hearing` key at all).
    old = instruction.model_dump(mode="json")
    del old["hearing"]
    assert FirmEmailJob.model_validate(old).hearing is None
