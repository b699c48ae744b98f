"""Start, health-check and stop the local servers: Temporal dev server, SeaweedFS and the SMTP server.

Used by the local stack (`recovery up`) and by the integration-test fixtures, so both run
exactly the same binaries with the same flags. Every process is started in its own process
group and stopped by PID (SIGTERM, then SIGKILL after a grace period), never by name.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import stat
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

# The matters' search attributes: registered on the namespace before any matter runs. DaysPastDue is
# written only by matters opened before workflow v2 (until they migrate); OverdueSince replaces it.
SEARCH_ATTRIBUTES = {
    "MatterStage": "Keyword",
    "OutstandingAmount": "Double",
    "OverdueSince": "Datetime",
    "NeedsAttention": "Bool",
    "DaysPastDue": "Int",
}


class ServiceError(RuntimeError):
    """A local server could not be started (port taken, binary missing, not healthy in time)."""


def find_binary(name: str) -> str:
    """The executable installed by a `-bin` wheel into this venv's scripts folder."""
    candidate = Path(sysconfig.get_path("scripts")) / name
    if candidate.exists():
        return str(candidate)
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if not found:
        raise ServiceError(f"binary {name!r} not found; run `make install` to install the locked dependencies")
    return found


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def require_free_ports(ports: dict[str, int], host: str = "127.0.0.1") -> None:
    taken = [f"{name} port {port}" for name, port in ports.items() if not port_free(port, host)]
    if taken:
        raise ServiceError(
            "already in use: " + ", ".join(taken) + " (stop what holds it, or choose another port in settings)"
        )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tcp_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as resp:  # noqa: S310 - loopback health check
            return 200 <= resp.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except (urllib.error.URLError, OSError):
        return False


def smtp_ok(port: int, host: str = "127.0.0.1") -> bool:
    """True when an SMTP server greets (220) on host:port; the probe says QUIT and sends no mail."""
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            greeting = sock.recv(512)
            sock.sendall(b"QUIT\r\n")
            return greeting.startswith(b"220")
    except OSError:
        return False


def _die_with_parent() -> None:
    """In the child, before exec: ask for SIGTERM when the parent dies (Linux only, else no-op)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


@dataclass
class Service:
    """One child process, started in its own process group."""

    name: str
    argv: list[str]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    ready: Callable[[], bool] | None = None
    ready_timeout: float = 30.0
    stop_timeout: float = 20.0
    cwd: Path | None = None
    # Linux: the kernel sends SIGTERM to the child if the starting process dies (even by
    # SIGKILL), so a crashed launcher leaves no orphan servers behind.
    die_with_parent: bool = False
    # File descriptors the child inherits (e.g. a listening socket several API processes share).
    pass_fds: tuple[int, ...] = ()
    process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self, wait: bool = True) -> Service:
        """Start the process; with `wait` (the default) block until `ready()` is true."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        env = {**os.environ, **self.env}
        self.process = subprocess.Popen(
            self.argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=self.cwd,
            start_new_session=True,
            preexec_fn=_die_with_parent if self.die_with_parent else None,
            pass_fds=self.pass_fds,
        )
        log.close()
        if wait and self.ready is not None:
            self.wait_ready()
        return self

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise ServiceError(
                    f"{self.name} exited with code {self.process.returncode} while starting; "
                    f"see {self.log_path}:\n{self.tail()}"
                )
            if self.ready is not None and self.ready():
                return
            time.sleep(0.1)
        self.stop()
        raise ServiceError(f"{self.name} was not ready after {self.ready_timeout:.0f}s; see {self.log_path}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM to the process group, wait, then SIGKILL; returns when the process is gone."""
        proc = self.process
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)
        # Children that escaped the wait (same group) are killed too.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def temporal_service(
    var_dir: Path,
    port: int = 7233,
    ui_port: int = 8233,
    namespace: str = "default",
    db_file: Path | None = None,
    log_path: Path | None = None,
    codec_endpoint: str | None = None,
) -> Service:
    """The Temporal dev server, file-backed (SQLite with WAL) so matters survive restarts.

    `codec_endpoint`: where its Web UI sends payloads to decode (the API's `/codec`, for managers; see
    api/routes/codec.py and the banner for the one browser setting the UI needs to send the login cookie).
    """
    db = db_file or (var_dir / "temporal.db")
    db.parent.mkdir(parents=True, exist_ok=True)
    argv = [
        find_binary("temporal"), "server", "start-dev",
        "--db-filename", str(db),
        "--sqlite-pragma", "journal_mode=wal",
        "--sqlite-pragma", "synchronous=normal",
        "--ip", "127.0.0.1",
        "--port", str(port),
        "--ui-port", str(ui_port),
        "--http-port", str(free_port()),
        "--metrics-port", str(free_port()),
        "--namespace", namespace,
        "--log-level", "warn",
    ]
    if codec_endpoint:
        argv += ["--ui-codec-endpoint", codec_endpoint]
    for name, kind in SEARCH_ATTRIBUTES.items():
        argv += ["--search-attribute", f"{name}={kind}"]
    return Service(
        name="temporal",
        argv=argv,
        log_path=log_path or (var_dir / "logs" / "temporal.log"),
        ready=lambda: tcp_open(port) and http_ok(f"http://127.0.0.1:{ui_port}/"),
        ready_timeout=60,
    )


