"""The purchase side of reconciliation: Purchase Invoices (and Bills of Entry) of a window as the
engine's purchase frame, read set-based.

Taxable value = the net amount of the lines that bear GST (issue 15: nil-rated, exempt and
non-GST lines left out; the bill's net total is kept beside it for the detail dialog);
IGST/CGST/SGST/cess = the Purchase Taxes and Charges rows on the accounts mapped in IMS Settings
(base currency, absolute values so that return invoices compare with credit notes, which GSTN
reports positive). See `read_purchases` for debit notes and Bills of Entry."""

from __future__ import annotations

import frappe
from frappe.query_builder.functions import Coalesce
from frappe.utils import getdate

from ims_compliance.core.matching import generate
from ims_compliance.services.frames import batches, read_frame

HEADS = {"IGST": "igst", "CGST": "cgst", "SGST": "sgst", "Cess": "cess"}


#: Flags that mark a Purchase Invoice as the supplier's debit note, first found wins: a core or
#: India Compliance field of that name if one ever exists, else ours (constants/custom_fields.py).
DEBIT_NOTE_FIELDS = ("is_debit_note", "ims_is_debit_note")


#: The engine's purchase columns (the same list its generator builds) and what the services add:
#: the Bill of Entry port and the bill's net total shown beside the GST-line taxable value.
PURCHASE_COLUMNS = [*generate.PURCHASE_COLUMNS, "port_code", "net_total"]


def debit_note_field() -> str | None:
	meta = frappe.get_meta("Purchase Invoice")
	return next((f for f in DEBIT_NOTE_FIELDS if meta.has_field(f)), None)


def _in_window(query, pi, supplier, company_gstin: str, from_date, to_date, meta):
	"""The window's submitted bills of this company GSTIN. `supplier`: join the Supplier (only the
	bills' own read needs it, for the GSTIN fallback; a join the select does not use made MariaDB
	scan and sort more)."""
	if supplier is not None:
		query = query.left_join(supplier).on(supplier.name == pi.supplier)
	query = (
		query.where(pi.docstatus == 1)
		.where(pi.company_gstin == company_gstin)
		.where(Coalesce(pi.bill_date, pi.posting_date)[getdate(from_date) : getdate(to_date)])
	)
	if meta.has_field("is_reverse_charge"):
		query = query.where(pi.is_reverse_charge == 0)
	return query


#: What a Purchase Invoice shows of its record today; read with the bills so that the write-back
#: touches only the bills whose link, status or action changes.
BILL_LINK_COLUMNS = ("ims_inward_supply", "ims_match_status", "ims_action")


