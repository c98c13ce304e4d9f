# Copyright (c) 2026, ims_compliance developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.gstin import check_gstin
from ims_compliance.core.periods import ReturnPeriod


class IMSSettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from ims_compliance.ims_compliance.doctype.ims_company_gstin.ims_company_gstin import IMSCompanyGSTIN
		from ims_compliance.ims_compliance.doctype.ims_tax_account.ims_tax_account import IMSTaxAccount

		amount_tolerance: DF.Currency
		apply_recommendations_after_reconcile: DF.Check
		auth_api_version: DF.Data | None
		base_url: DF.Data | None
		company_gstins: DF.Table[IMSCompanyGSTIN]
		connection_mode: DF.Literal["Sandbox", "GSP API", "Offline File"]
		date_tolerance_days: DF.Int
		fallback_ip_usr: DF.Data | None
		gsp_asp_id: DF.Data | None
		gsp_asp_private_key: DF.Password | None
		gsp_asp_secret: DF.Password | None
		gsp_client_id: DF.Data | None
		gsp_client_secret: DF.Password | None
		gsp_cust_id: DF.Data | None
		gsp_profile: DF.Literal["GSTN (clientid / client-secret)", "TaxPro (charteredinfo)", "Vayana"]
		gstn_public_key: DF.LongText | None
		gstr2b_api_version: DF.Data | None
		ims_api_version: DF.Data | None
		max_calls_per_job: DF.Int
		recommend_exact_match: DF.Literal["No Action", "Accepted", "Rejected", "Pending"]
		recommend_manual_match: DF.Literal["No Action", "Accepted", "Rejected", "Pending"]
		recommend_mismatch: DF.Literal["No Action", "Accepted", "Rejected", "Pending"]
		recommend_missing_in_pi: DF.Literal["No Action", "Accepted", "Rejected", "Pending"]
		recommend_not_filed: DF.Literal["No Action", "Accepted", "Rejected", "Pending"]
		recommend_suggested_match: DF.Literal["No Action", "Accepted", "Rejected", "Pending"]
		recompute_2b_after_upload: DF.Check
		reconcile_after_download: DF.Check
		request_timeout: DF.Int
		tax_accounts: DF.Table[IMSTaxAccount]

	# end: auto-generated types
	def validate(self):
		self.validate_company_gstins()
		self.validate_tax_accounts()

	def validate_company_gstins(self):
		seen = set()
		for row in self.company_gstins:
			try:
				row.gstin = check_gstin(row.gstin, field="gstin").gstin
				if row.gstr3b_filed_upto:
					row.gstr3b_filed_upto = str(
						ReturnPeriod.parse(row.gstr3b_filed_upto, field="gstr3b_filed_upto")
					)
			except IMSValidationError as exc:
				frappe.throw(
					_("Company GSTINs, row {0}: {1}").format(row.idx, exc.message), title=_("Invalid GSTIN")
				)
			if row.gstin in seen:
				frappe.throw(
					_("Company GSTINs, row {0}: GSTIN {1} is listed twice").format(row.idx, row.gstin),
					title=_("Duplicate GSTIN"),
				)
			seen.add(row.gstin)

	def validate_tax_accounts(self):
		seen = set()
		for row in self.tax_accounts:
			account_company = frappe.db.get_value("Account", row.account, "company")
			if account_company and account_company != row.company:
				frappe.throw(
					_("Tax Accounts, row {0}: account {1} belongs to {2}, not {3}").format(
						row.idx, row.account, account_company, row.company
					),
					title=_("Wrong Company"),
				)
			if (row.company, row.account) in seen:
				frappe.throw(
					_("Tax Accounts, row {0}: account {1} is mapped twice").format(row.idx, row.account),
					title=_("Duplicate Account"),
				)
			seen.add((row.company, row.account))


def get_company_gstins(company: str | None = None) -> list[dict]:
	"""The configured company GSTINs (optionally of one company), for services and the page."""
	filters = {"parent": "IMS Settings", "parenttype": "IMS Settings"}
	if company:
		filters["company"] = company
	return frappe.get_all(
		"IMS Company GSTIN",
		filters=filters,
		fields=[
			"company",
			"gstin",
			"gstn_username",
			"auto_download",
			"download_time",
			"is_qrmp",
			"gstr3b_filed_upto",
			"last_auto_download_on",
			"name",
		],
		order_by="idx",
	)
