"""Whitelisted methods the page calls. Thin: check permission, delegate to services."""

from __future__ import annotations

import frappe
from frappe import _

from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services import actions, queries


def _can_read():
	frappe.has_permission(supply_doctype(), "read", throw=True)


def _gstin_permitted(company_gstin: str) -> None:
	"""A company GSTIN's downloads, uploads and summaries belong to its Company: a user whose
	User Permissions exclude that Company may not touch them (issue 14)."""
	company = frappe.db.get_value(
		"IMS Company GSTIN", {"parent": "IMS Settings", "gstin": company_gstin}, "company"
	)
	if company and not frappe.has_permission("Company", "read", doc=company):
		frappe.throw(
			_("You may not work with company GSTIN {0}.").format(
				frappe.bold(frappe.utils.escape_html(company_gstin))
			),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)


@frappe.whitelist()
def get_document_view(
	filters: dict | str | None = None,
	start: int | str = 0,
	page_length: int | str = 50,
	sort_by: str | None = None,
	sort_order: str | None = None,
	after: str | list | None = None,
) -> dict:
	"""A page of records; pass the previous page's `next` as `after` to read the following page
	by keyset (fast at any depth) rather than by `start` alone."""
	_can_read()
	return queries.document_view(
		filters,
		start=_whole_number(start, "start"),
		page_length=_whole_number(page_length, "page_length"),
		sort_by=sort_by,
		sort_order=sort_order,
		after=after,
	)


def _whole_number(value, name: str) -> int:
	"""A paging argument; `start=abc` is the caller's mistake (417 with a message), not a 500."""
	try:
		number = int(str(value if value not in (None, "") else 0).strip())
	except ValueError:
		frappe.throw(_("{0} must be a whole number").format(name), title=_("Invalid Argument"))
	if number < 0:
		frappe.throw(_("{0} cannot be negative").format(name), title=_("Invalid Argument"))
	return number


@frappe.whitelist()
def get_match_summary(filters: dict | str | None = None) -> list[dict]:
	_can_read()
	return queries.match_summary(filters)


@frappe.whitelist()
def get_actions_summary(filters: dict | str | None = None) -> dict:
	_can_read()
	return queries.actions_summary(filters)


@frappe.whitelist()
def get_action_totals(filters: dict | str | None = None) -> list[dict]:
	_can_read()
	return queries.action_totals(filters)


def _names_arg(names) -> list[str] | None:
	if isinstance(names, str):
		names = frappe.parse_json(names) if names.strip().startswith("[") else [names]
	return list(names) if names else None


@frappe.whitelist(methods=["POST"])
def apply_action(
	action: str,
	names: list | str | None = None,
	filters: dict | str | None = None,
	supplier_gstin: str | None = None,
	itc_reduction_required: str | None = None,
	declared_igst: float | None = None,
	declared_cgst: float | None = None,
	declared_sgst: float | None = None,
	declared_cess: float | None = None,
	remarks: str | None = None,
) -> dict:
	"""Set an action on a selection (`names`), all records of one supplier (`supplier_gstin`,
	within `filters`), or every record matching `filters`. Returns applied/unchanged counts and
	each refused record with the rule that refused it."""
	frappe.has_permission(supply_doctype(), "write", throw=True)
	request = actions.make_request(
		action,
		itc_reduction_required=itc_reduction_required,
		declared_igst=declared_igst,
		declared_cgst=declared_cgst,
		declared_sgst=declared_sgst,
		declared_cess=declared_cess,
		remarks=remarks,
	)
	selected = _names_arg(names)
	if not selected and not filters and not supplier_gstin:
		frappe.throw(_("Select records, a supplier or a filter to act on."), title=_("Nothing Selected"))
	targets = actions.resolve_names(names=selected, filters=filters, supplier_gstin=supplier_gstin)
	source = "User" if selected and len(selected) == 1 else "Bulk"
	return actions.apply_action(request, targets, source=source).as_dict()


