"""Reading action workbooks: our template, or any sheet with the key columns (issue 6).

The import is two-phase so nothing half-applies: this module parses and validates every row
(pure, no database), and only then does the action service look the records up and apply the
valid rows. A file that is not a workbook, has no header row or misses a key column raises
`IMSValidationError` before any row is returned.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from openpyxl.utils.datetime import from_excel

from ims_compliance.core.actions import Action
from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.gstin import check_gstin
from ims_compliance.core.records import check_amount, check_document_number
from ims_compliance.core.rules import ActionRequest
from ims_compliance.core.sections import SECTIONS, section_by_key
from ims_compliance.core.xlsx_rows import column_letter, sheet_rows

#: How far down to look for the header row (titles or notes may sit above it).
HEADER_SEARCH_ROWS = 10
KEY_FIELDS = ("supplier_gstin", "section", "document_number", "document_date", "action")
DECLARED_FIELDS = ("declared_igst", "declared_cgst", "declared_sgst", "declared_cess")

#: Header aliases, compared after lower-casing and dropping everything but letters and digits,
#: tried in order (so "New Action" wins over a plain "Action" column when both exist).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
	"record_id": ("recordid", "imsrecordid", "imsrecord", "id", "name"),
	"supplier_gstin": (
		"suppliergstin",
		"gstinofsupplier",
		"suppliergstinuin",
		"gstinuinofsupplier",
		"stin",
		"ctin",
		"gstin",
	),
	"section": ("section", "imssection", "sectioncode", "documentsection"),
	"document_number": (
		"documentnumber",
		"documentno",
		"docnumber",
		"docno",
		"invoicenumber",
		"invoiceno",
		"notenumber",
		"noteno",
		"billofentrynumber",
		"inum",
		"ntnum",
		"boenum",
	),
	"document_date": (
		"documentdate",
		"docdate",
		"invoicedate",
		"notedate",
		"billofentrydate",
		"idt",
		"ntdt",
		"boedt",
		"date",
	),
	"action": ("newaction", "action", "imsaction", "setaction", "actiontotake"),
	"itc_reduction_required": (
		"itcreductionrequiredyn",
		"itcreductionrequired",
		"itcreduction",
		"itcredreq",
		"reduceitc",
		"itctobereduced",
	),
	"declared_igst": ("declaredigst", "decligst"),
	"declared_cgst": ("declaredcgst", "declcgst"),
	"declared_sgst": ("declaredsgst", "declsgst"),
	"declared_cess": ("declaredcess", "declcess"),
	"remarks": ("remarks", "remark", "comments", "comment"),
}
_LABELS = {
	"supplier_gstin": "Supplier GSTIN",
	"section": "Section",
	"document_number": "Document Number",
	"document_date": "Document Date",
	"action": "New Action",
}
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_DATE_FORMATS = ("%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d", "%d.%m.%Y")
_YES_NO = {"y": "Y", "yes": "Y", "n": "N", "no": "N"}


@dataclass(frozen=True)
class RowError:
	"""A refused row: the Excel row number, which field (and its column letter), why, and the
	rule when one refused it."""

	row: int
	field: str | None
	reason: str
	rule: str | None = None
	column: str | None = None
	supplier_gstin: object = None
	section: object = None
	document_number: object = None
	document_date: object = None
	action: object = None


@dataclass(frozen=True)
class ActionRow:
	"""One valid row: which record (by key, or by record id) and what to do with it."""

	row: int
	supplier_gstin: str
	section: str
	document_number: str
	document_date: dt.date
	action: Action
	record_id: str | None = None
	itc_reduction_required: str | None = None
	declared_igst: float | None = None
	declared_cgst: float | None = None
	declared_sgst: float | None = None
	declared_cess: float | None = None
	remarks: str | None = None
	warnings: tuple[str, ...] = ()

	@property
	def lookup_key(self) -> tuple[str, str, str, dt.date]:
		"""(section, supplier GSTIN, upper-cased number, date): how the service finds the record."""
		return (self.section, self.supplier_gstin, self.document_number.upper(), self.document_date)

	@property
	def request(self) -> ActionRequest:
		return ActionRequest(
			action=self.action,
			itc_reduction_required=self.itc_reduction_required,
			declared_igst=self.declared_igst,
			declared_cgst=self.declared_cgst,
			declared_sgst=self.declared_sgst,
			declared_cess=self.declared_cess,
			remarks=self.remarks,
		)

	def _decision(self) -> tuple:
		return (
			self.action,
			self.itc_reduction_required,
			*(getattr(self, f) for f in DECLARED_FIELDS),
			self.remarks,
		)


@dataclass
class ImportParse:
	rows: list[ActionRow] = field(default_factory=list)
	errors: list[RowError] = field(default_factory=list)
	#: rows with no new action (left as they are), plus exact repeats of an earlier row
	skipped: int = 0
	sheet: str = ""
	header_row: int = 0
	columns: dict[str, int] = field(default_factory=dict)


def normalise_header(value: object) -> str:
	return _NOT_ALNUM.sub("", str(value or "").lower())


def match_columns(header: Iterable[object]) -> dict[str, int]:
	"""Field -> 0-based column index for the headers we recognise."""
	positions: dict[str, int] = {}
	for index, value in enumerate(header):
		positions.setdefault(normalise_header(value), index)
	positions.pop("", None)
	taken: set[int] = set()
	columns: dict[str, int] = {}
	for name, aliases in FIELD_ALIASES.items():
		for alias in aliases:
			index = positions.get(alias)
			if index is not None and index not in taken:
				columns[name] = index
				taken.add(index)
				break
	return columns


def parse_section(value: object) -> str:
	"""B2B, CN, CNA... also the payload keys (b2bcn) and the portal's names (B2B-CN, B2B-DNA)."""
	text = re.sub(r"\s+", "", str(value or "")).upper()
	if text in SECTIONS:
		return text
	found = section_by_key(text.lower())
	if found:
		return found.code
	if text.startswith("B2B-") and text[4:] in SECTIONS:
		return text[4:]
	raise IMSValidationError(f"unknown section {value!r}; use one of {', '.join(SECTIONS)}")


