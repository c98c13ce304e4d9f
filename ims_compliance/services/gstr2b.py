"""GSTR-2B recompute (R8, issue 7): GEN2B for a period, stored as an IMS Upload Request before
it is sent, then GENSTS2B until GSTN is done, with the result notified. A request a job left in
progress is polled again from the scheduler's resume."""

from __future__ import annotations

import time

import frappe
from frappe import _
from frappe.utils import now_datetime
from frappe.utils.background_jobs import is_job_enqueued

from ims_compliance.gstn.errors import GstnError, OtpRequired
from ims_compliance.services.upload import PollPolicy
from ims_compliance.services.upload_results import REQUEST, STATUS_NAMES


def gen2b_job_id(company_gstin: str) -> str:
	return f"ims-gen2b::{company_gstin}"


def enqueue_recompute_2b(company_gstin: str, period: str | None = None, *, user: str | None = None) -> dict:
	if is_job_enqueued(gen2b_job_id(company_gstin)):
		return {
			"queued": False,
			"message": _("GSTR-2B for {0} is already being recomputed.").format(company_gstin),
		}
	frappe.enqueue(
		"ims_compliance.services.gstr2b.recompute_2b_job",
		queue="long",
		timeout=1800,
		job_id=gen2b_job_id(company_gstin),
		deduplicate=True,
		company_gstin=company_gstin,
		period=period,
		user=user or frappe.session.user,
		now=frappe.flags.in_test,
	)
	return {"queued": True, "job_id": gen2b_job_id(company_gstin)}


def default_2b_period() -> str:
	"""The GSTR-2B being prepared: the previous month's (R8: recompute after actions taken
	after the 14th, before GSTR-3B is filed)."""
	from ims_compliance.core.periods import current_action_period

	return str(current_action_period(frappe.utils.getdate()).previous())


def recompute_2b(
	company_gstin: str,
	period: str | None = None,
	*,
	client=None,
	commit: bool = True,
	poll: PollPolicy | None = None,
	user: str | None = None,
) -> dict:
	"""GEN2B, stored before sending like an upload request, then GENSTS2B until done."""
	from ims_compliance.core.periods import ReturnPeriod
	from ims_compliance.services.connection import make_client

	poll = poll or PollPolicy()
	period = str(ReturnPeriod.parse(period or default_2b_period()))
	client = client or make_client(company_gstin)
	if not client.has_session:
		raise OtpRequired(_("GSTN needs an OTP for {0}: request one from the page.").format(company_gstin))
	doc = frappe.get_doc(
		{
			"doctype": REQUEST,
			"company_gstin": company_gstin,
			"request_type": "GEN2B",
			"status": "Sending",
			"return_period": period,
			"sent_on": now_datetime(),
			"requested_by": user or frappe.session.user,
		}
	).insert(ignore_permissions=True)
	if commit:
		frappe.db.commit()  # nosemgrep: the request is on record before GSTN hears of it
	try:
		reference = client.generate_2b(period)
	except GstnError as exc:
		doc.db_set({"status": "Failed", "gstn_error": str(exc), "completed_on": now_datetime()})
		if commit:
			frappe.db.commit()  # nosemgrep: the failure is recorded
		raise
	doc.db_set({"status": "In Progress", "reference_id": reference})
	started, attempt = time.monotonic(), 0
	while True:
		status = client.gen2b_status(reference)
		doc.db_set({"poll_count": (doc.poll_count or 0) + 1, "last_polled_on": now_datetime()})
		if status.done:
			break
		wait = poll.delay(attempt)
		if time.monotonic() - started + wait > poll.budget:
			if commit:
				frappe.db.commit()  # nosemgrep: still in progress; the scheduler resumes it
			return {
				"name": doc.name,
				"status": "In Progress",
				"period": period,
				"api_calls": getattr(client, "calls", 0),
			}
		poll.sleep(wait)
		attempt += 1
	summary = status.raw.get("summary")
	doc.db_set(
		{
			"status": STATUS_NAMES[status.status],
			"completed_on": now_datetime(),
			"result_summary": frappe.as_json(summary) if summary else None,
		}
	)
	if commit:
		frappe.db.commit()  # nosemgrep: the result is recorded
	return {
		"name": doc.name,
		"status": doc.status,
		"period": period,
		"summary": summary,
		"api_calls": getattr(client, "calls", 0),  # what the recompute cost at the GSP
	}


def recompute_2b_job(company_gstin: str, period: str | None = None, user: str | None = None) -> dict:
	from ims_compliance.services.notify import accounts_managers, notify

	recipients = [user] if user else accounts_managers()
	try:
		result = recompute_2b(company_gstin, period, user=user)
	except OtpRequired as exc:
		frappe.db.rollback()
		notify(
			recipients,
			_("GSTR-2B recompute for {0} needs an OTP").format(company_gstin),
			str(exc.message or exc),
		)
		frappe.db.commit()  # nosemgrep: the notification must survive
		return {"status": "OTP needed"}
	except GstnError as exc:
		notify(
			recipients, _("GSTR-2B recompute for {0} failed: {1}").format(company_gstin, exc.code), str(exc)
		)
		frappe.db.commit()  # nosemgrep: the failure is recorded
		raise
	notify(
		recipients,
		_("GSTR-2B {0} for {1}: {2}").format(result["period"], company_gstin, _(result["status"])),
		frappe.as_json(result.get("summary") or {}),
		reference=(REQUEST, result["name"]),
	)
	frappe.publish_realtime("ims_gen2b_done", result, user=user or "Administrator")
	return result


def resume_gen2b() -> None:
	"""Cron (via the upload resume): poll every GEN2B request a job left in progress."""
	for request in frappe.get_all(
		REQUEST,
		filters={"status": "In Progress", "request_type": "GEN2B"},
		fields=["name", "company_gstin"],
	):
		if not is_job_enqueued(gen2b_job_id(request.company_gstin)):
			frappe.enqueue(
				"ims_compliance.services.gstr2b.poll_2b",
				queue="long",
				job_id=gen2b_job_id(request.company_gstin),
				deduplicate=True,
				request=request.name,
				now=frappe.flags.in_test,
			)


def poll_2b(request: str, *, client=None, commit: bool = True) -> str:
	"""One GENSTS2B for a GEN2B request a job left in progress; closes it when GSTN is done."""
	from ims_compliance.services.connection import make_client
	from ims_compliance.services.notify import accounts_managers, notify

	doc = frappe.get_doc(REQUEST, request)
	if doc.status != "In Progress" or not doc.reference_id:
		return doc.status
	client = client or make_client(doc.company_gstin)
	status = client.gen2b_status(doc.reference_id)
	doc.db_set({"poll_count": (doc.poll_count or 0) + 1, "last_polled_on": now_datetime()})
	if status.done:
		summary = status.raw.get("summary")
		doc.db_set(
			{
				"status": STATUS_NAMES[status.status],
				"completed_on": now_datetime(),
				"result_summary": frappe.as_json(summary) if summary else None,
			}
		)
		notify(
			[doc.requested_by] if doc.requested_by else accounts_managers(),
			_("GSTR-2B {0} for {1}: {2}").format(doc.return_period, doc.company_gstin, _(doc.status)),
			frappe.as_json(summary or {}),
			reference=(REQUEST, doc.name),
		)
	if commit:
		frappe.db.commit()  # nosemgrep: scheduler-driven poll; the answer is recorded
	return doc.status
