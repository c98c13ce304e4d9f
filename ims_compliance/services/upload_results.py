"""What GSTN's answer to an upload request does to its rows (issue 7), as a part of the upload
run (`services.upload._Run` mixes it in). P: every row tied to the request takes the action it
sent. PE: the rows GSTN names keep GSTN's old action and show its error, the rest take theirs;
a line naming no row we sent leaves the request to a download. ER: every row stays pending.
IMSSAV0010: those records are downloaded again before anyone sends them again. Each outcome
is logged in IMS Action Log with source "Upload Result"."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import Case
from frappe.utils import now_datetime

from ims_compliance.core.text import plain_text
from ims_compliance.doctype_names import supply_doctype, supply_table
from ims_compliance.gstn.payloads import RequestStatus
from ims_compliance.gstn.upload import SentRecord, match_errors
from ims_compliance.services.action_log import write_logs

REQUEST = "IMS Upload Request"
STATUS_NAMES = {"IP": "In Progress", "P": "Processed", "PE": "Processed with Errors", "ER": "Error"}


class RequestResults:
	"""Needs from the run: gstin, client, user, commit_enabled, result, set_request()."""

	def finish_from_gstn(self, request: str) -> int:
		"""After a download: a row whose GSTN action now equals what was sent got it; any other
		row goes back to pending (or needs nothing, when the action equals GSTN's)."""
		table = frappe.qb.DocType(supply_doctype())
		rows = frappe.get_all(
			supply_doctype(),
			filters={"upload_request": request},
			fields=["name", "action", "gstn_action", "sent_action"],
		)
		landed = [r for r in rows if r.gstn_action == r.sent_action]
		state = (
			Case()
			.when((table.gstn_action == table.sent_action) & (table.action == table.sent_action), "Uploaded")
			.when(table.action != table.gstn_action, "Pending Upload")
			.else_("")
		)
		(
			frappe.qb.update(table)
			.set(table.upload_state, state)
			.set(table.upload_request, None)
			.set(table.sent_action, "")
			.where(table.upload_request == request)
		).run()
		write_logs(
			[
				{
					"inward_supply": r.name,
					"from_action": r.sent_action,
					"to_action": r.gstn_action,
					"remarks": _("Upload request {0}: outcome read from GSTN's records").format(request),
				}
				for r in landed
			],
			source="Upload Result",
			user=self.user,
		)
		return len(rows)

	def apply(self, request: str, status: RequestStatus) -> None:
		rows = frappe.get_all(
			supply_doctype(),
			filters={"upload_request": request},
			fields=[
				"name",
				"section",
				"supplier_gstin",
				"document_number",
				"supplier_period",
				"gstn_action",
				"sent_action",
				"upload_state",
			],
		)
		values = {
			"status": STATUS_NAMES[status.status],
			"processed_count": status.processed,
			"error_count": status.errors,
			"completed_on": now_datetime(),
			"error_report": frappe.as_json(status.raw.get("error_report"))
			if status.raw.get("error_report")
			else None,
		}
		if status.status == "ER":
			error = status.raw.get("error")
			message = str((error.get("message") if isinstance(error, dict) else error) or "")
			message = message or _("GSTN could not process the request")
			self.fail_rows(request, f"ER: {message}")
			self.set_request(request, **values, gstn_error=message)
			self.result.failed += len(rows)
			return
		outcome = match_errors(
			[
				SentRecord(r.name, r.section, r.supplier_gstin or "", r.document_number, r.supplier_period)
				for r in rows
			],
			status,
		)
		failed = outcome.failed
		if outcome.unmatched:
			# GSTN refused something we cannot place: let its records decide for this request
			self.fail_named(failed)
			self.set_request(request, **{**values, "status": "Unknown"})
			self.result.failed += len(failed)
			self.result.messages.append(
				_("{0} errors of request {1} name no record we sent; reading GSTN's records").format(
					len(outcome.unmatched), request
				)
			)
			return
		self.fail_named(failed)
		ok = [r for r in rows if r.name not in failed]
		self.mark_landed(request, ok)
		self.set_request(request, **values)
		self.result.processed += len(ok)
		self.result.failed += len(failed)
		if outcome.resync:
			self.resync(outcome.resync)

	def mark_landed(self, request: str, rows: list[dict]) -> None:
		"""Every row still tied to the request (refused ones were detached first) got its action
		on GSTN. A row changed while GSTN was working goes again."""
		if not rows:
			return
		frappe.db.sql(
			f"""update {supply_table()} set gstn_action = sent_action,
			upload_state = case when upload_state = 'Uploading' then 'Uploaded'
				when action = sent_action and ifnull(upload_state, '') = '' then 'Uploaded'
				else 'Pending Upload' end,
			upload_error = null, upload_request = null, sent_action = ''
			where upload_request = %s""",
			request,
		)
		write_logs(
			[
				{
					"inward_supply": r.name,
					"from_action": r.gstn_action,
					"to_action": r.sent_action,
					"remarks": _("Taken by GSTN (request {0})").format(request),
				}
				for r in rows
			],
			source="Upload Result",
			user=self.user,
		)

	def fail_named(self, failed: dict) -> None:
		"""Refused rows keep GSTN's old action and show GSTN's error."""
		table = frappe.qb.DocType(supply_doctype())
		for name, error in failed.items():
			(
				frappe.qb.update(table)
				.set(
					table.upload_state,
					Case().when(table.upload_state == "Uploading", "Failed").else_(table.upload_state),
				)
				.set(
					table.upload_error, plain_text(f"{error.error_code}: {error.error_message}")
				)  # GSTN's text
				.set(table.upload_request, None)
				.set(table.sent_action, "")
				.where(table.name == name)
			).run()
		write_logs(
			[
				{
					"inward_supply": name,
					"remarks": plain_text(
						_("Refused by GSTN: {0}: {1}").format(error.error_code, error.error_message)
					),
				}
				for name, error in failed.items()
			],
			source="Upload Result",
			user=self.user,
		)

	def fail_rows(self, request: str, message: str) -> None:
		table = frappe.qb.DocType(supply_doctype())
		(
			frappe.qb.update(table)
			.set(
				table.upload_state,
				Case().when(table.upload_state == "Uploading", "Failed").else_(table.upload_state),
			)
			.set(table.upload_error, plain_text(message))
			.set(table.upload_request, None)
			.set(table.sent_action, "")
			.where(table.upload_request == request)
		).run()

	def resync(self, names: set[str]) -> None:
		"""IMSSAV0010: GSTN has another status or another version of these records. Download
		their sections again before anyone sends them again, and say so."""
		from ims_compliance.services.download import download

		sections = frappe.get_all(
			supply_doctype(), filters={"name": ("in", list(names))}, pluck="section", distinct=True
		)
		download(self.gstin, sections=sections, client=self.client, commit=self.commit_enabled)
		self.result.resynced += len(names)
		self.result.messages.append(
			_(
				"{0} records had changed on GSTN (IMSSAV0010); they were downloaded again. Check them and upload again."
			).format(len(names))
		)
