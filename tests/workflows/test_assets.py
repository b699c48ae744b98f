"""The asset register on the time-skipping server: the intake's assets and one discovered later, a deposit
frozen with its ruling's end, the team warned 30 and 7 days before it, a renewal bringing new warnings, a
vehicle auctioned twice and sold; refusals named by field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.assets import Auctioned, Preserved, Renewed
from domain.money import Money
from domain.parties import Asset
from tests.workflows.harness import snap
from tests.workflows.test_guarantee_periods import status_today
from workflows.contracts import (
    ERR_INVALID,
    UPDATE_ADD_ASSET,
    UPDATE_ASSET_EVENT,
    AddAssetCommand,
    AddAssetResult,
    AssetEventCommand,
    AssetEventResult,
)


async def event(h: Any, event_id: str, number: int, e: Any) -> AssetEventResult:
    return await h.execute_update(UPDATE_ASSET_EVENT, AssetEventCommand(event_id=event_id, number=number, event=e,
                                                                        actor="clerk"), result_type=AssetEventResult)


async def test_measures_are_warned_before_they_end_renewed_and_a_vehicle_is_sold(env, matters):  # type: ignore[no-untyped-def]
    h = await matters.start("standard")
    await env.sleep(timedelta(hours=1))
    s, today = await status_today(env, h)
    [car] = s.assets or ()
    assert (car.number, car.kind, car.standing) == (1, "vehicle", "known")
    added = await h.execute_update(UPDATE_ADD_ASSET, AddAssetCommand(
        asset_id="a1", asset=Asset(kind="deposit", description="ICBC account 6222***1234",
                                   estimated_value=Money.of("30000.00", "CNY")), discovered_on=today, actor="clerk"),
        result_type=AddAssetResult)
    assert added.number == 2 and not added.duplicate
    ends = today + timedelta(days=40)
    done = await event(h, "e1", 2, Preserved(on=today, measure="freeze", court="C", ruling_number="R1", ends_on=ends))
    assert done.asset.standing == "preserved" and done.asset.measure_ends_on == ends
    assert (await event(h, "e1", 2, Preserved(on=today, measure="freeze", court="C", ruling_number="R1",
                                             ends_on=ends))).duplicate
    for n, e, words in ((9, Renewed(on=today, ruling_number="R", ends_on=ends), "number: the register holds 2"),
                        (2, Preserved(on=today, measure="freeze", court="C", ruling_number="R"), "preserved already"),
                        (1, Auctioned(on=today, round=1, reserve=Money.of("1.00", "USD"), outcome="unsold"),
                         "event.reserve: in CNY")):
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await event(h, f"bad-{n}-{e.kind}", n, e)
        assert err.value.cause.type == ERR_INVALID and words in str(err.value.cause), err.value.cause  # type: ignore[union-attr]

    def warned() -> list[int]:
        return [(e.data["ends_on"], e.summary) for e in matters.rec.events if e.kind == "measure_warning"]  # type: ignore[misc]

    await env.sleep(timedelta(days=11))
    assert len(warned()) == 1 and "in 30 day(s)" in warned()[0][1]
    _, now = await status_today(env, h)
    later = ends + timedelta(days=300)
    await event(h, "e2", 2, Renewed(on=now, ruling_number="R2", ends_on=later))
    await env.sleep(timedelta(days=40))
    assert len(warned()) == 1  # the old end's 7-day warning never came: renewed before it
    await env.sleep(timedelta(days=later.toordinal() - ends.toordinal() - 35))
    assert [w[0] for w in warned()] == [ends.isoformat(), later.isoformat()], warned()

    # The vehicle: seized, auctioned unsold, then sold at the second round's lower reserve.
    _, now = await status_today(env, h)
    await event(h, "v1", 1, Preserved(on=now, measure="seize", court="C", ruling_number="R3"))
    await event(h, "v2", 1, Auctioned(on=now, round=1, reserve=Money.of("50000.00", "CNY"), outcome="unsold"))
    sold = await event(h, "v3", 1, Auctioned(on=now, round=2, reserve=Money.of("40000.00", "CNY"), outcome="sold",
                                             price=Money.of("42000.00", "CNY")))
    assert sold.asset.standing == "sold"
    s = (await snap(h)).status
    assert s is not None and [a.standing for a in s.assets or ()] == ["sold", "preserved"]
