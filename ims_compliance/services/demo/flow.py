"""`ims-demo` from start to end: set up what is missing, take it all away, describe the result."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import get_url

from ims_compliance.core.periods import ReturnPeriod
from ims_compliance.gstn.sandbox import SANDBOX_OTP
from ims_compliance.services.demo.books import (
	configure_settings,
	delete_all,
	demo_supplier_names,
	ensure_company,
	ensure_fiscal_years,
	ensure_item,
	ensure_purchase_invoices,
	ensure_setup_complete,
	ensure_suppliers,
	ensure_tax_accounts,
	remove_company,
	remove_inward_supplies,
	remove_purchase_invoices,
	remove_settings_rows,
)
from ims_compliance.services.demo.sandbox import (
	ensure_sandbox,
	remove_sandbox_records,
	seed_sandbox,
)
from ims_compliance.services.demo.site import (
	DEMO_COMPANY,
	DEMO_ITEM,
	PAGE_ROUTE,
	SANDBOX_PORT,
	Log,
	demo_gstin,
	demo_plan,
	quiet,
)
from ims_compliance.services.download import COUNTS_KEY


def setup_demo(
	*,
	size: int = 300,
	suppliers: int = 40,
	sandbox_url: str | None = None,
	port: int = SANDBOX_PORT,
	today=None,
	commit: bool = True,
	log: Log = quiet,
) -> dict:
	"""Create whatever of the demo is missing; answer what was created and where to look.
	`sandbox_url`: a sandbox already serving (tests pass their in-process one); else the one on
	127.0.0.1:`port`, started when nothing answers there. commit=False never commits (tests)."""
	plan = demo_plan(size, suppliers, today)
	created: dict[str, int] = {}
	created["setup_wizard"] = ensure_setup_complete(plan, log)
	created["company"] = ensure_company()
	created["fiscal_years"] = ensure_fiscal_years(plan)
	created["tax_accounts"] = ensure_tax_accounts()
	created["item"] = ensure_item()
	supplier_names, created["suppliers"] = ensure_suppliers(plan)
	if commit:
		frappe.db.commit()  # nosemgrep: a bench command; masters first, so invoices can be resumed
	created["purchase_invoices"] = ensure_purchase_invoices(plan, supplier_names, commit=commit, log=log)
	# IMS Settings learn the GSTIN only now: submitting each invoice of a configured GSTIN queues a
	# reconciliation, which is pointless before anything is downloaded
	url, process = ensure_sandbox(sandbox_url, port, log=log)
	created["settings_rows"] = configure_settings(url)
	if commit:
		frappe.db.commit()  # nosemgrep: a bench command
	created["sandbox_records"] = seed_sandbox(url, plan)
	return {
		"created": created,
		"company": DEMO_COMPANY,
		"company_gstin": demo_gstin(),
		"period": str(plan.period),
		"purchase_invoices": frappe.db.count("Purchase Invoice", {"company": DEMO_COMPANY, "docstatus": 1}),
		"suppliers": len(supplier_names),
		"sandbox_url": url,
		"sandbox_pid": process,
		"page_url": get_url(PAGE_ROUTE),
	}


def remove_demo(
	*, sandbox_url: str | None = None, port: int = SANDBOX_PORT, commit: bool = True, log: Log = quiet
) -> dict:
	"""Take the demo away: its Purchase Invoices (cancelled, then deleted), the demo GSTIN's
	inward supplies with their action log and upload requests, the suppliers, the IMS Settings
	rows, the item, the sandbox's records of the demo GSTIN and, when ERPNext allows it, the
	company. Answers what was removed."""
	removed: dict[str, int] = {}
	removed["purchase_invoices"] = remove_purchase_invoices(commit=commit, log=log)
	removed["inward_supplies"] = remove_inward_supplies()
	removed["settings_rows"] = remove_settings_rows()
	if commit:
		frappe.db.commit()  # nosemgrep: a bench command
	removed["suppliers"] = delete_all("Supplier", demo_supplier_names())
	removed["item"] = delete_all("Item", [DEMO_ITEM] if frappe.db.exists("Item", DEMO_ITEM) else [])
	removed["company"] = remove_company()
	forget_gstn_session()
	frappe.cache.delete_value(COUNTS_KEY.format(demo_gstin()))
	if commit:
		frappe.db.commit()  # nosemgrep: a bench command
	removed["sandbox_records"] = remove_sandbox_records(
		(sandbox_url or f"http://127.0.0.1:{port}").rstrip("/")
	)
	return removed


def forget_gstn_session() -> None:
	"""Log the demo GSTIN out of GSTN (Redis and the encrypted copy): the next download asks for
	the OTP again (scripts/check_demo.sh walks that prompt)."""
	from ims_compliance.services.connection import CacheSessionStore

	CacheSessionStore(demo_gstin()).save({})


def describe(result: dict) -> list[str]:
	"""What the command prints after a run: what to open, the OTP, where the data lives."""
	created = result["created"]
	made = ", ".join(f"{key.replace('_', ' ')} {n}" for key, n in created.items() if n) or _(
		"nothing (all there)"
	)
	lines = [
		_("IMS demo ready for {0} ({1}), Purchase Invoices of {2}.").format(
			result["company"], result["company_gstin"], ReturnPeriod.parse(result["period"]).label
		),
		_("  created now: {0}").format(made),
		_("  {0} submitted Purchase Invoices from {1} suppliers; the GSTN sandbox on {2}").format(
			result["purchase_invoices"], result["suppliers"], result["sandbox_url"]
		),
		_("  this site's demo GSTIN is {0} (from the site name: other sites' demos have their own)").format(
			result["company_gstin"]
		),
		"",
		_("Open {0} (with bench start running: the download is a background job;").format(result["page_url"]),
		_("  that is the bench's webserver_port: with bench serve --port N, use port N),"),
		_("use GSTN > Download from GSTN for {0} and enter the sandbox OTP {1};").format(
			result["company_gstin"], SANDBOX_OTP
		),
		_("the records are reconciled after the download (IMS Settings > Reconcile after download).")
		if frappe.db.get_single_value("IMS Settings", "reconcile_after_download")
		else _("then Reconcile (IMS Settings does not reconcile after a download)."),
		_("Later, let a supplier edit its unfiled invoice: bench --site {0} ims-demo --supplier-edit").format(
			frappe.local.site
		),
		_("Remove the demo: bench --site {0} ims-demo --remove").format(frappe.local.site),
	]
	if result.get("sandbox_pid"):
		lines.append(
			_("The sandbox runs as process {0}: stop it with kill {0}.").format(result["sandbox_pid"])
		)
	return lines