def read_purchases(company_gstin: str, from_date, to_date, *, with_links: bool = False):
	"""Submitted Purchase Invoices of this company GSTIN with a bill date in the window, in the
	engine's purchase shape, read set-based (one query per table, never per document):
	- taxable value: the lines that bear GST (nil-rated, exempt and non-GST lines left out, see
	core.matching.purchase_lines); `net_total` keeps the bill's net total beside it;
	- document type: a return is a "Credit Note", a bill marked as the supplier's debit note a
	"Debit Note", an import bill carrying a Bill of Entry number a "Bill of Entry" (its number,
	date and port are what IMS shows); with India Compliance installed, its submitted Bills of
	Entry stand in for their Purchase Invoices instead;
	- taxes: the Purchase Taxes and Charges rows on the accounts mapped in IMS Settings.
	with_links adds BILL_LINK_COLUMNS (None for India Compliance's Bills of Entry)."""
	import pandas as pd

	meta = frappe.get_meta("Purchase Invoice")
	pi = frappe.qb.DocType("Purchase Invoice")
	supplier = frappe.qb.DocType("Supplier")
	fields = [
		pi.name,
		Coalesce(pi.supplier_gstin, supplier.tax_id).as_("supplier_gstin"),
		pi.company_gstin,
		pi.is_return,
		pi.bill_no,
		pi.bill_date,
		pi.posting_date,
		pi.base_net_total.as_("net_total"),
	]
	if meta.has_field("place_of_supply"):  # India Compliance's field, when installed
		fields.append(pi.place_of_supply)
	dn_field = debit_note_field()
	if dn_field:
		fields.append(getattr(pi, dn_field).as_("is_debit_note"))
	has_boe = meta.has_field("ims_bill_of_entry_no")
	if has_boe:
		fields += [pi.ims_bill_of_entry_no, pi.ims_bill_of_entry_date, pi.ims_port_code]
	if with_links:
		fields += [pi[c] for c in BILL_LINK_COLUMNS]
	query = _in_window(frappe.qb.from_(pi), pi, supplier, company_gstin, from_date, to_date, meta).select(
		*fields
	)
	# streamed into typed columns: a dict per bill cost ~1 KB at 100k, a list of tuples ~100 MB
	frame = read_frame(
		query,
		_names(fields),
		dates=("bill_date", "posting_date", "ims_bill_of_entry_date"),
		ints=("is_return", "is_debit_note"),
		floats=("net_total",),
	)
	if frame.empty:
		frame = pd.DataFrame(columns=PURCHASE_COLUMNS)
	else:
		frame = _purchase_frame(frame, has_boe=has_boe)
		accounts = tax_accounts(company_gstin)
		taxes = _tax_amounts(accounts, frame["name"].tolist(), company_gstin, from_date, to_date, meta)
		gst_charged = set(frame["name"].to_numpy()[(taxes != 0).any(axis=1)].tolist())
		gst_taxable = _gst_line_taxable(company_gstin, from_date, to_date, meta, set(accounts), gst_charged)
		frame["taxable_value"] = [
			gst_taxable.get(name, net) for name, net in zip(frame["name"], frame["net_total"], strict=True)
		]
		for position, head in enumerate(HEADS.values()):
			frame[head] = taxes[:, position]
	bills_of_entry = _ic_bills_of_entry(company_gstin, from_date, to_date)
	if bills_of_entry is not None and len(bills_of_entry):
		frame = frame[~frame["name"].isin(set(bills_of_entry["name"]))]
		frame = pd.concat([frame, bills_of_entry], ignore_index=True) if len(frame) else bills_of_entry
	columns = PURCHASE_COLUMNS + list(BILL_LINK_COLUMNS) * with_links
	frame = frame.reindex(columns=columns)
	return frame.reset_index(drop=True)


def _names(fields) -> list[str]:
	"""Column names of selected query-builder terms (their alias, else the field's name)."""
	return [term.alias or term.name for term in fields]


def _purchase_frame(frame, *, has_boe: bool):
	import numpy as np
	import pandas as pd

	# shared constants in an object column (np.where made a new Python string per bill)
	document_type = np.full(len(frame), "Invoice", dtype=object)
	document_type[frame["is_return"].astype(bool).to_numpy()] = "Credit Note"
	frame["document_type"] = pd.Series(document_type, index=frame.index, dtype=object)
	if "is_debit_note" in frame:
		is_dn = frame["is_debit_note"].fillna(0).astype(bool) & ~frame["is_return"].astype(bool)
		frame.loc[is_dn, "document_type"] = "Debit Note"
	frame["bill_no"] = frame["bill_no"].fillna("")
	frame["bill_date"] = pd.to_datetime(frame["bill_date"].fillna(frame["posting_date"]))
	frame["port_code"] = None
	if has_boe:
		is_boe = frame["ims_bill_of_entry_no"].fillna("").astype(str).str.strip().ne("")
		if is_boe.any():
			frame.loc[is_boe, "document_type"] = "Bill of Entry"
			frame.loc[is_boe, "bill_no"] = frame.loc[is_boe, "ims_bill_of_entry_no"].astype(str).str.strip()
			boe_dates = pd.to_datetime(frame.loc[is_boe, "ims_bill_of_entry_date"])
			frame.loc[is_boe, "bill_date"] = boe_dates.fillna(frame.loc[is_boe, "bill_date"])
			frame.loc[is_boe, "port_code"] = frame.loc[is_boe, "ims_port_code"]
	if "place_of_supply" not in frame:
		frame["place_of_supply"] = None
	else:
		# "27-Maharashtra" -> "27"; a bill without one stays unknown (a missing value read as text
		# once became "na", a place of supply that differed from every record's)
		frame["place_of_supply"] = pd.Series(
			[p[:2] if isinstance(p, str) and p else None for p in frame["place_of_supply"].tolist()],
			index=frame.index,
			dtype=object,
		)
	frame["reverse_charge"] = False
	frame["net_total"] = frame["net_total"].astype(float).abs()
	return frame


