import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance import api
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.tests.factories import bulk_inward_supplies
from ims_compliance.tests.fixtures import ACCOUNTS_USER
from ims_compliance.tests.side_spy import recommendations_on_the_side


class TestRecommendations(FrappeTestCase):
	def setUp(self):
		self.filters = {"supplier_period": "122025"}
		common = {"supplier_period": "122025", "document_date": frappe.utils.getdate("2025-12-05")}
		self.exact = bulk_inward_supplies(6, prefix="REC-EX-", match_status="Exact Match", **common)
		self.mismatch = bulk_inward_supplies(3, prefix="REC-MM-", match_status="Mismatch", **common)
		self.missing = bulk_inward_supplies(2, prefix="REC-MP-", match_status="Missing in PI", **common)
		self.unfiled = bulk_inward_supplies(
			1, prefix="REC-NF-", match_status="Exact Match", supplier_filed=0, **common
		)
		self.credit = bulk_inward_supplies(
			1, prefix="REC-CN-", section="CN", match_status="Exact Match", **common
		)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def actions(self, names):
		return set(
			frappe.get_all(supply_doctype(), filters={"name": ("in", names)}, pluck="action", distinct=True)
		)

	def test_dry_run_counts_and_changes_nothing(self):
		frappe.set_user(ACCOUNTS_USER)
		summary = api.apply_recommendations(self.filters, dry_run=1)
		self.assertEqual(summary["by_action"]["Accepted"]["records"], 7)  # 6 exact + the credit note
		self.assertEqual(summary["by_action"]["Accepted"]["moving"], 6)
		self.assertEqual(summary["refused_by_rule"], {"R7": 1})  # the credit note needs the R7 answer
		self.assertEqual(summary["by_action"]["Rejected"]["moving"], 3)
		self.assertEqual(summary["by_action"]["Pending"]["records"], 3)  # 2 missing + 1 unfiled (R10)
		self.assertEqual(self.actions(self.exact + self.mismatch + self.missing), {"No Action"})
		self.assertFalse(frappe.db.count("IMS Action Log", {"inward_supply": ("in", self.exact)}))

	def test_apply_moves_and_logs_with_source_recommendation(self):
		summary = api.apply_recommendations(frappe.as_json(self.filters), dry_run=0)
		self.assertFalse(summary["dry_run"])
		self.assertEqual(self.actions(self.exact), {"Accepted"})
		self.assertEqual(self.actions(self.mismatch), {"Rejected"})
		self.assertEqual(self.actions(self.missing + self.unfiled), {"Pending"})
		self.assertEqual(self.actions(self.credit), {"No Action"})
		sources = frappe.get_all(
			"IMS Action Log", filters={"inward_supply": ("in", self.exact)}, pluck="source", distinct=True
		)
		self.assertEqual(sources, ["Recommendation"])

	def test_mapping_comes_from_settings(self):
		frappe.db.set_single_value("IMS Settings", "recommend_mismatch", "Pending")
		api.apply_recommendations(self.filters, dry_run=0)
		self.assertEqual(self.actions(self.mismatch), {"Pending"})

	def test_writes_on_a_second_connection_meet_this_transactions_locks_and_are_replayed_here(self):
		"""The job's writes go to a SideQueue; these rows were inserted by this (uncommitted)
		transaction, so the side meets our own locks, gives up and everything is sent again on
		this connection: the outcome is the single-connection one."""
		with recommendations_on_the_side(lock_wait=1) as made:
			api.apply_recommendations(self.filters, dry_run=0)
		(side,) = made
		self.assertTrue(side.gave_up)
		self.assertIsNone(side.connection)
		self.assertGreater(len(side.sent), 1)  # the UPDATEs and the log INSERTs went to the side
		self.assertEqual(self.actions(self.exact), {"Accepted"})
		self.assertEqual(self.actions(self.mismatch), {"Rejected"})
		self.assertEqual(self.actions(self.missing + self.unfiled), {"Pending"})
		logs = frappe.db.count(
			"IMS Action Log", {"inward_supply": ("in", self.exact), "source": "Recommendation"}
		)
		self.assertEqual(logs, len(self.exact))  # replayed once, not twice
