"""E-mail and SMS reminders in the matter workflow (a mixin of `MatterWorkflow`).

A ladder step on the `email` or `sms` channel is sent (activities `send_email` / `send_sms`,
activities/notify.py), built once from one instant (the balance and pay-by of that day) and kept as
evidence before it is sent. A message the other side refuses for good (a bad address, a refused
number) becomes a task for the team and the ladder goes on; anything else that keeps failing puts
the matter in `needs_attention`, like a letter.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.inputs import (
        RESERVE_CONTACT,
        SEND_EMAIL,
        SEND_SMS,
        ContactGrant,
        ContactRequest,
        EmailJob,
        MessageSent,
        ReminderFacts,
        SmsJob,
    )
    from domain.contact import ContactLimits, zone
    from workflows.matter.failures import failure_of
    from workflows.matter.mixin import MatterMixin
    from workflows.matter.state import ContactCount, Effect, MessageOrder


# Matters before it made a task for the team for each e-mail and SMS step; since, they are sent.
PATCH_MESSAGES = "send-messages"
MESSAGE_TIMEOUT = timedelta(minutes=2)  # an SMTP exchange with its own 30 s per reply
MESSAGE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=1), maximum_attempts=10,
    non_retryable_error_types=["EmailRejected", "EmailInvalid", "MessageInvalid", "SmtpAuthFailed",
                               "SmtpMisconfigured", "EvidenceConflict", "SmsRejected", "SmsInvalid"],
)
# Refused for good by the other side: a task for the team, not `needs_attention`.
MESSAGE_REFUSED = ("EmailRejected", "EmailInvalid", "SmsRejected", "SmsInvalid")
# Matters before it sent a message when due; since, each message and each contact the team logs is
# counted in the borrower's budget across all matters (workflows/borrower.py), and a message waits
# for the first lawful moment, for a hold to end, and is not sent after a cease-contact request.
PATCH_BUDGET = "contact-budget"
BUDGET_TIMEOUT = timedelta(seconds=30)
BUDGET_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30),
                           maximum_attempts=10, non_retryable_error_types=["ContactInvalid"])


class MessageHandlers(MatterMixin):

    def _reachable_by(self, channel: str) -> bool:
        borrower = self._intake.borrower
        return bool(borrower.email) if channel == "email" else bool(borrower.phone)

    def _budgeted(self) -> bool:
        """Whether this matter counts contacts in its borrower's budget (real-time policies: a compressed
        demo day has no week to count in, as it has no hours)."""
        return self._s.clock.real_time and workflow.patched(PATCH_BUDGET)

    async def _reserve(self, attempt_id: str, channel: str, at: datetime, *, made: bool = False,
                       release: bool = False, outcome: str | None = None, summary: str) -> ContactGrant:
        borrower = self._intake.borrower
        req = ContactRequest(matter_id=self._mid, attempt_id=attempt_id, id_number=borrower.id_number,
                             channel=channel, wished_at=at, timezone=borrower.timezone,  # type: ignore[arg-type]
                             limits=ContactLimits.model_validate(self._policy.contact.model_dump()), made=made,
                             release=release, outcome=outcome)  # type: ignore[arg-type]
        try:
            return await workflow.execute_activity(
                RESERVE_CONTACT, req, result_type=ContactGrant, start_to_close_timeout=BUDGET_TIMEOUT,
                retry_policy=BUDGET_RETRY, summary=f"{summary}: the borrower's contact budget")
        except ActivityError as exc:
            raise failure_of(exc, summary, BUDGET_RETRY.non_retryable_error_types or ()) from None

    def _message_dropped(self, effect: Effect, order: MessageOrder, why: str, now: datetime) -> None:
        """A queued message that will not be sent: the history says why, and a reservation it holds in
        the borrower's budget is released (an effect of its own: the message's is gone)."""
        self._event(f"message-dropped-{effect.key}", "contact_skipped", f"{order.summary} not sent: {why}",
                    data={"channel": order.channel, "step": order.step})
        if effect.lawful_at is not None and effect.message_job is None:
            self._queue(Effect(key=f"release:{effect.key}:{effect.revision}", queued_at=now, contact=ContactCount(
                attempt_id=self._attempt_id(effect), channel=order.channel, at=effect.lawful_at, release=True)))

    async def _count_contact(self, effect: Effect, note: ContactCount) -> None:
        """A contact the team logged, counted in the borrower's budget (a warning if it broke the limit);
        or a reservation released."""
        if note.release:
            await self._reserve(note.attempt_id, note.channel, note.at, release=True,
                                summary=f"Release of a {note.channel} reservation")
            return
        grant = await self._reserve(note.attempt_id, note.channel, note.at, made=True, outcome=note.outcome,
                                    summary=f"{note.channel.capitalize()} contact")
        if grant.over_limit:
            self._event(f"over-limit-{note.attempt_id}", "contact_over_limit",
                        f"{note.channel.capitalize()} contact made over the limit of "
                        f"{self._policy.contact.max_attempts_per_7_days} attempts per rolling 7 days for this "
                        f"borrower ({grant.attempts_in_7_days} across the borrower's matters)",
                        data={"channel": note.channel, "attempts_in_7_days": grant.attempts_in_7_days})

    async def _lawful_now(self, effect: Effect, order: MessageOrder) -> bool:
        """Whether the message may go now. If not, `effect.lawful_at` says when it may (the first lawful
        moment the borrower's budget gave it; the history says why it waits), or is None while the
        matter is on hold (the budget is asked again when the hold ends)."""
        now = workflow.now()
        if self._held(now):
            effect.lawful_at = None  # asked again when the hold ends: the hold stopped every clock
            return False
        if effect.lawful_at is None:
            grant = await self._reserve(self._attempt_id(effect), order.channel, now, summary=order.summary)
            effect.lawful_at = grant.allowed_at
            if grant.allowed_at > now:
                self._event(f"deferred-{effect.key}-r{effect.revision}-{int(now.timestamp())}", "contact_deferred",
                            f"{order.summary} deferred to {_local(grant.allowed_at, self._intake.borrower.timezone)}"
                            ": " + "; ".join(grant.reasons),
                            data={"channel": order.channel, "step": order.step,
                                  "until": grant.allowed_at.isoformat(), "reasons": list(grant.reasons),
                                  "attempts_in_7_days": grant.attempts_in_7_days})
        return workflow.now() >= effect.lawful_at

    def _attempt_id(self, effect: Effect) -> str:
        return f"{self._mid}:{effect.key}:{effect.revision}"

    def _message_waits_until(self, now: datetime) -> datetime | None:
        """When the first queued message waiting for the borrower's budget may go (None: none waits)."""
        waits = [e.lawful_at for e in self._s.effects
                 if e.message is not None and e.lawful_at is not None and e.lawful_at > now]
        return min(waits) if waits else None

    async def _send_message(self, effect: Effect, order: MessageOrder) -> bool:
        """An e-mail or SMS reminder: built once from one instant, kept as evidence, sent once.

        False: not sent yet (it waits for the first lawful moment or for a hold to end); True: done
        (sent, refused for good, or not to be sent)."""
        borrower = self._intake.borrower
        if self._budgeted() and effect.message_job is None:
            why = ("the matter closed before it could be sent" if self._s.stage == "closed" else
                   "the borrower asked to be contacted no more" if self._ceased() else None)
            if why is not None:
                self._message_dropped(effect, order, why, workflow.now())
                return True
            if not await self._lawful_now(effect, order):
                return False
        if effect.message_job is None:
            now = workflow.now()
            today = self._s.clock.today(now)
            self._s.ledger.refresh(today)
            facts = ReminderFacts.from_intake(
                self._intake, reference=f"RC-{self._mid[:8].upper()}", outstanding=self._s.ledger.balance.total,
                pay_by=today + timedelta(days=self._policy.pay_within_days))
            message_id = f"{self._mid}-{order.step}-{order.channel}" + (f"-r{effect.revision}" if effect.revision
                                                                       else "")
            if order.channel == "email":
                effect.message_job = EmailJob(matter_id=self._mid, message_id=message_id, to=borrower.email or "",
                                              locale=borrower.locale, facts=facts, dated=now)
            else:
                effect.message_job = SmsJob(matter_id=self._mid, message_id=message_id, to=borrower.phone or "",
                                            locale=borrower.locale, facts=facts)
        job = effect.message_job
        try:
            sent: MessageSent = await workflow.execute_activity(
                SEND_EMAIL if order.channel == "email" else SEND_SMS, job, result_type=MessageSent,
                start_to_close_timeout=MESSAGE_TIMEOUT, retry_policy=MESSAGE_RETRY,
                summary=f"{order.summary}: send {job.message_id}",
            )
        except ActivityError as exc:
            failure = failure_of(exc, order.summary, MESSAGE_RETRY.non_retryable_error_types or ())
            if failure.error not in MESSAGE_REFUSED:
                raise failure from None
            self._event(f"message-refused-{job.message_id}", order.channel,
                        f"{order.summary} could not be sent ({failure.error}): task created for the collections team",
                        data={"channel": order.channel, "step": order.step, "error": failure.error})
            return True
        data: dict[str, Any] = {"channel": order.channel, "step": order.step, "message_id": sent.message_id,
                                "key": sent.key, "version_id": sent.version_id, "sha256": sent.sha256}
        if order.due_at is not None:
            data["lag_seconds"] = (workflow.now() - order.due_at).total_seconds()
        self._contact_made(order.channel, workflow.now())
        self._event(f"message-{sent.message_id}", order.channel,
                    f"{order.summary} sent" + (" (by SMS)" if order.channel == "sms" else " (by e-mail)"), data=data)
        return True


def _local(at: datetime, tz: str) -> str:
    return f"{at.astimezone(zone(tz)):%Y-%m-%d %H:%M} {tz}"


__all__ = ["PATCH_BUDGET", "PATCH_MESSAGES", "MessageHandlers"]
