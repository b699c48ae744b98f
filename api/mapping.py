"""From a matter's status (workflow snapshot or projection row) to the API's responses: one mapping.

The public status (`domain.status.MatterStatus`) is what the workflow publishes; the projection
stores it whole (`matters.status`) and the `snapshot` query returns it. So a response is built
from a status in one place (`public_from_status`), whichever source answered; only rows written
before workflow v2 (no stored status) are read from their columns (`_legacy_public`). Days past
due and the policy's today are computed here, at the request's time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from api.schemas import (
    AttentionPublic,
    MatterLinks,
    MatterPublic,
    ReferralEndedPublic,
    ReferralPublic,
    StatementPublic,
)
from domain.accrual import Reversal
from domain.allocation import Balance
from domain.dates import OverdueClock, days_past_due
from domain.deadlines import Interruption
from domain.money import Money
from domain.status import MatterStatus
from store.models import Matter
from store.queries import ListedMatter


def _money(amount: object, currency: str) -> Money:
    return Money(amount=amount, currency=currency)  # type: ignore[arg-type]


def status_of(row: Matter) -> MatterStatus | None:
    """The status the workflow last published for this row (None for rows written before v2)."""
    if not row.status:
        return None
    return MatterStatus.model_validate(row.status)


def public_from_status(status: MatterStatus, now: datetime, *, external_ref: str | None,
                       created_at: datetime | None) -> dict[str, Any]:
    """The fields of `MatterPublic` a status gives, as of `now`."""
    return {
        "id": status.matter_id,
        "external_ref": external_ref,
        "workflow_id": f"matter-{status.matter_id}",
        "stage": status.stage,
        "closure_reason": status.closure_reason,
        "policy": status.policy,
        "policy_version": status.policy_version,
        "outstanding": status.outstanding,
        "balance": status.balance,
        "balance_as_of": status.balance_as_of,
        "paid_total": status.paid_total,
        "days_past_due": status.days_past_due(now),
        "overdue_since": status.overdue.overdue_since,
        "risk_grade": status.risk_grade,
        "risk_score": status.risk_score,
        "next_step": status.next_step.name if status.next_step else None,
        "next_step_at": status.next_step.at if status.next_step else None,
        "negotiation_ends_on": status.negotiation_ends_on,
        "referred_firm": status.referred_firm,
        "referral": ReferralPublic.model_validate(status.referral.model_dump()) if status.referral else None,
        "last_referral": (ReferralEndedPublic.model_validate(status.last_referral.model_dump())
                          if status.last_referral else None),
        "needs_attention": AttentionPublic.model_validate(status.attention.model_dump()) if status.attention else None,
        "created_at": created_at,
        "updated_at": status.updated_at,
        "links": MatterLinks.for_matter(status.matter_id),
    }


def statement_fields(status: MatterStatus, as_of: date) -> dict[str, Any]:
    """The detail's money on `as_of`, exact to the cent (`StatementUnavailable` when it cannot be said)."""
    book = status.ledger
    if book is None:
        raise StatementUnavailable("this matter was opened before balances accrued: its balance changes only "
                                   "with payments, so it cannot be stated for another date")
    if as_of < book.start:
        raise StatementUnavailable(f"{as_of.isoformat()} is before the matter's intake date "
                                   f"{book.start.isoformat()}: no balance was booked then")
    stmt = book.on(as_of)
    return {
        "outstanding": stmt.balance.total,
        "balance": stmt.balance,
        "balance_as_of": as_of,
        "paid_total": stmt.paid,
        "statement": StatementPublic(
            as_of=as_of, accrual_start=book.start, opening=book.opening, terms=book.terms_on(as_of),
            accrued=stmt.accrued,
            paid=stmt.paid, unapplied=stmt.unapplied, waived=stmt.waived, capped=stmt.capped,
            accrual_stopped_on=book.until),
    }


class StatementUnavailable(ValueError):
    """`as_of` asks for a balance the matter cannot state (the message says why)."""


def _legacy_public(row: Matter, now: datetime) -> dict[str, Any]:
    c = row.currency
    dpd = None
    if row.overdue_zero_at is not None and row.timezone and row.day_seconds:
        dpd = OverdueClock(overdue_since=row.overdue_since, timezone=row.timezone, day_seconds=row.day_seconds,
                           zero_at=row.overdue_zero_at).days_past_due(now)
    return {
        "id": row.id,
        "external_ref": row.external_ref,
        "workflow_id": row.workflow_id,
        "stage": row.stage,
        "closure_reason": row.closure_reason,
        "policy": row.policy_name,
        "policy_version": row.policy_version,
        "outstanding": _money(row.outstanding, c),
        "balance": Balance(costs=_money(row.costs, c), fees=_money(row.fees, c), penalty=_money(row.penalty, c),
                           interest=_money(row.interest, c), principal=_money(row.principal, c)),
        "paid_total": _money(row.paid_total, c),
        "days_past_due": dpd,
        "overdue_since": row.overdue_since,
        "risk_grade": row.risk_grade,
        "risk_score": row.risk_score,
        "next_step": row.next_step,
        "next_step_at": row.next_step_at,
        "negotiation_ends_on": row.negotiation_ends_on,
        "referred_firm": row.referred_firm,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "links": MatterLinks.for_matter(row.id),
    }


