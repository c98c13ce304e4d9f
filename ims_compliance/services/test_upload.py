"""Issue 7 on the bench: the upload job against the built-in sandbox over real HTTP.

Crash tests stop the "worker" at the service's checkpoints by raising there. They do not roll
back: every write before a checkpoint is committed by the real job (commit() precedes each
checkpoint), so the transaction as it stands is exactly what a killed worker leaves behind."""

import dataclasses
import time
from unittest.mock import patch

import frappe

from ims_compliance import api
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.gstn.sandbox.faults import FaultPlan
from ims_compliance.services import gstr2b, upload_plan, upload_send
from ims_compliance.services import upload as service
from ims_compliance.services.connection import CacheSessionStore, make_client
from ims_compliance.services.download import download
from ims_compliance.tests.fixtures import ACCOUNTS_USER, COMPANY_GSTIN_2, NO_ROLE_USER
from ims_compliance.tests.sandbox_case import SandboxCase

GSTIN = COMPANY_GSTIN_2
FAST = dict(delays=(0.02,), budget=30.0, settle=0.0)
ACTIONS = ("Accepted", "Rejected", "Pending", "No Action")


class Crash(Exception):
	pass


class UploadTestCase(SandboxCase):
	records = 300

	def setUp(self):
		self.use_sandbox(GSTIN)
		self.sandbox.state.generate(GSTIN, self.records, seed=11)
		self.log_in(GSTIN)
		self.client = make_client(GSTIN)
		download(GSTIN, client=self.client, commit=False)

	# --- helpers ---------------------------------------------------------------------------
	def upload(self, **kwargs):
		kwargs.setdefault("poll", service.PollPolicy(**FAST))
		return service.upload(GSTIN, client=self.client, commit=False, **kwargs)

	def small_bodies(self, max_bytes=60_000):
		self.client.settings = dataclasses.replace(self.client.settings, max_body_bytes=max_bytes)

	def rows(self, **filters):
		return frappe.get_all(
			supply_doctype(),
			filters={"company_gstin": GSTIN, **filters},
			fields=[
				"name",
				"section",
				"supplier_gstin",
				"document_number",
				"document_date",
				"action",
				"gstn_action",
				"upload_state",
				"upload_error",
				"upload_request",
				"pending_blocked",
				"itc_reduction_blocked",
			],
			order_by="name",
		)

	def set_actions(self, rows, pick=lambda i, row: ACTIONS[i % 4]) -> dict:
		"""The user's actions, as the action service leaves them (test set-up: written
		directly so Accept is not refused by P1 on these unreconciled rows)."""
		wanted = {}
		for i, row in enumerate(rows):
			action = pick(i, row)
			if action == row.gstn_action or (action == "Pending" and row.pending_blocked):
				continue
			values = {"action": action, "upload_state": "Pending Upload"}
			if action == "Accepted" and not row.itc_reduction_blocked:
				values["itc_reduction_required"] = "Y"  # R7 asked: a full reversal, as the page would record
			frappe.db.set_value(supply_doctype(), row.name, values, update_modified=False)
			wanted[row.name] = action
		return wanted

	def sandbox_actions(self) -> dict:
		"""(section, supplier, number) -> GSTN's action, as the sandbox holds it."""
		out = {}
		for rows in self.sandbox.state.records[GSTIN].values():
			for record in rows.values():
				number = record.get("inum") or record.get("nt_num")
				out[(record["stin"], number)] = record.get("action", "N")
		return out

	def assert_in_sync(self):
		codes = {"Accepted": "A", "Rejected": "R", "Pending": "P", "No Action": "N"}
		on_gstn = self.sandbox_actions()
		for row in self.rows():
			self.assertEqual(
				codes[row.gstn_action], on_gstn[(row.supplier_gstin, row.document_number)], row.name
			)


