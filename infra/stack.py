"""The local stack behind `recovery up` (`make run`): every server and process, one terminal.

In order: SeaweedFS (S3, data under `var/s3`), the Temporal dev server (file-backed
`var/temporal.db`, WAL, the matter search attributes), the SMTP server (aiosmtpd: the reminders
sent by e-mail are kept under `var/mail/`, one `.eml` each, and delivered to no one), the
database migrations, the worker and the API. It waits until the API's `/health` answers 200,
prints where to look, and stays in the foreground. SIGINT (Ctrl-C) or SIGTERM stops everything
it started, in reverse order, by PID, and exits 0. If a child dies on its own the launcher
reports it with the tail of its log, stops the rest and exits 1. Everything lives under `var/`
and survives a restart: matters in flight continue where they were.

A server whose endpoint in the settings is not on this machine (a Temporal cluster, AWS S3,
an SMTP relay) is not started; it is used as configured. SMS go to the `local` gateway, which
sends nothing and appends each message to `var/sms/outbox.jsonl`. PostgreSQL is never started
here: set RECOVERY_DATABASE_URL to use one, else the projection is a SQLite file under `var/`.

Every port is checked before anything starts, so a clash fails at once, naming the port, what
it is for and the setting that chose it. SeaweedFS opens ten ports; clients only use the S3 one
(from RECOVERY_S3_ENDPOINT_URL). The other nine are internal: by default free ports picked at
start (SeaweedFS's own 8080, 9333, 8888 ... are often taken on a laptop), each gRPC port its
HTTP port + 10000 as SeaweedFS expects. RECOVERY_SEAWEEDFS_PORTS changes that: `fixed`
(SeaweedFS's classic ports), `name=port,...` pairs (names as in `SeaweedPorts`; the ones not
named are picked free, or classic after `fixed,`), or `auto` (the default, said explicitly).

The PIDs of the children are written to `var/run/stack.json` while the stack runs (for
scripts and tests); a lock on `var/run/stack.lock` keeps two launchers off one `var/`.

The plan (ports, what runs here) is `infra.plan`. Imports: settings, stdlib, `infra.services` and
`infra.plan` only (see DESIGN.md).
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import IO, TextIO

from infra.plan import StackPlan
from infra.services import (
    Service,
    ServiceError,
)
from settings import ROOT

MIGRATE_TIMEOUT = 300.0
POLL = 0.2


def http_status(url: str, timeout: float = 2.0) -> int | None:
    """The HTTP status of a GET, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback health check
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


# ---------------------------------------------------------------------------------------
# The launcher
# ---------------------------------------------------------------------------------------
class StopRequested(Exception):
    """SIGINT/SIGTERM arrived: stop everything and exit 0."""


class ChildDied(ServiceError):
    """A child process exited on its own."""


@dataclass
class Restarts:
    """How a supervised child that died is brought back: after a growing pause, a bounded number of times."""

    first_delay: float = 1.0  # seconds before the first restart; doubles each time, up to `max_delay`
    max_delay: float = 30.0
    max_restarts: int = 5  # in `window` seconds; one more death and the stack stops (it cannot be kept up)
    window: float = 300.0


