"""How amounts, dates and ordinals read in a letter, per locale.

Pure functions, no I/O. The renderer turns every Money and date of a letter context into
these strings before the template sees it, so a template can never print a raw Decimal or an
ISO date by mistake. Chinese letters also state amounts in capital numerals
(人民币壹万玖仟伍佰壹拾捌元整), as PRC legal and banking documents do.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.amount_words import MAX_AMOUNT_EXCLUSIVE, chinese_numerals
from domain.money import Money, minor_units

# Currency names used in Chinese letters; a currency not listed shows its ISO code.
_ZH_CURRENCY_NAMES: dict[str, str] = {
    "CNY": "人民币",
    "HKD": "港币",
    "MOP": "澳门元",
    "TWD": "新台币",
    "USD": "美元",
    "EUR": "欧元",
    "GBP": "英镑",
    "JPY": "日元",
}
# Capital numerals are stated for currencies counted in 元 (yuan-denominated units) only;
# 角/分 make no sense for pounds, euros or yen.
_YUAN_CURRENCIES: frozenset[str] = frozenset({"CNY", "HKD", "MOP", "TWD", "USD"})

_SMALL_CN = "〇一二三四五六七八九"
_EN_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_EN_ORDINAL_WORDS = (
    "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth",
)  # fmt: skip


def format_amount(amount: Decimal, currency: str) -> str:
    """Figures with thousands separators and exactly the currency's minor units: 19,518.00."""
    return f"{amount:,.{minor_units(currency)}f}"


def format_money(money: Money, locale: str) -> str:
    """`CNY 19,518.00` in English; `人民币 19,518.00元` in Chinese (other currencies: `美元 1,000.00`)."""
    figures = format_amount(money.amount, money.currency)
    if locale == "zh-CN":
        if money.currency == "CNY":
            return f"人民币 {figures}元"
        return f"{_ZH_CURRENCY_NAMES.get(money.currency, money.currency)} {figures}"
    return str(money)


def format_date(value: date, locale: str) -> str:
    """`2024年3月15日` in Chinese, `15 March 2024` in English (no leading zeros, no weekday)."""
    if locale == "zh-CN":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {_EN_MONTHS[value.month - 1]} {value.year}"


def capital_numerals(money: Money) -> str:
    """The amount in Chinese capital numerals, e.g. `人民币壹万玖仟伍佰壹拾捌元整`.

    The numerals come from `domain.amount_words` (PBOC writing rules: 整 after 元 when there are
    no 角/分, `零` for skipped places). This wrapper keeps the letters' policy: returns "" where
    capital numerals are not printed (a currency not counted in 元, or 10^16 and above), so a
    template can omit them, and writes a negative amount as 负 after the currency name.
    """
    if money.currency not in _YUAN_CURRENCIES or abs(money.amount) >= MAX_AMOUNT_EXCLUSIVE:
        return ""
    sign = "负" if money.amount < 0 else ""
    return f"{_ZH_CURRENCY_NAMES[money.currency]}{sign}{chinese_numerals(-money if sign else money)}"


def chinese_count(number: int) -> str:
    """1 -> 一, 2 -> 二, 10 -> 十, 12 -> 十二, 21 -> 二十一; plain digits from 100 on."""
    if not 0 < number < 100:
        return str(number)
    tens, ones = divmod(number, 10)
    if tens == 0:
        return _SMALL_CN[ones]
    return ("" if tens == 1 else _SMALL_CN[tens]) + "十" + (_SMALL_CN[ones] if ones else "")


def chinese_quantity(number: int) -> str:
    """A quantity before a measure word: 两 for 2 (一式两份), else as `chinese_count`."""
    return "两" if number == 2 else chinese_count(number)


_EN_COUNT_WORDS = (
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
)  # fmt: skip


def english_count(number: int) -> str:
    """1 -> one ... 20 -> twenty; plain digits beyond."""
    return _EN_COUNT_WORDS[number - 1] if 0 < number <= len(_EN_COUNT_WORDS) else str(number)


def english_ordinal(number: int) -> str:
    """1 -> First ... 10 -> Tenth, then 11th, 12th, 21st, 102nd."""
    if 0 < number <= len(_EN_ORDINAL_WORDS):
        return _EN_ORDINAL_WORDS[number - 1]
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
