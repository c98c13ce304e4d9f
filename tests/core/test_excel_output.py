"""Excel output (issue 6): the action template a user fills in, the error workbook of refused rows,
and exports."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from ims_compliance.core.actions import Action
from ims_compliance.core.excel import (
	Column,
	RowError,
	read_action_rows,
	write_action_template,
	write_error_workbook,
	write_export,
)
from ims_compliance.core.excel_template import RUPEE_FORMAT

from .excel_workbooks import COL, LABELS, OTHER, SUPPLIER, edit, record, template_bytes

# --- the template ---------------------------------------------------------------------------------


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


# --- error workbook and export --------------------------------------------------------------------


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
