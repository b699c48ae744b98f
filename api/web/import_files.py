"""An uploaded import file -> the matters to open, or every problem in it (line, column, reason).

Two formats, one validation: a CSV file (UTF-8, with or without a BOM) goes to `domain.intake_csv` as it is;
an XLSX workbook's first sheet is turned into the same rows first (`sheet_rows`), so both name the same
columns and the same reasons. A line is the CSV's physical line, or the spreadsheet's row number.

How spreadsheet cells become text (exactly, never with float artefacts):
- A number cell holds an IEEE double (Excel keeps 15 significant digits of what was typed, and a formula's
  result may carry binary noise such as 1000.0000000000001). Its text is the double rounded to 15
  significant digits, then written as a plain decimal (`Decimal(format(x, ".15g"))`): exactly what was
  typed, and what Excel itself shows; never `1000.0000001` or an exponent. An integer cell stays exact.
  A number of 16 digits or more (an ID number typed as a number) cannot have been kept exactly: refused,
  naming the column (format it as text).
- A date cell (a number formatted as a date, which openpyxl reads as a datetime) becomes `YYYY-MM-DD`;
  with a time of day it keeps the time, so the date columns refuse it rather than drop it silently.
- Text stays as it is; a boolean is `true`/`false`; an empty cell is empty.
A percentage cell (4.35% shown) holds 0.0435, which the rate columns read as the fraction it is.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from domain.intake_csv import CsvHeaderError, FieldError, ParsedRow, parse_intake_csv, repeated_references
from domain.matter import MatterIntake
from store.policies import UnknownPolicy, get_policy

MAX_BYTES = 5 * 1024 * 1024  # the upload (either format)
MAX_ROWS = 2000  # data rows in one file
MAX_UNZIPPED = 50 * 1024 * 1024  # an XLSX's parts, uncompressed (a zip bomb stops here)
MAX_COLUMNS = 200
EXACT_DIGITS = 15  # what a spreadsheet keeps of a number


class UploadError(ValueError):
    """The file as a whole cannot be read (its format, its size, its header): the reasons, in English."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Checked:
    """A file read: the rows to open (line, intake), and every problem (line, column, reason)."""

    rows: list[tuple[int, MatterIntake]] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)


def size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{n} bytes"


