"""The complaint, the arbitration application and the power of attorney drafted from a matter's record
(`documents/kinds/_filings.py`): every fact from the record at the letter's date, what the record lacks
named when missing, and the forum the contract's dispute clause decides."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from documents.registry import LetterFacts, LetterInvalid, build
from documents.renderer import render, visible_text
from domain.allocation import Balance
from domain.money import Money
from tests.factories import make_intake

LETTER_DATE = date(2026, 12, 4)
ARBITRATION = {"forum": "arbitration", "institution": "北京仲裁委员会", "article": "第二十条",
               "text": "因本合同引起的争议，提交北京仲裁委员会仲裁。仲裁裁决是终局的。"}


def facts(locale: str = "zh-CN", paid: str = "0.00", **contract: Any) -> LetterFacts:
    base = make_intake(locale=locale)
    made = make_intake(locale=locale, external_ref=f"F-{uuid.uuid4().hex[:8]}",
                       contract={**base.contract.model_dump(mode="json"), "penalty_rate": "0.072", **contract})
    balance = Balance.from_overdue(made.overdue)
    if paid != "0.00":  # a payment before the letter's date: taken off interest first
        balance = balance.model_copy(update={"interest": balance.interest - Money.of(paid, "CNY")})
    return LetterFacts(matter_id=str(uuid.uuid4()), reference="RC-TEST-LS", letter_date=LETTER_DATE, intake=made,
                       balance=balance, paid_total=Money.of(paid, "CNY"), original_total=balance.total,
                       days_past_due=94, accelerated_on=date(2026, 10, 20))


def params(**changes: Any) -> dict[str, Any]:
    return {
        "representative": "王建国", "contact_person": "李敏（法律合规部）", "contact_phone": "010-88880001",
        "borrower_particulars": {"gender": "male", "born_on": "1980-01-01", "ethnicity": "汉族"},
        "guarantor_particulars": [{"gender": "female", "born_on": "1982-02-02", "ethnicity": "回族"}],
        "demands_on": ["2026-08-01", "2026-09-10", "2026-10-05", "2026-12-30"],
        "court": "北京市朝阳区人民法院", "evidence_catalog_reference": "P1-0123456789abcdef", "evidence_count": 6,
        **changes,
    }


def test_the_complaint_states_the_record_as_of_its_date() -> None:
    f = facts(paid="200.00")
    ctx: Any = build("civil_complaint", f, params())
    assert ctx.calculated_to == LETTER_DATE and ctx.total == f.balance.total
    assert ctx.balance.interest == Money.of("1000.00", "CNY")  # the payment deducted
    assert ctx.penalty_rate == Decimal("7.2") and ctx.accelerated_on == date(2026, 10, 20)
    # Only the demands since the default and up to the letter's date; in order.
    assert ctx.demands_on == (date(2026, 9, 10), date(2026, 10, 5))
    assert ctx.court == "北京市朝阳区人民法院" and not ctx.agreed_jurisdiction
    assert ctx.copies == 2 and ctx.guarantors[0].particulars.ethnicity == "回族"
    assert ctx.representative_title == "负责人"  # 华夏示范银行股份有限公司北京分行: a branch
    text = visible_text(render(ctx.kind, ctx).content)
    assert "负责人：王建国" in text and "法定代表人" not in text
    assert "男，1980年1月1日出生，汉族" in text and "女，1982年2月2日出生，回族" in text
    assert "7.2%" in text and "P1-0123456789abcdef" in text
    assert "以实际支出为准" not in text


def test_the_agreed_court_is_the_court_and_what_is_missing_is_named() -> None:
    f = facts(dispute={"forum": "court", "court": "北京市西城区人民法院"})
    ctx: Any = build("civil_complaint", f, params(court=None))
    assert ctx.court == "北京市西城区人民法院" and ctx.agreed_jurisdiction
    with pytest.raises(LetterInvalid, match=r"^court: required"):
        build("civil_complaint", facts(), params(court=None))
    with pytest.raises(LetterInvalid, match=r"^contract.penalty_rate: "):
        build("civil_complaint", facts(penalty_rate=None), params())
    with pytest.raises(LetterInvalid, match=r"^guarantor_particulars: 0 given for the 1 guarantor"):
        build("civil_complaint", facts(), params(guarantor_particulars=[]))
    with pytest.raises(LetterInvalid, match=r"^borrower_particulars: give the ethnicity"):
        build("civil_complaint", facts(), params(borrower_particulars={"gender": "male", "born_on": "1980-01-01"}))
    for missing in ("representative", "contact_person", "contact_phone", "evidence_catalog_reference"):
        with pytest.raises(LetterInvalid, match=rf"^{missing}: required"):
            build("civil_complaint", facts(), params(**{missing: None}))


def test_an_arbitration_clause_decides_the_forum() -> None:
    f = facts(dispute=ARBITRATION)
    with pytest.raises(LetterInvalid, match=r"^forum: the contract's dispute clause submits disputes to arbitration"):
        build("civil_complaint", f, params())
    assert build("civil_complaint", f, params(override_reason="the clause names no existing commission"))
    ctx: Any = build("arbitration_application", f, params())
    assert ctx.commission == "北京仲裁委员会" and ctx.arbitration_clause == "第二十条" and ctx.copies == 1
    text = visible_text(render(ctx.kind, ctx).content)
    assert "北京仲裁委员会" in text and "上诉" not in text  # an award is final: no appeal is mentioned
    with pytest.raises(LetterInvalid, match=r"^forum: the contract has no arbitration clause"):
        build("arbitration_application", facts(), params())


def test_the_power_of_attorney_names_the_firm_s_lawyers_before_the_court() -> None:
    agents = [{"name": "陈静", "law_firm": "上海申衡律师事务所", "licence_number": "13101200910187654"}]
    ctx: Any = build("power_of_attorney", facts(), params(agents=agents, special_authorisation=True))
    assert ctx.court == "北京市朝阳区人民法院" and ctx.legal_representative == "王建国"
    assert ctx.agents[0].licence_number == "13101200910187654" and ctx.special_authorisation
    assert ctx.representative_title == "负责人"
    with pytest.raises(LetterInvalid, match=r"^agents: required"):
        build("power_of_attorney", facts(), params())


def test_before_an_arbitration_commission_the_power_of_attorney_has_no_appeal() -> None:
    agents = [{"name": "陈静", "law_firm": "上海申衡律师事务所", "licence_number": "13101200910187654"}]
    ctx: Any = build("power_of_attorney", facts(dispute=ARBITRATION), params(
        agents=agents, special_authorisation=True, forum="arbitration", court="北京仲裁委员会"))
    assert ctx.forum == "arbitration" and ctx.court == "北京仲裁委员会" and "仲裁" in ctx.case_title
    text = visible_text(render(ctx.kind, ctx).content)
    assert "致：北京仲裁委员会" in text and "仲裁代理人" in text
    assert "上诉" not in text and "民事诉讼法" not in text  # an award is final


def preservation(**changes: Any) -> dict[str, Any]:
    return params(**{"assets": [{"asset": 0, "location": "北京市公安局交通管理局车辆管理所登记"}],
                     "security": {"provider": "中国人民财产保险股份有限公司北京市分公司",
                                  "instrument": "诉讼财产保全责任保险保函", "reference": "PICC-BJ-1",
                                  "amount": {"amount": "30000.00", "currency": "CNY"}},
                     **changes})


def test_the_preservation_application_takes_the_claim_and_the_assets_from_the_record() -> None:
    f = facts()
    ctx: Any = build("preservation_application", f, preservation())
    assert ctx.pre_suit and ctx.case_number is None and ctx.claim_amount == f.balance.total
    assert ctx.preserve_amount == f.balance.total  # the whole claim unless a smaller amount is asked
    [asset] = ctx.assets
    assert asset.description == f.intake.assets[0].description and asset.estimated_value == Money.of("50000.00",
                                                                                                     "CNY")
    assert ctx.demands_on == (date(2026, 8, 1), date(2026, 9, 10), date(2026, 10, 5))  # since the contract
    text = visible_text(render(ctx.kind, ctx).content)
    assert "负责人：王建国" in text and "小型轿车 京A12345" in text and "PICC-BJ-1" in text
    in_suit: Any = build("preservation_application", f, preservation(case_number="(2026)京0105民初1号",
                                                                     preserve_amount={"amount": "10000.00",
                                                                                      "currency": "CNY"}))
    assert not in_suit.pre_suit and in_suit.preserve_amount == Money.of("10000.00", "CNY")
    with pytest.raises(LetterInvalid, match=r"^assets.0.asset: not an asset on record"):
        build("preservation_application", f, preservation(assets=[{"asset": 3, "location": "x"}]))
    with pytest.raises(LetterInvalid, match=r"pre-suit preservation needs security equal to the amount"):
        build("preservation_application", f, preservation(security={
            "provider": "P", "instrument": "I", "reference": "R", "amount": {"amount": "100.00", "currency": "CNY"}}))


def test_in_the_case_the_bank_may_ask_to_be_excused_from_security_on_its_ground() -> None:
    f = facts()
    case = "(2026)京0105民初1号"
    ctx: Any = build("preservation_application", f, preservation(
        case_number=case, security=None, excused={"ground": "financial_institution", "licence": "B0001B211000001"}))
    assert ctx.security_amount is None and ctx.excuse_ground == "financial_institution"
    text = visible_text(render(ctx.kind, ctx).content)
    assert "金融机构的分支机构（金融许可证机构编码：B0001B211000001）" in text  # the creditor is a branch
    assert "第九条第（六）项，申请人请求贵院不要求申请人提供担保" in text and "担保函" not in text
    facts_clear: Any = build("preservation_application", facts("en"), preservation(
        case_number=case, security=None, excused={"ground": "clear_facts", "reason": "the borrower acknowledged the "
                                                                                    "debt in writing"}))
    text = visible_text(render(facts_clear.kind, facts_clear).content)
    assert "unlikely: the borrower acknowledged the debt in writing. Under Article 9(5)" in text
    assert "letter of guarantee" not in text
    with pytest.raises(LetterInvalid, match=r"^excused: pre-suit preservation needs the applicant's security"):
        build("preservation_application", f, preservation(security=None, excused={"ground": "clear_facts",
                                                                                    "reason": "x"}))
