"""Loading the policy directory: bad files are refused with the file, the field and the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import documents.renderer
from documents.contexts import KINDS, LOCALES
from documents.policy_check import FIXED_KINDS, policy_document_problems
from settings import ROOT, Settings
from store.policies import PolicyError, UnknownPolicy, get_policy, load_policies

SHIPPED = ROOT / "policies"


def shipped(name: str) -> dict[str, Any]:
    return yaml.safe_load((SHIPPED / f"{name}.yaml").read_text(encoding="utf-8"))


def write(directory: Path, file_name: str, data: dict[str, Any] | str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / file_name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def refusal(directory: Path) -> str:
    with pytest.raises(PolicyError) as err:
        load_policies(directory, check=policy_document_problems)
    return str(err.value)


# ---- the shipped policies ------------------------------------------------------------------------
def test_the_shipped_policies_load_cleanly_with_every_check() -> None:
    policies = load_policies(SHIPPED, check=policy_document_problems)
    assert set(policies) == {"standard", "demo"}
    for name, policy in policies.items():
        assert policy.version == {"standard": 4, "demo": 4}[name]
        assert policy.letter_spacing_problems() == []  # each reminder letter after the previous pay-by day
        text = (SHIPPED / f"{name}.yaml").read_text(encoding="utf-8")
        assert "dpd_refresh_days" not in text  # deprecated: ignored, so not written
        referral = {"standard": {"answer_within_days": 5, "remind_after_days": 3},
                    "demo": {"answer_within_days": 600, "remind_after_days": 300}}[name]  # ten minutes to try it
        assert shipped(name)["referral"] == referral  # explicit
        assert policy_document_problems(policy) == []


def test_the_default_directory_is_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().policy_dir == SHIPPED
    write(tmp_path, "custom.yaml", {**shipped("standard"), "name": "custom"})
    monkeypatch.setenv("RECOVERY_POLICY_DIR", str(tmp_path))
    assert Settings().policy_dir == tmp_path
    assert set(load_policies()) == {"custom"}
    assert get_policy("custom").name == "custom"
    with pytest.raises(UnknownPolicy, match="unknown policy 'standard'; known: custom"):
        get_policy("standard")
    assert get_policy("standard", SHIPPED).name == "standard"


# ---- file-level refusals -------------------------------------------------------------------------
def test_an_unknown_template_kind(tmp_path: Path) -> None:
    data = shipped("standard")
    data["ladder"][4]["template"] = "reminder_leter"
    path = write(tmp_path, "standard.yaml", data)
    message = refusal(tmp_path)
    assert message.startswith(
        f"{path}: ladder[4].template: unknown document kind 'reminder_leter' (did you mean 'reminder_letter'?); "
        "known kinds: "
    )
    assert "collection_notice, enforcement_application" in message
    # Without the documents' check the file is valid: that check is what finds it.
    assert load_policies(tmp_path)["standard"].ladder[4].template == "reminder_leter"


def test_a_ladder_letter_must_be_one_the_matters_facts_can_make(tmp_path: Path) -> None:
    """A complaint needs a court, a firm, a cut-off date: no ladder step can send one."""
    data = shipped("standard")
    data["ladder"][4]["template"] = "civil_complaint"
    path = write(tmp_path, "standard.yaml", data)
    message = refusal(tmp_path)
    assert message.startswith(f"{path}: ladder[4].template: a ladder letter is made from the matter's facts alone")
    assert "final_demand" in message and "reminder_letter" in message
    data["ladder"][4]["template"] = "final_demand"  # buildable from the facts: accepted
    write(tmp_path / "ok", "standard.yaml", data)
    assert load_policies(tmp_path / "ok", check=policy_document_problems)["standard"].ladder[4].template == (
        "final_demand"
    )


@pytest.fixture
def templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A template directory with a (dummy) file for every kind and locale; tests delete some."""
    root = tmp_path / "templates"
    for locale in LOCALES:
        (root / locale).mkdir(parents=True)
        for kind in KINDS:
            (root / locale / f"{kind}.docx").write_bytes(b"PK")
    monkeypatch.setattr(documents.renderer, "TEMPLATE_DIR", root)
    return root


def test_a_missing_template_file_for_one_locale(tmp_path: Path, templates: Path) -> None:
    policy_dir = tmp_path / "policies"
    write(policy_dir, "demo.yaml", shipped("demo"))
    assert set(load_policies(policy_dir, check=policy_document_problems)) == {"demo"}  # all templates there
    (templates / "en" / "reminder_letter.docx").unlink()
    other_dir = tmp_path / "again"  # a fresh directory: load_policies caches per directory
    path = write(other_dir, "demo.yaml", shipped("demo"))
    assert refusal(other_dir) == (
        f"{path}: ladder[1].template: document kind 'reminder_letter' has no en template "
        f"({templates / 'en' / 'reminder_letter.docx'} is missing)"
    )


@pytest.mark.parametrize("kind", FIXED_KINDS)
def test_a_missing_template_for_a_letter_every_matter_sends(tmp_path: Path, templates: Path, kind: str) -> None:
    (templates / "zh-CN" / f"{kind}.docx").unlink()
    path = write(tmp_path / "policies", "demo.yaml", shipped("demo"))
    assert refusal(tmp_path / "policies") == (
        f"{path}: document kind {kind!r} has no zh-CN template ({templates / 'zh-CN' / f'{kind}.docx'} is missing) "
        f"(every matter sends {kind})"
    )


