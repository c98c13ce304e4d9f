"""The demo's company and books: the setup wizard, the company with its GSTIN, fiscal years and
input tax accounts, the item, the suppliers, the submitted Purchase Invoices and IMS Settings; and
their removal. Every step finds what is already there by what it is, so a re-run adds only what
is missing."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.database.database import savepoint
from frappe.utils import add_days, add_years, getdate

from ims_compliance import ic
from ims_compliance.core.demo_data import (
	DemoPlan,
	demo_suppliers,
)
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.demo.site import (
	BATCH,
	CHART_OF_ACCOUNTS,
	DEMO_ABBR,
	DEMO_COMPANY,
	DEMO_DOWNLOAD_TIME,
	DEMO_ITEM,
	DEMO_USERNAME,
	TAX_ACCOUNTS,
	Log,
	demo_gstin,
	quiet,
)


def ensure_setup_complete(plan: DemoPlan, log: Log = quiet) -> int:
	"""A fresh site whose setup wizard never ran: run it with the demo company (Indian chart,
	INR, April-March financial year), as a user would, so the desk opens normally afterwards."""
	if frappe.is_setup_complete():
		return 0
	from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

	log(_("The setup wizard never ran on this site: running it for {0}").format(DEMO_COMPANY))
	start, end = _financial_year(plan.period.first_day)
	setup_complete(
		{
			"language": "English",
			"country": "India",
			"currency": "INR",
			"timezone": "Asia/Kolkata",
			"company_name": DEMO_COMPANY,
			"company_abbr": DEMO_ABBR,
			"chart_of_accounts": CHART_OF_ACCOUNTS,
			"fy_start_date": str(start),
			"fy_end_date": str(end),
			"full_name": "Administrator",
			"setup_demo": 0,
		}
	)
	frappe.clear_cache()
	return 1


def ensure_company() -> int:
	if frappe.db.exists("Company", DEMO_COMPANY):
		_set_company_gstin()
		if ic.is_installed():
			# India Compliance takes a Purchase Invoice's company GSTIN from its billing address
			ic.ensure_gst_address(demo_gstin(), "Company", DEMO_COMPANY, is_company_address=True)
		return 0
	company = frappe.get_doc(
		{
			"doctype": "Company",
			"company_name": DEMO_COMPANY,
			"abbr": DEMO_ABBR,
			"default_currency": "INR",
			"country": "India",
			"chart_of_accounts": CHART_OF_ACCOUNTS,
			"tax_id": demo_gstin(),
		}
	).insert(ignore_permissions=True)
	if not frappe.db.get_single_value("Global Defaults", "default_company"):
		# the site's only company (say, after a removal): new documents default to it
		frappe.db.set_single_value("Global Defaults", "default_company", company.name)
		frappe.db.set_default("company", company.name)
	if ic.is_installed():
		ic.ensure_gst_address(demo_gstin(), "Company", DEMO_COMPANY, is_company_address=True)
	return 1


def _set_company_gstin() -> None:
	"""The setup wizard makes the company without its GSTIN."""
	if frappe.db.get_value("Company", DEMO_COMPANY, "tax_id") != demo_gstin():
		frappe.db.set_value("Company", DEMO_COMPANY, "tax_id", demo_gstin())


def _financial_year(day) -> tuple:
	"""The Indian financial year (April to March) holding `day`."""
	start_year = day.year if day.month >= 4 else day.year - 1
	return getdate(f"{start_year}-04-01"), getdate(f"{start_year + 1}-03-31")


def ensure_fiscal_years(plan: DemoPlan) -> int:
	"""A Fiscal Year for every posting date, when the site has none that applies to the demo
	company. It follows the site's existing years (a calendar-year site gets a calendar year,
	so it cannot overlap them), April-March on a site with none, and is the demo company's
	alone when another company has a year over the same dates."""
	from erpnext.accounts.utils import FiscalYearError, get_fiscal_year

	made = 0
	for day in (plan.purchase_dates[0], plan.purchase_dates[-1]):
		try:
			get_fiscal_year(day, company=DEMO_COMPANY)
			continue
		except FiscalYearError:
			pass
		start, end = _year_containing(day)
		overlapping = frappe.get_all(
			"Fiscal Year",
			filters={"year_start_date": ("<=", end), "year_end_date": (">=", start)},
			pluck="name",
		)
		name = str(start.year) if start.year == end.year else f"{start.year}-{end.year}"
		if frappe.db.exists("Fiscal Year", name):
			name = f"{name} ({DEMO_ABBR})"
		frappe.get_doc(
			{
				"doctype": "Fiscal Year",
				"year": name,
				"year_start_date": start,
				"year_end_date": end,
				"companies": [{"company": DEMO_COMPANY}] if overlapping else [],
			}
		).insert(ignore_permissions=True)
		made += 1
	return made


def _year_containing(day) -> tuple:
	"""Start and end of the fiscal year holding `day`, aligned with the site's latest year."""
	latest = frappe.get_all(
		"Fiscal Year", fields=["year_start_date"], order_by="year_start_date desc", limit=1
	)
	if not latest:
		return _financial_year(day)
	first = getdate(latest[0].year_start_date)
	start = first.replace(year=day.year)
	if start > day:
		start = start.replace(year=day.year - 1)
	return start, add_days(add_years(start, 1), -1)


