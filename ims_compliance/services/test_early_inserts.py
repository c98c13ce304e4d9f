"""Issue 18 on the bench: the download job writes new rows on a second connection while it is
still reading GSTN (services/early_inserts.py). Whatever the order the parts come in, the rows
must be the ones a download that writes after reading leaves; a failure part-way must leave
none; a second connection that meets a lock gives its work back to the job's connection.

The second connection's rows are only seen once committed, so these tests commit, on their own
company GSTIN's rows and a sandbox of their own, and remove what they committed afterwards."""

from unittest.mock import patch

import pymysql

import frappe

from ims_compliance.doctype_names import supply_doctype
from ims_compliance.gstn.errors import GstnError
from ims_compliance.gstn.sandbox import SandboxConfig, SandboxServer
from ims_compliance.services import ingest, second_connection
from ims_compliance.services.download import download
from ims_compliance.services.early_inserts import EarlyInserts
from ims_compliance.services.test_download import ROW_FIELDS
from ims_compliance.tests.fixtures import COMPANY_GSTIN_2
from ims_compliance.tests.sandbox_case import SandboxCase

GSTIN = COMPANY_GSTIN_2
SETTINGS = ("connection_mode", "base_url", "reconcile_after_download", "recompute_2b_after_upload")


class SpyEarlyInserts(EarlyInserts):
	made: list = []

	def __init__(self, *args, **kwargs):
		super().__init__(*args, **kwargs)
		self.parts: list[tuple[str, int]] = []
		SpyEarlyInserts.made.append(self)

	def add(self, code, records):
		self.parts.append((code, len(records)))
		super().add(code, records)


class TestEarlyInserts(SandboxCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.sandbox.stop()
		# sections over 20 records are queued, in parts of 15: the amendments (direct answers)
		# come before the originals they amend, and one section comes in many parts
		cls.sandbox = SandboxServer(
			state_path=f"{cls.tmp.name}/parts.json",
			port=0,
			config=SandboxConfig(queue_threshold=20, part_size=15),
		).start()

	def setUp(self):
		self.saved = frappe.db.get_value("IMS Settings", None, SETTINGS, as_dict=True)
		self.use_sandbox(GSTIN)
		self.sandbox.state.generate(GSTIN, 300, seed=3)
		self.log_in(GSTIN)
		frappe.db.commit()  # nosemgrep: the second connection must see the settings and the session
		SpyEarlyInserts.made = []
		self.spy = patch.object(ingest, "EarlyInserts", SpyEarlyInserts)
		self.spy.start()

	def tearDown(self):
		self.spy.stop()
		frappe.db.rollback()
		self.remove_rows()
		frappe.db.set_single_value("IMS Settings", self.saved)
		frappe.db.commit()  # nosemgrep: what these tests committed is removed
		super().tearDown()

	def remove_rows(self) -> None:
		names = frappe.get_all(supply_doctype(), filters={"company_gstin": GSTIN}, pluck="name")
		if names:
			frappe.db.delete("IMS Action Log", {"inward_supply": ("in", names)})
			frappe.db.delete(supply_doctype(), {"name": ("in", names)})
		self.forget_downloads(GSTIN)

	def rows(self) -> list[tuple]:
		"""Every row of the GSTIN as the download decided it, its original by key (names differ
		from run to run), in key order."""
		table = f"`tab{supply_doctype()}`"
		fields = ", ".join(f"r.`{f}`" for f in ROW_FIELDS)
		return frappe.db.sql(
			f"""select {fields}, o.ims_key, r.parse_warnings from {table} r
			left join {table} o on o.name = r.original_inward_supply
			where r.company_gstin = %s order by r.ims_key""",
			GSTIN,
		)

	def download_both_ways(self) -> tuple[dict, list, dict, list]:
		"""The same GSTN data downloaded with early inserts, committed, then without, committed."""
		early = download(GSTIN, early=True)
		frappe.db.commit()  # nosemgrep: as the job's runner does
		early_rows = self.rows()
		self.remove_rows()
		frappe.db.commit()  # nosemgrep
		plain = download(GSTIN, early=False)
		frappe.db.commit()  # nosemgrep
		return early, early_rows, plain, self.rows()

	def test_the_rows_are_those_of_a_download_that_writes_after_reading(self):
		early, early_rows, plain, plain_rows = self.download_both_ways()
		spy = SpyEarlyInserts.made[0]
		parts = [code for code, _n in spy.parts]
		self.assertGreater(parts.count("B2B"), 2)  # B2B came in parts, after the direct answers
		self.assertLess(parts.index("B2BA"), parts.index("B2B"))
		self.assertEqual(early["written_while_reading"], early["new"])  # (no Bills of Entry here)
		self.assertEqual(len(early_rows), 298)
		self.assertEqual(early_rows, plain_rows)
		for key in ("new", "duplicates", "unchanged", "gone"):
			self.assertEqual(early.get(key), plain.get(key), key)
		# amendments written before their originals came: linked once the originals were known
		linked = [row for row in early_rows if row[ROW_FIELDS.index("section")] == "B2BA" and row[-2]]
		self.assertTrue(linked)
		self.assertTrue(all(row[-2].split("|")[1] == "B2B" for row in linked))

	def test_a_key_repeated_in_a_later_part_keeps_its_last_record(self):
		"""GSTN's file repeats the first B2B record, edited, in its last part: as the plan does,
		the last record is the row (the one written for the first is replaced, same name)."""
		queue_file = self.sandbox.api._queue_file

		def repeat_first(gstin, key, rows, base_url):
			if key == "b2b":
				rows = [*rows, {**rows[0], "val": 123456.78, "hash": "edited" + rows[0]["hash"][6:]}]
			return queue_file(gstin, key, rows, base_url)

		self.sandbox.api._queue_file = repeat_first
		try:
			early, early_rows, plain, plain_rows = self.download_both_ways()
		finally:
			self.sandbox.api._queue_file = queue_file
		self.assertEqual(early_rows, plain_rows)
		self.assertEqual(early["duplicates"], plain["duplicates"])
		values = [row[ROW_FIELDS.index("document_value")] for row in early_rows]
		self.assertIn(123456.78, values)

	def test_a_failure_after_some_parts_were_written_leaves_no_row(self):
		file_part = self.sandbox.api.file_part
		# the fourth part of the first queued file is not what FILEDET's hash says
		self.sandbox.api.file_part = lambda token, index: (
			b"not the file" if index == 3 else file_part(token, index)
		)
		try:
			with self.assertRaises(GstnError):
				download(GSTIN, early=True)
		finally:
			self.sandbox.api.file_part = file_part
		frappe.db.rollback()  # as the job does
		self.assertGreater(SpyEarlyInserts.made[0].rows, 0)  # rows had been written early
		frappe.db.commit()  # nosemgrep: a new transaction sees what others committed
		self.assertEqual(frappe.db.count(supply_doctype(), {"company_gstin": GSTIN}), 0)

	def test_a_second_connection_that_meets_a_lock_gives_its_work_back(self):
		class LockedOut(second_connection.SideQueue):
			def _work(self, cursor):
				raise pymysql.err.OperationalError(1205, "Lock wait timeout exceeded")

		with patch("ims_compliance.services.early_inserts.SideQueue", LockedOut):
			early, early_rows, _plain, plain_rows = self.download_both_ways()
		self.assertTrue(SpyEarlyInserts.made[0].side.gave_up)
		self.assertEqual(early["written_while_reading"], 298)
		self.assertEqual(early_rows, plain_rows)
