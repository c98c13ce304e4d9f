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

	def test_a_row_names_its_record_for_the_list_and_form(self):
		"""A hash id tells a reader nothing: the row carries the record's number, supplier and
		GSTINs, whether written through the ORM, by the bulk writer, or filled by the patch."""
		from ims_compliance.patches.v1_0.fill_action_log_record_fields import execute as patch
		from ims_compliance.services.action_log import RECORD_FIELDS, write_logs

		supply = frappe.db.get_value(
			supply_doctype(), self.log.inward_supply, ["name", *RECORD_FIELDS], as_dict=True
		)
		expected = {f: supply[f] for f in RECORD_FIELDS}
		self.assertEqual(expected["supplier_gstin"], SUPPLIER_GSTINS["IMS Supplier Beta"])
		self.assertTrue(expected["document_number"])
		self.assertEqual({f: self.log.get(f) for f in RECORD_FIELDS}, expected)

		write_logs(
			[{"inward_supply": supply.name, "from_action": "Accepted", "to_action": "Rejected"}],
			source="Bulk",
		)
		bulk = frappe.get_all(
			"IMS Action Log",
			filters={"inward_supply": supply.name, "source": "Bulk"},
			fields=list(RECORD_FIELDS),
		)
		self.assertEqual(bulk, [expected])

		frappe.db.sql(
			"update `tabIMS Action Log` set document_number = null, supplier_name = null where inward_supply = %s",
			supply.name,
		)
		patch()
		rows = frappe.get_all(
			"IMS Action Log", filters={"inward_supply": supply.name}, fields=list(RECORD_FIELDS)
		)
		self.assertEqual(rows, [expected, expected])
		meta = frappe.get_meta("IMS Action Log")
		self.assertEqual(meta.title_field, "document_number")
		listed = {df.fieldname for df in meta.fields if df.in_list_view}
		self.assertTrue({"supplier_name", "company_gstin", "to_action", "source", "user"} <= listed)
		frappe.db.rollback()

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