@dataclass(frozen=True)
class SeaweedPorts:
    """Every port `weed mini` opens, set explicitly so none collides with another server."""

    s3: int = 8333
    master: int = 9333
    volume: int = 8080
    filer: int = 8888
    s3_grpc: int = 18333
    master_grpc: int = 19333
    volume_grpc: int = 18080
    filer_grpc: int = 18888
    admin: int = 23646
    admin_grpc: int = 33646

    def all(self) -> dict[str, int]:
        return {f"SeaweedFS {k.replace('_', ' ')}": v for k, v in self.__dict__.items()}

    def flags(self) -> list[str]:
        return [
            f"-s3.port={self.s3}", f"-s3.port.grpc={self.s3_grpc}",
            f"-master.port={self.master}", f"-master.port.grpc={self.master_grpc}",
            f"-volume.port={self.volume}", f"-volume.port.grpc={self.volume_grpc}",
            f"-filer.port={self.filer}", f"-filer.port.grpc={self.filer_grpc}",
            f"-admin.port={self.admin}", f"-admin.port.grpc={self.admin_grpc}",
        ]

    @classmethod
    def random(
        cls,
        s3: int | None = None,
        *,
        keep: Mapping[str, int] | None = None,
        avoid: Iterable[int] = (),
    ) -> SeaweedPorts:
        """Free ports for every server (keeping `s3` and the ports in `keep`), in SeaweedFS's layout.

        Parts of `weed mini` assume gRPC = HTTP port + 10000 whatever the flags say (its
        plugin worker dials the admin server there), so each pair keeps that offset: a kept
        HTTP port without its gRPC port gets HTTP + 10000 when that is free. The ports are
        drawn below the kernel's ephemeral range, where outgoing connections cannot take
        them between this check and the server's bind, and never from `avoid` (the ports of
        the other servers of the stack, free now but about to be taken).
        """
        kept = dict(keep or {})
        if s3 is not None:
            kept["s3"] = s3
        unknown = set(kept) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"not a SeaweedFS port: {', '.join(sorted(unknown))}")
        taken = set(avoid) | set(kept.values())
        bases = list(range(_PORT_POOL_LOW, _PORT_POOL_HIGH))
        random.SystemRandom().shuffle(bases)
        pool = iter(bases)

        def draw(pair: bool) -> int:
            for base in pool:
                wanted = {base, base + GRPC_OFFSET} if pair else {base}
                if not wanted & taken and all(port_free(p) for p in wanted):
                    taken.update(wanted)
                    return base
            raise ServiceError("could not find free ports for SeaweedFS")

        ports: dict[str, int] = {}
        for name in SEAWEED_SERVERS:
            http, grpc = kept.get(name), kept.get(f"{name}_grpc")
            if http is None:
                http = draw(pair=grpc is None)
                if grpc is None:
                    grpc = http + GRPC_OFFSET
            elif grpc is None:
                grpc = grpc_port_for(http, taken)
                taken.add(grpc)
            ports[name], ports[f"{name}_grpc"] = http, grpc
        return cls(**ports)


