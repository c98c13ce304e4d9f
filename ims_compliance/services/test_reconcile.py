import json

import pandas as pd

import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance import api
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services import books
from ims_compliance.services.reconcile import read_purchases, reconcile
from ims_compliance.tests.factories import make_inward_supply, make_purchase_invoice
from ims_compliance.tests.fixtures import ACCOUNTS_USER, COMPANY_GSTIN, NO_ROLE_USER, SUPPLIER_GSTINS


def supply(name):
	return frappe.db.get_value(
		supply_doctype(),
		name,
		[
			"match_status",
			"purchase_invoice",
			"recommended_action",
			"match_reasons",
			"purchase_taxable_value",
			"purchase_total_tax",
			"action",
		],
		as_dict=True,
	)


class TestReconcileOnTheBench(FrappeTestCase):
	"""The full job with real Purchase Invoices: read (tax accounts from IMS Settings), match,
	write back on both sides."""

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def test_reads_purchase_amounts_from_the_mapped_tax_accounts(self):
		pi = make_purchase_invoice(bill_no="RD-TAX-1", net=2000, taxes={"CGST": 180, "SGST": 180})
		frame = read_purchases(COMPANY_GSTIN, "2025-09-01", "2025-11-30")
		row = frame[frame["name"] == pi.name].iloc[0]
		self.assertEqual((row.taxable_value, row.cgst, row.sgst, row.igst), (2000, 180, 180, 0))
		self.assertEqual(row.supplier_gstin, SUPPLIER_GSTINS["IMS Supplier Alpha"])
		ret = make_purchase_invoice(
			bill_no="RD-RET-1",
			net=500,
			is_return=True,
			return_against=pi.name,
			taxes={"CGST": 45, "SGST": 45},
		)
		frame = read_purchases(COMPANY_GSTIN, "2025-09-01", "2025-11-30")
		row = frame[frame["name"] == ret.name].iloc[0]
		self.assertEqual((row.document_type, row.taxable_value, row.cgst), ("Credit Note", 500, 45))

	def test_a_bill_without_a_place_of_supply_leaves_it_unknown(self):
		"""India Compliance's place of supply ("27-Maharashtra") is cut to its state code; a bill
		without one must not compare as a state called "na" (a missing value read as text)."""
		frame = pd.DataFrame(
			{
				"name": ["PI-A", "PI-B"],
				"is_return": [0, 1],
				"bill_no": ["A-1", "B-1"],
				"bill_date": pd.to_datetime(["2025-10-05", None]),
				"posting_date": pd.to_datetime(["2025-10-06", "2025-10-07"]),
				"net_total": [100.0, -50.0],
				"place_of_supply": pd.Series(["27-Maharashtra", None], dtype="str"),
			}
		)
		out = books._purchase_frame(frame, has_boe=False)
		self.assertEqual(out["place_of_supply"].tolist(), ["27", None])
		self.assertEqual(out["document_type"].tolist(), ["Invoice", "Credit Note"])
		self.assertEqual(out["bill_date"].dt.strftime("%Y-%m-%d").tolist(), ["2025-10-05", "2025-10-07"])
		self.assertEqual(out["net_total"].tolist(), [100.0, 50.0])

	def test_job_matches_and_writes_both_sides(self):
		exact = make_inward_supply(document_number="RC-EX-1", taxable_value=1000, igst=180)
		mismatch = make_inward_supply(document_number="RC-MM-1", taxable_value=1000, igst=190)
		missing = make_inward_supply(document_number="RC-MP-1")
		pi_exact = make_purchase_invoice(bill_no="RC-EX-1", net=1000)
		pi_mismatch = make_purchase_invoice(bill_no="RC-MM-1", net=1000)
		lonely = make_purchase_invoice(bill_no="RC-LONELY", net=777, taxes={"IGST": 1})
		result = reconcile(COMPANY_GSTIN, "102025")
		self.assertGreaterEqual(result["missing_in_ims"], 1)
		self.assertEqual(
			(supply(exact.name).match_status, supply(exact.name).purchase_invoice),
			("Exact Match", pi_exact.name),
		)
		self.assertEqual(supply(exact.name).recommended_action, "Accepted")
		self.assertEqual(supply(exact.name).purchase_total_tax, 180)
		row = supply(mismatch.name)
		self.assertEqual(
			(row.match_status, row.purchase_invoice, row.recommended_action),
			("Mismatch", pi_mismatch.name, "Rejected"),
		)
		self.assertEqual([r["field"] for r in frappe.parse_json(row.match_reasons)], ["igst"])
		self.assertEqual(supply(missing.name).match_status, "Missing in PI")
		pi_side = frappe.db.get_value(
			"Purchase Invoice", pi_exact.name, ["ims_inward_supply", "ims_match_status"], as_dict=True
		)
		self.assertEqual((pi_side.ims_inward_supply, pi_side.ims_match_status), (exact.name, "Exact Match"))
		self.assertIsNone(frappe.db.get_value("Purchase Invoice", lonely.name, "ims_inward_supply"))

	def test_manual_match_survives_a_reconcile(self):
		doc = make_inward_supply(document_number="RC-MAN-1")
		other = make_purchase_invoice(bill_no="SOMETHING-ELSE", net=50, taxes={"IGST": 9})
		api.link_purchase_invoice(doc.name, other.name)
		make_purchase_invoice(bill_no="RC-MAN-1", net=1000)
		reconcile(COMPANY_GSTIN, "102025")
		self.assertEqual(
			(supply(doc.name).match_status, supply(doc.name).purchase_invoice), ("Manual Match", other.name)
		)

	def test_a_rerun_on_unchanged_data_writes_nothing(self):
		"""Issue 18: the write-back compares with what is stored; both sides stay as written."""
		doc = make_inward_supply(document_number="RC-RERUN-1")
		pi = make_purchase_invoice(bill_no="RC-RERUN-1", net=1000)
		first = reconcile(COMPANY_GSTIN, "102025")
		self.assertGreaterEqual(first["supplies"], 1)
		again = reconcile(COMPANY_GSTIN, "102025")
		self.assertEqual(again["written"], 0)
		self.assertEqual(supply(doc.name).purchase_invoice, pi.name)
		self.assertEqual(
			frappe.db.get_value("Purchase Invoice", pi.name, ["ims_inward_supply", "ims_match_status"]),
			(doc.name, "Exact Match"),
		)

	def test_stored_reasons_that_differ_only_in_their_text_are_rewritten(self):
		"""Issue 18: the stored reasons are compared by MD5 of their JSON text, which must be the
		same test as comparing the texts: equal JSON written otherwise (spaces) is rewritten, the
		untouched record is not."""
		changed = make_inward_supply(document_number="RC-MD5-1", taxable_value=1000, igst=190)
		kept = make_inward_supply(document_number="RC-MD5-2", taxable_value=1000, igst=195)
		make_purchase_invoice(bill_no="RC-MD5-1", net=1000)
		make_purchase_invoice(bill_no="RC-MD5-2", net=1000)
		reconcile(COMPANY_GSTIN, "102025")
		written = supply(changed.name).match_reasons
		self.assertEqual([r["field"] for r in json.loads(written)], ["igst"])
		respaced = json.dumps(json.loads(written), indent=1)
		frappe.db.set_value(supply_doctype(), changed.name, "match_reasons", respaced, update_modified=False)
		again = reconcile(COMPANY_GSTIN, "102025")
		self.assertEqual(again["written"], 1)
		self.assertEqual(supply(changed.name).match_reasons, written)
		self.assertEqual(reconcile(COMPANY_GSTIN, "102025")["written"], 0)
		self.assertEqual(supply(kept.name).match_status, "Mismatch")

	def test_a_manual_link_outside_the_window_takes_its_amounts_from_the_bill(self):
		"""A manually linked Purchase Invoice the window does not read still shows its amounts."""
		doc = make_inward_supply(document_number="RC-FAR-1")
		far = make_purchase_invoice(bill_no="RC-FAR-OLD", bill_date="2025-03-10", net=640, taxes={"IGST": 64})
		api.link_purchase_invoice(doc.name, far.name)
		frappe.db.set_value(
			supply_doctype(), doc.name, {"purchase_taxable_value": 0, "purchase_total_tax": 0}
		)
		reconcile(COMPANY_GSTIN, "102025")
		row = supply(doc.name)
		self.assertEqual((row.match_status, row.purchase_invoice), ("Manual Match", far.name))
		self.assertEqual((row.purchase_taxable_value, row.purchase_total_tax), (640, 64))

	def test_a_bill_pointing_at_a_record_that_links_another_is_cleared(self):
		doc = make_inward_supply(document_number="RC-STALE-1")
		pi = make_purchase_invoice(bill_no="RC-STALE-1", net=1000)
		stale = make_purchase_invoice(bill_no="RC-STALE-OTHER", net=70)
		frappe.db.set_value(
			"Purchase Invoice", stale.name, {"ims_inward_supply": doc.name, "ims_match_status": "Exact Match"}
		)
		reconcile(COMPANY_GSTIN, "102025")
		self.assertEqual(supply(doc.name).purchase_invoice, pi.name)
		self.assertEqual(
			frappe.db.get_value("Purchase Invoice", stale.name, ["ims_inward_supply", "ims_match_status"]),
			(None, None),
		)
		self.assertEqual(frappe.db.get_value("Purchase Invoice", pi.name, "ims_inward_supply"), doc.name)

	def test_submitting_a_purchase_invoice_matches_it(self):
		doc = make_inward_supply(document_number="RC-SUB-1", match_status="Missing in PI")
		pi = make_purchase_invoice(
			bill_no="RC-SUB-1", net=1000
		)  # on_submit runs the match (synchronously in tests)
		self.assertEqual(
			(supply(doc.name).match_status, supply(doc.name).purchase_invoice), ("Exact Match", pi.name)
		)

	def test_amending_a_purchase_invoice_matches_the_new_one(self):
		doc = make_inward_supply(document_number="RC-AMD-1")
		pi = make_purchase_invoice(bill_no="RC-AMD-1", net=1000)
		self.assertEqual(supply(doc.name).purchase_invoice, pi.name)
		pi.reload()
		pi.cancel()
		self.assertEqual(supply(doc.name).match_status, "Missing in PI")
		amended = frappe.copy_doc(pi)
		amended.amended_from = pi.name
		amended.docstatus = 0
		amended.insert()
		amended.submit()
		self.assertEqual(
			(supply(doc.name).match_status, supply(doc.name).purchase_invoice), ("Exact Match", amended.name)
		)

	def test_reconcile_endpoint_needs_write_permission(self):
		frappe.set_user(NO_ROLE_USER)
		with self.assertRaises(frappe.PermissionError):
			api.reconcile(COMPANY_GSTIN, "102025")

	def test_automatic_relink_of_an_accepted_record_reverts_it(self):
		"""P2 also when the engine, not a person, changes the pairing."""
		doc = make_inward_supply(document_number="RC-P2-1", match_status="Exact Match")
		api.apply_action("Accepted", names=[doc.name])
		pi = make_purchase_invoice(bill_no="RC-P2-1", net=1000)  # submit -> matched: link None -> pi
		row = supply(doc.name)
		self.assertEqual((row.purchase_invoice, row.action), (pi.name, "No Action"))
		logs = frappe.get_all(
			"IMS Action Log",
			filters={"inward_supply": doc.name, "source": "Automatic Revert"},
			pluck="remarks",
		)
		self.assertEqual(len(logs), 1)
		self.assertIn(pi.name, logs[0])
		api.apply_action("Accepted", names=[doc.name])
		reconcile(COMPANY_GSTIN, "102025")  # same pairing again: nothing reverts
		self.assertEqual(supply(doc.name).action, "Accepted")

	def test_reconcile_endpoint_queues_one_job_per_gstin(self):
		doc = make_inward_supply(document_number="RC-JOB-1")
		make_purchase_invoice(bill_no="ZZ-RC-JOB", net=321, taxes={"IGST": 3})
		frappe.set_user(ACCOUNTS_USER)
		result = api.reconcile(COMPANY_GSTIN, "102025")  # runs inline in tests (now=in_test)
		self.assertEqual((result["queued"], result["job_id"]), (True, f"ims-reconcile::{COMPANY_GSTIN}"))
		frappe.set_user("Administrator")
		self.assertEqual(supply(doc.name).match_status, "Missing in PI")
