"""The import page's file reading, without servers: XLSX cells to the CSV's text (exact decimals and dates),
the sheet's row numbers as lines, the size and row caps, and all-or-nothing validation naming line and column."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from api.web import import_files
from api.web.import_files import UploadError, cell_text, check_upload, sheet_rows

POLICIES = Path(__file__).resolve().parents[2] / "policies"
LATEST = date(2026, 12, 6)
HEADER = ["external_ref", "policy", "creditor_name", "borrower_name", "borrower_id_number", "contract_number",
          "contract_signed_on", "contract_principal", "annual_rate", "currency", "overdue_since",
          "overdue_principal"]


def row(ref: str, **cells: Any) -> list[Any]:
    values: dict[str, Any] = {"external_ref": ref, "policy": "demo", "creditor_name": "华信商业银行",
                              "borrower_name": "张伟", "borrower_id_number": "110105198001011238",
                              "contract_number": f"HX-{ref}", "contract_signed_on": "2024-03-15",
                              "contract_principal": "200000.00", "annual_rate": "0.0435", "currency": "CNY",
                              "overdue_since": "2026-08-15", "overdue_principal": "16666.67", **cells}
    return [values[c] for c in HEADER]


def csv_bytes(*rows: list[Any]) -> bytes:
    return ("\n".join(",".join(str(c) for c in r) for r in (HEADER, *rows)) + "\n").encode("utf-8")


def xlsx_bytes(*rows: list[Any] | None) -> bytes:
    """A workbook whose first sheet holds the header, then `rows` (None: a blank row)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for r in rows:
        sheet.append(r if r is not None else [])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), (True, "true"), (12345678901234567890, "12345678901234567890"),
    (1000.01, "1000.01"), (200000.0, "200000"), (1000.0000000000001, "1000"), (0.1 + 0.2, "0.3"),
    (0.0435, "0.0435"), (1e-7, "0.0000001"), (16666.67, "16666.67"),
    (datetime(2024, 3, 15), "2024-03-15"), (datetime(2024, 3, 15, 9, 30), "2024-03-15T09:30:00"),
    (date(2024, 3, 15), "2024-03-15"), (time(9, 30), "09:30:00"), (Decimal("1.50"), "1.50"),
    ("  text\r\nmore ", "  text\nmore "),
])
def test_cells_become_the_text_a_csv_would_hold(value: Any, text: str) -> None:
    assert cell_text(value) == (text, None)


def test_a_number_too_long_for_a_spreadsheet_is_refused_not_guessed() -> None:
    text, problem = cell_text(1.1010519800101123e17)
    assert problem is not None and "15 digits" in problem and "text" in problem
    assert "E" not in text and "e" not in text
    assert cell_text(float("nan"))[1] == "not a finite number"


def test_a_sheet_becomes_the_same_rows_with_its_own_row_numbers() -> None:
    data = xlsx_bytes(row("X-1", contract_principal=200000.5, contract_signed_on=datetime(2024, 3, 15),
                          annual_rate=0.0435), None, row("X-2", overdue_principal=16666.67))
    text, lines, extra = sheet_rows(data)
    assert lines == [1, 2, 4] and extra == {}  # the blank row 3 is skipped; rows keep their sheet numbers
    assert text.splitlines()[1].split(",")[6:9] == ["2024-03-15", "200000.5", "0.0435"]
    checked = check_upload(data, policy_dir=POLICIES, latest=LATEST)
    assert checked.problems == [] and [line for line, _ in checked.rows] == [2, 4]
    first = checked.rows[0][1]
    assert first.contract.principal.amount == Decimal("200000.5") and first.contract.signed_on == date(2024, 3, 15)
    assert checked.rows[1][1].overdue.principal.amount == Decimal("16666.67")


def test_xlsx_errors_name_the_sheet_row_and_the_header_column() -> None:
    data = xlsx_bytes(row("X-1"), None, row("X-2", contract_signed_on="2024-02-30"),
                      row("X-3", borrower_id_number=1.1010519800101123e17))
    problems = check_upload(data, policy_dir=POLICIES, latest=LATEST).problems
    assert [(line, column) for line, column, _ in problems] == [(4, "contract_signed_on"), (5, "borrower_id_number")]
    assert "15 digits" in problems[1][2]


def test_csv_with_a_bom_and_every_problem_listed_with_nothing_to_open() -> None:
    data = b"\xef\xbb\xbf" + csv_bytes(row("C-1"), row("C-2", contract_signed_on="2024-13-01"), row("C-1"),
                                       row("C-4", policy="nonesuch"))
    checked = check_upload(data, policy_dir=POLICIES, latest=LATEST)
    assert [(line, column) for line, column, _ in checked.problems] == [
        (3, "contract_signed_on"), (4, "external_ref"), (5, "policy")]
    assert "same reference as line 2" in checked.problems[1][2] and "unknown policy" in checked.problems[2][2]
    good = check_upload(b"\xef\xbb\xbf" + csv_bytes(row("C-1"), row("C-2")), policy_dir=POLICIES, latest=LATEST)
    assert good.problems == [] and len(good.rows) == 2


def test_files_that_cannot_be_read_are_refused_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    cases = {
        "GBK text": ("张伟".encode("gbk") + b"\n", "neither UTF-8 CSV nor an XLSX"),
        "a zip that is no workbook": (b"PK\x03\x04 not really", "not a readable XLSX"),
        "no header": (b"", "the file is empty"),
        "a header only": (csv_bytes(), "no rows"),
        "a wrong header": (b"external_ref,colour\nx,y\n", "unknown column(s) in the header: colour"),
    }
    for name, (data, reason) in cases.items():
        with pytest.raises(UploadError) as caught:
            check_upload(data, policy_dir=POLICIES, latest=LATEST)
        assert reason in str(caught.value), name
    monkeypatch.setattr(import_files, "MAX_ROWS", 2)
    for data in (csv_bytes(row("R-1"), row("R-2"), row("R-3")), xlsx_bytes(row("R-1"), row("R-2"), row("R-3"))):
        with pytest.raises(UploadError, match="at most 2"):
            check_upload(data, policy_dir=POLICIES, latest=LATEST)
    monkeypatch.setattr(import_files, "MAX_BYTES", 100)
    with pytest.raises(UploadError, match="larger than"):
        check_upload(csv_bytes(row("R-1")), policy_dir=POLICIES, latest=LATEST)
