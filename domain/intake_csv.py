"""Bulk intake: CSV text -> one `MatterIntake` (or a list of field errors) per data line.

Pure: it takes the file's text, never a path, so the CLI and the API can share it and tests
need no files. Every row is validated by the `MatterIntake` model itself; pydantic's error
locations are mapped back to the CSV column names, so a user reads "line 7, borrower_email:
not an e-mail address" rather than a model path. The parser never copies a cell's value into
an error (pydantic's `input` is dropped): cells may be personal data, and errors get printed.

Columns (header names are case-insensitive; order is free; one matter per line):

| column | required | meaning |
|---|---|---|
| external_ref | yes | the creditor's reference, unique per matter (letters, digits, `._:/-`) |
| policy | yes, unless the caller gives a default | escalation policy name, e.g. `standard` |
| creditor_name | yes | lending institution |
| creditor_address, creditor_phone, creditor_registration_number | no | |
| borrower_name | yes | |
| borrower_id_number | yes | national ID / passport number |
| borrower_phone, borrower_email, borrower_address | no | |
| borrower_locale | no | `zh-CN` (default) or `en` |
| borrower_timezone | no | IANA name, default `Asia/Shanghai` |
| contract_number | yes | |
| contract_signed_on | yes | ISO date `YYYY-MM-DD` |
| contract_due_on | no | ISO date: the final maturity (from then on all of it is due) |
| contract_principal_not_due | no | principal owed but not yet due; `0`: none (paying the arrears pays off the loan) |
| contract_principal | yes | decimal amount, e.g. `200000.00` |
| annual_rate | yes | a fraction (`0.0435`) or a percentage (`4.35%`) |
| penalty_rate, compound_rate | no | agreed penalty rate (overdue principal), compound rate (overdue interest) |
| day_count | no | `actual/360` or `actual/365` if the contract names it; empty: the policy's |
| dispute_forum | no | the contract's dispute clause: `court` or `arbitration`; empty: none (the court by law) |
| dispute_institution | with `arbitration` | the arbitration commission the clause names |
| dispute_court, dispute_article, dispute_text | no | the court agreed on; where the clause is; its wording |
| currency | yes | ISO 4217 code for every amount on the line, e.g. `CNY` |
| overdue_since | yes | first missed due date, ISO date |
| overdue_principal | yes | |
| overdue_interest, overdue_penalty, overdue_fees | no | default `0` |
| overdue_costs | no | |
| guarantors | no | JSON array of guarantor objects (see below) |
| assets | no | JSON array of asset objects (see below) |

An empty cell means "not given" (the model's default applies). Guarantor objects have the
fields of `domain.parties.Guarantor` (`name`, `id_number`, `guarantee_type`, `cap`,
`period_ends_on`, `phone`, `address`; a `guarantee_type` left out is `general`, as the Civil Code
art. 686(2) reads a guarantee that does not say); asset objects those of `Asset` (`kind`,
`description`, `estimated_value`, `pledged`). A `cap` or `estimated_value` given as a bare
amount (`"50000.00"`) is in the line's currency. Example cell (CSV-quoted):
`"[{""name"": ""王芳"", ""id_number"": ""110105198203152346"", ""cap"": ""200000.00""}]"`
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from domain.matter import MatterIntake

REQUIRED_COLUMNS: tuple[str, ...] = (
    "external_ref",
    "policy",
    "creditor_name",
    "borrower_name",
    "borrower_id_number",
    "contract_number",
    "contract_signed_on",
    "contract_principal",
    "annual_rate",
    "currency",
    "overdue_since",
    "overdue_principal",
)
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "creditor_address",
    "creditor_phone",
    "creditor_registration_number",
    "borrower_phone",
    "borrower_email",
    "borrower_address",
    "borrower_locale",
    "borrower_timezone",
    "contract_due_on",
    "contract_principal_not_due",
    "penalty_rate",
    "compound_rate",
    "day_count",
    "dispute_forum",
    "dispute_institution",
    "dispute_court",
    "dispute_article",
    "dispute_text",
    "overdue_interest",
    "overdue_penalty",
    "overdue_fees",
    "overdue_costs",
    "guarantors",
    "assets",
)
COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# Flat column -> path inside the MatterIntake shape (amount columns are handled apart).
_SIMPLE: dict[str, tuple[str, ...]] = {
    "external_ref": ("external_ref",),
    "policy": ("policy",),
    "creditor_name": ("creditor", "name"),
    "creditor_address": ("creditor", "address"),
    "creditor_phone": ("creditor", "phone"),
    "creditor_registration_number": ("creditor", "registration_number"),
    "borrower_name": ("borrower", "name"),
    "borrower_id_number": ("borrower", "id_number"),
    "borrower_phone": ("borrower", "phone"),
    "borrower_email": ("borrower", "email"),
    "borrower_address": ("borrower", "address"),
    "borrower_locale": ("borrower", "locale"),
    "borrower_timezone": ("borrower", "timezone"),
    "contract_number": ("contract", "number"),
    "contract_signed_on": ("contract", "signed_on"),
    "contract_due_on": ("contract", "due_on"),
    "annual_rate": ("contract", "annual_rate"),
    "penalty_rate": ("contract", "penalty_rate"),
    "compound_rate": ("contract", "compound_rate"),
    "day_count": ("contract", "day_count"),
    "dispute_forum": ("contract", "dispute", "forum"),
    "dispute_institution": ("contract", "dispute", "institution"),
    "dispute_court": ("contract", "dispute", "court"),
    "dispute_article": ("contract", "dispute", "article"),
    "dispute_text": ("contract", "dispute", "text"),
    "overdue_since": ("overdue", "since"),
}
# Money columns -> path of the Money object; its `currency` comes from the `currency` column.
_MONEY: dict[str, tuple[str, ...]] = {
    "contract_principal": ("contract", "principal"),
    "contract_principal_not_due": ("contract", "principal_not_due"),
    "overdue_principal": ("overdue", "principal"),
    "overdue_interest": ("overdue", "interest"),
    "overdue_penalty": ("overdue", "penalty"),
    "overdue_fees": ("overdue", "fees"),
    "overdue_costs": ("overdue", "costs"),
}
# Money buckets that are required by the model but may be left empty in the CSV (= zero).
_ZERO_IF_EMPTY = ("overdue_interest", "overdue_penalty", "overdue_fees")
# Model-level errors of a nested object, named by the columns that feed it.
_GROUP_NAMES: dict[tuple[str, ...], str] = {
    ("contract", "dispute"): "dispute_*",
    ("creditor",): "creditor_*",
    ("borrower",): "borrower_*",
    ("contract",): "contract_*",
    ("overdue",): "overdue_*",
}


class CsvHeaderError(ValueError):
    """The file as a whole cannot be read: empty, or a header with unknown/missing/duplicate columns."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class FieldError:
    """One problem on one line, named by the CSV column (or `row` for the line as a whole)."""

    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.column}: {self.message}"


