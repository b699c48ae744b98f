"""Record the replay fixtures of workflow v2: `python -m tests.histories.record`.

Runs matters on the time-skipping test server with fake activities (fictional data only) and
saves their event histories as JSON next to this file. Re-record only on purpose: the point of
these files is that today's workflow code must replay yesterday's histories unchanged. The v1
files (`v1_*.json`) were recorded by v1 itself and are never re-recorded; `v1_migrated.json` is a
v1 run that the migration (v1 -> v2) ended, recorded with v1 as it was plus today's worker.

Versioning convention (README, "Versioning"): a change to running code is guarded by
`workflow.patched("<id>")` and proven by replaying these files; a new proceeding is a new child
workflow type; a rewrite of the parent is a new workflow type (v1 -> v2) into which running
matters continue as new.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from domain.money import Money
from infra.services import find_binary
from store.policies import get_policy
from tests.factories import make_intake
from tests.workflows.conftest import register_search_attributes
from tests.workflows.harness import Recorder, eventually, matter_input, pay, snap, start, workers
from tests.workflows.pristine_v1 import PristineMatterWorkflowV1
from workflows.contracts import (
    LEGACY_WORKFLOW_NAME,
    UPDATE_ACCELERATE,
    UPDATE_APPROVAL,
    UPDATE_CONTACT,
    UPDATE_DECISION,
    UPDATE_DELIVERED,
    UPDATE_HOLD,
    UPDATE_PROMISE,
    UPDATE_PROPOSE,
    UPDATE_REFERRAL_ANSWER,
    UPDATE_RELEASE,
    UPDATE_RETRY,
    UPDATE_REVERSAL,
    UPDATE_SERVED,
    UPDATE_SIGNED,
    AccelerateCommand,
    ApprovalCommand,
    ContactCommand,
    DecisionCommand,
    DeliveredCommand,
    HoldCommand,
    PromiseCommand,
    ProposeCommand,
    ReferralAnswerCommand,
    ReleaseCommand,
    RetryCommand,
    ReversalCommand,
    ServedCommand,
    SignedCommand,
    referral_workflow_id,
)
from workflows.legacy.matter_v1 import MatterInput as V1Input

HERE = Path(__file__).parent
QUEUE = "record"


# A contract with principal not yet due (an acceleration makes it due), and a joint and a general guarantor.
ACCELERABLE = {"number": "JK-2024-000123", "signed_on": "2024-03-15", "annual_rate": "0.0435",
               "principal": {"amount": "200000.00", "currency": "CNY"},
               "principal_not_due": {"amount": "150000.00", "currency": "CNY"}}
TWO_GUARANTORS = [{"name": "李娜", "id_number": "110105198202022345", "guarantee_type": "joint_and_several"},
                  {"name": "王强", "id_number": "310101197706124418"}]



async def accelerated(env: WorkflowEnvironment, h: WorkflowHandle[Any, Any]) -> Any:
    """Declare the acceleration, and two days later record its notice delivered that day: that day."""
    await h.execute_update(UPDATE_ACCELERATE, AccelerateCommand(clause="第十二条", actor="manager"))
    await env.sleep(timedelta(days=2))
    status = (await snap(h)).status
    assert status is not None
    today = status.policy_today(await env.get_current_time())
    await h.execute_update(UPDATE_SERVED, ServedCommand(delivered_on=today, method="courier", actor="clerk"))
    return today

async def save(client: Client, name: str, wid: str, run_id: str | None = None) -> None:
    history = await client.get_workflow_handle(wid, run_id=run_id).fetch_history()
    (HERE / f"{name}.json").write_text(json.dumps(json.loads(history.to_json()), indent=1) + "\n")
    print(f"recorded {name}.json ({len(history.events)} events)")


async def v2_matters(env: WorkflowEnvironment, rec: Recorder) -> None:
    client = env.client
    cny = lambda a: Money.of(a, "CNY")  # noqa: E731

    # 1. Paid in full after a partial payment and a kept promise: closure.
    h = await start(client, QUEUE, matter_input("standard", matter_id="hist-v2-paid"))
    await env.sleep(timedelta(days=4))
    today = (await snap(h)).policy_today
    await h.execute_update(UPDATE_PROMISE, PromiseCommand(
        promise_id="pr1", amount=cny("1000.00"), due_on=today + timedelta(days=3), actor="clerk"))
    await env.sleep(timedelta(days=2))
    await pay(h, "P1", "1000.00")
    await env.sleep(timedelta(days=10))
    await pay(h, "P2", "18518.00")
    await h.result()
    await save(client, "v2_paid_in_full", h.id)

    # 2. The ladder to legal review, a referral declined, a second accepted, then paid: children cancelled.
    h = await start(client, QUEUE, matter_input("standard", matter_id="hist-v2-referral",
                                                intake={"locale": "en", "currency": "CNY"}))
    await env.sleep(timedelta(days=62))
    await h.execute_update(UPDATE_DECISION, DecisionCommand(decision_id="d1", decision="escalate",
                                                            firm="Firm A LLP", actor="manager"))
    await eventually(lambda: rec.kinds().count("referral_instructed") == 1)
    first = client.get_workflow_handle(referral_workflow_id("hist-v2-referral", 1))
    await first.execute_update(UPDATE_REFERRAL_ANSWER, ReferralAnswerCommand(
        answer_id="a1", answer="decline", firm="Firm A LLP", reason="conflict", actor="partner-a"))
    await eventually(lambda: "referral_declined" in rec.kinds())
    await h.execute_update(UPDATE_DECISION, DecisionCommand(decision_id="d2", decision="escalate",
                                                            firm="Firm B LLP", actor="manager"))
    await eventually(lambda: rec.kinds().count("referral_instructed") == 2)
    await env.sleep(timedelta(days=4))  # a reminder first
    second = client.get_workflow_handle(referral_workflow_id("hist-v2-referral", 2))
    await second.execute_update(UPDATE_REFERRAL_ANSWER, ReferralAnswerCommand(
        answer_id="a2", answer="accept", firm="Firm B LLP", actor="partner-b"))
    await eventually(lambda: "referral_accepted" in rec.kinds())
    await env.sleep(timedelta(days=20))
    await pay(h, "ALL", "19518.00")
    await h.result()
    await second.result()
    await save(client, "v2_referral_then_paid", h.id)
    await save(client, "v2_referral_child_declined", first.id)
    await save(client, "v2_referral_child_accepted_then_closed", second.id)

    # 3. A referral not answered in time.
    h = await start(client, QUEUE, matter_input("standard", matter_id="hist-v2-lapsed"))
    await env.sleep(timedelta(days=62))
    await h.execute_update(UPDATE_DECISION, DecisionCommand(decision_id="d1", decision="escalate",
                                                            firm="Firm A LLP", actor="manager"))
    child = client.get_workflow_handle(referral_workflow_id("hist-v2-lapsed", 1))
    await eventually(lambda: "referral_instructed" in rec.kinds())
    await env.sleep(timedelta(days=6))
    await child.result()
    await save(client, "v2_referral_child_lapsed", child.id)
    await h.terminate("recorded")

    # 4. A letter that fails for good: needs attention, a payment meanwhile, a manager's retry.
    rec.fail_letters = "TemplateError"
    h = await start(client, QUEUE, matter_input("standard", matter_id="hist-v2-attention"))
    await env.sleep(timedelta(hours=1))
    await pay(h, "P1", "100.00")
    rec.fail_letters = None
    await h.execute_update(UPDATE_RETRY, RetryCommand(retry_id="r1", actor="manager"))
    await env.sleep(timedelta(days=11))
    await h.terminate("recorded")
    await save(client, "v2_attention_then_retry", h.id)

    # 5. Continue-as-new with payments across runs (the first run).
    h = await start(client, QUEUE, matter_input("standard", matter_id="hist-v2-can", continue_as_new_after_events=30))
    first_run = (await h.describe()).run_id
    for i in range(5):
        await pay(h, f"P{i}", "10.00")
        await env.sleep(timedelta(days=4))
    await h.terminate("recorded")
    await save(client, "v2_continued_as_new_first_run", h.id, run_id=first_run)


async def v2_money(env: WorkflowEnvironment, rec: Recorder) -> None:
    """Matters of the negotiation issue: accrual, a reversal that re-opens, a settlement kept, holds,
    the contact log, acceleration (`python -m tests.histories.record money` records only these)."""
    client = env.client
    cny = lambda a: Money.of(a, "CNY")  # noqa: E731

    # 6. Accrual, paid in full, the payment bounces (re-opened), a settlement proposed, approved, signed, kept.
    h = await start(client, QUEUE, matter_input("standard", matter_id="hist-v2-money"))
    await env.sleep(timedelta(days=9))
    status = (await snap(h)).status
    assert status is not None
    today = status.policy_today(await env.get_current_time())
    owed = status.statement(today).balance.total  # type: ignore[union-attr]
    await pay(h, "P1", str(owed.amount), received_on=today)
    await h.execute_update(UPDATE_REVERSAL, ReversalCommand(reversal_id="P1", payment_id="P1", reversed_on=today,
                                                            reason="transfer returned", actor="clerk"))
    await h.execute_update(UPDATE_CONTACT, ContactCommand(contact_id="c1", channel="phone", outcome="promised",
                                                          cause="job_loss", actor="clerk"))
    await h.execute_update(UPDATE_HOLD, HoldCommand(hold_id="h1", kind="hardship", reason="breathing space",
                                                    ends_on=today + timedelta(days=5), actor="clerk"))
    await env.sleep(timedelta(days=7))
    status = (await snap(h)).status
    assert status is not None
    today = status.policy_today(await env.get_current_time())
    owed = status.statement(today).balance.total  # type: ignore[union-attr]
    first = owed - cny("2000.00")
    terms = {"waivers": {"penalty": {"amount": "218.00", "currency": "CNY"}},
             "instalments": [{"number": 1, "due_on": (today + timedelta(days=10)).isoformat(),
                              "amount": (first - cny("218.00")).model_dump(mode="json")},
                             {"number": 2, "due_on": (today + timedelta(days=40)).isoformat(),
                              "amount": {"amount": "2000.00", "currency": "CNY"}}]}
    await h.execute_update(UPDATE_PROPOSE, ProposeCommand(proposal_id="s1", kind="settlement", terms=terms,
                                                          actor="clerk"))
    await h.execute_update(UPDATE_APPROVAL, ApprovalCommand(approval_id="a1", proposal_id="s1", decision="approve",
                                                            role="manager", actor="manager"))
    await h.execute_update(UPDATE_SIGNED, SignedCommand(proposal_id="s1", document_id="up-1", signed_on=today,
                                                        actor="clerk"))
    await pay(h, "I1", str((first - cny("218.00")).amount), received_on=today)
    await env.sleep(timedelta(days=15))
    await pay(h, "I2", "2000.00", received_on=today + timedelta(days=15))
    await env.sleep(timedelta(days=31))
    await h.result()
    await save(client, "v2_money_reversal_hold_settlement", h.id)

    # 7. Acceleration declared and served, then a write-off by two managers and a recovery after it.
    contract = ACCELERABLE
    h = await start(client, QUEUE, matter_input("standard", matter_id="hist-v2-accelerated",
                                                intake={"contract": contract}))
    await env.sleep(timedelta(hours=1))
    today = await accelerated(env, h)
    status = (await snap(h)).status
    assert status is not None
    owed = status.statement(today).balance.total  # type: ignore[union-attr]
    await h.execute_update(UPDATE_PROPOSE, ProposeCommand(proposal_id="w1", kind="write_off", terms={
        "amount": owed.model_dump(mode="json"), "reason": "no assets"}, actor="clerk"))
    for i, who in enumerate(("manager-1", "manager-2")):
        await h.execute_update(UPDATE_APPROVAL, ApprovalCommand(approval_id=f"a{i}", proposal_id="w1",
                                                                decision="approve", role="manager", actor=who))
    await env.sleep(timedelta(days=40))
    await pay(h, "LATE", "500.00", received_on=today)
    await h.terminate("recorded")
    await save(client, "v2_accelerated_written_off", h.id)


async def v2_budget(env: WorkflowEnvironment, rec: Recorder) -> None:
    """The borrower's contact budget (`python -m tests.histories.record budget` records only these): two
    matters of one borrower, calls logged past the limit, an SMS deferred, a hold while it waits, one
    matter paid while its reminder waits; and the borrower's own contact workflow."""
    from tests.workflows.test_contact_budget import tight_policy

    client = env.client
    hs = []
    for mid in ("hist-v2-budget", "hist-v2-budget-b"):
        hs.append(await start(client, QUEUE, matter_input("standard", matter_id=mid).model_copy(
            update={"policy": tight_policy()})))
    h, b = hs
    await env.sleep(timedelta(hours=1))
    for n, (handle, channel) in enumerate(((h, "phone"), (h, "phone"), (b, "visit"))):
        await handle.execute_update(UPDATE_CONTACT, ContactCommand(contact_id=f"call{n}", channel=channel,
                                                                   outcome="no_answer", actor="clerk"))
    await env.sleep(timedelta(days=2))
    await eventually(lambda: "contact_deferred" in rec.kinds())
    await h.execute_update(UPDATE_HOLD, HoldCommand(hold_id="h1", kind="dispute", reason="amount disputed",
                                                    actor="clerk"))
    status = (await snap(b)).status
    assert status is not None
    today = status.policy_today(await env.get_current_time())
    owed = status.statement(today).balance.total  # type: ignore[union-attr]
    await pay(b, "P1", str(owed.amount), received_on=today)
    await env.sleep(timedelta(days=8))
    await h.execute_update(UPDATE_RELEASE, ReleaseCommand(hold_id="h1", actor="clerk"))
    await env.sleep(timedelta(days=10))
    await eventually(lambda: len([e for e in rec.events if e.kind == "sms" and e.matter_id == "hist-v2-budget"]) >= 1)
    await h.terminate("recorded")
    await b.terminate("recorded")
    await save(client, "v2_contact_budget", h.id)
    await save(client, "v2_contact_budget_paid_while_waiting", b.id)
    assert rec.contact is not None
    (borrower,) = rec.contact.workflow_ids
    await save(client, "v2_borrower_contacts", borrower)
    await client.get_workflow_handle(borrower).terminate("recorded")


