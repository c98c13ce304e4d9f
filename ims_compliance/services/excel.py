"""Excel bulk actions (issue 6) and the page's Export: Frappe side. The workbook formats live in
`core.excel`; decisions go through the one action service, with source "Excel"."""

from __future__ import annotations

import io
from collections import defaultdict

import frappe
from frappe import _

from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.excel import (
	TEMPLATE_COLUMNS,
	ImportParse,
	RowError,
	read_action_rows,
	write_action_template,
	write_error_workbook,
	write_export,
)
from ims_compliance.core.xlsx_rows import check_workbook, column_letter
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.actions import apply_action
from ims_compliance.services.filters import to_db_filters
from ims_compliance.services.queries import DOCUMENT_VIEW_FIELDS

#: files with more rows than this are read and applied by a background job (issue 14)
BACKGROUND_ABOVE = 5000
TEMPLATE_FIELDS = tuple(c.field for c in TEMPLATE_COLUMNS if not c.editable)
EXPORT_COLUMNS = (
	("supplier_name", "Supplier"),
	("supplier_gstin", "Supplier GSTIN", "text", 18),
	("section", "Section"),
	("document_type", "Document Type"),
	("document_number", "Document Number"),
	("document_date", "Document Date", "date"),
	("supplier_period", "Supplier Period"),
	("document_value", "Document Value", "rupees"),
	("taxable_value", "Taxable Value", "rupees"),
	("total_tax", "Total Tax", "rupees"),
	("match_status", "Match Status"),
	("action", "Action"),
	("gstn_action", "GSTN Action"),
	("recommended_action", "Recommended Action"),
	("upload_state", "Upload State"),
	("upload_error", "Upload Error", "text", 40),
	("purchase_invoice", "Purchase Invoice"),
)


def _rows(filters, fields, chunk: int = 10000):
	"""Stream the filtered records in chunks (a 100k-row file never sits in memory as dicts twice)."""
	db_filters = to_db_filters(filters)
	start = 0
	while True:
		rows = frappe.get_list(
			supply_doctype(),
			filters=db_filters,
			fields=list(fields),
			order_by="supplier_gstin asc, document_date asc, name asc",
			limit_start=start,
			limit_page_length=chunk,
		)
		yield from rows
		if len(rows) < chunk:
			return
		start += chunk


def action_template(filters) -> bytes:
	frappe.has_permission(supply_doctype(), "read", throw=True)
	stream = io.BytesIO()
	write_action_template(_rows(filters, TEMPLATE_FIELDS), stream)
	return stream.getvalue()


def export(filters) -> bytes:
	frappe.has_permission(supply_doctype(), "export", throw=True)
	stream = io.BytesIO()
	fields = {c[0] for c in EXPORT_COLUMNS} & set(DOCUMENT_VIEW_FIELDS)
	write_export(_rows(filters, fields), EXPORT_COLUMNS, stream, title="GST Inward Supplies")
	return stream.getvalue()


def parse_upload(content: bytes) -> ImportParse:
	"""Refuse a file that is not a workbook, has no header row or misses key columns BEFORE
	anything changes."""
	try:
		return read_action_rows(content)
	except IMSValidationError as exc:
		# the reason may quote the file (a sheet name, a cell): shown as text
		frappe.throw(
			_("This file cannot be imported: {0}").format(frappe.utils.escape_html(exc.message)),
			title=_("Invalid Action File"),
		)


def _shape(content: bytes):
	"""The workbook's checks (size, zip bomb, range) without reading it: refuses a bad file in
	the request, and tells how many rows to expect."""
	try:
		return check_workbook(content)
	except IMSValidationError as exc:
		frappe.throw(
			_("This file cannot be imported: {0}").format(frappe.utils.escape_html(exc.message)),
			title=_("Invalid Action File"),
		)


def _resolve(parsed: ImportParse, errors: list[RowError]) -> dict[int, str]:
	"""Excel row -> GST Inward Supply name, by record id or by (section, GSTIN, number, date)."""
	rows = parsed.rows
	by_id = {r.row: r.record_id for r in rows if r.record_id}
	existing_ids = set()
	ids = list(set(by_id.values()))
	for start in range(0, len(ids), 10000):
		existing_ids.update(  # get_list: records the user may not read are "not found"
			frappe.get_list(
				supply_doctype(),
				filters={"name": ("in", ids[start : start + 10000])},
				pluck="name",
				limit_page_length=0,
			)
		)
	by_key: dict[tuple, list[str]] = defaultdict(list)
	numbers = list({r.document_number for r in rows if not r.record_id or r.record_id not in existing_ids})
	for start in range(0, len(numbers), 5000):
		for rec in frappe.get_list(
			supply_doctype(),
			filters={"document_number": ("in", numbers[start : start + 5000]), "is_gone": 0},
			fields=["name", "section", "supplier_gstin", "document_number", "document_date"],
			limit_page_length=0,
		):
			by_key[(rec.section, rec.supplier_gstin, rec.document_number.upper(), rec.document_date)].append(
				rec.name
			)
	resolved = {}
	for row in rows:
		if row.record_id and row.record_id in existing_ids:
			resolved[row.row] = row.record_id
			continue
		matches = by_key.get(row.lookup_key, [])
		if len(matches) == 1:
			resolved[row.row] = matches[0]
		else:
			errors.append(
				RowError(
					row=row.row,
					field="document_number",
					column=_column(parsed, "document_number"),
					reason=_("No inward supply has this supplier GSTIN, section, number and date")
					if not matches
					else _("Ambiguous: {0} inward supplies match this row").format(len(matches)),
					supplier_gstin=row.supplier_gstin,
					section=row.section,
					document_number=row.document_number,
					document_date=row.document_date,
					action=row.action.value,
				)
			)
	return resolved


