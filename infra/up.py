"""`recovery up` (`make run`): the local stack started in order, its banner, then supervised in the
foreground until SIGINT or SIGTERM (`infra.stack.Stack` is the supervisor; what runs and where is
`infra.plan`). Imports: settings, stdlib and `infra` only (see DESIGN.md)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import TextIO

from infra.banner import banner_lines, stack_urls
from infra.plan import masked_url, plan_stack
from infra.services import (
    ServiceError,
    listening_socket,
    seaweedfs_service,
    secure_tree,
    smtp_service,
    temporal_service,
)
from infra.stack import MIGRATE_TIMEOUT, ChildDied, Restarts, Stack, StopRequested, http_status
from settings import API_SOCKET_FD_ENV as SOCKET_FD_ENV
from settings import DEMO_OPEN_MARK, Settings

DEMO_TIMEOUT = 120.0  # for the demo's matters to be open (its scripted events play on after)


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
        # A fresh var/ gets its first manager, whose one-time password is printed once.
        stack.run_in_background("first-manager", "cli users first-manager", ready="Web application:", timeout=60)
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
            codec_endpoint=plan.codec_endpoint,
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
