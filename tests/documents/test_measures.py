"""The measures a demand threatens are those the matter's record supports (security, guarantors)."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from activities.matter import letter_context
from documents.contexts import sample_context
from documents.renderer import render, visible_text
from domain.parties import Asset, Guarantor
from tests.activities.test_letters import letter_request
from tests.factories import make_intake

ZH_THREE = {(False, 0): None, (True, 0): "（三）依法就担保财产优先受偿；",
            (False, 1): "（三）要求保证人承担保证责任；",
            (True, 2): "（三）依法就担保财产优先受偿，并要求保证人承担保证责任；"}
EN_THREE = {(False, 0): None, (True, 0): "(3) enforce the security given for the loan; ",
            (False, 1): "(3) require the guarantor to perform the guarantee; ",
            (True, 2): "(3) enforce the security given for the loan and require the guarantors to perform the "
                       "guarantees; "}


@pytest.mark.parametrize("kind", ["collection_notice", "reminder_letter"])
@pytest.mark.parametrize(("secured", "guaranteed"), list(ZH_THREE))
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_security_and_guarantors_are_named_only_when_the_matter_has_them(
    kind: str, secured: bool, guaranteed: int, locale: str,
) -> None:
    context = sample_context(kind, locale).model_copy(update={"secured": secured, "guaranteed": guaranteed})
    text = visible_text(render(kind, context).content)
    assert "追偿" not in text  # the guarantor's recourse against the debtor, not the creditor's claim
    assert "without further notice" not in text  # more letters follow on the ladder
    if locale == "zh-CN":
        expected = ZH_THREE[(secured, guaranteed)]
        numbers = ["（一）", "（二）", "（三）", "（四）"] + (["（五）"] if expected else [])
        absent = "（五）" if not expected else "（六）"
    else:
        expected = EN_THREE[(secured, guaranteed)]
        numbers = ["(1) ", "(2) ", "(3) ", "(4) "] + (["(5) "] if expected else [])
        absent = "(5) " if not expected else "(6) "
    if expected:
        assert expected in text
    else:
        assert "担保" not in text and "guarant" not in text and "security" not in text
    positions = [text.index(n) for n in numbers]
    assert positions == sorted(positions) and absent not in text


def test_the_letter_request_says_what_the_intake_holds() -> None:
    bare = make_intake().model_copy(update={"assets": (), "guarantors": ()})
    full = bare.model_copy(update={
        "assets": (Asset(kind="vehicle", description="a car, not pledged"),
                   Asset(kind="real_estate", description="the flat", pledged=True)),
        "guarantors": (Guarantor(name="李四", id_number="110105198001011234"),
                       Guarantor(name="王五", id_number="110105198001015678")),
    })
    unpledged = bare.model_copy(update={"assets": (Asset(kind="deposit", description="an account"),)})
    for kind in ("collection_notice", "reminder_letter"):
        assert (letter_context(letter_request(bare, kind)).secured,  # type: ignore[attr-defined]
                letter_context(letter_request(bare, kind)).guaranteed) == (False, 0)  # type: ignore[attr-defined]
        context = letter_context(letter_request(full, kind))
        assert (context.secured, context.guaranteed) == (True, 2)  # type: ignore[attr-defined]
        assert letter_context(letter_request(unpledged, kind)).secured is False  # type: ignore[attr-defined]


@pytest.mark.parametrize(("secured", "guaranteed", "zh", "en"), [
    (False, 0, None, None),
    (True, 0, "（三）依法就借款合同项下的抵押物、质物等担保财产优先受偿；（四）",
     "(3) enforce the mortgage, pledge or other security for the loan; and (4) "),
    (True, 3, "（三）依法就借款合同项下的抵押物、质物等担保财产优先受偿，并要求保证人在保证范围内承担保证责任；（四）",
     "(3) enforce the mortgage, pledge or other security for the loan and require the guarantors to pay within the "
     "scope of the guarantees; and (4) "),
])
def test_the_final_demand_names_only_the_security_the_matter_has(
    secured: bool, guaranteed: int, zh: str | None, en: str | None,
) -> None:
    for locale, expected, last in (("zh-CN", zh, "（三）依照《征信业管理条例》"), ("en", en, "; and (3) report")):
        context = sample_context("final_demand", locale).model_copy(
            update={"secured": secured, "guaranteed": guaranteed})
        text = visible_text(render("final_demand", context).content)
        if expected is None:
            assert last in text and "保证人" not in text and "guarantor" not in text
        else:
            assert expected in text


@pytest.mark.parametrize(("reminders", "zh", "en"), [
    ((), "书面催收通知书，但您至今", "collection notice on 15 March 2024, but the debt"),
    ((date(2024, 4, 12),), "书面催收通知书，此后又于2024年4月12日向您发出书面还款提醒函，但",
     "on 15 March 2024 and a written reminder on 12 April 2024, but"),
    ((date(2024, 4, 1), date(2024, 4, 12), date(2024, 5, 6)),
     "此后又先后于2024年4月1日、2024年4月12日、2024年5月6日向您发出书面还款提醒函，但",
     "and written reminders on 1 April 2024, 12 April 2024 and 6 May 2024, but"),
])
def test_the_final_demand_states_the_reminders_actually_sent(reminders: tuple[date, ...], zh: str, en: str) -> None:
    for locale, expected in (("zh-CN", zh), ("en", en)):
        context = sample_context("final_demand", locale).model_copy(update={"reminders_on": reminders})
        text = visible_text(render("final_demand", context).content)
        assert expected in text and "多次" not in text and "several times" not in text


@pytest.mark.parametrize("reminders", [(date(2024, 5, 6), date(2024, 4, 12)), (date(2024, 3, 1),),
                                       (date(2024, 5, 21),)])
def test_reminder_dates_out_of_order_or_range_are_refused(reminders: tuple[date, ...]) -> None:
    data = sample_context("final_demand", "zh-CN").model_dump()
    with pytest.raises(ValidationError, match="reminders_on must be in order, between first_demand_on and letter_date"):
        type(sample_context("final_demand", "zh-CN")).model_validate({**data, "reminders_on": reminders})
