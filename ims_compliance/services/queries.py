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
	elif start >= DEFERRED_FROM:
		rows = _page_at(db_filters, ordering, start, page_length)
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


#: From this offset on, a page without a cursor (a page number from a link) is read in two steps.
DEFERRED_FROM = 1000


def _page_at(db_filters, ordering: str, start: int, page_length: int) -> list:
	"""A deep page by offset, as a deferred join: first only the names, which MariaDB can read
	off an index in the sort's order (ims_view_order for the default sort) without touching the
	rows it skips, then the page's rows by name. Both reads go through get_list, so the reader's
	permission conditions apply to each. (The rows could change between the two reads; a row
	gone by then is simply not shown.)"""
	names = frappe.get_list(
		supply_doctype(),
		filters=db_filters,
		fields=["name"],
		order_by=ordering,
		limit_start=start,
		limit_page_length=page_length,
		pluck="name",
	)
	if not names:
		return []
	rows = frappe.get_list(
		supply_doctype(),
		filters=[*db_filters, [supply_doctype(), "name", "in", names]],
		fields=list(DOCUMENT_VIEW_FIELDS),
		order_by=ordering,
		limit_page_length=len(names),
	)
	return rows


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


#: The one grouping every summary folds from, in the order of the covering index
#: `ims_summary_cover` (company_gstin, is_gone, match_status, action, document_type, amounts...):
#: MariaDB reads the groups off the index in order, no row lookups, no temporary table. Grouping
#: in another order (document type first, say) made it sort 100k index entries (issue 18).
SUMMARY_GROUPS = ("match_status", "action", "document_type")


def _grouped(filters) -> list[dict]:
	return frappe.get_list(
		supply_doctype(),
		filters=to_db_filters(filters),
		fields=[
			*SUMMARY_GROUPS,
			"count(*) as records",
			"sum(taxable_value) as taxable_value",
			"sum(total_tax) as total_tax",
			"count(purchase_invoice) as purchase_documents",
			"sum(purchase_taxable_value) as purchase_taxable_value",
			"sum(purchase_total_tax) as purchase_total_tax",
		],
		group_by=", ".join(SUMMARY_GROUPS),
		order_by=", ".join(SUMMARY_GROUPS),
		limit_page_length=0,
	)


def _fold(rows, key, numeric: tuple[str, ...], seed) -> list[frappe._dict]:
	"""Sum `numeric` over the grouped rows by `key(row)`; `seed(key)` starts each total. Sorted by
	key, so the order does not depend on the grouping's."""
	out: dict[tuple, frappe._dict] = {}
	for row in rows:
		k = key(row)
		total = out.get(k)
		if total is None:
			total = out[k] = seed(k)
			for name in numeric:
				total[name] = 0
		for name in numeric:
			total[name] += row.get(name) or 0
	return [out[k] for k in sorted(out, key=lambda k: tuple(str(v or "") for v in k))]


def match_summary(filters) -> list[dict]:
	"""One row per match status: records, linked purchase documents, values, differences and the
	share of records with an action other than No Action, folded from the grouped rows."""
	rows = _grouped(filters)
	for row in rows:
		row.acted = row.records if row.action != "No Action" else 0
	summary = _fold(
		rows,
		lambda row: (row.match_status,),
		(
			"records",
			"taxable_value",
			"total_tax",
			"purchase_documents",
			"purchase_taxable_value",
			"purchase_total_tax",
			"acted",
		),
		lambda k: frappe._dict(match_status=k[0]),
	)
	for out in summary:
		out.taxable_value_difference = out.taxable_value - out.purchase_taxable_value
		out.tax_difference = out.total_tax - out.purchase_total_tax
		out.acted_percent = round(100.0 * out.acted / out.records, 1) if out.records else 0.0
	return summary


def itc_of(document_type: str | None, total_tax: float | None) -> float:
	"""ITC a record carries: its tax, except a credit note's, which reduces ITC (GSTN reports it
	positive, so it is subtracted here)."""
	return -(total_tax or 0) if document_type == "Credit Note" else (total_tax or 0)


def _with_itc(rows) -> list:
	for row in rows:
		row.itc = itc_of(row.document_type, row.total_tax)
		row.credit_note_tax = (row.total_tax or 0) if row.document_type == "Credit Note" else 0
	return rows


def actions_summary(filters) -> dict:
	"""Counts and rupees per document type x action and per match status x action, folded from
	the grouped rows: one pass over the index. `itc` is the tax net of credit notes (see
	`itc_of`); `total_tax` stays the gross tax."""
	rows = _with_itc(_grouped(filters))
	numeric = ("records", "taxable_value", "total_tax", "itc")
	return {
		"by_document_type": _fold(
			rows,
			lambda row: (row.document_type, row.action),
			numeric,
			lambda k: frappe._dict(document_type=k[0], action=k[1]),
		),
		"by_match_status": _fold(
			rows,
			lambda row: (row.match_status, row.action),
			numeric,
			lambda k: frappe._dict(match_status=k[0], action=k[1]),
		),
	}


def action_totals(filters) -> list[dict]:
	"""Header cards: totals per action with the ITC at stake, net of credit notes (`itc`; their
	tax in `credit_note_tax`)."""
	return _fold(
		_with_itc(_grouped(filters)),
		lambda row: (row.action,),
		("records", "taxable_value", "total_tax", "itc", "credit_note_tax"),
		lambda k: frappe._dict(action=k[0]),
	)


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
