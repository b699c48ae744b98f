"""E-mail and SMS reminders in the matter workflow (a mixin of `MatterWorkflow`).

A ladder step on the `email` or `sms` channel is sent (activities `send_email` / `send_sms`,
activities/notify.py), built once from one instant (the balance and pay-by of that day) and kept as
evidence before it is sent. A message the other side refuses for good (a bad address, a refused
number) becomes a task for the team and the ladder goes on; anything else that keeps failing puts
the matter in `needs_attention`, like a letter.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.inputs import SEND_EMAIL, SEND_SMS, EmailJob, MessageSent, ReminderFacts, SmsJob
    from workflows.matter.failures import failure_of
    from workflows.matter.mixin import MatterMixin
    from workflows.matter.state import Effect, MessageOrder


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


class MessageHandlers(MatterMixin):

    def _reachable_by(self, channel: str) -> bool:
        borrower = self._intake.borrower
        return bool(borrower.email) if channel == "email" else bool(borrower.phone)

    async def _send_message(self, effect: Effect, order: MessageOrder) -> None:
        """An e-mail or SMS reminder: built once from one instant, kept as evidence, sent once."""
        borrower = self._intake.borrower
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
            return
        data: dict[str, Any] = {"channel": order.channel, "step": order.step, "message_id": sent.message_id,
                                "key": sent.key, "version_id": sent.version_id, "sha256": sent.sha256}
        if order.due_at is not None:
            data["lag_seconds"] = (workflow.now() - order.due_at).total_seconds()
        self._contact_made(order.channel, workflow.now())
        self._event(f"message-{sent.message_id}", order.channel,
                    f"{order.summary} sent" + (" (by SMS)" if order.channel == "sms" else " (by e-mail)"), data=data)


__all__ = ["PATCH_MESSAGES", "MessageHandlers"]