class TestUpload(UploadTestCase):
	records = 3000

	def test_3000_pending_actions_upload_in_chunks_and_gstn_holds_exactly_them(self):
		self.small_bodies()
		self.rows_before = self.rows()
		wanted = self.set_actions(self.rows_before)
		self.assertGreater(len(wanted), 2000)
		self.assertTrue({"Accepted", "Rejected", "Pending", "No Action"} <= set(wanted.values()))
		result = self.upload()
		self.assertEqual((result.sent, result.failed, result.refused), (len(wanted), 0, 0))
		self.assertGreater(result.requests, 5)  # chunked under the (here reduced) body limit
		requests = frappe.get_all(
			"IMS Upload Request",
			filters={"company_gstin": GSTIN},
			fields=["request_type", "status", "record_count", "body_bytes"],
		)
		self.assertEqual({r.status for r in requests}, {"Processed"})
		self.assertEqual({r.request_type for r in requests}, {"SAVE", "RESET"})
		self.assertTrue(all(r.body_bytes <= 60_000 for r in requests))
		self.assertEqual(sum(r.record_count for r in requests), len(wanted))
		after = {r.name: r for r in self.rows()}
		self.assertFalse(
			[r for r in after.values() if r.upload_state in ("Pending Upload", "Uploading", "Failed")]
		)
		self.assertTrue(all(after[name].gstn_action == action for name, action in wanted.items()))
		self.assertTrue(all(after[name].upload_state == "Uploaded" for name in wanted))
		self.assert_in_sync()
		logs = frappe.get_all(
			"IMS Action Log",
			filters={"source": "Upload Result", "inward_supply": ("in", list(wanted))},
			fields=["inward_supply", "from_action", "to_action", "document_number", "company_gstin", "user"],
		)
		self.assertEqual(len(logs), len(wanted))
		before = {r.name: r for r in self.rows_before}
		for log in logs:  # one INSERT ... SELECT wrote them, the record's fields with them
			row = before[log.inward_supply]
			self.assertEqual((log.from_action, log.to_action), (row.gstn_action, wanted[row.name]))
			self.assertEqual((log.document_number, log.company_gstin), (row.document_number, GSTIN))
			self.assertEqual(log.user, "Administrator")
		self.assertEqual(self.upload().sent, 0)  # nothing left to send