def import_actions(content: bytes, *, commit: bool = False, on_progress=None) -> dict:
	"""Apply every valid row through the action service; return counts and an error workbook
	listing each refused row (unknown record, bad value, rule refused, ambiguous)."""
	frappe.has_permission(supply_doctype(), "write", throw=True)
	parsed = parse_upload(content)
	errors: list[RowError] = list(parsed.errors)
	resolved = _resolve(parsed, errors)
	groups: dict[tuple, list] = defaultdict(list)
	for row in parsed.rows:
		if row.row in resolved:
			groups[row._decision()].append(row)
	applied = unchanged = 0
	done = 0
	for rows in groups.values():
		names = [resolved[r.row] for r in rows]
		result = apply_action(rows[0].request, names, source="Excel", commit_per_chunk=commit)
		applied += result.applied
		unchanged += result.unchanged
		row_of = {resolved[r.row]: r for r in rows}
		for refusal in result.refused:
			row = row_of[refusal["name"]]
			errors.append(
				RowError(
					row=row.row,
					field="new_action",
					column=_column(parsed, "action"),
					reason=refusal["message"],
					rule=refusal.get("rule"),
					supplier_gstin=row.supplier_gstin,
					section=row.section,
					document_number=row.document_number,
					document_date=row.document_date,
					action=row.action.value,
				)
			)
		done += len(rows)
		if on_progress:
			on_progress(done, len(parsed.rows))
	error_file = None
	if errors:
		stream = io.BytesIO()
		write_error_workbook(sorted(errors, key=lambda e: e.row), stream)
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": f"ims-import-errors-{frappe.generate_hash(length=6)}.xlsx",
				"is_private": 1,
				"content": stream.getvalue(),
			}
		).insert(ignore_permissions=True)
		error_file = file.file_url
	return {
		"rows": len(parsed.rows) + len(parsed.errors),
		"applied": applied,
		"unchanged": unchanged,
		"skipped": parsed.skipped,
		"refused": len(errors),
		"error_file": error_file,
	}


def file_content(file_url: str) -> bytes:
	file = frappe.get_doc("File", {"file_url": file_url})
	file.check_permission("read")
	return file.get_content()


def _column(parsed: ImportParse, field: str) -> str | None:
	index = parsed.columns.get(field)
	return column_letter(index) if index is not None else None


def enqueue_or_import(file_url: str) -> dict:
	"""Small files run inline; above 5,000 rows the file is read and applied by a background job
	with progress, so a web request never parses a large workbook. Either way the workbook's
	bounds are checked here first (a bad file is refused before anything is queued)."""
	content = file_content(file_url)
	shape = _shape(content)
	if shape.row_tags <= BACKGROUND_ABOVE or frappe.flags.in_test:
		return {"queued": False, **import_actions(content)}
	job_id = f"ims-excel-import::{frappe.session.user}::{file_url}"
	frappe.enqueue(
		"ims_compliance.services.excel.import_job",
		queue="long",
		timeout=3600,
		job_id=job_id,
		deduplicate=True,
		file_url=file_url,
		user=frappe.session.user,
	)
	return {"queued": True, "job_id": job_id, "rows": max(shape.row_tags - 1, 0)}


def import_job(file_url: str, user: str, commit: bool = True):
	from ims_compliance.services.notify import notify

	frappe.set_user(user)

	def progress(done, total):
		frappe.publish_progress(
			done * 100 / max(total, 1), title=_("Importing actions"), description=f"{done}/{total}"
		)
		frappe.publish_realtime(
			"ims_import_progress", {"done": done, "total": total, "file_url": file_url}, user=user
		)

	result = import_actions(file_content(file_url), commit=commit, on_progress=progress)
	if commit:
		frappe.db.commit()  # nosemgrep: end of a background job
	notify(
		[user],
		_("Excel import: {0} applied, {1} unchanged, {2} refused").format(
			result["applied"], result["unchanged"], result["refused"]
		),
		result["error_file"] or "",
	)
	frappe.publish_realtime("ims_import_done", result, user=user)
	return result
