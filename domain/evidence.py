"""References to stored evidence. Workflow histories carry these, never document bytes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class DocumentRef(BaseModel):
    """Where a stored document lives and how to prove it is the one we made."""

    model_config = ConfigDict(frozen=True)

    document_id: str = Field(
        description="stable id derived from business identity, e.g. '<matter>-notice-collection_notice'"
    )
    matter_id: str
    kind: str  # collection_notice, reminder_letter, closure_letter, ...
    locale: str
    template_version: str
    bucket: str
    key: str
    version_id: str | None
    sha256: str  # hex
    size: int
    media_type: str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    created_at: datetime
