import tempfile

import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance import api
from ims_compliance.gstn.sandbox import SANDBOX_OTP, SandboxServer
from ims_compliance.services.download import COUNTS_KEY, download, download_job
from ims_compliance.tests.fixtures import ACCOUNTS_MANAGER, COMPANY_GSTIN_2


class TestDownloadFromSandbox(FrappeTestCase):
	"""The download job against the built-in sandbox over real HTTP."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.tmp = tempfile.TemporaryDirectory()
		cls.sandbox = SandboxServer(state_path=f"{cls.tmp.name}/state.json", port=0).start()

	@classmethod
	def tearDownClass(cls):
		cls.sandbox.stop()
		cls.tmp.cleanup()
		super().tearDownClass()

	def setUp(self):
		frappe.db.delete("GST Inward Supply", {"company_gstin": COMPANY_GSTIN_2})
		frappe.db.set_single_value(
			"IMS Settings",
			{"connection_mode": "Sandbox", "base_url": self.sandbox.url, "reconcile_after_download": 0},
		)
		frappe.cache.delete_value(f"ims_gstn_session::{COMPANY_GSTIN_2}")
		frappe.cache.delete_value(COUNTS_KEY.format(COMPANY_GSTIN_2))
		self.sandbox.state.clear()
		self.sandbox.state.generate(COMPANY_GSTIN_2, 300, seed=3)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def login(self):
		api.request_otp(COMPANY_GSTIN_2)
		api.submit_otp(COMPANY_GSTIN_2, SANDBOX_OTP)

	def count(self, **filters):
		return frappe.db.count("GST Inward Supply", {"company_gstin": COMPANY_GSTIN_2, **filters})

	def test_download_creates_rows_and_a_rerun_writes_nothing(self):
		self.assertTrue(api.download_from_gstn(COMPANY_GSTIN_2)["otp_needed"])
		self.login()
		result = download(COMPANY_GSTIN_2, commit=False)
		# two generated amendments amend the same originals: one natural key each (the later wins)
		self.assertEqual((result["new"], result["duplicates"]), (298, 2))
		self.assertEqual(self.count(), 298)
		again = download(COMPANY_GSTIN_2, force=True, commit=False)
		self.assertEqual((again["new"], again["unchanged"]), (0, 298))
		skipped = download(COMPANY_GSTIN_2, commit=False)  # counts unchanged: no section is fetched
		self.assertEqual(skipped["sections"], [])

	def test_wrong_otp_is_refused_clearly(self):
		api.request_otp(COMPANY_GSTIN_2)
		with self.assertRaisesRegex(frappe.ValidationError, "refused the OTP"):
			api.submit_otp(COMPANY_GSTIN_2, "000000")

	def test_scheduled_run_without_session_notifies_managers(self):
		result = download_job(COMPANY_GSTIN_2, scheduled=True)
		self.assertEqual(result["status"], "OTP needed")
		self.assertTrue(
			frappe.db.exists(
				"Notification Log", {"for_user": ACCOUNTS_MANAGER, "subject": ("like", "%needs an OTP%")}
			)
		)