async def v2_amendment(env: WorkflowEnvironment, rec: Recorder) -> None:
    """A contract amendment whose restructured principal leaves a sum payable on signing, signed once it
    is paid, its ledger on the clause, every row paid (`python -m tests.histories.record amendment`)."""
    from decimal import Decimal

    from domain.arrangements import InterestClause, build_schedule

    client = env.client
    h = await start(client, QUEUE, matter_input("standard", matter_id="hist-v2-amendment"))
    await env.sleep(timedelta(hours=1))
    status = (await snap(h)).status
    assert status is not None
    today = status.policy_today(await env.get_current_time())
    clause = InterestClause(annual_rate=Decimal("0.06"), day_count="actual/365", start_on=today)
    principal = Money.of("19000.00", "CNY")
    rows = build_schedule(principal, clause, [today + timedelta(days=30 * k) for k in (1, 2)])
    terms = {"restructured_principal": principal.model_dump(mode="json"), "clause": clause.model_dump(mode="json"),
             "rows": [r.model_dump(mode="json") for r in rows], "guarantor_consents": {"李娜": True}}
    await h.execute_update(UPDATE_PROPOSE, ProposeCommand(proposal_id="m1", kind="amendment", terms=terms,
                                                          actor="clerk"))
    await h.execute_update(UPDATE_APPROVAL, ApprovalCommand(approval_id="a1", proposal_id="m1", decision="approve",
                                                            role="legal_team", actor="clerk-2"))
    await pay(h, "ON-SIGNING", "518.00", received_on=today)
    await h.execute_update(UPDATE_SIGNED, SignedCommand(proposal_id="m1", document_id="up-m1", signed_on=today,
                                                        actor="clerk"))
    for i, row in enumerate(rows):
        await env.sleep(timedelta(days=30))
        await pay(h, f"ROW{i}", str(row.total.amount), received_on=row.due_on)
    await env.sleep(timedelta(days=31))
    await h.result()
    await save(client, "v2_amendment_payable_on_signing", h.id)


