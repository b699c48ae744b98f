"""The production deployment files, validated statically and offline.

- Kubernetes manifests against the API's published JSON schemas (bundled in `kubernetes-validate`),
  strict: an unknown or misspelt field fails.
- The Compose file against the Compose specification's JSON schema (`deploy/schemas/compose-spec.json`,
  from compose-spec/compose-spec, Apache-2.0).
- Every `RECOVERY_*` variable they set is a setting `settings.py` knows; every secret comes from a
  Secret (Kubernetes) or from `secrets.env`, which is not in git (Compose); no value of a secret is
  written in any file.
- Reminders: the settings they give are valid production settings whose e-mail goes to a mail relay
  over TLS, never to the local stack's default server (127.0.0.1:8025, absent in a container).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from settings import ROOT, Settings

DEPLOY = ROOT / "deploy"
K8S_VERSION = "1.30.0"
SECRET_SETTINGS = {"RECOVERY_DATABASE_URL", "RECOVERY_S3_ACCESS_KEY_ID", "RECOVERY_S3_SECRET_ACCESS_KEY",
                   "RECOVERY_ENCRYPTION_KEY", "RECOVERY_ENCRYPTION_OLD_KEYS", "RECOVERY_TEMPORAL_API_KEY",
                   "RECOVERY_SMTP_USERNAME", "RECOVERY_SMTP_PASSWORD"}
KNOWN = {f"RECOVERY_{name.upper()}" for name in Settings.model_fields}


def _k8s_docs() -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((DEPLOY / "kubernetes" / "recovery.yaml").read_text()) if d]


def _compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose" / "compose.yaml").read_text())  # type: ignore[no-any-return]


@pytest.mark.parametrize("doc", _k8s_docs(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_each_kubernetes_manifest_is_valid_against_the_api_schema(doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_a_misspelt_kubernetes_field_is_caught() -> None:  # the validation above can fail
    deployment = next(d for d in _k8s_docs() if d["kind"] == "Deployment")
    broken = json.loads(json.dumps(deployment))
    broken["spec"]["replica"] = 2
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSION, strict=True)


def _compose_errors(doc: dict[str, Any]) -> list[str]:
    schema = json.loads((DEPLOY / "schemas" / "compose-spec.json").read_text())
    validator = jsonschema.Draft201909Validator(schema)
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(doc)]


def test_the_compose_file_is_valid_against_the_compose_specification() -> None:
    assert _compose_errors(_compose()) == []
    broken = _compose()
    broken["services"]["api"]["restart"] = ["always"]
    assert _compose_errors(broken)  # the schema does catch a wrong shape


def _k8s_env() -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = []
    for doc in _k8s_docs():
        if doc["kind"] == "ConfigMap":
            env += [{"name": k, "value": v} for k, v in doc["data"].items()]
        pod = doc.get("spec", {}).get("template", {}).get("spec")
        for container in (pod or {}).get("containers", []):
            env += container.get("env", [])
    return env


def test_kubernetes_settings_are_known_and_secrets_come_from_a_secret() -> None:
    env = _k8s_env()
    names = {e["name"] for e in env}
    assert names <= KNOWN, names - KNOWN
    for e in env:
        if e["name"] in SECRET_SETTINGS:
            assert "value" not in e and e["valueFrom"]["secretKeyRef"]["name"] == "recovery-secrets", e
    workers = [d for d in _k8s_docs() if d["kind"] == "Deployment"]
    for d in workers:  # every process can read and write what it must
        container = d["spec"]["template"]["spec"]["containers"][0]
        given = {e["name"] for e in container.get("env", [])}
        assert {"RECOVERY_DATABASE_URL", "RECOVERY_ENCRYPTION_KEY", "RECOVERY_S3_SECRET_ACCESS_KEY"} <= given, d
    assert {d["metadata"]["name"]: d["spec"]["replicas"] for d in workers} == {
        "recovery-api": 3, "recovery-worker": 2, "recovery-letters": 3}  # several of each: any one may go


def test_compose_settings_are_known_and_secrets_only_in_the_untracked_env_file() -> None:
    compose = _compose()
    for name, service in compose["services"].items():
        if not str(service.get("image", "")).startswith("${RECOVERY_IMAGE"):
            continue
        env = service.get("environment", {})
        assert set(env) <= KNOWN, (name, set(env) - KNOWN)
        assert not set(env) & SECRET_SETTINGS, name
        assert service["env_file"] == ["secrets.env"], name
    example = (DEPLOY / "compose" / "secrets.env.example").read_text()
    listed = set(re.findall(r"^(RECOVERY_[A-Z_0-9]+)=", example, re.M))
    assert SECRET_SETTINGS - {"RECOVERY_TEMPORAL_API_KEY"} <= listed
    assert "deploy/compose/secrets.env" in (ROOT / ".gitignore").read_text().splitlines()


def _deployed_settings(monkeypatch: pytest.MonkeyPatch, values: dict[str, Any]) -> Settings:
    """The settings a process of the deployment reads: the file's values, secrets filled with stand-ins."""
    for name in KNOWN:
        monkeypatch.delenv(name, raising=False)
    stand_ins = {"RECOVERY_DATABASE_URL": "postgresql://recovery:x@db/recovery", "RECOVERY_S3_ACCESS_KEY_ID": "a",
                 "RECOVERY_S3_SECRET_ACCESS_KEY": "b", "RECOVERY_ENCRYPTION_KEY": "A" * 43 + "=",
                 "RECOVERY_SMTP_USERNAME": "relay-user", "RECOVERY_SMTP_PASSWORD": "relay-password"}
    for name, value in {**stand_ins, **values}.items():
        monkeypatch.setenv(name, str(value))
    return Settings()


