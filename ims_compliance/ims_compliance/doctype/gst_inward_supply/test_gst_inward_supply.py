# Copyright (c) 2026, ims_compliance developers and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.writes import service_write
from ims_compliance.tests.fixtures import COMPANY_GSTIN, SUPPLIER_GSTINS, TEST_COMPANY

test_ignore = ["Purchase Invoice"]


def inward_supply(**overrides):
	values = {
		"doctype": supply_doctype(),
		"company": TEST_COMPANY,
		"company_gstin": COMPANY_GSTIN,
		"supplier_gstin": SUPPLIER_GSTINS["IMS Supplier Alpha"],
		"section": "B2B",
		"document_number": "INV/25-26/001",
		"document_date": "2025-10-05",
		"supplier_period": "102025",
		"taxable_value": 1000,
		"igst": 180,
	}
	values.update(overrides)
	return frappe.get_doc(values)


class TestGSTInwardSupply(FrappeTestCase):
	"""The controller's checks of rows a service writes through the document API."""

	def setUp(self):
		self.enterContext(service_write("test"))

	def test_valid_record_gets_type_key_and_total(self):
		doc = inward_supply(section="CN", document_number="CN-7", cgst=9, sgst=9, igst=0).insert()
		self.assertEqual(doc.document_type, "Credit Note")
		self.assertEqual(doc.total_tax, 18)
		self.assertEqual(doc.ims_key, f"{COMPANY_GSTIN}|CN|{doc.supplier_gstin}|CN-7|2025-26")
		self.assertEqual(doc.action, "No Action")
		self.assertEqual(doc.match_status, "Missing in PI")

	def test_supplier_is_resolved_from_gstin(self):
		doc = inward_supply(document_number="SUP-1").insert()
		self.assertEqual(doc.supplier, "IMS Supplier Alpha")
		self.assertEqual(doc.supplier_name, "IMS Supplier Alpha")
		unknown = inward_supply(
			document_number="SUP-2", supplier_gstin="27AAPFU0939F1ZV", supplier_name="GSTN Name"
		)
		unknown.insert()
		self.assertFalse(unknown.supplier)
		self.assertEqual(unknown.supplier_name, "GSTN Name")

	def test_malformed_gstin_names_the_field(self):
		with self.assertRaisesRegex(frappe.ValidationError, "Supplier GSTIN.*pattern"):
			inward_supply(supplier_gstin="27AAPF10939F1ZV").insert()
		with self.assertRaisesRegex(frappe.ValidationError, "Company GSTIN.*15 characters"):
			inward_supply(company_gstin="27AAACI1234K1Z").insert()

	def test_unknown_section_names_the_field(self):
		with self.assertRaisesRegex(frappe.ValidationError, "Section"):
			inward_supply(section="B2C").insert()

	def test_negative_amount_names_the_field(self):
		with self.assertRaisesRegex(frappe.ValidationError, "Taxable Value cannot be negative"):
			inward_supply(taxable_value=-5).insert()
		with self.assertRaisesRegex(frappe.ValidationError, "Cess cannot be negative"):
			inward_supply(cess=-0.01).insert()

	def test_bad_document_number_names_the_field(self):
		with self.assertRaisesRegex(frappe.ValidationError, "Document Number"):
			inward_supply(document_number="INV 001 WITH SPACES").insert()

	def test_duplicate_natural_key_is_refused_clearly(self):
		inward_supply(document_number="DUP-1").insert()
		with self.assertRaisesRegex(frappe.DuplicateEntryError, "(?i)dup-1.*already recorded"):
			inward_supply(document_number="dup-1", document_date="2025-11-01").insert()

	def test_same_number_next_financial_year_is_a_different_document(self):
		inward_supply(document_number="FY-1").insert()
		other = inward_supply(document_number="FY-1", document_date="2026-04-02").insert()
		self.assertTrue(other.ims_key.endswith("|2026-27"))

	def test_amendment_is_keyed_by_its_original(self):
		doc = inward_supply(
			section="B2BA",
			document_number="INV-9R",
			original_number="INV-9",
			original_date="2025-09-30",
		).insert()
		self.assertIn("|B2BA|", doc.ims_key)
		self.assertIn("|INV-9|2025-26", doc.ims_key)
