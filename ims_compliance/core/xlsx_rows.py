"""Rows of the sheet to import from an .xlsx file, read by python-calamine within bounds (issue 14).

Uploaded workbooks are hostile input: any Accounts User can import one. The reading itself is
calamine's (Rust, streaming XML, no entity expansion, a well-kept project); this module only
decides, BEFORE calamine sees the file, that reading it stays small:

- the file's size, the archive's entry count, each entry's and the total uncompressed size and
  each large entry's compression ratio (a zip bomb inflates a few KB to GBs);
- that no entry inflates to more than its header claims (a lying header is how a zip bomb
  slips past the size check);
- the shared-strings part's size (calamine keeps every shared string in memory);
- the area of the cell range a sheet would span. calamine allocates the sheet's range densely
  from its first to its last cell, so two cells at A1 and XFD1048576 in a 1 KB file would ask for
  17 billion cells and abort the process. Every worksheet part is scanned once for its cell
  references (a linear byte scan; the exact position of each cell is simulated only for files
  whose cells are not all written as ``<c r="...">``).

Every refusal is an `IMSValidationError` that says what limit was met.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.excel_template import ACTIONS_SHEET

MB = 1024 * 1024


@dataclass(frozen=True)
class WorkbookLimits:
	"""What an imported workbook may be. The defaults take a 200,000-row action template with
	room to spare (50,000 rows written by the template: 5 MB file, 45 MB of sheet XML); a
	cell of the range costs calamine 32 bytes, so `cells` bounds its memory to about 130 MB."""

	file_bytes: int = 50 * MB
	entries: int = 500
	uncompressed_bytes: int = 400 * MB
	#: compression ratio allowed for an entry over `ratio_above` bytes (sheet XML: about 10)
	ratio: int = 500
	ratio_above: int = 1 * MB
	shared_strings_bytes: int = 24 * MB
	rows: int = 150_000
	#: rows x columns calamine may allocate for one sheet
	cells: int = 4_000_000


LIMITS = WorkbookLimits()
_CHUNK = 4 * MB
#: a cell reference worth a closer look: two or more column letters, or a six-digit row
_BIG_CELL_REF = re.compile(rb'<c r="((?=[A-Za-z]{2}|[A-Za-z]\d{6})[A-Za-z]+)(\d+)"')
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(c|row)(?=[\s/>])([^<>]*)")
_R_ATTR = re.compile(rb"""(?:^|\s)r\s*=\s*["']([A-Za-z]*)(\d*)["']""")
_SHARED_STRINGS = re.compile(r"(^|/)sharedStrings\d*\.xml$", re.I)


def _refuse(message: str) -> IMSValidationError:
	return IMSValidationError(message, field="file")


def _column_number(letters: bytes) -> int:
	"""1-based column number of A, Z, AA, XFD (either case)."""
	number = 0
	for byte in letters.upper():
		number = number * 26 + byte - 64
	return number


def column_letter(index: int) -> str:
	"""Excel letters of a 0-based column index (0 -> A, 26 -> AA): errors name the column."""
	letters = ""
	index += 1
	while index:
		index, rest = divmod(index - 1, 26)
		letters = chr(65 + rest) + letters
	return letters


@dataclass
class _Extent:
	"""Rows and columns (1-based, inclusive) a worksheet part's cells reach, and its row tags."""

	rows: int = 0
	columns: int = 0
	row_tags: int = 0

	@property
	def cells(self) -> int:
		return self.rows * self.columns


class _PartScan:
	"""One pass over a worksheet part: counts cells and the cells written as ``<c r="...">``
	and keeps the largest references. When every cell carries its reference first (every
	writer we know), the extent is the largest reference: two-letter columns and six-digit rows
	are read exactly, the rest are below 26 columns x 99,999 rows."""

	def __init__(self) -> None:
		self.cells = 0
		self.referenced = 0
		self.row_tags = 0
		self.max_row = 0
		self.max_column = 0

	def feed(self, data: bytes) -> None:
		self.cells += len(_CELL_TAG.findall(data))
		self.referenced += data.count(b'<c r="')
		self.row_tags += data.count(b"<row") - data.count(b"<rowBreaks")
		for letters, digits in _BIG_CELL_REF.findall(data):
			self.max_row = max(self.max_row, int(digits))
			self.max_column = max(self.max_column, _column_number(letters))

	def extent(self) -> _Extent | None:
		"""The extent, or None when some cell has no leading reference (simulate instead)."""
		if self.cells != self.referenced:
			return None
		if not self.cells:
			return _Extent(row_tags=self.row_tags)
		return _Extent(rows=self.max_row or 99_999, columns=self.max_column or 26, row_tags=self.row_tags)


class _PositionScan:
	"""Where calamine would put each cell: a cell with a reference goes there, one without
	goes right of the previous cell; a row without `r` follows the previous row."""

	def __init__(self) -> None:
		self.extent = _Extent()
		self._row = 0
		self._column = 0

	def feed(self, data: bytes) -> None:
		extent = self.extent
		for name, attrs in _TAG.findall(data):
			found = _R_ATTR.search(attrs)
			letters, digits = found.groups() if found else (b"", b"")
			if name == b"row":
				extent.row_tags += 1
				self._row = int(digits) if digits else self._row + 1
				self._column = 0
				continue
			if letters and digits:
				self._column, row = _column_number(letters), int(digits)
			else:
				self._column, row = self._column + 1, max(self._row, 1)
			extent.rows = max(extent.rows, row)
			extent.columns = max(extent.columns, self._column)


def _inflate(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
	"""The entry's bytes in chunks, inflated here rather than by zipfile so that an entry whose
	deflate stream goes on past the size its header declares (a zip bomb's way past a size
	check) is refused as soon as it does."""
	offset = info.header_offset
	header = data[offset : offset + 30]
	if len(header) < 30 or header[:4] != b"PK\x03\x04":
		raise _refuse(f"the archive is damaged ({info.filename} has no local header)")
	if info.flag_bits & 0x1:
		raise _refuse("the workbook is encrypted; save it without a password")
	name_length, extra_length = struct.unpack("<HH", header[26:30])
	start = offset + 30 + name_length + extra_length
	raw = memoryview(data)[start : start + info.compress_size]
	if info.compress_type == zipfile.ZIP_STORED:
		if len(raw) != info.file_size:
			raise _refuse(f"the archive is damaged ({info.filename} is cut short)")
		for position in range(0, len(raw), _CHUNK):
			yield bytes(raw[position : position + _CHUNK])
		return
	if info.compress_type != zipfile.ZIP_DEFLATED:
		raise _refuse(f"{info.filename} uses a compression Excel does not write")
	inflater = zlib.decompressobj(-15)
	total = position = 0
	while not inflater.eof:
		if inflater.unconsumed_tail:
			out = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
		elif position < len(raw):
			out = inflater.decompress(raw[position : position + _CHUNK], _CHUNK)
			position += _CHUNK
		else:
			break
		total += len(out)
		if total > info.file_size:
			raise _refuse(f"{info.filename} inflates to more than its declared {info.file_size:,} bytes")
		if out:
			yield out
	if total != info.file_size:
		raise _refuse(
			f"the archive is damaged ({info.filename} inflates to {total:,} bytes, not {info.file_size:,})"
		)


def _stream(data: bytes, info: zipfile.ZipInfo, feed: Callable[[bytes], None] | None) -> None:
	"""Inflate one entry, feeding `feed` chunks that end between tags (a tag split by a chunk
	boundary waits for the next chunk)."""
	pending = b""
	for chunk in _inflate(data, info):
		if feed is None:
			continue
		joined = pending + chunk
		cut = joined.rfind(b"<")
		if cut < 0 or joined.find(b">", cut) >= 0:
			joined, pending = joined, b""
		else:
			joined, pending = joined[:cut], joined[cut:]
			if len(pending) > MB:
				raise _refuse(f"{info.filename} has a tag longer than 1 MB")
		feed(joined)
	if feed is not None and pending:
		feed(pending)


def check_workbook(data: bytes, limits: WorkbookLimits = LIMITS) -> _Extent:
	"""Refuse a workbook calamine should not read (see the module docstring). Returns the largest
	worksheet extent, whose `row_tags` tells the caller roughly how many rows to expect."""
	if len(data) > limits.file_bytes:
		raise _refuse(
			f"the file is {len(data) / MB:.1f} MB; at most {limits.file_bytes // MB} MB can be imported"
		)
	try:
		archive = zipfile.ZipFile(io.BytesIO(data))
		infos = archive.infolist()
	except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
		raise _refuse("the file is not an Excel workbook (.xlsx): it is not a zip archive") from None
	if len(infos) > limits.entries:
		raise _refuse(
			f"the archive holds {len(infos):,} entries; a workbook needs far fewer than {limits.entries}"
		)
	names = [info.filename for info in infos]
	if len(set(names)) != len(names):
		raise _refuse("the archive holds two entries with the same name")
	total = sum(info.file_size for info in infos)
	if total > limits.uncompressed_bytes:
		raise _refuse(
			f"the workbook inflates to {total / MB:,.0f} MB; at most {limits.uncompressed_bytes // MB} MB can be read"
		)
	for info in infos:
		if _SHARED_STRINGS.search(info.filename) and info.file_size > limits.shared_strings_bytes:
			raise _refuse(
				f"the shared strings table is {info.file_size / MB:.0f} MB; at most "
				f"{limits.shared_strings_bytes // MB} MB can be read"
			)
		if info.file_size > limits.ratio_above and info.file_size > limits.ratio * max(info.compress_size, 1):
			raise _refuse(
				f"{info.filename} is compressed {info.file_size // max(info.compress_size, 1):,} to 1 "
				"(a zip bomb); the file cannot be read"
			)
	widest = _Extent()
	try:
		for info in infos:
			if info.is_dir():
				continue
			if not info.filename.lower().endswith(".xml"):
				_stream(data, info, None)
				continue
			extent = _scan_part(data, info, limits)
			if extent.rows > limits.rows + 1:
				raise _refuse(
					f"the sheet reaches row {extent.rows:,}; at most {limits.rows:,} rows can be imported "
					"at once: split the file"
				)
			if extent.cells > limits.cells:
				raise _refuse(
					f"the sheet spans {extent.rows:,} rows x {extent.columns:,} columns; at most "
					f"{limits.cells:,} cells can be read: delete the unused rows and columns"
				)
			if extent.row_tags > widest.row_tags or extent.cells > widest.cells:
				widest = extent
	except (zlib.error, ValueError, struct.error) as exc:
		raise _refuse(f"the archive is damaged ({type(exc).__name__}: {exc})") from None
	return widest


def _scan_part(data: bytes, info: zipfile.ZipInfo, limits: WorkbookLimits) -> _Extent:
	scan = _PartScan()
	_stream(data, info, scan.feed)
	extent = scan.extent()
	if extent is None or extent.cells > limits.cells:
		exact = _PositionScan()
		_stream(data, info, exact.feed)
		extent = exact.extent
	return extent


def _read(source: str | Path | bytes | IO[bytes], limits: WorkbookLimits) -> bytes:
	if isinstance(source, (bytes, bytearray)):
		return bytes(source)
	if isinstance(source, (str, Path)):
		with open(source, "rb") as handle:
			return handle.read(limits.file_bytes + 1)
	return source.read(limits.file_bytes + 1)


def _absolute_rows(sheet) -> list[tuple[int, tuple]]:
	"""Non-empty rows with their 1-based Excel row numbers, values at their Excel column index.
	python-calamine 0.9's iter_rows yields rows from row 1 but columns from the range's first
	column; both offsets are derived from what it yields, so another version's choice reads right
	too (a test pins a sheet that starts at C3)."""
	if not sheet.height:
		return []
	(first_row, _), (last_row, last_column) = sheet.start, sheet.end
	found: list[tuple[int, list]] = []
	yielded = 0
	for offset, values in enumerate(sheet.iter_rows()):
		yielded += 1
		if any(value != "" for value in values):
			found.append((offset, values))
	row_base = 1 if yielded == last_row + 1 else first_row + 1
	width = last_column + 1
	rows = []
	for offset, values in found:
		pad = width - len(values) if len(values) < width else 0
		rows.append((row_base + offset, (*((None,) * pad), *values) if pad else tuple(values)))
	return rows


def sheet_rows(
	path_or_stream: str | Path | bytes | IO[bytes],
	*,
	limits: WorkbookLimits = LIMITS,
) -> tuple[str, list[tuple[int, tuple]], dt.datetime | None]:
	"""(sheet title, non-empty rows with their Excel row numbers, workbook epoch) of the sheet
	to import (the "Actions" sheet, else the first). Values come typed from calamine: str,
	float, int, bool, date/datetime (calamine applies the cell's date format and the 1904 flag
	itself, so the epoch is always None), "" for an empty cell in the range."""
	from python_calamine import CalamineWorkbook

	data = _read(path_or_stream, limits)
	check_workbook(data, limits)
	try:
		workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
		try:
			names = workbook.sheet_names
			if not names:
				raise _refuse("the workbook has no sheets")
			title = ACTIONS_SHEET if ACTIONS_SHEET in names else names[0]
			sheet = workbook.get_sheet_by_name(title)
			if sheet.height > limits.rows + 1:  # the checks above bound this; kept as a last guard
				raise _refuse(f"the sheet has {sheet.height:,} rows; at most {limits.rows:,} can be imported")
			rows = _absolute_rows(sheet)
			return title, rows, None
		finally:
			workbook.close()
	except IMSValidationError:
		raise
	except Exception as exc:  # calamine's CalamineError, XmlError, ZipError...: all mean "cannot read"
		raise _refuse(
			f"the file cannot be read as an Excel workbook (.xlsx): {str(exc)[:200]} ({type(exc).__name__})"
		) from None
