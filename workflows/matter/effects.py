"""The matter's side effects, in order (a mixin of `MatterWorkflow`): the queue (`_queue`), the loop that
runs it (`_work`: letters, reminders, contact counts, referral and proceeding children, cancellations, the
firm's instruction and reminders), each letter built from one instant's facts (`_facts`) and frozen
before it is stored, and a failing effect turned into `needs_attention` with its backoff."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from activities.inputs import STORE_LETTER, LetterJob, letters_queue
    from documents.registry import LetterFacts, LetterInvalid, build, describe_errors
    from domain.evidence import DocumentRef
    from domain.status import Attention
    from workflows.matter.failures import Failed as _Failed
    from workflows.matter.failures import failure_of
    from workflows.matter.mixin import MatterMixin
    from workflows.matter.state import Effect, LetterOrder

LETTER_TIMEOUT = timedelta(seconds=30)  # a render and a put take well under a second
# About 4 minutes of attempts; after that the matter needs attention and is retried later.
LETTER_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=10,
    non_retryable_error_types=["EvidenceConflict", "TemplateError", "LetterInvalid"],
)
# Notices sent before it said nothing of what follows; since, the notice lists the steps ahead, with dates.
PATCH_NOTICE_STEPS = "notice-next-steps"
MAX_BACKOFF_FACTOR = 24


class EffectHandlers(MatterMixin):
    def _queue(self, effect: Effect) -> None:
        if effect.key in self._s.done or any(e.key == effect.key for e in self._s.effects):
            return
        if effect.contact is not None:
            # Counting a contact already made waits for nothing: ahead of a message waiting to be lawful
            # (behind the contacts already queued so: they are counted in the order they were logged).
            at = 0
            while at < len(self._s.effects) and self._s.effects[at].contact is not None:
                at += 1
            self._s.effects.insert(at, effect)
            return
        self._s.effects.append(effect)

    def _queue_letter(self, kind: str, step: str, summary: str, now: datetime, *, params: dict[str, Any],
                      due_at: datetime | None = None) -> None:
        order = LetterOrder(kind=kind, step=step, summary=summary, params=params, due_at=due_at)
        self._queue(Effect(key=f"letter:{step}", letter=order, queued_at=now))

    async def _work(self) -> None:
        """Run queued side effects in order until the queue is empty or one fails.

        A reminder that may not go yet (the borrower's contact budget, a hold) waits in its place while
        the effects after it run: a letter the law requires never waits behind a reminder."""
        self._waiting = False
        parked: set[str] = set()
        while self._s.attention is None:
            effect = next((e for e in self._s.effects if e.key not in parked), None)
            if effect is None:
                break
            self._in_flight = effect.key
            try:
                if effect.letter is not None:
                    await self._send_letter(effect)
                elif effect.message is not None:
                    if not await self._send_message(effect, effect.message):
                        self._in_flight = None
                        self._waiting = True  # for the first lawful moment, or for a hold to end
                        parked.add(effect.key)
                        continue
                elif effect.contact is not None:
                    await self._count_contact(effect, effect.contact)
                elif effect.referral is not None:
                    await self._start_referral(effect, effect.referral)
                elif effect.cancel is not None:
                    await self._cancel_child(effect.cancel)
                elif effect.instruct is not None:
                    await self._instruct(effect, effect.instruct)
                elif effect.firm_email is not None and effect.firm_email.hearing is not None:
                    await self._email_hearing(effect.firm_email)
                elif effect.firm_email is not None:
                    await self._email_firm(effect.firm_email, "reminder")
                elif effect.proceeding is not None:
                    await self._start_proceeding_child(effect, effect.proceeding)
                elif effect.filing is not None:
                    await self._draft_filing(effect, effect.filing)
                elif effect.hand_over is not None:
                    await self._hand_over(effect.hand_over)
                elif effect.claim is not None:
                    await self._start_claim_child(effect, effect.claim)
                elif effect.claim_facts is not None:
                    await self._send_claim_facts(effect.claim_facts)
                elif effect.unwind is not None:
                    await self._run_unwind(effect.unwind)
                elif effect.paid_to is not None and effect.paid is not None:
                    await self._tell_paid(effect.paid_to, effect.paid)
            except _Failed as failure:
                self._in_flight = None
                if any(e.key == effect.key for e in self._s.effects):
                    self._needs_attention(effect, failure)
                return
            self._in_flight = None
            self._s.effects = [e for e in self._s.effects if e.key != effect.key]
            self._s.done.append(effect.key)

    def _facts(self, now: datetime, order: LetterOrder, revision: int) -> LetterFacts:
        """Everything a letter states, taken at one instant."""
        suffix = f"-R{revision}" if revision else ""
        if self._s.stage != "closed":
            self._s.ledger.refresh(self._s.clock.today(now))  # "calculated up to" the letter's date
        return LetterFacts(
            matter_id=self._mid,
            reference=f"RC-{self._mid[:8].upper()}-{order.step.upper()}{suffix}",
            letter_date=self._s.clock.today(now),
            intake=self._intake,
            balance=self._s.ledger.balance,
            paid_total=self._s.ledger.paid_total,
            original_total=self._s.ledger.original_total,
            days_past_due=self._dpd(now),
            first_demand_on=self._s.first_demand_on,
            accelerated_on=self._s.acceleration.delivered_on if self._s.acceleration is not None else None,
        )

    async def _send_letter(self, effect: Effect) -> None:
        order = effect.letter
        assert order is not None
        if effect.job is None:
            now = workflow.now()
            document_id = f"{self._mid}-{order.step}-{order.kind}" + (f"-r{effect.revision}" if effect.revision else "")
            params = order.params
            if order.kind == "collection_notice" and workflow.patched(PATCH_NOTICE_STEPS):
                params = {**params, "next_steps": self._steps_ahead(now)}
            try:
                context = build(order.kind, self._facts(now, order, effect.revision), params)
            except LetterInvalid as exc:
                raise _Failed("LetterInvalid", f"{order.summary} could not be made: {exc}", retryable=False) from None
            except ValidationError as exc:
                raise _Failed("LetterInvalid", f"{order.summary} could not be made: {describe_errors(exc)}",
                              retryable=False) from None
            except Exception as exc:  # a bug in a builder must not stall the matter silently
                raise _Failed(type(exc).__name__, f"{order.summary} could not be made ({type(exc).__name__})",
                              retryable=False) from None
            # Frozen from here on: every retry stores exactly these bytes.
            effect.job = LetterJob(matter_id=self._mid, document_id=document_id, kind=order.kind, context=context)
        job = effect.job
        try:
            ref: DocumentRef = await workflow.execute_activity(
                STORE_LETTER,
                job,
                result_type=DocumentRef,
                task_queue=letters_queue(workflow.info().task_queue),
                start_to_close_timeout=LETTER_TIMEOUT,
                retry_policy=LETTER_RETRY,
                summary=f"{order.summary}: render and store {job.document_id}",
            )
        except ActivityError as exc:
            raise self._failure(exc, order.summary) from None
        self._letter_stored(order, job, ref, workflow.now())

    @staticmethod
    def _failure(exc: ActivityError, what: str) -> _Failed:
        return failure_of(exc, what, LETTER_RETRY.non_retryable_error_types or ())

    def _letter_stored(self, order: LetterOrder, job: LetterJob, ref: DocumentRef, now: datetime) -> None:
        if not any(d.document_id == ref.document_id for d in self._s.documents):
            self._s.documents.append(ref)
            self._s.outbox.documents.append(ref)
        data: dict[str, Any] = {"document_id": ref.document_id, "kind": ref.kind, "sha256": ref.sha256}
        if order.due_at is not None:
            data["lag_seconds"] = (now - order.due_at).total_seconds()
        self._event(f"letter-{ref.document_id}", "letter", f"{order.summary} sent", data=data)
        if order.kind == "unwinding_application":
            self._unwinding_document_stored(order, ref)
        if order.kind == "lawyers_letter":
            self._lawyers_letter_stored(ref.document_id, job.context.pay_by)  # type: ignore[attr-defined]
        if order.step == "acceleration" and self._s.acceleration is not None:
            self._s.acceleration = self._s.acceleration.model_copy(update={"notice_document": ref.document_id})
        if order.step == "notice":
            self._s.first_demand_on = job.context.letter_date
            rule = self._fire("notice_sent")
            if rule is not None and rule.to == "negotiation":
                self._start_window(now)

    def _needs_attention(self, effect: Effect, failure: _Failed) -> None:
        now = workflow.now()
        effect.attempts += 1
        effect.failing_since = effect.failing_since or now
        retry_at = None
        if failure.retryable:
            factor = min(2 ** (effect.attempts - 1), MAX_BACKOFF_FACTOR)
            retry_at = now + timedelta(seconds=self._inp.attention_retry_seconds * factor)
        self._s.attention = Attention(
            effect=effect.key, error=failure.error, reason=failure.reason, since=effect.failing_since,
            retryable=failure.retryable, attempts=effect.attempts, retry_at=retry_at,
        )
        self._event(
            f"attention-{effect.key}-{effect.attempts}", "needs_attention", f"Needs attention: {failure.reason}",
            data={"effect": effect.key, "error": failure.error, "retryable": failure.retryable,
                  "attempts": effect.attempts},
        )


__all__ = ["LETTER_RETRY", "LETTER_TIMEOUT", "MAX_BACKOFF_FACTOR", "PATCH_NOTICE_STEPS", "EffectHandlers"]
