"""`make bench-portfolio`: a portfolio of matters through the real local stack, against the engine's bound.

    python -m bench.portfolio [--matters 1000] [--workers 1] [--kill] [--letters 2000] [--skip-letters]

Everything real: a Temporal dev server (file-backed, WAL), SeaweedFS, a SQLite projection, and
worker processes (`python -m bench.portfolio serve ...`, the same workflows and activities as
`recovery worker`). Two measurements, each beside its bound measured in the same run:

1. Portfolio (demo policy, 1 policy day = 1 s): N matters opened at once, from intake to
   `legal_review` (notice, four ladder steps with one reminder letter, a 30-day window); one in ten
   makes a promise and keeps it, one in ten pays in part, one in fifty pays in full (closes). The
   bound is a trivial workflow on the same server with the same timers, activities, local
   activities and updates per matter. Printed: matters/s, the bound, their ratio; the p50/p95 lag
   of steps behind the policy clock; history events per simple matter; workflow task times; worker
   RSS; and how many matters are not where they should be (must be 0). With `--workers 2 --kill`,
   one of two worker processes is killed (SIGKILL) mid-run: the other must finish everything, with
   no letter stored twice (one S3 version per key) and no row twice.
2. Letters (standard policy): M matters opened at once, each storing its collection notice: letters
   stored per second end to end (rendered, in S3, recorded in the projection), beside the same
   server's rate with a trivial activity in the letter's place; workflow task times.

Figures are medians or percentiles of what was measured in this run; nothing is asserted here.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import random
import resource
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.portfolio_figures import history_figures, lag_figures, report_letters, report_portfolio, verify_portfolio
from bench.processes import CpuMeter, Servers, WorkerProcs, gather_limited

ROOT = Path(__file__).resolve().parent.parent
SERVE = "serve"


# ---------------------------------------------------------------------------------------------------
# What the worker processes serve
# ---------------------------------------------------------------------------------------------------
def serve(mode: str) -> None:
    """Run a worker in this process: `real` (the system's own), `trivial-letters` (the real workflows
    with a letter activity that does nothing; the reminders by e-mail and SMS are the real ones, to
    the bench's SMTP server and SMS outbox), or `bound` (the trivial bound workflow)."""
    import logging

    from settings import get_settings

    settings = get_settings()
    logging.basicConfig(level=settings.log_level)
    if mode == "real":
        from workers.main import run_worker

        asyncio.run(run_worker(settings))
        return
    asyncio.run(_serve_fake(mode, settings))


async def _serve_fake(mode: str, settings: Any) -> None:
    from temporalio.worker import UnsandboxedWorkflowRunner, Worker

    from activities.inputs import letters_queue
    from activities.matter import MatterActivities
    from activities.notify import NotifyActivities
    from bench.bound import BoundWorkflow, trivial_letter, trivial_project
    from store.db import make_engine, make_sessionmaker
    from store.evidence import EvidenceStore
    from workers.client import connect
    from workers.main import WORKFLOWS, Workers

    client = await connect(settings, identity=f"bench-{mode}")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    queue = settings.temporal_task_queue
    runner: dict[str, Any] = {} if settings.workflow_sandbox else {"workflow_runner": UnsandboxedWorkflowRunner()}
    polls: dict[str, Any] = {}
    if mode == "bound":
        workers = Workers([
            Worker(client, task_queue=queue, workflows=[BoundWorkflow], activities=[trivial_project], **runner,
                   max_concurrent_workflow_tasks=16,
                   max_cached_workflows=settings.worker_max_cached_workflows, max_concurrent_local_activities=32),
            Worker(client, task_queue=letters_queue(queue), activities=[trivial_letter], max_concurrent_activities=32,
                   **polls),
        ])
        async with workers:
            await stop.wait()
        return
    engine = make_engine(settings.db_url)
    evidence = EvidenceStore.from_settings(settings)
    acts = MatterActivities(make_sessionmaker(engine), evidence)
    notify = NotifyActivities.from_settings(settings, evidence)
    workers = Workers([
        Worker(client, task_queue=queue, workflows=list(WORKFLOWS),
               activities=[acts.project, notify.send_email, notify.send_sms], **runner,
               max_concurrent_workflow_tasks=16,
               max_cached_workflows=settings.worker_max_cached_workflows, max_concurrent_local_activities=32),
        Worker(client, task_queue=letters_queue(queue), activities=[trivial_letter], max_concurrent_activities=32,
               **polls),
    ])
    try:
        async with workers:
            await stop.wait()
    finally:
        await engine.dispose()


# ---------------------------------------------------------------------------------------------------
# The portfolio
# ---------------------------------------------------------------------------------------------------
@dataclass
class Script:
    """What happens to matter i: nothing (simple), a kept promise, a partial payment, or paid in full."""

    kind: str  # simple | promise | partial | full

    @classmethod
    def for_index(cls, i: int) -> Script:
        if i % 50 == 7:
            return cls("full")
        if i % 10 == 3:
            return cls("promise")
        if i % 10 == 6:
            return cls("partial")
        return cls("simple")


def intake_for(i: int, run: str, policy: str) -> Any:
    if str(ROOT) not in sys.path:  # the test data builders (fictional people) live in the repository
        sys.path.insert(0, str(ROOT))
    from tests.factories import make_intake

    return make_intake(external_ref=f"BENCH-{run}-{i:06d}", policy=policy, locale="zh-CN" if i % 3 else "en")



async def play_script(client: Any, wid: str, script: Script, opened_at: float, day: float) -> None:
    """The scripted commands, each at its policy day after the matter opened."""
    from domain.money import Money
    from workflows.contracts import UPDATE_PAYMENT, UPDATE_PROMISE, PaymentCommand, PromiseCommand

    handle = client.get_workflow_handle(wid)
    cny = lambda a: Money.of(a, "CNY")  # noqa: E731

    async def at(policy_day: float) -> None:
        await asyncio.sleep(max(0.0, opened_at + policy_day * day - time.monotonic()))

    try:
        if script.kind == "promise":
            await at(2)
            due = date.today() + timedelta(days=30)  # a calendar date well after the policy date
            await handle.execute_update(UPDATE_PROMISE, PromiseCommand(
                promise_id=f"{wid}-pr", amount=cny("1000.00"), due_on=due, actor="bench"), id=f"{wid}-pr")
            await at(4)
            await handle.execute_update(UPDATE_PAYMENT, PaymentCommand(
                payment_id=f"{wid}-p", amount=cny("1000.00"), received_on=date.today(), actor="bench"),
                id=f"{wid}-p")
        elif script.kind == "partial":
            await at(3)
            await handle.execute_update(UPDATE_PAYMENT, PaymentCommand(
                payment_id=f"{wid}-p", amount=cny("500.00"), received_on=date.today(), actor="bench"),
                id=f"{wid}-p")
        elif script.kind == "full":
            await at(8)
            await handle.execute_update(UPDATE_PAYMENT, PaymentCommand(
                payment_id=f"{wid}-p", amount=cny("19518.00"), received_on=date.today(), actor="bench"),
                id=f"{wid}-p")
    except Exception as exc:  # noqa: BLE001 - counted, the run goes on
        SCRIPT_ERRORS.append(f"{wid} {script.kind}: {type(exc).__name__}: {exc}"[:300])


SCRIPT_ERRORS: list[str] = []


@dataclass
class PhaseResult:
    name: str
    count: int
    seconds: float
    done: int
    intake_seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0


async def open_all(client: Any, queue: str, intakes: list[Any], policy: Any) -> tuple[list[str], list[float]]:
    from workers.client import open_matter
    from workflows.contracts import workflow_id

    opened_at: list[float] = [0.0] * len(intakes)

    async def one(i: int) -> str:
        mid, _ = await open_matter(client, queue, intakes[i], policy, "bench")
        opened_at[i] = time.monotonic()
        return workflow_id(mid)

    ids = await gather_limited(32, [functools.partial(one, i) for i in range(len(intakes))])
    return ids, opened_at


def db_counts(database: Path) -> dict[str, int]:
    """Matters by stage (each run has a database of its own): an indexed count, cheap to poll."""
    import sqlite3

    with sqlite3.connect(database, timeout=30) as conn:
        rows = conn.execute("SELECT stage, count(*) FROM matters GROUP BY stage").fetchall()
    return {stage: n for stage, n in rows}


async def wait_until(check: Callable[[], Awaitable[int]], target: int, timeout: float,
                     tick: Callable[[], None] | None = None) -> tuple[int, float]:
    """Poll until `check()` reaches `target` or `timeout` passes: (last value, when it got there)."""
    start = time.monotonic()
    value = 0
    while time.monotonic() - start < timeout:
        value = await check()
        if tick is not None:
            tick()
        if value >= target:
            return value, time.monotonic()
        await asyncio.sleep(1)
    return value, time.monotonic()


async def portfolio(servers: Servers, tmp: Path, n: int, workers: int, kill: bool) -> dict[str, Any]:
    from store.db import migrate
    from store.policies import get_policy
    from workers.client import connect

    run = uuid.uuid4().hex[:6]
    queue = f"bench-portfolio-{run}"
    database = tmp / f"portfolio-{run}.db"
    bucket = f"bench-{run}"
    env = servers.env(queue, database, bucket)
    migrate(env["RECOVERY_DATABASE_URL"])
    settings = settings_from(env)
    procs = WorkerProcs("real", workers, env, tmp)
    client = await connect(settings, identity="bench")
    policy = get_policy("demo")
    scripts = [Script.for_index(i) for i in range(n)]
    intakes = [intake_for(i, run, "demo") for i in range(n)]
    expected_closed = sum(1 for s in scripts if s.kind == "full")
    await asyncio.sleep(3)  # the workers connect, ensure the bucket and start polling
    meter = CpuMeter({**servers.pids(), **{f"worker{i}": p.pid for i, p in enumerate(procs.procs)},
                      "bench (intake, script)": os.getpid()}).start()
    t0 = time.monotonic()
    ids, opened_at = await open_all(client, queue, intakes, policy)
    intake_seconds = time.monotonic() - t0
    players = [asyncio.create_task(play_script(client, ids[i], scripts[i], opened_at[i], policy.day_seconds))
               for i in range(n) if scripts[i].kind != "simple"]
    killed = None
    if kill and workers > 1:
        await asyncio.sleep(max(0.0, t0 + 25 - time.monotonic()))  # mid-run: during the ladder
        procs.kill(0)
        killed = procs.procs[0].pid

    async def arrived() -> int:
        counts = db_counts(database)
        return counts.get("legal_review", 0) + counts.get("closed", 0)

    ladder_end = policy.ladder_days + policy.negotiation_days + 2
    done, t_end = await wait_until(arrived, n, timeout=ladder_end * policy.day_seconds * 6 + 120,
                                   tick=procs.sample_rss)
    cpu = meter.stop()
    await asyncio.gather(*players)
    await asyncio.sleep(2)  # the last projection writes of letters and events
    check = verify_portfolio(database, run, scripts, servers, bucket, env)
    history = await history_figures(client, [ids[i] for i in range(n) if scripts[i].kind == "simple"][:200])
    rss = dict(procs.peak_rss)
    procs.stop()
    return {
        "result": PhaseResult("portfolio", n, t_end - t0, done, intake_seconds),
        "lag": lag_figures(database, run),
        "history": history,
        "rss": rss,
        "check": check,
        "killed": killed,
        "expected_closed": expected_closed,
        "cpu": cpu,
    }


def settings_from(env: dict[str, str]) -> Any:
    from settings import Settings

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return Settings().resolved()
    finally:
        os.environ.clear()
        os.environ.update(saved)


async def bound(servers: Servers, tmp: Path, n: int, workers: int) -> PhaseResult:
    """The same timers, activities, local activities and updates per matter, in a trivial workflow."""
    from bench.bound import BoundInput, BoundWorkflow
    from store.policies import get_policy
    from workers.client import connect

    run = uuid.uuid4().hex[:6]
    queue = f"bench-bound-{run}"
    env = servers.env(queue, tmp / f"bound-{run}.db", f"bench-{run}")
    settings = settings_from(env)
    procs = WorkerProcs("bound", workers, env, tmp)
    client = await connect(settings, identity="bench")
    policy = get_policy("demo")
    scripts = [Script.for_index(i) for i in range(n)]
    await asyncio.sleep(3)
    meter = CpuMeter({**servers.pids(), **{f"worker{i}": p.pid for i, p in enumerate(procs.procs)},
                      "bench (intake, script)": os.getpid()}).start()
    t0 = time.monotonic()
    opened_at: list[float] = [0.0] * n
    wids = [f"bound-{run}-{i}" for i in range(n)]

    async def start(i: int) -> None:
        await client.start_workflow(
            BoundWorkflow.run,
            BoundInput(ladder_days=[s.day for s in policy.ladder],
                       letters=[s.channel == "letter" for s in policy.ladder],
                       negotiation_days=policy.negotiation_days, day_seconds=policy.day_seconds,
                       close_on_payment=scripts[i].kind == "full"),
            id=wids[i], task_queue=queue,
        )
        opened_at[i] = time.monotonic()

    await gather_limited(32, [functools.partial(start, i) for i in range(n)])
    intake_seconds = time.monotonic() - t0
    players = [asyncio.create_task(play_script(client, wids[i], scripts[i], opened_at[i], policy.day_seconds))
               for i in range(n) if scripts[i].kind != "simple"]

    async def finished() -> int:
        return (await client.count_workflows(
            f"WorkflowType = 'BenchBound' AND ExecutionStatus = 'Completed' AND TaskQueue = '{queue}'")).count

    done, t_end = await wait_until(finished, n, timeout=(policy.ladder_days + policy.negotiation_days) * 6 + 120,
                                   tick=procs.sample_rss)
    cpu = meter.stop()
    await asyncio.gather(*players)
    procs.stop()
    return PhaseResult("bound", n, t_end - t0, done, intake_seconds, {"cpu": cpu})


# ---------------------------------------------------------------------------------------------------
# Letters
# ---------------------------------------------------------------------------------------------------
async def letters(servers: Servers, tmp: Path, m: int, trivial: bool) -> PhaseResult:
    import sqlite3

    from store.db import migrate
    from store.policies import get_policy
    from workers.client import connect

    run = uuid.uuid4().hex[:6]
    queue = f"bench-letters-{run}"
    database = tmp / f"letters-{run}.db"
    env = servers.env(queue, database, f"bench-{run}")
    migrate(env["RECOVERY_DATABASE_URL"])
    procs = WorkerProcs("trivial-letters" if trivial else "real", 1, env, tmp)
    client = await connect(settings_from(env), identity="bench")
    policy = get_policy("standard")
    intakes = [intake_for(i, run, "standard") for i in range(m)]
    await asyncio.sleep(3)
    meter = CpuMeter({**servers.pids(), **{f"worker{i}": p.pid for i, p in enumerate(procs.procs)},
                      "bench (intake, script)": os.getpid()}).start()
    t0 = time.monotonic()
    ids, _ = await open_all(client, queue, intakes, policy)
    intake_seconds = time.monotonic() - t0

    async def stored() -> int:
        with sqlite3.connect(database, timeout=30) as conn:
            return int(conn.execute("SELECT count(*) FROM documents WHERE kind = 'collection_notice'").fetchone()[0])

    done, t_end = await wait_until(stored, m, timeout=m / 2 + 120, tick=procs.sample_rss)
    cpu = meter.stop()
    sample = random.Random(7).sample(ids, min(200, len(ids)))
    history = await history_figures(client, sample)
    rss = dict(procs.peak_rss)
    procs.stop()
    return PhaseResult("letters (trivial)" if trivial else "letters", m, t_end - t0, done, intake_seconds,
                       {"history": history, "rss": rss, "cpu": cpu})


# ---------------------------------------------------------------------------------------------------
async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-portfolio-") as name:
        tmp = Path(args.keep) if args.keep else Path(name)
        tmp.mkdir(parents=True, exist_ok=True)
        servers = Servers(tmp).start()
        try:
            print(f"servers up: Temporal {servers.temporal_address}, S3 {servers.s3_endpoint}, "
                  f"SMTP 127.0.0.1:{servers.smtp_port}; "
                  f"{os.cpu_count()} CPUs", flush=True)
            if not args.skip_portfolio:
                print(f"\n== Portfolio: {args.matters} matters, demo policy, {args.workers} worker process(es)"
                      + (", one killed mid-run" if args.kill else ""), flush=True)
                real = await portfolio(servers, tmp, args.matters, args.workers, args.kill)
                b = await bound(servers, tmp, args.matters, args.workers)
                report_portfolio(real, b, SCRIPT_ERRORS)
            if not args.skip_letters:
                print(f"\n== Letters: {args.letters} matters opened at once on the standard policy", flush=True)
                trivial = await letters(servers, tmp, args.letters, trivial=True)
                actual = await letters(servers, tmp, args.letters, trivial=False)
                report_letters(actual, trivial)
        finally:
            servers.stop()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [SERVE]:
        serve(argv[1])
        return
    parser = argparse.ArgumentParser(prog="python -m bench.portfolio", description=__doc__.split("\n\n")[0])
    parser.add_argument("--matters", type=int, default=1000, help="matters in the portfolio run (demo policy)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes sharing the work")
    parser.add_argument("--kill", action="store_true", help="with --workers 2: kill one worker mid-run")
    parser.add_argument("--letters", type=int, default=2000, help="matters in the letters run (standard policy)")
    parser.add_argument("--skip-portfolio", action="store_true")
    parser.add_argument("--skip-letters", action="store_true")
    parser.add_argument("--keep", metavar="DIR", help="keep the servers' data and the workers' logs in DIR")
    args = parser.parse_args(argv)
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    asyncio.run(main_async(args))
    sys.stdout.flush()
    os._exit(0)  # the Temporal client's native threads can abort interpreter shutdown


if __name__ == "__main__":
    main()