def tax_account(head: str) -> str:
	return f"{TAX_ACCOUNTS[head]} - {DEMO_ABBR}"


def ensure_tax_accounts(company: str = DEMO_COMPANY, names: dict[str, str] = TAX_ACCOUNTS) -> int:
	"""Input IGST/CGST/SGST/cess accounts (`names`: tax head -> account name) under the company's
	Duties and Taxes, the heads IMS Settings maps; the test fixtures make theirs the same way.
	Returns how many were made."""
	parent = frappe.db.get_value(
		"Account", {"company": company, "account_name": "Duties and Taxes", "is_group": 1}, "name"
	)
	abbr = frappe.get_cached_value("Company", company, "abbr")
	made = 0
	for account_name in names.values():
		if frappe.db.exists("Account", f"{account_name} - {abbr}"):
			continue
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": account_name,
				"parent_account": parent,
				"company": company,
				"account_type": "Tax",
				"is_group": 0,
			}
		).insert(ignore_permissions=True)
		made += 1
	return made


def ensure_item() -> int:
	if frappe.db.exists("Item", DEMO_ITEM):
		if ic.is_installed() and not frappe.db.get_value("Item", DEMO_ITEM, "gst_hsn_code"):
			frappe.db.set_value("Item", DEMO_ITEM, ic.item_fields())  # made before IC came
		return 0
	frappe.get_doc(
		{
			"doctype": "Item",
			"item_code": DEMO_ITEM,
			**ic.item_fields(),
			"item_name": DEMO_ITEM,
			"item_group": frappe.db.get_value("Item Group", {"is_group": 0}, "name") or "All Item Groups",
			"stock_uom": frappe.db.get_value("UOM", "Nos", "name") or frappe.db.get_value("UOM", {}, "name"),
			"is_stock_item": 0,
		}
	).insert(ignore_permissions=True)
	return 1


def ensure_suppliers(plan: DemoPlan) -> tuple[dict[str, str], int]:
	"""GSTIN -> Supplier name; a supplier is found by its GSTIN (tax id), whatever its name."""
	gstins = [s.gstin for s in plan.suppliers]
	found = dict(
		frappe.get_all(
			"Supplier", filters={"tax_id": ("in", gstins)}, fields=["tax_id", "name"], as_list=True
		)
	)
	group = frappe.db.get_value("Supplier Group", {"is_group": 0}, "name") or "All Supplier Groups"
	made = 0
	for supplier in plan.suppliers:
		if supplier.gstin in found:
			continue
		# another supplier of the site may already use the name: the GSTIN tells ours apart
		name = supplier.name
		if frappe.db.exists("Supplier", name):
			name = f"{supplier.name} ({supplier.gstin[:2]})"
		doc = frappe.get_doc(
			{"doctype": "Supplier", "supplier_name": name, "supplier_group": group, "tax_id": supplier.gstin}
		).insert(ignore_permissions=True)
		found[supplier.gstin] = doc.name
		made += 1
	if ic.is_installed():
		# India Compliance takes a Purchase Invoice's supplier GSTIN from the supplier's address
		for gstin, name in found.items():
			ic.ensure_gst_address(gstin, "Supplier", name)
	return found, made


