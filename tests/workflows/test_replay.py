"""Today's workflow code must replay the committed histories; a broken one must fail."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from workflows.matter import MatterWorkflow

HISTORIES = Path(__file__).resolve().parent.parent / "histories"
GOOD = sorted(p for p in HISTORIES.glob("*.json") if not p.name.startswith("broken_"))


def _load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(f"matter-{path.stem}", path.read_text())


def test_there_are_histories_to_replay() -> None:
    assert len(GOOD) >= 2


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
async def test_replays_committed_history(path: Path) -> None:
    replayer = Replayer(workflows=[MatterWorkflow], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(_load(path))
    assert result.replay_failure is None


async def test_broken_history_fails_replay() -> None:
    replayer = Replayer(workflows=[MatterWorkflow], data_converter=pydantic_data_converter)
    with pytest.raises(NondeterminismError):
        await replayer.replay_workflow(_load(HISTORIES / "broken_activity_renamed.json"))
