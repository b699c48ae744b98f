"""The local stack launcher: the plan (pure), supervision of children, and `recovery up` end to end.

The end-to-end tests run `python -m cli up` as a subprocess on free ports with a temporary
`var/`, exactly as a user would, and check that Ctrl-C (SIGINT) leaves nothing running.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import io
import json
import os
import re
import signal
import smtplib
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.plan import StackPlan, is_local_host, masked_url, plan_stack, seaweed_ports, split_host_port
from infra.services import GRPC_OFFSET, SeaweedPorts, Service, ServiceError, free_port, port_free, secure_tree
from infra.stack import ChildDied, Restarts, Stack, StopRequested
from settings import ROOT, Settings

PYTHON = sys.executable


# ---- the plan ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("address", "expected"),
    [("127.0.0.1:7233", ("127.0.0.1", 7233)), ("localhost:1", ("localhost", 1)),
     ("[::1]:7233", ("::1", 7233)), ("temporal.example.com:443", ("temporal.example.com", 443))],
)
def test_split_host_port(address: str, expected: tuple[str, int]) -> None:
    assert split_host_port(address) == expected


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.1:http", ":7233"])
def test_split_host_port_refuses_what_it_cannot_read(address: str) -> None:
    with pytest.raises(ServiceError, match="host:port"):
        split_host_port(address)


def test_is_local_host() -> None:
    assert all(is_local_host(h) for h in ("127.0.0.1", "localhost", "::1", "127.0.0.2"))
    assert not any(is_local_host(h) for h in ("10.0.0.1", "temporal.example.com", "", None))


def test_default_plan_starts_everything_on_the_settings_ports(tmp_path: Path) -> None:
    plan = plan_stack(Settings(var_dir=tmp_path), env={})
    assert plan.var_dir == tmp_path.resolve()
    assert (plan.temporal_port, plan.temporal_ui_port, plan.api_port) == (7233, 8233, 8000)
    assert plan.seaweed is not None and plan.seaweed.s3 == 8333
    ports = plan.local_ports()
    assert ports["Temporal gRPC"] == 7233 and ports["Temporal Web UI"] == 8233
    assert ports["S3 (SeaweedFS)"] == 8333
    assert plan.smtp_port == 8025 and ports["SMTP (local mail server)"] == 8025  # the settings' default
    assert plan.mail_dir == tmp_path.resolve() / "mail"
    assert plan.api_url == "http://127.0.0.1:8000"
    assert plan.log_dir == tmp_path.resolve() / "logs"


# The ports SeaweedFS listens on by itself, which `weed` would take without its flags.
CLASSIC = SeaweedPorts()
INTERNAL = [f.name for f in dataclasses.fields(SeaweedPorts) if f.name != "s3"]
PAIRS = ("master", "volume", "filer", "admin")


@contextmanager
def held_ports(*wanted: int) -> Iterator[list[int]]:
    """Listening sockets on 127.0.0.1, as another program would hold them; 0 = any port whose
    gRPC partner (port + 10000) is a valid port too. A wanted port that some other program on
    this machine already holds is just as taken, so it is yielded all the same."""
    sockets: list[socket.socket] = []
    ports: list[int] = []
    try:
        for port in wanted:
            while True:
                sock = socket.socket()
                sockets.append(sock)
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    if port == 0:
                        raise
                    break  # held by someone else: taken all the same
                sock.listen()
                if port or sock.getsockname()[1] + GRPC_OFFSET <= 65535:
                    break
            ports.append(port or sock.getsockname()[1])
        assert not any(port_free(p) for p in ports)
        yield ports
    finally:
        for sock in sockets:
            sock.close()


def settings_on_free_ports(tmp_path: Path) -> Settings:
    """Settings whose Temporal, Web UI, S3 and API ports are all free (none of the defaults)."""
    ports = UpPorts.pick()
    return Settings(
        var_dir=tmp_path,
        temporal_address=f"127.0.0.1:{ports.temporal}",
        temporal_ui_port=ports.ui,
        s3_endpoint_url=f"http://127.0.0.1:{ports.s3}",
        api_port=ports.api,
        smtp_port=ports.smtp,
    )


def assert_seaweedfs_layout(ports: SeaweedPorts) -> None:
    values = list(ports.all().values())
    assert len(set(values)) == len(values) and all(0 < p <= 65535 for p in values)
    for name in PAIRS:
        assert getattr(ports, f"{name}_grpc") == getattr(ports, name) + GRPC_OFFSET


def test_by_default_seaweedfs_internal_ports_are_free_ones_not_the_classic_ones(tmp_path: Path) -> None:
    # 8080 (volume), 9333 (master) and 8888 (filer) are taken on many laptops.
    with held_ports(CLASSIC.volume, CLASSIC.master, CLASSIC.filer) as held:
        settings = settings_on_free_ports(tmp_path)
        plan = plan_stack(settings, env={})  # no RECOVERY_SEAWEEDFS_PORTS
        plan.check_ports()  # nothing is in the way
    assert plan.seaweed is not None
    assert plan.seaweed.s3 == int(str(settings.s3_endpoint_url).rsplit(":", 1)[1])
    internal = {getattr(plan.seaweed, name) for name in INTERNAL}
    assert not internal & set(held)
    assert not internal & {getattr(CLASSIC, name) for name in INTERNAL}
    assert_seaweedfs_layout(plan.seaweed)
    # Nor on the ports of the other servers of the stack.
    assert not internal & {plan.temporal_port, plan.temporal_ui_port, plan.api_port, plan.smtp_port}


def test_remote_servers_are_not_started(tmp_path: Path) -> None:
    remote = Settings(
        var_dir=tmp_path,
        temporal_address="temporal.example.com:7233",
        s3_endpoint_url="https://minio.example.com",
        smtp_host="smtp.example.com", smtp_port=587, smtp_security="starttls", smtp_username="u", smtp_password="p",
    )
    plan = plan_stack(remote, env={})
    assert plan.temporal_port is None and plan.temporal_ui_port is None and plan.seaweed is None
    assert plan.smtp_port is None
    assert plan.local_ports() == {}
    assert plan_stack(Settings(var_dir=tmp_path, s3_endpoint_url=None), env={}).seaweed is None  # AWS
    tls = Settings(var_dir=tmp_path, temporal_tls=True)
    assert plan_stack(tls, env={}).temporal_port is None


@pytest.mark.parametrize(("update", "said"), [
    ({"smtp_security": "ssl"}, "RECOVERY_SMTP_SECURITY is ssl"),
    ({"smtp_security": "starttls"}, "RECOVERY_SMTP_SECURITY is starttls"),
    ({"smtp_username": "u", "smtp_password": "p"}, "RECOVERY_SMTP_USERNAME"),
])
def test_the_local_smtp_server_is_plain_smtp_without_login(tmp_path: Path, update: dict[str, str], said: str) -> None:
    with pytest.raises(ServiceError, match=said):
        plan_stack(Settings(var_dir=tmp_path, **update), env={})  # type: ignore[arg-type]


def test_the_local_smtp_server_listens_where_the_settings_point(tmp_path: Path) -> None:
    plan = plan_stack(Settings(var_dir=tmp_path, smtp_host="localhost", smtp_port=2525), env={})
    assert (plan.smtp_host, plan.smtp_port) == ("127.0.0.1", 2525)
    assert plan_stack(Settings(var_dir=tmp_path, smtp_host="::1"), env={}).smtp_host == "::1"


def test_local_s3_must_be_plain_http(tmp_path: Path) -> None:
    with pytest.raises(ServiceError, match="plain http"):
        plan_stack(Settings(var_dir=tmp_path, s3_endpoint_url="https://127.0.0.1:8333"), env={})


def test_s3_port_comes_from_the_endpoint_and_keeps_the_grpc_convention(tmp_path: Path) -> None:
    with held_ports(0) as (port,):
        pass  # a free port with room for its gRPC partner
    settings = Settings(var_dir=tmp_path, s3_endpoint_url=f"http://127.0.0.1:{port}")
    for spec in ({}, {"RECOVERY_SEAWEEDFS_PORTS": "fixed"}):
        plan = plan_stack(settings, env=spec)
        assert plan.seaweed is not None and plan.seaweed.s3 == port
        if port_free(port + GRPC_OFFSET):
            assert plan.seaweed.s3_grpc == port + GRPC_OFFSET
    assert plan.seaweed.master == CLASSIC.master  # `fixed`: SeaweedFS's classic ports


def test_seaweed_ports_from_the_environment() -> None:
    ports = seaweed_ports(8333, "master=9444, volume=8081")
    assert (ports.master, ports.master_grpc, ports.volume, ports.volume_grpc) == (9444, 19444, 8081, 18081)
    assert ports.filer != CLASSIC.filer and port_free(ports.filer)  # the rest: free ports
    assert_seaweedfs_layout(ports)
    for spec in ("mastr=1", "master", "master=x", "master=0", "master=65536", "master=60000", "auto,fixed"):
        with pytest.raises(ServiceError, match="RECOVERY_SEAWEEDFS_PORTS"):
            seaweed_ports(8333, spec)
    assert seaweed_ports(8333, "master=60000,master_grpc=60001").master_grpc == 60001


@pytest.mark.parametrize("spec", ["fixed", "defaults", " Fixed "])
def test_seaweed_classic_ports_on_request(spec: str) -> None:
    assert seaweed_ports(8333, spec) == CLASSIC
    assert seaweed_ports(8334, spec).s3 == 8334
    mixed = seaweed_ports(8333, f"{spec},volume=8081")
    assert (mixed.volume, mixed.volume_grpc, mixed.master, mixed.filer) == (8081, 18081, 9333, 8888)


def test_random_seaweed_ports_avoid_the_ports_they_are_told_to() -> None:
    pool = range(20_000, 22_768)  # and their gRPC partners, 30000-32767
    left = [p for p in pool if port_free(p) and port_free(p + GRPC_OFFSET)][-4:]
    ports = SeaweedPorts.random(s3=8333, avoid=set(pool) - set(left))
    # Only the four pairs needed are left in the pool: the draw must still finish, with them.
    assert {getattr(ports, name) for name in PAIRS} == set(left)
    assert_seaweedfs_layout(ports)


@pytest.mark.parametrize("spec", [None, "", "auto", " AUTO "])
def test_auto_seaweed_ports_are_distinct_free_and_follow_the_grpc_offset(spec: str | None) -> None:
    s3 = free_port()
    ports = seaweed_ports(s3, spec)
    values = list(ports.all().values())
    assert ports.s3 == s3 and len(set(values)) == len(values)
    for name in ("master", "volume", "filer", "admin"):
        assert getattr(ports, f"{name}_grpc") == getattr(ports, name) + GRPC_OFFSET
    assert all(p <= 65535 for p in values)
    assert all(port_free(p) for p in values)


def test_a_port_configured_twice_is_refused_naming_both_uses(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, api_port=8233)
    with pytest.raises(ServiceError, match="port 8233 is configured for both Temporal Web UI and API"):
        plan_stack(settings, env={}).check_ports()


def test_a_taken_port_is_named(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        plan = StackPlan(tmp_path, temporal_port=taken, temporal_ui_port=free_port(), seaweed=None,
                         api_host="127.0.0.1", api_port=free_port())
        with pytest.raises(ServiceError, match=f"Temporal gRPC port {taken}"):
            plan.check_ports()
        api_taken = StackPlan(tmp_path, None, None, None, api_host="127.0.0.1", api_port=taken)
        with pytest.raises(ServiceError, match=f"API port {taken}"):
            api_taken.check_ports()


def test_a_taken_s3_port_is_named_with_its_setting(tmp_path: Path) -> None:
    with held_ports(0) as (taken,):
        settings = settings_on_free_ports(tmp_path).model_copy(update={"s3_endpoint_url": f"http://127.0.0.1:{taken}"})
        plan = plan_stack(settings, env={})
        with pytest.raises(ServiceError) as info:
            plan.check_ports()
    message = str(info.value)
    assert f"S3 (SeaweedFS) port {taken}" in message and "RECOVERY_S3_ENDPOINT_URL" in message, message
    assert "master" not in message  # only what is really in the way


@pytest.mark.parametrize(("spec", "role"), [
    ("volume={port}", "SeaweedFS volume port {port}"),
    ("filer_grpc={port}", "SeaweedFS filer grpc port {port}"),
    ("master={port_minus_offset}", "SeaweedFS master grpc port {port}"),  # master + 10000
])
def test_a_taken_explicit_seaweedfs_port_is_named_with_its_role(tmp_path: Path, spec: str, role: str) -> None:
    with held_ports(0) as (taken,):
        values = {"port": taken, "port_minus_offset": taken - GRPC_OFFSET}
        plan = plan_stack(settings_on_free_ports(tmp_path), env={"RECOVERY_SEAWEEDFS_PORTS": spec.format(**values)})
        with pytest.raises(ServiceError) as info:
            plan.check_ports()
    message = str(info.value)
    assert role.format(**values) in message and "RECOVERY_SEAWEEDFS_PORTS" in message, message
    assert len(re.findall(r"port \d+", message)) == 1, message  # the other internal ports were picked free


def test_a_taken_classic_port_is_named_when_classic_ports_were_asked_for(tmp_path: Path) -> None:
    with held_ports(CLASSIC.volume):
        plan = plan_stack(settings_on_free_ports(tmp_path), env={"RECOVERY_SEAWEEDFS_PORTS": "fixed"})
        with pytest.raises(ServiceError) as info:
            plan.check_ports()
    message = str(info.value)
    assert f"SeaweedFS volume port {CLASSIC.volume}" in message and "RECOVERY_SEAWEEDFS_PORTS" in message, message


@pytest.mark.parametrize(("which", "role", "setting"), [
    ("temporal", "Temporal gRPC port", "RECOVERY_TEMPORAL_ADDRESS"),
    ("ui", "Temporal Web UI port", "RECOVERY_TEMPORAL_UI_PORT"),
    ("api", "API port", "RECOVERY_API_PORT"),
    ("smtp", "SMTP (local mail server) port", "RECOVERY_SMTP_PORT"),
])
def test_a_taken_server_port_is_named_with_its_setting(tmp_path: Path, which: str, role: str, setting: str) -> None:
    with held_ports(0) as (taken,):
        settings = settings_on_free_ports(tmp_path)
        update = {"temporal": {"temporal_address": f"127.0.0.1:{taken}"}, "ui": {"temporal_ui_port": taken},
                  "api": {"api_port": taken}, "smtp": {"smtp_port": taken}}[which]
        plan = plan_stack(settings.model_copy(update=update), env={})
        with pytest.raises(ServiceError) as info:
            plan.check_ports()
    message = str(info.value)
    assert f"{role} {taken}" in message and setting in message, message


def test_masked_url_hides_only_the_password() -> None:
    assert masked_url("postgresql+psycopg://app:s3cret@db:5432/recovery") == "postgresql+psycopg://app:***@db:5432/recovery"
    assert masked_url("sqlite+aiosqlite:////tmp/x.db") == "sqlite+aiosqlite:////tmp/x.db"


# ---- supervision, with harmless stand-in children ------------------------------------------------
def sleeper(tmp_path: Path, name: str, code: str = "import time; time.sleep(60)") -> Service:
    return Service(name=name, argv=[PYTHON, "-c", code], log_path=tmp_path / "logs" / f"{name}.log", stop_timeout=5)


def bare_plan(tmp_path: Path) -> StackPlan:
    return StackPlan(tmp_path, None, None, None, api_host="127.0.0.1", api_port=free_port())


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # Still in the table: a zombie counts as gone once reaped; ours are reaped by Service.stop.
    return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")


def test_children_are_stopped_in_reverse_order_and_the_pid_file_removed(tmp_path: Path) -> None:
    out = io.StringIO()
    stack = Stack(bare_plan(tmp_path), out)
    stack.lock()
    try:
        for name in ("first", "second", "third"):
            stack.start(sleeper(tmp_path, name), ready=None, timeout=0)
        recorded = json.loads(stack.pid_file.read_text())
        assert list(recorded["children"]) == ["first", "second", "third"]
        assert recorded["launcher_pid"] == os.getpid()
        pids = [s.pid for s in stack.services]
        stack.check_children()  # all alive: no exception
    finally:
        stack.stop_all()
        stack.unlock()
    assert [line.split()[1] for line in out.getvalue().splitlines()] == ["third", "second", "first"]
    assert all(gone(pid) for pid in pids if pid)
    assert not stack.pid_file.exists()


def test_a_child_that_dies_is_reported_with_its_log(tmp_path: Path) -> None:
    stack = Stack(bare_plan(tmp_path), io.StringIO())
    try:
        stack.start(sleeper(tmp_path, "steady"), ready=None, timeout=0)
        code = "import sys; print('worker could not reach Temporal'); sys.exit(3)"
        with pytest.raises(ChildDied) as info:
            stack.start(sleeper(tmp_path, "fragile", code), ready=lambda: False, timeout=30)
    finally:
        stack.stop_all()
    message = str(info.value)
    assert "fragile" in message and "code 3" in message and "worker could not reach Temporal" in message
    assert all(not s.alive() for s in stack.services)


def test_a_child_that_dies_is_restarted_with_a_growing_pause_until_it_cannot_be_kept_up(tmp_path: Path) -> None:
    out = io.StringIO()
    stack = Stack(bare_plan(tmp_path), out, Restarts(first_delay=0.1, max_delay=0.4, max_restarts=3, window=60))
    try:
        steady = stack.start(sleeper(tmp_path, "steady"), ready=None, timeout=0)
        code = "import sys; print('lost Temporal'); sys.exit(3)"
        fragile = stack.start(sleeper(tmp_path, "fragile", code), ready=None, timeout=0)
        pids = {fragile.pid}
        with pytest.raises(ChildDied) as info:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                stack.supervise()
                pids.add(fragile.pid)
                time.sleep(0.02)
        assert steady.alive() and steady.pid == stack.services[0].pid  # the healthy child was left alone
    finally:
        stack.stop_all()
    said = out.getvalue()
    assert len(pids) == 4, (pids, said)  # the first run and three restarts, each a new process
    delays = re.findall(r"fragile \(pid \d+\) exited with code 3; restarting it in (\d+)s", said)
    assert len(delays) == 3 and said.count("fragile restarted (pid") == 3, said
    message = str(info.value)
    assert "fragile" in message and "4th time" in message and "cannot be kept up" in message
    assert "lost Temporal" in message


def test_not_ready_in_time_names_the_service(tmp_path: Path) -> None:
    stack = Stack(bare_plan(tmp_path), io.StringIO())
    try:
        with pytest.raises(ServiceError, match="timed out after 0s waiting for slow to be ready"):
            stack.start(sleeper(tmp_path, "slow"), ready=lambda: False, timeout=0.3)
    finally:
        stack.stop_all()


def test_a_signal_stops_any_wait(tmp_path: Path) -> None:
    stack = Stack(bare_plan(tmp_path), io.StringIO())
    stack.stop_signal = signal.SIGTERM
    with pytest.raises(StopRequested, match="SIGTERM"):
        stack.sleep(10)


def test_one_launcher_per_var_dir(tmp_path: Path) -> None:
    first, second = Stack(bare_plan(tmp_path)), Stack(bare_plan(tmp_path))
    first.lock()
    try:
        first.write_pid_file()
        with pytest.raises(ServiceError, match=f"\\(pid {os.getpid()}\\) is already running"):
            second.lock()
        second.stop_all()  # what `run` does on the way out: it must not touch the first one's PID file
        assert first.pid_file.exists()
    finally:
        first.unlock()
    second.lock()
    second.unlock()


def test_run_once_reports_a_failing_step_with_its_log(tmp_path: Path) -> None:
    stack = Stack(bare_plan(tmp_path), io.StringIO())
    with pytest.raises(ServiceError, match="failed with exit code 1") as info:
        stack.run_once("migrate", "store.no_such_module", timeout=30)
    assert "No module named" in str(info.value)


# ---- `recovery up` end to end -------------------------------------------------------------------
def clean_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECOVERY_")}
    env.update(overrides)
    return env


@dataclass
class UpPorts:
    temporal: int
    ui: int
    s3: int
    api: int
    smtp: int

    @classmethod
    def pick(cls) -> UpPorts:
        ports: set[int] = set()
        while len(ports) < 5:
            ports.add(free_port())
        return cls(*ports)

    def env(self, var_dir: Path, **extra: str) -> dict[str, str]:
        return clean_env(
            **extra,
            RECOVERY_VAR_DIR=str(var_dir),
            RECOVERY_TEMPORAL_ADDRESS=f"127.0.0.1:{self.temporal}",
            RECOVERY_TEMPORAL_UI_PORT=str(self.ui),
            RECOVERY_S3_ENDPOINT_URL=f"http://127.0.0.1:{self.s3}",
            RECOVERY_API_PORT=str(self.api),
            RECOVERY_SMTP_PORT=str(self.smtp),
            # No RECOVERY_SEAWEEDFS_PORTS: the default (free internal ports) is what runs here.
        )

    def all(self) -> list[int]:
        return [self.temporal, self.ui, self.s3, self.api, self.smtp]


def http_get(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


@dataclass
class RunningStack:
    process: subprocess.Popen[bytes]
    var_dir: Path
    ports: UpPorts
    stdout: Path
    stderr: Path

    def output(self) -> str:
        return self.stdout.read_text(errors="replace") + self.stderr.read_text(errors="replace")

    def children(self) -> dict[str, int]:
        return json.loads((self.var_dir / "run" / "stack.json").read_text())["children"]


def kill_launcher_and_children(proc: subprocess.Popen[bytes], children: dict[str, int]) -> None:
    """Last resort when the launcher hangs: kill it and, by their recorded PIDs, what it started."""
    proc.kill()
    proc.wait()
    for pid in children.values():
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


@contextmanager
def recovery_up(
    var_dir: Path, ports: UpPorts, *args: str, timeout: float = 60, env: dict[str, str] | None = None
) -> Iterator[RunningStack]:
    """`python -m cli up` until /health is 200; afterwards nothing it started may be left running."""
    out, err = var_dir.parent / f"{var_dir.name}-up.out", var_dir.parent / f"{var_dir.name}-up.err"
    with open(out, "ab") as o, open(err, "ab") as e:
        proc = subprocess.Popen(
            [PYTHON, "-m", "cli", "up", *args], cwd=ROOT, env=ports.env(var_dir, **(env or {})), stdout=o, stderr=e,
            start_new_session=True,
        )
    running = RunningStack(proc, var_dir, ports, out, err)
    children: dict[str, int] = {}
    try:
        deadline = time.monotonic() + timeout
        while http_get(f"http://127.0.0.1:{ports.api}/health") != 200:
            if proc.poll() is not None:
                pytest.fail(f"`recovery up` exited with {proc.returncode} before /health was 200:\n{running.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"/health was not 200 within {timeout:.0f}s:\n{running.output()}")
            time.sleep(0.25)
        children = running.children()
        yield running
    finally:
        # Whatever happened in the test, leave no process behind: by PID, never by name.
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                kill_launcher_and_children(proc, children)


def assert_all_gone(pids: dict[str, int], ports: UpPorts) -> None:
    for name, pid in pids.items():
        assert gone(pid), f"{name} (pid {pid}) is still running"
        with pytest.raises(ProcessLookupError):
            os.killpg(pid, 0)  # nor anything else in its process group
    deadline = time.monotonic() + 10
    while not all(port_free(p) for p in ports.all()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [p for p in ports.all() if not port_free(p)] == []


def loose_modes(root: Path) -> list[str]:
    """Entries under `root` (and itself) that anyone but the owner may read, write or enter."""
    return [f"{p} {stat.S_IMODE(p.lstat().st_mode):o}" for p in [root, *root.rglob("*")]
            if not p.is_symlink() and stat.S_IMODE(p.lstat().st_mode) & 0o077]


def test_secure_tree_creates_var_0700_and_tightens_what_an_older_run_left_open(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    secure_tree(var_dir)
    assert stat.S_IMODE(var_dir.stat().st_mode) == 0o700
    (var_dir / "logs").mkdir(mode=0o755)
    (var_dir / "logs").chmod(0o755)
    db = var_dir / "recovery.db"
    db.write_bytes(b"borrowers")
    db.chmod(0o644)
    tool = var_dir / "logs" / "run.sh"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o775)
    var_dir.chmod(0o755)
    assert len(loose_modes(var_dir)) == 4
    secure_tree(var_dir)
    assert loose_modes(var_dir) == []
    assert stat.S_IMODE(db.stat().st_mode) == 0o600 and stat.S_IMODE(tool.stat().st_mode) == 0o700
    assert db.read_bytes() == b"borrowers"


@pytest.mark.integration
def test_up_serves_then_sigint_stops_everything_and_data_survives_a_restart(tmp_path: Path) -> None:
    var_dir, ports = tmp_path / "var", UpPorts.pick()
    matters = len(json.loads((ROOT / "infra" / "demo_portfolio.json").read_text(encoding="utf-8"))["matters"])
    with recovery_up(var_dir, ports, "--demo") as stack:
        pids = stack.children()
        assert set(pids) == {"seaweedfs", "temporal", "smtp", "worker-1", "letters-1", "api-1", "api-2"}
        assert all(not gone(pid) for pid in pids.values())
        assert http_get(f"http://127.0.0.1:{ports.ui}/") == 200, "Temporal Web UI does not answer"
        assert http_get(f"http://127.0.0.1:{ports.api}/docs") == 200
        assert http_get(f"http://127.0.0.1:{ports.s3}/") is not None, "S3 does not answer"
        # The banner waits for the demo's matters to be open (not for its scripted events, which play on in the
        # background: the matter it takes to court is followed in the worker-killed test below).
        deadline = time.monotonic() + 120
        while "The recovery stack is up" not in stack.output() and time.monotonic() < deadline:
            assert stack.process.poll() is None, stack.output()
            time.sleep(0.25)
        output = stack.output()
        assert output.count(" opened ") == matters, output
        assert output.index("demo matters open") < output.index("The recovery stack is up"), output
        assert f"http://127.0.0.1:{ports.api}/docs" in output
        assert f"http://127.0.0.1:{ports.ui}" in output
        assert "recovery keys create" in output
        assert f"smtp://127.0.0.1:{ports.smtp}; every message kept in {var_dir / 'mail'}" in output
        # The stack's SMTP server keeps what it is sent, privately (the reminders the workers send).
        with smtplib.SMTP("127.0.0.1", ports.smtp, local_hostname="test.example", timeout=10) as smtp:
            smtp.sendmail("recovery@localhost", ["zhangwei@example.cn"], b"Subject: up\r\n\r\nhello\r\n")
        # (beside the demo's own by then: its borrowers' e-mail reminders, its law firm's instruction)
        kept = [p for p in (var_dir / "mail").glob("*.eml") if b"Subject: up\r\n" in p.read_bytes()]
        assert len(kept) == 1 and kept[0].read_bytes().endswith(b"hello\r\n")
        stack.process.send_signal(signal.SIGINT)
        assert stack.process.wait(timeout=60) == 0, stack.output()
    assert_all_gone(pids, ports)
    assert not (var_dir / "run" / "stack.json").exists()
    assert (var_dir / "temporal.db").exists() and (var_dir / "logs" / "worker-1.log").exists()
    # Borrowers' data, letters, logs and secrets: the user's alone, whoever else is on the machine.
    assert loose_modes(var_dir) == [], loose_modes(var_dir)
    assert (var_dir / "recovery.db").exists() and any((var_dir / "s3").rglob("*.dat")), sorted(var_dir.rglob("*"))

    # Restart on the same var/: the matters are still there (Temporal refuses to open them again).
    with recovery_up(var_dir, ports) as stack:
        pids = stack.children()
        demo = subprocess.run(
            [PYTHON, "-m", "cli", "demo"], cwd=ROOT, env=ports.env(var_dir), capture_output=True, text=True,
            timeout=120,
        )
        assert demo.returncode == 0, demo.stdout + demo.stderr
        assert demo.stdout.count("already open") == matters, demo.stdout
        stack.process.send_signal(signal.SIGTERM)
        assert stack.process.wait(timeout=60) == 0, stack.output()
    assert_all_gone(pids, ports)


@pytest.mark.integration
def test_up_restarts_a_killed_worker_and_api_while_the_rest_keeps_answering(tmp_path: Path) -> None:
    var_dir, ports = tmp_path / "var", UpPorts.pick()
    with recovery_up(var_dir, ports) as stack:
        deadline = time.monotonic() + 60  # supervision starts once the stack is up (the banner)
        while "The recovery stack is up" not in stack.output() and time.monotonic() < deadline:
            time.sleep(0.25)
        pids = stack.children()
        os.kill(pids["worker-1"], signal.SIGKILL)
        assert http_get(f"http://127.0.0.1:{ports.api}/health") == 200  # the API does not go down with it
        deadline = time.monotonic() + 60
        while stack.children()["worker-1"] == pids["worker-1"] and time.monotonic() < deadline:
            assert stack.process.poll() is None, stack.output()
            time.sleep(0.25)
        restarted = stack.children()
        assert restarted["worker-1"] != pids["worker-1"] and not gone(restarted["worker-1"]), stack.output()
        assert f"worker-1 (pid {pids['worker-1']}) exited with code -9; restarting it in 1s" in stack.output()
        # Every API process: killed, brought back, answering again (the port stays the launcher's).
        for name in ("api-1", "api-2"):
            os.kill(restarted[name], signal.SIGKILL)
        deadline = time.monotonic() + 90
        while (any(stack.children()[n] == restarted[n] for n in ("api-1", "api-2"))
               or http_get(f"http://127.0.0.1:{ports.api}/health") != 200) and time.monotonic() < deadline:
            time.sleep(0.25)
        assert http_get(f"http://127.0.0.1:{ports.api}/health") == 200, stack.output()
        assert "api-1 restarted (pid" in stack.output() and "api-2 restarted (pid" in stack.output()
        supervised = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{ports.api}/health", timeout=10).read())
        assert {n: p["restarts"] for n, p in supervised["processes"].items()} == {
            "seaweedfs": 0, "temporal": 0, "smtp": 0, "worker-1": 1, "letters-1": 0, "api-1": 1, "api-2": 1}
        final = stack.children()
        stack.process.send_signal(signal.SIGINT)
        assert stack.process.wait(timeout=60) == 0, stack.output()
    assert_all_gone(final, ports)


def _api_json(ports: UpPorts, path: str, key: str) -> Any:
    request = urllib.request.Request(f"http://127.0.0.1:{ports.api}{path}", headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read())


# The demo portfolio's matters, and the stages in which each has settled: in legal review or closed, or (the
# matter the demo takes to court, its scripted steps played in the background) referred or in litigation.
DEMO_MATTERS = len(json.loads((ROOT / "infra" / "demo_portfolio.json").read_text(encoding="utf-8"))["matters"])
SETTLED = {"legal_review", "closed", "referral", "litigation"}


def settled_demo(ports: UpPorts, key: str, timeout: float) -> dict[str, str]:
    """The demo matters' stages once all have settled (`SETTLED`), or whatever they are at `timeout`."""
    now: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            now = {m["external_ref"]: m["stage"] for m in _api_json(ports, "/matters?limit=200", key)["data"]}
        except OSError:  # the API may be between restarts
            now = {}
        if len(now) == DEMO_MATTERS and set(now.values()) <= SETTLED:
            break
        time.sleep(1)
    return now


