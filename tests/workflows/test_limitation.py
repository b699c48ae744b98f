"""The limitation period on the time-skipping server: always in the status, warnings before it runs out
(the policy's 90, 30 and 7 days), started again by a payment, and not stopped by a hold."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from temporalio.client import WorkflowHandle

from tests.factories import intake_data
from tests.workflows.conftest import Matters
from tests.workflows.harness import eventually, pay, snap
from tests.workflows.test_holds import hold


def _three_years_before(day: date) -> date:
    return day.replace(year=day.year - 3)


async def begin(env: Any, matters: Matters, ends_in_days: int) -> tuple[WorkflowHandle[Any, Any], date]:
    """A matter whose limitation period (from the day it fell overdue) ends `ends_in_days` after today."""
    today = (await env.get_current_time()).date()  # 02:00 UTC: the same day in Shanghai
    since = _three_years_before(today + timedelta(days=ends_in_days))
    data = intake_data()
    contract = {**data["contract"], "signed_on": (since - timedelta(days=400)).isoformat()}
    h = await matters.start("standard", intake={"overdue": {**data["overdue"], "since": since.isoformat()},
                                                "contract": contract})
    return h, today


def warnings(matters: Matters) -> list[Any]:
    return [e for e in matters.rec.events if e.kind == "limitation_warning"]


async def test_the_team_is_warned_before_the_limitation_period_ends_and_a_payment_starts_it_again(env, matters):  # type: ignore[no-untyped-def]
    h, today = await begin(env, matters, ends_in_days=40)
    await env.sleep(timedelta(hours=1))
    s = (await snap(h)).status
    assert s is not None and s.limitation is not None
    assert s.limitation.last_day == today + timedelta(days=40)
    assert s.limitation.source.startswith("the default became known on")
    # The 90-day warning's day had passed when the matter opened: one warning, at once, not three.
    first = await eventually(lambda: warnings(matters))
    assert len(first) == 1 and first[0].data["days_left"] == 40
    assert f"The limitation period ends on {s.limitation.ends_on or s.limitation.last_day}" in first[0].summary
    # A hold stops the process's clocks, not the law's: the 30-day warning still comes (day 10).
    await hold(h, "H1")
    await env.sleep(timedelta(days=11))
    assert [w.data["days_left"] for w in await eventually(lambda: len(warnings(matters)) == 2 and warnings(matters))
            ] == [40, 30]
    # A payment (an acknowledgement of the debt) starts the period again: no warning for years.
    received = today + timedelta(days=11)
    await pay(h, "P1", "100.00", received_on=received)
    s = (await snap(h)).status
    assert s is not None and s.limitation is not None
    assert s.limitation.runs_from == received and s.limitation.last_day == received.replace(year=received.year + 3)
    assert s.limitation.source == (f"interrupted on {received.isoformat()}: the debtor paid part of the debt "
                                   "(payment P1)")
    await env.sleep(timedelta(days=40))  # past the old period's 7-day warning and its end
    assert len(warnings(matters)) == 2


async def test_a_demand_interrupts_limitation_from_the_day_it_reached_the_borrower(env, matters):  # type: ignore[no-untyped-def]
    from tests.workflows.harness import refused
    from workflows.contracts import (
        ERR_INVALID,
        ERR_KEY_REUSED,
        UPDATE_DELIVERED,
        DeliveredCommand,
        DeliveredResult,
    )

    h, today = await begin(env, matters, ends_in_days=400)
    await env.sleep(timedelta(days=3))
    notice = (await eventually(lambda: [j for j in matters.rec.jobs if j.kind == "collection_notice"]))[0]

    async def delivered(document_id: str, on: date, method: str = "registered_post") -> DeliveredResult:
        return await h.execute_update(UPDATE_DELIVERED, DeliveredCommand(  # type: ignore[no-any-return]
            document_id=document_id, delivered_on=on, method=method, actor="clerk-1"),  # type: ignore[arg-type]
            result_type=DeliveredResult)

    unknown = await refused(delivered("no-such-letter", today))
    assert unknown.type == ERR_INVALID and unknown.message.startswith("document_id:")
    early = await refused(delivered(notice.document_id, today - timedelta(days=1)))
    assert early.type == ERR_INVALID and early.message.startswith("delivered_on:")
    r = await delivered(notice.document_id, today + timedelta(days=2))
    assert not r.duplicate and r.limitation is not None
    assert r.limitation.runs_from == today + timedelta(days=2)
    assert r.limitation.source.endswith("a demand for payment reached the debtor (collection notice delivered)")
    again = await delivered(notice.document_id, today + timedelta(days=2))
    assert again.duplicate and again.limitation == r.limitation
    other = await refused(delivered(notice.document_id, today + timedelta(days=1)))
    assert other.type == ERR_KEY_REUSED
    s = (await snap(h)).status
    assert s is not None and s.limitation == r.limitation
