import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.filters import flag, to_db_filters
from ims_compliance.services.upload import PENDING
from ims_compliance.tests.factories import bulk_inward_supplies


class TestFilters(FrappeTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def names(self, filters, prefix):
		return set(
			frappe.get_all(
				supply_doctype(),
				filters=[
					*to_db_filters(filters),
					[supply_doctype(), "document_number", "like", f"{prefix}%"],
				],
				pluck="name",
			)
		)

	def test_upload_pending_is_what_the_upload_would_send_failed_rows_included(self):
		"""The page's "Upload Pending" filter and "Upload to GSTN" count the same rows: never-sent
		actions and the ones GSTN refused last time (Failed)."""
		self.assertIn("Failed", PENDING)
		pending = bulk_inward_supplies(2, prefix="FLT-PU-", action="Accepted", upload_state="Pending Upload")
		failed = bulk_inward_supplies(2, prefix="FLT-FA-", action="Rejected", upload_state="Failed")
		done = bulk_inward_supplies(2, prefix="FLT-UP-", action="Accepted", upload_state="Uploaded")
		untouched = bulk_inward_supplies(2, prefix="FLT-NA-", upload_state="")
		everything = set(pending + failed + done + untouched)
		self.assertEqual(self.names({"upload_pending": "Yes"}, "FLT-"), set(pending + failed))
		self.assertEqual(self.names({"upload_pending": "No"}, "FLT-"), everything - set(pending + failed))
		# links made before the page said Yes/No keep working
		self.assertEqual(self.names({"upload_pending": "1"}, "FLT-"), set(pending + failed))

	def test_yes_no_flags(self):
		filed = bulk_inward_supplies(2, prefix="FLT-SF-", supplier_filed=1)
		unfiled = bulk_inward_supplies(1, prefix="FLT-SU-", supplier_filed=0)
		self.assertEqual(self.names({"supplier_filed": "Yes"}, "FLT-S"), set(filed))
		self.assertEqual(self.names({"supplier_filed": "No"}, "FLT-S"), set(unfiled))
		self.assertEqual([flag(v) for v in ("Yes", "no", 1, "0", True, "false")], [1, 0, 1, 0, 1, 0])
		self.assertRaises(frappe.ValidationError, flag, "maybe")
