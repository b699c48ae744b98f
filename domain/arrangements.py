"""Settlements, contract amendments and write-offs: what is proposed, its checks, and its approval.

A proposal is data: who proposed it, on which policy date, and the balance it was measured against
(the `domain.accrual` statement on that date), so the authority it needs is fixed when it is made
and an approver sees the same figures as the proposer. Its business rules are functions
(`settlement_problems`, `amendment_problems`, `write_off_problems`, `schedule_problems`) that list
every broken rule as `<field path>: <reason>` (`instalments[2].due_on: ...`, indexes from 0), and
`check_proposal` raises them together as an `ArrangementError`. The models themselves check only
types and shapes, so a recorded proposal always decodes, even after a rule changes.

Authority (`AuthorityPolicy`, policy data): each level says who may approve (a role and how many
distinct people) and up to what: an amount waived and a share of the balance waived; a proposal
needs the lowest level that covers both. What is "waived": a settlement's bucket waivers plus its
principal discount; a write-off's amount; nothing for an amendment (what its restructured principal
does not carry of the balance is payable on signing, as the amendment agreement says, and the
agreement takes effect only once it is paid; amendments proposed before that rule counted it
waived). The proposer never decides their own proposal; each approver counts once; a decision needs
a role at or above the level's (manager above legal_team); the first rejection rejects, and enough
distinct approvals approve. A proposal approved or rejected stays so.

Guarantors: a settlement's instalments and an amendment's schedule postpone sums already due, which
changes the main contract's performance period; an amendment may also increase the debt. Without a
guarantor's written consent, Civil Code art. 695 limits what binds the guarantor:
`guarantee_warnings` says so, guarantor by guarantor (their names are personal data: histories
only, never logs).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.accrual import DayCount, Rate, Waiver
from domain.allocation import WATERFALL, Balance
from domain.authority import (
    _RANK,
    DEFAULT_LEVELS,
    ArrangementError,
    ArrangementRules,
    AuthorityLevel,
    AuthorityPolicy,
    Decision,
    Problem,
    Role,
    _raise,
    required_authority,
)
from domain.money import BoundedMoney, Money
from domain.text import PlainText

ApprovalState = Literal["pending", "approved", "rejected"]
WaivableBucket = Literal["costs", "fees", "penalty", "interest"]
WAIVABLE: tuple[str, ...] = WaivableBucket.__args__  # type: ignore[attr-defined]

Id = Annotated[str, Field(min_length=1, max_length=128)]


# ---- proposals -----------------------------------------------------------------------------------


class _Proposal(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    proposal_id: Id
    proposed_by: Id = Field(description="the user who proposed it: never its approver")
    proposed_on: date = Field(description="the policy date it was proposed on; `balance` is the balance that day")
    balance: Balance
    note: PlainText = Field(default="", max_length=2000)

    @property
    def waived_total(self) -> Money:
        raise NotImplementedError

    @property
    def waived_share(self) -> Decimal:
        """What is waived as a share of the balance (0.1 for 10%); 0 for a zero balance."""
        total = self.balance.total
        return self.waived_total.amount / total.amount if total.is_positive() else Decimal(0)


class Instalment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=1)
    due_on: date
    amount: BoundedMoney


class Waivers(BaseModel):
    """What a settlement forgives of each charge bucket (None: nothing)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    costs: BoundedMoney | None = None
    fees: BoundedMoney | None = None
    penalty: BoundedMoney | None = None
    interest: BoundedMoney | None = None

    def of(self, bucket: str, currency: str) -> Money:
        value: Money | None = getattr(self, bucket)
        return value if value is not None else Money.zero(currency)


