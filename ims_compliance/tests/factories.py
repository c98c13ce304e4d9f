"""Test data builders for the bench tier."""

import frappe

from ims_compliance.tests.fixtures import COMPANY_GSTIN, SUPPLIER_GSTINS, TEST_COMPANY


def make_inward_supply(**values):
	"""Insert one GST Inward Supply through its controller (validations run)."""
	doc = {
		"doctype": "GST Inward Supply",
		"company": TEST_COMPANY,
		"company_gstin": COMPANY_GSTIN,
		"supplier_gstin": SUPPLIER_GSTINS["IMS Supplier Alpha"],
		"section": "B2B",
		"document_number": "T-" + frappe.generate_hash(length=8),
		"document_date": "2025-10-05",
		"supplier_period": "102025",
		"taxable_value": 1000,
		"igst": 180,
	}
	doc.update(values)
	return frappe.get_doc(doc).insert(ignore_permissions=True)