@dataclass(frozen=True)
class ParsedRow:
    """The outcome for one data line: either `intake` or a non-empty `errors`."""

    line: int
    intake: MatterIntake | None = None
    errors: tuple[FieldError, ...] = ()

    @property
    def ok(self) -> bool:
        return self.intake is not None


def repeated_references(rows: Sequence[ParsedRow]) -> dict[int, FieldError]:
    """The lines whose external_ref an earlier line of the same file already has (line -> why): a file opens each
    matter once."""
    first_line: dict[str, int] = {}
    repeated: dict[int, FieldError] = {}
    for row in rows:
        if row.intake is None:
            continue
        ref = row.intake.external_ref
        if ref in first_line:
            repeated[row.line] = FieldError("external_ref", f"same reference as line {first_line[ref]}")
        else:
            first_line[ref] = row.line
    return repeated


def parse_intake_csv(text: str, *, default_policy: str | None = None, latest: date | None = None
                     ) -> list[ParsedRow]:
    """Parse the CSV `text` into one `ParsedRow` per non-blank data line, in file order.

    `latest` is the latest date a line may carry (the caller's "today" anywhere on Earth): a
    contract signed, or an overdue date, after it is refused as in the future.

    `line` is the 1-based physical line on which the record starts (the header is line 1).
    Raises `CsvHeaderError` when the file is empty or its header is wrong; bad data lines
    never raise, they come back with their errors.
    """
    if text.startswith("\ufeff"):
        text = text[1:]  # Excel writes a UTF-8 BOM
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    header: list[str] | None = None
    rows: list[ParsedRow] = []
    try:
        while True:
            start = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            if not any(c.strip() for c in cells):
                continue  # blank line
            if header is None:
                header = _check_header(cells, default_policy)
                continue
            rows.append(_parse_row(start, header, cells, default_policy, latest))
    except csv.Error as exc:
        raise CsvHeaderError([f"line {reader.line_num}: not valid CSV ({exc})"]) from None
    if header is None:
        raise CsvHeaderError(
            ["the file is empty: expected a header line naming the columns, e.g. " + ",".join(REQUIRED_COLUMNS)]
        )
    return rows


