"""Issue 18 with issue 14's users: Apply Recommended over REST writes on a second connection
(second_connection.SideQueue), as it does outside tests. The restricted user's request moves only
its Company's records, an Accounts User's moves both, and what the second connection wrote is
committed when the request ends."""

import frappe

from ims_compliance.doctype_names import supply_doctype
from ims_compliance.tests.factories import make_inward_supply
from ims_compliance.tests.security_case import OTHER_COMPANY, OTHER_GSTIN, SecurityCase
from ims_compliance.tests.side_spy import recommendations_on_the_side

PATH = "/api/method/ims_compliance.api.apply_recommendations"


class TestApplyRecommendedOnTheSecondConnection(SecurityCase):
	def committed_pair(self, period: str) -> tuple[str, str]:
		"""A Mismatch of our Company and one of the other, in a period no other test uses."""
		values = {"supplier_period": period, "match_status": "Mismatch"}
		ours = make_inward_supply(document_number="SIDE-A-" + period, **values).name
		theirs = make_inward_supply(
			company=OTHER_COMPANY, company_gstin=OTHER_GSTIN, document_number="SIDE-B-" + period, **values
		).name
		frappe.db.commit()  # nosemgrep: the HTTP request reads on its own connection
		self.addCleanup(self.remove, ours, theirs)
		return ours, theirs

	def remove(self, *names):
		frappe.db.rollback()
		for name in names:
			frappe.db.delete("IMS Action Log", {"inward_supply": name})
			frappe.db.delete(supply_doctype(), {"name": name})
		frappe.db.commit()  # nosemgrep: remove the committed rows

	def apply(self, user_headers, period: str):
		with recommendations_on_the_side() as made:
			response = self.http(
				"post", PATH, user_headers, {"filters": {"supplier_period": period}, "dry_run": 0}
			)
		self.assertEqual(response.status_code, 200, response.json)
		(side,) = made
		self.assertFalse(side.gave_up)
		self.assertIsNone(side.connection)  # committed with the request and closed
		return response.json["message"]

	def state(self, name):
		action = frappe.db.get_value(supply_doctype(), name, "action")
		logs = frappe.db.count("IMS Action Log", {"inward_supply": name, "source": "Recommendation"})
		return action, logs

	def test_the_restricted_user_moves_only_its_companys_records(self):
		ours, theirs = self.committed_pair("062024")
		summary = self.apply(self.restricted_user, "062024")
		self.assertEqual(summary["by_action"]["Rejected"]["moving"], 1)
		self.assertEqual(self.state(ours), ("Rejected", 1))  # committed by the second connection
		self.assertEqual(self.state(theirs), ("No Action", 0))

	def test_an_accounts_user_moves_both_companies_records(self):
		ours, theirs = self.committed_pair("072024")
		summary = self.apply(self.accounts_user, "072024")
		self.assertEqual(summary["by_action"]["Rejected"]["moving"], 2)
		self.assertEqual((self.state(ours), self.state(theirs)), (("Rejected", 1), ("Rejected", 1)))
