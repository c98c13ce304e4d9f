"""What GSTN's answer to an upload request does to its rows (issue 7), as a part of the upload
run (`services.upload._Run` mixes it in). P: every row tied to the request takes the action it
sent. PE: the rows GSTN names keep GSTN's old action and show its error, the rest take theirs;
a line naming no row we sent leaves the request to a download. ER: every row stays pending.
IMSSAV0010: those records are downloaded again before anyone sends them again. Each outcome
is logged in IMS Action Log with source "Upload Result".

Set-based (issue 18): a request processed without errors is applied without reading its rows
(its log rows by one INSERT ... SELECT, its rows by one UPDATE); GSTN's error report is matched
against the few columns that identify a record; refused rows are written per error message."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import now_datetime

from ims_compliance.core.text import plain_text
from ims_compliance.doctype_names import supply_doctype, supply_table
from ims_compliance.gstn.payloads import RequestStatus
from ims_compliance.gstn.upload import RequestOutcome, SentRecord, match_errors
from ims_compliance.services.action_log import log_supplies, write_logs

REQUEST = "IMS Upload Request"
STATUS_NAMES = {"IP": "In Progress", "P": "Processed", "PE": "Processed with Errors", "ER": "Error"}


class RequestResults:
	"""Needs from the run: gstin, client, user, commit_enabled, result, set_request()."""

	def attached_count(self, request: str) -> int:
		return frappe.db.sql(f"select count(*) from {supply_table()} where upload_request = %s", request)[0][
			0
		]

	def finish_from_gstn(self, request: str) -> int:
		"""After a download: a row whose GSTN action now equals what was sent got it; any other
		row goes back to pending (or needs nothing, when the action equals GSTN's)."""
		count = self.attached_count(request)
		log_supplies(
			"s.upload_request = %(request)s and s.gstn_action = s.sent_action",
			{"request": request},
			from_column="sent_action",
			to_column="gstn_action",
			remarks=_("Upload request {0}: outcome read from GSTN's records").format(request),
			source="Upload Result",
			user=self.user,
		)
		frappe.db.sql(
			f"""update {supply_table()} set upload_state = case
				when gstn_action = sent_action and action = sent_action then 'Uploaded'
				when action != gstn_action then 'Pending Upload' else '' end,
			upload_request = null, sent_action = ''
			where upload_request = %s""",
			request,
		)
		return count

	def apply(self, request: str, status: RequestStatus) -> None:
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
			count = self.attached_count(request)
			self.fail_rows(request, f"ER: {message}")
			self.set_request(request, **values, gstn_error=message)
			self.result.failed += count
			return
		outcome = RequestOutcome()
		if status.record_errors or status.errors or status.status == "PE":
			sent = frappe.db.sql(
				f"""select name, section, supplier_gstin, document_number, supplier_period
				from {supply_table()} where upload_request = %s""",
				request,
			)
			outcome = match_errors(
				[
					SentRecord(name, section, gstin or "", number, period)
					for name, section, gstin, number, period in sent
				],
				status,
			)
		failed = outcome.failed
		if not outcome.complete:
			# GSTN refused something we cannot place: let its records decide for this request
			self.fail_named(failed)
			self.set_request(request, **{**values, "status": "Unknown"})
			self.result.failed += len(failed)
			if outcome.unmatched:
				message = _("{0} errors of request {1} name no record we sent; reading GSTN's records")
				self.result.messages.append(message.format(len(outcome.unmatched), request))
			if outcome.unreported:
				message = _(
					"GSTN counted {0} errors in request {1} that its error report does not name; reading GSTN's records"
				)
				self.result.messages.append(message.format(outcome.unreported, request))
			return
		self.fail_named(failed)
		landed = self.mark_landed(request)
		self.set_request(request, **values)
		self.result.processed += landed
		self.result.failed += len(failed)
		if outcome.resync:
			self.resync(outcome.resync)

	def mark_landed(self, request: str) -> int:
		"""Every row still tied to the request (refused ones were detached first) got its action
		on GSTN: logged, then written, without reading the rows. A row changed while GSTN was
		working goes again."""
		landed = log_supplies(
			"s.upload_request = %(request)s",
			{"request": request},
			from_column="gstn_action",
			to_column="sent_action",
			remarks=_("Taken by GSTN (request {0})").format(request),
			source="Upload Result",
			user=self.user,
		)
		if landed:
			frappe.db.sql(
				f"""update {supply_table()} set gstn_action = sent_action,
				upload_state = case when upload_state = 'Uploading' then 'Uploaded'
					when action = sent_action and ifnull(upload_state, '') = '' then 'Uploaded'
					else 'Pending Upload' end,
				upload_error = null, upload_request = null, sent_action = ''
				where upload_request = %s""",
				request,
			)
		return landed

	def fail_named(self, failed: dict) -> None:
		"""Refused rows keep GSTN's old action and show GSTN's error: one UPDATE per error text."""
		by_error: dict[str, list[str]] = {}
		for name, error in failed.items():
			text = plain_text(f"{error.error_code}: {error.error_message}")  # GSTN's text
			by_error.setdefault(text, []).append(name)
		for text, names in by_error.items():
			names.sort()
			for start in range(0, len(names), 5000):
				frappe.db.sql(
					f"""update {supply_table()} set
					upload_state = case when upload_state = 'Uploading' then 'Failed' else upload_state end,
					upload_error = %(error)s, upload_request = null, sent_action = ''
					where name in %(names)s""",
					{"error": text, "names": tuple(names[start : start + 5000])},
				)
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
		frappe.db.sql(
			f"""update {supply_table()} set
			upload_state = case when upload_state = 'Uploading' then 'Failed' else upload_state end,
			upload_error = %(error)s, upload_request = null, sent_action = ''
			where upload_request = %(request)s""",
			{"error": plain_text(message), "request": request},
		)

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
