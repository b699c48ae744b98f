"""What a matter's evidence bundle holds, item by item, from the projection's rows: its stored
letters, its uploads, its payments ledger, and the catalogue's heading (who, which contract).

Shared by the API (`POST /matters/{id}/bundles`) and the referral's instruction bundle (activity
`make_instruction_bundle`). The rows are the projection's (`store.models`: Document, Upload,
Payment, Party, Matter), read here only by their attributes, so this module stays free of the
database; fetching each file's verified bytes is the caller's job.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from documents.bundle import BundleItem
from documents.renderer import DOCX_MEDIA_TYPE
from domain.parties import Borrower, Creditor

# What each stored letter is and proves, per catalogue language.
DESCRIPTIONS: dict[str, dict[str, str]] = {
    "zh-CN": {"collection_notice": "催收通知书", "reminder_letter": "还款提醒函", "final_demand": "最后催告函",
              "acceleration_notice": "贷款提前到期通知书", "closure_letter": "结清证明",
              "referral_instruction": "委托代理函"},
    "en": {"collection_notice": "Collection notice", "reminder_letter": "Reminder letter",
           "final_demand": "Final demand", "acceleration_notice": "Notice of acceleration",
           "closure_letter": "Payoff and closure letter", "referral_instruction": "Letter of instruction"},
}  # fmt: skip
PROVES: dict[str, dict[str, str]] = {
    "zh-CN": {
        "collection_notice": "债权人已向借款人书面催收，诉讼时效自送达之日起中断",
        "reminder_letter": "债权人再次向借款人书面催收，诉讼时效自送达之日起中断",
        "final_demand": "债权人最后一次书面催收，诉讼时效自送达之日起中断",
        "acceleration_notice": "债权人依约宣布贷款提前到期，全部借款自送达之日起到期",
        "closure_letter": "借款合同项下债务已结清",
        "referral_instruction": "债权人委托律师事务所代理本案及委托范围",
    },
    "en": {
        "collection_notice": "The creditor demanded payment in writing; the limitation period was interrupted",
        "reminder_letter": "The creditor demanded payment again in writing; the limitation period was interrupted",
        "final_demand": "The creditor's last written demand; the limitation period was interrupted",
        "acceleration_notice": "The creditor accelerated the loan as the contract allows: all of it due from delivery",
        "closure_letter": "The debt under the loan contract was discharged",
        "referral_instruction": "The creditor instructed the law firm, and the scope of its instruction",
    },
}
_OTHER = {"zh-CN": ("函件", "债权人与借款人之间的往来"), "en": ("Letter", "Correspondence between the parties")}
_SOURCE = {"zh-CN": "本系统生成并存证（{id}）", "en": "Generated and stored by the recovery system ({id})"}
_PAYMENTS = {
    "zh-CN": ("还款记录（含冲抵明细）", "借款人已还款项、到账日期及其按费用、罚息、利息、本金顺序冲抵的情况",
              "本系统还款台账（由流程引擎确认的还款指令记录）"),
    "en": ("Payment records (with allocation)",
           "Payments received, their dates and their allocation to costs, fees, penalty, interest and principal",
           "The recovery system's payments ledger (payments accepted by the matter's workflow)"),
}  # fmt: skip


class NoParties(ValueError):
    """The projection has not recorded the matter's parties yet (it lags behind intake): retry."""


def utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def document_item(doc: Any, content: bytes, locale: str) -> BundleItem:
    """A stored letter (`Document` row: id, kind, media_type, created_at)."""
    other_description, other_proves = _OTHER[locale]
    extension = ".docx" if doc.media_type == DOCX_MEDIA_TYPE else ""
    return BundleItem(
        file_name=f"{doc.kind}-{doc.id}{extension}",
        media_type=doc.media_type,
        content=content,
        source=_SOURCE[locale].format(id=doc.id),
        created_at=utc(doc.created_at),
        description=DESCRIPTIONS[locale].get(doc.kind, other_description),
        proves=PROVES[locale].get(doc.kind, other_proves),
    )


def upload_item(upload: Any, content: bytes) -> BundleItem:
    """Uploaded evidence (`Upload` row), described as the uploader described it."""
    return BundleItem(
        file_name=upload.file_name, media_type=upload.media_type, content=content, source=upload.source,
        created_at=utc(upload.created_at), description=upload.description, proves=upload.proves,
    )


def payments_item(payments: Sequence[Any], locale: str) -> BundleItem:
    """The matter's payments (`Payment` rows) as canonical JSON: the same payments, the same bytes."""
    records = [
        {
            "payment_id": p.payment_id,
            "amount": {"amount": format(p.amount.quantize(Decimal("0.01")), "f"), "currency": p.currency},
            "received_on": p.received_on.isoformat(),
            "allocation": p.allocation,
            "recorded_by": p.actor,
            "recorded_at": utc(p.recorded_at).isoformat(),
        }
        for p in payments
    ]
    content = json.dumps(records, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    description, proves, source = _PAYMENTS[locale]
    return BundleItem(
        file_name="payments.json",
        media_type="application/json",
        content=content,
        source=source,
        created_at=max(utc(p.recorded_at) for p in payments),
        description=description,
        proves=proves,
    )


def catalog_base(matter: Any, parties: Sequence[Any], reference: str, locale: str) -> dict[str, Any]:
    """The catalogue's heading from the `Matter` row and its `Party` rows; `NoParties` if not recorded yet."""
    borrower_row = next((p for p in parties if p.role == "borrower"), None)
    creditor_row = next((p for p in parties if p.role == "creditor"), None)
    if borrower_row is None or creditor_row is None:
        raise NoParties(f"matter {matter.id} has no parties recorded yet; retry")
    creditor = Creditor(
        name=creditor_row.name,
        address=creditor_row.address,
        phone=creditor_row.phone,
        registration_number=(creditor_row.details or {}).get("registration_number"),
    )
    borrower = Borrower.model_validate({
        "name": borrower_row.name,
        "id_number": borrower_row.id_number or "-",
        "phone": borrower_row.phone,
        "email": borrower_row.email,
        "address": borrower_row.address,
        "locale": borrower_row.locale or "zh-CN",
        "timezone": borrower_row.timezone or "Asia/Shanghai",
    })
    contract = matter.details.get("contract", {})
    if locale == "zh-CN":
        title = f"{creditor.name}诉{borrower.name}金融借款合同纠纷"
    else:
        title = f"{creditor.name} v. {borrower.name} (loan contract dispute)"
    return {
        "reference": reference,
        "creditor": creditor,
        "borrower": borrower,
        "contract_number": contract["number"],
        "contract_signed_on": contract["signed_on"],
        "case_title": title[:500],
        "matter_reference": (matter.external_ref or matter.id)[:128],
    }
