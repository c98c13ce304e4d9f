import dataclasses
import datetime as dt
import hashlib

import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance import api
from ims_compliance.core.actions import Action
from ims_compliance.core.gstin import make_gstin
from ims_compliance.core.records import InwardRecord
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.ingest import ingest
from ims_compliance.tests.factories import make_purchase_invoice
from ims_compliance.tests.fixtures import COMPANY_GSTIN_2, SUPPLIER_GSTINS

SECTIONS = ("B2B", "CN")


def records(count: int, *, seed: str = "") -> list[InwardRecord]:
	out = []
	for i in range(count):
		supplier = (
			SUPPLIER_GSTINS["IMS Supplier Alpha"] if i % 3 else make_gstin("29", f"AABCZ{i % 10000:04d}Z")
		)
		record = InwardRecord(
			section="CN" if i % 10 == 0 else "B2B",
			supplier_gstin=supplier,
			document_number=f"ING-{i:05d}",
			document_date=dt.date(2025, 10, 1 + i % 28),
			supplier_period="102025",
			document_value=1180.0 + i,
			taxable_value=1000.0 + i,
			igst=180.0,
			place_of_supply="27",
			gstn_action=Action.NO_ACTION,
			source_form="R1",
		)
		out.append(rehash(record, seed))
	return out


def rehash(record: InwardRecord, seed: str = "") -> InwardRecord:
	text = f"{record.document_number}|{record.taxable_value}|{record.igst}|{seed}"
	return dataclasses.replace(record, gstn_hash=hashlib.sha256(text.encode()).hexdigest())


def rows(**filters):
	return frappe.get_all(
		supply_doctype(),
		filters={"company_gstin": COMPANY_GSTIN_2, **filters},
		fields=[
			"name",
			"document_number",
			"action",
			"gstn_action",
			"modified",
			"is_gone",
			"changed_by_supplier",
			"taxable_value",
			"purchase_invoice",
			"supplier",
		],
		order_by="document_number",
	)


