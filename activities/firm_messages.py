"""The words of the law firm's e-mails other than its instruction, per locale (zh-CN, en). Pure: no I/O, no clock.

A hearing reminder (`FirmEmailJob.hearing`) tells the firm acting in a proceeding that a hearing is
near: the matter's reference, the proceeding's number, the case number and the court or commission
once filed, the hearing's day and place. Nothing about the borrower (no name, ID number, address or
contract number): the firm has the case file. Dates read as in the letters (`2026年10月8日`,
`8 October 2026`).

`firm_email_text` picks the words of any firm e-mail (`send_firm_email` sends them all); the
instruction and the reminder to answer it keep theirs in `activities/messages.py`.
"""

from __future__ import annotations

from activities.inputs import FirmEmailJob, HearingFacts, UnwindingFacts
from activities.messages import EmailText, instruction_email, one_line
from documents.formatting import format_date


def firm_email_text(job: FirmEmailJob, api_base: str = "") -> EmailText:
    """Subject and plain-text body of whichever e-mail to the firm `job` is."""
    if job.hearing is not None:
        return hearing_email(job, job.hearing)
    if job.unwinding is not None:
        return unwinding_email(job, job.unwinding)
    return instruction_email(job, api_base)


def firm_email_kind(job: FirmEmailJob) -> str:
    """The e-mail's kind as its evidence object records it."""
    if job.unwinding is not None:
        return "matter_closed"
    return "hearing_reminder" if job.hearing is not None else "referral_instruction"


def hearing_email(job: FirmEmailJob, hearing: HearingFacts) -> EmailText:
    """A hearing is near: the firm acting in the case is reminded of its day and place."""
    firm, creditor, ref = one_line(job.firm_name), one_line(job.creditor_name), one_line(job.matter_reference)
    on = format_date(hearing.on, job.locale)
    place = one_line(hearing.place) if hearing.place and hearing.place.strip() else None
    case = one_line(hearing.case_number) if hearing.case_number and hearing.case_number.strip() else None
    body = one_line(hearing.body) if hearing.body and hearing.body.strip() else None
    court = hearing.forum == "court"
    if job.locale == "zh-CN":
        what = ("诉讼" if court else "仲裁") + ("（二审）" if hearing.instance == 2 else "")
        subject = f"开庭提醒：{creditor}案件{ref}，{on}开庭" + (f"（案号：{case}）" if case else "")
        lines = [
            f"{firm}：",
            "",
            f"贵所代理的{creditor}第{hearing.proceeding}号{what}程序（我方案件编号{ref}）定于{on}"
            + (f"在{place}" if place else "") + "开庭，请贵所安排承办律师按时出庭。",
            "",
            *([f"案号：{case}"] if case else []),
            *([f"{'受理法院' if court else '仲裁机构'}：{body}"] if body else []),
            f"开庭日期：{on}",
            *([f"开庭地点：{place}"] if place else []),
            "",
            "开庭日期或者地点如有变更，请在本系统中登记。",
            "本邮件由系统自动发送，请勿直接回复。",
            "",
            creditor,
        ]
    else:
        what = ("suit" if court else "arbitration") + (" (second instance)" if hearing.instance == 2 else "")
        subject = f"Hearing reminder: {creditor} matter {ref}, hearing on {on}" + (f" (case {case})" if case else "")
        lines = [
            f"Dear {firm},",
            "",
            f"The hearing in {creditor}'s {what}, proceeding {hearing.proceeding} of our matter {ref}, in which "
            f"your firm acts, is set for {on}" + (f" at {place}" if place else "")
            + ". Please make sure that counsel attends.",
            "",
            *([f"Case number: {case}"] if case else []),
            *([f"{'Court' if court else 'Arbitral institution'}: {body}"] if body else []),
            f"Hearing date: {on}",
            *([f"Place: {place}"] if place else []),
            "",
            "If the date or the place changes, please record it in our system.",
            "This message was sent automatically; please do not reply to it.",
            "",
            creditor,
        ]
    return EmailText(subject=subject, body="\n".join(lines) + "\n")


_ZH_GROUND = {"paid": "债务人已清偿全部债务", "settled": "和解协议已履行完毕", "cured": "债务人已清偿全部逾期欠款",
              "withdrawn": "我方决定不再主张"}
_EN_GROUND = {"paid": "the debtor has paid the debt in full", "settled": "the settlement has been performed",
              "cured": "the debtor has paid all the arrears", "withdrawn": "we no longer pursue the claim"}


def unwinding_email(job: FirmEmailJob, facts: UnwindingFacts) -> EmailText:
    """The matter closed with a case or measures running: the firm is asked to file the applications that
    undo them (each in the matter's record, by id and SHA-256) and to record the courts' rulings."""
    firm, creditor, ref = one_line(job.firm_name), one_line(job.creditor_name), one_line(job.matter_reference)
    on = format_date(facts.closed_on, job.locale)
    if job.locale == "zh-CN":
        subject = f"案件结案：{creditor}案件{ref}，请办理撤回及解除保全"
        lines = [f"{firm}：", "", f"{creditor}案件{ref}已于{on}结案（{_ZH_GROUND[facts.ground]}）。请贵所向有关法院或者"
                 "仲裁机构提交下列申请书，撤回尚在进行的程序并解除全部保全措施：", ""]
        lines += [f"{i}. {one_line(d.words)}（文书编号{d.document_id}，SHA-256 {d.sha256}）"
                  for i, d in enumerate(facts.documents, start=1)]
        lines += ["", "上述文书随本案卷宗归档，请向我方索取。"
                  "法院作出解除各项措施的裁定后，请将裁定书送交我方，由我方登记。",
                  "本邮件由系统自动发送，请勿直接回复。", "", creditor]
    else:
        subject = f"Matter closed: {creditor} matter {ref}: withdraw and lift the measures"
        lines = [f"Dear {firm},", "", f"{creditor}'s matter {ref} closed on {on} ({_EN_GROUND[facts.ground]}). "
                 "Please file the following applications with the courts or the commission concerned, withdrawing "
                 "what is still pending and lifting every preservation measure:", ""]
        lines += [f"{i}. {one_line(d.words)} (document {d.document_id}, SHA-256 {d.sha256})"
                  for i, d in enumerate(facts.documents, start=1)]
        lines += ["", "The documents are kept in the matter's file: ask us for them. When a court lifts a measure, "
                  "please send us its ruling: we record the release.",
                  "This message was sent automatically; please do not reply to it.", "", creditor]
    return EmailText(subject=subject, body="\n".join(lines) + "\n")


__all__ = ["firm_email_kind", "firm_email_text", "hearing_email", "unwinding_email"]
