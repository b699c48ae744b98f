"""A proceeding's filing drafted from the matter's record (a mixin of `MatterWorkflow`).

`draft_filing` (the firm's partner, or a manager) orders, for a proceeding not filed yet: an evidence
bundle made for it (every stored letter, upload and the payments ledger, each re-verified, with its
catalogue: activity `make_instruction_bundle`, id `P<n>-<sha256 prefix>`), then the civil complaint (a
suit) or the arbitration application (before the commission the contract's clause names) citing that
catalogue and its item count, and for a suit the power of attorney for the firm's lawyers. Every fact
of the documents is the record's on the day they are made (`documents/kinds/_filings.py`): the balance
with every payment received deducted, the first missed due date, the demands by the days they were
sent, the acceleration notice's delivery, the contract's penalty rate; what the record lacks (the
parties' particulars, who signs for the creditor, the court when the contract agrees none) is checked
here and named when wrong, before anything is queued.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.inputs import BundleJob
    from documents.kinds._parties import particulars_for
    from domain.status import ProceedingView
    from workflows.children import FilingParticulars
    from workflows.contracts import (
        ERR_INVALID,
        ERR_NOT_YOURS,
        ERR_STAGE,
        UPDATE_DRAFT_FILING,
        UPDATE_DRAFT_PRESERVATION,
        DraftFilingCommand,
        DraftFilingResult,
        DraftPreservationCommand,
        DraftPreservationResult,
    )
    from workflows.matter.mixin import MatterMixin
    from workflows.matter.referrals import DEMAND_KINDS
    from workflows.matter.state import Effect, FilingOrder, digest


# An arbitration's filing was drafted without a power of attorney; since, with one for the lawyers it names.
PATCH_ARBITRATION_POA = "arbitration-poa"


def _draft_body(cmd: DraftFilingCommand | DraftPreservationCommand) -> str:
    return digest(cmd.model_dump_json(exclude={"draft_id", "actor", "firm"}))


def _check_security(cmd: DraftPreservationCommand, pre_suit: bool) -> None:
    """Security, or in the case the request to be excused from it on a ground of SPC Provisions art. 9 with
    the fact that shows it; never both, never neither."""
    excused = cmd.excused
    if excused is None:
        if cmd.security is None:
            raise ApplicationError("security: give the security offered (provider, instrument, reference, amount)"
                                   + ("" if pre_suit else ", or `excused` with its ground"), type=ERR_INVALID)
        return
    if pre_suit:
        raise ApplicationError("excused: pre-suit preservation needs the applicant's security: without it the court "
                               "rejects the application (CPL art. 104)", type=ERR_INVALID)
    if cmd.security is not None:
        raise ApplicationError("excused: an application offers security or asks to be excused from it, not both",
                               type=ERR_INVALID)
    if excused.ground == "financial_institution" and excused.licence is None:
        raise ApplicationError("excused.licence: the ground financial_institution (SPC Provisions art. 9(6)) is shown "
                               "by the financial licence's institution code", type=ERR_INVALID)
    if excused.ground == "clear_facts" and excused.reason is None:
        raise ApplicationError("excused.reason: the ground clear_facts (SPC Provisions art. 9(5)) needs the facts "
                               "that show it", type=ERR_INVALID)
    if excused.ground != "financial_institution" and excused.licence is not None:
        raise ApplicationError("excused.licence: only with the ground financial_institution", type=ERR_INVALID)
    if excused.ground != "clear_facts" and excused.reason is not None:
        raise ApplicationError("excused.reason: only with the ground clear_facts", type=ERR_INVALID)


def _particulars(id_number: str, given: FilingParticulars, field: str) -> dict[str, Any]:
    try:
        return particulars_for(id_number, gender=given.gender, born_on=given.born_on, ethnicity=given.ethnicity,
                               nationality=given.nationality).model_dump(mode="json")
    except ValueError as exc:
        raise ApplicationError(f"{field}.{exc}", type=ERR_INVALID) from None


class FilingHandlers(MatterMixin):

    @workflow.update(name=UPDATE_DRAFT_FILING)
    def draft_filing(self, cmd: DraftFilingCommand) -> DraftFilingResult:
        ps = self._s.proceedings
        known = ps.drafts.get(cmd.draft_id)
        if known is not None:
            self._same_body("draft_id", cmd.draft_id, _draft_body(cmd))
            return known.model_copy(update={"duplicate": True})
        view = next(p for p in ps.items if p.number == cmd.number)
        n, k = cmd.number, 1 + sum(1 for d in ps.drafts.values() if d.number == cmd.number)
        suit = view.forum == "court"
        kind = "civil_complaint" if suit else "arbitration_application"
        step, reference = f"filing-{n}-{k}", f"EC-{self._mid[:8].upper()}-P{n}-{k}"
        params = self._filing_params(cmd, suit)
        if view.override_reason:
            params["override_reason"] = view.override_reason
        # (an arbitration's power of attorney, for the lawyers named, since patch "arbitration-poa")
        poa = suit or (bool(cmd.agents) and workflow.patched(PATCH_ARBITRATION_POA))
        if not suit and not poa:
            for name in ("agents", "forum", "court", "special_authorisation"):
                params.pop(name, None)
        now = workflow.now()
        self._queue(Effect(key=f"filing:{n}:{k}", queued_at=now, filing=FilingOrder(
            number=n, step=step, kind=kind, reference=reference, params=params,  # type: ignore[arg-type]
            power_of_attorney=poa)))
        documents = [f"{self._mid}-{step}-{kind}"] + ([f"{self._mid}-{step}-poa-power_of_attorney"] if poa else [])
        result = DraftFilingResult(draft_id=cmd.draft_id, duplicate=False, number=n, kind=kind,  # type: ignore[arg-type]
                                   documents=documents, evidence_reference=reference)
        ps.drafts[cmd.draft_id] = result
        self._s.bodies[f"draft_id:{cmd.draft_id}"] = _draft_body(cmd)
        what = "complaint" if suit else "arbitration application"
        self._event(f"filing-{n}-{k}-ordered", "filing_ordered",
                    f"Proceeding {n}: the {what} drafted from the record" + (" with the power of attorney" if poa
                                                                            else "") + f" (evidence {reference})",
                    actor=cmd.actor, data={"number": n, "documents": documents, "evidence_reference": reference})
        self._dirty = True
        return result

    def _draft_target(self, cmd: DraftFilingCommand | DraftPreservationCommand,
                      known: Mapping[str, object]) -> ProceedingView | None:
        """The proceeding a draft command is for (None: a repeat, checked the same); refusals named."""
        if cmd.draft_id in known:
            self._same_body("draft_id", cmd.draft_id, _draft_body(cmd))
            return None
        self._refuse_if_closed()
        view = next((p for p in self._s.proceedings.items if p.number == cmd.number), None)
        if view is None or (cmd.firm is not None and cmd.firm != view.firm):
            raise ApplicationError("proceeding not found", type=ERR_NOT_YOURS)
        return view

    @draft_filing.validator
    def _validate_draft_filing(self, cmd: DraftFilingCommand) -> None:
        view = self._draft_target(cmd, self._s.proceedings.drafts)
        if view is None:
            return
        if view.status not in ("starting", "started"):
            raise ApplicationError(f"proceeding {cmd.number} is {view.status}: its filing is drafted before it is "
                                   "filed", type=ERR_STAGE)
        if view.instance == 2:
            raise ApplicationError("an appeal's petition is drafted by the firm: only a first-instance complaint or "
                                   "application is drafted from the record", type=ERR_STAGE)
        if self._held(workflow.now()):
            raise ApplicationError("the matter is on hold: nothing is filed until the hold ends", type=ERR_STAGE)
        contract = self._intake.contract
        if contract.penalty_rate is None:
            raise ApplicationError("contract.penalty_rate: the contract on record states no penalty rate, and the "
                                   "claim asks for penalty interest at the agreed rate", type=ERR_INVALID)
        clause = contract.dispute
        suit = view.forum == "court"
        if not suit and (clause is None or clause.text is None or clause.article is None):
            raise ApplicationError("contract.dispute: the application quotes the arbitration clause: its article "
                                   "and wording are not on record", type=ERR_INVALID)
        if suit and not cmd.court and not (clause is not None and clause.forum == "court" and clause.court):
            raise ApplicationError("court: name the people's court with jurisdiction (the contract agrees none)",
                                   type=ERR_INVALID)
        if suit and not cmd.agents:
            raise ApplicationError("agents: the power of attorney appoints one or two of the firm's lawyers",
                                   type=ERR_INVALID)
        self._filing_params(cmd, suit)  # the particulars, each named when wrong

    def _filing_params(self, cmd: DraftFilingCommand, suit: bool) -> dict[str, Any]:
        intake = self._intake
        params: dict[str, Any] = {
            "representative": cmd.representative, "contact_person": cmd.contact_person,
            "contact_phone": cmd.contact_phone,
            "borrower_particulars": _particulars(intake.borrower.id_number, cmd.borrower, "borrower"),
        }
        if suit:
            if len(cmd.guarantors) != len(intake.guarantors):
                raise ApplicationError(f"guarantors: {len(cmd.guarantors)} given for the {len(intake.guarantors)} "
                                       "guarantor(s) on record, who are sued with the borrower: one each, in the "
                                       "record's order", type=ERR_INVALID)
            params["guarantor_particulars"] = [_particulars(g.id_number, p, f"guarantors.{i}") for i, (g, p)
                                               in enumerate(zip(intake.guarantors, cmd.guarantors, strict=True))]
            clause = intake.contract.dispute
            agreed = clause.court if clause is not None and clause.forum == "court" else None
            params["court"] = agreed or cmd.court
        elif cmd.agents:  # the commission the agents act before: the clause's
            clause = intake.contract.dispute
            params["forum"] = "arbitration"
            params["court"] = clause.institution if clause is not None else None
        if suit or cmd.agents:
            current = self._s.referral.current
            firm = (current.firm_name if current is not None else None) or cmd.firm or ""
            params["agents"] = [{**a.model_dump(mode="json"), "law_firm": firm} for a in cmd.agents]
            params["special_authorisation"] = cmd.special_authorisation
        return params

    # ------------------------------------------------------------------ property preservation
    @workflow.update(name=UPDATE_DRAFT_PRESERVATION)
    def draft_preservation(self, cmd: DraftPreservationCommand) -> DraftPreservationResult:
        """The application for property preservation, from the record: the claim is the balance on its day,
        the assets the record's with their values; pre-suit before the filing, else in the case."""
        ps = self._s.proceedings
        known = ps.preservations.get(cmd.draft_id)
        if known is not None:
            self._same_body("draft_id", cmd.draft_id, _draft_body(cmd))
            return known.model_copy(update={"duplicate": True})
        view = next(p for p in ps.items if p.number == cmd.number)
        k = 1 + sum(1 for d in ps.preservations.values() if d.number == cmd.number)
        step = f"preservation-{cmd.number}-{k}"
        sent_on = sorted({self._s.clock.today(d.created_at) for d in self._s.documents if d.kind in DEMAND_KINDS})
        params: dict[str, Any] = {
            "representative": cmd.representative, "contact_person": cmd.contact_person,
            "contact_phone": cmd.contact_phone, "court": cmd.court,
            "borrower_particulars": _particulars(self._intake.borrower.id_number, cmd.borrower, "borrower"),
            "assets": [a.model_dump(mode="json") for a in cmd.assets],
            "security": cmd.security.model_dump(mode="json") if cmd.security else None,
            "excused": cmd.excused.model_dump(mode="json") if cmd.excused else None, "case_number": view.case_number,
            "demands_on": [d.isoformat() for d in sent_on],
        }
        # (the claim as the ledger last stated it: the letter's, on its day, is never less)
        params["preserve_amount"] = (cmd.preserve_amount or self._s.ledger.balance.total).model_dump(mode="json")
        now = workflow.now()
        pre_suit = view.case_number is None
        what = "pre-suit" if pre_suit else "in-suit"
        self._queue_letter("preservation_application", step, f"Application for {what} property preservation "
                           f"(proceeding {cmd.number})", now, params=params)
        result = DraftPreservationResult(draft_id=cmd.draft_id, duplicate=False, number=cmd.number,
                                         pre_suit=pre_suit,
                                         document_id=f"{self._mid}-{step}-preservation_application")
        ps.preservations[cmd.draft_id] = result
        self._s.bodies[f"draft_id:{cmd.draft_id}"] = _draft_body(cmd)
        self._event(f"{step}-ordered", "preservation_ordered",
                    f"Proceeding {cmd.number}: the application for {what} property preservation drafted from the "
                    "record", actor=cmd.actor, data={"number": cmd.number, "document_id": result.document_id})
        self._dirty = True
        return result

    @draft_preservation.validator
    def _validate_draft_preservation(self, cmd: DraftPreservationCommand) -> None:
        view = self._draft_target(cmd, self._s.proceedings.preservations)
        if view is None:
            return
        if view.status in ("closed", "effective"):
            raise ApplicationError(f"proceeding {cmd.number} is {view.status}: property is preserved in "
                                   "enforcement now", type=ERR_STAGE)
        assets = self._intake.assets
        for i, a in enumerate(cmd.assets):
            if a.asset >= len(assets):
                raise ApplicationError(f"assets.{i}.asset: the record has {len(assets)} asset(s) (0 to "
                                       f"{len(assets) - 1})", type=ERR_INVALID)
            if assets[a.asset].estimated_value is None:
                raise ApplicationError(f"assets.{i}.asset: the record gives it no estimated value",
                                       type=ERR_INVALID)
        _check_security(cmd, pre_suit=view.case_number is None)
        claim = self._s.ledger.balance.total
        amount = cmd.preserve_amount or claim
        amounts = [("preserve_amount", amount)] + ([("security.amount", cmd.security.amount)] if cmd.security else [])
        for field, money in amounts:
            if money.currency != claim.currency:
                raise ApplicationError(f"{field}: in {claim.currency}, the claim's currency", type=ERR_INVALID)
        if amount > claim or not amount.is_positive():
            raise ApplicationError(f"preserve_amount: between 0 and the claim ({claim}): preservation is limited "
                                   "to the scope of the claim (CPL art. 105)", type=ERR_INVALID)
        if view.case_number is None and cmd.security is not None and cmd.security.amount < amount:
            raise ApplicationError("security.amount: pre-suit preservation needs security of the full amount to "
                                   "preserve (CPL art. 104; SPC Provisions on Property Preservation art. 5)",
                                   type=ERR_INVALID)
        _particulars(self._intake.borrower.id_number, cmd.borrower, "borrower")

    async def _draft_filing(self, effect: Effect, order: FilingOrder) -> None:
        if order.bundle is None:
            ref = await self._make_bundle(
                BundleJob(matter_id=self._mid, number=order.number, prefix="P", reference=order.reference,
                          locale=self._intake.borrower.locale, created_at=workflow.now()),
                f"evidence {order.reference} for proceeding {order.number}",
                f"The evidence for proceeding {order.number}", publish_first=True)
            order = order.model_copy(update={"bundle": ref})
            effect.filing = order
            self._event(f"{order.step}-bundle", "filing_bundle",
                        f"Proceeding {order.number}: evidence {order.reference} made: {ref.item_count} files, sha256 "
                        f"{ref.sha256}", data={"number": order.number, "bundle_id": ref.bundle_id,
                                               "sha256": ref.sha256, "item_count": ref.item_count})
        bundle = order.bundle
        assert bundle is not None
        now = workflow.now()
        sent_on = sorted({self._s.clock.today(d.created_at) for d in self._s.documents if d.kind in DEMAND_KINDS})
        params = {**order.params, "evidence_catalog_reference": order.reference, "evidence_count": bundle.item_count,
                  "demands_on": [d.isoformat() for d in sent_on]}
        what = "Civil complaint" if order.kind == "civil_complaint" else "Arbitration application"
        self._queue_letter(order.kind, order.step, f"{what} (proceeding {order.number})", now, params=params)
        if order.power_of_attorney:
            self._queue_letter("power_of_attorney", f"{order.step}-poa",
                               f"Power of attorney (proceeding {order.number})", now, params=params)


__all__ = ["FilingHandlers"]