class TestIngest(FrappeTestCase):
	def setUp(self):
		frappe.db.delete(supply_doctype(), {"company_gstin": COMPANY_GSTIN_2})

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def test_download_cycle(self):
		batch = records(2000)
		counts = ingest(COMPANY_GSTIN_2, batch, sections=SECTIONS)
		self.assertEqual(counts["new"], 2000)
		first = {r.name: r for r in rows()}
		self.assertEqual(len(first), 2000)
		self.assertEqual(
			{r.supplier for r in first.values() if r.document_number == "ING-00001"}, {"IMS Supplier Alpha"}
		)
		self.assertIn(make_gstin("29", "AABCZ0000Z"), counts["unknown_suppliers"])

		# a user action, not uploaded yet, must survive a re-download
		keep = next(r for r in first.values() if r.document_number == "ING-00001")
		api.apply_action("Rejected", names=[keep.name])
		before = {r.name: r.modified for r in rows()}

		counts = ingest(COMPANY_GSTIN_2, records(2000), sections=SECTIONS)
		self.assertEqual(counts["unchanged"], 2000)
		self.assertEqual({r.name: r.modified for r in rows()}, before)  # nothing written
		self.assertEqual(frappe.db.get_value(supply_doctype(), keep.name, "action"), "Rejected")

		# the supplier edits 10 records (new hash, new amount): exactly those actions are voided (R9)
		edited = records(2000)
		for i in range(100, 110):
			edited[i] = rehash(
				dataclasses.replace(edited[i], taxable_value=edited[i].taxable_value + 50), "edit"
			)
		accepted = [r.name for r in rows() if r.document_number in ("ING-00101", "ING-00102")]
		frappe.db.set_value(supply_doctype(), {"name": ("in", accepted)}, "match_status", "Exact Match")
		api.apply_action("Accepted", names=accepted)
		counts = ingest(COMPANY_GSTIN_2, edited, sections=SECTIONS)
		self.assertEqual(counts["changed_by_supplier"], 10)
		changed = rows(changed_by_supplier=1)
		self.assertEqual(
			sorted(r.document_number for r in changed), [f"ING-{i:05d}" for i in range(100, 110)]
		)
		self.assertEqual({r.action for r in changed}, {"No Action"})
		logs = frappe.get_all(
			"IMS Action Log",
			filters={"inward_supply": ("in", [r.name for r in changed]), "source": "Supplier Change"},
			fields=["inward_supply", "from_action", "to_action", "changed_values"],
		)
		self.assertEqual(len(logs), 10)
		voided = [log for log in logs if log.from_action == "Accepted"]
		self.assertEqual(len(voided), 2)
		self.assertEqual(
			frappe.parse_json(voided[0].changed_values)["taxable_value"]["new"]
			- frappe.parse_json(voided[0].changed_values)["taxable_value"]["old"],
			50,
		)

		# the supplier deletes 5: they are marked gone, never deleted, and keep their links
		linked = next(r for r in rows() if r.document_number == "ING-00003")
		pi = make_purchase_invoice(bill_no="ING-00003")
		frappe.db.set_value(  # the same document: the pair's GSTINs (issue 14 checks them)
			"Purchase Invoice",
			pi.name,
			{
				"company_gstin": COMPANY_GSTIN_2,
				"supplier_gstin": frappe.db.get_value(supply_doctype(), linked.name, "supplier_gstin"),
			},
		)
		api.link_purchase_invoice(linked.name, pi.name)
		remaining = [r for r in edited if r.document_number not in {f"ING-{i:05d}" for i in range(1, 6)}]
		counts = ingest(COMPANY_GSTIN_2, remaining, sections=SECTIONS)
		self.assertEqual(counts["gone"], 5)
		gone = rows(is_gone=1)
		self.assertEqual(sorted(r.document_number for r in gone), [f"ING-{i:05d}" for i in range(1, 6)])
		self.assertEqual(frappe.db.get_value(supply_doctype(), linked.name, "purchase_invoice"), pi.name)
		self.assertEqual(len(rows()), 2000)

	def test_a_section_not_downloaded_never_goes_gone(self):
		ingest(COMPANY_GSTIN_2, records(30), sections=SECTIONS)
		only_b2b = [r for r in records(30) if r.section == "B2B"]
		counts = ingest(COMPANY_GSTIN_2, only_b2b, sections=("B2B",))
		self.assertEqual(counts["gone"], 0)
		self.assertEqual(len(rows(is_gone=0)), 30)

	def test_gstn_action_found_on_portal_is_followed_and_logged(self):
		ingest(COMPANY_GSTIN_2, records(3), sections=SECTIONS)
		moved = [
			dataclasses.replace(r, gstn_action=Action.REJECTED) if r.document_number == "ING-00002" else r
			for r in records(3)
		]
		counts = ingest(COMPANY_GSTIN_2, moved, sections=SECTIONS)
		self.assertEqual(counts["gstn_status_changed"], 1)
		row = next(r for r in rows() if r.document_number == "ING-00002")
		self.assertEqual((row.action, row.gstn_action), ("Rejected", "Rejected"))
		sources = frappe.get_all("IMS Action Log", filters={"inward_supply": row.name}, pluck="source")
		self.assertEqual(sources, ["GSTN Download"])

	def test_values_reach_the_database_exactly(self):
		"""The INSERT text is built here, not by pymysql: quotes, backslashes, percent signs,
		non-ASCII, an "ifnull(" that frappe.db.sql would rewrite, dates and paise survive."""
		tricky = 'O\'Brien \\ Sons 100% "Ltd" ಕನ್ನಡ IFNULL(x) ifnull(y)'
		record = dataclasses.replace(
			records(1)[0],
			supplier_name=tricky,
			taxable_value=1234567.89,
			igst=0.01,
			document_date=dt.date(2025, 12, 31),
			remarks="line one\nline two\x00end",
		)
		ingest(COMPANY_GSTIN_2, [record], sections=SECTIONS)
		row = frappe.get_all(
			supply_doctype(),
			filters={"company_gstin": COMPANY_GSTIN_2},
			fields=[
				"supplier_name",
				"taxable_value",
				"igst",
				"document_date",
				"remarks",
				"upload_state",
				"match_status",
				"action",
				"gstn_action",
				"company",
				"is_gone",
				"changed_by_supplier",
				"original_inward_supply",
			],
		)[0]
		self.assertEqual(row.supplier_name, tricky)
		self.assertEqual((row.taxable_value, row.igst), (1234567.89, 0.01))
		self.assertEqual(row.document_date, dt.date(2025, 12, 31))
		self.assertEqual(row.remarks, "line one\nline twoend")  # control characters dropped (issue 14)
		# columns the form and the page read keep valid values: "" (not NULL) upload state
		self.assertEqual((row.upload_state, row.match_status), ("", "Missing in PI"))
		self.assertEqual((row.action, row.gstn_action), ("No Action", "No Action"))
		self.assertEqual((row.company, row.is_gone, row.changed_by_supplier), ("IMS Test Company", 0, 0))
		self.assertIsNone(row.original_inward_supply)

	def test_inserted_rows_are_named_in_key_order_and_amendments_link_to_originals(self):
		batch = records(6)
		amendment = dataclasses.replace(
			batch[1],
			section="B2BA",
			document_number="ING-A0001",
			original_number=batch[1].document_number,
			original_date=batch[1].document_date,
		)
		ingest(COMPANY_GSTIN_2, [amendment, *batch], sections=(*SECTIONS, "B2BA"))
		stored = frappe.get_all(
			supply_doctype(),
			filters={"company_gstin": COMPANY_GSTIN_2},
			fields=["name", "ims_key", "section", "document_number", "original_inward_supply"],
		)
		originals = sorted((r for r in stored if r.section != "B2BA"), key=lambda r: r.name)
		self.assertEqual([r.ims_key for r in originals], sorted(r.ims_key for r in originals))
		amended = next(r for r in stored if r.section == "B2BA")
		original = next(r for r in stored if r.document_number == batch[1].document_number)
		self.assertEqual(amended.original_inward_supply, original.name)
		self.assertGreater(amended.name, max(r.name for r in originals))  # originals go first
		# a later download names its rows after every earlier one
		later = ingest(COMPANY_GSTIN_2, records(8), sections=SECTIONS)
		self.assertEqual(later["new"], 2)
		newest = frappe.get_all(
			supply_doctype(),
			filters={"company_gstin": COMPANY_GSTIN_2, "document_number": ("in", ["ING-00006", "ING-00007"])},
			pluck="name",
		)
		self.assertGreater(min(newest), max(r.name for r in stored))

	def test_a_link_a_failed_run_left_dangling_is_repaired(self):
		batch = records(2)
		amendment = dataclasses.replace(
			batch[1],
			section="B2BA",
			document_number="ING-A0001",
			original_number=batch[1].document_number,
			original_date=batch[1].document_date,
		)
		ingest(COMPANY_GSTIN_2, [amendment, *batch], sections=(*SECTIONS, "B2BA"))
		name = frappe.db.get_value(supply_doctype(), {"section": "B2BA", "company_gstin": COMPANY_GSTIN_2})
		frappe.db.set_value(supply_doctype(), name, "original_inward_supply", "never-written")
		counts = ingest(COMPANY_GSTIN_2, [amendment, *batch], sections=(*SECTIONS, "B2BA"))
		self.assertEqual(counts["unchanged"], 3)
		original = frappe.db.get_value(
			supply_doctype(), {"document_number": batch[1].document_number, "section": "B2B"}
		)
		self.assertEqual(frappe.db.get_value(supply_doctype(), name, "original_inward_supply"), original)

	def test_updates_land_exactly_in_set_based_statements(self):
		"""Supplier edits and GSTN status changes are written by update_rows (one statement per
		1,000 rows of the same shape): values, NULLs and dates land exactly, other rows are not
		touched."""
		batch = records(1300)
		ingest(COMPANY_GSTIN_2, batch, sections=SECTIONS)
		before = {r.name: r.modified for r in rows()}
		tricky = "Edited O'Brien \\ 100% IFNULL(x)"
		moved = [dataclasses.replace(r, supplier_filed=False) for r in batch[:1200]]
		moved[6] = rehash(  # an unknown supplier: GSTN's name is kept
			dataclasses.replace(
				moved[6],
				supplier_name=tricky,
				document_date=dt.date(2025, 11, 30),
				taxable_value=999.99,
				place_of_supply=None,
			),
			"edit",
		)
		counts = ingest(COMPANY_GSTIN_2, [*moved, *batch[1200:]], sections=SECTIONS)
		self.assertEqual((counts["gstn_status_changed"], counts["changed_by_supplier"]), (1199, 1))
		stored = {
			r.document_number: r
			for r in frappe.get_all(
				supply_doctype(),
				filters={"company_gstin": COMPANY_GSTIN_2},
				fields=[
					"name",
					"document_number",
					"supplier_filed",
					"supplier_name",
					"document_date",
					"taxable_value",
					"place_of_supply",
					"changed_by_supplier",
					"modified",
				],
			)
		}
		self.assertEqual(sum(1 for r in stored.values() if not r.supplier_filed), 1200)
		edited = stored[batch[6].document_number]
		self.assertEqual(
			(edited.supplier_name, edited.document_date, edited.taxable_value, edited.place_of_supply),
			(tricky, dt.date(2025, 11, 30), 999.99, None),
		)
		self.assertEqual(edited.changed_by_supplier, 1)
		untouched = {r.name: r.modified for r in stored.values() if r.document_number >= "ING-01200"}
		self.assertEqual(untouched, {n: m for n, m in before.items() if n in untouched})
		self.assertEqual(len(untouched), 100)
