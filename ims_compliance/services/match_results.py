"""Reconciliation results written back: the records' match columns and the Purchase Invoices'
link columns, only what changed, set-based, in primary-key order (issue 18)."""

from __future__ import annotations

import hashlib
import json

import frappe
from frappe import _
from frappe.query_builder.functions import Function

from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.action_log import write_logs
from ims_compliance.services.books import BILL_LINK_COLUMNS, HEADS
from ims_compliance.services.bulk_sql import update_stream
from ims_compliance.services.second_connection import SharedRows, SideWriter

#: What a record holds of its last result besides its status and link, read with the supplies so
#: that only records whose result changed are written. The reasons (JSON text, often hundreds of
#: bytes) are read as MariaDB's MD5 of the stored text, `match_reasons_md5`, and compared with the
#: MD5 of the text the write would store: the same test as comparing the texts (issue 18).
STORED_RESULT_COLUMNS = (
	"action",
	"gstn_action",
	"match_score",
	"match_reasons_md5",
	"recommended_action",
	"needs_review",
	"recommendation_reason",
	"purchase_taxable_value",
	"purchase_total_tax",
	"purchase_net_total",
)
#: What a new result is compared with: the status and the stored result (the action columns are
#: read for P2's revert only).
COMPARED_COLUMNS = ("match_status", *(c for c in STORED_RESULT_COLUMNS if c not in ("action", "gstn_action")))


def stored_result_terms(table) -> list:
	"""The query-builder terms reading STORED_RESULT_COLUMNS from the supply table."""
	return [
		Function("MD5", table.match_reasons).as_(c) if c == "match_reasons_md5" else table[c]
		for c in STORED_RESULT_COLUMNS
	]


def _md5(text: str | None) -> str | None:
	"""What MariaDB's MD5() answers for the stored text (NULL for NULL). The JSON is ASCII
	(json.dumps escapes the rest), so its UTF-8 bytes are the column's bytes."""
	return None if text is None else hashlib.md5(text.encode()).hexdigest()


RESULT_COLUMNS = (
	"match_status",
	"purchase_invoice",
	"match_score",
	"match_reasons",
	"recommended_action",
	"needs_review",
	"recommendation_reason",
	"purchase_taxable_value",
	"purchase_total_tax",
	"purchase_net_total",
)


#: Records compared per slice of the write: only this many records' columns are turned into
#: Python objects at a time instead of 100k (issue 18).
WRITE_SLICE = 10000


#: Bills that make a second connection worth it (SideWriter): below this the bills go on the job's
#: own connection after the records.
SIDE_WRITE_MIN_BILLS = 5000
#: Records each connection takes at a time when the side shares the records' write (its
#: statements' size)
SHARE_CHUNK = 1000


