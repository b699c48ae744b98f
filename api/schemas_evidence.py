"""Response bodies of a matter's evidence and audit reads: its history in plain words (`GET
/matters/{id}/history`) and its evidence bundles (`/matters/{id}/bundles`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# --------------------------------------------------------------- history
class HistoryEntry(BaseModel):
    """One line of a matter's Temporal history, in plain words (never borrower PII).

    One Temporal event gives at most one line; `event_id` is the event's id within its run.
    """

    at: datetime
    event_id: int
    run_id: str
    kind: str = Field(description="e.g. opened, stage, letter_stored, command, command_completed, timer, child, "
                                  "child_report, continued_as_new, run_started, completed")
    what: str
    who: str = Field(description="who acted: the actor a command, the opening or a child's report names, or 'system'")


class HistoryPublic(BaseModel):
    """One page of a matter's history, oldest first; follow `next_cursor` for the next page."""

    data: list[HistoryEntry]
    count: int = Field(description="the number of entries in this page (len(data)), not in the whole history")
    runs: int = Field(
        description="the number, in the matter's chain of workflow runs (continue-as-new; 1 = the first run), of "
        "the run this page ends in; on the last page (next_cursor null) it is the number of runs the history has"
    )
    next_cursor: str | None = Field(
        description="pass as `cursor` to get the entries after this page; null when there are no more (on a "
        "running matter: no more yet; its later events are read by a new request from the start)"
    )



# --------------------------------------------------------------- bundles
class BundleCreate(_Input):
    """Options of a new evidence bundle; the body may be omitted."""

    locale: Literal["zh-CN", "en"] | None = Field(
        default=None, description="language of the catalogue; default: the borrower's locale"
    )


class BundleFilePublic(BaseModel):
    """One evidence file of a bundle, as its manifest lists it."""

    number: int
    name: str = Field(description="path inside the ZIP: evidence/NN-<safe file name>")
    original_name: str
    media_type: str
    size: int
    sha256: str
    source: str
    created_at: str = Field(description="ISO 8601, UTC")
    description: str
    proves: str


class BundlePublic(BaseModel):
    """A stored evidence bundle: the ZIP's identity, its manifest and the files it holds."""

    id: str
    matter_id: str
    media_type: Literal["application/zip"] = "application/zip"
    sha256: str
    size: int
    version_id: str | None
    item_count: int
    items: list[BundleFilePublic]
    manifest: dict[str, Any]
    created_by: str
    created_at: datetime
    content_url: str
