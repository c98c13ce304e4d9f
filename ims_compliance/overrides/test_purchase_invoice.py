import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance import ic
from ims_compliance.overrides.purchase_invoice import set_gstins
from ims_compliance.tests.fixtures import COMPANY_GSTIN, COMPANY_GSTIN_2, SUPPLIER_GSTINS, TEST_COMPANY


class TestPurchaseInvoiceGSTINs(FrappeTestCase):
	def test_hook_is_registered(self):
		hooks = frappe.get_hooks("doc_events")["Purchase Invoice"]["validate"]
		self.assertIn("ims_compliance.overrides.purchase_invoice.validate", hooks)

	def test_with_india_compliance_its_gstin_fields_are_left_to_it(self):
		"""Issue 16: IC takes them from the addresses and checks them; we never write them."""
		if not ic.is_installed():
			self.skipTest("India Compliance is not installed on this site")
		doc = frappe.new_doc("Purchase Invoice")
		doc.supplier = "IMS Supplier Beta"
		doc.company = TEST_COMPANY
		doc.supplier_gstin = " lower-case, untouched "
		set_gstins(doc)
		self.assertEqual(doc.supplier_gstin, " lower-case, untouched ")
		self.assertFalse(doc.company_gstin)

	def only_without_ic(self):
		if ic.is_installed():
			self.skipTest("India Compliance fills these fields on this site (issue 16)")

	def test_supplier_gstin_defaults_from_the_suppliers_tax_id(self):
		self.only_without_ic()
		doc = frappe.new_doc("Purchase Invoice")
		doc.supplier = "IMS Supplier Beta"
		doc.company = TEST_COMPANY
		set_gstins(doc)
		self.assertEqual(doc.supplier_gstin, SUPPLIER_GSTINS["IMS Supplier Beta"])

	def test_user_entered_supplier_gstin_is_kept_and_normalised(self):
		self.only_without_ic()
		doc = frappe.new_doc("Purchase Invoice")
		doc.supplier = "IMS Supplier Beta"
		doc.supplier_gstin = " 07aabcg3333c1z" + SUPPLIER_GSTINS["IMS Supplier Gamma"][-1].lower()
		set_gstins(doc)
		self.assertEqual(doc.supplier_gstin, SUPPLIER_GSTINS["IMS Supplier Gamma"])

	def test_company_gstin_defaults_only_when_unambiguous(self):
		self.only_without_ic()
		doc = frappe.new_doc("Purchase Invoice")
		doc.company = TEST_COMPANY
		set_gstins(doc)  # the test company has two GSTINs configured: no guess
		self.assertFalse(doc.company_gstin)

		settings = frappe.get_single("IMS Settings")
		settings.company_gstins = [row for row in settings.company_gstins if row.gstin != COMPANY_GSTIN_2]
		settings.save()
		doc = frappe.new_doc("Purchase Invoice")
		doc.company = TEST_COMPANY
		set_gstins(doc)
		self.assertEqual(doc.company_gstin, COMPANY_GSTIN)
		frappe.db.rollback()
