"""The base of bench tests that talk to the built-in GSTN sandbox over real HTTP: one sandbox
per test class, and `use_sandbox(gstin)` to start a test from a clean slate for one company
GSTIN (IMS Settings pointing at the sandbox, no rows, no upload requests, no GSTN session, no
remembered counts, no faults, an empty sandbox). Every test is rolled back."""

import tempfile

import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance import api
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.gstn.sandbox import SANDBOX_OTP, SandboxServer
from ims_compliance.gstn.sandbox.faults import FaultPlan
from ims_compliance.services.connection import CacheSessionStore
from ims_compliance.services.download import COUNTS_KEY, FULL_DOWNLOAD_KEY


class SandboxCase(FrappeTestCase):
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

	def tearDown(self):
		self.sandbox.set_faults(FaultPlan())
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def use_sandbox(self, gstin: str) -> None:
		frappe.db.delete(supply_doctype(), {"company_gstin": gstin})
		frappe.db.delete("IMS Upload Request", {"company_gstin": gstin})
		frappe.db.set_single_value(
			"IMS Settings",
			{
				"connection_mode": "Sandbox",
				"base_url": self.sandbox.url,
				"reconcile_after_download": 0,
				"recompute_2b_after_upload": 0,
			},
		)
		CacheSessionStore(gstin).save({})
		self.forget_downloads(gstin)
		self.sandbox.set_faults(FaultPlan())
		self.sandbox.state.clear()

	def forget_downloads(self, gstin: str) -> None:
		frappe.cache.delete_value(COUNTS_KEY.format(gstin))
		frappe.cache.delete_value(FULL_DOWNLOAD_KEY.format(gstin))

	def log_in(self, gstin: str) -> None:
		"""As the page does: ask for the OTP, enter the sandbox's."""
		api.request_otp(gstin)
		api.submit_otp(gstin, SANDBOX_OTP)
