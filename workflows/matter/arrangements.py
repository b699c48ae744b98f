"""Settlements, contract amendments and write-offs in the matter workflow (a mixin of `MatterWorkflow`).

The life of one arrangement, in the parent workflow because it is the matter's money:

    proposed (by the team: the balance of the day, the authority it needs, art. 695 warnings)
      -> approved / rejected (by authority: never the proposer; as many distinct approvers as the level needs)
      -> the agreement is rendered (settlement or amendment agreement; a write-off closes the matter at once)
      -> effective when its signed copy is in the evidence (stage `amendment`; the ladder and windows wait)
      -> each instalment checked at its due date plus the policy's grace (a durable timer each):
           all paid -> what remains is waived (recorded as waived, not as paid) and the matter closes `settled`
           one missed -> breach: the waiver lapses where the agreement says so, the breach letter goes out,
                         and the matter goes back to `legal_review` with the reason.

Handlers only validate and change state; letters are queued effects like every other letter.
The domain rules (checks, authority, approval state, schedules) are `domain/arrangements.py`.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic import TypeAdapter, ValidationError

    from domain.accrual import AccrualTerms, Restructure
    from domain.arrangements import (
        AmendmentProposal,
        Approval,
        ArrangementError,
        Proposal,
        SettlementProposal,
        WriteOffProposal,
        approval_state,
        check_approval,
        check_proposal,
        required_for,
    )
    from domain.guarantee import guarantee_warnings
    from domain.money import Money
    from workflows.contracts import (
        ERR_FORBIDDEN,
        ERR_INVALID,
        ERR_STAGE,
        UPDATE_APPROVAL,
        UPDATE_PROPOSE,
        UPDATE_SIGNED,
        ApprovalCommand,
        ApprovalResult,
        ArrangementView,
        ProposeCommand,
        ProposeResult,
        SignedCommand,
        SignedResult,
    )
    from workflows.matter import transitions as tr
    from workflows.matter.mixin import MatterMixin
    from workflows.matter.state import Arrangement, digest

if TYPE_CHECKING:
    from domain.policy import EscalationPolicy

_PROPOSAL: TypeAdapter[Any] = TypeAdapter(Proposal)
_WORDS = {"settlement": "Settlement", "amendment": "Contract amendment", "write_off": "Write-off"}
# Amendments proposed before it counted what the restructured principal does not carry as waived and
# kept accruing on the original terms; since, that part is payable on signing (as the agreement says)
# and from the clause's start the ledger accrues by the amendment (`domain.accrual.Restructure`).
PATCH_AMENDMENT_TERMS = "amendment-terms"
OPEN = ("proposed", "approved", "effective")


def _field_errors(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'terms'}: {err['msg']}"
        for err in exc.errors(include_url=False, include_input=False))


def view(a: Arrangement, policy: EscalationPolicy) -> ArrangementView:
    p = a.proposal
    needed = required_for(p, policy.arrangements.authority)
    rows = a.instalments()
    return ArrangementView(
        proposal_id=p.proposal_id, kind="write_off" if isinstance(p, WriteOffProposal) else p.kind,
        status=a.status, proposed_by=p.proposed_by, proposed_on=p.proposed_on, balance=p.balance,
        waived=p.waived_total, waived_share=f"{p.waived_share:.2%}", needs=needed.describe(), needs_role=needed.role,
        approvals=tuple(x.model_dump(mode="json") for x in a.approvals), warnings=a.warnings,
        approved_on=a.approved_on, signed_on=a.signed_on,
        instalments=tuple({"number": n, "due_on": d.isoformat(), "amount": m.model_dump(mode="json")}
                          for n, d, m in rows),
        payable_on_signing=p.payable_on_signing if isinstance(p, AmendmentProposal) else None,
        next_due=rows[a.next_due][0] if a.status == "effective" and a.next_due < len(rows) else None,
        reason=a.reason,
    )


class ArrangementHandlers(MatterMixin):
    """The arrangement commands and clocks; `MatterWorkflow` inherits them."""


    # ---------------------------------------------------------------- queries of the state
    def _arrangement(self, proposal_id: str) -> Arrangement | None:
        return next((a for a in self._s.arrangements if a.proposal.proposal_id == proposal_id), None)

    def _open_arrangement(self) -> Arrangement | None:
        return next((a for a in reversed(self._s.arrangements) if a.status in OPEN), None)

    def _today(self) -> date:
        return self._s.clock.today(workflow.now())

    # ---------------------------------------------------------------- propose
    def _build_proposal(self, cmd: ProposeCommand) -> Any:
        ledger = self._s.ledger
        today = self._today()
        stmt = ledger.statement(today)
        balance = stmt.balance if stmt is not None else ledger.balance
        terms = {k: v for k, v in cmd.terms.items() if k != "rest_payable_on_signing"}  # (the workflow's to say)
        data = {**terms, "kind": cmd.kind, "proposal_id": cmd.proposal_id, "proposed_by": cmd.actor,
                "proposed_on": today.isoformat(), "balance": balance.model_dump(mode="json")}
        try:
            proposal = _PROPOSAL.validate_python(data)
        except ValidationError as exc:
            raise ApplicationError(_field_errors(exc), type=ERR_INVALID) from None
        try:
            check_proposal(proposal)
            required_for(proposal, self._policy.arrangements.authority)
        except ArrangementError as exc:
            raise ApplicationError(str(exc), type=ERR_INVALID) from None
        return proposal

    @workflow.update(name=UPDATE_PROPOSE)
    def propose_arrangement(self, cmd: ProposeCommand) -> ProposeResult:
        existing = self._arrangement(cmd.proposal_id)
        if existing is not None:
            self._same_body("proposal_id", cmd.proposal_id, _propose_body(cmd))
            return ProposeResult(proposal_id=cmd.proposal_id, duplicate=True, arrangement=view(existing, self._policy),
                                 stage=self._s.stage)
        self._s.bodies[f"proposal_id:{cmd.proposal_id}"] = _propose_body(cmd)
        proposal = self._build_proposal(cmd)
        if isinstance(proposal, AmendmentProposal) and workflow.patched(PATCH_AMENDMENT_TERMS):
            proposal = proposal.model_copy(update={"rest_payable_on_signing": True})
        warnings: tuple[str, ...] = ()
        if isinstance(proposal, SettlementProposal | AmendmentProposal):
            names = tuple(g.name for g in self._intake.guarantors)
            warnings = tuple(w.message for w in guarantee_warnings(
                proposal, self._intake.contract.annual_rate, names))
        a = Arrangement(proposal=proposal, warnings=warnings, number=len(self._s.arrangements) + 1,
                        received_at_proposal=self._s.ledger.received)
        self._s.arrangements.append(a)
        v = view(a, self._policy)
        self._event(
            f"proposal-{cmd.proposal_id}", "arrangement_proposed",
            f"{_WORDS[v.kind]} proposed: waives {v.waived} ({v.waived_share} of {proposal.balance.total}); "
            + (f"{v.payable_on_signing} payable on signing; " if v.payable_on_signing is not None
               and v.payable_on_signing.is_positive() and v.waived.is_zero() else "")
            + f"needs {v.needs}" + (f"; {len(warnings)} guarantee warning(s)" if warnings else ""),
            actor=cmd.actor, data={"proposal_id": cmd.proposal_id, "kind": v.kind, "needs": v.needs,
                                   "waived": v.waived.model_dump(mode="json"), "warnings": list(warnings)},
        )
        self._dirty = True
        return ProposeResult(proposal_id=cmd.proposal_id, duplicate=False, arrangement=v, stage=self._s.stage)

    @propose_arrangement.validator
    def _validate_propose(self, cmd: ProposeCommand) -> None:
        if self._arrangement(cmd.proposal_id) is not None:
            self._same_body("proposal_id", cmd.proposal_id, _propose_body(cmd))
            return
        self._refuse_if_closed()
        current = self._open_arrangement()
        if current is not None:
            raise ApplicationError(
                f"proposal {current.proposal.proposal_id} is {current.status}: one arrangement at a time",
                type=ERR_STAGE)
        if cmd.kind != "write_off" and self._s.stage not in tr.ARRANGEABLE:
            raise ApplicationError(f"kind: a {cmd.kind} cannot be proposed in stage {self._s.stage!r}", type=ERR_STAGE)
        self._build_proposal(cmd)

    # ---------------------------------------------------------------- decide
    @workflow.update(name=UPDATE_APPROVAL)
    def decide_arrangement(self, cmd: ApprovalCommand) -> ApprovalResult:
        a = self._arrangement(cmd.proposal_id)
        assert a is not None  # checked by the validator
        if cmd.approval_id in a.approval_ids:
            self._same_body("approval_id", cmd.approval_id, _approval_body(cmd))
            return self._approval_result(cmd, a, duplicate=True)
        self._s.bodies[f"approval_id:{cmd.approval_id}"] = _approval_body(cmd)
        now = workflow.now()
        approval = Approval(approver=cmd.actor, role=cmd.role, at=now, decision=cmd.decision, note=cmd.note)
        a.approvals.append(approval)
        a.approval_ids.append(cmd.approval_id)
        state = approval_state(a.proposal, a.approvals, self._policy.arrangements.authority)
        kind = _WORDS[view(a, self._policy).kind]
        self._event(f"approval-{cmd.approval_id}", "arrangement_decision",
                    f"{kind} {cmd.proposal_id}: {cmd.decision}d by {cmd.actor} ({cmd.role})"
                    + (" (note given)" if cmd.note else ""), actor=cmd.actor,
                    data={"proposal_id": cmd.proposal_id, "decision": cmd.decision, "state": state})
        if state == "rejected":
            a.status, a.reason = "rejected", cmd.note or f"rejected by {cmd.actor}"
        elif state == "approved":
            a.status, a.approved_on = "approved", self._s.clock.today(now)
            self._approved(a, now)
        self._dirty = True
        return self._approval_result(cmd, a, duplicate=False)

    def _approval_result(self, cmd: ApprovalCommand, a: Arrangement, duplicate: bool) -> ApprovalResult:
        return ApprovalResult(approval_id=cmd.approval_id, duplicate=duplicate, arrangement=view(a, self._policy),
                              stage=self._s.stage, closed=self._s.stage == "closed")

    @decide_arrangement.validator
    def _validate_decision_on_arrangement(self, cmd: ApprovalCommand) -> None:
        a = self._arrangement(cmd.proposal_id)
        if a is None:
            raise ApplicationError(f"proposal_id: the matter has no proposal {cmd.proposal_id!r}", type=ERR_INVALID)
        if cmd.approval_id in a.approval_ids:
            self._same_body("approval_id", cmd.approval_id, _approval_body(cmd))
            return
        if a.status != "proposed":
            raise ApplicationError(f"proposal {cmd.proposal_id} is {a.status}: it takes no more decisions",
                                   type=ERR_STAGE)
        if self._s.stage == "closed":
            raise ApplicationError("the matter is closed", type=ERR_STAGE)
        approval = Approval(approver=cmd.actor, role=cmd.role, at=workflow.now(), decision=cmd.decision,
                            note=cmd.note)
        try:
            check_approval(a.proposal, approval, a.approvals, self._policy.arrangements.authority)
        except ArrangementError as exc:
            raise ApplicationError(str(exc), type=ERR_FORBIDDEN) from None
        if any(x.approver == cmd.actor for x in a.approvals):
            raise ApplicationError(f"approver: {cmd.actor} has already decided proposal {cmd.proposal_id}",
                                   type=ERR_FORBIDDEN)

    def _approved(self, a: Arrangement, now: datetime) -> None:
        p = a.proposal
        approvers = [x for x in a.approvals if x.decision == "approve"]
        if isinstance(p, WriteOffProposal):
            self._fire("written_off")
            self._event(f"written-off-{p.proposal_id}", "written_off",
                        f"Written off ({p.amount}): {p.reason}", data={"proposal_id": p.proposal_id})
            return
        kind = "settlement_agreement" if isinstance(p, SettlementProposal) else "amendment_agreement"
        params: dict[str, Any] = {
            "proposal": p.model_dump(mode="json"),
            "approver_name": "、".join(x.approver for x in approvers) if self._intake.borrower.locale == "zh-CN"
            else " and ".join(x.approver for x in approvers),
            "approver_role": approvers[-1].role,
            "approved_on": (a.approved_on or self._s.clock.today(now)).isoformat(),
        }
        words = "Settlement agreement" if kind == "settlement_agreement" else "Amendment agreement"
        self._queue_letter(kind, f"agreement{a.number}", f"{words} for signing", now, params=params)

    # ---------------------------------------------------------------- signed: effective
    @workflow.update(name=UPDATE_SIGNED)
    def arrangement_signed(self, cmd: SignedCommand) -> SignedResult:
        a = self._arrangement(cmd.proposal_id)
        assert a is not None  # checked by the validator
        if a.document_id is not None:
            self._same_body("signed", cmd.proposal_id, _signed_body(cmd))
            return SignedResult(proposal_id=cmd.proposal_id, duplicate=True, arrangement=view(a, self._policy),
                                stage=self._s.stage)
        self._s.bodies[f"signed:{cmd.proposal_id}"] = _signed_body(cmd)
        self._take_effect(a, cmd.signed_on, cmd.document_id, cmd.actor,
                          f"signed on {cmd.signed_on.isoformat()} and in effect")
        self._dirty = True
        return SignedResult(proposal_id=cmd.proposal_id, duplicate=False, arrangement=view(a, self._policy),
                            stage=self._s.stage)

    def _take_effect(self, a: Arrangement, signed_on: date, document_id: str | None, actor: str, how: str) -> None:
        """The approved arrangement `a` in effect from `signed_on` (its signed copy `document_id`; None: a court's
        mediation agreement, in the proceeding's record): the ledger as it agrees, the matter to `amendment`."""
        today = self._today()
        ledger = self._s.ledger
        a.status, a.signed_on, a.document_id = "effective", signed_on, document_id
        ledger.refresh(today)
        a.paid_at_start = ledger.received
        self._fire("arrangement_effective")
        p = a.proposal
        if isinstance(p, AmendmentProposal) and p.rest_payable_on_signing and ledger.book is not None:
            # From the clause's start the ledger is the amendment's: the restructured principal, its rate.
            terms = AccrualTerms(interest_rate=p.clause.annual_rate, day_count=p.clause.day_count,
                                 max_annual_cost=ledger.book.terms.max_annual_cost)
            ledger.book = ledger.book.add(Restructure(id=f"restructure-{p.proposal_id}", terms=terms,
                                                      on=max(p.clause.start_on, ledger.book.start),
                                                      amount=p.restructured_principal))
            ledger.refresh(today)
        if isinstance(p, SettlementProposal) and not p.waiver_lapses_on_default and ledger.book is not None:
            ledger.add_waivers(p.ledger_waivers(max(signed_on, ledger.book.start), f"waiver-{p.proposal_id}"),
                               today)
        rows = a.instalments()
        self._event(f"effective-{p.proposal_id}", "arrangement_effective",
                    f"{_WORDS[view(a, self._policy).kind]} {p.proposal_id} {how}: {len(rows)} instalment(s), the "
                    f"first due {rows[0][1].isoformat()}",
                    actor=actor, data={"proposal_id": p.proposal_id, "document_id": document_id})
        self._dirty = True

    def _mediation_effective(self, number: int, proposal_id: str, on: date) -> None:
        """Proceeding `number`'s mediation agreement, effective `on`, records settlement `proposal_id`: that
        settlement is in effect from then (the agreement is its signed copy), if it still can be."""
        a = self._arrangement(proposal_id)
        if (a is None or a.status != "approved" or isinstance(a.proposal, WriteOffProposal)
                or not tr.allowed(self._s.stage, "arrangement_effective")):
            state = "not on record" if a is None else a.status
            self._event(f"mediation-{number}-{proposal_id}-not-applied", "mediation_not_applied",
                        f"Proceeding {number}: the mediation agreement is effective, but settlement {proposal_id} is "
                        f"{state} (stage {self._s.stage}): it does not take effect; the agreement is enforceable "
                        "as the court's decision", data={"number": number, "proposal_id": proposal_id})
            self._dirty = True
            return
        a.mediation = number
        self._take_effect(a, on, None, "court",
                          f"in effect from {on.isoformat()} by the mediation agreement of proceeding {number}")

    @arrangement_signed.validator
    def _validate_signed(self, cmd: SignedCommand) -> None:
        a = self._arrangement(cmd.proposal_id)
        if a is None:
            raise ApplicationError(f"proposal_id: the matter has no proposal {cmd.proposal_id!r}", type=ERR_INVALID)
        if a.document_id is not None:
            self._same_body("signed", cmd.proposal_id, _signed_body(cmd))
            return
        if a.status != "approved" or isinstance(a.proposal, WriteOffProposal):
            raise ApplicationError(f"proposal {cmd.proposal_id} is {a.status}: only an approved settlement or "
                                   "amendment is signed", type=ERR_STAGE)
        if not tr.allowed(self._s.stage, "arrangement_effective"):
            raise ApplicationError(f"an arrangement cannot take effect in stage {self._s.stage!r}", type=ERR_STAGE)
        today = self._today()
        if a.approved_on is not None and cmd.signed_on < a.approved_on:
            raise ApplicationError(f"signed_on: {cmd.signed_on.isoformat()} is before the approval "
                                   f"({a.approved_on.isoformat()})", type=ERR_INVALID)
        if cmd.signed_on > today:
            raise ApplicationError(f"signed_on: {cmd.signed_on.isoformat()} is after the matter's date "
                                   f"{today.isoformat()}", type=ERR_INVALID)
        p = a.proposal
        if (isinstance(p, AmendmentProposal) and p.rest_payable_on_signing and a.received_at_proposal is not None
                and p.payable_on_signing.is_positive()):
            received = self._s.ledger.received - a.received_at_proposal
            if received < p.payable_on_signing:
                raise ApplicationError(
                    f"payable_on_signing: the amendment takes effect only once the {p.payable_on_signing} its "
                    f"restructured principal does not carry is paid; {received} received since it was proposed",
                    type=ERR_STAGE)
        first_due = a.instalments()[0][1]
        if cmd.signed_on > first_due:
            raise ApplicationError(f"signed_on: {cmd.signed_on.isoformat()} is after the first instalment's due "
                                   f"date {first_due.isoformat()}: propose a new schedule", type=ERR_INVALID)

    # ---------------------------------------------------------------- the instalment clock
    def _instalment_deadline(self) -> datetime | None:
        a = self._open_arrangement()
        if a is None or a.status != "effective" or self._s.stage != "amendment":
            return None
        rows = a.instalments()
        if a.next_due >= len(rows):
            return None
        due_on = rows[a.next_due][1]
        return (self._s.clock.day_ends(due_on + timedelta(days=self._policy.arrangements.grace_days))
                + timedelta(seconds=a.shift_seconds))

    def _paid_under(self, a: Arrangement) -> Money:
        start = a.paid_at_start or Money.zero(self._s.ledger.currency)
        return self._s.ledger.received - start

    def _check_instalments(self, now: datetime) -> None:
        """At each instalment's deadline: paid so far covers it, or the arrangement is breached."""
        while (deadline := self._instalment_deadline()) is not None and now >= deadline:
            a = self._open_arrangement()
            assert a is not None
            due = a.due_through(a.next_due)
            paid = self._paid_under(a)
            if paid >= due:
                a.next_due += 1
                continue
            self._breach(a, now, shortfall=due - paid)
            return

    def _arrangement_paid(self, now: datetime) -> bool:
        """After a payment: every instalment paid (early or on time) keeps the arrangement (True)."""
        a = self._open_arrangement()
        if a is None or a.status != "effective" or self._s.stage != "amendment":
            return False
        rows = a.instalments()
        if self._paid_under(a) < a.due_through(len(rows) - 1):
            return False
        ledger = self._s.ledger
        waived = Money.zero(ledger.currency)
        if ledger.book is not None:
            waived = ledger.waive_rest(f"settled-{a.proposal.proposal_id}", self._s.clock.today(now))
        a.status, a.next_due = "kept", len(rows)
        self._event(f"kept-{a.proposal.proposal_id}", "arrangement_kept",
                    f"{_WORDS[view(a, self._policy).kind]} {a.proposal.proposal_id} kept: every instalment paid; "
                    f"{waived} waived as agreed", data={"proposal_id": a.proposal.proposal_id,
                                                       "waived": waived.model_dump(mode="json")})
        self._fire("arrangement_kept")
        return True

    def _breach(self, a: Arrangement, now: datetime, shortfall: Money) -> None:
        number, due_on, amount = a.instalments()[a.next_due]
        p = a.proposal
        lapses = isinstance(p, SettlementProposal) and p.waiver_lapses_on_default and p.waived_total.is_positive()
        today = self._s.clock.today(now)
        ledger = self._s.ledger
        ledger.refresh(today)  # (a waiver that does not lapse was booked when the agreement took effect)
        a.status = "breached"
        a.reason = f"instalment {number} of {amount} due {due_on.isoformat()} not paid ({shortfall} short)"
        self._event(f"breach-{p.proposal_id}", "arrangement_breached",
                    f"{_WORDS[view(a, self._policy).kind]} {p.proposal_id} breached: {a.reason}"
                    + ("; the waiver lapses and the whole balance is owed again" if lapses else ""),
                    data={"proposal_id": p.proposal_id, "instalment": number, "waiver_lapsed": lapses})
        params: dict[str, Any] = {
            "arrangement": "settlement" if isinstance(p, SettlementProposal) else "amendment",
            "agreement_date": (a.signed_on or today).isoformat(),
            "missed_instalment": number, "missed_due_on": due_on.isoformat(),
            "missed_amount": min(amount, shortfall, key=lambda m: m.amount).model_dump(mode="json"),
            "waiver_lapsed": lapses, "pay_within_days": self._policy.pay_within_days,
        }
        if lapses:
            params["waived_amount"] = p.waived_total.model_dump(mode="json")
        self._queue_letter("arrangement_breach", f"breach{a.number}", "Notice of breach of the repayment arrangement",
                           now, params=params)
        rule = self._fire("arrangement_breached")
        if rule is not None and rule.to == "legal_review":
            self._enter_legal_review(now)
        elif rule is not None and a.mediation is not None:
            self._event(f"breach-{p.proposal_id}-case", "case_continues",
                        f"The mediation agreement of proceeding {a.mediation} is not performed: it is enforceable, "
                        "the firm acting in the case is to apply for its enforcement")
        elif rule is not None:
            self._event(f"breach-{p.proposal_id}-case", "case_continues",
                        "The case pending goes on: the firm acting in it is to press the claim")


def _propose_body(cmd: ProposeCommand) -> str:
    return digest(cmd.kind, json.dumps(cmd.terms, sort_keys=True, default=str))


def _approval_body(cmd: ApprovalCommand) -> str:
    return digest(cmd.proposal_id, cmd.decision, cmd.note)


def _signed_body(cmd: SignedCommand) -> str:
    return digest(cmd.document_id, cmd.signed_on.isoformat())


__all__ = ["ArrangementHandlers", "view"]
