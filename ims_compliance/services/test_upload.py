"""Issue 7 on the bench: the upload job against the built-in sandbox over real HTTP: what is sent,
how GSTN's answers are written back, and how GSTN's stops (429, AUTH403, the call cap) leave it."""

import dataclasses
from unittest.mock import patch

import frappe

from ims_compliance.doctype_names import supply_doctype
from ims_compliance.gstn.sandbox.faults import FaultPlan
from ims_compliance.services import upload as service
from ims_compliance.services.connection import CacheSessionStore
from ims_compliance.tests.upload_case import GSTIN, UploadTestCase


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
	def refuse(self, rows):
		"""The sandbox (as GSTN) refuses these records with IMSSAV0099."""
		for row in rows:
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

	def test_pe_with_25_refused_records_keeps_exactly_them_pending_and_upload_again_sends_only_them(self):
		rows = self.rows()
		wanted = self.set_actions(rows, pick=lambda i, row: "Rejected")
		chosen = [r for r in rows if r.name in wanted and r.section == "CN"][:8]
		chosen += [r for r in rows if r.name in wanted and r.section != "CN"][: 25 - len(chosen)]
		self.assertEqual(len(chosen), 25)
		self.refuse(chosen)
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

	def test_pe_without_its_error_report_takes_no_row_as_landed_and_asks_gstns_records(self):
		"""GSTN counts refusals (err_cnt) but its error_report is lost: no sent row may be marked
		as taken on trust; GSTN's records decide each row."""
		rows = self.rows()
		wanted = self.set_actions(rows, pick=lambda i, row: "Rejected")
		refused = [r for r in rows if r.name in wanted][:3]
		self.refuse(refused)
		self.sandbox.set_faults(FaultPlan(lost_error_reports=True))
		result = self.upload()
		self.assertTrue(any("does not name" in m for m in result.messages), result.messages)
		request = frappe.get_all(
			"IMS Upload Request", filters={"company_gstin": GSTIN}, fields=["status", "error_count"]
		)
		self.assertEqual([(r.status, r.error_count) for r in request], [("Resolved by Download", 3)])
		after = {r.name: r for r in self.rows()}
		for row in refused:  # GSTN kept its old status: still to send
			self.assertNotEqual(after[row.name].gstn_action, "Rejected", row.name)
			self.assertEqual(after[row.name].upload_state, "Pending Upload", row.name)
		taken = [after[n] for n in wanted if n not in {r.name for r in refused}]
		self.assertTrue(taken)
		self.assertTrue(all(r.gstn_action == "Rejected" and r.upload_state == "Uploaded" for r in taken))
		self.assertFalse(self.rows(upload_request=("is", "set")))
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
