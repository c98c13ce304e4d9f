"""Excel import (issue 6): action rows read from any workbook with the key columns, refused files,
per-row errors, and the dates and sections a user may type."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.excel import match_columns, parse_date, parse_section, read_action_rows

from .excel_workbooks import HEADER, OTHER, SUPPLIER, sheet_of

# --- any workbook with the key columns ------------------------------------------------------------


def test_foreign_workbook_with_aliases_and_a_title_row():
	data = sheet_of(
		[
			["Actions for October"],
			[],
			["GSTIN of Supplier", " invoice  number ", "Invoice Date", "SECTION", "Action", "Remarks"],
			[SUPPLIER.lower(), 1234, "05-10-2025", "b2b", "accept", None],
			[OTHER, "CN-7", "2025-10-06", "B2B-CN", "Rejected", "not ours"],
			[OTHER, "DN-1", dt.datetime(2025, 10, 7), "b2bdn", "", None],
		]
	)
	parse = read_action_rows(data)
	assert parse.header_row == 3 and parse.errors == []
	assert [(r.row, r.section, r.document_number, r.document_date) for r in parse.rows] == [
		(4, "B2B", "1234", dt.date(2025, 10, 5)),
		(5, "CN", "CN-7", dt.date(2025, 10, 6)),
	]
	assert parse.rows[0].supplier_gstin == SUPPLIER and parse.rows[1].remarks == "not ours"
	assert parse.skipped == 1


def test_new_action_column_wins_over_other_action_columns():
	columns = match_columns(
		["Supplier GSTIN", "GSTN Action", "Action", "New Action", "Section", "Date", "Doc No"]
	)
	assert columns["action"] == 3
	assert columns["document_date"] == 5 and columns["document_number"] == 6


@pytest.mark.parametrize(
	"rows,message",
	[
		([], "no header row"),
		([["just", "some", "words"], [1, 2, 3]], "no header row"),
		([["Supplier GSTIN", "Section", "Document Number", "Document Date"]], "New Action"),
		([["Supplier GSTIN", "Action", "Document Date"]], "Section, Document Number"),
	],
)
def test_missing_header_or_key_columns_refuse_the_file(rows, message):
	with pytest.raises(IMSValidationError) as exc:
		read_action_rows(sheet_of(rows))
	assert message in str(exc.value)
	assert exc.value.field == "header"


@pytest.mark.parametrize(
	"content", [b"supplier,section\n1,2\n", b"", b"PK\x03\x04 broken zip", b"\x00" * 100]
)
def test_a_file_that_is_not_a_workbook_is_refused(content):
	with pytest.raises(IMSValidationError) as exc:
		read_action_rows(content)
	assert "not an Excel workbook" in str(exc.value) and exc.value.field == "file"


def test_not_a_workbook_from_a_path(tmp_path):
	path = tmp_path / "actions.xlsx"
	path.write_text("hello")
	with pytest.raises(IMSValidationError):
		read_action_rows(str(path))


# --- per-row errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
	"row,field",
	[
		([SUPPLIER, "B2B", "A1", "05-10-2025", "approve", None, None], "action"),
		(["29ABC", "B2B", "A1", "05-10-2025", "A", None, None], "supplier_gstin"),
		([None, "B2B", "A1", "05-10-2025", "A", None, None], "supplier_gstin"),
		([SUPPLIER, "B2X", "A1", "05-10-2025", "A", None, None], "section"),
		([SUPPLIER, None, "A1", "05-10-2025", "A", None, None], "section"),
		([SUPPLIER, "B2B", None, "05-10-2025", "A", None, None], "document_number"),
		([SUPPLIER, "B2B", "A 1", "05-10-2025", "A", None, None], "document_number"),
		([SUPPLIER, "B2B", "A1", "31-02-2025", "A", None, None], "document_date"),
		([SUPPLIER, "B2B", "A1", "yesterday", "A", None, None], "document_date"),
		([SUPPLIER, "B2B", "A1", None, "A", None, None], "document_date"),
		([SUPPLIER, "CN", "A1", "05-10-2025", "A", "maybe", None], "itc_reduction_required"),
		([SUPPLIER, "CN", "A1", "05-10-2025", "A", "Y", "ten"], "declared_igst"),
		([SUPPLIER, "CN", "A1", "05-10-2025", "A", "Y", -5], "declared_igst"),
	],
)
def test_bad_rows_are_reported_with_row_number_and_field(row, field):
	parse = read_action_rows(sheet_of([HEADER, [SUPPLIER, "B2B", "OK1", "01-10-2025", "A", None, None], row]))
	assert [r.row for r in parse.rows] == [2]
	assert [(e.row, e.field) for e in parse.errors] == [(3, field)]
	assert parse.errors[0].reason


def test_every_bad_field_of_a_row_is_reported_and_keys_are_echoed():
	parse = read_action_rows(sheet_of([HEADER, ["bad", "B2B", "A1", "bad date", "nope", None, None]]))
	assert sorted(e.field for e in parse.errors) == ["action", "document_date", "supplier_gstin"]
	assert {e.document_number for e in parse.errors} == {"A1"} and {e.action for e in parse.errors} == {
		"nope"
	}


def test_gstin_with_a_wrong_check_character_is_a_warning_not_an_error():
	bad_check = SUPPLIER[:14] + ("A" if SUPPLIER[14] != "A" else "B")
	parse = read_action_rows(sheet_of([HEADER, [bad_check, "B2B", "A1", "05-10-2025", "A", None, None]]))
	assert parse.errors == [] and parse.rows[0].warnings


def test_conflicting_rows_for_one_record_are_both_refused_and_repeats_skipped():
	rows = [
		HEADER,
		[SUPPLIER, "B2B", "A1", "05-10-2025", "Accepted", None, None],
		[SUPPLIER, "B2B", "a1", dt.date(2025, 10, 5), "Rejected", None, None],
		[OTHER, "B2B", "B1", "05-10-2025", "Pending", None, None],
		[OTHER, "B2B", "B1", "2025-10-05", "P", None, None],
	]
	parse = read_action_rows(sheet_of(rows))
	assert [r.row for r in parse.rows] == [4]
	assert [e.row for e in parse.errors] == [2, 3]
	assert "rows 2, 3" in parse.errors[0].reason
	assert parse.skipped == 1


# --- values ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
	"value,expected",
	[
		("05-10-2025", dt.date(2025, 10, 5)),
		("2025-10-05", dt.date(2025, 10, 5)),
		("05/10/2025", dt.date(2025, 10, 5)),
		("2025-10-05 00:00:00", dt.date(2025, 10, 5)),
		(dt.datetime(2025, 10, 5, 13, 0), dt.date(2025, 10, 5)),
		(dt.date(2025, 10, 5), dt.date(2025, 10, 5)),
		(45935, dt.date(2025, 10, 5)),
		(45935.0, dt.date(2025, 10, 5)),
	],
)
def test_parse_date_forms(value, expected):
	assert parse_date(value) == expected


def test_parse_date_in_a_1904_workbook():
	assert parse_date(44473, epoch=CALENDAR_MAC_1904) == dt.date(2025, 10, 5)


@pytest.mark.parametrize("value", ["", None, "10/2025", -1, True, "32-01-2025"])
def test_parse_date_refuses(value):
	with pytest.raises(IMSValidationError):
		parse_date(value)


@pytest.mark.parametrize(
	"value,code",
	[("B2B", "B2B"), ("b2ba", "B2BA"), ("b2bcn", "CN"), ("B2B-CNA", "CNA"), (" cn ", "CN"), ("IMPG", "IMPG")],
)
def test_parse_section_forms(value, code):
	assert parse_section(value) == code


def test_1904_workbook_dates_read_right():
	workbook = Workbook()
	workbook.epoch = CALENDAR_MAC_1904
	ws = workbook.active
	ws.append(HEADER[:5])
	ws.append([SUPPLIER, "B2B", "A1", dt.date(2025, 10, 5), "A"])
	out = io.BytesIO()
	workbook.save(out)
	assert read_action_rows(out.getvalue()).rows[0].document_date == dt.date(2025, 10, 5)
