"""Fixtures for the bench tier, built once by the `before_tests` hook and committed.

ERPNext's own `before_tests` (setup wizard) only runs for `--app erpnext`, so ours calls it
first; then it adds an Indian company with two GSTINs configured in IMS Settings, a few
suppliers with GSTINs, and users with exactly the roles the permission tests need.

On a site with India Compliance (issue 16) a Purchase Invoice takes its GSTINs from addresses and
IC checks them, so the same fixtures also get what IC requires: the company's and the suppliers'
GSTINs on addresses (company address per GSTIN), GST categories on the parties, and our company
admitted to fiscal years that IC's own test set-up restricted to its companies.
"""

import frappe

from ims_compliance import ic
from ims_compliance.core.gstin import make_gstin

TEST_COMPANY = "IMS Test Company"
TEST_COMPANY_ABBR = "IMSTC"
COMPANY_GSTIN = make_gstin("27", "AAACI1234K")  # Maharashtra
COMPANY_GSTIN_2 = make_gstin("29", "AAACI1234K")  # Karnataka, same PAN
SUPPLIER_GSTINS = {
	"IMS Supplier Alpha": make_gstin("27", "AABCA1111A"),
	"IMS Supplier Beta": make_gstin("29", "AABCB2222B"),
	"IMS Supplier Gamma": make_gstin("07", "AABCG3333C"),
}
ACCOUNTS_USER = "ims.accounts.user@example.com"
ACCOUNTS_MANAGER = "ims.accounts.manager@example.com"
NO_ROLE_USER = "ims.no.role@example.com"


def before_tests():
	from erpnext.setup.utils import before_tests as erpnext_before_tests

	erpnext_before_tests()
	# Our tests use these fixtures only. Without this the runner also builds ERPNext's test records
	# for every DocType ours link to (Company, Item, Item Tax Template, ...): slow, unused, and
	# some of them fail India Compliance's checks (a Taxable template with a zero rate).
	frappe.flags.skip_test_records = True
	make_company()
	make_tax_accounts()
	make_item()
	make_suppliers()
	make_users()
	configure_settings()
	if ic.is_installed():
		make_gst_addresses()
		admit_to_fiscal_years()
		register_ic_gst_accounts()
	frappe.db.commit()


def make_company():
	if frappe.db.exists("Company", TEST_COMPANY):
		return
	frappe.get_doc(
		{
			"doctype": "Company",
			"company_name": TEST_COMPANY,
			"abbr": TEST_COMPANY_ABBR,
			"default_currency": "INR",
			"country": "India",
			"chart_of_accounts": "Standard",
			"tax_id": COMPANY_GSTIN,
		}
	).insert(ignore_permissions=True)


def make_gst_addresses():
	"""India Compliance: the company's GSTINs and the suppliers' on addresses, parties with a GST
	category (IC fetches a Purchase Invoice's company_gstin and supplier_gstin from them)."""
	for gstin in (COMPANY_GSTIN, COMPANY_GSTIN_2):
		ic.ensure_gst_address(gstin, "Company", TEST_COMPANY, is_company_address=True)
	frappe.db.set_value("Company", TEST_COMPANY, "gstin", COMPANY_GSTIN)
	for supplier, gstin in SUPPLIER_GSTINS.items():
		ic.ensure_gst_address(gstin, "Supplier", supplier)


def admit_to_fiscal_years():
	"""India Compliance's test set-up lists its companies on the current fiscal year, which then
	refuses every other company: list ours on every fiscal year that lists companies."""
	for name in frappe.get_all("Fiscal Year Company", filters={"parenttype": "Fiscal Year"}, pluck="parent"):
		year = frappe.get_doc("Fiscal Year", name)
		if TEST_COMPANY not in {row.company for row in year.companies}:
			year.append("companies", {"company": TEST_COMPANY})
			year.save(ignore_permissions=True)


def register_ic_gst_accounts():
	"""India Compliance knows a tax row is GST only from its GST Settings > GST Accounts (one
	"Input" row per company): a bill whose taxes are on no account there is not checked as a GST
	bill and has every line marked Nil-Rated. Our test bills charge GST on our own tax accounts, so
	make them the company's Input GST accounts, as an accountant on such a site would (IC made its
	own "Input Tax ..." accounts for the company on creation): IC then checks and classifies the
	test bills as it does real ones."""
	wanted = {
		"cgst_account": tax_account("CGST"),
		"sgst_account": tax_account("SGST"),
		"igst_account": tax_account("IGST"),
		"cess_account": tax_account("Cess"),
	}
	settings = frappe.get_single("GST Settings")
	row = next(
		(r for r in settings.gst_accounts if r.company == TEST_COMPANY and r.account_type == "Input"), None
	)
	if row is None:
		row = settings.append("gst_accounts", {"company": TEST_COMPANY, "account_type": "Input"})
	elif all(row.get(field) == account for field, account in wanted.items()):
		return
	row.update(wanted)
	settings.save(ignore_permissions=True)


TEST_ITEM = "IMS Test Service"
TAX_ACCOUNTS = {"IGST": "IMS IGST", "CGST": "IMS CGST", "SGST": "IMS SGST", "Cess": "IMS Cess"}


def tax_account(head: str) -> str:
	return f"{TAX_ACCOUNTS[head]} - {TEST_COMPANY_ABBR}"


def make_tax_accounts():
	from ims_compliance.services.demo.books import ensure_tax_accounts

	ensure_tax_accounts(TEST_COMPANY, TAX_ACCOUNTS)


def make_item():
	if frappe.db.exists("Item", TEST_ITEM):
		if ic.is_installed() and not frappe.db.get_value("Item", TEST_ITEM, "gst_hsn_code"):
			frappe.db.set_value("Item", TEST_ITEM, ic.item_fields())  # made before IC came
		return
	frappe.get_doc(
		{
			"doctype": "Item",
			"item_code": TEST_ITEM,
			**ic.item_fields(),
			"item_name": TEST_ITEM,
			"item_group": frappe.db.get_value("Item Group", {"is_group": 0}, "name") or "All Item Groups",
			"stock_uom": "Nos",
			"is_stock_item": 0,
		}
	).insert(ignore_permissions=True)


def make_suppliers():
	group = frappe.db.get_value("Supplier Group", {"is_group": 0}, "name")
	for name, gstin in SUPPLIER_GSTINS.items():
		if frappe.db.exists("Supplier", name):
			continue
		frappe.get_doc(
			{"doctype": "Supplier", "supplier_name": name, "supplier_group": group, "tax_id": gstin}
		).insert(ignore_permissions=True)


def make_users():
	for email, roles in (
		(ACCOUNTS_USER, ["Accounts User"]),
		(ACCOUNTS_MANAGER, ["Accounts Manager"]),
		(NO_ROLE_USER, []),
	):
		if frappe.db.exists("User", email):
			continue
		user = frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		)
		user.insert(ignore_permissions=True)
		if roles:
			user.add_roles(*roles)


def configure_settings():
	settings = frappe.get_single("IMS Settings")
	configured = {row.gstin for row in settings.company_gstins}
	for gstin in (COMPANY_GSTIN, COMPANY_GSTIN_2):
		if gstin not in configured:
			settings.append(
				"company_gstins", {"company": TEST_COMPANY, "gstin": gstin, "gstn_username": "imstest"}
			)
	mapped = {row.account for row in settings.tax_accounts}
	for head in TAX_ACCOUNTS:
		if tax_account(head) not in mapped:
			settings.append(
				"tax_accounts", {"company": TEST_COMPANY, "account": tax_account(head), "tax_head": head}
			)
	settings.save(ignore_permissions=True)
