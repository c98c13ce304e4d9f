"""Install and migrate: create this app's custom fields, idempotently."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from ims_compliance.constants.custom_fields import CUSTOM_FIELDS, MODULE, SHARED_FIELDNAMES


def after_install():
	make_custom_fields()
	give_accounts_managers_the_gstn_log()


def after_migrate():
	make_custom_fields()
	make_indexes()
	give_accounts_managers_the_gstn_log()


def give_accounts_managers_the_gstn_log():
	"""Every GSTN exchange is an Integration Request: Accounts Managers must be able to read them."""
	from ims_compliance.services.connection import ensure_integration_request_access

	ensure_integration_request_access()


def make_indexes():
	"""Composite indexes are created on DocType sync; re-assert them on every migrate so a site
	that already had the DocType gets them too (add_index is idempotent)."""
	from ims_compliance.ims_compliance.doctype.gst_inward_supply.gst_inward_supply import on_doctype_update

	on_doctype_update()


def make_custom_fields():
	"""Create or update our custom fields; skip the shared ones another app already owns."""
	fields = {}
	for doctype, definitions in CUSTOM_FIELDS.items():
		fields[doctype] = [
			{**field, "module": MODULE}
			for field in definitions
			if not _owned_elsewhere(doctype, field["fieldname"])
		]
	create_custom_fields(fields, ignore_validate=True, update=True)


def _owned_elsewhere(doctype: str, fieldname: str) -> bool:
	"""A shared field (e.g. India Compliance's supplier_gstin) exists and is not ours."""
	if fieldname not in SHARED_FIELDNAMES:
		return False
	if not frappe.get_meta(doctype).has_field(fieldname):
		return False
	module = frappe.db.get_value("Custom Field", {"dt": doctype, "fieldname": fieldname}, "module")
	if module is None and not frappe.db.exists("Custom Field", {"dt": doctype, "fieldname": fieldname}):
		return True  # a standard field of the doctype itself
	return module != MODULE
