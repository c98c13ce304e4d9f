"""Reads behind the page: the Document View page, Match Summary and Actions Summary.

Aggregates are computed in the database (GROUP BY), never by shipping rows to Python, so a
summary over 100k records costs one indexed query.
"""

from __future__ import annotations

import frappe

from ims_compliance.services.filters import DOCTYPE, order_by, to_db_filters

DOCUMENT_VIEW_FIELDS = (
	"name",
	"supplier",
	"supplier_name",
	"supplier_gstin",
	"company_gstin",
	"section",
	"document_type",
	"document_number",
	"document_date",
	"supplier_period",
	"document_value",
	"taxable_value",
	"total_tax",
	"match_status",
	"action",
	"gstn_action",
	"recommended_action",
	"needs_review",
	"upload_state",
	"upload_error",
	"purchase_invoice",
	"supplier_filed",
	"changed_by_supplier",
	"pending_blocked",
)
MAX_PAGE_LENGTH = 500


def document_view(filters, *, start: int = 0, page_length: int = 50, sort_by=None, sort_order=None) -> dict:
	page_length = max(1, min(int(page_length or 50), MAX_PAGE_LENGTH))
	db_filters = to_db_filters(filters)
	rows = frappe.get_list(
		DOCTYPE,
		filters=db_filters,
		fields=list(DOCUMENT_VIEW_FIELDS),
		order_by=order_by(sort_by, sort_order),
		limit_start=max(0, int(start or 0)),
		limit_page_length=page_length,
	)
	total = frappe.db.count(DOCTYPE, filters=db_filters) if rows or int(start or 0) else 0
	return {"rows": rows, "total": total, "start": int(start or 0), "page_length": page_length}


def _grouped(filters, group_by: list[str], extra_fields: list[str] | None = None) -> list[dict]:
	fields = [
		*group_by,
		"count(*) as records",
		"sum(taxable_value) as taxable_value",
		"sum(total_tax) as total_tax",
		*(extra_fields or []),
	]
	return frappe.get_list(
		DOCTYPE,
		filters=to_db_filters(filters),
		fields=fields,
		group_by=", ".join(group_by),
		order_by=", ".join(group_by),
		limit_page_length=0,
	)


def match_summary(filters) -> list[dict]:
	"""One row per match status: records, linked purchase documents, values, differences and the
	share of records with an action other than No Action. One GROUP BY (status, action); the
	few resulting rows are folded here."""
	grouped = _grouped(
		filters,
		["match_status", "action"],
		[
			"count(purchase_invoice) as purchase_documents",
			"sum(purchase_taxable_value) as purchase_taxable_value",
			"sum(purchase_total_tax) as purchase_total_tax",
		],
	)
	summary: dict[str, frappe._dict] = {}
	numeric = (
		"records",
		"taxable_value",
		"total_tax",
		"purchase_documents",
		"purchase_taxable_value",
		"purchase_total_tax",
	)
	for row in grouped:
		out = summary.setdefault(row.match_status, frappe._dict(match_status=row.match_status, acted=0))
		for key in numeric:
			out[key] = (out.get(key) or 0) + (row.get(key) or 0)
		if row.action != "No Action":
			out.acted += row.records
	for out in summary.values():
		out.taxable_value_difference = out.taxable_value - out.purchase_taxable_value
		out.tax_difference = out.total_tax - out.purchase_total_tax
		out.acted_percent = round(100.0 * out.acted / out.records, 1) if out.records else 0.0
	return list(summary.values())


def actions_summary(filters) -> dict:
	"""Counts and rupees per document type x action and per match status x action."""
	return {
		"by_document_type": _grouped(filters, ["document_type", "action"]),
		"by_match_status": _grouped(filters, ["match_status", "action"]),
	}


def action_totals(filters) -> list[dict]:
	"""Header cards: totals per action with the ITC at stake."""
	return _grouped(filters, ["action"])