def _gst_line_taxable(
	company_gstin: str, from_date, to_date, meta, gst_accounts: set[str], gst_charged: set[str] = frozenset()
) -> dict[str, float]:
	"""Per Purchase Invoice: the net amount of its lines that bear GST, from one query over
	Purchase Invoice Item joined to the same window (India Compliance's `gst_treatment` column is
	read when it exists)."""

	from ims_compliance.core.matching.purchase_lines import gst_taxable_values, zero_rated_templates

	pi = frappe.qb.DocType("Purchase Invoice")
	item = frappe.qb.DocType("Purchase Invoice Item")
	fields = [item.parent, item.base_net_amount, item.item_tax_rate, item.item_tax_template]
	if frappe.get_meta("Purchase Invoice Item").has_field("gst_treatment"):
		fields.append(item.gst_treatment)
	query = frappe.qb.from_(item).join(pi).on(pi.name == item.parent).select(*fields)
	query = _in_window(query, pi, None, company_gstin, from_date, to_date, meta)
	query = query.where(item.parenttype == "Purchase Invoice")
	lines = read_frame(query, _names(fields), floats=("base_net_amount",))
	if lines.empty:
		return {}
	templates = sorted({t for t in lines["item_tax_template"].dropna().tolist() if t})
	zero: set[str] = set()
	if templates:
		rates = frappe.get_all(
			"Item Tax Template Detail",
			filters={"parent": ("in", templates), "parenttype": "Item Tax Template"},
			fields=["parent", "tax_type", "tax_rate"],
			as_list=True,
		)
		treatments = {}
		if frappe.get_meta("Item Tax Template").has_field("gst_treatment"):  # India Compliance
			treatments = dict(
				frappe.get_all(
					"Item Tax Template",
					filters={"name": ("in", templates)},
					fields=["name", "gst_treatment"],
					as_list=True,
				)
			)
		zero = zero_rated_templates(rates, gst_accounts, treatments)
	return gst_taxable_values(lines, gst_accounts=gst_accounts, zero_templates=zero, gst_charged=gst_charged)


def _ic_bills_of_entry(company_gstin: str, from_date, to_date):
	"""India Compliance's submitted Bills of Entry of this company GSTIN, in the purchase shape,
	named by their Purchase Invoice (the record links to a Purchase Invoice). None without IC."""
	import pandas as pd

	if not frappe.db.exists("DocType", "Bill of Entry") or not frappe.get_meta("Bill of Entry").has_field(
		"bill_of_entry_no"
	):
		return None
	rows = frappe.get_all(
		"Bill of Entry",
		filters={
			"docstatus": 1,
			"company_gstin": company_gstin,
			"bill_of_entry_date": ("between", [getdate(from_date), getdate(to_date)]),
		},
		fields=[
			"purchase_invoice as name",
			"bill_of_entry_no as bill_no",
			"bill_of_entry_date as bill_date",
			"port_code",
			"total_taxable_value as taxable_value",
			"total_taxes as igst",
		],
		order_by="name",
		limit_page_length=0,
	)
	if not rows:
		return None
	frame = pd.DataFrame.from_records(rows).drop_duplicates("name")
	frame["bill_date"] = pd.to_datetime(frame["bill_date"])
	frame = frame.assign(
		supplier_gstin=None,
		company_gstin=company_gstin,
		document_type="Bill of Entry",
		place_of_supply=None,
		reverse_charge=False,
		cgst=0.0,
		sgst=0.0,
		cess=0.0,  # India Compliance's total_taxes holds IGST and cess together
		net_total=frame["taxable_value"],
	)
	return frame


