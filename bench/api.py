"""`make bench-api`: the API's reads on a PostgreSQL projection of a portfolio (default 100,000 matters).

    python -m bench.api [--matters 100000] [--requests 200] [--concurrency 10] [--api-processes 2] [--keep-db]

A fresh database on the PostgreSQL at `RECOVERY_BENCH_PG_URL` (an admin URL; default
postgresql://postgres@127.0.0.1:5432/postgres) is migrated and seeded with matters whose rows are
exactly what the projection writes (`store.projection`'s own row builders): stages, days past due,
firms and creation times spread as in a real portfolio, then vacuumed and analysed as autovacuum
would. The API runs as `--api-processes` processes under uvicorn (`python -m bench.api serve`)
accepting on one socket, as `recovery up` runs it, reading the projection (no Temporal call here).
Each route is timed sequentially and with `--concurrency` clients at once; printed: p50/p95/p99 in
ms and requests/s, and, measured in the same run, the ratio of a deep page by `offset` (the old way)
to the same page by `cursor`. Nothing is asserted here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SERVE = "serve"
ADMIN_URL = os.environ.get("RECOVERY_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
STAGES = [("reminders", 30), ("negotiation", 20), ("legal_review", 15), ("referral", 10), ("notice", 10),
          ("closed", 15)]
FIRMS = ["King & Wood Mallesons", "Zhong Lun", "Fangda Partners", "JunHe", "Example LLP"]


# ---------------------------------------------------------------------------------------------------
# Seeding
# ---------------------------------------------------------------------------------------------------
def _intake_template() -> Any:
    from domain.matter import MatterIntake

    cny = lambda amount: {"amount": amount, "currency": "CNY"}  # noqa: E731
    return MatterIntake.model_validate({
        "external_ref": "BENCH-0", "policy": "standard",
        "creditor": {"name": "华夏示范银行股份有限公司北京分行"},
        "borrower": {"name": "张伟", "id_number": "110105198001011234", "locale": "zh-CN",
                     "timezone": "Asia/Shanghai"},
        "contract": {"number": "JK-2024-000123", "signed_on": "2020-03-15", "principal": cny("200000.00"),
                     "annual_rate": "0.0435"},
        "overdue": {"since": "2026-09-01", "principal": cny("18000.00"), "interest": cny("1200.00"),
                    "penalty": cny("218.00"), "fees": cny("100.00")},
    })


def _rows(count: int, now: datetime, first: int, total: int) -> list[dict[str, Any]]:
    from domain.allocation import Balance
    from domain.dates import OverdueClock, PolicyClock, days_past_due
    from domain.money import Money
    from domain.status import MatterStatus, NextStep, ReferralView
    from store.projection import _opening_values, _status_values
    from store.records import MatterOpened, StatusRecord
    from workflows.contracts import matter_id_for

    rng = random.Random(first)
    template = _intake_template()
    stages = [s for s, weight in STAGES for _ in range(weight)]
    rows = []
    for i in range(first, first + count):
        ref = f"BENCH-{i:07d}"
        mid = matter_id_for(ref)
        opened_at = now - timedelta(days=365) + timedelta(seconds=i * 365 * 86400 / total + rng.random())
        dpd = rng.randint(1, 720)
        since = (opened_at - timedelta(days=dpd)).date()
        intake = template.model_copy(update={"external_ref": ref,
                                             "overdue": template.overdue.model_copy(update={"since": since})})
        opened = MatterOpened(matter_id=mid, workflow_id=f"matter-{mid}", intake=intake, policy_name="standard",
                              policy_version=2, opened_at=opened_at, opened_by="bench")
        values = _opening_values(opened)
        stage = rng.choice(stages)
        firm = rng.choice(FIRMS) if stage == "referral" else None
        clock = PolicyClock.start(opened_at, intake.borrower.timezone, 86400)
        bal = Balance.from_overdue(intake.overdue)
        status = MatterStatus(
            matter_id=mid, stage=stage, closure_reason="paid" if stage == "closed" else None,  # type: ignore[arg-type]
            policy="standard", policy_version=2, balance=bal, original_total=bal.total,
            paid_total=Money.zero(bal.currency), clock=clock,
            overdue=OverdueClock.for_matter(clock, since, days_past_due(since, clock.start_date)),
            risk_grade=rng.choice("ABCDE"),
            risk_score=rng.randint(0, 100),
            next_step=None if stage == "closed" else NextStep(name="next step", at=opened_at + timedelta(days=7)),
            referral=ReferralView(number=1, workflow_id=f"matter-{mid}/referral-1", firm=firm, status="accepted",
                                  since=opened_at) if firm else None,
            updated_at=opened_at,
        )
        values.update(_status_values(StatusRecord(seq=1, status=status)))
        values["status_seq"] = 1
        rows.append(values)
    return rows


async def seed(url: str, count: int) -> list[str]:
    import psycopg
    from sqlalchemy import insert, text

    from store.db import make_engine
    from store.models import Matter

    engine = make_engine(url)
    now = datetime.now(UTC)
    ids: list[str] = []
    started = time.monotonic()
    try:
        batch = 5_000
        for start in range(0, count, batch):
            rows = _rows(min(batch, count - start), now, first=start, total=count)
            async with engine.begin() as conn:
                await conn.execute(insert(Matter), rows)
            ids += [r["id"] for r in rows]
            print(f"\r  seeded {len(ids):,} matters", end="", flush=True)
        async with engine.begin() as conn:  # what the projection keeps as matters open
            await conn.execute(text("INSERT INTO overdue_groups (timezone, day_seconds) SELECT DISTINCT "
                                    "coalesce(timezone, ''), coalesce(day_seconds, 0) FROM matters "
                                    "ON CONFLICT DO NOTHING"))
    finally:
        await engine.dispose()
    # What autovacuum does to a table this size soon after such a load: statistics and the visibility
    # map (without it a count is no index-only scan; 12 ms instead of 1.5 for 10,000 rows).
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE matters")
    print(f" in {time.monotonic() - started:.0f} s (then VACUUM ANALYZE)")
    return ids


# ---------------------------------------------------------------------------------------------------
# The API under test, in its own process
# ---------------------------------------------------------------------------------------------------
async def serve(url: str, fd: int) -> None:
    import socket

    import uvicorn
    from temporalio.client import Client

    from api.__main__ import freeze_startup_heap
    from api.app import API_DB_TIMEOUT, create_app
    from settings import Settings
    from store.db import make_engine, make_sessionmaker
    from store.evidence import EvidenceStore

    settings = Settings(database_url=url, environment="development", var_dir=Path("/tmp") / "bench-api-var")
    engine = make_engine(url, pool_size=20, max_overflow=0)
    temporal = await Client.connect("127.0.0.1:1", lazy=True)  # these routes never call it
    evidence = EvidenceStore(bucket="unused", endpoint_url="http://127.0.0.1:1", access_key_id="x",
                             secret_access_key="y")
    app = create_app(settings, temporal=temporal, sessionmaker=make_sessionmaker(engine, timeout=API_DB_TIMEOUT),
                     evidence=evidence)
    freeze_startup_heap()  # as `python -m api` does
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    # The parent's socket, shared by every API process, as `recovery up` runs them.
    await uvicorn.Server(config).serve(sockets=[socket.socket(fileno=fd)])


# ---------------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------------
def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Connection:
    """One keep-alive HTTP/1.1 connection, GET only, parsing no more than status and length.

    httpx spent about 1.5 ms of CPU per request in this process, taken from the two cores the API
    and PostgreSQL share with it; this costs about 0.2 ms, so the figures are the server's.
    """

    def __init__(self, port: int, key: str) -> None:
        self.port, self.key = port, key
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        try:
            return await self._get(path)
        except (asyncio.IncompleteReadError, ConnectionError):  # the server closed it while idle
            self.close()
            self.writer = None
            return await self._get(path)

    async def _get(self, path: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {self.key}\r\n\r\n"
                          .encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        length, close = 0, False
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
            elif line.lower() == b"connection: close":  # the API ends a connection every so many requests
                close = True
        body = await self.reader.readexactly(length)
        if close:
            self.close()
            self.writer = None
        return int(head[9:12]), body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a PostgreSQL backend that ended meanwhile
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _postgres_pids() -> list[int]:
    """PostgreSQL's processes on this machine (its backends do the queries' work)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