class Stack:
    """Starts children, watches them, and stops them in reverse order, by PID."""

    def __init__(self, plan: StackPlan, out: TextIO | None = None, restarts: Restarts | None = None) -> None:
        self.plan = plan
        self.out = out or sys.stdout
        self.services: list[Service] = []
        self.jobs: list[Service] = []  # one-off processes left running in the background (the demo's events)
        self.stop_signal: int | None = None
        self._lock: IO[str] | None = None
        self.restarts = restarts or Restarts()
        self._deaths: dict[str, list[float]] = {}  # service name -> monotonic times it died
        self._restart_at: dict[str, float] = {}  # service name -> when to start it again
        self.restarted: dict[str, int] = {}  # service name -> restarts so far (stack.json, /health)
        self.api_socket: socket.socket | None = None  # the API port, bound once, shared by the API processes
        self._urls: dict[str, str] = {}

    # ---- output and signals ------------------------------------------------------------
    def say(self, message: str = "") -> None:
        print(message, file=self.out, flush=True)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.stop_signal = signum

    def install_signal_handlers(self) -> None:
        # The handler only records the signal; every wait below polls for it, so no start or
        # stop is ever interrupted half-way (which could leave an untracked child behind).
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)

    def check_stop(self) -> None:
        if self.stop_signal is not None:
            raise StopRequested(signal.Signals(self.stop_signal).name)

    def sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.check_stop()
            time.sleep(min(POLL, max(0.0, deadline - time.monotonic())))
        self.check_stop()

    # ---- the var/ lock and the PID file ------------------------------------------------------
    def lock(self) -> None:
        self.plan.run_dir.mkdir(parents=True, exist_ok=True)
        fh = open(self.plan.run_dir / "stack.lock", "a+")  # noqa: SIM115 - held for the stack's life
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            other = self._recorded_launcher()
            who = f" (pid {other})" if other else ""
            raise ServiceError(
                f"another `recovery up`{who} is already running on {self.plan.var_dir}; "
                "stop it first (Ctrl-C in its terminal), or set RECOVERY_VAR_DIR to another folder"
            ) from None
        self._lock = fh

    def unlock(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    @property
    def pid_file(self) -> Path:
        return self.plan.run_dir / "stack.json"

    def _recorded_launcher(self) -> int | None:
        try:
            return int(json.loads(self.pid_file.read_text())["launcher_pid"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write_pid_file(self, urls: dict[str, str] | None = None) -> None:
        if urls is not None:
            self._urls = urls  # kept for the rewrites that follow (restarts)
        data = {
            "launcher_pid": os.getpid(),
            "var_dir": str(self.plan.var_dir),
            "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "children": {s.name: s.pid for s in self.services if s.pid is not None},
            # What /health shows (no PIDs there): each supervised child's state and restarts so far.
            "processes": {s.name: {"state": "up" if s.alive() else "restarting",
                                   "restarts": self.restarted.get(s.name, 0)} for s in self.services},
            "urls": self._urls,
        }
        self.plan.run_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.pid_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2))
        tmp.replace(self.pid_file)

    # ---- starting ----------------------------------------------------------------------------------
    def child_env(self) -> dict[str, str]:
        """What every Python child gets on top of this process's environment."""
        pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
        return {
            # Relative RECOVERY_VAR_DIR would differ in a child started elsewhere: pin it.
            "RECOVERY_VAR_DIR": str(self.plan.var_dir),
            "PYTHONPATH": pythonpath,
            "PYTHONUNBUFFERED": "1",
        }

    def python_service(self, name: str, module: str, env: Mapping[str, str] | None = None) -> Service:
        return Service(
            name=name,
            argv=[sys.executable, "-m", module],
            log_path=self.plan.log_dir / f"{name}.log",
            env={**self.child_env(), **(env or {})},
            cwd=ROOT,
            stop_timeout=30,
        )

    def start(self, service: Service, ready: Callable[[], bool] | None, timeout: float) -> Service:
        """Start `service` (tracked before it runs, so a stop never misses it) and wait for `ready`."""
        service.die_with_parent = True
        self._mark_log(service.log_path)
        self.services.append(service)
        service.start(wait=False)
        self.write_pid_file()
        if ready is not None:
            self.wait_for(service, ready, timeout, what=f"{service.name} to be ready")
        return service

    def wait_for(self, service: Service | None, ready: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while True:
            self.check_stop()
            self.check_children()
            if ready():
                return
            if time.monotonic() > deadline:
                where = f"; see {service.log_path}:\n{service.tail()}" if service else ""
                raise ServiceError(f"timed out after {timeout:.0f}s waiting for {what}{where}")
            time.sleep(POLL)

    def check_children(self) -> None:
        for service in self.services:
            if not service.alive():
                code = service.process.returncode if service.process else None
                raise ChildDied(
                    f"{service.name} (pid {service.pid}) exited unexpectedly with code {code}; "
                    f"last lines of {service.log_path}:\n{service.tail(25)}"
                )

    def supervise(self) -> None:
        """Once the stack is up: bring back a child that died, after a growing pause, and say so.

        Raises `ChildDied` when a child has died more than `restarts.max_restarts` times in
        `restarts.window` seconds: it cannot be kept up, and the stack stops.
        """
        now = time.monotonic()
        for service in self.services:
            name = service.name
            if service.alive() or service.process is None:
                continue
            if name not in self._restart_at:  # a new death
                code = service.process.returncode
                deaths = [t for t in self._deaths.get(name, []) if now - t < self.restarts.window] + [now]
                self._deaths[name] = deaths
                if len(deaths) > self.restarts.max_restarts:
                    raise ChildDied(
                        f"{name} (pid {service.pid}) exited with code {code} for the {len(deaths)}th time in "
                        f"{self.restarts.window:.0f}s; it cannot be kept up; last lines of {service.log_path}:\n"
                        f"{service.tail(25)}"
                    )
                delay = min(self.restarts.max_delay, self.restarts.first_delay * 2 ** (len(deaths) - 1))
                self._restart_at[name] = now + delay
                self._kill_group(service.pid)  # anything it left behind in its process group
                self.write_pid_file()
                self.say(f"{_stamp()} {name} (pid {service.pid}) exited with code {code}; restarting it in "
                         f"{delay:.0f}s (restart {len(deaths)} of at most {self.restarts.max_restarts} "
                         f"in {self.restarts.window:.0f}s); log: {service.log_path}")
            elif now >= self._restart_at[name]:
                del self._restart_at[name]
                self._mark_log(service.log_path)
                service.start(wait=False)
                self.restarted[name] = self.restarted.get(name, 0) + 1
                self.write_pid_file()
                self.say(f"{_stamp()} {name} restarted (pid {service.pid})")

    @staticmethod
    def _kill_group(pid: int | None) -> None:
        if pid is None:
            return
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def run_once(self, name: str, module: str, timeout: float, *, to_log: bool = True) -> None:
        """Run `python -m module` to completion (migrations, demo); its own process group."""
        log_path = self.plan.log_dir / f"{name}.log"
        if to_log:
            self._mark_log(log_path)
        env = {**os.environ, **self.child_env()}
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", *module.split()],
                stdout=log if to_log else None,
                stderr=subprocess.STDOUT if to_log else None,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=ROOT,
                start_new_session=True,
            )
        job = Service(name=name, argv=[], log_path=log_path, process=proc, stop_timeout=10)
        deadline = time.monotonic() + timeout
        try:
            while proc.poll() is None:
                self.check_stop()
                self.check_children()
                if time.monotonic() > deadline:
                    raise ServiceError(f"{name} did not finish within {timeout:.0f}s; see {log_path}")
                time.sleep(POLL)
        finally:
            job.stop()
        if proc.returncode != 0:
            tail = f":\n{job.tail(25)}" if to_log else ""
            raise ServiceError(f"{name} failed with exit code {proc.returncode}; see {log_path}{tail}")

    def run_in_background(self, name: str, module: str, *, ready: str, timeout: float) -> None:
        """Start `python -m module` and leave it running, its output relayed to the stack's; return once it
        prints a line starting with `ready` (or exits, or `timeout` passes). Stopped with the stack if it has
        not finished by then; not supervised: its exit is its own business."""
        proc = subprocess.Popen([sys.executable, "-m", *module.split()], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                env={**os.environ, **self.child_env()}, cwd=ROOT, start_new_session=True)
        self.jobs.append(Service(name=name, argv=[], log_path=self.plan.log_dir / f"{name}.log", process=proc,
                                 stop_timeout=10))
        seen = threading.Event()

        def relay() -> None:
            assert proc.stdout is not None
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace")
                self.say(line.rstrip("\n"))
                if line.startswith(ready):
                    seen.set()
            seen.set()  # it ended without saying so: do not wait for it

        threading.Thread(target=relay, name=f"{name}-output", daemon=True).start()
        deadline = time.monotonic() + timeout
        while not seen.wait(POLL):
            self.check_stop()
            self.check_children()
            if time.monotonic() > deadline:
                raise ServiceError(f"{name} did not get going within {timeout:.0f}s")

    def _mark_log(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"\n--- recovery up: starting at {stamp} ---\n")

    # ---- stopping ------------------------------------------------------------------------------------
    def stop_all(self) -> None:
        """Stop every child in reverse order of starting, by PID; returns when all are gone."""
        for job in self.jobs:
            job.stop()
        for service in reversed(self.services):
            if service.alive():
                self.say(f"  stopping {service.name} (pid {service.pid})")
            service.stop()
        if self.api_socket is not None:
            self.api_socket.close()
            self.api_socket = None
        if self._lock is not None:  # never another launcher's file (the one that holds the lock)
            self.pid_file.unlink(missing_ok=True)


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
