"""Today's workflow code must replay the committed histories; a broken one must fail.

`v1_*.json` were recorded by workflow v1 before v2 existed (they replay on the frozen v1 code,
`workflows/legacy/matter_v1.py`, with its migration patch); `v1_migrated.json` is a v1 run ended by
that migration; `v2_*.json` are matters and referral children of v2 (`python -m tests.histories.record`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from workers.main import WORKFLOWS

HISTORIES = Path(__file__).resolve().parent.parent / "histories"
GOOD = sorted(p for p in HISTORIES.glob("*.json") if not p.name.startswith("broken_"))
BROKEN = sorted(HISTORIES.glob("broken_*.json"))


def _load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(f"matter-{path.stem}", path.read_text())


def test_there_are_histories_of_both_generations_to_replay() -> None:
    names = {p.stem for p in GOOD}
    assert {"v1_paid_in_full", "v1_escalated", "v1_migrated"} <= names
    assert len([n for n in names if n.startswith("v2_")]) >= 5
    assert len(BROKEN) >= 2


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
async def test_replays_committed_history(path: Path) -> None:
    replayer = Replayer(workflows=list(WORKFLOWS), data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(_load(path))
    assert result.replay_failure is None


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
async def test_broken_history_fails_replay(path: Path) -> None:
    replayer = Replayer(workflows=list(WORKFLOWS), data_converter=pydantic_data_converter)
    with pytest.raises(NondeterminismError):
        await replayer.replay_workflow(_load(path))
