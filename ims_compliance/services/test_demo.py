import os
import tempfile

import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance import api, ic
from ims_compliance.core.demo_data import SUPPLIER_EDIT, build_plan, demo_company_gstin
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.gstn.sandbox import SANDBOX_OTP, SandboxServer
from ims_compliance.services import demo
from ims_compliance.services.connection import CacheSessionStore
from ims_compliance.services.download import COUNTS_KEY, download
from ims_compliance.services.reconcile import reconcile

SIZE, SUPPLIERS = 40, 6  # a small month: every kind of difference, fewer invoices to book


class TestDemo(FrappeTestCase):
	"""`ims-demo` on the test site, against an in-process sandbox, never committed."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.tmp = tempfile.TemporaryDirectory()
		cls.sandbox = SandboxServer(state_path=f"{cls.tmp.name}/state.json", port=0).start()

	@classmethod
	def tearDownClass(cls):
		cls.sandbox.stop()
		cls.tmp.cleanup()
		super().tearDownClass()

	def setUp(self):
		self.sandbox.state.clear()
		self.forget_session()
		self.plan = demo.demo_plan(SIZE, SUPPLIERS)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		self.forget_session()

	def forget_session(self):
		CacheSessionStore(demo.demo_gstin()).save({})
		frappe.cache.delete_value(COUNTS_KEY.format(demo.demo_gstin()))

	def run_demo(self):
		return demo.setup_demo(size=SIZE, suppliers=SUPPLIERS, sandbox_url=self.sandbox.url, commit=False)

	def counts(self):
		gstins = [s.gstin for s in self.plan.suppliers]
		settings = frappe.get_single("IMS Settings")
		return {
			"purchase_invoices": frappe.db.count("Purchase Invoice", {"company": demo.DEMO_COMPANY}),
			"returns": frappe.db.count("Purchase Invoice", {"company": demo.DEMO_COMPANY, "is_return": 1}),
			"suppliers": frappe.db.count("Supplier", {"tax_id": ("in", gstins)}),
			"gstin_rows": sum(row.gstin == demo.demo_gstin() for row in settings.company_gstins),
			"tax_rows": sum(row.company == demo.DEMO_COMPANY for row in settings.tax_accounts),
			"sandbox_records": sum(
				len(self.sandbox.state.section_records(demo.demo_gstin(), code)) for code in self.plan.records
			),
		}

	def download_and_reconcile(self):
		api.request_otp(demo.demo_gstin())
		api.submit_otp(demo.demo_gstin(), SANDBOX_OTP)
		download(demo.demo_gstin(), commit=False)  # not forced: as the page's Download button
		reconcile(demo.demo_gstin(), str(self.plan.period), check_permission=False)
		rows = frappe.get_all(
			supply_doctype(),
			filters={"company_gstin": demo.demo_gstin()},
			fields=[
				"supplier_gstin",
				"document_number",
				"match_status",
				"purchase_invoice",
				"changed_by_supplier",
			],
		)
		return {(r.supplier_gstin, r.document_number): r for r in rows}

	def test_demo_is_made_once_and_a_rerun_creates_nothing(self):
		first = self.run_demo()
		expected = {
			"purchase_invoices": SIZE,
			"returns": len(self.plan.records["CN"]),
			"suppliers": SUPPLIERS,
			"gstin_rows": 1,
			"tax_rows": 4,
			"sandbox_records": sum(len(rows) for rows in self.plan.records.values()),
		}
		self.assertEqual(self.counts(), expected)
		self.assertEqual(first["created"]["purchase_invoices"], SIZE)
		self.assertEqual(first["created"]["sandbox_records"], expected["sandbox_records"])
		self.assertEqual(first["created"]["settings_rows"], 5)
		self.assertEqual(first["purchase_invoices"], SIZE)
		self.assertEqual(frappe.db.get_value("Company", demo.DEMO_COMPANY, "tax_id"), demo.demo_gstin())
		settings = frappe.get_single("IMS Settings")
		self.assertEqual((settings.connection_mode, settings.base_url), ("Sandbox", self.sandbox.url))
		row = next(r for r in settings.company_gstins if r.gstin == demo.demo_gstin())
		self.assertEqual(str(row.download_time), "7:00:00")  # a fixed hour, not when the demo ran

		second = self.run_demo()
		self.assertEqual({k: n for k, n in second["created"].items() if n}, {})
		self.assertEqual(self.counts(), expected)
		self.assertIn(demo.demo_gstin(), "\n".join(demo.describe(second)))

	def test_downloaded_records_match_the_purchase_invoices_as_designed_until_the_supplier_edits(self):
		self.run_demo()
		rows = self.download_and_reconcile()
		self.assertEqual(len(rows), sum(len(r) for r in self.plan.records.values()))
		wrong = []
		for doc in self.plan.documents:
			if not doc.record:
				continue
			row = rows[(doc.supplier.gstin, doc.number)]
			if row.match_status != doc.expected_status or bool(row.purchase_invoice) != bool(doc.purchase):
				wrong.append((doc.kind, doc.number, row.match_status, row.purchase_invoice))
		self.assertEqual(wrong, [])
		statuses = [r.match_status for r in rows.values()]
		self.assertGreater(statuses.count("Exact Match"), len(statuses) // 2)
		self.assertGreaterEqual(statuses.count("Missing in PI"), 1)
		# the purchase side knows its record too
		linked = frappe.db.count(
			"Purchase Invoice", {"company": demo.DEMO_COMPANY, "ims_inward_supply": ("is", "set")}
		)
		self.assertEqual(linked, sum(1 for r in rows.values() if r.purchase_invoice))

		# later the supplier edits its unfiled invoice (R9): the next download sees it
		target = self.plan.of_kind(SUPPLIER_EDIT)[0]
		edit = demo.apply_supplier_edit(size=SIZE, suppliers=SUPPLIERS, sandbox_url=self.sandbox.url)
		self.assertEqual(
			(edit["edit"]["stin"], edit["edit"]["number"]), (target.supplier.gstin, target.number)
		)
		row = self.download_and_reconcile()[(target.supplier.gstin, target.number)]
		self.assertEqual((row.changed_by_supplier, row.match_status), (1, "Mismatch"))

	def test_remove_takes_the_demo_away(self):
		self.run_demo()
		self.download_and_reconcile()
		removed = demo.remove_demo(sandbox_url=self.sandbox.url, commit=False)
		self.assertEqual(removed["purchase_invoices"], SIZE)
		self.assertEqual(removed["suppliers"], SUPPLIERS)
		self.assertEqual(
			self.counts(),
			dict.fromkeys(
				("purchase_invoices", "returns", "suppliers", "gstin_rows", "tax_rows", "sandbox_records"), 0
			),
		)
		self.assertEqual(frappe.db.count(supply_doctype(), {"company_gstin": demo.demo_gstin()}), 0)
		self.assertFalse(frappe.db.exists("Item", demo.DEMO_ITEM))
		if ic.is_installed():
			# India Compliance's own set-up of the company (GST accounts and templates naming it)
			# keeps ERPNext from deleting it: it stays, and the command says so
			self.assertEqual(removed["company"], 0)
		else:
			self.assertEqual(removed["company"], 1)
			self.assertEqual(frappe.db.count("Account", {"company": demo.DEMO_COMPANY}), 0)
		# and it can be made again afterwards
		self.assertEqual(self.run_demo()["created"]["purchase_invoices"], SIZE)

	def test_another_sites_demo_keeps_its_sandbox_records_when_this_one_is_removed(self):
		"""Two sites of a bench share the sandbox on one port: each has its own demo GSTIN (from
		its site name), so removing this site's demo leaves the other's records alone."""
		other_site = f"other-{frappe.local.site}"
		other_gstin = demo_company_gstin(other_site)
		self.assertNotEqual(other_gstin, demo.demo_gstin())
		self.assertEqual(demo.demo_gstin(), demo_company_gstin(frappe.local.site))
		other_plan = build_plan(other_gstin, self.plan.period, size=SIZE, suppliers=SUPPLIERS)
		other_records = sum(len(rows) for rows in other_plan.records.values())
		self.sandbox.state.add_records(other_gstin, other_plan.records)
		self.run_demo()
		self.assertGreater(self.counts()["sandbox_records"], 0)

		demo.remove_demo(sandbox_url=self.sandbox.url, commit=False)
		self.assertEqual(self.counts()["sandbox_records"], 0)
		left = sum(len(self.sandbox.state.section_records(other_gstin, code)) for code in other_plan.records)
		self.assertEqual(left, other_records)

	def test_sandbox_state_is_one_file_per_port_in_the_sites_folder(self):
		first, second = demo.sandbox_state_path(8765), demo.sandbox_state_path(8766)
		self.assertNotEqual(first, second)
		self.assertEqual(os.path.dirname(first), os.path.abspath(frappe.local.sites_path))
		self.assertTrue(first.endswith("ims-sandbox-8765.json"))

	def test_a_missing_fiscal_year_is_made_like_the_sites_others(self):
		"""The test site keeps calendar years; a demo in May of a year past the site's last one
		needs that year's April, which it lacks (ERPNext's own tests may have made the next few
		years, so the year is taken after the last one the site has)."""
		last = frappe.db.sql("select max(year_end_date) from `tabFiscal Year`")[0][0]
		y = frappe.utils.getdate(last).year + 2
		plan = demo.demo_plan(SIZE, SUPPLIERS, today=f"{y}-05-10")
		demo.ensure_company()
		self.assertFalse(frappe.db.exists("Fiscal Year", {"year_start_date": f"{y}-01-01"}))
		self.assertEqual(demo.ensure_fiscal_years(plan), 1)
		year = frappe.get_all(
			"Fiscal Year", filters={"year_start_date": f"{y}-01-01"}, fields=["name", "year_end_date"]
		)
		self.assertEqual([(row.name, str(row.year_end_date)) for row in year], [(str(y), f"{y}-12-31")])
		self.assertEqual(demo.ensure_fiscal_years(plan), 0)
