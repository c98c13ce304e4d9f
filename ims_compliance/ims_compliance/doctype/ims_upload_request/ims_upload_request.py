# Copyright (c) 2026, ims_compliance developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class IMSUploadRequest(Document):
	"""One SAVE / RESETIMS / GEN2B request to GSTN (issue 7). The upload job stores it, and
	links its rows to it, BEFORE sending, so after a crash we always know what may have reached
	GSTN: "Queued" was never sent, "Sending" may have been (outcome learnt by a download),
	"In Progress" has a reference id to poll. Written only by the upload service."""
