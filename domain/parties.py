"""The people and companies in a matter: borrower, guarantors, creditor.

Borrower data is PII: it travels only inside encrypted Temporal payloads and the database,
never in logs, search attributes or workflow IDs. `__repr__`/`__str__` of PII models mask it
so that an accidental log line does not leak it.
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.money import BoundedMoney
from domain.text import PlainText

Locale = Literal["zh-CN", "en"]
GuaranteeType = Literal["joint_and_several", "general"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class _Pii(_Frozen):
    def __repr_args__(self):  # type: ignore[override]
        # Never print personal data: show the type and that it is masked.
        return [("masked", True)]


class Borrower(_Pii):
    name: PlainText = Field(min_length=1, max_length=2000)
    id_number: PlainText = Field(min_length=1, max_length=64)
    phone: PlainText | None = Field(default=None, max_length=64)
    email: PlainText | None = Field(default=None, max_length=320)
    address: PlainText | None = Field(default=None, max_length=2000)
    locale: Locale = "zh-CN"
    timezone: str = "Asia/Shanghai"

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Asia/Shanghai") from None
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and ("@" not in value or value.startswith("@") or value.endswith("@")):
            raise ValueError("not an e-mail address")
        return value


class Guarantor(_Pii):
    name: PlainText = Field(min_length=1, max_length=2000)
    id_number: PlainText = Field(min_length=1, max_length=64)
    # What the guarantee contract agrees; silent or unclear, the guarantee is general (Civil Code art. 686(2)).
    guarantee_type: GuaranteeType = "general"
    cap: BoundedMoney | None = None
    period_ends_on: date | None = None
    phone: PlainText | None = Field(default=None, max_length=64)
    address: PlainText | None = Field(default=None, max_length=2000)


class Creditor(_Frozen):
    name: PlainText = Field(min_length=1, max_length=500)
    address: PlainText | None = Field(default=None, max_length=2000)
    phone: PlainText | None = Field(default=None, max_length=64)
    registration_number: PlainText | None = Field(default=None, max_length=64)


class LawFirm(_Frozen):
    """A law firm as a referral carries it: its record's id and the particulars its letters and
    the instruction use (a snapshot taken when the matter is referred)."""

    id: PlainText = Field(min_length=1, max_length=200)
    name: PlainText = Field(min_length=1, max_length=200)
    address: PlainText = Field(default="", max_length=500)
    email: PlainText = Field(default="", max_length=254)
    phone: PlainText = Field(default="", max_length=64)
    fee_arrangement: PlainText = Field(default="", max_length=2000)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and not is_email(value):
            raise ValueError("not an e-mail address")
        return value


def is_email(value: str) -> bool:
    """A plausible single address: one @, something before it, a dotted domain after it, no spaces."""
    local, at, domain = value.rpartition("@")
    return bool(at and local and "." in domain.strip(".") and not any(c.isspace() for c in value)
                and "@" not in domain and not domain.startswith(".") and not domain.endswith("."))


class Asset(_Frozen):
    kind: Literal["real_estate", "vehicle", "deposit", "equity", "receivable", "other"] = "other"
    description: PlainText = Field(min_length=1, max_length=2000)
    estimated_value: BoundedMoney | None = None
    pledged: bool = False
