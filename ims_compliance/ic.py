"""India Compliance (IC) on this site: is it installed, and which of its fields can we read.

IC owns the GST fields of the purchase documents on the sites most Indian ERPNext users have:
`supplier_gstin` comes from the supplier's address, `company_gstin` from the billing address,
plus `place_of_supply`, `is_reverse_charge`, `gst_category`, the items' `gst_treatment`, its
ITC fields and its Bill of Entry. Where IC is installed we read its fields and never re-own or
rewrite them (issue 16); elsewhere our own fields (constants.custom_fields) stand in.
"""

from __future__ import annotations

import frappe

#: India Compliance's app name.
APP = "india_compliance"

#: IC's Purchase Invoice fields our reading may use when they exist (fieldnames as IC names them).
PURCHASE_INVOICE_FIELDS = (
	"supplier_gstin",
	"company_gstin",
	"gst_category",
	"place_of_supply",
	"is_reverse_charge",
	"itc_classification",
	"ineligibility_reason",
)


def is_installed() -> bool:
	"""IC is installed on this site (cached per request by Frappe)."""
	return APP in frappe.get_installed_apps()


def purchase_invoice_fields() -> tuple[str, ...]:
	"""Those of `PURCHASE_INVOICE_FIELDS` that Purchase Invoice has on this site."""
	meta = frappe.get_meta("Purchase Invoice")
	return tuple(field for field in PURCHASE_INVOICE_FIELDS if meta.has_field(field))
