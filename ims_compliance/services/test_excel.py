import io

import openpyxl

import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance import api
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.excel import action_template, export, import_actions
from ims_compliance.tests.factories import bulk_inward_supplies
from ims_compliance.tests.fixtures import ACCOUNTS_USER, NO_ROLE_USER


class TestExcelRoundTrip(FrappeTestCase):
	def setUp(self):
		common = {"supplier_period": "012026", "document_date": frappe.utils.getdate("2026-01-10")}
		self.exact = bulk_inward_supplies(195, prefix="XL-EX-", match_status="Exact Match", **common)
		self.missing = bulk_inward_supplies(25, prefix="XL-MP-", match_status="Missing in PI", **common)
		self.filters = {"supplier_period": "012026"}

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def test_template_edit_import_and_reimport(self):
		frappe.set_user(ACCOUNTS_USER)
		book = openpyxl.load_workbook(io.BytesIO(action_template(self.filters)))
		sheet = book.worksheets[0]
		header = [c.value for c in sheet[1]]
		col = {
			name: header.index(name) + 1
			for name in ("Record ID", "Document Number", "New Action", "Match Status")
		}
		rows = list(range(2, sheet.max_row + 1))
		self.assertEqual(len(rows), 220)
		missing_rows = [r for r in rows if sheet.cell(r, col["Match Status"]).value == "Missing in PI"][:5]
		exact_rows = [r for r in rows if sheet.cell(r, col["Match Status"]).value == "Exact Match"]
		for r in exact_rows[:190]:
			sheet.cell(r, col["New Action"]).value = "Accepted" if r % 2 else "reject"
		for r in exact_rows[190:195]:
			sheet.cell(r, col["New Action"]).value = "Maybe"  # not an action word
		for r in missing_rows:
			sheet.cell(r, col["New Action"]).value = "Accepted"  # P1 refuses
		stream = io.BytesIO()
		book.save(stream)
		content = stream.getvalue()

		result = import_actions(content)
		self.assertEqual((result["applied"], result["refused"]), (190, 10), result)
		errors = openpyxl.load_workbook(io.BytesIO(self.error_file(result["error_file"]))).worksheets[0]
		reasons = [[c.value for c in row] for row in errors.iter_rows(min_row=2) if row[0].value]
		self.assertEqual(len(reasons), 10)
		text = "\n".join(" ".join(str(v) for v in row) for row in reasons)
		self.assertEqual(text.count("P1"), 5)
		self.assertIn("Maybe", text)
		accepted = frappe.db.count(supply_doctype(), {"name": ("in", self.exact), "action": "Accepted"})
		rejected = frappe.db.count(supply_doctype(), {"name": ("in", self.exact), "action": "Rejected"})
		self.assertEqual(accepted + rejected, 190)
		excel_logs = frappe.db.count(
			"IMS Action Log", {"inward_supply": ("in", self.exact), "source": "Excel"}
		)
		self.assertEqual(excel_logs, 190)

		again = import_actions(content)
		self.assertEqual((again["applied"], again["unchanged"]), (0, 190))
		self.assertEqual(frappe.db.count("IMS Action Log", {"inward_supply": ("in", self.exact)}), 190)

	def error_file(self, file_url):
		frappe.set_user("Administrator")
		return frappe.get_doc("File", {"file_url": file_url}).get_content()

	def test_not_a_workbook_is_refused_before_anything_changes(self):
		with self.assertRaisesRegex(frappe.ValidationError, "cannot be imported"):
			import_actions(b"this is not a workbook")
		book = openpyxl.Workbook()
		book.active.append(["Supplier GSTIN", "Section"])  # key columns missing
		stream = io.BytesIO()
		book.save(stream)
		with self.assertRaisesRegex(frappe.ValidationError, "cannot be imported"):
			import_actions(stream.getvalue())
		self.assertFalse(
			frappe.db.count("IMS Action Log", {"inward_supply": ("in", self.exact), "source": "Excel"})
		)

	def test_export_is_a_formatted_workbook_of_the_filter(self):
		book = openpyxl.load_workbook(io.BytesIO(export(self.filters)))
		sheet = book.worksheets[0]
		self.assertEqual(sheet.max_row, 221)
		self.assertEqual(sheet.freeze_panes, "A2")
		self.assertEqual(sheet.cell(1, 1).value, "Supplier")

	def test_permissions(self):
		frappe.set_user(NO_ROLE_USER)
		with self.assertRaises(frappe.PermissionError):
			action_template(self.filters)
		with self.assertRaises(frappe.PermissionError):
			api.import_actions("/private/files/none.xlsx")