@pytest.mark.parametrize("where", ["kubernetes", "compose"])
def test_reminders_go_to_a_mail_relay_over_tls_not_to_the_local_default(
    monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    if where == "kubernetes":
        values = next(d for d in _k8s_docs() if d["kind"] == "ConfigMap")["data"]
    else:
        values = _compose()["services"]["worker"]["environment"]
    settings = _deployed_settings(monkeypatch, values)  # valid, with a relay login (sent over TLS only)
    assert settings.environment == "production"
    assert settings.smtp_host != Settings.model_fields["smtp_host"].default
    assert not settings.smtp_host.startswith("127.") and settings.smtp_host != "localhost"
    assert settings.smtp_security in ("starttls", "ssl") and settings.smtp_port in (587, 465)
    assert "@" in settings.smtp_from and settings.smtp_from != Settings.model_fields["smtp_from"].default
    # The only SMS gateway records and sends nothing; its file must be writable in the image (not /app).
    assert settings.sms_gateway == "local" and str(settings.sms_outbox_path).startswith("/tmp/")


def test_no_file_holds_a_secret_value() -> None:
    for path in [*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.example")]:
        text = path.read_text()
        for line in text.splitlines():
            m = re.match(r"\s*(\w*(?:PASSWORD|SECRET|_KEY|PWD)\w*)\s*[:=]\s*(\S*)", line)
            if m and m.group(2) and not m.group(2).startswith(("${", "{secretKeyRef", "valueFrom")):
                assert m.group(1) in {"RECOVERY_ENCRYPTION_KEY_ID", "existingSecret"} or m.group(2) in ("", "k1"), (
                    f"{path}: {line.strip()}")


def test_the_temporal_values_use_postgresql_and_nothing_else() -> None:
    values = yaml.safe_load((DEPLOY / "kubernetes" / "temporal-values.yaml").read_text())
    persistence = values["server"]["config"]["persistence"]
    for store in ("default", "visibility"):
        assert persistence[store]["driver"] == "sql" and persistence[store]["sql"]["driver"] == "postgres12"
        assert persistence[store]["sql"]["existingSecret"] and "password" not in persistence[store]["sql"]
    assert not any(values[x]["enabled"] for x in ("cassandra", "mysql", "postgresql", "elasticsearch"))


def test_the_image_runs_as_an_unprivileged_user() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^USER recovery$", dockerfile, re.M) and "RECOVERY_ENVIRONMENT=production" in dockerfile
    assert Path(DEPLOY / "README.md").exists()
