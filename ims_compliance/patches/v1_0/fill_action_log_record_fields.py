"""IMS Action Log rows written before the log carried its record's document number, supplier
and GSTINs get them from their inward supply, so the list shows more than hash ids."""

import frappe

from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.action_log import copy_record_fields


def execute():
	# The supply DocType is made from our definition after the patches (after_migrate), so a site
	# migrating from a build that had none yet has no supply table: no record to copy from, and
	# no log row can point at one.
	if not frappe.db.table_exists(supply_doctype()):
		return
	copy_record_fields(None)
