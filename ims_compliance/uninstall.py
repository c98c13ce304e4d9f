"""Uninstall: remove the custom fields this app created (never another app's shared ones),
and their columns: Frappe keeps a deleted custom field's column, but ours mean nothing
without the app."""

import frappe

from ims_compliance.constants.custom_fields import CUSTOM_FIELDS, MODULE


def before_uninstall():
	delete_custom_fields()
	# the encrypted GSTN session copies (services.connection.CacheSessionStore)
	frappe.db.delete("__Auth", {"doctype": "IMS Settings", "fieldname": ("like", "gstn_session_%")})
	# the read access to Integration Request given at install (the GSTN log); the rows stay
	frappe.db.delete(
		"Custom DocPerm", {"parent": "Integration Request", "role": "Accounts Manager", "permlevel": 0}
	)
	frappe.clear_cache(doctype="Integration Request")


def delete_custom_fields():
	for doctype, definitions in CUSTOM_FIELDS.items():
		fieldnames = [field["fieldname"] for field in definitions]
		ours = frappe.get_all(
			"Custom Field",
			filters={"dt": doctype, "fieldname": ("in", fieldnames), "module": MODULE},
			fields=["name", "fieldname"],
		)
		for field in ours:
			frappe.delete_doc("Custom Field", field.name, ignore_permissions=True, force=True)
		columns = set(frappe.db.get_table_columns(doctype))
		for field in ours:
			if field.fieldname in columns:
				frappe.db.sql_ddl(f"alter table `tab{doctype}` drop column `{field.fieldname}`")
		frappe.clear_cache(doctype=doctype)
