"""Issue 7 on the bench: an upload killed at each checkpoint, and rows changed between planning and
sending, resume without losing or double-sending an action.

Crash tests stop the "worker" at the service's checkpoints by raising there. They do not roll
back: every write before a checkpoint is committed by the real job (commit() precedes each
checkpoint), so the transaction as it stands is exactly what a killed worker leaves behind."""

import time
from unittest.mock import patch

import frappe

from ims_compliance.doctype_names import supply_doctype
from ims_compliance.gstn.sandbox.faults import FaultPlan
from ims_compliance.services import upload as service
from ims_compliance.services import upload_plan, upload_send
from ims_compliance.tests.upload_case import GSTIN, Crash, UploadTestCase


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
