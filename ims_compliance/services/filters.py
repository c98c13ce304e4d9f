"""One translation from the page's filter dict to database filters, used by every read and
bulk action, so "what the user sees" and "what a bulk action touches" are the same rows."""

from __future__ import annotations

import json

import frappe
from frappe import _

from ims_compliance.doctype_names import supply_doctype, supply_table

#: Filter keys that map straight onto a field (a value, or a list meaning "any of").
FIELD_FILTERS = (
	"company",
	"company_gstin",
	"supplier",
	"supplier_gstin",
	"match_status",
	"action",
	"gstn_action",
	"document_type",
	"section",
	"supplier_period",
	"upload_state",
	"purchase_invoice",
)
FLAG_FILTERS = ("supplier_filed", "changed_by_supplier", "needs_review", "pending_blocked")

#: Columns the Document View may sort by (anything else is refused, never passed to SQL).
SORTABLE = (
	"document_date",
	"supplier_name",
	"supplier_gstin",
	"document_number",
	"document_value",
	"taxable_value",
	"total_tax",
	"match_status",
	"action",
	"gstn_action",
	"section",
	"modified",
)


def parse_filters(filters: dict | str | None) -> dict:
	if isinstance(filters, str):
		filters = json.loads(filters or "{}")
	return dict(filters or {})


def flag(value) -> int:
	"""A Yes/No filter as the page shows it ("Yes"/"No"), or as older links and the API send it
	(1/0, "1"/"0", true/false): 1 or 0."""
	text = str(value).strip().lower()
	if text in ("yes", "1", "true"):
		return 1
	if text in ("no", "0", "false"):
		return 0
	frappe.throw(_("{0} is not Yes or No").format(value), title=_("Invalid Filter"))


def to_db_filters(filters: dict | str | None) -> list[list]:
	"""Filter dict from the page -> frappe filter list on GST Inward Supply."""
	filters = parse_filters(filters)
	result: list[list] = []
	for key in FIELD_FILTERS:
		value = filters.get(key)
		if value in (None, "", []):
			continue
		if isinstance(value, list | tuple):
			result.append([supply_doctype(), key, "in", list(value)])
		else:
			result.append([supply_doctype(), key, "=", value])
	for key in FLAG_FILTERS:
		if filters.get(key) not in (None, ""):
			result.append([supply_doctype(), key, "=", flag(filters[key])])
	if filters.get("upload_pending") not in (None, ""):
		# what "Upload to GSTN" would send: never-sent actions and the ones GSTN refused last time
		from ims_compliance.services.upload import PENDING

		op = "in" if flag(filters["upload_pending"]) else "not in"
		result.append([supply_doctype(), "upload_state", op, list(PENDING)])
	if filters.get("document_number"):
		result.append([supply_doctype(), "document_number", "like", f"%{filters['document_number']}%"])
	if filters.get("from_date"):
		result.append([supply_doctype(), "document_date", ">=", filters["from_date"]])
	if filters.get("to_date"):
		result.append([supply_doctype(), "document_date", "<=", filters["to_date"]])
	if not int(filters.get("include_gone") or 0):
		result.append([supply_doctype(), "is_gone", "=", 0])
	return result


def order_by(sort_by: str | None, sort_order: str | None) -> str:
	field = sort_by or "document_date"
	if field not in SORTABLE:
		frappe.throw(_("Cannot sort by {0}").format(field), title=_("Invalid Sort"))
	direction = "asc" if str(sort_order or "").lower() == "asc" else "desc"
	return f"{supply_table()}.`{field}` {direction}, {supply_table()}.`name` {direction}"
