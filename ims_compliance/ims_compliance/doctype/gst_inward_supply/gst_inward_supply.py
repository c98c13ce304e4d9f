# Copyright (c) 2026, ims_compliance developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model import no_value_fields
from frappe.model.document import Document
from frappe.utils import cint, cstr, flt, get_datetime, getdate

from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.gstin import check_gstin
from ims_compliance.core.periods import ReturnPeriod
from ims_compliance.core.records import AMOUNT_FIELDS, check_document_number, financial_year_of
from ims_compliance.core.sections import SECTIONS
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.writes import writing_service

#: Who changes which field (issue 14). Anything else is refused outside the services.
ACTION_FIELDS = (
	"action",
	"gstn_action",
	"upload_state",
	"upload_error",
	"upload_request",
	"sent_action",
	"itc_reduction_required",
	"declared_igst",
	"declared_cgst",
	"declared_sgst",
	"declared_cess",
	"remarks",
)
MATCH_FIELDS = (
	"match_status",
	"purchase_invoice",
	"match_score",
	"match_reasons",
	"purchase_taxable_value",
	"purchase_total_tax",
	"recommended_action",
	"needs_review",
)


class GSTInwardSupply(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		action: DF.Literal["No Action", "Accepted", "Rejected", "Pending"]
		cess: DF.Currency
		cgst: DF.Currency
		changed_by_supplier: DF.Check
		company: DF.Link
		company_gstin: DF.Data
		declared_cess: DF.Currency
		declared_cgst: DF.Currency
		declared_igst: DF.Currency
		declared_sgst: DF.Currency
		document_date: DF.Date
		document_number: DF.Data
		document_type: DF.Literal["Invoice", "Credit Note", "Debit Note", "Bill of Entry"]
		document_value: DF.Currency
		gstn_action: DF.Literal["No Action", "Accepted", "Rejected", "Pending"]
		gstn_hash: DF.Data | None
		igst: DF.Currency
		ims_key: DF.Data | None
		invoice_type: DF.Data | None
		is_gone: DF.Check
		itc_reduction_blocked: DF.Check
		itc_reduction_required: DF.Literal["", "Y", "N"]
		last_downloaded_on: DF.Datetime | None
		match_reasons: DF.JSON | None
		match_score: DF.Float
		match_status: DF.Literal[
			"Missing in PI", "Exact Match", "Suggested Match", "Mismatch", "Manual Match"
		]
		needs_review: DF.Check
		original_date: DF.Date | None
		original_inward_supply: DF.Link | None
		original_number: DF.Data | None
		parse_warnings: DF.SmallText | None
		pending_blocked: DF.Check
		place_of_supply: DF.Data | None
		port_code: DF.Data | None
		purchase_invoice: DF.Link | None
		purchase_net_total: DF.Currency
		purchase_taxable_value: DF.Currency
		purchase_total_tax: DF.Currency
		recommendation_reason: DF.Data | None
		recommended_action: DF.Literal["", "No Action", "Accepted", "Rejected", "Pending"]
		remarks: DF.SmallText | None
		remarks_blocked: DF.Check
		reverse_charge: DF.Check
		section: DF.Literal[
			"B2B", "B2BA", "CN", "CNA", "DN", "DNA", "ECOM", "ECOMA", "IMPG", "IMPGA", "IMPGSEZ", "IMPGSEZA"
		]
		sent_action: DF.Literal["", "No Action", "Accepted", "Rejected", "Pending"]
		sgst: DF.Currency
		source_form: DF.Literal["", "R1", "R1A", "IFF"]
		supplier: DF.Link | None
		supplier_filed: DF.Check
		supplier_gstin: DF.Data | None
		supplier_name: DF.Data | None
		supplier_period: DF.Data | None
		taxable_value: DF.Currency
		total_tax: DF.Currency
		upload_error: DF.SmallText | None
		upload_request: DF.Link | None
		upload_state: DF.Literal["", "Pending Upload", "Uploading", "Uploaded", "Failed"]
	# end: auto-generated types
	"""One supplier document as IMS shows it. Rows are written by the app's services only: the
	download (GSTN's values), the action service (actions, R7 answers, upload state) and the link
	service and reconciliation (pairings). Most of them write in bulk with SQL; one that uses the
	document API marks its writes with `services.writes.service_write`. Every other insert,
	change or delete (REST, desk form, frappe.client, bulk edit, Data Import) is refused here
	with the way to do it, so nothing reaches GSTN without the rules (issue 14). The remaining
	checks validate rows made by services through the document API."""

	def before_insert(self):
		if not writing_service():
			frappe.throw(
				_(
					"GST Inward Supplies come from GSTN only: use GSTN > Download from GSTN, or Import "
					"Portal File, on the GST Invoice Management System page."
				),
				frappe.PermissionError,
				title=_("Created by the Download Only"),
			)

	def before_validate(self):
		self.refuse_changes_outside_services()

	def on_update(self):
		if self.flags.ignore_validate:  # before_validate did not run: check before the commit
			self.refuse_changes_outside_services()

	def on_trash(self):
		"""Deleting is a System Manager's clean-up (a row still in IMS comes back with the next
		download, without its action log); nobody else deletes GSTN's records."""
		if writing_service() or "System Manager" in frappe.get_roles():
			return
		frappe.throw(
			_("GST Inward Supply {0} is GSTN's record; only a System Manager can delete it.").format(
				frappe.bold(self.name)
			),
			frappe.PermissionError,
			title=_("Not Permitted"),
		)

	def refuse_changes_outside_services(self):
		if self.is_new() or writing_service():
			return
		changed = self.changed_fields()
		if not changed:
			return
		labels = {f: _(self.meta.get_label(f)) for f in changed}
		ways = []
		actions = [labels[f] for f in changed if f in ACTION_FIELDS]
		matches = [labels[f] for f in changed if f in MATCH_FIELDS]
		gstn = [labels[f] for f in changed if f not in ACTION_FIELDS and f not in MATCH_FIELDS]
		if actions:
			ways.append(
				_(
					"{0} change only through Actions on the GST Invoice Management System page (or its "
					"Excel import), so the IMS rules (P1, R3-R7) apply and the change is logged."
				).format(", ".join(actions))
			)
		if matches:
			ways.append(
				_(
					"{0} change only through Link / Unlink Purchase Invoice in the record's detail dialog "
					"on the page, or through Reconcile."
				).format(", ".join(matches))
			)
		if gstn:
			ways.append(
				_(
					"{0} are GSTN's values: only a download from GSTN (or a GST portal file) changes them."
				).format(", ".join(gstn))
			)
		frappe.throw(
			"<br>".join(ways),  # labels from our own DocType, no data
			title=_("Changed Only by IMS Compliance"),
		)

	def changed_fields(self) -> list[str]:
		"""Fields whose value differs from the stored row, compared by type (a REST client sends
		"1000" for 1000.0 and "2025-10-05" for a date)."""
		before = self.get_doc_before_save()
		if before is None:
			before = frappe.db.get_value(self.doctype, self.name, "*", as_dict=True) or {}
		changed = []
		for df in self.meta.fields:
			if df.fieldtype in no_value_fields:
				continue
			if not _same_value(df.fieldtype, before.get(df.fieldname), self.get(df.fieldname)):
				changed.append(df.fieldname)
		return changed

	def validate(self):
		self.validate_gstins()
		self.set_supplier()
		self.validate_section()
		self.validate_document()
		self.validate_amounts()
		self.set_ims_key()
		self.validate_unique_key()

	def validate_gstins(self):
		for fieldname in ("company_gstin", "supplier_gstin"):
			if fieldname == "supplier_gstin" and not self.supplier_gstin and self.is_bill_of_entry():
				continue  # an import from abroad has no supplier GSTIN (IMPG)
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

	def is_bill_of_entry(self) -> bool:
		section = SECTIONS.get(self.section or "")
		return bool(section and section.is_import)

	def set_supplier(self):
		"""Resolve the ERPNext Supplier whose tax id is this GSTIN; keep GSTN's name otherwise."""
		if not self.supplier and self.supplier_gstin:
			self.supplier = frappe.db.get_value("Supplier", {"tax_id": self.supplier_gstin, "disabled": 0})
		if self.supplier and not self.supplier_name:
			self.supplier_name = frappe.db.get_value("Supplier", self.supplier, "supplier_name")

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
				self.supplier_gstin or "",
				number.upper(),
				financial_year_of(frappe.utils.getdate(day)),
			)
		)

	def validate_unique_key(self):
		existing = frappe.db.get_value(
			supply_doctype(), {"ims_key": self.ims_key, "name": ("!=", self.name)}, "name"
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
					frappe.get_desk_link(self.doctype, existing),
				),
				title=_("Duplicate Inward Supply"),
				exc=frappe.DuplicateEntryError,
			)