def row_fields(row: Matter, now: datetime) -> dict[str, Any]:
    status = status_of(row)
    if status is None:
        return _legacy_public(row, now)
    return public_from_status(status, now, external_ref=row.external_ref, created_at=row.created_at)


def matter_public(row: Matter, now: datetime) -> MatterPublic:
    return MatterPublic(**row_fields(row, now))


# ---- the list's fast path ----------------------------------------------------------------------------
# A page of 50 matters validated field by field (Money's validators are Python) cost ~3.5 ms of the
# list's ~15: most of its time. The stored status is JSON the workflow wrote from the very models
# `MatterPublic` is built from, so a list item is picked from it as is; `pydantic_core.to_json`
# then writes what the validated path would (a test compares the two on every kind of status).
_ATTENTION = tuple(AttentionPublic.model_fields)
_REFERRAL = tuple(ReferralPublic.model_fields)
_ENDED = tuple(ReferralEndedPublic.model_fields)


def _days_past_due(overdue: dict[str, Any], now: datetime, today_in: dict[str, date]) -> int:
    """`OverdueClock.days_past_due` of a stored clock (real-time ones without building the model)."""
    if overdue["day_seconds"] != 86400:
        return OverdueClock.model_validate(overdue).days_past_due(now)
    tz = overdue["timezone"]
    today = today_in.get(tz)
    if today is None:
        today = today_in[tz] = now.astimezone(ZoneInfo(tz)).date()
    return days_past_due(date.fromisoformat(overdue["overdue_since"]), today)


def _pick(doc: dict[str, Any] | None, fields: tuple[str, ...]) -> dict[str, Any] | None:
    return None if doc is None else {f: doc.get(f) for f in fields}


def list_item(row: ListedMatter, now: datetime, today_in: dict[str, date] | None = None) -> dict[str, Any]:
    """`MatterPublic` of `row` as `to_json`-ready values, without validating the stored status again.

    A row without a stored status (written before workflow v2) must be the whole `Matter`.
    `today_in`: the date at `now` per time zone, filled as met (one per page, not one per row).
    """
    st = row.status
    if not st:
        if not isinstance(row, Matter):
            raise TypeError(f"matter {row.id} has no stored status: list it from its whole projection row")
        return MatterPublic(**_legacy_public(row, now)).model_dump(mode="json")
    mid = st["matter_id"]
    balance = st["balance"]
    parts = [balance[k] for k in ("costs", "fees", "penalty", "interest", "principal")]
    total = sum((Decimal(p["amount"]) for p in parts), Decimal(0))
    nxt = st.get("next_step")
    referral = st.get("referral")
    return {
        "id": mid,
        "external_ref": row.external_ref,
        "workflow_id": f"matter-{mid}",
        "stage": st["stage"],
        "closure_reason": st.get("closure_reason"),
        "policy": st["policy"],
        "policy_version": st["policy_version"],
        "outstanding": {"amount": format(total, "f"), "currency": parts[0]["currency"]},
        "balance": {k: balance[k] for k in ("costs", "fees", "penalty", "interest", "principal")},
        "balance_as_of": st.get("balance_as_of"),
        "paid_total": st["paid_total"],
        "days_past_due": _days_past_due(st["overdue"], now, {} if today_in is None else today_in),
        "overdue_since": st["overdue"]["overdue_since"],
        "risk_grade": st.get("risk_grade"),
        "risk_score": st.get("risk_score"),
        "next_step": nxt["name"] if nxt else None,
        "next_step_at": nxt["at"] if nxt else None,
        "negotiation_ends_on": st.get("negotiation_ends_on"),
        "referred_firm": referral["firm"] if referral else None,
        "referral": _pick(referral, _REFERRAL),
        "last_referral": _pick(st.get("last_referral"), _ENDED),
        "needs_attention": _pick(st.get("attention"), _ATTENTION),
        "created_at": row.created_at,
        "updated_at": st["updated_at"],
        "links": MatterLinks.paths(mid),
    }


def limitation_interruptions(status: MatterStatus, payments: Sequence[tuple[str, date]],
                             promises: Sequence[tuple[str, datetime]]) -> list[Interruption]:
    """What the matter's record shows interrupted limitation (Civil Code art. 195), oldest first.

    Payments on the day they were received (a reversed one never happened), promises to pay and signed
    settlement or amendment agreements (the debtor acknowledging the debt), and a served
    acceleration notice (a demand, from its delivery). Letters sent by the ladder are not counted:
    a demand interrupts from its arrival, and their delivery is not recorded yet.
    """
    book = status.ledger
    reversed_ids = {e.payment_id for e in book.entries if isinstance(e, Reversal)} if book is not None else set()
    found = [Interruption(kind="partial_payment", on=on, note=f"payment {pid}"[:200])
             for pid, on in payments if pid not in reversed_ids]
    found += [Interruption(kind="acknowledgement", on=status.clock.today(made_at), note=f"promise to pay {pid}"[:200])
              for pid, made_at in promises]
    a = status.arrangement
    if a is not None and a.signed_on is not None and a.kind != "write_off":
        found.append(Interruption(kind="acknowledgement", on=a.signed_on, note=f"{a.kind} agreement signed"))
    if status.acceleration is not None and status.acceleration.delivered_on is not None:
        found.append(Interruption(kind="demand_arrived", on=status.acceleration.delivered_on,
                                  note="acceleration notice delivered"))
    return sorted(found, key=lambda i: i.on)
