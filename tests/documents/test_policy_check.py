"""The documents' half of policy validation: the letters sent on an event are checked like the fixed ones."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

import documents.renderer
from documents.policy_check import EVENT_KINDS, policy_document_problems
from domain.policy import EscalationPolicy
from settings import ROOT


def _standard(**ladder_template: Any) -> EscalationPolicy:
    data = yaml.safe_load((ROOT / "policies" / "standard.yaml").read_text(encoding="utf-8"))
    index = next(i for i, step in enumerate(data["ladder"]) if step["channel"] == "letter")
    data["ladder"][index].update(ladder_template)
    return EscalationPolicy.model_validate(data)


def test_the_event_letters_are_the_breach_notices_and_the_agreements() -> None:
    assert EVENT_KINDS == ("acceleration_notice", "arrangement_breach", "settlement_agreement", "amendment_agreement")
    assert policy_document_problems(_standard()) == []


@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_an_event_letter_is_no_ladder_letter(kind: str) -> None:
    problems = policy_document_problems(_standard(template=kind))
    assert len(problems) == 1
    where, reason = problems[0]
    assert where is not None and where.endswith(".template")
    assert reason.startswith(f"a ladder letter is made from the matter's facts alone, and {kind!r} is sent by the "
                             "matter workflow on its event")
    buildable = reason.split("ladder letters can be: ")[1].split(", ")
    assert "reminder_letter" in buildable and not set(EVENT_KINDS) & set(buildable)


@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_a_missing_template_of_an_event_letter_is_found_at_start_up(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(documents.renderer.TEMPLATE_DIR, templates)
    (templates / "en" / f"{kind}.docx").unlink()
    monkeypatch.setattr(documents.renderer, "TEMPLATE_DIR", templates)
    assert policy_document_problems(_standard()) == [
        (None, f"document kind {kind!r} has no en template ({templates / 'en' / f'{kind}.docx'} is missing) "
               f"(any matter may send {kind})"),
    ]
