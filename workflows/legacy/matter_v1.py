"""MatterWorkflow v1, frozen: the matters opened before workflow v2 replay and finish on this code.

Do not change what this code does: the histories of matters started before v2 must replay on it
(tests/histories/v1_*.json). The only change since v1 is the migration at the top of the main
loop, guarded by `workflow.patched`: at its first workflow task on new code (never during
replay) a v1 matter writes its pending projection records and continues as new into
`MatterWorkflowV2` with its state converted (`to_v2_state`). The patch id carries the loop
iteration, so a history replayed from the start takes the old path in every iteration it
recorded and the new path only where its own marker says so.

The original description of v1 follows.

MatterWorkflow: one overdue matter, from intake to closure, as one durable workflow.

This slice runs: intake -> risk assessment -> collection notice (stage `notice`) -> the
reminder ladder on durable timers (`reminders`) -> the negotiation window (`negotiation`) ->
either paid in full (closure letter, `closed`/`paid`) or the window ends unpaid
(`legal_review`), where a manager decides `escalate` (-> `referral`, where later
capabilities take over) or `extend_negotiation`.

Commands arrive as updates (payments, promises, decisions). Handlers only validate and change
state; the main loop does every side effect (letters, projection writes) so that handlers
stay short and continue-as-new never cuts one in half.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel, ConfigDict, Field

    from activities.inputs import PROJECT, RENDER_LETTER, LetterRequest
    from domain.allocation import Allocation, Balance, allocate
    from domain.dates import PolicyClock
    from domain.evidence import DocumentRef
    from domain.matter import MatterIntake
    from domain.money import Money, total
    from domain.policy import EscalationPolicy
    from domain.risk import RiskAssessment, RiskInputs, assess
    from store.records import (
        LegacyMatterStatus as MatterStatus,
    )
    from store.records import (
        MatterOpened,
        PaymentRecord,
        ProjectionUpdate,
        PromiseRecord,
        TimelineEvent,
    )
    from workflows.contracts import (
        ERR_CLOSED,
        ERR_INVALID,
        ERR_STAGE,
        LEGACY_WORKFLOW_NAME,
        QUERY_SNAPSHOT,
        UPDATE_DECISION,
        UPDATE_PAYMENT,
        UPDATE_PROMISE,
        WORKFLOW_NAME,
        DecisionCommand,
        DecisionResult,
        MatterSnapshot,
        NextStep,
        PaymentCommand,
        PaymentResult,
        PromiseCommand,
        PromiseResult,
        PromiseState,
        workflow_id,
    )
    from workflows.contracts import MatterInput as MatterInputV2
    from workflows.legacy.migrate import to_v2_state


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class MatterState(_Model):
    """Everything the v1 workflow carries across continue-as-new (v1's shape, unchanged)."""

    stage: str
    closure_reason: str | None = None
    balance: Balance
    original_total: Money
    paid_total: Money
    started_at: datetime
    start_date: date
    intake_days_past_due: int
    payments: dict[str, Allocation] = Field(default_factory=dict)
    promises: tuple[PromiseState, ...] = ()
    documents: tuple[DocumentRef, ...] = ()
    risk: RiskAssessment | None = None
    ladder_index: int = 0  # next ladder step to run
    ladder_shift_seconds: float = 0  # pauses (promises) push the remaining ladder later
    negotiation_ends_on: date | None = None
    decisions: tuple[str, ...] = ()  # decision ids applied (idempotency)
    referred_firm: str | None = None  # the law firm a referral goes to
    seq: int = 0  # projection sequence
    notice_sent: bool = False


class MatterInput(_Model):
    """v1's workflow input (v1's shape, unchanged)."""

    matter_id: str
    intake: MatterIntake
    policy: EscalationPolicy
    opened_by: str = "system"
    state: MatterState | None = None  # set when continuing as new
    continue_as_new_after_events: int | None = None


STAGE = SearchAttributeKey.for_keyword("MatterStage")
DPD = SearchAttributeKey.for_int("DaysPastDue")
OUTSTANDING = SearchAttributeKey.for_float("OutstandingAmount")

NOTICE_PAY_WITHIN_DAYS = 7
REMINDER_PAY_WITHIN_DAYS = 7

LETTER_TIMEOUT = timedelta(minutes=2)
LETTER_RETRY = RetryPolicy(
    maximum_interval=timedelta(minutes=1),
    non_retryable_error_types=["EvidenceConflict", "TemplateError"],
)
PROJECT_TIMEOUT = timedelta(seconds=30)
PROJECT_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))