class SettlementProposal(_Proposal):
    """Pay `instalments` and the waivers and the principal discount are forgiven.

    With `waiver_lapses_on_default` (the default) the forgiveness is conditional: a missed instalment
    ends the settlement and the whole balance is owed as if nothing had been waived, so the waivers are
    booked (`ledger_waivers`) only once the last instalment is paid.
    """

    kind: Literal["settlement"] = "settlement"
    waivers: Waivers = Waivers()
    principal_discount: BoundedMoney | None = None
    instalments: tuple[Instalment, ...]
    waiver_lapses_on_default: bool = True
    guarantor_consents: dict[PlainText, bool] = Field(
        default_factory=dict, description="guarantor name -> has consented in writing")

    @property
    def waived_total(self) -> Money:
        cur = self.balance.currency
        total = self.principal_discount if self.principal_discount is not None else Money.zero(cur)
        for bucket in WAIVABLE:
            total = total + self.waivers.of(bucket, cur)
        return total

    @property
    def payable(self) -> Money:
        """What the instalments must add up to: the balance less what is waived."""
        return self.balance.total - self.waived_total

    def ledger_waivers(self, on: date, id_prefix: str) -> tuple[Waiver, ...]:
        """The ledger entries forgiving what this settlement waives, dated `on` (ids `<prefix>-<bucket>`)."""
        cur = self.balance.currency
        amounts = {b: self.waivers.of(b, cur) for b in WAIVABLE}
        amounts["principal"] = self.principal_discount or Money.zero(cur)
        return tuple(Waiver(id=f"{id_prefix}-{b}", on=on, bucket=b, amount=amounts[b])  # type: ignore[arg-type]
                     for b in WATERFALL if amounts[b].is_positive())


