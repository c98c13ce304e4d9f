"""Writes IMS Action Log rows (P3) in bulk, in the caller's transaction.

Every path that changes an action (user, bulk, Excel, recommendation, automatic revert,
GSTN download, upload result) goes through `write_logs`, so one change is one row and the
row commits or rolls back together with the change itself."""

from __future__ import annotations

import json

import frappe

from ims_compliance.doctype_names import supply_table

#: What the log shows of its record (list, form, search), copied from the record when the row
#: is written: the record may later be gone from IMS, and a hash id tells a reader nothing.
RECORD_FIELDS = ("document_number", "supplier_name", "supplier_gstin", "company_gstin")

LOG_FIELDS = (
	"name",
	"creation",
	"modified",
	"modified_by",
	"owner",
	"docstatus",
	"idx",
	"inward_supply",
	"from_action",
	"to_action",
	"source",
	"user",
	"timestamp",
	"remarks",
	"changed_values",
)

SOURCES = (
	"User",
	"Bulk",
	"Excel",
	"Recommendation",
	"Automatic Revert",
	"GSTN Download",
	"Upload Result",
	"Supplier Change",
	"Link",
	"Unlink",
)


def write_logs(entries: list[dict], *, source: str, user: str | None = None, side=None) -> int:
	"""Insert one log row per entry: {inward_supply, from_action, to_action, remarks?, changed_values?}.

	Multi-row INSERTs rendered by services.bulk_sql.insert_rows, the columns every row shares
	written once, time-ordered names (they append to the primary key instead of landing on a
	random page): at 100k rows frappe.db.bulk_insert spent most of its time building the query
	(issue 18). The record's fields (RECORD_FIELDS) go in with the row when every entry carries
	them (a caller that read the records already has them: no second pass over 100k log rows);
	otherwise they are copied from the records by one joined UPDATE per 5,000 rows. `side`: a
	second_connection.SideQueue the INSERTs go to (only with the record's fields carried)."""
	from ims_compliance.services.bulk_sql import insert_rows, row_names

	if source not in SOURCES:
		raise ValueError(f"unknown action log source {source!r}")
	if not entries:
		return 0
	user = user or frappe.session.user
	now = frappe.utils.now_datetime()
	names = row_names(len(entries))
	carried = all(field in entry for entry in entries for field in RECORD_FIELDS)
	if not carried:
		side = None  # the copy afterwards reads the rows on this connection
	record = RECORD_FIELDS if carried else ()
	rows = (
		(
			name,
			entry["inward_supply"],
			entry.get("from_action"),
			entry.get("to_action"),
			entry.get("remarks"),
			json.dumps(entry["changed_values"], default=str)
			if entry.get("changed_values") is not None
			else None,
			*(entry[field] for field in record),
		)
		for name, entry in zip(names, entries, strict=True)
	)
	count = insert_rows(
		"IMS Action Log",
		["name", "inward_supply", "from_action", "to_action", "remarks", "changed_values", *record],
		rows,
		constants={
			"creation": now,
			"modified": now,
			"modified_by": user,
			"owner": user,
			"docstatus": 0,
			"idx": 0,
			"source": source,
			"user": user,
			"timestamp": now,
		},
		side=side,
	)
	if not carried:
		copy_record_fields(names)
	return count


def copy_record_fields(log_names: list[str] | None = None) -> None:
	"""Fill the log rows' document number, supplier and GSTINs from their inward supply, in one
	joined UPDATE per 5,000 rows (`log_names` None: every row still without them, for the patch)."""
	assignments = ", ".join(f"log.`{f}` = supply.`{f}`" for f in RECORD_FIELDS)
	statement = f"""update `tabIMS Action Log` log
		join {supply_table()} supply on supply.name = log.inward_supply
		set {assignments}"""
	if log_names is None:
		frappe.db.sql(f"{statement} where log.document_number is null or log.document_number = ''")
		return
	for start in range(0, len(log_names), 5000):
		frappe.db.sql(f"{statement} where log.name in %(names)s", {"names": log_names[start : start + 5000]})


def log_supplies(
	where: str,
	values: dict,
	*,
	from_column: str,
	to_column: str,
	remarks: str | None,
	source: str,
	user: str | None = None,
) -> int:
	"""One log row per inward supply matching `where` (SQL over the supply table, alias `s`,
	with `values` as its parameters), written by ONE INSERT ... SELECT: the from/to actions are
	the row's `from_column`/`to_column`, the record's fields are copied in the same statement,
	and the names are `row_names`' time-ordered names, numbered in primary-key order.

	An upload result logs every row of a request (20,000 at a time): reading them into Python
	only to write them back cost more than the result's own UPDATE (issue 18)."""
	from ims_compliance.services.ingest import row_names

	if source not in SOURCES:
		raise ValueError(f"unknown action log source {source!r}")
	allowed = {"action", "gstn_action", "sent_action"}
	if from_column not in allowed or to_column not in allowed:
		raise ValueError(f"not an action column: {from_column!r} / {to_column!r}")
	user = user or frappe.session.user
	now = frappe.utils.now_datetime()
	prefix = row_names(1)[0][:-5]  # the names' time and random part; the last 5 are the sequence
	record = ", ".join(f"s.`{f}`" for f in RECORD_FIELDS)
	frappe.db.sql(
		f"""insert into `tabIMS Action Log` (name, creation, modified, modified_by, owner, docstatus,
			idx, inward_supply, from_action, to_action, source, user, timestamp, remarks,
			{", ".join(f"`{f}`" for f in RECORD_FIELDS)})
		select concat(%(_prefix)s, lpad(lower(conv(row_number() over (order by s.name) - 1, 10, 36)), 5, '0')),
			%(_now)s, %(_now)s, %(_user)s, %(_user)s, 0, 0, s.name, s.`{from_column}`, s.`{to_column}`,
			%(_source)s, %(_user)s, %(_now)s, %(_remarks)s, {record}
		from {supply_table()} s where {where}
		order by s.name""",
		{
			**values,
			"_prefix": prefix,
			"_now": now,
			"_user": user,
			"_source": source,
			"_remarks": remarks,
		},
	)
	return frappe.db._cursor.rowcount
