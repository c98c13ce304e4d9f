"""Issue 15 on the bench: reconciliation that is right on books as accountants keep them (real
Purchase Invoices through ERPNext's controller, real reconcile())."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance import ic
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.gstn.protocol import parse_section
from ims_compliance.services import queries
from ims_compliance.services.ingest import ingest
from ims_compliance.services.portal_file import import_portal_file
from ims_compliance.services.recommendations import apply_recommendations
from ims_compliance.services.reconcile import reconcile
from ims_compliance.tests.factories import IGST_PLACE_OF_SUPPLY, make_inward_supply, make_purchase_invoice
from ims_compliance.tests.fixtures import (
	COMPANY_GSTIN,
	COMPANY_GSTIN_2,
	SUPPLIER_GSTINS,
	TEST_COMPANY,
	TEST_COMPANY_ABBR,
	TEST_ITEM,
	tax_account,
)

NIL_TEMPLATE = "IMS Nil Rated"
NIL_ITEM = "IMS Test Nil-Rated Goods"
FIELDS = [
	"match_status",
	"purchase_invoice",
	"recommended_action",
	"needs_review",
	"recommendation_reason",
	"match_reasons",
	"purchase_taxable_value",
	"purchase_net_total",
	"parse_warnings",
	"action",
]


def supply(name):
	return frappe.db.get_value(supply_doctype(), name, FIELDS, as_dict=True)


def nil_rated_item() -> str:
	"""A second item for the nil-rated line (India Compliance refuses one item with two different
	item tax templates on the same bill)."""
	if not frappe.db.exists("Item", NIL_ITEM):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": NIL_ITEM,
				"item_name": NIL_ITEM,
				**ic.item_fields(),
				"item_group": frappe.db.get_value("Item", TEST_ITEM, "item_group"),
				"stock_uom": "Nos",
				"is_stock_item": 0,
			}
		).insert(ignore_permissions=True)
	return NIL_ITEM


def nil_rated_template() -> str:
	"""An Item Tax Template charging 0 on every GST account: what nil-rated goods carry."""
	name = f"{NIL_TEMPLATE} - {TEST_COMPANY_ABBR}"
	if not frappe.db.exists("Item Tax Template", name):
		frappe.get_doc(
			{
				"doctype": "Item Tax Template",
				"title": NIL_TEMPLATE,
				"company": TEST_COMPANY,
				"taxes": [{"tax_type": tax_account(h), "tax_rate": 0} for h in ("IGST", "CGST", "SGST")],
				# India Compliance refuses a zero rate on a Taxable template: say what it is
				**({"gst_treatment": "Nil-Rated"} if ic.is_installed() else {}),
			}
		).insert(ignore_permissions=True)
	return name


def impg(number: str, **overrides) -> dict:
	raw = {
		"boenum": number,
		"boedt": "06-10-2025",
		"portcd": "INNSA1",
		"rtnprd": "102025",
		"val": 59000,
		"txval": 50000,
		"iamt": 9000,
		"camt": 0,
		"samt": 0,
		"cess": 0,
		"action": "N",
		"srcfilstatus": "Filed",
	}
	raw.update(overrides)
	return raw


class TestReconcileOnRealBooks(FrappeTestCase):
	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def test_a_mixed_nil_rated_invoice_is_an_exact_match(self):
		"""One taxable line of 10,000 and one nil-rated line of 10,000: the supplier reports 10,000."""
		record = make_inward_supply(document_number="NIL-MIX-1", taxable_value=10000, igst=1800)
		pi = make_purchase_invoice(
			bill_no="NIL-MIX-1",
			net=10000,
			taxes={"IGST": 1800},
			extra_items=[
				{"item_code": nil_rated_item(), "rate": 10000, "item_tax_template": nil_rated_template()}
			],
		)
		self.assertEqual(pi.base_net_total, 20000)
		reconcile(COMPANY_GSTIN, "102025")
		row = supply(record.name)
		self.assertEqual(
			(row.match_status, row.purchase_invoice, row.recommended_action),
			("Exact Match", pi.name, "Accepted"),
		)
		self.assertEqual((row.purchase_taxable_value, row.purchase_net_total), (10000, 20000))

	def test_the_same_invoice_without_the_nil_rated_template_is_a_mismatch(self):
		record = make_inward_supply(document_number="NIL-MIX-2", taxable_value=10000, igst=1800)
		make_purchase_invoice(
			bill_no="NIL-MIX-2", net=10000, taxes={"IGST": 1800}, extra_items=[{"rate": 10000}]
		)
		reconcile(COMPANY_GSTIN, "102025")
		row = supply(record.name)
		self.assertEqual((row.match_status, row.recommended_action), ("Mismatch", "Rejected"))

	def test_a_bill_of_entry_matches_its_bill_by_number_date_and_port(self):
		pi = make_purchase_invoice(
			bill_no="IMP-INV-7",
			bill_date="2025-10-04",
			net=50000,
			taxes={"IGST": 9000},
			ims_bill_of_entry_no="4100777",
			ims_bill_of_entry_date="2025-10-06",
			ims_port_code="INNSA1",
		)
		elsewhere = make_purchase_invoice(
			bill_no="IMP-INV-8",
			net=50000,
			taxes={"IGST": 9000},
			ims_bill_of_entry_no="4100778",
			ims_bill_of_entry_date="2025-10-06",
			ims_port_code="INMAA1",
		)
		records = parse_section("IMPG", [impg("4100777"), impg("4100778"), impg("4100779", iamt=9500)])
		self.assertEqual([r.supplier_gstin for r in records], ["", "", ""])
		ingest(COMPANY_GSTIN, records, sections=["IMPG"])
		reconcile(COMPANY_GSTIN, "102025")
		names = dict(
			frappe.get_all(
				supply_doctype(),
				filters={"company_gstin": COMPANY_GSTIN, "section": "IMPG"},
				fields=["document_number", "name"],
				as_list=True,
			)
		)
		row = supply(names["4100777"])
		self.assertEqual(
			(row.match_status, row.purchase_invoice, row.recommended_action),
			("Exact Match", pi.name, "Accepted"),
		)
		other_port = supply(
			names["4100778"]
		)  # same number elsewhere would be another BoE: here the port differs
		self.assertEqual((other_port.match_status, other_port.purchase_invoice), ("Missing in PI", None))
		self.assertIsNone(frappe.db.get_value("Purchase Invoice", elsewhere.name, "ims_inward_supply"))
		self.assertEqual(supply(names["4100779"]).recommended_action, "Pending")  # R4: never Reject

	def test_a_debit_note_matches_a_debit_note_bill_only(self):
		dn = make_inward_supply(section="DN", document_number="DNB-1", taxable_value=500, igst=90)
		invoice = make_inward_supply(document_number="DNB-1", taxable_value=500, igst=90)
		lonely_dn = make_inward_supply(section="DN", document_number="DNB-2", taxable_value=700, igst=126)
		ordinary = make_purchase_invoice(bill_no="DNB-1", net=500, taxes={"IGST": 90})
		marked = make_purchase_invoice(bill_no="DNB-1", net=500, taxes={"IGST": 90}, ims_is_debit_note=1)
		ordinary_2 = make_purchase_invoice(bill_no="DNB-2", net=700, taxes={"IGST": 126})
		reconcile(COMPANY_GSTIN, "102025")
		self.assertEqual(
			(supply(dn.name).match_status, supply(dn.name).purchase_invoice), ("Exact Match", marked.name)
		)
		self.assertEqual(supply(invoice.name).purchase_invoice, ordinary.name)
		self.assertEqual(
			(supply(lonely_dn.name).match_status, supply(lonely_dn.name).purchase_invoice),
			("Missing in PI", None),
		)
		self.assertIsNone(frappe.db.get_value("Purchase Invoice", ordinary_2.name, "ims_inward_supply"))

	def test_a_serial_difference_is_pending_and_a_formatting_one_waits_for_review(self):
		serial = make_inward_supply(document_number="BILL-23-00040", taxable_value=4321, igst=777.78)
		formatted = make_inward_supply(document_number="INV/2025-26/0042", taxable_value=999, igst=179.82)
		make_purchase_invoice(bill_no="BILL-23-00045", net=4321, taxes={"IGST": 777.78})
		make_purchase_invoice(bill_no="42", net=999, taxes={"IGST": 179.82})
		reconcile(COMPANY_GSTIN, "102025")
		row = supply(serial.name)
		self.assertEqual((row.match_status, row.recommended_action), ("Suggested Match", "Pending"))
		self.assertIn("serial", row.recommendation_reason)
		row = supply(formatted.name)
		self.assertEqual(
			(row.match_status, row.recommended_action, row.needs_review), ("Suggested Match", "Accepted", 1)
		)
		# Apply Recommended leaves the "after review" one alone unless asked
		filters = {"company_gstin": COMPANY_GSTIN, "document_number": "INV/2025-26/0042"}
		summary = apply_recommendations(filters)
		self.assertEqual((summary["after_review"], summary["by_action"]), (1, {}))
		self.assertEqual(supply(formatted.name).action, "No Action")
		apply_recommendations(filters, include_after_review=True)
		self.assertEqual(supply(formatted.name).action, "Accepted")

	def test_a_bill_booked_under_the_other_company_gstin_is_named_as_a_hint(self):
		record = make_inward_supply(document_number="HINT-77", taxable_value=2500, igst=450)
		other = make_purchase_invoice(
			bill_no="HINT-77", net=2500, taxes={"IGST": 450}, company_gstin=COMPANY_GSTIN_2
		)
		reconcile(COMPANY_GSTIN, "102025")
		row = supply(record.name)
		self.assertEqual(row.match_status, "Missing in PI")
		hints = [r for r in json.loads(row.match_reasons) if r.get("hint")]
		self.assertEqual([h["purchase"] for h in hints], [other.name])
		self.assertIn(COMPANY_GSTIN_2, hints[0]["text"])

	def test_a_rounding_difference_shows_on_an_exact_match(self):
		record = make_inward_supply(document_number="RND-1", taxable_value=1000, igst=180.5)
		make_purchase_invoice(bill_no="RND-1", net=1000, taxes={"IGST": 180})
		reconcile(COMPANY_GSTIN, "102025")
		row = supply(record.name)
		self.assertEqual(row.match_status, "Exact Match")
		(reason,) = json.loads(row.match_reasons)
		self.assertEqual((reason["field"], reason["within_tolerance"]), ("igst", True))

	def test_parse_warnings_are_stored_on_the_record(self):
		bad_check = SUPPLIER_GSTINS["IMS Supplier Alpha"][:14] + (
			"A" if SUPPLIER_GSTINS["IMS Supplier Alpha"][14] != "A" else "B"
		)
		raw = {
			"stin": bad_check,
			"inum": "WARN-1",
			"idt": "05-10-2025",
			"rtnprd": "102025",
			"val": 1180,
			"txval": 1000,
			"iamt": 180,
			"action": "N",
			"srcfilstatus": "Filed",
		}
		ingest(COMPANY_GSTIN, parse_section("B2B", [raw], on_warning=lambda m: None), sections=[])
		name = frappe.db.get_value(supply_doctype(), {"document_number": "WARN-1"}, "name")
		self.assertIn(bad_check, supply(name).parse_warnings)

	def test_itc_nets_credit_notes(self):
		make_inward_supply(document_number="ITC-INV-1", taxable_value=1000, igst=180)
		make_inward_supply(section="CN", document_number="ITC-CN-1", taxable_value=100, igst=18)
		filters = {"company_gstin": COMPANY_GSTIN, "document_number": "ITC-"}
		(totals,) = queries.action_totals(filters)
		self.assertEqual((totals.total_tax, totals.itc, totals.credit_note_tax), (198, 162, 18))
		by_type = {r.document_type: r.itc for r in queries.actions_summary(filters)["by_document_type"]}
		self.assertEqual(by_type, {"Invoice": 180, "Credit Note": -18})


def portal_file(numbers, *, gstin=COMPANY_GSTIN) -> bytes:
	record = {
		"stin": SUPPLIER_GSTINS["IMS Supplier Alpha"],
		"idt": "05-10-2025",
		"val": 1180,
		"txval": 1000,
		"iamt": 180,
		"camt": 0,
		"samt": 0,
		"cess": 0,
		"pos": IGST_PLACE_OF_SUPPLY,  # IGST from a Maharashtra supplier: delivered out of state
		"rtnprd": "102025",
		"srcfilstatus": "Filed",
		"action": "N",
	}
	b2b = [{**record, "inum": n, "hash": f"h-{n}"} for n in numbers]
	data = {"rtnprd": "102025", "data": {"b2b": b2b}}
	if gstin:
		data["gstin"] = gstin
	return json.dumps(data).encode()


class TestPortalImportReconciles(FrappeTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_a_portal_import_reconciles_like_a_download(self):
		pi = make_purchase_invoice(bill_no="PFR-1", net=1000, taxes={"IGST": 180})
		result = import_portal_file(portal_file(["PFR-1", "PFR-2"]), COMPANY_GSTIN)
		self.assertEqual(result["new"], 2)
		self.assertGreaterEqual(result["reconciled"]["supplies"], 2)
		row = frappe.db.get_value(
			supply_doctype(), {"document_number": "PFR-1"}, ["match_status", "purchase_invoice"], as_dict=True
		)
		self.assertEqual((row.match_status, row.purchase_invoice), ("Exact Match", pi.name))

	def test_a_file_without_a_gstin_needs_the_user_to_confirm_the_company_gstin(self):
		content = portal_file(["PFR-NG-1"], gstin=None)
		answer = import_portal_file(content, COMPANY_GSTIN)
		self.assertTrue(answer["needs_gstin_confirmation"])
		self.assertFalse(frappe.db.exists(supply_doctype(), {"document_number": "PFR-NG-1"}))
		result = import_portal_file(content, COMPANY_GSTIN, confirm_gstin=True)
		self.assertEqual(result["new"], 1)
		self.assertTrue(frappe.db.exists(supply_doctype(), {"document_number": "PFR-NG-1"}))

	def test_every_bad_record_is_named_at_once(self):
		data = json.loads(portal_file(["PFR-B1", "PFR-B2", "PFR-B3"]))
		data["data"]["b2b"][0]["pos"] = "55"
		data["data"]["b2b"][2]["txval"] = "abc"
		with self.assertRaisesRegex(frappe.ValidationError, r"(?s)2 records.*b2b\[0\].*b2b\[2\]"):
			import_portal_file(json.dumps(data).encode(), COMPANY_GSTIN)


class TestIndiaComplianceBillOfEntry(FrappeTestCase):
	"""With India Compliance installed, its submitted Bills of Entry stand in for their Purchase
	Invoices (skipped on a site without it)."""

	def setUp(self):
		if not frappe.db.exists("DocType", "Bill of Entry"):
			self.skipTest("India Compliance's Bill of Entry is not installed on this site")

	def tearDown(self):
		frappe.db.rollback()

	def test_read_purchases_takes_india_compliance_bills_of_entry(self):
		from ims_compliance.services.reconcile import read_purchases

		pi = make_purchase_invoice(bill_no="IC-BOE-PI-1", net=50000, taxes={"IGST": 9000})
		frappe.db.bulk_insert(
			"Bill of Entry",
			[
				"name",
				"docstatus",
				"purchase_invoice",
				"company",
				"company_gstin",
				"bill_of_entry_no",
				"bill_of_entry_date",
				"port_code",
				"total_taxable_value",
				"total_taxes",
			],
			[
				(
					"BOE-IMS-T1",
					1,
					pi.name,
					TEST_COMPANY,
					COMPANY_GSTIN,
					"4100999",
					"2025-10-06",
					"INNSA1",
					50000,
					9000,
				)
			],
		)
		frame = read_purchases(COMPANY_GSTIN, "2025-09-01", "2025-11-30")
		row = frame[frame["name"] == pi.name]
		self.assertEqual(len(row), 1)
		row = row.iloc[0]
		self.assertEqual(
			(row.document_type, row.bill_no, row.port_code, row.taxable_value, row.igst),
			("Bill of Entry", "4100999", "INNSA1", 50000, 9000),
		)


class _Client:
	"""A GSTN client stand-in: one bad-check-character B2B record, Bills of Entry not served."""

	has_session = True

	def get_counts(self):
		from ims_compliance.gstn.errors import GstnError

		raise GstnError("GEN5002", "counts not offered")

	def get_records(self, code, *, on_warning=None):
		from ims_compliance.gstn.errors import GstnError

		if code.startswith("IMPG"):
			raise GstnError("GEN5002", f"section {code} is not offered")
		if code != "B2B":
			return []
		gstin = SUPPLIER_GSTINS["IMS Supplier Beta"]
		raw = {
			"stin": gstin[:14] + ("A" if gstin[14] != "A" else "B"),
			"inum": "DLW-1",
			"idt": "05-10-2025",
			"rtnprd": "102025",
			"val": 1180,
			"txval": 1000,
			"iamt": 180,
			"action": "N",
			"srcfilstatus": "Filed",
		}
		return parse_section("B2B", [raw], on_warning=on_warning)


class TestDownloadAsksForBillsOfEntry(FrappeTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_bills_of_entry_are_asked_for_and_a_gsp_without_them_does_not_fail_the_download(self):
		from ims_compliance.services.download import DOWNLOAD_SECTIONS, download

		self.assertTrue({"IMPG", "IMPGA", "IMPGSEZ", "IMPGSEZA"} <= set(DOWNLOAD_SECTIONS))
		result = download(COMPANY_GSTIN, client=_Client(), force=True, commit=False)
		self.assertEqual(
			[u["section"] for u in result["unavailable_sections"]], ["IMPG", "IMPGA", "IMPGSEZ", "IMPGSEZA"]
		)
		self.assertNotIn("IMPG", result["sections"])
		self.assertEqual(result["warning_count"], 1)  # the download's result carries the parse warning
		self.assertIn(
			"DLW-1",
			frappe.get_all(
				supply_doctype(), filters={"company_gstin": COMPANY_GSTIN}, pluck="document_number"
			),
		)


class TestIndiaComplianceGstTreatmentAgainstTheBill(FrappeTestCase):
	"""India Compliance marks every line of a bill Nil-Rated when none of its taxes is on its own
	GST Settings accounts. A bill that charges GST on an account mapped in IMS Settings but not
	listed in IC's GST Settings is still a taxable bill: reading it as 0 would recommend Reject
	for a correct invoice (skipped on a site without IC's item gst_treatment)."""

	def setUp(self):
		if not frappe.get_meta("Purchase Invoice Item").has_field("gst_treatment"):
			self.skipTest("India Compliance's item gst_treatment is not on this site")

	def tearDown(self):
		frappe.db.rollback()

	def test_a_bill_charging_gst_on_a_mapped_account_ic_does_not_know_is_taxable(self):
		parent = frappe.db.get_value("Account", tax_account("IGST"), "parent_account")
		account = (
			frappe.get_doc(
				{
					"doctype": "Account",
					"account_name": "IMS IGST Legacy",
					"parent_account": parent,
					"company": TEST_COMPANY,
					"account_type": "Tax",
					"is_group": 0,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
		settings = frappe.get_single("IMS Settings")
		settings.append("tax_accounts", {"company": TEST_COMPANY, "account": account, "tax_head": "IGST"})
		settings.save(ignore_permissions=True)
		record = make_inward_supply(document_number="IC-LEGACY-1", taxable_value=1000, igst=180)
		pi = make_purchase_invoice(bill_no="IC-LEGACY-1", net=1000, taxes={}, submit=False)
		pi.append(
			"taxes",
			{
				"charge_type": "Actual",
				"account_head": account,
				"description": "IGST",
				"tax_amount": 180,
				"cost_center": f"Main - {TEST_COMPANY_ABBR}",
			},
		)
		pi.save(ignore_permissions=True)
		pi.submit()
		self.assertEqual({i.gst_treatment for i in pi.items}, {"Nil-Rated"})  # what IC concluded
		reconcile(COMPANY_GSTIN, "102025")
		row = supply(record.name)
		self.assertEqual(
			(row.match_status, row.purchase_invoice, row.recommended_action),
			("Exact Match", pi.name, "Accepted"),
		)
		self.assertEqual(row.purchase_taxable_value, 1000)
