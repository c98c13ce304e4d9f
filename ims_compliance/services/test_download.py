import dataclasses
import datetime as dt

import frappe

from ims_compliance import api
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.gstn.client import GstnClient
from ims_compliance.gstn.errors import GstnUnavailable, OtpRequired
from ims_compliance.gstn.protocol import parse_section
from ims_compliance.gstn.sandbox import SANDBOX_OTP
from ims_compliance.gstn.sandbox.faults import FaultPlan
from ims_compliance.gstn.settings import RetryPolicy
from ims_compliance.services.connection import make_client
from ims_compliance.services.download import (
	DOWNLOAD_SECTIONS,
	FULL_DOWNLOAD_KEY,
	FULL_DOWNLOAD_MAX_AGE,
	download,
	download_job,
)
from ims_compliance.tests.factories import make_purchase_invoice
from ims_compliance.tests.fixtures import ACCOUNTS_MANAGER, COMPANY_GSTIN_2
from ims_compliance.tests.sandbox_case import SandboxCase

GSTIN = COMPANY_GSTIN_2
#: what a download decides for a row; compared between a clean and a fault-injected run
ROW_FIELDS = (
	"ims_key",
	"gstn_hash",
	"gstn_action",
	"action",
	"upload_state",
	"is_gone",
	"changed_by_supplier",
	"section",
	"document_type",
	"supplier_gstin",
	"supplier_name",
	"document_number",
	"document_date",
	"supplier_period",
	"original_number",
	"original_date",
	"document_value",
	"taxable_value",
	"igst",
	"cgst",
	"sgst",
	"cess",
	"total_tax",
	"place_of_supply",
	"invoice_type",
	"source_form",
	"supplier_filed",
	"reverse_charge",
	"pending_blocked",
	"itc_reduction_blocked",
	"remarks_blocked",
	"itc_reduction_required",
	"remarks",
	"match_status",
)


class SandboxTestCase(SandboxCase):
	"""The built-in sandbox over real HTTP, IMS Settings pointing at it, no session, no cached
	counts and no rows for COMPANY_GSTIN_2 at the start of every test."""

	records = 300
	seed = 3

	def setUp(self):
		self.use_sandbox(GSTIN)
		self.sandbox.state.generate(GSTIN, self.records, seed=self.seed)

	def forget_downloads(self, gstin: str = GSTIN) -> None:
		super().forget_downloads(gstin)

	def login(self):
		api.request_otp(GSTIN)
		api.submit_otp(GSTIN, SANDBOX_OTP)

	def count(self, **filters):
		return frappe.db.count(supply_doctype(), {"company_gstin": GSTIN, **filters})

	def row(self, section: str, raw: dict, fields=("name",)):
		"""The stored row of one sandbox record (its GETINV dict)."""
		return frappe.db.get_value(
			supply_doctype(),
			{
				"company_gstin": GSTIN,
				"section": section,
				"supplier_gstin": raw["stin"],
				"document_number": raw["inum"],
			},
			fields,
			as_dict=True,
		)

	def sandbox_b2b(self, count: int, *, skip: int = 0, action: str = "N") -> list[dict]:
		"""B2B records GSTN holds with `action`, each the only one of its number for its supplier."""
		rows = self.sandbox.state.section_records(GSTIN, "B2B")
		seen: dict[tuple, int] = {}
		for raw in rows:
			seen[(raw["stin"], raw["inum"].upper())] = seen.get((raw["stin"], raw["inum"].upper()), 0) + 1
		picked = [r for r in rows if r["action"] == action and seen[(r["stin"], r["inum"].upper())] == 1]
		self.assertGreaterEqual(len(picked), skip + count)
		return picked[skip : skip + count]

	def modified(self) -> dict:
		return dict(
			frappe.get_all(
				supply_doctype(), filters={"company_gstin": GSTIN}, fields=["name", "modified"], as_list=True
			)
		)


class TestDownloadFromSandbox(SandboxTestCase):
	"""The download job against the built-in sandbox over real HTTP."""

	def test_download_creates_rows_and_a_rerun_writes_nothing(self):
		self.assertTrue(api.download_from_gstn(GSTIN)["otp_needed"])
		self.login()
		result = download(GSTIN, commit=False)
		# two generated amendments amend the same originals: one natural key each (the later wins)
		self.assertEqual((result["new"], result["duplicates"]), (298, 2))
		self.assertEqual(self.count(), 298)
		again = download(GSTIN, force=True, commit=False)
		self.assertEqual((again["new"], again["unchanged"]), (0, 298))
		skipped = download(GSTIN, commit=False)  # counts unchanged: no section is fetched
		self.assertEqual(skipped["sections"], [])

	def test_wrong_otp_is_refused_clearly(self):
		api.request_otp(GSTIN)
		with self.assertRaisesRegex(frappe.ValidationError, "refused the OTP"):
			api.submit_otp(GSTIN, "000000")

	def test_scheduled_run_without_session_notifies_managers(self):
		result = download_job(GSTIN, scheduled=True, commit=False)
		self.assertEqual(result["status"], "OTP needed")
		self.assertTrue(
			frappe.db.exists(
				"Notification Log", {"for_user": ACCOUNTS_MANAGER, "subject": ("like", "%needs an OTP%")}
			)
		)