async def v2_limitation(env: WorkflowEnvironment, rec: Recorder) -> None:
    """A matter whose limitation period ends 40 days after it opens: warned, then started again by a
    payment (`python -m tests.histories.record limitation`)."""
    from tests.factories import intake_data

    client = env.client
    now = await env.get_current_time()
    ends = now.date() + timedelta(days=40)
    since = ends.replace(year=ends.year - 3)
    data = intake_data()
    intake = {"overdue": {**data["overdue"], "since": since.isoformat()},
              "contract": {**data["contract"], "signed_on": (since - timedelta(days=400)).isoformat()}}
    h = await start(client, QUEUE, matter_input("standard", matter_id="hist-v2-limitation", intake=intake))
    await env.sleep(timedelta(days=11))
    await eventually(lambda: "limitation_warning" in rec.kinds())
    status = (await snap(h)).status
    assert status is not None
    today = status.policy_today(await env.get_current_time())
    await pay(h, "P1", "100.00", received_on=today)
    await env.sleep(timedelta(days=3))
    notice = next(j for j in rec.jobs if j.kind == "collection_notice" and j.matter_id == "hist-v2-limitation")
    await h.execute_update(UPDATE_DELIVERED, DeliveredCommand(document_id=notice.document_id,
                                                              delivered_on=today + timedelta(days=2),
                                                              method="registered_post", actor="clerk"))
    await env.sleep(timedelta(days=1))
    await h.terminate("recorded")
    await save(client, "v2_limitation_warned_then_restarted", h.id)


async def v2_recall(env: WorkflowEnvironment, rec: Recorder) -> None:
    """A referral to a firm on record accepted, recalled by a manager, and the matter re-referred to
    another firm (`python -m tests.histories.record recall`)."""
    from domain.parties import LawFirm
    from workflows.contracts import UPDATE_RECALL_REFERRAL, RecallCommand

    client = env.client
    h = await start(client, QUEUE, matter_input("standard", matter_id="hist-v2-recall"))
    await env.sleep(timedelta(days=62))
    firm_a = LawFirm(id="firm-a", name="Firm A LLP", address="1 Bund, Shanghai", email="intake@a.example")
    await h.execute_update(UPDATE_DECISION, DecisionCommand(decision_id="d1", decision="escalate", firm="firm-a",
                                                            firm_details=firm_a, actor="manager"))
    await eventually(lambda: "referral_instructed" in rec.kinds())
    first = client.get_workflow_handle(referral_workflow_id("hist-v2-recall", 1))
    await first.execute_update(UPDATE_REFERRAL_ANSWER, ReferralAnswerCommand(
        answer_id="a1", answer="accept", firm="firm-a", actor="partner-a"))
    await eventually(lambda: "referral_accepted" in rec.kinds())
    await h.execute_update(UPDATE_RECALL_REFERRAL, RecallCommand(recall_id="r1", reason="no progress",
                                                                 actor="manager"))
    await eventually(lambda: "referral_closed" in rec.kinds())
    await h.execute_update(UPDATE_DECISION, DecisionCommand(
        decision_id="d2", decision="escalate", firm="firm-b", firm_details=LawFirm(id="firm-b", name="Firm B LLP"),
        actor="manager"))
    await eventually(lambda: rec.kinds().count("referral_instructed") == 2)
    await env.sleep(timedelta(days=1))
    await h.terminate("recorded")
    await save(client, "v2_referral_recalled_then_re_referred", h.id)
    await save(client, "v2_referral_child_recalled", first.id)


