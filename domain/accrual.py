"""Interest and default charges that accrue day by day, and a matter's ledger replayed to any date.

`statement(opening, start, terms, entries, as_of)` is "what is owed on `as_of`": the balance at
`start` (the buckets taken in at intake), the charges accrued since, and every payment, waiver
and reversal dated up to `as_of`, replayed in date order. It is a pure function of its inputs, so
the workflow, the API (`?as_of=`) and a letter "calculated to <date>" all get the same cents.

Conventions (the closing note of the negotiation issue lists them for review):

- Charges accrue on the balance as it stands at the start of each day, from `start` up to but not
  including `as_of` (a payment dated D stops the accrual on what it pays from D on). The charges
  for `days` days at an annual `rate` on an amount are `amount * rate * days / basis`, basis 360 or
  365 by the day-count convention (`actual/360`, `actual/365`: actual calendar days elapsed).
- `interest_rate` accrues on the overdue principal into `interest`; `penalty_rate` on the overdue
  principal into `penalty`; `compound_rate` on the overdue interest into `penalty` (compound
  interest). Each rate is annual and states itself: no charge is implied by another.
- Accrued charges are booked (rounded half-up to the currency's minor unit) at each ledger entry
  and at `as_of`, so the buckets are always whole cents and every payment is allocated exactly.
- `max_annual_cost` caps what accrues here: from `start`, everything booked (interest, penalty and
  compound together) never exceeds `max_annual_cost * overdue principal * days / basis` summed over
  the days (rounded down); above it, compound is cut first, then penalty, then interest.
- An acceleration adds the principal not yet due to the principal bucket on the day the notice was
  delivered: from then it accrues with the rest (the whole loan is due).
- A contract amendment (`Restructure`) in effect from a day makes the restructured principal of what
  is owed that day principal (the rest stays owed, in the buckets paid first: the agreement makes it
  payable on signing), and from that day charges accrue by the amendment's interest clause.
- A reversed payment (a bounced transfer) counts as never made in any statement dated on or after
  its reversal: it is left out from its own date, so the accrual it stopped runs again and its
  allocation is undone to the cent (neither it nor its reversal books the accrual on its date, so not
  even a rounding differs). A statement dated before the reversal still shows it applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.allocation import Allocation, Balance, allocate
from domain.contract import DayCount, LoanContract
from domain.money import BoundedMoney, Money, minor_units

Bucket = Literal["costs", "fees", "penalty", "interest", "principal"]
_BASIS: dict[str, int] = {"actual/360": 360, "actual/365": 365}

Rate = Annotated[Decimal, Field(ge=0, le=1, description="annual, e.g. 0.0435 for 4.35% a year")]


class AccrualTerms(BaseModel):
    """How charges grow on an overdue balance: from the contract, else from the policy."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    interest_rate: Rate
    penalty_rate: Rate = Decimal(0)
    compound_rate: Rate = Decimal(0)
    day_count: DayCount = "actual/365"
    max_annual_cost: Decimal | None = Field(
        default=None, gt=0, le=10,
        description="the most all charges accrued here may cost a year, as a share of the overdue principal")

    @property
    def basis(self) -> int:
        return _BASIS[self.day_count]


