"""Import the JSON the GST portal's IMS download / offline tool gives (issue 4, offline path):
the same parser as the API (gstn.offline -> gstn.protocol) and the same upsert as a download."""

from __future__ import annotations

import frappe
from frappe import _

from ims_compliance.core.errors import IMSValidationError
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.gstn.offline import import_portal_json
from ims_compliance.services.ingest import ingest


def import_portal_file(content: bytes, company_gstin: str) -> dict:
	"""Refuse a file that is not IMS JSON or belongs to another GSTIN, naming why; otherwise
	upsert its records. Nothing is written from a file that fails validation."""
	frappe.has_permission(supply_doctype(), "write", throw=True)
	if not frappe.db.exists("IMS Company GSTIN", {"parent": "IMS Settings", "gstin": company_gstin}):
		frappe.throw(_("Company GSTIN {0} is not configured in IMS Settings").format(company_gstin))
	warnings: list[str] = []
	try:
		parsed = import_portal_json(content, on_warning=warnings.append)
	except IMSValidationError as exc:
		frappe.throw(_("This file cannot be imported: {0}").format(exc), title=_("Not an IMS File"))
	if parsed.gstin and parsed.gstin != company_gstin:
		frappe.throw(
			_("This file is for GSTIN {0}, not {1}. Choose the matching company GSTIN.").format(
				parsed.gstin, company_gstin
			),
			title=_("Wrong GSTIN"),
		)
	records = [record for section_records in parsed.records.values() for record in section_records]
	counts = ingest(company_gstin, records, sections=list(parsed.records))
	counts["warnings"] = warnings[:100]
	counts["records"] = len(records)
	return counts
