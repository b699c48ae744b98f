"""Claims against the guarantors in the matter workflow (a mixin of `MatterWorkflow`).

`open_guarantor_claims` starts one child workflow per guarantor on record that has no claim yet
(`workflows/guarantor.py`, ID `matter-<id>/guarantor-<n>`). The matter tells each claim the facts its
guarantee period depends on (effect `claim_facts`, signal `guarantor_facts`): the main debt's due date
(the contract's maturity, or the day a served acceleration reached the borrower if earlier) and the day
a suit or arbitration against the debtor was filed; it tells them again whenever either changes. Each
claim reports its events and where it stands (held, refused, released with the reason); a claim that
holds the guarantor, or has released it, leaves the matter's list of guarantee periods to act within.
The children are cancelled when the matter closes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError, ChildWorkflowError, WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    from domain.guarantee import guarantee_period_end, main_debt_due_on
    from domain.money import Money
    from domain.status import GuarantorClaimView
    from workflows.contracts import (
        ERR_INVALID,
        ERR_STAGE,
        GUARANTOR_WORKFLOW_NAME,
        SIGNAL_GUARANTOR_FACTS,
        UPDATE_DEMAND_GUARANTOR,
        UPDATE_OPEN_CLAIMS,
        ChildReport,
        DemandGuarantorCommand,
        DemandGuarantorResult,
        GuarantorClaimInput,
        GuarantorFacts,
        OpenClaimsCommand,
        OpenClaimsResult,
        guarantor_workflow_id,
    )
    from workflows.matter.failures import Failed as _Failed
    from workflows.matter.mixin import MatterMixin
    from workflows.matter.state import ClaimFacts, ClaimOrder, Effect, MatterState, digest


def paid_by(s: MatterState, number: int) -> Money:
    """What guarantor `number` has paid into the matter's ledger (payments reversed since not counted)."""
    ledger = s.ledger
    reversed_ids = set(ledger.reversals.values())
    total = Money.zero(ledger.currency)
    for pid, n in s.claims.payers.items():
        if n == number and pid not in reversed_ids and pid in ledger.payments:
            total = total + ledger.payments[pid].payment
    return total


def claim_views(s: MatterState) -> tuple[GuarantorClaimView, ...] | None:
    """The claims as the status shows them, each with what its guarantor paid."""
    if not s.claims.items:
        return None
    return tuple(c.model_copy(update={"paid": paid_by(s, c.number)}) for c in s.claims.items)