def parse_date(value: object, *, epoch: dt.datetime | None = None) -> dt.date:
	"""Excel dates, Excel serial numbers, or text in dd-mm-yyyy / yyyy-mm-dd (and / or . separators)."""
	if isinstance(value, dt.datetime):
		return value.date()
	if isinstance(value, dt.date):
		return value
	if isinstance(value, (int, float)) and not isinstance(value, bool):
		if 1 <= value < 2958466:
			converted = from_excel(value, epoch) if epoch else from_excel(value)
			return converted.date() if isinstance(converted, dt.datetime) else converted
		raise IMSValidationError(f"date {value!r} is not a date")
	text = str(value or "").strip()
	if not text:
		raise IMSValidationError("date is missing")
	candidate = text[:10] if len(text) > 10 and text[10] in " T" else text
	for fmt in _DATE_FORMATS:
		try:
			return dt.datetime.strptime(candidate, fmt).date()
		except ValueError:
			continue
	raise IMSValidationError(f"date {value!r} is not a date; write it as dd-mm-yyyy or yyyy-mm-dd")


def _text(value: object) -> str:
	if value is None:
		return ""
	if isinstance(value, float) and value.is_integer():
		return str(int(value))
	return str(value).strip()


def _amount(value: object, name: str) -> float | None:
	if value is None or (isinstance(value, str) and not value.strip()):
		return None
	if isinstance(value, str):
		value = value.replace("₹", "").replace(",", "").strip()
	return check_amount(value, field=name)


def _find_header(rows: list[tuple[int, tuple]]) -> tuple[int, int, dict[str, int]]:
	"""(position in `rows`, Excel row number, columns) of the header row."""
	best: tuple[int, int, dict[str, int]] = (0, 0, {})
	for position, (number, values) in enumerate(rows):
		if number > HEADER_SEARCH_ROWS:
			break
		columns = match_columns(values or ())
		if all(key in columns for key in KEY_FIELDS):
			return position, number, columns
		if len(columns) > len(best[2]):
			best = (position, number, columns)
	_, number, columns = best
	if not columns:
		raise IMSValidationError(
			f"no header row found in the first {HEADER_SEARCH_ROWS} rows; the sheet needs columns "
			+ ", ".join(_LABELS[k] for k in KEY_FIELDS),
			field="header",
		)
	missing = [_LABELS[k] for k in KEY_FIELDS if k not in columns]
	raise IMSValidationError(
		f"the header row misses key column(s): {', '.join(missing)}", location=f"row {number}", field="header"
	)


def read_action_rows(path_or_stream: str | Path | bytes | IO[bytes]) -> ImportParse:
	"""Parse and validate every row. Rows with an empty new action are skipped (not errors);
	each bad row yields one RowError per bad field; rows naming the same record with different
	decisions are all refused as ambiguous, exact repeats are skipped."""
	title, rows, epoch = sheet_rows(path_or_stream)
	position, header_row, columns = _find_header(rows)
	result = ImportParse(sheet=title, header_row=header_row, columns=columns)
	memo = _Memo(epoch)
	first_seen: dict[object, ActionRow] = {}
	conflicts: dict[object, list[ActionRow]] = {}
	for number, values in rows[position + 1 :]:
		if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
			continue
		parsed = _parse_row(number, values, columns, memo, result)
		if parsed is None:
			continue
		key = ("id", parsed.record_id) if parsed.record_id else parsed.lookup_key
		earlier = first_seen.get(key)
		if earlier is None:
			first_seen[key] = parsed
		elif earlier._decision() == parsed._decision():
			result.skipped += 1
		else:
			conflicts.setdefault(key, [earlier]).append(parsed)
	refused = {id(row) for group in conflicts.values() for row in group}
	for group in conflicts.values():
		numbers = ", ".join(str(r.row) for r in group)
		for row in group:
			result.errors.append(
				_error(
					row.row,
					"action",
					f"rows {numbers} name the same record with different actions; keep one",
					row,
					columns,
				)
			)
	result.rows = [row for row in first_seen.values() if id(row) not in refused]
	result.errors.sort(key=lambda e: e.row)
	return result


