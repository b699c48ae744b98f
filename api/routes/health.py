"""Health: are Temporal, the evidence store (S3) and the database reachable? No auth.

Beside them, not deciding the status (like the workers): whether the SMTP server the reminders go
out through greets this process (`notifications.smtp`). Without it the API serves everything; the
workers retry e-mails until it is back (see activities/notify.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import ssl
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

from activities.inputs import letters_queue
from api.schemas import HealthPublic, ProcessPublic
from settings import Settings
from store import db

log = logging.getLogger(__name__)

router = APIRouter(tags=["health"])

TIMEOUT = 3.0  # per dependency, all three at once: /health answers within about 3 s whatever hangs


async def _temporal(request: Request) -> bool:
    client = request.app.state.temporal
    try:
        return bool(await client.service_client.check_health(timeout=timedelta(seconds=TIMEOUT)))
    except Exception as exc:  # unreachable or refusing: down, the reason goes to the log
        log.warning("temporal health check failed: %s", type(exc).__name__)
        return False


async def _s3(request: Request) -> bool:
    try:
        return bool(await asyncio.wait_for(asyncio.to_thread(request.app.state.evidence.check), TIMEOUT))
    except Exception as exc:
        log.warning("s3 health check failed: %s", type(exc).__name__)
        return False


async def _database(request: Request) -> bool:
    return await db.check(request.app.state.engine, timeout=TIMEOUT)


POLLED_WITHIN = timedelta(seconds=90)  # a live worker long-polls each of its queues at least every minute


async def _workers(request: Request) -> tuple[dict[str, str], dict[str, int]]:
    """Per queue: `up` when a worker polled it recently (Temporal's own record of its pollers), and how
    many processes did (each worker process polls under its own identity)."""
    client = request.app.state.temporal
    queue = request.app.state.settings.temporal_task_queue
    now = datetime.now(UTC)
    out: dict[str, str] = {}
    counts: dict[str, int] = {}
    for name, task_queue, kind in (("workflows", queue, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW),
                                   ("letters", letters_queue(queue), TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)):
        try:
            described = await client.workflow_service.describe_task_queue(
                DescribeTaskQueueRequest(namespace=client.namespace, task_queue=TaskQueue(name=task_queue),
                                         task_queue_type=kind),
                timeout=timedelta(seconds=TIMEOUT),
            )
        except Exception as exc:
            log.warning("worker check of %s failed: %s", task_queue, type(exc).__name__)
            out[name] = "unknown"
            continue
        recent = [p for p in described.pollers
                  if now - p.last_access_time.ToDatetime(tzinfo=UTC) <= POLLED_WITHIN]
        out[name] = "up" if recent else "down"
        counts[name] = len({p.identity for p in recent})
    return out, counts


# A relay need not hear from every readiness probe of every API process: one look per process per 30 s.
SMTP_RECHECK = 30.0
Up = Literal["up", "down"]


class HealthReport(HealthPublic):
    """`HealthPublic` with the notification channels (to move into api/schemas.HealthPublic)."""

    notifications: dict[str, Up] = Field(
        default_factory=dict,
        description="`smtp`: whether the SMTP server reminders are e-mailed through (RECOVERY_SMTP_HOST/PORT) "
                    "greets this process, checked at most every 30 s; a down server does not make /health 503 "
                    "(the API still serves; the workers retry the e-mails), it says so here",
    )


async def smtp_greets(settings: Settings, timeout: float = TIMEOUT) -> bool:
    """True when the SMTP server of the settings answers a connection with its 220 greeting (TLS first
    when RECOVERY_SMTP_SECURITY is ssl, its certificate verified); QUIT, no mail, no login."""
    writer: asyncio.StreamWriter | None = None

    async def greet() -> bool:
        nonlocal writer
        tls = ssl.create_default_context() if settings.smtp_security == "ssl" else None
        reader, writer = await asyncio.open_connection(settings.smtp_host, settings.smtp_port, ssl=tls)
        greeting = await reader.readline()
        writer.write(b"QUIT\r\n")
        await writer.drain()
        return greeting.startswith(b"220")

    try:
        ok = await asyncio.wait_for(greet(), min(timeout, settings.smtp_timeout))
    except Exception as exc:  # refused, hung, TLS refused, name unknown: down, the reason goes to the log
        log.warning("smtp health check failed: %s", type(exc).__name__)
        if writer is not None:
            writer.transport.abort()  # now: a hung server gets no more of /health's time
        return False
    if writer is not None:
        writer.close()  # after QUIT; not waited for (a TLS goodbye may take the server's time)
    if not ok:
        log.warning("smtp health check failed: no 220 greeting")
    return ok


async def _smtp(request: Request) -> Up:
    """The SMTP check, remembered for SMTP_RECHECK seconds by this app."""
    now = time.monotonic()
    last: tuple[float, Up] | None = getattr(request.app.state, "smtp_health", None)
    if last is not None and now - last[0] < SMTP_RECHECK:
        return last[1]
    state: Up = "up" if await smtp_greets(request.app.state.settings) else "down"
    request.app.state.smtp_health = (time.monotonic(), state)
    return state


def _supervised(request: Request) -> dict[str, ProcessPublic] | None:
    """What `recovery up` says of its children (`var/run/stack.json`), if a live launcher runs this API."""
    path = Path(request.app.state.settings.var_dir) / "run" / "stack.json"
    try:
        data = json.loads(path.read_text())
        os.kill(int(data["launcher_pid"]), 0)  # a launcher that died leaves its file behind
        return {name: ProcessPublic.model_validate(p) for name, p in data["processes"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return None


@router.get("/health", response_model=HealthReport, responses={503: {"model": HealthReport}})
async def health(request: Request) -> JSONResponse:
    """200 when Temporal, S3 and the database all answer; 503 naming the ones that do not. The workers
    and the SMTP server are reported, not counted: without them the API still serves."""
    names = ("temporal", "s3", "database")
    *results, (workers, counts), smtp = await asyncio.gather(
        _temporal(request), _s3(request), _database(request), _workers(request), _smtp(request)
    )
    checks = {name: ("up" if ok else "down") for name, ok in zip(names, results, strict=True)}
    down = [name for name, ok in zip(names, results, strict=True) if not ok]
    body = HealthReport(status="unavailable" if down else "ok", checks=checks, down=down,  # type: ignore[arg-type]
                        workers=workers, worker_processes=counts, processes=_supervised(request),  # type: ignore[arg-type]
                        notifications={"smtp": smtp})
    return JSONResponse(body.model_dump(), status_code=503 if down else 200)
