"""What the matter workflow's mixins may rely on (`MatterWorkflow` provides it).

Each capability of the parent workflow (arrangements, holds, contacts, acceleration, reversals,
messages, the referral) is a mixin class in its own module; they share the workflow's state and a
few of its methods. This base declares them for the type checker only: at run time it is empty, so
it never shadows what `MatterWorkflow` defines.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from domain.matter import MatterIntake
    from domain.policy import EscalationPolicy
    from workflows.contracts import MatterInput
    from workflows.matter import transitions as tr
    from workflows.matter.state import Effect, MatterState, MessageOrder, PromiseState


class MatterMixin:
    if TYPE_CHECKING:
        _s: MatterState
        _policy: EscalationPolicy
        _intake: MatterIntake
        _inp: MatterInput
        _mid: str
        _dirty: bool
        _in_flight: str | None

        def _event(self, key: str, kind: str, summary: str, *, actor: str = "system",
                   data: dict[str, Any] | None = None) -> None: ...
        def _fire(self, trigger: tr.Trigger) -> tr.Rule | None: ...
        def _queue_letter(self, kind: str, step: str, summary: str, now: datetime, *, params: dict[str, Any],
                          due_at: datetime | None = None) -> None: ...
        def _enter_legal_review(self, now: datetime) -> None: ...
        def _status(self, now: datetime) -> Any: ...
        def _same_body(self, field: str, command_id: str, digest: str) -> None: ...
        def _refuse_if_closed(self) -> None: ...
        def _reassess(self, why: str, now: datetime, quiet: bool = False) -> None: ...
        def _contact_made(self, channel: str, at: datetime) -> None: ...
        def _promise_record(self, p: PromiseState) -> Any: ...
        def _held(self, now: datetime) -> bool: ...
        def _ceased(self) -> bool: ...
        def _budgeted(self) -> bool: ...
        def _queue(self, effect: Effect) -> None: ...
        def _message_dropped(self, effect: Effect, order: MessageOrder, why: str, now: datetime) -> None: ...


__all__ = ["MatterMixin"]