def write_results(
	company_gstin: str,
	supplies_result,
	purchases=None,
	stored=None,
	bills=None,
	*,
	parallel_bills: bool = False,
) -> int:
	"""Bulk write-back of what changed, in primary-key order (issue 18).

	`stored`: what the records hold now (read_supplies(with_stored=True), by name); `bills`: what
	the Purchase Invoices of the window show now (read_purchases(with_links=True)). Only records
	whose result differs from `stored`, and only bills whose link, status or action differs, are
	written, each side by set-based statements (services.bulk_sql.update_stream), sorted by name.
	At 100k the tables no longer fit a small buffer pool: rows written in the engine's order
	touched a random page each (the write grew ~20x for 10x the data), rows in key order share
	their pages. The records are compared WRITE_SLICE at a time in that order, on update_stream's
	helper thread while the server writes the rows before. With `parallel_bills` (a background
	job: see second_connection.SideWriter) many bills are written on a second connection meanwhile.
	Returns how many records were written."""
	import numpy as np

	frame = supplies_result.reset_index() if "name" not in supplies_result.columns else supplies_result
	if frame.empty:
		return 0
	names = frame["name"].tolist()
	if stored is None:
		stored = _stored_state(names)
	stored = stored.reindex(names)
	links = [p if isinstance(p, str) and p else None for p in frame["purchase"].tolist()]
	old_links = [_text(p) for p in stored["purchase"].tolist()]
	actions, reverted = _revert_accepted_on_relink(names, links, old_links, stored)
	amounts = _purchase_amounts(links, purchases)
	reason = frame["recommendation_reason"] if "recommendation_reason" in frame else None
	new_columns = [
		frame[c].to_numpy()
		for c in ("match_status", "score", "reasons", "recommended_action", "needs_review")
	] + [reason.to_numpy() if reason is not None else np.full(len(names), "", dtype=object)]
	old_columns = [stored[c].to_numpy() for c in COMPARED_COLUMNS]
	order = np.argsort(np.array(names, dtype=object), kind="stable")

	def changed():  # runs ahead on update_stream's helper thread: no Frappe here
		for start in range(0, len(order), WRITE_SLICE):
			part = order[start : start + WRITE_SLICE]
			new = zip(*(c[part].tolist() for c in new_columns), strict=True)
			old = zip(*(c[part].tolist() for c in old_columns), strict=True)
			for i, (status, score, reasons, recommended, review, why), before in zip(
				part.tolist(), new, old, strict=True
			):
				purchase = links[i]
				row = (
					names[i],
					status,
					purchase,
					round(float(score or 0), 6),
					json.dumps(reasons, default=str) if reasons else None,
					recommended or "",
					1 if review else 0,
					why or "",
					*amounts(purchase),
				)
				if _result_key((*row[1:4], _md5(row[4]), *row[5:])) != _result_key(
					(before[0], old_links[i], *before[1:])
				):
					yield row

	bill_values = _bill_values(names, links, old_links, frame["match_status"].tolist(), actions, bills)
	bill_fields = ("name", *BILL_LINK_COLUMNS)
	bills = SharedRows(((bill, *bill_values[bill]) for bill in sorted(bill_values)), chunk=SHARE_CHUNK)
	fields = ("name", *RESULT_COLUMNS)
	records = SharedRows(changed(), chunk=SHARE_CHUNK)
	side = None
	if parallel_bills and len(bill_values) >= SIDE_WRITE_MIN_BILLS:
		# the side starts on the bills and then helps with the records, this connection the
		# other way round; not the records when P2 reverted some on this connection (the side
		# would wait for their locks)
		jobs = [("Purchase Invoice", bill_fields, bills)]
		if not reverted:
			jobs.append((supply_doctype(), fields, records))
		side = SideWriter(jobs)
	try:
		written = update_stream(supply_doctype(), fields, records.take(), upsert=True)
		update_stream("Purchase Invoice", bill_fields, bills.take())
	except BaseException:
		if side is not None:
			side.rollback()
		raise
	if side is not None:
		if side.finish():
			written += side.taken_count(supply_doctype())
		else:  # it met a lock of this job's own: the rows it had taken are written here
			written += update_stream(supply_doctype(), fields, side.taken_rows(supply_doctype()), upsert=True)
			update_stream("Purchase Invoice", bill_fields, side.taken_rows("Purchase Invoice"))
	return written


def _text(value) -> str | None:
	return value if isinstance(value, str) and value else None


def _result_key(values) -> tuple:
	"""A result row compared by what the columns store: amounts to the paisa, blanks as "", the
	reasons by the MD5 of their JSON text (see STORED_RESULT_COLUMNS)."""
	status, link, score, reasons, recommended, review, reason, *amounts = values
	return (
		status or "",
		_text(link),
		round(float(score or 0), 4),
		reasons if isinstance(reasons, str) else None,
		recommended or "",
		int(review or 0),
		reason or "",
		*(round(float(a or 0), 2) for a in amounts),
	)


def _stored_state(names: list[str]):
	"""STORED_RESULT_COLUMNS and the link of `names` (a caller that did not read them)."""
	import pandas as pd

	table = frappe.qb.DocType(supply_doctype())
	columns = ["name", "match_status", "purchase_invoice", *STORED_RESULT_COLUMNS]
	rows = []
	for start in range(0, len(names), 5000):
		rows += (
			frappe.qb.from_(table)
			.select(table.name, table.match_status, table.purchase_invoice, *stored_result_terms(table))
			.where(table.name.isin(names[start : start + 5000]))
		).run(as_list=True)
	frame = pd.DataFrame.from_records(rows, columns=columns).rename(columns={"purchase_invoice": "purchase"})
	return frame.set_index("name")