def _api_post(ports: UpPorts, path: str, key: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{ports.api}{path}", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        return int(resp.status)


def _identities(ports: UpPorts, workflow_ids: list[str]) -> tuple[set[str], set[str]]:
    """Who ran the matters' workflow tasks and their letters (each worker process has its own identity)."""
    import asyncio

    from temporalio.client import Client

    async def read() -> tuple[set[str], set[str]]:
        client = await Client.connect(f"127.0.0.1:{ports.temporal}")
        tasks: set[str] = set()
        letters: set[str] = set()
        for wid in workflow_ids:
            async for event in client.get_workflow_handle(wid).fetch_history_events():
                if event.HasField("workflow_task_started_event_attributes"):
                    tasks.add(event.workflow_task_started_event_attributes.identity)
                elif event.HasField("activity_task_started_event_attributes"):
                    letters.add(event.activity_task_started_event_attributes.identity)
        return tasks, letters

    return asyncio.run(read())


@pytest.mark.integration
def test_several_workers_and_api_processes_share_the_load_and_survive_the_loss_of_any_one(tmp_path: Path) -> None:
    """Two of each kind; one of each killed for good (no restart within the test): the rest carry on."""
    from tests.factories import intake_data

    var_dir, ports = tmp_path / "var", UpPorts.pick()
    several = {"RECOVERY_WORKFLOW_PROCESSES": "2", "RECOVERY_LETTER_PROCESSES": "2", "RECOVERY_API_PROCESSES": "2",
               "RECOVERY_RESTART_DELAY": "900", "RECOVERY_RENDER_PROCESSES": "1"}
    with recovery_up(var_dir, ports, "--no-demo", env=several) as stack:
        pids = stack.children()
        assert {"worker-1", "worker-2", "letters-1", "letters-2", "api-1", "api-2"} <= set(pids)
        made = subprocess.run([PYTHON, "-m", "cli", "keys", "create", "--role", "manager"], cwd=ROOT,
                              env=ports.env(var_dir), capture_output=True, text=True, timeout=60)
        key = made.stdout.strip().splitlines()[-1]
        refs = [f"SHARE-{i:02d}" for i in range(24)]
        for ref in refs:
            assert _api_post(ports, "/matters", key, intake_data(external_ref=ref, policy="demo")) == 201
        # (a matter is listed once its workflow's first write is in: on a busy machine, a moment after its POST)
        deadline = time.monotonic() + 120
        while _api_json(ports, "/matters?limit=200", key)["count"] < len(refs) and time.monotonic() < deadline:
            time.sleep(0.5)

        # The API: requests from ten clients at once, each on a new connection, answered by both processes.
        def burst(_: int) -> list[int]:
            return [len(_api_json(ports, "/matters?limit=3", key)["data"]) for _ in range(10)]

        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            assert all(n == 3 for ns in pool.map(burst, range(10)) for n in ns)
        served = {name: (var_dir / "logs" / f"{name}.log").read_text().count('"GET /matters?limit=3 HTTP/1.1" 200')
                  for name in ("api-1", "api-2")}
        assert sum(served.values()) == 100 and all(served.values()), served

        # The workers: both of each kind have taken a share once every collection notice is stored.
        deadline = time.monotonic() + 120
        matters = _api_json(ports, "/matters?limit=200", key)["data"]
        noticed: set[str] = set()
        while len(noticed) < len(refs) and time.monotonic() < deadline:
            if len(matters) < len(refs):  # (a matter is listed once its workflow's first write is in: on a busy
                matters = _api_json(ports, "/matters?limit=200", key)["data"]  # machine, a moment after its POST)
            for m in matters:
                if m["id"] not in noticed and any(d["kind"] == "collection_notice" for d in _api_json(
                        ports, f"/matters/{m['id']}/documents", key)["data"]):
                    noticed.add(m["id"])
            time.sleep(0.5)
        assert len(noticed) == len(refs), (len(matters), stack.output())
        tasks, letters = _identities(ports, [m["workflow_id"] for m in matters])
        for kind, seen, names in (("workflows", tasks, ("worker-1", "worker-2")),
                                  ("letters", letters, ("letters-1", "letters-2"))):
            assert {f"recovery-{kind}-{pids[n]}@{socket.gethostname()}" for n in names} <= seen, (kind, seen)

        # One of each killed while the matters move (reminders still to come); none comes back in the test.
        for name in ("worker-1", "letters-1", "api-1"):
            os.kill(pids[name], signal.SIGKILL)
        assert [_api_json(ports, "/matters?limit=1", key)["count"] for _ in range(30)] == [24] * 30
        expected = {"worker-1": "restarting", "letters-1": "restarting", "api-1": "restarting", "api-2": "up"}
        states: dict[str, str] = {}
        deadline = time.monotonic() + 10  # the launcher looks at its children twice a second
        while states != expected and time.monotonic() < deadline:
            health = _api_json(ports, "/health", key)
            states = {n: health["processes"][n]["state"] for n in expected}
            time.sleep(0.2)
        assert states == expected, health

        # The survivors take every matter to the end of its ladder, each letter stored once.
        deadline = time.monotonic() + 240
        stages: dict[str, str] = {}
        while time.monotonic() < deadline:
            stages = {m["external_ref"]: m["stage"] for m in _api_json(ports, "/matters?limit=200", key)["data"]}
            if set(stages.values()) <= {"legal_review", "closed"}:
                break
            time.sleep(2)
        assert sorted(stages) == refs and set(stages.values()) <= {"legal_review", "closed"}, (stages, stack.output())
        matters = _api_json(ports, "/matters?limit=200", key)["data"]
        for m in matters:
            docs = _api_json(ports, f"/matters/{m['id']}/documents", key)["data"]
            ids = [d["id"] for d in docs]
            assert len(ids) == len(set(ids)) and "collection_notice" in [d["kind"] for d in docs], docs
        assert stack.children()["worker-1"] == pids["worker-1"]  # not restarted: the others did the work
        final = stack.children()
        stack.process.send_signal(signal.SIGINT)
        assert stack.process.wait(timeout=60) == 0, stack.output()
    assert_all_gone({n: p for n, p in final.items() if n not in ("worker-1", "letters-1", "api-1")}, ports)


@pytest.mark.integration
def test_a_worker_killed_while_matters_move_comes_back_and_every_matter_completes_once(tmp_path: Path) -> None:
    var_dir, ports = tmp_path / "var", UpPorts.pick()
    with recovery_up(var_dir, ports, "--demo") as stack:
        deadline = time.monotonic() + 120
        while "The recovery stack is up" not in stack.output() and time.monotonic() < deadline:
            time.sleep(0.25)
        # A fresh var/: the web application's first manager, its one-time password printed once.
        assert "Web application: first manager 'admin', one-time password " in stack.output(), stack.output()
        killed = stack.children()
        os.kill(killed["worker-1"], signal.SIGKILL)  # the demo's matters are mid-ladder
        os.kill(killed["letters-1"], signal.SIGKILL)
        made = subprocess.run([PYTHON, "-m", "cli", "keys", "create", "--role", "manager"], cwd=ROOT,
                              env=ports.env(var_dir), capture_output=True, text=True, timeout=60)
        key = made.stdout.strip().splitlines()[-1]
        now = settled_demo(ports, key, timeout=150)
        assert len(now) == DEMO_MATTERS and set(now.values()) <= SETTLED, (now, stack.output()[-3000:])
        # The demo takes one matter to court through the restarted workers: referred, accepted, filed, a hearing.
        deadline = time.monotonic() + 90
        while "proceeding 1: hearing set for" not in stack.output() and time.monotonic() < deadline:
            time.sleep(0.5)
        court = [line for line in stack.output().splitlines() if line.startswith("DEMO-CN-0004 ")]
        for step in ("escalated: referred to firm-demo-shenheng", "accepted by firm-demo-shenheng",
                     "stage litigation", "proceeding 1: filed with", "proceeding 1: hearing set for"):
            assert any(step in line for line in court), (step, stack.output()[-3000:])
        assert not [line for line in court if "skipped" in line], stack.output()[-3000:]
        # And one enforces its award: a freeze, a seizure, two auctions, the proceeds distributed.
        deadline = time.monotonic() + 60
        while "proceeding 1: proceeds on" not in stack.output() and time.monotonic() < deadline:
            time.sleep(0.5)
        enforced = [line for line in stack.output().splitlines() if line.startswith("DEMO-CN-0005 ")]
        for step in ("proceeding 1: enforcement_filed on", "asset 1: preserved, now preserved",
                     "asset 2: auctioned, now sold", "proceeding 1: proceeds on"):
            assert any(step in line for line in enforced), (step, stack.output()[-3000:])
        assert not [line for line in enforced if "skipped" in line], stack.output()[-3000:]
        assert _api_json(ports, "/matters?stage=litigation", key)["count"] == 2  # (and DEMO-CN-0005, enforced)
        assert stack.children()["worker-1"] != killed["worker-1"]
        assert stack.children()["letters-1"] != killed["letters-1"]
        for m in _api_json(ports, "/matters?limit=200", key)["data"]:
            docs = _api_json(ports, f"/matters/{m['id']}/documents", key)["data"]
            ids = [d["id"] for d in docs]
            assert len(ids) == len(set(ids)) and "collection_notice" in [d["kind"] for d in docs], docs
        final = stack.children()
        stack.process.send_signal(signal.SIGINT)
        assert stack.process.wait(timeout=60) == 0, stack.output()
    assert_all_gone(final, ports)


@pytest.mark.integration
def test_temporal_and_seaweedfs_killed_mid_run_are_restarted_and_every_matter_completes_once(tmp_path: Path) -> None:
    var_dir, ports = tmp_path / "var", UpPorts.pick()
    with recovery_up(var_dir, ports, "--demo") as stack:
        deadline = time.monotonic() + 120
        while "The recovery stack is up" not in stack.output() and time.monotonic() < deadline:
            time.sleep(0.25)
        killed = stack.children()
        os.killpg(killed["temporal"], signal.SIGKILL)  # the demo's matters are mid-ladder: timers pending
        os.killpg(killed["seaweedfs"], signal.SIGKILL)  # and reminder letters still to store
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (
                "temporal restarted" in stack.output() and "seaweedfs restarted" in stack.output()):
            time.sleep(0.5)
        assert "temporal restarted" in stack.output() and "seaweedfs restarted" in stack.output(), stack.output()
        made = None
        deadline = time.monotonic() + 60
        while made is None or made.returncode != 0:  # the API answers again once the database is back
            made = subprocess.run([PYTHON, "-m", "cli", "keys", "create", "--role", "manager"], cwd=ROOT,
                                  env=ports.env(var_dir), capture_output=True, text=True, timeout=60)
            assert time.monotonic() < deadline, made.stdout + made.stderr
        key = made.stdout.strip().splitlines()[-1]
        now = settled_demo(ports, key, timeout=180)
        assert len(now) == DEMO_MATTERS and set(now.values()) <= SETTLED, (now, stack.output()[-3000:])
        for m in _api_json(ports, "/matters?limit=200", key)["data"]:
            docs = _api_json(ports, f"/matters/{m['id']}/documents", key)["data"]
            kinds = [d["kind"] for d in docs]
            assert "collection_notice" in kinds and len({d["id"] for d in docs}) == len(docs), docs
            assert kinds.count("collection_notice") == 1, docs  # stored once, whatever was retried
        final = stack.children()
        stack.process.send_signal(signal.SIGINT)
        assert stack.process.wait(timeout=60) == 0, stack.output()
    assert_all_gone(final, ports)


@pytest.mark.integration
def test_up_with_postgresql(tmp_path: Path, pg_url: str) -> None:
    var_dir, ports = tmp_path / "var", UpPorts.pick()
    with recovery_up(var_dir, ports, env={"RECOVERY_DATABASE_URL": pg_url}) as stack:
        pids = stack.children()
        stack.process.send_signal(signal.SIGINT)
        assert stack.process.wait(timeout=60) == 0, stack.output()
    assert "postgresql+psycopg://" in stack.output()
    assert not (var_dir / "recovery.db").exists()  # the projection went to PostgreSQL
    assert_all_gone(pids, ports)


@pytest.mark.integration
@pytest.mark.timeout(600)
def test_the_database_away_for_a_minute_stalls_nothing_and_the_projection_catches_up(
    tmp_path: Path, pg_databases: Any
) -> None:
    """Before: the projection's local activity failing after its retries failed the whole workflow
    (its ApplicationError was not caught), so every matter writing during the outage died silently."""
    import psycopg

    from tests.conftest import PG_ADMIN_URL

    url = pg_databases()
    name = url.rsplit("/", 1)[1]
    var_dir, ports = tmp_path / "var", UpPorts.pick()
    with recovery_up(var_dir, ports, "--demo", env={"RECOVERY_DATABASE_URL": url}, timeout=120) as stack:
        made = subprocess.run([PYTHON, "-m", "cli", "keys", "create", "--role", "manager"], cwd=ROOT,
                              env=ports.env(var_dir, RECOVERY_DATABASE_URL=url), capture_output=True, text=True,
                              timeout=60)
        key = made.stdout.strip().splitlines()[-1]
        deadline = time.monotonic() + 120
        while "The recovery stack is up" not in stack.output() and time.monotonic() < deadline:
            time.sleep(0.25)
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            # The database goes away while the demo's matters move: no new connection, the open ones cut.
            admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            try:
                time.sleep(5)
                assert http_get(f"http://127.0.0.1:{ports.api}/health") == 503  # said, not hidden
                time.sleep(55)
            finally:
                admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        now = settled_demo(ports, key, timeout=240)
        assert len(now) == DEMO_MATTERS and set(now.values()) <= SETTLED, (now, stack.output()[-3000:])
        for m in _api_json(ports, "/matters?limit=200", key)["data"]:
            live = _api_json(ports, f"/matters/{m['id']}?live=true", key)
            assert (live["stage"], live["paid_total"]) == (m["stage"], m["paid_total"]), (live, m)
        final = stack.children()
        stack.process.send_signal(signal.SIGINT)
        assert stack.process.wait(timeout=60) == 0, stack.output()
    assert_all_gone(final, ports)


@pytest.mark.integration
def test_sigint_while_starting_leaves_nothing_running(tmp_path: Path) -> None:
    var_dir, ports = tmp_path / "var", UpPorts.pick()
    pid_file = var_dir / "run" / "stack.json"
    out = tmp_path / "up.out"
    with open(out, "wb") as sink:
        proc = subprocess.Popen([PYTHON, "-m", "cli", "up"], cwd=ROOT, env=ports.env(var_dir), stdout=sink,
                                stderr=subprocess.STDOUT, start_new_session=True)
    pids: dict[str, int] = {}
    try:
        deadline = time.monotonic() + 60
        while "temporal" not in pids and time.monotonic() < deadline and proc.poll() is None:
            try:
                pids = json.loads(pid_file.read_text())["children"]
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        assert "seaweedfs" in pids, out.read_text()
        proc.send_signal(signal.SIGINT)  # SeaweedFS up, Temporal just started: mid-way through
        assert proc.wait(timeout=60) == 0, out.read_text()
    finally:
        if proc.poll() is None:
            kill_launcher_and_children(proc, pids)
    assert_all_gone(pids, ports)
    assert "SIGINT: stopping the stack" in out.read_text()


def test_up_fails_fast_naming_a_port_that_is_taken(tmp_path: Path) -> None:
    ports = UpPorts.pick()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", ports.api))
        holder.listen()
        started = time.monotonic()
        result = subprocess.run(
            [PYTHON, "-m", "cli", "up"], cwd=ROOT, env=ports.env(tmp_path / "var"), capture_output=True, text=True,
            timeout=60,
        )
    assert result.returncode != 0
    assert time.monotonic() - started < 15
    assert f"API port {ports.api}" in result.stderr
    # Nothing was started: no logs of servers, no PID file.
    assert not (tmp_path / "var" / "logs" / "temporal.log").exists()
    assert not (tmp_path / "var" / "run" / "stack.json").exists()


def test_up_fails_fast_naming_a_taken_seaweedfs_port(tmp_path: Path) -> None:
    ports = UpPorts.pick()
    with held_ports(0) as (taken,):
        result = subprocess.run(
            [PYTHON, "-m", "cli", "up"], cwd=ROOT, capture_output=True, text=True, timeout=60,
            env=ports.env(tmp_path / "var", RECOVERY_SEAWEEDFS_PORTS=f"volume={taken}"),
        )
    assert result.returncode != 0
    assert f"SeaweedFS volume port {taken}" in result.stderr and "RECOVERY_SEAWEEDFS_PORTS" in result.stderr
    assert not (tmp_path / "var" / "logs" / "seaweedfs.log").exists()
