"""Install, migrate, and other apps coming and going: set this app up idempotently, beside
India Compliance as well as on a plain ERPNext site (issue 16, README "With India Compliance")."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from ims_compliance import ic
from ims_compliance.constants.custom_fields import MODULE, SHARED_FIELDNAMES, site_custom_fields
from ims_compliance.supply_definition import (
	move_aside_for,
	point_links_at_supply_doctype,
	sync_supply_doctype,
)


def after_install():
	set_up()


def after_migrate():
	set_up()


def set_up():
	"""Our supply DocType under this site's name, the links to it, our custom fields, indexes,
	the Accounts Managers' read of the GSTN log."""
	sync_supply_doctype()
	point_links_at_supply_doctype()
	make_custom_fields()
	make_indexes()
	give_accounts_managers_the_gstn_log()


def give_accounts_managers_the_gstn_log():
	"""Every GSTN exchange is an Integration Request: Accounts Managers must be able to read them."""
	from ims_compliance.services.connection import ensure_integration_request_access

	ensure_integration_request_access()


def before_app_install(app_name: str):
	"""Another app is about to be installed (hook runs for every app). If it ships a DocType
	named like our supply DocType, ours moves out of its way with its records first; if it is
	India Compliance, the shared Purchase Invoice fields we created are handed over to it."""
	move_aside_for(app_name)
	if app_name == ic.APP:
		release_shared_fields()


def after_app_uninstall(app_name: str):
	"""India Compliance gone: its supplier_gstin/company_gstin went with it; ours come back."""
	if app_name == ic.APP:
		make_custom_fields()


def make_indexes():
	"""Composite indexes are created on DocType sync; re-assert them on every migrate so a site
	that already had the DocType gets them too (add_index is idempotent)."""
	from ims_compliance.ims_compliance.doctype.gst_inward_supply.gst_inward_supply import on_doctype_update

	on_doctype_update()


def make_custom_fields():
	"""Create or update our custom fields; skip the shared ones another app already owns."""
	fields = {}
	for doctype, definitions in site_custom_fields().items():
		fields[doctype] = [
			{**field, "module": MODULE}
			for field in definitions
			if not _owned_elsewhere(doctype, field["fieldname"])
		]
	create_custom_fields(fields, ignore_validate=True, update=True)


def release_shared_fields():
	"""Delete our Custom Field records of the shared fields (supplier_gstin, company_gstin) so
	India Compliance creates its own, exactly as on a site where it came first. The columns and
	their values stay: IC's fields of the same names take them over."""
	for doctype, definitions in site_custom_fields().items():
		for field in definitions:
			if field["fieldname"] not in SHARED_FIELDNAMES:
				continue
			name = frappe.db.get_value(
				"Custom Field", {"dt": doctype, "fieldname": field["fieldname"], "module": MODULE}
			)
			if name:
				frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
		frappe.clear_cache(doctype=doctype)


def _owned_elsewhere(doctype: str, fieldname: str) -> bool:
	"""A shared field (supplier_gstin, company_gstin) that is not ours to write: another app's,
	a standard field, or any existing one while India Compliance is installed (a site where ours
	came first before IC took them over keeps IC's definitions, never ours)."""
	if fieldname not in SHARED_FIELDNAMES:
		return False
	if not frappe.get_meta(doctype).has_field(fieldname):
		return False
	if ic.is_installed():
		return True
	module = frappe.db.get_value("Custom Field", {"dt": doctype, "fieldname": fieldname}, "module")
	if module is None and not frappe.db.exists("Custom Field", {"dt": doctype, "fieldname": fieldname}):
		return True  # a standard field of the doctype itself
	return module != MODULE
