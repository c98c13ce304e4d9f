"""Hostile workbooks (issue 14): each is refused with a message that says why, or read, within
2 s of CPU and 200 MB, so an import can never hang or exhaust a web worker.

The bounds are guards with generous margins (the cases take milliseconds); CPU time rather than
wall time keeps them steady on a loaded 2-core machine. tracemalloc sees Python's allocations;
calamine's own (Rust) are bounded by `WorkbookLimits.cells` and checked in
`test_range_area_is_checked_before_calamine_allocates`."""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zipfile
import zlib

import pytest

from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.excel_import import read_action_rows
from ims_compliance.core.xlsx_rows import WorkbookLimits, check_workbook, column_letter, sheet_rows

NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
CONTENT_TYPES = (
	b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
	b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
	b'<Default Extension="xml" ContentType="application/xml"/>'
	b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
	b'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="'
	b'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
	b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
	b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
ROOT_RELS = (
	b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
	b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
	b'2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
	b'<?xml version="1.0"?><workbook ' + NS + b' xmlns:r="http://schemas.openxmlformats.org/'
	b'officeDocument/2006/relationships"><sheets><sheet name="Actions" sheetId="1" r:id="rId1"/>'
	b"</sheets></workbook>"
)
WORKBOOK_RELS = (
	b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
	b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
	b'2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
	b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
	b'Target="sharedStrings.xml"/></Relationships>'
)
LAUGHS = (
	b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
	+ b"".join(
		b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
		for i in range(1, 10)
	)
	+ b"]>"
)


def book(sheet_xml: bytes, *, shared: bytes | None = None, extra: tuple = ()) -> bytes:
	out = io.BytesIO()
	with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
		archive.writestr("[Content_Types].xml", CONTENT_TYPES)
		archive.writestr("_rels/.rels", ROOT_RELS)
		archive.writestr("xl/workbook.xml", WORKBOOK)
		archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
		archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
		archive.writestr(
			"xl/sharedStrings.xml",
			shared if shared is not None else b"<sst " + NS + b"><si><t>x</t></si></sst>",
		)
		for name, content in extra:
			archive.writestr(name, content)
	return out.getvalue()


def sheet(body: bytes, *, before: bytes = b"", prolog: bytes = b'<?xml version="1.0"?>') -> bytes:
	return prolog + b"<worksheet " + NS + b">" + before + b"<sheetData>" + body + b"</sheetData></worksheet>"


def text_cell(ref: bytes, text: bytes) -> bytes:
	return b'<c r="' + ref + b'" t="inlineStr"><is><t>' + text + b"</t></is></c>"


HEADER_ROW = b'<row r="1">' + text_cell(b"A1", b"Supplier GSTIN") + b"</row>"


def lying_sizes(data: bytes, member: str, declared: int) -> bytes:
	"""Rewrite `member`'s headers to claim `declared` bytes, with the CRC of its first `declared`
	bytes, while its deflate stream still inflates to everything: how a zip bomb passes a size check."""
	with zipfile.ZipFile(io.BytesIO(data)) as archive:
		info = archive.getinfo(member)
		crc = zlib.crc32(archive.read(member)[:declared])
	patched = bytearray(data)
	local = info.header_offset
	assert patched[local : local + 4] == b"PK\x03\x04"
	struct.pack_into("<I", patched, local + 14, crc)
	struct.pack_into("<I", patched, local + 22, declared)
	central = patched.rfind(b"PK\x01\x02")
	while central >= 0:
		name_length = struct.unpack_from("<H", patched, central + 28)[0]
		if bytes(patched[central + 46 : central + 46 + name_length]) == member.encode():
			struct.pack_into("<I", patched, central + 16, crc)
			struct.pack_into("<I", patched, central + 24, declared)
			return bytes(patched)
		central = patched.rfind(b"PK\x01\x02", 0, central)
	raise AssertionError("central directory entry not found")


def bounded(fn):
	"""Run fn; return (result or the IMSValidationError, cpu seconds, peak MB of Python memory)."""
	tracemalloc.start()
	started = time.process_time()
	try:
		outcome = fn()
	except IMSValidationError as exc:
		outcome = exc
	finally:
		seconds = time.process_time() - started
		_, peak = tracemalloc.get_traced_memory()
		tracemalloc.stop()
	return outcome, seconds, peak / 2**20


def refused_within_bounds(data: bytes, *words: str, limits: WorkbookLimits | None = None) -> str:
	kwargs = {"limits": limits} if limits else {}
	outcome, seconds, peak = bounded(lambda: sheet_rows(data, **kwargs))
	assert seconds < 2 and peak < 200, (seconds, peak)
	assert isinstance(outcome, IMSValidationError), f"read instead of refused: {str(outcome)[:200]}"
	for word in words:
		assert word in outcome.message, outcome.message
	return outcome.message


def read_within_bounds(data: bytes):
	outcome, seconds, peak = bounded(lambda: sheet_rows(data))
	assert seconds < 2 and peak < 200, (seconds, peak)
	return outcome


# --- the archive ---------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_by_its_compression_ratio():
	bomb = sheet(HEADER_ROW + b" " * (60 * 2**20))
	message = refused_within_bounds(book(bomb), "zip bomb", "sheet1.xml")
	assert "compressed" in message


def test_an_entry_that_inflates_past_its_declared_size_is_refused():
	body = HEADER_ROW + b"".join(
		b'<row r="%d">' % n + text_cell(b"A%d" % n, b"padding " * 20) + b"</row>" for n in range(2, 3000)
	)
	data = lying_sizes(book(sheet(body)), "xl/worksheets/sheet1.xml", 4096)
	refused_within_bounds(data, "inflates to more than its declared")


def test_the_total_uncompressed_size_entry_count_and_file_size_are_capped():
	small = WorkbookLimits(uncompressed_bytes=4000)
	refused_within_bounds(
		book(sheet(HEADER_ROW), extra=(("xl/pad.bin", b"\0" * 5000),)), "inflates", limits=small
	)
	many = tuple((f"xl/media/empty{i}.bin", b"") for i in range(600))
	refused_within_bounds(book(sheet(HEADER_ROW), extra=many), "entries")
	refused_within_bounds(book(sheet(HEADER_ROW)), "at most", limits=WorkbookLimits(file_bytes=1000))


@pytest.mark.parametrize(
	"content",
	[b"", b"not a workbook at all" * 50, b"%PDF-1.7\n" + bytes(range(256)) * 40, b"PK\x03\x04" + b"\0" * 200],
	ids=["empty", "text", "pdf", "truncated-zip"],
)
def test_not_a_zip_is_refused(content):
	refused_within_bounds(content, "not")


def test_a_zip_that_is_not_a_workbook_is_refused():
	out = io.BytesIO()
	with zipfile.ZipFile(out, "w") as archive:
		archive.writestr("readme.txt", "hello")
	refused_within_bounds(out.getvalue(), "Excel workbook")


# --- the sheet XML -------------------------------------------------------------------------------


def test_unclosed_cells_are_refused_in_linear_time():
	# the old regex reader took 32 s of CPU on 1.9 KB of this
	refused_within_bounds(book(sheet(b'<row r="1">' + b'<c r="A1">' * 200_000)), "cannot be read")


def test_rows_without_closing_tags_read_or_refuse_quickly():
	data = book(sheet(HEADER_ROW + b'<row r="2">' + text_cell(b"A2", b"x") + b"<row>" * 100_000))
	outcome = read_within_bounds(data)
	if not isinstance(outcome, IMSValidationError):
		assert outcome[1][0] == (1, ("Supplier GSTIN",))


def test_billion_laughs_is_never_expanded():
	cell = b'<row r="1">' + text_cell(b"A1", b"&lol9;") + b"</row>"
	for data in (
		book(sheet(cell, prolog=LAUGHS)),
		book(
			sheet(b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
			shared=LAUGHS + b"<sst " + NS + b"><si><t>&lol9;</t></si></sst>",
		),
	):
		outcome = read_within_bounds(data)
		if not isinstance(outcome, IMSValidationError):
			assert all("lollol" not in str(v) for _, row in outcome[1] for v in row)


def test_a_dimension_claiming_a_million_rows_reads_the_real_cells_only():
	data = book(sheet(HEADER_ROW, before=b'<dimension ref="A1:XFD1048576"/>'))
	assert read_within_bounds(data)[1] == [(1, ("Supplier GSTIN",))]


def test_a_million_empty_row_tags_read_quickly():
	data = book(sheet(HEADER_ROW + b"".join(b'<row r="%d"/>' % n for n in range(2, 1_000_001))))
	assert read_within_bounds(data)[1] == [(1, ("Supplier GSTIN",))]


@pytest.mark.parametrize(
	"far_cell",
	[b'<c r="A1048576"><v>1</v></c>', b'<c r="XFD1048576"><v>1</v></c>', b'<c r="xfd1048576"><v>1</v></c>'],
)
def test_a_cell_a_million_rows_down_is_refused_before_calamine_allocates(far_cell):
	data = book(sheet(HEADER_ROW + b'<row r="1048576">' + far_cell + b"</row>"))
	refused_within_bounds(data, "1,048,576", "split the file")


def test_range_area_is_checked_before_calamine_allocates():
	# 100,000 rows x 16,384 columns in 1 KB: calamine would abort the process allocating it
	wide = b'<row r="100000"><c r="XFD100000"><v>1</v></c></row>'
	refused_within_bounds(book(sheet(HEADER_ROW + wide)), "columns", "cells")
	# cells without references are placed one after another: 16,384 of them reach column XFD
	unreferenced = b'<row r="100000">' + b"<c/>" * 16_383 + b"<c><v>1</v></c></row>"
	refused_within_bounds(book(sheet(HEADER_ROW + unreferenced)), "16,384 columns")
	spaced = b'<row r="100000"><c\tr="XFD100000"><v>1</v></c></row>'
	refused_within_bounds(book(sheet(HEADER_ROW + spaced)), "16,384 columns")


def test_a_wide_but_short_sheet_reads():
	row = (
		b'<row r="1">'
		+ b"".join(text_cell(column_letter(i).encode() + b"1", b"h") for i in range(300))
		+ b"</row>"
	)
	rows = read_within_bounds(book(sheet(row)))[1]
	assert len(rows) == 1 and len(rows[0][1]) == 300


def test_a_huge_shared_strings_table_is_refused_and_a_large_one_reads():
	huge = b"<sst " + NS + b">" + b"<si><t>a</t></si>" * 1_700_000 + b"</sst>"  # 27 MB
	refused_within_bounds(book(sheet(HEADER_ROW), shared=huge), "shared strings")
	large = b"<sst " + NS + b">" + b"".join(b"<si><t>a%d</t></si>" % i for i in range(500_000)) + b"</sst>"
	data = book(sheet(b'<row r="1"><c r="A1" t="s"><v>499999</v></c></row>'), shared=large)
	assert read_within_bounds(data)[1] == [(1, ("a499999",))]


@pytest.mark.parametrize(
	"cell",
	[
		b'<c r="A2" t="s"><v>99999</v></c>',
		b'<c r="A2" t="n"><v>abc</v></c>',
		b'<c r="A2" t="b"><v>7</v></c>',
		b'<c r="A2" t="d"><v>not a date</v></c>',
		b'<c r="A2" t="e"><v>#N/A</v></c>',
		b'<c r="A2" t="s"><v>-1</v></c>',
	],
	ids=["string-index", "number-text", "bool-7", "bad-iso-date", "error", "negative-index"],
)
def test_wrong_types_are_refused_or_read_as_values(cell):
	outcome = read_within_bounds(book(sheet(HEADER_ROW + b'<row r="2">' + cell + b"</row>")))
	if isinstance(outcome, IMSValidationError):
		assert "cannot be read" in outcome.message
	else:
		assert outcome[1][0] == (1, ("Supplier GSTIN",))


def test_wrong_types_in_an_action_file_name_the_row_and_column():
	header = b'<row r="1">' + b"".join(
		text_cell(column_letter(i).encode() + b"1", label)
		for i, label in enumerate(
			(b"Supplier GSTIN", b"Section", b"Document Number", b"Document Date", b"New Action")
		)
	)
	row = (
		b'<row r="2">'
		+ text_cell(b"A2", b"29AABCS9876K1Z7")
		+ text_cell(b"B2", b"B2B")
		+ text_cell(b"C2", b"INV-1")
		+ b'<c r="D2" t="b"><v>1</v></c>'
		+ text_cell(b"E2", b"Accepted")
		+ b"</row>"
	)
	parse = read_action_rows(book(sheet(header + b"</row>" + row)))
	assert [(e.row, e.field, e.column) for e in parse.errors] == [(2, "document_date", "D")]


def test_check_workbook_reports_the_row_tags_for_the_inline_or_background_choice():
	body = HEADER_ROW + b"".join(
		b'<row r="%d">' % n + text_cell(b"A%d" % n, b"x") + b"</row>" for n in range(2, 502)
	)
	assert check_workbook(book(sheet(body))).row_tags == 501
