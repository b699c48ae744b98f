"""Talking to a matter's workflow: commands (updates), the live snapshot (query), existence.

A command gets a 2xx only once Temporal has durably accepted and completed the update
(`execute_update` waits for the outcome). The workflow's validator refuses commands with an
`ApplicationError` whose `type` says why; those map onto HTTP statuses here:

| refusal                                   | status |
|-------------------------------------------|--------|
| `MatterClosed`, `StageNotAllowed`         | 409    |
| `NotYours` (another firm's referral)      | 404    |
| `InvalidCommand` ("field.path: message")  | 422, the field named in `loc` |
| workflow not found                        | 404    |
| workflow already completed (closed)       | 409    |
| Temporal did not answer in time           | 504 (retry with the same id: it is idempotent) |
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from fastapi import HTTPException, Response, status
from fastapi.exceptions import RequestValidationError
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.schemas import field_error
from workflows.contracts import (
    ERR_CLOSED,
    ERR_FORBIDDEN,
    ERR_INVALID,
    ERR_KEY_REUSED,
    ERR_NOT_YOURS,
    ERR_STAGE,
    QUERY_SNAPSHOT,
    MatterSnapshot,
    workflow_id,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

QUERY_TIMEOUT = timedelta(seconds=5)
UPDATE_TIMEOUT = timedelta(seconds=30)
_FIELD = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*): (.+)$", re.DOTALL)


class MatterGone(Exception):
    """The workflow exists but has completed: the matter is closed."""


def not_found(matter_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"matter {matter_id} not found")


def closed(matter_id: str) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, detail=f"matter {matter_id} is closed")


def invalid_command(message: str) -> RequestValidationError:
    """A 422 naming the field the workflow complained about ("amount.currency: ...")."""
    match = _FIELD.match(message)
    if match is None:
        return RequestValidationError([field_error(("body",), message, "invalid_command")])
    path, _ = match.groups()
    loc = ("body", *path.split("."))
    return RequestValidationError([field_error(loc, message, "invalid_command")])


async def workflow_state(client: Client, matter_id: str) -> WorkflowExecutionStatus | None:
    """The latest run's status, or None when there is no such workflow."""
    try:
        desc = await client.get_workflow_handle(workflow_id(matter_id)).describe(rpc_timeout=QUERY_TIMEOUT)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    return desc.status


async def execute_command(
    client: Client,
    matter_id: str,
    update: str,
    command: Any,
    *,
    update_id: str,
    result_type: type[T],
    target: str | None = None,
) -> T:
    """Run one update to completion and return its result, or raise the mapped HTTP error.

    Raises `MatterGone` when the workflow has already completed, so a caller can still answer
    a replayed command from the projection before turning it into a 409.
    """
    handle = client.get_workflow_handle(target or workflow_id(matter_id))
    try:
        return await handle.execute_update(
            update, command, id=update_id, result_type=result_type, rpc_timeout=UPDATE_TIMEOUT
        )
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError):
            if cause.type in (ERR_CLOSED, ERR_STAGE, ERR_KEY_REUSED):
                raise HTTPException(status.HTTP_409_CONFLICT, detail=cause.message) from None
            if cause.type == ERR_INVALID:
                raise invalid_command(cause.message) from None
            if cause.type == ERR_NOT_YOURS:
                raise not_found(matter_id) from None
            if cause.type == ERR_FORBIDDEN:
                raise HTTPException(status.HTTP_403_FORBIDDEN, detail=cause.message) from None
        log.error("update %s on matter %s failed: %s", update, matter_id, type(cause).__name__)
        raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, detail="the workflow failed the command") from None
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise HTTPException(
            status.HTTP_504_GATEWAY_TIMEOUT,
            detail="Temporal did not confirm the command in time; retry with the same id (it is idempotent)",
        ) from None
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        # NOT_FOUND means either "no such workflow" or "workflow already completed".
        if target is not None:
            raise MatterGone(target) from None
        state = await workflow_state(client, matter_id)
        if state is None:
            raise not_found(matter_id) from None
        raise MatterGone(matter_id) from None


async def live_snapshot(client: Client, matter_id: str) -> tuple[bool | None, MatterSnapshot | None]:
    """`(exists, snapshot)`: exists is False for an unknown workflow, None when Temporal did not
    say; snapshot is None when the query could not be answered (worker down, first task pending)."""
    handle = client.get_workflow_handle(workflow_id(matter_id))
    try:
        snap = await handle.query(QUERY_SNAPSHOT, result_type=MatterSnapshot, rpc_timeout=QUERY_TIMEOUT)
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return False, None
        log.warning("snapshot query for matter %s failed: %s", matter_id, exc.status)
        return None, None
    except (WorkflowQueryFailedError, TimeoutError) as exc:
        log.warning("snapshot query for matter %s failed: %s", matter_id, type(exc).__name__)
        return True, None
    return True, snap



class _Repeatable(Protocol):
    duplicate: bool


D = TypeVar("D", bound=_Repeatable)

async def answer_command(
    client: Client, response: Response, matter_id: str, update: str, command: Any, *, command_id: str,
    result_type: type[D], target: str | None = None, gone: HTTPException | None = None,
) -> D:
    """One update that carries its own id (`command_id`, recognised by the workflow on a repeat: its result
    says `duplicate`): a fresh Temporal update id per request, 201 for a new command, 200 for a repeat.
    A workflow that has completed is `gone` (default: the matter is closed, 409)."""
    try:
        result = await execute_command(client, matter_id, update, command, result_type=result_type, target=target,
                                       update_id=f"{update}-{command_id}-{uuid.uuid4().hex[:8]}")
    except MatterGone:
        raise (gone or closed(matter_id)) from None
    response.status_code = status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED
    return result
