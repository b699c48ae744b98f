"""Payment reversals in the matter workflow (a mixin of `MatterWorkflow`).

A payment that did not hold (a bounced transfer) is reversed: its allocation is undone to the cent
(the ledger replays without it from its date), and a matter that had closed on it re-opens where it
was. A closed matter waits the policy's `reversal_window_days` for one before its workflow ends (a
written-off matter waits for ever: recoveries after write-off are still taken).
"""

from __future__ import annotations

from datetime import date, datetime

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import (
        ERR_CLOSED,
        ERR_INVALID,
        UPDATE_REVERSAL,
        ReversalCommand,
        ReversalResult,
    )
    from workflows.matter.mixin import MatterMixin
    from workflows.matter.state import digest


# Matters closed before reversals ended at once; since, a closed matter waits the policy's window for one.
PATCH_REVERSAL_WINDOW = "reversal-window"


def _reversal_body(cmd: ReversalCommand) -> str:
    return digest(cmd.payment_id, cmd.reversed_on.isoformat(), cmd.reason)


class ReversalHandlers(MatterMixin):

    def _reversal_window_open(self, now: datetime) -> bool:
        """A closed matter still takes a payment reversal for the policy's window (matters closed before
        this rule ended at once: the patch)."""
        if self._s.stage != "closed":
            return False
        if self._s.closure_reason == "written_off":
            return True  # recoveries after write-off are still taken, whenever they come
        if self._policy.reversal_window_days <= 0:
            return False
        if not workflow.patched(PATCH_REVERSAL_WINDOW):
            return False
        return now < self._reversal_window_ends()

    def _reversal_window_ends(self) -> datetime:
        closed_at = self._s.closed_at or self._s.clock.started_at
        return self._s.clock.after_days(closed_at, self._policy.reversal_window_days)

    @workflow.update(name=UPDATE_REVERSAL)
    def reverse_payment(self, cmd: ReversalCommand) -> ReversalResult:
        ledger = self._s.ledger
        if cmd.reversal_id in ledger.reversals:
            self._same_body("reversal_id", cmd.reversal_id, _reversal_body(cmd))
            return self._reversal_result(cmd, duplicate=True, reopened=False)
        self._s.bodies[f"reversal_id:{cmd.reversal_id}"] = _reversal_body(cmd)
        now = workflow.now()
        today = self._s.clock.today(now)
        reopened = self._s.stage == "closed"
        if reopened:
            self._reopen(now, cmd)
        undone = ledger.reverse(cmd.reversal_id, cmd.payment_id, cmd.reversed_on, cmd.reason, today)
        self._event(
            f"reversal-{cmd.reversal_id}", "payment_reversed",
            f"Payment {cmd.payment_id} of {undone.payment} reversed on {cmd.reversed_on.isoformat()} (reason "
            f"recorded); outstanding {ledger.balance.total}",
            actor=cmd.actor,
            data={"payment_id": cmd.payment_id, "reversal_id": cmd.reversal_id, "reason": cmd.reason,
                  "undone": undone.model_dump(mode="json")},
        )
        self._reassess("reversal", now, quiet=True)
        self._dirty = True
        return self._reversal_result(cmd, duplicate=False, reopened=reopened)

    def _reversal_result(self, cmd: ReversalCommand, duplicate: bool, reopened: bool) -> ReversalResult:
        payment_id = self._s.ledger.reversals[cmd.reversal_id]
        return ReversalResult(reversal_id=cmd.reversal_id, duplicate=duplicate, payment_id=payment_id,
                              undone=self._s.ledger.payments[payment_id], outstanding=self._s.ledger.balance.total,
                              stage=self._s.stage, reopened=reopened)

    def _reopen(self, now: datetime, cmd: ReversalCommand) -> None:
        """A payment the matter closed on bounced: back to where it was, its clocks running again."""
        reason = self._s.closure_reason
        self._s.reopened += 1
        self._fire("payment_reversed")
        self._s.closure_reason = None
        if self._s.ledger.book is not None:
            self._s.ledger.book = self._s.ledger.book.model_copy(update={"until": None})
        self._event(f"reopened-{self._s.reopened}", "reopened",
                    f"Matter re-opened: payment {cmd.payment_id} reversed (it had closed as {reason}); "
                    f"back to {self._s.stage}", actor=cmd.actor, data={"stage": self._s.stage, "was": reason})
        if self._s.stage == "notice" and "letter:notice" not in self._s.done:
            self._queue_letter("collection_notice", "notice", "Collection notice", now, due_at=now,
                               params={"pay_within_days": self._policy.pay_within_days})
        elif self._s.stage == "legal_review":
            self._enter_legal_review(now)

    @reverse_payment.validator
    def _validate_reversal(self, cmd: ReversalCommand) -> None:
        ledger = self._s.ledger
        if cmd.reversal_id in ledger.reversals:
            self._same_body("reversal_id", cmd.reversal_id, _reversal_body(cmd))
            return
        payment = ledger.payments.get(cmd.payment_id)
        if payment is None:
            raise ApplicationError(f"payment_id: the matter has no payment {cmd.payment_id!r}", type=ERR_INVALID)
        if cmd.payment_id in ledger.reversed_ids():
            raise ApplicationError(f"payment_id: payment {cmd.payment_id!r} is already reversed", type=ERR_INVALID)
        window = self._policy.reversal_window_days > 0 and workflow.now() < self._reversal_window_ends()
        if self._s.stage == "closed" and not window:
            raise ApplicationError("the matter is closed and its window for reversals has passed", type=ERR_CLOSED)
        received = self._received_on(cmd.payment_id)
        if received is not None and cmd.reversed_on < received:
            raise ApplicationError(
                f"reversed_on: {cmd.reversed_on.isoformat()} is before the payment was received "
                f"({received.isoformat()})", type=ERR_INVALID)

    def _received_on(self, payment_id: str) -> date | None:
        return self._s.ledger.received_on.get(payment_id)


__all__ = ["PATCH_REVERSAL_WINDOW", "ReversalHandlers"]
