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
import json
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SERVE = "serve"


# ---------------------------------------------------------------------------------------------------
# Servers and worker processes
# ---------------------------------------------------------------------------------------------------
@dataclass
class Servers:
    root: Path
    temporal_address: str = ""
    s3_endpoint: str = ""
    access_key: str = "bench" + uuid.uuid4().hex[:6]
    secret_key: str = uuid.uuid4().hex
    services: list[Any] = field(default_factory=list)

    def start(self) -> Servers:
        from infra.services import SeaweedPorts, free_port, seaweedfs_service, temporal_service

        ports = SeaweedPorts.random()
        s3 = seaweedfs_service(self.root / "s3", self.access_key, self.secret_key, ports=ports)
        s3.die_with_parent = True
        self.services.append(s3.start())
        port = free_port()
        temporal = temporal_service(self.root / "temporal", port=port, ui_port=free_port())
        temporal.die_with_parent = True
        self.services.append(temporal.start())
        self.temporal_address = f"127.0.0.1:{port}"
        self.s3_endpoint = f"http://127.0.0.1:{ports.s3}"
        return self

    def stop(self) -> None:
        for svc in reversed(self.services):
            svc.stop()

    def pids(self) -> dict[str, int]:
        return {svc.name: svc.pid for svc in self.services if svc.pid is not None}

    def env(self, queue: str, database: Path, bucket: str) -> dict[str, str]:
        return {
            "RECOVERY_ENVIRONMENT": "development",
            "RECOVERY_VAR_DIR": str(self.root / "var"),
            "RECOVERY_TEMPORAL_ADDRESS": self.temporal_address,
            "RECOVERY_TEMPORAL_TASK_QUEUE": queue,
            "RECOVERY_S3_ENDPOINT_URL": self.s3_endpoint,
            "RECOVERY_S3_ACCESS_KEY_ID": self.access_key,
            "RECOVERY_S3_SECRET_ACCESS_KEY": self.secret_key,
            "RECOVERY_S3_BUCKET": bucket,
            "RECOVERY_S3_OBJECT_LOCK_DAYS": "1",
            "RECOVERY_DATABASE_URL": f"sqlite:///{database}",
            "RECOVERY_ENCRYPTION_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            "RECOVERY_LOG_LEVEL": "WARNING",
        }


class WorkerProcs:
    """N worker processes (`python -m bench.portfolio serve MODE`), each in its own process group."""

    def __init__(self, mode: str, count: int, env: dict[str, str], log_dir: Path) -> None:
        self.mode, self.env, self.log_dir = mode, env, log_dir
        self.procs: list[subprocess.Popen[bytes]] = []
        self.peak_rss: dict[int, int] = {}
        for i in range(count):
            log = open(log_dir / f"worker-{mode}-{i}.log", "ab")  # noqa: SIM115 - handed to the child
            self.procs.append(subprocess.Popen(
                [sys.executable, "-m", "bench.portfolio", SERVE, mode], cwd=ROOT, env={**os.environ, **env},
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            ))
            log.close()

    def sample_rss(self) -> None:
        """Peak RSS of each worker process with its children (the render processes)."""
        for p in self.procs:
            if p.poll() is None:
                self.peak_rss[p.pid] = max(self.peak_rss.get(p.pid, 0), tree_rss(p.pid))

    def kill(self, index: int) -> None:
        os.killpg(self.procs[index].pid, signal.SIGKILL)

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass
    return out


def cpu_seconds(pid: int, tree: bool = True) -> float:
    """CPU time (user + system, seconds) of `pid` (with `tree`, also its live descendants) and reaped children."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in _descendants(pid) if tree else [pid]:
        try:
            with open(f"/proc/{p}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
    return total / ticks


class CpuMeter:
    """CPU seconds used by named processes between `start()` and `stop()`."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.begin: dict[str, float] = {}
        self.used: dict[str, float] = {}

    def _read(self) -> dict[str, float]:
        # The bench process is the parent of everything else: count it alone.
        return {name: cpu_seconds(pid, tree=not name.startswith("bench")) for name, pid in self.pids.items()}

    def start(self) -> CpuMeter:
        self.begin = self._read()
        return self

    def stop(self) -> dict[str, float]:
        end = self._read()
        self.used = {name: end[name] - self.begin[name] for name in self.pids}
        return self.used


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and its descendants (Linux /proc)."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


