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

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable

import requests

import frappe
from frappe import _
from frappe.database.database import savepoint
from frappe.utils import add_days, add_years, get_bench_path, get_url, getdate

from ims_compliance import ic
from ims_compliance.core.demo_data import (
	DemoPlan,
	build_plan,
	demo_company_gstin,
	demo_suppliers,
	supplier_edit,
)
from ims_compliance.core.periods import ReturnPeriod
from ims_compliance.core.sections import DOWNLOAD_SECTIONS, SECTIONS
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.gstn.sandbox import SANDBOX_OTP
from ims_compliance.gstn.sandbox.state import document_key
from ims_compliance.services.download import COUNTS_KEY

DEMO_COMPANY = "IMS Demo Company"
DEMO_ABBR = "IMSD"
DEMO_USERNAME = "imsdemo"
DEMO_ITEM = "IMS Demo Service"
TAX_ACCOUNTS = {
	"IGST": "Input Tax IGST",
	"CGST": "Input Tax CGST",
	"SGST": "Input Tax SGST",
	"Cess": "Input Tax Cess",
}
CHART_OF_ACCOUNTS = "India - Chart of Accounts"  # ERPNext's verified Indian chart
SANDBOX_PORT = 8765
DEMO_DOWNLOAD_TIME = "07:00:00"  # auto-download (when switched on): before the working day
PAGE_ROUTE = "/app/gst-invoice-management-system"
_BATCH = 50  # Purchase Invoices per commit: an interrupted run keeps what it made

Log = Callable[[str], None]


def _quiet(message: str) -> None:
	pass


def demo_gstin() -> str:
	"""This site's demo company GSTIN (Maharashtra), derived from the site name: every site of a
	bench has its own, so their records in the shared sandbox never mix."""
	return demo_company_gstin(frappe.local.site)


def sandbox_state_path(port: int = SANDBOX_PORT) -> str:
	"""The state file of the sandbox this bench runs on `port`: one per port (one process, one
	file), in the bench's sites folder. Sites sharing that sandbox keep their records apart by
	their own demo GSTIN."""
	return os.path.abspath(os.path.join(frappe.local.sites_path, f"ims-sandbox-{port}.json"))


def demo_plan(size: int = 300, suppliers: int = 40, today=None) -> DemoPlan:
	"""Last month's demo data for the demo company."""
	period = ReturnPeriod.of_date(getdate(today)).previous()
	return build_plan(demo_gstin(), period, size=size, suppliers=suppliers)


