"""The worker process: the matter workflows on the matters task queue, letters on their own queue.

`python -m workers.main` connects to Temporal as configured, makes sure the evidence bucket
exists (with Object Lock), and polls until SIGINT/SIGTERM, then drains and exits.

`RECOVERY_WORKER_ROLE` says what this process serves:
- `workflows`: the matter workflows (v2, the frozen v1, the referral child), the projection
  writes (local activities) and the reminders sent by e-mail and SMS (`send_email`, `send_sms`:
  network-bound, see activities/notify.py) on `RECOVERY_TEMPORAL_TASK_QUEUE`;
- `letters`: rendering and storing letters on `<task queue>-letters`, rendering in a pool of
  `RECOVERY_RENDER_PROCESSES` processes, so a backlog of letters never delays a workflow task;
- `all` (default): both in one process (rendering still in the process pool).
The local stack runs one `workflows` and one `letters` process; production can scale each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Literal

from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.contact import ContactActivities, derive_secret
from activities.inputs import letters_queue
from activities.matter import MatterActivities
from activities.notify import NotifyActivities
from activities.render_pool import RenderPool
from documents.policy_check import policy_document_problems
from settings import Settings, get_settings
from store.db import make_engine, make_sessionmaker
from store.evidence import EvidenceStore
from store.policies import PolicyError, load_policies
from workers.client import connect
from workflows.borrower import BorrowerWorkflow
from workflows.guarantor import GuarantorClaimWorkflow
from workflows.legacy.matter_v1 import MatterWorkflowV1
from workflows.matter.workflow import MatterWorkflow
from workflows.proceeding import ProceedingWorkflow
from workflows.referral import ReferralWorkflow

log = logging.getLogger("recovery.worker")

Role = Literal["all", "workflows", "letters"]
WORKFLOWS = (MatterWorkflow, MatterWorkflowV1, ReferralWorkflow, ProceedingWorkflow, GuarantorClaimWorkflow,
             BorrowerWorkflow)


class Workers:
    """Several Temporal workers run as one: `async with Workers(...)`, or `await run()`."""

    def __init__(self, workers: Sequence[Worker]) -> None:
        self.workers = list(workers)
        self._stack: contextlib.AsyncExitStack | None = None

    async def __aenter__(self) -> Workers:
        stack = contextlib.AsyncExitStack()
        try:
            for worker in self.workers:
                await stack.enter_async_context(worker)
        except BaseException:
            await stack.aclose()
            raise
        self._stack = stack
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._stack is not None:
            stack, self._stack = self._stack, None
            await stack.aclose()


def build_worker(
    client: Client,
    task_queue: str,
    activities: MatterActivities,
    *,
    role: Role = "all",
    max_cached_workflows: int = 10_000,
    letter_concurrency: int = 32,
    sandbox: bool = True,
    max_concurrent_workflow_tasks: int = 16,
    notify: NotifyActivities | None = None,
    contact: ContactActivities | None = None,
) -> Workers:
    """The workers of one process, shared by the process and the tests.

    `sandbox=False` runs workflow code without Temporal's sandbox (see `Settings.workflow_sandbox`).
    `notify`: the e-mail and SMS activities, served beside the workflows (None: not served here).
    `contact`: `reserve_contact`, the borrower's contact budget across matters (required with the
    workflows: their messages wait for it).
    """
    workers: list[Worker] = []
    if role in ("all", "workflows"):
        if contact is None:
            raise ValueError("build_worker: the workflows need `contact` (ContactActivities: the contact budget)")
        runner: dict[str, Any] = {} if sandbox else {"workflow_runner": UnsandboxedWorkflowRunner()}
        workers.append(
            Worker(
                client,
                task_queue=task_queue,
                workflows=list(WORKFLOWS),
                **runner,
                # `project` runs as a local activity of v2 (and a regular one of v1); v1's letters too.
                # Reminders by e-mail/SMS wait on the network, not the CPU: here, not on the letters queue.
                activities=[activities.project, activities.render_and_store_letter,
                            activities.make_instruction_bundle, contact.reserve_contact,
                            *((notify.send_email, notify.send_sms, notify.send_firm_email)
                              if notify is not None else ())],
                max_concurrent_activities=16,
                max_concurrent_local_activities=32,
                max_cached_workflows=max_cached_workflows,
                # Workflow tasks share one GIL: a few at a time each finish in milliseconds, while a
                # backlog waits at the server (where it shows as lag), not half-done in this process.
                max_concurrent_workflow_tasks=max_concurrent_workflow_tasks,
            )
        )
    if role in ("all", "letters"):
        workers.append(
            Worker(
                client,
                task_queue=letters_queue(task_queue),
                activities=[activities.store_letter],
                max_concurrent_activities=letter_concurrency,
            )
        )
    return Workers(workers)


def contact_activities(client: Client, settings: Settings) -> ContactActivities:
    """`reserve_contact` on `client`: borrower keys from the settings' payload key, on their task queue."""
    return ContactActivities(client, derive_secret(settings.encryption_key_bytes()), settings.temporal_task_queue)


def letter_priority(role: Role, niceness: int) -> int:
    """Lower this process's CPU priority when it only makes letters; the niceness left for its render processes.

    The whole letters process, not only its render processes: storing, hashing and reporting each
    letter also took the cores from intakes and reads (intake p99 under letters 189 -> 142 ms,
    letters/s unchanged: `make bench-intake`). Its render processes inherit the niceness. A
    combined worker also runs workflow tasks, so there only the render processes are lowered.
    """
    if role == "letters" and niceness:
        os.nice(niceness)
        return 0
    return niceness


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    # Refuse to start on a bad policy file (PolicyError: file, field, reason), before connecting.
    load_policies(settings.policy_dir, check=policy_document_problems)
    role: Role = settings.worker_role
    render_niceness = letter_priority(role, settings.render_niceness)
    # One identity per process (Temporal records it on every task it hands out): which worker did what.
    client = await connect(settings, identity=f"recovery-{role}-{os.getpid()}@{socket.gethostname()}")
    engine = make_engine(settings.db_url)
    evidence = EvidenceStore.from_settings(settings)
    await asyncio.to_thread(evidence.ensure_bucket)
    pool = (RenderPool(settings.render_processes, render_niceness)
            if role != "workflows" and settings.render_processes != 0 else None)
    activities = MatterActivities(make_sessionmaker(engine), evidence, pool)
    notify = NotifyActivities.from_settings(settings, evidence) if role != "letters" else None
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    workers = build_worker(
        client, settings.temporal_task_queue, activities, role=role,
        max_cached_workflows=settings.worker_max_cached_workflows, sandbox=settings.workflow_sandbox,
        notify=notify, contact=contact_activities(client, settings),
    )
    log.info("worker (%s) polling task queue %s on %s", role, settings.temporal_task_queue, settings.temporal_address)
    try:
        async with workers:
            await stop.wait()
            log.info("worker stopping")
    finally:
        if pool is not None:
            await asyncio.to_thread(pool.close)
        await engine.dispose()


def main() -> None:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        asyncio.run(run_worker(settings))
    except PolicyError as exc:  # an expected refusal: the message, no traceback
        sys.exit(f"worker not started: bad policy\n{exc}")


if __name__ == "__main__":
    main()
