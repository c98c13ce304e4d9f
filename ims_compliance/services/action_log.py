"""Writes IMS Action Log rows (P3) in bulk, in the caller's transaction.

Every path that changes an action (user, bulk, Excel, recommendation, automatic revert,
GSTN download, upload result) goes through `write_logs`, so one change is one row and the
row commits or rolls back together with the change itself."""

from __future__ import annotations

import json

import frappe

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


def write_logs(entries: list[dict], *, source: str, user: str | None = None) -> int:
	"""Insert one log row per entry: {inward_supply, from_action, to_action, remarks?, changed_values?}."""
	if source not in SOURCES:
		raise ValueError(f"unknown action log source {source!r}")
	if not entries:
		return 0
	user = user or frappe.session.user
	now = frappe.utils.now_datetime()
	values = []
	for entry in entries:
		changed = entry.get("changed_values")
		values.append(
			(
				frappe.generate_hash(length=12),
				now,
				now,
				user,
				user,
				0,
				0,
				entry["inward_supply"],
				entry.get("from_action"),
				entry.get("to_action"),
				source,
				user,
				now,
				entry.get("remarks"),
				json.dumps(changed, default=str) if changed is not None else None,
			)
		)
	frappe.db.bulk_insert("IMS Action Log", LOG_FIELDS, values, chunk_size=5000)
	return len(values)
