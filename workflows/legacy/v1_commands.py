"""Workflow v1's commands (frozen: see workflows/legacy/matter_v1.py): payments, promises, the legal-review
decision. Handlers only validate and change state; the main loop does every side effect. A mixin of
`MatterWorkflowV1`, which provides what it declares for the type checker."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():

    from domain.allocation import allocate
    from domain.policy import EscalationPolicy
    from store.records import (
        PaymentRecord,
        PromiseRecord,
    )
    from workflows.contracts import (
        ERR_CLOSED,
        ERR_INVALID,
        ERR_STAGE,
        UPDATE_DECISION,
        UPDATE_PAYMENT,
        UPDATE_PROMISE,
        DecisionCommand,
        DecisionResult,
        PaymentCommand,
        PaymentResult,
        PromiseCommand,
        PromiseResult,
        PromiseState,
    )
    from workflows.legacy.v1_state import MatterState


class V1CommandHandlers:
    if TYPE_CHECKING:
        _s: MatterState
        _mid: str
        _policy: EscalationPolicy
        _dirty: bool
        _payments: Any
        _promises: Any
        _promise_paused_at: Any
        _clock: Any

        def _set(self, **changes: object) -> None: ...
        def _event(self, key: str, kind: str, summary: str, *, actor: str = "system",
                   data: dict | None = None) -> None: ...  # type: ignore[type-arg]
        def _reassess(self, why: str, quiet: bool = False) -> None: ...

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

    # ---- promises (resolved by the main loop too)
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