async def v2_instruct(env: WorkflowEnvironment, rec: Recorder) -> None:
    """A referral to a firm on record with its fee terms: the instruction letter, the evidence pack and
    the e-mail to the firm; the firm accepts and sends its lawyer's letter, whose time to pay runs out
    (`python -m tests.histories.record instruct`)."""
    from domain.parties import LawFirm

    client = env.client
    h = await start(client, QUEUE, matter_input("standard", matter_id="hist-v2-instruct"))
    await env.sleep(timedelta(days=62))
    firm = LawFirm(id="firm-a", name="Firm A LLP", address="1 Bund, Shanghai", email="intake@a.example",
                   fee_arrangement="CNY 3,000.00 plus 8% of what is recovered")
    await h.execute_update(UPDATE_DECISION, DecisionCommand(decision_id="d1", decision="escalate", firm="firm-a",
                                                            firm_details=firm, attention="Chen Jing",
                                                            actor="manager"))
    await eventually(lambda: "referral_instruction_sent" in rec.kinds())
    child = client.get_workflow_handle(referral_workflow_id("hist-v2-instruct", 1))
    await child.execute_update(UPDATE_REFERRAL_ANSWER, ReferralAnswerCommand(
        answer_id="a1", answer="accept", firm="firm-a", actor="partner-a"))
    await eventually(lambda: "referral_accepted" in rec.kinds())
    from workflows.contracts import UPDATE_LAWYERS_LETTER, LawyersLetterCommand
    await h.execute_update(UPDATE_LAWYERS_LETTER, LawyersLetterCommand(
        letter_id="L1", firm="firm-a", lawyer_name="Li Mingyuan", licence_number="13101201810123456",
        respond_within_days=10, actor="partner-a"))
    await env.sleep(timedelta(days=12))
    await eventually(lambda: "lawyers_letter_ended" in rec.kinds())
    await h.terminate("recorded")
    await save(client, "v2_referral_instructed_then_lawyers_letter", h.id)


async def v2_remind(env: WorkflowEnvironment, rec: Recorder) -> None:
    """A firm instructed by e-mail that never answers: reminded by e-mail, then the referral lapses
    (`python -m tests.histories.record remind`)."""
    from domain.parties import LawFirm

    client = env.client
    h = await start(client, QUEUE, matter_input("standard", matter_id="hist-v2-remind"))
    await env.sleep(timedelta(days=62))
    firm = LawFirm(id="firm-b", name="Firm B LLP", address="2 Bund, Shanghai", email="intake@b.example",
                   fee_arrangement="CNY 2,000.00 plus 10% of what is recovered")
    await h.execute_update(UPDATE_DECISION, DecisionCommand(decision_id="d1", decision="escalate", firm="firm-b",
                                                            firm_details=firm, actor="manager"))
    await eventually(lambda: "referral_instruction_sent" in rec.kinds())
    await env.sleep(timedelta(days=6))
    await eventually(lambda: "referral_lapsed" in rec.kinds())
    await h.terminate("recorded")
    await save(client, "v2_referral_reminded_by_e_mail_then_lapsed", h.id)


async def v2_proceeding(env: WorkflowEnvironment, rec: Recorder) -> None:
    """A suit: the firm accepts, starts it, files, is decided against the borrower, serves, and the
    decision's appeal window is counted (`python -m tests.histories.record proceeding`)."""
    from domain.money import Money
    from domain.parties import LawFirm
    from domain.proceedings import Decided, Filed, Hearing, Served
    from workflows.contracts import (
        UPDATE_PROCEEDING_EVENT,
        UPDATE_START_PROCEEDING,
        ProceedingEventCommand,
        StartProceedingCommand,
        proceeding_workflow_id,
    )

    client = env.client
    h = await start(client, QUEUE, matter_input("standard", matter_id="hist-v2-proceeding"))
    await env.sleep(timedelta(days=62))
    firm = LawFirm(id="firm-a", name="Firm A LLP", address="1 Bund, Shanghai", email="intake@a.example",
                   fee_arrangement="CNY 3,000.00 plus 8% of what is recovered")
    await h.execute_update(UPDATE_DECISION, DecisionCommand(decision_id="d1", decision="escalate", firm="firm-a",
                                                            firm_details=firm, actor="manager"))
    await eventually(lambda: "referral_instruction_sent" in rec.kinds())
    child = client.get_workflow_handle(referral_workflow_id("hist-v2-proceeding", 1))
    await child.execute_update(UPDATE_REFERRAL_ANSWER, ReferralAnswerCommand(
        answer_id="a1", answer="accept", firm="firm-a", actor="partner-a"))
    await eventually(lambda: "referral_accepted" in rec.kinds())
    await h.execute_update(UPDATE_START_PROCEEDING, StartProceedingCommand(proceeding_id="p1", firm="firm-a",
                                                                           actor="partner-a"))
    await env.sleep(timedelta(minutes=1))
    status = (await snap(h)).status
    assert status is not None
    today = status.policy_today(await env.get_current_time())
    suit = client.get_workflow_handle(proceeding_workflow_id("hist-v2-proceeding", 1))
    cny = Money.of("19518.00", "CNY")
    for event_id, event in (("e1", Filed(on=today, body="Huangpu District People's Court", case_number="C-1")),
                            ("e2", Hearing(on=today + timedelta(days=5))),
                            ("e3", Decided(on=today, decision="judgment", amount=cny, performance_days=10)),
                            ("e4", Served(on=today))):
        await suit.execute_update(UPDATE_PROCEEDING_EVENT, ProceedingEventCommand(event_id=event_id, event=event,
                                                                                  firm="firm-a", actor="partner-a"))
    await env.sleep(timedelta(days=20))
    await eventually(lambda: "hearing_reminder" in rec.kinds())
    await suit.terminate("recorded")
    await h.terminate("recorded")
    await save(client, "v2_proceeding_started_and_decided", h.id)
    await save(client, "v2_proceeding_child_decided", suit.id)


async def in_court(env: WorkflowEnvironment, rec: Recorder, mid: str,
                   intake: dict[str, Any] | None = None) -> tuple[Any, Any, Any]:
    """A matter referred to firm A, accepted, and taken to court (proceeding 1): (its handle, the
    proceeding's handle, the policy's today). Waits by count: the recorder sees every scenario's events."""
    from domain.parties import LawFirm
    from workflows.contracts import UPDATE_START_PROCEEDING, StartProceedingCommand, proceeding_workflow_id

    client = env.client
    instructed, accepted = rec.kinds().count("referral_instruction_sent"), rec.kinds().count("referral_accepted")
    h = await start(client, QUEUE, matter_input("standard", matter_id=mid, intake=intake or {}))
    await env.sleep(timedelta(days=62))
    firm = LawFirm(id="firm-a", name="Firm A LLP", address="1 Bund, Shanghai", email="intake@a.example",
                   fee_arrangement="CNY 3,000.00 plus 8% of what is recovered")
    await h.execute_update(UPDATE_DECISION, DecisionCommand(decision_id="d1", decision="escalate", firm="firm-a",
                                                            firm_details=firm, actor="manager"))
    await eventually(lambda: rec.kinds().count("referral_instruction_sent") > instructed)
    await client.get_workflow_handle(referral_workflow_id(mid, 1)).execute_update(
        UPDATE_REFERRAL_ANSWER, ReferralAnswerCommand(answer_id="a1", answer="accept", firm="firm-a",
                                                      actor="partner-a"))
    await eventually(lambda: rec.kinds().count("referral_accepted") > accepted)
    await h.execute_update(UPDATE_START_PROCEEDING, StartProceedingCommand(proceeding_id="p1", firm="firm-a",
                                                                           actor="partner-a"))
    await env.sleep(timedelta(minutes=1))
    status = (await snap(h)).status
    assert status is not None
    today = status.policy_today(await env.get_current_time())
    return h, client.get_workflow_handle(proceeding_workflow_id(mid, 1)), today


