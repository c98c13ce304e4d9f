"""The download job (issue 4): every IMS section of one company GSTIN from GSTN into GST Inward
Supply, through the one parser and the one upsert, with progress and a notification."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import closing

import frappe
from frappe import _
from frappe.utils import get_datetime, now_datetime
from frappe.utils.background_jobs import is_job_enqueued

from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.sections import DOWNLOAD_SECTIONS as B2B_SECTIONS
from ims_compliance.core.sections import IMPORT_SECTIONS
from ims_compliance.gstn.client import SectionRecords
from ims_compliance.gstn.errors import AuthError, GstnError, OtpRequired, StopJob
from ims_compliance.services.connection import make_client, request_ip
from ims_compliance.services.ingest import ingest, start_early_inserts
from ims_compliance.services.notify import accounts_managers, notify

COUNTS_KEY = "ims_gstn_counts::{}"
FULL_DOWNLOAD_KEY = "ims_gstn_full_download::{}"
#: Counts only move when an action count moves: a supplier edit of a record that stays "No Action"
#: (GSTN resets the action, N stays N) leaves every count as it was. So a download that would skip
#: sections by their counts fetches them all anyway when the last full one is older than this
#: (a forced full download of 100k records costs about 11 s and writes nothing when nothing moved).
FULL_DOWNLOAD_MAX_AGE = dt.timedelta(hours=12)
#: Every section a download asks GSTN for: the supplier documents and the Bills of Entry (R1).
DOWNLOAD_SECTIONS: tuple[str, ...] = (*B2B_SECTIONS, *IMPORT_SECTIONS)


def job_id(company_gstin: str) -> str:
	return f"ims-download::{company_gstin}"


def enqueue_download(company_gstin: str, *, force: bool = False) -> dict:
	"""`force`: read every section whatever the counts say (the page's "full download")."""
	if is_job_enqueued(job_id(company_gstin)):
		return {"queued": False, "message": _("A download for {0} is already running.").format(company_gstin)}
	frappe.enqueue(
		"ims_compliance.services.download.download_job",
		queue="long",
		timeout=3600,
		job_id=job_id(company_gstin),
		deduplicate=True,
		company_gstin=company_gstin,
		user=frappe.session.user,
		force=force,
		ip_usr=request_ip(),  # GSTN's ip-usr for the job: the IP of the user who started it
		now=frappe.flags.in_test,
	)
	return {"queued": True, "job_id": job_id(company_gstin)}


def sections_to_fetch(company_gstin: str, counts: dict) -> list[str]:
	"""Skip sections whose counts did not change since the last download (their rows stay as
	they are and never go "gone", because the upsert only judges downloaded sections)."""
	last = frappe.cache.get_value(COUNTS_KEY.format(company_gstin)) or {}
	if not last:
		return list(DOWNLOAD_SECTIONS)
	return [code for code in DOWNLOAD_SECTIONS if counts.get(code) != last.get(code)]


def last_full_download(company_gstin: str) -> dt.datetime | None:
	value = frappe.cache.get_value(FULL_DOWNLOAD_KEY.format(company_gstin), expires=True)
	return get_datetime(value) if value else None


def full_download_due(company_gstin: str, now: dt.datetime | None = None) -> bool:
	"""True when no full download is on record or the last one is older than FULL_DOWNLOAD_MAX_AGE."""
	last = last_full_download(company_gstin)
	return last is None or (now or now_datetime()) - last >= FULL_DOWNLOAD_MAX_AGE


def download(
	company_gstin: str,
	*,
	publish: bool = False,
	force: bool = False,
	commit: bool = True,
	sections: list[str] | None = None,
	client=None,
	early: bool = False,
) -> dict:
	"""Download and upsert. `sections` (codes) fetches exactly those, whatever the counts say:
	the upload job uses it to learn GSTN's status of records whose request outcome is unknown.
	Otherwise every section is fetched when `force`, when the count call is unavailable or when
	the last full download is too old (`full_download_due`); else only sections whose counts moved.
	`early`: write new rows while GSTN is still being read (`EarlyInserts`), on a second
	connection that commits with this one's first commit after the reading: for background
	jobs, not for callers that read the rows back before committing."""
	client = client or make_client(company_gstin)
	if not client.has_session:
		raise OtpRequired(_("GSTN needs an OTP for {0}: request one from the page.").format(company_gstin))
	started = now_datetime()
	counts = _section_counts(client)
	explicit = sections is not None
	if explicit:
		sections = [code for code in DOWNLOAD_SECTIONS if code in set(sections)]
	elif force or counts is None or full_download_due(company_gstin, started):
		sections = list(DOWNLOAD_SECTIONS)
	else:
		sections = sections_to_fetch(company_gstin, counts)
	full = not explicit and len(sections) == len(DOWNLOAD_SECTIONS)
	records = []
	warnings: list[str] = []
	unavailable = []
	asked = len(sections)
	writing = start_early_inserts(company_gstin) if early and sections else None
	try:
		with closing(
			_section_records(
				client, list(sections), warnings.append, on_part=writing.add if writing else None
			)
		) as results:
			for index, (code, section_records, exc) in enumerate(results):
				if exc is not None:
					if code not in IMPORT_SECTIONS or isinstance(exc, AuthError | StopJob):
						raise exc
					# a GSP that does not serve Bills of Entry yet (or records in a shape not yet
					# seen: their keys are unverified): the other sections still count, and rows
					# of this section are not judged gone (it is left out of the upsert)
					sections.remove(code)
					unavailable.append({"section": code, "error": str(exc)})
				records.extend(section_records)
				if publish:
					frappe.publish_progress(
						(index + 1) * 80 / max(asked, 1),
						title=_("Downloading {0}").format(company_gstin),
						description=_("{0}: {1} records so far").format(code, len(records)),
					)
		result = (
			ingest(
				company_gstin,
				records,
				sections=sections,
				commit=commit,
				on_progress=_ingest_progress(company_gstin) if publish else None,
				early=writing,
			)
			if sections
			else {"unchanged": 0}
		)
	except BaseException:
		if writing is not None:
			writing.abandon()  # (after `settle`, it rolls back with the caller's transaction)
		raise
	if writing is not None:
		result["written_while_reading"] = writing.rows
	# a partial, explicit fetch did not look at the other sections: their last counts stay
	if counts is not None and not explicit:
		frappe.cache.set_value(COUNTS_KEY.format(company_gstin), counts)
	if full:
		# the time the counts were read: anything GSTN changed after that is for the next run
		frappe.cache.set_value(
			FULL_DOWNLOAD_KEY.format(company_gstin), str(started), expires_in_sec=30 * 24 * 3600
		)
	result["sections"] = sections
	result["full"] = full
	result["warnings"] = warnings[:100]
	result["warning_count"] = len(warnings)
	if unavailable:
		result["unavailable_sections"] = unavailable
	result["api_calls"] = getattr(client, "calls", 0)  # what this run cost at the GSP
	return result


def _section_records(client, sections: list[str], on_warning, *, on_part=None) -> Iterator[SectionRecords]:
	"""The client's `get_sections` (GSTN's waits for queued sections overlapped); a stand-in
	client that only has `get_records` is read one section at a time, with the same results
	(each section one part)."""
	if hasattr(client, "get_sections"):
		yield from client.get_sections(sections, on_warning=on_warning, on_part=on_part)
		return
	for code in sections:
		try:
			records = client.get_records(code, on_warning=on_warning)
		except (GstnError, IMSValidationError) as exc:
			yield SectionRecords(code, [], exc)
			continue
		if on_part is not None and records:
			on_part(code, records)
		yield SectionRecords(code, records, None)


def _ingest_progress(company_gstin: str):
	def publish(done: int, total: int) -> None:
		frappe.publish_progress(
			80 + done * 20 / max(total, 1),
			title=_("Downloading {0}").format(company_gstin),
			description=_("{0} of {1} records written").format(done, total),
		)

	return publish


def _section_counts(client) -> dict | None:
	"""Section code -> total records on GSTN, or None when the count call is not available."""
	try:
		counts = client.get_counts()
	except GstnError:
		return None
	if not counts.by_section:
		return None
	# per action, not just totals: a record accepted on the portal moves counts between actions
	return {
		code: {action.code: n for action, n in by_action.items()}
		for code, by_action in counts.by_section.items()
	}


def download_job(
	company_gstin: str,
	user: str | None = None,
	scheduled: bool = False,
	force: bool = False,
	commit: bool = True,
	ip_usr: str | None = None,
):
	"""Background entry point: run, notify (the user, or the Accounts Managers when scheduled),
	and reconcile afterwards when IMS Settings asks for it. A scheduled run is always a full
	download (see FULL_DOWNLOAD_MAX_AGE for why counts alone are not enough). `commit=False`
	(tests) leaves every write, the failure notice included, in the caller's transaction."""
	recipients = accounts_managers() if scheduled or not user else [user]
	try:
		client = make_client(company_gstin, ip_usr=ip_usr) if ip_usr else None
		result = download(
			company_gstin,
			publish=True,
			force=force or scheduled,
			commit=commit,
			client=client,
			early=commit and not frappe.flags.in_test,  # a background job: see `download`
		)
	except OtpRequired as exc:
		if commit:
			frappe.db.rollback()
		notify(
			recipients, _("IMS download for {0} needs an OTP").format(company_gstin), str(exc.message or exc)
		)
		if commit:
			frappe.db.commit()  # nosemgrep: the notification must survive the failed job
		return {"status": "OTP needed"}
	except StopJob as exc:
		# credits used up (HTTP 429), too many sessions (AUTH403) or the call cap: nothing of this
		# run was written (records are written only once every section is read)
		if commit:
			frappe.db.rollback()
		notify(
			recipients, _("IMS download for {0} stopped: {1}").format(company_gstin, exc.code), exc.message
		)
		if commit:
			frappe.db.commit()  # nosemgrep: the notification must survive the stopped job
		return {"status": "stopped", "code": exc.code, "message": exc.message}
	except GstnError as exc:
		if commit:
			frappe.db.rollback()
		notify(recipients, _("IMS download for {0} failed: {1}").format(company_gstin, exc.code), str(exc))
		if commit:
			frappe.db.commit()  # nosemgrep: batches already committed stay; the failure is recorded
		raise
	summary = _("IMS download for {0}: {1} new, {2} changed by supplier, {3} gone ({4} GSTN calls)").format(
		company_gstin,
		result.get("new", 0),
		result.get("changed_by_supplier", 0),
		result.get("gone", 0),
		result.get("api_calls", 0),
	)
	notify(recipients, summary, frappe.as_json(result))
	if frappe.db.get_single_value("IMS Settings", "reconcile_after_download"):
		from ims_compliance.core.periods import current_action_period
		from ims_compliance.services.reconcile import reconcile

		period = current_action_period(frappe.utils.getdate())
		reconcile(
			company_gstin,
			str(period.previous()),
			str(period),
			check_permission=False,
			parallel_bills=not frappe.flags.in_test,  # a background job: the runner commits
		)
	frappe.publish_realtime("ims_download_done", result, user=user or "Administrator")
	return result
