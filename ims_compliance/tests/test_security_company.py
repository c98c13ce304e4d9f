"""Issue 14: a user restricted to one Company, and a user without Purchase Invoice read, reach only
what their permissions allow, through REST as well as the API."""

from __future__ import annotations

import json
from urllib.parse import quote

import frappe

from ims_compliance import api
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.tests.factories import make_inward_supply, make_purchase_invoice
from ims_compliance.tests.security_case import (
	ALPHA,
	OTHER_COMPANY,
	OTHER_GSTIN,
	RESTRICTED_USER,
	SecurityCase,
	make_user,
	snapshot,
)


class TestCompanyRestriction(SecurityCase):
	"""Finding 4: a user restricted to Company A reaches nothing of Company B."""

	def test_reads_never_show_the_other_company(self):
		frappe.set_user(RESTRICTED_USER)
		view = api.get_document_view({"company_gstin": OTHER_GSTIN})
		self.assertEqual((view["rows"], view["total"]), ([], 0))
		# no company filter; the fixtures' numbers (SEC-A-, SEC-B-) keep other tests' rows off the page
		names = {r.name for r in api.get_document_view({"document_number": "SEC-"}, page_length=500)["rows"]}
		self.assertIn(self.ours, names)
		self.assertNotIn(self.theirs, names)
		self.assertFalse([r for r in api.get_match_summary({"company_gstin": OTHER_GSTIN}) if r["records"]])
		self.assertFalse(api.get_action_totals({"company_gstin": OTHER_GSTIN}))
		self.assertNotIn(OTHER_GSTIN, [g.gstin for g in api.get_page_state()["company_gstins"]])
		for attempt in (
			lambda: api.get_record_detail(self.theirs),
			lambda: api.get_allowed_actions(self.theirs),
			lambda: api.get_upload_summary(OTHER_GSTIN),
		):
			with self.assertRaises(frappe.PermissionError):
				attempt()

	def test_actions_by_names_filters_supplier_or_recommendation_touch_nothing(self):
		attempts = [
			lambda: api.apply_action("Pending", names=[self.theirs]),
			lambda: api.apply_action("Pending", names=json.dumps([self.theirs, self.ours])),
			lambda: api.apply_action("Pending", filters={"company_gstin": OTHER_GSTIN}),
			lambda: api.apply_action("Rejected", supplier_gstin=ALPHA, filters={"company": OTHER_COMPANY}),
			lambda: api.apply_recommendations({"company_gstin": OTHER_GSTIN}, dry_run=0),
			lambda: api.link_purchase_invoice(self.theirs, "anything"),
			lambda: api.unlink_purchase_invoice(self.theirs),
			lambda: api.upload_to_gstn(OTHER_GSTIN),
			lambda: api.download_from_gstn(OTHER_GSTIN),
			lambda: api.reconcile(OTHER_GSTIN, "102025"),
		]
		before = snapshot(self.theirs)
		for attempt in attempts:
			frappe.set_user(RESTRICTED_USER)
			try:
				result = attempt()
			except (frappe.PermissionError, frappe.ValidationError):
				result = None
			frappe.set_user("Administrator")
			if result and "refused" in result and isinstance(result["refused"], list):
				self.assertNotIn(self.theirs, [r["name"] for r in result["refused"] if r.get("rule")])
			self.assertEqual(snapshot(self.theirs), before)

	def test_excel_import_naming_the_other_company_record_is_refused(self):
		from ims_compliance.core.excel import write_action_template
		from ims_compliance.services.excel import import_actions

		row = frappe.db.get_value(
			supply_doctype(),
			self.theirs,
			["name", "supplier_gstin", "section", "document_number", "document_date"],
			as_dict=True,
		)
		import io

		from openpyxl import load_workbook

		stream = io.BytesIO()
		write_action_template([row], stream)
		book = load_workbook(io.BytesIO(stream.getvalue()))
		sheet = book["Actions"]
		header = [c.value for c in sheet[1]]
		sheet.cell(row=2, column=header.index("New Action") + 1, value="Pending")
		out = io.BytesIO()
		book.save(out)
		before = snapshot(self.theirs)
		frappe.set_user(RESTRICTED_USER)
		result = import_actions(out.getvalue())
		frappe.set_user("Administrator")
		self.assertEqual((result["applied"], result["refused"]), (0, 1))
		self.assertEqual(snapshot(self.theirs), before)

	def test_http_reads_of_the_other_company_are_refused(self):
		response = self.http(
			"get", f"/api/resource/{quote(supply_doctype())}/{self.theirs}", self.restricted_user
		)
		self.assertEqual(response.status_code, 403)
		response = self.http(
			"get",
			"/api/method/ims_compliance.api.get_document_view?"
			+ "filters="
			+ quote(json.dumps({"company_gstin": OTHER_GSTIN})),
			self.restricted_user,
		)
		self.assertEqual(response.status_code, 200)
		self.assertEqual(response.json["message"]["rows"], [])

	def test_http_pages_by_number_and_by_cursor_and_summaries_keep_the_restriction(self):
		"""Issue 18's read paths over REST as the Company-restricted user: a deep page read in two
		steps (names, then rows), a page by cursor, and the summaries folded from one GROUP BY."""
		from unittest.mock import patch

		from ims_compliance.services import queries

		def get(method: str, **args) -> dict:
			query = "&".join(
				f"{k}={quote(v if isinstance(v, str) else json.dumps(v))}" for k, v in args.items()
			)
			response = self.http(
				"get", f"/api/method/ims_compliance.api.{method}?{query}", self.restricted_user
			)
			self.assertEqual(response.status_code, 200, response.json)
			return response.json["message"]

		seen = set()
		with patch.object(queries, "DEFERRED_FROM", 0):  # every page by number goes the two-step way
			for start in range(0, 3):  # both fixtures' numbers start SEC-: only ours may come back
				page = get(
					"get_document_view",
					filters={"document_number": "SEC-"},
					start=str(start),
					page_length="1",
				)
				seen |= {row["name"] for row in page["rows"]}
				if page["next"]:
					after = get(
						"get_document_view", filters={}, start=str(start), page_length="1", after=page["next"]
					)
					seen |= {row["name"] for row in after["rows"]}
		self.assertIn(self.ours, seen)
		self.assertNotIn(self.theirs, seen)
		for method in ("get_match_summary", "get_action_totals"):
			rows = get(method, filters={"company_gstin": OTHER_GSTIN})
			self.assertFalse([row for row in rows if row["records"]], method)
		summary = get("get_actions_summary", filters={"company_gstin": OTHER_GSTIN})
		self.assertEqual(summary, {"by_document_type": [], "by_match_status": []})


