"""Reminder e-mails and SMS, without servers: the words (activities/messages.py), the e-mail's bytes, the
failure classes, the local SMS gateway and the settings (activities/notify.py, settings.py).

What it proves:
- both locales say who writes, to whom, the reference, the amount and the pay-by date as the letters
  write them, and never the ID number, the address, the phone or e-mail of the borrower, nor the contract;
- an SMS fits its limit (140 Chinese / 300 English characters) whatever the lengths the facts allow,
  keeping the amount, the date and the reference;
- the e-mail is one deterministic RFC 5322 message (same job, same bytes) with CRLF lines, 7-bit;
- an SMTP refusal (5xx) is non-retryable, a 4xx or a server away is retried, and no error names an address;
- the local SMS gateway's file is private and takes each message id once.
"""

from __future__ import annotations

import email
import json
import smtplib
import stat
from datetime import UTC, date, datetime, timedelta, timezone
from email import policy
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from pydantic import ValidationError
from temporalio.contrib.pydantic import pydantic_data_converter

from activities.inputs import EmailJob, MessageSent, ReminderFacts, SmsJob
from activities.messages import SMS_LIMITS, one_line, reminder_email, reminder_sms
from activities.notify import (
    LocalSmsGateway,
    SmsRejected,
    build_email,
    masked,
    recipient,
    sms_failure,
    smtp_failure,
)
from documents.formatting import format_date, format_money
from domain.money import Money
from domain.parties import Locale
from settings import Settings
from tests.factories import make_intake

SENDER = "recovery@bank.example"
PAY_BY = date(2026, 10, 8)


def facts(locale: str = "zh-CN", currency: str | None = None, **update: object) -> tuple[ReminderFacts, object]:
    currency = currency or ("CNY" if locale == "zh-CN" else "GBP")
    intake = make_intake(locale=locale, currency=currency)
    f = ReminderFacts.from_intake(intake, reference="RC-1A2B3C4D", outstanding=Money.of("19518.00", currency),
                                  pay_by=PAY_BY)
    return f.model_copy(update=update), intake


def never_in(text: str, intake: object) -> list[str]:
    """The borrower's data that a message must never carry, found in `text`."""
    b = intake.borrower  # type: ignore[attr-defined]
    c = intake.contract  # type: ignore[attr-defined]
    secret = [b.id_number, b.address, b.phone, b.email, c.number]
    secret += [g.id_number for g in intake.guarantors] + [g.name for g in intake.guarantors]  # type: ignore[attr-defined]
    return [s for s in secret if s and s in text]


# ---- the words -------------------------------------------------------------------------------------
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_email_says_who_what_and_by_when_and_nothing_private(locale: str) -> None:
    f, intake = facts(locale)
    text = reminder_email(f, locale)  # type: ignore[arg-type]
    whole = text.subject + "\n" + text.body
    amount, pay_by = format_money(f.outstanding, locale), format_date(PAY_BY, locale)
    for needed in (f.borrower_name, f.creditor_name, f.reference, amount, pay_by, f.creditor_phone):
        assert needed and needed in whole, needed
    assert f.reference in text.subject and f.borrower_name not in text.subject and amount not in text.subject
    assert never_in(whole, intake) == []
    assert text.body.endswith("\n") and "\r" not in text.body
    if locale == "zh-CN":
        assert "人民币 19,518.00元" in text.body and "2026年10月8日" in text.body and "还款提醒" in text.subject
    else:
        assert "GBP 19,518.00" in text.body and "8 October 2026" in text.body and "Payment reminder" in text.subject


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_sms_says_the_same_in_a_few_words(locale: str) -> None:
    f, intake = facts(locale)
    text = reminder_sms(f, locale)  # type: ignore[arg-type]
    for needed in (f.borrower_name, f.creditor_name, f.reference, format_money(f.outstanding, locale),
                   format_date(PAY_BY, locale), f.creditor_phone):
        assert needed and needed in text, (needed, text)
    assert never_in(text, intake) == [] and "\n" not in text
    assert len(text) <= SMS_LIMITS[locale]
    if locale == "zh-CN":
        assert text.startswith(f"【{f.creditor_name}】")


