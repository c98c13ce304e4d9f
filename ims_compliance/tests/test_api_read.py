import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance import api
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.tests.factories import make_inward_supply
from ims_compliance.tests.fixtures import ACCOUNTS_USER, COMPANY_GSTIN_2, NO_ROLE_USER, SUPPLIER_GSTINS


class TestReadAPI(FrappeTestCase):
	"""The page's read methods: pagination, filters, sorting, aggregates and permissions.
	Every test filters on its own company GSTIN so other tests' rows cannot interfere."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.filters = {"company_gstin": COMPANY_GSTIN_2}
		frappe.db.delete(supply_doctype(), {"company_gstin": COMPANY_GSTIN_2})
		for i in range(25):
			make_inward_supply(
				company_gstin=COMPANY_GSTIN_2,
				document_number=f"RD-{i:03d}",
				taxable_value=100 * (i + 1),
				igst=18 * (i + 1),
				match_status="Exact Match" if i < 10 else "Missing in PI",
				action="Accepted" if i < 4 else "No Action",
			)
		make_inward_supply(
			company_gstin=COMPANY_GSTIN_2,
			document_number="RD-CN1",
			section="CN",
			supplier_gstin=SUPPLIER_GSTINS["IMS Supplier Beta"],
			taxable_value=50,
			igst=9,
		)
		make_inward_supply(company_gstin=COMPANY_GSTIN_2, document_number="RD-GONE", is_gone=1)

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_document_view_paginates_and_counts(self):
		first = api.get_document_view(
			self.filters, start=0, page_length=10, sort_by="document_number", sort_order="asc"
		)
		self.assertEqual(first["total"], 26)  # the gone record is hidden by default
		self.assertEqual([r.document_number for r in first["rows"]][:3], ["RD-000", "RD-001", "RD-002"])
		last = api.get_document_view(
			self.filters, start=20, page_length=10, sort_by="document_number", sort_order="asc"
		)
		self.assertEqual(len(last["rows"]), 6)
		names = {r.name for r in first["rows"]} | {r.name for r in last["rows"]}
		self.assertEqual(len(names), 16)

	def test_keyset_pages_follow_the_offset_pages(self):
		"""Issue 18: `after` (the previous page's `next`) gives the same pages as `start`, in the
		default order (document date, with ties on the date broken by name) and in another sort."""
		for sort_by, sort_order in ((None, None), ("taxable_value", "asc")):
			by_offset, by_keyset, after = [], [], None
			for start in range(0, 26, 7):
				page = api.get_document_view(
					self.filters, start=start, page_length=7, sort_by=sort_by, sort_order=sort_order
				)
				by_offset += [r.name for r in page["rows"]]
				page = api.get_document_view(
					self.filters,
					start=start,
					page_length=7,
					sort_by=sort_by,
					sort_order=sort_order,
					after=frappe.as_json(after) if after else None,
				)
				by_keyset += [r.name for r in page["rows"]]
				after = page["next"]
			self.assertEqual(len(by_offset), 26)
			self.assertEqual(by_keyset, by_offset)

	def test_deep_offset_pages_read_in_two_steps_are_the_same_pages(self):
		"""Issue 18: a page number without a cursor, from DEFERRED_FROM on, reads the names first,
		then their rows; it must give exactly the rows (and order) one OFFSET read gives."""
		from unittest.mock import patch

		from ims_compliance.services import queries

		for sort_by, sort_order in ((None, None), ("taxable_value", "asc"), ("supplier_name", "desc")):
			pages = {}
			for deferred_from in (1, 10**9):
				with patch.object(queries, "DEFERRED_FROM", deferred_from):
					pages[deferred_from] = [
						[
							dict(r)
							for r in api.get_document_view(
								self.filters,
								start=start,
								page_length=7,
								sort_by=sort_by,
								sort_order=sort_order,
							)["rows"]
						]
						for start in range(0, 28, 7)
					]
			self.assertEqual(sum(len(page) for page in pages[1]), 26)
			self.assertEqual(pages[1], pages[10**9])

	def test_keyset_pages_keep_the_readers_permissions(self):
		frappe.set_user(NO_ROLE_USER)
		with self.assertRaises(frappe.PermissionError):
			api.get_document_view(self.filters, page_length=5, after=frappe.as_json(["2025-10-05", "x"]))

	def test_filters_combine(self):
		result = api.get_document_view(
			{**self.filters, "match_status": "Exact Match", "action": "No Action"}, page_length=50
		)
		self.assertEqual(result["total"], 6)
		result = api.get_document_view({**self.filters, "document_type": "Credit Note"})
		self.assertEqual([r.document_number for r in result["rows"]], ["RD-CN1"])
		result = api.get_document_view(frappe.as_json({**self.filters, "include_gone": 1}))
		self.assertEqual(result["total"], 27)

	def test_sort_field_is_whitelisted(self):
		with self.assertRaises(frappe.ValidationError):
			api.get_document_view(self.filters, sort_by="name; drop table x")

	def test_page_length_is_capped(self):
		result = api.get_document_view(self.filters, page_length=100000)
		self.assertEqual(result["page_length"], 500)

	def test_match_summary(self):
		rows = {r.match_status: r for r in api.get_match_summary(self.filters)}
		self.assertEqual(rows["Exact Match"].records, 10)
		self.assertEqual(rows["Exact Match"].acted, 4)
		self.assertEqual(rows["Exact Match"].acted_percent, 40.0)
		self.assertEqual(rows["Exact Match"].taxable_value, sum(100 * (i + 1) for i in range(10)))
		self.assertEqual(rows["Missing in PI"].records, 16)

	def test_actions_summary(self):
		data = api.get_actions_summary(self.filters)
		by_type = {(r.document_type, r.action): r for r in data["by_document_type"]}
		self.assertEqual(by_type[("Invoice", "Accepted")].records, 4)
		self.assertEqual(by_type[("Invoice", "Accepted")].total_tax, 18 * (1 + 2 + 3 + 4))
		self.assertEqual(by_type[("Credit Note", "No Action")].records, 1)
		by_status = {(r.match_status, r.action): r.records for r in data["by_match_status"]}
		self.assertEqual(by_status[("Exact Match", "Accepted")], 4)

	def test_accounts_user_can_read(self):
		frappe.set_user(ACCOUNTS_USER)
		self.assertEqual(api.get_document_view(self.filters)["total"], 26)

	def test_user_without_role_is_refused(self):
		frappe.set_user(NO_ROLE_USER)
		for method, args in (
			(api.get_document_view, (self.filters,)),
			(api.get_match_summary, (self.filters,)),
			(api.get_actions_summary, (self.filters,)),
			(api.get_action_totals, (self.filters,)),
		):
			with self.assertRaises(frappe.PermissionError):
				method(*args)


class TestPageState(FrappeTestCase):
	def tearDown(self):
		frappe.set_user("Administrator")

	def test_page_state_lists_gstins_and_counts(self):
		state = api.get_page_state()
		self.assertIn(COMPANY_GSTIN_2, [g.gstin for g in state["company_gstins"]])
		self.assertTrue(state["can_configure"])
		frappe.set_user(ACCOUNTS_USER)
		self.assertFalse(api.get_page_state()["can_configure"])
		frappe.set_user(NO_ROLE_USER)
		with self.assertRaises(frappe.PermissionError):
			api.get_page_state()


class TestJobStatus(FrappeTestCase):
	"""The page's polling when realtime is absent: it asks until the job is no longer running."""

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_running_while_rq_has_the_job_queued_or_started(self):
		from unittest.mock import patch

		from rq.job import JobStatus

		frappe.set_user(ACCOUNTS_USER)
		job = "ims-download::27AAPFU0939F1ZV"
		seen = {}
		for status in (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.FINISHED, JobStatus.FAILED, None):
			with patch("frappe.utils.background_jobs.get_job_status", return_value=status):
				seen[getattr(status, "value", status)] = api.get_job_status(job)["running"]
		self.assertEqual(
			seen, {"queued": True, "started": True, "finished": False, "failed": False, None: False}
		)
		# a job RQ never saw (or forgot): not running, so the page stops asking and refreshes
		self.assertFalse(api.get_job_status("ims-upload::NEVER-QUEUED")["running"])

	def test_only_this_apps_jobs_and_only_for_readers(self):
		with self.assertRaises(frappe.ValidationError):
			api.get_job_status("someone-elses-job")
		frappe.set_user(NO_ROLE_USER)
		with self.assertRaises(frappe.PermissionError):
			api.get_job_status("ims-download::27AAPFU0939F1ZV")