async def v2_preserve(env: WorkflowEnvironment, rec: Recorder) -> None:
    """Pre-suit preservation, warned before its 30 days end, then the filing that interrupts limitation
    (patch `filing-limitation`; `python -m tests.histories.record preserve`)."""
    from domain.money import Money
    from domain.proceedings import Filed, Preserved
    from workflows.contracts import (
        UPDATE_PROCEEDING_EVENT,
        ProceedingEventCommand,
    )

    client = env.client
    h, suit, today = await in_court(env, rec, "hist-v2-preserve")
    await suit.execute_update(UPDATE_PROCEEDING_EVENT, ProceedingEventCommand(event_id="e1", event=Preserved(
        on=today, pre_suit=True, court="Huangpu District People's Court", ruling_number="B-1",
        amount=Money.of("19518.00", "CNY"), measures="deposits frozen", security="given",
        security_detail="insurer's guarantee PICC-1"), firm="firm-a", actor="partner-a"))
    await env.sleep(timedelta(days=21))
    await eventually(lambda: "preservation_warning" in rec.kinds())
    filed_on = today + timedelta(days=21)
    await suit.execute_update(UPDATE_PROCEEDING_EVENT, ProceedingEventCommand(event_id="e2", event=Filed(
        on=filed_on, body="Huangpu District People's Court", case_number="C-1"), firm="firm-a", actor="partner-a"))
    await env.sleep(timedelta(days=2))
    await suit.terminate("recorded")
    await h.terminate("recorded")
    await save(client, "v2_proceeding_preserved_then_filed", h.id)
    await save(client, "v2_proceeding_child_preserved_then_filed", suit.id)


async def v2_handover(env: WorkflowEnvironment, rec: Recorder) -> None:
    """A firm recalled while its suit is pending; the next firm accepts and takes the case over
    (`python -m tests.histories.record handover`)."""
    from domain.parties import LawFirm
    from domain.proceedings import Filed
    from workflows.contracts import (
        UPDATE_PROCEEDING_EVENT,
        UPDATE_RECALL_REFERRAL,
        UPDATE_START_PROCEEDING,
        ProceedingEventCommand,
        RecallCommand,
        StartProceedingCommand,
        proceeding_workflow_id,
    )

    client, mid = env.client, "hist-v2-handover"
    h = await start(client, QUEUE, matter_input("standard", matter_id=mid))
    await env.sleep(timedelta(days=62))
    firms = [LawFirm(id=f"firm-{x}", name=f"Firm {x.upper()} LLP", address="1 Bund, Shanghai",
                     email=f"intake@{x}.example", fee_arrangement="CNY 3,000.00 plus 8%") for x in ("a", "b")]
    await h.execute_update(UPDATE_DECISION, DecisionCommand(decision_id="d1", decision="escalate", firm="firm-a",
                                                            firm_details=firms[0], actor="manager"))
    await eventually(lambda: "referral_instruction_sent" in rec.kinds())
    await client.get_workflow_handle(referral_workflow_id(mid, 1)).execute_update(
        UPDATE_REFERRAL_ANSWER, ReferralAnswerCommand(answer_id="a1", answer="accept", firm="firm-a",
                                                      actor="partner-a"))
    await eventually(lambda: "referral_accepted" in rec.kinds())
    await h.execute_update(UPDATE_START_PROCEEDING, StartProceedingCommand(proceeding_id="p1", firm="firm-a",
                                                                           actor="partner-a"))
    await env.sleep(timedelta(minutes=1))
    status = (await snap(h)).status
    assert status is not None
    suit = client.get_workflow_handle(proceeding_workflow_id(mid, 1))
    await suit.execute_update(UPDATE_PROCEEDING_EVENT, ProceedingEventCommand(event_id="e1", event=Filed(
        on=status.policy_today(await env.get_current_time()), body="Huangpu District People's Court",
        case_number="C-1"), firm="firm-a", actor="partner-a"))
    await h.execute_update(UPDATE_RECALL_REFERRAL, RecallCommand(recall_id="r1", reason="missed a hearing",
                                                                 actor="manager"))
    await h.execute_update(UPDATE_DECISION, DecisionCommand(decision_id="d2", decision="escalate", firm="firm-b",
                                                            firm_details=firms[1], actor="manager"))
    await eventually(lambda: rec.kinds().count("referral_instruction_sent") == 2)
    await client.get_workflow_handle(referral_workflow_id(mid, 2)).execute_update(
        UPDATE_REFERRAL_ANSWER, ReferralAnswerCommand(answer_id="a2", answer="accept", firm="firm-b",
                                                      actor="partner-b"))
    await eventually(lambda: rec.kinds().count("proceeding_counsel") == 2)
    await env.sleep(timedelta(hours=1))
    await suit.terminate("recorded")
    await h.terminate("recorded")
    await save(client, "v2_proceeding_handed_over", h.id)
    await save(client, "v2_proceeding_child_handed_over", suit.id)


async def v2_hearing(env: WorkflowEnvironment, rec: Recorder) -> None:
    """A hearing set ten days ahead, e-mailed to the firm three days before it (patch
    `hearing-reminder-email`; `python -m tests.histories.record hearing`)."""
    from domain.proceedings import Filed, Hearing
    from workflows.contracts import (
        UPDATE_PROCEEDING_EVENT,
        ProceedingEventCommand,
    )

    client = env.client
    h, suit, today = await in_court(env, rec, "hist-v2-hearing")
    for event_id, event in (("e1", Filed(on=today, body="Huangpu District People's Court", case_number="C-1")),
                            ("e2", Hearing(on=today + timedelta(days=10), place="Court room 3"))):
        await suit.execute_update(UPDATE_PROCEEDING_EVENT, ProceedingEventCommand(event_id=event_id, event=event,
                                                                                  firm="firm-a", actor="partner-a"))
    await env.sleep(timedelta(days=8))
    await eventually(lambda: "hearing_reminder_sent" in rec.kinds())
    await env.sleep(timedelta(hours=1))
    await suit.terminate("recorded")
    await h.terminate("recorded")
    await save(client, "v2_proceeding_hearing_e_mailed", h.id)
    await save(client, "v2_proceeding_child_hearing_reminded", suit.id)


