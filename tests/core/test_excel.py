"""Excel action template, import parse, error workbook and export (issue 6)."""

import datetime as dt
import io
import re
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from ims_compliance.core.actions import Action
from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.excel import (
	TEMPLATE_COLUMNS,
	Column,
	RowError,
	match_columns,
	parse_date,
	parse_section,
	read_action_rows,
	write_action_template,
	write_error_workbook,
	write_export,
)
from ims_compliance.core.excel_template import RUPEE_FORMAT
from ims_compliance.core.gstin import make_gstin
from ims_compliance.core.xlsx_rows import sheet_rows

SUPPLIER = make_gstin("29", "AABCS9876K")
OTHER = make_gstin("27", "AAPFU0939F")
LABELS = [c.label for c in TEMPLATE_COLUMNS]
COL = {c.field: i + 1 for i, c in enumerate(TEMPLATE_COLUMNS)}  # 1-based


def record(i: int, **kw) -> dict:
	row = {
		"name": f"GIS-{i:05d}",
		"supplier_gstin": SUPPLIER if i % 2 else OTHER,
		"supplier_name": f"Supplier & Sons <{i}>",
		"section": "CN" if i % 5 == 0 else "B2B",
		"document_type": "Invoice",
		"document_number": f"INV/{i:04d}",
		"document_date": dt.date(2025, 10, 1) + dt.timedelta(days=i % 28),
		"document_value": 1180.5 + i,
		"taxable_value": 1000.0 + i,
		"igst": 180.5,
		"cgst": 0,
		"sgst": 0,
		"cess": 0,
		"match_status": "Exact Match",
		"gstn_action": "No Action",
		"action": Action.NO_ACTION,
		"recommended_action": "Accepted",
	}
	row.update(kw)
	return row


def template_bytes(rows) -> bytes:
	buffer = io.BytesIO()
	write_action_template(rows, buffer)
	return buffer.getvalue()


def edit(data: bytes, changes: dict[int, dict[str, object]]) -> bytes:
	"""Open like a user would (full openpyxl), set editable cells by sheet row, save."""
	workbook = load_workbook(io.BytesIO(data))
	ws = workbook["Actions"]
	for row, values in changes.items():
		for name, value in values.items():
			ws.cell(row=row, column=COL[name], value=value)
	out = io.BytesIO()
	workbook.save(out)
	return out.getvalue()


def sheet_of(rows: list[list[object]], title: str = "Sheet") -> bytes:
	workbook = Workbook()
	ws = workbook.active
	ws.title = title
	for row in rows:
		ws.append(row)
	out = io.BytesIO()
	workbook.save(out)
	return out.getvalue()


# --- the template -------------------------------------------------------------------------------


def test_template_layout_dropdowns_protection_and_formats():
	data = template_bytes([record(i) for i in range(1, 6)])
	workbook = load_workbook(io.BytesIO(data))
	ws = workbook["Actions"]
	assert [c.value for c in ws[1]] == LABELS
	assert ws.freeze_panes == "A2"
	assert ws.max_row == 6
	assert ws.protection.sheet
	formulas = {dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation}
	assert (
		formulas['"Accepted,Rejected,Pending,No Action"']
		== f"{_letter('new_action')}2:{_letter('new_action')}6"
	)
	assert '"Y,N"' in formulas
	# read-only cells are locked (the default) and editable columns are unlocked and tinted
	new_action = ws.column_dimensions[_letter("new_action")]
	assert new_action.protection.locked is False
	assert ws.column_dimensions[_letter("supplier_gstin")].width == 18
	assert ws.cell(row=2, column=COL["igst"]).number_format == RUPEE_FORMAT
	assert ws.cell(row=2, column=COL["document_date"]).value.date() == dt.date(2025, 10, 2)
	assert ws.cell(row=2, column=COL["supplier_name"]).value == "Supplier & Sons <1>"
	assert ws.cell(row=2, column=COL["action"]).value == "No Action"
	assert ws.cell(row=2, column=COL["new_action"]).value is None
	assert ws.conditional_formatting  # grey read-only area
	assert "Instructions" in workbook.sheetnames


