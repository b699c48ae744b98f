"""Demands: final demand, promise-to-pay confirmation, lawyer's letter, demand on a guarantor.

The samples are covered by the shared tests (lint, golden texts, determinism); these tests
cover the rules (guarantee period, caps, grace period), the letters refused as wrong on their
face, and the wording of the variants the samples do not show (a general guarantee, no cap,
an agreed guarantee period, no grace period, a creditor with no contact details).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from documents import lint
from documents.contexts import LOCALES, LetterBase, sample_context
from documents.kinds.demands import (
    FinalDemandContext,
    GuarantorDemandContext,
    LawyersLetterContext,
    PromiseToPayConfirmationContext,
    add_months,
    guarantee_period_end,
)
from documents.renderer import render, visible_text
from domain.money import Money
from domain.parties import Creditor, Guarantor

KINDS = ("final_demand", "ptp_confirmation", "lawyers_letter", "guarantor_demand")


def _cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def _with(context: LetterBase, **changes: Any) -> Any:
    """A copy of `context` with `changes`, validated again (model_copy would skip the validators)."""
    return type(context)(**{**dict(context), **changes})


def _guarantor_demand(locale: str, **guarantor_changes: Any) -> GuarantorDemandContext:
    """The sample demand on a guarantor, with the guarantor changed and the period recomputed."""
    sample = sample_context("guarantor_demand", locale)
    assert isinstance(sample, GuarantorDemandContext)
    guarantor = Guarantor(**{**dict(sample.guarantor), **guarantor_changes})
    return _with(sample, guarantor=guarantor,
                 guarantee_period_ends_on=guarantee_period_end(sample.main_debt_due_on, guarantor.period_ends_on))


def _text(context: LetterBase) -> str:
    assert lint.lint(context.kind, context.locale, context=context) == []
    return visible_text(render(context.kind, context).content)


# ---- rules -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2024, 3, 29), 6, date(2024, 9, 29)),
    (date(2024, 8, 31), 6, date(2025, 2, 28)),  # no 31 February: the month's last day (art. 202)
    (date(2023, 8, 31), 6, date(2024, 2, 29)),
    (date(2024, 9, 30), 6, date(2025, 3, 30)),
    (date(2024, 12, 15), 1, date(2025, 1, 15)),
])
def test_add_months_takes_the_corresponding_day_or_the_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_guarantee_period_follows_article_692() -> None:
    due = date(2024, 3, 29)
    assert guarantee_period_end(due, None) == date(2024, 9, 29)  # silent: six months
    assert guarantee_period_end(due, date(2025, 3, 29)) == date(2025, 3, 29)  # agreed, after the due date
    # Agreed to end before or together with the main debt: treated as not agreed.
    assert guarantee_period_end(due, due) == date(2024, 9, 29)
    assert guarantee_period_end(due, date(2024, 1, 1)) == date(2024, 9, 29)


# ---- letters refused ---------------------------------------------------------------------------

def test_final_demand_refuses_wrong_totals_and_dates() -> None:
    context = sample_context("final_demand", "zh-CN")
    with pytest.raises(ValidationError, match="not the sum"):
        _with(context, total=_cny("1.00"))
    with pytest.raises(ValidationError, match="pay_by"):
        _with(context, pay_by=date(2024, 5, 19))
    with pytest.raises(ValidationError, match="first_demand_on"):
        _with(context, first_demand_on=date(2024, 2, 1))  # before the loan fell overdue
    with pytest.raises(ValidationError, match="first_demand_on"):
        _with(context, first_demand_on=date(2024, 5, 21))  # after this letter


def test_promise_cannot_exceed_the_debt_or_be_empty() -> None:
    context = sample_context("ptp_confirmation", "en")
    assert isinstance(context, PromiseToPayConfirmationContext)
    assert _with(context, promised_amount=context.total).promised_amount == context.total
    with pytest.raises(ValidationError, match="exceeds the total"):
        _with(context, promised_amount=context.total + _cny("0.01"))
    with pytest.raises(ValidationError, match="greater than zero"):
        _with(context, promised_amount=_cny("0.00"))
    with pytest.raises(ValidationError, match="USD"):
        _with(context, promised_amount=Money.of("100.00", "USD"))


def test_promise_grace_period_and_dates() -> None:
    context = sample_context("ptp_confirmation", "zh-CN")
    with pytest.raises(ValidationError, match="grace_ends_on"):
        _with(context, grace_days=5)  # grace_ends_on still says three days
    with pytest.raises(ValidationError, match="promise_due_on"):
        _with(context, promise_due_on=date(2024, 4, 17), grace_ends_on=date(2024, 4, 20))
    with pytest.raises(ValidationError, match="promise_made_on"):
        _with(context, promise_made_on=date(2024, 4, 19))
    with pytest.raises(ValidationError):
        _with(context, grace_days=-1)


def test_lawyers_letter_instruction_comes_before_the_letter() -> None:
    context = sample_context("lawyers_letter", "zh-CN")
    with pytest.raises(ValidationError, match="instructed_on"):
        _with(context, instructed_on=date(2024, 6, 19))
    with pytest.raises(ValidationError, match="instructed_on"):
        _with(context, instructed_on=date(2022, 1, 1))  # before the contract existed
    with pytest.raises(ValidationError):
        _with(context, lawyer={"name": "李明远", "licence_number": ""})


def test_guarantor_claim_is_capped_by_the_cap_and_the_debt() -> None:
    context = sample_context("guarantor_demand", "zh-CN")
    with pytest.raises(ValidationError, match="cap"):
        _with(context, amount_claimed=_cny("15000.01"))
    uncapped = _guarantor_demand("zh-CN", cap=None)
    assert _with(uncapped, amount_claimed=uncapped.total).amount_claimed == uncapped.total
    with pytest.raises(ValidationError, match="exceeds the total"):
        _with(uncapped, amount_claimed=uncapped.total + _cny("0.01"))
    with pytest.raises(ValidationError, match="cap is in USD"):
        _guarantor_demand("zh-CN", cap=Money.of("15000.00", "USD"))


def test_guarantee_period_end_must_be_the_statutory_one() -> None:
    context = sample_context("guarantor_demand", "en")
    with pytest.raises(ValidationError, match="art. 692 gives 2024-09-29"):
        _with(context, guarantee_period_ends_on=date(2024, 9, 30))


def test_joint_guarantor_cannot_be_claimed_against_after_the_period() -> None:
    context = _guarantor_demand("zh-CN")
    late = {"letter_date": date(2024, 9, 30), "pay_by": date(2024, 10, 10)}
    assert _with(context, letter_date=date(2024, 9, 29), pay_by=date(2024, 10, 9))  # the last day still counts
    with pytest.raises(ValidationError, match="discharged"):
        _with(context, **late)
    general = _guarantor_demand("zh-CN", guarantee_type="general")
    with pytest.raises(ValidationError, match="debtor_proceedings"):
        _with(general, **late)
    assert _with(general, **late, debtor_proceedings="（2024）沪0105民初12345号").debtor_proceedings


# ---- wording of the variants ------------------------------------------------------------------

@pytest.mark.parametrize("locale", LOCALES)
def test_final_demand_names_the_legal_actions_and_the_limitation_rule(locale: str) -> None:
    text = _text(sample_context("final_demand", locale))
    if locale == "zh-CN":
        for phrase in ("最后催告", "提起诉讼", "仲裁", "财产保全", "保证人", "金融信用信息基础数据库",
                       "第一百九十五条", "2024年5月30日（含当日）前"):
            assert phrase in text
    else:
        for phrase in ("final demand before we take legal action", "proceedings", "arbitration",
                       "preservation of your property", "guarantor", "Financial Credit Information Database",
                       "Article 195", "no later than 30 May 2024"):
            assert phrase in text


@pytest.mark.parametrize("locale", LOCALES)
def test_ptp_confirmation_is_signed_by_both_parties(locale: str) -> None:
    context = sample_context("ptp_confirmation", locale)
    text = _text(context)
    lines = text.splitlines()
    if locale == "zh-CN":
        assert "债权人：江南信诚银行股份有限公司上海分行（盖章）" in lines
        assert "借款人：张伟" in lines and "签字（并捺印）：____________________" in lines
        assert "第一百九十五条" in text and "3天宽限期，即至2024年5月3日止" in text
        assert "剩余欠款仍应依照借款合同约定清偿" in text  # 6,000.00 of 17,740.92
    else:
        assert "Acknowledged and agreed by the Borrower, Daniel Whitaker" in lines
        assert "Article 195" in text and "grace period of 3 days, until 3 May 2024" in text
        assert "the rest remains payable" in text
    assert lines[-1].startswith(("日期：__", "Date: __"))  # the borrower signs last


@pytest.mark.parametrize("locale", LOCALES)
def test_ptp_without_grace_and_for_the_whole_debt(locale: str) -> None:
    sample = sample_context("ptp_confirmation", locale)
    assert isinstance(sample, PromiseToPayConfirmationContext)
    context = _with(sample, grace_days=0, grace_ends_on=sample.promise_due_on, promised_amount=sample.total)
    text = _text(context)
    assert ("不设宽限期" if locale == "zh-CN" else "No grace period applies") in text
    assert ("剩余欠款" if locale == "zh-CN" else "the rest remains payable") not in text
    if locale == "en":
        one_day = _with(sample, grace_days=1, grace_ends_on=date(2024, 5, 1))
        assert "grace period of 1 day, until 1 May 2024" in _text(one_day)


@pytest.mark.parametrize("locale", LOCALES)
def test_lawyers_letter_is_the_law_firms(locale: str) -> None:
    context = sample_context("lawyers_letter", locale)
    assert isinstance(context, LawyersLetterContext)
    lines = _text(context).splitlines()
    assert lines[0] == context.law_firm.name  # the firm's letterhead, not the creditor's
    assert context.law_firm.address in lines[1]
    assert not any(line.startswith(context.creditor.name) for line in lines)
    assert any(context.lawyer.licence_number in line and context.lawyer.name in line for line in lines[-4:])
    assert "Submitted by:" not in lines


@pytest.mark.parametrize("locale", LOCALES)
def test_lawyers_letter_for_a_creditor_without_contact_details(locale: str) -> None:
    sample = sample_context("lawyers_letter", locale)
    bare = _with(sample, creditor=Creditor(name=sample.creditor.name),
                 law_firm={"name": "上海申衡律师事务所", "address": "上海市静安区南京西路1266号"})
    text = _text(bare)
    assert "（）" not in text and "()" not in text
    assert ("统一社会信用代码" if locale == "zh-CN" else "Unified Social Credit Code") not in text


@pytest.mark.parametrize("locale", LOCALES)
def test_joint_guarantor_is_asked_to_pay_within_the_period(locale: str) -> None:
    text = _text(sample_context("guarantor_demand", locale))
    lines = text.splitlines()
    if locale == "zh-CN":
        assert "致：王芳（保证人）" in lines
        assert "连带责任保证" in text and "第六百八十八条" in text and "第六百八十七条" not in text
        assert "最高不超过人民币 15,000.00元" in text and "即至2024年9月29日届满" in text
        assert "支付人民币 15,000.00元（大写：人民币壹万伍仟元整）" in text
    else:
        assert "To: Margaret Lin (Guarantor)" in lines
        assert "joint and several guarantor" in text and "Article 688" in text and "Article 687" not in text
        assert "up to a maximum of CNY 15,000.00" in text and "ends on 29 September 2024" in text
        assert "Yours faithfully," in lines and "Submitted by:" not in lines
    addressee_end = next(i for i, line in enumerate(lines) if line.startswith(("联系电话：", "Tel.: "))) + 1
    assert not any("张伟" in line or "Daniel Whitaker" in line for line in lines[:addressee_end])


@pytest.mark.parametrize("locale", LOCALES)
def test_the_guarantor_is_never_shown_the_borrower_s_full_id_or_address(locale: str) -> None:
    context = sample_context("guarantor_demand", locale)
    text = _text(context)
    borrower = context.borrower  # type: ignore[attr-defined]
    assert borrower.id_number not in text and ("*" * (len(borrower.id_number) - 4) + borrower.id_number[-4:]) in text
    assert borrower.address and borrower.address not in text


@pytest.mark.parametrize("locale", LOCALES)
def test_general_guarantor_keeps_the_right_of_prior_defence(locale: str) -> None:
    context = _guarantor_demand(locale, guarantee_type="general", cap=None)
    text = _text(context)
    if locale == "zh-CN":
        assert "一般保证" in text and "第六百八十七条" in text and "第六百八十八条" not in text
        assert "保证合同未约定最高限额" in text
        assert "我方将在保证期间内就主合同纠纷对债务人提起诉讼" in text
    else:
        assert "a general guarantor" in text and "Article 687" in text and "Article 688" not in text
        assert "sets no maximum amount" in text
        assert "We will bring proceedings against the Debtor" in text
    sued = _text(_with(context, debtor_proceedings="(2024) Hu 0105 Min Chu No. 12345"))
    assert "(2024) Hu 0105 Min Chu No. 12345" in sued


@pytest.mark.parametrize("locale", LOCALES)
def test_agreed_guarantee_period_and_one_deemed_not_agreed(locale: str) -> None:
    agreed = _text(_guarantor_demand(locale, period_ends_on=date(2025, 3, 29)))
    assert ("保证合同约定的保证期间至2025年3月29日届满" if locale == "zh-CN"
            else "The guarantee period agreed in the Guarantee ends on 29 March 2025") in agreed
    deemed = _text(_guarantor_demand(locale, period_ends_on=date(2024, 3, 29)))
    assert ("视为没有约定" if locale == "zh-CN" else "treated as not agreed") in deemed
    assert ("2024年9月29日" if locale == "zh-CN" else "29 September 2024") in deemed


@pytest.mark.parametrize("kind", KINDS)
def test_contexts_round_trip_as_temporal_would_carry_them(kind: str) -> None:
    context = sample_context(kind, "en")
    assert type(context).model_validate_json(context.model_dump_json()) == context
    assert isinstance(context, FinalDemandContext | PromiseToPayConfirmationContext | LawyersLetterContext
                      | GuarantorDemandContext)


@pytest.mark.parametrize("locale", LOCALES)
def test_lint_reads_the_guarantee_type_as_a_code_not_as_text(locale: str) -> None:
    # The letter states the guarantee type in words; the code itself never appears, and need not.
    context = sample_context("guarantor_demand", locale)
    assert "joint_and_several" not in visible_text(render("guarantor_demand", context).content)
    assert lint.lint("guarantor_demand", locale) == []
