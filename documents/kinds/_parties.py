"""A natural person's particulars as a pleading states them, and what a PRC resident ID number encodes.

Split from `documents.kinds.court` (which re-exports both): pure models and a pure function.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from domain.text import PlainText


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Particulars(_Frozen):
    """What a pleading states of a natural person beyond the name, ID and address: gender, date of birth, and
    ethnicity (a PRC national) or nationality (a foreigner). CPL art. 124 asks a complaint for the
    defendant's name, gender, work unit and domicile "等信息" (and the plaintiff's age and ethnicity too);
    courts' standard forms ask for the date of birth and ethnicity of every natural-person party. (The
    work unit is not stated yet: the record does not hold it.)"""

    gender: Literal["male", "female"]
    born_on: date
    ethnicity: PlainText | None = Field(default=None, max_length=32, description="民族, e.g. 汉族 (PRC nationals)")
    nationality: PlainText | None = Field(default=None, max_length=100, description="a foreign national's")

    @model_validator(mode="after")
    def _one_of(self) -> Particulars:
        if (self.ethnicity is None) == (self.nationality is None):
            raise ValueError("give the ethnicity (a PRC national) or the nationality (a foreigner), exactly one")
        return self


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def particulars_from_resident_id(id_number: str, *, ethnicity: str) -> Particulars:
    """The gender and date of birth a PRC resident identity card number encodes (GB 11643: digits 7-14 the
    date of birth, the 17th odd for a man), with the ethnicity the card also states; a ValueError naming
    the reason for a number that is not a valid 18-digit one (its check digit included)."""
    n = id_number.strip().upper()
    if len(n) != 18 or not n[:17].isdigit() or n[17] not in _ID_CHECK:
        raise ValueError("id_number: not an 18-digit PRC resident identity card number")
    if _ID_CHECK[sum(int(d) * w for d, w in zip(n[:17], _ID_WEIGHTS, strict=True)) % 11] != n[17]:
        raise ValueError("id_number: its check digit is wrong")
    try:
        born = date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        raise ValueError("id_number: its digits 7-14 are not a date of birth") from None
    return Particulars(gender="male" if int(n[16]) % 2 else "female", born_on=born, ethnicity=ethnicity)


def particulars_for(id_number: str, *, gender: str | None = None, born_on: date | None = None,
                    ethnicity: str | None = None, nationality: str | None = None) -> Particulars:
    """A party's particulars: gender and date of birth as given, else as a valid PRC resident ID number
    encodes them; a ValueError naming the field that is missing or wrong."""
    if gender is None or born_on is None:
        if ethnicity is None:
            raise ValueError("gender: required, with born_on, unless the ID number is a PRC resident identity card "
                             "number (then give the ethnicity, and they are read from it)")
        derived = particulars_from_resident_id(id_number, ethnicity=ethnicity)
        gender, born_on = gender or derived.gender, born_on or derived.born_on
    try:
        return Particulars(gender=gender, born_on=born_on, ethnicity=ethnicity, nationality=nationality)  # type: ignore[arg-type]
    except ValidationError as exc:
        reasons = "; ".join(str(e.get("msg", "invalid")).removeprefix("Value error, ")
                            for e in exc.errors(include_url=False, include_input=False))
        raise ValueError(f"ethnicity: {reasons}") from None


__all__ = ["Particulars", "particulars_for", "particulars_from_resident_id"]
