"""Excel files we write: the action template, the import error workbook and the generic export.

openpyxl (write-only) builds each workbook; the data rows are rendered as sheet XML by
`_SheetWriter` and spliced in, which is several times faster than openpyxl per cell. Cells are
styled only where the value needs it (dates, rupees); read-only columns are greyed by one
conditional-format rule and editable columns are unlocked by a column style, so the sheet can be
protected without paying a style per cell.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel, to_excel
from openpyxl.worksheet.datavalidation import DataValidation

from ims_compliance.core.actions import ACTION_LABELS
from ims_compliance.core.text import spreadsheet_safe

TEXT = "text"
DATE = "date"
RUPEES = "rupees"
NUMBER = "number"
INTEGER = "integer"
KINDS = (TEXT, DATE, RUPEES, NUMBER, INTEGER)

RUPEE_FORMAT = '"₹" #,##0.00'
DATE_FORMAT = "DD-MM-YYYY"
_FORMATS = {DATE: DATE_FORMAT, RUPEES: RUPEE_FORMAT, NUMBER: "#,##0.00", INTEGER: "0"}

ACTIONS_SHEET = "Actions"
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_READ_ONLY_HEADER = PatternFill("solid", fgColor="595959")
_EDITABLE_HEADER = PatternFill("solid", fgColor="1F6F43")
_READ_ONLY_FILL = PatternFill("solid", bgColor="EDEDED")  # conditional-format fills use bgColor
_EDITABLE_FILL = PatternFill("solid", fgColor="FFF8E1")


@dataclass(frozen=True)
class Column:
	"""One spreadsheet column: the row-dict key it shows, its header, kind and width."""

	field: str
	label: str
	kind: str = TEXT
	width: float | None = None
	editable: bool = False

	def __post_init__(self) -> None:
		if self.kind not in KINDS:
			raise ValueError(f"column kind {self.kind!r} is not one of {', '.join(KINDS)}")

	@property
	def display_width(self) -> float:
		if self.width:
			return self.width
		return {DATE: 13, RUPEES: 15, NUMBER: 13, INTEGER: 9}.get(self.kind, max(12, len(self.label) + 2))


#: Action template columns. The read-only ones identify the record and show what the user
#: decides on; the editable ones are what `excel_import.read_action_rows` reads back.
TEMPLATE_COLUMNS: tuple[Column, ...] = (
	Column("name", "Record ID", width=20),
	Column("supplier_gstin", "Supplier GSTIN", width=18),
	Column("supplier_name", "Supplier Name", width=30),
	Column("section", "Section", width=9),
	Column("document_type", "Document Type", width=13),
	Column("document_number", "Document Number", width=18),
	Column("document_date", "Document Date", DATE),
	Column("document_value", "Document Value", RUPEES),
	Column("taxable_value", "Taxable Value", RUPEES),
	Column("igst", "IGST", RUPEES, width=13),
	Column("cgst", "CGST", RUPEES, width=13),
	Column("sgst", "SGST", RUPEES, width=13),
	Column("cess", "Cess", RUPEES, width=12),
	Column("match_status", "Match Status", width=16),
	Column("gstn_action", "GSTN Action", width=12),
	Column("action", "Current Action", width=14),
	Column("recommended_action", "Recommended Action", width=19),
	Column("new_action", "New Action", width=14, editable=True),
	Column("itc_reduction_required", "ITC Reduction Required (Y/N)", width=16, editable=True),
	Column("declared_igst", "Declared IGST", RUPEES, width=14, editable=True),
	Column("declared_cgst", "Declared CGST", RUPEES, width=14, editable=True),
	Column("declared_sgst", "Declared SGST", RUPEES, width=14, editable=True),
	Column("declared_cess", "Declared Cess", RUPEES, width=14, editable=True),
	Column("remarks", "Remarks", width=40, editable=True),
)

ERROR_COLUMNS: tuple[Column, ...] = (
	Column("row", "Row", INTEGER, width=8),
	Column("supplier_gstin", "Supplier GSTIN", width=18),
	Column("section", "Section", width=9),
	Column("document_number", "Document Number", width=18),
	Column("document_date", "Document Date", DATE),
	Column("action", "Action Asked", width=14),
	Column("column", "Column", width=8),
	Column("field", "Field", width=22),
	Column("rule", "Rule", width=7),
	Column("reason", "Reason", width=80),
)

_INSTRUCTIONS = (
	"How to use this template",
	"1. Choose a New Action for the records you want to change: Accepted, Rejected, Pending or No Action.",
	"   Rows left without a New Action are not changed.",
	"2. Accepting a credit note, or an amendment that lowers ITC, asks whether ITC must be reduced (R7):",
	"   Y with no declared amounts = full reversal; Y with declared amounts below the tax = partial reversal;",
	"   N = no reversal. Partial and nil reversals need Remarks. Declared CGST must equal declared SGST.",
	"3. Grey columns are read only: they identify the record. Do not change them.",
	"4. Import the file from the GST Invoice Management System page (Import actions).",
	"   Refused rows come back in an error workbook with the row number and the reason.",
)


#: Excel serials of plausible document dates (1 Jan 1990 to 31 Dec 2099): anything else in a
#: date column is shown as it was typed.
_SERIALS = (32874, 73415)


def _excel_serial(value: object) -> float | None:
	"""The value as an Excel date serial (1900 system), when it is one: 46349, 46349.0, "46349"."""
	if isinstance(value, bool):
		return None
	if isinstance(value, (int, float, Decimal)):
		number = float(value)
	elif isinstance(value, str) and value.strip().replace(".", "", 1).isdigit():
		number = float(value.strip())
	else:
		return None
	return number if _SERIALS[0] <= number <= _SERIALS[1] else None


def _cell_value(value: object, kind: str) -> object:
	"""Spreadsheet-friendly values: real dates and numbers, never Decimal or ISO strings."""
	if value is None or value == "":
		return None
	if kind == DATE:
		if isinstance(value, dt.datetime):
			return value.date()
		if isinstance(value, dt.date):
			return value
		serial = _excel_serial(value)
		if serial is not None:
			# a date cell read back as its serial (46349): written as the date it is, not a number
			return from_excel(serial).date()
		text = str(value).strip()
		for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"):
			try:
				return dt.datetime.strptime(text[:10], fmt).date()
			except ValueError:
				continue
		return text
	if kind in (RUPEES, NUMBER):
		if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
			return float(value)
		try:
			return float(str(value).replace(",", ""))
		except ValueError:
			return str(value)
	if kind == INTEGER and isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
		return int(value)
	if hasattr(value, "value") and isinstance(value.value, str):  # Action and other str enums
		return value.value
	return value if isinstance(value, (int, float, bool, str)) else str(value)


def _get(row: object, key: str) -> object:
	if isinstance(row, Mapping):
		return row.get(key)
	return getattr(row, key, None)


_XML_TEXT = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;"}
_XML_TEXT.update({c: None for c in (*range(0, 9), 11, 12, *range(14, 32))})  # illegal in XML 1.0


class _SheetWriter:
	"""Writes one sheet: openpyxl (write-only) lays out the sheet and its header, styles,
	widths, validations; the data rows are rendered as sheet XML here and spliced in at save.

	Why: openpyxl spends ~15 us per cell, so 50,000 x 24 cells took 15-19 s on the 2-core
	machine; rendering the same cells as strings takes a fraction of that. Only plain values
	are rendered (inline strings, numbers, booleans, dates as serials) with style ids that
	openpyxl registered for the prototypes, so the workbook stays openpyxl's in every other part.
	"""

	def __init__(self, workbook: Workbook, title: str, columns: Sequence[Column]):
		self.workbook = workbook
		self.ws = workbook.create_sheet(title)
		self.columns = list(columns)
		self.rows = 0
		self._parts: list[str] = []
		self._letters = [get_column_letter(i) for i in range(1, len(self.columns) + 1)]
		self._kind_style: dict[str, int] = {}
		for kind, number_format in _FORMATS.items():
			proto = WriteOnlyCell(self.ws)
			proto.number_format = number_format
			self._kind_style[kind] = proto.style_id
		#: style id per column index for cells that carry a value (editable columns override)
		self._column_style: dict[int, int] = {
			i: self._kind_style[c.kind] for i, c in enumerate(self.columns) if c.kind in self._kind_style
		}
		for letter, column in zip(self._letters, self.columns, strict=True):
			self.ws.column_dimensions[letter].width = column.display_width
		self.ws.freeze_panes = "A2"

	def style_column(self, index: int, proto: WriteOnlyCell) -> None:
		self._column_style[index] = proto.style_id

	def header(self) -> None:
		cells = []
		for column in self.columns:
			cell = WriteOnlyCell(self.ws, value=column.label)
			cell.font = _HEADER_FONT
			cell.fill = _EDITABLE_HEADER if column.editable else _READ_ONLY_HEADER
			cell.alignment = Alignment(wrap_text=True, vertical="center")
			cells.append(cell)
		self.ws.append(cells)

	def append(self, row: object, *, upto: int | None = None) -> None:
		number = self.rows + 2
		cells: list[str] = []
		styles = self._column_style
		for index, column in enumerate(self.columns[:upto]):
			value = _cell_value(_get(row, column.field), column.kind)
			if value is None or (isinstance(value, float) and not math.isfinite(value)):
				continue
			ref = f"{self._letters[index]}{number}"
			style = styles.get(index)
			s = f' s="{style}"' if style else ""
			if isinstance(value, str):
				text = spreadsheet_safe(value).translate(_XML_TEXT)
				space = ' xml:space="preserve"' if text != text.strip() else ""
				cells.append(f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>')
			elif isinstance(value, bool):
				cells.append(f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>')
			elif isinstance(value, dt.date):
				cells.append(f'<c r="{ref}"{s}><v>{to_excel(value)}</v></c>')
			else:
				cells.append(f'<c r="{ref}"{s}><v>{value!r}</v></c>')
		self._parts.append(f'<row r="{number}">{"".join(cells)}</row>')
		self.rows += 1

	@property
	def last_row(self) -> int:
		return max(self.rows + 1, 2)

	def range_of(self, index: int, *, last_row: int | None = None) -> str:
		letter = get_column_letter(index)
		return f"{letter}2:{letter}{last_row or self.last_row}"

	def finish(self) -> None:
		if self.columns:
			self.ws.auto_filter.ref = f"A1:{get_column_letter(len(self.columns))}{self.last_row}"

	@property
	def part_name(self) -> str:
		"""openpyxl names write-only sheet parts by their position in the workbook."""
		return f"xl/worksheets/sheet{self.workbook._sheets.index(self.ws) + 1}.xml"


def _save(workbook: Workbook, sheets: Sequence[_SheetWriter], path_or_stream: str | IO[bytes]) -> None:
	"""Save with openpyxl, then splice each sheet's rendered rows into its sheetData."""
	buffer = io.BytesIO()
	workbook.save(buffer)
	rows = {sheet.part_name: "".join(sheet._parts).encode("utf-8") for sheet in sheets}
	buffer.seek(0)
	with zipfile.ZipFile(buffer) as source:
		target = path_or_stream if not isinstance(path_or_stream, (str, Path)) else open(path_or_stream, "wb")
		try:
			with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
				for item in source.infolist():
					content = source.read(item.filename)
					if item.filename in rows:
						end = content.rfind(b"</sheetData>")
						if end < 0:
							raise RuntimeError(f"no sheetData closing tag in {item.filename}")
						content = content[:end] + rows[item.filename] + content[end:]
					out.writestr(item.filename, content, compress_type=zipfile.ZIP_DEFLATED)
		finally:
			if target is not path_or_stream:
				target.close()


