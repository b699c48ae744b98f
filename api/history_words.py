"""Plain words for a matter's history: commands and their outcomes, amounts, times, failures, durations."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.api.history.v1 import HistoryEvent

from domain.money import Money
from workflows.contracts import (
    UPDATE_ADD_ASSET,
    UPDATE_ASSET_EVENT,
    UPDATE_DECISION,
    UPDATE_DEMAND_GUARANTOR,
    UPDATE_DRAFT_FILING,
    UPDATE_DRAFT_PRESERVATION,
    UPDATE_LAWYERS_LETTER,
    UPDATE_OPEN_CLAIMS,
    UPDATE_PAYMENT,
    UPDATE_PROMISE,
    UPDATE_RECALL_REFERRAL,
    UPDATE_RETRY,
    UPDATE_START_PROCEEDING,
)


def _money(value: Any) -> str:
    try:
        return str(Money.model_validate(value))
    except Exception:  # a malformed old payload: say so rather than fail the whole history
        return "an unreadable amount"


def _nonzero(value: Any) -> bool:
    try:
        return isinstance(value, dict) and Decimal(str(value.get("amount", "0"))) != 0
    except InvalidOperation:
        return False


def _command_words(name: str, cmd: dict[str, Any], actor: str) -> str:
    if name == UPDATE_PAYMENT:
        return (
            f"Payment {cmd.get('payment_id')} of {_money(cmd.get('amount'))} received on "
            f"{cmd.get('received_on')} recorded by {actor}"
        )
    if name == UPDATE_PROMISE:
        return (
            f"Promise {cmd.get('promise_id')} to pay {_money(cmd.get('amount'))} by {cmd.get('due_on')} "
            f"recorded by {actor}"
        )
    if name == UPDATE_DECISION:
        if cmd.get("decision") == "escalate":
            firm = cmd.get("firm")
            firm_name = (cmd.get("firm_details") or {}).get("name")
            words = "escalate, referral" + (f" to {firm_name} ({firm})" if firm_name else f" to {firm}" if firm else "")
        else:
            words = f"extend negotiation until {cmd.get('new_end_on')}"
        return f"Legal review decision {cmd.get('decision_id')}: {words}, by {actor}"
    if name == UPDATE_RETRY:
        return f"Retry {cmd.get('retry_id')} of the failed step ordered by {actor}"
    if name == UPDATE_RECALL_REFERRAL:
        return f"Recall {cmd.get('recall_id')} of the referral ordered by {actor} (reason recorded)"
    if name == UPDATE_START_PROCEEDING:
        forum = cmd.get("forum") or "the forum of the contract's clause"
        extra = " (second instance)" if cmd.get("appeal_of") else ""
        extra += " despite the arbitration clause (reason recorded)" if cmd.get("override_reason") else ""
        return f"Proceeding {cmd.get('proceeding_id')} started by {actor} before {forum}{extra}"
    if name == UPDATE_LAWYERS_LETTER:
        return (f"Lawyer's letter {cmd.get('letter_id')} ordered by {actor} (lawyer {cmd.get('lawyer_name')}, "
                f"time to pay {cmd.get('respond_within_days')} days)")
    if name == UPDATE_DRAFT_FILING:
        return f"Filing {cmd.get('draft_id')} of proceeding {cmd.get('number')} ordered drafted by {actor}"
    if name == UPDATE_DRAFT_PRESERVATION:
        return (f"Preservation application {cmd.get('draft_id')} of proceeding {cmd.get('number')} ordered drafted "
                f"by {actor}")
    if name == UPDATE_OPEN_CLAIMS:
        return f"Claims {cmd.get('open_id')} against the guarantors ordered by {actor}"
    if name == UPDATE_ADD_ASSET:
        kind = str((cmd.get("asset") or {}).get("kind", "asset")).replace("_", " ")
        return f"Asset {cmd.get('asset_id')} ({kind}) added to the register by {actor}"
    if name == UPDATE_ASSET_EVENT:
        what = (cmd.get("event") or {}).get("kind")
        return f"Asset {cmd.get('number')}: '{what}' recorded by {actor}"
    if name == UPDATE_DEMAND_GUARANTOR:
        return f"Demand {cmd.get('demand_id')} to guarantor {cmd.get('number')} ordered by {actor}"
    return f"Command '{name}' accepted"


def _outcome_words(name: str, result: dict[str, Any]) -> str:
    if name == UPDATE_PAYMENT:
        pid = result.get("payment_id")
        if result.get("duplicate"):
            return f"Payment {pid} was already recorded: nothing changed"
        alloc = result.get("allocation") or {}
        parts = ", ".join(
            f"{bucket} {_money(alloc[bucket])}"
            for bucket in ("costs", "fees", "penalty", "interest", "principal", "unapplied")
            if _nonzero(alloc.get(bucket))
        )
        what = f"Payment {pid} allocated ({parts or 'nothing'}); outstanding {_money(result.get('outstanding'))}"
        return what + ("; matter paid in full" if result.get("closed") else "")
    if name == UPDATE_PROMISE:
        dup = " (already recorded)" if result.get("duplicate") else ""
        return f"Promise {result.get('promise_id')} registered{dup}; deadline {result.get('deadline')}"
    if name == UPDATE_DECISION:
        dup = " (already applied)" if result.get("duplicate") else ""
        return f"Decision {result.get('decision_id')} applied{dup}; stage now {result.get('stage')}"
    if name == UPDATE_RETRY:
        dup = " (already ordered)" if result.get("duplicate") else ""
        effect = result.get("effect")
        return (
            f"Retry {result.get('retry_id')}{dup}"
            + (f" of '{effect}'" if effect else "")
            + f" started; stage {result.get('stage')}"
        )
    if name == UPDATE_START_PROCEEDING:
        dup = " (already started)" if result.get("duplicate") else ""
        return (f"Proceeding {result.get('number')} ({result.get('forum')}, instance {result.get('instance')}) "
                f"started{dup}; stage now {result.get('stage')}")
    if name == UPDATE_LAWYERS_LETTER:
        dup = " (already ordered)" if result.get("duplicate") else ""
        return (f"Lawyer's letter of referral {result.get('number')} queued{dup}: document "
                f"{result.get('document_id')}, pay by {result.get('respond_by')}")
    if name == UPDATE_DRAFT_PRESERVATION:
        dup = " (already ordered)" if result.get("duplicate") else ""
        what = "pre-suit" if result.get("pre_suit") else "in-suit"
        return (f"The application for {what} preservation of proceeding {result.get('number')} queued{dup}: "
                f"document {result.get('document_id')}")
    if name == UPDATE_DRAFT_FILING:
        dup = " (already ordered)" if result.get("duplicate") else ""
        what = "complaint" if result.get("kind") == "civil_complaint" else "arbitration application"
        return (f"The {what} of proceeding {result.get('number')} queued{dup}, with the evidence "
                f"{result.get('evidence_reference')}: documents {', '.join(result.get('documents') or [])}")
    if name == UPDATE_RECALL_REFERRAL:
        dup = " (already applied)" if result.get("duplicate") else ""
        firm = f"{result['firm_name']} ({result.get('firm')})" if result.get("firm_name") else result.get("firm")
        return f"Referral {result.get('number')} recalled from {firm}{dup}; stage now {result.get('stage')}"
    if name == UPDATE_ADD_ASSET:
        dup = " (already added)" if result.get("duplicate") else ""
        return f"Asset {result.get('number')} in the register{dup}"
    if name == UPDATE_ASSET_EVENT:
        dup = " (already recorded)" if result.get("duplicate") else ""
        asset = result.get("asset") or {}
        ends = f", its measure to {asset['measure_ends_on']}" if asset.get("measure_ends_on") else ""
        return f"Asset {asset.get('number')} now {asset.get('standing')}{ends}{dup}"
    if name == UPDATE_DEMAND_GUARANTOR:
        dup = " (already ordered)" if result.get("duplicate") else ""
        return (f"The demand for performance to guarantor {result.get('number')} queued{dup}: document "
                f"{result.get('document_id')}")
    if name == UPDATE_OPEN_CLAIMS:
        dup = " (already ordered)" if result.get("duplicate") else ""
        opened = ", ".join(str(n) for n in result.get("opened") or []) or "none (each has its claim)"
        return f"Claims opened{dup} against guarantor(s): {opened}"
    return f"Command '{name}' completed"


def _when(event: HistoryEvent) -> datetime:
    return event.event_time.ToDatetime(tzinfo=UTC)


def _parse_time(value: Any, fallback: datetime) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            pass
    return fallback


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _search_value(payload: Payload) -> Any:
    """A search attribute's value: plain JSON (search attributes are never encrypted)."""
    if payload.metadata.get("encoding") != b"json/plain":
        return None
    try:
        return json.loads(payload.data)
    except ValueError:
        return None


def _failure_type(failure: Any) -> str:
    """The failure's type name, a plain field (its message is encrypted with the payloads)."""
    if failure.HasField("application_failure_info") and failure.application_failure_info.type:
        return str(failure.application_failure_info.type)
    if failure.HasField("timeout_failure_info"):
        return "timeout"
    if failure.HasField("canceled_failure_info"):
        return "canceled"
    return ""
