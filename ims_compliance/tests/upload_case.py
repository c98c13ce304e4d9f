"""Shared by the upload bench tests (services/test_upload*.py): the sandbox case with a company
GSTIN of its own, fast poll settings, and the Crash a test raises at a checkpoint."""

import dataclasses

import frappe

from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services import upload as service
from ims_compliance.services.connection import make_client
from ims_compliance.services.download import download
from ims_compliance.tests.fixtures import COMPANY_GSTIN_2
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
