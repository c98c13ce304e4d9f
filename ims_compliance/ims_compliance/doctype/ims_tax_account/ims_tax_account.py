# Copyright (c) 2026, ims_compliance developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class IMSTaxAccount(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		account: DF.Link
		company: DF.Link
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		tax_head: DF.Literal["IGST", "CGST", "SGST", "Cess"]
	# end: auto-generated types
	pass
