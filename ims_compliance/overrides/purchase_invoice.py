"""What this app does when a Purchase Invoice is validated, submitted or cancelled."""

import frappe
from frappe import _

from ims_compliance import ic
from ims_compliance.core.gstin import normalise_gstin


def validate(doc, method=None):
	set_gstins(doc)


def on_submit(doc, method=None):
	"""Try to match the new Purchase Invoice (an amended one too) once it is committed."""
	company_gstin = doc.get("company_gstin")
	if not company_gstin or not frappe.db.exists(
		"IMS Company GSTIN", {"parent": "IMS Settings", "gstin": company_gstin}
	):
		return
	frappe.enqueue(
		"ims_compliance.services.reconcile.reconcile_for_invoice",
		queue="short",
		job_id=f"ims-reconcile-pi::{company_gstin}",
		deduplicate=True,
		enqueue_after_commit=True,
		now=frappe.flags.in_test,
		company_gstin=company_gstin,
		bill_date=str(doc.bill_date or doc.posting_date),
	)


def on_cancel(doc, method=None):
	"""P2: a cancelled Purchase Invoice no longer backs the supply it was linked to."""
	from ims_compliance.services.links import unlink_purchase_invoice

	unlink_purchase_invoice(doc.name, reason=_("Purchase Invoice {0} was cancelled (P2)").format(doc.name))


def set_gstins(doc):
	"""Default the GSTINs reconciliation keys on: the supplier's tax id and the company's only
	GSTIN configured in IMS Settings. A user-entered value is never overwritten. Where India
	Compliance is installed the fields are its own (taken from the addresses, and checked):
	we leave them to it (issue 16)."""
	if ic.is_installed():
		return
	if doc.meta.has_field("supplier_gstin"):
		if not doc.get("supplier_gstin") and doc.supplier:
			doc.supplier_gstin = frappe.db.get_value("Supplier", doc.supplier, "tax_id")
		if doc.get("supplier_gstin"):
			doc.supplier_gstin = normalise_gstin(doc.supplier_gstin)
	if doc.meta.has_field("company_gstin") and not doc.get("company_gstin") and doc.company:
		gstins = frappe.get_all(
			"IMS Company GSTIN",
			filters={"parent": "IMS Settings", "company": doc.company},
			pluck="gstin",
		)
		if len(set(gstins)) == 1:
			doc.company_gstin = gstins[0]
