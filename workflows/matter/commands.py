"""The team's and the managers' core commands on a matter (a mixin of `MatterWorkflow`): payments,
promises to pay, the legal-review decision (escalate to a firm, or extend negotiation) and the retry of
a failed side effect; each idempotent by its id, the same id with another body refused, and the
shared checks (`_same_body`, `_refuse_if_closed`, `_check_amount`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.money import Money
    from domain.status import ReferralView
    from store.records import PaymentRecord
    from workflows.contracts import (
        ERR_CLOSED,
        ERR_INVALID,
        ERR_KEY_REUSED,
        ERR_STAGE,
        UPDATE_DECISION,
        UPDATE_PAYMENT,
        UPDATE_PROMISE,
        UPDATE_RETRY,
        DecisionCommand,
        DecisionResult,
        PaymentCommand,
        PaymentResult,
        PromiseCommand,
        PromiseResult,
        RetryCommand,
        RetryResult,
        referral_workflow_id,
    )
    from workflows.matter import transitions as tr
    from workflows.matter.claims import paid_by
    from workflows.matter.mixin import MatterMixin
    from workflows.matter.state import Effect, PromiseState, ReferralOrder, digest

# A payment that arrived in the workflow's first task, before the matter opened, used to be swallowed
# by the book's opening (paid 0, no entry); since, the book is opened first and the payment booked in it.
PATCH_EARLY_BOOK = "book-before-first-payment"
_digest = digest


def _payment_body(cmd: PaymentCommand) -> str:
    if cmd.guarantor is not None:  # (payments before guarantors paid digest as they always did)
        return _digest(cmd.amount.currency, cmd.amount.amount, cmd.received_on.isoformat(),
                       f"guarantor {cmd.guarantor}")
    return _digest(cmd.amount.currency, cmd.amount.amount, cmd.received_on.isoformat())


def _promise_body(cmd: PromiseCommand) -> str:
    return _digest(cmd.amount.currency, cmd.amount.amount, cmd.due_on.isoformat(), cmd.note or "")


def _decision_body(cmd: DecisionCommand) -> str:
    return _digest(cmd.decision, cmd.new_end_on.isoformat() if cmd.new_end_on else "", cmd.firm or "", cmd.reason)


def _retry_body(cmd: RetryCommand) -> str:
    return _digest(cmd.note)


class CommandHandlers(MatterMixin):
    @workflow.update(name=UPDATE_PAYMENT)
    def record_payment(self, cmd: PaymentCommand) -> PaymentResult:
        previous = self._s.ledger.payments.get(cmd.payment_id)
        if previous is not None:
            self._same_body("payment_id", cmd.payment_id, _payment_body(cmd))
            return self._payment_result(cmd.payment_id, previous, duplicate=True)
        self._s.bodies[f"payment_id:{cmd.payment_id}"] = _payment_body(cmd)
        now = workflow.now()
        if self._s.stage == "intake" and workflow.patched(PATCH_EARLY_BOOK):
            self._ensure_book()  # (a payment in the first task, before the matter opened)
        by = ""
        if cmd.guarantor is not None:  # the same ledger: what a guarantor pays, the debt no longer owes
            self._s.claims.payers[cmd.payment_id] = cmd.guarantor
            by = f" from guarantor {cmd.guarantor}"
        allocation = self._book_payment(cmd.payment_id, cmd.amount, cmd.received_on, cmd.actor, now, by=by,
                                        data={"guarantor": cmd.guarantor} if cmd.guarantor is not None else {})
        return self._payment_result(cmd.payment_id, allocation, duplicate=False)

    def _book_payment(self, pid: str, amount: Money, received_on: Any, actor: str, now: Any, *, by: str = "",
                      data: dict[str, Any] | None = None) -> Any:
        """Apply money received through the ledger's waterfall and do what follows: the projection's record,
        the history line, a promise kept, a recovery after write-off, an arrangement kept, the matter paid."""
        allocation = self._s.ledger.apply(pid, amount, received_on, self._s.clock.today(now))
        self._tell_proceedings_paid(pid, received_on, now)
        balance = self._s.ledger.balance
        self._s.outbox.payments.append(
            PaymentRecord(matter_id=self._mid, payment_id=pid, amount=amount, received_on=received_on,
                          allocation=allocation, actor=actor, recorded_at=now)
        )
        self._event(
            f"payment-{pid}", "payment",
            f"Payment of {amount}{by} received on {received_on.isoformat()}; outstanding {balance.total}",
            actor=actor, data={"payment_id": pid, "amount": amount.model_dump(mode="json"), **(data or {})},
        )
        promise = self._s.promises.pending()
        if promise is not None and self._s.ledger.paid_total - promise.paid_at_start >= promise.amount:
            self._resolve_promise(promise, "kept", now)
        if self._s.stage == "closed":  # a recovery after write-off
            self._s.recovered_after_write_off = (self._s.recovered_after_write_off
                                                 or Money.zero(self._s.ledger.currency)) + allocation.applied
            self._event(f"recovery-{pid}", "recovery_after_write_off",
                        f"Recovery after write-off: {allocation.applied}", actor=actor,
                        data={"payment_id": pid})
        elif self._arrangement_paid(now):
            pass  # every instalment paid: kept, the rest waived, closed settled
        elif balance.is_settled():
            self._fire(self._settled_trigger(now))
        self._reassess("payment", now, quiet=True)
        self._dirty = True
        return allocation

    def _check_guarantor_payment(self, cmd: PaymentCommand) -> None:
        """A guarantor on record, within its cap (what it already paid counted), never more than the debt."""
        n, guarantors = cmd.guarantor, self._intake.guarantors
        assert n is not None
        if n > len(guarantors):
            raise ApplicationError(f"guarantor: the record has {len(guarantors)} guarantor(s)", type=ERR_INVALID)
        cap = guarantors[n - 1].cap
        if cap is not None and cap.currency == cmd.amount.currency:
            left = cap - paid_by(self._s, n)
            if cmd.amount > left:
                raise ApplicationError(f"amount: {cmd.amount} is more than guarantor {n}'s cap of {cap} leaves "
                                       f"({left}): a guarantor is liable up to its cap", type=ERR_INVALID)
        if cmd.amount > self._s.ledger.balance.total:
            raise ApplicationError(f"amount: {cmd.amount} is more than the outstanding {self._s.ledger.balance.total}: "
                                   "a guarantor pays what the debt still owes, once (no double recovery)",
                                   type=ERR_INVALID)

    @record_payment.validator
    def _validate_payment(self, cmd: PaymentCommand) -> None:
        if cmd.payment_id in self._s.ledger.payments:
            self._same_body("payment_id", cmd.payment_id, _payment_body(cmd))
            return  # a replayed command: answered with the original result
        if self._s.closure_reason != "written_off":  # a written-off matter still takes recoveries
            self._refuse_if_closed()
        self._check_amount(cmd.amount)
        signed_on = self._intake.contract.signed_on
        if cmd.received_on < signed_on:
            raise ApplicationError(
                f"received_on: {cmd.received_on.isoformat()} is before the contract was signed "
                f"({signed_on.isoformat()})",
                type=ERR_INVALID,
            )
        if cmd.guarantor is not None:
            self._check_guarantor_payment(cmd)
        ledger, percent = self._s.ledger, self._policy.limits.overpayment_percent
        allowed = ledger.balance.total + Money.of(
            (ledger.original_total.amount * percent / 100).quantize(ledger.original_total.amount), ledger.currency)
        if cmd.amount > allowed:
            raise ApplicationError(
                f"amount: {cmd.amount} is more than the outstanding {ledger.balance.total} plus the overpayment "
                f"the policy allows ({percent}% of the claim of {ledger.original_total}); check the amount",
                type=ERR_INVALID,
            )

    def _payment_result(self, payment_id: str, allocation: Any, duplicate: bool) -> PaymentResult:
        if self._s.stage != "closed":
            self._s.ledger.refresh(self._s.clock.today(workflow.now()))  # outstanding as of today
        return PaymentResult(
            payment_id=payment_id, duplicate=duplicate, allocation=allocation,
            outstanding=self._s.ledger.balance.total, stage=self._s.stage, closed=self._s.stage == "closed",
        )

    @workflow.update(name=UPDATE_PROMISE)
    def record_promise(self, cmd: PromiseCommand) -> PromiseResult:
        existing = self._s.promises.get(cmd.promise_id)
        if existing is not None:
            self._same_body("promise_id", cmd.promise_id, _promise_body(cmd))
            return PromiseResult(promise_id=existing.promise_id, duplicate=True, deadline=existing.deadline,
                                 status=existing.status)
        self._s.bodies[f"promise_id:{cmd.promise_id}"] = _promise_body(cmd)
        now = workflow.now()
        current = self._s.promises.pending()
        if current is not None:
            self._resolve_promise(current, "superseded", now)
        deadline = self._s.clock.day_ends(cmd.due_on + timedelta(days=self._policy.promise_grace_days))
        promise = PromiseState(
            promise_id=cmd.promise_id, amount=cmd.amount, due_on=cmd.due_on, deadline=deadline,
            paid_at_start=self._s.ledger.paid_total, note=cmd.note, actor=cmd.actor, created_at=now,
        )
        self._s.promises.items.append(promise)
        self._s.promises.paused_at = now
        self._s.outbox.promises.append(self._promise_record(promise))
        self._event(
            f"promise-{cmd.promise_id}", "promise",
            f"Promise to pay {cmd.amount} by {cmd.due_on.isoformat()} recorded; reminders paused",
            actor=cmd.actor, data={"promise_id": cmd.promise_id, "due_on": cmd.due_on.isoformat()},
        )
        self._dirty = True
        return PromiseResult(promise_id=cmd.promise_id, duplicate=False, deadline=deadline, status="pending")

    @record_promise.validator
    def _validate_promise(self, cmd: PromiseCommand) -> None:
        if self._s.promises.get(cmd.promise_id) is not None:
            self._same_body("promise_id", cmd.promise_id, _promise_body(cmd))
            return
        self._refuse_if_closed()
        self._check_amount(cmd.amount)
        today = self._s.clock.today(workflow.now())
        if cmd.due_on < today:
            raise ApplicationError(
                f"due_on: {cmd.due_on.isoformat()} is before the matter's current date {today.isoformat()}",
                type=ERR_INVALID,
            )
        latest = today + timedelta(days=self._policy.limits.promise_within_days)
        if cmd.due_on > latest:
            raise ApplicationError(
                f"due_on: {cmd.due_on.isoformat()} is after {latest.isoformat()}, the latest the policy allows "
                f"({self._policy.limits.promise_within_days} days ahead)", type=ERR_INVALID,
            )

    @workflow.update(name=UPDATE_DECISION)
    def legal_review_decision(self, cmd: DecisionCommand) -> DecisionResult:
        if cmd.decision_id in self._s.review.decisions:
            self._same_body("decision_id", cmd.decision_id, _decision_body(cmd))
            return self._decision_result(cmd.decision_id, duplicate=True)
        self._s.bodies[f"decision_id:{cmd.decision_id}"] = _decision_body(cmd)
        now = workflow.now()
        self._s.review.decisions.append(cmd.decision_id)
        if cmd.decision == "escalate":
            assert cmd.firm is not None  # checked by the validator
            self._fire("escalate")
            ref = self._s.referral
            ref.count += 1
            child_id = referral_workflow_id(self._mid, ref.count)
            details = cmd.firm_details
            name = details.name if details is not None else None
            if details is not None:
                ref.firms[ref.count] = details
            ref.current = ReferralView(number=ref.count, workflow_id=child_id, firm=cmd.firm, status="instructing",
                                       since=now, firm_name=name)
            self._queue(Effect(key=f"referral:{ref.count}", queued_at=now,
                               referral=ReferralOrder(number=ref.count, firm=cmd.firm, actor=cmd.actor,
                                                      reason=cmd.reason, firm_details=details,
                                                      attention=cmd.attention)))
            summary = f"Manager decided to escalate: referral {ref.count} to {name or cmd.firm}"
        else:
            assert cmd.new_end_on is not None  # checked by the validator
            self._fire("extend_negotiation")
            self._s.review.negotiation_ends_on = cmd.new_end_on
            summary = f"Manager extended negotiation until {cmd.new_end_on.isoformat()}"
        if cmd.reason:
            summary += " (reason given)"
        self._event(
            f"decision-{cmd.decision_id}", "decision", summary, actor=cmd.actor,
            data={"decision": cmd.decision, "firm": cmd.firm,
                  "new_end_on": cmd.new_end_on.isoformat() if cmd.new_end_on else None},
        )
        self._dirty = True
        return self._decision_result(cmd.decision_id, duplicate=False)

    def _decision_result(self, decision_id: str, duplicate: bool) -> DecisionResult:
        current = self._s.referral.current
        return DecisionResult(
            decision_id=decision_id, duplicate=duplicate, stage=self._s.stage,
            negotiation_ends_on=self._s.review.negotiation_ends_on,
            referred_firm=current.firm if current is not None else None,
        )

    @legal_review_decision.validator
    def _validate_decision(self, cmd: DecisionCommand) -> None:
        if cmd.decision_id in self._s.review.decisions:
            self._same_body("decision_id", cmd.decision_id, _decision_body(cmd))
            return
        self._refuse_if_closed()
        if not tr.allowed(self._s.stage, cmd.decision):
            raise ApplicationError(
                f"decision: a legal review decision is not allowed in stage {self._s.stage!r}", type=ERR_STAGE
            )
        if cmd.decision == "extend_negotiation":
            today = self._s.clock.today(workflow.now())
            if cmd.new_end_on is None:
                raise ApplicationError("new_end_on: required to extend negotiation", type=ERR_INVALID)
            if cmd.new_end_on <= today:
                raise ApplicationError(
                    f"new_end_on: must be after the matter's current date {today.isoformat()}", type=ERR_INVALID
                )
            latest = today + timedelta(days=self._policy.limits.extend_within_days)
            if cmd.new_end_on > latest:
                raise ApplicationError(
                    f"new_end_on: {cmd.new_end_on.isoformat()} is after {latest.isoformat()}, the latest the policy "
                    f"allows ({self._policy.limits.extend_within_days} days ahead)", type=ERR_INVALID,
                )
            if cmd.firm is not None:
                raise ApplicationError("firm: only allowed with escalate", type=ERR_INVALID)
        else:
            if cmd.new_end_on is not None:
                raise ApplicationError("new_end_on: only allowed with extend_negotiation", type=ERR_INVALID)
            if not cmd.firm or not cmd.firm.strip():
                raise ApplicationError("firm: required to escalate (the law firm the referral goes to)",
                                       type=ERR_INVALID)
            if cmd.firm_details is not None and cmd.firm_details.id != cmd.firm:
                raise ApplicationError(f"firm: the firm's record is of {cmd.firm_details.id!r}, not {cmd.firm!r}",
                                       type=ERR_INVALID)

    @workflow.update(name=UPDATE_RETRY)
    def retry_attention(self, cmd: RetryCommand) -> RetryResult:
        if cmd.retry_id in self._s.retries:
            self._same_body("retry_id", cmd.retry_id, _retry_body(cmd))
            return RetryResult(retry_id=cmd.retry_id, duplicate=True, effect=None, stage=self._s.stage)
        self._s.bodies[f"retry_id:{cmd.retry_id}"] = _retry_body(cmd)
        attention = self._s.attention
        assert attention is not None  # checked by the validator
        self._s.retries.append(cmd.retry_id)
        effect = next((e for e in self._s.effects if e.key == attention.effect), None)
        if effect is not None and attention.error == "EvidenceConflict":
            # Another object holds the letter's key: the retry stores it under a new document id.
            effect.revision += 1
            effect.job = None
            effect.message_job = None
        self._s.attention = None
        self._event(
            f"retry-{cmd.retry_id}", "retry",
            f"Manager ordered a retry of '{attention.effect}'" + (" (note given)" if cmd.note else ""),
            actor=cmd.actor, data={"effect": attention.effect, "error": attention.error},
        )
        self._dirty = True
        return RetryResult(retry_id=cmd.retry_id, duplicate=False, effect=attention.effect, stage=self._s.stage)

    @retry_attention.validator
    def _validate_retry(self, cmd: RetryCommand) -> None:
        if cmd.retry_id in self._s.retries:
            self._same_body("retry_id", cmd.retry_id, _retry_body(cmd))
            return
        if self._s.attention is None:
            raise ApplicationError("the matter is not waiting on a failed step: nothing to retry", type=ERR_STAGE)

    def _same_body(self, field: str, command_id: str, digest: str) -> None:
        """Refuse a command id used again with a different body (commands recorded before v2.1 carry none)."""
        recorded = self._s.bodies.get(f"{field}:{command_id}")
        if recorded is not None and recorded != digest:
            raise ApplicationError(
                f"{field}: {command_id!r} was already used for a different command; "
                "send the same body to repeat it, or use a new id", type=ERR_KEY_REUSED,
            )

    def _refuse_if_closed(self) -> None:
        if self._s.stage == "closed":
            raise ApplicationError("the matter is closed", type=ERR_CLOSED)

    def _check_amount(self, amount: Money) -> None:
        currency = self._s.ledger.currency
        if amount.currency != currency:
            raise ApplicationError(f"amount.currency: the matter is in {currency}, not {amount.currency}",
                                   type=ERR_INVALID)
        if not amount.is_positive():
            raise ApplicationError("amount: must be greater than zero", type=ERR_INVALID)


__all__ = ["PATCH_EARLY_BOOK", "CommandHandlers"]