class TestDownloadAcceptance(SandboxTestCase):
	"""Issue 4's acceptance, through the job, against the sandbox with 2,000 generated records."""

	records = 2000
	seed = 21

	def expected_keys(self) -> set[str]:
		return {
			record.natural_key(GSTIN)
			for code in DOWNLOAD_SECTIONS
			for record in parse_section(code, self.sandbox.state.section_records(GSTIN, code))
		}

	def test_download_cycle_through_the_job(self):
		self.login()
		user = frappe.session.user

		# first download: one row per distinct supplier document GSTN holds
		first = download_job(GSTIN, user=user, commit=False)
		self.assertEqual(first["new"] + first["duplicates"], 2000)
		keys = self.expected_keys()
		self.assertEqual(first["new"], len(keys))
		stored = frappe.get_all(supply_doctype(), filters={"company_gstin": GSTIN}, pluck="ims_key")
		self.assertEqual((len(stored), set(stored)), (len(keys), keys))
		self.assertTrue(
			frappe.db.exists(
				"Notification Log", {"for_user": user, "subject": ("like", f"%{first['new']} new%")}
			)
		)

		# a user's action, not uploaded, on a record nobody else touches
		survivor = self.row("B2B", self.sandbox_b2b(1, skip=30)[0]).name
		self.assertEqual(api.apply_action("Rejected", names=[survivor])["applied"], 1)

		def assert_survivor():
			self.assertEqual(
				frappe.db.get_value(supply_doctype(), survivor, ["action", "upload_state"]),
				("Rejected", "Pending Upload"),
			)

		# a second download with no changes writes nothing: counts unchanged, nothing fetched;
		# forced, every record is fetched and compared and still nothing is written
		before = self.modified()
		logs = frappe.db.count("IMS Action Log")
		second = download_job(GSTIN, user=user, commit=False)
		self.assertEqual((second["sections"], second["full"]), ([], False))
		forced = download_job(GSTIN, user=user, force=True, commit=False)
		self.assertEqual((forced["new"], forced["unchanged"], forced["full"]), (0, len(keys), True))
		self.assertEqual(self.modified(), before)
		self.assertEqual(frappe.db.count("IMS Action Log"), logs)
		assert_survivor()

		# the supplier edits 10 records (new hash); 4 of them carry a user action first
		edited = self.sandbox_b2b(10)
		edited_names = {self.row("B2B", raw).name for raw in edited}
		acted = sorted(edited_names)[:4]
		self.assertEqual(api.apply_action("Rejected", names=acted)["applied"], 4)
		for raw in edited:
			self.sandbox.state.edit(
				GSTIN, "B2B", stin=raw["stin"], number=raw["inum"], changes={"txval": raw["txval"] + 100}
			)
		# every edited record was "No Action" on GSTN: no count moves, so the daily (full) run
		# is the one that sees them; see test_full_download_when_the_last_one_is_old
		third = download_job(GSTIN, scheduled=True, commit=False)
		self.assertEqual((third["changed_by_supplier"], third["new"], third["gone"]), (10, 0, 0))
		changed = frappe.get_all(
			supply_doctype(),
			filters={"company_gstin": GSTIN, "changed_by_supplier": 1},
			fields=["name", "action", "upload_state"],
		)
		self.assertEqual({r.name for r in changed}, edited_names)
		self.assertEqual({(r.action, r.upload_state) for r in changed}, {("No Action", "")})
		supplier_logs = frappe.get_all(
			"IMS Action Log",
			filters={"source": "Supplier Change", "inward_supply": ("in", list(self.modified()))},
			fields=["inward_supply", "from_action", "to_action", "changed_values"],
		)
		self.assertEqual({log.inward_supply for log in supplier_logs}, edited_names)
		self.assertEqual(len(supplier_logs), 10)
		self.assertEqual(
			sorted(log.inward_supply for log in supplier_logs if log.from_action == "Rejected"), acted
		)
		self.assertEqual({log.to_action for log in supplier_logs}, {"No Action"})
		change = frappe.parse_json(supplier_logs[0].changed_values)["taxable_value"]
		self.assertAlmostEqual(change["new"] - change["old"], 100)
		untouched = {n: m for n, m in before.items() if n not in edited_names and n != survivor}
		self.assertEqual({n: m for n, m in self.modified().items() if n in untouched}, untouched)
		assert_survivor()

		# the supplier removes 5: they are marked gone, never deleted, and keep their links
		removed = self.sandbox_b2b(5, skip=10)
		removed_names = {self.row("B2B", raw).name for raw in removed}
		linked = sorted(removed_names)[0]
		invoice = make_purchase_invoice(bill_no="DL-LINKED-1")
		frappe.db.set_value(  # the same document: the pair's GSTINs (issue 14 checks them)
			"Purchase Invoice",
			invoice.name,
			{
				"company_gstin": GSTIN,
				"supplier_gstin": frappe.db.get_value(supply_doctype(), linked, "supplier_gstin"),
			},
		)
		api.link_purchase_invoice(linked, invoice.name)
		for raw in removed:
			self.sandbox.state.remove(GSTIN, "B2B", stin=raw["stin"], number=raw["inum"])
		fourth = download_job(GSTIN, user=user, commit=False)  # B2B's counts moved: it is fetched
		self.assertIn("B2B", fourth["sections"])
		self.assertEqual((fourth["gone"], fourth["new"], fourth["changed_by_supplier"]), (5, 0, 0))
		gone = frappe.get_all(supply_doctype(), filters={"company_gstin": GSTIN, "is_gone": 1}, pluck="name")
		self.assertEqual(set(gone), removed_names)
		self.assertEqual(self.count(), len(keys))
		self.assertEqual(frappe.db.get_value(supply_doctype(), linked, "purchase_invoice"), invoice.name)
		assert_survivor()

		# and once more in full: nothing moves, the gone rows stay gone
		before = self.modified()
		last = download_job(GSTIN, user=user, force=True, commit=False)
		self.assertEqual((last["new"], last["gone"], last["changed_by_supplier"]), (0, 0, 0))
		self.assertEqual(self.modified(), before)
		assert_survivor()


