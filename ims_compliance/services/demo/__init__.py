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

from ims_compliance.services.demo.books import (  # noqa: F401
	configure_settings,
	ensure_company,
	ensure_fiscal_years,
	ensure_item,
	ensure_purchase_invoices,
	ensure_setup_complete,
	ensure_suppliers,
	ensure_tax_accounts,
	tax_account,
)
from ims_compliance.services.demo.flow import describe, forget_gstn_session, remove_demo, setup_demo  # noqa: F401
from ims_compliance.services.demo.sandbox import (  # noqa: F401
	apply_supplier_edit,
	ensure_sandbox,
	sandbox_answers,
	seed_sandbox,
)
from ims_compliance.services.demo.site import (  # noqa: F401
	DEMO_COMPANY,
	DEMO_ITEM,
	SANDBOX_PORT,
	TAX_ACCOUNTS,
	demo_gstin,
	demo_plan,
	sandbox_state_path,
)
