"""From a v1 matter's state to v2's: what a v1 matter carries when it continues as new into v2.

Pure: called inside the v1 workflow (deterministic), unit-tested on its own. Documents already
sent become done effects (so no letter is sent twice); a v1 referral (a firm's name only, no
child workflow) becomes a v2 referral whose child is started by v2; a v1 referral without a firm
goes back to legal review, since nobody could act on it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.dates import PolicyClock
from domain.matter import STAGES, MatterIntake, Stage
from domain.policy import EscalationPolicy
from domain.status import ReferralView
from store.records import TimelineEvent
from workflows.contracts import referral_workflow_id
from workflows.matter.state import (
    Effect,
    Ledger,
    LetterOrder,
    MatterState,
    Promises,
    Referral,
    ReferralOrder,
    Review,
)
from workflows.matter.state import (
    Ladder as LadderState,
)

NOTICE_PAY_WITHIN_DAYS = 7


def _step_of(matter_id: str, document_id: str, kind: str) -> str | None:
    prefix, suffix = f"{matter_id}-", f"-{kind}"
    if document_id.startswith(prefix) and document_id.endswith(suffix):
        return document_id[len(prefix) : -len(suffix)]
    return None


def to_v2_state(v1: Any, intake: MatterIntake, policy: EscalationPolicy, matter_id: str, now: datetime
                ) -> MatterState:
    """The v2 state of a v1 matter (`v1` is workflows.legacy.matter_v1.MatterState)."""
    clock = PolicyClock(started_at=v1.started_at, start_date=v1.start_date, timezone=intake.borrower.timezone,
                        day_seconds=policy.day_seconds)
    stage: Stage = v1.stage if v1.stage in STAGES else "legal_review"
    done: list[str] = []
    first_demand_on = None
    for doc in v1.documents:
        step = _step_of(matter_id, doc.document_id, doc.kind)
        if step is not None:
            done.append(f"letter:{step}")
        if doc.kind == "collection_notice":
            first_demand_on = clock.today(doc.created_at)
    pending = next((p for p in v1.promises if p.status == "pending"), None)
    state = MatterState(
        stage=stage,
        closure_reason=v1.closure_reason,
        clock=clock,
        intake_days_past_due=v1.intake_days_past_due,
        ledger=Ledger(balance=v1.balance, original_total=v1.original_total, paid_total=v1.paid_total,
                      payments=dict(v1.payments)),
        promises=Promises(items=list(v1.promises), paused_at=pending.created_at if pending is not None else None),
        ladder=LadderState(index=v1.ladder_index, shift_seconds=v1.ladder_shift_seconds),
        review=Review(negotiation_ends_on=v1.negotiation_ends_on, decisions=list(v1.decisions)),
        risk=v1.risk,
        documents=list(v1.documents),
        first_demand_on=first_demand_on,
        done=done,
        seq=v1.seq,
    )
    if stage == "notice" and not v1.notice_sent and "letter:notice" not in done:
        state.effects.append(Effect(
            key="letter:notice", queued_at=now,
            letter=LetterOrder(kind="collection_notice", step="notice", summary="Collection notice",
                               params={"pay_within_days": NOTICE_PAY_WITHIN_DAYS}, due_at=now),
        ))
    if stage == "referral":
        if v1.referred_firm:
            child = referral_workflow_id(matter_id, 1)
            state.referral = Referral(
                count=1,
                current=ReferralView(number=1, workflow_id=child, firm=v1.referred_firm, status="instructing",
                                     since=now),
            )
            state.effects.append(Effect(key="referral:1", queued_at=now,
                                        referral=ReferralOrder(number=1, firm=v1.referred_firm, actor="migration")))
        else:
            state.stage = "legal_review"
            state.outbox.events.append(TimelineEvent(
                matter_id=matter_id, event_key="migration-referral-without-firm", occurred_at=now,
                kind="legal_review",
                summary="A referral recorded without a law firm (before workflow v2) is back with the manager",
            ))
    state.outbox.events.append(TimelineEvent(
        matter_id=matter_id, event_key="migrated-to-v2", occurred_at=now, kind="migrated",
        summary="Matter moved to workflow v2 (its state carried over)",
    ))
    return state
