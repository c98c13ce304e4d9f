import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance import api
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.tests.factories import bulk_inward_supplies, make_inward_supply
from ims_compliance.tests.fixtures import ACCOUNTS_USER, COMPANY_GSTIN, NO_ROLE_USER


def logs_for(names):
	return frappe.get_all(
		"IMS Action Log",
		filters={"inward_supply": ("in", names)},
		fields=["inward_supply", "from_action", "to_action", "source", "user"],
	)


class TestActionRulesThroughAPI(FrappeTestCase):
	"""Each rule refuses through the whitelisted API, as an Accounts User, naming the rule."""

	def setUp(self):
		frappe.set_user(ACCOUNTS_USER)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()  # each test starts from the committed fixtures (R3 changes settings)

	def act(self, doc, action, **details):
		return api.apply_action(action, names=[doc.name], **details)

	def assertRefused(self, result, rule):
		self.assertEqual(result["applied"], 0, result)
		self.assertEqual(len(result["refused"]), 1, result)
		self.assertEqual(result["refused"][0]["rule"], rule, result)

	def test_p1_accept_refused_while_missing_in_pi(self):
		frappe.set_user("Administrator")
		doc = make_inward_supply(match_status="Missing in PI")
		frappe.set_user(ACCOUNTS_USER)
		result = self.act(doc, "Accepted")
		self.assertRefused(result, "P1")
		self.assertIn("Missing in PI", result["refused"][0]["message"])
		self.assertEqual(frappe.db.get_value(supply_doctype(), doc.name, "action"), "No Action")
		self.assertEqual(self.act(doc, "Pending")["applied"], 1)

	def test_r4_reject_refused_on_bill_of_entry(self):
		frappe.set_user("Administrator")
		doc = make_inward_supply(section="IMPG", match_status="Exact Match")
		frappe.set_user(ACCOUNTS_USER)
		self.assertRefused(self.act(doc, "Rejected"), "R4")
		self.assertEqual(self.act(doc, "Accepted")["applied"], 1)

	def test_r5_pending_refused_where_gstn_blocks_it(self):
		frappe.set_user("Administrator")
		doc = make_inward_supply(
			section="CN", supplier_period="092025", document_date="2025-09-10", pending_blocked=1
		)
		frappe.set_user(ACCOUNTS_USER)
		self.assertRefused(self.act(doc, "Pending"), "R5")

	def test_r6_pending_window_has_passed(self):
		frappe.set_user("Administrator")
		doc = make_inward_supply(section="CN", supplier_period="102025", document_date="2025-10-10")
		frappe.set_user(ACCOUNTS_USER)
		self.assertRefused(self.act(doc, "Pending"), "R6")  # today is long after Nov-2025's 3B

	def test_r3_no_change_after_3b_filed(self):
		frappe.set_user("Administrator")
		doc = make_inward_supply(match_status="Exact Match")
		settings = frappe.get_single("IMS Settings")
		for row in settings.company_gstins:
			if row.gstin == COMPANY_GSTIN:
				row.gstr3b_filed_upto = "102025"
		settings.save()
		frappe.set_user(ACCOUNTS_USER)
		self.assertRefused(self.act(doc, "Rejected"), "R3")

	def test_r7_accepting_a_credit_note_needs_the_itc_answer(self):
		frappe.set_user("Administrator")
		doc = make_inward_supply(section="CN", match_status="Exact Match", cgst=9, sgst=9, igst=0)
		frappe.set_user(ACCOUNTS_USER)
		self.assertRefused(self.act(doc, "Accepted"), "R7")
		partial = self.act(doc, "Accepted", itc_reduction_required="Y", declared_cgst=4, declared_sgst=4)
		self.assertRefused(partial, "R7")  # partial reversal without remarks
		done = self.act(
			doc,
			"Accepted",
			itc_reduction_required="Y",
			declared_cgst=4,
			declared_sgst=4,
			remarks="half returned",
		)
		self.assertEqual(done["applied"], 1, done)
		row = frappe.db.get_value(
			supply_doctype(), doc.name, ["action", "declared_cgst", "upload_state"], as_dict=True
		)
		self.assertEqual((row.action, row.declared_cgst, row.upload_state), ("Accepted", 4, "Pending Upload"))

	def test_user_without_role_is_refused(self):
		frappe.set_user("Administrator")
		doc = make_inward_supply()
		frappe.set_user(NO_ROLE_USER)
		with self.assertRaises(frappe.PermissionError):
			self.act(doc, "Rejected")
		with self.assertRaises(frappe.PermissionError):
			api.get_allowed_actions(doc.name)

	def test_allowed_actions_explain_disabled_buttons(self):
		frappe.set_user("Administrator")
		doc = make_inward_supply(match_status="Missing in PI")
		frappe.set_user(ACCOUNTS_USER)
		allowed = api.get_allowed_actions(doc.name)
		self.assertEqual(allowed["Accepted"]["rule"], "P1")
		self.assertIsNone(allowed["Rejected"])