async def v2_mediation(env: WorkflowEnvironment, rec: Recorder) -> None:
    """A suit ended by a mediation agreement recording an approved settlement, which takes effect when the
    agreement is signed for and is kept: the matter closes settled (`python -m tests.histories.record
    mediation`)."""
    from domain.proceedings import Decided, Filed, Served
    from workflows.contracts import UPDATE_PROCEEDING_EVENT, ProceedingEventCommand

    client = env.client
    h, suit, today = await in_court(env, rec, "hist-v2-mediation")
    status = (await snap(h)).status
    assert status is not None
    owed = status.statement(today).balance.total  # type: ignore[union-attr]
    first = owed - Money.of("2218.00", "CNY")
    terms = {"waivers": {"penalty": {"amount": "218.00", "currency": "CNY"}},
             "instalments": [{"number": 1, "due_on": (today + timedelta(days=10)).isoformat(),
                              "amount": first.model_dump(mode="json")},
                             {"number": 2, "due_on": (today + timedelta(days=40)).isoformat(),
                              "amount": {"amount": "2000.00", "currency": "CNY"}}]}
    await h.execute_update(UPDATE_PROPOSE, ProposeCommand(proposal_id="s1", kind="settlement", terms=terms,
                                                          actor="clerk"))
    await h.execute_update(UPDATE_APPROVAL, ApprovalCommand(approval_id="a1", proposal_id="s1", decision="approve",
                                                            role="manager", actor="manager"))
    for event_id, event in (
            ("e1", Filed(on=today, body="Huangpu District People's Court", case_number="C-1")),
            ("e2", Decided(on=today, decision="mediation", amount=first + Money.of("2000.00", "CNY"),
                           proposal_id="s1")),
            ("e3", Served(on=today))):
        await suit.execute_update(UPDATE_PROCEEDING_EVENT, ProceedingEventCommand(event_id=event_id, event=event,
                                                                                  firm="firm-a", actor="partner-a"))
    await eventually(lambda: "arrangement_effective" in rec.kinds())
    await pay(h, "I1", str(first.amount), received_on=today)
    await env.sleep(timedelta(days=15))
    await pay(h, "I2", "2000.00", received_on=today + timedelta(days=15))
    await eventually(lambda: "proceeding_closed" in rec.kinds())
    await env.sleep(timedelta(hours=1))
    await h.terminate("recorded")
    await save(client, "v2_proceeding_mediation_settled", h.id)
    await save(client, "v2_proceeding_child_mediation", suit.id)


async def v2_arbitration_poa(env: WorkflowEnvironment, rec: Recorder) -> None:
    """An arbitration's application drafted with the power of attorney for the lawyers named (patch
    `arbitration-poa`; `python -m tests.histories.record arbitration`)."""
    from tests.factories import intake_data
    from workflows.contracts import UPDATE_DRAFT_FILING, DraftFilingCommand

    client = env.client
    clause = {"forum": "arbitration", "institution": "北京仲裁委员会", "article": "第二十条",
              "text": "因本合同引起的争议，提交北京仲裁委员会仲裁。"}
    contract = {**intake_data()["contract"], "penalty_rate": "0.072", "dispute": clause}
    h, suit, _ = await in_court(env, rec, "hist-v2-arbitration", intake={"contract": contract})
    jobs = len(rec.jobs)
    await h.execute_update(UPDATE_DRAFT_FILING, DraftFilingCommand.model_validate({
        "draft_id": "dr1", "number": 1, "representative": "王建国", "contact_person": "李敏",
        "contact_phone": "010-88880001", "borrower": {"gender": "male", "born_on": "1980-01-01", "ethnicity": "汉族"},
        "agents": [{"name": "陈静", "licence_number": "13101200910187654"}], "special_authorisation": True,
        "firm": "firm-a", "actor": "partner-a"}))
    await eventually(lambda: {"arbitration_application", "power_of_attorney"} <= {j.kind for j in rec.jobs[jobs:]})
    await env.sleep(timedelta(hours=1))
    await suit.terminate("recorded")
    await h.terminate("recorded")
    await save(client, "v2_proceeding_arbitration_drafted_with_poa", h.id)


async def v2_guarantees(env: WorkflowEnvironment, rec: Recorder) -> None:
    """Guarantee periods from a served acceleration, the first warning before one ends (patch
    `guarantee-periods`; `python -m tests.histories.record guarantees`)."""
    client = env.client
    h = await start(client, QUEUE, matter_input("standard", matter_id="hist-v2-guarantees",
                                                intake={"contract": ACCELERABLE, "guarantors": TWO_GUARANTORS}))
    await env.sleep(timedelta(hours=1))
    await accelerated(env, h)
    await env.sleep(timedelta(days=125))
    await eventually(lambda: "guarantee_period_warning" in rec.kinds())
    await h.terminate("recorded")
    await save(client, "v2_guarantee_periods_warned", h.id)


async def v2_claims(env: WorkflowEnvironment, rec: Recorder) -> None:
    """Claims against two guarantors: told the due date by a served acceleration; a demand holds the joint one;
    the general one is released when its period ends (`python -m tests.histories.record claims`)."""
    from domain.guarantor_claims import Demanded
    from workflows.contracts import (
        UPDATE_GUARANTOR_EVENT,
        UPDATE_OPEN_CLAIMS,
        GuarantorEventCommand,
        OpenClaimsCommand,
        guarantor_workflow_id,
    )

    client, mid = env.client, "hist-v2-claims"
    h = await start(client, QUEUE, matter_input("standard", matter_id=mid,
                                                intake={"contract": ACCELERABLE, "guarantors": TWO_GUARANTORS}))
    await env.sleep(timedelta(hours=1))
    await h.execute_update(UPDATE_OPEN_CLAIMS, OpenClaimsCommand(open_id="o1", actor="clerk"))
    today = await accelerated(env, h)
    await env.sleep(timedelta(hours=1))
    joint, general = (client.get_workflow_handle(guarantor_workflow_id(mid, n)) for n in (1, 2))
    await joint.execute_update(UPDATE_GUARANTOR_EVENT, GuarantorEventCommand(
        event_id="e1", event=Demanded(on=today, method="registered_post"), actor="clerk"))
    await env.sleep(timedelta(days=190))
    await eventually(lambda: "guarantor_released" in rec.kinds())
    await env.sleep(timedelta(hours=1))
    for child in (joint, general):
        await child.terminate("recorded")
    await h.terminate("recorded")
    await save(client, "v2_guarantor_claims_held_and_released", h.id)
    await save(client, "v2_guarantor_claim_child_held", joint.id)
    await save(client, "v2_guarantor_claim_child_released", general.id)


