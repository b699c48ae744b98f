"""Acceleration in the matter workflow (a mixin of `MatterWorkflow`): the creditor declares the whole loan due.

An explicit step a manager takes (`accelerate`): the acceleration notice (a letter, both locales) is
rendered and stored; its proof of service (`acceleration_served`: delivered on, how, the receipt)
makes it effective. From the delivery date the principal not yet due is owed with the rest (a ledger
entry dated that day, so it accrues from then and every later statement, letter and deadline uses
it), and paying the balance then pays off the loan (`paid`, never `cured`).
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.accrual import Acceleration
    from domain.status import AccelerationView
    from workflows.contracts import (
        ERR_FORBIDDEN,
        ERR_INVALID,
        ERR_STAGE,
        UPDATE_ACCELERATE,
        UPDATE_SERVED,
        AccelerateCommand,
        AccelerationResult,
        ServedCommand,
    )
    from workflows.matter.mixin import MatterMixin


NOTICE_STEP = "acceleration"


class AccelerationHandlers(MatterMixin):

    def _accelerated(self) -> bool:
        a = self._s.acceleration
        return a is not None and a.delivered_on is not None

    def _acceleration_result(self, duplicate: bool) -> AccelerationResult:
        assert self._s.acceleration is not None
        return AccelerationResult(duplicate=duplicate, acceleration=self._s.acceleration, stage=self._s.stage,
                                  outstanding=self._s.ledger.balance.total)

    @workflow.update(name=UPDATE_ACCELERATE)
    def accelerate(self, cmd: AccelerateCommand) -> AccelerationResult:
        if self._s.acceleration is not None:
            return self._acceleration_result(duplicate=True)
        now = workflow.now()
        self._s.acceleration = AccelerationView(declared_at=now, declared_by=cmd.actor, clause=cmd.clause)
        params: dict[str, Any] = {"pay_within_days": self._policy.pay_within_days}
        if cmd.clause:
            params["clause"] = cmd.clause
        self._queue_letter("acceleration_notice", NOTICE_STEP, "Notice of acceleration", now, params=params)
        self._event("acceleration-declared", "acceleration_declared",
                    "Manager declared the whole loan due (acceleration); the notice takes effect on delivery",
                    actor=cmd.actor, data={"clause": cmd.clause})
        self._dirty = True
        return self._acceleration_result(duplicate=False)

    @accelerate.validator
    def _validate_accelerate(self, cmd: AccelerateCommand) -> None:
        if self._s.acceleration is not None:
            return  # declared once: a repeat is answered with the declaration
        self._refuse_if_closed()
        if cmd.role != "manager":
            raise ApplicationError("acceleration is declared by a manager", type=ERR_FORBIDDEN)
        contract = self._intake.contract
        not_due = contract.principal_not_due
        if not_due is None or not not_due.is_positive():
            raise ApplicationError("contract.principal_not_due: the record shows no principal not yet due, so "
                                   "there is nothing to accelerate", type=ERR_STAGE)
        today = self._s.clock.today(workflow.now())
        if contract.due_on is not None and contract.due_on <= today:
            raise ApplicationError(f"contract.due_on: the loan matured on {contract.due_on.isoformat()}: all of it "
                                   "is already due", type=ERR_STAGE)
        if self._s.ledger.book is None:
            raise ApplicationError("this matter was opened before balances accrued: accelerate it by opening a "
                                   "new matter for the whole balance", type=ERR_STAGE)

    @workflow.update(name=UPDATE_SERVED)
    def acceleration_served(self, cmd: ServedCommand) -> AccelerationResult:
        a = self._s.acceleration
        assert a is not None  # checked by the validator
        if a.delivered_on is not None:
            return self._acceleration_result(duplicate=True)
        ledger = self._s.ledger
        not_due = self._intake.contract.principal_not_due
        assert not_due is not None and ledger.book is not None  # checked when declared
        today = self._s.clock.today(workflow.now())
        ledger.book = ledger.book.add(Acceleration(id="acceleration", on=max(cmd.delivered_on, ledger.book.start),
                                                   amount=not_due))
        ledger.refresh(today)
        self._s.acceleration = a.model_copy(update={
            "delivered_on": cmd.delivered_on, "method": cmd.method, "upload_id": cmd.upload_id,
            "accelerated": not_due})
        self._event("acceleration-served", "acceleration_served",
                    f"Acceleration notice delivered on {cmd.delivered_on.isoformat()} ({cmd.method.replace('_', ' ')}):"
                    f" the whole loan is due from that day; outstanding {ledger.balance.total}",
                    actor=cmd.actor, data={"delivered_on": cmd.delivered_on.isoformat(), "method": cmd.method,
                                           "upload_id": cmd.upload_id, "accelerated": not_due.model_dump(mode="json")})
        self._tell_claims("acceleration")  # the main debt's due date moved: the guarantee periods with it
        self._dirty = True
        return self._acceleration_result(duplicate=False)

    @acceleration_served.validator
    def _validate_served(self, cmd: ServedCommand) -> None:
        a = self._s.acceleration
        if a is None:
            raise ApplicationError("no acceleration was declared on this matter", type=ERR_STAGE)
        if a.delivered_on is not None:
            return
        self._refuse_if_closed()
        notice = next((d for d in self._s.documents if d.kind == "acceleration_notice"), None)
        if notice is None:
            raise ApplicationError("the acceleration notice is not stored yet: record its service once it is sent",
                                   type=ERR_STAGE)
        today = self._s.clock.today(workflow.now())
        if cmd.delivered_on > today:
            raise ApplicationError(f"delivered_on: {cmd.delivered_on.isoformat()} is after the matter's date "
                                   f"{today.isoformat()}", type=ERR_INVALID)
        declared = self._s.clock.today(a.declared_at)
        if cmd.delivered_on < declared:
            raise ApplicationError(f"delivered_on: {cmd.delivered_on.isoformat()} is before the notice was made "
                                   f"({declared.isoformat()})", type=ERR_INVALID)


__all__ = ["AccelerationHandlers"]
