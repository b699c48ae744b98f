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

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent


class Settings(BaseSettings):
    """Every knob of the system. Env var = `RECOVERY_` + field name in upper case."""

    model_config = SettingsConfigDict(env_prefix="RECOVERY_", extra="ignore")

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

    # API
    api_host: str = "127.0.0.1"
    api_port: int = 8000

    @field_validator(
        "s3_endpoint_url", "database_url", "encryption_key", "temporal_api_key",
        "s3_access_key_id", "s3_secret_access_key", mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `RECOVERY_S3_ENDPOINT_URL=` (empty) means "none": AWS S3 itself.
        return None if isinstance(value, str) and not value.strip() else value

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

    def encryption_key_bytes(self) -> bytes:
        if not self.encryption_key:
            raise ValueError("RECOVERY_ENCRYPTION_KEY is not set")
        key = base64.b64decode(self.encryption_key)
        if len(key) != 32:
            raise ValueError("RECOVERY_ENCRYPTION_KEY must be base64 of exactly 32 bytes")
        return key


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
