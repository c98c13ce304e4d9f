import datetime as dt
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance.services.schedule import enqueue_scheduled_downloads
from ims_compliance.tests.fixtures import COMPANY_GSTIN, COMPANY_GSTIN_2


class TestScheduledDownloads(FrappeTestCase):
	"""With the clock before, at and after the configured time, one enqueue per GSTIN per day."""

	def setUp(self):
		settings = frappe.get_single("IMS Settings")
		for row in settings.company_gstins:
			row.auto_download = 1 if row.gstin == COMPANY_GSTIN else 0
			row.download_time = "09:30:00"
			row.last_auto_download_on = None
		settings.save()

	def tearDown(self):
		frappe.db.rollback()

	def run_at(self, when: str) -> list[str]:
		with patch("frappe.enqueue") as enqueue:
			started = enqueue_scheduled_downloads(dt.datetime.fromisoformat(when), commit=False)
		self.assertEqual(enqueue.call_count, len(started))
		for call in enqueue.call_args_list:
			self.assertEqual(call.kwargs["job_id"], f"ims-download::{call.kwargs['company_gstin']}")
			self.assertTrue(call.kwargs["deduplicate"])
			# the daily run is a full download: counts miss edits of records that stay "No Action"
			self.assertTrue(call.kwargs["force"])
			self.assertTrue(call.kwargs["scheduled"])
		return started

	def test_before_at_after_and_next_day(self):
		self.assertEqual(self.run_at("2026-11-23 09:29:59"), [])
		self.assertEqual(self.run_at("2026-11-23 09:30:00"), [COMPANY_GSTIN])
		self.assertEqual(self.run_at("2026-11-23 09:35:00"), [])
		self.assertEqual(self.run_at("2026-11-23 23:55:00"), [])
		self.assertEqual(self.run_at("2026-11-24 08:00:00"), [])
		self.assertEqual(self.run_at("2026-11-24 10:00:00"), [COMPANY_GSTIN])
		self.assertNotIn(
			COMPANY_GSTIN_2, self.run_at("2026-11-25 12:00:00") + self.run_at("2026-11-25 12:05:00")
		)

	def test_first_tick_after_a_missed_time_still_runs_once(self):
		self.assertEqual(self.run_at("2026-11-23 18:00:00"), [COMPANY_GSTIN])
		self.assertEqual(self.run_at("2026-11-23 18:05:00"), [])
