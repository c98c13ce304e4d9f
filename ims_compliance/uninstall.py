"""Uninstall: remove only what this app owns (issue 16).

Frappe itself then drops the DocTypes of our module (our supply DocType under whichever name
this site gave it, never India Compliance's "GST Inward Supply") and every Custom Field and
Property Setter carrying our module. Before that we remove our custom fields' columns (Frappe
keeps a deleted custom field's column, but ours mean nothing without the app), and hand the
shared Purchase Invoice fields (supplier_gstin, company_gstin) over to India Compliance when it
is installed and uses them: neither their records nor their columns go."""

import frappe

from ims_compliance import ic
from ims_compliance.constants.custom_fields import CUSTOM_FIELDS, MODULE, SHARED_FIELDNAMES


def before_uninstall():
	delete_custom_fields()
	# the encrypted GSTN session copies (services.connection.CacheSessionStore)
	frappe.db.delete("__Auth", {"doctype": "IMS Settings", "fieldname": ("like", "gstn_session_%")})
	# the read access to Integration Request given at install (the GSTN log); the rows stay
	from ims_compliance.services.connection import remove_integration_request_access

	remove_integration_request_access()


def delete_custom_fields():
	keep = set(SHARED_FIELDNAMES) if ic.is_installed() else set()
	for doctype, definitions in CUSTOM_FIELDS.items():
		fieldnames = [field["fieldname"] for field in definitions]
		ours = frappe.get_all(
			"Custom Field",
			filters={"dt": doctype, "fieldname": ("in", fieldnames), "module": MODULE},
			fields=["name", "fieldname"],
		)
		for field in ours:
			if field.fieldname in keep:
				# India Compliance reads and writes it: no longer ours (Frappe's uninstall deletes
				# every Custom Field of our module)
				frappe.db.set_value("Custom Field", field.name, "module", None, update_modified=False)
			else:
				frappe.delete_doc("Custom Field", field.name, ignore_permissions=True, force=True)
		columns = set(frappe.db.get_table_columns(doctype))
		for field in ours:
			if field.fieldname in columns and field.fieldname not in keep:
				frappe.db.sql_ddl(f"alter table `tab{doctype}` drop column `{field.fieldname}`")
		frappe.clear_cache(doctype=doctype)