@pytest.mark.parametrize(("locale", "currency"), [("zh-CN", "CNY"), ("zh-CN", "KWD"), ("en", "GBP"), ("en", "JPY")])
def test_an_sms_fits_whatever_the_lengths_the_facts_allow(locale: str, currency: str) -> None:
    scale = {"JPY": "", "KWD": ".999"}.get(currency, ".99")
    longest = ReminderFacts(
        borrower_name="名" * 2000, creditor_name="银" * 500, creditor_phone="9" * 64, reference="R" * 40,
        outstanding=Money.of("9999999999999999999" + scale, currency), pay_by=date(2026, 12, 28),
    )
    text = reminder_sms(longest, locale)  # type: ignore[arg-type]
    assert len(text) <= SMS_LIMITS[locale], (len(text), text)
    # What the borrower must be able to act on stays whole; only names are shortened.
    for needed in ("R" * 40, format_money(longest.outstanding, locale), format_date(longest.pay_by, locale)):
        assert needed in text, (needed, text)
    assert "…" in text


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_line_breaks_in_names_never_reach_a_header_or_an_sms(locale: str) -> None:
    f, _ = facts(locale, borrower_name="张\n伟", creditor_name="Example\r\nBank\tplc")
    assert "\n" not in reminder_sms(f, locale)  # type: ignore[arg-type]
    subject = reminder_email(f, locale).subject  # type: ignore[arg-type]
    assert "\n" not in subject and "\r" not in subject
    assert one_line(" a \n b\r\n\tc ") == "a b c"


def test_facts_refuse_control_characters_and_long_references() -> None:
    with pytest.raises(ValidationError):
        facts(borrower_name="x")[0].model_validate({**facts()[0].model_dump(), "borrower_name": "Zhang\x00"})
    with pytest.raises(ValidationError):
        ReminderFacts.model_validate({**facts()[0].model_dump(), "reference": "R" * 41})


# ---- the e-mail's bytes ----------------------------------------------------------------------------
def email_job(locale: Locale = "zh-CN", **update: object) -> EmailJob:
    f, intake = facts(locale)
    job = EmailJob(matter_id="5b0c2d1e-1111-4222-8333-944455556666", message_id="m-1-reminder-1-email",
                   to=intake.borrower.email, locale=locale, facts=f,  # type: ignore[attr-defined]
                   dated=datetime(2026, 10, 1, 8, 30, tzinfo=UTC))
    return job.model_copy(update=update)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_email_is_one_deterministic_rfc5322_message(locale: Locale) -> None:
    job = email_job(locale)
    content = build_email(job, SENDER)
    assert content == build_email(job, SENDER)  # a retry makes the same bytes, so the same SHA-256
    assert content.isascii() and b"\r\n" in content and b"\n" not in content.replace(b"\r\n", b"")
    message = email.message_from_bytes(content, policy=policy.default)
    assert message["Message-ID"] == "<m-1-reminder-1-email@bank.example>"
    assert message["Date"].datetime == job.dated
    assert message["To"].addresses[0].addr_spec == job.to
    assert message["From"].addresses[0].addr_spec == SENDER
    # Display names as RFC 2047 reads them (a long one folds into several encoded-words, joined without
    # space; the modern parser of Python 3.11 puts a space between them, compat32's decoder does not).
    raw = email.message_from_bytes(content, policy=policy.compat32)
    assert str(make_header(decode_header(raw["To"]))) == f"{job.facts.borrower_name} <{job.to}>"
    assert str(make_header(decode_header(raw["From"]))) == f"{job.facts.creditor_name} <{SENDER}>"
    assert message["Auto-Submitted"] == "auto-generated"
    text = reminder_email(job.facts, job.locale)
    assert message["Subject"] == text.subject
    assert message.get_content() == text.body.replace("\n", "\r\n")  # canonical text: CRLF lines
    assert never_in(message.get_content() + str(message["Subject"]), make_intake(locale=locale)) == []
    # Another instant is another message: the Date is the job's, never the clock's.
    assert build_email(job.model_copy(update={"dated": job.dated + timedelta(seconds=1)}), SENDER) != content


