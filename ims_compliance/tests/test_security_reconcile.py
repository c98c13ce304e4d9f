"""Issue 18 with issue 14's users: the reconcile job's packed reads (frames.packed_sql) over
REST. The Company-restricted user reconciles its own Company GSTIN and is refused the other's;
an Accounts User reconciles either. Each request's job reads the records and bills packed and
writes what it matched; nothing of the other Company moves."""

from unittest.mock import patch

import frappe

from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services import reconcile
from ims_compliance.tests.factories import make_inward_supply
from ims_compliance.tests.fixtures import COMPANY_GSTIN, TEST_COMPANY
from ims_compliance.tests.security_case import ALPHA, OTHER_COMPANY, OTHER_GSTIN, SecurityCase

PATH = "/api/method/ims_compliance.api.reconcile"
DATE = "2024-03-11"
PERIOD = "032024"  # a period no other test books in


class TestReconcileOverRest(SecurityCase):
	def setUp(self):
		self.pairs = {
			gstin: self.committed_pair(company, gstin)
			for company, gstin in ((TEST_COMPANY, COMPANY_GSTIN), (OTHER_COMPANY, OTHER_GSTIN))
		}
		self.packed: list[str] = []
		read_packed = reconcile._read_packed

		def spy(*args):  # the packed read ran (and was not given up)
			frame = read_packed(*args)
			self.packed.append("supplies" if frame is not None else "plain")
			return frame

		reconcile._read_packed = spy
		self.addCleanup(setattr, reconcile, "_read_packed", read_packed)

	def committed_pair(self, company: str, gstin: str) -> tuple[str, str]:
		"""A record and its bill, committed (the request reads on its own connection); the bill by
		SQL, with no ledger entries to undo."""
		number = f"RSEC-{gstin[:2]}-" + frappe.generate_hash(length=5)
		record = make_inward_supply(
			company=company,
			company_gstin=gstin,
			document_number=number,
			document_date=DATE,
			supplier_period=PERIOD,
			taxable_value=1000,
			igst=0,
		).name
		bill = "RSEC-BILL-" + number
		frappe.db.sql(
			"""insert into `tabPurchase Invoice` (name, docstatus, company, company_gstin, supplier_gstin,
			bill_no, bill_date, posting_date, base_net_total, net_total, is_return, owner, creation, modified)
			values (%s, 1, %s, %s, %s, %s, %s, %s, 1000, 1000, 0, 'Administrator', now(), now())""",
			(bill, company, gstin, ALPHA, number, DATE, DATE),
		)
		frappe.db.commit()  # nosemgrep: the HTTP request reads on its own connection
		self.addCleanup(self.remove, record, bill)
		return record, bill

	def remove(self, record: str, bill: str) -> None:
		frappe.db.rollback()
		frappe.db.sql("delete from `tabPurchase Invoice` where name = %s", bill)
		frappe.db.delete("IMS Action Log", {"inward_supply": record})
		frappe.db.delete(supply_doctype(), {"name": record})
		frappe.db.commit()  # nosemgrep: remove the committed rows

	def matched(self, gstin: str) -> tuple:
		record, bill = self.pairs[gstin]
		return tuple(
			frappe.db.get_value(supply_doctype(), record, ["match_status", "purchase_invoice"])
		), bill

	def reconcile_over_rest(self, headers, gstin: str):
		"""The request queues the job; here it runs at once, in the request, as the user (a worker
		runs it as the user who queued it)."""
		enqueue = frappe.enqueue
		with (
			patch.object(
				frappe, "enqueue", lambda *args, **kwargs: enqueue(*args, **{**kwargs, "now": True})
			),
			# (a job of an earlier run left in the site's queue, with no worker, is not this one)
			patch("frappe.utils.background_jobs.is_job_enqueued", lambda job_id: False),
		):
			return self.http("post", PATH, headers, {"company_gstin": gstin, "from_period": PERIOD})

	def test_the_restricted_user_reconciles_only_its_companys_gstin(self):
		refused = self.reconcile_over_rest(self.restricted_user, OTHER_GSTIN)
		self.assertGreaterEqual(refused.status_code, 400)
		self.assertEqual(self.packed, [])  # refused before any read
		self.assertEqual(self.matched(OTHER_GSTIN)[0], ("Missing in PI", None))
		response = self.reconcile_over_rest(self.restricted_user, COMPANY_GSTIN)
		self.assertEqual(response.status_code, 200, response.json)
		self.assertEqual(self.packed, ["supplies"])
		(status, link), bill = self.matched(COMPANY_GSTIN)
		self.assertEqual((status, link), ("Exact Match", bill))
		self.assertEqual(self.matched(OTHER_GSTIN)[0], ("Missing in PI", None))

	def test_an_accounts_user_reconciles_either_company_gstin(self):
		for gstin in (OTHER_GSTIN, COMPANY_GSTIN):
			response = self.reconcile_over_rest(self.accounts_user, gstin)
			self.assertEqual(response.status_code, 200, response.json)
			(status, link), bill = self.matched(gstin)
			self.assertEqual((status, link), ("Exact Match", bill))
		self.assertEqual(self.packed, ["supplies", "supplies"])