def _same_value(fieldtype: str, old, new) -> bool:
	try:
		if fieldtype in ("Currency", "Float", "Percent"):
			return abs(flt(old) - flt(new)) < 1e-9
		if fieldtype in ("Int", "Check"):
			return cint(old) == cint(new)
		if fieldtype == "Date":
			return (getdate(old) if old else None) == (getdate(new) if new else None)
		if fieldtype == "Datetime":
			return (get_datetime(old) if old else None) == (get_datetime(new) if new else None)
		if fieldtype == "JSON":
			return frappe.parse_json(old or "null") == frappe.parse_json(new or "null")
	except Exception:
		return False  # a value that does not even parse as its type is a change
	return cstr(old) == cstr(new)


def on_doctype_update():
	"""Composite indexes for the page at 100k records: the Document View's default order within a
	company GSTIN, and a covering index the summaries read without touching the rows."""
	frappe.db.add_index(
		supply_doctype(), ["company_gstin", "is_gone", "document_date", "name"], "ims_view_order"
	)
	frappe.db.add_index(
		supply_doctype(),
		[
			"company_gstin",
			"is_gone",
			"match_status",
			"action",
			"document_type",
			"taxable_value",
			"total_tax",
			"purchase_taxable_value",
			"purchase_total_tax",
			"purchase_invoice",
		],
		"ims_summary_cover",
	)
