import frappe
from frappe.model.sync import sync_for
from frappe.tests.utils import FrappeTestCase

from ims_compliance.constants.custom_fields import CUSTOM_FIELDS, MODULE
from ims_compliance.install import make_custom_fields

APP = "ims_compliance"


def _our_doctypes() -> list[str]:
	return frappe.get_all("DocType", filters={"module": MODULE}, pluck="name", order_by="name")


def snapshot() -> dict:
	"""What a migrate could change for this app: the `modified` of its DocTypes, custom fields,
	pages and workspaces, and the schema (columns with their types and defaults, indexes) of
	its tables and of the core columns its custom fields add."""
	tables = [f"tab{name}" for name in _our_doctypes()]
	ours = {(doctype, field["fieldname"]) for doctype, fields in CUSTOM_FIELDS.items() for field in fields}
	core_columns = [
		(f"tab{doctype}", fieldname)
		for doctype, fieldname in ours
		if frappe.db.has_column(doctype, fieldname)
	]
	columns = frappe.db.sql(
		"""select table_name, column_name, column_type, is_nullable, column_default
		from information_schema.columns
		where table_schema = database() and table_name in %(tables)s
		order by table_name, column_name""",
		{"tables": tables},
		as_list=True,
	)
	core = frappe.db.sql(
		"""select table_name, column_name, column_type, is_nullable, column_default
		from information_schema.columns
		where table_schema = database() and concat(table_name, '.', column_name) in %(names)s
		order by table_name, column_name""",
		{"names": [f"{t}.{c}" for t, c in core_columns] or [""]},
		as_list=True,
	)
	indexes = frappe.db.sql(
		"""select table_name, index_name, seq_in_index, column_name, non_unique
		from information_schema.statistics
		where table_schema = database() and table_name in %(tables)s
		order by table_name, index_name, seq_in_index""",
		{"tables": tables},
		as_list=True,
	)

	def modified(doctype: str, **filters) -> list:
		return frappe.get_all(
			doctype, filters=filters, fields=["name", "modified"], order_by="name", as_list=True
		)

	return {
		"doctypes": modified("DocType", module=MODULE),
		"custom_fields": modified("Custom Field", module=MODULE),
		"pages": modified("Page", module=MODULE),
		"workspaces": modified("Workspace", module=MODULE),
		"columns": [tuple(row) for row in columns],
		"core_columns": [tuple(row) for row in core],
		"indexes": [tuple(row) for row in indexes],
	}


def migrate_this_app() -> None:
	"""The app's share of `bench migrate`: sync its DocType/Page/Workspace JSON (as migrate
	does, not forced) and run its after_migrate hooks."""
	sync_for(APP)
	for method in frappe.get_hooks("after_migrate", app_name=APP):
		frappe.get_attr(method)()
	frappe.clear_cache()


class TestInstall(FrappeTestCase):
	def test_custom_fields_exist_on_purchase_invoice(self):
		meta = frappe.get_meta("Purchase Invoice")
		for field in CUSTOM_FIELDS["Purchase Invoice"]:
			self.assertTrue(meta.has_field(field["fieldname"]), field["fieldname"])

	def test_a_second_migrate_changes_nothing(self):
		"""Migrating a site that is up to date must touch nothing: no `modified` moves (a field
		re-saved on every migrate would show here) and the schema stays the same."""
		migrate_this_app()  # whatever the test site was, it is migrated now
		before = snapshot()
		self.assertTrue(before["doctypes"] and before["custom_fields"] and before["columns"])
		migrate_this_app()
		after = snapshot()
		for part in before:
			self.assertEqual(before[part], after[part], f"a second migrate changed {part}")

	def test_the_snapshot_sees_a_change(self):
		"""The comparison above can fail: a custom field re-saved shows in its `modified`."""
		before = snapshot()
		name = frappe.db.get_value("Custom Field", {"module": MODULE}, "name")
		frappe.db.set_value("Custom Field", name, "modified", frappe.utils.add_days(frappe.utils.now(), 1))
		self.assertNotEqual(before["custom_fields"], snapshot()["custom_fields"])
		frappe.db.rollback()

	def test_making_custom_fields_again_changes_nothing(self):
		before = frappe.get_all(
			"Custom Field", filters={"module": MODULE}, fields=["name", "modified"], order_by="name"
		)
		make_custom_fields()
		after = frappe.get_all(
			"Custom Field", filters={"module": MODULE}, fields=["name", "modified"], order_by="name"
		)
		self.assertTrue(before)
		self.assertEqual(
			[(r.name, str(r.modified)) for r in before], [(r.name, str(r.modified)) for r in after]
		)

	def test_a_shared_field_owned_by_another_app_is_reused_not_duplicated(self):
		"""India Compliance owns supplier_gstin: pretend so, and our install must leave it alone."""
		name = frappe.db.get_value("Custom Field", {"dt": "Purchase Invoice", "fieldname": "supplier_gstin"})
		frappe.db.set_value("Custom Field", name, "module", None)
		make_custom_fields()
		rows = frappe.get_all(
			"Custom Field", filters={"dt": "Purchase Invoice", "fieldname": "supplier_gstin"}
		)
		self.assertEqual(len(rows), 1)
		self.assertIsNone(frappe.db.get_value("Custom Field", name, "module"))
		frappe.db.rollback()
