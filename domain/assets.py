"""The debtor's assets as the matter knows them, and what the courts did with each. Pure rules: no I/O, no
clock (dates are arguments).

An asset is known at intake or discovered later; then, each event refused by name when the law or the
record does not allow it (`AssetRecord.add`):

- `preserved`: frozen, seized or sealed up by a court's ruling (`court`, `ruling_number`), to `ends_on`.
  A measure has a maximum term by what it holds (SPC Interpretation of the Civil Procedure Law, 2022, art.
  485): a bank deposit 1 year, movable property (a vehicle) 2 years, real estate and other property rights
  (equity, receivables) 3 years; `ends_on` may not be later, and is the maximum when the ruling gives none
  (an asset of kind `other` must give it). A measure that ends unrenewed lapses: the asset is free again.
- `renewed`: the measure continued before it ended, for at most the same maximum term again (art. 485);
- `valued`: appraised (`value`, by whom);
- `auctioned`: a round of auction (1, then 2 after an unsold first, ...), its `reserve` (a later round's
  lower than the one before), sold at `price` (not below the reserve) or unsold;
- `transferred`: after an unsold auction, taken by the creditor in lieu of payment at `value`;
- `released`: the measure lifted (the debt paid, security given, the creditor's request), with the reason.

`standing` says where the asset stands on a day, and `measure_ends_on` until when its measure holds.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.deadlines import Deadline, add_period
from domain.money import BoundedMoney
from domain.parties import Asset
from domain.text import FieldError, PlainText

AssetStanding = Literal["known", "preserved", "lapsed", "valued", "auctioned", "sold", "transferred", "released"]

# SPC Interpretation of the Civil Procedure Law (2022) art. 485: the longest a measure may run, in years.
MAX_TERM_YEARS: dict[str, int] = {"deposit": 1, "vehicle": 2, "real_estate": 3, "equity": 3, "receivable": 3,
                                  "other": 3}
_TERM_WORDS = {"deposit": "a bank deposit: 1 year", "vehicle": "movable property: 2 years",
               "real_estate": "real estate: 3 years", "equity": "a property right: 3 years",
               "receivable": "a property right: 3 years", "other": "at most 3 years"}


class AssetError(FieldError):
    """An event the asset cannot take: `field` names what is wrong, the message says why."""


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Preserved(_Event):
    kind: Literal["preserved"] = "preserved"
    on: date
    measure: Literal["freeze", "seize", "seal"]
    court: PlainText = Field(min_length=1, max_length=500)
    ruling_number: PlainText = Field(min_length=1, max_length=100)
    ends_on: date | None = Field(default=None, description="the last day the ruling gives the measure (default: "
                                                          "the longest the law allows for the asset's kind)")


class Renewed(_Event):
    kind: Literal["renewed"] = "renewed"
    on: date
    ruling_number: PlainText = Field(min_length=1, max_length=100)
    ends_on: date


class Valued(_Event):
    kind: Literal["valued"] = "valued"
    on: date
    value: BoundedMoney
    by: PlainText = Field(min_length=1, max_length=500, description="the appraiser")


class Auctioned(_Event):
    kind: Literal["auctioned"] = "auctioned"
    on: date
    round: int = Field(ge=1, le=9)
    reserve: BoundedMoney
    outcome: Literal["sold", "unsold"]
    price: BoundedMoney | None = Field(default=None, description="sold: the price")


class Transferred(_Event):
    kind: Literal["transferred"] = "transferred"
    on: date
    value: BoundedMoney = Field(description="the value at which the creditor takes it in lieu of payment")


class Released(_Event):
    kind: Literal["released"] = "released"
    on: date
    reason: PlainText = Field(min_length=1, max_length=2000)


AssetEvent = Annotated[Preserved | Renewed | Valued | Auctioned | Transferred | Released, Field(discriminator="kind")]
AnyAssetEvent = Preserved | Renewed | Valued | Auctioned | Transferred | Released


def max_end(kind: str, start: date) -> date:
    """The last day a measure on an asset of `kind` taken (or renewed) on `start` may run to (art. 485)."""
    return add_period(start, years=MAX_TERM_YEARS[kind])


def _years_words(years: int) -> str:
    return f"{years} year" + ("s" if years > 1 else "")


class AssetRecord(BaseModel):
    """Asset `number` of the matter (1-based: those known at intake first, then those discovered)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=1)
    asset: Asset
    discovered_on: date | None = None  # None: known at intake
    events: tuple[AssetEvent, ...] = ()

    def _last(self, kind: type[_Event]) -> _Event | None:
        return next((e for e in reversed(self.events) if isinstance(e, kind)), None)

    def measure_ends_on(self) -> date | None:
        """The last day the current measure holds (None: never preserved, or released)."""
        if self._last(Released) is not None:
            return None
        renewed, preserved = self._last(Renewed), self._last(Preserved)
        if isinstance(renewed, Renewed):
            return renewed.ends_on
        if isinstance(preserved, Preserved):
            return preserved.ends_on or max_end(self.asset.kind, preserved.on)
        return None

    def standing(self, today: date) -> AssetStanding:
        if self._last(Released) is not None:
            return "released"
        if self._last(Transferred) is not None:
            return "transferred"
        auction = self._last(Auctioned)
        if isinstance(auction, Auctioned) and auction.outcome == "sold":
            return "sold"
        ends = self.measure_ends_on()
        if ends is not None and today > ends:
            return "lapsed"
        if auction is not None:
            return "auctioned"
        if self._last(Valued) is not None:
            return "valued"
        return "preserved" if ends is not None else "known"

    def add(self, event: AnyAssetEvent, today: date) -> AssetRecord:
        """The record with `event`, or `AssetError` naming the field."""
        if event.on > today:
            raise AssetError("on", f"{event.on.isoformat()} is after today ({today.isoformat()})")
        last = max((e.on for e in self.events), default=None)
        if last is not None and event.on < last:
            raise AssetError("on", f"{event.on.isoformat()} is before the last event recorded ({last.isoformat()})")
        state = self.standing(event.on)
        if state in ("released", "sold", "transferred"):
            raise AssetError("kind", f"the asset is {state}: nothing more is recorded")
        kind = self.asset.kind
        if isinstance(event, Preserved):
            if self.measure_ends_on() is not None and state != "lapsed":
                raise AssetError("kind", "the asset is preserved already: record a renewal")
            if kind == "other" and event.ends_on is None:
                raise AssetError("ends_on", "give the ruling's last day: the law's longest term depends on what "
                                            "the asset is")
            if event.ends_on is not None:
                self._check_term(event.ends_on, event.on, "ends_on")
        elif isinstance(event, Renewed):
            ends = self.measure_ends_on()
            if ends is None or state == "lapsed":
                raise AssetError("kind", "only a measure still holding is renewed: preserve the asset again")
            if event.ends_on <= ends:
                raise AssetError("ends_on", f"is not after the measure's current end ({ends.isoformat()})")
            self._check_term(event.ends_on, ends, "ends_on")
        elif isinstance(event, Auctioned):
            self._check_auction(event)
        elif isinstance(event, Released):
            if self.measure_ends_on() is None or state == "lapsed":
                raise AssetError("kind", "no measure holds on the asset: there is nothing to release")
        elif isinstance(event, Transferred):
            auction = self._last(Auctioned)
            if not isinstance(auction, Auctioned) or auction.outcome != "unsold":
                raise AssetError("kind", "an asset is taken in lieu of payment after an auction that did not sell it")
        return self.model_copy(update={"events": (*self.events, event)})

    def measure_deadline(self, today: date) -> Deadline | None:
        """The running measure's end as a deadline (None: no measure holds on `today`)."""
        ends = self.measure_ends_on()
        if ends is None or today > ends or self.standing(today) in ("sold", "transferred", "released"):
            return None
        return self.measure_as_deadline()

    def measure_as_deadline(self) -> Deadline | None:
        """The last measure recorded (preserved or renewed) as a deadline, whether or not it still holds (None: no
        measure was ever recorded)."""
        ends = self.measure_ends_on()
        started = next((e for e in reversed(self.events) if isinstance(e, Preserved | Renewed)), None)
        if ends is None or started is None:
            return None
        years = MAX_TERM_YEARS[self.asset.kind]
        return Deadline(
            name=f"measure on asset {self.number} ({self.asset.kind.replace('_', ' ')})",
            rule=f"as the ruling orders, at most {_years_words(years)} (SPC Interpretation of the Civil Procedure "
                 "Law art. 485); renew it before it ends or the asset is free again",
            source=f"ruling {started.ruling_number} of {started.on.isoformat()}", runs_from=started.on,
            last_day=ends, ends_on=ends)

    def _check_term(self, ends_on: date, start: date, field: str) -> None:
        longest = max_end(self.asset.kind, start)
        if ends_on > longest:
            raise AssetError(field, f"{ends_on.isoformat()} is after {longest.isoformat()}: a measure on "
                                    f"{_TERM_WORDS[self.asset.kind]} at most (SPC Interpretation of the Civil "
                                    "Procedure Law art. 485)")
        if ends_on < start:
            raise AssetError(field, f"{ends_on.isoformat()} is before {start.isoformat()}")

    def _check_auction(self, event: Auctioned) -> None:
        rounds = [e for e in self.events if isinstance(e, Auctioned)]
        if any(m.currency != event.reserve.currency for m in (*(r.reserve for r in rounds), *(
                [event.price] if event.price is not None else []))):
            raise AssetError("reserve", f"every amount of the auction in {event.reserve.currency}")
        if rounds and rounds[-1].outcome == "sold":
            raise AssetError("kind", "the asset is sold")
        if event.round != len(rounds) + 1:
            raise AssetError("round", f"the next round is {len(rounds) + 1}")
        if rounds and event.reserve >= rounds[-1].reserve:
            raise AssetError("reserve", f"a later round's reserve is lower than the one before ({rounds[-1].reserve})")
        if event.outcome == "sold":
            if event.price is None:
                raise AssetError("price", "a sale has its price")
            if event.price < event.reserve:
                raise AssetError("price", f"below the reserve ({event.reserve})")
        elif event.price is not None:
            raise AssetError("price", "an unsold round has no price")


__all__ = ["MAX_TERM_YEARS", "AnyAssetEvent", "AssetError", "AssetEvent", "AssetRecord", "AssetStanding", "Auctioned",
           "Preserved", "Released", "Renewed", "Transferred", "Valued", "max_end"]
