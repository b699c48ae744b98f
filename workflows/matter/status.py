"""From the workflow's state to everything outside it: the public status, the snapshot, search attributes.

One mapping, used for the projection (`StatusRecord`), the `snapshot` query and Temporal's search
attributes, so the same field is never copied by hand in several places. Also the process clock:
when each ladder step, promise deadline and window end falls due (pure functions of the state and
the policy).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from domain.dates import OverdueClock
from domain.matter import MatterIntake
from domain.policy import EscalationPolicy
from domain.status import Attention, MatterStatus, NextStep
from workflows.contracts import MatterSnapshot
from workflows.matter.arrangements import view
from workflows.matter.assets import asset_views
from workflows.matter.claims import claim_views
from workflows.matter.guarantees import guarantee_periods_of
from workflows.matter.limitation import limitation_of
from workflows.matter.state import MatterState
from workflows.matter.unwinding import unwinding_view

# Search attribute names and types (registered on the Temporal namespace; see infra/services.py).
SA_STAGE = "MatterStage"  # Keyword
SA_OUTSTANDING = "OutstandingAmount"  # Double
SA_OVERDUE_SINCE = "OverdueSince"  # Datetime: the instant from which days past due count
SA_NEEDS_ATTENTION = "NeedsAttention"  # Bool


def overdue_clock(s: MatterState, overdue_since: Any) -> OverdueClock:
    return OverdueClock.for_matter(s.clock, overdue_since, s.intake_days_past_due)


def ladder_due(s: MatterState, policy: EscalationPolicy, index: int) -> datetime:
    """When ladder step `index` falls due: its policy day after the start, later by any pauses,
    and (for contact steps on real-time policies) inside the borrower's contact hours."""
    return _ladder_due(s, policy, index)[1]


def _ladder_due(s: MatterState, policy: EscalationPolicy, index: int) -> tuple[datetime, datetime]:
    """(when step `index` would fall due by the calendar alone, when it falls due inside the hours)."""
    step = policy.ladder[index]
    due = s.clock.after_days(s.clock.started_at, step.day) + timedelta(seconds=s.ladder.shift_seconds)
    if step.channel == "letter":
        return due, due
    return due, s.clock.contact_allowed_at(due, policy.contact.start_hour, policy.contact.end_hour)


def ladder_step_name(s: MatterState, policy: EscalationPolicy, index: int) -> str:
    """The step's name, and why it waits when the contact hours moved it (the timer and the API say it)."""
    step = policy.ladder[index]
    calendar, due = _ladder_due(s, policy, index)
    if due == calendar:
        return step.name
    c = policy.contact
    return f"{step.name} (moved into the contact hours {c.start_hour:02d}:00-{c.end_hour:02d}:00 {s.clock.timezone})"


def next_step(s: MatterState, policy: EscalationPolicy) -> NextStep | None:
    """The next thing the process itself will do, and when."""
    if s.stage == "closed" or s.held_since is not None:
        return None  # (held: nothing is due until the hold ends)
    a = s.arrangements[-1] if s.arrangements else None
    if s.stage == "amendment" and a is not None and a.status == "effective" and a.next_due < len(a.instalments()):
        number, due_on, _ = a.instalments()[a.next_due]
        return NextStep(name=f"instalment {number} falls due (grace included)",
                        at=s.clock.day_ends(due_on + timedelta(days=policy.arrangements.grace_days)))
    promise = s.promises.pending()
    if promise is not None:
        return NextStep(name="promise to pay falls due (grace included)", at=promise.deadline)
    if s.stage in ("notice", "reminders") and s.ladder.index < len(policy.ladder):
        return NextStep(name=ladder_step_name(s, policy, s.ladder.index), at=ladder_due(s, policy, s.ladder.index))
    if s.stage == "negotiation" and s.review.negotiation_ends_on is not None:
        return NextStep(name="negotiation window ends", at=s.clock.day_ends(s.review.negotiation_ends_on))
    current = s.referral.current
    sent = {d.document_id for d in s.documents}
    waiting = [x for x in s.referral.lawyers_letters if not x.ended and x.document_id in sent]
    if s.stage == "referral" and waiting:
        return NextStep(name="time to pay under the law firm's lawyer's letter ends",
                        at=s.clock.day_ends(min(x.respond_by for x in waiting)))
    if s.stage == "referral" and current is not None and current.status == "instructed" and current.answer_by:
        return NextStep(name=f"law firm's answer due ({current.firm})", at=current.answer_by)
    return None


