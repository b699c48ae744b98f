"""Breach notices: the acceleration notice and the notice of a broken repayment arrangement.

The samples and their variants are covered by the shared tests (golden texts, lint, determinism);
these tests cover the builders (a matter's facts + the workflow's params -> the context), each
letter refused with the field named, and the wording the samples fix in place: acceleration on
the contract's clause (never a statute), effective on delivery, the whole balance stated.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from documents import golden, lint
from documents.contexts import LOCALES, LetterBase, sample_case, sample_context
from documents.kinds.breach import AccelerationNoticeContext, ArrangementBreachContext
from documents.registry import REGISTRY, LetterFacts, LetterInvalid, build
from documents.renderer import render, template_variables, visible_text
from domain.allocation import Balance
from domain.money import Money
from domain.parties import Asset
from tests.factories import make_intake

LETTER_DATE = date(2026, 10, 1)  # the intake factory's loan is overdue since 1 September 2026


def _cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def _facts(locale: str = "zh-CN", *, contract: dict[str, Any] | None = None, **intake: Any) -> LetterFacts:
    made = make_intake(external_ref=f"BR-{uuid.uuid4().hex[:10]}", locale=locale, **intake)
    if contract:
        made = made.model_copy(update={"contract": made.contract.model_copy(update=contract)})
    balance = Balance.from_overdue(made.overdue)
    return LetterFacts(matter_id=str(uuid.uuid4()), reference="RC-TEST-BREACH", letter_date=LETTER_DATE,
                       intake=made, balance=balance, paid_total=Money.zero("CNY"), original_total=balance.total,
                       days_past_due=30)


def _accelerable(locale: str = "zh-CN", **intake: Any) -> LetterFacts:
    return _facts(locale, contract={"principal_not_due": _cny("150000.00"), "due_on": date(2029, 3, 15)}, **intake)


def _text(context: LetterBase) -> str:
    assert lint.lint(context.kind, context.locale, context=context) == []
    return visible_text(render(context.kind, context).content)


def _with(context: LetterBase, **changes: Any) -> Any:
    """A copy of `context` with `changes`, validated again (model_copy would skip the validators)."""
    return type(context).model_validate({**dict(context), **changes})


# ---- the registry -------------------------------------------------------------------------------

def test_both_kinds_are_registered_with_titles_recipients_and_builders() -> None:
    for kind, zh, en in (("acceleration_notice", "提前到期通知书", "Notice of Acceleration"),
                         ("arrangement_breach", "违约通知书（还款安排）", "Notice of Breach of Repayment Arrangement")):
        entry = REGISTRY[kind]
        assert (entry.title("zh-CN"), entry.title("en")) == (zh, en)
        assert entry.recipients == ("borrower",) and entry.builder is not None


# ---- acceleration notice: built from the record ---------------------------------------------------

def test_acceleration_notice_from_the_matters_facts() -> None:
    facts = _accelerable()
    letter = build("acceleration_notice", facts, {"clause": "第十二条"})
    assert isinstance(letter, AccelerationNoticeContext)
    arrears = facts.balance.total
    assert (letter.balance, letter.arrears_total, letter.principal_not_due, letter.total) == (
        facts.balance, arrears, _cny("150000.00"), arrears + _cny("150000.00"))
    assert (letter.overdue_since, letter.days_past_due) == (date(2026, 9, 1), 30)
    assert letter.pay_by == date(2026, 10, 8)  # the letter's date + 7 days, as every demand
    assert letter.clause == "第十二条"
    assert (letter.secured, letter.guaranteed) == (True, 1)  # the factory's pledged car and guarantor
    assert build("acceleration_notice", facts, {"pay_within_days": 10}).pay_by == date(2026, 10, 11)  # type: ignore[attr-defined]


def test_acceleration_notice_names_only_the_security_the_record_has() -> None:
    bare = _accelerable(assets=[{"kind": "vehicle", "description": "a car, not pledged"}], guarantors=[])
    letter = build("acceleration_notice", bare, {})
    assert (letter.secured, letter.guaranteed) == (False, 0)  # type: ignore[attr-defined]
    text = _text(letter)
    assert "担保" not in text and "保证人" not in text and "（三）依照《征信业管理条例》" in text
    assert build("acceleration_notice", _accelerable(assets=[Asset(description="flat", pledged=True).model_dump()]),
                 {}).secured is True  # type: ignore[attr-defined]


@pytest.mark.parametrize(("contract", "message"), [
    ({"principal_not_due": None}, "contract.principal_not_due: the matter's record does not say"),
    ({"principal_not_due": Money.of("0.00", "CNY")}, "contract.principal_not_due: is zero"),
    ({"principal_not_due": Money.of("150000.00", "CNY"), "due_on": LETTER_DATE},
     "contract.due_on: the loan has matured"),
    ({"principal_not_due": Money.of("150000.00", "CNY"), "due_on": date(2026, 9, 30)}, "contract.due_on"),
])
def test_acceleration_is_refused_when_the_record_leaves_nothing_to_accelerate(
    contract: dict[str, Any], message: str,
) -> None:
    with pytest.raises(LetterInvalid, match=re.escape(message)):
        build("acceleration_notice", _facts(contract=contract), {})


def test_acceleration_context_refuses_amounts_that_do_not_add_up() -> None:
    sample = sample_context("acceleration_notice", "zh-CN")
    with pytest.raises(ValidationError, match="arrears_total: .* is not the sum of the balance buckets"):
        _with(sample, arrears_total=_cny("1.00"))
    with pytest.raises(ValidationError, match="total: .* is not arrears_total plus principal_not_due"):
        _with(sample, total=_cny("1.00"))
    with pytest.raises(ValidationError, match="principal_not_due: must be greater than zero"):
        _with(sample, principal_not_due=_cny("0.00"), total=sample.arrears_total)  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="principal_not_due: is in USD"):
        _with(sample, principal_not_due=Money.of("1.00", "USD"))
    with pytest.raises(ValidationError, match="pay_by: is before letter_date"):
        _with(sample, pay_by=date(2024, 4, 25))
    with pytest.raises(ValidationError, match="overdue_since: is after letter_date"):
        _with(sample, overdue_since=date(2024, 4, 27))
    zero = Balance(**{bucket: _cny("0.00") for bucket in ("costs", "fees", "penalty", "interest", "principal")})
    with pytest.raises(ValidationError, match="arrears_total: nothing is overdue"):
        _with(sample, balance=zero, arrears_total=zero.total, total=sample.principal_not_due)  # type: ignore[attr-defined]


def test_a_total_overridden_by_a_param_is_refused_with_the_field_named() -> None:
    with pytest.raises(LetterInvalid, match=r"acceleration_notice: .*total"):
        build("acceleration_notice", _accelerable(), {"principal_not_due": {"amount": "1.00", "currency": "CNY"}})


@pytest.mark.parametrize("clause", [None, "", "   "])
def test_without_a_clause_the_notice_rests_on_the_contract_without_a_number(clause: str | None) -> None:
    params = {} if clause is None else {"clause": clause}
    zh = build("acceleration_notice", _accelerable(), params)
    assert zh.clause is None  # type: ignore[attr-defined]
    assert "我方现依照借款合同的约定，宣布借款合同项下的全部借款提前到期。" in _text(zh)
    en = build("acceleration_notice", _accelerable("en"), params)
    assert "we hereby declare, under the Contract, the entire loan under the Contract due and payable" in _text(en)


@pytest.mark.parametrize("locale", LOCALES)
def test_acceleration_wording(locale: str) -> None:
    text = _text(sample_context("acceleration_notice", locale))
    if locale == "zh-CN":
        for phrase in ("依照借款合同第十二条的约定，宣布借款合同项下的全部借款提前到期",
                       "自本通知书送达之日起，借款合同项下尚未到期的借款本金人民币 162,000.00元"
                       "（大写：人民币壹拾陆万贰仟元整）",
                       "提前到期的未到期本金",
                       "合计应还金额为人民币 179,866.20元（大写：人民币壹拾柒万玖仟捌佰陆拾陆元贰角）",
                       "上述金额计算至2024年4月26日，此后的利息、罚息依照借款合同约定继续计收",
                       "于2024年5月3日（含当日）前将上述全部欠款归还", "第一百九十五条"):
            assert phrase in text, phrase
    else:
        for phrase in ("under clause 12 of the Contract, the entire loan under the Contract due and payable",
                       "From the date this notice is delivered to you, the principal not yet due under the Contract, "
                       "CNY 162,000.00", "Principal not yet due, now accelerated", "Total amount now due",
                       "The amounts above are calculated up to 26 April 2024",
                       "no later than 3 May 2024", "Article 195"):
            assert phrase in text, phrase


@pytest.mark.parametrize("case", ["acceleration_notice", "acceleration_notice.no_clause"])
@pytest.mark.parametrize("locale", LOCALES)
def test_the_acceleration_cites_the_contract_and_no_statute_for_it(case: str, locale: str) -> None:
    text = golden.golden_path(case, locale).read_text(encoding="utf-8")
    # The only statute is art. 195 (limitation); art. 673 (a loan used for another purpose) and
    # art. 676 (overdue interest) are no basis for acceleration.
    articles = re.findall(r"(?<!借款合同)第[一二三四五六七八九十百零]+条", text)  # the contract's clause aside
    assert articles == (["第一百九十五条"] if locale == "zh-CN" else [])
    assert re.findall(r"Articles? \d+", text) == ([] if locale == "zh-CN" else ["Article 195"])


# ---- arrangement breach: params from the workflow ---------------------------------------------------

def _breach_params(**changes: Any) -> dict[str, Any]:
    """Params as a workflow history carries them: dates as ISO strings, Money as objects."""
    params: dict[str, Any] = {
        "arrangement": "settlement",
        "agreement_date": "2026-09-10",
        "missed_instalment": 2,
        "missed_due_on": "2026-09-25",
        "missed_amount": {"amount": "6300.00", "currency": "CNY"},
        "waiver_lapsed": True,
        "waived_amount": {"amount": "618.00", "currency": "CNY"},
    }
    params.update(changes)
    return {k: v for k, v in params.items() if v is not None}


def test_arrangement_breach_from_facts_and_params() -> None:
    facts = _facts()
    letter = build("arrangement_breach", facts, _breach_params())
    assert isinstance(letter, ArrangementBreachContext)
    assert (letter.arrangement, letter.agreement_date, letter.missed_instalment, letter.missed_due_on) == (
        "settlement", date(2026, 9, 10), 2, date(2026, 9, 25))
    assert (letter.missed_amount, letter.waived_amount) == (_cny("6300.00"), _cny("618.00"))
    assert (letter.balance, letter.total, letter.pay_by) == (facts.balance, facts.balance.total, date(2026, 10, 8))
    assert (letter.secured, letter.guaranteed) == (True, 1)
    text = _text(letter)
    assert "2026年9月10日，您与我方就借款合同项下欠款的清偿签订了和解协议。" in text
    assert "减免人民币 618.00元（大写：人民币陆佰壹拾捌元整）已经失效" in text
    amendment = build("arrangement_breach", _facts("en"),
                      _breach_params(arrangement="amendment", waiver_lapsed=False, waived_amount=None))
    text = _text(amendment)
    assert "(the “Amendment Agreement”)" in text and "Waiver lapsed" not in text and "waiver" not in text


@pytest.mark.parametrize(("changes", "field"), [
    ({"waived_amount": None}, "waived_amount: required when waiver_lapsed is true"),
    ({"waiver_lapsed": False}, "waived_amount: given but waiver_lapsed is false"),
    ({"waived_amount": {"amount": "0.00", "currency": "CNY"}}, "waived_amount: must be greater than zero"),
    ({"waived_amount": {"amount": "19518.00", "currency": "CNY"}}, "waived_amount: is not less than the total"),
    ({"waived_amount": {"amount": "618.00", "currency": "USD"}}, "waived_amount: is in USD"),
    ({"missed_due_on": "2026-10-02"}, "missed_due_on: is not before letter_date"),
    ({"missed_due_on": "2026-10-01"}, "missed_due_on: is not before letter_date"),  # due today: not yet missed
    ({"missed_due_on": "2026-09-09"}, "missed_due_on: is before agreement_date"),
    ({"agreement_date": "2024-03-14"}, "agreement_date: is before the loan contract was signed"),
    ({"missed_amount": {"amount": "0.00", "currency": "CNY"}}, "missed_amount: must be greater than zero"),
    ({"missed_amount": {"amount": "19518.01", "currency": "CNY"}}, "missed_amount: is more than the total now owed"),
    ({"missed_instalment": 0}, "missed_instalment: Input should be greater than or equal to 1"),
    ({"arrangement": "promise"}, "arrangement: Input should be 'settlement' or 'amendment'"),
    ({"arrangement": None}, "arrangement: Field required"),
    ({"missed_due_on": None}, "missed_due_on: Field required"),
    ({"missed_amount": None}, "missed_amount: Field required"),
    ({"agreement_date": "last week"}, "agreement_date: Input should be a valid date"),
    ({"pay_within_days": -30}, "pay_by: is before letter_date"),
])
def test_arrangement_breach_refusals_name_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(LetterInvalid, match=re.escape(field)) as refused:
        build("arrangement_breach", _facts(), _breach_params(**changes))
    assert str(refused.value).startswith("arrangement_breach: ")


def test_arrangement_breach_context_refuses_a_total_not_the_balance() -> None:
    sample = sample_context("arrangement_breach", "zh-CN")
    with pytest.raises(ValidationError, match="total: .* is not the sum of the balance buckets"):
        _with(sample, total=_cny("1.00"))


@pytest.mark.parametrize("locale", LOCALES)
def test_arrangement_breach_wording(locale: str) -> None:
    settlement = _text(sample_context("arrangement_breach", locale))
    amendment = _text(sample_case("arrangement_breach.amendment", locale))
    if locale == "zh-CN":
        assert "依照和解协议的约定，您应当于2024年6月15日（含当日）前支付第2期款项人民币 6,300.00元" in settlement
        assert "您未足额支付该期款项，已违反和解协议的约定" in settlement
        assert "减免失效：" in settlement and "减免" not in amendment
        assert "签订了借款合同补充协议（以下称“补充协议”）" in amendment and "已违反补充协议的约定" in amendment
        for text in (settlement, amendment):
            assert "于2024年7月1日（含当日）前将上述欠款全额归还" in text and "采取法律行动，包括但不限于" in text
            assert "第一百九十五条" in text
    else:
        assert ("you were to pay instalment No. 2 of CNY 6,300.00 (in words: Six thousand three hundred yuan only) "
                "no later than 15 June 2024") in settlement
        assert "Waiver lapsed. Under the Settlement Agreement" in settlement and "waiver" not in amendment
        assert "you are in breach of the Amendment Agreement" in amendment
        for text in (settlement, amendment):
            assert "no later than 1 July 2024" in text and "we may take legal action" in text
            assert "without further notice" not in text
    # Security and guarantors only where the record has them: the sample a guarantor, the variant a pledge.
    assert ("要求保证人承担保证责任" if locale == "zh-CN" else "require the guarantor to perform") in settlement
    assert ("依法就担保财产优先受偿" if locale == "zh-CN" else "enforce the security given") in amendment
    assert ("保证人" if locale == "zh-CN" else "guarantor") not in amendment


@pytest.mark.parametrize("case", ["acceleration_notice.no_clause", "arrangement_breach.amendment"])
@pytest.mark.parametrize("locale", LOCALES)
def test_the_variants_lint_clean(case: str, locale: str) -> None:
    context = sample_case(case, locale)
    assert lint.lint(context.kind, locale, context=context) == []
    assert type(context).model_validate_json(context.model_dump_json()) == context


def test_an_amount_not_stated_is_not_stated_in_words_either() -> None:
    variables = template_variables(sample_case("arrangement_breach.amendment", "zh-CN"))
    assert (variables["waived_amount"], variables["waived_amount_in_words"]) == ("", "")
    stated = template_variables(sample_context("arrangement_breach", "zh-CN"))
    assert stated["waived_amount_in_words"] == "人民币陆佰壹拾捌元整"
