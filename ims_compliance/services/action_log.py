"""Writes IMS Action Log rows (P3) in bulk, in the caller's transaction.

Every path that changes an action (user, bulk, Excel, recommendation, automatic revert,
GSTN download, upload result) goes through `write_logs`, so one change is one row and the
row commits or rolls back together with the change itself."""

from __future__ import annotations

import json

import frappe

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


def write_logs(entries: list[dict], *, source: str, user: str | None = None) -> int:
	"""Insert one log row per entry: {inward_supply, from_action, to_action, remarks?, changed_values?}.

	Multi-row INSERTs rendered by services.ingest.insert_rows, the columns every row shares
	written once, time-ordered names (they append to the primary key instead of landing on a
	random page): at 100k rows frappe.db.bulk_insert spent most of its time building the query."""
	from ims_compliance.services.ingest import insert_rows, row_names

	if source not in SOURCES:
		raise ValueError(f"unknown action log source {source!r}")
	if not entries:
		return 0
	user = user or frappe.session.user
	now = frappe.utils.now_datetime()
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
		)
		for name, entry in zip(row_names(len(entries)), entries, strict=True)
	)
	return insert_rows(
		"IMS Action Log",
		["name", "inward_supply", "from_action", "to_action", "remarks", "changed_values"],
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
	)
