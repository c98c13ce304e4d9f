"""Issue 9: the whole monthly cycle on the bench, against the built-in sandbox over real HTTP.

download -> reconcile -> apply recommendations -> manual actions (Accept refused on Missing in
PI, an unlink that reverts Accepted) -> upload -> GSTN answers PE for two records -> upload
again -> recompute GSTR-2B -> the supplier edits a record -> re-download voids that action.
The final state of every record is asserted on both sides, with its IMS Action Log."""

import frappe

from ims_compliance import api
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services import gstr2b
from ims_compliance.services import upload as uploads
from ims_compliance.services.connection import make_client
from ims_compliance.services.download import download
from ims_compliance.services.reconcile import reconcile
from ims_compliance.tests.factories import IGST_PLACE_OF_SUPPLY, make_purchase_invoice
from ims_compliance.tests.fixtures import COMPANY_GSTIN, SUPPLIER_GSTINS
from ims_compliance.tests.sandbox_case import SandboxCase

GSTIN = COMPANY_GSTIN
ALPHA = SUPPLIER_GSTINS["IMS Supplier Alpha"]
BETA = SUPPLIER_GSTINS["IMS Supplier Beta"]
FAST = uploads.PollPolicy(delays=(0.02,), budget=30, settle=0)
CODES = {"A": "Accepted", "R": "Rejected", "P": "Pending", "N": "No Action"}


def b2b(stin: str, number: str, txval: float) -> dict:
	tax = round(txval * 0.18, 2)
	return {
		"stin": stin,
		"inum": number,
		"idt": "05-10-2025",
		"inv_typ": "R",
		"srcform": "R1",
		"rtnprd": "102025",
		# IGST: a supplier in our own state delivered out of it (the place our test bills name)
		"pos": IGST_PLACE_OF_SUPPLY if stin[:2] == GSTIN[:2] else GSTIN[:2],
		"val": round(txval + tax, 2),
		"txval": txval,
		"iamt": tax,
		"camt": 0,
		"samt": 0,
		"cess": 0,
	}


