# Copyright (c) 2026, ims_compliance developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class IMSCompanyGSTIN(Document):
	pass
