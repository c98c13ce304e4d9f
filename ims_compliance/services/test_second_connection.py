"""Issue 18 on the bench: statements on a second connection land with the caller's commit,
vanish with its rollback, and a lock of the caller's makes them come back to its connection."""

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from ims_compliance.services.bulk_sql import insert_rows
from ims_compliance.services.second_connection import SharedRows, SideQueue, SideWriter


class TestSecondConnection(FrappeTestCase):
	def setUp(self):
		self.names = [
			frappe.get_doc({"doctype": "ToDo", "description": f"side {i}", "priority": "Low"}).insert().name
			for i in range(2)
		]
		frappe.db.commit()
		self.addCleanup(self.cleanup)

	def cleanup(self):
		frappe.db.rollback()
		frappe.db.sql("delete from `tabToDo` where name in %s", (tuple(self.names),))
		frappe.db.commit()

	def priority(self, name):
		return frappe.db.sql("select priority from `tabToDo` where name = %s", name)[0][0]

	def test_statements_land_with_the_callers_commit(self):
		side = SideQueue()
		side.sql(
			"update `tabToDo` set priority = %(p)s where name = %(n)s", {"p": "High", "n": self.names[0]}
		)
		insert_rows(
			"ToDo",
			["name", "description", "priority", "status"],
			[(self.names[1] + "x", "it's", "Low", "Open")],
			side=side,
		)
		self.names.append(self.names[1] + "x")
		self.assertTrue(side.finish())
		self.assertEqual(self.priority(self.names[0]), "Low")  # not on this connection yet
		frappe.db.commit()
		self.assertIsNone(side.connection)
		self.assertEqual(self.priority(self.names[0]), "High")
		self.assertEqual(frappe.db.get_value("ToDo", self.names[2], "description"), "it's")

	def test_a_rollback_takes_them_back(self):
		side = SideQueue()
		side.sql("update `tabToDo` set priority = 'High' where name = %s", self.names[0])
		self.assertTrue(side.finish())
		frappe.db.rollback()
		self.assertIsNone(side.connection)
		self.assertEqual(self.priority(self.names[0]), "Low")

	def test_a_row_this_connection_holds_is_given_back_and_replayed_here(self):
		frappe.db.sql("update `tabToDo` set description = 'mine' where name = %s", self.names[0])  # our lock
		with patch.object(SideQueue, "LOCK_WAIT", 1):
			side = SideQueue()
			side.sql("update `tabToDo` set priority = 'High' where name = %s", self.names[0])
			side.sql("update `tabToDo` set priority = 'Medium' where name = %s", self.names[1])
			self.assertFalse(side.finish())
		self.assertTrue(side.gave_up)
		side.replay()
		self.assertEqual((self.priority(self.names[0]), self.priority(self.names[1])), ("High", "Medium"))

	def test_untied_it_ignores_the_callers_commits_until_tied(self):
		"""A download commits each GSTN call's log while its new rows are still being written: those
		commits must not take the second connection's rows along; once tied, the next one does."""
		side = SideQueue(tie=False)
		side.rendered(
			lambda: iter([f"update `tabToDo` set priority = 'High' where name = '{self.names[0]}'"])
		)
		frappe.db.commit()  # a GSTN call's log, say
		self.assertIsNotNone(side.connection)
		self.assertEqual(self.priority(self.names[0]), "Low")
		self.assertTrue(side.finish())
		side.tie()
		frappe.db.commit()
		self.assertIsNone(side.connection)
		self.assertEqual(self.priority(self.names[0]), "High")

	def test_it_keeps_the_callers_statement_time_limit(self):
		frappe.db.sql("set session max_statement_time = 0.2")
		try:
			side = SideQueue()
			side.sql("select sleep(2)")
			with self.assertRaises(Exception) as raised:  # (pymysql's "max_statement_time exceeded")
				side.finish()
			self.assertIn("max_statement_time", str(raised.exception))
		finally:
			frappe.db.sql("set session max_statement_time = 0")

	def test_a_side_writer_takes_the_shared_rows_table_by_table(self):
		extra = [frappe.get_doc({"doctype": "ToDo", "description": "x", "priority": "Low"}).insert().name]
		self.names += extra
		frappe.db.commit()
		descriptions = SharedRows(iter([(self.names[0], "own")]), chunk=1)
		priorities = SharedRows(iter([(self.names[1], "Medium"), (extra[0], "High")]), chunk=1)
		side = SideWriter(
			[("ToDo", ("name", "description"), descriptions), ("Note", ("name", "title"), priorities)]
		)
		self.assertTrue(side.finish())  # (the second job is Note's: nothing matches those names)
		self.assertEqual((side.rows_sent, side.taken_count("ToDo"), side.taken_count("Note")), (3, 1, 2))
		self.assertEqual(side.taken_rows("Note"), [(self.names[1], "Medium"), (extra[0], "High")])
		self.assertEqual(list(priorities.take()), [])  # nothing left for anyone else
		frappe.db.commit()
		self.assertEqual(frappe.db.get_value("ToDo", self.names[0], "description"), "own")
