# Copyright (c) 2026, ims_compliance developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.gstin import check_gstin
from ims_compliance.core.periods import ReturnPeriod
from ims_compliance.core.records import AMOUNT_FIELDS, check_document_number, financial_year_of
from ims_compliance.core.sections import SECTIONS


class GSTInwardSupply(Document):
	"""One supplier document as IMS shows it. Rows are normally written in bulk by the download
	(which validates with the same core functions); this controller guards rows made by hand,
	through the REST API or by tests, so bad data is refused with the field named."""

	def validate(self):
		self.validate_gstins()
		self.validate_section()
		self.validate_document()
		self.validate_amounts()
		self.set_ims_key()
		self.validate_unique_key()

	def validate_gstins(self):
		for fieldname in ("company_gstin", "supplier_gstin"):
			try:
				result = check_gstin(self.get(fieldname), field=fieldname)
			except IMSValidationError as exc:
				frappe.throw(
					_("{0}: {1}").format(_(self.meta.get_label(fieldname)), exc.message),
					title=_("Invalid GSTIN"),
				)
			self.set(fieldname, result.gstin)
			if result.warning:
				frappe.msgprint(result.warning, indicator="orange", alert=True)

	def validate_section(self):
		section = SECTIONS.get(self.section or "")
		if not section:
			frappe.throw(
				_("Section: {0} is not an IMS section (expected one of {1})").format(
					frappe.bold(self.section or ""), ", ".join(SECTIONS)
				),
				title=_("Unknown Section"),
			)
		self.document_type = section.document_type

	def validate_document(self):
		try:
			self.document_number = check_document_number(self.document_number, field="document_number")
			if self.supplier_period:
				self.supplier_period = str(ReturnPeriod.parse(self.supplier_period, field="supplier_period"))
		except IMSValidationError as exc:
			frappe.throw(
				_("{0}: {1}").format(_(self.meta.get_label(exc.field)), exc.message),
				title=_("Invalid Document"),
			)

	def validate_amounts(self):
		for fieldname in (*AMOUNT_FIELDS, "declared_igst", "declared_cgst", "declared_sgst", "declared_cess"):
			if (self.get(fieldname) or 0) < 0:
				frappe.throw(
					_("{0} cannot be negative (got {1})").format(
						_(self.meta.get_label(fieldname)), self.get(fieldname)
					),
					title=_("Invalid Amount"),
				)
		self.total_tax = sum((self.get(f) or 0) for f in ("igst", "cgst", "sgst", "cess"))

	def set_ims_key(self):
		section = SECTIONS[self.section]
		number, day = self.document_number, self.document_date
		if section.is_amendment and self.original_number and self.original_date:
			number, day = self.original_number, self.original_date
		self.ims_key = "|".join(
			(
				self.company_gstin,
				self.section,
				self.supplier_gstin,
				number.upper(),
				financial_year_of(frappe.utils.getdate(day)),
			)
		)

	def validate_unique_key(self):
		existing = frappe.db.get_value(
			"GST Inward Supply", {"ims_key": self.ims_key, "name": ("!=", self.name)}, "name"
		)
		if existing:
			frappe.throw(
				_(
					"{0} {1} of supplier {2} for company GSTIN {3} is already recorded as {4}: one supplier document is one row."
				).format(
					_(self.section),
					frappe.bold(self.document_number),
					self.supplier_gstin,
					self.company_gstin,
					frappe.get_desk_link("GST Inward Supply", existing),
				),
				title=_("Duplicate Inward Supply"),
				exc=frappe.DuplicateEntryError,
			)
