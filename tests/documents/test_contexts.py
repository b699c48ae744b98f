"""Letter contexts: the registry, the samples, and letters refused because they would be wrong."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from documents.contexts import (
    CONTEXTS,
    KINDS,
    LOCALES,
    ClosureLetterContext,
    CollectionNoticeContext,
    EvidenceCatalogContext,
    ReminderLetterContext,
    sample_context,
)
from domain.money import Money


def test_registry_maps_each_kind_to_its_model() -> None:
    core = {
        "collection_notice": CollectionNoticeContext,
        "reminder_letter": ReminderLetterContext,
        "closure_letter": ClosureLetterContext,
        "evidence_catalog": EvidenceCatalogContext,
    }
    # The core kinds, plus the families registered from documents/kinds/*.py.
    assert {k: CONTEXTS[k] for k in core} == core
    for kind, model in CONTEXTS.items():
        assert model.kind == kind


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", KINDS)
def test_samples_are_valid_and_in_their_locale(kind: str, locale: str) -> None:
    context = sample_context(kind, locale)
    assert isinstance(context, CONTEXTS[kind])
    assert context.locale == locale
    assert (context.borrower.name == "张伟") == (locale == "zh-CN")
    # Round trip as Temporal's pydantic converter would do it.
    assert type(context).model_validate_json(context.model_dump_json()) == context


def test_sample_rejects_unknown_kind_and_locale() -> None:
    with pytest.raises(ValueError, match="unknown letter kind"):
        sample_context("lawyer_letter", "zh-CN")
    with pytest.raises(ValueError, match="unknown locale"):
        sample_context("collection_notice", "fr")


def test_contexts_are_frozen_and_forbid_extra_fields() -> None:
    context = sample_context("collection_notice", "zh-CN")
    with pytest.raises(ValidationError):
        context.reference = "other"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="extra"):
        CollectionNoticeContext(**{**dict(context), "surprise": 1})


def test_demand_total_must_equal_the_balance() -> None:
    context = sample_context("collection_notice", "zh-CN")
    with pytest.raises(ValidationError, match="not the sum"):
        CollectionNoticeContext(**{**dict(context), "total": Money.of("1.00", "CNY")})


def test_pay_by_cannot_precede_the_letter() -> None:
    context = sample_context("reminder_letter", "en")
    with pytest.raises(ValidationError, match="pay_by"):
        ReminderLetterContext(**{**dict(context), "pay_by": date(2020, 1, 1)})


def test_reminder_sequence_starts_at_one() -> None:
    context = sample_context("reminder_letter", "en")
    with pytest.raises(ValidationError):
        ReminderLetterContext(**{**dict(context), "sequence": 0})


def test_closure_amounts_share_a_currency() -> None:
    context = sample_context("closure_letter", "zh-CN")
    with pytest.raises(ValidationError, match="currencies"):
        ClosureLetterContext(**{**dict(context), "total_paid": Money.of("1.00", "USD")})
