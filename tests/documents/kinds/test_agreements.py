"""The amendment agreement: its parties, guarantor clause and copies follow the guarantors it lists."""

from __future__ import annotations

import pytest

from documents.contexts import sample_context
from documents.formatting import chinese_quantity, english_count
from documents.kinds.agreements import GuarantorConsent
from documents.renderer import render, visible_text


def _text(locale: str, *guarantors: tuple[str, bool]) -> str:
    listed = tuple(GuarantorConsent(name=n, id_number=f"ID{i:04d}", consents=c) for i, (n, c) in enumerate(guarantors))
    context = sample_context("amendment_agreement", locale).model_copy(update={"guarantors": listed})
    return visible_text(render("amendment_agreement", context).content)


def test_no_guarantor_says_so_and_two_parties_sign() -> None:
    zh, en = _text("zh-CN"), _text("en")
    assert "原合同未设保证担保。" in zh and "丙方" not in zh and "一式两份" in zh
    assert "The Original Contract is not guaranteed." in en and "Party C" not in en and "in two counterparts" in en


def test_one_signing_guarantor_is_party_c() -> None:
    zh, en = _text("zh-CN", ("李娜", True)), _text("en", ("Sarah", True))
    assert "丙方（保证人）：李娜" in zh and "丙方（签字并按指印）：李娜" in zh and "一式三份" in zh
    assert "未设保证担保" not in zh and "未在本协议上签字" not in zh
    assert "Party C (Guarantor): Sarah" in en and "in three counterparts" in en and "has not signed" not in en


def test_several_signing_guarantors_are_numbered_and_each_gets_a_copy() -> None:
    zh = _text("zh-CN", ("甲一", True), ("乙二", True), ("丙三", True))
    assert "丙方1（保证人）：甲一" in zh and "丙方3（保证人）：丙三" in zh and "丙方2（签字并按指印）：乙二" in zh
    assert "一式五份" in zh
    en = _text("en", ("Ann", True), ("Bob", True))
    assert "Party C-1 (Guarantor): Ann" in en and "Party C-2: Bob" in en and "in four counterparts" in en


@pytest.mark.parametrize("signing", [True, False])
def test_a_guarantor_who_does_not_sign_is_no_party_and_art_695_is_stated(signing: bool) -> None:
    zh = _text("zh-CN", *([("李娜", True)] if signing else []), ("王强", False), ("赵六", False))
    first = 1 if signing else 0  # the ids follow the order listed
    assert (f"原合同的保证人王强（身份证件号码：ID{first:04d}）、赵六（身份证件号码：ID{first + 1:04d}）"
            "未在本协议上签字同意本协议所作的变更") in zh
    assert "上述保证人对加重的部分不承担保证责任；本协议变更履行期限的，其保证期间不受影响" in zh
    assert "丙方1（保证人）：王强" not in zh and "（保证人）：王强" not in zh and "未设保证担保" not in zh
    assert ("一式三份" if signing else "一式两份") in zh and ("丙方确认" in zh) is signing
    en = _text("en", ("Tom", False))
    assert "Tom (ID/Passport No. ID0000), guarantor of the Original Contract, has not signed this Agreement" in en
    assert "that guarantor is not liable for any part by which this Agreement increases the debt" in en
    assert "Party C" not in en.split("7. Guarantors")[0]


def test_counts_in_words() -> None:
    assert [chinese_quantity(n) for n in (2, 3, 10, 12, 22)] == ["两", "三", "十", "十二", "二十二"]
    assert [english_count(n) for n in (1, 2, 20, 21)] == ["one", "two", "twenty", "21"]
