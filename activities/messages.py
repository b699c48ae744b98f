"""The words of a payment reminder sent by e-mail or SMS, per locale (zh-CN, en). Pure: no I/O, no clock.

Amounts and dates read as in the letters (`documents.formatting`: `人民币 19,518.00元`,
`2026年10月8日`; `CNY 19,518.00`, `8 October 2026`). A message names the borrower, the matter's
reference, the amount outstanding, the pay-by date and the creditor, and nothing else: never the
ID number, the address or the contract (`ReminderFacts` does not even carry them), since a message
may be read on a lock screen.

An SMS stays within `SMS_LIMITS` characters (one long message, not a dozen parts): the courtesy
sentence, then the phone number go first, then the names are shortened; the amount, the date and
the reference always stay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

from activities.inputs import FirmEmailJob, ReminderFacts
from documents.formatting import format_date, format_money
from domain.parties import Locale

# Characters (code points), not bytes: a Chinese SMS of 140 characters, an English one of 300.
SMS_LIMITS: dict[str, int] = {"zh-CN": 140, "en": 300}
ELLIPSIS = "…"


@dataclass(frozen=True)
class EmailText:
    subject: str
    body: str  # plain text, lines separated by "\n", ending with one


def one_line(value: str) -> str:
    """Runs of whitespace (newlines included) as one space: a name must not break a header or an SMS."""
    return " ".join(value.split())


def shorten(value: str, limit: int) -> str:
    """`value` cut to at most `limit` characters, an ellipsis marking the cut."""
    if len(value) <= limit:
        return value
    return value[: max(0, limit - 1)].rstrip() + ELLIPSIS if limit > 0 else ""


@dataclass(frozen=True)
class _Facts:
    """The facts as a message prints them (one line each, formatted for the locale)."""

    name: str
    creditor: str
    phone: str | None
    reference: str
    amount: str
    pay_by: str


def _prepare(facts: ReminderFacts, locale: Locale) -> _Facts:
    return _Facts(
        name=one_line(facts.borrower_name),
        creditor=one_line(facts.creditor_name),
        phone=one_line(facts.creditor_phone) if facts.creditor_phone and facts.creditor_phone.strip() else None,
        reference=one_line(facts.reference),
        amount=format_money(facts.outstanding, locale),
        pay_by=format_date(facts.pay_by, locale),
    )


# ---- e-mail ----------------------------------------------------------------------------------------
def reminder_email(facts: ReminderFacts, locale: Locale) -> EmailText:
    """Subject and plain-text body of a payment reminder e-mail."""
    f = _prepare(facts, locale)
    if locale == "zh-CN":
        subject = f"还款提醒（案件编号：{f.reference}）"
        lines = [
            f"{f.name}您好：",
            "",
            f"您在{f.creditor}的借款已逾期。截至本邮件发出之日，您的应还欠款合计为{f.amount}。",
            "",
            f"请于{f.pay_by}前还清上述款项。如您已经还款，请忽略本邮件；如您对欠款有异议，"
            "或还款确有困难，请尽快与我们联系协商。",
            "",
            *([f"联系电话：{f.phone}"] if f.phone else []),
            f"案件编号：{f.reference}（联系我们时请提供）",
            "",
            f.creditor,
            "（本邮件由系统自动发送）",
        ]
    else:
        subject = f"Payment reminder (ref. {f.reference})"
        lines = [
            f"Dear {f.name},",
            "",
            f"Your loan with {f.creditor} is overdue. As at the date of this message, the amount "
            f"outstanding is {f.amount}.",
            "",
            f"Please pay this amount by {f.pay_by}. If you have already paid, please disregard this message. "
            "If you dispute the debt, or are having difficulty paying, please contact us as soon as possible "
            "so that we can discuss it.",
            "",
            *([f"Telephone: {f.phone}"] if f.phone else []),
            f"Reference: {f.reference} (please quote it when you contact us)",
            "",
            f.creditor,
            "(This message was sent automatically.)",
        ]
    return EmailText(subject=subject, body="\n".join(lines) + "\n")


# ---- SMS -------------------------------------------------------------------------------------------
def _zh_sms(f: _Facts, name: str, creditor: str, phone: bool, courtesy: bool) -> str:
    greeting = f"{name}您好，" if name else "您好，"
    return (
        f"【{creditor}】{greeting}您的借款已逾期，应还金额{f.amount}，请于{f.pay_by}前还清。"
        + ("如已还款请忽略。" if courtesy else "")
        + f"案件编号{f.reference}"
        + (f"，咨询电话{f.phone}" if phone and f.phone else "")
        + "。"
    )


def _en_sms(f: _Facts, name: str, creditor: str, phone: bool, courtesy: bool) -> str:
    greeting = f"Dear {name}, y" if name else "Y"
    return (
        f"{creditor}: {greeting}our loan is overdue. Please pay {f.amount} by {f.pay_by}. "
        + ("If you have already paid, please ignore this message. " if courtesy else "")
        + f"Ref. {f.reference}."
        + (f" Questions: {f.phone}." if phone and f.phone else "")
    )


def reminder_sms(facts: ReminderFacts, locale: Locale) -> str:
    """The text of a payment reminder SMS, at most `SMS_LIMITS[locale]` characters."""
    f = _prepare(facts, locale)
    limit = SMS_LIMITS[locale]
    render: Callable[[_Facts, str, str, bool, bool], str] = _zh_sms if locale == "zh-CN" else _en_sms
    # Shortened names: the creditor keeps enough to be recognised; the name last goes altogether.
    short_creditor, short_name = (20, 10) if locale == "zh-CN" else (40, 40)
    attempts = [
        (f.name, f.creditor, True, True),
        (f.name, f.creditor, True, False),
        (f.name, f.creditor, False, False),
        (f.name, shorten(f.creditor, short_creditor), False, False),
        (shorten(f.name, short_name), shorten(f.creditor, short_creditor), False, False),
        ("", shorten(f.creditor, short_creditor), False, False),
    ]
    for name, creditor, phone, courtesy in attempts:
        text = render(f, name, creditor, phone, courtesy)
        if len(text) <= limit:
            return text
    # Unreachable within ReminderFacts' bounds (reference <= 40, amounts <= MAX_AMOUNT): a test proves it.
    return shorten(text, limit)


# ---- the instruction e-mail to a law firm ----------------------------------------------------------
def instruction_email(job: FirmEmailJob, api_base: str = "") -> EmailText:
    """What tells a law firm it is instructed: the matter's reference, the instruction letter and the
    evidence bundle (ids and SHA-256, to check what it downloads), where to fetch them, and that it
    must accept or decline within the policy's days. No borrower data: the documents carry it."""
    firm, creditor = one_line(job.firm_name), one_line(job.creditor_name)
    ref, contract = one_line(job.matter_reference), one_line(job.contract_number)
    mid, bundle = job.matter_id, job.bundle
    letter_url = f"{api_base}/documents/{job.letter_document_id}/content"
    bundle_url = f"{api_base}/matters/{mid}/bundles/{bundle.bundle_id}/content"
    accept_url = f"{api_base}/matters/{mid}/referral/accept"
    due = job.answer_by.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if job.answer_by is not None else None
    if job.locale == "zh-CN":
        subject = f"委托代理：{creditor}案件{ref}（第{job.number}次委托）"
        opening = [f"{creditor}委托贵所代理借款合同（编号：{contract}）纠纷案件，我方案件编号{ref}。"]
        if due is not None:
            subject = "提醒：" + subject
            opening = [f"贵所尚未答复{creditor}就借款合同（编号：{contract}）纠纷案件（我方案件编号{ref}）的委托，"
                       f"请于{due}前接受或者拒绝；逾期未答复的，本次委托将收回。"]
        body = "\n".join([
            f"{firm}：",
            "",
            *opening,
            "委托代理函及证据包已在本系统存证，请贵所合伙人登录后下载并核对SHA-256哈希值：",
            "",
            f"委托代理函：{job.letter_document_id}",
            f"  SHA-256：{job.letter_sha256}",
            f"  下载：{letter_url}",
            f"证据包：{job.pack_reference}（{bundle.item_count}个文件，{bundle.size}字节）",
            f"  SHA-256：{bundle.sha256}",
            f"  下载：{bundle_url}",
            "",
            f"请于{job.answer_within_days}日内接受或者拒绝本次委托（接受：{accept_url}）。",
            "本邮件由系统自动发送，请勿直接回复。",
            "",
            creditor,
        ])
    else:
        subject = f"Instruction: {creditor} matter {ref} (referral {job.number})"
        opening = [f"{creditor} instructs your firm in its claim under Loan Contract No. {contract} "
                   f"(our matter {ref})."]
        if due is not None:
            subject = "Reminder: " + subject
            opening = [f"Your firm has not yet answered {creditor}'s instruction in its claim under Loan Contract "
                       f"No. {contract} (our matter {ref}). Please accept or decline it by {due}; unanswered by "
                       "then, the instruction is withdrawn."]
        body = "\n".join([
            f"Dear {firm},",
            "",
            *opening,
            "The letter of instruction and the evidence pack are stored in our system; your partners can "
            "download them and check their SHA-256:",
            "",
            f"Letter of instruction: {job.letter_document_id}",
            f"  SHA-256: {job.letter_sha256}",
            f"  Download: {letter_url}",
            f"Evidence pack: {job.pack_reference} ({bundle.item_count} files, {bundle.size} bytes)",
            f"  SHA-256: {bundle.sha256}",
            f"  Download: {bundle_url}",
            "",
            f"Please accept or decline this instruction within {job.answer_within_days} days "
            f"(accept: {accept_url}).",
            "This message was sent automatically; please do not reply to it.",
            "",
            creditor,
        ])
    return EmailText(subject=subject, body=body + "\n")
