"""What issue 9 asks of the documents a firm files: a referral for arbitration never speaks of appeals (an
award is final), a pleading carries no creditor letterhead, and every claim is a specific amount."""

from __future__ import annotations

import pytest

from documents.contexts import sample_case, sample_context
from documents.renderer import render, visible_text

LOCALES = ("zh-CN", "en")
PLEADINGS = ("civil_complaint", "arbitration_application", "preservation_application", "enforcement_application")


@pytest.mark.parametrize("locale", LOCALES)
def test_a_referral_for_arbitration_never_mentions_an_appeal(locale: str) -> None:
    text = visible_text(render("referral_instruction", sample_case("referral_instruction.arbitration", locale)).content)
    for word in ("上诉", "二审", "判决", "appeal", "judgment", "first instance"):
        assert word not in text, word
    assert ("仲裁" in text) if locale == "zh-CN" else ("arbitration" in text)
    court = visible_text(render("referral_instruction", sample_context("referral_instruction", locale)).content)
    assert ("上诉期限" in court) if locale == "zh-CN" else ("appeal period" in court)  # the control: litigation does


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", PLEADINGS)
def test_a_pleading_has_no_letterhead_and_no_open_ended_claim(kind: str, locale: str) -> None:
    context = sample_context(kind, locale)
    lines = visible_text(render(kind, context).content).splitlines()
    creditor = context.creditor.name  # type: ignore[attr-defined]
    title_at = next(i for i, line in enumerate(lines) if line.strip())
    assert creditor not in lines[title_at], lines[:3]  # the first line is the title, not the bank's letterhead
    text = "\n".join(lines)
    assert "以实际支出为准" not in text and "actually incurred" not in text


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", ("power_of_attorney", "settlement_agreement", "amendment_agreement"))
def test_a_branch_signs_by_its_head_and_the_legal_person_by_its_legal_representative(kind: str, locale: str) -> None:
    zh = locale == "zh-CN"
    branch = sample_context(kind, locale)
    assert branch.creditor.name.endswith("分行" if zh else "Branch")  # type: ignore[attr-defined]
    head, legal = ("负责人", "法定代表人") if zh else ("Head of Branch", "Legal representative")
    text = visible_text(render(kind, branch).content)
    assert head in text and legal not in text
    head_office = branch.model_copy(update={
        "creditor": branch.creditor.model_copy(update={  # type: ignore[attr-defined]
            "name": "江南信诚银行股份有限公司" if zh else "Jiangnan Xincheng Bank Co., Ltd."}),
        "representative_title": None})
    head_office = type(branch).model_validate(head_office.model_dump())
    text = visible_text(render(kind, head_office).content)
    assert legal in text and head not in text


def test_a_resident_id_gives_the_gender_and_date_of_birth_and_a_bad_one_is_refused_by_reason() -> None:
    from datetime import date

    from pydantic import ValidationError

    from documents.kinds.court import Particulars, particulars_from_resident_id

    p = particulars_from_resident_id("310104198511202318", ethnicity="汉族")
    assert (p.gender, p.born_on, p.ethnicity) == ("male", date(1985, 11, 20), "汉族")
    assert particulars_from_resident_id("11010519491231002X", ethnicity="回族").gender == "female"
    with pytest.raises(ValueError, match="check digit"):
        particulars_from_resident_id("310104198511202319", ethnicity="汉族")
    with pytest.raises(ValueError, match="not an 18-digit"):
        particulars_from_resident_id("P51873204", ethnicity="汉族")
    with pytest.raises(ValidationError, match="exactly one"):
        Particulars(gender="male", born_on=date(1980, 1, 1))


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", PLEADINGS)
def test_every_natural_person_in_a_pleading_has_their_particulars(kind: str, locale: str) -> None:
    text = visible_text(render(kind, sample_context(kind, locale)).content)
    people = 1 + len(getattr(sample_context(kind, locale), "guarantors", ()))
    assert text.count("出生" if locale == "zh-CN" else "born on") == people
