"""Amounts in words: known vectors, and an independent parser that reads every amount back."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.amount_words import AmountWordsError, chinese_capital, english_words
from domain.money import Money

TOP = 10**12  # the range the letters must state exactly: 0.00 .. 10^12.00
CURRENCIES = ("CNY", "USD", "GBP", "EUR", "HKD")

# ---- independent readers: what a person reading the words would understand ---------------------

_ZH_DIGITS = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_ZH_PLACES = {"拾": 10, "佰": 100, "仟": 1000}
_ZH_PREFIXES = {"人民币": "CNY", "美元": "USD", "英镑": "GBP", "欧元": "EUR", "港币": "HKD"}


def parse_chinese(words: str) -> Money:
    """Capital numerals (with their currency prefix) back to Money, rejecting malformed text."""
    for prefix, code in _ZH_PREFIXES.items():
        if words.startswith(prefix):
            currency, text = code, words.removeprefix(prefix)
            break
    else:
        match = re.match(r"[A-Z]{3}", words)
        assert match, f"no currency in {words!r}"
        currency, text = match.group(), words[3:]
    assert "零零" not in text and not text.endswith("零"), words
    assert text.endswith(("整", "角", "分")), words
    assert text.endswith("整") == ("角" not in text and "分" not in text), words
    total = section = digit = 0  # total: whole 亿s; section: below 亿 so far; digit: pending digit
    pending = 0  # the part below 万 of the current section
    yuan = cents = 0
    for char in text:
        if char in _ZH_DIGITS:
            digit = _ZH_DIGITS[char]
        elif char in _ZH_PLACES:
            assert digit, f"place without digit in {words!r}"
            pending += digit * _ZH_PLACES[char]
            digit = 0
        elif char == "万":
            section += (pending + digit) * 10**4
            pending = digit = 0
        elif char == "亿":
            total = (total + section + pending + digit) * 10**8
            section = pending = digit = 0
        elif char == "元":
            yuan = total + section + pending + digit
            total = section = pending = digit = 0
        elif char == "角":
            cents += digit * 10
            digit = 0
        elif char == "分":
            cents += digit
            digit = 0
        else:
            assert char == "整", f"unexpected {char!r} in {words!r}"
    return Money.of(Decimal(yuan) + Decimal(cents) / 100, currency)


_EN_SMALL = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_EN_TENS = {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)}
_EN_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12, "quadrillion": 10**15}
_EN_MAJOR = {  # unit word -> (currency, singular?)
    "yuan": ("CNY", None), "dollar": ("USD", True), "dollars": ("USD", False),
    "hkdollar": ("HKD", True), "hkdollars": ("HKD", False), "pound": ("GBP", True), "pounds": ("GBP", False),
    "euro": ("EUR", True), "euros": ("EUR", False),
}
_EN_MINOR = {  # currency -> (singular, plural)
    "CNY": ("fen", "fen"), "USD": ("cent", "cents"), "HKD": ("cent", "cents"), "EUR": ("cent", "cents"),
    "GBP": ("penny", "pence"),
}


def _parse_number(tokens: list[str]) -> int:
    assert tokens, "a unit without a number"
    total = group = 0
    for token in tokens:
        if token == "and":
            continue
        if token in _EN_SMALL:
            group += _EN_SMALL[token]
        elif token in _EN_TENS:
            group += _EN_TENS[token]
        elif "-" in token:
            tens, ones = token.split("-")
            assert 0 < _EN_SMALL[ones] < 10, token
            group += _EN_TENS[tens] + _EN_SMALL[ones]
        elif token == "hundred":
            group *= 100
        else:
            total += group * _EN_SCALES[token]
            group = 0
    return total + group


def parse_english(words: str) -> Money:
    """English words back to Money: `Twelve pounds and five pence` -> GBP 12.05."""
    assert words[:1].isupper(), words
    text = words[0].lower() + words[1:]
    text = text.replace("Hong Kong dollars", "hkdollars").replace("Hong Kong dollar", "hkdollar")
    tokens = text.split()
    only = tokens[-1] == "only"
    if only:
        tokens.pop()
    at = next(i for i, token in enumerate(tokens) if token in _EN_MAJOR or re.fullmatch("[A-Z]{3}", token))
    major = _parse_number(tokens[:at])
    rest = tokens[at + 1:]
    if tokens[at] in _EN_MAJOR:
        currency, singular = _EN_MAJOR[tokens[at]]
        assert singular is None or singular == (major == 1), f"number and unit disagree in {words!r}"
    else:
        currency = tokens[at]
    minor = 0
    if only:
        assert rest == [], words
    elif currency in _EN_MINOR:
        assert rest[0] == "and" and len(rest) > 2, words
        minor = _parse_number(rest[1:-1])
        assert rest[-1] == _EN_MINOR[currency][0 if minor == 1 else 1], words
    else:
        assert len(rest) == 2 and rest[0] == "and" and re.fullmatch("[0-9]{2}/100", rest[1]), words
        minor = int(rest[1][:2])
    assert 0 < minor < 100 or only, words
    return Money.of(Decimal(major) + Decimal(minor) / 100, currency)


# ---- known vectors -----------------------------------------------------------------------------

VECTORS = [
    ("0.00", "人民币零元整", "Zero yuan only"),
    ("0.01", "人民币壹分", "Zero yuan and one fen"),
    ("0.10", "人民币壹角", "Zero yuan and ten fen"),
    ("0.50", "人民币伍角", "Zero yuan and fifty fen"),
    ("0.35", "人民币叁角伍分", "Zero yuan and thirty-five fen"),
    ("1.05", "人民币壹元零伍分", "One yuan and five fen"),
    ("10.00", "人民币壹拾元整", "Ten yuan only"),
    ("10.05", "人民币壹拾元零伍分", "Ten yuan and five fen"),
    ("10005.00", "人民币壹万零伍元整", "Ten thousand and five yuan only"),
    ("19518.00", "人民币壹万玖仟伍佰壹拾捌元整", "Nineteen thousand five hundred and eighteen yuan only"),
    ("17688.85", "人民币壹万柒仟陆佰捌拾捌元捌角伍分",
     "Seventeen thousand six hundred and eighty-eight yuan and eighty-five fen"),
    ("100000.00", "人民币壹拾万元整", "One hundred thousand yuan only"),
    ("100010.00", "人民币壹拾万零壹拾元整", "One hundred thousand and ten yuan only"),
    ("100300.00", "人民币壹拾万零叁佰元整", "One hundred thousand three hundred yuan only"),
    ("101000.00", "人民币壹拾万壹仟元整", "One hundred and one thousand yuan only"),
    ("100010000.00", "人民币壹亿零壹万元整", "One hundred million ten thousand yuan only"),
    ("105000000.00", "人民币壹亿零伍佰万元整", "One hundred and five million yuan only"),
    ("1000000001.00", "人民币壹拾亿零壹元整", "One billion and one yuan only"),
    ("20000000000.00", "人民币贰佰亿元整", "Twenty billion yuan only"),
    ("1000000000000.00", "人民币壹万亿元整", "One trillion yuan only"),
    ("999999999999.99", "人民币玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分",
     "Nine hundred and ninety-nine billion nine hundred and ninety-nine million nine hundred and ninety-nine "
     "thousand nine hundred and ninety-nine yuan and ninety-nine fen"),
]


@pytest.mark.parametrize(("amount", "zh", "en"), VECTORS)
def test_known_vectors(amount: str, zh: str, en: str) -> None:
    money = Money.of(amount, "CNY")
    assert chinese_capital(money) == zh
    assert english_words(money) == en


@pytest.mark.parametrize(
    ("amount", "currency", "zh", "en"),
    [
        ("12.05", "GBP", "英镑壹拾贰元零伍分", "Twelve pounds and five pence"),
        ("1.01", "GBP", "英镑壹元零壹分", "One pound and one penny"),
        ("1.00", "USD", "美元壹元整", "One dollar only"),
        ("2500.50", "USD", "美元贰仟伍佰元伍角", "Two thousand five hundred dollars and fifty cents"),
        ("0.01", "EUR", "欧元壹分", "Zero euros and one cent"),
        ("1000.00", "EUR", "欧元壹仟元整", "One thousand euros only"),
        ("88.80", "HKD", "港币捌拾捌元捌角", "Eighty-eight Hong Kong dollars and eighty cents"),
        ("1.00", "HKD", "港币壹元整", "One Hong Kong dollar only"),
        ("105.50", "SGD", "SGD壹佰零伍元伍角", "One hundred and five SGD and 50/100"),
        ("105.00", "SGD", "SGD壹佰零伍元整", "One hundred and five SGD only"),
        ("1200", "JPY", "JPY壹仟贰佰元整", "One thousand two hundred JPY only"),
    ],
)
def test_currencies(amount: str, currency: str, zh: str, en: str) -> None:
    money = Money.of(amount, currency)
    assert chinese_capital(money) == zh
    assert english_words(money) == en


@pytest.mark.parametrize("function", [chinese_capital, english_words])
def test_refuses_what_cannot_be_stated(function) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AmountWordsError, match="negative"):
        function(Money.of("-0.01", "CNY"))
    with pytest.raises(AmountWordsError, match="10\\^16"):
        function(Money.of("10000000000000000.00", "CNY"))
    with pytest.raises(AmountWordsError, match="minor digits"):
        function(Money.of("1.000", "KWD"))
    assert issubclass(AmountWordsError, ValueError)


# ---- every amount reads back -------------------------------------------------------------------

cents_to_top = st.integers(min_value=0, max_value=TOP * 100)


@given(cents_to_top, st.sampled_from(CURRENCIES))
def test_chinese_reads_back_exactly(cents: int, currency: str) -> None:
    money = Money.from_minor(cents, currency)
    assert parse_chinese(chinese_capital(money)) == money


@given(cents_to_top, st.sampled_from(CURRENCIES))
def test_english_reads_back_exactly(cents: int, currency: str) -> None:
    money = Money.from_minor(cents, currency)
    assert parse_english(english_words(money)) == money


@given(st.integers(min_value=0, max_value=10**18 - 1))
def test_whole_supported_range_reads_back(cents: int) -> None:
    money = Money.from_minor(cents, "CNY")
    assert parse_chinese(chinese_capital(money)) == money
    assert parse_english(english_words(money)) == money


@pytest.mark.parametrize("cents", [0, 1, 10, 99, 100, 101, 110, 10**14, 10**14 - 1, 10**14 + 1, 10**14 + 10])
def test_edges_read_back(cents: int) -> None:
    for currency in CURRENCIES:
        money = Money.from_minor(cents, currency)
        assert parse_chinese(chinese_capital(money)) == money
        assert parse_english(english_words(money)) == money