def ensure_purchase_invoices(
	plan: DemoPlan, supplier_names: dict[str, str], *, commit: bool = True, log: Log = quiet
) -> int:
	"""Book and submit the plan's Purchase Invoices the company does not have yet (by supplier
	and bill number); drafts left by an interrupted run are submitted."""
	existing = {
		(row.supplier, row.bill_no): row
		for row in frappe.get_all(
			"Purchase Invoice",
			filters={"company": DEMO_COMPANY, "docstatus": ("<", 2)},
			fields=["name", "supplier", "bill_no", "docstatus"],
		)
	}
	booked = {key for key, row in existing.items() if row.docstatus == 1}
	todo = [p for p in plan.purchases if (supplier_names[p.supplier.gstin], p.bill_no) not in booked]
	if todo:
		log(_("Booking {0} Purchase Invoices of {1}").format(len(todo), plan.period.label))
	made = 0
	for purchase in todo:
		supplier = supplier_names[purchase.supplier.gstin]
		draft = existing.get((supplier, purchase.bill_no))
		if draft:
			frappe.get_doc("Purchase Invoice", draft.name).submit()
		else:
			_purchase_invoice(purchase, supplier).submit()
		made += 1
		if made % BATCH == 0:
			if commit:
				frappe.db.commit()  # nosemgrep: a bench command, resumable
			log(_("{0} Purchase Invoices booked").format(made))
	return made


def _charge(amount: float, taxable: float) -> dict:
	"""A tax row's charge. India Compliance refuses an Actual row on its GST accounts (the
	item-wise detail would have no rate), so there the rate is charged On Net Total; ERPNext
	computes the same amount to the paisa or one (within the match tolerance)."""
	if ic.is_installed() and taxable:
		return {"charge_type": "On Net Total", "rate": round(amount * 100 / taxable, 4)}
	return {"charge_type": "Actual"}


def _purchase_invoice(purchase, supplier: str):
	sign = -1 if purchase.is_return else 1
	cost_center = f"Main - {DEMO_ABBR}"
	return frappe.get_doc(
		{
			"doctype": "Purchase Invoice",
			"supplier": supplier,
			"company": DEMO_COMPANY,
			"company_gstin": demo_gstin(),
			"supplier_gstin": purchase.supplier.gstin,
			"set_posting_time": 1,
			"posting_date": purchase.bill_date,
			"bill_no": purchase.bill_no,
			"bill_date": purchase.bill_date,
			"currency": "INR",
			"conversion_rate": 1,
			"is_return": 1 if purchase.is_return else 0,
			"ims_is_debit_note": 1 if purchase.is_debit_note else 0,
			"update_stock": 0,
			**(
				ic.purchase_invoice_addresses(DEMO_COMPANY, demo_gstin(), supplier, purchase.supplier.gstin)
				if ic.is_installed()
				else {}
			),
			"items": [
				{
					"item_code": DEMO_ITEM,
					"qty": sign,
					"rate": purchase.taxable_value,
					"expense_account": f"Cost of Goods Sold - {DEMO_ABBR}",
					"cost_center": cost_center,
				}
			],
			"taxes": [
				{
					**_charge(amount, purchase.taxable_value),
					"account_head": tax_account(head),
					"description": head,
					"tax_amount": sign * amount,
					"cost_center": cost_center,
				}
				for head, amount in purchase.taxes.items()
			],
		}
	).insert(ignore_permissions=True)


def configure_settings(base_url: str) -> int:
	"""The demo GSTIN and its tax accounts in IMS Settings, the connection on the sandbox.
	Rows of other companies stay as they are. Answers how many rows were added."""
	settings = frappe.get_single("IMS Settings")
	added = 0
	if not any(row.gstin == demo_gstin() for row in settings.company_gstins):
		settings.append(
			"company_gstins",
			{
				"company": DEMO_COMPANY,
				"gstin": demo_gstin(),
				"gstn_username": DEMO_USERNAME,
				"download_time": DEMO_DOWNLOAD_TIME,  # a fixed morning hour, not the moment of the run
			},
		)
		added += 1
	mapped = {row.account for row in settings.tax_accounts}
	for head in TAX_ACCOUNTS:
		if tax_account(head) not in mapped:
			settings.append(
				"tax_accounts", {"company": DEMO_COMPANY, "account": tax_account(head), "tax_head": head}
			)
			added += 1
	if added or settings.connection_mode != "Sandbox" or settings.base_url != base_url:
		settings.connection_mode = "Sandbox"
		settings.base_url = base_url
		settings.save(ignore_permissions=True)
	return added


