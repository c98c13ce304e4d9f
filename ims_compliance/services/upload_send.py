"""Sending a stored request and following it to GSTN's answer (issue 7).

Just before the PUT the request becomes "Sending" (committed); GSTN's reference id makes it
"In Progress" (committed); then REQSTS is polled with backoff and the answer is applied to every
row still tied to the request, in the transaction that closes it (`upload_results`).

The body is the rows as they are just before the PUT, so its `prev_status` is GSTN's status as
we last knew it: a row whose fingerprint is unchanged since planning is sent with the record
serialised then; any other row is read and built again (issue 18: at 100k, reading and building
every record a second time cost more than sending them). Exactly the rows in the body stay tied
to the request: a row whose action now belongs in the other kind of request, or needs nothing,
leaves it; a row that grew past the body limit goes back to pending for the same run's next plan.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import frappe
from frappe import _
from frappe.utils import add_to_date, now_datetime

from ims_compliance.core.actions import Action
from ims_compliance.doctype_names import supply_table
from ims_compliance.gstn.errors import (
	GstnError,
	GstnUnavailable,
	OtpRequired,
	OutcomeUnknown,
	RequestInProgress,
	StopJob,
)
from ims_compliance.gstn.payloads import RESET_REQUEST, body_size
from ims_compliance.gstn.upload import fit_body, pending_from_row
from ims_compliance.services.upload_plan import (
	CHUNK,
	FINGERPRINT,
	REQUEST_DIGEST,
	request_digest,
	rows_by_name,
)
from ims_compliance.services.upload_results import REQUEST


@dataclass
class PollPolicy:
	"""REQSTS backoff: seconds between polls (the last repeats) and how long the job itself
	waits before leaving a request to the scheduler's resume. `settle` is how long after an
	unanswered PUT GSTN has surely finished with it (its outcome is then read by a download)."""

	delays: tuple[float, ...] = (1, 2, 3, 5, 8, 13, 20, 30, 60)
	budget: float = 900.0
	settle: float = 300.0
	sleep: Callable[[float], None] = time.sleep

	def delay(self, attempt: int) -> float:
		return self.delays[min(attempt, len(self.delays) - 1)]


def checkpoint(stage: str, request: str) -> None:
	"""`services.upload._checkpoint`, looked up at each call: the fault campaign and the crash
	tests replace it there to kill the "worker" at that stage."""
	from ims_compliance.services import upload

	upload._checkpoint(stage, request)


class Sending:
	"""The sending step of an upload run. Needs from the run: gstin, client, poll, publish,
	result, planned, released, deferred, commit(), set_request(), open_requests(), apply(),
	resolve_unknown()."""

	def send_queued(self) -> bool:
		queued = self.open_requests("Queued")
		for index, request in enumerate(queued):
			if self.publish:
				frappe.publish_progress(
					index * 100 / max(len(queued), 1),
					title=_("Uploading to GSTN ({0})").format(self.gstin),
					description=_("Request {0} of {1}").format(index + 1, len(queued)),
				)
			if not self.send(request.name, request.request_type):
				return False
		return True

	def send(self, request: str, kind: str) -> bool:
		"""One request: its body from its rows as they are now, mark it Sending, PUT, then
		follow it. False when the run must stop here (GSTN busy or unreachable; resumed later)."""
		names, records, sent_actions = self.body_rows(request, kind)
		body, fitted, overflow = fit_body(self.gstin, kind, records, max_bytes=self.client.max_plain_bytes)
		if overflow:
			self.release(request, [names[i] for i in overflow])
		sent = [names[i] for i in fitted]
		if not sent:
			self.set_request(request, status="Processed", record_count=0, completed_on=now_datetime())
			self.commit()
			return True
		self.set_sent_actions(request, {name: sent_actions[name] for name in sent if name in sent_actions})
		size = body_size(body)
		self.set_request(
			request, status="Sending", sent_on=now_datetime(), record_count=len(sent), body_bytes=size
		)
		self.commit()
		checkpoint("before-send", request)
		try:
			reference = self.client.send_body(body)
		except OutcomeUnknown as exc:
			self.set_request(request, status="Unknown", gstn_error=str(exc))
			self.commit()
			self.result.messages.append(str(exc))
			return True  # resolved by a download once GSTN is surely done with it
		except RequestInProgress:
			self.set_request(request, status="Queued", sent_on=None)
			self.commit()
			self.result.in_progress = True
			return False
		except (OtpRequired, GstnUnavailable, StopJob):
			# StopJob: HTTP 429 / AUTH403 / the call cap; the GSP refused before GSTN saw it
			self.set_request(request, status="Queued", sent_on=None)
			self.commit()
			raise
		except GstnError as exc:  # the whole request refused (schema, size): nothing reached GSTN
			self.fail_rows(request, f"{exc.code}: {exc.message}")
			self.set_request(request, status="Failed", gstn_error=str(exc), completed_on=now_datetime())
			self.result.failed += len(sent)
			self.commit()
			return True
		checkpoint("after-send", request)
		self.set_request(request, status="In Progress", reference_id=reference)
		self.commit()
		checkpoint("after-reference", request)
		self.result.requests += 1
		self.result.sent += len(sent)
		self.result.bytes += size
		return self.await_result(request, reference)

	def body_rows(
		self, request: str, kind: str
	) -> tuple[list[str], list[tuple[str, bytes]], dict[str, Action]]:
		"""The rows tied to the request that go in its body (name order), their records, and the
		`sent_action` to set before the PUT where it differs from the record's action (rows built
		again; a row changed and changed back around attach()). A row whose action the user
		moved to the other kind of request (SAVE vs RESETIMS), or that needs nothing now (upload
		state "" from a download or the action service), leaves it."""
		planned = self.planned.pop(request, {})
		if planned:
			count, total = frappe.db.sql(
				f"select {REQUEST_DIGEST} from {supply_table()} where upload_request = %s", request
			)[0]
			if (count, int(total or 0)) == request_digest(planned):  # nothing changed since planning
				names = sorted(planned)
				return names, [(planned[n].key, planned[n].record) for n in names], {}
		current = frappe.db.sql(
			f"""select name, {FINGERPRINT}, action, upload_state, sent_action from {supply_table()}
			where upload_request = %s order by name""",
			request,
		)
		stale = {
			name for name, digest, *_ in current if name not in planned or planned[name].fingerprint != digest
		}
		rows = {row["name"]: row for row in rows_by_name(list(stale))} if stale else {}
		names: list[str] = []
		records: list[tuple[str, bytes]] = []
		sent_actions: dict[str, Action] = {}
		leave: list[str] = []
		for name, _digest, action, state, sent_action in current:
			if name in stale:
				if name not in rows:  # deleted since: nothing to send
					continue
				action, state = rows[name]["action"], rows[name]["upload_state"]
			if (Action.parse(action) is Action.NO_ACTION) != (kind == RESET_REQUEST) or not state:
				leave.append(name)
				continue
			names.append(name)
			if name in stale:
				item = pending_from_row(rows[name])
				records.append(item.wire_record())
				sent_actions[name] = item.action
			else:
				records.append((planned[name].key, planned[name].record))
				if sent_action != planned[name].action.value:
					sent_actions[name] = planned[name].action
		self.detach(request, leave)
		return names, records, sent_actions

	def detach(self, request: str, names: list[str]) -> None:
		"""Rows that leave the request before it is sent: pending again when their action
		differs from GSTN's (or was pending), otherwise nothing to upload."""
		for start in range(0, len(names), CHUNK):
			frappe.db.sql(
				f"""update {supply_table()} set upload_request = null, sent_action = '',
				upload_state = case when action != gstn_action then 'Pending Upload'
					when upload_state = 'Pending Upload' then 'Pending Upload' else '' end
				where upload_request = %(request)s and name in %(names)s""",
				{"request": request, "names": tuple(names[start : start + CHUNK])},
			)

	def release(self, request: str, names: list[str]) -> None:
		"""Rows that no longer fit the body (edited since planning): pending again, planned
		anew by this run once the queued requests are sent."""
		for start in range(0, len(names), CHUNK):
			frappe.db.sql(
				f"""update {supply_table()} set upload_request = null, sent_action = '',
				upload_state = 'Pending Upload'
				where upload_request = %(request)s and name in %(names)s""",
				{"request": request, "names": tuple(names[start : start + CHUNK])},
			)
		self.released.extend(names)

	def set_sent_actions(self, request: str, actions: dict[str, Action]) -> None:
		"""`sent_action` = the action in the row's record where it differs (see `body_rows`):
		the result applies exactly what GSTN was sent, whatever the row says by then."""
		by_action: dict[Action, list[str]] = {}
		for name, action in actions.items():
			by_action.setdefault(action, []).append(name)
		for action, names in by_action.items():
			for start in range(0, len(names), CHUNK):
				frappe.db.sql(
					f"""update {supply_table()} set sent_action = %(action)s
					where upload_request = %(request)s and name in %(names)s""",
					{
						"action": action.value,
						"request": request,
						"names": tuple(names[start : start + CHUNK]),
					},
				)

	def await_result(self, request: str, reference: str) -> bool:
		"""Poll REQSTS with backoff within the budget; apply the answer. False if still IP.

		A plain "processed" answer (no error report) is kept back and written during the first
		wait for the next request, while GSTN works on that one (`apply_deferred`): GSTN keeps
		the answer, so a worker that dies before writing it leaves the request "In Progress",
		and the resume polls it again."""
		started = time.monotonic()
		attempt = 0
		while True:
			status = self.client.request_status(reference)
			polls = (frappe.db.get_value(REQUEST, request, "poll_count") or 0) + 1
			self.set_request(request, poll_count=polls, last_polled_on=now_datetime())
			if status.done:
				self.apply_deferred()
				if status.status == "P" and not status.record_errors:
					self.commit()
					self.deferred = (request, status)
					return True
				self.apply(request, status)
				self.commit()
				self.resolve_unknown(now=(request,))  # (only if apply() left it Unknown)
				return True
			wait = self.poll.delay(attempt)
			if time.monotonic() - started + wait > self.poll.budget:
				self.set_request(request, next_poll_on=add_to_date(now_datetime(), seconds=wait))
				self.commit()
				self.result.in_progress = True
				return False
			self.commit()
			began = time.monotonic()
			self.apply_deferred()
			self.poll.sleep(max(0.0, wait - (time.monotonic() - began)))
			attempt += 1

	def apply_deferred(self) -> None:
		"""Write the answer `await_result` kept back, and commit."""
		if self.deferred is None:
			return
		request, status = self.deferred
		self.deferred = None
		self.apply(request, status)
		self.commit()
