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


#: Where an IGST test bill from a supplier in the company's own state is delivered (Delhi): an
#: IMS record meant to match such a bill names the same place of supply.
IGST_PLACE_OF_SUPPLY = "07"


def ic_place_of_supply(supplier_gstin: str, company_gstin: str, taxes: dict) -> str | None:
	"""India Compliance refuses IGST on an intra-state supply and CGST/SGST on an inter-state one,
	judged by the supplier's state against the place of supply. Our tests choose the tax heads
	(and amounts) for what they test, not the supplier's state, so with IC the bill names a place
	of supply that makes those heads lawful: the supplier's own state for CGST/SGST, another state
	for IGST (goods delivered out of the supplier's state). None: leave IC's default (the company's
	state) alone."""
	state = supplier_gstin[:2]
	if state not in ic.STATES:
		return None
	if taxes.get("CGST") or taxes.get("SGST"):
		code = state
	elif taxes.get("IGST") and state == company_gstin[:2]:
		code = IGST_PLACE_OF_SUPPLY if state != IGST_PLACE_OF_SUPPLY else "09"
	else:
		return None
	return f"{code}-{ic.STATES[code][0]}"


def tax_charge(amount: float, sign: int, taxed_base: float) -> dict:
	"""How a test bill charges one tax head `amount`. Plain ERPNext: the amount as it is (Actual).
	India Compliance refuses Actual on a GST account unless item tax templates carry the rate (it
	must compute item-wise taxes), so there the same amount is charged On Net Total at the rate it
	makes on the lines it falls on (the tax amount comes out the same, to the paisa)."""
	if not ic.is_installed() or not amount or not taxed_base:
		return {"charge_type": "Actual", "tax_amount": sign * amount}
	return {"charge_type": "On Net Total", "rate": round(amount * 100 / taxed_base, 9)}


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
			TEST_COMPANY, company_gstin, supplier, SUPPLIER_GSTINS.get(supplier, "")
		)
		place = ic_place_of_supply(SUPPLIER_GSTINS.get(supplier, ""), company_gstin, taxes)
		if place and "place_of_supply" not in fields:
			addresses["place_of_supply"] = place
	# the lines a GST row falls on: the first and those extra lines without an item tax template
	taxed_base = net + sum(
		line.get("rate", 0) for line in extra_items or () if not line.get("item_tax_template")
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
					"account_head": tax_account(head),
					"description": head,
					"cost_center": f"Main - {TEST_COMPANY_ABBR}",
					**tax_charge(amount, sign, taxed_base),
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
