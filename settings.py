"""One settings object for the whole system, read from `RECOVERY_*` environment variables.

The same code runs locally (the stack `make run` starts under `var/`) and in production
(a Temporal cluster with TLS or an API key, AWS S3 or MinIO, PostgreSQL) through these
settings alone. In development, secrets that are not set (S3 credentials, the payload
encryption key) are created once under `var/` and shared by every local process; outside
development a missing secret is an error, never a default.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent
OLD_KEYS_VAR = "RECOVERY_ENCRYPTION_OLD_KEYS"


# An inherited listening socket for `python -m api` (set by `recovery up`, which binds the API port once).
API_SOCKET_FD_ENV = "RECOVERY_API_SOCKET_FD"
# What `recovery demo` prints once its matters are open (`recovery up` waits for it before its banner; the
# demo's scripted events play on after it).
DEMO_OPEN_MARK = "demo matters open"


class Settings(BaseSettings):
    """Every knob of the system. Env var = `RECOVERY_` + field name in upper case."""

    # hide_input_in_errors: a refused value may be a secret (a key), so errors never echo it.
    model_config = SettingsConfigDict(env_prefix="RECOVERY_", extra="ignore", hide_input_in_errors=True)

    environment: Literal["development", "production"] = "development"
    var_dir: Path = ROOT / "var"
    log_level: str = "INFO"

    # Temporal
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "matters"
    temporal_tls: bool = False
    temporal_tls_server_ca: Path | None = None
    temporal_tls_client_cert: Path | None = None
    temporal_tls_client_key: Path | None = None
    temporal_api_key: str | None = None
    temporal_ui_port: int = 8233
    # Where people open Temporal's Web UI (a matter page links there; its origin is the only one the API's
    # codec endpoint, `/codec`, answers across origins). Default http://127.0.0.1:<temporal_ui_port>.
    temporal_ui_url: str | None = None

    # S3 (endpoint None = AWS)
    s3_endpoint_url: str | None = "http://127.0.0.1:8333"
    s3_region: str = "us-east-1"
    s3_bucket: str = "recovery-evidence"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_object_lock_mode: Literal["GOVERNANCE", "COMPLIANCE"] = "GOVERNANCE"
    s3_object_lock_days: int = Field(default=30, ge=1)

    # Database: SQLite file under var/ by default; PostgreSQL e.g. postgresql+psycopg://u:p@host/db
    database_url: str | None = None

    # Payload encryption key: base64 of 32 random bytes
    encryption_key: str | None = None
    encryption_key_id: str = "k1"
    # Keys retired by a rotation, kept to read older histories: "id=base64key,id2=base64key"
    encryption_old_keys: str | None = None

    # Worker: what this process serves (see workers/main.py), render processes (0 = render in
    # threads of the worker), how many workflows to keep in memory between their tasks
    worker_role: Literal["all", "workflows", "letters"] = "all"
    render_processes: int | None = Field(default=None, ge=0)  # None: one per CPU
    # How much lower letter production's CPU priority is (nice): the letters worker process (render
    # processes included); a combined ("all") worker's render processes only. Intakes, reads first.
    render_niceness: int = Field(default=10, ge=0, le=19)
    worker_max_cached_workflows: int = Field(default=10_000, ge=0)
    # Temporal's workflow sandbox re-imports the workflow modules for every workflow it starts or
    # replays (about 30 ms of CPU each: a burst of matters starves the worker). The tests run every
    # workflow in the sandbox, which catches non-deterministic code; the worker process runs them
    # without it by default (see README, "Workers").
    workflow_sandbox: bool = False

    # API
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # Where people outside reach the API (the links in a law firm's instruction e-mail); default
    # http://<api_host>:<api_port>.
    public_url: str | None = None

    def api_url(self) -> str:
        return (self.public_url or f"http://{self.api_host}:{self.api_port}").rstrip("/")

    def temporal_ui(self) -> str:
        """Temporal's Web UI, as a manager's browser reaches it."""
        return (self.temporal_ui_url or f"http://127.0.0.1:{self.temporal_ui_port}").rstrip("/")

    # The local stack (`recovery up`): how many processes of each kind it runs and supervises. The API
    # processes share one listening socket (the launcher's), so any of them answers and the loss of
    # one loses nothing queued; worker processes share their task queues through Temporal.
    api_processes: int = Field(default=2, ge=1, le=32)
    workflow_processes: int = Field(default=1, ge=1, le=32)
    letter_processes: int = Field(default=1, ge=1, le=32)
    # Seconds before a dead child is started again (doubling on each death, up to 30 s).
    restart_delay: float = Field(default=1.0, gt=0, le=3600)

    # Escalation policies (*.yaml), validated when a process starts
    policy_dir: Path = ROOT / "policies"

    # E-mail reminders go out through this SMTP server (activities/notify.py). The default is the
    # local stack's own server (`recovery up` starts it when the host is this machine), which keeps
    # every message it receives under `<var_dir>/mail/` instead of delivering it.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=8025, ge=1, le=65535)
    smtp_from: str = "recovery@localhost"  # the envelope sender and From address (the creditor's name is shown)
    smtp_username: str | None = None  # both or neither; never sent in clear to another machine in production
    smtp_password: SecretStr | None = None
    # none: plain SMTP (the local server); starttls: upgrade on the submission port (587); ssl: TLS from
    # the first byte (465). Certificates are verified against the system's CAs.
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_timeout: float = Field(default=30.0, gt=0, le=600)  # seconds, for connecting and each reply

    # SMS: the gateway kind. `local` sends nothing: it appends what would be sent to a private file
    # (`sms_outbox`, default `<var_dir>/sms/outbox.jsonl`, mode 0600).
    sms_gateway: Literal["local"] = "local"
    sms_outbox: Path | None = None

    @field_validator(
        "s3_endpoint_url", "database_url", "encryption_key", "encryption_old_keys", "temporal_api_key",
        "s3_access_key_id", "s3_secret_access_key", "smtp_username", "smtp_password", "sms_outbox",
        "temporal_ui_url", mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `RECOVERY_S3_ENDPOINT_URL=` (empty) means "none": AWS S3 itself.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("encryption_old_keys")
    @classmethod
    def _old_keys_are_well_formed(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Refused when the process starts, not when the first old payload needs its key.
        if value is not None:
            parse_old_keys(value, current_id=info.data.get("encryption_key_id"))
        return value

    @field_validator("smtp_from")
    @classmethod
    def _smtp_from_is_an_address(cls, value: str) -> str:
        local, at, domain = value.strip().rpartition("@")
        if not (at and local and domain) or any(c.isspace() or c in "<>,;\"" for c in value.strip()):
            raise ValueError("RECOVERY_SMTP_FROM must be a bare e-mail address such as recovery@bank.example")
        return value.strip()

    @model_validator(mode="after")
    def _smtp_credentials_come_in_pairs(self) -> Settings:
        if (self.smtp_username is None) != (self.smtp_password is None):
            raise ValueError("set both RECOVERY_SMTP_USERNAME and RECOVERY_SMTP_PASSWORD, or neither")
        return self

    @model_validator(mode="after")
    def _production_needs_secrets(self) -> Settings:
        if self.environment == "production":
            missing = [
                name
                for name in ("encryption_key", "database_url")
                if not getattr(self, name)
            ]
            if self.s3_endpoint_url and not (self.s3_access_key_id and self.s3_secret_access_key):
                missing.append("s3_access_key_id/s3_secret_access_key")
            if missing:
                raise ValueError(
                    "production settings need explicit secrets: "
                    + ", ".join("RECOVERY_" + m.upper() for m in missing)
                )
            if self.smtp_password is not None and self.smtp_security == "none" and not _loopback(self.smtp_host):
                raise ValueError(
                    "RECOVERY_SMTP_PASSWORD would cross the network in clear: set RECOVERY_SMTP_SECURITY "
                    "to starttls or ssl"
                )
        return self

    # ---- derived values -------------------------------------------------
    @property
    def db_url(self) -> str:
        """The async SQLAlchemy URL (driver added when the user gave a bare one)."""
        url = self.database_url or f"sqlite+aiosqlite:///{self.var_dir / 'recovery.db'}"
        return async_db_url(url)

    def resolved(self) -> Settings:
        """A copy with local development secrets filled in from `var/secrets.json`."""
        if self.environment != "development":
            return self
        need = not (self.s3_access_key_id and self.s3_secret_access_key and self.encryption_key)
        if not need:
            return self
        local = local_secrets(self.var_dir)
        return self.model_copy(
            update={
                "s3_access_key_id": self.s3_access_key_id or local["s3_access_key_id"],
                "s3_secret_access_key": self.s3_secret_access_key or local["s3_secret_access_key"],
                "encryption_key": self.encryption_key or local["encryption_key"],
            }
        )

    @property
    def mail_dir(self) -> Path:
        """Where the local stack's SMTP server keeps the messages it receives (one `.eml` each)."""
        return Path(self.var_dir) / "mail"

    @property
    def sms_outbox_path(self) -> Path:
        """The file the `local` SMS gateway appends to (one JSON line per message)."""
        return self.sms_outbox or Path(self.var_dir) / "sms" / "outbox.jsonl"

    def encryption_key_bytes(self) -> bytes:
        if not self.encryption_key:
            raise ValueError("RECOVERY_ENCRYPTION_KEY is not set")
        key = base64.b64decode(self.encryption_key)
        if len(key) != 32:
            raise ValueError("RECOVERY_ENCRYPTION_KEY must be base64 of exactly 32 bytes")
        return key

    def encryption_old_keys_bytes(self) -> dict[str, bytes]:
        """The retired payload keys by id: they decrypt old payloads, never encrypt new ones."""
        if not self.encryption_old_keys:
            return {}
        return parse_old_keys(self.encryption_old_keys, current_id=self.encryption_key_id)


