"""The one-command demo (`bench --site <site> ims-demo`, issue 9): a newcomer with a bench sees the
whole product working with no GSTN account.

On a site with ERPNext (the setup wizard is run first when it never was), idempotently: the demo
company "IMS Demo Company" (a GSTIN of its own per site, `demo_gstin`) with its GST input tax accounts, 40 suppliers
and last month's ~300 submitted Purchase Invoices and return invoices (`core.demo_data`); IMS
Settings pointed at the built-in GSTN sandbox (started as a detached process when nobody serves
the port); the sandbox seeded, through its control API, with what the suppliers reported,
differences included. Everything is found again by what it is (the company's invoices by
supplier and bill number, suppliers by GSTIN, sandbox records by document key), so a re-run
creates only what is missing and never touches what the user did with the demo since.

`remove_demo` takes it all away again, the company included, unless someone has since made other
documents in it (ERPNext refuses to delete a company with transactions: then it stays).
"""

# what the command and the tests use; the rest stays in the modules that do the work
from ims_compliance.services.demo.books import ensure_company, ensure_fiscal_years
from ims_compliance.services.demo.flow import describe, remove_demo, setup_demo
from ims_compliance.services.demo.sandbox import apply_supplier_edit
from ims_compliance.services.demo.site import (
	DEMO_COMPANY,
	DEMO_ITEM,
	demo_gstin,
	demo_plan,
	sandbox_state_path,
)

__all__ = [
	"DEMO_COMPANY",
	"DEMO_ITEM",
	"apply_supplier_edit",
	"demo_gstin",
	"demo_plan",
	"describe",
	"ensure_company",
	"ensure_fiscal_years",
	"remove_demo",
	"sandbox_state_path",
	"setup_demo",
]
