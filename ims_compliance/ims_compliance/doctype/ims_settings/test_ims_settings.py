# Copyright (c) 2026, ims_compliance developers and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance.doctype_names import supply_doctype
from ims_compliance.ims_compliance.doctype.ims_settings.ims_settings import get_company_gstins
from ims_compliance.tests.fixtures import (
	ACCOUNTS_MANAGER,
	ACCOUNTS_USER,
	COMPANY_GSTIN,
	NO_ROLE_USER,
	TEST_COMPANY,
)

test_ignore = ["Purchase Invoice"]


class TestIMSSettings(FrappeTestCase):
	def tearDown(self):
		frappe.set_user("Administrator")

	def test_accounts_user_can_read_but_not_write(self):
		frappe.set_user(ACCOUNTS_USER)
		self.assertTrue(frappe.has_permission("IMS Settings", "read"))
		self.assertFalse(frappe.has_permission("IMS Settings", "write"))
		settings = frappe.get_doc("IMS Settings")
		settings.amount_tolerance = 50
		with self.assertRaises(frappe.PermissionError):
			settings.save()
		with self.assertRaises(frappe.PermissionError):
			frappe.client.set_value("IMS Settings", "IMS Settings", "amount_tolerance", 50)

	def test_accounts_manager_can_write(self):
		frappe.set_user(ACCOUNTS_MANAGER)
		settings = frappe.get_doc("IMS Settings")
		settings.date_tolerance_days = 12
		settings.save()
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_single_value("IMS Settings", "date_tolerance_days"), 12)

	def test_user_without_roles_cannot_read(self):
		frappe.set_user(NO_ROLE_USER)
		self.assertFalse(frappe.has_permission("IMS Settings", "read"))
		self.assertFalse(frappe.has_permission(supply_doctype(), "read"))

	def test_bad_company_gstin_is_refused_with_row(self):
		settings = frappe.get_doc("IMS Settings")
		settings.append("company_gstins", {"company": TEST_COMPANY, "gstin": "27XYZ"})
		with self.assertRaisesRegex(frappe.ValidationError, r"row \d+"):
			settings.save()

	def test_duplicate_company_gstin_is_refused(self):
		settings = frappe.get_doc("IMS Settings")
		settings.append("company_gstins", {"company": TEST_COMPANY, "gstin": COMPANY_GSTIN})
		with self.assertRaisesRegex(frappe.ValidationError, "listed twice"):
			settings.save()

	def test_company_gstins_lookup(self):
		gstins = [row.gstin for row in get_company_gstins(TEST_COMPANY)]
		self.assertIn(COMPANY_GSTIN, gstins)


class TestRoles(FrappeTestCase):
	def tearDown(self):
		frappe.set_user("Administrator")

	def test_accounts_user_can_view_and_act_but_not_create_or_delete_records(self):
		frappe.set_user(ACCOUNTS_USER)
		self.assertTrue(frappe.has_permission(supply_doctype(), "read"))
		self.assertTrue(frappe.has_permission(supply_doctype(), "write"))
		self.assertFalse(frappe.has_permission(supply_doctype(), "create"))
		self.assertFalse(frappe.has_permission(supply_doctype(), "delete"))

	def test_system_manager_has_everything(self):
		self.assertTrue(frappe.has_permission(supply_doctype(), "delete", user="Administrator"))
		self.assertTrue(frappe.has_permission("IMS Settings", "write", user="Administrator"))
