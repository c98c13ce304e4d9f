# Copyright (c) 2026, ims_compliance developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class IMSUploadRequest(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		body_bytes: DF.Int
		company_gstin: DF.Data
		completed_on: DF.Datetime | None
		error_count: DF.Int
		error_report: DF.JSON | None
		gstn_error: DF.SmallText | None
		last_polled_on: DF.Datetime | None
		next_poll_on: DF.Datetime | None
		poll_count: DF.Int
		processed_count: DF.Int
		record_count: DF.Int
		reference_id: DF.Data | None
		request_type: DF.Literal["SAVE", "RESET", "GEN2B", "Offline Export"]
		requested_by: DF.Link | None
		result_summary: DF.JSON | None
		return_period: DF.Data | None
		sent_on: DF.Datetime | None
		status: DF.Literal[
			"Queued",
			"Sending",
			"In Progress",
			"Processed",
			"Processed with Errors",
			"Error",
			"Unknown",
			"Resolved by Download",
			"Failed",
		]
		upload_run: DF.Data | None
	# end: auto-generated types
	"""One SAVE / RESETIMS / GEN2B request to GSTN (issue 7). The upload job stores it, and
	links its rows to it, BEFORE sending, so after a crash we always know what may have reached
	GSTN: "Queued" was never sent, "Sending" may have been (outcome learnt by a download),
	"In Progress" has a reference id to poll. Written only by the upload service."""
