"""Every write goes through the rules (issue 14): each bypass the issue found is tried again, as
an Accounts User, as a System Manager and as a user restricted to one Company, through real HTTP
(Frappe's in-process WSGI test client, token auth) and through the `frappe.client` / desk
functions REST and the desk call. Each must be refused with NOTHING changed: the row's values,
its IMS Action Log, its upload state, and what the next upload would send.

Fixtures (a second company with its own GSTIN, the restricted user, two records) are committed
once, because the HTTP requests run on their own database connection."""

from __future__ import annotations

import json
from urllib.parse import quote

import frappe
from frappe.tests.test_api import make_request
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_test_client

from ims_compliance import api
from ims_compliance.core.gstin import make_gstin
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.tests.factories import make_inward_supply, make_purchase_invoice
from ims_compliance.tests.fixtures import ACCOUNTS_USER, COMPANY_GSTIN, SUPPLIER_GSTINS, TEST_COMPANY

OTHER_COMPANY = "IMS Other Company"
OTHER_GSTIN = make_gstin("24", "AAACO5678K")
RESTRICTED_USER = "ims.company.a.only@example.com"
ALPHA = SUPPLIER_GSTINS["IMS Supplier Alpha"]


def make_other_company() -> None:
	if not frappe.db.exists("Company", OTHER_COMPANY):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": OTHER_COMPANY,
				"abbr": "IMSOC",
				"default_currency": "INR",
				"country": "India",
				"chart_of_accounts": "Standard",
				"tax_id": OTHER_GSTIN,
			}
		).insert(ignore_permissions=True)
	settings = frappe.get_single("IMS Settings")
	if OTHER_GSTIN not in {row.gstin for row in settings.company_gstins}:
		settings.append(
			"company_gstins", {"company": OTHER_COMPANY, "gstin": OTHER_GSTIN, "gstn_username": "other"}
		)
		settings.save(ignore_permissions=True)


def make_user(email: str, roles: list[str]) -> dict:
	"""The user with the roles, and an API key/secret for token-authenticated HTTP calls."""
	if not frappe.db.exists("User", email):
		user = frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		)
		user.insert(ignore_permissions=True)
		user.add_roles(*roles)
	user = frappe.get_doc("User", email)
	secret = frappe.generate_hash(length=15)
	user.api_key = user.api_key or frappe.generate_hash(length=15)
	user.api_secret = secret
	user.save(ignore_permissions=True)
	return {"Authorization": f"token {user.api_key}:{secret}"}


def restrict_to_company(email: str, company: str) -> None:
	if not frappe.db.exists("User Permission", {"user": email, "allow": "Company", "for_value": company}):
		frappe.get_doc(
			{
				"doctype": "User Permission",
				"user": email,
				"allow": "Company",
				"for_value": company,
				"apply_to_all_doctypes": 1,
			}
		).insert(ignore_permissions=True)


def snapshot(name: str) -> dict:
	"""Everything that must not move: the row, its log, and what the next upload would send."""
	row = frappe.db.get_value(supply_doctype(), name, "*", as_dict=True)
	row.pop("modified", None)
	gstin = row.company_gstin
	return {
		"row": row,
		"log": frappe.db.count("IMS Action Log", {"inward_supply": name}),
		"pending": frappe.db.count(
			supply_doctype(), {"company_gstin": gstin, "upload_state": ("in", ("Pending Upload", "Failed"))}
		),
		"upload_requests": frappe.db.count("IMS Upload Request"),
	}


class SecurityCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		make_other_company()
		cls.accounts_user = make_user(ACCOUNTS_USER, ["Accounts User"])
		cls.restricted_user = make_user(RESTRICTED_USER, ["Accounts User"])
		restrict_to_company(RESTRICTED_USER, TEST_COMPANY)
		cls.ours = make_inward_supply(document_number="SEC-A-" + frappe.generate_hash(length=5)).name
		cls.theirs = make_inward_supply(
			company=OTHER_COMPANY,
			company_gstin=OTHER_GSTIN,
			document_number="SEC-B-" + frappe.generate_hash(length=5),
			match_status="Exact Match",
		).name
		frappe.db.commit()  # nosemgrep: the HTTP requests read on their own connection
		cls.client = get_test_client()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		for name in (cls.ours, cls.theirs):
			frappe.db.delete("IMS Action Log", {"inward_supply": name})
			frappe.db.delete(supply_doctype(), {"name": name})
		frappe.db.commit()  # nosemgrep: remove the committed fixtures rows
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def http(self, verb: str, path: str, headers: dict, data=None):
		kwargs = {"headers": headers}
		if data is not None:
			kwargs["json"] = data
		response = make_request(target=getattr(self.client, verb), args=(path,), kwargs=kwargs)
		frappe.db.rollback()  # see what the request committed
		return response

	def assertRefusedUnchanged(self, name: str, attempt, *, exc=Exception):
		before = snapshot(name)
		with self.assertRaises(exc):
			attempt()
		frappe.set_user("Administrator")
		self.assertEqual(snapshot(name), before)


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


class TestCompanyRestriction(SecurityCase):
	"""Finding 4: a user restricted to Company A reaches nothing of Company B."""

	def test_reads_never_show_the_other_company(self):
		frappe.set_user(RESTRICTED_USER)
		view = api.get_document_view({"company_gstin": OTHER_GSTIN})
		self.assertEqual((view["rows"], view["total"]), ([], 0))
		names = {r.name for r in api.get_document_view({}, page_length=500)["rows"]}
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


class TestLinking(SecurityCase):
	"""Finding 3: the pair is checked, and link/unlink are logged with the user."""

	def link(self, name, pi, **kw):
		frappe.set_user(ACCOUNTS_USER)
		try:
			return api.link_purchase_invoice(name, pi, **kw)
		finally:
			frappe.set_user("Administrator")

	def test_pairs_that_cannot_be_the_same_document_are_refused(self):
		beta_pi = make_purchase_invoice(
			supplier="IMS Supplier Beta", bill_no="SEC-L-" + frappe.generate_hash(length=5)
		)
		draft = make_purchase_invoice(bill_no="SEC-D-" + frappe.generate_hash(length=5), submit=False)
		cancelled = make_purchase_invoice(bill_no="SEC-C-" + frappe.generate_hash(length=5))
		cancelled.cancel()
		credit_note = make_inward_supply(
			section="CN", document_number="SEC-CN-" + frappe.generate_hash(length=4)
		)
		alpha_pi = make_purchase_invoice(bill_no="SEC-P-" + frappe.generate_hash(length=5), net=321)
		cases = [
			(self.ours, beta_pi.name, "supplier GSTIN"),
			(self.ours, draft.name, "a draft"),
			(self.ours, cancelled.name, "cancelled"),
			(self.ours, "NO-SUCH-PI", "not found"),
			(self.theirs, alpha_pi.name, "belongs to"),
			(credit_note.name, alpha_pi.name, "return"),
		]
		for name, pi, message in cases:
			before = snapshot(name)
			with self.assertRaisesRegex(frappe.ValidationError, message):
				self.link(name, pi)
			self.assertEqual(snapshot(name), before)

	def test_another_gstin_of_the_same_pan_needs_confirmation_and_a_reason(self):
		same_pan = make_gstin("29", ALPHA[2:12])
		supply = make_inward_supply(
			supplier_gstin=same_pan, document_number="SEC-PAN-" + frappe.generate_hash(length=4)
		)
		pi = make_purchase_invoice(bill_no="SEC-Q-" + frappe.generate_hash(length=5), net=555)
		before = snapshot(supply.name)
		with self.assertRaisesRegex(frappe.ValidationError, "same PAN"):
			self.link(supply.name, pi.name)
		with self.assertRaisesRegex(frappe.ValidationError, "reason"):
			self.link(supply.name, pi.name, confirm_other_gstin=1, reason="  ")
		self.assertEqual(snapshot(supply.name), before)
		self.link(supply.name, pi.name, confirm_other_gstin=1, reason="Billed from the Pune branch")
		log = frappe.get_all(
			"IMS Action Log",
			filters={"inward_supply": supply.name, "source": "Link"},
			fields=["user", "remarks"],
		)
		self.assertEqual(len(log), 1)
		self.assertEqual(log[0].user, ACCOUNTS_USER)
		self.assertIn("Billed from the Pune branch", log[0].remarks)

	def test_link_and_unlink_are_logged_with_the_user(self):
		supply = make_inward_supply(document_number="SEC-LOG-" + frappe.generate_hash(length=4))
		pi = make_purchase_invoice(bill_no="SEC-X-" + frappe.generate_hash(length=5), net=432)
		frappe.db.set_value(
			supply_doctype(), supply.name, {"purchase_invoice": None, "match_status": "Missing in PI"}
		)
		self.link(supply.name, pi.name)
		frappe.set_user(ACCOUNTS_USER)
		api.unlink_purchase_invoice(supply.name)
		frappe.set_user("Administrator")
		log = frappe.get_all(
			"IMS Action Log",
			filters={"inward_supply": supply.name, "source": ("in", ("Link", "Unlink"))},
			fields=["source", "user", "changed_values"],
			order_by="creation asc, source asc",
		)
		self.assertEqual(
			sorted((r.source, r.user) for r in log), [("Link", ACCOUNTS_USER), ("Unlink", ACCOUNTS_USER)]
		)


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


