"""MatterWorkflow v1, frozen: the matters opened before workflow v2 replay and finish on this code.

Do not change what this code does: the histories of matters started before v2 must replay on it
(tests/histories/v1_*.json). The only change since v1 is the migration at the top of the main
loop, guarded by `workflow.patched`: at its first workflow task on new code (never during
replay) a v1 matter writes its pending projection records and continues as new into
`MatterWorkflowV2` with its state converted (`to_v2_state`). The patch id carries the loop
iteration, so a history replayed from the start takes the old path in every iteration it
recorded and the new path only where its own marker says so.

Its state, input and constants are in `v1_state.py`, its command handlers (a mixin) in `v1_commands.py`:
moved as they were, by concern; the code is v1's, so v1 histories replay on it (tests/workflows/test_replay.py).

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

with workflow.unsafe.imports_passed_through():

    from activities.inputs import PROJECT, RENDER_LETTER, LetterRequest
    from domain.allocation import Balance
    from domain.dates import PolicyClock
    from domain.evidence import DocumentRef
    from domain.money import Money, total
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
        LEGACY_WORKFLOW_NAME,
        QUERY_SNAPSHOT,
        WORKFLOW_NAME,
        MatterSnapshot,
        NextStep,
        workflow_id,
    )
    from workflows.contracts import MatterInput as MatterInputV2
    from workflows.legacy.migrate import to_v2_state
    from workflows.legacy.v1_commands import V1CommandHandlers
    from workflows.legacy.v1_state import (  # (re-exported: v1 histories and tests import them from here)
        DPD,
        LETTER_RETRY,
        LETTER_TIMEOUT,
        NOTICE_PAY_WITHIN_DAYS,
        OUTSTANDING,
        PROJECT_RETRY,
        PROJECT_TIMEOUT,
        REMINDER_PAY_WITHIN_DAYS,
        STAGE,
        MatterInput,
        MatterState,
        _sentence,
    )


@workflow.defn(name=LEGACY_WORKFLOW_NAME)
class MatterWorkflowV1(V1CommandHandlers):
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