async def v2_assets(env: WorkflowEnvironment, rec: Recorder) -> None:
    """The asset register (patch `asset-register`): a deposit discovered and frozen, warned before the measure
    ends, renewed; the vehicle seized and auctioned (`python -m tests.histories.record assets`)."""
    from domain.assets import Auctioned, Preserved, Renewed
    from domain.parties import Asset
    from workflows.contracts import UPDATE_ADD_ASSET, UPDATE_ASSET_EVENT, AddAssetCommand, AssetEventCommand

    client = env.client
    h = await start(client, QUEUE, matter_input("standard", matter_id="hist-v2-assets"))
    await env.sleep(timedelta(hours=1))
    status = (await snap(h)).status
    assert status is not None
    today = status.policy_today(await env.get_current_time())
    await h.execute_update(UPDATE_ADD_ASSET, AddAssetCommand(asset_id="a1", asset=Asset(
        kind="deposit", description="an account", estimated_value=Money.of("30000.00", "CNY")), discovered_on=today,
        actor="clerk"))
    ends = today + timedelta(days=40)
    for event_id, number, event in (
            ("e1", 2, Preserved(on=today, measure="freeze", court="C", ruling_number="R1", ends_on=ends)),
            ("e2", 1, Preserved(on=today, measure="seize", court="C", ruling_number="R2")),
            ("e3", 1, Auctioned(on=today, round=1, reserve=Money.of("50000.00", "CNY"), outcome="unsold"))):
        await h.execute_update(UPDATE_ASSET_EVENT, AssetEventCommand(event_id=event_id, number=number, event=event,
                                                                     actor="clerk"))
    await env.sleep(timedelta(days=12))
    await eventually(lambda: "measure_warning" in rec.kinds())
    await h.execute_update(UPDATE_ASSET_EVENT, AssetEventCommand(event_id="e4", number=2, event=Renewed(
        on=today + timedelta(days=12), ruling_number="R3", ends_on=ends + timedelta(days=300)), actor="clerk"))
    await env.sleep(timedelta(hours=1))
    await h.terminate("recorded")
    await save(client, "v2_asset_register_warned_and_renewed", h.id)


async def v2_enforcement(env: WorkflowEnvironment, rec: Recorder) -> None:
    """An award enforced: applied for, proceeds applied through the waterfall, a round terminated
    (`python -m tests.histories.record enforcement`)."""
    from domain.proceedings import Decided, EnforcementFiled, Filed, ProceedsDistributed, RoundTerminated
    from tests.factories import intake_data
    from workflows.contracts import UPDATE_PROCEEDING_EVENT, ProceedingEventCommand

    client = env.client
    clause = {"forum": "arbitration", "institution": "上海仲裁委员会", "article": "第二十条",
              "text": "因本合同引起的争议，提交上海仲裁委员会仲裁。"}
    h, case, today = await in_court(env, rec, "hist-v2-enforcement",
                                    intake={"contract": {**intake_data()["contract"], "dispute": clause}})
    cny = lambda a: Money.of(a, "CNY")  # noqa: E731
    for event_id, event in (
            ("e1", Filed(on=today, body="上海仲裁委员会", case_number="A-1")),
            ("e2", Decided(on=today, decision="award", amount=cny("19518.00"), performance_days=10)),
            ("e3", EnforcementFiled(on=today, court="C", case_number="E-1")),
            ("e4", ProceedsDistributed(on=today, gross=cny("6000.00"), costs=cny("500.00"),
                                       to_creditor=cny("5000.00"))),
            ("e5", RoundTerminated(on=today, ruling_number="E-1-1"))):
        await case.execute_update(UPDATE_PROCEEDING_EVENT, ProceedingEventCommand(event_id=event_id, event=event,
                                                                                  firm="firm-a", actor="partner-a"))
    await eventually(lambda: any(e.kind == "payment" and "proceeds of enforcement" in e.summary for e in rec.events))
    await env.sleep(timedelta(hours=1))
    await case.terminate("recorded")
    await h.terminate("recorded")
    await save(client, "v2_proceeding_award_enforced", h.id)
    await save(client, "v2_proceeding_child_enforced", case.id)


async def v2_unwinding(env: WorkflowEnvironment, rec: Recorder) -> None:
    """Paid mid-enforcement: the enforcement withdrawn, the measure lifted, the security released, the firm told,
    the children closed; then the court's release recorded (`python -m tests.histories.record unwinding`)."""
    from domain.assets import Preserved as AssetPreserved
    from domain.assets import Released
    from domain.proceedings import Decided, EnforcementFiled, Filed, Preserved
    from tests.factories import intake_data
    from workflows.contracts import (
        UPDATE_ASSET_EVENT,
        UPDATE_PAYMENT,
        UPDATE_PROCEEDING_EVENT,
        AssetEventCommand,
        PaymentCommand,
        ProceedingEventCommand,
    )

    client = env.client
    clause = {"forum": "arbitration", "institution": "上海仲裁委员会", "article": "第二十条",
              "text": "因本合同引起的争议，提交上海仲裁委员会仲裁。"}
    h, case, today = await in_court(env, rec, "hist-v2-unwinding",
                                    intake={"contract": {**intake_data()["contract"], "dispute": clause}})
    cny = lambda a: Money.of(a, "CNY")  # noqa: E731
    for event_id, event in (
            ("e1", Filed(on=today, body="上海仲裁委员会", case_number="A-1")),
            ("e2", Preserved(on=today, pre_suit=False, court="C", ruling_number="R-1", amount=cny("19518.00"),
                             measures="vehicle seized", security="given", security_detail="insurer's letter")),
            ("e3", Decided(on=today, decision="award", amount=cny("19518.00"), performance_days=10)),
            ("e4", EnforcementFiled(on=today, court="C", case_number="E-1"))):
        await case.execute_update(UPDATE_PROCEEDING_EVENT, ProceedingEventCommand(event_id=event_id, event=event,
                                                                                  firm="firm-a", actor="partner-a"))
    await h.execute_update(UPDATE_ASSET_EVENT, AssetEventCommand(event_id="a1", number=1, event=AssetPreserved(
        on=today, measure="seize", court="C", ruling_number="R-1"), actor="clerk"))
    status = (await snap(h)).status
    assert status is not None
    owed = status.statement(today).balance.total  # type: ignore[union-attr]
    await h.execute_update(UPDATE_PAYMENT, PaymentCommand(payment_id="all", amount=owed, received_on=today,
                                                          actor="clerk"))
    await eventually(lambda: "unwinding_done" in rec.kinds())
    await h.execute_update(UPDATE_ASSET_EVENT, AssetEventCommand(event_id="r1", number=1, event=Released(
        on=today, reason="debt paid: the court lifted the seizure"), actor="partner-a"))
    await env.sleep(timedelta(hours=1))
    await h.terminate("recorded")
    await save(client, "v2_unwinding_paid_mid_enforcement", h.id)


