"""Sentences about what happened come from the record: no "repeated demands" the record does not hold."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from documents import golden
from documents.contexts import sample_context
from documents.renderer import render, visible_text

VAGUE = ("多次催", "多次书面", "屡次", "repeated demands", "repeated written demands", "several times")
WITH_DEMANDS = ("civil_complaint", "arbitration_application", "preservation_application", "lawyers_letter")


@pytest.mark.parametrize(("kind", "locale"), golden.cases())
def test_no_letter_claims_demands_vaguely(kind: str, locale: str) -> None:
    text = golden.golden_path(kind, locale).read_text(encoding="utf-8")
    assert not [v for v in VAGUE if v in text]


@pytest.mark.parametrize("kind", WITH_DEMANDS)
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_without_demands_in_the_record_none_is_claimed(kind: str, locale: str) -> None:
    sample = sample_context(kind, locale)
    assert sample.demands_on  # type: ignore[attr-defined]  # the sample states some, with dates
    with_dates = visible_text(render(kind, sample).content)
    first = sample.demands_on[0]  # type: ignore[attr-defined]
    assert (f"{first.year}年{first.month}月{first.day}日" if locale == "zh-CN"
            else f"{first.day} {first:%B} {first.year}") in with_dates
    none = visible_text(render(kind, sample.model_copy(update={"demands_on": ()})).content)
    assert ("书面催收" not in none and "至今" in none) if locale == "zh-CN" else "written demand" not in none


@pytest.mark.parametrize("kind", WITH_DEMANDS)
def test_demand_dates_out_of_order_or_range_are_refused(kind: str) -> None:
    sample = sample_context(kind, "zh-CN")
    data = sample.model_dump()
    for bad in ((date(2024, 3, 1), date(2024, 2, 20)), (date(2030, 1, 1),), (date(2000, 1, 1),)):
        with pytest.raises(ValidationError, match="demands_on must be in order"):
            type(sample).model_validate({**data, "demands_on": bad})
