"""The plan of the local stack (`recovery up`): what to start here and on which ports. Pure: no process
is started, only ports are looked at (`StackPlan.check_ports`). Unit-tested in `tests/infra/test_stack.py`.

Imports: settings, stdlib and `infra.services` only (see DESIGN.md).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from infra.services import GRPC_OFFSET, SeaweedPorts, ServiceError, grpc_port_for, port_free
from settings import Settings

SEAWEEDFS_PORTS_ENV = "RECOVERY_SEAWEEDFS_PORTS"
SEAWEEDFS_AUTO = "auto"  # free ports for SeaweedFS's internal servers (the default)
SEAWEEDFS_FIXED = frozenset({"fixed", "defaults"})  # SeaweedFS's classic ports (9333, 8080, 8888 ...)
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


# ---------------------------------------------------------------------------------------
# The plan: what to start and on which ports (pure, unit-tested)
# ---------------------------------------------------------------------------------------
def is_local_host(host: str | None) -> bool:
    return bool(host) and (host in LOCAL_HOSTS or str(host).startswith("127."))


def split_host_port(address: str) -> tuple[str, int]:
    """`host:port` (IPv6 in brackets) -> (host, port); a missing or bad port is an error."""
    parts = urlsplit("//" + address)
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or port is None:
        raise ServiceError(f"cannot read host:port from {address!r}")
    return parts.hostname, port


def plan_seaweed_ports(
    s3_port: int, spec: str | None, avoid: Iterable[int] = ()
) -> tuple[SeaweedPorts, frozenset[str]]:
    """SeaweedFS's ports, and the names of those RECOVERY_SEAWEEDFS_PORTS fixed (the rest were picked).

    S3 comes from the endpoint URL. The internal ports are free ones (never one in `avoid`:
    the other servers' ports) unless `spec` names them, or says `fixed` for SeaweedFS's classic
    layout. A named HTTP port brings its gRPC port along at HTTP + 10000 unless named too.
    """
    names = [f.name for f in dataclasses.fields(SeaweedPorts) if f.name != "s3"]
    fixed: bool | None = None
    overrides: dict[str, int] = {}
    for item in (spec or "").split(","):
        item = item.strip()
        if not item:
            continue
        if item.lower() == SEAWEEDFS_AUTO or item.lower() in SEAWEEDFS_FIXED:
            wants_fixed = item.lower() in SEAWEEDFS_FIXED
            if fixed is not None and fixed != wants_fixed:
                raise ServiceError(f"{SEAWEEDFS_PORTS_ENV}: say either 'auto' or 'fixed', not both")
            fixed = wants_fixed
            continue
        name, sep, value = item.partition("=")
        name = name.strip().lower().replace("-", "_").replace(".", "_")
        if not sep or name not in names or not value.strip().isdigit():
            raise ServiceError(
                f"{SEAWEEDFS_PORTS_ENV}: cannot read {item!r}; use 'auto' (the default: free ports), "
                f"'fixed' (SeaweedFS's classic ports) and/or name=port pairs with names from: {', '.join(names)}"
            )
        port = int(value)
        if not 1 <= port <= 65535:
            raise ServiceError(f"{SEAWEEDFS_PORTS_ENV}: {item!r}: a port is a number from 1 to 65535")
        overrides[name] = port
    for name in list(overrides):
        grpc_name = f"{name}_grpc"
        if grpc_name in names and grpc_name not in overrides:
            grpc = overrides[name] + GRPC_OFFSET
            if grpc > 65535:
                raise ServiceError(
                    f"{SEAWEEDFS_PORTS_ENV}: {name}={overrides[name]} puts its gRPC port at {grpc} "
                    f"(SeaweedFS uses HTTP + {GRPC_OFFSET}); choose a port up to {65535 - GRPC_OFFSET}, "
                    f"or set {grpc_name} too"
                )
            overrides[grpc_name] = grpc
    if not fixed:
        return SeaweedPorts.random(s3=s3_port, keep=overrides, avoid=avoid), frozenset(overrides)
    classic = SeaweedPorts()
    if s3_port != classic.s3:
        # Keep SeaweedFS's convention (gRPC = HTTP + 10000) for a moved S3 port.
        classic = dataclasses.replace(classic, s3=s3_port, s3_grpc=grpc_port_for(s3_port))
    return dataclasses.replace(classic, **overrides), frozenset(names)


def seaweed_ports(s3_port: int, spec: str | None, avoid: Iterable[int] = ()) -> SeaweedPorts:
    """SeaweedFS's ports: S3 from the endpoint URL, the others per RECOVERY_SEAWEEDFS_PORTS."""
    return plan_seaweed_ports(s3_port, spec, avoid)[0]


def seaweed_label(name: str) -> str:
    """A `SeaweedPorts` field as the user reads it in messages: `S3 (SeaweedFS)`, `SeaweedFS master grpc`."""
    return "S3 (SeaweedFS)" if name == "s3" else f"SeaweedFS {name.replace('_', ' ')}"


@dataclass(frozen=True)
class StackPlan:
    """What `up` starts, and every port it will listen on."""

    var_dir: Path
    temporal_port: int | None  # None: Temporal is remote, not started here
    temporal_ui_port: int | None
    seaweed: SeaweedPorts | None  # None: S3 is remote (or AWS), not started here
    api_host: str
    api_port: int
    # SeaweedFS's internal ports that RECOVERY_SEAWEEDFS_PORTS fixed; the others were picked free.
    seaweed_fixed: frozenset[str] = frozenset()
    # The local SMTP server (keeps mail under var/mail); None: RECOVERY_SMTP_HOST is another machine.
    smtp_port: int | None = None
    smtp_host: str = "127.0.0.1"

    @property
    def mail_dir(self) -> Path:
        return self.var_dir / "mail"

    @property
    def log_dir(self) -> Path:
        return self.var_dir / "logs"

    @property
    def run_dir(self) -> Path:
        return self.var_dir / "run"

    @property
    def api_url(self) -> str:
        host = "127.0.0.1" if self.api_host in ("0.0.0.0", "::", "") else self.api_host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.api_port}"

    @property
    def codec_endpoint(self) -> str | None:
        """Where the local Temporal Web UI decodes payloads: the API's codec (managers only); None when
        Temporal is not started here."""
        return None if self.temporal_ui_port is None else self.api_url + "/codec"

    def local_ports(self) -> dict[str, int]:
        """Ports on 127.0.0.1, by a name a user recognises in an error message."""
        return {label: port for label, port, _ in self._ports_on_loopback()}

    def _ports_on_loopback(self) -> list[tuple[str, int, str]]:
        """(name, port, where it comes from) of every port on 127.0.0.1."""
        ports: list[tuple[str, int, str]] = []
        if self.temporal_port is not None and self.temporal_ui_port is not None:
            ports.append(("Temporal gRPC", self.temporal_port, "set by RECOVERY_TEMPORAL_ADDRESS"))
            ports.append(("Temporal Web UI", self.temporal_ui_port, "set by RECOVERY_TEMPORAL_UI_PORT"))
        if self.seaweed is not None:
            for field in dataclasses.fields(SeaweedPorts):
                name, port = field.name, getattr(self.seaweed, field.name)
                http = name.removesuffix("_grpc")
                if name == "s3":
                    origin = "set by RECOVERY_S3_ENDPOINT_URL"
                elif name not in self.seaweed_fixed:
                    origin = "picked free by `recovery up` and taken since: run it again"
                elif http != name and http in self.seaweed_fixed and port == getattr(self.seaweed, http) + GRPC_OFFSET:
                    origin = f"set by {SEAWEEDFS_PORTS_ENV}: the {http} port + {GRPC_OFFSET}"
                else:
                    origin = f"set by {SEAWEEDFS_PORTS_ENV}"
                ports.append((seaweed_label(name), port, origin))
        if self.smtp_port is not None:
            ports.append(("SMTP (local mail server)", self.smtp_port, "set by RECOVERY_SMTP_PORT"))
        return ports

    def check_ports(self) -> None:
        """Fail fast, naming the port, what it is for and its setting: a port used twice, or taken."""
        everything = {**self.local_ports(), "API": self.api_port}
        by_port: dict[int, list[str]] = {}
        for name, port in everything.items():
            by_port.setdefault(port, []).append(name)
        clashes = [f"port {p} is configured for both {' and '.join(n)}" for p, n in by_port.items() if len(n) > 1]
        if clashes:
            raise ServiceError("; ".join(clashes) + " (change one in the settings)")
        taken = [f"{name} port {port} ({origin})" for name, port, origin in self._ports_on_loopback()
                 if not port_free(port)]
        if not port_free(self.api_port, self.api_host or "127.0.0.1"):
            taken.append(f"API port {self.api_port} on {self.api_host} (set by RECOVERY_API_PORT)")
        if taken:
            hint = ""
            if any(SEAWEEDFS_PORTS_ENV in item for item in taken):
                hint = f" Without {SEAWEEDFS_PORTS_ENV}, SeaweedFS's internal ports are picked free."
            raise ServiceError(
                "already in use: " + "; ".join(taken) + ". Stop what holds it, or change the setting named." + hint
            )