# ---------------------------------------------------------------------------------------------------
# What the worker processes serve
# ---------------------------------------------------------------------------------------------------
def serve(mode: str) -> None:
    """Run a worker in this process: `real` (the system's own), `trivial-letters` (the real workflows
    with a letter activity that does nothing), or `bound` (the trivial bound workflow)."""
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
    acts = MatterActivities(make_sessionmaker(engine), EvidenceStore.from_settings(settings))
    workers = Workers([
        Worker(client, task_queue=queue, workflows=list(WORKFLOWS), activities=[acts.project], **runner,
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


async def gather_limited(n: int, coros: list[Callable[[], Awaitable[Any]]]) -> list[Any]:
    gate = asyncio.Semaphore(n)

    async def one(c: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            return await c()

    return await asyncio.gather(*(one(c) for c in coros))


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


def verify_portfolio(database: Path, run: str, scripts: list[Script], servers: Servers, bucket: str,
                     env: dict[str, str]) -> dict[str, Any]:
    """Where every matter is, against where it should be; duplicates in S3 and the database."""
    import sqlite3

    import boto3
    from botocore.config import Config

    problems: list[str] = []
    with sqlite3.connect(database, timeout=30) as conn:
        matters = conn.execute(
            "SELECT id, external_ref, stage, attention_reason FROM matters WHERE external_ref LIKE ?",
            (f"BENCH-{run}-%",),
        ).fetchall()
        docs: dict[str, list[str]] = {}
        for matter_id, kind in conn.execute("SELECT matter_id, kind FROM documents"):
            docs.setdefault(matter_id, []).append(kind)
        dup_events = conn.execute(
            "SELECT count(*) FROM (SELECT matter_id, event_key FROM timeline_events GROUP BY 1, 2 HAVING count(*) > 1)"
        ).fetchone()[0]
        payments = conn.execute("SELECT count(*) FROM payments").fetchone()[0]
    by_ref = {ref: (mid, stage, attention) for mid, ref, stage, attention in matters}
    for i, script in enumerate(scripts):
        ref = f"BENCH-{run}-{i:06d}"
        if ref not in by_ref:
            problems.append(f"{ref}: not in the projection")
            continue
        mid, stage, attention = by_ref[ref]
        want = "closed" if script.kind == "full" else "legal_review"
        letters = sorted(docs.get(mid, []))
        if script.kind == "full":  # paid before its notice went out, a matter needs none: only the closure
            ok_letters = letters in (["closure_letter", "collection_notice"], ["closure_letter"])
        else:
            ok_letters = letters == ["collection_notice", "reminder_letter"]
        if stage != want or not ok_letters or attention:
            problems.append(f"{ref}: {stage} (want {want}), letters {letters}, attention {attention!r}")
    s3 = boto3.client("s3", endpoint_url=servers.s3_endpoint, aws_access_key_id=servers.access_key,
                      aws_secret_access_key=servers.secret_key, region_name="us-east-1",
                      config=Config(s3={"addressing_style": "path"}))
    versions: dict[str, int] = {}
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for v in page.get("Versions", []):
            versions[v["Key"]] = versions.get(v["Key"], 0) + 1
    twice = [k for k, c in versions.items() if c > 1]
    return {"not_where_they_should_be": len(problems), "examples": problems[:5], "s3_objects": len(versions),
            "s3_keys_stored_twice": len(twice), "duplicate_event_rows": dup_events, "payment_rows": payments}


def lag_figures(database: Path, run: str) -> dict[str, float]:
    """How late steps ran behind the policy clock (seconds; on the demo policy, also policy days)."""
    import sqlite3

    with sqlite3.connect(database, timeout=30) as conn:
        rows = conn.execute(
            "SELECT e.data FROM timeline_events e JOIN matters m ON m.id = e.matter_id "
            "WHERE m.external_ref LIKE ? AND e.kind IN ('letter', 'sms', 'email', 'phone_task')",
            (f"BENCH-{run}-%",),
        ).fetchall()
    lags = sorted(float(json.loads(d)["lag_seconds"]) for (d,) in rows if "lag_seconds" in (d or ""))
    if not lags:
        return {}
    return {"steps": len(lags), "p50": percentile(lags, 50), "p95": percentile(lags, 95), "max": lags[-1]}


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


async def history_figures(client: Any, wids: list[str]) -> dict[str, Any]:
    """Events per matter (all runs) and workflow task durations, from the matters' own histories."""
    from temporalio.api.enums.v1 import EventType

    events_per: list[int] = []
    task_ms: list[float] = []

    async def one(wid: str) -> None:
        started: dict[int, datetime] = {}
        count = 0
        async for e in client.get_workflow_handle(wid).fetch_history_events():
            count += 1
            if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
                started[e.event_id] = e.event_time.ToDatetime()
            elif e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
                s = started.get(e.workflow_task_completed_event_attributes.started_event_id)
                if s is not None:
                    task_ms.append((e.event_time.ToDatetime() - s).total_seconds() * 1000)
        events_per.append(count)

    await gather_limited(16, [functools.partial(one, w) for w in wids])
    task_ms.sort()
    return {
        "matters": len(wids),
        "events_median": statistics.median(events_per) if events_per else None,
        "events_max": max(events_per) if events_per else None,
        "tasks": len(task_ms),
        "task_ms_p50": percentile(task_ms, 50),
        "task_ms_p99": percentile(task_ms, 99),
        "task_ms_max": task_ms[-1] if task_ms else None,
        "tasks_over_1s": sum(1 for t in task_ms if t > 1000),
    }


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
def mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-portfolio-") as name:
        tmp = Path(args.keep) if args.keep else Path(name)
        tmp.mkdir(parents=True, exist_ok=True)
        servers = Servers(tmp).start()
        try:
            print(f"servers up: Temporal {servers.temporal_address}, S3 {servers.s3_endpoint}; "
                  f"{os.cpu_count()} CPUs", flush=True)
            if not args.skip_portfolio:
                print(f"\n== Portfolio: {args.matters} matters, demo policy, {args.workers} worker process(es)"
                      + (", one killed mid-run" if args.kill else ""), flush=True)
                real = await portfolio(servers, tmp, args.matters, args.workers, args.kill)
                b = await bound(servers, tmp, args.matters, args.workers)
                report_portfolio(real, b, args)
            if not args.skip_letters:
                print(f"\n== Letters: {args.letters} matters opened at once on the standard policy", flush=True)
                trivial = await letters(servers, tmp, args.letters, trivial=True)
                actual = await letters(servers, tmp, args.letters, trivial=False)
                report_letters(actual, trivial)
        finally:
            servers.stop()


def report_portfolio(real: dict[str, Any], b: PhaseResult, args: argparse.Namespace) -> None:
    r: PhaseResult = real["result"]
    ratio = r.rate / b.rate if b.rate else float("nan")
    print(f"intake: {r.count} matters in {r.intake_seconds:.1f} s ({r.count / r.intake_seconds:.0f}/s)")
    print(f"matters/s (intake to legal_review or closed): {r.rate:.2f}  ({r.done}/{r.count} in {r.seconds:.1f} s)")
    print(f"bound (trivial workflow, same timers/activities/updates): {b.rate:.2f}  ({b.done}/{b.count} in "
          f"{b.seconds:.1f} s)")
    print(f"ratio: {ratio:.2f}")
    lag = real["lag"]
    if lag:
        print(f"lag behind the policy clock over {lag['steps']} steps: p50 {lag['p50']:.2f} s, p95 {lag['p95']:.2f} s, "
              f"max {lag['max']:.2f} s (demo: 1 s = 1 policy day)")
    h = real["history"]
    print(f"history events per simple matter (median of {h['matters']}): {h['events_median']} (max {h['events_max']})")
    print(f"workflow tasks: {h['tasks']}, p50 {h['task_ms_p50']:.0f} ms, p99 {h['task_ms_p99']:.0f} ms, "
          f"max {h['task_ms_max']:.0f} ms, over 1 s: {h['tasks_over_1s']}")
    for pid, rss in real["rss"].items():
        print(f"worker {pid} peak RSS (with its render processes): {mib(rss)}")
    print("CPU ms per matter, real | bound: " + cpu_line(real["cpu"], b.extra["cpu"], r.count))
    c = real["check"]
    if real["killed"]:
        print(f"killed worker {real['killed']} mid-run (SIGKILL)")
    print(f"not where they should be: {c['not_where_they_should_be']}" +
          (f" e.g. {c['examples']}" if c["examples"] else ""))
    print(f"S3: {c['s3_objects']} letters, stored twice: {c['s3_keys_stored_twice']}; duplicate event rows: "
          f"{c['duplicate_event_rows']}; payment rows: {c['payment_rows']}; script errors: {len(SCRIPT_ERRORS)}")
    for e in SCRIPT_ERRORS[:3]:
        print("  ", e)


def report_letters(actual: PhaseResult, trivial: PhaseResult) -> None:
    ratio = actual.rate / trivial.rate if trivial.rate else float("nan")
    print(f"intake: {actual.count / actual.intake_seconds:.0f} matters/s")
    print(f"letters/s end to end (rendered, stored in S3, in the projection): {actual.rate:.1f}  "
          f"({actual.done}/{actual.count} in {actual.seconds:.1f} s)")
    print(f"bound (trivial activity in the letter's place): {trivial.rate:.1f}  ({trivial.done}/{trivial.count} in "
          f"{trivial.seconds:.1f} s)")
    print(f"ratio: {ratio:.2f}")
    h = actual.extra["history"]
    print(f"workflow tasks (sample of {h['matters']} matters): {h['tasks']}, p50 {h['task_ms_p50']:.0f} ms, "
          f"p99 {h['task_ms_p99']:.0f} ms, max {h['task_ms_max']:.0f} ms, over 1 s: {h['tasks_over_1s']}")
    for pid, rss in actual.extra["rss"].items():
        print(f"worker {pid} peak RSS (with its render processes): {mib(rss)}")
    print("CPU ms per letter, real | trivial: " + cpu_line(actual.extra["cpu"], trivial.extra["cpu"], actual.count))


def cpu_line(real: dict[str, float], bound: dict[str, float], n: int) -> str:
    """Per process kind: CPU milliseconds per matter in the real run and in its bound."""
    def kind(name: str) -> str:
        return "workers" if name.startswith("worker") else name
    totals: dict[str, list[float]] = {}
    for i, usage in enumerate((real, bound)):
        for name, secs in usage.items():
            totals.setdefault(kind(name), [0.0, 0.0])[i] += secs
    parts = [f"{k} {v[0] * 1000 / n:.0f} | {v[1] * 1000 / n:.0f}" for k, v in totals.items()]
    all_real, all_bound = sum(v[0] for v in totals.values()), sum(v[1] for v in totals.values())
    return "; ".join(parts) + f"; all {all_real * 1000 / n:.0f} | {all_bound * 1000 / n:.0f}"


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
