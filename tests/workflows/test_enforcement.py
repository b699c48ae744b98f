"""Enforcement of an award on the time-skipping server: applied for once the award is in effect, what the court
distributes applied through the matter's waterfall (its costs taken first by the court), a round terminated
and enforcement applied for again, and proceeds beyond the debt recorded as going back, not kept; the debt
paid in full closes the matter."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.money import Money
from domain.proceedings import Decided, EnforcementFiled, Filed, ProceedsDistributed, RoundTerminated
from tests.factories import intake_data
from tests.workflows.harness import eventually, snap
from tests.workflows.test_guarantee_periods import status_today
from tests.workflows.test_proceedings import _child_up, record, referred_and_accepted, start_proceeding

CLAUSE = {"forum": "arbitration", "institution": "上海仲裁委员会", "article": "第二十条",
          "text": "因本合同引起的争议，提交上海仲裁委员会仲裁。"}


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


async def test_an_award_enforced_in_rounds_and_its_proceeds_applied_to_the_cent(env, matters):  # type: ignore[no-untyped-def]
    h = await referred_and_accepted(env, matters, contract={**intake_data()["contract"], "dispute": CLAUSE})
    r = await start_proceeding(h, "p1", firm="firm-a")
    await eventually(lambda: _child_up(env, r.workflow_id))
    _, today = await status_today(env, h)
    await record(env, r.workflow_id, "f", Filed(on=today, body="上海仲裁委员会", case_number="(2027)沪仲字第1号"))
    with pytest.raises(WorkflowUpdateFailedError):  # nothing to enforce before the award
        await record(env, r.workflow_id, "x", EnforcementFiled(on=today, court="C", case_number="E0"))
    await record(env, r.workflow_id, "d", Decided(on=today, decision="award", amount=cny("19518.00"),
                                                  performance_days=10))
    await record(env, r.workflow_id, "e1", EnforcementFiled(on=today, court="上海市第一中级人民法院",
                                                            case_number="(2027)沪01执1号"))
    s, _ = await status_today(env, h)
    owed = s.statement(today).balance.total  # type: ignore[union-attr]
    await record(env, r.workflow_id, "pr1", ProceedsDistributed(on=today, gross=cny("6000.00"), costs=cny("500.00"),
                                                                to_creditor=cny("5000.00")))

    async def applied(amount: Money) -> Any:
        got = (await snap(h)).status
        return got if got is not None and got.paid_total == amount else None

    s = await eventually(lambda: applied(cny("5000.00")))
    again = await record(env, r.workflow_id, "pr1", ProceedsDistributed(on=today, gross=cny("6000.00"),
                                                                        costs=cny("500.00"),
                                                                        to_creditor=cny("5000.00")))
    assert again.duplicate  # the same distribution sent again: applied once
    assert (await snap(h)).status.paid_total == cny("5000.00")  # type: ignore[union-attr]
    assert s.statement(today).balance.total == owed - cny("5000.00")  # type: ignore[union-attr]
    line = next(e.summary for e in matters.rec.events if e.kind == "proceeding_event" and "Proceeds" in e.summary)
    assert "CNY 500.00" in line and "CNY 500.00 to the debtor or other creditors" in line, line

    # No property found: this round terminated; property turns up: applied for again; what it fetches pays off.
    await record(env, r.workflow_id, "t1", RoundTerminated(on=today, ruling_number="(2027)沪01执1号之一"))
    await record(env, r.workflow_id, "e2", EnforcementFiled(on=today, court="上海市第一中级人民法院",
                                                            case_number="(2027)沪01执恢1号"))
    _, now = await status_today(env, h)
    rest = (await snap(h)).status.statement(now).balance.total  # type: ignore[union-attr]
    await record(env, r.workflow_id, "pr2", ProceedsDistributed(on=now, gross=rest + cny("1000.00"),
                                                                costs=cny("0.00"), to_creditor=rest + cny("1000.00")))

    async def closed() -> Any:
        return (await snap(h)).stage == "closed"

    await eventually(closed)
    await eventually(lambda: "proceeds_surplus" in matters.rec.kinds())
    surplus = [e.summary for e in matters.rec.events if e.kind == "proceeds_surplus"]
    assert surplus[-1].startswith("Proceeding 1: CNY 1,000.00 of the proceeds is more than the debt owes"), surplus