def setup_demo(
	*,
	size: int = 300,
	suppliers: int = 40,
	sandbox_url: str | None = None,
	port: int = SANDBOX_PORT,
	today=None,
	commit: bool = True,
	log: Log = _quiet,
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


# --- the site and the company -------------------------------------------------------------
def ensure_setup_complete(plan: DemoPlan, log: Log = _quiet) -> int:
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


def ensure_tax_accounts() -> int:
	"""Input IGST/CGST/SGST/cess accounts under Duties and Taxes, the heads IMS Settings maps."""
	parent = frappe.db.get_value(
		"Account", {"company": DEMO_COMPANY, "account_name": "Duties and Taxes", "is_group": 1}, "name"
	)
	made = 0
	for head, account_name in TAX_ACCOUNTS.items():
		if frappe.db.exists("Account", tax_account(head)):
			continue
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": account_name,
				"parent_account": parent,
				"company": DEMO_COMPANY,
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


# --- Purchase Invoices ---------------------------------------------------------------------
def ensure_purchase_invoices(
	plan: DemoPlan, supplier_names: dict[str, str], *, commit: bool = True, log: Log = _quiet
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
		if made % _BATCH == 0:
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


# --- IMS Settings and the sandbox ----------------------------------------------------------
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


def sandbox_answers(url: str) -> bool:
	"""True when the IMS sandbox serves `url` (its control API answers); False when nothing
	listens there. Something else listening is an error worth stopping for."""
	try:
		response = requests.post(f"{url}/sandbox/stats", json={}, timeout=5)
	except requests.ConnectionError:
		return False
	try:
		if response.json().get("ok"):
			return True
	except ValueError:
		pass
	frappe.throw(
		_("Something other than the IMS sandbox answers on {0}: choose another port with --port.").format(
			url
		),
		title=_("Port In Use"),
	)


def ensure_sandbox(
	sandbox_url: str | None, port: int = SANDBOX_PORT, log: Log = _quiet
) -> tuple[str, int | None]:
	"""The sandbox's URL, and the process id when this call started it: `python -m
	ims_compliance.gstn.sandbox` from the bench's Python, detached, its state in
	sites/ims-sandbox-<port>.json and its log in logs/ims-sandbox.log, so it outlives the command."""
	if sandbox_url:
		if not sandbox_answers(sandbox_url):
			frappe.throw(_("No IMS sandbox answers on {0}").format(sandbox_url), title=_("No Sandbox"))
		return sandbox_url.rstrip("/"), None
	url = f"http://127.0.0.1:{port}"
	if sandbox_answers(url):
		log(_("The GSTN sandbox already runs on {0}").format(url))
		return url, None
	with socket.socket() as probe:  # a port held by a process that answers nothing
		if probe.connect_ex(("127.0.0.1", port)) == 0:
			frappe.throw(
				_("Port {0} is in use: choose another with --port.").format(port), title=_("Port In Use")
			)
	state = sandbox_state_path(port)
	log_path = os.path.join(get_bench_path(), "logs", "ims-sandbox.log")
	os.makedirs(os.path.dirname(log_path), exist_ok=True)
	with open(log_path, "a") as output:
		process = subprocess.Popen(
			[sys.executable, "-m", "ims_compliance.gstn.sandbox", "--port", str(port), "--state", state],
			stdout=output,
			stderr=subprocess.STDOUT,
			stdin=subprocess.DEVNULL,
			start_new_session=True,  # not killed with the bench command's terminal
			cwd=frappe.local.sites_path,
		)
	deadline = time.monotonic() + 20
	while time.monotonic() < deadline:
		if process.poll() is not None:
			frappe.throw(
				_("The GSTN sandbox stopped at once (exit code {0}); see {1}").format(
					process.returncode, log_path
				),
				title=_("Sandbox Failed"),
			)
		if sandbox_answers(url):
			log(_("Started the GSTN sandbox on {0} (process {1}, state {2})").format(url, process.pid, state))
			return url, process.pid
		time.sleep(0.2)
	frappe.throw(_("The GSTN sandbox did not answer within 20 seconds; see {0}").format(log_path))


def seed_sandbox(url: str, plan: DemoPlan) -> int:
	"""Add the plan's IMS records the sandbox does not hold yet (by GSTN's document key), so a
	re-run neither duplicates them nor undoes actions or supplier edits made since."""
	missing: dict[str, list[dict]] = {}
	for code, records in plan.records.items():
		held = {document_key(code, r) for r in _sandbox_records(url, code)}
		todo = [r for r in records if document_key(code, r) not in held]
		if todo:
			missing[code] = todo
	if not missing:
		return 0
	return int(_control(url, "records", {"gstin": demo_gstin(), "records": missing}))


def _sandbox_records(url: str, code: str) -> list[dict]:
	response = requests.get(
		f"{url}/sandbox/records", params={"gstin": demo_gstin(), "section": code}, timeout=30
	)
	response.raise_for_status()
	return response.json()


def _control(url: str, name: str, body: dict):
	response = requests.post(f"{url}/sandbox/{name}", json=body, timeout=60)
	answer = response.json()
	if not answer.get("ok"):
		frappe.throw(_("The sandbox refused {0}: {1}").format(name, answer.get("error")), title=_("Sandbox"))
	return answer["result"]


def apply_supplier_edit(
	*,
	size: int = 300,
	suppliers: int = 40,
	sandbox_url: str | None = None,
	port: int = SANDBOX_PORT,
	today=None,
) -> dict:
	"""The supplier edits its unfiled demo invoice (R9): the next download marks the record
	"changed by supplier", voids any action on it, and reconciliation calls it a Mismatch.
	Setting the same values again changes nothing, so a second call is harmless."""
	plan = demo_plan(size, suppliers, today)
	url = (sandbox_url or f"http://127.0.0.1:{port}").rstrip("/")
	if not sandbox_answers(url):
		frappe.throw(
			_("No IMS sandbox answers on {0}: run ims-demo first.").format(url), title=_("No Sandbox")
		)
	edit = supplier_edit(plan)
	record = _control(url, "edit", edit)
	# GSTN's section counts do not move when a supplier edits a record nobody has acted on, so
	# the download, which skips sections whose counts did not change, would not look: forget
	# the counts it remembers and the next download reads every section
	frappe.cache.delete_value(COUNTS_KEY.format(demo_gstin()))
	return {"edit": edit, "record": record}


# --- removal -------------------------------------------------------------------------------
def remove_demo(
	*, sandbox_url: str | None = None, port: int = SANDBOX_PORT, commit: bool = True, log: Log = _quiet
) -> dict:
	"""Take the demo away: its Purchase Invoices (cancelled, then deleted), the demo GSTIN's
	inward supplies with their action log and upload requests, the suppliers, the IMS Settings
	rows, the item, the sandbox's records of the demo GSTIN and, when ERPNext allows it, the
	company. Answers what was removed."""
	removed: dict[str, int] = {}
	removed["purchase_invoices"] = _remove_purchase_invoices(commit=commit, log=log)
	removed["inward_supplies"] = _remove_inward_supplies()
	removed["settings_rows"] = _remove_settings_rows()
	if commit:
		frappe.db.commit()  # nosemgrep: a bench command
	removed["suppliers"] = _delete_all("Supplier", _demo_supplier_names())
	removed["item"] = _delete_all("Item", [DEMO_ITEM] if frappe.db.exists("Item", DEMO_ITEM) else [])
	removed["company"] = _remove_company()
	forget_gstn_session()
	frappe.cache.delete_value(COUNTS_KEY.format(demo_gstin()))
	if commit:
		frappe.db.commit()  # nosemgrep: a bench command
	removed["sandbox_records"] = _remove_sandbox_records(
		(sandbox_url or f"http://127.0.0.1:{port}").rstrip("/")
	)
	return removed


def forget_gstn_session() -> None:
	"""Log the demo GSTIN out of GSTN (Redis and the encrypted copy): the next download asks for
	the OTP again (scripts/check_demo.sh walks that prompt)."""
	from ims_compliance.services.connection import CacheSessionStore

	CacheSessionStore(demo_gstin()).save({})


def _remove_purchase_invoices(*, commit: bool, log: Log) -> int:
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
		if index % _BATCH == 0:
			if commit:
				frappe.db.commit()  # nosemgrep: a bench command, resumable
			log(_("{0} of {1} Purchase Invoices removed").format(index, len(rows)))
	return len(rows)


def _delete_ledger_rows(invoices: list[str]) -> None:
	for table in ("GL Entry", "Payment Ledger Entry"):
		frappe.db.delete(table, {"voucher_type": "Purchase Invoice", "voucher_no": ("in", invoices)})


def _remove_inward_supplies() -> int:
	names = frappe.get_all(supply_doctype(), filters={"company_gstin": demo_gstin()}, pluck="name")
	for start in range(0, len(names), 1000):
		chunk = names[start : start + 1000]
		frappe.db.delete("IMS Action Log", {"inward_supply": ("in", chunk)})
		frappe.db.delete(supply_doctype(), {"name": ("in", chunk)})
	frappe.db.delete("IMS Upload Request", {"company_gstin": demo_gstin()})
	return len(names)


def _remove_settings_rows() -> int:
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


def _demo_supplier_names() -> list[str]:
	gstins = [s.gstin for s in demo_suppliers()]
	return frappe.get_all("Supplier", filters={"tax_id": ("in", gstins)}, pluck="name")


def _delete_all(doctype: str, names: list[str]) -> int:
	"""Delete what can be deleted; a record another document still links to stays."""
	for name in names:
		with savepoint(catch=frappe.LinkExistsError):
			frappe.delete_doc(doctype, name, ignore_permissions=True)
	return sum(1 for name in names if not frappe.db.exists(doctype, name))


def _remove_company() -> int:
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


def _remove_sandbox_records(url: str) -> int:
	"""The demo GSTIN's records, one by one through the sandbox's `remove` control (the sandbox
	may serve other GSTINs, so `clear` is not an option). Nothing when no sandbox answers."""
	try:
		if not sandbox_answers(url):
			return 0
	except frappe.ValidationError:
		return 0
	removed = 0
	for code in DOWNLOAD_SECTIONS:
		sec = SECTIONS[code]
		for record in _sandbox_records(url, code):
			_control(
				url,
				"remove",
				{
					"gstin": demo_gstin(),
					"section": code,
					"stin": record["stin"],
					"number": record[sec.number_key],
					"date": record[sec.date_key],
				},
			)
			removed += 1
	return removed


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
