"""API keys: created once, shown once, kept only as a SHA-256.

A key is `rk_` + 32 random bytes (URL-safe base64). The database keeps its SHA-256 hex digest,
so a leaked database reveals no usable key; lookup is by that digest (an index lookup on a
hash of a high-entropy secret, so timing reveals nothing useful). Roles: `legal_team`,
`manager`, and `partner`, which is bound to exactly one firm (a `firms` record, by its id).

These functions run inside the caller's transaction and only flush; committing is the
caller's job (`async with session.begin(): ...`).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import API_ROLES, ApiKey, Firm

KEY_PREFIX = "rk_"


def hash_key(key: str) -> str:
    """The stored form of a key: SHA-256 hex of its UTF-8 bytes."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def validate_role(role: str, firm: str | None) -> None:
    """Raise ValueError unless `role` is known and `firm` is given exactly for partners."""
    if role not in API_ROLES:
        raise ValueError(f"unknown role {role!r}; use one of {', '.join(API_ROLES)}")
    if role == "partner" and not (firm and firm.strip()):
        raise ValueError("a partner key needs the firm it acts for (firm=...)")
    if role != "partner" and firm is not None:
        raise ValueError(f"only partner keys are bound to a firm; a {role} key must not have one")


async def create_key(
    session: AsyncSession,
    *,
    role: str,
    firm: str | None = None,
    name: str = "",
    now: datetime | None = None,
) -> tuple[str, ApiKey]:
    """A new key: returns the plaintext (show it once, it is not stored) and the row."""
    validate_role(role, firm)
    if firm is not None:
        row_firm = await session.get(Firm, firm.strip())
        if row_firm is None:
            raise ValueError(f"no firm with id {firm.strip()!r} (managers add firms: POST /firms, or "
                             "`recovery firms create`)")
        if row_firm.disabled_at is not None:
            raise ValueError(f"firm {firm.strip()!r} is disabled: it takes no new partners")
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        id=uuid.uuid4().hex,
        name=name,
        key_hash=hash_key(plaintext),
        role=role,
        firm=firm.strip() if firm else None,
        created_at=now or datetime.now(UTC),
        revoked_at=None,
    )
    session.add(row)
    await session.flush()
    return plaintext, row


async def authenticate(session: AsyncSession, key: str | None) -> ApiKey | None:
    """The active (not revoked) key row for a presented key, or None."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    return await session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None)))


async def revoke_key(session: AsyncSession, key_id: str, now: datetime | None = None) -> bool:
    """Revoke a key by id; False if there is no such key or it was already revoked."""
    row = await session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now or datetime.now(UTC)
    await session.flush()
    return True


async def list_keys(session: AsyncSession, *, include_revoked: bool = False) -> list[ApiKey]:
    """All keys (their hashes, never plaintext), oldest first."""
    stmt = select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)
    if not include_revoked:
        stmt = stmt.where(ApiKey.revoked_at.is_(None))
    return list(await session.scalars(stmt))
