"""Rows of the sheet to import from an .xlsx file, fast (issue 6).

openpyxl's read-only reader builds an object per cell and first scans the whole sheet for its
size when the writer left no <dimension>: 50,000 template rows took 12-15 s on the 2-core
machine. `sheet_rows` tries a regex scanner over the sheet XML first and falls back to openpyxl
for anything it does not handle, so odd files are slower, never wrong (a property test checks
that both readers agree).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile
from pathlib import Path
from typing import IO

from openpyxl import load_workbook

from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.excel_template import ACTIONS_SHEET


def _open(source: str | Path | IO[bytes]):
	try:
		return load_workbook(source, read_only=True, data_only=True)
	except Exception as exc:  # zipfile, KeyError, InvalidFileException...: all mean "not xlsx"
		raise IMSValidationError(
			f"the file is not an Excel workbook (.xlsx) that can be read ({type(exc).__name__})", field="file"
		) from None


# --- a fast scanner for the sheet XML ----------------------------------------------------------
#
# openpyxl's read-only reader builds an object per cell and first scans the whole sheet for its
# size when the writer left no <dimension> (openpyxl's own write-only files): 50,000 template
# rows took 12-15 s on the 2-core machine. This scanner lets the regex engine find the cells and
# decodes each with a few byte operations. It handles what xlsx writers produce: shared and
# inline strings, numbers, booleans, formulas' cached values. Anything unexpected (a cell
# without a leading reference, a namespace prefix, a missing part) raises `_Unsupported` and the caller
# falls back to openpyxl, so odd files are slower, never wrong.

#: Every writer we know (Excel, LibreOffice, Google Sheets, openpyxl, xlsxwriter) puts the
#: reference first and uses no namespace prefix; cells written otherwise are counted and sent
#: to openpyxl instead (see `_scan_cells`).
_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"([^>]*?)(?:/>|(?<!/)>(.*?)</c>)', re.S)
_PREFIXED_CELL = re.compile(rb"<\w+:c[\s/>]")
_VALUE = re.compile(rb"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.S)
_TEXT = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?>(.*?)</(?:\w+:)?t>", re.S)
_SHARED_ITEM = re.compile(rb"<(?:\w+:)?si>(.*?)</(?:\w+:)?si>|<(?:\w+:)?si/>", re.S)
_PHONETIC = re.compile(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)
_ROW_CLOSE = re.compile(rb"</(?:\w+:)?row>|<(?:\w+:)?row\b[^>]*/>")
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*?)/?>")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*?)/?>")
_CHUNK = 1 << 20
_MAC_EPOCH = dt.datetime(1904, 1, 1)


class _Unsupported(Exception):
	"""The fast scanner met something it does not handle; openpyxl takes over."""


def _attr(attrs: bytes, name: bytes) -> str | None:
	match = re.search(rb"(?:^|\s)" + name + rb'="([^"]*)"', attrs)
	return html.unescape(match.group(1).decode("utf-8")) if match else None


def _column_index(letters: bytes) -> int:
	index = 0
	for byte in letters:
		index = index * 26 + byte - 64
	return index - 1


def _text_of(raw: bytes) -> str:
	text = raw.decode("utf-8")
	return html.unescape(text) if "&" in text else text


def _texts(body: bytes) -> str:
	return "".join(_text_of(t) for t in _TEXT.findall(_PHONETIC.sub(b"", body)))


def _decode(attrs: bytes, body: bytes, shared: list[str]) -> object:
	if b'inlineStr"' in attrs:
		if body.startswith(b"<is><t>") and body.endswith(b"</t></is>"):
			return _text_of(body[7:-9])
		return _texts(body)
	if body.startswith(b"<v>") and body.endswith(b"</v>"):
		raw = body[3:-4]
	else:
		match = _VALUE.search(body)
		if match is None:
			return None
		raw = match.group(1)
	if b't="' not in attrs or b't="n"' in attrs:
		if not raw:
			return None
		return float(raw) if (b"." in raw or b"E" in raw or b"e" in raw) else int(raw)
	if b't="s"' in attrs:
		return shared[int(raw)]
	if b't="b"' in attrs:
		return raw == b"1"
	if b't="e"' in attrs:
		return None
	return _text_of(raw)  # t="str" (formula text) or t="d" (ISO date text)


def _fast_book(source: str | Path | IO[bytes]) -> tuple[str, list[tuple[int, tuple]], dt.datetime | None]:
	"""(sheet title, non-empty rows with their Excel row numbers, epoch) of the sheet to import."""
	with zipfile.ZipFile(source) as archive:
		names = set(archive.namelist())
		workbook_xml = archive.read("xl/workbook.xml")
		targets = {
			_attr(attrs, b"Id"): _attr(attrs, b"Target")
			for attrs in _RELATIONSHIP.findall(archive.read("xl/_rels/workbook.xml.rels"))
		}
		sheets = [(_attr(a, b"name"), _attr(a, rb"\w+:id")) for a in _SHEET.findall(workbook_xml)]
		if not sheets:
			raise _Unsupported("no sheets")
		titles = [title for title, _ in sheets]
		title = _pick_sheet(titles)
		target = targets.get(dict(sheets)[title]) or ""
		path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
		if path not in names:
			raise _Unsupported(f"sheet part {path} missing")
		shared: list[str] = []
		if "xl/sharedStrings.xml" in names:
			shared = [
				_texts(m.group(1) or b"") for m in _SHARED_ITEM.finditer(archive.read("xl/sharedStrings.xml"))
			]
		epoch = _MAC_EPOCH if re.search(rb'date1904="(?:1|true)"', workbook_xml) else None
		with archive.open(path) as stream:
			return title, _scan_cells(stream, shared), epoch


def _scan_cells(stream: IO[bytes], shared: list[str]) -> list[tuple[int, tuple]]:
	rows: list[tuple[int, tuple]] = []
	letters_index: dict[bytes, int] = {}
	current_row = b""
	values: dict[int, object] = {}

	def flush() -> None:
		if values:
			row: list[object] = [None] * (max(values) + 1)
			for index, value in values.items():
				row[index] = value
			rows.append((int(current_row), tuple(row)))

	pending = b""
	while True:
		chunk = stream.read(_CHUNK)
		data = pending + chunk
		if chunk:
			ends = list(_ROW_CLOSE.finditer(data))
			if not ends:
				pending = data
				continue
			cut = ends[-1].end()
			data, pending = data[:cut], data[cut:]
		cells = _CELL.findall(data)
		if len(cells) != data.count(b"<c ") + data.count(b"<c>") or _PREFIXED_CELL.search(data):
			raise _Unsupported("cells without a leading reference, or with a namespace prefix")
		for letters, number, attrs, body in cells:
			if number != current_row:
				flush()
				current_row, values = number, {}
			if not body:
				continue
			value = _decode(attrs, body, shared)
			if value is not None:
				index = letters_index.get(letters)
				if index is None:
					index = letters_index[letters] = _column_index(letters)
				values[index] = value
		if not chunk:
			flush()
			return rows


def _openpyxl_book(source: str | Path | IO[bytes]) -> tuple[str, list[tuple[int, tuple]], dt.datetime | None]:
	workbook = _open(source)
	try:
		sheet = workbook[_pick_sheet(workbook.sheetnames)]
		rows = [
			(number, values)
			for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
			if values and any(v is not None for v in values)
		]
		return sheet.title, rows, getattr(workbook, "epoch", None)
	finally:
		workbook.close()


def sheet_rows(
	path_or_stream: str | Path | bytes | IO[bytes],
) -> tuple[str, list[tuple[int, tuple]], dt.datetime | None]:
	"""(sheet title, non-empty rows with Excel row numbers, workbook epoch) of the sheet to
	import: the fast scanner, else openpyxl's read-only reader (which also refuses non-workbooks)."""
	source = io.BytesIO(path_or_stream) if isinstance(path_or_stream, (bytes, bytearray)) else path_or_stream
	try:
		return _fast_book(source)
	except Exception:
		if hasattr(source, "seek"):
			source.seek(0)
		return _openpyxl_book(source)


def _pick_sheet(names: list[str]) -> str:
	return ACTIONS_SHEET if ACTIONS_SHEET in names else names[0]
