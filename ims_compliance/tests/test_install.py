import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance.constants.custom_fields import CUSTOM_FIELDS, MODULE
from ims_compliance.install import make_custom_fields


class TestInstall(FrappeTestCase):
	def test_custom_fields_exist_on_purchase_invoice(self):
		meta = frappe.get_meta("Purchase Invoice")
		for field in CUSTOM_FIELDS["Purchase Invoice"]:
			self.assertTrue(meta.has_field(field["fieldname"]), field["fieldname"])

	def test_making_custom_fields_again_changes_nothing(self):
		before = frappe.get_all(
			"Custom Field", filters={"module": MODULE}, fields=["name", "modified"], order_by="name"
		)
		make_custom_fields()
		after = frappe.get_all(
			"Custom Field", filters={"module": MODULE}, fields=["name", "modified"], order_by="name"
		)
		self.assertEqual(len(before), len(after))
		self.assertEqual({r.name for r in before}, {r.name for r in after})

	def test_a_shared_field_owned_by_another_app_is_reused_not_duplicated(self):
		"""India Compliance owns supplier_gstin: pretend so, and our install must leave it alone."""
		name = frappe.db.get_value("Custom Field", {"dt": "Purchase Invoice", "fieldname": "supplier_gstin"})
		frappe.db.set_value("Custom Field", name, "module", None)
		make_custom_fields()
		rows = frappe.get_all(
			"Custom Field", filters={"dt": "Purchase Invoice", "fieldname": "supplier_gstin"}
		)
		self.assertEqual(len(rows), 1)
		self.assertIsNone(frappe.db.get_value("Custom Field", name, "module"))
		frappe.db.rollback()
