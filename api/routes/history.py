"""A matter's history in plain words (`GET /matters/{matter_id}/history`), as recorded or in Chinese."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError

from api.deps import AuthorisedRoute, SettingsDep, TemporalDep
from api.history import CURSOR_MAX_CHARS, HistoryNotFound, InvalidCursor, cursor_key, history_page
from api.history_zh import in_language
from api.routes.matters import MatterId, VisibleMatter
from api.schemas import field_error
from api.schemas_evidence import HistoryPublic
from api.workflow import not_found
from workflows.contracts import workflow_id

router = APIRouter(prefix="/matters", tags=["matters"], route_class=AuthorisedRoute)

HistoryLanguage = Literal["en", "zh"]


@router.get(
    "/{matter_id}/history",
    response_model=HistoryPublic,
    responses={422: {"description": "invalid query; a `cursor` that is malformed, altered or not from this "
                                    "matter's history is named in `detail[].loc`"}},
)
async def get_history(
    matter_id: MatterId,
    _: VisibleMatter,
    temporal: TemporalDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="entries in the page")] = 100,
    offset: Annotated[
        int, Query(ge=0, le=1_000_000_000, description="entries to skip first (from the cursor, or the start)")
    ] = 0,
    cursor: Annotated[
        str | None,
        Query(min_length=1, max_length=CURSOR_MAX_CHARS, pattern=r"^[A-Za-z0-9_-]+$",
              description="`next_cursor` of the previous page: resume exactly where it ended"),
    ] = None,
    lang: Annotated[HistoryLanguage, Query(description="the language of `what`: en (as recorded) or zh")] = "en",
) -> HistoryPublic:
    """The matter's workflow history (every run), oldest first, in plain words: when, what, who.

    Paged: a request reads and decodes only the events of the page it returns. Follow `next_cursor`
    (null at the end); `offset` still works (it skips entries without decoding them).
    """
    key = cursor_key(settings.encryption_key_bytes())
    try:
        entries, next_cursor, runs = await history_page(
            temporal, workflow_id(matter_id), key=key, limit=limit, offset=offset, cursor=cursor
        )
    except InvalidCursor as exc:
        raise RequestValidationError([field_error(("query", "cursor"), str(exc), "invalid_cursor")]) from None
    except HistoryNotFound:
        raise not_found(matter_id) from None
    if lang != "en":
        entries = [e.model_copy(update={"what": in_language(e.what, lang)}) for e in entries]
    return HistoryPublic(data=entries, count=len(entries), runs=runs, next_cursor=next_cursor)
