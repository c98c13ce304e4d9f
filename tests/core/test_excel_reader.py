"""The sheet reader under the Excel import (core.xlsx_rows): it reads what openpyxl reads, keeps
Excel's row and column positions whatever the sheet's XML looks like, and picks the Actions sheet."""

import datetime as dt
import io
import re
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from ims_compliance.core.excel import read_action_rows
from ims_compliance.core.xlsx_rows import sheet_rows

from .excel_workbooks import HEADER, LABELS, SUPPLIER, edit, record, sheet_of, template_bytes

# --- the calamine reader agrees with openpyxl -----------------------------------------------------


_cell_values = st.one_of(
	st.none(),
	st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
	st.integers(-(10**9), 10**9),
	st.floats(allow_nan=False, allow_infinity=False, width=32),
	st.booleans(),
	st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2090, 1, 1)),
)


def _normal(value):
	if isinstance(value, dt.datetime):
		return value.date()
	if isinstance(value, str) and not value:
		return None
	return value


def _openpyxl_rows(data: bytes) -> list[tuple[int, tuple]]:
	workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
	sheet = workbook["Actions"] if "Actions" in workbook.sheetnames else workbook.worksheets[0]
	rows = [
		(number, values)
		for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
		if values and any(_normal(v) is not None for v in values)
	]
	workbook.close()
	return rows


def _same_rows(read, expected):
	assert [n for n, _ in read] == [n for n, _ in expected]
	for (_, a), (_, b) in zip(read, expected, strict=True):
		a = [_normal(v) for v in a]
		b = [_normal(v) for v in b]
		width = max(len(a), len(b))
		a, b = a + [None] * (width - len(a)), b + [None] * (width - len(b))
		for x, y in zip(a, b, strict=True):
			if isinstance(y, float) or (isinstance(y, int) and not isinstance(y, bool)):
				assert x == pytest.approx(y, rel=1e-6)
			else:
				assert x == y


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(_cell_values, max_size=6), max_size=8), write_only=st.booleans())
def test_calamine_reader_reads_what_openpyxl_reads(rows, write_only):
	workbook = Workbook(write_only=write_only)
	ws = workbook.create_sheet("Data") if write_only else workbook.active
	for row in rows:
		ws.append(row)
	out = io.BytesIO()
	workbook.save(out)
	if not any(_normal(v) is not None for row in rows for v in row):
		return
	_same_rows(sheet_rows(out.getvalue())[1], _openpyxl_rows(out.getvalue()))


# --- sheets as other writers shape them -----------------------------------------------------------


def _rewrite_sheet(data: bytes, fn) -> bytes:
	source = zipfile.ZipFile(io.BytesIO(data))
	out = io.BytesIO()
	with zipfile.ZipFile(out, "w") as target:
		for item in source.infolist():
			content = source.read(item.filename)
			if item.filename == "xl/worksheets/sheet1.xml":
				content = fn(content)
			target.writestr(item, content)
	return out.getvalue()


def test_our_template_reads_with_its_header_first():
	data = edit(template_bytes([record(i) for i in range(1, 4)]), {2: {"new_action": "Accepted"}})
	title, rows, _ = sheet_rows(data)
	assert title == "Actions" and rows[0][1][: len(LABELS)] == tuple(LABELS)


def test_cells_without_references_are_read_in_place():
	data = sheet_of([HEADER[:5], [SUPPLIER, "B2B", "A1", "05-10-2025", "A"]])
	stripped = _rewrite_sheet(data, lambda xml: re.sub(rb' r="[A-Z]+\d+"', b"", xml))
	parse = read_action_rows(stripped)
	assert [(r.row, r.document_number) for r in parse.rows] == [(2, "A1")]


def test_namespace_prefixed_cells_are_read():
	data = sheet_of([HEADER[:5], [SUPPLIER, "B2B", "A1", "05-10-2025", "A"]])

	def prefix(xml: bytes) -> bytes:
		xml = xml.replace(b'xmlns="http://schemas', b'xmlns:x="http://schemas', 1)
		return re.sub(rb"<(/?)(?!\?)([A-Za-z])", rb"<\1x:\2", xml)

	_, rows, _ = sheet_rows(_rewrite_sheet(data, prefix))
	assert rows[1][1][:3] == (SUPPLIER, "B2B", "A1")


def test_a_sheet_starting_below_and_right_keeps_excel_row_and_column_positions():
	workbook = Workbook()
	ws = workbook.active
	ws["C3"] = "Supplier GSTIN"
	ws["D5"] = "x"
	out = io.BytesIO()
	workbook.save(out)
	assert sheet_rows(out.getvalue())[1] == [
		(3, (None, None, "Supplier GSTIN", "")),
		(5, (None, None, "", "x")),
	]


def test_actions_sheet_is_preferred_over_the_first_sheet():
	workbook = Workbook()
	workbook.active.append(["notes"])
	ws = workbook.create_sheet("Actions")
	ws.append(HEADER[:5])
	ws.append([SUPPLIER, "B2B", "A1", "05-10-2025", "A"])
	out = io.BytesIO()
	workbook.save(out)
	assert read_action_rows(out.getvalue()).sheet == "Actions"
