"""The upload job (issue 7): the actions GSTN does not have yet, sent back safely.

Safety comes from the order of commits, not from hoping nothing fails:
1. every request of a run is stored as an IMS Upload Request ("Queued") and its rows are
   linked to it (`upload_request`, `sent_action`, upload state "Uploading") BEFORE anything is
   sent;
2. just before the PUT the request becomes "Sending" (committed); GSTN's reference id makes it
   "In Progress" (committed); the body is rebuilt from the rows at that moment, so its
   `prev_status` is GSTN's status as we last knew it;
3. REQSTS is polled with backoff in the job; the answer is applied to every linked row in the
   same transaction that closes the request.
A request left "Sending" (the worker died mid-PUT) or "Unknown" (the answer was lost) may or
may not have reached GSTN: its rows are never sent again until a download, taken once GSTN has
certainly finished with it (a later request of ours was processed, or enough time passed), says
what GSTN holds. So no row is sent twice with a stale `prev_status`, and none is lost.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import frappe
from frappe import _
from frappe.query_builder.functions import Count
from frappe.utils import add_to_date, get_datetime, now_datetime
from frappe.utils.background_jobs import is_job_enqueued

from ims_compliance.core.actions import Action
from ims_compliance.doctype_names import supply_doctype, supply_table
from ims_compliance.gstn.errors import (
	GstnError,
	GstnUnavailable,
	OtpRequired,
	OutcomeUnknown,
	RequestInProgress,
	StopJob,
)
from ims_compliance.gstn.payloads import RESET_REQUEST, body_size
from ims_compliance.gstn.upload import (
	PENDING_FIELDS,
	build_body,
	pending_from_row,
	plan_requests,
)
from ims_compliance.services.upload_results import REQUEST, RequestResults

#: States of a request whose rows are still tied to it.
OPEN = ("Queued", "Sending", "In Progress", "Unknown")
#: Upload states of rows waiting to be sent ("Failed" ones go again on the next upload).
PENDING = ("Pending Upload", "Failed")
ROW_FIELDS = (*PENDING_FIELDS, "upload_state")


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


@dataclass
class UploadResult:
	requests: int = 0
	sent: int = 0
	processed: int = 0
	failed: int = 0
	refused: int = 0
	resynced: int = 0
	bytes: int = 0
	in_progress: bool = False  # a request is still with GSTN; the scheduler resumes it
	api_calls: int = 0  # HTTP requests to GSTN/the GSP in this run (what a GSP bills)
	messages: list[str] = field(default_factory=list)

	def as_dict(self) -> dict:
		return dict(self.__dict__)


def job_id(company_gstin: str) -> str:
	return f"ims-upload::{company_gstin}"


def _checkpoint(stage: str, request: str) -> None:
	"""A seam for the fault campaign (benchmarks/faults.py), which kills the "worker" here."""


# --- what is pending ----------------------------------------------------------------------
def pending_rows(company_gstin: str) -> list[dict]:
	"""Rows whose action GSTN does not have, not tied to an open request, not gone."""
	table = frappe.qb.DocType(supply_doctype())
	return (
		frappe.qb.from_(table)
		.select(*[table[f] for f in ROW_FIELDS])
		.where(table.company_gstin == company_gstin)
		.where(table.upload_state.isin(PENDING))
		.where((table.upload_request.isnull()) | (table.upload_request == ""))
		.where(table.is_gone == 0)
		.orderby(table.name)
	).run(as_dict=True)


def upload_summary(company_gstin: str) -> dict:
	"""What "Upload to GSTN" would send, by action, and the requests still open."""
	table = frappe.qb.DocType(supply_doctype())
	rows = (
		frappe.qb.from_(table)
		.select(table.action, table.upload_state, Count("*").as_("n"))
		.where(table.company_gstin == company_gstin)
		.where(table.upload_state.isin((*PENDING, "Uploading")))
		.where(table.is_gone == 0)
		.groupby(table.action, table.upload_state)
	).run(as_dict=True)
	by_action: dict[str, int] = {}
	failed = uploading = 0
	for row in rows:
		if row.upload_state == "Uploading":
			uploading += row.n
			continue
		by_action[row.action] = by_action.get(row.action, 0) + row.n
		failed += row.n if row.upload_state == "Failed" else 0
	return {
		"company_gstin": company_gstin,
		"pending": sum(by_action.values()),
		"by_action": by_action,
		"failed": failed,
		"uploading": uploading,
		"open_requests": frappe.db.count(REQUEST, {"company_gstin": company_gstin, "status": ("in", OPEN)}),
		"job_running": is_job_enqueued(job_id(company_gstin)),
	}


# --- the job -------------------------------------------------------------------------------
def enqueue_upload(company_gstin: str, *, resume: bool = False, user: str | None = None) -> dict:
	from ims_compliance.services.connection import request_ip

	if is_job_enqueued(job_id(company_gstin)):
		return {"queued": False, "message": _("An upload for {0} is already running.").format(company_gstin)}
	frappe.enqueue(
		"ims_compliance.services.upload.upload_job",
		queue="long",
		timeout=3600,
		job_id=job_id(company_gstin),
		deduplicate=True,
		company_gstin=company_gstin,
		user=user or frappe.session.user,
		resume=resume,
		ip_usr=request_ip(),  # GSTN's ip-usr for the job: the IP of the user who started it
		now=frappe.flags.in_test,
	)
	return {"queued": True, "job_id": job_id(company_gstin)}


def upload_job(
	company_gstin: str, user: str | None = None, resume: bool = False, ip_usr: str | None = None
) -> dict:
	"""Background entry point: upload (or, resuming, finish the open requests), notify, and
	recompute GSTR-2B afterwards when IMS Settings asks for it."""
	from ims_compliance.services.connection import make_client
	from ims_compliance.services.notify import accounts_managers, notify

	recipients = [user] if user and user not in ("Guest",) else accounts_managers()
	try:
		client = make_client(company_gstin, ip_usr=ip_usr) if ip_usr else None
		result = upload(company_gstin, publish=True, resume=resume, user=user, client=client)
	except OtpRequired as exc:
		frappe.db.rollback()
		notify(
			recipients, _("IMS upload for {0} needs an OTP").format(company_gstin), str(exc.message or exc)
		)
		frappe.db.commit()  # nosemgrep: the notification must survive the failed job
		return {"status": "OTP needed"}
	except StopJob as exc:
		# credits used up, too many sessions, or the call cap: what was sent and answered is
		# kept, the rest stays queued for the next run; the user learns why and what to do
		frappe.db.rollback()
		notify(recipients, _("IMS upload for {0} stopped: {1}").format(company_gstin, exc.code), exc.message)
		frappe.db.commit()  # nosemgrep: the notification must survive the stopped job
		return {"status": "stopped", "code": exc.code, "message": exc.message}
	except GstnError as exc:
		frappe.db.rollback()
		notify(recipients, _("IMS upload for {0} failed: {1}").format(company_gstin, exc.code), str(exc))
		frappe.db.commit()  # nosemgrep: requests already answered stay; the failure is recorded
		raise
	if result.requests or result.refused or result.resynced or not resume:
		notify(recipients, summary_text(company_gstin, result), "\n".join(result.messages))
	if (
		result.processed
		and not result.in_progress
		and frappe.db.get_single_value("IMS Settings", "recompute_2b_after_upload")
	):
		from ims_compliance.services.gstr2b import enqueue_recompute_2b

		enqueue_recompute_2b(company_gstin, user=user)
	frappe.publish_realtime("ims_upload_done", result.as_dict(), user=user or "Administrator")
	return result.as_dict()


def summary_text(company_gstin: str, result: UploadResult) -> str:
	text = _(
		"IMS upload for {0}: {1} records in {2} requests, {3} taken by GSTN, {4} refused ({5} GSTN calls)"
	).format(
		company_gstin,
		result.sent,
		result.requests,
		result.processed,
		result.failed + result.refused,
		result.api_calls,
	)
	if result.in_progress:
		text += " " + _("(GSTN is still processing; the result will follow)")
	return text


def upload(
	company_gstin: str,
	*,
	client=None,
	commit: bool = True,
	publish: bool = False,
	resume: bool = False,
	user: str | None = None,
	poll: PollPolicy | None = None,
) -> UploadResult:
	"""Finish what earlier runs left open, then (unless `resume`) send every pending action.
	`commit=False` is for tests only: the crash-safety needs the commits."""
	from ims_compliance.services.connection import make_client

	poll = poll or PollPolicy()
	client = client or make_client(company_gstin)
	if not client.has_session:
		raise OtpRequired(_("GSTN needs an OTP for {0}: request one from the page.").format(company_gstin))
	run = _Run(company_gstin, client, commit=commit, publish=publish, poll=poll, user=user)
	try:
		if run.settle_open() and not resume:
			run.plan()
			run.send_queued()
	finally:
		run.result.api_calls = getattr(client, "calls", 0)
	return run.result


class _Run(RequestResults):
	def __init__(self, gstin: str, client, *, commit: bool, publish: bool, poll: PollPolicy, user):
		self.gstin = gstin
		self.client = client
		self.commit_enabled = commit
		self.publish = publish
		self.poll = poll
		self.user = user or frappe.session.user
		self.result = UploadResult()

	def commit(self) -> None:
		if self.commit_enabled:
			frappe.db.commit()  # nosemgrep: each step of an upload must survive a crash

	# --- open requests ---------------------------------------------------------------------
	def open_requests(self, *states: str) -> list[dict]:
		return frappe.get_all(
			REQUEST,
			filters={"company_gstin": self.gstin, "status": ("in", states or OPEN)},
			fields=["name", "status", "request_type", "reference_id", "sent_on", "creation"],
			order_by="creation asc",
		)

	def settle_open(self) -> bool:
		"""Poll what an earlier run left with GSTN, resolve what may have reached it, send what
		was planned but not sent. False when GSTN is still busy (the scheduler comes back)."""
		for request in self.open_requests("In Progress"):
			if not self.await_result(request.name, request.reference_id):
				return False
		for request in self.open_requests("Sending"):
			self.set_request(
				request.name, status="Unknown", gstn_error=_("The worker stopped while sending.")
			)
		self.commit()
		self.resolve_unknown()
		return self.send_queued()

	def resolve_unknown(self, now: tuple[str, ...] = ()) -> None:
		"""Requests whose PUT got no answer: once GSTN is surely done with them (`settle`
		seconds after they were sent), download their sections and let GSTN's records say, row
		by row, whether the action landed. Not sooner: a PUT whose answer was lost may reach
		GSTN after a later request of ours (a slow connection), so a later request's result
		proves nothing about it; the fault campaign caught exactly that. `now`: requests known to
		be finished (GSTN answered, but with errors we cannot place) resolve at once."""
		limit = add_to_date(now_datetime(), seconds=-self.poll.settle)
		ready = [
			r
			for r in self.open_requests("Unknown")
			if r.name in now or not r.sent_on or get_datetime(r.sent_on) <= limit
		]
		if not ready:
			return
		names = [r.name for r in ready]
		sections = frappe.get_all(
			supply_doctype(), filters={"upload_request": ("in", names)}, pluck="section", distinct=True
		)
		if sections:
			from ims_compliance.services.download import download

			download(self.gstin, sections=sections, client=self.client, commit=self.commit_enabled)
		for name in names:
			self.result.resynced += self.finish_from_gstn(name)
			self.set_request(name, status="Resolved by Download", completed_on=now_datetime())
		self.commit()

	# --- planning --------------------------------------------------------------------------
	def plan(self) -> None:
		rows = pending_rows(self.gstin)
		if not rows:
			return
		pending = [pending_from_row(row) for row in rows]
		plan = plan_requests(self.gstin, pending, max_bytes=self.client.max_plain_bytes)
		run = frappe.generate_hash(length=10)
		if plan.refused:
			self.refuse(plan.refused)
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
			self.attach(doc.name, planned.names, planned.actions)
		self.commit()

	def attach(self, request: str, names, actions) -> None:
		"""Tie the planned rows to their request (plain SQL: a query builder renders 5,000-name
		IN lists term by term, which costs more than the update itself)."""
		by_action: dict[Action, list[str]] = {}
		for name, action in zip(names, actions, strict=True):
			by_action.setdefault(action, []).append(name)
		for action, chunk_names in by_action.items():
			for start in range(0, len(chunk_names), 5000):
				frappe.db.sql(
					f"""update {supply_table()} set upload_request = %(request)s, sent_action = %(action)s,
					upload_state = 'Uploading', upload_error = null where name in %(names)s""",
					{
						"request": request,
						"action": action.value,
						"names": tuple(chunk_names[start : start + 5000]),
					},
				)

	def refuse(self, refused) -> None:
		"""Rows GSTN would refuse for sure (R4, R5) stay failed with the rule, unsent."""
		table = frappe.qb.DocType(supply_doctype())
		by_message: dict[str, list[str]] = {}
		for item in refused:
			by_message.setdefault(item.message, []).append(item.name)
		for message, names in by_message.items():
			(
				frappe.qb.update(table)
				.set(table.upload_state, "Failed")
				.set(table.upload_error, message)
				.where(table.name.isin(names))
			).run()
		self.result.refused += len(refused)

	# --- sending ---------------------------------------------------------------------------
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

	def rows_of(self, request: str) -> list[dict]:
		return frappe.get_all(
			supply_doctype(),
			filters={"upload_request": request},
			fields=[*ROW_FIELDS, "sent_action"],
			order_by="name asc",
		)

	def send(self, request: str, kind: str) -> bool:
		"""One request: rebuild its body from its rows, mark it Sending, PUT, then follow it.
		False when the run must stop here (GSTN busy or unreachable; resumed later)."""
		rows = self.rows_of(request)
		sendable = []
		for row in rows:
			# the user may have changed the action since planning: send what is wanted now,
			# in the same kind of request, or nothing when GSTN already has it
			# ("" = the action service found nothing left to upload for this row)
			wanted = Action.parse(row.action)
			if (wanted is Action.NO_ACTION) != (kind == RESET_REQUEST) or not row.upload_state:
				continue
			row.sent_action = wanted.value
			sendable.append(row)
		self.detach_unsent(request, kind)
		if not sendable:
			self.set_request(request, status="Processed", record_count=0, completed_on=now_datetime())
			self.commit()
			return True
		pending = [pending_from_row(row) for row in sendable]
		body = build_body(self.gstin, kind, pending, max_bytes=self.client.max_plain_bytes)
		size = body_size(body)
		frappe.db.sql(f"update {supply_table()} set sent_action = action where upload_request = %s", request)
		self.set_request(
			request, status="Sending", sent_on=now_datetime(), record_count=len(sendable), body_bytes=size
		)
		self.commit()
		_checkpoint("before-send", request)
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
			self.result.failed += len(sendable)
			self.commit()
			return True
		_checkpoint("after-send", request)
		self.set_request(request, status="In Progress", reference_id=reference)
		self.commit()
		_checkpoint("after-reference", request)
		self.result.requests += 1
		self.result.sent += len(sendable)
		self.result.bytes += size
		return self.await_result(request, reference)

	def detach_unsent(self, request: str, kind: str) -> None:
		"""Rows whose action changed since planning to another kind of request (SAVE vs
		RESETIMS), or to GSTN's own status (upload state "" from the action service), leave the
		request; they are pending again or need nothing."""
		no_action = "=" if kind != RESET_REQUEST else "!="
		frappe.db.sql(
			f"""update {supply_table()} set upload_request = null, sent_action = '',
			upload_state = case when action != gstn_action then 'Pending Upload'
				when upload_state = 'Pending Upload' then 'Pending Upload' else '' end
			where upload_request = %(request)s
			and (ifnull(upload_state, '') = '' or action {no_action} 'No Action')""",
			{"request": request},
		)

	# --- results ---------------------------------------------------------------------------
	def await_result(self, request: str, reference: str) -> bool:
		"""Poll REQSTS with backoff within the budget; apply the answer. False if still IP."""
		started = time.monotonic()
		attempt = 0
		while True:
			status = self.client.request_status(reference)
			polls = (frappe.db.get_value(REQUEST, request, "poll_count") or 0) + 1
			self.set_request(request, poll_count=polls, last_polled_on=now_datetime())
			if status.done:
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
			self.poll.sleep(wait)
			attempt += 1

	def set_request(self, request: str, **values) -> None:
		frappe.db.set_value(REQUEST, request, values, update_modified=True)


# --- the scheduler's resume ----------------------------------------------------------------
def resume_open_requests() -> list[str]:
	"""Cron: a worker restart must not strand a request with GSTN. Every GSTIN with an open
	request gets a resume job (deduplicated by job id); GEN2B requests are polled too."""
	from ims_compliance.services.gstr2b import resume_gen2b

	gstins = frappe.get_all(
		REQUEST,
		filters={"status": ("in", OPEN), "request_type": ("in", ("SAVE", "RESET"))},
		pluck="company_gstin",
		distinct=True,
	)
	started = []
	for gstin in gstins:
		if enqueue_upload(gstin, resume=True, user=None).get("queued"):
			started.append(gstin)
	resume_gen2b()
	return started


# --- offline ---------------------------------------------------------------------------------
def offline_upload_files(company_gstin: str) -> tuple[list[dict], int]:
	"""Connection mode "Offline File": the pending actions as the offline tool's upload JSON
	(one file per 4 MB). Rows stay pending until an imported portal file shows GSTN has them."""
	from ims_compliance.gstn.offline import export_actions

	rows = pending_rows(company_gstin)
	updates = [pending_from_row(row).update() for row in rows]
	files = export_actions(company_gstin, updates) if updates else []
	if updates:
		frappe.get_doc(
			{
				"doctype": REQUEST,
				"company_gstin": company_gstin,
				"request_type": "Offline Export",
				"status": "Processed",
				"record_count": len(updates),
				"completed_on": now_datetime(),
				"requested_by": frappe.session.user,
			}
		).insert(ignore_permissions=True)
	return files, len(updates)
