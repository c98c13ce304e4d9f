"""Reads behind the page: the Document View page, Match Summary and Actions Summary.

Aggregates are computed in the database (GROUP BY), never by shipping rows to Python, so a
summary over 100k records costs one indexed query.
"""

from __future__ import annotations

import frappe

from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.filters import order_by, to_db_filters

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
	"recommendation_reason",
	"parse_warnings",
	"upload_state",
	"upload_error",
	"purchase_invoice",
	"supplier_filed",
	"changed_by_supplier",
	"pending_blocked",
)
MAX_PAGE_LENGTH = 500


def document_view(
	filters, *, start: int = 0, page_length: int = 50, sort_by=None, sort_order=None, after=None
) -> dict:
	"""One page of the Document View. `after` ([sort value, name] of the previous page's last
	row, as returned in `next`) reads the page by keyset, from the sort's index, instead of
	skipping `start` rows (issue 18: a deep OFFSET reads and throws away every row before it);
	`start` still says where the page is, for the label. Both go through get_list: the reader's
	permission conditions apply to every page."""
	start = max(0, int(start or 0))
	page_length = max(1, min(int(page_length or 50), MAX_PAGE_LENGTH))
	db_filters = to_db_filters(filters)
	field = sort_by or "document_date"
	ordering = order_by(sort_by, sort_order)
	descending = ordering.endswith("desc")
	cursor = _cursor(after)
	if cursor is not None:
		rows = _page_after(db_filters, field, descending, cursor, ordering, page_length)
	else:
		rows = frappe.get_list(
			supply_doctype(),
			filters=db_filters,
			fields=list(DOCUMENT_VIEW_FIELDS),
			order_by=ordering,
			limit_start=start,
			limit_page_length=page_length,
		)
	total = permitted_count(db_filters) if rows or start else 0
	last = rows[-1] if rows else None
	return {
		"rows": rows,
		"total": total,
		"start": start,
		"page_length": page_length,
		"next": [last[field], last.name] if last is not None and last[field] is not None else None,
	}


def _cursor(after) -> tuple | None:
	"""[value, name] from the page (JSON or a list); anything else means "no cursor"."""
	if after in (None, "", []):
		return None
	if isinstance(after, str):
		try:
			after = frappe.parse_json(after)
		except Exception:
			return None
	if not isinstance(after, list | tuple) or len(after) != 2 or after[0] in (None, "") or not after[1]:
		return None
	return after[0], str(after[1])


def _page_after(db_filters, field: str, descending: bool, cursor: tuple, ordering: str, page_length: int):
	"""Rows after `cursor` in (field, name) order: first the ties on the cursor's value (by name),
	then the rows strictly beyond it; two index range reads, never an OFFSET."""
	value, name = cursor
	beyond, tie = ("<", "<") if descending else (">", ">")

	def read(extra, length):
		return frappe.get_list(
			supply_doctype(),
			filters=[*db_filters, *extra],
			fields=list(DOCUMENT_VIEW_FIELDS),
			order_by=ordering,
			limit_page_length=length,
		)

	table = supply_doctype()
	rows = read([[table, field, "=", value], [table, "name", tie, name]], page_length)
	if len(rows) < page_length:
		rows += read([[table, field, beyond, value]], page_length - len(rows))
	return rows


def permitted_count(db_filters) -> int:
	"""Rows matching the filters that the user may read (frappe.db.count ignores User Permissions)."""
	result = frappe.get_list(
		supply_doctype(), filters=db_filters, fields=["count(*) as total"], limit_page_length=0, order_by=""
	)
	return int(result[0].total) if result else 0