def test_the_date_header_keeps_the_jobs_offset() -> None:
    beijing = timezone(timedelta(hours=8))
    job = email_job(dated=datetime(2026, 10, 1, 16, 30, tzinfo=beijing))
    message = email.message_from_bytes(build_email(job, SENDER), policy=policy.default)
    assert message["Date"] == "Thu, 01 Oct 2026 16:30:00 +0800"


@pytest.mark.parametrize("address", ["not an address", "@example.cn", "zhang@", "zhang wei@example.cn",
                                     "张伟@example.cn", "a@b@c", "zhang@example.cn, other@example.cn", "<x@y.z>"])
def test_what_is_not_an_address_is_refused(address: str) -> None:
    with pytest.raises(ValueError):
        recipient(address)


def test_an_address_is_taken_as_given() -> None:
    assert recipient(" john.smith@example.co.uk ").addr_spec == "john.smith@example.co.uk"


def test_jobs_and_results_round_trip_through_the_data_converter() -> None:
    f, _ = facts()
    jobs: list[object] = [
        email_job(), SmsJob(matter_id="m", message_id="m-sms-1", to="13800138000", facts=f),
        MessageSent(channel="email", matter_id="m", message_id="m-1", bucket="b", key="k", version_id=None,
                    sha256="0" * 64, size=1, sent_at=datetime(2026, 10, 1, tzinfo=UTC), response="250 OK", via="smtp"),
    ]
    converter = pydantic_data_converter.payload_converter
    for value in jobs:
        assert converter.from_payloads(converter.to_payloads([value]), [type(value)])[0] == value
    with pytest.raises(ValidationError):
        EmailJob.model_validate({**email_job().model_dump(), "dated": datetime(2026, 10, 1)})  # naive: refused


# ---- failures --------------------------------------------------------------------------------------
ADDRESS = "zhangwei@example.cn"


@pytest.mark.parametrize(("exc", "kind", "retryable"), [
    (smtplib.SMTPRecipientsRefused({ADDRESS: (550, f"5.1.1 <{ADDRESS}>: user unknown".encode())}),
     "EmailRejected", False),
    (smtplib.SMTPRecipientsRefused({ADDRESS: (450, b"4.2.1 mailbox busy")}), "EmailDeferred", True),
    (smtplib.SMTPDataError(554, b"5.7.1 message refused"), "EmailRejected", False),
    (smtplib.SMTPDataError(451, b"4.3.0 try later"), "EmailDeferred", True),
    (smtplib.SMTPSenderRefused(553, b"5.7.1 sender refused", "r@b.c"), "EmailRejected", False),
    (smtplib.SMTPAuthenticationError(535, b"5.7.8 bad credentials"), "SmtpAuthFailed", False),
    (smtplib.SMTPNotSupportedError("STARTTLS extension not supported by server."), "SmtpMisconfigured", False),
    (smtplib.SMTPConnectError(554, b"no service"), "SmtpUnavailable", True),
    (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), "SmtpUnavailable", True),
    (ConnectionRefusedError(111, "Connection refused"), "SmtpUnavailable", True),
    (TimeoutError("timed out"), "SmtpUnavailable", True),
])
def test_smtp_failures_are_classed_by_whether_retrying_can_help(exc: Exception, kind: str, retryable: bool) -> None:
    error = smtp_failure(exc)
    assert (error.type, error.non_retryable) == (kind, not retryable)
    assert ADDRESS not in str(error) and "zhangwei" not in str(error)


def test_a_servers_reply_is_shown_with_addresses_masked() -> None:
    assert masked("550 5.1.1 <zhangwei@example.cn>: Recipient address rejected") == (
        "550 5.1.1 <<address>>: Recipient address rejected")
    assert masked("250 2.0.0 Ok:\r\n queued as X") == "250 2.0.0 Ok: queued as X"


def test_sms_failures_are_classed_and_never_name_the_number() -> None:
    rejected = sms_failure(SmsRejected("13800138000 opted out"))
    assert rejected.type == "SmsRejected" and rejected.non_retryable
    away = sms_failure(OSError("cannot reach gateway for 13800138000"))
    assert away.type == "SmsGatewayUnavailable" and not away.non_retryable and "13800138000" not in str(away)


