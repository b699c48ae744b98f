"""`store.apikeys`: keys are shown once, stored hashed, bound to a role (and a firm for partners)."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.apikeys import authenticate, create_key, list_keys, revoke_key
from store.firms import create_firm
from store.models import ApiKey

Factory = async_sessionmaker[AsyncSession]


async def test_create_and_authenticate(factory: Factory) -> None:
    async with factory() as s, s.begin():
        await create_firm(s, name="Firm A LLP", firm_id="Firm A")
        key, row = await create_key(s, role="partner", firm="Firm A", name="firm a portal")
    assert key.startswith("rk_") and len(key) > 40
    async with factory() as s:
        stored = (await s.scalars(select(ApiKey))).all()
        assert [r.key_hash for r in stored] == [hashlib.sha256(key.encode()).hexdigest()]
        assert all(key not in str(v) for r in stored for v in vars(r).values())  # plaintext never stored
        found = await authenticate(s, key)
    assert found is not None and (found.id, found.role, found.firm) == (row.id, "partner", "Firm A")


async def test_unknown_malformed_and_revoked_keys_are_refused(factory: Factory) -> None:
    async with factory() as s, s.begin():
        key, row = await create_key(s, role="manager")
        other, _ = await create_key(s, role="legal_team")
    async with factory() as s:
        for bad in ("", None, "rk_nope", key[:-1], key + "x", "x" * 5000, key.upper()):
            assert await authenticate(s, bad) is None
    async with factory() as s, s.begin():
        assert await revoke_key(s, row.id) is True
        assert await revoke_key(s, row.id) is False  # already revoked
        assert await revoke_key(s, "missing") is False
    async with factory() as s:
        assert await authenticate(s, key) is None
        assert await authenticate(s, other) is not None
        assert [k.role for k in await list_keys(s)] == ["legal_team"]
        assert len(await list_keys(s, include_revoked=True)) == 2


@pytest.mark.parametrize(
    ("role", "firm", "message"),
    [
        ("admin", None, "unknown role"),
        ("partner", None, "needs the firm"),
        ("partner", "  ", "needs the firm"),
        ("manager", "Firm A", "must not have one"),
        ("legal_team", "Firm A", "must not have one"),
        ("partner", "Firm Nobody", "no firm with id 'Firm Nobody'"),  # bound to a record, never to free text
    ],
)
async def test_invalid_roles_are_refused(factory: Factory, role: str, firm: str | None, message: str) -> None:
    async with factory() as s, s.begin():
        with pytest.raises(ValueError, match=message):
            await create_key(s, role=role, firm=firm)
    async with factory() as s:
        assert await list_keys(s, include_revoked=True) == []


async def test_database_refuses_a_partner_without_firm(factory: Factory) -> None:
    """Defence in depth: the check constraint holds even if the validation is bypassed."""
    from datetime import UTC, datetime

    async with factory() as s:
        s.add(ApiKey(id="x", name="", key_hash="0" * 64, role="partner", firm=None, created_at=datetime.now(UTC)))
        with pytest.raises(IntegrityError):
            await s.flush()
