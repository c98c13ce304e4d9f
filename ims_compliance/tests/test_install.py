import json
import os
import tempfile
from unittest.mock import patch

import frappe
from frappe.model.sync import sync_for
from frappe.tests.utils import FrappeTestCase

from ims_compliance import ic, supply_definition
from ims_compliance.constants.custom_fields import CUSTOM_FIELDS, MODULE
from ims_compliance.doctype_names import (
	ALTERNATE_SUPPLY_DOCTYPE,
	DEFAULT_SUPPLY_DOCTYPE,
	resolve_supply_doctype,
	supply_doctype,
)
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


class TestSupplyDocType(FrappeTestCase):
	"""Issue 16: our supply DocType under the site's name, from the definition, links following."""

	def test_ours_is_named_for_the_site(self):
		# beside India Compliance the other name; without it the design card's, unless ours was
		# moved aside for IC once (it keeps that name after IC is uninstalled)
		if ic.is_installed():
			expected = ALTERNATE_SUPPLY_DOCTYPE
		elif frappe.db.get_value("DocType", ALTERNATE_SUPPLY_DOCTYPE, "module") == MODULE:
			expected = ALTERNATE_SUPPLY_DOCTYPE
		else:
			expected = DEFAULT_SUPPLY_DOCTYPE
		self.assertEqual(supply_doctype(), expected)
		self.assertEqual(resolve_supply_doctype(), expected)
		self.assertEqual(frappe.db.get_value("DocType", expected, "module"), MODULE)
		self.assertEqual(frappe.db.get_value("DocType", expected, "custom"), 0)

	def test_the_doctype_matches_its_definition_and_a_second_sync_does_nothing(self):
		name = supply_doctype()
		wanted = supply_definition.definition(name)
		fields = frappe.get_all(
			"DocField",
			filters={"parent": name, "parenttype": "DocType"},
			fields=["fieldname", "fieldtype", "options"],
			order_by="idx",
		)
		# the same fields (Frappe orders them by the definition's field_order, not its list)
		self.assertEqual(
			sorted((f.fieldname, f.fieldtype, f.options or "") for f in fields),
			sorted((f["fieldname"], f["fieldtype"], f.get("options") or "") for f in wanted["fields"]),
		)
		self.assertEqual(frappe.get_meta(name).get_field("original_inward_supply").options, name)
		self.assertFalse(supply_definition.sync_supply_doctype())

	def test_the_controller_guards_rows_under_either_name(self):
		from ims_compliance.ims_compliance.doctype.gst_inward_supply.gst_inward_supply import GSTInwardSupply

		self.assertTrue(issubclass(frappe.get_doc({"doctype": supply_doctype()}).__class__, GSTInwardSupply))

	def test_links_to_our_records_name_our_doctype(self):
		name = supply_doctype()
		self.assertEqual(frappe.get_meta("IMS Action Log").get_field("inward_supply").options, name)
		self.assertEqual(frappe.get_meta("Purchase Invoice").get_field("ims_inward_supply").options, name)
		links = frappe.get_all(
			"Workspace Shortcut",
			filters={"parent": supply_definition.WORKSPACE, "type": "DocType"},
			pluck="link_to",
		)
		self.assertIn(name, links)
		self.assertNotIn(
			ALTERNATE_SUPPLY_DOCTYPE if name == DEFAULT_SUPPLY_DOCTYPE else DEFAULT_SUPPLY_DOCTYPE, links
		)

	def test_which_app_ships_a_doctype_is_read_from_its_files(self):
		self.assertTrue(supply_definition.app_ships_doctype("frappe", "DocType"))
		self.assertFalse(supply_definition.app_ships_doctype("erpnext", DEFAULT_SUPPLY_DOCTYPE))
		# our definition is not where Frappe's sync looks, so we never claim the name ourselves
		self.assertFalse(supply_definition.app_ships_doctype("ims_compliance", DEFAULT_SUPPLY_DOCTYPE))
		if ic.APP in frappe.get_all_apps():
			self.assertTrue(supply_definition.app_ships_doctype(ic.APP, DEFAULT_SUPPLY_DOCTYPE))

	def test_moving_aside_is_only_for_an_app_that_ships_our_name(self):
		with patch.object(frappe, "rename_doc") as rename:
			self.assertFalse(supply_definition.move_aside_for("erpnext"))
			self.assertFalse(supply_definition.move_aside_for("ims_compliance"))
		rename.assert_not_called()

	def test_a_desk_edit_in_developer_mode_lands_in_the_definition_not_in_the_sync_path(self):
		name = supply_doctype()
		with tempfile.TemporaryDirectory() as tmp:
			exported = os.path.join(tmp, frappe.scrub(name), f"{frappe.scrub(name)}.json")
			os.makedirs(os.path.dirname(exported))
			content = supply_definition.definition(name)
			content["fields"][0]["label"] = "Edited in the desk"
			with open(exported, "w") as f:
				json.dump(content, f)
			definition_path = os.path.join(tmp, "definition.json")
			with (
				patch.object(supply_definition, "DEFINITION_PATH", definition_path),
				patch.object(frappe, "get_module_path", lambda *parts: os.path.join(tmp, *parts[2:])),
			):
				supply_definition.keep_export_out_of_sync(frappe.get_doc("DocType", name))
			self.assertFalse(os.path.exists(exported))
			with open(definition_path) as f:
				saved = json.load(f)
		self.assertEqual(saved["name"], DEFAULT_SUPPLY_DOCTYPE)
		self.assertEqual(saved["fields"][0]["label"], "Edited in the desk")
		self_links = [f["options"] for f in saved["fields"] if f["fieldname"] == "original_inward_supply"]
		self.assertEqual(self_links, [DEFAULT_SUPPLY_DOCTYPE])


class TestBesideIndiaCompliance(FrappeTestCase):
	"""Issue 16 on a site with India Compliance: its DocType and fields are its own."""

	def setUp(self):
		if not ic.is_installed():
			self.skipTest("India Compliance is not installed on this site")

	def test_ic_keeps_its_gst_inward_supply(self):
		self.assertEqual(frappe.db.get_value("DocType", DEFAULT_SUPPLY_DOCTYPE, "module"), "GST India")
		columns = set(frappe.db.get_table_columns(DEFAULT_SUPPLY_DOCTYPE))
		self.assertIn("bill_no", columns)  # IC's
		self.assertNotIn("ims_key", columns)  # ours never reached IC's table
		self.assertNotIn("ims_key", set(frappe.db.get_table_columns("Purchase Invoice")))

	def test_shared_purchase_invoice_fields_stay_ics(self):
		make_custom_fields()
		for fieldname, fetch_from in (
			("supplier_gstin", "supplier_address.gstin"),
			("company_gstin", "billing_address.gstin"),
		):
			field = frappe.db.get_value(
				"Custom Field",
				{"dt": "Purchase Invoice", "fieldname": fieldname},
				["module", "fetch_from"],
				as_dict=True,
			)
			self.assertNotEqual(field.module, MODULE, fieldname)
			self.assertEqual(field.fetch_from, fetch_from, fieldname)
