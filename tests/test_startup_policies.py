"""A bad policy file stops every process that opens matters, at start, naming file, field and reason.

The worker (`run_worker` and `python -m workers.main`), the API (`create_app`, `python -m api`)
and the CLI commands that open matters (`demo`, `import`) all load and check the policy
directory (RECOVERY_POLICY_DIR) before they connect to anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import cli
from api.app import create_app
from infra.services import free_port
from settings import ROOT, Settings
from store.policies import PolicyError
from tests.domain.test_intake_csv import CN_ROW, HEADER


@dataclass(frozen=True)
class BadPolicies:
    directory: Path
    line: str  # the refusal's line: file, field, reason


@pytest.fixture
def bad(tmp_path: Path) -> BadPolicies:
    """The shipped policies, with two steps of the demo ladder on the same day."""
    directory = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", directory)
    path = directory / "demo.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["ladder"][2]["day"] = data["ladder"][1]["day"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    day = data["ladder"][1]["day"]
    return BadPolicies(
        directory,
        f"{path}: ladder[2].day: {day} is not after the previous step's day {day}: "
        "two steps on the same day are not allowed (ladder days must strictly ascend)",
    )


def local_settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(var_dir=tmp_path / "var", environment="development", **values)  # type: ignore[arg-type]


def process_env(tmp_path: Path, policy_dir: Path) -> dict[str, str]:
    """A child's environment: the bad policies, a private var/, and a Temporal nobody listens on."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECOVERY_")}
    env.update(
        PYTHONPATH=str(ROOT),
        RECOVERY_POLICY_DIR=str(policy_dir),
        RECOVERY_VAR_DIR=str(tmp_path / "var"),
        RECOVERY_TEMPORAL_ADDRESS=f"127.0.0.1:{free_port()}",
        RECOVERY_API_PORT=str(free_port()),
    )
    return env


class Reached(Exception):
    """Raised by a stand-in for the first network step: the check did not stop the start."""


# ---- worker --------------------------------------------------------------------------------------
async def test_run_worker_refuses_before_connecting(
    tmp_path: Path, bad: BadPolicies, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workers.main  # here: it imports the whole worker (every workflow and activity)
    from workers.main import run_worker

    async def connect(*args: object, **kwargs: object) -> None:
        raise Reached

    monkeypatch.setattr(workers.main, "connect", connect)
    with pytest.raises(PolicyError) as err:
        await run_worker(local_settings(tmp_path, policy_dir=bad.directory))
    assert str(err.value) == bad.line
    # Good policies: the worker goes on to connect (here: the stand-in).
    with pytest.raises(Reached):
        await run_worker(local_settings(tmp_path))


def test_the_worker_process_exits_with_the_message(tmp_path: Path, bad: BadPolicies) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "workers.main"], cwd=ROOT, env=process_env(tmp_path, bad.directory),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert bad.line in result.stderr.splitlines()
    assert "Traceback" not in result.stderr  # an expected refusal, not a crash
    assert "cannot" not in result.stderr.lower() and "connect" not in result.stderr.lower()


# ---- API -----------------------------------------------------------------------------------------
def test_create_app_refuses_a_bad_policy_directory(tmp_path: Path, bad: BadPolicies) -> None:
    with pytest.raises(PolicyError) as err:
        create_app(local_settings(tmp_path, policy_dir=bad.directory))
    assert str(err.value) == bad.line
    create_app(local_settings(tmp_path))  # the shipped policies: the app is built


def test_the_api_process_exits_with_the_message(tmp_path: Path, bad: BadPolicies) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "api"], cwd=ROOT, env=process_env(tmp_path, bad.directory),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert bad.line in result.stderr and "API not started: bad policy" in result.stderr
    assert "Traceback" not in result.stderr  # an expected refusal, not a crash
    assert "Uvicorn running" not in result.stderr  # refused before serving


# ---- CLI -----------------------------------------------------------------------------------------
@pytest.fixture
def cli_env(tmp_path: Path, bad: BadPolicies, monkeypatch: pytest.MonkeyPatch) -> BadPolicies:
    for name, value in process_env(tmp_path, bad.directory).items():
        if name.startswith("RECOVERY_"):
            monkeypatch.setenv(name, value)
    for name in ("RECOVERY_DATABASE_URL", "RECOVERY_ENVIRONMENT", "RECOVERY_ENCRYPTION_KEY"):
        monkeypatch.delenv(name, raising=False)

    async def connect(*args: object, **kwargs: object) -> None:
        raise Reached

    monkeypatch.setattr(cli, "_connect", connect)
    monkeypatch.setattr(cli, "_open_all", None)  # must not be reached either
    return bad


def test_cli_demo_refuses_before_opening_anything(cli_env: BadPolicies) -> None:
    result = CliRunner().invoke(cli.app, ["demo"])
    assert result.exit_code == 1, result.output
    assert result.stderr == f"bad policy:\n{cli_env.line}\n"
    assert result.stdout == ""


def test_cli_import_refuses_before_opening_anything(tmp_path: Path, cli_env: BadPolicies) -> None:
    csv = tmp_path / "in.csv"
    csv.write_text(HEADER + "\n" + CN_ROW + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["import", str(csv)])
    assert result.exit_code == 1, result.output
    assert result.stderr == f"bad policy:\n{cli_env.line}\n"
    assert result.stdout == ""


def test_an_api_process_given_a_bad_inherited_socket_refuses_to_start_naming_it() -> None:
    """`RECOVERY_API_SOCKET_FD` (set by `recovery up`): not a number, not open, or not listening."""
    import socket

    from api.__main__ import inherited_socket

    assert inherited_socket({}) is None  # no such variable: the API binds its own port
    for raw, reason in (("abc", "is not an open socket"), ("987654", "is not an open socket")):
        with pytest.raises(SystemExit, match=f"RECOVERY_API_SOCKET_FD='{raw}' {reason}"):
            inherited_socket({"RECOVERY_API_SOCKET_FD": raw})
    idle = socket.socket()
    try:
        with pytest.raises(SystemExit, match="is a socket that is not listening"):
            inherited_socket({"RECOVERY_API_SOCKET_FD": str(os.dup(idle.fileno()))})  # its own copy
    finally:
        idle.close()


def test_the_api_process_exempts_its_startup_heap_from_the_collector() -> None:
    """What start-up built is frozen (no full collection walks it again, see `freeze_startup_heap`)."""
    code = ("import gc; from api.__main__ import freeze_startup_heap; before = gc.get_freeze_count(); "
            "freeze_startup_heap(); print(before, gc.get_freeze_count())")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    before, after = map(int, out.stdout.split())
    assert before == 0 and after > 10_000  # the modules, schemas and mappers of the API