class TestFullDownloadPolicy(SandboxTestCase):
	"""Counts skip sections whose per-action counts did not move; an edit of a record that stays
	"No Action" moves none, so a full download is due after FULL_DOWNLOAD_MAX_AGE and daily."""

	def edit_quietly(self) -> str:
		raw = self.sandbox_b2b(1)[0]
		name = self.row("B2B", raw).name
		self.sandbox.state.edit(
			GSTIN, "B2B", stin=raw["stin"], number=raw["inum"], changes={"val": raw["val"] + 7}
		)
		return name

	def test_full_download_when_the_last_one_is_old(self):
		self.login()
		self.assertTrue(download(GSTIN, commit=False)["full"])
		name = self.edit_quietly()

		recent = download(GSTIN, commit=False)  # within the age: counts decide, nothing moved
		self.assertEqual((recent["sections"], recent["full"]), ([], False))
		self.assertEqual(frappe.db.get_value(supply_doctype(), name, "changed_by_supplier"), 0)

		old = frappe.utils.now_datetime() - FULL_DOWNLOAD_MAX_AGE - dt.timedelta(minutes=1)
		frappe.cache.set_value(FULL_DOWNLOAD_KEY.format(GSTIN), str(old), expires_in_sec=3600)
		due = download(GSTIN, commit=False)
		self.assertEqual(
			(due["sections"], due["full"], due["changed_by_supplier"]), (list(DOWNLOAD_SECTIONS), True, 1)
		)
		self.assertEqual(frappe.db.get_value(supply_doctype(), name, "changed_by_supplier"), 1)
		# that full download is now the last one: the next skips by counts again
		self.assertEqual(download(GSTIN, commit=False)["sections"], [])

	def test_a_lost_cache_means_a_full_download(self):
		self.login()
		download(GSTIN, commit=False)
		name = self.edit_quietly()
		frappe.cache.delete_value(FULL_DOWNLOAD_KEY.format(GSTIN))
		self.assertTrue(download(GSTIN, commit=False)["full"])
		self.assertEqual(frappe.db.get_value(supply_doctype(), name, "changed_by_supplier"), 1)

	def test_the_scheduled_run_is_a_full_download(self):
		self.login()
		download(GSTIN, commit=False)
		name = self.edit_quietly()
		result = download_job(GSTIN, scheduled=True, commit=False)
		self.assertEqual((result["sections"], result["changed_by_supplier"]), (list(DOWNLOAD_SECTIONS), 1))
		self.assertEqual(frappe.db.get_value(supply_doctype(), name, "changed_by_supplier"), 1)

	def test_an_explicit_section_fetch_is_not_a_full_download(self):
		self.login()
		download(GSTIN, commit=False)
		frappe.cache.delete_value(FULL_DOWNLOAD_KEY.format(GSTIN))
		result = download(GSTIN, sections=["B2B"], commit=False)
		self.assertEqual((result["sections"], result["full"]), (["B2B"], False))
		self.assertIsNone(frappe.cache.get_value(FULL_DOWNLOAD_KEY.format(GSTIN), expires=True))


