"""Issue 7 on the bench: GSTR-2B recompute after an upload, and the offline upload files."""

from unittest.mock import patch

import frappe

from ims_compliance import api
from ims_compliance.gstn.sandbox.faults import FaultPlan
from ims_compliance.services import gstr2b
from ims_compliance.services import upload as service
from ims_compliance.services.connection import CacheSessionStore, make_client
from ims_compliance.tests.fixtures import ACCOUNTS_USER, NO_ROLE_USER
from ims_compliance.tests.upload_case import FAST, GSTIN, UploadTestCase


class TestGstr2bAndOffline(UploadTestCase):
	def test_recompute_gstr2b_stores_the_request_and_its_summary(self):
		result = gstr2b.recompute_2b(
			GSTIN, "102025", client=self.client, commit=False, poll=service.PollPolicy(**FAST)
		)
		self.assertEqual(result["status"], "Processed")
		doc = frappe.get_doc("IMS Upload Request", result["name"])
		self.assertEqual((doc.request_type, doc.return_period), ("GEN2B", "102025"))
		self.assertGreater(frappe.parse_json(doc.result_summary)["records"], 0)

	def test_a_gen2b_left_in_progress_is_polled_to_its_end(self):
		self.sandbox.set_faults(FaultPlan(stuck_requests=True))
		first = gstr2b.recompute_2b(
			GSTIN,
			"102025",
			client=self.client,
			commit=False,
			poll=service.PollPolicy(delays=(0.05,), budget=0.2),
		)
		self.assertEqual(first["status"], "In Progress")
		self.assertEqual(gstr2b.poll_2b(first["name"], client=self.client, commit=False), "In Progress")
		for request in self.sandbox.state.requests.values():
			request["stuck"] = False
		self.assertEqual(gstr2b.poll_2b(first["name"], client=self.client, commit=False), "Processed")
		self.assertTrue(frappe.db.get_value("IMS Upload Request", first["name"], "result_summary"))

	def test_the_upload_job_recomputes_gstr2b_when_settings_ask_and_notifies(self):
		done = service.UploadResult(requests=1, sent=3, processed=3)
		frappe.db.set_single_value("IMS Settings", "recompute_2b_after_upload", 1)
		with (
			patch.object(service, "upload", return_value=done),
			patch.object(gstr2b, "enqueue_recompute_2b") as recompute,
		):
			service.upload_job(GSTIN, user="Administrator")
			recompute.assert_called_once_with(GSTIN, user="Administrator")
			recompute.reset_mock()
			still_running = service.UploadResult(requests=1, sent=3, processed=0, in_progress=True)
			service.upload.return_value = still_running
			service.upload_job(GSTIN, user="Administrator")
			recompute.assert_not_called()  # nothing new on GSTN yet: GEN2B would be premature
		self.assertTrue(
			frappe.db.exists(
				"Notification Log",
				{"for_user": "Administrator", "subject": ("like", f"%upload for {GSTIN}%")},
			)
		)

	def test_the_pages_full_download_asks_the_job_to_read_every_section(self):
		with patch("frappe.enqueue") as enqueue:
			api.download_from_gstn(GSTIN, force=1)
			api.download_from_gstn(GSTIN)
		self.assertEqual([c.kwargs["force"] for c in enqueue.call_args_list], [True, False])

	def test_offline_mode_exports_the_pending_actions_instead(self):
		wanted = self.set_actions(self.rows()[:10])
		frappe.db.set_single_value("IMS Settings", "connection_mode", "Offline File")
		self.assertEqual(api.upload_to_gstn(GSTIN), {"queued": False, "offline": True})
		files, count = service.offline_upload_files(GSTIN)
		self.assertEqual(count, len(wanted))
		sent = [r for f in files for rows in f["invdata"].values() for r in rows]
		self.assertEqual(len(sent), len(wanted))
		self.assertTrue(all("prev_status" in r for r in sent))
		self.assertEqual(len(self.rows(upload_state="Pending Upload")), len(wanted))  # still pending
		api.download_offline_upload_file(GSTIN)  # what the page's Upload gives in this mode
		self.assertEqual(frappe.response["filename"], f"ims-upload-{GSTIN}.json")
		content = frappe.parse_json(frappe.response["filecontent"].decode())
		self.assertEqual(sum(len(rows) for rows in content["invdata"].values()), len(wanted))
		self.assertEqual(
			frappe.db.count("IMS Upload Request", {"company_gstin": GSTIN, "request_type": "Offline Export"}),
			2,
		)

	def test_clearing_the_cache_keeps_the_gstn_session(self):
		self.assertTrue(make_client(GSTIN).has_session)
		frappe.clear_cache()  # what every migrate and `bench clear-cache` do
		self.assertTrue(make_client(GSTIN).has_session)

	def test_a_flushed_redis_falls_back_to_the_encrypted_copy_and_logging_out_clears_both(self):
		store = CacheSessionStore(GSTIN)
		token = store.load()["auth_token"]
		frappe.cache.delete_value(store.key)  # what `bench build` (flushdb) does to Redis
		self.assertEqual(make_client(GSTIN).session["auth_token"], token)
		self.assertEqual(self.upload().sent, 0)  # and the copy serves GSTN calls
		store.save({})
		frappe.cache.delete_value(store.key)
		self.assertFalse(make_client(GSTIN).has_session)

	def test_summary_counts_pending_by_action_and_permissions_are_checked(self):
		wanted = self.set_actions(self.rows()[:12])
		summary = api.get_upload_summary(GSTIN)
		self.assertEqual(summary["pending"], len(wanted))
		self.assertEqual(sum(summary["by_action"].values()), len(wanted))
		frappe.set_user(ACCOUNTS_USER)  # acts on records, but sending to GSTN is a manager's call
		self.assertEqual(api.get_upload_summary(GSTIN)["pending"], len(wanted))
		with self.assertRaises(frappe.PermissionError):
			api.upload_to_gstn(GSTIN)
		with self.assertRaises(frappe.PermissionError):
			api.recompute_gstr2b(GSTIN)
		frappe.set_user(NO_ROLE_USER)
		with self.assertRaises(frappe.PermissionError):
			api.upload_to_gstn(GSTIN)
		with self.assertRaises(frappe.PermissionError):
			api.get_upload_summary(GSTIN)
