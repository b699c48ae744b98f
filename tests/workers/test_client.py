"""The client factory: production endpoints through settings alone (TLS, API key)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from pydantic import ValidationError
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


# ---- old payload keys (RECOVERY_ENCRYPTION_OLD_KEYS), kept after a rotation -----------------------
OLD_A = base64.b64encode(bytes(range(32))).decode()
OLD_B = base64.b64encode(bytes(range(50, 82))).decode()


def test_old_keys_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECOVERY_ENCRYPTION_KEY", KEY)
    monkeypatch.setenv("RECOVERY_ENCRYPTION_KEY_ID", "k3")
    monkeypatch.setenv("RECOVERY_ENCRYPTION_OLD_KEYS", f" k1={OLD_A} , k2 = {OLD_B}")
    s = Settings()
    assert s.encryption_old_keys_bytes() == {"k1": bytes(range(32)), "k2": bytes(range(50, 82))}
    monkeypatch.setenv("RECOVERY_ENCRYPTION_OLD_KEYS", "")  # empty: no old keys
    assert Settings().encryption_old_keys_bytes() == {}
    monkeypatch.delenv("RECOVERY_ENCRYPTION_OLD_KEYS")
    assert Settings().encryption_old_keys_bytes() == {}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        # A key pasted without an id: its '=' padding splits it.
        pytest.param(OLD_A, "entry 1 has no key after its '='", id="key-without-id"),
        pytest.param(OLD_A.rstrip("="), "entry 1 is not of the form id=base64key", id="no-equals"),
        pytest.param("k0=", "entry 1 has no key after its '='", id="no-key"),
        pytest.param(f"={OLD_A}", "entry 1 has an empty key id", id="empty-id"),
        pytest.param(f"k0={OLD_A},", "entry 2 is not of the form id=base64key", id="empty-entry"),
        pytest.param(
            f"k0={OLD_A},k7={OLD_A}",
            "entry 2 has the id of the current key (RECOVERY_ENCRYPTION_KEY_ID)",
            id="current-id",
        ),
        pytest.param(f"k0={OLD_A},k1={OLD_B},k0={OLD_B}", "entry 3 repeats the id of entry 1", id="repeated-id"),
        pytest.param(f"k0={OLD_A[:-2]}!=", "entry 1: the key is not valid base64", id="not-base64"),
        pytest.param(f"k0={OLD_A[:-6]}", "entry 1: the key is not valid base64", id="bad-padding"),
        pytest.param("k0=" + base64.b64encode(bytes(range(31))).decode(), "entry 1: the key is 31 bytes", id="short"),
        pytest.param("k0=" + base64.b64encode(bytes(range(33))).decode(), "entry 1: the key is 33 bytes", id="long"),
    ],
)
def test_bad_old_keys_are_refused_at_start_without_showing_a_key(
    monkeypatch: pytest.MonkeyPatch, value: str, reason: str
) -> None:
    monkeypatch.setenv("RECOVERY_ENCRYPTION_KEY", KEY)
    monkeypatch.setenv("RECOVERY_ENCRYPTION_KEY_ID", "k7")
    monkeypatch.setenv("RECOVERY_ENCRYPTION_OLD_KEYS", value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    message = str(refused.value)
    assert "RECOVERY_ENCRYPTION_OLD_KEYS" in message and reason in message, message
    for key in (OLD_A, OLD_B):
        assert key[:16] not in message, message
    assert value not in message and "input_value" not in message, message


def test_old_keys_given_directly_are_checked_too() -> None:
    with pytest.raises(ValidationError, match="has the id of the current key"):
        Settings(encryption_key=KEY, encryption_key_id="k1", encryption_old_keys=f"k1={OLD_A}")
    s = Settings(encryption_key=KEY, encryption_key_id="k2", encryption_old_keys=f"k1={OLD_A}")
    assert s.resolved().encryption_old_keys_bytes() == {"k1": bytes(range(32))}
