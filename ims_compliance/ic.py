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


#: The SAC of the service our demo and tests buy (management consulting): IC requires an
#: HSN/SAC code on every item and checks it against its list.
SERVICE_SAC = "998311"


def item_fields() -> dict:
	"""What IC requires on a new Item (nothing without IC)."""
	return {"gst_hsn_code": SERVICE_SAC} if is_installed() else {}


#: GSTIN state code -> (state as IC spells it, a PIN code of that state): IC checks both on an
#: address. The states our demo and tests use.
STATES = {
	"07": ("Delhi", "110001"),
	"09": ("Uttar Pradesh", "226001"),
	"24": ("Gujarat", "380001"),
	"27": ("Maharashtra", "400001"),
	"29": ("Karnataka", "560001"),
	"33": ("Tamil Nadu", "600001"),
	"36": ("Telangana", "500001"),
}


def gst_address(gstin: str, link_doctype: str, link_name: str) -> str | None:
	"""The address of that party carrying `gstin` (IC's field on Address)."""
	address = frappe.qb.DocType("Address")
	link = frappe.qb.DocType("Dynamic Link")
	rows = (
		frappe.qb.from_(address)
		.join(link)
		.on((link.parent == address.name) & (link.parenttype == "Address"))
		.select(address.name)
		.where((address.gstin == gstin) & (link.link_doctype == link_doctype) & (link.link_name == link_name))
		.limit(1)
	).run()
	return rows[0][0] if rows else None


def ensure_gst_address(
	gstin: str, link_doctype: str, link_name: str, *, is_company_address: bool = False
) -> str:
	"""With IC a Purchase Invoice takes company_gstin from the billing address and supplier_gstin
	from the supplier's address: give the party one carrying `gstin` (and the party its GST
	category). Idempotent; returns the address name."""
	frappe.db.set_value(link_doctype, link_name, {"gstin": gstin, "gst_category": "Registered Regular"})
	existing = gst_address(gstin, link_doctype, link_name)
	if existing:
		return existing
	state, pincode = STATES[gstin[:2]]
	return (
		frappe.get_doc(
			{
				"doctype": "Address",
				"address_title": f"{link_name} {gstin}",
				"address_type": "Billing",
				"address_line1": "1 Test Street",
				"city": state,
				"state": state,
				"pincode": pincode,
				"country": "India",
				"gstin": gstin,
				"gst_category": "Registered Regular",
				"is_your_company_address": 1 if is_company_address else 0,
				"is_primary_address": 1,
				"links": [{"link_doctype": link_doctype, "link_name": link_name}],
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def purchase_invoice_addresses(company: str, company_gstin: str, supplier: str, supplier_gstin: str) -> dict:
	"""Address fields of a Purchase Invoice IC accepts (its GSTINs come from them)."""
	return {
		"billing_address": gst_address(company_gstin, "Company", company),
		"supplier_address": gst_address(supplier_gstin, "Supplier", supplier),
	}
