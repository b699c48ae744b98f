"""How amounts, dates and ordinals read in a letter, per locale.

Pure functions, no I/O. The renderer turns every Money and date of a letter context into
these strings before the template sees it, so a template can never print a raw Decimal or an
ISO date by mistake. Chinese letters also state amounts in capital numerals
(人民币壹万玖仟伍佰壹拾捌元整), as PRC legal and banking documents do.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

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

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
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


def _group_words(group: int) -> str:
    """0 < group < 10000 in capital numerals, inner zeros collapsed to one 零."""
    out = ""
    pending_zero = False
    for value, unit in ((1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
        digit = group // value % 10
        if digit == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out += "零"
            pending_zero = False
        out += _DIGITS[digit] + unit
    return out


def _below_yi(number: int) -> str:
    """0 < number < 10^8: `[group]万[零][group]`."""
    high, low = divmod(number, 10000)
    if not high:
        return _group_words(low)
    words = _group_words(high) + "万"
    if low:
        # A gap before the low group's first digit reads 零 (壹万零伍, 壹万伍仟).
        words += ("零" if low < 1000 else "") + _group_words(low)
    return words


def _integer_words(number: int) -> str:
    """0 <= number < 10^16 in capital numerals: 壹万贰仟亿零叁佰万 (no 万亿 stacking)."""
    if number == 0:
        return "零"
    high, low = divmod(number, 10**8)
    if not high:
        return _below_yi(low)
    words = _below_yi(high) + "亿"
    if low:
        words += ("零" if low < 10**7 else "") + _below_yi(low)
    return words


def capital_numerals(money: Money) -> str:
    """The amount in Chinese capital numerals, e.g. `人民币壹万玖仟伍佰壹拾捌元整`.

    Follows the writing rules of the PBOC 支付结算办法: 整 after 元 when there are no 角/分,
    no 整 after 角 or 分; `零` for skipped places. Returns "" where capital numerals do not
    apply (a currency not counted in 元, or 10^16 and above), so a template can omit them.
    """
    if money.currency not in _YUAN_CURRENCIES or abs(money.amount) >= Decimal(10) ** 16:
        return ""
    cents = abs(money.minor)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    words = ""
    if yuan or not (jiao or fen):
        words = _integer_words(yuan) + "元"
    if not (jiao or fen):
        words += "整"
    else:
        if jiao:
            words += _DIGITS[jiao] + "角"
        elif yuan:
            words += "零"
        if fen:
            words += _DIGITS[fen] + "分"
    sign = "负" if money.amount < 0 else ""
    return f"{_ZH_CURRENCY_NAMES[money.currency]}{sign}{words}"


def chinese_count(number: int) -> str:
    """1 -> 一, 2 -> 二, 10 -> 十, 12 -> 十二, 21 -> 二十一; plain digits from 100 on."""
    if not 0 < number < 100:
        return str(number)
    tens, ones = divmod(number, 10)
    if tens == 0:
        return _SMALL_CN[ones]
    return ("" if tens == 1 else _SMALL_CN[tens]) + "十" + (_SMALL_CN[ones] if ones else "")


def english_ordinal(number: int) -> str:
    """1 -> First ... 10 -> Tenth, then 11th, 12th, 21st, 102nd."""
    if 0 < number <= len(_EN_ORDINAL_WORDS):
        return _EN_ORDINAL_WORDS[number - 1]
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
