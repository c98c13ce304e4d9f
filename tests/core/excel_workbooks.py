"""Workbooks for the Excel tests (core.excel): template records, a template's bytes, a user's
edits to it, any sheet from rows, and the header of a hand-made action sheet."""

import datetime as dt
import io

from openpyxl import Workbook, load_workbook

from ims_compliance.core.actions import Action
from ims_compliance.core.excel import TEMPLATE_COLUMNS, write_action_template
from ims_compliance.core.gstin import make_gstin

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


HEADER = [
	"Supplier GSTIN",
	"Section",
	"Document Number",
	"Document Date",
	"New Action",
	"ITC Reduction Required",
	"Declared IGST",
]
