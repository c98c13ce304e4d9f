"""The upload job (issue 7): the actions GSTN does not have yet, sent back safely.

Safety comes from the order of commits, not from hoping nothing fails:
1. every request of a run is stored as an IMS Upload Request ("Queued") and its rows are
   linked to it (`upload_request`, `sent_action`, upload state "Uploading") BEFORE anything is
   sent (`upload_plan`);
2. just before the PUT the request becomes "Sending" (committed); GSTN's reference id makes it
   "In Progress" (committed); the body is the rows as they are at that moment, so its
   `prev_status` is GSTN's status as we last knew it (`upload_send`);
3. REQSTS is polled with backoff in the job; the answer is applied to every linked row in the
   same transaction that closes the request (`upload_results`).
A request left "Sending" (the worker died mid-PUT) or "Unknown" (the answer was lost) may or
may not have reached GSTN: its rows are never sent again until a download, taken once GSTN has
certainly finished with it, says what GSTN holds (`upload_recovery`). So no row is sent twice
with a stale `prev_status`, and none is lost.

This module is the entry point: the job, its enqueueing and notification, the run that chains
the steps, the scheduler's resume, the summary and the offline export.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import frappe
from frappe import _
from frappe.query_builder.functions import Count
from frappe.utils import now_datetime
from frappe.utils.background_jobs import is_job_enqueued

from ims_compliance.doctype_names import supply_doctype
from ims_compliance.gstn.errors import GstnError, OtpRequired, StopJob
from ims_compliance.gstn.upload import pending_from_row
from ims_compliance.services.upload_plan import PENDING, ROW_FIELDS, Planning, pending_rows
from ims_compliance.services.upload_recovery import OPEN, Recovery
from ims_compliance.services.upload_results import REQUEST, RequestResults
from ims_compliance.services.upload_send import PollPolicy, Sending

__all__ = [
	"OPEN",
	"PENDING",
	"REQUEST",
	"ROW_FIELDS",
	"PollPolicy",
	"UploadResult",
	"enqueue_upload",
	"job_id",
	"offline_upload_files",
	"pending_rows",
	"resume_open_requests",
	"summary_text",
	"upload",
	"upload_job",
	"upload_summary",
]
#: Times a run plans again the rows that outgrew their body between planning and sending.
MAX_PLANS = 3


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
			for _again in range(MAX_PLANS):
				if not run.send_queued() or not run.released:
					break
				released, run.released = run.released, []
				run.plan(released)
		run.apply_deferred()
	except GstnError:
		# raised by a GSTN call, at a committed point: GSTN's answer to the previous request is
		# still written (any other exception is a crash: the resume polls that request again)
		run.apply_deferred()
		raise
	finally:
		run.result.api_calls = getattr(client, "calls", 0)
	return run.result


class _Run(Planning, Sending, Recovery, RequestResults):
	"""One upload run: the steps (planning, sending, recovery, results) share its state."""

	def __init__(self, gstin: str, client, *, commit: bool, publish: bool, poll: PollPolicy, user):
		self.gstin = gstin
		self.client = client
		self.commit_enabled = commit
		self.publish = publish
		self.poll = poll
		self.user = user or frappe.session.user
		self.result = UploadResult()
		self.planned: dict = {}  # request -> {row name: PlannedRow}, for this run's requests
		self.released: list[str] = []  # rows that outgrew their body since planning: planned again
		self.deferred = None  # (request, REQSTS answer) written during the next request's wait

	def commit(self) -> None:
		if self.commit_enabled:
			frappe.db.commit()  # nosemgrep: each step of an upload must survive a crash

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