@frappe.whitelist()
def get_allowed_actions(name: str) -> dict:
	"""For the detail dialog: each action with the rule that disables it (None = allowed)."""
	frappe.has_permission(supply_doctype(), "read", doc=name, throw=True)
	return actions.allowed_actions_for(name)


@frappe.whitelist(methods=["POST"])
def apply_recommendations(
	filters: dict | str | None = None,
	dry_run: bool | int | str = 1,
	include_after_review: bool | int | str = 0,
) -> dict:
	"""P4: move the filtered records to their recommended actions (dry run by default). "Accept
	after review" records move only with `include_after_review` (the user ticks it)."""
	from ims_compliance.services.recommendations import apply_recommendations as apply

	frappe.has_permission(supply_doctype(), "write", throw=True)
	return apply(
		filters,
		dry_run=frappe.utils.cint(dry_run) == 1,
		include_after_review=frappe.utils.cint(include_after_review) == 1,
	)


@frappe.whitelist()
def get_record_detail(name: str) -> dict:
	frappe.has_permission(supply_doctype(), "read", doc=name, throw=True)
	return queries.record_detail(name)


@frappe.whitelist(methods=["POST"])
def link_purchase_invoice(
	name: str,
	purchase_invoice: str,
	confirm_other_gstin: bool | int | str = 0,
	reason: str | None = None,
) -> dict:
	"""Manual Match. A Purchase Invoice under another GSTIN of the supplier's PAN needs
	`confirm_other_gstin` and a `reason` (logged)."""
	from ims_compliance.services.links import link

	return link(
		name,
		purchase_invoice,
		confirm_other_gstin=frappe.utils.cint(confirm_other_gstin) == 1,
		reason=reason,
	)


@frappe.whitelist(methods=["POST"])
def unlink_purchase_invoice(name: str) -> dict:
	from ims_compliance.services.links import unlink

	return unlink(name)


def _send_workbook(content: bytes, filename: str) -> None:
	frappe.response["filename"] = filename
	frappe.response["filecontent"] = content
	frappe.response["type"] = "binary"


@frappe.whitelist()
def download_action_template(filters: dict | str | None = None) -> None:
	from ims_compliance.services.excel import action_template

	_send_workbook(action_template(filters), "ims-action-template.xlsx")


@frappe.whitelist()
def export_document_view(filters: dict | str | None = None) -> None:
	from ims_compliance.services.excel import export

	_send_workbook(export(filters), "gst-inward-supplies.xlsx")


@frappe.whitelist(methods=["POST"])
def import_actions(file_url: str) -> dict:
	from ims_compliance.services.excel import enqueue_or_import

	frappe.has_permission(supply_doctype(), "write", throw=True)
	return enqueue_or_import(file_url)


@frappe.whitelist(methods=["POST"])
def reconcile(company_gstin: str, from_period: str, to_period: str | None = None) -> dict:
	"""Queue a reconciliation of one company GSTIN over a period range (one job per GSTIN)."""
	from ims_compliance.services.reconcile import enqueue_reconcile

	frappe.has_permission(supply_doctype(), "write", throw=True)
	_gstin_permitted(company_gstin)
	return enqueue_reconcile(company_gstin, from_period, to_period)


#: The jobs this app queues (download, upload, GEN2B, reconcile, Excel import): their ids.
JOB_PREFIXES = ("ims-download::", "ims-upload::", "ims-gen2b::", "ims-reconcile::", "ims-excel-import::")


@frappe.whitelist()
def get_job_status(job_id: str) -> dict:
	"""Is one of this app's jobs still queued or running? The page asks every few seconds when
	realtime (socket.io) is not connected (`bench serve` + `bench worker`, no `bench start`), so it
	still refreshes when the job is done. Only this app's job ids: nobody reads others' jobs."""
	from frappe.utils.background_jobs import get_job_status as rq_status

	_can_read()
	if not isinstance(job_id, str) or not job_id.startswith(JOB_PREFIXES):
		frappe.throw(_("Not a job of this app: {0}").format(job_id), title=_("Unknown Job"))
	status = rq_status(job_id)
	state = getattr(status, "value", status)  # an RQ JobStatus, or None once RQ forgot it
	return {
		"job_id": job_id,
		"status": state,
		"running": state in ("queued", "started", "deferred", "scheduled"),
	}


