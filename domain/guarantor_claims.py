"""One claim against one guarantor, as the team or the firm records it, and where it stands. Pure rules:
no I/O, no clock (dates are arguments).

Whether the guarantor can be held at all is decided by the guarantee period (Civil Code arts. 692-693,
`domain.guarantee.guarantee_period`): within it the creditor must, for a joint-and-several guarantor,
demand performance from the guarantor; for a general guarantor, sue or apply for arbitration against the
debtor (the matter tells the claim when a case is filed). The events, each refused by name when the law or
the record does not allow it (`GuarantorClaim.add`):

- `demanded`: a demand for performance reached the guarantor (`on`, how, the proof's upload); once the
  period has ended the guarantor is released and nothing more is recorded; one before the main debt fell
  due is recorded but not counted (the period runs from that day: demand again within it); to a general
  guarantor it is notice (it secures nothing);
- `refused`: the guarantor refused to perform (once held: then the guarantor is to be sued);
- `released`: the creditor released the guarantor (e.g. by agreement), with the reason.

`standing` says where the claim stands on a day: `released` (recorded, or the period ended with nothing
done within it: the reason says which), `refused`, `held` (what the period required was done within it),
or `open` (the period runs, or cannot be said yet: the main debt's due date is not on record).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.deadlines import Deadline
from domain.guarantee import guarantee_period
from domain.parties import Guarantor
from domain.text import FieldError, PlainText

Standing = Literal["open", "held", "refused", "released"]


class ClaimError(FieldError):
    """An event the claim cannot take: `field` names what is wrong, the message says why."""


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Demanded(_Event):
    kind: Literal["demanded"] = "demanded"
    on: date = Field(description="the day the demand reached the guarantor")
    method: Literal["in_person", "registered_post", "courier", "email", "sms", "other"]
    upload_id: PlainText | None = Field(default=None, min_length=1, max_length=64,
                                        description="the proof of delivery, uploaded as evidence")


class Refused(_Event):
    kind: Literal["refused"] = "refused"
    on: date
    reason: PlainText = Field(min_length=1, max_length=2000, description="what the guarantor said")


class Released(_Event):
    kind: Literal["released"] = "released"
    on: date
    reason: PlainText = Field(min_length=1, max_length=2000, description="why the creditor releases the guarantor")


ClaimEvent = Annotated[Demanded | Refused | Released, Field(discriminator="kind")]
AnyClaimEvent = Demanded | Refused | Released


class GuarantorClaim(BaseModel):
    """The claim against guarantor `number` (1-based, as on record): the facts the matter gives it (the main
    debt's due date, the day a case against the debtor was filed) and what was recorded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=1)
    guarantor: Guarantor
    main_due_on: date | None = None
    debtor_sued_on: date | None = None
    events: tuple[ClaimEvent, ...] = ()

    @property
    def joint(self) -> bool:
        return self.guarantor.guarantee_type == "joint_and_several"

    def period(self) -> Deadline | None:
        """The guarantee period (None: the main debt's due date is not on record)."""
        return guarantee_period(self.guarantor, self.number, self.main_due_on) if self.main_due_on else None

    def _one(self, kind: str) -> AnyClaimEvent | None:
        return next((e for e in self.events if e.kind == kind), None)  # type: ignore[return-value]

    def held_on(self) -> date | None:
        """The day what the period required was done within it (None: not, or not yet known)."""
        period = self.period()
        if period is None:
            return None
        if self.joint:
            # (a demand before the main debt fell due is not counted: demand again within the period)
            return next((e.on for e in self.events
                         if isinstance(e, Demanded) and period.runs_from <= e.on <= period.last_day), None)
        sued = self.debtor_sued_on
        return sued if sued is not None and sued <= period.last_day else None

    def standing(self, today: date) -> tuple[Standing, str]:
        """Where the claim stands on `today`, and why, in words."""
        released = self._one("released")
        if isinstance(released, Released):
            return "released", f"released by the creditor on {released.on.isoformat()}: {released.reason}"
        held, period = self.held_on(), self.period()
        refused = self._one("refused")
        if held is not None:
            if isinstance(refused, Refused):
                return "refused", f"refused on {refused.on.isoformat()}: sue the guarantor"
            what = "a demand reached the guarantor" if self.joint else "the debtor was sued"
            return "held", f"{what} on {held.isoformat()}, within the guarantee period"
        if period is not None and today > period.last_day:
            what = ("no demand reached the guarantor" if self.joint else
                    "no suit or arbitration against the debtor was filed")
            para = 2 if self.joint else 1
            return "released", (f"the guarantee period ended on {period.last_day.isoformat()} and {what} within it: "
                                f"the guarantor is no longer liable (Civil Code art. 693 para {para})")
        if period is None:
            return "open", "the guarantee period cannot be said: the main debt's due date is not on record"
        return "open", f"the guarantee period runs to {period.last_day.isoformat()}: {period.rule}"

    def add(self, event: AnyClaimEvent, today: date) -> GuarantorClaim:
        """The claim with `event` recorded, or `ClaimError` naming the field."""
        if event.on > today:
            raise ClaimError("on", f"{event.on.isoformat()} is after today ({today.isoformat()})")
        state, why = self.standing(today)
        if state == "released":
            raise ClaimError("kind", f"the guarantor is released ({why})")
        if isinstance(event, Refused):
            if self._one("refused") is not None:
                raise ClaimError("kind", "the refusal is already recorded")
            if state != "held":
                raise ClaimError("kind", "a refusal is recorded once the guarantor is held (a demand within the "
                                         "guarantee period, or the debtor sued within it for a general guarantor)")
        last = max((e.on for e in self.events), default=None)
        if last is not None and event.on < last:
            raise ClaimError("on", f"{event.on.isoformat()} is before the last event recorded ({last.isoformat()})")
        return self.model_copy(update={"events": (*self.events, event)})


__all__ = ["AnyClaimEvent", "ClaimError", "ClaimEvent", "Demanded", "GuarantorClaim", "Refused", "Released",
           "Standing"]
