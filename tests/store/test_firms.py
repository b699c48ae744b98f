"""`store.firms`: law firms as records; names unique (any case), fields checked by name, partners listed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.apikeys import create_key, revoke_key
from store.firms import (
    FirmError,
    create_firm,
    get_firm,
    list_firms,
    not_instructable,
    partners_of,
    snapshot,
    update_firm,
)

Factory = async_sessionmaker[AsyncSession]


async def test_a_firm_is_created_read_changed_and_disabled(factory: Factory) -> None:
    async with factory() as s, s.begin():
        firm = await create_firm(s, name="  Jade & Partners ", address="1 Bund", email="a@jade.example")
        other = await create_firm(s, name="Amber LLP")
    assert firm.id.startswith("firm-") and firm.id != other.id and firm.name == "Jade & Partners"
    async with factory() as s, s.begin():
        assert [f.name for f in await list_firms(s)] == ["Amber LLP", "Jade & Partners"]
        assert [f.id for f in await list_firms(s, only=firm.id)] == [firm.id]
        later = datetime(2030, 1, 1, tzinfo=UTC)
        changed = await update_firm(s, firm.id, phone="021-1", disabled=True, now=later)
        assert changed is not None and changed.disabled_at == later and changed.phone == "021-1"
        assert changed.name == "Jade & Partners" and changed.updated_at == later
        assert await update_firm(s, "firm-nobody", phone="1") is None
    async with factory() as s, s.begin():
        assert [f.name for f in await list_firms(s, include_disabled=False)] == ["Amber LLP"]
        again = await update_firm(s, firm.id, disabled=False)
        assert again is not None and again.disabled_at is None
        got = await get_firm(s, firm.id)
        assert got is not None
        assert snapshot(got).model_dump() == {"id": firm.id, "name": "Jade & Partners", "address": "1 Bund",
                                              "email": "a@jade.example", "phone": "021-1", "fee_arrangement": ""}
        assert not_instructable(got) == (f"firm {firm.id!r} (Jade & Partners) has no fee_arrangement on record, "
                                         f"which the instruction needs (PATCH /firms/{firm.id})")
        await update_firm(s, firm.id, fee_arrangement="CNY 3,000.00 plus 8% of what is recovered")
        assert not_instructable(got) is None


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"name": " "}, "name", "required"),
    ({"name": "X" * 201}, "name", "at most 200"),
    ({"name": "Amber llp"}, "name", "already exists"),
    ({"name": "New", "email": "nobody"}, "email", "not an e-mail address"),
    ({"name": "New", "email": "a@b"}, "email", "not an e-mail address"),
    ({"name": "New", "address": "a\x00b"}, "address", "control characters"),
    ({"name": "New", "firm_id": "firm-amber"}, "id", "already exists"),
])
async def test_bad_fields_are_named_and_nothing_is_stored(factory: Factory, fields: dict[str, str], field: str,
                                                          message: str) -> None:
    async with factory() as s, s.begin():
        await create_firm(s, name="Amber LLP", firm_id="firm-amber")
    with pytest.raises(FirmError) as err:
        async with factory() as s, s.begin():
            await create_firm(s, **fields)  # type: ignore[arg-type]
    assert err.value.field == field and message in err.value.reason
    async with factory() as s:
        assert [f.id for f in await list_firms(s)] == ["firm-amber"]


async def test_renaming_to_another_firm_s_name_is_refused(factory: Factory) -> None:
    async with factory() as s, s.begin():
        await create_firm(s, name="Amber LLP")
        jade = await create_firm(s, name="Jade LLP")
    with pytest.raises(FirmError, match="name: a firm named 'AMBER LLP' already exists"):
        async with factory() as s, s.begin():
            await update_firm(s, jade.id, name="AMBER LLP")
    async with factory() as s, s.begin():
        assert (await update_firm(s, jade.id, name="jade llp")) is not None  # its own name, another case


async def test_partners_are_the_firm_s_active_partner_keys(factory: Factory) -> None:
    async with factory() as s, s.begin():
        a = await create_firm(s, name="A LLP")
        b = await create_firm(s, name="B LLP")
        _, first = await create_key(s, role="partner", firm=a.id, name="alice")
        _, gone = await create_key(s, role="partner", firm=a.id, name="bob")
        await create_key(s, role="manager", name="carol")
    async with factory() as s, s.begin():
        assert await revoke_key(s, gone.id)
    async with factory() as s, s.begin():
        partners = await partners_of(s, [a.id, b.id])
        assert {k: [p.name for p in v] for k, v in partners.items()} == {a.id: ["alice"], b.id: []}
        await update_firm(s, b.id, disabled=True)
    with pytest.raises(ValueError, match="disabled"):
        async with factory() as s, s.begin():
            await create_key(s, role="partner", firm=b.id)
