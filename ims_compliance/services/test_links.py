import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance import api
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.tests.factories import make_inward_supply, make_purchase_invoice
from ims_compliance.tests.fixtures import ACCOUNTS_USER, NO_ROLE_USER


def reverts(name):
	return frappe.get_all(
		"IMS Action Log",
		filters={"inward_supply": name, "source": "Automatic Revert"},
		fields=["from_action", "to_action", "remarks"],
	)


def unrelated_invoice():
	"""A Purchase Invoice the automatic match (run on submit) will not pair with the test supplies."""
	return make_purchase_invoice(bill_no="ZZ-" + frappe.generate_hash(length=6), net=777, taxes={"IGST": 1})


class TestLinkUnlink(FrappeTestCase):
	"""P2: link/unlink of an Accepted record reverts it to No Action, logged; both directions."""

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def accepted_supply(self, **values):
		doc = make_inward_supply(match_status="Exact Match", **values)
		api.apply_action("Accepted", names=[doc.name])
		return doc

	def test_linking_an_accepted_record_reverts_it(self):
		supply = self.accepted_supply()
		pi = unrelated_invoice()
		frappe.set_user(ACCOUNTS_USER)
		result = api.link_purchase_invoice(supply.name, pi.name)
		frappe.set_user("Administrator")
		self.assertTrue(result["reverted"])
		row = frappe.db.get_value(
			supply_doctype(), supply.name, ["action", "match_status", "purchase_invoice"], as_dict=True
		)
		self.assertEqual(
			(row.action, row.match_status, row.purchase_invoice), ("No Action", "Manual Match", pi.name)
		)
		self.assertEqual(
			[(r.from_action, r.to_action) for r in reverts(supply.name)], [("Accepted", "No Action")]
		)
		pi_fields = frappe.db.get_value(
			"Purchase Invoice", pi.name, ["ims_inward_supply", "ims_match_status"], as_dict=True
		)
		self.assertEqual(
			(pi_fields.ims_inward_supply, pi_fields.ims_match_status), (supply.name, "Manual Match")
		)

	def test_unlinking_an_accepted_record_reverts_it(self):
		supply = make_inward_supply(match_status="Exact Match")
		pi = make_purchase_invoice(bill_no=supply.document_number)
		api.link_purchase_invoice(supply.name, pi.name)
		api.apply_action("Accepted", names=[supply.name])
		result = api.unlink_purchase_invoice(supply.name)
		self.assertTrue(result["reverted"])
		row = frappe.db.get_value(
			supply_doctype(), supply.name, ["action", "match_status", "purchase_invoice"], as_dict=True
		)
		self.assertEqual(
			(row.action, row.match_status, row.purchase_invoice), ("No Action", "Missing in PI", None)
		)
		self.assertEqual(len(reverts(supply.name)), 1)
		self.assertIsNone(frappe.db.get_value("Purchase Invoice", pi.name, "ims_inward_supply"))

	def test_linking_a_record_that_is_not_accepted_changes_no_action(self):
		supply = make_inward_supply(match_status="Missing in PI")
		api.apply_action("Pending", names=[supply.name])
		pi = unrelated_invoice()
		self.assertFalse(api.link_purchase_invoice(supply.name, pi.name)["reverted"])
		self.assertEqual(frappe.db.get_value(supply_doctype(), supply.name, "action"), "Pending")
		self.assertEqual(reverts(supply.name), [])

	def test_a_purchase_invoice_linked_elsewhere_must_be_unlinked_first(self):
		first = make_inward_supply()
		second = make_inward_supply()
		pi = unrelated_invoice()
		api.link_purchase_invoice(first.name, pi.name)
		with self.assertRaisesRegex(frappe.ValidationError, "already linked.*Unlink it there first"):
			api.link_purchase_invoice(second.name, pi.name)

	def test_cancelling_the_purchase_invoice_unlinks_and_reverts(self):
		supply = make_inward_supply(match_status="Exact Match")
		pi = make_purchase_invoice(bill_no=supply.document_number)
		api.link_purchase_invoice(supply.name, pi.name)
		api.apply_action("Accepted", names=[supply.name])
		pi.reload()
		pi.cancel()
		row = frappe.db.get_value(
			supply_doctype(), supply.name, ["action", "purchase_invoice", "match_status"], as_dict=True
		)
		self.assertEqual(
			(row.action, row.purchase_invoice, row.match_status), ("No Action", None, "Missing in PI")
		)
		self.assertIn("cancelled", reverts(supply.name)[0].remarks)

	def test_unauthorised_user_cannot_link(self):
		supply = make_inward_supply()
		pi = unrelated_invoice()
		frappe.set_user(NO_ROLE_USER)
		with self.assertRaises(frappe.PermissionError):
			api.link_purchase_invoice(supply.name, pi.name)