def _bill_values(names, links, old_links, statuses, actions, bills) -> dict[str, tuple]:
	"""The Purchase Invoice side (what a bill shows of its record): set where a record links it,
	cleared where a record of this run used to link it or the bill points at one of this run's
	records that no longer links it: bill -> (record, status, action) to write. Bills already
	showing the right values are left out. The window's bills are compared as they are walked (no
	second map of 100k bills)."""
	desired = {
		link: (name, status, action)
		for name, link, status, action in zip(names, links, statuses, actions, strict=True)
		if link
	}
	values = {}
	blank = (None, None, None)
	window: set[str] = set()
	if bills is not None and len(bills) and "ims_inward_supply" in bills:
		scope = set(names)
		for bill, supply, status, action in zip(
			bills["name"].tolist(), *(bills[c].tolist() for c in BILL_LINK_COLUMNS), strict=True
		):
			window.add(bill)
			now = (_text(supply), _text(status), _text(action))
			want = desired.get(bill)
			if want is not None:
				if now != want:
					values[bill] = want
			elif now[0] in scope and now != blank:
				values[bill] = blank
	for bill, want in desired.items():
		if bill not in window:
			values[bill] = want  # outside the window: its state unknown, set as before
	for bill in old_links:
		if bill and bill not in desired and bill not in window:
			values[bill] = blank  # outside the window: cleared as before, its state unknown
	return values


def _revert_accepted_on_relink(names, links, old_links, stored) -> tuple[list[str | None], int]:
	"""P2 holds for automatic matching too: an Accepted record whose Purchase Invoice changes (a
	new link, another invoice, or none) goes back to No Action, logged as an automatic revert.
	Returns every record's action after it (what its bill shows) and how many were reverted."""
	actions = [_text(a) for a in stored["action"].tolist()]
	gstn_actions = stored["gstn_action"].tolist()
	moved = [
		i
		for i, (action, new, old) in enumerate(zip(actions, links, old_links, strict=True))
		if action == "Accepted" and new != old
	]
	if not moved:
		return actions, 0
	table = frappe.qb.DocType(supply_doctype())
	for gstn_action_is_none, upload_state in ((True, ""), (False, "Pending Upload")):
		chosen = [names[i] for i in moved if (gstn_actions[i] == "No Action") == gstn_action_is_none]
		for start in range(0, len(chosen), 1000):
			(
				frappe.qb.update(table)
				.set(table.action, "No Action")
				.set(table.upload_state, upload_state)
				.set(table.itc_reduction_required, "")
				.where(table.name.isin(chosen[start : start + 1000]))
			).run()
	write_logs(
		[
			{
				"inward_supply": names[i],
				"from_action": "Accepted",
				"to_action": "No Action",
				"remarks": _("Matched Purchase Invoice changed from {0} to {1} (P2)").format(
					old_links[i] or "-", links[i] or "-"
				),
			}
			for i in moved
		],
		source="Automatic Revert",
	)
	for i in moved:
		actions[i] = "No Action"
	return actions, len(moved)


def _purchase_amounts(links: list[str | None], purchases=None):
	"""A function: linked purchase -> (taxable value of its GST lines, total tax, net total);
	(0, 0, 0) for no link. From the frame the engine read when it has the purchase (looked up by
	position, no tuple per bill kept), else from the database (a manual link may point outside
	the window)."""
	position: dict[str, int] = {}
	columns = None
	if purchases is not None and len(purchases):
		position = {name: i for i, name in enumerate(purchases["name"].tolist())}
		columns = (
			purchases["taxable_value"].to_numpy(),
			purchases["net_total"].to_numpy(),
			[purchases[h].to_numpy() for h in HEADS.values()],
		)
	outside = {}
	rest = sorted({n for n in links if n and n not in position})
	for start in range(0, len(rest), 10000):
		for row in frappe.get_all(
			"Purchase Invoice",
			filters={"name": ("in", rest[start : start + 10000])},
			fields=["name", "base_net_total", "base_total_taxes_and_charges"],
		):
			net = abs(row.base_net_total or 0)
			outside[row.name] = (net, abs(row.base_total_taxes_and_charges or 0), net)
	nothing = (0.0, 0.0, 0.0)

	def amounts(link: str | None) -> tuple:
		i = position.get(link) if link else None
		if i is None:
			return outside.get(link, nothing) if link else nothing
		taxable, net, heads = columns
		return (
			float(taxable[i] or 0),
			round(sum(float(h[i] or 0) for h in heads), 2),
			float(net[i] or 0),
		)

	return amounts
