# Copyright (c) 2026, ims_compliance developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class IMSCompanyGSTIN(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		auto_download: DF.Check
		company: DF.Link
		download_time: DF.Time | None
		gstin: DF.Data
		gstn_username: DF.Data | None
		gstr3b_filed_upto: DF.Data | None
		is_qrmp: DF.Check
		last_auto_download_on: DF.Date | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
	# end: auto-generated types
	pass