def write_action_template(rows: Iterable[Mapping | object], path_or_stream: str | IO[bytes]) -> int:
	"""One row per record; read-only identifying columns, editable action columns with
	dropdowns (action, ITC reduction Y/N), frozen header, rupee formats, a protected sheet whose
	editable columns are unlocked. Returns the number of records written.

	Row keys are GST Inward Supply field names (`name`, `supplier_gstin`, ... see
	TEMPLATE_COLUMNS); `new_action` and the R7 fields are normally absent (left blank).
	"""
	workbook = Workbook(write_only=True)
	sheet = _SheetWriter(workbook, ACTIONS_SHEET, TEMPLATE_COLUMNS)
	first_editable = next(i for i, c in enumerate(TEMPLATE_COLUMNS) if c.editable)
	for index, column in enumerate(TEMPLATE_COLUMNS):
		if column.editable:
			dim = sheet.ws.column_dimensions[get_column_letter(index + 1)]
			dim.fill = _EDITABLE_FILL
			dim.protection = Protection(locked=False)
			proto = WriteOnlyCell(sheet.ws)
			proto.fill = _EDITABLE_FILL
			proto.protection = Protection(locked=False)
			if column.kind in _FORMATS:
				dim.number_format = _FORMATS[column.kind]
				proto.number_format = _FORMATS[column.kind]
			sheet.style_column(index, proto)

	sheet.header()
	for row in rows:
		sheet.append(row)  # blank editable cells are not written: they take the column style
	last = sheet.last_row
	ws = sheet.ws
	ws.conditional_formatting.add(
		f"A2:{get_column_letter(first_editable)}{last}",
		FormulaRule(formula=["TRUE"], fill=_READ_ONLY_FILL),
	)
	action_index = 1 + next(i for i, c in enumerate(TEMPLATE_COLUMNS) if c.field == "new_action")
	itc_index = 1 + next(i for i, c in enumerate(TEMPLATE_COLUMNS) if c.field == "itc_reduction_required")
	action_list = DataValidation(
		type="list",
		formula1='"' + ",".join(ACTION_LABELS) + '"',
		allow_blank=True,
		showErrorMessage=True,
		errorTitle="IMS action",
		error="Choose Accepted, Rejected, Pending or No Action (or leave blank to keep the record as it is).",
	)
	action_list.add(sheet.range_of(action_index, last_row=last))
	itc_list = DataValidation(
		type="list",
		formula1='"Y,N"',
		allow_blank=True,
		showErrorMessage=True,
		errorTitle="ITC reduction (R7)",
		error="Y if ITC must be reduced, N if not.",
	)
	itc_list.add(sheet.range_of(itc_index, last_row=last))
	amounts = DataValidation(
		type="decimal",
		operator="greaterThanOrEqual",
		formula1="0",
		allow_blank=True,
		showErrorMessage=True,
		errorTitle="Declared amount (R7)",
		error="A declared amount is a number of rupees, 0 or more.",
	)
	for index, column in enumerate(TEMPLATE_COLUMNS, start=1):
		if column.field.startswith("declared_"):
			amounts.add(sheet.range_of(index, last_row=last))
	for validation in (action_list, itc_list, amounts):
		ws.data_validations.append(validation)
	ws.protection.sheet = True
	ws.protection.autoFilter = False  # filtering and resizing stay allowed on the protected sheet
	ws.protection.sort = False
	ws.protection.formatColumns = False
	ws.protection.formatRows = False
	sheet.finish()

	notes = workbook.create_sheet("Instructions")
	notes.column_dimensions["A"].width = 110
	for line in _INSTRUCTIONS:
		notes.append([line])
	_save(workbook, [sheet], path_or_stream)
	return sheet.rows


