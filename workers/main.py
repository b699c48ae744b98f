"""The worker process: runs MatterWorkflow and its activities on the matters task queue.

`python -m workers.main` connects to Temporal as configured, makes sure the evidence bucket
exists (with Object Lock), and polls until SIGINT/SIGTERM, then drains and exits.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from temporalio.client import Client
from temporalio.worker import Worker

from activities.matter import MatterActivities
from settings import Settings, get_settings
from store.db import make_engine, make_sessionmaker
from store.evidence import EvidenceStore
from workers.client import connect
from workflows.matter import MatterWorkflow

log = logging.getLogger("recovery.worker")


def build_worker(client: Client, task_queue: str, activities: MatterActivities) -> Worker:
    """The one worker definition, shared by the process and the tests."""
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[MatterWorkflow],
        activities=[activities.project, activities.render_and_store_letter],
        max_concurrent_activities=16,
    )


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    client = await connect(settings, identity="recovery-worker")
    engine = make_engine(settings.db_url)
    evidence = EvidenceStore.from_settings(settings)
    await asyncio.to_thread(evidence.ensure_bucket)
    activities = MatterActivities(make_sessionmaker(engine), evidence)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    worker = build_worker(client, settings.temporal_task_queue, activities)
    log.info("worker polling task queue %s on %s", settings.temporal_task_queue, settings.temporal_address)
    async with worker:
        await stop.wait()
        log.info("worker stopping")
    await engine.dispose()


def main() -> None:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(run_worker(settings))


if __name__ == "__main__":
    main()
