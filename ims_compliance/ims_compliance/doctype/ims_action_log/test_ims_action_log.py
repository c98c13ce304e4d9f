# Copyright (c) 2026, ims_compliance developers and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.writes import service_write
from ims_compliance.tests.fixtures import ACCOUNTS_MANAGER, COMPANY_GSTIN, SUPPLIER_GSTINS, TEST_COMPANY

test_ignore = ["Purchase Invoice"]


class TestIMSActionLog(FrappeTestCase):
	def setUp(self):
		frappe.set_user("Administrator")
		with service_write("test"):  # rows come from the download only (issue 14)
			supply = frappe.get_doc(
				{
					"doctype": supply_doctype(),
					"company": TEST_COMPANY,
					"company_gstin": COMPANY_GSTIN,
					"supplier_gstin": SUPPLIER_GSTINS["IMS Supplier Beta"],
					"section": "B2B",
					"document_number": frappe.generate_hash(length=10),
					"document_date": "2025-10-10",
				}
			).insert()
		self.log = frappe.get_doc(
			{
				"doctype": "IMS Action Log",
				"inward_supply": supply.name,
				"from_action": "No Action",
				"to_action": "Accepted",
				"source": "User",
			}
		).insert(ignore_permissions=True)

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_new_row_records_user_and_time(self):
		self.assertEqual(self.log.user, "Administrator")
		self.assertTrue(self.log.timestamp)

	def test_accounts_manager_cannot_edit(self):
		frappe.set_user(ACCOUNTS_MANAGER)
		self.assertTrue(frappe.has_permission("IMS Action Log", "read"))
		self.assertFalse(frappe.has_permission("IMS Action Log", "write"))
		log = frappe.get_doc("IMS Action Log", self.log.name)
		log.remarks = "tampered"
		with self.assertRaises(frappe.PermissionError):
			log.save()
		with self.assertRaises(frappe.PermissionError):
			frappe.client.set_value("IMS Action Log", self.log.name, "to_action", "Rejected")
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("IMS Action Log", self.log.name, "to_action"), "Accepted")

	def test_accounts_manager_cannot_delete(self):
		frappe.set_user(ACCOUNTS_MANAGER)
		self.assertFalse(frappe.has_permission("IMS Action Log", "delete"))
		with self.assertRaises(frappe.PermissionError):
			frappe.client.delete("IMS Action Log", self.log.name)
		frappe.set_user("Administrator")
		self.assertTrue(frappe.db.exists("IMS Action Log", self.log.name))

	def test_even_administrator_cannot_edit_or_delete(self):
		log = frappe.get_doc("IMS Action Log", self.log.name)
		log.to_action = "Rejected"
		with self.assertRaises(frappe.PermissionError):
			log.save(ignore_permissions=True)
		with self.assertRaises(frappe.PermissionError):
			frappe.delete_doc("IMS Action Log", self.log.name, ignore_permissions=True)
		self.assertEqual(frappe.db.get_value("IMS Action Log", self.log.name, "to_action"), "Accepted")
