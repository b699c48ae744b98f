"""Workflow v1 exactly as it ran before v2 (no migration): to record the histories of old matters."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import LEGACY_WORKFLOW_NAME, MatterSnapshot
    from workflows.legacy.matter_v1 import MatterInput, MatterWorkflowV1


@workflow.defn(name=LEGACY_WORKFLOW_NAME)
class PristineMatterWorkflowV1(MatterWorkflowV1):
    migrate_to_v2 = False

    @workflow.init
    def __init__(self, inp: MatterInput) -> None:
        super().__init__(inp)

    @workflow.run
    async def run(self, inp: MatterInput) -> MatterSnapshot:
        return await super().run(inp)
