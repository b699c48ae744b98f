"""Small builders of projection records for the store tests (fake people, no real PII)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.allocation import Balance, allocate
from domain.dates import OverdueClock, PolicyClock
from domain.evidence import DocumentRef
from domain.matter import MatterIntake
from domain.money import Money
from domain.status import MatterStatus, NextStep, ReferralView
from store.records import (
    LegacyMatterStatus,
    MatterOpened,
    PaymentRecord,
    ProjectionUpdate,
    PromiseRecord,
    StatusRecord,
    TimelineEvent,
)

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
# The instant the store tests read days past due at (the borrowers are in Asia/Shanghai).
NOW = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
TZ = "Asia/Shanghai"


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def intake(external_ref: str, guarantors: int = 1, principal: str = "18000.00") -> MatterIntake:
    return MatterIntake.model_validate(
        {
            "external_ref": external_ref,
            "policy": "standard",
            "creditor": {"name": "Example Bank", "registration_number": "91110000X"},
            "borrower": {"name": "Zhang San", "id_number": "110101199001011234", "phone": "13800000000"},
            "contract": {
                "number": "LN-1",
                "signed_on": "2024-01-10",
                "principal": {"amount": "20000.00", "currency": "CNY"},
                "annual_rate": "0.0435",
            },
            "overdue": {
                "since": "2026-01-01",
                "principal": {"amount": principal, "currency": "CNY"},
                "interest": {"amount": "1200.00", "currency": "CNY"},
                "penalty": {"amount": "300.00", "currency": "CNY"},
                "fees": {"amount": "18.00", "currency": "CNY"},
            },
            "guarantors": [{"name": f"Guarantor {i}", "id_number": f"G{i}"} for i in range(guarantors)],
        }
    )


def new_id() -> str:
    return "M" + uuid.uuid4().hex[:12]


def opened(matter_id: str, external_ref: str | None = None, **kw: object) -> MatterOpened:
    return MatterOpened(
        matter_id=matter_id,
        workflow_id=f"matter-{matter_id}",
        intake=intake(external_ref or f"REF-{matter_id}", **kw),  # type: ignore[arg-type]
        policy_name="standard",
        policy_version=1,
        opened_at=T0,
        opened_by="tester",
    )


def balance(principal: str = "18000.00") -> Balance:
    return Balance(costs=cny("0"), fees=cny("18.00"), penalty=cny("300.00"), interest=cny("1200.00"),
                   principal=cny(principal))  # fmt: skip


def status(
    matter_id: str,
    seq: int,
    stage: str = "notice",
    firm: str | None = None,
    days_past_due: int = 60,
    principal: str = "18000.00",
    paid: str = "0.00",
) -> StatusRecord:
    """A v2 status whose days past due are `days_past_due` at `NOW` (real days, Asia/Shanghai)."""
    bal = balance(principal)
    since = NOW.astimezone(ZoneInfo(TZ)).date() - timedelta(days=days_past_due)
    clock = PolicyClock.start(T0, TZ, 86400)
    overdue = OverdueClock.for_matter(clock, since, 0)
    return StatusRecord(
        seq=seq,
        status=MatterStatus(
            matter_id=matter_id,
            stage=stage,  # type: ignore[arg-type]
            policy="standard",
            policy_version=2,
            balance=bal,
            original_total=bal.total,
            paid_total=cny(paid),
            clock=clock,
            overdue=overdue,
            risk_grade="B",
            risk_score=55,
            next_step=NextStep(name="reminder-1", at=T0 + timedelta(days=7)),
            referral=ReferralView(number=1, workflow_id=f"matter-{matter_id}/referral-1", firm=firm,
                                  status="accepted", since=T0) if firm else None,
            updated_at=T0 + timedelta(minutes=seq),
        ),
    )


def legacy_status(matter_id: str, seq: int, stage: str = "notice", firm: str | None = None) -> LegacyMatterStatus:
    """A status as workflow v1 wrote it (matters opened before v2, until they migrate)."""
    bal = balance()
    return LegacyMatterStatus(
        matter_id=matter_id, seq=seq, stage=stage, balance=bal, outstanding=bal.total, days_past_due=60,
        risk_grade="B", risk_score=55, next_step="reminder-1", next_step_at=T0 + timedelta(days=7),
        referred_firm=firm, updated_at=T0 + timedelta(minutes=seq),
    )


def event(matter_id: str, key: str, minutes: int = 0, kind: str = "letter") -> TimelineEvent:
    return TimelineEvent(
        matter_id=matter_id,
        event_key=key,
        occurred_at=T0 + timedelta(minutes=minutes),
        kind=kind,
        summary=f"{kind} {key}",
        data={"amount": Decimal("12.50"), "on": date(2026, 3, 2)},
    )


def payment(matter_id: str, payment_id: str, amount: str) -> PaymentRecord:
    allocation, _ = allocate(balance(), cny(amount))
    return PaymentRecord(
        matter_id=matter_id,
        payment_id=payment_id,
        amount=cny(amount),
        received_on=date(2026, 3, 5),
        allocation=allocation,
        actor="clerk",
        recorded_at=T0 + timedelta(days=4),
    )


def promise(matter_id: str, promise_id: str, status: str = "pending", note: str | None = None) -> PromiseRecord:
    return PromiseRecord(
        matter_id=matter_id,
        promise_id=promise_id,
        amount=cny("5000.00"),
        due_on=date(2026, 3, 20),
        deadline=T0 + timedelta(days=20),
        status=status,
        note=note,
        actor="clerk",
        created_at=T0 + timedelta(days=1),
        resolved_at=None if status == "pending" else T0 + timedelta(days=19),
    )


def document(matter_id: str, kind: str = "collection_notice") -> DocumentRef:
    return DocumentRef(
        document_id=f"{matter_id}-notice-{kind}",
        matter_id=matter_id,
        kind=kind,
        locale="zh-CN",
        template_version="1",
        bucket="recovery-evidence",
        key=f"matters/{matter_id}/{kind}.docx",
        version_id="v1",
        sha256="ab" * 32,
        size=12345,
        created_at=T0 + timedelta(hours=1),
    )


def full_update(matter_id: str, firm: str | None = None) -> ProjectionUpdate:
    """Every part at once, as the first projection write of a busy matter might be."""
    return ProjectionUpdate(
        opened=opened(matter_id),
        status=status(matter_id, 1, firm=firm, paid="1250.55"),
        events=(event(matter_id, "opened", 0, "opened"), event(matter_id, "step-1-letter", 5)),
        payments=(payment(matter_id, "P1", "1000.00"), payment(matter_id, "P2", "250.55")),
        promises=(promise(matter_id, "PR1"),),
        documents=(document(matter_id),),
    )
