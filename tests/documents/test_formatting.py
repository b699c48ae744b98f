"""Amounts, dates and ordinals as letters print them; capital numerals decode back exactly."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from documents.formatting import (
    capital_numerals,
    chinese_count,
    english_ordinal,
    format_date,
    format_money,
)
from domain.money import Money

_DIGITS = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_PLACES = {"拾": 10, "佰": 100, "仟": 1000}


def _decode(words: str) -> int:
    """Capital numerals back to fen (cents): an independent reading of what the letter says."""
    assert words.startswith("人民币")
    text = words.removeprefix("人民币")
    result = wan = section = digit = 0
    yuan = 0
    fen = 0
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _PLACES:
            section += digit * _PLACES[char]
            digit = 0
        elif char == "万":
            wan = (section + digit) * 10**4
            section = digit = 0
        elif char == "亿":
            result = (result + wan + section + digit) * 10**8
            wan = section = digit = 0
        elif char == "元":
            yuan = result + wan + section + digit
            result = wan = section = digit = 0
        elif char == "角":
            fen += digit * 10
            digit = 0
        elif char == "分":
            fen += digit
            digit = 0
        else:
            assert char == "整", f"unexpected {char!r} in {words}"
    return yuan * 100 + fen


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("19518.00", "人民币壹万玖仟伍佰壹拾捌元整"),
        ("0.00", "人民币零元整"),
        ("0.50", "人民币伍角"),
        ("0.05", "人民币伍分"),
        ("10.05", "人民币壹拾元零伍分"),
        ("17688.85", "人民币壹万柒仟陆佰捌拾捌元捌角伍分"),
        ("100000.00", "人民币壹拾万元整"),
        ("10010.00", "人民币壹万零壹拾元整"),
        ("100100.00", "人民币壹拾万零壹佰元整"),
        ("101000.00", "人民币壹拾万壹仟元整"),
        ("100010000.00", "人民币壹亿零壹万元整"),
        ("1000000001.00", "人民币壹拾亿零壹元整"),
        ("105000000.00", "人民币壹亿零伍佰万元整"),
        ("1200000000000.00", "人民币壹万贰仟亿元整"),
    ],
)
def test_capital_numerals_known_values(amount: str, words: str) -> None:
    assert capital_numerals(Money.of(amount, "CNY")) == words


def test_capital_numerals_only_for_yuan_currencies() -> None:
    assert capital_numerals(Money.of("100.00", "USD")) == "美元壹佰元整"
    assert capital_numerals(Money.of("100.00", "EUR")) == ""
    assert capital_numerals(Money.of("100", "JPY")) == ""
    assert capital_numerals(Money.of("10000000000000000.00", "CNY")) == ""


@given(st.integers(min_value=0, max_value=10**18 - 1))
def test_capital_numerals_decode_back_to_the_same_amount(fen: int) -> None:
    words = capital_numerals(Money.from_minor(fen, "CNY"))
    assert "零零" not in words
    assert not words.endswith("零")
    assert _decode(words) == fen


def test_money_and_dates_per_locale() -> None:
    money = Money.of("19518.00", "CNY")
    assert format_money(money, "en") == "CNY 19,518.00"
    assert format_money(money, "zh-CN") == "人民币 19,518.00元"
    assert format_money(Money.of("1000.00", "USD"), "zh-CN") == "美元 1,000.00"
    assert format_money(Money.of("1000", "JPY"), "en") == "JPY 1,000"
    assert format_date(date(2024, 3, 5), "zh-CN") == "2024年3月5日"
    assert format_date(date(2024, 3, 5), "en") == "5 March 2024"


@pytest.mark.parametrize(
    ("number", "zh", "en"),
    [(1, "一", "First"), (2, "二", "Second"), (10, "十", "Tenth"), (11, "十一", "11th"),
     (12, "十二", "12th"), (21, "二十一", "21st"), (22, "二十二", "22nd"), (113, "113", "113th")],
)
def test_ordinals(number: int, zh: str, en: str) -> None:
    assert chinese_count(number) == zh
    assert english_ordinal(number) == en
