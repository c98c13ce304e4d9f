"""Import the JSON the GST portal's IMS download / offline tool gives (issue 4, offline path):
the same parser as the API (gstn.offline -> gstn.protocol) and the same upsert as a download,
then the same reconciliation a download gets (issue 15), so imported rows are not all left
Missing in PI (where P1 would block Accept)."""

from __future__ import annotations

import frappe
from frappe import _

from ims_compliance.core.errors import IMSValidationError
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.gstn.offline import import_portal_json
from ims_compliance.services.ingest import ingest


def import_portal_file(content: bytes, company_gstin: str, *, confirm_gstin: bool = False) -> dict:
	"""Refuse a file that is not IMS JSON or belongs to another GSTIN, naming why (every bad record
	at once); a file that names no GSTIN is imported only once the user confirms `company_gstin`
	(`confirm_gstin`; until then the answer asks for it and nothing is written). Otherwise upsert
	its records and reconcile the periods they belong to."""
	frappe.has_permission(supply_doctype(), "write", throw=True)
	if not frappe.db.exists("IMS Company GSTIN", {"parent": "IMS Settings", "gstin": company_gstin}):
		frappe.throw(_("Company GSTIN {0} is not configured in IMS Settings").format(company_gstin))
	warnings: list[str] = []
	try:
		parsed = import_portal_json(content, on_warning=warnings.append)
	except IMSValidationError as exc:
		errors = getattr(exc, "errors", None)
		if errors:
			items = "".join(f"<li>{frappe.utils.escape_html(str(e))}</li>" for e in errors)
			message = _("{0} records are not valid; nothing was imported:").format(len(errors))
			frappe.throw(f"{message}<ul>{items}</ul>", title=_("Not an IMS File"))
		frappe.throw(_("This file cannot be imported: {0}").format(exc), title=_("Not an IMS File"))
	if parsed.gstin and parsed.gstin != company_gstin:
		frappe.throw(
			_("This file is for GSTIN {0}, not {1}. Choose the matching company GSTIN.").format(
				parsed.gstin, company_gstin
			),
			title=_("Wrong GSTIN"),
		)
	records = [record for section_records in parsed.records.values() for record in section_records]
	if not parsed.gstin and not confirm_gstin:
		return {
			"needs_gstin_confirmation": True,
			"records": len(records),
			"message": _(
				"This file does not say which GSTIN it belongs to. Import its {0} records under {1}?"
			).format(len(records), company_gstin),
		}
	counts = ingest(company_gstin, records, sections=list(parsed.records))
	counts["warnings"] = warnings[:100]
	counts["warning_count"] = len(warnings)
	counts["records"] = len(records)
	counts["reconciled"] = reconcile_imported(company_gstin, records)
	return counts


def reconcile_imported(company_gstin: str, records) -> dict | None:
	"""Reconcile the supplier periods the file covers, as a download does."""
	from ims_compliance.core.periods import ReturnPeriod
	from ims_compliance.services.reconcile import reconcile

	periods = sorted({ReturnPeriod.parse(r.supplier_period) for r in records})
	if not periods:
		return None
	result = reconcile(company_gstin, str(periods[0]), str(periods[-1]), check_permission=False)
	return {key: result[key] for key in ("supplies", "by_status")}
