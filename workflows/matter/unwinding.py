"""Closing a matter (`_begin_closing`: queued work dropped, children cancelled, the closure letter) and unwinding it

When a matter closes paid, settled, cured or withdrawn (since patch `unwinding`) with a case or a measure
running, `_begin_unwinding` plans the chain and queues it as durable steps ahead of the children's
cancellation and the closure letter: each withdrawal, lift and release of security is an
`unwinding_application` made from the record and stored (a letter effect: its own retries, needs_attention
when it fails); then the firm acting is e-mailed the list (`tell_firm`); then every child workflow is
closed (`close_children`). The history shows the chain: `unwinding_started`, one `unwinding_step` per step,
`unwinding_done`.

The court's rulings come afterwards: a lifted asset's `released` is still recorded on the closed matter,
and the workflow stays open (reminding the team every `CHASE_DAYS`) until every measure applied to be
lifted is released or has run out. Nothing is left frozen on a paid matter unnoticed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.inputs import SEND_FIRM_EMAIL, MessageSent, UnwindingFacts, UnwoundDocument
    from domain.evidence import DocumentRef
    from domain.matter import MatterIntake
    from domain.status import UnwindingView
    from domain.unwinding import CaseFacts, UnwindStep, holding, plan
    from workflows.matter.assets import records_of
    from workflows.matter.failures import failure_of
    from workflows.matter.messages import MESSAGE_REFUSED, MESSAGE_RETRY, MESSAGE_TIMEOUT
    from workflows.matter.mixin import MatterMixin
    from workflows.matter.state import Effect, LetterOrder, MatterState, Unwinding

PATCH_UNWINDING = "unwinding"
CHASE_DAYS = 7  # policy days between reminders of a lift applied for and not yet recorded as released
_GROUNDS = ("paid", "settled", "cured", "withdrawn")


def unwinding_view(s: MatterState, intake: MatterIntake, today: date) -> UnwindingView | None:
    u = s.unwinding
    if u is None:
        return None
    return UnwindingView(ground=u.ground, closed_on=u.closed_on, steps=tuple(u.steps),
                         done=all(st.status != "pending" for st in u.steps), still_held=still_held(s, intake, today))


def still_held(s: MatterState, intake: MatterIntake, today: date) -> tuple[int, ...]:
    """The assets whose lift was applied for that a measure still holds on `today`."""
    u = s.unwinding
    if u is None:
        return ()
    return tuple(r.number for r in records_of(s, intake) if r.number in u.lifted and holding(r, today))


def _request(step: UnwindStep) -> str:
    if step.kind == "withdraw_enforcement":
        return "withdraw_enforcement"
    if step.kind == "withdraw_case":
        return ("withdraw_appeal" if step.instance == 2 else
                "withdraw_suit" if step.forum == "court" else "withdraw_arbitration")
    return "lift_preservation" if step.kind == "lift_measure" else "return_security"


class UnwindingHandlers(MatterMixin):

    def _begin_closing(self, now: datetime) -> None:
        """Closing: drop queued work (the one in flight finishes), cancel children newest first, closure letter."""
        dropped = [e for e in self._s.effects if e.key != self._in_flight]
        self._s.effects = [e for e in self._s.effects if e.key == self._in_flight]
        for effect in dropped:
            if effect.message is not None:
                self._message_dropped(effect, effect.message, "the matter closed before it could be sent", now)
        if self._s.attention is not None and not self._s.effects:
            self._s.attention = None  # what was failing is no longer needed
        self._begin_unwinding(now)  # (withdrawals, lifts, the firm told: before the children close)
        for child in reversed(self._s.referral.children):
            self._queue(Effect(key=f"cancel:{child}", cancel=child, queued_at=now))
        self._queue_children_closed(now)
        if self._s.referral.current is not None and self._s.referral.current.status == "instructing":
            self._s.referral.current = None  # never started
        step = "closure" if not self._s.reopened else f"closure{self._s.reopened + 1}"
        if self._s.closure_reason == "written_off":
            return  # an internal decision: the borrower still owes, so no letter says otherwise
        if self._s.closure_reason == "cured":
            self._queue_letter("arrears_cleared", step, "Arrears cleared letter", now, params={})
        else:
            self._queue_letter("closure_letter", step, "Closure letter", now, params={})


    def _cases(self) -> list[CaseFacts]:
        ps = self._s.proceedings
        creditor_appealed = "creditor" in ps.appeals.values()
        cases = []
        for p in ps.items:
            enforcing = ps.enforcing.get(p.number)
            cases.append(CaseFacts(number=p.number, forum=p.forum, instance=p.instance, status=p.status, body=p.body,
                                   creditor_appealed=creditor_appealed,
                                   case_number=p.case_number,
                                   enforcement_court=enforcing[0] if enforcing else None,
                                   enforcement_case=enforcing[1] if enforcing else None,
                                   preservations=tuple(ps.rulings.get(p.number, ()))))
        return cases

    def _begin_unwinding(self, now: datetime) -> None:
        """Plan the chain and queue its steps (called as the matter closes, before the children's cancels)."""
        reason = self._s.closure_reason
        if reason not in _GROUNDS or self._s.unwinding is not None:
            return
        today = self._s.clock.today(now)
        current = self._s.referral.current
        firm = current.firm_name or current.firm if current is not None and current.status == "accepted" else None
        steps = plan(self._cases(), records_of(self._s, self._intake), today, firm=firm,
                     children=len(self._s.referral.children))
        if not any(st.documented for st in steps) or not workflow.patched(PATCH_UNWINDING):
            return  # nothing running against the debtor: the closing is as it always was
        self._s.unwinding = Unwinding(ground=reason, closed_on=today, steps=list(steps))  # type: ignore[arg-type]
        chain = "; ".join(f"{st.n}. {st.words}" for st in steps)
        self._event("unwinding-started", "unwinding_started",
                    f"The matter closed ({reason}) with proceedings or measures running: they are undone in turn: "
                    f"{chain}", data={"steps": len(steps)})
        records = {r.number: r for r in records_of(self._s, self._intake)}
        for st in steps:
            if st.documented:
                params: dict[str, Any] = {"request": _request(st), "ground": reason, "closed_on": today.isoformat(),
                                          "court": st.court, "case_number": st.case_number,
                                          "ruling_number": st.ruling_number,
                                          "amount": st.amount.model_dump(mode="json") if st.amount else None,
                                          "assets": [{"description": records[a].asset.description}
                                                     for a in st.assets if a in records]}
                self._queue_letter("unwinding_application", f"unwind-{st.n}", f"Unwinding step {st.n}: {st.words}",
                                   now, params=params)
            elif st.kind == "tell_firm":
                self._queue(Effect(key=f"unwind:{st.n}", unwind=st.n, queued_at=now))

    def _queue_children_closed(self, now: datetime) -> None:
        """After the children's cancels: the last step of the chain."""
        u = self._s.unwinding
        if u is None:
            return
        last = next((st for st in u.steps if st.kind == "close_children"), None)
        if last is not None:
            self._queue(Effect(key=f"unwind:{last.n}", unwind=last.n, queued_at=now))

    def _step_done(self, n: int, *, status: str = "done", document_id: str | None = None, note: str | None = None,
                   data: dict[str, Any] | None = None) -> None:
        u = self._s.unwinding
        assert u is not None
        st = u.steps[n - 1]
        u.steps[n - 1] = st.model_copy(update={"status": status, "document_id": document_id, "done_at_step": note})
        words = f"Unwinding step {n} {'done' if status == 'done' else 'skipped'}: {st.words}"
        if note:
            words += f" ({note})"
        self._event(f"unwinding-step-{n}", "unwinding_step", words,
                    data={"n": n, "kind": st.kind, "status": status, **({"document_id": document_id}
                                                                          if document_id else {}), **(data or {})})
        if all(x.status != "pending" for x in u.steps):
            held = still_held(self._s, self._intake, self._s.clock.today(workflow.now()))
            tail = (f"; the court is yet to release asset(s) {', '.join(str(a) for a in held)}: record each release"
                    if held else "")
            self._event("unwinding-done", "unwinding_done", f"Unwinding done: {len(u.steps)} step(s){tail}",
                        data={"still_held": list(held)})
        self._dirty = True

    def _unwinding_document_stored(self, order: LetterOrder, ref: DocumentRef) -> None:
        u = self._s.unwinding
        if u is None or not order.step.startswith("unwind-"):
            return
        n = int(order.step.removeprefix("unwind-"))
        st = u.steps[n - 1]
        if st.status != "pending":
            return
        if st.kind == "lift_measure":
            for a in st.assets:
                u.lifted.setdefault(a, self._s.clock.today(workflow.now()))
        self._step_done(n, document_id=ref.document_id, data={"sha256": ref.sha256})

    async def _run_unwind(self, n: int) -> None:
        u = self._s.unwinding
        if u is None or u.steps[n - 1].status != "pending":
            return
        st = u.steps[n - 1]
        if st.kind == "close_children":
            self._step_done(n)
            return
        await self._tell_firm(n, u)

    async def _tell_firm(self, n: int, u: Unwinding) -> None:
        current = self._s.referral.current
        firm = self._s.referral.firms.get(current.number) if current is not None else None
        instruction = self._s.referral.instructed.get(current.number) if current is not None else None
        if current is None or firm is None or not firm.email or instruction is None:
            self._step_done(n, status="skipped", note="no e-mail address on record for the firm: tell it another way")
            return
        stored = {d.document_id: d for d in self._s.documents}
        documents = tuple(UnwoundDocument(words=st.words, document_id=st.document_id,
                                          sha256=stored[st.document_id].sha256)
                          for st in u.steps if st.document_id and st.document_id in stored)
        email = instruction.model_copy(update={
            "message_id": f"{self._mid}-unwinding", "to": firm.email, "firm_name": firm.name,
            "locale": self._intake.borrower.locale, "dated": workflow.now(), "answer_by": None, "hearing": None,
            "unwinding": UnwindingFacts(ground=u.ground, closed_on=u.closed_on, documents=documents)})
        try:
            sent: MessageSent = await workflow.execute_activity(
                SEND_FIRM_EMAIL, email, result_type=MessageSent, start_to_close_timeout=MESSAGE_TIMEOUT,
                retry_policy=MESSAGE_RETRY, summary=f"e-mail {firm.name} the applications that undo the matter")
        except ActivityError as exc:
            failure = failure_of(exc, f"The closing e-mail to {firm.name}",
                                 MESSAGE_RETRY.non_retryable_error_types or ())
            if failure.error not in MESSAGE_REFUSED:
                raise failure from None
            self._step_done(n, status="skipped", note=f"the firm's server refused the e-mail ({failure.error}): tell "
                                                      "it another way")
            return
        self._step_done(n, note=f"e-mailed to {firm.email}", data={"message_id": sent.message_id,
                                                                   "sha256": sent.sha256})

    # ------------------------------------------------------------------ after: the courts' releases
    def _lifts_pending(self, now: datetime) -> bool:
        """The workflow stays open while a measure it applied to lift still holds."""
        return bool(still_held(self._s, self._intake, self._s.clock.today(now)))

    def _chases(self, today: date) -> list[tuple[str, date, int]]:
        """(key, the day, the asset) of the reminders not given yet, soonest first."""
        u = self._s.unwinding
        if u is None:
            return []
        found = []
        for a in still_held(self._s, self._intake, today):
            applied = u.lifted[a]
            k = 1
            while f"{a}:{k}" in u.chased:
                k += 1
            found.append((f"{a}:{k}", applied + timedelta(days=CHASE_DAYS * k), a))
        return sorted(found, key=lambda x: x[1])

    def _chase_wake(self, now: datetime) -> datetime | None:
        pending = self._chases(self._s.clock.today(now))
        return self._s.clock.day_starts(pending[0][1]) if pending else None

    def _chase_lifts(self, now: datetime) -> None:
        u, today = self._s.unwinding, self._s.clock.today(now)
        if u is None:
            return
        for key, on, a in self._chases(today):
            if on > today:
                continue
            u.chased.append(key)
            self._event(f"unwinding-chase-{key}", "lift_pending",
                        f"Asset {a} is still held although its lift was applied for on {u.lifted[a].isoformat()}: "
                        "ask the court to rule on it (it must within 5 days: SPC Provisions on Handling Property "
                        "Preservation Cases art. 23), then record the release", data={"number": a})
            self._dirty = True


__all__ = ["CHASE_DAYS", "PATCH_UNWINDING", "UnwindingHandlers", "still_held", "unwinding_view"]