class TestMonthlyCycle(SandboxCase):
	def setUp(self):
		self.use_sandbox(GSTIN)

	def row(self, number: str) -> dict:
		return frappe.db.get_value(
			supply_doctype(),
			{"company_gstin": GSTIN, "document_number": number},
			[
				"name",
				"match_status",
				"purchase_invoice",
				"action",
				"gstn_action",
				"upload_state",
				"upload_error",
				"changed_by_supplier",
			],
			as_dict=True,
		)

	def on_gstn(self, number: str) -> str:
		(record,) = [r for r in self.sandbox.state.section_records(GSTIN, "B2B") if r["inum"] == number]
		return CODES[record.get("action", "N")]

	def sources(self, number: str) -> list[str]:
		return frappe.get_all(
			"IMS Action Log",
			filters={"inward_supply": self.row(number).name},
			order_by="creation asc, idx asc",
			pluck="source",
		)

	def test_the_whole_month(self):
		# the supplier side: six clean invoices, one we never booked, one booked with another amount
		numbers = [f"CYC-{i}" for i in range(1, 7)]
		records = [b2b(ALPHA, n, 1000.0 * i) for i, n in enumerate(numbers, 1)]
		records += [b2b(BETA, "CYC-MISSING", 2500.0), b2b(BETA, "CYC-WRONG", 1000.0)]
		self.sandbox.state.add_records(GSTIN, {"B2B": records})
		for i, number in enumerate(numbers, 1):
			make_purchase_invoice(bill_no=number, net=1000.0 * i, bill_date="2025-10-05")
		make_purchase_invoice(supplier="IMS Supplier Beta", bill_no="CYC-WRONG", net=1400.0)

		# download (OTP first) and reconcile
		self.assertTrue(api.download_from_gstn(GSTIN)["otp_needed"])
		self.log_in(GSTIN)
		client = make_client(GSTIN)
		self.assertEqual(download(GSTIN, client=client, commit=False)["new"], 8)
		reconcile(GSTIN, "102025", check_permission=False)
		self.assertEqual({self.row(n).match_status for n in numbers}, {"Exact Match"})
		self.assertEqual(self.row("CYC-MISSING").match_status, "Missing in PI")
		self.assertEqual(self.row("CYC-WRONG").match_status, "Mismatch")

		# recommendations (P4), then the accountant's own actions
		api.apply_recommendations({"company_gstin": GSTIN}, dry_run=0)
		self.assertEqual({self.row(n).action for n in numbers}, {"Accepted"})
		self.assertEqual(self.row("CYC-MISSING").action, "Pending")
		self.assertEqual(self.row("CYC-WRONG").action, "Rejected")
		refused = api.apply_action("Accepted", names=[self.row("CYC-MISSING").name])
		self.assertEqual([r["rule"] for r in refused["refused"]], ["P1"])
		unlinked = api.unlink_purchase_invoice(self.row("CYC-6").name)
		self.assertTrue(unlinked["reverted"])  # P2: Accepted -> No Action
		self.assertEqual((self.row("CYC-6").action, self.row("CYC-6").upload_state), ("No Action", ""))

		# upload: GSTN refuses two records (PE) ...
		for number in ("CYC-1", "CYC-2"):
			self.sandbox.control(
				"refuse",
				{
					"gstin": GSTIN,
					"section": "B2B",
					"stin": ALPHA,
					"number": number,
					"code": "IMSSAV0099",
					"message": "try later",
				},
			)
		first = uploads.upload(GSTIN, client=client, commit=False, poll=FAST)
		self.assertEqual((first.sent, first.processed, first.failed), (7, 5, 2))
		self.assertEqual({self.row(n).upload_state for n in ("CYC-1", "CYC-2")}, {"Failed"})
		self.assertIn("IMSSAV0099", self.row("CYC-1").upload_error)
		self.assertEqual(self.on_gstn("CYC-1"), "No Action")
		# ... and "upload again" sends only those two
		again = uploads.upload(GSTIN, client=client, commit=False, poll=FAST)
		self.assertEqual((again.sent, again.processed), (2, 2))

		# recompute GSTR-2B (R8)
		gen = gstr2b.recompute_2b(GSTIN, "102025", client=client, commit=False, poll=FAST)
		self.assertEqual(gen["status"], "Processed")
		self.assertEqual(gen["summary"]["pending"], 1)  # CYC-MISSING is kept Pending

		# the supplier edits CYC-3 before filing (R9): the next download voids our action
		self.sandbox.state.edit(GSTIN, "B2B", stin=ALPHA, number="CYC-3", changes={"txval": 3100.0})
		redownload = download(GSTIN, client=client, commit=False)
		self.assertEqual(redownload["changed_by_supplier"], 1)

		# the final state, on both sides
		expected = {
			"CYC-1": ("Accepted", "Accepted", "Uploaded"),
			"CYC-2": ("Accepted", "Accepted", "Uploaded"),
			"CYC-3": ("No Action", "No Action", ""),
			"CYC-4": ("Accepted", "Accepted", "Uploaded"),
			"CYC-5": ("Accepted", "Accepted", "Uploaded"),
			"CYC-6": ("No Action", "No Action", ""),
			"CYC-MISSING": ("Pending", "Pending", "Uploaded"),
			"CYC-WRONG": ("Rejected", "Rejected", "Uploaded"),
		}
		for number, (action, gstn_action, state) in expected.items():
			row = self.row(number)
			self.assertEqual(
				(row.action, row.gstn_action, row.upload_state or ""), (action, gstn_action, state), number
			)
			self.assertEqual(self.on_gstn(number), gstn_action, number)
		self.assertTrue(self.row("CYC-3").changed_by_supplier)
		self.assertFalse(
			frappe.get_all(
				"IMS Upload Request", filters={"company_gstin": GSTIN, "status": ("in", uploads.OPEN)}
			)
		)

		# the IMS Action Log tells each record's story (P3)
		self.assertEqual(self.sources("CYC-1"), ["Recommendation", "Upload Result", "Upload Result"])
		self.assertEqual(self.sources("CYC-4"), ["Recommendation", "Upload Result"])
		self.assertEqual(self.sources("CYC-6"), ["Recommendation", "Automatic Revert", "Unlink"])
		self.assertEqual(self.sources("CYC-3"), ["Recommendation", "Upload Result", "Supplier Change"])
		self.assertEqual(self.sources("CYC-MISSING"), ["Recommendation", "Upload Result"])