class TestBulkActions(FrappeTestCase):
	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()  # each test starts from the committed fixtures (R3 changes settings)

	def test_bulk_of_1000_with_50_refusals_applies_950_and_logs_each_change_once(self):
		ok = bulk_inward_supplies(950, prefix="BLK-OK-", match_status="Exact Match")
		missing = bulk_inward_supplies(50, prefix="BLK-MP-", match_status="Missing in PI")
		frappe.set_user(ACCOUNTS_USER)
		result = api.apply_action("Accepted", names=frappe.as_json(ok + missing))
		self.assertEqual(result["applied"], 950)
		self.assertEqual(result["refused_count"], 50)
		self.assertEqual({r["rule"] for r in result["refused"]}, {"P1"})
		self.assertEqual({r["name"] for r in result["refused"]}, set(missing))
		frappe.set_user("Administrator")
		logs = logs_for(ok + missing)
		self.assertEqual(len(logs), 950)
		self.assertEqual({log.inward_supply for log in logs}, set(ok))
		self.assertEqual(
			{(log.from_action, log.to_action, log.source, log.user) for log in logs},
			{("No Action", "Accepted", "Bulk", ACCOUNTS_USER)},
		)
		states = frappe.get_all(
			supply_doctype(), filters={"name": ("in", ok)}, pluck="upload_state", distinct=True
		)
		self.assertEqual(states, ["Pending Upload"])

		frappe.set_user(ACCOUNTS_USER)
		again = api.apply_action("Accepted", names=ok)
		self.assertEqual((again["applied"], again["unchanged"]), (0, 950))
		frappe.set_user("Administrator")
		self.assertEqual(len(logs_for(ok)), 950)

	def test_back_to_gstn_status_clears_upload_pending(self):
		names = bulk_inward_supplies(3, prefix="BLK-RT-")
		api.apply_action("Rejected", names=names)
		api.apply_action("No Action", names=names)
		states = frappe.get_all(
			supply_doctype(), filters={"name": ("in", names)}, pluck="upload_state", distinct=True
		)
		self.assertEqual(states, [""])
		self.assertEqual(len(logs_for(names)), 6)

	def test_bulk_log_rows_carry_the_records_fields_as_stored(self):
		"""The action service writes each log row with its record's number, supplier and GSTINs in
		the INSERT (no second pass): they must equal the record's, quotes and all."""
		doc = make_inward_supply(match_status="Exact Match")
		frappe.db.set_value(supply_doctype(), doc.name, "supplier_name", 'O\'Brien "Traders" (P) Ltd')
		api.apply_action("Rejected", names=[doc.name], remarks="checked")
		fields = ["document_number", "supplier_name", "supplier_gstin", "company_gstin"]
		(log,) = frappe.get_all("IMS Action Log", filters={"inward_supply": doc.name}, fields=fields)
		record = frappe.db.get_value(supply_doctype(), doc.name, fields, as_dict=True)
		self.assertEqual(dict(log), dict(record))
		self.assertEqual(log.supplier_name, 'O\'Brien "Traders" (P) Ltd')

	def test_filter_and_supplier_wide_requests(self):
		names = bulk_inward_supplies(
			5, prefix="BLK-FL-", supplier_period="112025", document_date=frappe.utils.getdate("2025-11-03")
		)
		result = api.apply_action(
			"Rejected", filters={"supplier_period": "112025", "company_gstin": COMPANY_GSTIN}
		)
		self.assertEqual(result["applied"], 5)
		self.assertEqual(
			set(
				frappe.get_all(
					supply_doctype(),
					filters={"action": "Rejected", "supplier_period": "112025"},
					pluck="name",
				)
			),
			set(names),
		)
		with self.assertRaises(frappe.ValidationError):
			api.apply_action("Rejected")


class TestRecordDetail(FrappeTestCase):
	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def test_detail_has_allowed_actions_and_log(self):
		doc = make_inward_supply(match_status="Missing in PI")
		api.apply_action("Rejected", names=[doc.name], remarks="not ours")
		frappe.set_user(ACCOUNTS_USER)
		detail = api.get_record_detail(doc.name)
		self.assertEqual(detail["record"].action, "Rejected")
		self.assertEqual(detail["allowed_actions"]["Accepted"]["rule"], "P1")
		self.assertEqual(
			[(r.from_action, r.to_action, r.remarks) for r in detail["log"]],
			[("No Action", "Rejected", "not ours")],
		)
		self.assertIsNone(detail["purchase"])
		frappe.set_user(NO_ROLE_USER)
		with self.assertRaises(frappe.PermissionError):
			api.get_record_detail(doc.name)


class TestRecordStates(FrappeTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_r5_reads_the_action_this_operation_already_gave_the_original(self):
		"""Apply Recommended writes on a second connection, so the database does not show this
		connection the original's new action yet: record_states takes it from `applied`."""
		from ims_compliance.core.actions import Action
		from ims_compliance.services.actions import STATE_FIELDS, record_states

		original = make_inward_supply(document_number="RS-ORIG-1")
		amendment = make_inward_supply(
			document_number="RS-AMD-1", section="B2BA", original_inward_supply=original.name
		)
		row = frappe.get_all(supply_doctype(), filters={"name": amendment.name}, fields=list(STATE_FIELDS))
		self.assertEqual(record_states(row)[amendment.name].original_action, Action.NO_ACTION)
		states = record_states(row, {original.name: "Rejected"})
		self.assertEqual(states[amendment.name].original_action, Action.REJECTED)
		self.assertEqual(
			record_states(row, {"someone-else": "Rejected"})[amendment.name].original_action, Action.NO_ACTION
		)
