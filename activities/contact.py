"""Counting a contact attempt in its borrower's budget (activity `reserve_contact`).

A matter's workflow cannot see its borrower's other matters; this activity takes the attempt to the
borrower's own contact workflow (workflows/borrower.py) and returns its answer: when the attempt
may lawfully happen, or, for one already made, whether it broke the limit.

The borrower's workflow ID must not carry personal data (Temporal shows workflow IDs in plain text)
yet must be the same for every matter of one person: it is `borrower-` and the first 24 hex digits
of HMAC-SHA256(key, task queue and normalised ID number), the key derived from the payload
encryption key. The ID number is normalised by removing spaces and hyphens and upper-casing (an ID
card's final `x`).
Rotating the encryption key starts new budgets: for at most 7 days a person's attempts made before
the rotation are not counted against those after it.
"""

from __future__ import annotations

import hashlib
import hmac

from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from activities.inputs import (
    BORROWER_WORKFLOW,
    RESERVE_CONTACT,
    UPDATE_RESERVE_CONTACT,
    BorrowerContacts,
    BorrowerContactUpdate,
    ContactGrant,
    ContactRequest,
)

_KEY_LABEL = b"recovery/borrower-contact-budget/v1"


def borrower_key(secret: bytes, id_number: str, task_queue: str) -> str:
    """The borrower's pseudonymous key: the same for every matter of one person, no ID number in it.

    The task queue is part of it: the borrower's workflow runs on the matters' queue, and a
    deployment that moves to another queue must not wait on workflows no worker serves any more.
    """
    normal = "".join(id_number.split()).replace("-", "").upper()
    return hmac.new(secret, f"{task_queue}\0{normal}".encode(), hashlib.sha256).hexdigest()[:24]


def derive_secret(encryption_key: bytes) -> bytes:
    """A key for borrower keys only, derived from the payload encryption key (never that key itself)."""
    return hmac.new(encryption_key, _KEY_LABEL, hashlib.sha256).digest()


def borrower_workflow_id(secret: bytes, id_number: str, task_queue: str) -> str:
    return f"borrower-{borrower_key(secret, id_number, task_queue)}"


class ContactActivities:
    """`reserve_contact`, with the Temporal client it calls the borrower's workflow through."""

    def __init__(self, client: Client, secret: bytes, task_queue: str) -> None:
        self._client = client
        self._secret = secret
        self._queue = task_queue
        self.workflow_ids: set[str] = set()  # the borrowers' workflows this process has reached

    @activity.defn(name=RESERVE_CONTACT)
    async def reserve_contact(self, req: ContactRequest) -> ContactGrant:
        """Count the attempt in the borrower's budget; when it may happen (or whether it broke the limit)."""
        wid = borrower_workflow_id(self._secret, req.id_number, self._queue)
        self.workflow_ids.add(wid)
        update = BorrowerContactUpdate(**req.model_dump(exclude={"id_number"}))
        try:
            handle = await self._client.start_workflow(
                BORROWER_WORKFLOW, BorrowerContacts(), id=wid, task_queue=self._queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                static_summary="A borrower's contact attempts (the limit per rolling 7 days)",
            )
            return await handle.execute_update(UPDATE_RESERVE_CONTACT, update, result_type=ContactGrant)
        except WorkflowUpdateFailedError as exc:  # refused by the validator: the same input fails again
            raise ApplicationError(f"contact attempt {req.attempt_id}: {exc.cause}", type="ContactInvalid",
                                   non_retryable=True) from None
        except RPCError as exc:  # the borrower's workflow ended meanwhile, or Temporal is away: retried
            raise ApplicationError(f"the borrower's contact budget could not be reached ({exc.status.name})",
                                   type="ContactBudgetUnavailable") from None


__all__ = ["ContactActivities", "borrower_key", "borrower_workflow_id", "derive_secret"]