class ClaimHandlers(MatterMixin):

    def _main_due_on(self) -> date | None:
        a = self._s.acceleration
        return main_debt_due_on(self._intake.contract.due_on, a.delivered_on if a is not None else None)

    def _debtor_sued_on(self) -> date | None:
        return min((p.filed_on for p in self._s.proceedings.items if p.filed_on is not None), default=None)

    @workflow.update(name=UPDATE_OPEN_CLAIMS)
    def open_guarantor_claims(self, cmd: OpenClaimsCommand) -> OpenClaimsResult:
        claims = self._s.claims
        if cmd.open_id in claims.opens:
            return OpenClaimsResult(open_id=cmd.open_id, duplicate=True, opened=tuple(claims.opens[cmd.open_id]),
                                    claims=tuple(c.number for c in claims.items))
        now = workflow.now()
        have = {c.number for c in claims.items}
        opened = []
        for number, g in enumerate(self._intake.guarantors, start=1):
            if number in have:
                continue
            claims.items.append(GuarantorClaimView(number=number, workflow_id=guarantor_workflow_id(self._mid, number),
                                                   guarantee_type=g.guarantee_type, since=now))
            self._queue(Effect(key=f"claim:{number}", queued_at=now, claim=ClaimOrder(number=number, actor=cmd.actor)))
            opened.append(number)
        claims.opens[cmd.open_id] = opened
        if opened:
            self._event(f"claims-{cmd.open_id}", "guarantor_claims_opened",
                        "Claim opened against guarantor(s) " + ", ".join(str(n) for n in opened)
                        + (" (note given)" if cmd.note else ""), actor=cmd.actor, data={"opened": opened})
        self._dirty = True
        return OpenClaimsResult(open_id=cmd.open_id, duplicate=False, opened=tuple(opened),
                                claims=tuple(c.number for c in claims.items))

    @open_guarantor_claims.validator
    def _validate_open_claims(self, cmd: OpenClaimsCommand) -> None:
        if cmd.open_id in self._s.claims.opens:
            return
        self._refuse_if_closed()
        if not self._intake.guarantors:
            raise ApplicationError("the matter has no guarantor on record", type=ERR_INVALID)

    # ------------------------------------------------------------------ the demand letter
    @workflow.update(name=UPDATE_DEMAND_GUARANTOR)
    def demand_guarantor(self, cmd: DemandGuarantorCommand) -> DemandGuarantorResult:
        claims = self._s.claims
        known = claims.demands.get(cmd.demand_id)
        if known is not None:
            return known.model_copy(update={"duplicate": True})
        n, due = cmd.number, self._main_due_on()
        assert due is not None  # checked by the validator
        k = 1 + sum(1 for d in claims.demands.values() if d.number == n)
        step = f"guarantor-{n}-demand-{k}"
        params: dict[str, Any] = {
            "guarantor": n, "guarantee_contract_number": cmd.guarantee_contract_number,
            "guarantee_signed_on": cmd.guarantee_signed_on.isoformat(),
            "main_debt_due_on": due.isoformat(), "pay_within_days": cmd.pay_within_days}
        if cmd.amount_claimed is not None:
            params["amount_claimed"] = cmd.amount_claimed.model_dump(mode="json")
        sued = next((p for p in self._s.proceedings.items if p.filed_on is not None), None)
        if sued is not None:
            params["debtor_proceedings"] = sued.case_number or f"proceeding {sued.number}"
        ended = self._enforcement_ended()
        if ended is not None and self._intake.guarantors[n - 1].guarantee_type == "general":
            params["enforcement_case"], params["enforcement_ended_on"] = ended  # what is left, asked for now
        now = workflow.now()
        self._queue_letter("guarantor_demand", step, f"Demand for performance to guarantor {n}", now, params=params)
        result = DemandGuarantorResult(demand_id=cmd.demand_id, duplicate=False, number=n,
                                       document_id=f"{self._mid}-{step}-guarantor_demand")
        claims.demands[cmd.demand_id] = result
        self._s.bodies[f"demand_id:{cmd.demand_id}"] = _demand_body(cmd)
        self._event(f"{step}-ordered", "guarantor_demand_ordered",
                    f"Guarantor {n}: the demand for performance drafted from the record", actor=cmd.actor,
                    data={"number": n, "document_id": result.document_id})
        self._dirty = True
        return result

    def _enforcement_ended(self) -> tuple[str, str] | None:
        """The last enforcement against the debtor that ended without satisfying the debt (this round
        terminated), while none runs: a general guarantor's defence of art. 687 is spent."""
        ps = self._s.proceedings
        if ps.enforcing or not ps.ended:
            return None
        case, on = ps.ended[max(ps.ended)]
        return case, on

    @demand_guarantor.validator
    def _validate_demand_guarantor(self, cmd: DemandGuarantorCommand) -> None:
        if cmd.demand_id in self._s.claims.demands:
            self._same_body("demand_id", cmd.demand_id, _demand_body(cmd))
            return
        self._refuse_if_closed()
        claim = next((c for c in self._s.claims.items if c.number == cmd.number), None)
        if claim is None:
            raise ApplicationError(f"number: no claim against guarantor {cmd.number}: open the claims first",
                                   type=ERR_INVALID)
        if claim.standing == "released":
            raise ApplicationError(f"number: guarantor {cmd.number} is released ({claim.why})", type=ERR_STAGE)
        due = self._main_due_on()
        if due is None:
            raise ApplicationError("the record gives no due date of the main debt (no maturity, no acceleration "
                                   "served): the guarantee period a demand must state cannot be said", type=ERR_STAGE)
        g = self._intake.guarantors[cmd.number - 1]
        today = self._s.clock.today(workflow.now())
        if g.guarantee_type == "joint_and_several" and today > guarantee_period_end(due, g.period_ends_on):
            raise ApplicationError("number: the guarantee period has ended: a joint-and-several guarantor not asked "
                                   "within it is no longer liable (Civil Code art. 693 para 2)", type=ERR_STAGE)
        if cmd.guarantee_signed_on > today:
            raise ApplicationError(f"guarantee_signed_on: {cmd.guarantee_signed_on.isoformat()} is after today "
                                   f"({today.isoformat()})", type=ERR_INVALID)
        amount, total = cmd.amount_claimed, self._s.ledger.balance.total
        if amount is not None:
            if amount.currency != total.currency or not amount.is_positive() or amount > total:
                raise ApplicationError(f"amount_claimed: between 0 and the debt ({total}), in {total.currency}",
                                       type=ERR_INVALID)
            if g.cap is not None and amount > g.cap:
                raise ApplicationError(f"amount_claimed: more than the guarantor's cap ({g.cap})", type=ERR_INVALID)

    async def _start_claim_child(self, effect: Effect, order: ClaimOrder) -> None:
        n = order.number
        child_id = guarantor_workflow_id(self._mid, n)
        try:
            await workflow.start_child_workflow(
                GUARANTOR_WORKFLOW_NAME,
                GuarantorClaimInput(matter_id=self._mid, number=n, guarantor=self._intake.guarantors[n - 1],
                                    main_due_on=self._main_due_on(), debtor_sued_on=self._debtor_sued_on(),
                                    parent_workflow_id=workflow.info().workflow_id, clock=self._s.clock,
                                    started_by=order.actor),
                id=child_id, parent_close_policy=workflow.ParentClosePolicy.ABANDON,
                static_summary=f"Claim against guarantor {n}",
            )
        except WorkflowAlreadyStartedError:
            pass
        except ChildWorkflowError as exc:
            raise _Failed("ChildWorkflowError", f"the claim against guarantor {n} could not start ({exc})",
                          True) from None
        if child_id not in self._s.referral.children:
            self._s.referral.children.append(child_id)
        if next((c.standing for c in self._s.claims.items if c.number == n), None) == "starting":
            self._set_claim(n, standing="open")  # (unless it reported meanwhile)
        if self._s.stage == "closed":
            self._s.effects.insert(1, Effect(key=f"cancel:{child_id}", cancel=child_id, queued_at=workflow.now()))

    def _tell_claims(self, why: str) -> None:
        """Tell every open claim the facts its period depends on (after they changed: `why`)."""
        now = workflow.now()
        due, sued = self._main_due_on(), self._debtor_sued_on()
        for c in self._s.claims.items:
            if c.standing == "released":
                continue
            self._queue(Effect(key=f"claim-facts:{c.number}:{why}:{len(self._s.done)}", queued_at=now,
                               claim_facts=ClaimFacts(number=c.number, workflow_id=c.workflow_id, main_due_on=due,
                                                      debtor_sued_on=sued)))

    async def _send_claim_facts(self, facts: ClaimFacts) -> None:
        try:
            await workflow.get_external_workflow_handle(facts.workflow_id).signal(
                SIGNAL_GUARANTOR_FACTS, GuarantorFacts(main_due_on=facts.main_due_on,
                                                       debtor_sued_on=facts.debtor_sued_on))
        except Exception:  # the claim's record has closed: nobody left to tell
            workflow.logger.info("guarantor claim %s did not take the facts", facts.workflow_id)

    def _set_claim(self, number: int, **changes: Any) -> None:
        items = self._s.claims.items
        for i, c in enumerate(items):
            if c.number == number:
                items[i] = c.model_copy(update=changes)

    def _claim_report(self, report: ChildReport) -> None:
        """A claim's news: an event recorded, where it stands now, or its record closed."""
        claims = self._s.claims
        if report.key in claims.reports:
            return
        claims.reports.append(report.key)
        n = report.number
        data: dict[str, Any] = {"number": n, **report.data}
        if report.kind == "claim_standing":
            standing = str(report.data.get("standing", ""))
            self._set_claim(n, standing=standing, why=report.summary)
            self._event(f"claim-{report.key}", f"guarantor_{standing}",
                        f"Guarantor {n}: {standing}: {report.summary}", data=data)
        elif report.kind == "claim_event":
            self._event(f"claim-{report.key}", "guarantor_event", f"Guarantor {n}: {report.summary}",
                        actor=report.actor, data=data)
        elif report.kind == "closed":
            self._child_gone(report.workflow_id)
        self._dirty = True


def _demand_body(cmd: DemandGuarantorCommand) -> str:
    return digest(cmd.model_dump_json(exclude={"demand_id", "actor"}))


__all__ = ["ClaimHandlers", "claim_views", "paid_by"]