def write_error_workbook(errors: Iterable[Mapping | object], path_or_stream: str | IO[bytes]) -> int:
	"""Each refused row with its reason: row number, key columns, field, rule id and reason.

	Takes `excel_import.RowError` objects or dicts with the same keys (the action service adds
	its own refusals: unknown record, rule refused, ambiguous match). Returns the row count.
	"""
	workbook = Workbook(write_only=True)
	sheet = _SheetWriter(workbook, "Refused Rows", ERROR_COLUMNS)
	sheet.header()
	for error in errors:
		sheet.append(error)
	sheet.finish()
	_save(workbook, [sheet], path_or_stream)
	return sheet.rows


def _as_column(spec: Column | Mapping | Sequence) -> Column:
	if isinstance(spec, Column):
		return spec
	if isinstance(spec, Mapping):
		return Column(
			field=spec["field"],
			label=spec.get("label") or spec["field"],
			kind=spec.get("kind") or TEXT,
			width=spec.get("width"),
		)
	return Column(*spec)


def write_export(
	rows: Iterable[Mapping | object],
	columns: Sequence[Column | Mapping | Sequence],
	path_or_stream: str | IO[bytes],
	*,
	title: str = "Export",
) -> int:
	"""The page's Export button: any rows, any columns (Column, a dict with field/label/kind/
	width, or a (field, label[, kind[, width]]) tuple), with header, widths, rupee and date
	formats and a frozen header. Returns the number of rows written."""
	workbook = Workbook(write_only=True)
	sheet = _SheetWriter(workbook, title[:31], [_as_column(c) for c in columns])
	sheet.header()
	for row in rows:
		sheet.append(row)
	sheet.finish()
	_save(workbook, [sheet], path_or_stream)
	return sheet.rows