class TestBackgroundImport(FrappeTestCase):
	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def test_import_job_applies_and_notifies_the_user(self):
		from ims_compliance.services.excel import import_job

		names = bulk_inward_supplies(
			30, prefix="XL-JOB-", match_status="Exact Match", supplier_period="022026"
		)
		book = openpyxl.load_workbook(io.BytesIO(action_template({"supplier_period": "022026"})))
		sheet = book.worksheets[0]
		action_col = [c.value for c in sheet[1]].index("New Action") + 1
		for r in range(2, sheet.max_row + 1):
			sheet.cell(r, action_col).value = "Rejected"
		stream = io.BytesIO()
		book.save(stream)
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": f"job-{frappe.generate_hash(length=6)}.xlsx",
				"is_private": 1,
				"content": stream.getvalue(),
			}
		)
		file.insert(ignore_permissions=True)
		file.db_set("owner", ACCOUNTS_USER)  # the user uploaded it, so it is theirs
		result = import_job(file.file_url, ACCOUNTS_USER, commit=False)
		self.assertEqual(result["applied"], 30)
		self.assertEqual(frappe.db.count(supply_doctype(), {"name": ("in", names), "action": "Rejected"}), 30)
		self.assertTrue(
			frappe.db.exists(
				"Notification Log", {"for_user": ACCOUNTS_USER, "subject": ("like", "%30 applied%")}
			)
		)


class TestLargeAndHostileFiles(FrappeTestCase):
	"""Issue 14: a large file is read and applied by a background job (after the bound checks,
	which run in the request); a hostile one is refused before anything is queued."""

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def upload(self, content: bytes) -> str:
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": f"big-{frappe.generate_hash(length=6)}.xlsx",
				"is_private": 1,
				"content": content,
			}
		).insert(ignore_permissions=True)
		file.db_set("owner", ACCOUNTS_USER)
		return file.file_url

	def test_a_large_file_is_queued_with_a_job_id_and_a_bomb_is_refused_first(self):
		from unittest.mock import patch

		book = openpyxl.Workbook(write_only=True)
		sheet = book.create_sheet("Actions")
		sheet.append(["Supplier GSTIN", "Section", "Document Number", "Document Date", "New Action"])
		for i in range(5001):
			sheet.append(["27AAPFU0939F1ZV", "B2B", f"BIG-{i}", "05-10-2025", "Accepted"])
		stream = io.BytesIO()
		book.save(stream)
		large = self.upload(stream.getvalue())
		bomb_stream = io.BytesIO()
		import zipfile

		with zipfile.ZipFile(bomb_stream, "w", zipfile.ZIP_DEFLATED) as archive:
			archive.writestr("xl/worksheets/sheet1.xml", b" " * (20 * 2**20))
		bomb = self.upload(bomb_stream.getvalue())
		frappe.set_user(ACCOUNTS_USER)
		with patch("frappe.enqueue") as enqueue, patch.dict(frappe.flags, {"in_test": False}):
			result = api.import_actions(large)
			with self.assertRaisesRegex(frappe.ValidationError, "zip bomb"):
				api.import_actions(bomb)
		self.assertEqual((result["queued"], result["rows"]), (True, 5001))
		self.assertEqual(enqueue.call_count, 1)
		kwargs = enqueue.call_args.kwargs
		self.assertEqual((kwargs["job_id"], kwargs["deduplicate"]), (result["job_id"], True))
		self.assertEqual(kwargs["file_url"], large)

	def test_the_job_publishes_progress_to_the_user(self):
		from unittest.mock import patch

		from ims_compliance.services.excel import import_job

		bulk_inward_supplies(12, prefix="XL-PRG-", match_status="Exact Match", supplier_period="032026")
		book = openpyxl.load_workbook(io.BytesIO(action_template({"supplier_period": "032026"})))
		sheet = book.worksheets[0]
		action_col = [c.value for c in sheet[1]].index("New Action") + 1
		for r in range(2, sheet.max_row + 1):
			sheet.cell(r, action_col).value = "Pending"
		stream = io.BytesIO()
		book.save(stream)
		url = self.upload(stream.getvalue())
		with patch("frappe.publish_realtime") as publish:
			import_job(url, ACCOUNTS_USER, commit=False)
		progress = [c for c in publish.call_args_list if c.args and c.args[0] == "ims_import_progress"]
		self.assertTrue(progress)
		self.assertEqual(progress[-1].args[1]["done"], progress[-1].args[1]["total"])
		self.assertEqual(progress[-1].kwargs["user"], ACCOUNTS_USER)
