"""`make bench-portfolio`'s servers and worker processes, and the CPU and memory it reads from /proc."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SERVE = "serve"


# ---------------------------------------------------------------------------------------------------
# Servers and worker processes
# ---------------------------------------------------------------------------------------------------
@dataclass
class Servers:
    """Temporal, SeaweedFS and the local SMTP server (`infra.smtp_server`), each on a free port under `root`.

    The SMTP server keeps the reminders the workers e-mail under `<root>/var/mail` (the workers'
    var/), delivering none; SMS go to the `local` gateway's outbox under `<root>/var/sms`. Free
    ports: a dev stack running on the defaults (8025 for SMTP) is left alone.
    """

    root: Path
    temporal_address: str = ""
    s3_endpoint: str = ""
    smtp_port: int = 0
    access_key: str = "bench" + uuid.uuid4().hex[:6]
    secret_key: str = uuid.uuid4().hex
    services: list[Any] = field(default_factory=list)

    def start(self) -> Servers:
        from infra.services import SeaweedPorts, free_port, seaweedfs_service, smtp_service, temporal_service

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
        self.smtp_port = free_port()
        smtp = smtp_service(self.root / "var", port=self.smtp_port, log_path=self.root / "smtp.log")
        smtp.die_with_parent = True
        self.services.append(smtp.start())
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
            # Reminders: this bench's SMTP server (no login), the `local` SMS gateway's default outbox
            # under var/ (empty = unset: nothing the caller's environment names is used).
            "RECOVERY_SMTP_HOST": "127.0.0.1",
            "RECOVERY_SMTP_PORT": str(self.smtp_port),
            "RECOVERY_SMTP_SECURITY": "none",
            "RECOVERY_SMTP_USERNAME": "",
            "RECOVERY_SMTP_PASSWORD": "",
            "RECOVERY_SMS_GATEWAY": "local",
            "RECOVERY_SMS_OUTBOX": "",
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


async def gather_limited(n: int, coros: list[Callable[[], Awaitable[Any]]]) -> list[Any]:
    gate = asyncio.Semaphore(n)

    async def one(c: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            return await c()

    return await asyncio.gather(*(one(c) for c in coros))

