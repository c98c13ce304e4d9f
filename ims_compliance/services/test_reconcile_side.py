"""Issue 18 on the bench: the reconcile job writes the Purchase Invoice side on a second
connection (second_connection.SideWriter) while it writes the records. The two sides must land together
on commit, vanish together on rollback, and a bill this job itself holds locked must still be
written (the side gives its rows back)."""

import time
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services import match_results, second_connection
from ims_compliance.services.reconcile import reconcile
from ims_compliance.tests.factories import make_inward_supply, make_purchase_invoice
from ims_compliance.tests.fixtures import COMPANY_GSTIN, SUPPLIER_GSTINS

#: A period no other test books in: the committed rows of the first test stay out of their way.
PERIOD, DATE = "012024", "2024-01-05"
BILL = "IMS-SIDE-TEST-BILL"


def bill_side(name: str) -> tuple:
	return tuple(
		frappe.db.sql(
			"select ims_inward_supply, ims_match_status, ims_action from `tabPurchase Invoice` where name = %s",
			name,
		)[0]
	)


class SpySideWriter(second_connection.SideWriter):
	"""The job's second connection, kept for the test to look at. `bills_only`: it takes only the
	bills, and the job goes on only once it has taken them, so which connection writes which row
	is fixed (the two otherwise race for the rows, and a test reading a record back before the
	commit, or waiting for a lock on a bill, could find the other connection had it)."""

	made: list = []
	bills_only = True

	def __init__(self, jobs, *args, **kwargs):
		if self.bills_only:
			jobs = [job for job in jobs if job[0] == "Purchase Invoice"]
		super().__init__(jobs, *args, **kwargs)
		SpySideWriter.made.append(self)
		if self.bills_only:
			deadline = time.monotonic() + 30
			while (
				not self.taken["Purchase Invoice"] and self.thread.is_alive() and time.monotonic() < deadline
			):
				time.sleep(0.005)


