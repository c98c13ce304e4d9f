"""Recommended actions (P4): what each match status suggests, applied through the one action
service with source "Recommendation". The mapping lives in IMS Settings.

An "Accept after review" (recommended Accepted with needs_review: a Suggested Match whose numbers
differ only in formatting) is never applied in bulk unless the caller opts in
(`include_after_review`): P4, never accept a document that may be another one without a look."""

from __future__ import annotations

from collections import defaultdict

import frappe

from ims_compliance.core.actions import Action
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.actions import (
	STATE_FIELDS,
	ActionRequest,
	ActionResult,
	RuleChecker,
	apply_to_rows,
)
from ims_compliance.services.filters import to_db_filters
from ims_compliance.services.second_connection import SideQueue

SETTING_FOR_STATUS = {
	"Exact Match": "recommend_exact_match",
	"Manual Match": "recommend_manual_match",
	"Suggested Match": "recommend_suggested_match",
	"Mismatch": "recommend_mismatch",
	"Missing in PI": "recommend_missing_in_pi",
}
DEFAULTS = {
	"recommend_exact_match": "Accepted",
	"recommend_manual_match": "Accepted",
	"recommend_suggested_match": "Accepted",
	"recommend_mismatch": "Rejected",
	"recommend_missing_in_pi": "Pending",
	"recommend_not_filed": "Pending",
}


def recommendation_map() -> dict[str, str]:
	"""Match status (and "Not Filed", R10) -> action word, from IMS Settings."""
	values = frappe.db.get_singles_dict("IMS Settings")
	mapping = {status: values.get(key) or DEFAULTS[key] for status, key in SETTING_FOR_STATUS.items()}
	mapping["Not Filed"] = values.get("recommend_not_filed") or DEFAULTS["recommend_not_filed"]
	return mapping


def recommended_action(row, mapping: dict[str, str]) -> str:
	"""R10 first (a supplier who has not filed may still change the record), then the status."""
	if not row.supplier_filed:
		return mapping["Not Filed"]
	return row.recommended_action or mapping.get(row.match_status or "Missing in PI", "No Action")


def is_after_review(row) -> bool:
	return row.recommended_action == "Accepted" and bool(row.needs_review)


def apply_recommendations(filters, *, dry_run: bool = False, include_after_review: bool = False) -> dict:
	"""Move every record in the filter to its recommended action. The dry run reports how many
	records would move to each action and how many the rules would refuse (by rule). "Accept
	after review" records are skipped (and counted in `after_review`) unless `include_after_review`.

	Read once, in chunks by name through get_list (the page's filter and the reader's permission
	conditions, the rows the page shows), grouped by action, checked by the rules per record and
	written set-based by the action service (issue 18: no list of names read back by IN-lists)."""
	frappe.has_permission(supply_doctype(), "write", throw=True)
	mapping = recommendation_map()
	checker = RuleChecker()
	results: dict[str, ActionResult] = defaultdict(ActionResult)
	records: dict[str, int] = defaultdict(int)
	after_review = 0
	# the writes go to a second connection while this one reads and checks the next chunk
	# (second_connection.SideQueue); not in tests, which read back before committing
	side = SideQueue() if _writes_on_the_side(dry_run) else None
	applied: dict[str, str] = {}
	for rows in _chunks(to_db_filters(filters)):
		by_action: dict[str, list] = defaultdict(list)
		for row in rows:
			if is_after_review(row) and row.supplier_filed:
				after_review += 1
				if not include_after_review:
					continue
			by_action[recommended_action(row, mapping)].append(row)
		for action, group in sorted(by_action.items()):
			records[action] += len(group)
			apply_to_rows(
				ActionRequest(action=Action.parse(action)),
				group,
				results[action],
				checker,
				source="Recommendation",
				dry_run=dry_run,
				side=side,
				applied=applied,
			)
	if side is not None and not side.finish():
		side.replay()  # it met a lock: everything again, on this connection
	summary = {
		"dry_run": dry_run,
		"by_action": {},
		"refused_by_rule": defaultdict(int),
		"refused": [],
		"after_review": after_review,
		"after_review_included": include_after_review,
	}
	for action in sorted(records):
		result = results[action]
		summary["by_action"][action] = {
			"records": records[action],
			"moving": result.applied,
			"unchanged": result.unchanged,
			"refused": len(result.refused),
		}
		for refusal in result.refused:
			summary["refused_by_rule"][refusal["rule"] or "missing"] += 1
		summary["refused"].extend(result.refused[:200])
	summary["refused_by_rule"] = dict(summary["refused_by_rule"])
	return summary


def _writes_on_the_side(dry_run: bool) -> bool:
	return not dry_run and not frappe.flags.in_test


def _chunks(db_filters: list, size: int = 5000):
	"""The filtered records with what the rules and the recommendation need, `size` at a time,
	by name (keyset: each chunk starts after the last name, never at a deep OFFSET)."""
	fields = [*STATE_FIELDS, "recommended_action", "needs_review"]
	last = None
	while True:
		page_filters = list(db_filters)
		if last is not None:
			page_filters.append([supply_doctype(), "name", ">", last])
		# get_list, not get_all: a user restricted to one Company never reaches another's records
		rows = frappe.get_list(
			supply_doctype(), filters=page_filters, fields=fields, order_by="name asc", limit_page_length=size
		)
		if not rows:
			return
		yield rows
		if len(rows) < size:
			return
		last = rows[-1].name
