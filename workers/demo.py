"""The demo portfolio's scripted events (`recovery demo`), played through the same Temporal updates the API uses.

Each event of `infra/demo_portfolio.json` names its matter (`external_ref`), when to play it
(`after_seconds` from the start of the playback) and an `action` with its own stable id, so a replayed
command changes nothing:

| action             | update (target)                                      | id                               |
|--------------------|------------------------------------------------------|----------------------------------|
| `promise`          | `record_promise` (matter)                            | `promise.promise_id`             |
| `payment`          | `record_payment` (matter)                            | `payment.payment_id`             |
| `hold`             | `place_hold` (matter)                                | `hold.hold_id`                   |
| `settlement`       | `propose_arrangement`, `decide_arrangement` (matter) | `settlement.proposal_id`         |
| `escalate`         | `legal_review_decision` (matter)                     | `escalate.decision_id`           |
| `accept_referral`  | `answer_referral` (the referral child)               | `accept_referral.answer_id`      |
| `start_proceeding` | `start_proceeding` (matter)                          | `start_proceeding.proceeding_id` |
| `proceeding_event` | `proceeding_event` (the proceeding child)            | `proceeding_event.event_id`      |

The legal steps act as the API's callers would: a manager escalates (the firm's particulars as its
record has them), the firm's partner accepts, starts the suit (or the arbitration: the contract's
dispute clause decides) and records its events. Each waits, a bounded while, for the matter to be
where the step belongs (legal review reached, the referral instructed or accepted, the proceeding's
workflow started), since on the demo's compressed calendar a worker's lag is a policy day or two. A
command the matter does not take (it closed meanwhile, or is elsewhere) is reported and skipped.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from pydantic import TypeAdapter
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError, RPCStatusCode

from domain.assets import AssetEvent
from domain.money import Money
from domain.parties import LawFirm
from domain.proceedings import Event
from domain.status import ProceedingView, ReferralView
from settings import Settings
from workflows.contracts import (
    QUERY_PROCEEDING,
    QUERY_SNAPSHOT,
    UPDATE_APPROVAL,
    UPDATE_ASSET_EVENT,
    UPDATE_DECISION,
    UPDATE_HOLD,
    UPDATE_PAYMENT,
    UPDATE_PROCEEDING_EVENT,
    UPDATE_PROMISE,
    UPDATE_PROPOSE,
    UPDATE_REFERRAL_ANSWER,
    UPDATE_START_PROCEEDING,
    ApprovalCommand,
    AssetEventCommand,
    AssetEventResult,
    DecisionCommand,
    DecisionResult,
    HoldCommand,
    MatterSnapshot,
    PaymentCommand,
    ProceedingEventCommand,
    ProceedingEventResult,
    ProceedingSnapshot,
    PromiseCommand,
    ProposeCommand,
    ReferralAnswerCommand,
    ReferralAnswerResult,
    StartProceedingCommand,
    StartProceedingResult,
    proceeding_workflow_id,
    workflow_id,
)

Say = Callable[[str], None]
T = TypeVar("T")

MANAGER = "cli:demo-manager"  # who approves and escalates in the demo
PARTNER = "cli:demo-partner"  # who acts for the law firm in the demo
READY_WAIT = 30.0  # seconds a legal step waits for the matter to be where it belongs
POLL = 0.5
QUERY_TIMEOUT = timedelta(seconds=5)
UPDATE_TIMEOUT = timedelta(seconds=30)
BEFORE_REVIEW = ("intake", "notice", "reminders", "negotiation")  # stages that reach legal review in time
_EVENT: TypeAdapter[Any] = TypeAdapter(Event)
_ASSET_EVENT: TypeAdapter[Any] = TypeAdapter(AssetEvent)


class Skipped(Exception):
    """The step cannot be played now (said, and the demo goes on)."""


# ---------------------------------------------------------------- the firms
def ensure_firms(settings: Settings, firms: list[dict[str, str]], say: Say) -> dict[str, LawFirm]:
    """Add the portfolio's law firms not on record yet (by id), so a manager can refer to them; the
    particulars of those that can be instructed, as their records have them (what a referral carries)."""
    from store.db import make_engine, make_sessionmaker, migrate, write_session
    from store.firms import create_firm, get_firm, not_instructable, snapshot

    migrate(settings.db_url)

    async def main() -> dict[str, LawFirm]:
        engine = make_engine(settings.db_url)
        known: dict[str, LawFirm] = {}
        try:
            async with write_session(make_sessionmaker(engine)) as session:
                for firm in firms:
                    row = await get_firm(session, firm["id"])
                    if row is None:
                        row = await create_firm(session, firm_id=firm["id"], name=firm["name"],
                                                address=firm.get("address", ""), email=firm.get("email", ""),
                                                phone=firm.get("phone", ""),
                                                fee_arrangement=firm.get("fee_arrangement", ""))
                    if not_instructable(row) is None:
                        known[row.id] = snapshot(row)
        finally:
            await engine.dispose()
        return known

    known = asyncio.run(main())
    for firm in firms:
        say(f"law firm       {firm['id']:<22} {firm['name']}")
    return known


# ---------------------------------------------------------------- the playback
async def play_events(
    client: Client, ids: Mapping[str, str], events: list[dict[str, Any]], actor: str, say: Say, *,
    firms: Mapping[str, LawFirm] | None = None, ready_wait: float = READY_WAIT,
) -> None:
    """Apply the portfolio's scripted events to the matters of `ids` (external_ref -> matter id), each
    at its `after_seconds`; one the matter does not take is reported and skipped."""
    player = _Player(client, actor, say, firms or {}, ready_wait)
    loop = asyncio.get_running_loop()
    start = loop.time()
    for event in sorted(events, key=lambda e: e.get("after_seconds", 0)):
        ref = event["external_ref"]
        if ref not in ids:
            continue
        await asyncio.sleep(max(0.0, start + float(event.get("after_seconds", 0)) - loop.time()))
        try:
            said = await player.play(ids[ref], event)
        except (WorkflowUpdateFailedError, WorkflowQueryFailedError, RPCError, Skipped) as exc:
            cause = getattr(exc, "cause", None) or exc
            said = f"{event['action']} skipped: {cause}"
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            said = f"{event['action']} skipped: Temporal did not confirm it in time"
        say(f"{ref:<14} {said}")


class _Player:
    def __init__(self, client: Client, actor: str, say: Say, firms: Mapping[str, LawFirm], wait: float) -> None:
        self.client, self.actor, self.say, self.firms, self.wait = client, actor, say, firms, wait
        self.proceedings: dict[str, int] = {}  # proceeding_id -> its number in the matter, as started

    async def play(self, matter_id: str, event: dict[str, Any]) -> str:
        """Play one event; what to say about it."""
        action = event["action"]
        handle = self.client.get_workflow_handle(workflow_id(matter_id))
        spec = event[action]
        if action == "payment":
            return await self._payment(handle, spec)
        if action == "promise":
            return await self._promise(handle, spec)
        if action == "hold":
            return await self._hold(handle, spec)
        if action == "settlement":
            await demo_settlement(handle, spec, self.actor)
            if spec.get("approve", True) is False:
                return f"settlement {spec['proposal_id']} proposed; it awaits a manager's approval"
            return f"settlement {spec['proposal_id']} proposed and approved"
        if action == "escalate":
            return await self._escalate(handle, spec)
        if action == "accept_referral":
            return await self._accept(handle, spec)
        if action == "start_proceeding":
            return await self._start_proceeding(handle, spec)
        if action == "proceeding_event":
            return await self._proceeding_event(matter_id, handle, spec)
        if action == "asset_event":
            return await self._asset_event(handle, spec)
        raise Skipped(f"unknown action {action!r}")

    # ------------------------------------------------------------ money, promises, holds
    async def _payment(self, handle: WorkflowHandle[Any, Any], p: dict[str, Any]) -> str:
        amount = Money.model_validate(p["amount"])
        await handle.execute_update(
            UPDATE_PAYMENT,
            PaymentCommand(payment_id=p["payment_id"], amount=amount, received_on=datetime.now(UTC).date(),
                           actor=self.actor),
            id=f"payment-{p['payment_id']}",
        )
        return f"payment {p['payment_id']} of {amount}"

    async def _promise(self, handle: WorkflowHandle[Any, Any], p: dict[str, Any]) -> str:
        snap = await handle.query(QUERY_SNAPSHOT, result_type=MatterSnapshot)
        due_on = snap.policy_today + timedelta(days=int(p["due_in_days"]))
        await handle.execute_update(
            UPDATE_PROMISE,
            PromiseCommand(promise_id=p["promise_id"], amount=Money.model_validate(p["amount"]), due_on=due_on,
                           note=p.get("note"), actor=self.actor),
            id=f"promise-{p['promise_id']}",
        )
        return f"promise {p['promise_id']} due {due_on.isoformat()}"

    async def _hold(self, handle: WorkflowHandle[Any, Any], h: dict[str, Any]) -> str:
        snap = await handle.query(QUERY_SNAPSHOT, result_type=MatterSnapshot)
        today = snap.status.policy_today(datetime.now(UTC)) if snap.status else snap.policy_today
        ends_on = today + timedelta(days=int(h["days"])) if h.get("days") else None
        await handle.execute_update(
            UPDATE_HOLD,
            HoldCommand(hold_id=h["hold_id"], kind=h["kind"], reason=h["reason"], ends_on=ends_on, role="manager",
                        actor=self.actor),
            id=f"hold-{h['hold_id']}",
        )
        until = f" until {ends_on.isoformat()}" if ends_on else ""
        return f"{h['kind']} hold {h['hold_id']} placed{until}"

    # ------------------------------------------------------------ the law firm and the courts
    async def _escalate(self, handle: WorkflowHandle[Any, Any], spec: dict[str, Any]) -> str:
        """A manager's legal-review decision: refer the matter to the firm (its record's particulars)."""
        firm = self.firms.get(spec["firm"])
        if firm is None:
            raise Skipped(f"firm {spec['firm']!r} is not on record, or cannot be instructed")
        await self._until(handle, lambda s: s.stage not in BEFORE_REVIEW)
        cmd = DecisionCommand(decision_id=spec["decision_id"], decision="escalate", firm=firm.id, firm_details=firm,
                              reason=spec.get("reason", ""), attention=spec.get("attention"), actor=MANAGER)
        result = await _update(handle, UPDATE_DECISION, cmd, spec["decision_id"], DecisionResult)
        return f"escalated: referred to {firm.id}{_again(result.duplicate)}"

    async def _accept(self, handle: WorkflowHandle[Any, Any], spec: dict[str, Any]) -> str:
        """The firm's partner accepts the referral (on the referral's own workflow, once it is instructed)."""
        snap = await self._until(handle, lambda s: (r := _referral(s)) is not None and r.status != "instructing")
        referral = _referral(snap)
        if referral is None or referral.status == "instructing":
            raise Skipped("no referral awaiting the firm's answer")
        cmd = ReferralAnswerCommand(answer_id=spec["answer_id"], answer="accept", firm=spec["firm"],
                                    reason=spec.get("note", ""), actor=PARTNER)
        child = self.client.get_workflow_handle(referral.workflow_id)
        result = await _update(child, UPDATE_REFERRAL_ANSWER, cmd, spec["answer_id"], ReferralAnswerResult)
        return f"referral {result.number} {result.status} by {result.firm}{_again(result.duplicate)}"

    async def _start_proceeding(self, handle: WorkflowHandle[Any, Any], spec: dict[str, Any]) -> str:
        """The firm's partner starts a suit or an arbitration (as the contract's dispute clause says)."""
        await self._until(handle, lambda s: (r := _referral(s)) is None or r.status == "accepted")
        cmd = StartProceedingCommand(proceeding_id=spec["proceeding_id"], forum=spec.get("forum"),
                                     firm=spec["firm"], actor=PARTNER)
        result = await _update(handle, UPDATE_START_PROCEEDING, cmd, spec["proceeding_id"], StartProceedingResult)
        self.proceedings[spec["proceeding_id"]] = result.number
        what = "arbitration" if result.forum == "arbitration" else "suit"
        return (f"{what} started (proceeding {result.number}, {result.forum}); stage {result.stage}"
                f"{_again(result.duplicate)}")

    async def _proceeding_event(self, matter_id: str, handle: WorkflowHandle[Any, Any], spec: dict[str, Any]) -> str:
        """The firm records an event of the proceeding: its date `day` policy days after the proceeding
        began (a hearing is set ahead; anything else has happened by then); `{year}` in a case number
        is that date's year."""
        number = self.proceedings.get(spec["proceeding_id"])
        if number is None:
            raise Skipped(f"proceeding {spec['proceeding_id']!r} was not started")
        await self._until(handle, lambda s: (p := _proceeding(s, number)) is not None and p.status != "starting")
        child = self.client.get_workflow_handle(proceeding_workflow_id(matter_id, number))
        snap = await child.query(QUERY_PROCEEDING, result_type=ProceedingSnapshot, rpc_timeout=QUERY_TIMEOUT)
        on = snap.proceeding.started_on + timedelta(days=int(spec.get("day", 0)))
        fields = {**spec["event"], "on": on.isoformat()}
        if "case_number" in fields:
            fields["case_number"] = str(fields["case_number"]).replace("{year}", str(on.year))
        event = _EVENT.validate_python(fields)
        cmd = ProceedingEventCommand(event_id=spec["event_id"], event=event, firm=spec["firm"], actor=PARTNER)
        result = await _update(child, UPDATE_PROCEEDING_EVENT, cmd, spec["event_id"], ProceedingEventResult)
        return f"proceeding {number}: {_words(event)}{_again(result.duplicate)}"

    async def _asset_event(self, handle: WorkflowHandle[Any, Any], spec: dict[str, Any]) -> str:
        """What a court did with an asset of the register (`number`), recorded on the matter's policy day."""
        snap = await handle.query(QUERY_SNAPSHOT, result_type=MatterSnapshot, rpc_timeout=QUERY_TIMEOUT)
        today = snap.status.policy_today(datetime.now(UTC)) if snap.status else snap.policy_today
        event = _ASSET_EVENT.validate_python({**spec["event"], "on": today.isoformat()})
        cmd = AssetEventCommand(event_id=spec["event_id"], number=int(spec["number"]), event=event, actor=PARTNER)
        result = await _update(handle, UPDATE_ASSET_EVENT, cmd, spec["event_id"], AssetEventResult)
        return f"asset {result.asset.number}: {event.kind}, now {result.asset.standing}{_again(result.duplicate)}"

    async def _until(self, handle: WorkflowHandle[Any, Any], ready: Callable[[MatterSnapshot], bool]
                     ) -> MatterSnapshot | None:
        """The matter's snapshot once `ready` says so, the matter closed, or the wait is over (the last one
        seen; None when the matter did not answer)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait
        snap: MatterSnapshot | None = None
        while True:
            try:
                snap = await handle.query(QUERY_SNAPSHOT, result_type=MatterSnapshot, rpc_timeout=QUERY_TIMEOUT)
            except RPCError as exc:
                if exc.status == RPCStatusCode.NOT_FOUND:
                    return None
            except WorkflowQueryFailedError:
                pass
            if (snap is not None and (snap.stage == "closed" or ready(snap))) or loop.time() >= deadline:
                return snap
            await asyncio.sleep(POLL)


def _referral(snap: MatterSnapshot | None) -> ReferralView | None:
    return snap.status.referral if snap is not None and snap.status is not None else None


def _proceeding(snap: MatterSnapshot, number: int) -> ProceedingView | None:
    found = snap.status.proceedings if snap.status is not None else None
    return next((p for p in found or () if p.number == number), None)


async def _update(handle: WorkflowHandle[Any, Any], update: str, command: Any, command_id: str,
                  result_type: type[T]) -> T:
    """One update as the API sends it: the command carries its own id, which the workflow recognises on a
    repeat (its result says `duplicate`); the update id is fresh, so a refusal never sticks to the id."""
    return await handle.execute_update(update, command, id=f"{update}-{command_id}-{uuid.uuid4().hex[:8]}",
                                       result_type=result_type, rpc_timeout=UPDATE_TIMEOUT)


def _again(duplicate: bool) -> str:
    return " (already done)" if duplicate else ""


def _words(event: Any) -> str:
    if event.kind == "filed":
        return f"filed with {event.body} on {event.on.isoformat()}, case {event.case_number}"
    if event.kind == "hearing":
        return f"hearing set for {event.on.isoformat()}" + (f" at {event.place}" if event.place else "")
    return f"{event.kind} on {event.on.isoformat()}"


# ---------------------------------------------------------------- a settlement
async def demo_settlement(handle: Any, spec: dict[str, Any], actor: str) -> None:
    """Propose a settlement on the matter's balance of the day (the penalty waived, the rest in equal
    instalments `every_days` apart) and approve it as a manager: its agreement is rendered for signing
    (with `"approve": false` it is left in the approvals queue for a manager to decide).
    On the demo's compressed calendar a day passes each second, so a proposal that missed its day is
    made again on the next one."""
    for attempt in range(3):
        snap = await handle.query(QUERY_SNAPSHOT, result_type=MatterSnapshot)
        status = snap.status
        if status is None:
            return
        today: date = status.policy_today(datetime.now(UTC))
        stmt = status.statement(today)
        balance = stmt.balance if stmt is not None else status.balance
        payable = balance.total - balance.penalty
        count, every = int(spec.get("instalments", 2)), int(spec.get("every_days", 30))
        share = Money.from_minor(payable.minor // count, payable.currency)
        amounts = [share] * (count - 1) + [payable - Money.of(share.amount * (count - 1), payable.currency)]
        terms = {"waivers": {"penalty": balance.penalty.model_dump(mode="json")} if balance.penalty.is_positive()
                 else {},
                 "instalments": [{"number": i + 1, "due_on": (today + timedelta(days=every * (i + 1))).isoformat(),
                                  "amount": a.model_dump(mode="json")} for i, a in enumerate(amounts)]}
        try:
            await handle.execute_update(UPDATE_PROPOSE, ProposeCommand(
                proposal_id=spec["proposal_id"], kind="settlement", terms=terms, actor=actor))
            break
        except WorkflowUpdateFailedError:
            if attempt == 2:
                raise
    if spec.get("approve", True) is False:
        return
    await handle.execute_update(UPDATE_APPROVAL, ApprovalCommand(
        approval_id=f"{spec['proposal_id']}-approval", proposal_id=spec["proposal_id"], decision="approve",
        role="manager", actor=MANAGER))


__all__ = ["READY_WAIT", "Skipped", "demo_settlement", "ensure_firms", "play_events"]
