"""Issue 14: linking a Purchase Invoice checks the pair, and bad arguments get a clear 417, not a
server error."""

from __future__ import annotations

import frappe

from ims_compliance import api
from ims_compliance.core.gstin import make_gstin
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.tests.factories import make_inward_supply, make_purchase_invoice
from ims_compliance.tests.fixtures import ACCOUNTS_USER, COMPANY_GSTIN
from ims_compliance.tests.security_case import (
	ALPHA,
	SecurityCase,
	make_user,
	snapshot,
)


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
