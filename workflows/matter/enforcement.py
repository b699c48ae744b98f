"""The application for compulsory enforcement drafted from the record (a mixin of `MatterWorkflow`).

`draft_enforcement` (the firm's partner, or staff) orders, for a proceeding whose decision is in effect and
whose time to perform has run out, the 强制执行申请书: the decision's court or commission, case number, day,
the day it took effect and the time to perform (as the decision orders it, on the rest-day rule), the amount
and costs it orders, what was paid since (every payment of the ledger from the decision's day, the court's
distributions included), and the doubled interest for the delay to the application's day (CPL art. 264, on
what was unpaid each day: `domain/enforcement.py`). The two years to apply (CPL art. 250) run from the end of
performance, started again by the debtor's part payment since; an application after them is drafted and said
late (the court may still accept it; the debtor may object), never refused. The assets are the register's,
valued as it values them, where the command says they are.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.deadlines import Interruption, deadline, enforcement_window
    from domain.enforcement import delay_interest
    from domain.money import Money
    from domain.proceedings import Decided
    from domain.status import ProceedingView
    from workflows.calendars import china
    from workflows.children import DebtorPaid, DraftEnforcementCommand, DraftEnforcementResult
    from workflows.contracts import (
        ERR_INVALID,
        ERR_NOT_YOURS,
        ERR_STAGE,
        SIGNAL_PROCEEDING_PAID,
        UPDATE_DRAFT_ENFORCEMENT,
    )
    from workflows.matter.assets import records_of
    from workflows.matter.filings import _particulars
    from workflows.matter.mixin import MatterMixin
    from workflows.matter.state import Effect, digest

# Since: the debtor's part payment is told to each proceeding whose decision is in effect, where it interrupts
# the two years to apply for enforcement (CPL art. 250).
PATCH_ENFORCEMENT_INTERRUPTION = "enforcement-interruption"

_INSTRUMENT = {
    "zh-CN": {"judgment": "民事判决书", "ruling": "民事裁定书", "award": "裁决书", "mediation": "民事调解书"},
    "en": {"judgment": "Civil Judgment", "ruling": "Civil Ruling", "award": "Arbitral Award",
           "mediation": "Civil Mediation Statement"},
}


def _body(cmd: DraftEnforcementCommand) -> str:
    return digest(cmd.model_dump_json(exclude={"draft_id", "actor", "firm"}))


class EnforcementDraftHandlers(MatterMixin):

    def _performance_ends(self, decided: Decided, effective: date) -> date:
        """The last day to perform: as the decision orders (its day, or its days from taking effect on the
        rest-day rule); none set: the day it takes effect (SPC Interpretation on delay interest art. 2)."""
        if decided.performance_due_on is not None:
            return decided.performance_due_on
        if decided.performance_days is None:
            return effective
        d = deadline("performance", "as the decision orders", "", effective, china(), days=decided.performance_days)
        return d.ends_on or d.last_day

    def _received_since(self, since: date) -> list[tuple[str, date, Money]]:
        """Each payment of the ledger received from `since` on and not reversed: its id, day, what it paid."""
        ledger = self._s.ledger
        reversed_ = set(ledger.reversals.values())
        return sorted(((pid, on, ledger.payments[pid].applied) for pid, on in ledger.received_on.items()
                       if on >= since and pid in ledger.payments and pid not in reversed_), key=lambda p: p[1])

    def _by_debtor(self, pid: str) -> bool:
        """Paid by the debtor itself: not a guarantor's payment, not the court's distribution."""
        return pid not in self._s.claims.payers and not pid.startswith("proceeds-")

    def _paid_since(self, since: date) -> list[tuple[date, Money]]:
        return [(on, amount) for _, on, amount in self._received_since(since)]

    def _debtor_paid_on(self, since: date) -> list[date]:
        """The days the debtor itself paid from `since` on: part performance (interrupting CPL art. 250's window)."""
        return [on for pid, on, _ in self._received_since(since) if self._by_debtor(pid)]

    def _enforcement_facts(self, cmd: DraftEnforcementCommand) -> tuple[ProceedingView, dict[str, Any], bool]:
        """The proceeding, the application's params from the record, and whether it is late; refusals named."""
        view = next((p for p in self._s.proceedings.items if p.number == cmd.number), None)
        if view is None or (cmd.firm is not None and cmd.firm != view.firm):
            raise ApplicationError("proceeding not found", type=ERR_NOT_YOURS)
        raw = self._s.proceedings.decisions.get(cmd.number)
        if view.status not in ("decided", "effective") or view.effective_on is None or raw is None:
            raise ApplicationError(f"proceeding {cmd.number} is {view.status}: enforcement is applied for once its "
                                   "decision is in effect", type=ERR_STAGE)
        decided = Decided.model_validate(raw)
        if decided.amount is None:
            raise ApplicationError(f"proceeding {cmd.number}: the decision on record orders no amount to pay: "
                                   "record it with its amount", type=ERR_STAGE)
        today = self._s.clock.today(workflow.now())
        ends = self._performance_ends(decided, view.effective_on)
        if today <= ends:
            raise ApplicationError(f"the time to perform runs to {ends.isoformat()}: enforcement is applied for once "
                                   "it has run out", type=ERR_STAGE)
        currency = self._s.ledger.currency
        costs = decided.costs or Money.zero(currency)
        paid = self._paid_since(decided.on)
        debt = decided.amount + costs
        delay = delay_interest(debt, ends, today, paid)
        paid_total = sum((m for _, m in paid), Money.zero(currency))
        total = debt + delay - paid_total
        if not total.is_positive():
            raise ApplicationError(f"nothing remains to enforce: {paid_total} paid since the decision", type=ERR_STAGE)
        part = [on for on in self._debtor_paid_on(ends + timedelta(days=1)) if on <= today]
        window = enforcement_window(ends, china(), [Interruption(kind="partial_payment", on=on, note="part payment")
                                                     for on in part])
        window_ends = window.ends_on or window.last_day
        late = today > window_ends
        records = records_of(self._s, self._intake)
        assets = []
        for i, pick in enumerate(cmd.assets):
            if pick.asset > len(records):
                raise ApplicationError(f"assets.{i}.asset: the register holds {len(records)} asset(s)",
                                       type=ERR_INVALID)
            a = records[pick.asset - 1].asset
            if a.estimated_value is None or a.estimated_value.currency != currency:
                raise ApplicationError(f"assets.{i}.asset: the register gives {a.description!r} no value in "
                                       f"{currency}", type=ERR_INVALID)
            assets.append({"description": a.description, "location": pick.location,
                           "estimated_value": a.estimated_value.model_dump(mode="json")})
        locale = self._intake.borrower.locale
        m = lambda x: x.model_dump(mode="json")  # noqa: E731
        params: dict[str, Any] = {
            "representative": cmd.representative, "contact_person": cmd.contact_person,
            "contact_phone": cmd.contact_phone, "court": cmd.court,
            "borrower_particulars": _particulars(self._intake.borrower.id_number, cmd.borrower, "borrower"),
            "arbitral_award": view.forum == "arbitration", "judgment_court": view.body or "",
            "instrument": _INSTRUMENT[locale][decided.decision], "case_number": view.case_number or "",
            "judgment_date": decided.on.isoformat(), "effective_date": view.effective_on.isoformat(),
            "performance_deadline": ends.isoformat(), "calculated_to": today.isoformat(),
            "judgment_amount": m(decided.amount), "litigation_costs": m(costs), "delay_interest": m(delay),
            "paid": m(paid_total), "total_to_enforce": m(total), "assets": assets, "late": late,
            "interrupted_on": part[-1].isoformat() if part else None, "window_ends_on": window_ends.isoformat(),
        }
        return view, params, late

    # ------------------------------------------------------------------ part payment interrupts the window
    def _tell_proceedings_paid(self, pid: str, received_on: date, now: Any) -> None:
        """The debtor's own payment (not a guarantor's, not the court's distribution) is partial performance:
        each proceeding with a decision in effect is told (since patch `enforcement-interruption`)."""
        if not self._by_debtor(pid) or self._s.stage == "closed":
            return
        effective = [p for p in self._s.proceedings.items if p.status == "effective"]
        if not effective or not workflow.patched(PATCH_ENFORCEMENT_INTERRUPTION):
            return
        for p in effective:
            self._queue(Effect(key=f"paid:{p.number}:{pid}", paid_to=p.workflow_id,
                               paid=DebtorPaid(payment_id=pid, on=received_on), queued_at=now))

    async def _tell_paid(self, workflow_id: str, paid: DebtorPaid) -> None:
        try:
            await workflow.get_external_workflow_handle(workflow_id).signal(SIGNAL_PROCEEDING_PAID, paid)
        except Exception:  # the case's record has closed: nothing left to tell
            workflow.logger.info("proceeding %s did not take the payment", workflow_id)

    @workflow.update(name=UPDATE_DRAFT_ENFORCEMENT)
    def draft_enforcement(self, cmd: DraftEnforcementCommand) -> DraftEnforcementResult:
        ps = self._s.proceedings
        known = ps.enforcement_drafts.get(cmd.draft_id)
        if known is not None:
            return known.model_copy(update={"duplicate": True})
        _, params, late = self._enforcement_facts(cmd)
        k = 1 + sum(1 for d in ps.enforcement_drafts.values() if d.number == cmd.number)
        step = f"enforcement-{cmd.number}-{k}"
        now = workflow.now()
        self._queue_letter("enforcement_application", step, f"Application for enforcement (proceeding {cmd.number})",
                           now, params=params)
        result = DraftEnforcementResult(draft_id=cmd.draft_id, duplicate=False, number=cmd.number,
                                        document_id=f"{self._mid}-{step}-enforcement_application", late=late)
        ps.enforcement_drafts[cmd.draft_id] = result
        self._s.bodies[f"draft_id:{cmd.draft_id}"] = _body(cmd)
        words = (f"Proceeding {cmd.number}: the application for enforcement drafted from the record "
                 f"({params['total_to_enforce']['amount']} to enforce, delay interest to {params['calculated_to']})")
        if late:
            words += ("; late: the two years to apply (CPL art. 250) have ended: the court may still accept it, and "
                      "the debtor may object")
        self._event(f"{step}-ordered", "enforcement_ordered", words, actor=cmd.actor,
                    data={"number": cmd.number, "document_id": result.document_id, "late": late})
        self._dirty = True
        return result

    @draft_enforcement.validator
    def _validate_draft_enforcement(self, cmd: DraftEnforcementCommand) -> None:
        if cmd.draft_id in self._s.proceedings.enforcement_drafts:
            self._same_body("draft_id", cmd.draft_id, _body(cmd))
            return
        self._refuse_if_closed()
        self._enforcement_facts(cmd)


__all__ = ["PATCH_ENFORCEMENT_INTERRUPTION", "EnforcementDraftHandlers"]
