"""Planning an upload (issue 7): which pending rows go in which SAVE/RESETIMS request.

Every request of a run is stored as an IMS Upload Request ("Queued") and its rows are tied to
it (`upload_request`, `sent_action`, upload state "Uploading") and committed BEFORE anything is
sent, so a worker that dies later leaves rows that say which request they are in.

The rows are read once, as tuples (issue 18), with a fingerprint of every column their record
is built from (`FINGERPRINT`, computed by the database). Each record is serialised once, here;
the run keeps it with its fingerprint (`PlannedRow`), and the sending step reuses it for every
row whose fingerprint is unchanged just before the PUT instead of reading and building 100k
records a second time.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from typing import NamedTuple

import frappe

from ims_compliance.core.actions import Action
from ims_compliance.doctype_names import supply_table
from ims_compliance.gstn.payloads import RESET_REQUEST
from ims_compliance.gstn.upload import PENDING_FIELDS, pending_from_row, plan_requests
from ims_compliance.services.upload_results import REQUEST

#: Upload states of rows waiting to be sent ("Failed" ones go again on the next upload).
PENDING = ("Pending Upload", "Failed")
ROW_FIELDS = (*PENDING_FIELDS, "upload_state")
#: A digest of every column a row's record (and its action) is built from: equal digests, same
#: record. NULL is told apart from '' and each column from its neighbours.
FINGERPRINT = "md5(concat_ws(char(31), {}))".format(
	", ".join(f"coalesce(`{f}`, char(30))" for f in PENDING_FIELDS if f != "name")
)
#: One row of a request as the sending step expects to find it: its name and fingerprint, tied
#: ("Uploading") with `sent_action` = the planned action. `REQUEST_DIGEST` sums these over the
#: request's rows in one answer row: equal to the planned sum (and count), nothing changed and
#: the rows need not be read (`request_digest` is the same sum in Python). The sum comes back
#: as text: Frappe reads DECIMAL columns as floats, too coarse for it.
ROW_DIGEST = (
	f"md5(concat_ws('|', name, {FINGERPRINT}, coalesce(upload_state, ''), coalesce(sent_action, '')))"
)
REQUEST_DIGEST = f"count(*), cast(sum(cast(conv(left({ROW_DIGEST}, 15), 16, 10) as unsigned)) as char)"
#: Names per IN list (a query builder renders long IN lists term by term: plain SQL).
CHUNK = 5000


class PlannedRow(NamedTuple):
	"""A row as planned: its fingerprint then, its record (section key, JSON) and action."""

	fingerprint: str
	key: str
	record: bytes
	action: Action


def request_digest(rows: dict[str, PlannedRow]) -> tuple[int, int]:
	"""(count, sum) that `REQUEST_DIGEST` answers when every planned row is tied, unchanged."""
	total = 0
	for name, row in rows.items():
		text = "|".join((name, row.fingerprint, "Uploading", row.action.value))
		total += int(hashlib.md5(text.encode()).hexdigest()[:15], 16)
	return len(rows), total


def pending_rows(company_gstin: str) -> list[dict]:
	"""Rows whose action GSTN does not have, not tied to an open request, not gone."""
	return _pending(company_gstin, ", ".join(f"`{f}`" for f in ROW_FIELDS), as_dict=True)


def _pending(company_gstin: str, columns: str, *, names=None, as_dict: bool = False) -> list:
	only = "and name in %(names)s" if names is not None else ""
	return frappe.db.sql(
		f"""select {columns} from {supply_table()}
		where company_gstin = %(gstin)s and upload_state in %(states)s
		and (upload_request is null or upload_request = '') and is_gone = 0 {only}
		order by name""",
		{"gstin": company_gstin, "states": PENDING, "names": tuple(names or ("",))},
		as_dict=as_dict,
	)


def rows_by_name(names: list[str], fields: tuple[str, ...] = ROW_FIELDS) -> list[dict]:
	"""Full rows of these names (in name order), as dicts."""
	out: list[dict] = []
	columns = ", ".join(f"`{f}`" for f in fields)
	names = sorted(names)
	for start in range(0, len(names), CHUNK):
		rows = frappe.db.sql(
			f"select {columns} from {supply_table()} where name in %(names)s order by name",
			{"names": tuple(names[start : start + CHUNK])},
		)
		out.extend(dict(zip(fields, row, strict=True)) for row in rows)
	return out


class Planning:
	"""The planning step of an upload run. Needs from the run: gstin, client, user, result,
	planned (request -> {row name: PlannedRow}), commit()."""

	def plan(self, names: list[str] | None = None) -> None:
		"""Plan and store the requests for every pending row (or only for `names`: rows this
		run released from a body they outgrew)."""
		columns = ", ".join([*(f"`{f}`" for f in ROW_FIELDS), FINGERPRINT])
		rows = _pending(self.gstin, columns, names=names)
		if not rows:
			return
		width = len(ROW_FIELDS)
		fingerprints = {row[0]: row[width] for row in rows}
		pending = [pending_from_row(dict(zip(ROW_FIELDS, row[:width], strict=True))) for row in rows]
		del rows
		plan = plan_requests(self.gstin, pending, max_bytes=self.client.max_plain_bytes)
		del pending
		run = frappe.generate_hash(length=10)
		if plan.refused:
			self.refuse(plan.refused)
		refused = sorted(item.name for item in plan.refused)
		for planned in plan.requests:
			doc = frappe.get_doc(
				{
					"doctype": REQUEST,
					"company_gstin": self.gstin,
					"request_type": planned.kind,
					"status": "Queued",
					"upload_run": run,
					"record_count": len(planned.names),
					"requested_by": self.user,
				}
			).insert(ignore_permissions=True)
			self.attach(doc.name, planned.kind, planned.names, refused, only=names is not None)
			self.planned[doc.name] = {
				name: PlannedRow(fingerprints[name], key, record, action)
				for name, action, (key, record) in zip(
					planned.names, planned.actions, planned.records, strict=True
				)
			}
		self.commit()

	def attach(self, request: str, kind: str, names, refused: list[str], *, only: bool = False) -> None:
		"""Tie the planned rows to their request, `sent_action` = their action. A request's rows
		are consecutive, in name order, among the pending rows of its kind: one UPDATE by that
		primary-key range (half the time of the same rows by IN lists, issue 18), minus the rows
		refused in it. A row that became pending of that kind since the read and lies in the
		range is tied too: the sending step finds no planned record for it and builds one.
		`only`: the plan read only some pending rows (those released from an outgrown body), so
		the range may hold pending rows it never checked: the planned names alone are tied."""
		first, last = min(names), max(names)
		skip = refused[bisect_left(refused, first) : bisect_right(refused, last)]
		frappe.db.sql(
			f"""update {supply_table()} set upload_request = %(request)s, sent_action = action,
			upload_state = 'Uploading', upload_error = null
			where name between %(first)s and %(last)s and company_gstin = %(gstin)s
			and upload_state in %(states)s and (upload_request is null or upload_request = '')
			and is_gone = 0 and action {"=" if kind == RESET_REQUEST else "!="} 'No Action'
			{"and name not in %(skip)s" if skip else ""} {"and name in %(names)s" if only else ""}""",
			{
				"request": request,
				"first": first,
				"last": last,
				"gstin": self.gstin,
				"states": PENDING,
				"skip": tuple(skip),
				"names": tuple(names) if only else (),  # (pymysql escapes every value given)
			},
		)

	def refuse(self, refused) -> None:
		"""Rows GSTN would refuse for sure (R4, R5) stay failed with the rule, unsent."""
		by_message: dict[str, list[str]] = {}
		for item in refused:
			by_message.setdefault(item.message, []).append(item.name)
		for message, names in by_message.items():
			names.sort()
			for start in range(0, len(names), CHUNK):
				frappe.db.sql(
					f"""update {supply_table()} set upload_state = 'Failed', upload_error = %(message)s
					where name in %(names)s""",
					{"message": message, "names": tuple(names[start : start + CHUNK])},
				)
		self.result.refused += len(refused)