def _error(
	number: int, name: str | None, reason: str, keys: object, columns: dict[str, int] | None = None
) -> RowError:
	index = (columns or {}).get(name or "")
	return RowError(
		row=number,
		field=name,
		reason=reason,
		column=column_letter(index) if index is not None else None,
		supplier_gstin=getattr(keys, "supplier_gstin", None),
		section=getattr(keys, "section", None),
		document_number=getattr(keys, "document_number", None),
		document_date=getattr(keys, "document_date", None),
		action=getattr(keys, "action", None),
	)


@dataclass
class _Raw:
	supplier_gstin: object = None
	section: object = None
	document_number: object = None
	document_date: object = None
	action: object = None


def _gstin_field(value: object) -> tuple[str, str | None]:
	if value in (None, ""):
		raise IMSValidationError("supplier GSTIN is missing")
	check = check_gstin(value, field="supplier_gstin")
	return check.gstin, check.warning


def _number_field(value: object) -> str:
	text = _text(value)
	if not text:
		raise IMSValidationError("document number is missing")
	return check_document_number(text, field="document_number")


def _section_field(value: object) -> str:
	if value in (None, ""):
		raise IMSValidationError("section is missing")
	return parse_section(value)


def _itc_field(value: object) -> str | None:
	text = _text(value).lower()
	if not text:
		return None
	if text not in _YES_NO:
		raise IMSValidationError(f"ITC reduction required must be Y or N, not {value!r}")
	return _YES_NO[text]


class _Memo:
	"""Per-import memo of field parsers: a 50,000-row file repeats the same GSTINs, sections,
	dates and action words thousands of times, and each parse is pure."""

	def __init__(self, epoch: dt.datetime | None):
		self.epoch = epoch
		self._seen: dict[tuple[str, object], object] = {}

	def __call__(self, name: str, fn, value: object) -> object:
		key = (name, value)
		try:
			found = self._seen.get(key, _MISSING)
		except TypeError:  # unhashable cell value: parse without the memo
			return fn(value)
		if found is _MISSING:
			found = self._seen[key] = fn(value)
		return found


_MISSING = object()
_MEMO_FIELDS = ("supplier_gstin", "section", "document_date", "action", "itc_reduction_required")


def _parse_row(
	number: int, values: tuple, columns: dict[str, int], memo: _Memo, result: ImportParse
) -> ActionRow | None:
	width = len(values)

	def cell(name: str) -> object:
		index = columns.get(name)
		return values[index] if index is not None and index < width else None

	raw_action = cell("action")
	if raw_action is None or (isinstance(raw_action, str) and not raw_action.strip()):
		result.skipped += 1
		return None
	raw = _Raw(
		supplier_gstin=cell("supplier_gstin"),
		section=cell("section"),
		document_number=cell("document_number"),
		document_date=cell("document_date"),
		action=raw_action,
	)
	parsers = (
		("supplier_gstin", _gstin_field, raw.supplier_gstin),
		("section", _section_field, raw.section),
		("document_number", _number_field, raw.document_number),
		("document_date", lambda v: parse_date(v, epoch=memo.epoch), raw.document_date),
		("action", Action.parse, raw_action),
		("itc_reduction_required", _itc_field, cell("itc_reduction_required")),
		*((name, lambda v, name=name: _amount(v, name), cell(name)) for name in DECLARED_FIELDS),
	)
	parsed: dict[str, object] = {}
	errors: list[RowError] = []
	for name, fn, value in parsers:
		try:
			parsed[name] = memo(name, fn, value) if name in _MEMO_FIELDS else fn(value)
		except IMSValidationError as exc:
			errors.append(_error(number, name, exc.message, raw, columns))
	if errors:
		result.errors.extend(errors)
		return None
	gstin, warning = parsed.pop("supplier_gstin")
	return ActionRow(
		row=number,
		supplier_gstin=gstin,
		record_id=_text(cell("record_id")) or None,
		remarks=_text(cell("remarks")) or None,
		warnings=(warning,) if warning else (),
		**parsed,
	)