def _letter(name: str) -> str:
	from openpyxl.utils import get_column_letter

	return get_column_letter(COL[name])


def test_template_accepts_db_shaped_values():
	row = record(1, document_date="2025-10-05", igst="180.50", action="Accepted")
	ws = load_workbook(io.BytesIO(template_bytes([row])))["Actions"]
	assert ws.cell(row=2, column=COL["document_date"]).value.date() == dt.date(2025, 10, 5)
	assert ws.cell(row=2, column=COL["igst"]).value == 180.5


def test_unedited_template_imports_nothing():
	parse = read_action_rows(template_bytes([record(i) for i in range(1, 21)]))
	assert parse.rows == [] and parse.errors == [] and parse.skipped == 20
	assert parse.header_row == 1 and parse.sheet == "Actions"


def test_template_round_trip_reads_every_edited_row():
	data = template_bytes([record(i) for i in range(1, 41)])
	changes = {
		2: {"new_action": "Accepted"},
		3: {"new_action": "reject", "remarks": "wrong rate"},
		6: {"new_action": "Accepted", "itc_reduction_required": "y", "declared_igst": 90, "remarks": "half"},
		10: {"new_action": "P"},
		41: {"new_action": "No Action"},
	}
	parse = read_action_rows(edit(data, changes))
	assert parse.errors == []
	assert [r.row for r in parse.rows] == [2, 3, 6, 10, 41]
	assert parse.skipped == 35
	first = parse.rows[0]
	assert (first.record_id, first.supplier_gstin, first.section, first.document_number) == (
		"GIS-00001",
		SUPPLIER,
		"B2B",
		"INV/0001",
	)
	assert first.document_date == dt.date(2025, 10, 2)
	assert [r.action for r in parse.rows] == [
		Action.ACCEPTED,
		Action.REJECTED,
		Action.ACCEPTED,
		Action.PENDING,
		Action.NO_ACTION,
	]
	cn = parse.rows[2]
	assert cn.section == "CN" and cn.itc_reduction_required == "Y" and cn.declared_igst == 90.0
	assert cn.request.remarks == "half" and cn.request.declared_cgst is None
	assert parse.rows[1].lookup_key == ("B2B", OTHER, "INV/0002", dt.date(2025, 10, 3))


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


# --- per-row errors -----------------------------------------------------------------------------

HEADER = [
	"Supplier GSTIN",
	"Section",
	"Document Number",
	"Document Date",
	"New Action",
	"ITC Reduction Required",
	"Declared IGST",
]


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


# --- values -------------------------------------------------------------------------------------


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


# --- the calamine reader agrees with openpyxl ----------------------------------------------------

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


# --- error workbook and export ----------------------------------------------------------------