async def _time(connections: list[Connection], paths: list[str]) -> tuple[list[float], float]:
    queue = list(paths)
    times: list[float] = []

    async def one(conn: Connection) -> None:
        while queue:
            path = queue.pop()
            t = time.perf_counter()
            code, body = await conn.get(path)
            times.append((time.perf_counter() - t) * 1000)
            if code != 200:
                raise RuntimeError(f"{path}: {code} {body[:200]!r}")

    started = time.perf_counter()
    await asyncio.gather(*(one(c) for c in connections))
    return times, len(paths) / (time.perf_counter() - started)


async def measure(port: int, key: str, ids: list[str], requests: int, concurrency: int,
                  api_pids: list[int]) -> dict[str, float]:
    rng = random.Random(1)
    first = Connection(port, key)
    connections = [first] + [Connection(port, key) for _ in range(concurrency - 1)]
    try:
        # A cursor deep in the list (the 50,000th matter, or half way): what a user paging far gets.
        deep = min(50_000, len(ids) // 2)
        cursor = json.loads((await first.get("/matters?limit=200"))[1])["next_cursor"]
        for _ in range(deep // 200 - 1):
            cursor = json.loads((await first.get(f"/matters?limit=200&cursor={cursor}"))[1])["next_cursor"]
        routes = {
            "list (limit 50)": ["/matters?limit=50"] * requests,
            "list by stage": ["/matters?limit=50&stage=negotiation"] * requests,
            "list min_days_past_due=60": ["/matters?limit=50&min_days_past_due=60"] * requests,
            f"deep page by cursor (~{deep:,})": [f"/matters?limit=50&cursor={cursor}"] * requests,
            f"deep page by offset ({deep:,})": [f"/matters?limit=50&offset={deep}"] * requests,
            "detail (projection)": [f"/matters/{rng.choice(ids)}" for _ in range(requests)],
        }
        for conn in connections:  # warm every connection, the pools and the caches
            await conn.get("/matters?limit=50")
        print(f"\n{'route':34} {'mode':>12} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} {'API CPU':>8}"
              f" {'PG CPU':>7} {'client':>7} {'split %':>7}")
        p99: dict[str, float] = {}
        for name, paths in routes.items():
            for mode, conns in (("sequential", [first]), (f"{concurrency} clients", connections)):
                await asyncio.gather(*(c.get(paths[0]) for c in conns))  # open again what idled out
                each = [_cpu_seconds([pid]) for pid in api_pids]
                pg, own = _cpu_seconds(_postgres_pids()), time.process_time()
                times, rate = await _time(conns, paths)
                each = [_cpu_seconds([pid]) - before for pid, before in zip(api_pids, each, strict=True)]
                per_request = sum(each) / len(paths) * 1000
                split = "/".join(f"{100 * e / (sum(each) or 1):.0f}" for e in each)
                pg_ms = (_cpu_seconds(_postgres_pids()) - pg) / len(paths) * 1000
                own_ms = (time.process_time() - own) / len(paths) * 1000
                p99[f"{name} {mode}"] = _pct(times, 99)
                print(f"{name:34} {mode:>12} {statistics.median(times):8.1f} {_pct(times, 95):8.1f} "
                      f"{_pct(times, 99):8.1f} {rate:8.0f} {per_request:6.1f}ms {pg_ms:5.1f}ms {own_ms:5.1f}ms "
                      f"{split:>7}")
    finally:
        for conn in connections:
            conn.close()
    print("(CPU time per request of the API processes, of PostgreSQL's processes on this machine (0 if it runs\n"
          " elsewhere) and of this client: the machine's cores are shared by all three. split: each API process's\n"
          " share of the API's CPU time)")
    return p99


def _rss_mib(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process, in MiB, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


async def measure_upload(base: str, key: str, matter_id: str, pid: int, megabytes: int) -> None:
    """An oversized evidence upload (declared, then streamed without a length): the API's memory."""
    import httpx

    chunk = b"\0" * (1 << 20)

    async def body() -> Any:
        for _ in range(megabytes):
            yield chunk

    params = {"file_name": "huge.pdf", "description": "d", "proves": "p", "source": "s"}
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/pdf"}
    before, _ = _rss_mib(pid)
    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        for label, extra in (("declared Content-Length", {"Content-Length": str(megabytes << 20)}),
                             ("streamed, no length", {})):
            try:
                r = await client.post(f"/matters/{matter_id}/evidence", params=params, content=body(),
                                      headers={**headers, **extra})
                answer = str(r.status_code)
            except httpx.HTTPError as exc:  # the server may close the connection after its 413
                answer = f"connection closed ({type(exc).__name__})"
            now, peak = _rss_mib(pid)
            print(f"upload of {megabytes} MB, {label}: {answer}; API RSS {before:.0f} -> {now:.0f} MiB "
                  f"(peak {peak:.0f} MiB)")


async def run(args: argparse.Namespace) -> None:
    import psycopg

    from infra.services import free_port, http_ok, listening_socket
    from store import apikeys
    from store.db import make_engine, make_sessionmaker, migrate, write_session

    name = "recovery_bench_api_" + uuid.uuid4().hex[:8]
    admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    procs: list[subprocess.Popen[bytes]] = []
    try:
        print(f"== API reads on a PostgreSQL projection of {args.matters:,} matters ({name})")
        await asyncio.to_thread(migrate, url)
        ids = await seed(url, args.matters)
        engine = make_engine(url)
        async with write_session(make_sessionmaker(engine)) as session:
            key, _ = await apikeys.create_key(session, role="manager", name="bench")
        await engine.dispose()
        port = free_port()
        sock = listening_socket("127.0.0.1", port)
        procs = [subprocess.Popen([sys.executable, "-m", "bench.api", SERVE, url, str(sock.fileno())], cwd=ROOT,
                                  pass_fds=(sock.fileno(),)) for _ in range(args.api_processes)]
        print(f"\n{args.api_processes} API process(es) sharing one listening socket, as `recovery up` runs them")
        deadline = time.monotonic() + 60
        while not http_ok(f"http://127.0.0.1:{port}/openapi.json"):
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise RuntimeError("the API did not start")
            await asyncio.sleep(0.2)
        await asyncio.sleep(3)  # every process up, not only the first
        if args.upload_mb:
            await measure_upload(f"http://127.0.0.1:{port}", key, ids[0], procs[0].pid, args.upload_mb)
        p99 = await measure(port, key, ids, args.requests, args.concurrency, [p.pid for p in procs])
        deep = [k for k in p99 if k.startswith("deep page by offset") and "clients" in k][0]
        cur = [k for k in p99 if k.startswith("deep page by cursor") and "clients" in k][0]
        print(f"\ndeep page, {args.concurrency} clients, p99: offset {p99[deep]:.1f} ms / cursor {p99[cur]:.1f} ms"
              f" = {p99[deep] / p99[cur]:.1f}x")
        print("(intake is not measured here: it needs Temporal and a worker; see `make bench-portfolio`)")
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
        if not args.keep_db:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == SERVE:
        import uvloop

        uvloop.run(serve(sys.argv[2], int(sys.argv[3])))  # the loop `python -m api` runs on (uvicorn's choice)
        return
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__.split("\n")[0])
    parser.add_argument("--matters", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per route and mode")
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--api-processes", type=int, default=2, help="API processes on one socket (as `recovery up`)")
    parser.add_argument("--upload-mb", type=int, default=300,
                        help="first send an evidence upload this large (refused: 413) and print the API's memory")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
