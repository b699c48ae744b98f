"""Writing the matter's projection from the workflow (a mixin of `MatterWorkflow`): the outbox and a changed
status through the `project` local activity, the search attributes when the matter settles, and the
backoff when the database is away (nothing is lost: the records stay in the outbox)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.inputs import PROJECT
    from store.records import ProjectionUpdate, StatusRecord
    from workflows.matter import status as st
    from workflows.matter.effects import MAX_BACKOFF_FACTOR
    from workflows.matter.failures import Failed as _Failed
    from workflows.matter.mixin import MatterMixin

STAGE = SearchAttributeKey.for_keyword(st.SA_STAGE)
OUTSTANDING = SearchAttributeKey.for_float(st.SA_OUTSTANDING)
OVERDUE_SINCE = SearchAttributeKey.for_datetime(st.SA_OVERDUE_SINCE)
NEEDS_ATTENTION = SearchAttributeKey.for_bool(st.SA_NEEDS_ATTENTION)

PROJECT_TIMEOUT = timedelta(seconds=10)
PROJECT_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=5),
                            maximum_attempts=5)


class ProjectionHandlers(MatterMixin):

    async def _publish(self, settled: bool = False, *, now_or_never: bool = False) -> None:
        """Write the outbox and a changed status to the projection; when `settled` (about to sleep,
        continue or end), refresh the search attributes too: each upsert is a write to Temporal's
        visibility store, so states that last only while work is in flight are not indexed.

        `now_or_never`: a step that reads the projection next (a bundle) writes it first even while
        earlier writes wait their backoff, and fails (retryably) if it cannot: waiting on a projection
        that this very workflow is not writing would only run out the step's retries."""
        now = workflow.now()
        status = self._status(now)
        search = st.search_values(status)
        published = self._s.published
        if settled and search != published.search:
            workflow.upsert_search_attributes([
                STAGE.value_set(status.stage),
                OUTSTANDING.value_set(float(status.outstanding.amount)),
                OVERDUE_SINCE.value_set(status.overdue.zero_at),
                NEEDS_ATTENTION.value_set(status.attention is not None),
            ])
            published.search = search
        digest = st.status_digest(status)
        changed = digest != published.status_digest
        outbox = self._s.outbox
        if outbox.is_empty() and not changed:
            return
        if published.retry_at is not None and not now_or_never:
            return
        if changed:
            self._s.seq += 1
        sizes = (outbox.opened is not None, len(outbox.events), len(outbox.payments), len(outbox.promises),
                 len(outbox.documents))
        update = ProjectionUpdate(
            opened=outbox.opened,
            status=StatusRecord(seq=self._s.seq, status=status) if changed else None,
            events=tuple(outbox.events),
            payments=tuple(outbox.payments),
            promises=tuple(outbox.promises),
            documents=tuple(outbox.documents),
        )
        try:
            await workflow.execute_local_activity(
                PROJECT, update, start_to_close_timeout=PROJECT_TIMEOUT, retry_policy=PROJECT_RETRY,
                summary="write the projection",
            )
        except (ActivityError, ApplicationError, TimeoutError):
            # Nothing is lost: the records stay in the outbox (in the state) for the next attempt.
            # (A local activity that fails after its retries surfaces as its own ApplicationError,
            # not wrapped in an ActivityError: a database away for a minute failed whole matters.)
            published.failures += 1
            published.failing_since = published.failing_since or now
            factor = min(2 ** (published.failures - 1), MAX_BACKOFF_FACTOR)
            published.retry_at = now + timedelta(seconds=min(60 * factor, self._inp.attention_retry_seconds))
            if now_or_never:
                raise _Failed("NotProjected", "the projection cannot be written now (is the database away?): the "
                              "step that reads it waits", True) from None
            return
        outbox.sent(*sizes)
        if changed:
            published.status_digest = digest
        published.failures = 0
        published.failing_since = None
        published.retry_at = None


__all__ = ["ProjectionHandlers"]