def test_error_workbook_lists_each_refused_row_with_rule_and_reason():
	errors = [
		RowError(
			row=7, field="action", reason="unknown IMS action 'x'", supplier_gstin=SUPPLIER, section="B2B"
		),
		{
			"row": 9,
			"rule": "P1",
			"reason": "Missing in PI",
			"document_number": "A1",
			"document_date": dt.date(2025, 10, 5),
		},
	]
	out = io.BytesIO()
	assert write_error_workbook(errors, out) == 2
	ws = load_workbook(io.BytesIO(out.getvalue())).active
	header = [c.value for c in ws[1]]
	assert header[:2] == ["Row", "Supplier GSTIN"] and "Reason" in header and "Rule" in header
	rows = [dict(zip(header, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=2)]
	assert rows[0]["Row"] == 7 and rows[0]["Field"] == "action" and rows[0]["Rule"] is None
	assert rows[1]["Rule"] == "P1" and rows[1]["Document Date"].date() == dt.date(2025, 10, 5)
	assert ws.freeze_panes == "A2"


def test_export_formats_columns_given_in_any_form():
	rows = [{"supplier": "S1", "tax": 10.5, "day": "2025-10-05", "count": 3}, {"supplier": "S2", "tax": None}]
	columns = [
		Column("supplier", "Supplier", width=25),
		("tax", "Total Tax", "rupees"),
		{"field": "day", "label": "Date", "kind": "date"},
		("count", "Count", "integer"),
	]
	out = io.BytesIO()
	assert write_export(rows, columns, out, title="Actions Summary") == 2
	ws = load_workbook(io.BytesIO(out.getvalue()))["Actions Summary"]
	assert [c.value for c in ws[1]] == ["Supplier", "Total Tax", "Date", "Count"]
	assert ws["B2"].number_format == RUPEE_FORMAT and ws["B2"].value == 10.5
	assert ws["C2"].value.date() == dt.date(2025, 10, 5)
	assert ws["B3"].value is None
	assert ws.column_dimensions["A"].width == 25 and ws.freeze_panes == "A2"


def test_rendered_cells_survive_escaping_spaces_control_characters_and_types():
	rows = [
		{"a": 'x < y & "z" > w', "b": True, "c": 12345678901234, "d": float("nan")},
		{"a": "  padded  ", "b": False, "c": -0.5, "d": "text in a number column"},
		{"a": "bell\x07tab\tnew\nline", "b": None, "c": 0, "d": 1e-7},
	]
	columns = [("a", "A"), ("b", "B"), ("c", "C", "number"), ("d", "D", "rupees")]
	out = io.BytesIO()
	write_export(rows, columns, out)
	ws = load_workbook(io.BytesIO(out.getvalue())).active
	values = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
	assert values[0] == ['x < y & "z" > w', True, 12345678901234, None]
	assert values[1] == ["  padded  ", False, -0.5, "text in a number column"]
	assert values[2] == ["belltab\tnew\nline", None, 0, 1e-7]
	assert ws["C2"].number_format == "#,##0.00"


def test_prefilled_editable_cells_stay_unlocked_and_formatted():
	data = template_bytes([record(1, new_action="Accepted", declared_igst=10, remarks="kept")])
	ws = load_workbook(io.BytesIO(data))["Actions"]
	cell = ws.cell(row=2, column=COL["declared_igst"])
	assert cell.value == 10 and cell.protection.locked is False and cell.number_format == RUPEE_FORMAT
	assert ws.cell(row=2, column=COL["remarks"]).protection.locked is False
	assert ws.cell(row=2, column=COL["supplier_gstin"]).protection.locked is True
	parse = read_action_rows(data)
	assert parse.rows[0].action is Action.ACCEPTED and parse.rows[0].remarks == "kept"


def test_template_to_a_path(tmp_path):
	path = tmp_path / "template.xlsx"
	assert write_action_template([record(1), record(2)], str(path)) == 2
	assert load_workbook(path)["Actions"].max_row == 3


def test_column_kind_is_checked():
	with pytest.raises(ValueError):
		Column("x", "X", kind="money")


@pytest.mark.parametrize("typed", [46348, 46348.0, "46348", "2026-11-22", "22-11-2026", "22/11/2026"])
def test_error_workbook_shows_real_dates_whatever_the_row_held(typed):
	"""A refused row's date comes back as the user typed it or as the reader gave it (an Excel
	serial for a date cell): the error workbook shows the date, never 46348."""
	out = io.BytesIO()
	write_error_workbook([{"row": 3, "reason": "x", "document_date": typed}], out)
	ws = load_workbook(io.BytesIO(out.getvalue())).active
	header = [c.value for c in ws[1]]
	cell = ws.cell(row=2, column=header.index("Document Date") + 1)
	assert isinstance(cell.value, dt.datetime) and cell.value.date() == dt.date(2026, 11, 22)
	assert cell.is_date


def test_error_workbook_keeps_a_date_it_cannot_read_as_typed():
	out = io.BytesIO()
	write_error_workbook([{"row": 3, "reason": "bad date", "document_date": "31-31-2026"}], out)
	ws = load_workbook(io.BytesIO(out.getvalue())).active
	header = [c.value for c in ws[1]]
	assert ws.cell(row=2, column=header.index("Document Date") + 1).value == "31-31-2026"
