"""MatterWorkflow (v2): the parent workflow of one overdue matter, from intake to closure.

It owns the money (the ledger), the commands, the projection, the search attributes and
continue-as-new. The process is the transition table of `transitions.py`; the state is one typed
object (`state.py`); the public status comes from one mapping (`status.py`). Proceedings with
their own clock and parties run as child workflows (the law-firm referral: `workflows/referral.py`),
report to this parent by signal, and are cancelled in reverse order when the matter closes.

How it runs. Update handlers and signal handlers only validate and change state (no awaits), so
they never interleave with half-done work. The main loop, and only it, does side effects:

    publish projection -> run queued effects (letters, child starts, cancellations) -> publish
    -> continue as new if the history is long -> sleep until a command or the next due instant
    -> advance the process for the time that passed (pure) -> ...

A side effect that fails in a way retrying cannot fix (a letter wrong on its face, a template
missing, another object under a letter's key), or that keeps failing, puts the matter in
`needs_attention` (reason, since when; the `NeedsAttention` search attribute): the queue waits,
the matter still takes payments and promises, a transient failure is retried after a growing
pause, and a manager's `retry_attention` command retries at once. A letter's dates, balance and
days past due all come from one instant (`_facts`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():

    from domain.accrual import Book
    from domain.contact import ability_and_willingness
    from domain.money import total
    from domain.risk import RiskInputs, assess
    from store.records import (
        MatterOpened,
        PromiseRecord,
        TimelineEvent,
    )
    from workflows.contracts import (
        QUERY_SNAPSHOT,
        WORKFLOW_NAME,
        MatterInput,
        MatterSnapshot,
        workflow_id,
    )
    from workflows.matter import status as st
    from workflows.matter import transitions as tr
    from workflows.matter.acceleration import AccelerationHandlers
    from workflows.matter.arrangements import ArrangementHandlers
    from workflows.matter.assets import PATCH_ASSET_REGISTER, AssetHandlers
    from workflows.matter.claims import ClaimHandlers
    from workflows.matter.commands import CommandHandlers
    from workflows.matter.contacts import ContactHandlers
    from workflows.matter.effects import EffectHandlers
    from workflows.matter.enforcement import EnforcementDraftHandlers
    from workflows.matter.filings import FilingHandlers
    from workflows.matter.guarantees import PATCH_GUARANTEE_PERIODS, GuaranteeHandlers
    from workflows.matter.holds import HoldHandlers
    from workflows.matter.limitation import PATCH_LIMITATION, LimitationHandlers
    from workflows.matter.messages import PATCH_MESSAGES, MessageHandlers
    from workflows.matter.proceedings import ProceedingHandlers
    from workflows.matter.projection import ProjectionHandlers
    from workflows.matter.referrals import ReferralHandlers
    from workflows.matter.reinvestigation import ReinvestigationHandlers
    from workflows.matter.reversals import ReversalHandlers
    from workflows.matter.state import (
        Effect,
        Ledger,
        MatterState,
        MessageOrder,
        PromiseState,
        digest,
    )
    from workflows.matter.unwinding import UnwindingHandlers



# Matters settled before `cured` existed closed as paid, with a closure letter: they replay so.
PATCH_ARREARS_CURED = "arrears-cured"
# Matters opened before accrual keep a fixed balance; those opened since accrue from their terms.
PATCH_ACCRUAL = "accrual"
_STEP_WORDS = {"sms": "sms", "email": "email", "phone_task": "phone_call"}



_digest = digest


def _sentence(text: str) -> str:
    """First letter upper case, the rest as written (keeps 'SMS')."""
    return text[:1].upper() + text[1:]


@workflow.defn(name=WORKFLOW_NAME)
class MatterWorkflow(EffectHandlers, CommandHandlers, ArrangementHandlers, HoldHandlers, ContactHandlers,
                     AccelerationHandlers, ReversalHandlers, MessageHandlers, ReferralHandlers, ProceedingHandlers,
                     FilingHandlers, LimitationHandlers, GuaranteeHandlers, ClaimHandlers, AssetHandlers,
                     UnwindingHandlers, ReinvestigationHandlers, EnforcementDraftHandlers, ProjectionHandlers):
    @workflow.init
    def __init__(self, inp: MatterInput) -> None:
        self._inp = inp
        self._policy = inp.policy
        self._intake = inp.intake
        self._mid = inp.matter_id
        if inp.state is not None:
            self._s = inp.state
        else:
            from domain.dates import PolicyClock

            now = workflow.now()
            clock = PolicyClock.start(now, inp.intake.borrower.timezone, inp.policy.day_seconds)
            self._s = MatterState(
                clock=clock,
                intake_days_past_due=max(0, (clock.start_date - inp.intake.overdue.since).days),
                ledger=Ledger.opening(inp.intake.overdue),
            )
        self._dirty = False
        self._in_flight: str | None = None  # the effect `_work` is awaiting, if any
        self._waiting = False  # the first queued effect is a message waiting to be lawful

    # ------------------------------------------------------------------ run
    @workflow.run
    async def run(self, inp: MatterInput) -> MatterSnapshot:
        if inp.state is None:
            self._open(workflow.now())
        while True:
            if self._s.outbox.opened is not None or not self._s.effects or self._waiting:
                # (Before a side effect, only a new matter's first write: it lists the matter at once.)
                await self._publish()
            await self._work()
            self._advance(workflow.now())
            if self._s.effects and self._s.attention is None and not self._waiting:
                continue  # advancing queued more work: do it now
            if self._s.stage == "closed" and not self._s.effects:
                closed_key = "closed" if not self._s.reopened else f"closed-{self._s.reopened + 1}"
                if closed_key not in self._s.done:
                    self._s.done.append(closed_key)
                    self._event(closed_key, "closed", f"Matter closed ({self._s.closure_reason})")
                await self._publish(settled=True)
                if self._s.outbox.is_empty() and self._s.published.failing_since is None:
                    await workflow.wait_condition(workflow.all_handlers_finished)
                    if not self._s.outbox.is_empty():
                        continue  # a last command added records: write them first
                    if not self._reversal_window_open(workflow.now()) and not self._lifts_pending(workflow.now()):
                        return self.snapshot()
            else:
                await self._publish(settled=True)
            if self._should_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                # Everything not yet written is in the state (the outbox): nothing is lost.
                workflow.continue_as_new(self._inp.model_copy(update={"state": self._s}))
            await self._sleep()

    async def _sleep(self) -> None:
        now = workflow.now()
        due = self._next_wake()
        if due is not None and due <= now:
            return
        step = st.next_step(self._s, self._policy)
        summary = "retry"
        if step is not None and step.at == due:
            summary = step.name
        elif due is not None and due == self._limitation_wake(now):
            summary = "limitation period warning"
        elif due is not None and due == self._guarantee_wake(now):
            summary = "guarantee period warning"
        elif due is not None and due == self._measure_wake(now):
            summary = "measure expiry warning"
        elif due is not None and due == self._chase_wake(now):
            summary = "lift not yet released"
        elif due is not None and due == self._reinvestigation_wake(now):
            summary = "investigate the debtor's property again"
        try:
            await workflow.wait_condition(
                lambda: self._dirty,
                timeout=None if due is None else (due - now),
                timeout_summary=summary,
            )
        except TimeoutError:
            pass
        # Reset after waking: a command that arrives while we work below wakes the next wait.
        self._dirty = False

    def _next_wake(self) -> datetime | None:
        """The next instant at which `_advance` has something to do (it mirrors `_advance`)."""
        candidates: list[datetime] = []
        now = workflow.now()
        if self._s.stage == "closed" and self._s.closed_at is not None and self._s.closure_reason != "written_off":
            # (An unwinding keeps the workflow open past the window, for the courts' releases: then not a wake.)
            if self._s.unwinding is None or self._reversal_window_ends() > now:
                candidates.append(self._reversal_window_ends())
        if self._s.attention is not None and self._s.attention.retry_at is not None:
            candidates.append(self._s.attention.retry_at)
        if self._s.published.retry_at is not None:
            candidates.append(self._s.published.retry_at)
        for warning in (self._limitation_wake(now), self._guarantee_wake(now), self._measure_wake(now),
                        self._chase_wake(now), self._reinvestigation_wake(now)):
            if warning is not None:
                candidates.append(warning)
        if self._held(now):  # every clock of the process is stopped: only the hold's own end wakes it
            end = self._hold_wake(now)
            if end is not None:
                candidates.append(end)
            return min(candidates) if candidates else None
        instalment = self._instalment_deadline()
        if instalment is not None:
            candidates.append(instalment)
        lawyers = self._lawyers_letter_wake()
        if lawyers is not None and self._s.stage != "closed":
            candidates.append(lawyers)
        lawful = self._message_waits_until(now)
        if lawful is not None:
            candidates.append(lawful)
        promise = self._s.promises.pending()
        if promise is not None:
            candidates.append(promise.deadline)
        elif not self._blocked():
            if self._s.stage == "reminders" and self._s.ladder.index < len(self._policy.ladder):
                candidates.append(st.ladder_due(self._s, self._policy, self._s.ladder.index))
            ends_on = self._s.review.negotiation_ends_on
            if self._s.stage == "negotiation" and ends_on is not None:
                candidates.append(self._s.clock.day_ends(ends_on))
        # A referral's answer is due on the child's clock: the child tells this workflow.
        return min(candidates) if candidates else None

    def _blocked(self) -> bool:
        """The process waits for its side effects: nothing moves on while one is queued or failing."""
        return bool(self._s.effects)

    # ------------------------------------------------------------- process
    def _open(self, now: datetime) -> None:
        self._s.outbox.opened = MatterOpened(
            matter_id=self._mid,
            workflow_id=workflow_id(self._mid),
            intake=self._intake,
            policy_name=self._policy.name,
            policy_version=self._policy.version,
            opened_at=now,
            opened_by=self._inp.opened_by,
            day_seconds=self._policy.day_seconds,
        )
        if workflow.patched(PATCH_LIMITATION):
            self._s.limitation_tracked = True
        if workflow.patched(PATCH_GUARANTEE_PERIODS):
            self._s.guarantees_tracked = True
        if workflow.patched(PATCH_ASSET_REGISTER):
            self._s.assets.tracked = True
        self._ensure_book()
        self._event(
            "opened", "opened", f"Matter opened on policy {self._policy.name} v{self._policy.version}",
            actor=self._inp.opened_by,
        )
        self._reassess("intake", now)
        self._fire("opened")
        self._queue_letter("collection_notice", "notice", "Collection notice", now, due_at=now,
                           params={"pay_within_days": self._policy.pay_within_days})

    def _advance(self, now: datetime) -> None:
        """Do, in state only, whatever has fallen due at `now`; side effects are queued for `_work`."""
        if self._s.stage != "closed":
            self._s.ledger.refresh(self._s.clock.today(now))
        a = self._s.attention
        if a is not None and a.retry_at is not None and now >= a.retry_at:
            self._s.attention = None  # try the failing effect again (attempts are counted on)
        if self._s.published.retry_at is not None and now >= self._s.published.retry_at:
            self._s.published.retry_at = None
        self._warn_limitation(now)  # (the law's clock: holds do not stop it)
        self._warn_guarantees(now)  # (nor the guarantee periods)
        self._warn_measures(now)  # (nor a court's measure)
        self._chase_lifts(now)  # (closed: a lift applied for and not yet released)
        self._remind_reinvestigation(now)  # (a round of enforcement terminated: look for property again)
        if self._update_holds(now):
            return  # held: nothing moves until the last hold ends
        self._check_instalments(now)
        if self._s.stage != "closed":
            self._end_lawyers_letters(now)
        promise = self._s.promises.pending()
        if promise is not None and now >= promise.deadline:
            self._resolve_promise(promise, "broken", now)
        if self._blocked() or self._s.promises.pending() is not None:
            return
        if self._s.stage == "reminders":
            ladder = self._policy.ladder
            while self._s.ladder.index < len(ladder) and not self._blocked():
                due = st.ladder_due(self._s, self._policy, self._s.ladder.index)
                if due > now:
                    break
                self._run_step(self._s.ladder.index, due, now)
                self._s.ladder.index += 1
            if self._s.ladder.index >= len(ladder) and not self._blocked():
                self._fire("ladder_done")
                self._start_window(now)
        ends_on = self._s.review.negotiation_ends_on
        if self._s.stage == "negotiation" and ends_on is not None and now >= self._s.clock.day_ends(ends_on):
            if self._fire("window_ended") is not None:
                self._enter_legal_review(now)

    def _run_step(self, index: int, due: datetime, now: datetime) -> None:
        step = self._policy.ladder[index]
        if self._ceased():
            self._event(f"step-{index + 1}", "contact_skipped",
                        f"{_sentence(step.name)} not made: the borrower asked to be contacted no more",
                        data={"channel": step.channel, "step": index + 1})
            return
        if step.channel == "letter":
            sequence = sum(1 for s in self._policy.ladder[: index + 1] if s.channel == "letter")
            self._queue_letter(
                step.template or "reminder_letter", f"step{index + 1}", _sentence(step.name), now, due_at=due,
                params={"sequence": sequence, "pay_within_days": self._policy.pay_within_days},
            )
            return
        if step.channel in ("email", "sms") and self._reachable_by(step.channel) and workflow.patched(PATCH_MESSAGES):
            self._queue(Effect(key=f"message:step{index + 1}", queued_at=now, message=MessageOrder(
                channel=step.channel, step=f"step{index + 1}", summary=_sentence(step.name), due_at=due)))
            return
        # Calls and visits (and messages with no address on record) are tasks for the collections team.
        self._event(
            f"step-{index + 1}", step.channel, f"{_sentence(step.name)}: task created for the collections team",
            data={"channel": step.channel, "step": index + 1, "lag_seconds": (now - due).total_seconds()},
        )

    def _steps_ahead(self, now: datetime) -> list[dict[str, Any]]:
        """What the process will do next and on which policy day, as the notice states it: the ladder's
        steps still ahead, then legal review when the negotiation window after them ends."""
        today, clock = self._s.clock.today(now), self._s.clock
        steps: list[dict[str, Any]] = []
        for index in range(self._s.ladder.index, len(self._policy.ladder)):
            step = self._policy.ladder[index]
            on = clock.today(st.ladder_due(self._s, self._policy, index))
            if step.channel == "letter":
                what: str | None = "final_demand" if step.template == "final_demand" else "reminder_letter"
            else:
                what = _STEP_WORDS.get(step.channel)
            if what == "final_demand" and on <= today + timedelta(days=self._policy.pay_within_days):
                continue  # (the policy's loader keeps letters after the pay-by day; never state one before)
            if what is not None and on >= today:
                steps.append({"on": on.isoformat(), "what": what})
        last = (clock.today(st.ladder_due(self._s, self._policy, len(self._policy.ladder) - 1))
                if self._policy.ladder else today)
        review = last + timedelta(days=self._policy.negotiation_days)
        pay_by = today + timedelta(days=self._policy.pay_within_days)
        if review > pay_by:
            steps.append({"on": review.isoformat(), "what": "legal_review"})
        return steps

    def _start_window(self, now: datetime) -> None:
        ends = self._s.clock.today(now) + timedelta(days=self._policy.negotiation_days)
        self._s.review.negotiation_ends_on = ends
        self._event(f"negotiation-{ends.isoformat()}", "negotiation",
                    f"Negotiation window open until {ends.isoformat()}", data={"ends_on": ends.isoformat()})

    def _enter_legal_review(self, now: datetime) -> None:
        thresholds = self._policy.legal_review
        meets = (
            self._s.ledger.balance.total.amount >= thresholds.min_outstanding
            and self._dpd(now) >= thresholds.min_days_past_due
        )
        self._event(
            f"legal-review-{len(self._s.review.decisions)}-{self._s.referral.count}",
            "legal_review",
            "Awaiting a manager's decision"
            + (" (legal action thresholds met)" if meets else " (below legal action thresholds)"),
            data={"thresholds_met": meets},
        )

    def _ensure_book(self) -> None:
        """Open the ledger's book (matters since accrual) from the intake's figures, before anything is
        booked in it: a payment can arrive in the workflow's very first task, before `_open` runs, and
        must be an entry of the book (else the opening would swallow it: paid 0, no line for it)."""
        ledger = self._s.ledger
        if ledger.book is None and self._s.stage == "intake" and workflow.patched(PATCH_ACCRUAL):
            ledger.book = Book(opening=ledger.balance, start=self._s.clock.start_date,
                               terms=self._policy.accrual.terms_for(self._intake.contract))
            ledger.refresh(self._s.clock.start_date)

    def _fire(self, trigger: tr.Trigger) -> tr.Rule | None:
        """Move along the transition table; None (nothing changes) when the stage does not take it."""
        facts = tr.Facts(ladder_steps_left=len(self._policy.ladder) - self._s.ladder.index,
                         closed_from=self._s.closed_from,
                         case_pending=any(p.status != "closed" for p in self._s.proceedings.items))
        rule = tr.find(self._s.stage, trigger, facts)
        if rule is None:
            return None
        if rule.to == "closed":
            self._s.closed_from, self._s.closed_at = self._s.stage, workflow.now()
        self._s.stage = rule.to
        if rule.closure is not None:
            self._s.closure_reason = rule.closure
        if rule.to == "closed":
            now = workflow.now()
            self._s.ledger.stop_accrual(self._s.clock.today(now))
            self._begin_closing(now)
        return rule

    def _settled_trigger(self, now: datetime) -> tr.Trigger:
        """Paying the whole balance pays off the loan only if the record says nothing else is owed.

        Otherwise the default is cured and the loan continues (its principal not yet due, and its
        security, remain): a payoff certificate is never issued on a guess. Matters that settled
        before this rule replay as they ran (the patch).
        """
        if self._accelerated():
            return "paid_in_full"  # the whole loan was due: the balance paid is all of it
        if workflow.patched(PATCH_ARREARS_CURED) and self._intake.loan_continues(self._s.clock.today(now)):
            return "arrears_cleared"
        return "paid_in_full"

    # ------------------------------------------------------------- children

    # --------------------------------------------------------------- queries
    @workflow.query(name=QUERY_SNAPSHOT)
    def snapshot(self) -> MatterSnapshot:
        now = workflow.now()
        return st.snapshot_of(self._s, self._status(now), now)

    def _status(self, now: datetime) -> Any:
        return st.status_of(self._s, self._mid, self._policy, self._intake, now)

    # --------------------------------------------------------------- helpers
    def _dpd(self, now: datetime) -> int:
        return st.overdue_clock(self._s, self._intake.overdue.since).days_past_due(now)

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        limit = self._inp.continue_as_new_after_events
        if limit is not None and info.get_current_history_length() >= limit:
            return True
        return info.is_continue_as_new_suggested()

    def _resolve_promise(self, promise: PromiseState, status: str, now: datetime) -> None:
        resolved = promise.model_copy(update={"status": status, "resolved_at": now})
        self._s.promises.replace(resolved)
        paused_at = self._s.promises.paused_at or promise.created_at
        self._s.ladder.shift_seconds += max(0.0, (now - paused_at).total_seconds())
        self._s.promises.paused_at = None
        self._s.outbox.promises.append(self._promise_record(resolved))
        words = {"kept": "kept", "broken": "broken; reminders resume", "superseded": "superseded by a new promise"}
        self._event(
            f"promise-{promise.promise_id}-{status}", f"promise_{status}",
            f"Promise to pay {promise.amount} by {promise.due_on.isoformat()} {words[status]}",
            data={"promise_id": promise.promise_id},
        )
        if status == "broken":
            self._reassess("broken_promise", now)

    def _promise_record(self, p: PromiseState) -> PromiseRecord:
        return PromiseRecord(
            matter_id=self._mid, promise_id=p.promise_id, amount=p.amount, due_on=p.due_on, deadline=p.deadline,
            status=p.status, note=p.note, actor=p.actor, created_at=p.created_at, resolved_at=p.resolved_at,
        )

    def _reassess(self, why: str, now: datetime, quiet: bool = False) -> None:
        currency = self._s.ledger.currency
        collateral = total(
            [a.estimated_value for a in self._intake.assets if a.estimated_value is not None], currency
        )
        risk = assess(
            RiskInputs(
                days_past_due=self._dpd(now),
                outstanding=self._s.ledger.balance.total.amount,
                principal=self._intake.contract.principal.amount,
                collateral_value=collateral.amount,
                guarantors=len(self._intake.guarantors),
                broken_promises=self._s.promises.broken,
                payments_made=len(self._s.ledger.payments),
                **ability_and_willingness(self._s.contacts)._asdict(),
            )
        )
        changed = self._s.risk is None or risk.grade != self._s.risk.grade
        self._s.risk = risk
        if changed or not quiet:
            self._event(
                f"risk-{why}-{self._s.events_made}", "risk_assessed",
                f"Risk grade {risk.grade} (score {risk.score}): {risk.strategy}",
                data={"grade": risk.grade, "score": risk.score, "factors": [f.model_dump() for f in risk.factors]},
            )

    def _event(self, key: str, kind: str, summary: str, *, actor: str = "system", data: dict | None = None) -> None:
        self._s.events_made += 1
        self._s.outbox.events.append(
            TimelineEvent(matter_id=self._mid, event_key=key, occurred_at=workflow.now(), kind=kind,
                          summary=summary, actor=actor, data=data or {})
        )


__all__ = ["MatterWorkflow", "date"]
