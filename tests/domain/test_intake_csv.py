"""Bulk intake CSV: good lines become MatterIntake, bad ones are named by line and column."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from domain.intake_csv import COLUMNS, REQUIRED_COLUMNS, CsvHeaderError, FieldError, parse_intake_csv
from domain.money import Money

HEADER = (
    "external_ref,policy,creditor_name,creditor_address,borrower_name,borrower_id_number,borrower_phone,"
    "borrower_email,borrower_address,borrower_locale,borrower_timezone,contract_number,contract_signed_on,"
    "contract_principal,annual_rate,currency,overdue_since,overdue_principal,overdue_interest,overdue_penalty,"
    "overdue_fees"
)
CN_ROW = (
    "CN-0001,demo,华信商业银行股份有限公司北京朝阳支行,北京市朝阳区建国路88号,张伟,110105198001011238,13800138000,"
    "zhang.wei@example.com,北京市朝阳区望京街道1502室,zh-CN,Asia/Shanghai,HX-2024-0317,2024-03-15,"
    "200000.00,0.0435,CNY,2026-08-15,16666.67,2175.00,526.33,150.00"
)
EN_ROW = (
    'EN-0001,standard,Thames Valley Lending plc,"1 Example Wharf, London",Oliver Bennett,QQ123456C,07700 900123,'
    "oliver@example.com,\"Flat 4, 27 Example Road, London\",en,Europe/London,TVL-3391,2025-01-10,"
    "15000.00,8.9%,GBP,2026-09-10,833.34,201.12,12.00,25.00"
)


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def errors_of(text: str, **kwargs: object) -> dict[int, list[FieldError]]:
    return {r.line: list(r.errors) for r in parse_intake_csv(text, **kwargs) if not r.ok}  # type: ignore[arg-type]


def columns(errors: list[FieldError]) -> set[str]:
    return {e.column for e in errors}


def replace_cell(row: str, index: int, value: str) -> str:
    # The test rows have no commas inside the cells used here (CN_ROW has none at all).
    cells = row.split(",")
    cells[index] = value
    return ",".join(cells)


def col(name: str) -> int:
    return HEADER.split(",").index(name)


# ---- good lines ------------------------------------------------------------------------------
def test_chinese_and_english_lines_parse_into_intakes() -> None:
    rows = parse_intake_csv(csv_text(CN_ROW, EN_ROW))
    assert [(r.line, r.ok) for r in rows] == [(2, True), (3, True)]
    cn, en = rows[0].intake, rows[1].intake
    assert cn is not None and en is not None
    assert cn.borrower.name == "张伟"
    assert cn.creditor.name == "华信商业银行股份有限公司北京朝阳支行"
    assert cn.borrower.locale == "zh-CN" and cn.borrower.timezone == "Asia/Shanghai"
    assert cn.contract.principal == Money.of("200000.00", "CNY")
    assert cn.contract.signed_on == date(2024, 3, 15)
    assert cn.contract.annual_rate == Decimal("0.0435")
    assert cn.overdue.since == date(2026, 8, 15)
    assert cn.overdue.penalty == Money.of("526.33", "CNY")
    assert en.borrower.address == "Flat 4, 27 Example Road, London"
    assert en.contract.annual_rate == Decimal("0.089")  # "8.9%"
    assert en.currency == "GBP" and en.policy == "standard"


def test_optional_columns_may_be_omitted_and_empty_buckets_are_zero() -> None:
    header = ",".join(REQUIRED_COLUMNS)
    row = "R-1,demo,Bank,Li Na,310104199005123451,C-1,2025-06-01,50000.00,0.072,cny,2026-10-01,4166.67"
    [parsed] = parse_intake_csv(csv_text(row, header=header))
    assert parsed.intake is not None
    assert parsed.intake.overdue.interest == Money.zero("CNY")
    assert parsed.intake.currency == "CNY"  # lower case accepted
    assert parsed.intake.borrower.email is None
    assert parsed.intake.guarantors == ()


def test_guarantors_and_assets_from_json_columns_with_bare_amounts_in_the_line_currency() -> None:
    guarantors = [
        {"name": "王芳", "id_number": "110105198203152346", "cap": "200000.00", "period_ends_on": "2027-02-15"},
        {"name": "刘洋", "id_number": "330106198809306781", "guarantee_type": "joint_and_several"},
    ]
    assets = [{"kind": "real_estate", "description": "北京市朝阳区住宅一套", "estimated_value": "5200000.00",
               "pledged": True}]

    def quoted(value: object) -> str:
        return '"' + json.dumps(value, ensure_ascii=False).replace('"', '""') + '"'

    text = csv_text(CN_ROW + "," + quoted(guarantors) + "," + quoted(assets), header=HEADER + ",guarantors,assets")
    [parsed] = parse_intake_csv(text)
    assert parsed.errors == ()
    assert parsed.intake is not None
    first, second = parsed.intake.guarantors
    assert first.name == "王芳" and first.cap == Money.of("200000.00", "CNY")
    assert first.guarantee_type == "general"  # not said: general (Civil Code art. 686(2))
    assert second.guarantee_type == "joint_and_several" and second.cap is None
    assert parsed.intake.assets[0].estimated_value == Money.of("5200000.00", "CNY")
    assert parsed.intake.assets[0].pledged is True


def test_utf8_bom_and_crlf_line_endings_are_accepted() -> None:
    text = "\ufeff" + csv_text(CN_ROW, EN_ROW).replace("\n", "\r\n")
    rows = parse_intake_csv(text)
    assert [r.ok for r in rows] == [True, True]
    assert rows[0].intake is not None and rows[0].intake.external_ref == "CN-0001"


def test_header_is_case_insensitive_and_order_free() -> None:
    cells = dict(zip(HEADER.split(","), CN_ROW.split(","), strict=True))
    names = list(reversed(cells))
    text = csv_text(",".join(cells[n] for n in names), header=",".join(n.upper() for n in names))
    [parsed] = parse_intake_csv(text)
    assert parsed.intake is not None and parsed.intake.borrower.name == "张伟"


def test_default_policy_fills_a_missing_policy_column_or_empty_cell() -> None:
    header = ",".join(c for c in REQUIRED_COLUMNS if c != "policy")
    row = "R-1,Bank,Li Na,310104199005123451,C-1,2025-06-01,50000.00,0.072,CNY,2026-10-01,4166.67"
    [parsed] = parse_intake_csv(csv_text(row, header=header), default_policy="demo")
    assert parsed.intake is not None and parsed.intake.policy == "demo"
    with pytest.raises(CsvHeaderError, match="policy"):
        parse_intake_csv(csv_text(row, header=header))
    [empty_cell] = parse_intake_csv(csv_text(replace_cell(CN_ROW, col("policy"), "")), default_policy="standard")
    assert empty_cell.intake is not None and empty_cell.intake.policy == "standard"


def test_blank_lines_are_skipped_and_line_numbers_are_physical_lines() -> None:
    multiline_address = replace_cell(EN_ROW.replace('"1 Example Wharf, London"', '"1 Example Wharf\nLondon"'),
                                     0, "EN-0002")
    text = "\n".join([HEADER, "", CN_ROW, multiline_address, replace_cell(CN_ROW, col("borrower_email"), "bad")])
    rows = parse_intake_csv(text)
    assert [(r.line, r.ok) for r in rows] == [(3, True), (4, True), (6, False)]


def test_header_only_file_has_no_rows() -> None:
    assert parse_intake_csv(HEADER + "\n") == []


# ---- bad lines -----------------------------------------------------------------------------------
def test_bad_lines_are_named_by_line_and_column_and_good_lines_still_parse() -> None:
    bad_email = replace_cell(CN_ROW, col("borrower_email"), "not-an-email")
    bad_date = replace_cell(replace_cell(CN_ROW, col("contract_signed_on"), "2024-13-01"), 0, "CN-0003")
    bad_many = ",".join(
        ["CN 0004", "demo", "", "", "李娜", "", "", "", "", "fr", "Mars/Base", "C", "2024-01-01",
         "-5", "abc", "RMB", "2026-01-01", "1", "0", "0", "0"]
    )
    rows = parse_intake_csv(csv_text(CN_ROW, bad_email, bad_date, bad_many))
    assert [(r.line, r.ok) for r in rows] == [(2, True), (3, False), (4, False), (5, False)]
    errors = {r.line: r.errors for r in rows}
    assert [str(e) for e in errors[3]] == ["borrower_email: not an e-mail address"]
    assert columns(list(errors[4])) == {"contract_signed_on"}
    assert columns(list(errors[5])) == {
        "external_ref", "creditor_name", "borrower_id_number", "borrower_locale", "borrower_timezone",
        "annual_rate", "currency",
    }
    # Listed in the order of the file's columns.
    assert [e.column for e in errors[5]][:3] == ["external_ref", "creditor_name", "borrower_id_number"]


def test_errors_never_echo_cell_values() -> None:
    secret_id = "110105198001011238"  # CN_ROW's borrower_id_number
    row = CN_ROW
    for column in ("borrower_email", "borrower_locale", "borrower_timezone"):  # a shifted column, say
        row = replace_cell(row, col(column), secret_id)
    [parsed] = parse_intake_csv(csv_text(row))
    assert columns(list(parsed.errors)) == {"borrower_email", "borrower_locale", "borrower_timezone"}
    assert all(secret_id not in str(e) for e in parsed.errors)


def test_amount_errors_name_the_amount_column() -> None:
    too_precise = replace_cell(CN_ROW, col("overdue_interest"), "1.001")
    grouped = replace_cell(replace_cell(CN_ROW, col("contract_principal"), "200 000"), 0, "CN-2")
    zero_principal = replace_cell(replace_cell(CN_ROW, col("contract_principal"), "0"), 0, "CN-3")
    errs = errors_of(csv_text(too_precise, grouped, zero_principal))
    assert columns(errs[2]) == {"overdue_interest"}
    assert columns(errs[3]) == {"contract_principal"}
    assert columns(errs[4]) == {"contract_*"}  # the contract's own rule: principal must be > 0
    assert "greater than zero" in errs[4][0].message


def test_whole_matter_rules_are_reported_for_the_row() -> None:
    before_signing = replace_cell(CN_ROW, col("overdue_since"), "2020-01-01")
    errs = errors_of(csv_text(before_signing))
    assert [str(e) for e in errs[2]] == ["row: overdue.since is before the contract was signed"]


def test_bad_json_columns() -> None:
    header = HEADER + ",guarantors,assets"
    not_json = CN_ROW + ",[{name: x}],"
    not_list = CN_ROW + ',"{""a"": 1}",'
    bad_item = CN_ROW + ",,\"[{\"\"kind\"\": \"\"castle\"\", \"\"description\"\": \"\"x\"\"}]\""
    errs = errors_of(csv_text(not_json, not_list, bad_item, header=header))
    assert columns(errs[2]) == {"guarantors"} and "not valid JSON" in errs[2][0].message
    assert columns(errs[3]) == {"guarantors"} and "array" in errs[3][0].message
    assert columns(errs[4]) == {"assets[0].kind"}


def test_wrong_number_of_cells() -> None:
    errs = errors_of(csv_text(CN_ROW + ",extra", ",".join(CN_ROW.split(",")[:5])))
    assert columns(errs[2]) == {"row"} and "22 cells" in errs[2][0].message
    assert columns(errs[3]) == {"row"} and "5 cells" in errs[3][0].message


# ---- the file as a whole ----------------------------------------------------------------------
def test_unknown_column_is_a_header_error() -> None:
    with pytest.raises(CsvHeaderError) as info:
        parse_intake_csv(csv_text(CN_ROW + ",x", header=HEADER + ",borrower_nickname"))
    assert "unknown column(s) in the header: borrower_nickname" in str(info.value)


def test_missing_and_duplicate_columns_are_header_errors() -> None:
    header = HEADER.replace("borrower_name,", "") + ",currency"
    with pytest.raises(CsvHeaderError) as info:
        parse_intake_csv(header + "\n")
    problems = info.value.problems
    assert any("duplicate column(s) in the header: currency" in p for p in problems)
    assert any("missing required column(s) in the header: borrower_name" in p for p in problems)


@pytest.mark.parametrize("text", ["", "\ufeff", "\n\n  \n", ",,,\n"])
def test_empty_file_is_a_clear_error(text: str) -> None:
    with pytest.raises(CsvHeaderError, match="empty"):
        parse_intake_csv(text)


def test_documented_columns_are_all_known() -> None:
    assert set(REQUIRED_COLUMNS) <= set(COLUMNS)
    assert set(HEADER.split(",")) <= set(COLUMNS)


def test_dates_in_the_future_and_amounts_beyond_any_loan_are_named_by_column() -> None:
    future = replace_cell(replace_cell(CN_ROW, col("contract_signed_on"), "2026-12-01"),
                          col("overdue_since"), "2026-12-05")
    huge = replace_cell(CN_ROW, col("overdue_principal"), "1e30")
    ancient = replace_cell(CN_ROW, col("contract_signed_on"), "1900-01-01")
    errors = errors_of(csv_text(CN_ROW, future, huge, ancient), latest=date(2026, 12, 3))
    assert sorted(errors) == [3, 4, 5]
    assert [str(e) for e in errors[3]] == ["overdue_since: 2026-12-05 is in the future"]
    assert columns(errors[4]) == {"overdue_principal"} and "1,000,000,000,000" in str(errors[4][0])
    assert columns(errors[5]) == {"contract_signed_on"} and "1970-01-02" in str(errors[5][0])
    assert errors_of(csv_text(future)) == {}  # no `latest` given: the pure parser has no clock


def test_principal_not_due_is_read_in_the_line_currency_and_checked_against_the_contract() -> None:
    header = ",".join((*REQUIRED_COLUMNS, "contract_principal_not_due"))
    base = "R-1,demo,Bank,Li Na,310104199005123451,C-1,2025-06-01,50000.00,0.072,CNY,2026-10-01,4166.67,"
    known, empty, too_much = parse_intake_csv(csv_text(base + "30000.00", base + "", base + "45833.34",
                                                       header=header))
    assert known.intake is not None and known.intake.contract.principal_not_due == Money.of("30000.00", "CNY")
    assert empty.intake is not None and empty.intake.contract.principal_not_due is None
    assert too_much.intake is None and [e.column for e in too_much.errors] == ["row"]


def test_the_dispute_clause_from_its_columns_and_a_contradiction_named_by_them() -> None:
    header = HEADER + ",dispute_forum,dispute_institution,dispute_article"
    [parsed] = parse_intake_csv(csv_text(CN_ROW + ",arbitration,上海仲裁委员会,第十八条", header=header))
    assert parsed.intake is not None and parsed.errors == ()
    dispute = parsed.intake.contract.dispute
    assert dispute is not None and (dispute.forum, dispute.institution, dispute.article) == (
        "arbitration", "上海仲裁委员会", "第十八条")
    [court] = parse_intake_csv(csv_text(CN_ROW + ",court,,", header=header))
    assert court.intake is not None and court.intake.contract.dispute is not None
    assert court.intake.contract.dispute.forum == "court"
    [none] = parse_intake_csv(csv_text(CN_ROW + ",,,", header=header))
    assert none.intake is not None and none.intake.contract.dispute is None
    errors = errors_of(csv_text(CN_ROW + ",arbitration,,", CN_ROW.replace("CN-0001", "CN-0002") + ",mediation,,",
                                header=header))
    assert columns(errors[2]) == {"dispute_*"} and "names the arbitration commission" in errors[2][0].message
    assert columns(errors[3]) == {"dispute_forum"}
