"""`store.queries`: filters, pagination, and the firm filter that hides other firms' matters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store import queries as q
from store.projection import apply
from store.records import ProjectionUpdate
from tests.store import builders as b

Factory = async_sessionmaker[AsyncSession]


async def seed(factory: Factory) -> dict[str, str]:
    """Five matters: two at Firm A, one at Firm B, two not referred; opened a minute apart."""
    spec = {
        "a1": ("litigation", "Firm A", 400),
        "a2": ("referral", "Firm A", 200),
        "b1": ("referral", "Firm B", 300),
        "n1": ("notice", None, 30),
        "n2": ("reminders", None, 90),
    }
    ids: dict[str, str] = {}
    for i, (name, (stage, firm, dpd)) in enumerate(spec.items()):
        mid = f"{name}-{b.new_id()}"
        ids[name] = mid
        opened = b.opened(mid).model_copy(update={"opened_at": b.T0 + timedelta(minutes=i)})
        await apply(
            factory,
            ProjectionUpdate(
                opened=opened,
                status=b.status(mid, 1, stage=stage, firm=firm, days_past_due=dpd),
                events=(b.event(mid, "late", 10), b.event(mid, "early", 1)),
                payments=(b.payment(mid, "P1", "10.00"),),
                promises=(b.promise(mid, "PR1"),),
                documents=(b.document(mid),),
            ),
        )
    return ids


async def test_list_filters_and_counts(factory: Factory) -> None:
    ids = await seed(factory)
    async with factory() as s:
        rows, total = await q.list_matters(s)
        assert total == 5 and [r.id for r in rows] == [ids[n] for n in ("n2", "n1", "b1", "a2", "a1")]
        rows, total = await q.list_matters(s, stage="referral")
        assert total == 2 and {r.id for r in rows} == {ids["a2"], ids["b1"]}
        rows, total = await q.list_matters(s, min_days_past_due=200, now=b.NOW)
        assert total == 3 and {r.id for r in rows} == {ids["a1"], ids["a2"], ids["b1"]}
        rows, total = await q.list_matters(s, stage="referral", min_days_past_due=250, now=b.NOW)
        assert (total, [r.id for r in rows]) == (1, [ids["b1"]])
        rows, total = await q.list_matters(s, firm="Firm A")
        assert total == 2 and {r.id for r in rows} == {ids["a1"], ids["a2"]}
        assert await q.list_matters(s, firm="Nobody") == ([], 0)
        # Days past due are read at `now`: bounds are exact, and a day later every matter is a day older.
        rows, total = await q.list_matters(s, min_days_past_due=90, max_days_past_due=300, now=b.NOW)
        assert {r.id for r in rows} == {ids["n2"], ids["a2"], ids["b1"]} and total == 3
        rows, total = await q.list_matters(s, max_days_past_due=89, now=b.NOW)
        assert {r.id for r in rows} == {ids["n1"]}
        rows, total = await q.list_matters(s, min_days_past_due=301, now=b.NOW + timedelta(days=1))
        assert {r.id for r in rows} == {ids["a1"], ids["b1"]}
        rows, total = await q.list_matters(s, referral_status="accepted")
        assert total == 3
        rows, total = await q.list_matters(s, needs_attention=True)
        assert total == 0


async def test_list_paginates(factory: Factory) -> None:
    await seed(factory)
    async with factory() as s:
        everything, _ = await q.list_matters(s, limit=500)
        pages = []
        for offset in (0, 2, 4):
            rows, total = await q.list_matters(s, limit=2, offset=offset)
            assert total == 5
            pages.extend(rows)
        assert [r.id for r in pages] == [r.id for r in everything]
        assert (await q.list_matters(s, limit=2, offset=10)) == ([], 5)
        for bad in ({"limit": 0}, {"limit": 501}, {"offset": -1}):
            with pytest.raises(ValueError):
                await q.list_matters(s, **bad)  # type: ignore[arg-type]


async def test_firm_filter_hides_other_firms_matters(factory: Factory) -> None:
    ids = await seed(factory)
    a1, b1, n1 = ids["a1"], ids["b1"], ids["n1"]
    async with factory() as s:
        assert (await q.get_matter(s, a1, firm="Firm A")) is not None
        assert (await q.get_matter(s, b1, firm="Firm A")) is None
        assert (await q.get_matter(s, n1, firm="Firm A")) is None  # not referred: no partner sees it
        assert (await q.get_matter(s, b1)) is not None  # staff see everything
        assert (await q.get_matter_by_external_ref(s, f"REF-{b1}")) is not None
        assert (await q.get_matter_by_external_ref(s, f"REF-{b1}", firm="Firm A")) is None
        for fn in (q.list_documents, q.list_timeline, q.list_payments, q.list_promises, q.get_parties):
            assert await fn(s, a1, firm="Firm A"), fn.__name__
            assert await fn(s, b1, firm="Firm A") == [], fn.__name__
            assert await fn(s, b1), fn.__name__
        doc_id = f"{b1}-notice-collection_notice"
        assert (await q.get_document(s, doc_id)) is not None
        assert (await q.get_document(s, doc_id, firm="Firm A")) is None
        assert (await q.get_document(s, doc_id, firm="Firm B")) is not None


async def test_children_come_in_order(factory: Factory) -> None:
    ids = await seed(factory)
    async with factory() as s:
        assert [e.event_key for e in await q.list_timeline(s, ids["a1"])] == ["early", "late"]
        assert [(p.role, p.position) for p in await q.get_parties(s, ids["a1"])] == [
            ("borrower", 0), ("guarantor", 0), ("creditor", 0),
        ]  # fmt: skip
        (doc,) = await q.list_documents(s, ids["a1"])
        assert (doc.sha256, doc.version_id, doc.size) == ("ab" * 32, "v1", 12345)
        assert await q.get_matter(s, "no-such-matter") is None
        assert await q.list_timeline(s, "no-such-matter") == []


async def test_keyset_pages_follow_the_list_order_and_counts_can_be_capped(factory: Factory) -> None:
    ids = await seed(factory)
    order = [ids[n] for n in ("n2", "n1", "b1", "a2", "a1")]
    async with factory() as s:
        seen: list[str] = []
        after = None
        while True:
            rows, total = await q.list_matters(s, limit=2, after=after)
            if not rows:
                break
            seen += [r.id for r in rows]
            after = (rows[-1].created_at, rows[-1].id)
        assert seen == order and total == 5
        rows, _ = await q.list_matters(s, stage="referral")
        assert [r.id for r in rows] == [ids["b1"], ids["a2"]]
        after_b1 = (rows[0].created_at, rows[0].id)
        rows, total = await q.list_matters(s, stage="referral", after=after_b1)  # a filter and a cursor
        assert [r.id for r in rows] == [ids["a2"]] and total == 2
        _, capped = await q.list_matters(s, count_limit=2)
        assert capped == 3  # "more than 2": the caller knows without counting all five
        _, exact = await q.list_matters(s, count_limit=10)
        assert exact == 5
