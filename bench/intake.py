"""`make bench-intake`: intake (POST /matters) and reads while letters are being produced, on the real stack.

    python -m bench.intake [--backlog 400] [--intakes 150] [--niceness 0 10]

For each render niceness asked (`RECOVERY_RENDER_NICENESS`; 0 is how letters were rendered before,
10 the default), a fresh `recovery up --no-demo` runs in a temporary folder: SeaweedFS, the Temporal
dev server, the local SMTP server (the reminders e-mailed are kept in its var/mail, SMS in its
var/sms), the SQLite projection, one workflow worker, one letters worker (a render process per
core) and two API processes, exactly what `make run` starts, every port a free one (a dev stack
running on the default ports is left alone). Then:

1. quiet: `--intakes` matters opened one at a time, a pause after each (its notice renders in the pause);
2. under letters: a backlog of `--backlog` matters is opened (20 requests at once, not timed), so as
   many collection notices are being rendered and stored; meanwhile `--intakes` matters are opened
   one at a time, and the list (`GET /matters?limit=50`) and a matter's page are read between them.

Printed per niceness: p50/p95/p99 in ms of each, the letters stored during phase 2 (they must be
many: the phase ran while letters were produced), and the ratio of intake p99 under letters to quiet,
measured in the same run. Nothing is asserted here.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _row(name: str, times: list[float]) -> str:
    return (f"{name:34} {len(times):6d} {statistics.median(times):8.1f} {_pct(times, 95):8.1f} "
            f"{_pct(times, 99):8.1f}")


class LocalStack:
    """`recovery up --no-demo` in a temporary var/, on free ports; stopped (SIGINT) on exit.

    Its reminders go to its own SMTP server (plain, on loopback, a free port: never the dev stack's
    8025, nor a relay the caller's RECOVERY_SMTP_* may name) and its own SMS outbox under var/.
    """

    def __init__(self, niceness: int) -> None:
        from infra.services import free_port

        self.var_dir = Path(tempfile.mkdtemp(prefix="bench-intake-"))
        ports: set[int] = set()
        while len(ports) < 5:
            ports.add(free_port())
        temporal, ui, s3, api, smtp = sorted(ports)
        self.api = f"http://127.0.0.1:{api}"
        self.env = {**os.environ, "RECOVERY_VAR_DIR": str(self.var_dir), "RECOVERY_API_PORT": str(api),
                    "RECOVERY_TEMPORAL_ADDRESS": f"127.0.0.1:{temporal}", "RECOVERY_TEMPORAL_UI_PORT": str(ui),
                    "RECOVERY_S3_ENDPOINT_URL": f"http://127.0.0.1:{s3}", "RECOVERY_RENDER_NICENESS": str(niceness),
                    "RECOVERY_LOG_LEVEL": "WARNING",
                    # `recovery up` starts the SMTP server there; empty values are unset (no login, default outbox).
                    "RECOVERY_SMTP_HOST": "127.0.0.1", "RECOVERY_SMTP_PORT": str(smtp),
                    "RECOVERY_SMTP_SECURITY": "none", "RECOVERY_SMTP_USERNAME": "", "RECOVERY_SMTP_PASSWORD": "",
                    "RECOVERY_SMS_GATEWAY": "local", "RECOVERY_SMS_OUTBOX": ""}
        self.env.pop("RECOVERY_DATABASE_URL", None)  # the default: SQLite under var/
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> LocalStack:
        self.process = subprocess.Popen([sys.executable, "-m", "cli", "up", "--no-demo"], cwd=ROOT, env=self.env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(self.api + "/health", timeout=5) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the stack did not come up; see {self.var_dir / 'logs'}")
            time.sleep(0.5)

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=120)
        shutil.rmtree(self.var_dir, ignore_errors=True)

    def key(self) -> str:
        made = subprocess.run([sys.executable, "-m", "cli", "keys", "create", "--role", "manager"], cwd=ROOT,
                              env=self.env, capture_output=True, text=True, timeout=60, check=True)
        return made.stdout.strip().splitlines()[-1]

    def letters_stored(self) -> int:
        with sqlite3.connect(f"file:{self.var_dir / 'recovery.db'}?mode=ro", uri=True, timeout=10) as db:
            return int(db.execute("SELECT count(*) FROM documents").fetchone()[0])


async def _open(client: Any, ref: str) -> float:
    from tests.factories import intake_data

    started = time.perf_counter()
    r = await client.post("/matters", json=intake_data(external_ref=ref, policy="standard"))
    if r.status_code != 201:
        raise RuntimeError(f"intake {ref}: {r.status_code} {r.text[:300]}")
    return (time.perf_counter() - started) * 1000


async def _get(client: Any, path: str) -> float:
    started = time.perf_counter()
    r = await client.get(path)
    if r.status_code != 200:
        raise RuntimeError(f"{path}: {r.status_code} {r.text[:300]}")
    return (time.perf_counter() - started) * 1000


async def measure(stack: LocalStack, backlog: int, intakes: int, run: str) -> dict[str, float]:
    import httpx

    key = stack.key()
    async with httpx.AsyncClient(base_url=stack.api, headers={"Authorization": f"Bearer {key}"}, timeout=60,
                                 limits=httpx.Limits(max_connections=40)) as client:
        for i in range(5):  # warm both API processes and the workers
            await _open(client, f"{run}-WARM-{i}")
        await asyncio.sleep(3)
        quiet = []
        for i in range(intakes):
            quiet.append(await _open(client, f"{run}-Q-{i:05d}"))
            await asyncio.sleep(0.3)
        await asyncio.sleep(3)

        before = stack.letters_stored()
        semaphore = asyncio.Semaphore(20)

        async def one(i: int) -> None:
            async with semaphore:
                await _open(client, f"{run}-B-{i:05d}")

        await asyncio.gather(*(one(i) for i in range(backlog)))
        at_start = stack.letters_stored()
        loaded, lists, details = [], [], []
        some = (await client.get("/matters", params={"limit": 1})).json()["data"][0]["id"]
        started = time.monotonic()
        for i in range(intakes):
            loaded.append(await _open(client, f"{run}-L-{i:05d}"))
            lists.append(await _get(client, "/matters?limit=50"))
            details.append(await _get(client, f"/matters/{some}"))
        seconds = time.monotonic() - started
        at_end = stack.letters_stored()
    print(f"{'':34} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    print(_row("intake, quiet", quiet))
    print(_row("intake, under letters", loaded))
    print(_row("list (limit 50), under letters", lists))
    print(_row("detail, under letters", details))
    print(f"letters: {at_start - before} stored while the backlog was opened, {at_end - at_start} during the "
          f"{seconds:.1f} s of phase 2 ({(at_end - at_start) / seconds:.1f}/s)")
    ratio = _pct(loaded, 99) / _pct(quiet, 99)
    print(f"intake p99 under letters / quiet: {ratio:.2f}")
    return {"quiet": _pct(quiet, 99), "loaded": _pct(loaded, 99), "ratio": ratio}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.intake", description=__doc__.split("\n")[0])
    parser.add_argument("--backlog", type=int, default=400, help="matters opened at once before phase 2")
    parser.add_argument("--intakes", type=int, default=150, help="timed intakes per phase")
    parser.add_argument("--niceness", type=int, nargs="+", default=[0, 10], help="render niceness values to compare")
    args = parser.parse_args()
    results = {}
    for niceness in args.niceness:
        print(f"\n== render niceness {niceness}: backlog {args.backlog}, {args.intakes} timed intakes per phase")
        with LocalStack(niceness) as stack:
            results[niceness] = asyncio.run(measure(stack, args.backlog, args.intakes, f"N{niceness}"))
    if len(results) > 1:
        print("\nintake p99 under letters: " + ", ".join(
            f"niceness {n}: {r['loaded']:.1f} ms" for n, r in results.items()))


if __name__ == "__main__":
    main()