@frappe.whitelist()
def get_page_state() -> dict:
	"""What the page needs to explain an empty or unconfigured state instead of showing zeros."""
	_can_read()
	from ims_compliance.services.connection import MODES, CacheSessionStore, connection_mode
	from ims_compliance.services.queries import permitted_count

	gstins = [
		row
		for row in frappe.get_all(
			"IMS Company GSTIN",
			filters={"parent": "IMS Settings"},
			fields=["company", "gstin"],
			order_by="idx",
		)
		if frappe.has_permission("Company", "read", doc=row.company)
	]
	mode = connection_mode()
	for row in gstins:
		# API connections only: is there a live GSTN session (else the page offers an OTP)?
		session = (CacheSessionStore(row.gstin).load() or {}) if mode in MODES else None
		row["session"] = bool(session.get("auth_token")) if session is not None else None
	return {
		"company_gstins": gstins,
		"records": permitted_count([]),
		"connection_mode": mode,
		"can_configure": frappe.has_permission("IMS Settings", "write"),
	}


@frappe.whitelist(methods=["POST"])
def import_portal_file(file_url: str, company_gstin: str, confirm_gstin: bool | int | str = 0) -> dict:
	"""Upsert the records of a GST portal IMS JSON file (for users without API access) and
	reconcile them. A file that names no GSTIN needs `confirm_gstin` (the page asks the user)."""
	from ims_compliance.services.excel import file_content
	from ims_compliance.services.portal_file import import_portal_file as run

	frappe.has_permission(supply_doctype(), "write", throw=True)
	_gstin_permitted(company_gstin)
	return run(file_content(file_url), company_gstin, confirm_gstin=frappe.utils.cint(confirm_gstin) == 1)


@frappe.whitelist(methods=["POST"])
def request_otp(company_gstin: str) -> dict:
	"""Ask GSTN to send the OTP for this GSTIN's username (the sandbox documents a fixed one)."""
	from ims_compliance.gstn.errors import GstnError
	from ims_compliance.services.connection import make_client

	frappe.has_permission(supply_doctype(), "write", throw=True)
	_gstin_permitted(company_gstin)
	try:
		make_client(company_gstin).request_otp()
	except GstnError as exc:
		# e.g. an expired GSTN certificate or TEC4002: the message says what to update
		frappe.throw(_("GSTN refused the OTP request: {0}").format(exc.message), title=_("OTP Not Sent"))
	return {"requested": True}


@frappe.whitelist(methods=["POST"])
def submit_otp(company_gstin: str, otp: str) -> dict:
	from ims_compliance.gstn.errors import GstnError
	from ims_compliance.services.connection import make_client

	frappe.has_permission(supply_doctype(), "write", throw=True)
	_gstin_permitted(company_gstin)
	try:
		make_client(company_gstin).authenticate(otp)
	except GstnError as exc:
		frappe.throw(_("GSTN refused the OTP: {0}").format(exc), title=_("OTP Refused"))
	return {"authenticated": True}


@frappe.whitelist(methods=["POST"])
def test_gstn_connection(company_gstin: str, otp: str | None = None) -> dict:
	"""IMS Settings' Test Connection button: GSTN's (or the GSP's) answer, verbatim."""
	from ims_compliance.services.connection import test_connection

	frappe.has_permission("IMS Settings", "write", throw=True)
	return test_connection(company_gstin, otp=(otp or "").strip() or None)


@frappe.whitelist(methods=["POST"])
def download_from_gstn(company_gstin: str, force: bool | int | str = 0) -> dict:
	"""Queue the download of every IMS section for this GSTIN (one job per GSTIN at a time).
	`force` reads every section even where GSTN's counts did not move."""
	from ims_compliance.services.connection import make_client
	from ims_compliance.services.download import enqueue_download

	frappe.has_permission(supply_doctype(), "write", throw=True)
	_gstin_permitted(company_gstin)
	if not make_client(company_gstin).has_session:
		return {"queued": False, "otp_needed": True}
	return enqueue_download(company_gstin, force=frappe.utils.cint(force) == 1)


