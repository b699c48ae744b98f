"""The settlement and amendment agreements built from an approved proposal (`domain.arrangements`).

The matter workflow renders an agreement through the registry: `build(kind, facts, params)` with
the proposal as its history carries it (JSON: dates as ISO strings, Money as objects). These tests
cover the builders (proposal + facts -> context), the refusals (each naming its field), and the
wording the data chooses: what is waived bucket by bucket (principal included), a waiver that
lapses on default or stands, a restructuring that carries the whole debt. The samples and their
variants are covered by the shared tests too (golden texts, determinism).
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from documents import lint
from documents.contexts import LOCALES, LetterBase, sample_case, sample_context
from documents.kinds.agreements import (
    AmendmentAgreementContext,
    GuarantorConsent,
    SettlementAgreementContext,
    Waived,
    _rate_percent,
)
from documents.registry import REGISTRY, LetterFacts, LetterInvalid, build
from documents.renderer import render, visible_text
from domain.allocation import Balance
from domain.arrangements import (
    AmendmentProposal,
    Instalment,
    InterestClause,
    SettlementProposal,
    Waivers,
    build_schedule,
)
from domain.money import Money
from tests.factories import make_intake

# The intake factory's loan: overdue since 1 September 2026, 19,518.00 owed (principal 18,000.00,
# interest 1,200.00, penalty 218.00, fees 100.00), one guarantor (李娜 / Jane Doe).
PROPOSED_ON = date(2026, 10, 9)
APPROVED_ON = date(2026, 10, 10)
LETTER_DATE = date(2026, 10, 12)  # issued for signing


def _cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def _facts(locale: str = "zh-CN", **intake: Any) -> LetterFacts:
    made = make_intake(external_ref=f"AG-{uuid.uuid4().hex[:10]}", locale=locale, **intake)
    balance = Balance.from_overdue(made.overdue)
    return LetterFacts(matter_id=str(uuid.uuid4()), reference="RC-TEST-AGREE", letter_date=LETTER_DATE,
                       intake=made, balance=balance, paid_total=Money.zero("CNY"), original_total=balance.total,
                       days_past_due=41)


def _json(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "CNY"}


def _balance() -> Balance:
    return Balance(costs=_cny("0.00"), fees=_cny("100.00"), penalty=_cny("218.00"), interest=_cny("1200.00"),
                   principal=_cny("18000.00"))


def _settlement(**changes: Any) -> dict[str, Any]:
    """A settlement as approved: penalty, fees and 200.00 of interest waived (518.00), 19,000.00 in three
    instalments; as JSON, then `changes` (JSON too) applied."""
    proposal = SettlementProposal(
        proposal_id="P-2026-0042", proposed_by="alice", proposed_on=PROPOSED_ON, balance=_balance(),
        waivers=Waivers(penalty=_cny("218.00"), fees=_cny("100.00"), interest=_cny("200.00")),
        instalments=(Instalment(number=1, due_on=date(2026, 10, 20), amount=_cny("7000.00")),
                     Instalment(number=2, due_on=date(2026, 11, 20), amount=_cny("6000.00")),
                     Instalment(number=3, due_on=date(2026, 12, 20), amount=_cny("6000.00"))),
        guarantor_consents={"李娜": True},
    )
    return {**proposal.model_dump(mode="json"), **changes}


CLAUSE = InterestClause(annual_rate=Decimal("0.0435"), day_count="actual/365", start_on=LETTER_DATE)
DUE = [date(2026, 10 + n, 12) if n < 3 else date(2027, n - 2, 12) for n in range(1, 7)]  # 12 Nov 2026 .. 12 Apr 2027


def _amendment(principal: str = "19200.00", clause: InterestClause = CLAUSE, **changes: Any) -> dict[str, Any]:
    """A restructuring as approved: principal and interest (19,200.00) carried at 4.35% over six monthly
    rows, penalty and fees (318.00) payable on signing; as JSON, then `changes` applied."""
    restructured = _cny(principal)
    proposal = AmendmentProposal(
        proposal_id="P-2026-0043", proposed_by="alice", proposed_on=PROPOSED_ON, balance=_balance(),
        restructured_principal=restructured, clause=clause, rows=build_schedule(restructured, clause, DUE),
        guarantor_consents={"李娜": True},
    )
    return {**proposal.model_dump(mode="json"), **changes}


def _params(proposal: dict[str, Any], **changes: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"proposal": proposal, "approver_name": "王芳", "approver_role": "manager",
                              "approved_on": APPROVED_ON.isoformat()}
    params.update(changes)
    return {k: v for k, v in params.items() if v is not None}


def _text(context: LetterBase) -> str:
    assert lint.lint(context.kind, context.locale, context=context) == []
    assert type(context).model_validate_json(context.model_dump_json()) == context  # as an activity input
    return visible_text(render(context.kind, context).content)


def _settle(locale: str = "zh-CN", proposal: dict[str, Any] | None = None, **params: Any) -> Any:
    return build("settlement_agreement", _facts(locale), _params(proposal or _settlement(), **params))


def _amend(locale: str = "zh-CN", proposal: dict[str, Any] | None = None, facts: LetterFacts | None = None,
           **params: Any) -> Any:
    return build("amendment_agreement", facts or _facts(locale), _params(proposal or _amendment(), **params))


def test_both_agreements_have_builders_that_interpret_the_approval() -> None:
    for kind in ("settlement_agreement", "amendment_agreement"):
        entry = REGISTRY[kind]
        assert entry.builder is not None and entry.recipients == ("borrower", "guarantor")
        assert entry.interprets == {"approver_name", "approver_role", "approved_on"}


# ---- settlement agreement -------------------------------------------------------------------------

def test_settlement_agreement_from_an_approved_proposal() -> None:
    letter = _settle()
    assert isinstance(letter, SettlementAgreementContext)
    assert (letter.letter_date, letter.balance_as_of, letter.balance, letter.total) == (
        LETTER_DATE, PROPOSED_ON, _balance(), _cny("19518.00"))
    assert (letter.settlement_amount, letter.waived_amount) == (_cny("19000.00"), _cny("518.00"))
    assert letter.waivers == (Waived(bucket="interest", amount=_cny("200.00")),
                              Waived(bucket="penalty", amount=_cny("218.00")),
                              Waived(bucket="fees", amount=_cny("100.00")))
    assert letter.waiver_lapses_on_default is True
    assert [(i.number, i.due_date, i.amount) for i in letter.instalments] == [
        (1, date(2026, 10, 20), _cny("7000.00")), (2, date(2026, 11, 20), _cny("6000.00")),
        (3, date(2026, 12, 20), _cny("6000.00"))]
    assert (letter.approver_name, letter.approver_role, letter.approved_on) == ("王芳", "经理", APPROVED_ON)
    text = _text(letter)
    for phrase in ("截至2026年10月9日，乙方在借款合同项下尚欠甲方款项明细如下",
                   "甲方同意乙方以人民币 19,000.00元（大写：人民币壹万玖仟元整）（以下称“和解金额”）清偿全部欠款，"
                   "并在乙方依本协议足额按期付清和解金额的前提下，减免全部欠款与和解金额之间的差额人民币 518.00元",
                   "减免的款项为：利息人民币 200.00元、罚息人民币 218.00元、其他应付费用人民币 100.00元。"
                   "借款本金不予减免。",
                   "本协议项下的减免已经甲方经理王芳于2026年10月10日依甲方授权审批同意。",
                   "乙方应按下表约定分3期付清和解金额",
                   "第二条约定的减免自动失效，全部欠款扣除乙方已付款项后的余额立即到期",
                   "第四条至第七条、第五百四十三条关于协商一致变更合同及第五百七十五条关于债务免除的规定",
                   "签订日期：2026年10月12日"):
        assert phrase in text, phrase


def test_a_principal_discount_is_stated_with_the_charges_and_no_principal_is_not_claimed() -> None:
    # Every charge and 3,000.00 of principal waived: 15,000.00, below the principal, settles the debt.
    proposal = _settlement(
        waivers={"costs": None, "fees": {"amount": "100.00", "currency": "CNY"},
                 "penalty": {"amount": "218.00", "currency": "CNY"},
                 "interest": {"amount": "1200.00", "currency": "CNY"}},
        principal_discount={"amount": "3000.00", "currency": "CNY"},
        instalments=[{"number": 1, "due_on": "2026-10-20", "amount": {"amount": "7500.00", "currency": "CNY"}},
                     {"number": 2, "due_on": "2026-11-20", "amount": {"amount": "7500.00", "currency": "CNY"}}])
    zh = _settle(proposal=proposal, approver_name=["王芳", "赵磊"])
    assert (zh.settlement_amount, zh.waived_amount) == (_cny("15000.00"), _cny("4518.00"))
    assert zh.settlement_amount < zh.balance.principal
    assert [w.bucket for w in zh.waivers] == ["interest", "penalty", "fees", "principal"]
    text = _text(zh)
    assert ("减免的款项为：利息人民币 1,200.00元、罚息人民币 218.00元、其他应付费用人民币 100.00元、"
            "借款本金人民币 3,000.00元。") in text
    assert "不予减免" not in text and "限于利息" not in text
    assert "本协议项下的减免已经甲方经理王芳、赵磊于2026年10月10日依甲方授权审批同意。" in text
    en = _text(_settle("en", proposal=proposal, approver_name=["Wang Fang", "Zhao Lei"]))
    assert ("The amounts waived are: interest CNY 1,200.00, penalty interest CNY 218.00, fees CNY 100.00 and "
            "principal CNY 3,000.00.") in en
    assert "No principal is waived" not in en and "no principal" not in en
    assert "by Wang Fang and Zhao Lei, managers of Party A" in en


@pytest.mark.parametrize("locale", LOCALES)
def test_a_waiver_that_does_not_lapse_leaves_only_the_unpaid_settlement_amount_due(locale: str) -> None:
    kept = _text(_settle(locale, proposal=_settlement(waiver_lapses_on_default=False)))
    lapsing = _text(_settle(locale))
    if locale == "zh-CN":
        assert "并减免全部欠款与和解金额之间的差额人民币 518.00元" in kept
        assert "该减免自本协议生效之日起生效，不因乙方此后未按期付款而失效。" in kept
        assert ("乙方任何一期款项未按期足额支付的，和解金额中乙方尚未支付的部分立即全部到期，甲方有权要求乙方立即清偿，"
                "并依法提起诉讼或者申请仲裁、申请财产保全和强制执行。第二条约定的减免不因此失效，"
                "甲方不再就已减免的款项向乙方主张权利。") in kept
        for phrase in ("自动失效", "前提下", "解除本协议", "全部欠款扣除乙方已付款项后的余额"):
            assert phrase not in kept and phrase in lapsing, phrase
    else:
        assert "in full settlement of the Debt and waives the difference of CNY 518.00" in kept
        assert "does not lapse if Party B later fails to pay on time" in kept
        assert ("the whole unpaid part of the Settlement Amount becomes immediately due" in kept
                and "The waiver under clause 2 does not lapse: Party A will not claim the amounts waived." in kept)
        for phrase in ("lapses automatically", "provided that Party B pays", "terminate this Agreement"):
            assert phrase not in kept and phrase in lapsing, phrase
    for text in (kept, lapsing):  # the legal basis stays as it is
        assert ("第五百七十五条" if locale == "zh-CN" else "Article 575 (release of a debt)") in text


@pytest.mark.parametrize("locale", LOCALES)
def test_a_settlement_waiving_nothing_says_so(locale: str) -> None:
    six = {"amount": "6506.00", "currency": "CNY"}
    proposal = _settlement(waivers={}, instalments=[
        {"number": n, "due_on": f"2026-{9 + n}-20", "amount": six} for n in (1, 2, 3)])
    letter = _settle(locale, proposal=proposal, waiver_lapses_on_default=False)
    assert (letter.waivers, letter.waived_amount, letter.settlement_amount) == ((), _cny("0.00"), _cny("19518.00"))
    text = _text(letter)
    if locale == "zh-CN":
        assert "清偿全部欠款，甲方不减免任何款项。" in text and "本协议已经甲方经理王芳" in text
        assert "减免的款项" not in text and "减免自动失效" not in text and "差额" not in text
        assert "甲方有权解除本协议，全部欠款扣除乙方已付款项后的余额立即到期" in text
    else:
        assert "in full settlement of the Debt; nothing is waived." in text and "This Agreement was approved" in text
        assert "amounts waived" not in text and "waiver" not in text.split("3. Approval")[1]


@pytest.mark.parametrize(("names", "role", "locale", "expected"), [
    ("李明", "manager", "zh-CN", ("李明", "经理")),
    (["李明", "王芳"], "manager", "zh-CN", ("李明、王芳", "经理")),
    ("李明", "legal_team", "zh-CN", ("李明", "法务团队")),
    ("李明", "法务团队", "zh-CN", ("李明", "法务团队")),
    ("Li Ming", "经理", "en", ("Li Ming", "manager")),
    (["Li Ming", "Wang Fang"], "manager", "en", ("Li Ming and Wang Fang", "managers")),
    (["Li Ming", "Wang Fang", "Zhao Lei"], "Manager", "en", ("Li Ming, Wang Fang and Zhao Lei", "managers")),
    (" Li Ming ", "legal team", "en", ("Li Ming", "member of the legal team")),
    (["Li Ming", "Wang Fang"], "legal_team", "en", ("Li Ming and Wang Fang", "members of the legal team")),
])
def test_the_approvers_are_named_in_the_letters_language(names: Any, role: str, locale: str,
                                                          expected: tuple[str, str]) -> None:
    for kind in ("settlement_agreement", "amendment_agreement"):
        proposal = _settlement() if kind == "settlement_agreement" else _amendment(guarantor_consents={})
        letter = build(kind, _facts(locale), _params(proposal, approver_name=names, approver_role=role))
        assert (letter.approver_name, letter.approver_role) == expected  # type: ignore[attr-defined]


@pytest.mark.parametrize(("proposal", "params", "message"), [
    # the instalments do not add up to the balance less what is waived
    (_settlement(instalments=[{"number": 1, "due_on": "2026-10-20", "amount": _json("18000.00")}]),
     {}, "proposal.instalments: the instalments total CNY 18,000.00, but the balance less what is waived is "
         "CNY 19,000.00"),
    # the balance is stated as of a day after the letter's
    (_settlement(proposed_on="2026-10-13"), {"approved_on": "2026-10-13"}, "balance_as_of: the proposal's date"),
    (None, {}, "proposal: required"),
    ({k: v for k, v in _settlement().items() if k != "instalments"}, {}, "proposal.instalments: Field required"),
    (_settlement(proposed_on="next week"), {}, "proposal.proposed_on: Input should be a valid date"),
    (_amendment(), {}, "proposal.kind: Input should be 'settlement'"),
    (_settlement(waivers={"penalty": {"amount": "300.00", "currency": "CNY"}}), {},
     "proposal.waivers.penalty: CNY 300.00 is more than the penalty owed"),
    (_settlement(principal_discount={"amount": "10.00", "currency": "USD"}), {},
     "proposal.principal_discount: is in USD"),
    # the first instalment falls due before the agreement is signed
    (_settlement(instalments=[{"number": 1, "due_on": "2026-10-11", "amount": _json("19000.00")}]),
     {}, "settlement_agreement: the first instalment falls due before letter_date"),
    (_settlement(), {"approver_role": "boss"}, "approver_role: expected one of"),
    (_settlement(), {"approver_role": None}, "approver_role: expected one of"),
    (_settlement(), {"approver_name": None}, "approver_name: required"),
    (_settlement(), {"approver_name": "  "}, "approver_name: required"),
    (_settlement(), {"approver_name": []}, "approver_name: required"),
    (_settlement(), {"approver_name": ["王芳", "王芳"]}, "approver_name: the same approver is named twice"),
    (_settlement(), {"approved_on": None}, "approved_on: required"),
    (_settlement(), {"approved_on": "soon"}, "approved_on: required"),
    (_settlement(), {"approved_on": "2026-10-08"}, "approved_on: is before the proposal's date"),
    (_settlement(), {"approved_on": "2026-10-13"}, "settlement_agreement: approved_on is after letter_date"),
])
def test_a_settlement_the_agreement_cannot_state_is_refused_with_the_field_named(
    proposal: dict[str, Any] | None, params: dict[str, Any], message: str,
) -> None:
    facts = _facts()
    raw = {"approver_name": "王芳", "approver_role": "manager", "approved_on": APPROVED_ON.isoformat(), **params}
    if proposal is not None:
        raw["proposal"] = proposal
    with pytest.raises(LetterInvalid, match=re.escape(message)) as refused:
        build("settlement_agreement", facts, {k: v for k, v in raw.items() if v is not None})
    assert facts.intake.borrower.name not in str(refused.value)


def _with(context: LetterBase, **changes: Any) -> Any:
    """A copy of `context` with `changes`, validated again (model_copy would skip the validators)."""
    return type(context).model_validate({**dict(context), **changes})


def test_the_settlement_context_refuses_waivers_that_do_not_add_up() -> None:
    sample = sample_context("settlement_agreement", "zh-CN")
    interest, penalty, fees = sample.waivers  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="waivers: the waivers add up to CNY 468.00, not to waived_amount"):
        _with(sample, waivers=(penalty, fees))
    with pytest.raises(ValidationError, match="waivers: each bucket once, in the order interest, penalty"):
        _with(sample, waivers=(penalty, interest, fees))
    with pytest.raises(ValidationError, match="waivers: each bucket once"):
        _with(sample, waivers=(interest, interest, fees))
    with pytest.raises(ValidationError, match="waivers: the waiver of costs must be positive"):
        _with(sample, waivers=(interest, penalty, fees, Waived(bucket="costs", amount=_cny("0.00"))))
    with pytest.raises(ValidationError, match="waivers: the waiver of penalty CNY 618.00 is more than the penalty"):
        _with(sample, waivers=(Waived(bucket="penalty", amount=_cny("618.00")),))
    with pytest.raises(ValidationError, match="waiver of interest is in USD"):
        _with(sample, waivers=(Waived(bucket="interest", amount=Money.of("150.00", "USD")), penalty, fees))
    lump_sum = (sample.instalments[0].model_copy(update={"amount": _cny("19518.00")}),)  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="waivers: the waivers add up to CNY 618.00, not to waived_amount"):
        _with(sample, settlement_amount=_cny("19518.00"), waived_amount=_cny("0.00"), instalments=lump_sum)
    # A principal discount is no longer refused as such: the settlement may be below the principal.
    discounted = sample_case("settlement_agreement.principal_discount", "zh-CN")
    assert discounted.settlement_amount < discounted.balance.principal  # type: ignore[attr-defined]


# ---- amendment agreement --------------------------------------------------------------------------

def test_amendment_agreement_from_an_approved_proposal() -> None:
    facts = _facts()
    proposal = _amendment()
    letter = _amend(facts=facts, proposal=proposal)
    assert isinstance(letter, AmendmentAgreementContext)
    rows = AmendmentProposal.model_validate(proposal).rows
    assert (letter.balance_as_of, letter.balance, letter.total) == (PROPOSED_ON, _balance(), _cny("19518.00"))
    assert (letter.restructured_principal, letter.payable_on_signing) == (_cny("19200.00"), _cny("318.00"))
    assert (letter.new_annual_rate, letter.effective_on) == (Decimal("4.35"), LETTER_DATE)
    assert [(r.number, r.due_date, r.principal, r.interest, r.total) for r in letter.schedule] == [
        (r.number, r.due_on, r.principal, r.interest, r.total) for r in rows]
    interest = sum((r.interest.amount for r in rows), Decimal(0))
    assert letter.total_interest == _cny(str(interest))
    assert letter.total_repayable == _cny("19200.00") + letter.total_interest
    assert letter.acceleration_grace_days == 30
    guarantor = facts.intake.guarantors[0]
    assert letter.guarantors == (GuarantorConsent(name=guarantor.name, id_number=guarantor.id_number, consents=True),)
    assert (letter.approver_name, letter.approver_role, letter.approved_on) == ("王芳", "经理", APPROVED_ON)
    text = _text(letter)
    for phrase in ("截至2026年10月9日，乙方在原合同项下尚欠甲方款项明细如下",
                   "上述欠款中的人民币 19,200.00元（大写：人民币壹万玖仟贰佰元整）"
                   "自2026年10月12日起作为重组后的借款本金",
                   "其余人民币 318.00元（大写：人民币叁佰壹拾捌元整）由乙方于本协议签订当日一次性付清",
                   "重组本金自2026年10月12日起按年利率4.35%计息", "乙方应按下表分6期归还重组本金并支付利息",
                   "2027年4月12日", "任何一期款项逾期超过30日",
                   "丙方（保证人）：李娜（身份证件号码：110105198202022345）",
                   "丙方确认已知悉并同意本协议对原合同所作的变更", "第六百九十五条",
                   "第八条　审批。本协议所作的变更已经甲方经理王芳于2026年10月10日依甲方授权审批同意。",
                   "本协议自各方签字、盖章且乙方依第二条付清款项之日起生效，一式三份"):
        assert phrase in text, phrase
    assert build("amendment_agreement", facts, _params(proposal, acceleration_grace_days=15)
                 ).acceleration_grace_days == 15  # type: ignore[attr-defined]


@pytest.mark.parametrize("locale", LOCALES)
def test_a_guarantor_who_has_not_consented_is_listed_as_not_signing(locale: str) -> None:
    letter = _amend(locale, proposal=_amendment(guarantor_consents={}))
    assert [g.consents for g in letter.guarantors] == [False]
    text = _text(letter)
    if locale == "zh-CN":
        assert "原合同的保证人李娜（身份证件号码：110105198202022345）未在本协议上签字同意本协议所作的变更" in text
        assert "丙方" not in text and "一式两份" in text
    else:
        assert "Jane Doe (ID/Passport No. CD654321A), guarantor of the Original Contract, has not signed" in text
        assert "Party C" not in text and "in two counterparts" in text
    # Several guarantors in the record: each listed, consenting only as the proposal says.
    second = {"name": "王强", "id_number": "310101197706124418", "guarantee_type": "general"}
    first = make_intake(locale="zh-CN").guarantors[0].model_dump(mode="json")
    both = _amend(facts=_facts(guarantors=[first, second]), proposal=_amendment(guarantor_consents={"王强": True}))
    assert [(g.name, g.consents) for g in both.guarantors] == [("李娜", False), ("王强", True)]
    assert _amend(facts=_facts(guarantors=[]), proposal=_amendment(guarantor_consents={})).guarantors == ()


@pytest.mark.parametrize("locale", LOCALES)
def test_the_whole_debt_carried_leaves_nothing_payable_on_signing(locale: str) -> None:
    guarantor = "李娜" if locale == "zh-CN" else "Jane Doe"
    letter = _amend(locale, proposal=_amendment("19518.00", guarantor_consents={guarantor: True}))
    assert (letter.restructured_principal, letter.payable_on_signing) == (_cny("19518.00"), _cny("0.00"))
    text = _text(letter)
    if locale == "zh-CN":
        assert ("上述欠款人民币 19,518.00元（大写：人民币壹万玖仟伍佰壹拾捌元整）"
                "自2026年10月12日起全部作为重组后的借款本金") in text
        assert "一次性付清" not in text and "本协议自各方签字、盖章之日起生效" in text
    else:
        assert "From 12 October 2026, the whole of that debt, CNY 19,518.00" in text
        assert "on the date of signing" not in text and "takes effect when signed and sealed by all parties. " in text


@pytest.mark.parametrize(("proposal", "params", "message"), [
    (_amendment("19600.00"), {}, "proposal.restructured_principal: is more than the balance"),
    (_amendment(clause=CLAUSE.model_copy(update={"start_on": date(2026, 10, 13)}), proposed_on="2026-10-13"),
     {"approved_on": "2026-10-13"}, "balance_as_of: the proposal's date"),
    (_amendment(guarantor_consents={"李娜": True, "王强": True}), {},
     "proposal.guarantor_consents: names someone who is not a guarantor in the matter's record"),
    (_amendment(rows=[{**_amendment()["rows"][0], "interest": {"amount": "1.00", "currency": "CNY"}},
                      *_amendment()["rows"][1:]]), {}, "proposal.rows[0].interest: CNY 1.00 is not the clause's"),
    (_amendment(restructured_principal={"amount": "19100.00", "currency": "CNY"}), {},
     "proposal.rows: the rows repay CNY 19,200.00 of principal, not the restructured principal CNY 19,100.00"),
    (_settlement(), {}, "proposal.kind: Input should be 'amendment'"),
    (None, {}, "proposal: required"),
    # interest would run from before the agreement is signed
    (_amendment(clause=CLAUSE.model_copy(update={"start_on": date(2026, 10, 10)})), {},
     "amendment_agreement: effective_on is before letter_date"),
    (_amendment(), {"acceleration_grace_days": 120}, "amendment_agreement: acceleration_grace_days: Input should be "
                                                     "less than or equal to 90"),
    (_amendment(clause=CLAUSE.model_copy(update={"annual_rate": Decimal("0.0435125")})), {},
     "amendment_agreement: new_annual_rate: Decimal input should have no more than 4 decimal places"),
    (_amendment(), {"approver_role": "director"}, "approver_role: expected one of"),
    (_amendment(), {"approved_on": "2026-10-08"}, "approved_on: is before the proposal's date"),
    (_amendment(), {"approved_on": "2026-10-13"}, "amendment_agreement: approved_on is after letter_date"),
])
def test_an_amendment_the_agreement_cannot_state_is_refused_with_the_field_named(
    proposal: dict[str, Any] | None, params: dict[str, Any], message: str,
) -> None:
    facts = _facts()
    raw = {"approver_name": "王芳", "approver_role": "manager", "approved_on": APPROVED_ON.isoformat(), **params}
    if proposal is not None:
        raw["proposal"] = proposal
    with pytest.raises(LetterInvalid, match=re.escape(message)) as refused:
        build("amendment_agreement", facts, raw)
    for pii in (facts.intake.borrower.name, facts.intake.guarantors[0].name, "王强"):
        assert pii not in str(refused.value)


@pytest.mark.parametrize(("rate", "percent"), [
    ("0.0435", "4.35"), ("0.05", "5"), ("0.1", "10"), ("0.043500", "4.35"), ("0.04355", "4.355"), ("0.0001", "0.01"),
])
def test_the_annual_rate_is_stated_in_percent(rate: str, percent: str) -> None:
    assert format(_rate_percent(Decimal(rate)), "f") == percent


# ---- the variants -------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["settlement_agreement.principal_discount", "settlement_agreement.waiver_kept",
                                  "amendment_agreement.all_carried"])
@pytest.mark.parametrize("locale", LOCALES)
def test_the_variants_lint_clean(case: str, locale: str) -> None:
    context = sample_case(case, locale)
    assert lint.lint(context.kind, locale, context=context) == []
    assert type(context).model_validate_json(context.model_dump_json()) == context


def test_the_all_carried_variant_follows_the_domains_schedule() -> None:
    variant = sample_case("amendment_agreement.all_carried", "zh-CN")
    assert isinstance(variant, AmendmentAgreementContext)
    clause = InterestClause(annual_rate=Decimal("0.0435"), start_on=variant.effective_on)
    rows = build_schedule(variant.total, clause, [r.due_date for r in variant.schedule])
    assert [(r.principal, r.interest) for r in rows] == [(r.principal, r.interest) for r in variant.schedule]
    assert variant.new_annual_rate == Decimal("4.35") and variant.payable_on_signing == _cny("0.00")
