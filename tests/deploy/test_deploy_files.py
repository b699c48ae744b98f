"""The production deployment files, validated statically and offline.

- Kubernetes manifests against the API's published JSON schemas (bundled in `kubernetes-validate`),
  strict: an unknown or misspelt field fails.
- The Compose file against the Compose specification's JSON schema (`deploy/schemas/compose-spec.json`,
  from compose-spec/compose-spec, Apache-2.0).
- Every `RECOVERY_*` variable they set is a setting `settings.py` knows; every secret comes from a
  Secret (Kubernetes) or from `secrets.env`, which is not in git (Compose); no value of a secret is
  written in any file.
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
                   "RECOVERY_ENCRYPTION_KEY", "RECOVERY_ENCRYPTION_OLD_KEYS", "RECOVERY_TEMPORAL_API_KEY"}
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
