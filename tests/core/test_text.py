"""Plain text at ingest and formula-safe cells in exported workbooks (issue 14)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ims_compliance.core.text import plain_text, spreadsheet_safe


@pytest.mark.parametrize(
	"value, expected",
	[
		("<img src=x onerror=alert(1)>", ""),
		("Acme <script>alert(1)</script> Traders", "Acme alert(1) Traders"),
		("<<b>script>alert(1)<</b>/script>", "scriptalert(1) /script"),
		("A&B Traders", "A&B Traders"),
		("Shree\x00 Ganesh\x1b  Steels\n", "Shree Ganesh Steels"),
		("<!-- x --> Mehta & Sons", "Mehta & Sons"),
		("Price < 100 > 50", "Price 50"),  # what looks like a tag goes
		(None, None),
	],
)
def test_plain_text(value, expected):
	assert plain_text(value) == expected


def test_plain_text_keeps_lines_of_remarks():
	assert plain_text("line one \r\n <b>line</b>  two\x00\n", multiline=True) == "line one\nline two"


@given(st.text(max_size=200))
def test_plain_text_never_leaves_markup(value):
	text = plain_text(value)
	assert "<" not in text and ">" not in text
	assert plain_text(text) == text


@pytest.mark.parametrize(
	"text, expected",
	[
		('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
		("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
		("@SUM(A1:A2)", "'@SUM(A1:A2)"),
		("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
		("\t=1", "'\t=1"),
		("-12/A", "-12/A"),
		("+91 98200 00000", "+91 98200 00000"),
		("INV/001", "INV/001"),
		("Acme = best", "Acme = best"),
	],
)
def test_spreadsheet_safe(text, expected):
	assert spreadsheet_safe(text) == expected


def test_exported_and_error_workbooks_hold_no_formulas():
	import io

	from openpyxl import load_workbook

	from ims_compliance.core.excel import RowError, write_error_workbook, write_export

	errors = [
		RowError(
			row=3, field="document_date", column="D", reason="=cmd|' /C calc'!A0", document_number="@SUM(1)"
		)
	]
	out = io.BytesIO()
	write_error_workbook(errors, out)
	sheet = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
	values = [c.value for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None]
	assert "'=cmd|' /C calc'!A0" in values and "'@SUM(1)" in values and "D" in values
	out = io.BytesIO()
	write_export([{"supplier_name": "=1+1"}], [("supplier_name", "Supplier")], out, title="x")
	cells = [c for row in load_workbook(io.BytesIO(out.getvalue())).worksheets[0].iter_rows() for c in row]
	assert all(c.data_type != "f" for c in cells)
	assert "'=1+1" in [c.value for c in cells]
