"""Test data builders for the bench tier."""

import frappe

from ims_compliance import ic
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.writes import service_write
from ims_compliance.tests.fixtures import (
	COMPANY_GSTIN,
	SUPPLIER_GSTINS,
	TEST_COMPANY,
	TEST_COMPANY_ABBR,
	TEST_ITEM,
	tax_account,
)


def make_inward_supply(**values):
	"""Insert one GST Inward Supply through its controller (validations run)."""
	doc = {
		"doctype": supply_doctype(),
		"company": TEST_COMPANY,
		"company_gstin": COMPANY_GSTIN,
		"supplier_gstin": SUPPLIER_GSTINS["IMS Supplier Alpha"],
		"section": "B2B",
		"document_number": "T-" + frappe.generate_hash(length=8),
		"document_date": "2025-10-05",
		"supplier_period": "102025",
		"taxable_value": 1000,
		"igst": 180,
	}
	doc.update(values)
	with service_write("test factory"):  # rows come from the download only (issue 14)
		return frappe.get_doc(doc).insert(ignore_permissions=True)


def bulk_inward_supplies(count: int, *, prefix: str, **values) -> list[str]:
	"""Insert `count` rows in one statement (no controller): for tests that need volume.
	Values are validated the same way the download's bulk writer will validate them."""
	from ims_compliance.core.records import financial_year_of
	from ims_compliance.core.sections import section

	base = {
		"company": TEST_COMPANY,
		"company_gstin": COMPANY_GSTIN,
		"supplier_gstin": SUPPLIER_GSTINS["IMS Supplier Alpha"],
		"section": "B2B",
		"document_date": frappe.utils.getdate("2025-10-05"),
		"supplier_period": "102025",
		"taxable_value": 1000.0,
		"igst": 180.0,
		"action": "No Action",
		"gstn_action": "No Action",
		"match_status": "Exact Match",
		"supplier_filed": 1,
	}
	base.update(values)
	base["document_type"] = section(base["section"]).document_type
	base["total_tax"] = base.get("igst", 0) + base.get("cgst", 0) + base.get("sgst", 0) + base.get("cess", 0)
	fields = ["name", "creation", "modified", "owner", "modified_by", "document_number", "ims_key", *base]
	now = frappe.utils.now_datetime()
	rows, names = [], []
	for i in range(count):
		name = frappe.generate_hash(length=12)
		number = f"{prefix}{i:05d}"
		key = "|".join(
			(
				base["company_gstin"],
				base["section"],
				base["supplier_gstin"],
				number,
				financial_year_of(base["document_date"]),
			)
		)
		rows.append((name, now, now, "Administrator", "Administrator", number, key, *base.values()))
		names.append(name)
	frappe.db.bulk_insert(supply_doctype(), fields, rows, chunk_size=5000)
	return names


def make_purchase_invoice(
	*,
	supplier: str = "IMS Supplier Alpha",
	bill_no: str | None = None,
	bill_date: str = "2025-10-05",
	net: float = 1000.0,
	taxes: dict | None = None,
	is_return: bool = False,
	return_against: str | None = None,
	submit: bool = True,
	extra_items: list[dict] | None = None,
	company_gstin: str = COMPANY_GSTIN,
	**fields,
):
	"""A real Purchase Invoice of the test company (non-stock item, tax rows on the mapped
	IMS tax accounts). `taxes` maps tax head -> amount, default IGST 18% of `net` (the first
	line). `extra_items` add lines (rate, item_tax_template, ...); `fields` set others on the
	invoice (ims_is_debit_note, ims_bill_of_entry_no, ...)."""
	taxes = {"IGST": round(net * 0.18, 2)} if taxes is None else taxes
	sign = -1 if is_return else 1
	addresses = {}
	if ic.is_installed():
		# India Compliance takes the GSTINs from the addresses (fixtures.make_gst_addresses)
		addresses = ic.purchase_invoice_addresses(
			TEST_COMPANY, COMPANY_GSTIN, supplier, SUPPLIER_GSTINS.get(supplier, "")
		)
	doc = frappe.get_doc(
		{
			"doctype": "Purchase Invoice",
			"supplier": supplier,
			"company": TEST_COMPANY,
			"company_gstin": company_gstin,
			"posting_date": frappe.utils.nowdate(),
			"bill_no": bill_no or "PI-" + frappe.generate_hash(length=8),
			"bill_date": bill_date,
			"currency": "INR",
			"conversion_rate": 1,
			"is_return": 1 if is_return else 0,
			"return_against": return_against,
			"update_stock": 0,
			**addresses,
			"items": [
				{
					"item_code": TEST_ITEM,
					"qty": sign,
					"rate": net,
					"expense_account": f"Cost of Goods Sold - {TEST_COMPANY_ABBR}",
					"cost_center": f"Main - {TEST_COMPANY_ABBR}",
				},
				*(
					{
						"item_code": TEST_ITEM,
						"qty": sign,
						"expense_account": f"Cost of Goods Sold - {TEST_COMPANY_ABBR}",
						"cost_center": f"Main - {TEST_COMPANY_ABBR}",
						**line,
					}
					for line in extra_items or ()
				),
			],
			"taxes": [
				{
					"charge_type": "Actual",
					"account_head": tax_account(head),
					"description": head,
					"tax_amount": sign * amount,
					"cost_center": f"Main - {TEST_COMPANY_ABBR}",
				}
				for head, amount in taxes.items()
			],
		}
	)
	doc.update(fields)
	doc.insert(ignore_permissions=True)
	if submit:
		doc.submit()
	return doc
