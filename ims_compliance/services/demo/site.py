"""What the demo is: its names, this site's demo GSTIN, the sandbox's state file, the plan of last
month's data. Shared by the rest of the demo package."""

from __future__ import annotations

import os
from collections.abc import Callable

import frappe
from frappe.utils import getdate

from ims_compliance.core.demo_data import (
	DemoPlan,
	build_plan,
	demo_company_gstin,
)
from ims_compliance.core.periods import ReturnPeriod

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


BATCH = 50  # Purchase Invoices per commit: an interrupted run keeps what it made


Log = Callable[[str], None]


def quiet(message: str) -> None:
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