def parse_old_keys(value: str, *, current_id: str | None) -> dict[str, bytes]:
    """`id=base64key,id2=base64key` -> `{id: key}`, each key exactly 32 bytes.

    An error names the variable, the entry (by position) and the reason, and never shows a key:
    not even an id, since a key pasted without one would be read as an id.
    """
    keys: dict[str, bytes] = {}
    for n, entry in enumerate(value.split(","), start=1):
        key_id, sep, encoded = (part.strip() for part in entry.partition("="))
        where = f"{OLD_KEYS_VAR}: entry {n}"
        if not sep:
            raise ValueError(f"{where} is not of the form id=base64key")
        if not key_id:
            raise ValueError(f"{where} has an empty key id")
        if not encoded:  # e.g. a key pasted without an id: its '=' padding splits it
            raise ValueError(f"{where} has no key after its '=' (the form is id=base64key)")
        if key_id == current_id:
            raise ValueError(
                f"{where} has the id of the current key (RECOVERY_ENCRYPTION_KEY_ID); an old key needs its own id"
            )
        if key_id in keys:
            raise ValueError(f"{where} repeats the id of entry {list(keys).index(key_id) + 1}")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError:  # binascii.Error, or a character that is not ASCII
            raise ValueError(f"{where}: the key is not valid base64") from None
        if len(key) != 32:
            raise ValueError(f"{where}: the key is {len(key)} bytes; it must be base64 of exactly 32 bytes")
        keys[key_id] = key
    return keys


def _loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


def async_db_url(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url


def local_secrets(var_dir: Path) -> dict[str, str]:
    """Read, or create once, the development secrets under `var/` (mode 0600)."""
    path = Path(var_dir) / "secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    values = {
        "s3_access_key_id": "recovery" + secrets.token_hex(6),
        "s3_secret_access_key": secrets.token_urlsafe(30),
        "encryption_key": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(values, fh)
    try:
        # link() fails if another process won the race: then its file is the truth.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return json.loads(path.read_text())


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, secrets resolved."""
    return Settings().resolved()
