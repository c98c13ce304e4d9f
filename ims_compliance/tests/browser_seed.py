"""Rows for the browser walks (tests/browser/*.test.mjs), written as the download writes them:
one SQL statement, no controller. Nothing else may insert GST Inward Supplies (issue 14), so
the walks seed through `bench execute` instead of the REST API:

    bench --site <site> execute ims_compliance.tests.browser_seed.seed --kwargs '{"batch": "BT1"}'
"""

from __future__ import annotations

import frappe

from ims_compliance.tests.factories import bulk_inward_supplies

#: supplier names a hostile GSTN answer (or a portal file) could carry; the page must show them as text
HOSTILE_NAMES = ("<img src=x onerror=alert(1)>", "<script>alert(2)</script>")


def seed(batch: str) -> dict:
	"""For the first configured company GSTIN: 6 Exact Match and 2 Missing in PI records under
	`batch`, one record per hostile supplier name under `batch`-X, and 120 records to page through
	under the batch written backwards."""
	row = frappe.get_all(
		"IMS Company GSTIN",
		filters={"parent": "IMS Settings"},
		fields=["company", "gstin"],
		order_by="idx",
		limit=1,
	)[0]
	common = {
		"company": row.company,
		"company_gstin": row.gstin,
		"supplier_gstin": "27AAPFU0939F1ZV",
		"supplier_name": "Browser Walk Supplier",
		"document_date": frappe.utils.getdate("2025-10-15"),
		"document_value": 1180.0,
	}
	names = bulk_inward_supplies(6, prefix=f"{batch}-E", match_status="Exact Match", **common)
	names += bulk_inward_supplies(2, prefix=f"{batch}-M", match_status="Missing in PI", **common)
	for i, hostile in enumerate(HOSTILE_NAMES):
		names += bulk_inward_supplies(
			1, prefix=f"{batch}-X{i}", match_status="Missing in PI", **{**common, "supplier_name": hostile}
		)
	# 120 records to page through (Next/Previous by cursor), under the batch written backwards so
	# that the walk's filter on the batch does not count them
	paging = bulk_inward_supplies(120, prefix=f"{batch[::-1]}-P", match_status="Exact Match", **common)
	frappe.db.commit()  # nosemgrep: bench execute seeds for a browser walk in another process
	return {"records": len(names), "paging": len(paging)}
