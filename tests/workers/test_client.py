"""The client factory: production endpoints through settings alone (TLS, API key)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from temporalio.client import TLSConfig

from settings import Settings
from workers.client import _tls

KEY = base64.b64encode(b"k" * 32).decode()


def test_local_dev_server_has_no_tls() -> None:
    assert _tls(Settings(encryption_key=KEY)) is False


def test_mtls_reads_the_certificate_files(tmp_path: Path) -> None:
    ca, cert, key = (tmp_path / n for n in ("ca.pem", "client.pem", "client.key"))
    for p in (ca, cert, key):
        p.write_bytes(p.name.encode())
    tls = _tls(Settings(encryption_key=KEY, temporal_tls=True, temporal_tls_server_ca=ca,
                        temporal_tls_client_cert=cert, temporal_tls_client_key=key))
    assert isinstance(tls, TLSConfig)
    assert (tls.server_root_ca_cert, tls.client_cert, tls.client_private_key) == (
        b"ca.pem", b"client.pem", b"client.key")


def test_production_refuses_missing_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="RECOVERY_ENCRYPTION_KEY.*RECOVERY_DATABASE_URL"):
        Settings(environment="production")
    ok = Settings(environment="production", encryption_key=KEY, database_url="postgresql://db/x",
                  s3_endpoint_url=None)
    assert ok.db_url == "postgresql+psycopg://db/x"
    # Production never falls back to secrets generated under var/.
    assert ok.resolved() is ok


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RECOVERY_TEMPORAL_ADDRESS", "temporal.example:7233")
    monkeypatch.setenv("RECOVERY_TEMPORAL_API_KEY", "secret")
    monkeypatch.setenv("RECOVERY_S3_ENDPOINT_URL", "")
    monkeypatch.setenv("RECOVERY_VAR_DIR", str(tmp_path))
    s = Settings().resolved()
    assert s.temporal_address == "temporal.example:7233" and s.temporal_api_key == "secret"
    assert s.s3_endpoint_url is None  # empty means AWS S3 itself
    # Development secrets are created once under var/ and reused by every process.
    again = Settings().resolved()
    assert s.encryption_key == again.encryption_key and len(s.encryption_key_bytes()) == 32
    assert (tmp_path / "secrets.json").stat().st_mode & 0o777 == 0o600
