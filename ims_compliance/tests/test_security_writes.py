"""Issue 14: every write goes through the IMS services (desk form, REST, frappe.client, Data Import
all refused), and nothing a service stores carries markup."""

from __future__ import annotations

import json
from urllib.parse import quote

import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance import api
from ims_compliance.core.gstin import make_gstin
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.tests.fixtures import ACCOUNTS_USER, COMPANY_GSTIN, SUPPLIER_GSTINS, TEST_COMPANY
from ims_compliance.tests.security_case import (
	ALPHA,
	SecurityCase,
	snapshot,
)


class TestServiceOnlyWrites(SecurityCase):
	"""Findings 1 and 2: generic writes of actions and of GSTN's values."""

	def resource(self, name: str = "") -> str:
		return f"/api/resource/{quote(supply_doctype())}" + (f"/{name}" if name else "")

	def test_rest_put_of_an_action_is_refused_and_nothing_is_pending(self):
		before = snapshot(self.ours)
		for body in (
			{"action": "Accepted", "upload_state": "Pending Upload"},
			{"taxable_value": 1, "supplier_filed": 0, "supplier_gstin": SUPPLIER_GSTINS["IMS Supplier Beta"]},
			{"purchase_invoice": "ACC-PINV-2025-00001", "match_status": "Manual Match"},
			{"itc_reduction_required": "N", "declared_igst": 5},
		):
			response = self.http("put", self.resource(self.ours), self.accounts_user, body)
			self.assertIn(response.status_code, (403, 417), response.get_data(as_text=True)[:300])
			self.assertEqual(snapshot(self.ours), before)
		message = json.loads(response.get_data(as_text=True)).get("_server_messages", "")
		self.assertIn("Actions on the GST Invoice Management System page", message)
		for method, body in (
			(
				"frappe.client.set_value",
				{"doctype": supply_doctype(), "name": self.ours, "fieldname": {"action": "Accepted"}},
			),
			(
				"frappe.client.bulk_update",
				{
					"docs": json.dumps(
						[{"doctype": supply_doctype(), "docname": self.ours, "action": "Accepted"}]
					)
				},
			),
		):
			response = self.http("post", f"/api/method/{method}", self.accounts_user, body)
			self.assertEqual(snapshot(self.ours), before, method)

	def test_rest_insert_and_delete_are_refused(self):
		count = frappe.db.count(supply_doctype())
		response = self.http(
			"post",
			self.resource(),
			self.accounts_user,
			{
				"company": TEST_COMPANY,
				"company_gstin": COMPANY_GSTIN,
				"supplier_gstin": ALPHA,
				"section": "B2B",
				"document_number": "SEC-NEW-1",
				"document_date": "2025-10-05",
				"action": "Accepted",
				"upload_state": "Pending Upload",
			},
		)
		self.assertIn(response.status_code, (403, 417))
		before = snapshot(self.ours)
		response = self.http("delete", self.resource(self.ours), self.accounts_user)
		self.assertIn(response.status_code, (403, 417))
		self.assertEqual(frappe.db.count(supply_doctype()), count)
		self.assertEqual(snapshot(self.ours), before)

	def test_frappe_client_and_desk_paths_are_refused_for_an_accounts_user(self):
		from frappe.client import delete, insert, save, set_value
		from frappe.desk.form.save import savedocs

		frappe.set_user(ACCOUNTS_USER)
		doc = frappe.get_doc(supply_doctype(), self.ours).as_dict()
		attempts = [
			lambda: set_value(
				supply_doctype(), self.ours, {"action": "Accepted", "upload_state": "Pending Upload"}
			),
			lambda: set_value(supply_doctype(), self.ours, "taxable_value", 1),
			lambda: save(
				json.dumps({**doc, "action": "Rejected", "upload_state": "Pending Upload"}, default=str)
			),
			lambda: savedocs(json.dumps({**doc, "igst": 0}, default=str), "Save"),
			lambda: insert({**doc, "name": None, "document_number": "SEC-INS-1"}),
			lambda: delete(supply_doctype(), self.ours),
		]
		for attempt in attempts:
			frappe.set_user(ACCOUNTS_USER)
			self.assertRefusedUnchanged(self.ours, attempt)

	def test_bulk_edit_changes_nothing(self):
		from frappe.desk.doctype.bulk_update.bulk_update import submit_cancel_or_update_docs

		before = snapshot(self.ours)
		frappe.set_user(ACCOUNTS_USER)
		try:
			submit_cancel_or_update_docs(
				supply_doctype(), [self.ours], action="update", data={"action": "Accepted"}
			)
		except Exception:
			pass
		frappe.set_user("Administrator")
		self.assertEqual(snapshot(self.ours), before)

	def test_even_a_system_manager_changes_actions_only_through_the_services(self):
		from frappe.client import set_value

		self.assertRefusedUnchanged(
			self.ours,
			lambda: set_value(supply_doctype(), self.ours, "action", "Accepted"),
			exc=frappe.ValidationError,
		)
		with self.assertRaisesRegex(frappe.ValidationError, "download from GSTN"):
			set_value(supply_doctype(), self.ours, "document_value", 99)
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc({**frappe.get_doc(supply_doctype(), self.ours).as_dict(), "name": None}).insert()

	def test_the_action_service_still_writes_and_logs(self):
		frappe.set_user(ACCOUNTS_USER)
		result = api.apply_action("Pending", names=[self.ours])
		frappe.set_user("Administrator")
		self.assertEqual(result["applied"], 1)
		self.assertEqual(frappe.db.get_value(supply_doctype(), self.ours, "action"), "Pending")
		self.assertEqual(frappe.db.count("IMS Action Log", {"inward_supply": self.ours}), 1)

	def test_a_save_that_changes_nothing_is_not_refused(self):
		doc = frappe.get_doc(supply_doctype(), self.ours)
		doc.save()  # the desk's "Save" on an untouched form


class TestNoMarkupStored(FrappeTestCase):
	"""Finding 5, second wall: ingest writes with SQL (Frappe's sanitiser never sees the values),
	so it stores GSTN's trade names and remarks as plain text."""

	def tearDown(self):
		frappe.db.rollback()

	def test_trade_names_and_remarks_lose_their_markup_at_ingest(self):
		import dataclasses

		from ims_compliance.services.ingest import ingest
		from ims_compliance.services.test_ingest import SECTIONS, records
		from ims_compliance.tests.fixtures import COMPANY_GSTIN_2

		record = dataclasses.replace(
			records(1, seed="xss")[0],
			supplier_gstin=make_gstin("27", "AAXSS9999X"),  # no ERPNext Supplier: GSTN's name is kept
			supplier_name="<img src=x onerror=alert(1)>Acme <script>alert(2)</script>Traders",
			remarks="<b>see</b>\nattached",
		)
		ingest(COMPANY_GSTIN_2, [record], sections=SECTIONS)
		row = frappe.db.get_value(
			supply_doctype(),
			{"company_gstin": COMPANY_GSTIN_2, "document_number": record.document_number},
			["supplier_name", "remarks"],
			as_dict=True,
		)
		self.assertEqual((row.supplier_name, row.remarks), ("Acme alert(2) Traders", "see\nattached"))