class TestUploadResults(UploadTestCase):
	def test_pe_with_25_refused_records_keeps_exactly_them_pending_and_upload_again_sends_only_them(self):
		rows = self.rows()
		wanted = self.set_actions(rows, pick=lambda i, row: "Rejected")
		chosen = [r for r in rows if r.name in wanted and r.section == "CN"][:8]
		chosen += [r for r in rows if r.name in wanted and r.section != "CN"][: 25 - len(chosen)]
		self.assertEqual(len(chosen), 25)
		for row in chosen:
			self.sandbox.control(
				"refuse",
				{
					"gstin": GSTIN,
					"section": row.section,
					"stin": row.supplier_gstin,
					"number": row.document_number,
					"code": "IMSSAV0099",
					"message": "refused for the test",
				},
			)
		first = self.upload()
		self.assertEqual((first.failed, first.processed), (25, len(wanted) - 25))
		failed = self.rows(upload_state="Failed")
		self.assertEqual({r.name for r in failed}, {r.name for r in chosen})
		self.assertTrue(all(r.upload_error.startswith("IMSSAV0099") for r in failed))
		self.assertTrue(all(r.gstn_action != "Rejected" for r in failed))  # GSTN kept its status
		report = frappe.get_all("IMS Upload Request", filters={"company_gstin": GSTIN}, pluck="error_report")
		self.assertIn('"cn"', "".join(r or "" for r in report))  # notes reported under cn
		saved_before = self.sandbox.state.stats["saved"]
		again = self.upload()  # "upload again" after the user fixed whatever was wrong
		self.assertEqual((again.sent, again.processed, again.failed), (25, 25, 0))
		self.assertEqual(self.sandbox.state.stats["saved"] - saved_before, 25)
		self.assertFalse(self.rows(upload_state=("in", ("Failed", "Pending Upload", "Uploading"))))
		self.assert_in_sync()

	def test_a_supplier_edit_answered_imssav0010_downloads_the_record_again(self):  # R9
		row = next(r for r in self.rows(section="B2B") if r.gstn_action == "No Action")
		self.set_actions([row], pick=lambda i, r: "Rejected")
		self.sandbox.state.edit(
			GSTIN, "B2B", stin=row.supplier_gstin, number=row.document_number, changes={"txval": 12345.0}
		)
		result = self.upload()
		self.assertEqual((result.failed, result.resynced), (1, 1))
		self.assertIn("IMSSAV0010", " ".join(result.messages))
		after = frappe.db.get_value(
			supply_doctype(),
			row.name,
			["taxable_value", "changed_by_supplier", "action", "upload_state"],
			as_dict=True,
		)
		self.assertEqual((after.taxable_value, after.changed_by_supplier), (12345.0, 1))
		self.assertEqual(after.action, "No Action")  # R9: the edit voided the action
		self.assertEqual(self.sandbox.state.stats.get("stale_prev_status", 0), 0)

	def test_rules_gstn_enforces_fail_single_rows_before_sending(self):  # R5
		row = next(r for r in self.rows() if r.pending_blocked and r.gstn_action != "Pending")
		frappe.db.set_value(
			supply_doctype(), row.name, {"action": "Pending", "upload_state": "Pending Upload"}
		)
		other = next(r for r in self.rows(section="B2B") if r.gstn_action == "No Action")
		self.set_actions([other], pick=lambda i, r: "Rejected")
		result = self.upload()
		self.assertEqual((result.refused, result.sent), (1, 1))
		failed = frappe.db.get_value(
			supply_doctype(), row.name, ["upload_state", "upload_error"], as_dict=True
		)
		self.assertEqual(failed.upload_state, "Failed")
		self.assertIn("R5", failed.upload_error)

	def test_an_action_changed_while_gstn_works_goes_again(self):
		row = next(r for r in self.rows(section="B2B") if r.gstn_action == "No Action")
		self.set_actions([row], pick=lambda i, r: "Rejected")

		def user_changes_mind(stage, request):
			if stage == "after-reference":
				frappe.db.set_value(
					supply_doctype(), row.name, {"action": "Pending", "upload_state": "Pending Upload"}
				)

		with patch.object(service, "_checkpoint", user_changes_mind):
			self.upload()
		after = frappe.db.get_value(
			supply_doctype(), row.name, ["gstn_action", "action", "upload_state"], as_dict=True
		)
		self.assertEqual(
			(after.gstn_action, after.action, after.upload_state), ("Rejected", "Pending", "Pending Upload")
		)
		self.assertEqual(self.upload().sent, 1)
		self.assertEqual(frappe.db.get_value(supply_doctype(), row.name, "gstn_action"), "Pending")