async def v2_enforcement_followups(env: WorkflowEnvironment, rec: Recorder) -> None:
    """An award: the debtor's part payment told to the case (the window starts again), enforcement applied for and
    terminated, the task to look for property again, the application drafted from the record
    (`python -m tests.histories.record followups`)."""
    from datetime import date

    from domain.proceedings import Decided, EnforcementFiled, Filed, RoundTerminated
    from tests.factories import intake_data
    from workflows.children import DraftEnforcementCommand, FilingParticulars
    from workflows.contracts import UPDATE_DRAFT_ENFORCEMENT, UPDATE_PAYMENT, UPDATE_PROCEEDING_EVENT, PaymentCommand
    from workflows.contracts import ProceedingEventCommand as Cmd

    client = env.client
    clause = {"forum": "arbitration", "institution": "上海仲裁委员会", "article": "第二十条",
              "text": "因本合同引起的争议，提交上海仲裁委员会仲裁。"}
    h, case, today = await in_court(env, rec, "hist-v2-followups",
                                    intake={"contract": {**intake_data()["contract"], "dispute": clause}})
    cny = lambda a: Money.of(a, "CNY")  # noqa: E731
    for event_id, event in (("e1", Filed(on=today, body="上海仲裁委员会", case_number="A-1")),
                            ("e2", Decided(on=today, decision="award", amount=cny("19518.00"), performance_days=10))):
        await case.execute_update(UPDATE_PROCEEDING_EVENT, Cmd(event_id=event_id, event=event, firm="firm-a",
                                                               actor="partner-a"))
    await env.sleep(timedelta(days=15))
    status = (await snap(h)).status
    assert status is not None
    now = status.policy_today(await env.get_current_time())
    await h.execute_update(UPDATE_PAYMENT, PaymentCommand(payment_id="part", amount=cny("500.00"), received_on=now,
                                                          actor="clerk"))
    for event_id, event in (("e3", EnforcementFiled(on=now, court="C", case_number="E-1")),
                            ("e4", RoundTerminated(on=now, ruling_number="E-1-1"))):
        await case.execute_update(UPDATE_PROCEEDING_EVENT, Cmd(event_id=event_id, event=event, firm="firm-a",
                                                               actor="partner-a"))
    await env.sleep(timedelta(days=91))
    await eventually(lambda: "asset_investigation_due" in rec.kinds())
    await h.execute_update(UPDATE_DRAFT_ENFORCEMENT, DraftEnforcementCommand(
        draft_id="ea1", number=1, representative="R", contact_person="P", contact_phone="1", court="C",
        borrower=FilingParticulars(gender="male", born_on=date(1980, 1, 1), ethnicity="汉族"), actor="partner-a"))
    await eventually(lambda: any(j.kind == "enforcement_application" for j in rec.jobs))
    await env.sleep(timedelta(hours=1))
    await case.terminate("recorded")
    await h.terminate("recorded")
    await save(client, "v2_enforcement_followups", h.id)
    await save(client, "v2_proceeding_child_followups", case.id)


async def v2_early_payment(env: WorkflowEnvironment) -> None:
    """A payment that reaches the workflow in its first task, with the start (`python -m
    tests.histories.record early`): booked as an entry of the ledger's book."""
    rec = Recorder()
    queue = f"record-{uuid.uuid4()}"
    h = await start(env.client, queue, matter_input("standard", matter_id="hist-v2-early-payment"))
    paying = asyncio.create_task(pay(h, "EARLY", "250.00"))
    await asyncio.sleep(1)
    async with workers(env.client, queue, rec):
        await paying
        await env.sleep(timedelta(hours=1))
        await h.terminate("recorded")
    await save(env.client, "v2_payment_in_the_first_task", h.id)


async def v1_migrated(env: WorkflowEnvironment) -> None:
    rec = Recorder()
    queue = f"record-{uuid.uuid4()}"
    async with workers(env.client, queue, rec, workflows=[PristineMatterWorkflowV1], cache=False):
        h: WorkflowHandle[Any, Any] = await env.client.start_workflow(
            LEGACY_WORKFLOW_NAME,
            V1Input(matter_id="hist-v1-migrated", intake=make_intake(), policy=get_policy("standard"),
                    opened_by="tester"),
            id="matter-hist-v1-migrated", task_queue=queue,
        )
        first_run = h.result_run_id
        await env.sleep(timedelta(hours=1))
        await pay(h, "P1", "100.00")
    async with workers(env.client, queue, rec):
        await env.sleep(timedelta(days=5))
        await eventually(lambda: "migrated" in rec.kinds())
        await env.client.get_workflow_handle(h.id).terminate("recorded")
    await save(env.client, "v1_migrated", h.id, run_id=first_run)


async def main() -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server"), data_converter=pydantic_data_converter
    )
    await register_search_attributes(env.client)
    rec = Recorder()
    only = sys.argv[1] if sys.argv[1:] else None  # "money", "budget", "amendment", "limitation", ...: only those
    try:
        async with workers(env.client, QUEUE, rec):
            if only is None:
                await v2_matters(env, rec)
            if only in (None, "money"):
                await v2_money(env, rec)
            if only in (None, "budget"):
                await v2_budget(env, rec)
            if only in (None, "amendment"):
                await v2_amendment(env, rec)
            if only in (None, "limitation"):
                await v2_limitation(env, rec)
            if only in (None, "recall"):
                await v2_recall(env, rec)
            if only in (None, "instruct"):
                await v2_instruct(env, rec)
            if only in (None, "remind"):
                await v2_remind(env, rec)
            if only in (None, "proceeding"):
                await v2_proceeding(env, rec)
            if only in (None, "preserve"):
                await v2_preserve(env, rec)
            if only in (None, "handover"):
                await v2_handover(env, rec)
            if only in (None, "hearing"):
                await v2_hearing(env, rec)
            if only in (None, "mediation"):
                await v2_mediation(env, rec)
            if only in (None, "arbitration"):
                await v2_arbitration_poa(env, rec)
            if only in (None, "guarantees"):
                await v2_guarantees(env, rec)
            if only in (None, "claims"):
                await v2_claims(env, rec)
            if only in (None, "assets"):
                await v2_assets(env, rec)
            if only in (None, "enforcement"):
                await v2_enforcement(env, rec)
            if only in (None, "unwinding"):
                await v2_unwinding(env, rec)
            if only in (None, "followups"):
                await v2_enforcement_followups(env, rec)
        if only is None:
            await v1_migrated(env)
        if only in (None, "early"):
            await v2_early_payment(env)
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
