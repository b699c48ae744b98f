"""The matters list's fast path (`api.mapping.list_item`) writes exactly what the validated path would.

The list picks each item from the stored status JSON without validating it again (see `list_item`);
these rows, read back from both databases, hold every optional part a status can have, and each
item must serialise byte for byte like `MatterPublic` built from the validated status.
"""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pydantic_core
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.mapping import list_item, matter_public
from domain.dates import OverdueClock, PolicyClock
from domain.money import Money
from domain.status import Attention, NextStep, ReferralEnded, ReferralView
from store import queries as q
from store.projection import apply
from store.records import ProjectionUpdate, StatusRecord
from tests.store import builders as b

Factory = async_sessionmaker[AsyncSession]


def _variants(mid: str) -> list[ProjectionUpdate]:
    """One matter's successive states; each is applied and compared in turn."""
    base = b.status(mid, 1, stage="negotiation").status
    compressed = PolicyClock.start(b.T0, "Europe/London", 60)
    usd = Money.of("1234.5", "USD")
    states = [
        base,
        base.model_copy(update={"negotiation_ends_on": b.T0.date() + timedelta(days=14), "next_step": None}),
        base.model_copy(update={
            "stage": "referral",
            "referral": ReferralView(number=2, workflow_id=f"matter-{mid}/referral-2", firm="Firm Ä & Co",
                                     status="instructed", since=b.T0, answer_by=b.T0 + timedelta(days=5)),
            "last_referral": ReferralEnded(number=1, workflow_id=f"matter-{mid}/referral-1", firm="Firm B",
                                           outcome="declined", at=b.T0 + timedelta(hours=3)),
            "attention": Attention(effect="letter:notice", error="TemplateMissing", reason="template missing",
                                   since=b.T0, retryable=True, attempts=3, retry_at=b.T0 + timedelta(minutes=5)),
        }),
        base.model_copy(update={
            "stage": "closed", "closure_reason": "paid", "next_step": NextStep(name="done", at=b.T0),
            "clock": compressed, "overdue": OverdueClock.for_matter(compressed, b.T0.date(), 17),
            "balance": base.balance.model_copy(update={"principal": usd, "interest": Money.zero("USD"),
                                                        "penalty": Money.zero("USD"), "fees": Money.zero("USD"),
                                                        "costs": Money.of("0.01", "USD")}),
            "paid_total": Money.zero("USD"), "original_total": usd,
        }),
    ]
    return [ProjectionUpdate(status=StatusRecord(seq=i + 2, status=s)) for i, s in enumerate(states)]


async def _both_paths(factory: Factory, matter_id: str) -> tuple[bytes, bytes]:
    """The list route's item (plain rows; whole rows for those without a status) and the validated one."""
    async with factory() as s:
        (listed,), legacy, count = await q.list_matter_rows(s)
        (row,), _ = await q.list_matters(s)
        assert listed.id == row.id == matter_id and count == 1
        assert set(legacy) == (set() if row.status else {matter_id})
        fast = pydantic_core.to_json(list_item(legacy.get(listed.id, listed), b.NOW, {}))
        return fast, matter_public(row, b.NOW).model_dump_json().encode()


async def test_each_list_item_is_what_the_validated_path_writes(factory: Factory) -> None:
    mid = b.new_id()
    await apply(factory, ProjectionUpdate(opened=b.opened(mid)))  # opened, no status yet: the columns answer
    fast, slow = await _both_paths(factory, mid)
    assert fast == slow
    await apply(factory, ProjectionUpdate(status=b.legacy_status(mid, 1)))  # a v1 workflow's status
    fast, slow = await _both_paths(factory, mid)
    assert fast == slow
    seen = set()
    for update in _variants(mid):
        await apply(factory, update)
        fast, slow = await _both_paths(factory, mid)
        assert fast == slow, (fast, slow)
        seen.add(fast)
    assert len(seen) == 4  # each state really reached the row


async def test_one_page_gives_each_time_zone_its_own_today(factory: Factory) -> None:
    """At NOW it is already 1 June in Shanghai and still 31 May in Los Angeles: one day apart."""
    since = b.NOW.date() - timedelta(days=30)
    ids = {}
    for tz in ("Asia/Shanghai", "America/Los_Angeles"):
        mid = ids[tz] = b.new_id()
        await apply(factory, ProjectionUpdate(opened=b.opened(mid)))
        clock = PolicyClock.start(b.T0, tz, 86400)
        st = b.status(mid, 1).status.model_copy(update={"clock": clock,
                                                          "overdue": OverdueClock.for_matter(clock, since, 0)})
        await apply(factory, ProjectionUpdate(status=StatusRecord(seq=2, status=st)))
    async with factory() as s:
        rows, legacy, _ = await q.list_matter_rows(s)
        full = {r.id: r for r in (await q.list_matters(s))[0]}
    today_in: dict[str, date] = {}
    items = {r.id: list_item(r, b.NOW, today_in) for r in rows}
    assert not legacy and set(items) == set(ids.values())
    assert items[ids["Asia/Shanghai"]]["days_past_due"] == items[ids["America/Los_Angeles"]]["days_past_due"] + 1
    for mid, item in items.items():
        assert pydantic_core.to_json(item) == matter_public(full[mid], b.NOW).model_dump_json().encode()
    assert set(today_in) == {"Asia/Shanghai", "America/Los_Angeles"}


def test_a_row_without_status_must_come_whole() -> None:
    row = SimpleNamespace(id="m-1", external_ref="R-1", created_at=b.T0, status=None)
    with pytest.raises(TypeError, match="m-1 has no stored status"):
        list_item(row, b.NOW)  # type: ignore[arg-type]
