import datetime as dt
import threading
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.bulk_sql import (
	MISSING_ROW_OWNER,
	_upsert_allowed,
	connection_escape,
	insert_rows,
	insert_statements,
	render_column,
	row_names,
	run_ahead,
	sql_literal,
	update_rows,
)

TRICKY = ["plain", "it's", 'say "hi"', "back\\slash", "line\nbreak", "nul\x00", "a IFNULL(b", "ಕನ್ನಡ", ""]


def connection_escape_string():
	if frappe.db._conn is None:
		frappe.db.connect()
	return frappe.db._conn.escape_string


def doubled_quotes(text: str) -> str:  # what pymysql does under NO_BACKSLASH_ESCAPES
	return text.replace("'", "''")


def bracketed(text: str) -> str:  # an escape function of unknown kind: called per value
	return f"<{text}>"


class TestSqlText(FrappeTestCase):
	def test_literals(self):
		escape = connection_escape_string()
		self.assertEqual(sql_literal(None, escape), "NULL")
		self.assertEqual(sql_literal(True, escape), "1")
		self.assertEqual(sql_literal(0, escape), "0")
		self.assertEqual(sql_literal(1180.5, escape), "1180.5")
		self.assertEqual(sql_literal(dt.date(2025, 10, 1), escape), "'2025-10-01'")
		self.assertEqual(
			sql_literal(dt.datetime(2025, 10, 1, 9, 5, 7, 12), escape), "'2025-10-01 09:05:07.000012'"
		)
		self.assertEqual(sql_literal("it's", escape), "'it\\'s'")
		self.assertEqual(sql_literal("a IFNULL(b", escape), "'a IFNULL' '(b'")
		with self.assertRaises(ValueError):
			sql_literal(float("nan"), escape)
		with self.assertRaises(TypeError):
			sql_literal(object(), escape)

	def test_row_names_sort_in_order_and_never_repeat(self):
		first, second = row_names(1000), row_names(1000)
		self.assertEqual(first, sorted(first))
		self.assertLess(first[-1], second[0])
		self.assertEqual(len(set(first) | set(second)), 2000)
		self.assertEqual({len(n) for n in first}, {19})

	def test_a_column_renders_as_each_of_its_values_does(self):
		"""render_column picks one way per column by its types; the text must be sql_literal's
		for every value, whatever the connection's escaping."""
		columns = [
			TRICKY,
			[*TRICKY, None],
			[None, "x", None],
			["GSTIN1", "GSTIN2"],
			[1.5, 0.0, 2, 1e-07, 12345678901.25],
			[None, 3.25, 0],
			[True, False, None],
			[1, 0, 7],
			[dt.date(2025, 10, 1), None, dt.date(1999, 1, 31)],
			[dt.datetime(2025, 10, 1, 9, 5, 7, 12), None],
			[None, None],
			["mixed", 1, True, dt.date(2025, 1, 1), None, 2.5],
			[],
		]
		for escape in (connection_escape_string(), connection_escape(), doubled_quotes, bracketed):
			for values in columns:
				with self.subTest(escape=getattr(escape, "__name__", repr(escape)), values=values):
					self.assertEqual(render_column(values, escape), [sql_literal(v, escape) for v in values])

	def test_a_column_that_cannot_be_stored_is_refused(self):
		escape = connection_escape()
		with self.assertRaises(ValueError):
			render_column([1.0, float("inf")], escape)
		with self.assertRaises(ValueError):
			render_column([None, float("nan")], escape)

	def test_insert_rows_sends_each_value_as_sql_literal_renders_it(self):
		"""insert_rows renders column by column on a helper thread; the text must be what
		sql_literal makes of each value, row by row, in `chunk`-row statements."""
		escape = connection_escape()
		rows = [(f"n{i}", TRICKY[i % len(TRICKY)], i * 1.25, dt.date(2025, 1, 1 + i % 28)) for i in range(23)]
		fields = ["name", "remarks", "taxable_value", "document_date"]
		constants = {"company": "IMS Test Company", "is_gone": 0, "modified": dt.datetime(2025, 1, 2, 3, 4)}
		sent: list[str] = []
		with patch("ims_compliance.services.bulk_sql.execute", sent.append):
			self.assertEqual(insert_rows("X", fields, iter(rows), constants=constants, chunk=10), 23)
		tail = "".join("," + sql_literal(v, escape) for v in constants.values())
		head = "INSERT INTO `tabX` (`name`, `remarks`, `taxable_value`, `document_date`, `company`, `is_gone`, `modified`) VALUES "
		expected = [
			head
			+ ",".join(
				"(" + ",".join(sql_literal(v, escape) for v in row) + tail + ")" for row in rows[i : i + 10]
			)
			for i in (0, 10, 20)
		]
		self.assertEqual(sent, expected)
		columns = {f: [row[i] for row in rows] for i, f in enumerate(fields)}
		self.assertEqual(
			list(insert_statements("X", columns, escape=escape, constants=constants, chunk=10)), expected
		)
		with self.assertRaises(ValueError):
			list(insert_statements("X", {"a": [1, 2], "b": [1]}, escape=escape))