def plan_stack(settings: Settings, env: Mapping[str, str] | None = None) -> StackPlan:
    """Read the settings into a plan; servers on other machines are used, not started."""
    env = os.environ if env is None else env
    temporal_host, temporal_port = split_host_port(settings.temporal_address)
    local_temporal = is_local_host(temporal_host) and not settings.temporal_tls
    seaweed: SeaweedPorts | None = None
    seaweed_fixed: frozenset[str] = frozenset()
    smtp_port = plan_smtp(settings)
    # SeaweedFS must not pick a port that the other servers are about to take.
    others = {settings.api_port, *((temporal_port, settings.temporal_ui_port) if local_temporal else ()),
              *((smtp_port,) if smtp_port is not None else ())}
    if settings.s3_endpoint_url:
        url = urlsplit(settings.s3_endpoint_url)
        if is_local_host(url.hostname):
            if url.scheme != "http":
                raise ServiceError(
                    f"the local S3 server speaks plain http; RECOVERY_S3_ENDPOINT_URL is {settings.s3_endpoint_url}"
                )
            seaweed, seaweed_fixed = plan_seaweed_ports(url.port or 80, env.get(SEAWEEDFS_PORTS_ENV), others)
    return StackPlan(
        var_dir=Path(settings.var_dir).resolve(),
        temporal_port=temporal_port if local_temporal else None,
        temporal_ui_port=settings.temporal_ui_port if local_temporal else None,
        seaweed=seaweed,
        api_host=settings.api_host,
        api_port=settings.api_port,
        seaweed_fixed=seaweed_fixed,
        smtp_port=smtp_port,
        # "localhost" may resolve to ::1 first; clients fall back to 127.0.0.1, where the server listens.
        smtp_host="127.0.0.1" if settings.smtp_host == "localhost" else settings.smtp_host,
    )


def plan_smtp(settings: Settings) -> int | None:
    """The port of the SMTP server to start here, or None when RECOVERY_SMTP_HOST is another machine.

    The local server speaks plain SMTP without a login (it keeps mail, it delivers none), so settings
    that ask for TLS or credentials on this machine are refused here rather than at the first reminder.
    """
    if not is_local_host(settings.smtp_host):
        return None
    if settings.smtp_security != "none":
        raise ServiceError(
            f"the local SMTP server speaks plain SMTP; RECOVERY_SMTP_SECURITY is {settings.smtp_security} "
            "(use none, or point RECOVERY_SMTP_HOST at your mail server)"
        )
    if settings.smtp_username is not None:
        raise ServiceError(
            "the local SMTP server takes no login; unset RECOVERY_SMTP_USERNAME and RECOVERY_SMTP_PASSWORD "
            "(or point RECOVERY_SMTP_HOST at your mail server)"
        )
    return settings.smtp_port


def masked_url(url: str) -> str:
    """A database URL fit to print: the password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    userinfo = netloc[0].split(":", 1)[0] + ":***"
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{netloc[1]}"))
