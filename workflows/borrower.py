"""One borrower's contact budget, shared by all of the person's matters (an entity workflow).

The limit on contact attempts is per person, across matters and channels (DESIGN.md, "Contact
conduct"): a matter cannot know it from its own state. So each borrower has one long-lived
workflow, `borrower-<key>` (the key a keyed hash of the ID number, see activities/contact.py),
which holds the attempts of the last 7 days and answers one update, `reserve_contact`:

- an attempt wished at `t` is given the first lawful moment at or after `t` (`domain.contact.
  next_lawful`: the contact hours in the borrower's time zone, then the attempts per rolling 7 days
  counting every matter's attempts and reservations) and is counted at that moment, so two matters
  asking at once are given different moments;
- an attempt already made (a call the team logged) is counted when it was made, and the answer
  says whether it broke the limit (it happened: it is recorded, not refused);
- the same attempt id with the same wished time is a replay and gets the same answer; with another
  wished time the reservation moves (a message that waited for a hold to end asks again); with
  `release` it is cancelled (the message will not be sent after all).

Updates are handled one at a time in order of arrival (they do not await), so every answer sees
the attempts before it. Attempts older than 7 days can never share a window with a new one and are
forgotten. With nothing left to count and no update for `IDLE`, the workflow ends; the next attempt
starts it again. Long-lived borrowers continue as new when Temporal suggests it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.inputs import (
        BORROWER_WORKFLOW,
        QUERY_CONTACT_BUDGET,
        UPDATE_RESERVE_CONTACT,
        BorrowerContacts,
        BorrowerContactUpdate,
        ContactGrant,
    )
    from domain.contact import (
        WINDOW,
        ContactAttempt,
        attempts_in_window,
        counts_toward_limit,
        most_in_a_window_with,
        next_lawful,
        zone,
    )

IDLE = timedelta(days=8)  # past the 7-day window: nothing of the borrower's can count any more
MAX_UPDATES_PER_RUN = 1000  # continue as new before the history grows long


@workflow.defn(name=BORROWER_WORKFLOW)
class BorrowerWorkflow:
    @workflow.init
    def __init__(self, state: BorrowerContacts) -> None:
        self._s = state
        self._updates = 0
        self._woken = False
        self._last = workflow.now()

    @workflow.run
    async def run(self, state: BorrowerContacts) -> None:
        while True:
            self._woken = False
            try:
                await workflow.wait_condition(lambda: self._woken or self._should_continue(),
                                              timeout=IDLE, timeout_summary="idle")
            except TimeoutError:
                self._forget(workflow.now())
                if not self._s.attempts and workflow.now() - self._last >= IDLE:
                    await workflow.wait_condition(workflow.all_handlers_finished)
                    return
            if self._should_continue():
                await workflow.wait_condition(workflow.all_handlers_finished)
                self._forget(workflow.now())
                workflow.continue_as_new(self._s)

    def _should_continue(self) -> bool:
        return self._updates >= MAX_UPDATES_PER_RUN or workflow.info().is_continue_as_new_suggested()

    @workflow.update(name=UPDATE_RESERVE_CONTACT)
    def reserve(self, u: BorrowerContactUpdate) -> ContactGrant:
        earlier = self._s.grants.get(u.attempt_id)
        if earlier is not None and earlier.wished_at == u.wished_at:
            return earlier
        now = workflow.now()
        self._updates += 1
        self._woken = True
        self._last = now
        self._forget(now)
        self._s.attempts.pop(u.attempt_id, None)
        others = list(self._s.attempts.values())
        limits = u.limits
        if u.release:  # the reserved attempt will not be made: it no longer counts
            grant = ContactGrant(attempt_id=u.attempt_id, wished_at=u.wished_at, allowed_at=u.wished_at,
                                 attempts_in_7_days=attempts_in_window(others, u.wished_at))
            self._s.grants[u.attempt_id] = grant
            return grant
        if u.made:
            at = u.wished_at.astimezone(UTC)
            most = most_in_a_window_with(others, at) if counts_toward_limit(u.channel) else 0
            over = most > limits.max_attempts_per_7_days
            grant = ContactGrant(attempt_id=u.attempt_id, wished_at=u.wished_at, allowed_at=at, over_limit=over,
                                 attempts_in_7_days=most,
                                 reasons=(f"{most} contact attempts in 7 days across the borrower's matters, over "
                                          f"the limit of {limits.max_attempts_per_7_days}",) if over else ())
        else:
            decision = next_lawful(u.wished_at, u.timezone, limits, others, channel=u.channel)
            assert decision.allowed_at is not None  # (no hold or cease-contact here: the matter decides those)
            at = decision.allowed_at
            grant = ContactGrant(attempt_id=u.attempt_id, wished_at=u.wished_at, allowed_at=at,
                                 reasons=decision.reasons)
        self._s.attempts[u.attempt_id] = ContactAttempt(at=at, channel=u.channel, matter_id=u.matter_id,
                                                        outcome=u.outcome)
        if not u.made:
            counted = attempts_in_window(list(self._s.attempts.values()), at)
            grant = grant.model_copy(update={"attempts_in_7_days": counted})
        self._s.grants[u.attempt_id] = grant
        return grant

    @reserve.validator
    def _check(self, u: BorrowerContactUpdate) -> None:
        zone(u.timezone)  # a ValueError naming the zone: refused before it is recorded

    @workflow.query(name=QUERY_CONTACT_BUDGET)
    def budget(self) -> BorrowerContacts:
        return self._s

    def _forget(self, now: datetime) -> None:
        """Drop attempts that can share no 7-day window with one made from now on."""
        horizon = now - WINDOW
        old = [k for k, a in self._s.attempts.items() if a.at <= horizon]
        for k in old:
            del self._s.attempts[k]
            self._s.grants.pop(k, None)


__all__ = ["IDLE", "BorrowerWorkflow"]