class TestRunAhead(FrappeTestCase):
	def test_items_come_in_order_made_on_another_thread(self):
		made_on = set()

		def items():
			for i in range(50):
				made_on.add(threading.get_ident())
				yield i

		self.assertEqual(list(run_ahead(items(), depth=2)), list(range(50)))
		self.assertNotIn(threading.get_ident(), made_on)

	def test_an_error_making_an_item_is_raised_in_its_place(self):
		def items():
			yield 1
			yield 2
			raise ValueError("item 3 cannot be made")

		got = []
		with self.assertRaisesRegex(ValueError, "item 3"):
			for item in run_ahead(items()):
				got.append(item)
		self.assertEqual(got, [1, 2])

	def test_a_caller_that_stops_stops_the_producer(self):
		made = []

		def items():
			for i in range(10_000):
				made.append(i)
				yield i

		ahead = run_ahead(items(), depth=1)
		self.assertEqual(next(ahead), 0)
		ahead.close()  # returns once the producer has stopped
		self.assertLessEqual(len(made), 4)
		self.assertFalse(any(t.name == "ims-run-ahead" for t in threading.enumerate()))


class TestUpdateRows(FrappeTestCase):
	"""update_rows is an upsert on the bench's tables: it must only ever update."""

	def make_todos(self, count: int) -> list[str]:
		return [
			frappe.get_doc({"doctype": "ToDo", "description": f"bulk {i}", "priority": "Low"}).insert().name
			for i in range(count)
		]

	def test_values_land_on_their_rows_and_a_missing_name_leaves_no_row(self):
		names = self.make_todos(len(TRICKY))
		rows = [
			{"name": n, "description": text, "priority": "High"}
			for n, text in zip(names, TRICKY, strict=True)
		]
		rows.append({"name": "no-such-todo-xyz", "description": "ghost", "priority": "High"})
		self.assertTrue(_upsert_allowed("ToDo", ("name", "description", "priority")))
		update_rows("ToDo", rows, chunk=4)
		got = dict(
			frappe.get_all(
				"ToDo", filters={"name": ("in", names)}, fields=["name", "description"], as_list=True
			)
		)
		self.assertEqual([got[n] for n in names], TRICKY)
		self.assertEqual(frappe.db.count("ToDo", {"priority": "High", "name": ("in", names)}), len(names))
		self.assertFalse(frappe.db.exists("ToDo", "no-such-todo-xyz"))
		self.assertEqual(frappe.db.count("ToDo", {"owner": MISSING_ROW_OWNER}), 0)
		owners = {frappe.db.get_value("ToDo", n, "owner") for n in names}
		self.assertEqual(owners, {frappe.session.user})  # the upsert never touched them

	def test_rows_already_holding_the_values_are_kept(self):
		"""The server counts 0 for an unchanged row: the removal of inserted rows runs, and must
		remove nothing real."""
		names = self.make_todos(3)
		update_rows("ToDo", [{"name": n, "priority": "Low"} for n in names])  # all unchanged
		self.assertEqual(frappe.db.count("ToDo", {"name": ("in", names)}), 3)
		update_rows("ToDo", [{"name": names[0], "priority": "Medium"}, {"name": names[1], "priority": "Low"}])
		got = dict(
			frappe.get_all("ToDo", filters={"name": ("in", names)}, fields=["name", "priority"], as_list=True)
		)
		self.assertEqual(got, {names[0]: "Medium", names[1]: "Low", names[2]: "Low"})

	def test_a_set_column_in_a_unique_index_takes_the_joined_update(self):
		self.assertFalse(_upsert_allowed(supply_doctype(), ("name", "ims_key")))
		self.assertTrue(_upsert_allowed(supply_doctype(), ("name", "match_status", "purchase_invoice")))
		self.assertFalse(_upsert_allowed("ToDo", ("name", "owner")))
		names = self.make_todos(2)
		update_rows("ToDo", [{"name": n, "owner": "Administrator"} for n in names])  # joined UPDATE
		self.assertEqual({frappe.db.get_value("ToDo", n, "owner") for n in names}, {"Administrator"})


class TestUpsertFactsAfterASchemaChange(FrappeTestCase):
	"""A long-running worker learns a table's NOT NULL and unique columns once; a custom field
	added later (a migrate does the same) must be seen, or an upsert could write through a new
	unique index."""

	FIELD = "ims_upsert_probe"

	def tearDown(self):
		# (DDL commits on its own: the field and its column are removed the same way)
		frappe.db.delete("Custom Field", {"dt": "ToDo", "fieldname": self.FIELD})
		if frappe.db.has_column("ToDo", self.FIELD):
			frappe.db.sql_ddl(f"alter table `tabToDo` drop column `{self.FIELD}`")
		frappe.clear_cache(doctype="ToDo")
		frappe.db.commit()  # nosemgrep: the probe column is gone for every later test

	def test_a_unique_custom_field_added_later_is_seen(self):
		from frappe.custom.doctype.custom_field.custom_field import create_custom_field

		self.assertTrue(_upsert_allowed("ToDo", ("name", "description", "priority")))  # facts read
		create_custom_field(
			"ToDo", {"fieldname": self.FIELD, "label": "IMS upsert probe", "fieldtype": "Data", "unique": 1}
		)
		self.assertFalse(_upsert_allowed("ToDo", ("name", self.FIELD)))
		self.assertTrue(_upsert_allowed("ToDo", ("name", "description", "priority")))
