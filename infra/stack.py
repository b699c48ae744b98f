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

from infra.banner import banner_lines, stack_urls
from infra.plan import StackPlan, masked_url, plan_stack
from infra.services import (
    Service,
    ServiceError,
    listening_socket,
    seaweedfs_service,
    secure_tree,
    smtp_service,
    temporal_service,
)
from settings import API_SOCKET_FD_ENV as SOCKET_FD_ENV
from settings import DEMO_OPEN_MARK, ROOT, Settings

MIGRATE_TIMEOUT = 300.0
POLL = 0.2
DEMO_TIMEOUT = 120.0  # for the demo's matters to be open (its scripted events play on after)


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


def run(
    settings: Settings | None = None,
    *,
    demo: bool = False,
    health_timeout: float = 90.0,
    out: TextIO | None = None,
) -> int:
    """Run the local stack in the foreground until SIGINT/SIGTERM; the process exit code.

    Every file the stack and its children create is the user's alone: they run under umask 077.
    """
    previous_umask = os.umask(0o077)
    try:
        return _run(settings, demo=demo, health_timeout=health_timeout, out=out)
    finally:
        os.umask(previous_umask)


def _run(settings: Settings | None, *, demo: bool, health_timeout: float, out: TextIO | None) -> int:
    out = out or sys.stdout
    err = sys.stderr

    def fail(message: str) -> int:
        print(f"recovery up: {message}", file=err, flush=True)
        return 1

    try:
        settings = settings or Settings()
        # One absolute var/ for this process and every child, whatever their working folder.
        var_dir = Path(settings.var_dir).resolve()
        secure_tree(var_dir)
        settings = settings.model_copy(update={"var_dir": var_dir}).resolved()
        plan = plan_stack(settings)
    except (ServiceError, ValueError) as exc:
        return fail(str(exc))

    delay = settings.restart_delay
    stack = Stack(plan, out, Restarts(first_delay=delay, max_delay=max(delay, Restarts.max_delay)))
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    stack.install_signal_handlers()
    code = 0
    try:
        stack.lock()
        plan.check_ports()
        _start_everything(stack, settings, health_timeout)
        if demo:
            # Its matters open in a few seconds (the banner waits for that); its scripted events (payments, a
            # settlement, a matter taken to court) play on for about a minute after, in the background.
            stack.say("Loading the demo portfolio (its scripted events play on for a minute) ...")
            try:
                stack.run_in_background("demo", "cli demo", ready=DEMO_OPEN_MARK, timeout=DEMO_TIMEOUT)
            except ChildDied:
                raise
            except ServiceError as exc:  # the stack itself is fine: say so and carry on
                print(f"recovery up: demo portfolio not loaded: {exc}", file=err, flush=True)
        for line in banner_lines(stack.plan, settings, stack.pid_file):
            stack.say(line)
        ticks = 0
        while True:  # the foreground: watch the children until a signal or a death
            stack.sleep(0.5)
            stack.supervise()
            ticks += 1
            if ticks % 120 == 0:  # SeaweedFS writes some volume files 0644 whatever the umask
                secure_tree(plan.var_dir)
    except StopRequested as exc:
        stack.say(f"\n{exc}: stopping the stack ...")
    except ChildDied as exc:
        code = fail(str(exc) + "\nstopping the rest of the stack")
    except ServiceError as exc:
        code = fail(str(exc))
    finally:
        # A second Ctrl-C must not cut the orderly shutdown short and orphan a server.
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        try:
            stack.stop_all()
        finally:
            stack.unlock()
            secure_tree(plan.var_dir)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    if code == 0:
        stack.say("Stack stopped; data kept under " + str(plan.var_dir))
    return code


def _start_everything(stack: Stack, settings: Settings, health_timeout: float) -> None:
    plan = stack.plan
    plan.log_dir.mkdir(parents=True, exist_ok=True)
    if plan.seaweed is not None:
        ports = plan.seaweed
        stack.say(f"Starting SeaweedFS (S3 on 127.0.0.1:{ports.s3}, data in {plan.var_dir / 's3'}) ...")
        svc = seaweedfs_service(
            plan.var_dir,
            access_key=settings.s3_access_key_id or "",
            secret_key=settings.s3_secret_access_key or "",
            ports=ports,
        )
        stack.start(svc, svc.ready, timeout=60)
    if plan.temporal_port is not None and plan.temporal_ui_port is not None:
        db = plan.var_dir / "temporal.db"
        stack.say(f"Starting the Temporal dev server (127.0.0.1:{plan.temporal_port}, {db}) ...")
        svc = temporal_service(
            plan.var_dir,
            port=plan.temporal_port,
            ui_port=plan.temporal_ui_port,
            namespace=settings.temporal_namespace,
        )
        stack.start(svc, svc.ready, timeout=60)
    if plan.smtp_port is not None:
        stack.say(f"Starting the SMTP server ({plan.smtp_host}:{plan.smtp_port}, mail kept in {plan.mail_dir}) ...")
        svc = smtp_service(plan.var_dir, port=plan.smtp_port, host=plan.smtp_host, mail_dir=plan.mail_dir,
                           env=stack.child_env())
        stack.start(svc, svc.ready, timeout=30)
    stack.say(f"Migrating the database ({masked_url(settings.db_url)}) ...")
    stack.run_once("migrate", "store.migrate", MIGRATE_TIMEOUT)
    w, n, a = settings.workflow_processes, settings.letter_processes, settings.api_processes
    stack.say(f"Starting the workers ({w} for matter workflows, {n} for letters) and {a} API process"
              f"{'es' if a > 1 else ''} ...")
    # Workflow tasks never wait behind rendering: letters have their own processes (see workers/main.py).
    for i in range(1, w + 1):
        stack.start(stack.python_service(f"worker-{i}", "workers.main", {"RECOVERY_WORKER_ROLE": "workflows"}), None, 0)
    for i in range(1, n + 1):
        stack.start(stack.python_service(f"letters-{i}", "workers.main", {"RECOVERY_WORKER_ROLE": "letters"}), None, 0)
    # The launcher binds the API port once; every API process accepts on that one socket.
    stack.api_socket = listening_socket(plan.api_host, plan.api_port)
    fd = stack.api_socket.fileno()
    for i in range(1, a + 1):
        api = stack.python_service(f"api-{i}", "api", {SOCKET_FD_ENV: str(fd)})
        api.pass_fds = (fd,)
        stack.start(api, None, 0)
    health = plan.api_url + "/health"
    stack.wait_for(None, lambda: http_status(health) == 200, health_timeout, what="the API to be ready")
    stack.write_pid_file(urls=stack_urls(plan, settings))