class TestUploadCrashes(UploadTestCase):
	def crash_at(self, wanted_stage, times=1):
		left = [times]

		def checkpoint(stage, request):
			if stage == wanted_stage and left[0]:
				left[0] -= 1
				raise Crash(stage)

		return patch.object(service, "_checkpoint", checkpoint)

	def crash_then_resume(self, stage):
		self.small_bodies(20_000)
		wanted = self.set_actions(self.rows())
		with self.crash_at(stage), self.assertRaises(Crash):
			self.upload()
		states = frappe.get_all("IMS Upload Request", filters={"company_gstin": GSTIN}, pluck="status")
		self.assertIn("Sending" if stage != "after-reference" else "In Progress", states)
		time.sleep(2.1)  # the sandbox, like GSTN, finishes a request nobody polls on its own
		resumed = self.upload(resume=True)
		self.assertFalse(resumed.in_progress)
		self.upload()  # the user's next upload sends whatever the resync found not landed
		after = {r.name: r for r in self.rows()}
		self.assertTrue(all(after[n].gstn_action == a for n, a in wanted.items()), "an action was lost")
		self.assertFalse(
			frappe.get_all(
				"IMS Upload Request", filters={"company_gstin": GSTIN, "status": ("in", service.OPEN)}
			)
		)
		self.assertEqual(self.sandbox.state.stats.get("stale_prev_status", 0), 0)
		self.assert_in_sync()
		return resumed

	def test_killed_after_gstn_took_the_request_resyncs_instead_of_resending(self):
		resumed = self.crash_then_resume("after-send")
		self.assertGreater(resumed.resynced, 0)

	def test_killed_before_the_put_sends_the_rows_later(self):
		self.crash_then_resume("before-send")

	def test_killed_after_the_reference_was_stored_polls_it_on_resume(self):
		resumed = self.crash_then_resume("after-reference")
		self.assertGreater(resumed.processed, 0)

	def test_a_request_stuck_in_progress_is_left_for_the_scheduler_then_finished(self):
		wanted = self.set_actions(self.rows()[:20])
		self.sandbox.set_faults(FaultPlan(stuck_requests=True))
		first = self.upload(poll=service.PollPolicy(delays=(0.05,), budget=0.2, settle=0))
		self.assertTrue(first.in_progress)
		self.assertEqual(
			frappe.db.count("IMS Upload Request", {"company_gstin": GSTIN, "status": "In Progress"}), 1
		)
		with patch.object(service, "enqueue_upload", return_value={"queued": True}) as enqueue:
			self.assertEqual(service.resume_open_requests(), [GSTIN])
		enqueue.assert_called_once_with(GSTIN, resume=True, user=None)
		for request in self.sandbox.state.requests.values():
			request["stuck"] = False  # GSTN gets to it
		self.sandbox.set_faults(FaultPlan())
		resumed = self.upload(resume=True)
		self.assertEqual(resumed.processed, len(wanted))
		self.assert_in_sync()


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


class TestUploadStops(UploadTestCase):
	"""Issue 13: HTTP 429 (the GSP's credits used up) stops the upload with a clear message and
	nothing lost; the next run finishes the job without resending blind."""

	records = 200

	def test_credits_running_out_mid_upload_lose_nothing_and_the_next_run_finishes(self):
		from ims_compliance.gstn.errors import CreditsExhausted

		self.small_bodies(6_000)
		wanted = self.set_actions(self.rows()[:80])
		token = CacheSessionStore(GSTIN).load()["auth_token"]
		spent = self.sandbox.api.sessions[token]["calls"]
		self.sandbox.api.config = dataclasses.replace(self.sandbox.api.config, call_budget=spent + 3)
		with self.assertRaises(CreditsExhausted) as caught:
			self.upload()
		self.assertIn("credits", caught.exception.message)
		self.assertEqual(caught.exception.http_status, 429)
		after = {r.name: r for r in self.rows()}
		# every wanted row is either taken by GSTN or still on its way (never dropped)
		for name, action in wanted.items():
			row = after[name]
			self.assertTrue(
				row.gstn_action == action or row.upload_state in ("Pending Upload", "Uploading"), name
			)
		statuses = {
			r.status
			for r in frappe.get_all("IMS Upload Request", filters={"company_gstin": GSTIN}, fields=["status"])
		}
		self.assertNotIn("Failed", statuses)
		self.sandbox.api.config = dataclasses.replace(self.sandbox.api.config, call_budget=None)
		result = self.upload()
		self.assertEqual(result.failed, 0)
		self.assertGreater(result.api_calls, 0)
		after = {r.name: r for r in self.rows()}
		self.assertTrue(all(after[name].gstn_action == action for name, action in wanted.items()))
		self.assert_in_sync()
		self.assertEqual(self.sandbox.state.stats.get("stale_prev_status", 0), 0)