def _can_send_to_gstn() -> None:
	"""What reaches GSTN (upload, GSTR-2B recompute) is an Accounts Manager's call (README)."""
	frappe.has_permission(supply_doctype(), "write", throw=True)
	# not frappe.only_for: it lets everyone through while tests run, so it could not be tested
	if not {"Accounts Manager", "System Manager"} & set(frappe.get_roles()):
		frappe.throw(
			_("Only an Accounts Manager can send actions to GSTN."),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)


def _known_gstin(company_gstin: str) -> None:
	if not frappe.db.exists("IMS Company GSTIN", {"parent": "IMS Settings", "gstin": company_gstin}):
		frappe.throw(
			_("Company GSTIN {0} is not configured in IMS Settings").format(
				frappe.bold(frappe.utils.escape_html(company_gstin))
			),
			title=_("Unknown GSTIN"),
		)
	_gstin_permitted(company_gstin)


@frappe.whitelist()
def get_upload_summary(company_gstin: str) -> dict:
	"""What "Upload to GSTN" would send (by action), failed rows, and requests still open."""
	from ims_compliance.services.connection import connection_mode
	from ims_compliance.services.upload import upload_summary

	_can_read()
	_known_gstin(company_gstin)
	return {**upload_summary(company_gstin), "connection_mode": connection_mode()}


@frappe.whitelist(methods=["POST"])
def upload_to_gstn(company_gstin: str) -> dict:
	"""Queue the upload of every pending action of this GSTIN (one job per GSTIN at a time).
	Records GSTN refused last time ("Failed") go again: this is also "upload again"."""
	from ims_compliance.services.connection import connection_mode, make_client
	from ims_compliance.services.upload import enqueue_upload

	_can_send_to_gstn()
	_known_gstin(company_gstin)
	if connection_mode() == "Offline File":
		return {"queued": False, "offline": True}
	if not make_client(company_gstin).has_session:
		return {"queued": False, "otp_needed": True}
	return enqueue_upload(company_gstin)


@frappe.whitelist(methods=["POST"])
def download_offline_upload_file(company_gstin: str) -> None:
	"""The pending actions as the GST portal's offline-tool upload JSON (a zip when they need
	more than one 4 MB file). The rows stay pending until a portal file shows GSTN has them.
	POST only: it records the export as an IMS Upload Request, so a link on another site must not
	trigger it (the page posts a form, which the browser saves as a file)."""
	import io
	import json
	import zipfile

	from ims_compliance.services.upload import offline_upload_files

	_can_send_to_gstn()
	_known_gstin(company_gstin)
	files, count = offline_upload_files(company_gstin)
	if not count:
		frappe.throw(
			_("Nothing is pending upload for {0}.").format(company_gstin), title=_("Nothing to Upload")
		)
	texts = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in files]
	frappe.local.flags.commit = True  # the export is recorded in IMS Upload Request
	if len(texts) == 1:
		frappe.response["filename"] = f"ims-upload-{company_gstin}.json"
		frappe.response["filecontent"] = texts[0].encode()
	else:
		buffer = io.BytesIO()
		with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
			for index, text in enumerate(texts, 1):
				archive.writestr(f"ims-upload-{company_gstin}-{index}.json", text)
		frappe.response["filename"] = f"ims-upload-{company_gstin}.zip"
		frappe.response["filecontent"] = buffer.getvalue()
	frappe.response["type"] = "binary"


@frappe.whitelist(methods=["POST"])
def recompute_gstr2b(company_gstin: str, period: str | None = None) -> dict:
	"""Queue GEN2B for the period (default: the GSTR-2B being prepared), R8."""
	from ims_compliance.services.connection import make_client
	from ims_compliance.services.gstr2b import enqueue_recompute_2b

	_can_send_to_gstn()
	_known_gstin(company_gstin)
	if not make_client(company_gstin).has_session:
		return {"queued": False, "otp_needed": True}
	return enqueue_recompute_2b(company_gstin, period)
