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
	"""The page's filter dict; anything else (bad JSON, a list, a number) is the caller's mistake,
	answered with a ValidationError (HTTP 417) that says so, never a server error."""
	if isinstance(filters, str):
		try:
			filters = json.loads(filters or "{}")
		except ValueError:
			frappe.throw(
				_("Filters must be a JSON object, e.g. {0}").format('{"action": "Accepted"}'),
				title=_("Invalid Filters"),
			)
	if filters in (None, ""):
		return {}
	if not isinstance(filters, dict):
		frappe.throw(_("Filters must be a JSON object of field: value"), title=_("Invalid Filters"))
	return dict(filters)


def _flag(filters: dict, key: str) -> int:
	return flag(filters[key], key)


def _scalar(key: str, value):
	if isinstance(value, (dict, list, tuple)) or (isinstance(value, str) and len(value) > 140):
		frappe.throw(_("Filter {0} has a value of the wrong kind").format(key), title=_("Invalid Filters"))
	return value


def flag(value, key: str = "") -> int:
	"""A Yes/No filter as the page shows it ("Yes"/"No"), or as older links and the API send it
	(1/0, "1"/"0", true/false): 1 or 0. Anything else is the caller's mistake (HTTP 417)."""
	text = str(value).strip().lower()
	if text in ("yes", "1", "true"):
		return 1
	if text in ("no", "0", "false"):
		return 0
	frappe.throw(
		_("Filter {0} must be Yes or No (or 1/0), not {1}").format(
			key, frappe.utils.escape_html(str(value)[:40])
		),
		title=_("Invalid Filters"),
	)


def to_db_filters(filters: dict | str | None) -> list[list]:
	"""Filter dict from the page -> frappe filter list on GST Inward Supply."""
	filters = parse_filters(filters)
	result: list[list] = []
	for key in FIELD_FILTERS:
		value = filters.get(key)
		if value in (None, "", []):
			continue
		if isinstance(value, list | tuple):
			result.append([supply_doctype(), key, "in", [_scalar(key, v) for v in value]])
		else:
			result.append([supply_doctype(), key, "=", _scalar(key, value)])
	for key in FLAG_FILTERS:
		if filters.get(key) not in (None, ""):
			result.append([supply_doctype(), key, "=", _flag(filters, key)])
	if filters.get("upload_pending") not in (None, ""):
		# what "Upload to GSTN" would send: never-sent actions and the ones GSTN refused last time
		from ims_compliance.services.upload import PENDING

		op = "in" if _flag(filters, "upload_pending") else "not in"
		result.append([supply_doctype(), "upload_state", op, list(PENDING)])
	if filters.get("document_number"):
		number = _scalar("document_number", filters["document_number"])
		result.append([supply_doctype(), "document_number", "like", f"%{number}%"])
	for key, op in (("from_date", ">="), ("to_date", "<=")):
		if filters.get(key):
			try:
				day = frappe.utils.getdate(_scalar(key, filters[key]))
			except Exception:
				frappe.throw(
					_("Filter {0} must be a date (yyyy-mm-dd)").format(key), title=_("Invalid Filters")
				)
			result.append([supply_doctype(), "document_date", op, day])
	if filters.get("include_gone") in (None, "") or not _flag(filters, "include_gone"):
		result.append([supply_doctype(), "is_gone", "=", 0])
	return result


def order_by(sort_by: str | None, sort_order: str | None) -> str:
	field = sort_by or "document_date"
	if field not in SORTABLE:
		frappe.throw(
			_("Cannot sort by {0}; sort by one of {1}").format(
				frappe.utils.escape_html(str(field)[:60]), ", ".join(SORTABLE)
			),
			title=_("Invalid Sort"),
		)
	direction = "asc" if str(sort_order or "").lower() == "asc" else "desc"
	return f"{supply_table()}.`{field}` {direction}, {supply_table()}.`name` {direction}"