def attention_of(s: MatterState) -> Attention | None:
    """The matter's `needs_attention` condition: a failed side effect, or projection writes failing."""
    if s.attention is not None:
        return s.attention
    p = s.published
    if p.failing_since is not None and p.failures >= 3:
        return Attention(
            effect="projection",
            error="ProjectionFailing",
            reason=f"writing the projection database has failed {p.failures} times; retried automatically",
            since=p.failing_since,
            retryable=True,
            attempts=p.failures,
            retry_at=p.retry_at,
        )
    return None


def status_of(s: MatterState, matter_id: str, policy: EscalationPolicy, intake: MatterIntake, now: datetime
              ) -> MatterStatus:
    """The public status of the matter at `now` (a ledger that accrues is stated as of today)."""
    overdue_since = intake.overdue.since
    balance, paid, as_of = s.ledger.balance, s.ledger.paid_total, s.ledger.as_of
    book = s.ledger.book
    if book is not None:
        as_of = max(s.clock.today(now), book.start, book.last_entry_on() or book.start)
        stmt = book.on(as_of)
        balance, paid = stmt.balance, stmt.paid
    return MatterStatus(
        matter_id=matter_id,
        stage=s.stage,
        closure_reason=s.closure_reason,
        policy=policy.name,
        policy_version=policy.version,
        balance=balance,
        original_total=s.ledger.original_total,
        paid_total=paid,
        clock=s.clock,
        overdue=overdue_clock(s, overdue_since),
        risk_grade=s.risk.grade if s.risk else None,
        risk_score=s.risk.score if s.risk else None,
        next_step=next_step(s, policy),
        negotiation_ends_on=s.review.negotiation_ends_on,
        referral=s.referral.current,
        last_referral=s.referral.last,
        attention=attention_of(s),
        updated_at=now,
        ledger=book,
        balance_as_of=as_of,
        arrangement=view(s.arrangements[-1], policy) if s.arrangements else None,
        recovered_after_write_off=s.recovered_after_write_off,
        holds=tuple(h.model_dump(mode="json") for h in s.holds) if s.holds else None,
        held=(s.held_since is not None) if s.holds else None,
        acceleration=s.acceleration,
        limitation=limitation_of(s, overdue_since),
        proceedings=tuple(s.proceedings.items) or None,
        guarantees=guarantee_periods_of(s, intake, s.clock.today(now)),
        guarantor_claims=claim_views(s),
        assets=asset_views(s, intake, s.clock.today(now)),
        unwinding=unwinding_view(s, intake, s.clock.today(now)),
    )


_LATER_FIELDS = ("ledger", "balance_as_of", "arrangement", "recovered_after_write_off", "holds", "held",
                 "acceleration", "limitation", "guarantees", "guarantor_claims", "assets",
                 "unwinding")


def status_digest(status: MatterStatus) -> str:
    """What decides whether the status changed (matters without a book digest as they did before it)."""
    # Fields added since v2 count only once set, so a status that has none digests as it always did.
    exclude = {"updated_at"} | {f for f in _LATER_FIELDS if getattr(status, f) is None}
    return hashlib.sha256(status.model_dump_json(exclude=exclude).encode()).hexdigest()


def search_values(status: MatterStatus) -> list[Any]:
    """The search attributes' values, in a comparable form: [stage, outstanding, overdue since, attention]."""
    return [
        status.stage,
        float(status.outstanding.amount),
        status.overdue.zero_at.isoformat(),
        status.attention is not None,
    ]


def snapshot_of(s: MatterState, status: MatterStatus, now: datetime) -> MatterSnapshot:
    return MatterSnapshot(
        matter_id=status.matter_id,
        stage=s.stage,
        closure_reason=s.closure_reason,
        policy=status.policy,
        policy_version=status.policy_version,
        outstanding=status.outstanding,
        balance=status.balance,
        paid_total=status.paid_total,
        days_past_due=status.days_past_due(now),
        policy_today=status.policy_today(now),
        next_step=status.next_step,
        negotiation_ends_on=status.negotiation_ends_on,
        referred_firm=status.referred_firm,
        risk=s.risk,
        promises=tuple(s.promises.items),
        documents=tuple(s.documents),
        payments=len(s.ledger.payments),
        status=status,
    )