def _check_header(cells: list[str], default_policy: str | None) -> list[str]:
    names = [c.strip().lower() for c in cells]
    problems: list[str] = []
    unknown = [n or "(empty)" for n in names if n not in COLUMNS]
    if unknown:
        problems.append(
            "unknown column(s) in the header: " + ", ".join(unknown) + "; known columns: " + ", ".join(COLUMNS)
        )
    dupes = sorted({n for n in names if names.count(n) > 1 and n})
    if dupes:
        problems.append("duplicate column(s) in the header: " + ", ".join(dupes))
    required = [c for c in REQUIRED_COLUMNS if not (c == "policy" and default_policy)]
    missing = [c for c in required if c not in names]
    if missing:
        problems.append("missing required column(s) in the header: " + ", ".join(missing))
    if problems:
        raise CsvHeaderError(problems)
    return names


def _parse_row(line: int, header: list[str], cells: list[str], default_policy: str | None,
               latest: date | None = None) -> ParsedRow:
    if len(cells) != len(header):
        return ParsedRow(
            line,
            errors=(FieldError("row", f"has {len(cells)} cells but the header has {len(header)} columns"),),
        )
    values = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
    data, errors = _to_mapping(values, default_policy)
    try:
        intake = MatterIntake.model_validate(data)
    except ValidationError as exc:
        # Cells already reported (empty, unreadable) are not reported again in model terms.
        named = {e.column for e in errors}
        pii = _pii_values(values, data)
        errors += [_scrub(e, pii) for e in _field_errors(exc) if e.column not in named]
        return ParsedRow(line, errors=tuple(sorted(errors, key=lambda e: _column_order(e, header))))
    if latest is not None:
        dates = (("contract_signed_on", intake.contract.signed_on), ("overdue_since", intake.overdue.since))
        for column, value in dates:
            if value > latest:
                errors.append(FieldError(column, f"{value.isoformat()} is in the future"))
    if errors:
        return ParsedRow(line, errors=tuple(errors))
    return ParsedRow(line, intake=intake)


