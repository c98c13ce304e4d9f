"""Shared by the security tests (test_security_*.py).

Every write goes through the rules (issue 14): each bypass the issue found is tried again, as
an Accounts User, as a System Manager and as a user restricted to one Company, through real HTTP
(Frappe's in-process WSGI test client, token auth) and through the `frappe.client` / desk
functions REST and the desk call. Each must be refused with NOTHING changed: the row's values,
its IMS Action Log, its upload state, and what the next upload would send.

Fixtures (a second company with its own GSTIN, the restricted user, two records) are committed
once, because the HTTP requests run on their own database connection."""

from __future__ import annotations

import frappe
from frappe.tests.test_api import make_request
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_test_client

from ims_compliance.core.gstin import make_gstin
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.tests.factories import make_inward_supply
from ims_compliance.tests.fixtures import ACCOUNTS_USER, SUPPLIER_GSTINS, TEST_COMPANY

OTHER_COMPANY = "IMS Other Company"
OTHER_GSTIN = make_gstin("24", "AAACO5678K")
RESTRICTED_USER = "ims.company.a.only@example.com"
ALPHA = SUPPLIER_GSTINS["IMS Supplier Alpha"]


def make_other_company() -> None:
	if not frappe.db.exists("Company", OTHER_COMPANY):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": OTHER_COMPANY,
				"abbr": "IMSOC",
				"default_currency": "INR",
				"country": "India",
				"chart_of_accounts": "Standard",
				"tax_id": OTHER_GSTIN,
			}
		).insert(ignore_permissions=True)
	settings = frappe.get_single("IMS Settings")
	if OTHER_GSTIN not in {row.gstin for row in settings.company_gstins}:
		settings.append(
			"company_gstins", {"company": OTHER_COMPANY, "gstin": OTHER_GSTIN, "gstn_username": "other"}
		)
		settings.save(ignore_permissions=True)


def make_user(email: str, roles: list[str]) -> dict:
	"""The user with the roles, and an API key/secret for token-authenticated HTTP calls."""
	if not frappe.db.exists("User", email):
		user = frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		)
		user.insert(ignore_permissions=True)
		user.add_roles(*roles)
	user = frappe.get_doc("User", email)
	secret = frappe.generate_hash(length=15)
	user.api_key = user.api_key or frappe.generate_hash(length=15)
	user.api_secret = secret
	user.save(ignore_permissions=True)
	return {"Authorization": f"token {user.api_key}:{secret}"}


def restrict_to_company(email: str, company: str) -> None:
	if not frappe.db.exists("User Permission", {"user": email, "allow": "Company", "for_value": company}):
		frappe.get_doc(
			{
				"doctype": "User Permission",
				"user": email,
				"allow": "Company",
				"for_value": company,
				"apply_to_all_doctypes": 1,
			}
		).insert(ignore_permissions=True)


def snapshot(name: str) -> dict:
	"""Everything that must not move: the row, its log, and what the next upload would send."""
	row = frappe.db.get_value(supply_doctype(), name, "*", as_dict=True)
	row.pop("modified", None)
	gstin = row.company_gstin
	return {
		"row": row,
		"log": frappe.db.count("IMS Action Log", {"inward_supply": name}),
		"pending": frappe.db.count(
			supply_doctype(), {"company_gstin": gstin, "upload_state": ("in", ("Pending Upload", "Failed"))}
		),
		"upload_requests": frappe.db.count("IMS Upload Request"),
	}


class SecurityCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		make_other_company()
		cls.accounts_user = make_user(ACCOUNTS_USER, ["Accounts User"])
		cls.restricted_user = make_user(RESTRICTED_USER, ["Accounts User"])
		restrict_to_company(RESTRICTED_USER, TEST_COMPANY)
		cls.ours = make_inward_supply(document_number="SEC-A-" + frappe.generate_hash(length=5)).name
		cls.theirs = make_inward_supply(
			company=OTHER_COMPANY,
			company_gstin=OTHER_GSTIN,
			document_number="SEC-B-" + frappe.generate_hash(length=5),
			match_status="Exact Match",
		).name
		frappe.db.commit()  # nosemgrep: the HTTP requests read on their own connection
		cls.client = get_test_client()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		for name in (cls.ours, cls.theirs):
			frappe.db.delete("IMS Action Log", {"inward_supply": name})
			frappe.db.delete(supply_doctype(), {"name": name})
		frappe.db.commit()  # nosemgrep: remove the committed fixtures rows
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def http(self, verb: str, path: str, headers: dict, data=None):
		kwargs = {"headers": headers}
		if data is not None:
			kwargs["json"] = data
		response = make_request(target=getattr(self.client, verb), args=(path,), kwargs=kwargs)
		frappe.db.rollback()  # see what the request committed
		return response

	def assertRefusedUnchanged(self, name: str, attempt, *, exc=Exception):
		before = snapshot(name)
		with self.assertRaises(exc):
			attempt()
		frappe.set_user("Administrator")
		self.assertEqual(snapshot(name), before)