class TestDownloadUnderFaults(SandboxTestCase):
	"""503s and session expiries mid-way: re-running as a user would ends with the rows a clean
	run makes from the same GSTN data, and no duplicates."""

	records = 2000
	seed = 8
	#: seeded random 500/503s and a token that expires every few calls (the client refreshes it)
	noise = FaultPlan(seed=4, error_rate=0.2, fail_first=2, expire_sessions_after=3)

	def client(self, on_exchange) -> GstnClient:
		"""The job's client with quick retries (the policy, not its waits, is under test)."""
		client = make_client(GSTIN)
		settings = dataclasses.replace(
			client.settings, retry=RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.01, seed=1)
		)
		return GstnClient(settings, store=client.store, on_exchange=on_exchange)

	def snapshot(self) -> dict[str, tuple]:
		rows = frappe.get_all(
			supply_doctype(),
			filters={"company_gstin": GSTIN},
			fields=["name", "original_inward_supply", *ROW_FIELDS],
		)
		key_of = {row.name: row.ims_key for row in rows}
		self.assertEqual(len(key_of), len(set(key_of.values())), "duplicate rows")
		return {
			row.ims_key: (*(row[f] for f in ROW_FIELDS), key_of.get(row.original_inward_supply))
			for row in rows
		}

	def run_until_done(self, on_exchange, before_run=lambda: None) -> list[str]:
		"""Download; on a failure do what the user would (log in again when GSTN asks for an
		OTP, else just run it again). Returns the failures met."""
		failures = []
		for _attempt in range(8):
			before_run()
			try:
				download(GSTIN, client=self.client(on_exchange), commit=False)
				return failures
			except OtpRequired as exc:  # SessionExpired too: a refresh could not fix it
				failures.append(type(exc).__name__)
				self.login_through_faults(on_exchange)
			except GstnUnavailable as exc:
				failures.append(type(exc).__name__)
		self.fail(f"no clean download after {failures}")

	def login_through_faults(self, on_exchange) -> None:
		for _attempt in range(8):
			try:
				client = self.client(on_exchange)
				client.request_otp()
				client.authenticate(SANDBOX_OTP)
				return
			except GstnUnavailable:
				continue
		self.fail("could not log in through the faults")

	def test_fault_injected_run_ends_with_the_rows_of_a_clean_run(self):
		self.login()
		self.assertEqual(self.run_until_done(lambda entry: None), [])
		clean = self.snapshot()
		self.assertGreater(len(clean), 1900)

		frappe.db.delete(supply_doctype(), {"company_gstin": GSTIN})
		self.forget_downloads()
		sandbox, runs, statuses = self.sandbox, [], []

		def start_run():
			runs.append(0)  # GETINV answers seen in this run
			sandbox.set_faults(self.noise)

		def gstn_has_a_bad_day(entry):
			"""On top of the noise: mid-way through the first run GSTN goes down (every answer a
			5xx until the user re-runs); mid-way through the second it forgets every session,
			which no refresh can fix (the user logs in again)."""
			statuses.append(entry.get("status"))
			if (entry.get("params") or {}).get("action") != "GETINV" or entry.get("status") != 200:
				return
			runs[-1] += 1
			if runs[-1] == 3 and len(runs) == 1:
				sandbox.set_faults(FaultPlan(error_rate=1.0))
			if runs[-1] == 3 and len(runs) == 2:
				with sandbox.api.lock:
					sandbox.api.sessions.clear()

		failures = self.run_until_done(gstn_has_a_bad_day, before_run=start_run)
		self.sandbox.set_faults(FaultPlan())

		self.assertEqual(failures[:2], ["GstnUnavailable", "SessionExpired"])
		self.assertTrue({500, 503} & set(statuses), "no 5xx was served")
		self.assertIn(401, statuses, "no session expired")
		self.assertEqual(self.snapshot(), clean)

	def test_a_rerun_after_a_partial_run_completes_it(self):
		"""A run that died after some sections (the job's batches committed) is completed by the
		next run: the rows written first are kept, none twice."""
		self.login()
		download(GSTIN, sections=["B2B", "CN"], commit=False)
		partial = self.snapshot()
		self.forget_downloads()
		result = download(GSTIN, commit=False)
		self.assertEqual(result["new"] + result["unchanged"], len(self.snapshot()))
		self.assertEqual(result["unchanged"], len(partial))
		full = self.snapshot()
		self.assertEqual({k: v for k, v in full.items() if k in partial}, partial)

		frappe.db.delete(supply_doctype(), {"company_gstin": GSTIN})
		self.forget_downloads()
		download(GSTIN, commit=False)
		self.assertEqual(self.snapshot(), full)