SEAWEED_SERVERS = ("s3", "master", "volume", "filer", "admin")  # each an HTTP + gRPC pair
GRPC_OFFSET = 10_000
_PORT_POOL_LOW = 20_000  # 20000-22767 and +10000: below the usual ephemeral range (32768-)
_PORT_POOL_HIGH = 22_768


def grpc_port_for(http_port: int, avoid: set[int] | None = None) -> int:
    """SeaweedFS's conventional gRPC port (HTTP + 10000), or a free one when that is impossible."""
    avoid = avoid or set()
    candidate = http_port + GRPC_OFFSET
    if candidate <= 65535 and candidate not in avoid and port_free(candidate):
        return candidate
    while True:
        port = free_port()
        if port not in avoid and port != http_port:
            return port


def seaweedfs_service(
    var_dir: Path,
    access_key: str,
    secret_key: str,
    ports: SeaweedPorts | None = None,
    data_dir: Path | None = None,
    log_path: Path | None = None,
) -> Service:
    """SeaweedFS `weed mini`: a real S3 server, credentials always set."""
    ports = ports or SeaweedPorts()
    data = data_dir or (var_dir / "s3")
    data.mkdir(parents=True, exist_ok=True)
    argv = [
        find_binary("weed"), "mini",
        f"-dir={data}",
        "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        "-master.telemetry=false", "-webdav=false", "-admin.ui=false",
        "-s3.port.iceberg=0", "-s3.port.lance=0",
        *ports.flags(),
        "-volume.max=1000", "-master.volumeSizeLimitMB=64",
    ]
    return Service(
        name="seaweedfs",
        argv=argv,
        env={"AWS_ACCESS_KEY_ID": access_key, "AWS_SECRET_ACCESS_KEY": secret_key},
        log_path=log_path or (var_dir / "logs" / "seaweedfs.log"),
        ready=lambda: tcp_open(ports.s3) and http_ok(f"http://127.0.0.1:{ports.s3}/"),
        ready_timeout=60,
        stop_timeout=20,
    )


PROJECT_ROOT = Path(__file__).resolve().parent.parent


def smtp_service(
    var_dir: Path,
    port: int,
    host: str = "127.0.0.1",
    mail_dir: Path | None = None,
    log_path: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Service:
    """The local SMTP server (`infra.smtp_server`, aiosmtpd): keeps every message under `mail_dir`, sends none."""
    mail = mail_dir or (var_dir / "mail")
    mail.mkdir(mode=0o700, parents=True, exist_ok=True)
    pythonpath = os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return Service(
        name="smtp",
        argv=[sys.executable, "-m", "infra.smtp_server", "--host", host, "--port", str(port), "--dir", str(mail)],
        log_path=log_path or (var_dir / "logs" / "smtp.log"),
        env={"PYTHONPATH": pythonpath, "PYTHONUNBUFFERED": "1", **(env or {})},
        cwd=PROJECT_ROOT,
        ready=lambda: smtp_ok(port, host),
        ready_timeout=30,
        stop_timeout=10,
    )


def listening_socket(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A TCP socket listening on host:port that child processes may inherit."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host or "0.0.0.0", port))
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        raise ServiceError(f"cannot listen on the API port {host}:{port} (RECOVERY_API_PORT): {exc}") from None
    sock.set_inheritable(True)
    return sock


def secure_tree(root: Path) -> None:
    """`root` and everything under it readable by its owner only: directories 0700, files 0600 (or 0700).

    `var/` holds borrowers' names and ID numbers (the SQLite database), the letters (SeaweedFS
    volumes), logs and local secrets. Creating it under umask 077 covers what is new; this
    tightens what an earlier run (or an older version) left group- or world-readable.
    """
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    for path in [root, *root.rglob("*")]:
        try:
            st = path.lstat()
        except FileNotFoundError:  # removed while we walked
            continue
        if stat.S_ISLNK(st.st_mode) or st.st_uid != os.getuid():
            continue
        mode = stat.S_IMODE(st.st_mode)
        if mode & 0o077:
            path.chmod(mode & 0o700)