class TestUploadChangesBeforeSending(UploadTestCase):
	"""Issue 18: a request goes with the records planned for it, unless its rows changed before
	its PUT: then they go as they are now, leave the request, or (grown past the body limit) are
	planned again in the same run. GSTN's answer to a request is written during the next one's
	wait; a worker killed before that leaves it to the resume."""

	def b2b_rows(self, count):
		rows = [r for r in self.rows(section="B2B") if r.gstn_action == "No Action"][:count]
		self.assertEqual(len(rows), count)
		return rows

	def on_gstn(self, row) -> dict:
		records = self.sandbox.state.records[GSTIN]
		return next(
			r
			for section in records.values()
			for r in section.values()
			if (r["stin"], r.get("inum") or r.get("nt_num")) == (row.supplier_gstin, row.document_number)
		)

	def edit_queued_rows_once(self, edit):
		"""While GSTN has the first request, `edit(rows)` the rows of the requests still queued."""
		seen = []

		def checkpoint(stage, request):
			if stage == "after-reference" and not seen:
				queued = frappe.get_all(
					"IMS Upload Request",
					filters={"company_gstin": GSTIN, "status": "Queued"},
					pluck="name",
					order_by="creation asc",
				)
				seen.append(len(queued) + 1)
				rows = frappe.get_all(
					supply_doctype(),
					filters={"upload_request": queued[0]},
					fields=["name", "supplier_gstin", "document_number"],
					order_by="name",
				)
				edit(rows)

		return patch.object(service, "_checkpoint", checkpoint), seen

	def test_unchanged_rows_go_with_their_planned_records_without_being_read_again(self):
		self.small_bodies(6_000)
		wanted = self.set_actions(self.b2b_rows(120), pick=lambda i, r: ("Rejected", "Pending")[i % 2])
		with (
			patch.object(upload_send.Sending, "detach", side_effect=AssertionError("rows read again")),
			patch.object(upload_send, "pending_from_row", side_effect=AssertionError("record built again")),
		):
			result = self.upload()
		self.assertEqual((result.sent, result.processed), (len(wanted), len(wanted)))
		self.assertGreater(result.requests, 2)
		self.assert_in_sync()

	def test_rows_changed_before_their_put_go_as_they_are_now(self):
		self.small_bodies(6_000)
		wanted = self.set_actions(self.b2b_rows(80), pick=lambda i, r: "Rejected")
		changed = {}

		def edit(rows):
			remarks, pending, reverted = rows[0], rows[1], rows[2]
			frappe.db.set_value(supply_doctype(), remarks.name, "remarks", "Checked with the supplier")
			frappe.db.set_value(
				supply_doctype(), pending.name, {"action": "Pending", "upload_state": "Pending Upload"}
			)
			frappe.db.set_value(supply_doctype(), reverted.name, {"action": "No Action", "upload_state": ""})
			changed.update(remarks=remarks, pending=pending, reverted=reverted)

		hook, _ = self.edit_queued_rows_once(edit)
		saved = self.sandbox.state.stats.get("saved", 0)
		with hook:
			result = self.upload()
		self.assertEqual((result.sent, result.failed), (len(wanted) - 1, 0))
		self.assertEqual(self.sandbox.state.stats["saved"] - saved, len(wanted) - 1)
		self.assertEqual(self.on_gstn(changed["remarks"]).get("remarks"), "Checked with the supplier")
		self.assertEqual(self.on_gstn(changed["pending"])["action"], "P")  # not the planned R
		self.assertEqual(
			frappe.db.get_value(supply_doctype(), changed["pending"].name, "gstn_action"), "Pending"
		)
		self.assertEqual(self.on_gstn(changed["reverted"]).get("action", "N"), "N")  # left its request
		reverted = frappe.db.get_value(
			supply_doctype(), changed["reverted"].name, ["upload_request", "upload_state"], as_dict=True
		)
		self.assertEqual((reverted.upload_request, reverted.upload_state), (None, ""))
		self.assertEqual(self.sandbox.state.stats.get("stale_prev_status", 0), 0)
		self.assert_in_sync()

	def test_a_row_changed_and_changed_back_around_its_attach_is_applied_as_sent(self):
		wanted = self.set_actions(self.b2b_rows(30), pick=lambda i, r: "Rejected")
		row = sorted(wanted)[10]
		attach = upload_plan.Planning.attach

		def user_flips(run, *args, **kwargs):
			frappe.db.set_value(supply_doctype(), row, "action", "Pending")  # after the read
			attach(run, *args, **kwargs)
			frappe.db.set_value(supply_doctype(), row, "action", "Rejected")  # back before the PUT

		with patch.object(upload_plan.Planning, "attach", user_flips):
			result = self.upload()
		self.assertEqual(result.sent, len(wanted))
		self.assertEqual(frappe.db.get_value(supply_doctype(), row, "gstn_action"), "Rejected")
		self.assert_in_sync()

	def test_rows_grown_past_the_body_limit_go_in_another_request_of_the_same_run(self):
		self.small_bodies(6_000)
		wanted = self.set_actions(self.b2b_rows(150), pick=lambda i, r: "Rejected")
		note = "Short shipment: a debit note was asked of the supplier. " * 8  # 456 characters
		grown = []

		def edit(rows):
			for row in rows[:8]:
				frappe.db.set_value(supply_doctype(), row.name, "remarks", note)
				grown.append(row)

		hook, planned = self.edit_queued_rows_once(edit)
		with hook:
			result = self.upload()
		self.assertEqual((result.sent, result.processed, result.failed), (len(wanted), len(wanted), 0))
		self.assertGreater(result.requests, planned[0])  # the overflow went in one more request
		requests = frappe.get_all(
			"IMS Upload Request", filters={"company_gstin": GSTIN}, fields=["status", "body_bytes"]
		)
		self.assertEqual({r.status for r in requests}, {"Processed"})
		self.assertTrue(all(r.body_bytes <= 6_000 for r in requests))
		self.assertTrue(all(self.on_gstn(row).get("remarks") == note for row in grown))
		self.assertFalse(self.rows(upload_state=("in", ("Pending Upload", "Uploading", "Failed"))))
		self.assert_in_sync()

	def test_planning_again_the_rows_released_from_a_body_ties_only_them(self):
		first, failed, last = sorted(self.b2b_rows(3), key=lambda r: r.name)
		self.set_actions([first, failed, last], pick=lambda i, r: "Rejected")
		frappe.db.set_value(supply_doctype(), failed.name, {"upload_state": "Failed", "upload_error": "R5"})
		run = service._Run(GSTIN, self.client, commit=False, publish=False, poll=None, user=None)
		run.plan([first.name, last.name])  # the range between them holds a pending row not read
		tied = {r.name for r in self.rows() if r.upload_request}
		self.assertEqual(tied, {first.name, last.name})
		run.plan()  # a whole plan reads it, and ties it
		self.assertTrue(frappe.db.get_value(supply_doctype(), failed.name, "upload_request"))

	def test_a_worker_killed_before_the_next_put_leaves_the_last_answer_to_the_resume(self):
		self.small_bodies(20_000)
		wanted = self.set_actions(self.rows())
		sends = []

		def checkpoint(stage, request):
			if stage == "before-send":
				sends.append(request)
				if len(sends) == 2:
					raise Crash(stage)

		with patch.object(service, "_checkpoint", checkpoint), self.assertRaises(Crash):
			self.upload()
		first = frappe.db.get_value("IMS Upload Request", sends[0], ["status", "reference_id"], as_dict=True)
		self.assertEqual(first.status, "In Progress")  # GSTN answered; the answer was not yet written
		self.assertTrue(self.rows(upload_request=sends[0], upload_state="Uploading"))
		resumed = self.upload(resume=True)
		self.assertGreater(resumed.processed, 0)
		self.assertEqual(frappe.db.get_value("IMS Upload Request", sends[0], "status"), "Processed")
		self.upload()
		after = {r.name: r for r in self.rows()}
		self.assertTrue(all(after[n].gstn_action == a for n, a in wanted.items()), "an action was lost")
		logged = frappe.db.count(
			"IMS Action Log", {"source": "Upload Result", "inward_supply": ("in", list(wanted))}
		)
		self.assertEqual(logged, len(wanted))  # each answer written once
		self.assertEqual(self.sandbox.state.stats.get("stale_prev_status", 0), 0)
		self.assert_in_sync()
