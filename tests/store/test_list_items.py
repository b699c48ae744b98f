"""The matters list's fast path (`api.mapping.list_item`) writes exactly what the validated path would.

The list picks each item from the stored status JSON without validating it again (see `list_item`);
these rows, read back from both databases, hold every optional part a status can have, and each
item must serialise byte for byte like `MatterPublic` built from the validated status.
"""

from __future__ import annotations

from datetime import timedelta

import pydantic_core
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
    async with factory() as s:
        (row,), _ = await q.list_matters(s)
        assert row.id == matter_id
        fast = pydantic_core.to_json(list_item(row, b.NOW))
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