# ---- the local SMS gateway -------------------------------------------------------------------------
def test_the_local_gateway_records_each_message_once_in_a_private_file(tmp_path: Path) -> None:
    outbox = tmp_path / "var" / "sms" / "outbox.jsonl"
    gateway = LocalSmsGateway(outbox)
    first = gateway.send(message_id="m-1", to="13800138000", text="【银行】张伟您好")
    again = gateway.send(message_id="m-1", to="13800138000", text="【银行】张伟您好")
    gateway.send(message_id="m-2", to="+44 7700 900123", text="Example Bank: Dear John")
    lines = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    assert [(e["message_id"], e["to"], e["text"]) for e in lines] == [
        ("m-1", "13800138000", "【银行】张伟您好"), ("m-2", "+44 7700 900123", "Example Bank: Dear John")]
    assert all(datetime.fromisoformat(e["recorded_at"]).tzinfo for e in lines)
    assert "not sent" in first and "earlier" in again
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o600 and stat.S_IMODE(outbox.parent.stat().st_mode) == 0o700


# ---- settings --------------------------------------------------------------------------------------
def test_smtp_and_sms_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in {"HOST": "smtp.bank.example", "PORT": "587", "FROM": "reminders@bank.example",
                        "USERNAME": "reminders", "PASSWORD": "s3cret-pw", "SECURITY": "starttls", "TIMEOUT": "12.5"
                        }.items():
        monkeypatch.setenv(f"RECOVERY_SMTP_{name}", value)
    monkeypatch.setenv("RECOVERY_VAR_DIR", str(tmp_path))
    s = Settings()
    assert (s.smtp_host, s.smtp_port, s.smtp_from, s.smtp_username, s.smtp_security, s.smtp_timeout) == (
        "smtp.bank.example", 587, "reminders@bank.example", "reminders", "starttls", 12.5)
    assert s.smtp_password is not None and s.smtp_password.get_secret_value() == "s3cret-pw"
    assert "s3cret-pw" not in repr(s) and "s3cret-pw" not in str(s.model_dump())
    assert s.sms_gateway == "local" and s.sms_outbox_path == tmp_path / "sms" / "outbox.jsonl"
    assert s.mail_dir == tmp_path / "mail"


def test_smtp_defaults_point_at_the_local_stacks_server(tmp_path: Path) -> None:
    s = Settings(var_dir=tmp_path)
    assert (s.smtp_host, s.smtp_port, s.smtp_security, s.smtp_username, s.smtp_password) == (
        "127.0.0.1", 8025, "none", None, None)
    assert Settings(var_dir=tmp_path, sms_outbox=tmp_path / "x.jsonl").sms_outbox_path == tmp_path / "x.jsonl"


@pytest.mark.parametrize("bad", [{"smtp_from": "not-an-address"}, {"smtp_from": "Bank <r@b.example>"},
                                 {"smtp_username": "only-a-user"}, {"smtp_security": "tls"}, {"smtp_port": 0},
                                 {"smtp_timeout": 0}, {"sms_gateway": "twilio"}])
def test_smtp_settings_that_cannot_work_are_refused_when_a_process_starts(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Settings(**bad)  # type: ignore[arg-type]


def test_production_never_sends_an_smtp_password_in_clear_over_the_network() -> None:
    base = dict(environment="production", encryption_key="k", database_url="postgresql://db/x",
                s3_access_key_id="a", s3_secret_access_key="b", smtp_username="u", smtp_password="p")
    with pytest.raises(ValidationError, match="RECOVERY_SMTP_SECURITY") as info:
        Settings(**base, smtp_host="smtp.bank.example")  # type: ignore[arg-type]
    assert "'p'" not in str(info.value)
    assert Settings(**base, smtp_host="smtp.bank.example", smtp_security="starttls")  # type: ignore[arg-type]
    assert Settings(**base, smtp_host="127.0.0.1")  # type: ignore[arg-type]  # a relay on this machine
