"""Uninstall: remove the custom fields this app created (never another app's shared ones)."""

import frappe

from ims_compliance.constants.custom_fields import CUSTOM_FIELDS, MODULE


def before_uninstall():
	delete_custom_fields()


def delete_custom_fields():
	for doctype, definitions in CUSTOM_FIELDS.items():
		fieldnames = [field["fieldname"] for field in definitions]
		for name in frappe.get_all(
			"Custom Field",
			filters={"dt": doctype, "fieldname": ("in", fieldnames), "module": MODULE},
			pluck="name",
		):
			frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
		frappe.clear_cache(doctype=doctype)
