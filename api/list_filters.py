"""The worklist's filters and order on `GET /matters` beyond stage and days past due: the risk grade, when the
next step falls due (overdue, due within a week), and "what is due first" (the next step's due time, soonest
first, matters without one last).

A dependency of its own so the list route stays one signature; the default (no parameter) is the list as it
always was: newest first, paged by `cursor` or `offset`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import HTTPException, Query, status
from pydantic import AwareDatetime

from domain.risk import Grade

Order = Literal["newest", "next_step_due"]


@dataclass(frozen=True)
class ListOrder:
    risk_grade: str | None
    next_step_due_before: datetime | None
    next_step_due_after: datetime | None
    sort: Order

    def query(self) -> dict[str, Any]:
        """The `store.queries.PageQuery` keys this adds."""
        return {"risk_grade": self.risk_grade, "next_step_due_before": self.next_step_due_before,
                "next_step_due_after": self.next_step_due_after, "order": self.sort}

    def check_cursor(self, cursor: str | None) -> None:
        """A cursor pages the newest-first order only (it names a creation time): 422 with another sort."""
        if cursor is not None and self.sort != "newest":
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[{
                "type": "value_error", "loc": ["query", "cursor"],
                "msg": f"a cursor pages sort=newest only: page sort={self.sort} with offset"}])

    @property
    def keyset(self) -> bool:
        """Whether pages carry a `next_cursor` (the newest-first order only)."""
        return self.sort == "newest"


def list_order(
    risk_grade: Annotated[Grade | None, Query(description="only matters of this risk grade (A lowest .. E)")] = None,
    next_step_due_before: Annotated[AwareDatetime | None, Query(
        description="only matters whose next step falls due before this instant (with its offset); now: the "
                    "overdue ones")] = None,
    next_step_due_after: Annotated[AwareDatetime | None, Query(
        description="only matters whose next step falls due at or after this instant")] = None,
    sort: Annotated[Order, Query(description="newest (default: newest first, pages by cursor) or next_step_due "
                                             "(what is due first, matters without a next step last; pages by "
                                             "offset, `next_cursor` is null)")] = "newest",
) -> ListOrder:
    return ListOrder(risk_grade, next_step_due_before, next_step_due_after, sort)
