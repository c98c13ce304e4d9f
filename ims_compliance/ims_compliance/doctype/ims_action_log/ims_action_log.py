# Copyright (c) 2026, ims_compliance developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class IMSActionLog(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		changed_values: DF.JSON | None
		company_gstin: DF.Data | None
		document_number: DF.Data | None
		from_action: DF.Literal["", "No Action", "Accepted", "Rejected", "Pending"]
		inward_supply: DF.Link
		remarks: DF.SmallText | None
		source: DF.Literal[
			"User",
			"Bulk",
			"Excel",
			"Recommendation",
			"Automatic Revert",
			"GSTN Download",
			"Upload Result",
			"Supplier Change",
			"Link",
			"Unlink",
		]
		supplier_gstin: DF.Data | None
		supplier_name: DF.Data | None
		timestamp: DF.Datetime
		to_action: DF.Literal["", "No Action", "Accepted", "Rejected", "Pending"]
		user: DF.Link | None
	# end: auto-generated types
	"""Append-only audit trail of IMS actions (P3). Rows are written by the action service in the
	same transaction as the change; no role has write or delete permission, and these guards stop
	even Administrator or server code from editing or deleting a row through the ORM."""

	def before_insert(self):
		"""The record's number, supplier and GSTINs, so the list and the form say which record
		this is (the bulk writer copies them the same way: services.action_log)."""
		from ims_compliance.doctype_names import supply_doctype
		from ims_compliance.services.action_log import RECORD_FIELDS

		if self.inward_supply and not self.document_number:
			values = frappe.db.get_value(supply_doctype(), self.inward_supply, RECORD_FIELDS, as_dict=True)
			self.update(values or {})

	def validate(self):
		if not self.is_new():
			frappe.throw(
				_("IMS Action Log {0} cannot be changed (P3: the log is append-only).").format(self.name),
				title=_("Not Allowed"),
				exc=frappe.PermissionError,
			)
		if not self.timestamp:
			self.timestamp = frappe.utils.now_datetime()
		if not self.user:
			self.user = frappe.session.user

	def on_trash(self):
		if not frappe.flags.in_uninstall:
			frappe.throw(
				_("IMS Action Log {0} cannot be deleted (P3: the log is append-only).").format(self.name),
				title=_("Not Allowed"),
				exc=frappe.PermissionError,
			)
