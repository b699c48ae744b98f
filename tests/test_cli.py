"""The `recovery` command line: keys, bulk import and the demo portfolio."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import cli
from cli import app
from domain.matter import MatterIntake
from domain.parties import LawFirm
from settings import ROOT
from tests.domain.test_intake_csv import CN_ROW, EN_ROW, HEADER, col, replace_cell

runner = CliRunner()
KEY = re.compile(r"^rk_[A-Za-z0-9_-]{40,}$", re.MULTILINE)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private var/ and SQLite database for the command."""
    for name in ("RECOVERY_DATABASE_URL", "RECOVERY_ENVIRONMENT", "RECOVERY_ENCRYPTION_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECOVERY_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("RECOVERY_DATABASE_URL", f"sqlite:///{tmp_path / 'keys.db'}")
    return tmp_path


# ---- keys ---------------------------------------------------------------------------------------
def stored_key(db: Path, key: str):  # type: ignore[no-untyped-def]
    from store.apikeys import authenticate
    from store.db import make_engine, make_sessionmaker

    async def lookup():  # type: ignore[no-untyped-def]
        engine = make_engine(f"sqlite:///{db}")
        try:
            async with make_sessionmaker(engine)() as session:
                return await authenticate(session, key)
        finally:
            await engine.dispose()

    return asyncio.run(lookup())


def test_keys_create_prints_a_working_key_once(env: Path) -> None:
    result = runner.invoke(app, ["keys", "create", "--role", "manager", "--name", "alice"])
    assert result.exit_code == 0, result.output
    [key] = KEY.findall(result.stdout)
    row = stored_key(env / "keys.db", key)
    assert row is not None and row.role == "manager" and row.name == "alice" and row.firm is None
    assert key not in row.key_hash  # only the hash is kept


def test_keys_create_partner_is_bound_to_a_firm(env: Path) -> None:
    created = runner.invoke(app, ["firms", "create", "--name", "示范律师事务所", "--email", "intake@firm.example"])
    assert created.exit_code == 0, created.output
    firm_id = re.search(r"Created firm (\S+):", created.stdout).group(1)  # type: ignore[union-attr]
    listed = runner.invoke(app, ["firms", "list"])
    assert f"{firm_id}\t示范律师事务所\tintake@firm.example" in listed.stdout
    result = runner.invoke(app, ["keys", "create", "--role", "partner", "--firm", firm_id])
    assert result.exit_code == 0, result.output
    assert firm_id in result.stdout
    row = stored_key(env / "keys.db", KEY.findall(result.stdout)[0])
    assert row is not None and row.role == "partner" and row.firm == firm_id


def test_keys_create_partner_refuses_an_unknown_firm(env: Path) -> None:
    result = runner.invoke(app, ["keys", "create", "--role", "partner", "--firm", "firm-nobody"])
    assert result.exit_code != 0
    assert "no firm with id 'firm-nobody'" in result.output


def test_users_create_prints_a_one_time_password_that_logs_in(env: Path) -> None:
    from store.db import make_engine, make_sessionmaker, write_session
    from store.users import log_in

    result = runner.invoke(app, ["users", "create", "--username", "Amy.Li", "--name", "Amy Li", "--role", "manager"])
    assert result.exit_code == 0, result.output
    password = result.stdout.strip().splitlines()[-1]

    async def check() -> bool:
        engine = make_engine(f"sqlite:///{env / 'keys.db'}")
        try:
            async with write_session(make_sessionmaker(engine)) as session:
                return await log_in(session, "amy.li", password, "127.0.0.1") is not None
        finally:
            await engine.dispose()

    assert asyncio.run(check())
    again = runner.invoke(app, ["users", "create", "--username", "amy.li", "--name", "Amy", "--role", "manager"])
    assert again.exit_code != 0 and "--username" in again.output and "taken" in again.output
    partner = runner.invoke(app, ["users", "create", "--username", "bo", "--name", "Bo", "--role", "partner"])
    assert partner.exit_code != 0 and "--firm" in partner.output


def test_the_first_manager_is_made_once_on_an_empty_database(env: Path) -> None:
    first = runner.invoke(app, ["users", "first-manager"])
    assert first.exit_code == 0 and "first manager 'admin', one-time password " in first.stdout, first.output
    again = runner.invoke(app, ["users", "first-manager"])
    assert again.exit_code == 0 and "people are on record" in again.stdout


def test_firms_create_names_the_bad_field(env: Path) -> None:
    assert runner.invoke(app, ["firms", "create", "--name", "A LLP"]).exit_code == 0
    again = runner.invoke(app, ["firms", "create", "--name", "a llp"])
    assert again.exit_code != 0 and "--name" in again.output and "already exists" in again.output
    bad = runner.invoke(app, ["firms", "create", "--name", "B LLP", "--email", "nobody"])
    assert bad.exit_code != 0 and "--email" in bad.output and "not an e-mail address" in bad.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "boss"], "boss"),
        (["--role", "partner"], "firm"),
        (["--role", "manager", "--firm", "Example LLP"], "firm"),
        ([], "--role"),
    ],
)
def test_keys_create_refuses_bad_roles(env: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["keys", "create", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert not KEY.search(result.output)
    assert not (env / "keys.db").exists()  # refused before touching the database


# ---- import: what needs no server ---------------------------------------------------------------
def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_import_refuses_an_unknown_column_without_contacting_anyone(env: Path) -> None:
    csv = write(env / "in.csv", HEADER + ",nickname\n" + CN_ROW + ",x\n")
    result = runner.invoke(app, ["import", str(csv)])
    assert result.exit_code == 1
    assert "unknown column(s) in the header: nickname" in result.output


def test_import_of_an_empty_or_non_utf8_file(env: Path) -> None:
    assert "empty" in runner.invoke(app, ["import", str(write(env / "e.csv", ""))]).output
    latin = env / "l.csv"
    latin.write_bytes("external_ref\nCN-1,Zoë\n".encode("latin-1"))
    result = runner.invoke(app, ["import", str(latin)])
    assert result.exit_code == 1 and "not UTF-8" in result.output


def test_import_lists_bad_lines_without_personal_data(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = replace_cell(CN_ROW, col("borrower_email"), "zhang.wei-at-example.com")
    csv = write(env / "in.csv", "\n".join([HEADER, bad, replace_cell(bad, 0, "CN-2")]) + "\n")
    monkeypatch.setattr(cli, "_open_all", None)  # must not be reached: no good line
    result = runner.invoke(app, ["import", str(csv)])
    assert result.exit_code == 1
    assert "line 2: borrower_email: not an e-mail address" in result.output
    assert "line 3: borrower_email: not an e-mail address" in result.output
    assert "0 opened, 0 already open, 2 bad line(s) of 2" in result.output
    for pii in ("张伟", "110105198001011238", "zhang.wei-at-example.com", "13800138000"):
        assert pii not in result.output


def test_python_dash_m_cli_works() -> None:
    result = subprocess.run([sys.executable, "-m", "cli", "--help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0
    for command in ("up", "worker", "api", "demo", "import", "keys"):
        assert command in result.stdout


def test_the_demo_portfolio_is_valid_and_varied() -> None:
    data = json.loads((ROOT / "infra" / "demo_portfolio.json").read_text(encoding="utf-8"))
    intakes = [MatterIntake.model_validate(m) for m in data["matters"]]
    assert len(intakes) >= 6
    assert len({i.external_ref for i in intakes}) == len(intakes)
    assert {i.policy for i in intakes} == {"demo"}
    assert {i.borrower.locale for i in intakes} == {"zh-CN", "en"}
    assert {"CNY", "GBP", "USD"} <= {i.currency for i in intakes}
    assert {"Asia/Shanghai", "Europe/London", "America/New_York"} <= {i.borrower.timezone for i in intakes}
    assert any(i.guarantors for i in intakes) and any(i.assets for i in intakes)
    assert any(g.guarantee_type == "general" for i in intakes for g in i.guarantors)
    assert len(data["firms"]) >= 2 and all(LawFirm.model_validate(f).email for f in data["firms"])


LITIGATION_REF = "DEMO-CN-0004"  # the demo's matter that goes to court
ENFORCEMENT_REF = "DEMO-CN-0005"  # the demo's matter whose award is enforced
DEMO_FIRM = "firm-demo-shenheng"
ID_OF = {"payment": "payment_id", "promise": "promise_id", "hold": "hold_id", "settlement": "proposal_id",
         "escalate": "decision_id", "accept_referral": "answer_id", "start_proceeding": "proceeding_id",
         "proceeding_event": "event_id", "asset_event": "event_id"}


def test_the_demo_events_each_carry_their_own_id_and_one_matter_goes_to_court() -> None:
    data = json.loads((ROOT / "infra" / "demo_portfolio.json").read_text(encoding="utf-8"))
    refs = {m["external_ref"] for m in data["matters"]}
    events = data["events"]
    assert all(e["external_ref"] in refs and e["action"] in ID_OF for e in events)
    ids = [e[e["action"]][ID_OF[e["action"]]] for e in events]
    assert len(set(ids)) == len(ids)  # each command its own id: a replay is recognised, never confused
    court = sorted((e for e in events if e["external_ref"] == LITIGATION_REF), key=lambda e: e["after_seconds"])
    assert [e["action"] for e in court] == ["escalate", "accept_referral", "start_proceeding", "proceeding_event",
                                            "proceeding_event"]
    assert {e[e["action"]]["firm"] for e in court} == {DEMO_FIRM} and DEMO_FIRM in {f["id"] for f in data["firms"]}
    assert [e["proceeding_event"]["event"]["kind"] for e in court[3:]] == ["filed", "hearing"]
    # Legal review comes once the demo policy's ladder and negotiation window have run (a policy day a second).
    policy = yaml.safe_load((ROOT / "policies" / "demo.yaml").read_text(encoding="utf-8"))
    review = max(step["day"] for step in policy["ladder"]) + policy["negotiation_days"] + 1
    assert policy["day_seconds"] == 1 and court[0]["after_seconds"] >= review
    # One matter shows an enforcement: an award enforced, a freeze, a seizure, two auctions, the proceeds.
    enforced = sorted((e for e in events if e["external_ref"] == ENFORCEMENT_REF), key=lambda e: e["after_seconds"])
    kinds = [e["proceeding_event"]["event"]["kind"] if e["action"] == "proceeding_event" else
             e["asset_event"]["event"]["kind"] if e["action"] == "asset_event" else e["action"] for e in enforced]
    assert kinds == ["escalate", "accept_referral", "start_proceeding", "filed", "decided", "enforcement_filed",
                     "preserved", "preserved", "valued", "auctioned", "auctioned", "proceeds"], kinds
    assert enforced[0]["after_seconds"] >= review


# ---- import and demo against a real Temporal server -------------------------------------------------
@pytest.fixture
def temporal_env(env: Path, temporal_address: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh task queue per test on the session's Temporal dev server (no worker: starts only)."""
    monkeypatch.setenv("RECOVERY_TEMPORAL_ADDRESS", temporal_address)
    queue = "cli-" + uuid.uuid4().hex[:8]
    monkeypatch.setenv("RECOVERY_TEMPORAL_TASK_QUEUE", queue)
    return queue


@pytest.mark.integration
def test_import_takes_good_lines_and_reports_bad_ones(env: Path, temporal_env: str) -> None:
    suffix = uuid.uuid4().hex[:8]
    good_cn = replace_cell(CN_ROW, 0, f"CN-{suffix}")
    good_en = EN_ROW.replace("EN-0001", f"EN-{suffix}")
    unknown_policy = replace_cell(replace_cell(CN_ROW, 0, f"CN-X-{suffix}"), col("policy"), "lenient")
    bad_date = replace_cell(replace_cell(CN_ROW, 0, f"CN-Y-{suffix}"), col("overdue_since"), "15/08/2026")
    duplicate = good_cn
    csv = write(env / "in.csv", "\ufeff" + "\n".join([HEADER, good_cn, good_en, unknown_policy, bad_date, duplicate]))

    result = runner.invoke(app, ["import", str(csv)])
    assert result.exit_code == 1, result.output
    assert "2 opened, 0 already open, 3 bad line(s) of 5" in result.output
    assert "line 4: policy: unknown policy 'lenient'" in result.output
    assert "line 5: overdue_since:" in result.output
    assert "line 6: external_ref: same reference as line 2" in result.output

    again = runner.invoke(app, ["import", str(write(env / "again.csv", "\n".join([HEADER, good_cn, good_en])))])
    assert again.exit_code == 0, again.output
    assert "0 opened, 2 already open, 0 bad line(s) of 2" in again.output


@pytest.mark.integration
def test_demo_is_idempotent(env: Path, temporal_env: str, tmp_path: Path) -> None:
    # A private copy with fresh references, so the session's server has never seen them.
    data = json.loads((ROOT / "infra" / "demo_portfolio.json").read_text(encoding="utf-8"))
    suffix = uuid.uuid4().hex[:8]
    for matter in data["matters"]:
        matter["external_ref"] += f"-{suffix}"
    portfolio = write(tmp_path / "demo.json", json.dumps(data, ensure_ascii=False))

    first = runner.invoke(app, ["demo", "--file", str(portfolio)])
    assert first.exit_code == 0, first.output
    assert first.output.count(" opened ") == len(data["matters"])
    second = runner.invoke(app, ["demo", "--file", str(portfolio)])
    assert second.exit_code == 0, second.output
    assert second.output.count("already open") == len(data["matters"])
    assert "张伟" not in first.output + second.output
    # Its law firms are on record once, however often the demo runs: a manager can refer to them.
    listed = runner.invoke(app, ["firms", "list"]).stdout.splitlines()
    assert sorted(line.split("\t")[0] for line in listed) == sorted(f["id"] for f in data["firms"])


def test_demo_without_temporal_says_what_to_do(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from infra.services import free_port

    monkeypatch.setenv("RECOVERY_TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 1
    assert "cannot reach Temporal" in result.output and "recovery up" in result.output