def _sentence(text: str) -> str:
    """First letter upper case, the rest as written (keeps 'SMS')."""
    return text[:1].upper() + text[1:]


@workflow.defn(name=LEGACY_WORKFLOW_NAME)
class MatterWorkflowV1:
    # False only in tests that need v1 exactly as it was (to record a v1 history).
    migrate_to_v2 = True

    @workflow.init
    def __init__(self, inp: MatterInput) -> None:
        self._inp = inp
        self._policy = inp.policy
        self._intake = inp.intake
        self._mid = inp.matter_id
        if inp.state is not None:
            self._s = inp.state
        else:
            now = workflow.now()
            balance = Balance.from_overdue(inp.intake.overdue)
            clock = PolicyClock.start(now, inp.intake.borrower.timezone, inp.policy.day_seconds)
            self._s = MatterState(
                stage="intake",
                balance=balance,
                original_total=balance.total,
                paid_total=Money.zero(balance.currency),
                started_at=now,
                start_date=clock.start_date,
                intake_days_past_due=max(0, (clock.start_date - inp.intake.overdue.since).days),
            )
        self._clock = PolicyClock(
            started_at=self._s.started_at,
            start_date=self._s.start_date,
            timezone=self._intake.borrower.timezone,
            day_seconds=self._policy.day_seconds,
        )
        self._dirty = False
        self._events: list[TimelineEvent] = []
        self._payments: list[PaymentRecord] = []
        self._promises: list[PromiseRecord] = []
        self._new_documents: list[DocumentRef] = []
        self._opened: MatterOpened | None = None
        self._iteration = 0
        self._promise_paused_at: datetime | None = None
        if self._pending_promise() is not None:
            self._promise_paused_at = self._pending_promise().created_at  # type: ignore[union-attr]

    # ------------------------------------------------------------------ run
    @workflow.run
    async def run(self, inp: MatterInput) -> MatterSnapshot:
        if inp.state is None:
            await self._open()
        while True:
            if self._s.stage == "closed":
                await self._close()
                return self.snapshot()
            self._iteration += 1
            if self.migrate_to_v2 and workflow.patched(f"migrate-to-v2-{self._iteration}"):
                await self._flush()
                await workflow.wait_condition(workflow.all_handlers_finished)
                state = to_v2_state(self._s, self._inp.intake, self._inp.policy, self._mid, workflow.now())
                workflow.continue_as_new(
                    MatterInputV2(
                        matter_id=self._mid, intake=self._inp.intake, policy=self._inp.policy,
                        opened_by=self._inp.opened_by, state=state,
                    ),
                    workflow=WORKFLOW_NAME,  # type: ignore[arg-type]  # another workflow type, by name
                )
            if self._should_continue_as_new():
                await self._flush()
                await workflow.wait_condition(workflow.all_handlers_finished)
                if self._s.stage != "closed":
                    workflow.continue_as_new(self._inp.model_copy(update={"state": self._s}))
                continue
            now = workflow.now()
            due = self._next_wake(now)
            timeout = None if due is None else (due - now).total_seconds()
            if timeout is None or timeout > 0:
                try:
                    await workflow.wait_condition(
                        lambda: self._dirty or self._s.stage == "closed",
                        timeout=timeout,
                    )
                except TimeoutError:
                    pass
            # Reset after waking: a command that arrives while we work below wakes the next wait.
            self._dirty = False
            await self._advance(workflow.now())
            await self._flush()

    # --------------------------------------------------------------- phases
    async def _open(self) -> None:
        now = workflow.now()
        self._opened = MatterOpened(
            matter_id=self._mid,
            workflow_id=workflow_id(self._mid),
            intake=self._intake,
            policy_name=self._policy.name,
            policy_version=self._policy.version,
            opened_at=now,
            opened_by=self._inp.opened_by,
        )
        self._event(
            "opened",
            "opened",
            f"Matter opened on policy {self._policy.name} v{self._policy.version}",
            actor=self._inp.opened_by,
        )
        self._reassess("intake")
        await self._flush()

        # Collection notice.
        if not self._s.notice_sent and self._s.stage != "closed":
            self._set(stage="notice")
            today = self._clock.today(now)
            ref = await self._letter(
                "notice", "collection_notice", pay_by=today + timedelta(days=NOTICE_PAY_WITHIN_DAYS)
            )
            self._set(notice_sent=True)
            self._event(f"letter-{ref.document_id}", "letter", "Collection notice sent", data=self._doc_data(ref))
            if self._s.stage != "closed":
                self._set(stage="reminders" if self._policy.ladder else "negotiation")
                if not self._policy.ladder:
                    self._start_negotiation(now)
            await self._flush()

    async def _advance(self, now: datetime) -> None:
        """Do whatever has fallen due at `now`: promise deadlines, ladder steps, window end."""
        promise = self._pending_promise()
        if promise is not None and now >= promise.deadline:
            self._resolve_promise(promise, "broken", now)
        if self._s.stage == "reminders" and self._pending_promise() is None:
            while self._s.ladder_index < len(self._policy.ladder) and self._pending_promise() is None:
                step_at = self._ladder_due(self._s.ladder_index)
                if step_at > now:
                    break
                await self._run_step(self._s.ladder_index, now)
                self._set(ladder_index=self._s.ladder_index + 1)
                if self._s.stage == "closed":
                    return
            if self._s.ladder_index >= len(self._policy.ladder) and self._s.stage == "reminders":
                self._start_negotiation(now)
        if (
            self._s.stage == "negotiation"
            and self._pending_promise() is None
            and self._s.negotiation_ends_on is not None
            and now >= self._clock.day_ends(self._s.negotiation_ends_on)
        ):
            self._set(stage="legal_review")
            thresholds = self._policy.legal_review
            meets = (
                self._s.balance.total.amount >= thresholds.min_outstanding
                and self._dpd(now) >= thresholds.min_days_past_due
            )
            self._event(
                f"legal-review-{len(self._s.decisions)}",
                "legal_review",
                "Negotiation window ended unpaid; awaiting a manager's decision"
                + (" (legal action thresholds met)" if meets else " (below legal action thresholds)"),
                data={"thresholds_met": meets},
            )

    async def _run_step(self, index: int, now: datetime) -> None:
        step = self._policy.ladder[index]
        if step.channel == "letter":
            today = self._clock.today(now)
            sequence = sum(1 for s in self._policy.ladder[: index + 1] if s.channel == "letter")
            ref = await self._letter(
                f"step{index + 1}",
                step.template or "reminder_letter",
                pay_by=today + timedelta(days=REMINDER_PAY_WITHIN_DAYS),
                sequence=sequence,
            )
            self._event(f"step-{index + 1}", "letter", f"{_sentence(step.name)} sent", data=self._doc_data(ref))
        else:
            # Contact attempts are recorded as tasks for the collections team (no gateway yet).
            self._event(
                f"step-{index + 1}",
                step.channel,
                f"{_sentence(step.name)}: task created for the collections team",
                data={"channel": step.channel, "step": index + 1},
            )

    def _start_negotiation(self, now: datetime) -> None:
        ends = self._clock.today(now) + timedelta(days=self._policy.negotiation_days)
        self._set(stage="negotiation", negotiation_ends_on=ends)
        self._event(
            f"negotiation-{ends.isoformat()}",
            "negotiation",
            f"Negotiation window open until {ends.isoformat()}",
            data={"ends_on": ends.isoformat()},
        )

    async def _close(self) -> None:
        if not any(d.kind == "closure_letter" for d in self._s.documents):
            ref = await self._letter("closure", "closure_letter", closed_on=self._clock.today(workflow.now()))
            self._event(f"letter-{ref.document_id}", "letter", "Closure letter sent", data=self._doc_data(ref))
        self._event("closed", "closed", f"Matter closed ({self._s.closure_reason})")
        await self._flush()

    # --------------------------------------------------------------- letters
    async def _letter(
        self,
        step: str,
        kind: str,
        *,
        pay_by: date | None = None,
        sequence: int = 1,
        closed_on: date | None = None,
    ) -> DocumentRef:
        document_id = f"{self._mid}-{step}-{kind}"
        existing = next((d for d in self._s.documents if d.document_id == document_id), None)
        if existing is not None:
            return existing
        now = workflow.now()
        request = LetterRequest(
            matter_id=self._mid,
            document_id=document_id,
            kind=kind,
            reference=f"RC-{self._mid[:8].upper()}-{step.upper()}",
            letter_date=self._clock.today(now),
            intake=self._intake,
            balance=self._s.balance,
            total=self._s.balance.total,
            paid_total=self._s.paid_total,
            original_total=self._s.original_total,
            days_past_due=self._dpd(now),
            pay_by=pay_by,
            sequence=sequence,
            closed_on=closed_on,
        )
        ref: DocumentRef = await workflow.execute_activity(
            RENDER_LETTER,
            request,
            result_type=DocumentRef,
            start_to_close_timeout=LETTER_TIMEOUT,
            retry_policy=LETTER_RETRY,
        )
        self._set(documents=(*self._s.documents, ref))
        self._new_documents.append(ref)
        return ref

    @staticmethod
    def _doc_data(ref: DocumentRef) -> dict[str, object]:
        return {"document_id": ref.document_id, "kind": ref.kind, "sha256": ref.sha256}

    # ------------------------------------------------------------- commands
    @workflow.update(name=UPDATE_PAYMENT)
    def record_payment(self, cmd: PaymentCommand) -> PaymentResult:
        previous = self._s.payments.get(cmd.payment_id)
        if previous is not None:
            return self._payment_result(cmd.payment_id, previous, duplicate=True)
        allocation, balance = allocate(self._s.balance, cmd.amount)
        now = workflow.now()
        self._set(
            balance=balance,
            paid_total=self._s.paid_total + allocation.applied,
            payments={**self._s.payments, cmd.payment_id: allocation},
        )
        self._payments.append(
            PaymentRecord(
                matter_id=self._mid,
                payment_id=cmd.payment_id,
                amount=cmd.amount,
                received_on=cmd.received_on,
                allocation=allocation,
                actor=cmd.actor,
                recorded_at=now,
            )
        )
        self._event(
            f"payment-{cmd.payment_id}",
            "payment",
            f"Payment of {cmd.amount} received on {cmd.received_on.isoformat()}; outstanding {balance.total}",
            actor=cmd.actor,
            data={"payment_id": cmd.payment_id, "amount": cmd.amount.model_dump(mode="json")},
        )
        promise = self._pending_promise()
        if promise is not None and self._s.paid_total - promise.paid_at_start >= promise.amount:
            self._resolve_promise(promise, "kept", now)
        if balance.is_settled():
            self._set(stage="closed", closure_reason="paid")
        self._reassess("payment", quiet=True)
        self._dirty = True
        return self._payment_result(cmd.payment_id, allocation, duplicate=False)

    @record_payment.validator
    def _validate_payment(self, cmd: PaymentCommand) -> None:
        if cmd.payment_id in self._s.payments:
            return  # a replayed command: answered with the original result
        self._refuse_if_closed()
        if cmd.amount.currency != self._s.balance.currency:
            raise ApplicationError(
                f"amount.currency: the matter is in {self._s.balance.currency}, not {cmd.amount.currency}",
                type=ERR_INVALID,
            )
        if not cmd.amount.is_positive():
            raise ApplicationError("amount: must be greater than zero", type=ERR_INVALID)

    def _payment_result(self, payment_id: str, allocation, duplicate: bool) -> PaymentResult:  # type: ignore[no-untyped-def]
        return PaymentResult(
            payment_id=payment_id,
            duplicate=duplicate,
            allocation=allocation,
            outstanding=self._s.balance.total,
            stage=self._s.stage,
            closed=self._s.stage == "closed",
        )

    @workflow.update(name=UPDATE_PROMISE)
    def record_promise(self, cmd: PromiseCommand) -> PromiseResult:
        existing = next((p for p in self._s.promises if p.promise_id == cmd.promise_id), None)
        if existing is not None:
            return PromiseResult(
                promise_id=existing.promise_id, duplicate=True, deadline=existing.deadline, status=existing.status
            )
        now = workflow.now()
        current = self._pending_promise()
        if current is not None:
            self._resolve_promise(current, "superseded", now)
        deadline = self._clock.day_ends(cmd.due_on + timedelta(days=self._policy.promise_grace_days))
        promise = PromiseState(
            promise_id=cmd.promise_id,
            amount=cmd.amount,
            due_on=cmd.due_on,
            deadline=deadline,
            paid_at_start=self._s.paid_total,
            note=cmd.note,
            actor=cmd.actor,
            created_at=now,
        )
        self._set(promises=(*self._s.promises, promise))
        self._promise_paused_at = now
        self._promises.append(self._promise_record(promise))
        self._event(
            f"promise-{cmd.promise_id}",
            "promise",
            f"Promise to pay {cmd.amount} by {cmd.due_on.isoformat()} recorded; reminders paused",
            actor=cmd.actor,
            data={"promise_id": cmd.promise_id, "due_on": cmd.due_on.isoformat()},
        )
        self._dirty = True
        return PromiseResult(promise_id=cmd.promise_id, duplicate=False, deadline=deadline, status="pending")

    @record_promise.validator
    def _validate_promise(self, cmd: PromiseCommand) -> None:
        if any(p.promise_id == cmd.promise_id for p in self._s.promises):
            return
        self._refuse_if_closed()
        if cmd.amount.currency != self._s.balance.currency:
            raise ApplicationError(
                f"amount.currency: the matter is in {self._s.balance.currency}, not {cmd.amount.currency}",
                type=ERR_INVALID,
            )
        if not cmd.amount.is_positive():
            raise ApplicationError("amount: must be greater than zero", type=ERR_INVALID)
        today = self._clock.today(workflow.now())
        if cmd.due_on < today:
            raise ApplicationError(
                f"due_on: {cmd.due_on.isoformat()} is before the matter's current date {today.isoformat()}",
                type=ERR_INVALID,
            )

    @workflow.update(name=UPDATE_DECISION)
    def legal_review_decision(self, cmd: DecisionCommand) -> DecisionResult:
        if cmd.decision_id in self._s.decisions:
            return DecisionResult(
                decision_id=cmd.decision_id,
                duplicate=True,
                stage=self._s.stage,
                negotiation_ends_on=self._s.negotiation_ends_on,
                referred_firm=self._s.referred_firm,
            )
        self._set(decisions=(*self._s.decisions, cmd.decision_id))
        if cmd.decision == "escalate":
            self._set(stage="referral", referred_firm=cmd.firm)
            summary = "Manager decided to escalate: matter moves to referral" + (
                f" (firm {cmd.firm})" if cmd.firm else ""
            )
        else:
            assert cmd.new_end_on is not None  # checked by the validator
            self._set(stage="negotiation", negotiation_ends_on=cmd.new_end_on)
            summary = f"Manager extended negotiation until {cmd.new_end_on.isoformat()}"
        if cmd.reason:
            summary += " (reason given)"
        self._event(
            f"decision-{cmd.decision_id}",
            "decision",
            summary,
            actor=cmd.actor,
            data={
                "decision": cmd.decision,
                "new_end_on": cmd.new_end_on.isoformat() if cmd.new_end_on else None,
                "firm": cmd.firm,
            },
        )
        self._dirty = True
        return DecisionResult(
            decision_id=cmd.decision_id,
            duplicate=False,
            stage=self._s.stage,
            negotiation_ends_on=self._s.negotiation_ends_on,
            referred_firm=self._s.referred_firm,
        )

    @legal_review_decision.validator
    def _validate_decision(self, cmd: DecisionCommand) -> None:
        if cmd.decision_id in self._s.decisions:
            return
        self._refuse_if_closed()
        if self._s.stage != "legal_review":
            raise ApplicationError(
                f"decision: a legal review decision is not allowed in stage {self._s.stage!r}", type=ERR_STAGE
            )
        if cmd.decision == "extend_negotiation":
            today = self._clock.today(workflow.now())
            if cmd.new_end_on is None:
                raise ApplicationError("new_end_on: required to extend negotiation", type=ERR_INVALID)
            if cmd.new_end_on <= today:
                raise ApplicationError(
                    f"new_end_on: must be after the matter's current date {today.isoformat()}", type=ERR_INVALID
                )
        elif cmd.new_end_on is not None:
            raise ApplicationError("new_end_on: only allowed with extend_negotiation", type=ERR_INVALID)
        if cmd.firm is not None and cmd.decision != "escalate":
            raise ApplicationError("firm: only allowed with escalate", type=ERR_INVALID)

    def _refuse_if_closed(self) -> None:
        if self._s.stage == "closed":
            raise ApplicationError("the matter is closed", type=ERR_CLOSED)

    # --------------------------------------------------------------- queries
    @workflow.query(name=QUERY_SNAPSHOT)
    def snapshot(self) -> MatterSnapshot:
        now = workflow.now()
        return MatterSnapshot(
            matter_id=self._mid,
            stage=self._s.stage,
            closure_reason=self._s.closure_reason,
            policy=self._policy.name,
            policy_version=self._policy.version,
            outstanding=self._s.balance.total,
            balance=self._s.balance,
            paid_total=self._s.paid_total,
            days_past_due=self._dpd(now),
            policy_today=self._clock.today(now),
            next_step=self._next_step(now),
            negotiation_ends_on=self._s.negotiation_ends_on,
            referred_firm=self._s.referred_firm,
            risk=self._s.risk,
            promises=self._s.promises,
            documents=self._s.documents,
            payments=len(self._s.payments),
        )

    # ---------------------------------------------------------------- timing
    def _ladder_due(self, index: int) -> datetime:
        step = self._policy.ladder[index]
        due = self._clock.after_days(self._s.started_at, step.day) + timedelta(seconds=self._s.ladder_shift_seconds)
        if step.channel != "letter":
            due = self._clock.contact_allowed_at(
                due, self._policy.contact.start_hour, self._policy.contact.end_hour
            )
        return due

    def _next_step(self, now: datetime) -> NextStep | None:
        s = self._s
        if s.stage == "closed":
            return None
        promise = self._pending_promise()
        if promise is not None:
            return NextStep(name="promise to pay falls due (grace included)", at=promise.deadline)
        if s.stage in ("notice", "reminders") and s.ladder_index < len(self._policy.ladder):
            return NextStep(name=self._policy.ladder[s.ladder_index].name, at=self._ladder_due(s.ladder_index))
        if s.stage == "negotiation" and s.negotiation_ends_on is not None:
            return NextStep(name="negotiation window ends", at=self._clock.day_ends(s.negotiation_ends_on))
        return None

    def _next_wake(self, now: datetime) -> datetime | None:
        candidates: list[datetime] = []
        step = self._next_step(now)
        if step is not None:
            candidates.append(step.at)
        if self._s.stage != "closed":
            # Keep DaysPastDue current: wake at the next refresh boundary.
            day = self._clock.today(now)
            refresh = self._clock.day_starts(day + timedelta(days=self._policy.dpd_refresh_days))
            candidates.append(refresh)
        return min(candidates) if candidates else None

    def _dpd(self, now: datetime) -> int:
        return self._s.intake_days_past_due + (self._clock.today(now) - self._s.start_date).days

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        limit = self._inp.continue_as_new_after_events
        if limit is not None and info.get_current_history_length() >= limit:
            return True
        return info.is_continue_as_new_suggested()

    # --------------------------------------------------------------- helpers
    def _pending_promise(self) -> PromiseState | None:
        return next((p for p in self._s.promises if p.status == "pending"), None)

    def _resolve_promise(self, promise: PromiseState, status: str, now: datetime) -> None:
        resolved = promise.model_copy(update={"status": status, "resolved_at": now})
        self._set(
            promises=tuple(resolved if p.promise_id == promise.promise_id else p for p in self._s.promises)
        )
        paused_at = self._promise_paused_at or promise.created_at
        self._set(ladder_shift_seconds=self._s.ladder_shift_seconds + max(0.0, (now - paused_at).total_seconds()))
        self._promise_paused_at = None
        self._promises.append(self._promise_record(resolved))
        words = {"kept": "kept", "broken": "broken; reminders resume", "superseded": "superseded by a new promise"}
        self._event(
            f"promise-{promise.promise_id}-{status}",
            f"promise_{status}",
            f"Promise to pay {promise.amount} by {promise.due_on.isoformat()} {words[status]}",
            data={"promise_id": promise.promise_id},
        )
        if status == "broken":
            self._reassess("broken_promise")

    def _promise_record(self, p: PromiseState) -> PromiseRecord:
        return PromiseRecord(
            matter_id=self._mid,
            promise_id=p.promise_id,
            amount=p.amount,
            due_on=p.due_on,
            deadline=p.deadline,
            status=p.status,
            note=p.note,
            actor=p.actor,
            created_at=p.created_at,
            resolved_at=p.resolved_at,
        )

    def _reassess(self, why: str, quiet: bool = False) -> None:
        now = workflow.now()
        collateral = total(
            [a.estimated_value for a in self._intake.assets if a.estimated_value is not None],
            self._s.balance.currency,
        )
        risk: RiskAssessment = assess(
            RiskInputs(
                days_past_due=self._dpd(now),
                outstanding=self._s.balance.total.amount,
                principal=self._intake.contract.principal.amount,
                collateral_value=collateral.amount,
                guarantors=len(self._intake.guarantors),
                broken_promises=sum(1 for p in self._s.promises if p.status == "broken"),
                payments_made=len(self._s.payments),
            )
        )
        changed = self._s.risk is None or risk.grade != self._s.risk.grade
        self._set(risk=risk)
        if changed or not quiet:
            self._event(
                f"risk-{why}-{self._s.seq}",
                "risk_assessed",
                f"Risk grade {risk.grade} (score {risk.score}): {risk.strategy}",
                data={"grade": risk.grade, "score": risk.score,
                      "factors": [f.model_dump() for f in risk.factors]},
            )

    def _set(self, **changes: object) -> None:
        self._s = self._s.model_copy(update=changes)

    def _event(self, key: str, kind: str, summary: str, *, actor: str = "system", data: dict | None = None) -> None:
        self._events.append(
            TimelineEvent(
                matter_id=self._mid,
                event_key=key,
                occurred_at=workflow.now(),
                kind=kind,
                summary=summary,
                actor=actor,
                data=data or {},
            )
        )

    async def _flush(self) -> None:
        """Write pending projection records and refresh the search attributes."""
        now = workflow.now()
        self._set(seq=self._s.seq + 1)
        upcoming = self._next_step(now)
        status = MatterStatus(
            matter_id=self._mid,
            seq=self._s.seq,
            stage=self._s.stage,
            closure_reason=self._s.closure_reason,
            balance=self._s.balance,
            outstanding=self._s.balance.total,
            days_past_due=self._dpd(now),
            risk_grade=self._s.risk.grade if self._s.risk else None,
            risk_score=self._s.risk.score if self._s.risk else None,
            next_step=upcoming.name if upcoming else None,
            next_step_at=upcoming.at if upcoming else None,
            negotiation_ends_on=self._s.negotiation_ends_on,
            referred_firm=self._s.referred_firm,
            updated_at=now,
        )
        update = ProjectionUpdate(
            opened=self._opened,
            status=status,
            events=tuple(self._events),
            payments=tuple(self._payments),
            promises=tuple(self._promises),
            documents=tuple(self._new_documents),
        )
        self._opened, self._events, self._payments, self._promises = None, [], [], []
        self._new_documents = []
        workflow.upsert_search_attributes(
            [
                STAGE.value_set(self._s.stage),
                DPD.value_set(status.days_past_due),
                OUTSTANDING.value_set(float(self._s.balance.total.amount)),
            ]
        )
        await workflow.execute_activity(
            PROJECT, update, start_to_close_timeout=PROJECT_TIMEOUT, retry_policy=PROJECT_RETRY
        )
