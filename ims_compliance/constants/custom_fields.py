"""Custom fields this app adds to core doctypes, declared in one place.

`supplier_gstin` and `company_gstin` are the names India Compliance uses on Purchase Invoice;
where another app already owns them we reuse its fields instead of creating clashing ones.
Every field we create carries module "IMS Compliance" so uninstall can tell ours from theirs.
`ims_inward_supply` links to our supply DocType, whose name depends on the site (issue 16):
`site_custom_fields()` gives the declaration with that link resolved.

Purchase-side marks reconciliation needs (issue 15): `ims_is_debit_note` (a supplier's debit
note: neither ERPNext 15 nor India Compliance has such a flag on Purchase Invoice; if one named
`is_debit_note` ever appears, reconciliation reads that instead) and the Bill of Entry number,
date and port of an import bill (India Compliance keeps those on its own "Bill of Entry"
DocType, which reconciliation reads instead of these when it is installed).
"""

from ims_compliance.doctype_names import DEFAULT_SUPPLY_DOCTYPE, MODULE, supply_doctype

__all__ = ["CUSTOM_FIELDS", "MODULE", "SHARED_FIELDNAMES", "site_custom_fields"]

#: Fields we reuse when they already exist on the doctype (owned by another app).
SHARED_FIELDNAMES = ("supplier_gstin", "company_gstin")

CUSTOM_FIELDS = {
	"Purchase Invoice": [
		{
			"fieldname": "supplier_gstin",
			"label": "Supplier GSTIN",
			"fieldtype": "Data",
			"insert_after": "tax_id",
			"length": 15,
			"fetch_from": "supplier.tax_id",
			"fetch_if_empty": 1,
			"search_index": 1,
			"print_hide": 1,
		},
		{
			"fieldname": "company_gstin",
			"label": "Company GSTIN",
			"fieldtype": "Data",
			"insert_after": "company",
			"length": 15,
			"search_index": 1,
			"print_hide": 1,
		},
		{
			"fieldname": "ims_section",
			"label": "GST IMS",
			"fieldtype": "Section Break",
			"insert_after": "bill_date",
			"collapsible": 1,
			"depends_on": "eval:doc.docstatus > 0 || doc.ims_inward_supply",
		},
		{
			"fieldname": "ims_inward_supply",
			"label": "GST Inward Supply",
			"fieldtype": "Link",
			"options": DEFAULT_SUPPLY_DOCTYPE,  # this site's name: site_custom_fields()
			"insert_after": "ims_section",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
			"print_hide": 1,
		},
		{
			"fieldname": "ims_column_break",
			"fieldtype": "Column Break",
			"insert_after": "ims_inward_supply",
		},
		{
			"fieldname": "ims_match_status",
			"label": "IMS Match Status",
			"fieldtype": "Data",
			"insert_after": "ims_column_break",
			"read_only": 1,
			"no_copy": 1,
			"print_hide": 1,
		},
		{
			"fieldname": "ims_action",
			"label": "IMS Action",
			"fieldtype": "Data",
			"insert_after": "ims_match_status",
			"read_only": 1,
			"no_copy": 1,
			"print_hide": 1,
		},
		{
			"fieldname": "ims_is_debit_note",
			"label": "Supplier's Debit Note",
			"fieldtype": "Check",
			"insert_after": "is_return",
			"description": "The supplier issued this as a debit note (GSTR-1 section DN): IMS debit notes match only "
			"bills marked so, and invoices only bills that are not",
			"depends_on": "eval:!doc.is_return",
			"print_hide": 1,
		},
		{
			"fieldname": "ims_bill_of_entry_section",
			"label": "Bill of Entry (imports)",
			"fieldtype": "Section Break",
			"insert_after": "ims_action",
			"collapsible": 1,
			"collapsible_depends_on": "ims_bill_of_entry_no",
		},
		{
			"fieldname": "ims_bill_of_entry_no",
			"label": "Bill of Entry No.",
			"fieldtype": "Data",
			"insert_after": "ims_bill_of_entry_section",
			"length": 20,
			"search_index": 1,
			"print_hide": 1,
		},
		{
			"fieldname": "ims_bill_of_entry_date",
			"label": "Bill of Entry Date",
			"fieldtype": "Date",
			"insert_after": "ims_bill_of_entry_no",
			"print_hide": 1,
		},
		{
			"fieldname": "ims_port_code",
			"label": "Port Code",
			"fieldtype": "Data",
			"insert_after": "ims_bill_of_entry_date",
			"length": 10,
			"print_hide": 1,
		},
	],
}


def site_custom_fields() -> dict[str, list[dict]]:
	"""CUSTOM_FIELDS with the links to our supply DocType naming it as this site does."""
	name = supply_doctype()
	return {
		doctype: [
			{**field, "options": name}
			if field.get("fieldtype") == "Link" and field.get("options") == DEFAULT_SUPPLY_DOCTYPE
			else field
			for field in fields
		]
		for doctype, fields in CUSTOM_FIELDS.items()
	}