def read_other_purchases(company_gstin: str, pans: list[str], from_date, to_date):
	"""Purchase Invoices in the window booked under another company GSTIN (or none) whose supplier
	PAN is one of `pans`: never linked, only named as hints on records left Missing in PI."""
	import pandas as pd

	if not pans:
		return None
	dn_field = debit_note_field()
	dn = f"pi.`{dn_field}`" if dn_field else "0"
	rows = []
	for start in range(0, len(pans), 5000):
		rows += frappe.db.sql(
			f"""
			select pi.name, coalesce(pi.supplier_gstin, s.tax_id) as supplier_gstin, pi.company_gstin,
				pi.is_return, {dn} as is_debit_note, pi.bill_no,
				coalesce(pi.bill_date, pi.posting_date) as bill_date, pi.posting_date, 0 as net_total
			from `tabPurchase Invoice` pi left join `tabSupplier` s on s.name = pi.supplier
			where pi.docstatus = 1 and coalesce(pi.company_gstin, '') != %(gstin)s
				and ifnull(pi.bill_no, '') != ''
				and coalesce(pi.bill_date, pi.posting_date) between %(from_date)s and %(to_date)s
				and substring(coalesce(pi.supplier_gstin, s.tax_id), 3, 10) in %(pans)s
			""",
			{
				"gstin": company_gstin,
				"from_date": getdate(from_date),
				"to_date": getdate(to_date),
				"pans": tuple(pans[start : start + 5000]),
			},
			as_dict=True,
		)
	if not rows:
		return None
	frame = _purchase_frame(pd.DataFrame.from_records(rows), has_boe=False)
	for column in ("taxable_value", *HEADS.values()):
		frame[column] = 0.0
	return frame[PURCHASE_COLUMNS]


def tax_accounts(company_gstin: str) -> dict[str, str]:
	"""Account -> tax head (IGST, CGST, SGST, Cess) mapped in IMS Settings for this GSTIN's company."""
	company = frappe.db.get_value(
		"IMS Company GSTIN", {"gstin": company_gstin, "parent": "IMS Settings"}, "company"
	)
	return dict(
		frappe.get_all(
			"IMS Tax Account",
			filters={"parent": "IMS Settings", "company": company},
			fields=["account", "tax_head"],
			as_list=True,
		)
	)


def _tax_amounts(mapping: dict[str, str], bills: list[str], company_gstin: str, from_date, to_date, meta):
	"""Per bill of `bills` (the window's, in order) and tax head (HEADS' order), the signed sum of
	its Purchase Taxes and Charges on the mapped accounts, absolute, to the paisa: an array of
	len(bills) x 4, zeros where a bill has none. One query joined to the same window as the bills
	(no IN-list of 100k names); its rows are summed here, not by a GROUP BY, which made MariaDB
	sort every tax row in a temporary table (2.96 s against 0.88 s for the plain rows at 100k bills,
	issue 18), and summed as they stream in, so 200k tax rows never exist at once."""
	import numpy as np

	totals = np.zeros((len(bills), len(HEADS)))
	if not mapping:
		return totals
	tax = frappe.qb.DocType("Purchase Taxes and Charges")
	pi = frappe.qb.DocType("Purchase Invoice")
	query = (
		frappe.qb.from_(tax)
		.join(pi)
		.on(pi.name == tax.parent)
		.select(
			tax.parent,
			tax.account_head,
			tax.add_deduct_tax,
			tax.base_tax_amount_after_discount_amount.as_("amount"),
		)
		.where(tax.parenttype == "Purchase Invoice")
		.where(tax.account_head.isin(list(mapping)))
	)
	position = {bill: i for i, bill in enumerate(bills)}
	head_of = {account: list(HEADS.values()).index(HEADS[head]) for account, head in mapping.items()}
	for batch in batches(_in_window(query, pi, None, company_gstin, from_date, to_date, meta)):
		rows = [position.get(parent, -1) for parent, *_rest in batch]
		heads = [head_of[account] for _parent, account, *_rest in batch]
		amounts = np.array([amount for *_rest, amount in batch], dtype=float)
		amounts[np.isnan(amounts)] = 0.0
		signs = np.array([-1.0 if how == "Deduct" else 1.0 for _p, _a, how, _amount in batch])
		rows, heads = np.array(rows, dtype=np.int64), np.array(heads, dtype=np.int64)
		known = rows >= 0
		np.add.at(totals, (rows[known], heads[known]), (amounts * signs)[known])
	return np.abs(np.round(totals, 2))