def is_xlsx(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"  # a zip archive: an XLSX (or something else zipped, refused below)


def check_upload(data: bytes, *, policy_dir: Path | None, latest: date) -> Checked:
    """Read and validate a whole file. Raises `UploadError` when the file cannot be read at all."""
    if len(data) > MAX_BYTES:
        raise UploadError([f"the file is larger than {size(MAX_BYTES)}"])
    if is_xlsx(data):
        text, lines, extra = sheet_rows(data)
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise UploadError(["the file is neither UTF-8 CSV nor an XLSX workbook: save it as 'CSV UTF-8' "
                               "or as an Excel workbook (.xlsx)"]) from None
        lines, extra = None, {}
    try:
        parsed = parse_intake_csv(text, latest=latest)
    except CsvHeaderError as exc:
        raise UploadError(list(exc.problems)) from None
    if len(parsed) > MAX_ROWS:
        raise UploadError([f"the file has {len(parsed)} rows; at most {MAX_ROWS} may be imported at once: "
                           "split it"])
    if not parsed:
        raise UploadError(["the file has a header but no rows"])
    if lines is not None:  # the sheet's row numbers, in the order the rows were written
        parsed = [_with_line(row, lines[i + 1], extra.get(lines[i + 1], ())) for i, row in enumerate(parsed)]
    return _validate(parsed, policy_dir)


def _with_line(row: ParsedRow, line: int, extra: tuple[FieldError, ...]) -> ParsedRow:
    if extra:
        return ParsedRow(line, errors=extra + row.errors)
    return ParsedRow(line, intake=row.intake, errors=row.errors)


def _validate(parsed: list[ParsedRow], policy_dir: Path | None) -> Checked:
    checked = Checked()
    repeated = repeated_references(parsed)
    policies: dict[str, str | None] = {}
    for row in parsed:
        checked.problems += [(row.line, e.column, e.message) for e in row.errors]
        if row.intake is None:
            continue
        if row.line in repeated:
            checked.problems.append((row.line, repeated[row.line].column, repeated[row.line].message))
            continue
        policy = row.intake.policy
        if policy not in policies:
            try:
                get_policy(policy, policy_dir)
                policies[policy] = None
            except UnknownPolicy as exc:
                policies[policy] = str(exc)
        if policies[policy] is not None:
            checked.problems.append((row.line, "policy", str(policies[policy])))
            continue
        checked.rows.append((row.line, row.intake))
    return checked


# ---------------------------------------------------------------- XLSX
def sheet_rows(data: bytes) -> tuple[str, list[int], dict[int, tuple[FieldError, ...]]]:
    """The first sheet as CSV text (its non-blank rows, header first), the sheet row number of each record
    written, and the cells that cannot be read exactly (by sheet row)."""
    from openpyxl import load_workbook  # only an XLSX upload needs it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED:
                raise UploadError([f"the workbook is larger than {size(MAX_UNZIPPED)} unpacked"])
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except UploadError:
        raise
    except Exception:  # noqa: BLE001 - any unreadable archive is one answer: not a workbook
        raise UploadError(["the file is not a readable XLSX workbook (save it from Excel as .xlsx)"]) from None
    try:
        if not book.worksheets:
            raise UploadError(["the workbook has no sheet"])
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        lines: list[int] = []
        extra: dict[int, tuple[FieldError, ...]] = {}
        header: list[str] | None = None
        for number, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            cells, problems = [], []
            for index, value in enumerate(values[:MAX_COLUMNS]):
                text, problem = cell_text(value)
                cells.append(text)
                if problem and header is not None:
                    name = header[index].strip().lower() if index < len(header) else f"column {index + 1}"
                    problems.append(FieldError(name, problem))
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = cells
            cells = _fit(cells, len(_trimmed(header)))
            if len(lines) > MAX_ROWS:  # the header and MAX_ROWS rows already
                raise UploadError([f"the sheet has more than {MAX_ROWS} rows; at most {MAX_ROWS} may be imported "
                                   "at once: split it"])
            writer.writerow(cells)
            lines.append(number)
            if problems:
                extra[number] = tuple(problems)
        return out.getvalue(), lines, extra
    finally:
        book.close()


def _trimmed(cells: list[str]) -> list[str]:
    while cells and not cells[-1].strip():
        cells = cells[:-1]
    return cells


def _fit(cells: list[str], width: int) -> list[str]:
    """A row as wide as the header: empty cells past it dropped (a filled one kept, so the parser names it)."""
    if len(cells) >= width:
        rest = cells[width:]
        return cells[:width] + _trimmed(rest) if any(c.strip() for c in rest) else cells[:width]
    return cells + [""] * (width - len(cells))


def cell_text(value: Any) -> tuple[str, str | None]:
    """A cell's value as the text a CSV would hold, and a reason when it cannot be that exactly."""
    if value is None:
        return "", None
    if isinstance(value, bool):
        return ("true" if value else "false"), None
    if isinstance(value, int):
        return str(value), None
    if isinstance(value, float):
        if not math.isfinite(value):
            return "", "not a finite number"
        exact = Decimal(format(value, f".{EXACT_DIGITS}g"))
        if abs(value) >= 10**EXACT_DIGITS:
            return format(exact, "f"), (f"a number of more than {EXACT_DIGITS} digits, which a spreadsheet "
                                        "cannot keep exactly: format the column as text and type it again")
        return format(exact, "f"), None
    if isinstance(value, Decimal):
        return format(value, "f"), None
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat(), None
        return value.isoformat(), None
    if isinstance(value, (date, time)):
        return value.isoformat(), None
    text = str(value)
    return text.replace("\r\n", "\n").replace("\r", "\n"), None