def _to_mapping(values: dict[str, str], default_policy: str | None) -> tuple[dict[str, Any], list[FieldError]]:
    """The nested MatterIntake input for one line; errors for cells that cannot even be shaped."""
    data: dict[str, Any] = {"creditor": {}, "borrower": {}, "contract": {}, "overdue": {}}
    errors: list[FieldError] = []

    def put(path: tuple[str, ...], value: Any) -> None:
        target = data
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = value

    if not values.get("policy") and default_policy:
        values = {**values, "policy": default_policy}
    for column, path in _SIMPLE.items():
        value = values.get(column, "")
        if value == "":
            continue
        if column in ("annual_rate", "penalty_rate", "compound_rate"):
            rate = _rate(value)
            if rate is None:
                errors.append(FieldError(column, "not a number; write a fraction (0.0435) or a percentage (4.35%)"))
                continue
            put(path, rate)
        else:
            put(path, value)

    currency = values.get("currency", "").upper()
    for column, path in _MONEY.items():
        value = values.get(column, "")
        if value == "":
            if column in _ZERO_IF_EMPTY:
                value = "0"
            else:
                continue
        # No guessing at "1,234.50" vs "1.234,50": anything but a plain decimal is refused.
        put(path, {"amount": value, "currency": currency})

    for column in ("guarantors", "assets"):
        value = values.get(column, "")
        if value == "":
            continue
        try:
            items = json.loads(value)
        except json.JSONDecodeError as exc:
            errors.append(FieldError(column, f"not valid JSON ({exc.msg} at character {exc.pos})"))
            continue
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            errors.append(FieldError(column, "must be a JSON array of objects"))
            continue
        money_key = "cap" if column == "guarantors" else "estimated_value"
        data[column] = [_bare_money(item, money_key, currency) for item in items]

    # A missing required cell: name the column rather than a model path.
    for column in REQUIRED_COLUMNS:
        if values.get(column, "") == "":
            errors.append(FieldError(column, "is required but empty"))
    return data, errors


def _rate(value: str) -> Decimal | None:
    text = value.strip()
    percent = text.endswith("%")
    try:
        rate = Decimal(text.rstrip("%").strip())
    except InvalidOperation:
        return None
    if not rate.is_finite():
        return None
    return rate / 100 if percent else rate


def _bare_money(item: dict[str, Any], key: str, currency: str) -> dict[str, Any]:
    value = item.get(key)
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return {**item, key: {"amount": str(value), "currency": currency}}
    return item


def _column_for(loc: tuple[int | str, ...]) -> str:
    """Map a pydantic error location back to the CSV column it came from."""
    if not loc:
        return "row"
    head = loc[0]
    if head in ("guarantors", "assets"):
        rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[1:])
        return f"{head}{rest}"
    # Money: ("contract", "principal", "amount"|"currency") -> contract_principal / currency
    for column, path in _MONEY.items():
        if loc[: len(path)] == path:
            if len(loc) > len(path) and loc[len(path)] == "currency":
                return "currency"
            return column
    for column, path in _SIMPLE.items():
        if loc[: len(path)] == path:
            return column
    for prefix, name in _GROUP_NAMES.items():
        if loc[: len(prefix)] == prefix:
            return name
    return ".".join(str(p) for p in loc)


_PII_COLUMNS = ("borrower_name", "borrower_id_number", "borrower_phone", "borrower_email", "borrower_address")


def _pii_values(values: dict[str, str], data: dict[str, Any]) -> set[str]:
    """The line's personal data, to keep out of error messages (a domain rule may quote its input)."""
    found = {values[c] for c in _PII_COLUMNS if values.get(c)}
    for g in data.get("guarantors", []):
        found |= {str(g[k]) for k in ("name", "id_number", "phone", "address") if g.get(k)}
    return found


def _scrub(error: FieldError, pii: set[str]) -> FieldError:
    message = error.message
    for value in pii:
        for quoted in (repr(value), f'"{value}"', f"'{value}'"):
            message = message.replace(quoted, "(value withheld)")
    return error if message == error.message else FieldError(error.column, message)


def _column_order(error: FieldError, header: list[str]) -> int:
    """Errors are listed in the order of the file's columns (line-level ones last)."""
    base = error.column.split("[", 1)[0].split(".", 1)[0]
    return header.index(base) if base in header else len(header)


def _field_errors(exc: ValidationError) -> tuple[FieldError, ...]:
    seen: dict[tuple[str, str], None] = {}
    for err in exc.errors(include_input=False, include_url=False):
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        seen[(_column_for(tuple(err["loc"])), message)] = None
    return tuple(FieldError(column, message) for column, message in seen)
