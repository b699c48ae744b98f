"""The law firm's instruction e-mail (activities/messages.py `instruction_email`, activities/notify.py
`build_firm_email`), without servers: both locales name the matter, the letter and the evidence pack with
their SHA-256 and where to fetch them, and no borrower data; the same job gives the same bytes."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy

import pytest

from activities.inputs import BundleRef, FirmEmailJob
from activities.messages import instruction_email
from activities.notify import build_firm_email

BUNDLE = BundleRef(bundle_id="R1-0123456789abcdef", bucket="b", key="k", version_id="v", sha256="ab" * 32,
                   size=48213, item_count=4)


def job(locale: str = "zh-CN", **kw: object) -> FirmEmailJob:
    data: dict[str, object] = dict(
        matter_id="m-1", message_id="m-1-referral-1-instruction", to="intake@firm.example", firm_name="Firm A LLP",
        locale=locale, creditor_name="Example Bank", matter_reference="LN-2026-0001", contract_number="JK-1",
        number=1, answer_within_days=5, letter_document_id="m-1-referral-1-referral_instruction",
        letter_sha256="cd" * 32, pack_reference="EP-M-1-R1", bundle=BUNDLE, dated=datetime(2026, 12, 4, tzinfo=UTC),
    )
    data.update(kw)
    return FirmEmailJob.model_validate(data)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_e_mail_names_the_letter_and_the_pack_with_their_hashes(locale: str) -> None:
    text = instruction_email(job(locale), "https://recovery.example")
    assert "LN-2026-0001" in text.subject and "Example Bank" in text.subject
    for expected in ("m-1-referral-1-referral_instruction", "cd" * 32, "ab" * 32, "EP-M-1-R1", "JK-1",
                     "https://recovery.example/documents/m-1-referral-1-referral_instruction/content",
                     "https://recovery.example/matters/m-1/bundles/R1-0123456789abcdef/content",
                     "https://recovery.example/matters/m-1/referral/accept"):
        assert expected in text.body, expected
    assert ("5日内" if locale == "zh-CN" else "within 5 days") in text.body
    assert text.body.endswith("\n")


def test_the_same_job_gives_the_same_bytes_and_the_firm_is_the_recipient() -> None:
    first = build_firm_email(job(), "recovery@bank.example", "http://127.0.0.1:8000")
    assert first == build_firm_email(job(), "recovery@bank.example", "http://127.0.0.1:8000")
    message = email.message_from_bytes(first, policy=policy.default)
    assert message["To"].addresses[0].addr_spec == "intake@firm.example"
    assert message["To"].addresses[0].display_name == "Firm A LLP"
    assert message["Message-ID"] == "<m-1-referral-1-instruction@bank.example>"
    assert b"\r\n" in first and all(byte < 128 for byte in first)
    with pytest.raises(ValueError):
        build_firm_email(job(to="not an address"), "recovery@bank.example", "")


@pytest.mark.parametrize(("locale", "words"), [("zh-CN", "请于2026-12-09 02:00 UTC前接受或者拒绝"),
                                               ("en", "Please accept or decline it by 2026-12-09 02:00 UTC")])
def test_a_reminder_says_the_answer_is_awaited_and_by_when(locale: str, words: str) -> None:
    text = instruction_email(job(locale, answer_by=datetime(2026, 12, 9, 2, 0, tzinfo=UTC)), "")
    assert text.subject.startswith("提醒：" if locale == "zh-CN" else "Reminder: ")
    assert words in text.body and "ab" * 32 in text.body