def test_descending_ladder_days(tmp_path: Path) -> None:
    data = shipped("demo")
    data["ladder"][2]["day"] = 8
    path = write(tmp_path, "demo.yaml", data)
    assert refusal(tmp_path) == (
        f"{path}: ladder[2].day: 8 is not after the previous step's day 10 (ladder days must strictly ascend)"
    )


def test_a_zero_negotiation_window(tmp_path: Path) -> None:
    path = write(tmp_path, "standard.yaml", {**shipped("standard"), "negotiation_days": 0})
    assert refusal(tmp_path) == f"{path}: negotiation_days: Input should be greater than or equal to 1 (got 0)"


def test_the_name_must_be_the_file_stem(tmp_path: Path) -> None:
    path = write(tmp_path, "standard-v3.yaml", shipped("standard"))
    assert refusal(tmp_path) == f"{path}: name: 'standard' does not match the file name (expected 'standard-v3')"


def test_two_files_may_not_define_the_same_name(tmp_path: Path) -> None:
    first = write(tmp_path, "demo.yaml", shipped("demo"))
    second = write(tmp_path, "demo.yml", shipped("demo"))
    assert refusal(tmp_path) == f"{second}: name: 'demo' is already defined in {first}"


def test_a_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    text = (SHIPPED / "demo.yaml").read_text(encoding="utf-8")
    text = text.replace("promise_grace_days: 3", "promise_grace_days: 3: 4")
    path = write(tmp_path, "demo.yaml", text)
    line = text.splitlines().index("promise_grace_days: 3: 4") + 1
    assert refusal(tmp_path) == f"{path}: line {line}, column 22: invalid YAML: mapping values are not allowed here"


def test_a_repeated_key_is_refused_not_silently_overwritten(tmp_path: Path) -> None:
    text = (SHIPPED / "demo.yaml").read_text(encoding="utf-8") + "negotiation_days: 3\n"
    path = write(tmp_path, "demo.yaml", text)
    first = text.splitlines().index("negotiation_days: 30") + 1
    last = len(text.splitlines())
    assert refusal(tmp_path) == (
        f"{path}: line {last}, column 1: invalid YAML: key 'negotiation_days' repeated (first on line {first})"
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "expected a mapping of policy fields, got an empty file"),
     ("- 1\n- 2\n", "expected a mapping of policy fields, got a list")],
)
def test_a_file_that_is_not_a_mapping(tmp_path: Path, text: str, reason: str) -> None:
    path = write(tmp_path, "demo.yaml", text)
    assert refusal(tmp_path) == f"{path}: {reason}"


def test_a_missing_or_empty_directory(tmp_path: Path) -> None:
    assert refusal(tmp_path / "nowhere") == f"{tmp_path / 'nowhere'}: policy directory not found (RECOVERY_POLICY_DIR)"
    (tmp_path / "empty").mkdir()
    write(tmp_path / "empty", "README.txt", "not a policy")
    assert refusal(tmp_path / "empty") == f"{tmp_path / 'empty'}: no policy files (*.yaml) in the policy directory"


def test_every_bad_file_is_reported_at_once(tmp_path: Path) -> None:
    demo = shipped("demo")
    demo["contact"]["end_hour"] = 8
    write(tmp_path, "demo.yaml", demo)
    write(tmp_path, "standard.yaml", {**shipped("standard"), "referral": {"answer_within_days": 2}})
    lines = refusal(tmp_path).splitlines()
    assert lines == [
        f"{tmp_path / 'demo.yaml'}: contact.end_hour: 8 is not after start_hour 8 "
        "(contact hours must be a non-empty window)",
        f"{tmp_path / 'standard.yaml'}: referral.remind_after_days: 3 is not before answer_within_days 2 "
        "(the reminder must come before the firm's deadline)",
    ]


def test_a_reminder_letter_on_or_before_the_deadline_it_follows_is_refused(tmp_path: Path) -> None:
    """The notice (day 0) gives 7 days, the 7th included: a reminder letter on day 7 reminds too early."""
    data = shipped("standard")
    data["ladder"] = [{"day": 3, "channel": "sms", "name": "sms"},
                      {"day": 7, "channel": "letter", "name": "first letter", "template": "reminder_letter"},
                      {"day": 12, "channel": "letter", "name": "second letter", "template": "reminder_letter"}]
    path = write(tmp_path, "standard.yaml", data)
    assert refusal(tmp_path) == "\n".join([
        f"{path}: ladder[1].day: 7 is not after the pay-by day 7 of the collection notice (day 0) "
        "(pay_within_days 7): a reminder comes after the deadline it reminds of",
        f"{path}: ladder[2].day: 12 is not after the pay-by day 14 of 'first letter' (day 7) "
        "(pay_within_days 7): a reminder comes after the deadline it reminds of",
    ])
    write(tmp_path, "standard.yaml", {**data, "pay_within_days": 3})  # a shorter deadline makes room for both
    assert load_policies(tmp_path).keys() == {"standard"}


def test_a_recorded_policy_with_the_old_spacing_still_decodes() -> None:
    """Running matters carry their policy in their input: the spacing rule is the loader's, not the model's."""
    from domain.policy import EscalationPolicy

    old = {**shipped("standard"), "version": 2}
    old.pop("pay_within_days")
    old["ladder"][1]["day"] = 7
    policy = EscalationPolicy.model_validate(old)
    assert policy.pay_within_days == 7 and policy.letter_spacing_problems() != []