class TestReconcileSideConnection(FrappeTestCase):
	def setUp(self):
		SpySideWriter.made = []
		SpySideWriter.bills_only = True
		self.patches = [
			patch.object(match_results, "SIDE_WRITE_MIN_BILLS", 1),
			patch.object(match_results, "SideWriter", SpySideWriter),
			patch.object(
				match_results, "SHARE_CHUNK", 1
			),  # one record a statement: both connections take some
		]
		for p in self.patches:
			p.start()

	def tearDown(self):
		for p in self.patches:
			p.stop()
		frappe.db.rollback()

	def committed_pair(self, number: str) -> tuple[str, str]:
		"""A record and its bill, committed before the job as a background job finds them (the
		bill by SQL: no ledger entries to undo); removed again by cleanup()."""
		record = make_inward_supply(
			document_number=number, document_date=DATE, supplier_period=PERIOD, taxable_value=1000, igst=0
		).name
		bill = f"{BILL}-{number}"
		frappe.db.sql(
			"""insert into `tabPurchase Invoice` (name, docstatus, company_gstin, supplier_gstin,
			bill_no, bill_date, posting_date, base_net_total, net_total, is_return, owner, creation, modified)
			values (%s, 1, %s, %s, %s, %s, %s, 1000, 1000, 0, 'Administrator', now(), now())""",
			(bill, COMPANY_GSTIN, SUPPLIER_GSTINS["IMS Supplier Alpha"], number, DATE, DATE),
		)
		frappe.db.commit()
		self.addCleanup(self.cleanup, record, bill)
		return record, bill

	def cleanup(self, record: str, bill: str) -> None:
		frappe.db.rollback()
		frappe.db.sql("delete from `tabPurchase Invoice` where name = %s", bill)
		frappe.db.sql("delete from `tabIMS Action Log` where inward_supply = %s", record)
		frappe.db.sql(f"delete from `tab{supply_doctype()}` where name = %s", record)
		frappe.db.commit()

	def test_committed_bills_are_written_on_the_second_connection_and_land_with_the_commit(self):
		record, bill = self.committed_pair("SIDE-1")
		result = reconcile(COMPANY_GSTIN, PERIOD, check_permission=False, parallel_bills=True)
		self.assertEqual(result["supplies"], 1)
		(side,) = SpySideWriter.made
		self.assertFalse(side.gave_up)
		self.assertEqual(frappe.db.get_value(supply_doctype(), record, "match_status"), "Exact Match")
		self.assertEqual(bill_side(bill), (None, None, None))  # the job's own connection: not yet
		frappe.db.commit()  # the job runner's commit: the side commits after it
		self.assertIsNone(side.connection)
		self.assertEqual(bill_side(bill), (record, "Exact Match", "No Action"))

	def test_a_rollback_takes_the_side_back_too(self):
		"""The side's rows are written, then the job fails: nothing of either side stays."""
		record, bill = self.committed_pair("SIDE-2")
		reconcile(COMPANY_GSTIN, PERIOD, check_permission=False, parallel_bills=True)
		(side,) = SpySideWriter.made
		self.assertFalse(side.gave_up)
		frappe.db.rollback()
		self.assertIsNone(side.connection)
		self.assertEqual(bill_side(bill), (None, None, None))
		self.assertIsNone(frappe.db.get_value(supply_doctype(), record, "purchase_invoice"))

	def test_a_bill_this_job_holds_locked_is_given_back_and_written_here(self):
		"""The bill was inserted in this transaction (not committed): the side would wait for our
		own lock. It gives up after LOCK_WAIT and the job writes the bills itself."""
		record = make_inward_supply(
			document_number="SIDE-3", document_date=DATE, supplier_period=PERIOD, taxable_value=1000, igst=0
		).name
		pi = make_purchase_invoice(bill_no="SIDE-3", bill_date=DATE, net=1000, taxes={})
		# (its submit reconciled it already: undo that, in this transaction, so the job writes it)
		frappe.db.sql(
			"update `tabPurchase Invoice` set ims_inward_supply = null, ims_match_status = null, ims_action = null where name = %s",
			pi.name,
		)
		frappe.db.sql(
			f"update `tab{supply_doctype()}` set purchase_invoice = null, match_status = 'Missing in PI' where name = %s",
			record,
		)
		with patch.object(second_connection.SideWriter, "LOCK_WAIT", 1):
			reconcile(COMPANY_GSTIN, PERIOD, check_permission=False, parallel_bills=True)
		(side,) = SpySideWriter.made
		self.assertTrue(side.gave_up)
		self.assertIsNone(side.connection)  # rolled back and closed
		# the bill shows its record as the record stands (India Compliance's bill may differ in its
		# place of supply: the status is whatever the match found)
		row = frappe.db.get_value(supply_doctype(), record, ["purchase_invoice", "match_status", "action"])
		self.assertEqual(row[0], pi.name)
		self.assertEqual(bill_side(pi.name), (record, row[1], row[2]))

	def test_both_connections_share_both_tables(self):
		SpySideWriter.bills_only = False  # (setUp puts it back)
		pairs = [self.committed_pair(f"SIDE-4{i}") for i in range(6)]
		result = reconcile(COMPANY_GSTIN, PERIOD, check_permission=False, parallel_bills=True)
		self.assertEqual(result["written"], 6)
		(side,) = SpySideWriter.made
		self.assertFalse(side.gave_up)
		# each connection took a share of both tables; together they wrote each row once
		self.assertEqual(
			side.rows_sent, side.taken_count("Purchase Invoice") + side.taken_count(supply_doctype())
		)
		frappe.db.commit()
		for record, bill in pairs:
			self.assertEqual(frappe.db.get_value(supply_doctype(), record, "purchase_invoice"), bill)
			self.assertEqual(bill_side(bill), (record, "Exact Match", "No Action"))