class TestBadArguments(SecurityCase):
	"""Finding 7: a bad argument is the caller's mistake (4xx with a message), never a 500; and the
	offline upload file, which records an IMS Upload Request, answers POST only."""

	def test_bad_paging_filters_and_sorting_are_validation_errors(self):
		frappe.set_user(ACCOUNTS_USER)
		for kwargs in (
			{"start": "abc"},
			{"page_length": "1; drop table"},
			{"start": -5},
			{"filters": "{not json"},
			{"filters": "[1, 2]"},
			{"filters": {"supplier_filed": "maybe"}},
			{"filters": {"from_date": "yesterday"}},
			{"filters": {"action": {"$ne": 1}}},
			{"sort_by": "name`; drop table x; --"},
		):
			with self.assertRaises(frappe.ValidationError, msg=kwargs):
				api.get_document_view(**kwargs)

	def test_a_bad_action_or_amount_is_a_validation_error(self):
		frappe.set_user(ACCOUNTS_USER)
		for kwargs in ({"action": "Maybe"}, {"action": "Accepted", "declared_igst": "lots"}):
			with self.assertRaises(frappe.ValidationError, msg=kwargs):
				api.apply_action(names=[self.ours], **kwargs)

	def test_http_bad_arguments_answer_4xx(self):
		for query in ("start=abc", "filters=%7Bbad", "sort_by=owner"):
			response = self.http(
				"get", f"/api/method/ims_compliance.api.get_document_view?{query}", self.accounts_user
			)
			self.assertEqual(response.status_code, 417, (query, response.get_data(as_text=True)[:200]))

	def test_the_offline_upload_file_is_post_only(self):
		manager = make_user("ims.sec.manager@example.com", ["Accounts Manager"])
		frappe.db.commit()  # nosemgrep: the request reads the user on its own connection
		count = frappe.db.count("IMS Upload Request")
		response = self.http(
			"get",
			f"/api/method/ims_compliance.api.download_offline_upload_file?company_gstin={COMPANY_GSTIN}",
			manager,
		)
		self.assertIn(response.status_code, (403, 405))
		self.assertEqual(frappe.db.count("IMS Upload Request"), count)


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