class AccrualPolicy(BaseModel):
    """The policy's part: what applies where the contract is silent, and the house cap."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day_count: DayCount = Field(default="actual/360", description="where the contract names none")
    penalty_replaces_interest: bool = Field(
        default=True, description="overdue principal bears the penalty rate instead of (not on top of) the "
                                  "contract rate, when the contract states a penalty rate")
    max_annual_cost: Decimal | None = Field(
        default=None, gt=0, le=10,
        description="cap on everything accrued here in a year, as a share of the overdue principal")

    def terms_for(self, contract: LoanContract) -> AccrualTerms:
        """The terms a matter accrues on: the contract's rates, the policy's defaults and cap."""
        penalty = contract.penalty_rate or Decimal(0)
        interest = Decimal(0) if penalty and self.penalty_replaces_interest else contract.annual_rate
        return AccrualTerms(interest_rate=interest, penalty_rate=penalty,
                            compound_rate=contract.compound_rate or Decimal(0),
                            day_count=contract.day_count or self.day_count, max_annual_cost=self.max_annual_cost)


class Charges(BaseModel):
    """Charges booked for a period: interest, penalty and compound interest (booked into `penalty`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    interest: Money
    penalty: Money
    compound: Money

    @classmethod
    def zero(cls, currency: str) -> Charges:
        return cls(interest=Money.zero(currency), penalty=Money.zero(currency), compound=Money.zero(currency))

    @property
    def total(self) -> Money:
        return self.interest + self.penalty + self.compound

    def __add__(self, other: Charges) -> Charges:
        return Charges(interest=self.interest + other.interest, penalty=self.penalty + other.penalty,
                       compound=self.compound + other.compound)


class Payment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["payment"] = "payment"
    id: str = Field(min_length=1, max_length=128)
    on: date
    amount: BoundedMoney


class Waiver(BaseModel):
    """Part of one bucket forgiven (by a settlement or a decision within authority)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["waiver"] = "waiver"
    id: str = Field(min_length=1, max_length=128)
    on: date
    bucket: Bucket
    amount: BoundedMoney


class Reversal(BaseModel):
    """A payment that did not hold (a bounced transfer), with why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["reversal"] = "reversal"
    id: str = Field(min_length=1, max_length=200)
    on: date
    payment_id: str
    reason: str = Field(min_length=1, max_length=500)


class Acceleration(BaseModel):
    """The creditor declared the whole loan due: from `on` (the notice's delivery) the principal not yet
    due joins the overdue principal, and accrues with it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["acceleration"] = "acceleration"
    id: str = Field(min_length=1, max_length=200)
    on: date
    amount: BoundedMoney


class Restructure(BaseModel):
    """A contract amendment in effect from `on`: `amount` of what is owed that day becomes the principal
    of the restructured loan (the restructured principal), and from `on` charges accrue by `terms` (the
    amendment's interest clause) instead of the original terms.

    What the restructured principal does not carry stays owed as it was (the agreement makes it payable
    on signing), in the buckets a payment meets first (costs, fees, penalty, interest, then principal):
    the restructured principal is made of the rest. When less than `amount` is owed that day (paid
    meanwhile), all of it is principal."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["restructure"] = "restructure"
    id: str = Field(min_length=1, max_length=200)
    on: date
    amount: BoundedMoney
    terms: AccrualTerms


Entry = Annotated[Payment | Waiver | Reversal | Acceleration | Restructure, Field(discriminator="kind")]
AnyEntry = Payment | Waiver | Reversal | Acceleration | Restructure


class Line(BaseModel):
    """One step of the replay and the balance after it (an accrual: the `days` before `on`, booked on `on`).

    A reversed payment and its reversal change nothing: their `balance` is the one last booked.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    on: date
    kind: Literal["accrual", "payment", "waiver", "reversal", "acceleration", "restructure"]
    entry_id: str | None = None
    days: int = 0
    charges: Charges | None = None
    allocation: Allocation | None = None  # None for a payment reversed as of the statement's date
    waived: Money | None = None
    accelerated: Money | None = None
    reversed: bool = False
    balance: Balance


class Statement(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    start: date
    as_of: date
    terms: AccrualTerms
    opening: Balance
    balance: Balance
    accrued: Charges
    paid: Money  # applied to the buckets, reversed payments left out
    unapplied: Money  # overpayments, held for refund
    waived: Money
    accelerated: Money  # principal not yet due that acceleration made due
    capped: bool  # the cap cut some charge
    lines: tuple[Line, ...]


class LedgerError(ValueError):
    """Entries that cannot be replayed; the message names the entry and the reason."""


def statement(opening: Balance, start: date, terms: AccrualTerms, entries: Sequence[AnyEntry],
              as_of: date, *, accrue_until: date | None = None) -> Statement:
    """The balance owed on `as_of`: `opening` on `start`, plus accrual, minus what the entries paid or waived.

    With `accrue_until`, nothing accrues after that date (entries dated later still count).
    """
    cur = opening.currency
    if as_of < start:
        raise LedgerError(f"as_of {as_of} is before the accrual start {start}")
    _check(entries, start, cur)
    reversed_ids = {e.payment_id for e in entries if isinstance(e, Reversal) and e.on <= as_of}
    book = _Book(terms, cur)
    balance, day = opening, start
    lines: list[Line] = []
    paid, unapplied, waived, accelerated = Money.zero(cur), Money.zero(cur), Money.zero(cur), Money.zero(cur)
    for entry in sorted((e for e in entries if e.on <= as_of), key=lambda e: e.on):  # stable: given order in a day
        if isinstance(entry, Reversal) or entry.id in reversed_ids:  # no effect, so no booking: exactly as if absent
            lines.append(Line(on=entry.on, kind=entry.kind, entry_id=entry.id, reversed=isinstance(entry, Payment),
                              balance=balance))
            continue
        if entry.on > day:
            balance = _accrue_to(book, balance, day, entry.on, accrue_until, lines)
            day = entry.on
        if isinstance(entry, Payment):
            allocation, balance = allocate(balance, entry.amount)
            paid, unapplied = paid + allocation.applied, unapplied + allocation.unapplied
            lines.append(Line(on=entry.on, kind="payment", entry_id=entry.id, allocation=allocation, balance=balance))
        elif isinstance(entry, Waiver):
            owed: Money = getattr(balance, entry.bucket)
            if entry.amount > owed:
                raise LedgerError(f"waiver {entry.id}: {entry.amount} is more than the {entry.bucket} owed on "
                                  f"{entry.on} ({owed})")
            balance = balance.model_copy(update={entry.bucket: owed - entry.amount})
            waived = waived + entry.amount
            lines.append(Line(on=entry.on, kind="waiver", entry_id=entry.id, waived=entry.amount, balance=balance))
        elif isinstance(entry, Acceleration):
            balance = balance.model_copy(update={"principal": balance.principal + entry.amount})
            accelerated = accelerated + entry.amount
            lines.append(Line(on=entry.on, kind="acceleration", entry_id=entry.id, accelerated=entry.amount,
                              balance=balance))
        elif isinstance(entry, Restructure):
            balance = _restructured(balance, entry.amount)
            book.terms = entry.terms
            lines.append(Line(on=entry.on, kind="restructure", entry_id=entry.id, balance=balance))
    if as_of > day:
        balance = _accrue_to(book, balance, day, as_of, accrue_until, lines)
    return Statement(start=start, as_of=as_of, terms=terms, opening=opening, balance=balance, accrued=book.booked,
                     paid=paid, unapplied=unapplied, waived=waived, accelerated=accelerated, capped=book.capped,
                     lines=tuple(lines))


class Book(BaseModel):
    """A matter's ledger as data: what was taken in, from when, on what terms, and every entry since.

    `on(as_of)` is the statement on any date: the workflow keeps it, the projection stores it with
    the status, and the API answers `?as_of=` from it without asking the workflow. `until` stops the
    accrual (a matter closed or written off accrues nothing after): a statement asked for a later date
    carries the balance of `until` forward.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    opening: Balance
    start: date
    terms: AccrualTerms
    entries: tuple[Entry, ...] = ()
    until: date | None = None

    @property
    def currency(self) -> str:
        return self.opening.currency

    def last_entry_on(self) -> date | None:
        """The date of the last thing that happened (an amendment's start may be a date still to come)."""
        return max((e.on for e in self.entries if not isinstance(e, Restructure)), default=None)

    def terms_on(self, day: date) -> AccrualTerms:
        """The terms charges accrue by on `day`: an amendment's from its start, else the original ones."""
        amended = [e for e in self.entries if isinstance(e, Restructure) and e.on <= day]
        return max(amended, key=lambda e: e.on).terms if amended else self.terms

    def on(self, as_of: date) -> Statement:
        """The statement on `as_of` (a date before `start` is refused: nothing was booked then)."""
        return statement(self.opening, self.start, self.terms, self.entries, as_of, accrue_until=self.until)

    def add(self, entry: AnyEntry) -> Book:
        """The book with one more entry (checked: an entry that cannot be replayed raises LedgerError)."""
        book = self.model_copy(update={"entries": (*self.entries, entry)})
        _check(book.entries, book.start, book.currency)
        return book


def _restructured(balance: Balance, principal: Money) -> Balance:
    """`balance` with `principal` of it made principal: the rest kept in the buckets paid first."""
    keep = balance.total - principal  # owed outside the restructured principal (payable on signing)
    out: dict[str, Money] = {}
    for bucket in ("costs", "fees", "penalty", "interest", "principal"):
        owed: Money = getattr(balance, bucket)
        take = owed if owed <= keep else (keep if keep.is_positive() else Money.zero(balance.currency))
        out[bucket] = take
        keep = keep - take
    carried = balance.total - sum((m for m in out.values()), Money.zero(balance.currency))
    return Balance(costs=out["costs"], fees=out["fees"], penalty=out["penalty"], interest=out["interest"],
                   principal=out["principal"] + carried)


def _accrue_to(book: _Book, balance: Balance, day: date, end: date, accrue_until: date | None,
               lines: list[Line]) -> Balance:
    if accrue_until is not None:
        end = min(end, max(accrue_until, day))
    if end > day:
        balance, line = book.accrue(balance, day, end)
        lines.append(line)
    return balance


def _check(entries: Sequence[AnyEntry], start: date, currency: str) -> None:
    seen: dict[str, AnyEntry] = {}
    for e in entries:
        if e.id in seen:
            raise LedgerError(f"entry id {e.id!r} is used twice")
        seen[e.id] = e
        if e.on < start:
            raise LedgerError(f"{e.kind} {e.id} on {e.on} is before the accrual start {start}")
        if not isinstance(e, Reversal):
            if e.amount.currency != currency:
                raise LedgerError(f"{e.kind} {e.id} is in {e.amount.currency}, the balance in {currency}")
            if not e.amount.is_positive():
                raise LedgerError(f"{e.kind} {e.id}: the amount must be greater than zero")
    reversals: dict[str, str] = {}
    for e in entries:
        if isinstance(e, Reversal):
            target = seen.get(e.payment_id)
            if not isinstance(target, Payment):
                raise LedgerError(f"reversal {e.id}: there is no payment {e.payment_id!r}")
            if e.on < target.on:
                raise LedgerError(f"reversal {e.id} on {e.on} is before payment {target.id} on {target.on}")
            if e.payment_id in reversals:
                raise LedgerError(f"reversal {e.id}: payment {e.payment_id} is already reversed by "
                                  f"{reversals[e.payment_id]}")
            reversals[e.payment_id] = e.id


class _Book:
    """Books accrual period by period, keeping the cap's running allowance exact."""

    def __init__(self, terms: AccrualTerms, currency: str) -> None:
        self.terms, self.currency = terms, currency
        self.scale = Decimal(10) ** minor_units(currency)
        self.allowance = Decimal(0)  # exact, in minor units: what the cap allows from the start so far
        self.booked = Charges.zero(currency)
        self.capped = False

    def _minor(self, value: Decimal, rounding: str = ROUND_HALF_UP) -> int:
        return int(value.quantize(Decimal(1), rounding=rounding))

    def accrue(self, balance: Balance, first: date, end: date) -> tuple[Balance, Line]:
        t, days = self.terms, (end - first).days
        principal = balance.principal.amount * self.scale  # minor units, exact
        per_year = Decimal(days) / t.basis
        interest = self._minor(principal * t.interest_rate * per_year)
        penalty = self._minor(principal * t.penalty_rate * per_year)
        compound = self._minor(balance.interest.amount * self.scale * t.compound_rate * per_year)
        if t.max_annual_cost is not None:
            self.allowance += principal * t.max_annual_cost * per_year
            room = max(0, self._minor(self.allowance, ROUND_DOWN) - self.booked.total.minor)
            cut = max(0, interest + penalty + compound - room)
            if cut:
                self.capped = True
                amounts = [compound, penalty, interest]  # the order they give way in
                for i, amount in enumerate(amounts):
                    take = min(cut, amount)
                    amounts[i], cut = amount - take, cut - take
                compound, penalty, interest = amounts
        charges = Charges(interest=Money.from_minor(interest, self.currency),
                          penalty=Money.from_minor(penalty, self.currency),
                          compound=Money.from_minor(compound, self.currency))
        self.booked = self.booked + charges
        after = balance.model_copy(update={"interest": balance.interest + charges.interest,
                                           "penalty": balance.penalty + charges.penalty + charges.compound})
        return after, Line(on=end, kind="accrual", days=days, charges=charges, balance=after)


__all__ = ["AccrualPolicy", "AccrualTerms", "Acceleration", "AnyEntry", "Book", "Charges", "DayCount", "Entry",
           "LedgerError", "Line", "Payment", "Restructure", "Reversal", "Statement", "Waiver", "statement"]
