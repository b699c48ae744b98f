"""Law firms: the records managers keep, and the partners (API keys) bound to each.

A firm's id is what keys, referrals and the projection (`matters.referred_firm`) carry; its
name, address, e-mail and phone are what a referral snapshots for the instruction and the
firm's letters. Disabling a firm stops new referrals to it; matters it holds stay with it until
a manager recalls them. Like `store.apikeys`, these functions only flush: the caller commits.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.parties import LawFirm, is_email
from store.models import ApiKey, Firm

ID_PREFIX = "firm-"


class FirmError(ValueError):
    """A firm's field is not acceptable: `field` names it, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


def _clean(field: str, value: str, max_length: int, *, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        raise FirmError(field, "required")
    if len(value) > max_length:
        raise FirmError(field, f"at most {max_length} characters")
    if any(ord(c) < 32 and c not in "\n" or ord(c) == 127 for c in value):
        raise FirmError(field, "control characters are not allowed")
    return value


async def _name_taken(session: AsyncSession, name: str, except_id: str | None = None) -> bool:
    stmt = select(Firm.id).where(func.lower(Firm.name) == name.lower())
    if except_id is not None:
        stmt = stmt.where(Firm.id != except_id)
    return await session.scalar(stmt) is not None


async def create_firm(
    session: AsyncSession, *, name: str, address: str = "", email: str = "", phone: str = "",
    fee_arrangement: str = "", firm_id: str | None = None, now: datetime | None = None,
) -> Firm:
    """A new firm (id generated unless given). FirmError names a bad or duplicate field."""
    name = _clean("name", name, 200, required=True)
    address = _clean("address", address, 500)
    email = _clean("email", email, 254)
    phone = _clean("phone", phone, 64)
    fee_arrangement = _clean("fee_arrangement", fee_arrangement, 2000)
    if email and not is_email(email):
        raise FirmError("email", "not an e-mail address")
    if await _name_taken(session, name):
        raise FirmError("name", f"a firm named {name!r} already exists")
    if firm_id is not None:
        firm_id = _clean("id", firm_id, 200, required=True)
        if await session.get(Firm, firm_id) is not None:
            raise FirmError("id", f"a firm with id {firm_id!r} already exists")
    at = now or datetime.now(UTC)
    row = Firm(id=firm_id or ID_PREFIX + uuid.uuid4().hex[:12], name=name, address=address, email=email,
               phone=phone, fee_arrangement=fee_arrangement, created_at=at, updated_at=at, disabled_at=None)
    session.add(row)
    await session.flush()
    return row


async def update_firm(
    session: AsyncSession, firm_id: str, *, name: str | None = None, address: str | None = None,
    email: str | None = None, phone: str | None = None, fee_arrangement: str | None = None,
    disabled: bool | None = None, now: datetime | None = None,
) -> Firm | None:
    """Change a firm's particulars or (dis)able it; None if there is no such firm."""
    row = await session.get(Firm, firm_id)
    if row is None:
        return None
    if name is not None:
        name = _clean("name", name, 200, required=True)
        if await _name_taken(session, name, except_id=firm_id):
            raise FirmError("name", f"a firm named {name!r} already exists")
        row.name = name
    if address is not None:
        row.address = _clean("address", address, 500)
    if email is not None:
        email = _clean("email", email, 254)
        if email and not is_email(email):
            raise FirmError("email", "not an e-mail address")
        row.email = email
    if phone is not None:
        row.phone = _clean("phone", phone, 64)
    if fee_arrangement is not None:
        row.fee_arrangement = _clean("fee_arrangement", fee_arrangement, 2000)
    at = now or datetime.now(UTC)
    if disabled is not None:
        row.disabled_at = (row.disabled_at or at) if disabled else None
    row.updated_at = at
    await session.flush()
    return row


async def get_firm(session: AsyncSession, firm_id: str) -> Firm | None:
    return await session.get(Firm, firm_id)


async def list_firms(session: AsyncSession, *, include_disabled: bool = True,
                     only: str | None = None) -> list[Firm]:
    """Firms by name; `only`: just that firm (a partner sees its own)."""
    stmt = select(Firm).order_by(Firm.name, Firm.id)
    if not include_disabled:
        stmt = stmt.where(Firm.disabled_at.is_(None))
    if only is not None:
        stmt = stmt.where(Firm.id == only)
    return list(await session.scalars(stmt))


async def partners_of(session: AsyncSession, firm_ids: list[str]) -> dict[str, list[ApiKey]]:
    """The active partner keys of each firm (the people who act for it), oldest first."""
    if not firm_ids:
        return {}
    rows = await session.scalars(
        select(ApiKey).where(ApiKey.firm.in_(firm_ids), ApiKey.revoked_at.is_(None))
        .order_by(ApiKey.created_at, ApiKey.id)
    )
    out: dict[str, list[ApiKey]] = {f: [] for f in firm_ids}
    for key in rows:
        out.setdefault(key.firm or "", []).append(key)
    return out


def snapshot(row: Firm) -> LawFirm:
    """The particulars a referral carries (taken when the matter is referred)."""
    return LawFirm(id=row.id, name=row.name, address=row.address, email=row.email, phone=row.phone,
                   fee_arrangement=row.fee_arrangement)


def not_instructable(row: Firm) -> str | None:
    """Why a matter cannot be referred to the firm now (None: it can): the instruction needs the
    firm's address (the letter's addressee), its e-mail (where the instruction goes) and the fee
    terms agreed with it (the letter states them)."""
    if row.disabled_at is not None:
        return f"firm {row.id!r} ({row.name}) is disabled: it takes no new referrals"
    missing = [f for f in ("address", "email", "fee_arrangement") if not getattr(row, f).strip()]
    if missing:
        return (f"firm {row.id!r} ({row.name}) has no {', no '.join(missing)} on record, which the instruction "
                f"needs (PATCH /firms/{row.id})")
    return None
