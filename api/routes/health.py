"""Health: are Temporal, the evidence store (S3) and the database reachable? No auth."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

from activities.inputs import letters_queue
from api.schemas import HealthPublic, ProcessPublic
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


def _supervised(request: Request) -> dict[str, ProcessPublic] | None:
    """What `recovery up` says of its children (`var/run/stack.json`), if a live launcher runs this API."""
    path = Path(request.app.state.settings.var_dir) / "run" / "stack.json"
    try:
        data = json.loads(path.read_text())
        os.kill(int(data["launcher_pid"]), 0)  # a launcher that died leaves its file behind
        return {name: ProcessPublic.model_validate(p) for name, p in data["processes"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return None


@router.get("/health", response_model=HealthPublic, responses={503: {"model": HealthPublic}})
async def health(request: Request) -> JSONResponse:
    """200 when Temporal, S3 and the database all answer; 503 naming the ones that do not."""
    names = ("temporal", "s3", "database")
    *results, (workers, counts) = await asyncio.gather(
        _temporal(request), _s3(request), _database(request), _workers(request)
    )
    checks = {name: ("up" if ok else "down") for name, ok in zip(names, results, strict=True)}
    down = [name for name, ok in zip(names, results, strict=True) if not ok]
    body = HealthPublic(status="unavailable" if down else "ok", checks=checks, down=down,  # type: ignore[arg-type]
                        workers=workers, worker_processes=counts, processes=_supervised(request))  # type: ignore[arg-type]
    return JSONResponse(body.model_dump(), status_code=503 if down else 200)