class TestPurchaseInvoicePermission(SecurityCase):
	"""Linking and the detail view read the Purchase Invoice only when the user may read it."""

	def test_a_purchase_invoice_the_user_may_not_read_is_neither_shown_nor_linked(self):
		user = "ims.pi.beta.only@example.com"
		make_user(user, ["Accounts User"])
		if not frappe.db.exists("User Permission", {"user": user, "allow": "Supplier"}):
			frappe.get_doc(
				{
					"doctype": "User Permission",
					"user": user,
					"allow": "Supplier",
					"for_value": "IMS Supplier Beta",
					"apply_to_all_doctypes": 0,
					"applicable_for": "Purchase Invoice",
				}
			).insert(ignore_permissions=True)
		linked_pi = make_purchase_invoice(bill_no="SEC-R-" + frappe.generate_hash(length=5), net=611)
		other_pi = make_purchase_invoice(bill_no="SEC-S-" + frappe.generate_hash(length=5), net=612)
		supply = make_inward_supply(document_number="SEC-PIR-" + frappe.generate_hash(length=4))
		frappe.db.set_value(
			supply_doctype(),
			supply.name,
			{"purchase_invoice": linked_pi.name, "match_status": "Manual Match"},
		)
		frappe.set_user(user)
		detail = api.get_record_detail(supply.name)
		self.assertEqual(detail["purchase"], {"name": linked_pi.name, "restricted": 1})
		frappe.set_user("Administrator")
		frappe.db.set_value(
			supply_doctype(), supply.name, {"purchase_invoice": None, "match_status": "Missing in PI"}
		)
		before = snapshot(supply.name)
		frappe.set_user(user)
		with self.assertRaisesRegex(frappe.DoesNotExistError, "may not read it"):
			api.link_purchase_invoice(supply.name, other_pi.name)
		frappe.set_user("Administrator")
		self.assertEqual(snapshot(supply.name), before)