def _grouped(filters, group_by: list[str], extra_fields: list[str] | None = None) -> list[dict]:
	fields = [
		*group_by,
		"count(*) as records",
		"sum(taxable_value) as taxable_value",
		"sum(total_tax) as total_tax",
		*(extra_fields or []),
	]
	return frappe.get_list(
		supply_doctype(),
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


def itc_of(document_type: str | None, total_tax: float | None) -> float:
	"""ITC a record carries: its tax, except a credit note's, which reduces ITC (GSTN reports it
	positive, so it is subtracted here)."""
	return -(total_tax or 0) if document_type == "Credit Note" else (total_tax or 0)


def actions_summary(filters) -> dict:
	"""Counts and rupees per document type x action and per match status x action, folded from
	one GROUP BY (document type, match status, action): one pass over the records. `itc` is the
	tax net of credit notes (see `itc_of`); `total_tax` stays the gross tax."""
	by_type: dict[tuple, frappe._dict] = {}
	by_status: dict[tuple, frappe._dict] = {}
	for row in _grouped(filters, ["document_type", "match_status", "action"]):
		for target, key, first in (
			(by_type, (row.document_type, row.action), "document_type"),
			(by_status, (row.match_status, row.action), "match_status"),
		):
			out = target.setdefault(
				key,
				frappe._dict(
					{
						first: key[0],
						"action": key[1],
						"records": 0,
						"taxable_value": 0,
						"total_tax": 0,
						"itc": 0,
					}
				),
			)
			out.records += row.records
			out.taxable_value += row.taxable_value or 0
			out.total_tax += row.total_tax or 0
			out.itc += itc_of(row.document_type, row.total_tax)
	return {"by_document_type": list(by_type.values()), "by_match_status": list(by_status.values())}


def action_totals(filters) -> list[dict]:
	"""Header cards: totals per action with the ITC at stake, net of credit notes (`itc`; their
	tax in `credit_note_tax`), from one GROUP BY (action, document type)."""
	totals: dict[str, frappe._dict] = {}
	for row in _grouped(filters, ["action", "document_type"]):
		out = totals.setdefault(
			row.action,
			frappe._dict(
				action=row.action, records=0, taxable_value=0, total_tax=0, itc=0, credit_note_tax=0
			),
		)
		out.records += row.records
		out.taxable_value += row.taxable_value or 0
		out.total_tax += row.total_tax or 0
		out.itc += itc_of(row.document_type, row.total_tax)
		if row.document_type == "Credit Note":
			out.credit_note_tax += row.total_tax or 0
	return list(totals.values())


DETAIL_FIELDS = (
	*DOCUMENT_VIEW_FIELDS,
	"company",
	"original_number",
	"original_date",
	"original_inward_supply",
	"source_form",
	"invoice_type",
	"place_of_supply",
	"reverse_charge",
	"igst",
	"cgst",
	"sgst",
	"cess",
	"match_score",
	"match_reasons",
	"purchase_taxable_value",
	"purchase_total_tax",
	"purchase_net_total",
	"port_code",
	"itc_reduction_required",
	"declared_igst",
	"declared_cgst",
	"declared_sgst",
	"declared_cess",
	"remarks",
	"is_gone",
	"gstn_hash",
	"last_downloaded_on",
)


def record_detail(name: str) -> dict:
	"""Everything the detail dialog shows: the record, its linked Purchase Invoice's comparable
	values, the match reasons, the actions the rules allow, and the record's action log."""
	from ims_compliance.services.actions import allowed_actions_for

	record = frappe.get_all(supply_doctype(), filters={"name": name}, fields=list(DETAIL_FIELDS))
	if not record:
		frappe.throw(
			frappe._("GST Inward Supply {0} not found").format(frappe.utils.escape_html(name)),
			frappe.DoesNotExistError,
		)
	record = record[0]
	purchase = None
	if record.purchase_invoice and not frappe.has_permission(
		"Purchase Invoice", "read", doc=record.purchase_invoice
	):
		purchase = {"name": record.purchase_invoice, "restricted": 1}
	elif record.purchase_invoice:
		purchase = frappe.db.get_value(
			"Purchase Invoice",
			record.purchase_invoice,
			[
				"name",
				"supplier",
				"bill_no",
				"bill_date",
				"posting_date",
				"base_net_total",
				"base_total_taxes_and_charges",
				"base_grand_total",
				"is_return",
				"docstatus",
			],
			as_dict=True,
		)
	log = frappe.get_list(
		"IMS Action Log",
		filters={"inward_supply": name},
		fields=["timestamp", "from_action", "to_action", "source", "user", "remarks", "changed_values"],
		order_by="timestamp desc, creation desc",
		limit_page_length=100,
	)
	return {
		"record": record,
		"purchase": purchase,
		"reasons": frappe.parse_json(record.match_reasons) if record.match_reasons else [],
		"allowed_actions": allowed_actions_for(name),
		"log": log,
	}
