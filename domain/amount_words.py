"""Amounts in words, as legal and banking documents state them beside the figures.

Pure functions of a `Money`, no I/O. Two forms:

* Chinese capital numerals (大写金额), following the writing rules of the PBOC 支付结算办法:
  `人民币壹万玖仟伍佰壹拾捌元整`. One 零 for each run of skipped places (壹万零伍元,
  壹拾万零叁佰元, 壹亿零壹万元), 整 after 元 when there are no 角/分 and never after 角 or 分
  (壹元零伍分, 伍角, 叁角伍分). Chinese banks write foreign currencies the same way
  (美元壹佰元整), so the currency only changes the prefix.
* English words in the British/Commonwealth style of English-language contracts, demand
  letters and cheques in the PRC and Hong Kong: `Nineteen thousand five hundred and eighteen
  yuan only`, `Twelve pounds and five pence`. The rules, chosen to mirror the Chinese form so
  both statements of one amount say the same thing:
    - sentence case, numbers below one hundred hyphenated (`twenty-one`), short scale
      (thousand, million, billion, trillion), no commas;
    - "and" after a hundred (`five hundred and eighteen`) and before a final part below one
      hundred (`one thousand and five`, `one million and one`), as British usage writes it;
    - the major unit follows the number, the minor unit is added with "and"
      (`Ten dollars and fifty cents`); the major unit is always stated, even for an amount
      below one unit (`Zero pounds and five pence`), because "five cents" alone would not say
      whose cents (伍分 has its currency prefix);
    - "only" closes a whole amount (no minor units), as 整 does, so nothing can be appended;
    - units: CNY yuan/fen (English banking usage: no jiao, no plural), USD dollars/cents,
      GBP pounds/pence (one penny), EUR euros/cents, HKD Hong Kong dollars/cents. Any other
      currency is named by its ISO code with the minor part as a fraction:
      `One hundred and five SGD and 50/100` / `One hundred and five SGD only`.

Both are exact for every amount from 0 up to (not including) 10^16 in the currency's minor
units; negative amounts, larger amounts and currencies with three minor digits (which 角/分
cannot express) raise `AmountWordsError`.
"""

from __future__ import annotations

from decimal import Decimal

from domain.money import Money, minor_units

MAX_AMOUNT_EXCLUSIVE = Decimal(10) ** 16

CHINESE_CURRENCY_PREFIXES: dict[str, str] = {
    "CNY": "人民币",
    "USD": "美元",
    "GBP": "英镑",
    "EUR": "欧元",
    "HKD": "港币",
}

# (major singular, major plural, minor singular, minor plural)
ENGLISH_UNITS: dict[str, tuple[str, str, str, str]] = {
    "CNY": ("yuan", "yuan", "fen", "fen"),
    "USD": ("dollar", "dollars", "cent", "cents"),
    "GBP": ("pound", "pounds", "penny", "pence"),
    "EUR": ("euro", "euros", "cent", "cents"),
    "HKD": ("Hong Kong dollar", "Hong Kong dollars", "cent", "cents"),
}

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_EN_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
)  # fmt: skip
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_EN_SCALES = ((10**15, "quadrillion"), (10**12, "trillion"), (10**9, "billion"), (10**6, "million"),
              (10**3, "thousand"))  # fmt: skip


class AmountWordsError(ValueError):
    """The amount cannot be stated in words (negative, too large, or an unsupported currency)."""


def _split(money: Money) -> tuple[int, int, int]:
    """(major units, minor units, digits of the minor part) after checking the amount is stateable."""
    digits = minor_units(money.currency)
    if digits not in (0, 2):
        raise AmountWordsError(f"{money.currency} has {digits} minor digits; amounts in words need 0 or 2")
    if money.amount < 0:
        raise AmountWordsError(f"a negative amount ({money.currency} {money.amount}) cannot be stated in words")
    if money.amount >= MAX_AMOUNT_EXCLUSIVE:
        raise AmountWordsError(f"amounts of 10^16 {money.currency} and above cannot be stated in words")
    major, minor = divmod(money.minor, 10**digits)
    return major, minor, digits


# ---- Chinese capital numerals ------------------------------------------------------------------

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


def chinese_integer(number: int) -> str:
    """0 <= number < 10^16 in capital numerals: 壹万贰仟亿零叁佰万 (亿 is not stacked as 万亿)."""
    if not 0 <= number < 10**16:
        raise AmountWordsError(f"{number} is outside 0 .. 10^16 - 1")
    if number == 0:
        return "零"
    high, low = divmod(number, 10**8)
    if not high:
        return _below_yi(low)
    words = _below_yi(high) + "亿"
    if low:
        words += ("零" if low < 10**7 else "") + _below_yi(low)
    return words


def chinese_numerals(money: Money) -> str:
    """The amount in capital numerals without a currency prefix: `壹万玖仟伍佰壹拾捌元整`."""
    yuan, cents, _ = _split(money)
    jiao, fen = divmod(cents, 10)
    if not cents:
        return chinese_integer(yuan) + "元整"
    words = chinese_integer(yuan) + "元" if yuan else ""
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif yuan:
        words += "零"  # 壹元零伍分: the skipped 角 reads 零
    if fen:
        words += _DIGITS[fen] + "分"
    return words


def chinese_capital(money: Money) -> str:
    """`人民币壹万玖仟伍佰壹拾捌元整`: the currency's Chinese name (or ISO code) and the capital numerals."""
    prefix = CHINESE_CURRENCY_PREFIXES.get(money.currency, money.currency)
    return prefix + chinese_numerals(money)


# ---- English words -----------------------------------------------------------------------------

def _below_hundred(number: int) -> str:
    if number < 20:
        return _EN_ONES[number]
    tens, ones = divmod(number, 10)
    return _EN_TENS[tens] + (f"-{_EN_ONES[ones]}" if ones else "")


def _below_thousand(number: int) -> str:
    """0 < number < 1000: `five hundred and eighteen`."""
    hundreds, rest = divmod(number, 100)
    words = []
    if hundreds:
        words.append(f"{_EN_ONES[hundreds]} hundred")
    if rest:
        if hundreds:
            words.append("and")
        words.append(_below_hundred(rest))
    return " ".join(words)


def english_integer(number: int) -> str:
    """0 <= number < 10^18 in British English words: `one million and one`, `one thousand and five`."""
    if not 0 <= number < 10**18:
        raise AmountWordsError(f"{number} is outside 0 .. 10^18 - 1")
    if number == 0:
        return "zero"
    words: list[str] = []
    rest = number
    for scale, name in _EN_SCALES:
        count, rest = divmod(rest, scale)
        if count:
            words.append(f"{_below_thousand(count)} {name}")
    if rest:
        if words and rest < 100:
            words.append("and")
        words.append(_below_thousand(rest))
    return " ".join(words)


def english_words(money: Money) -> str:
    """`Nineteen thousand five hundred and eighteen yuan only`, `Twelve pounds and five pence`."""
    major, minor, _ = _split(money)
    units = ENGLISH_UNITS.get(money.currency)
    if units is None:
        words = f"{english_integer(major)} {money.currency}"
        words += f" and {minor:02d}/100" if minor else " only"
    else:
        major_one, major_many, minor_one, minor_many = units
        major_part = f"{english_integer(major)} {major_one if major == 1 else major_many}"
        minor_part = f"{english_integer(minor)} {minor_one if minor == 1 else minor_many}"
        words = f"{major_part} and {minor_part}" if minor else f"{major_part} only"
    return words[0].upper() + words[1:]