class InterestClause(BaseModel):
    """The interest clause an amendment states: interest on the outstanding principal at `annual_rate`
    for the actual days since the previous due date (the first row: since `start_on`), `day_count`
    `actual/360` or `actual/365`, each row's interest rounded half-up to the minor unit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    annual_rate: Rate
    day_count: DayCount = "actual/365"
    start_on: date

    @property
    def basis(self) -> int:
        return 360 if self.day_count == "actual/360" else 365


class ScheduleRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=1)
    due_on: date
    principal: BoundedMoney
    interest: BoundedMoney

    @property
    def total(self) -> Money:
        return self.principal + self.interest


class AmendmentProposal(_Proposal):
    """A restructuring: the balance becomes `restructured_principal`, repaid on `rows` with interest by `clause`.

    What the restructured principal does not carry of the balance is payable on signing
    (`payable_on_signing`); carried interest, penalty, fees or costs become principal (and bear interest
    by the clause, from its `start_on`: the ledger's `Restructure` entry).
    """

    kind: Literal["amendment"] = "amendment"
    restructured_principal: BoundedMoney
    clause: InterestClause
    rows: tuple[ScheduleRow, ...]
    guarantor_consents: dict[PlainText, bool] = Field(
        default_factory=dict, description="guarantor name -> has consented in writing")
    # Set by the workflow, not the proposer: True for proposals made since the amendment agreement's
    # terms are the ledger's (what the restructured principal does not carry is payable on signing, as
    # the agreement says); False (proposals made before): that part counted as waived.
    rest_payable_on_signing: bool = False

    @property
    def payable_on_signing(self) -> Money:
        """What the restructured principal does not carry of the balance: paid before the agreement takes effect."""
        left = self.balance.total - self.restructured_principal
        return left if left.is_positive() else Money.zero(self.balance.currency)

    @property
    def waived_total(self) -> Money:
        if self.rest_payable_on_signing:
            return Money.zero(self.balance.currency)  # nothing is forgiven: the rest is paid on signing
        return self.payable_on_signing


class WriteOffProposal(_Proposal):
    """Stop recovering `amount` of the balance (all of it closes the matter `written_off`)."""

    kind: Literal["write_off"] = "write_off"
    amount: BoundedMoney
    reason: PlainText = Field(min_length=1, max_length=2000)

    @property
    def waived_total(self) -> Money:
        return self.amount


AnyProposal = SettlementProposal | AmendmentProposal | WriteOffProposal
Proposal = Annotated[AnyProposal, Field(discriminator="kind")]


def required_for(proposal: AnyProposal, policy: AuthorityPolicy) -> AuthorityLevel:
    """The authority `proposal` needs under `policy`."""
    return required_authority(proposal.waived_total, proposal.waived_share, policy)


# ---- checks --------------------------------------------------------------------------------------


def _currency(found: list[Problem], field: str, value: Money | None, currency: str) -> bool:
    """True if `value` is absent or in `currency`; else records the problem."""
    if value is not None and value.currency != currency:
        found.append(Problem(field, f"is in {value.currency}, the balance in {currency}"))
        return False
    return True


def _balance_owed(found: list[Problem], balance: Balance) -> None:
    if not balance.total.is_positive():
        found.append(Problem("balance", "nothing is owed (the balance is zero): there is nothing to arrange"))


def settlement_problems(p: SettlementProposal) -> tuple[Problem, ...]:
    """Every rule `p` breaks: amounts in the balance's currency; each waiver at most what its bucket owes
    and the discount at most the principal; instalments numbered 1, 2, ..., due after the proposal date
    and after each other, each more than zero, together exactly the balance less what is waived."""
    found: list[Problem] = []
    bal, cur = p.balance, p.balance.currency
    _balance_owed(found, bal)
    consistent = True
    waived: list[tuple[str, Money | None, Money]] = [(f"waivers.{b}", getattr(p.waivers, b), getattr(bal, b))
                                                      for b in WAIVABLE]
    waived.append(("principal_discount", p.principal_discount, bal.principal))
    for field, amount, owed in waived:
        if amount is None:
            continue
        if not _currency(found, field, amount, cur):
            consistent = False
        elif amount.is_negative():
            found.append(Problem(field, f"{amount} is negative"))
        elif amount > owed:
            bucket = field.split(".")[-1].replace("principal_discount", "principal")
            found.append(Problem(field, f"{amount} is more than the {bucket} owed ({owed})"))
    if not p.instalments:
        found.append(Problem("instalments", "at least one instalment is needed"))
    for i, inst in enumerate(p.instalments):
        at = f"instalments[{i}]"
        if inst.number != i + 1:
            found.append(Problem(f"{at}.number", f"{inst.number} is not the next number ({i + 1})"))
        if i == 0 and inst.due_on <= p.proposed_on:
            found.append(Problem(f"{at}.due_on", f"{inst.due_on} is not after the proposal date {p.proposed_on}"))
        elif i > 0 and inst.due_on <= p.instalments[i - 1].due_on:
            found.append(Problem(f"{at}.due_on", f"{inst.due_on} is not after instalments[{i - 1}].due_on "
                                 f"{p.instalments[i - 1].due_on} (instalments fall due one after another)"))
        if not _currency(found, f"{at}.amount", inst.amount, cur):
            consistent = False
        elif not inst.amount.is_positive():
            found.append(Problem(f"{at}.amount", f"{inst.amount} is not more than zero"))
    if consistent and p.instalments:
        paid = Money.zero(cur)
        for inst in p.instalments:
            paid = paid + inst.amount
        if paid != p.payable:
            found.append(Problem("instalments", f"the instalments total {paid}, but the balance less what is waived "
                                 f"is {p.payable} (balance {bal.total}, waived {p.waived_total})"))
    return tuple(found)


def schedule_interest(outstanding: Money, clause: InterestClause, previous: date, due_on: date) -> Money:
    """The clause's interest on `outstanding` for the actual days from `previous` to `due_on`, exactly,
    rounded half-up to the currency's minor unit."""
    days = (due_on - previous).days
    exact = Fraction(outstanding.minor) * Fraction(clause.annual_rate) * days / clause.basis
    return Money.from_minor(math.floor(exact + Fraction(1, 2)), outstanding.currency)


def schedule_problems(rows: Sequence[ScheduleRow], principal: Money, clause: InterestClause,
                      field: str = "rows") -> tuple[Problem, ...]:
    """Every rule a repayment schedule breaks: rows numbered 1, 2, ..., due after `clause.start_on` and
    after each other; principal never negative nor more than is outstanding, adding up to `principal`;
    each row's interest exactly the clause's (to the minor unit, half-up)."""
    found: list[Problem] = []
    cur = principal.currency
    if not rows:
        found.append(Problem(field, "at least one row is needed"))
    outstanding, previous, consistent = principal, clause.start_on, True
    for i, row in enumerate(rows):
        at = f"{field}[{i}]"
        if row.number != i + 1:
            found.append(Problem(f"{at}.number", f"{row.number} is not the next number ({i + 1})"))
        in_order = row.due_on > previous
        if not in_order:
            after = "clause.start_on" if i == 0 else f"{field}[{i - 1}].due_on"
            found.append(Problem(f"{at}.due_on", f"{row.due_on} is not after {after} {previous}"))
        if not (_currency(found, f"{at}.principal", row.principal, cur)
                and _currency(found, f"{at}.interest", row.interest, cur)):
            consistent = False
            continue
        if row.principal.is_negative():
            found.append(Problem(f"{at}.principal", f"{row.principal} is negative"))
        elif row.principal > outstanding:
            found.append(Problem(f"{at}.principal", f"{row.principal} is more than the principal outstanding "
                                 f"before it ({outstanding})"))
        if in_order:
            expected = schedule_interest(outstanding, clause, previous, row.due_on)
            if row.interest != expected:
                days = (row.due_on - previous).days
                rate = format(clause.annual_rate.normalize(), "f")
                found.append(Problem(f"{at}.interest", f"{row.interest} is not the clause's interest {expected} "
                                     f"({outstanding} x {rate} x {days} days / {clause.basis}, rounded half-up)"))
            previous = row.due_on
        outstanding = outstanding - row.principal
        if outstanding.is_negative():
            outstanding = Money.zero(cur)
    if consistent and rows:
        repaid = Money.zero(cur)
        for row in rows:
            repaid = repaid + row.principal
        if repaid != principal:
            found.append(Problem(field, f"the rows repay {repaid} of principal, not the restructured principal "
                                 f"{principal}"))
    return tuple(found)


def check_schedule(rows: Sequence[ScheduleRow], principal: Money, clause: InterestClause) -> None:
    """Raise an ArrangementError listing every rule the schedule breaks (see `schedule_problems`)."""
    _raise(schedule_problems(rows, principal, clause))


def build_schedule(principal: Money, clause: InterestClause, due_dates: Sequence[date],
                   principals: Sequence[Money] | None = None) -> tuple[ScheduleRow, ...]:
    """A schedule repaying `principal` on `due_dates` with the clause's interest: equal principal in
    each row (the last row takes the remainder of the division), or `principals` as given."""
    if principals is None:
        n = len(due_dates)
        if n == 0:
            return ()
        base, rest = divmod(principal.minor, n)
        principals = [Money.from_minor(base + (rest if i == n - 1 else 0), principal.currency) for i in range(n)]
    if len(principals) != len(due_dates):
        raise ValueError(f"{len(principals)} principal amounts for {len(due_dates)} due dates")
    rows, outstanding, previous = [], principal, clause.start_on
    for i, (due_on, part) in enumerate(zip(due_dates, principals, strict=True)):
        interest = schedule_interest(outstanding, clause, previous, due_on)
        rows.append(ScheduleRow(number=i + 1, due_on=due_on, principal=part, interest=interest))
        outstanding, previous = outstanding - part, due_on
    return tuple(rows)


def amendment_problems(p: AmendmentProposal) -> tuple[Problem, ...]:
    """Every rule `p` breaks: a positive restructured principal in the balance's currency, interest
    starting no earlier than the proposal date (interest up to it is in the balance already), and a
    schedule that `schedule_problems` accepts."""
    found: list[Problem] = []
    cur = p.balance.currency
    _balance_owed(found, p.balance)
    if not _currency(found, "restructured_principal", p.restructured_principal, cur):
        return tuple(found)
    if not p.restructured_principal.is_positive():
        found.append(Problem("restructured_principal", f"{p.restructured_principal} is not more than zero"))
    if p.clause.start_on < p.proposed_on:
        found.append(Problem("clause.start_on", f"{p.clause.start_on} is before the proposal date {p.proposed_on}: "
                             "the interest up to it is in the balance already"))
    found.extend(schedule_problems(p.rows, p.restructured_principal, p.clause))
    return tuple(found)


def write_off_problems(p: WriteOffProposal) -> tuple[Problem, ...]:
    """Every rule `p` breaks: an amount in the balance's currency, more than zero, at most the balance."""
    found: list[Problem] = []
    _balance_owed(found, p.balance)
    if _currency(found, "amount", p.amount, p.balance.currency):
        if not p.amount.is_positive():
            found.append(Problem("amount", f"{p.amount} is not more than zero"))
        elif p.amount > p.balance.total:
            found.append(Problem("amount", f"{p.amount} is more than the balance ({p.balance.total})"))
    return tuple(found)


def proposal_problems(p: AnyProposal) -> tuple[Problem, ...]:
    if isinstance(p, SettlementProposal):
        return settlement_problems(p)
    if isinstance(p, AmendmentProposal):
        return amendment_problems(p)
    return write_off_problems(p)


def check_proposal(p: AnyProposal) -> None:
    """Raise an ArrangementError listing every rule `p` breaks."""
    _raise(proposal_problems(p))


# ---- approvals -----------------------------------------------------------------------------------


class Approval(BaseModel):
    """One person's decision on a proposal."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    approver: Id
    role: Role
    at: AwareDatetime
    decision: Decision
    note: PlainText = Field(default="", max_length=2000)


def approval_problems(proposal: AnyProposal, approval: Approval, policy: AuthorityPolicy,
                      field: str = "") -> tuple[Problem, ...]:
    """Why `approval` may not decide `proposal`: its approver proposed it, or its role is below the
    authority the proposal needs. `field` prefixes the field paths (`approvals[1]`)."""
    at = f"{field}." if field else ""
    found: list[Problem] = []
    if approval.approver == proposal.proposed_by:
        found.append(Problem(f"{at}approver", f"{approval.approver} made proposal {proposal.proposal_id} and cannot "
                             "decide it: someone else approves or rejects it"))
    needed = required_for(proposal, policy)
    if _RANK[approval.role] < _RANK[needed.role]:
        found.append(Problem(f"{at}role", f"a {approval.role} user cannot decide proposal {proposal.proposal_id}: "
                             f"waiving {proposal.waived_total} ({proposal.waived_share:.2%} of the balance) needs "
                             f"{needed.describe()}"))
    return tuple(found)


def approval_state(proposal: AnyProposal, approvals: Sequence[Approval], policy: AuthorityPolicy) -> ApprovalState:
    """Where `proposal` stands after `approvals`, taken in time order (the given order within an instant).

    Refuses (ArrangementError naming `approvals[i].approver` or `.role`) a decision by the proposer or by
    a role below the authority needed. The first rejection rejects; approvals by as many distinct people
    as the level needs approve (the same approver counts once). Decisions after that change nothing.
    """
    problems = [p for i, a in enumerate(approvals) for p in approval_problems(proposal, a, policy, f"approvals[{i}]")]
    _raise(problems)
    needed = required_for(proposal, policy)
    approvers: set[str] = set()
    for a in sorted(approvals, key=lambda a: a.at):
        if a.decision == "reject":
            return "rejected"
        approvers.add(a.approver)
        if len(approvers) >= needed.approvers:
            return "approved"
    return "pending"


def check_approval(proposal: AnyProposal, approval: Approval, earlier: Sequence[Approval],
                   policy: AuthorityPolicy) -> None:
    """Raise an ArrangementError if `approval` may not be recorded after `earlier` (see `approval_problems`;
    and a proposal already approved or rejected takes no more decisions)."""
    problems = list(approval_problems(proposal, approval, policy))
    state = approval_state(proposal, earlier, policy)
    if state != "pending":
        problems.append(Problem("decision", f"proposal {proposal.proposal_id} is already {state}"))
    _raise(problems)


__all__ = ["DEFAULT_LEVELS", "WAIVABLE", "AmendmentProposal", "AnyProposal", "Approval", "ApprovalState",
           "ArrangementRules",
           "ArrangementError", "AuthorityLevel", "AuthorityPolicy", "Decision", "Instalment",
           "InterestClause", "Problem", "Proposal", "Role", "ScheduleRow", "SettlementProposal", "WaivableBucket",
           "Waivers", "WriteOffProposal", "amendment_problems", "approval_problems", "approval_state",
           "build_schedule", "check_approval", "check_proposal", "check_schedule",
           "proposal_problems", "required_authority", "required_for", "schedule_interest",
           "schedule_problems", "settlement_problems", "write_off_problems"]