def remove_purchase_invoices(*, commit: bool, log: Log) -> int:
	"""Cancel and delete the demo company's Purchase Invoices, then the cancelled ledger rows
	they leave behind (ERPNext keeps them, and they would keep the suppliers and the company
	from being deleted): only rows of the invoices just deleted."""
	rows = frappe.get_all(
		"Purchase Invoice",
		filters={"company": DEMO_COMPANY},
		fields=["name", "docstatus"],
		order_by="creation desc",
	)
	for index, row in enumerate(rows, 1):
		if row.docstatus == 1:
			frappe.get_doc("Purchase Invoice", row.name).cancel()
		frappe.delete_doc("Purchase Invoice", row.name, ignore_permissions=True, force=True)
		_delete_ledger_rows([row.name])
		if index % BATCH == 0:
			if commit:
				frappe.db.commit()  # nosemgrep: a bench command, resumable
			log(_("{0} of {1} Purchase Invoices removed").format(index, len(rows)))
	return len(rows)


def _delete_ledger_rows(invoices: list[str]) -> None:
	for table in ("GL Entry", "Payment Ledger Entry"):
		frappe.db.delete(table, {"voucher_type": "Purchase Invoice", "voucher_no": ("in", invoices)})


def remove_inward_supplies() -> int:
	names = frappe.get_all(supply_doctype(), filters={"company_gstin": demo_gstin()}, pluck="name")
	for start in range(0, len(names), 1000):
		chunk = names[start : start + 1000]
		frappe.db.delete("IMS Action Log", {"inward_supply": ("in", chunk)})
		frappe.db.delete(supply_doctype(), {"name": ("in", chunk)})
	frappe.db.delete("IMS Upload Request", {"company_gstin": demo_gstin()})
	return len(names)


def remove_settings_rows() -> int:
	settings = frappe.get_single("IMS Settings")
	keep_gstins = [row for row in settings.company_gstins if row.gstin != demo_gstin()]
	keep_accounts = [row for row in settings.tax_accounts if row.company != DEMO_COMPANY]
	removed = (
		len(settings.company_gstins) - len(keep_gstins) + len(settings.tax_accounts) - len(keep_accounts)
	)
	if removed:
		settings.company_gstins = keep_gstins
		settings.tax_accounts = keep_accounts
		settings.save(ignore_permissions=True)
	return removed


def demo_supplier_names() -> list[str]:
	gstins = [s.gstin for s in demo_suppliers()]
	return frappe.get_all("Supplier", filters={"tax_id": ("in", gstins)}, pluck="name")


def delete_all(doctype: str, names: list[str]) -> int:
	"""Delete what can be deleted; a record another document still links to stays."""
	for name in names:
		with savepoint(catch=frappe.LinkExistsError):
			frappe.delete_doc(doctype, name, ignore_permissions=True)
	return sum(1 for name in names if not frappe.db.exists(doctype, name))


def remove_company() -> int:
	"""The company, with the accounts, cost centers and warehouses ERPNext deletes with it, and
	the fiscal years made for it alone. ERPNext refuses while anything else still names the
	company (a document someone made in it since): then it stays, and the command says so."""
	if not frappe.db.exists("Company", DEMO_COMPANY):
		return 0
	own_years = [
		year
		for year in frappe.get_all("Fiscal Year Company", filters={"company": DEMO_COMPANY}, pluck="parent")
		if frappe.db.count("Fiscal Year Company", {"parent": year}) == 1
	]
	with savepoint(catch=frappe.ValidationError):  # a refusal must not undo the rest
		frappe.db.delete("Fiscal Year Company", {"company": DEMO_COMPANY})
		for year in own_years:
			frappe.delete_doc("Fiscal Year", year, ignore_permissions=True)
		frappe.delete_doc("Company", DEMO_COMPANY, ignore_permissions=True)
	return 0 if frappe.db.exists("Company", DEMO_COMPANY) else 1
