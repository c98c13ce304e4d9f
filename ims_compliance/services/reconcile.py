"""Reconciliation glue (issue 5): read supplies and Purchase Invoices set-based, hand them to the
pure engine (`core.matching`), write the results back in bulk.

Purchase amounts: taxable value = the net amount of the lines that bear GST (issue 15: nil-rated,
exempt and non-GST lines left out; the bill's net total is kept beside it for the detail dialog);
IGST/CGST/SGST/cess = the Purchase Taxes and Charges rows on the accounts mapped in IMS Settings
(base currency, absolute values so that return invoices compare with credit notes, which GSTN
reports positive). See `read_purchases` for debit notes and Bills of Entry."""

from __future__ import annotations

import json
import time

import frappe
from frappe import _
from frappe.query_builder.functions import Coalesce, Sum
from frappe.utils import add_days, getdate

from ims_compliance.core.matching import generate
from ims_compliance.core.periods import ReturnPeriod, period_range
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.action_log import write_logs
from ims_compliance.services.ingest import update_rows

HEADS = {"IGST": "igst", "CGST": "cgst", "SGST": "sgst", "Cess": "cess"}
SUPPLY_COLUMNS = (
	"name",
	"supplier_gstin",
	"company_gstin",
	"document_type",
	"section",
	"document_number",
	"document_date",
	"original_number",
	"original_date",
	"place_of_supply",
	"port_code",
	"reverse_charge",
	"taxable_value",
	"igst",
	"cgst",
	"sgst",
	"cess",
	"supplier_filed",
	"match_status",
	"purchase_invoice",
)


def tolerances():
	from ims_compliance.core.matching import Tolerances

	values = frappe.db.get_singles_dict("IMS Settings")
	return Tolerances(
		amount=float(values.get("amount_tolerance") or 1.0), days=int(values.get("date_tolerance_days") or 10)
	)


#: What the last run wrote (and the user's action): read with the supplies so that the write-back
#: compares and writes only the rows whose result changed, and P2's revert needs no second query.
STORED_RESULT_COLUMNS = (
	"action",
	"gstn_action",
	"match_score",
	"match_reasons",
	"recommended_action",
	"needs_review",
	"recommendation_reason",
	"purchase_taxable_value",
	"purchase_total_tax",
	"purchase_net_total",
)


AMOUNT_COLUMNS = (
	"taxable_value",
	"igst",
	"cgst",
	"sgst",
	"cess",
	"match_score",
	"purchase_taxable_value",
	"purchase_total_tax",
	"purchase_net_total",
)
#: Columns whose values are (nearly) unique: never worth sharing.
UNIQUE_COLUMNS = frozenset(
	("name", "document_number", "original_number", "match_reasons", "purchase", "purchase_invoice", "bill_no")
)


def read_supplies(company_gstin: str, periods: list[str], *, with_stored: bool = False, chunk: int = 20000):
	"""The company GSTIN's live records of `periods` in the engine's supply shape (plus
	STORED_RESULT_COLUMNS when asked). Read in keyset chunks by name, as tuples, each chunk made
	compact before the next is read (amounts as floats, not Decimals; repeated strings shared):
	at 100k, dicts or Decimals per value held more than the whole job needs (issue 18)."""
	import pandas as pd

	table = frappe.qb.DocType(supply_doctype())
	columns = [*SUPPLY_COLUMNS, *(STORED_RESULT_COLUMNS if with_stored else ())]
	shared: dict = {}
	frames, last = [], ""
	while True:
		rows = (
			frappe.qb.from_(table)
			.select(*[table[c] for c in columns])
			.where(table.company_gstin == company_gstin)
			.where(table.supplier_period.isin(periods))
			.where(table.is_gone == 0)
			.where(table.name > last)
			.orderby(table.name)
			.limit(chunk)
		).run(as_list=True)
		if not rows:
			break
		last = rows[-1][0]
		frames.append(compact(pd.DataFrame.from_records(rows, columns=columns), shared))
		del rows
		if len(frames[-1]) < chunk:
			break
	frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
	del frames
	frame = frame.rename(columns={"purchase_invoice": "purchase"})
	for column in ("document_date", "original_date"):
		frame[column] = pd.to_datetime(frame[column])
	frame["reverse_charge"] = frame["reverse_charge"].astype(bool)
	frame["supplier_filed"] = frame["supplier_filed"].astype(bool)
	return frame


def compact(frame, shared: dict):
	"""Amount columns as floats; in other text columns, equal strings become one object (a
	GSTIN, a status or a section repeated 100k times is stored once). Missing values stay as
	they were; each column keeps its dtype."""
	import pandas as pd
	from pandas.api.types import is_string_dtype

	for column in frame.columns:
		if column in AMOUNT_COLUMNS or column in ("net_total", "base_net_amount"):
			frame[column] = frame[column].astype(float)
		elif column not in UNIQUE_COLUMNS and (
			frame[column].dtype == object or is_string_dtype(frame[column].dtype)
		):
			values = [v if v is None else shared.setdefault(v, v) for v in frame[column].tolist()]
			frame[column] = pd.Series(values, index=frame.index, dtype=frame[column].dtype)
	return frame


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
	query = (
		query.left_join(supplier)
		.on(supplier.name == pi.supplier)
		.where(pi.docstatus == 1)
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
	rows = _in_window(frappe.qb.from_(pi), pi, supplier, company_gstin, from_date, to_date, meta).select(
		*fields
	)
	rows = rows.run(as_list=True)  # tuples: a dict per bill costs ~1 KB at 100k
	if not rows:
		frame = pd.DataFrame(columns=PURCHASE_COLUMNS)
	else:
		frame = compact(pd.DataFrame.from_records(rows, columns=_names(fields)), {})
		del rows
		frame = _purchase_frame(frame, has_boe=has_boe)
		accounts = tax_accounts(company_gstin)
		taxes = _tax_amounts(accounts, company_gstin, from_date, to_date, meta)
		gst_charged = set(taxes.index[(taxes != 0).any(axis=1)]) if len(taxes) else set()
		gst_taxable = _gst_line_taxable(company_gstin, from_date, to_date, meta, set(accounts), gst_charged)
		frame["taxable_value"] = [
			gst_taxable.get(name, net) for name, net in zip(frame["name"], frame["net_total"], strict=True)
		]
		for head in HEADS.values():
			column = taxes[head] if head in taxes else None
			frame[head] = frame["name"].map(column).fillna(0.0).astype(float) if column is not None else 0.0
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

	frame["document_type"] = np.where(frame["is_return"].astype(bool), "Credit Note", "Invoice")
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
		frame["place_of_supply"] = frame["place_of_supply"].map(lambda p: str(p)[:2] if p else None)
	frame["reverse_charge"] = False
	frame["net_total"] = frame["net_total"].astype(float).abs()
	return frame


def _gst_line_taxable(
	company_gstin: str, from_date, to_date, meta, gst_accounts: set[str], gst_charged: set[str] = frozenset()
) -> dict[str, float]:
	"""Per Purchase Invoice: the net amount of its lines that bear GST, from one query over
	Purchase Invoice Item joined to the same window (India Compliance's `gst_treatment` column is
	read when it exists)."""
	import pandas as pd

	from ims_compliance.core.matching.purchase_lines import gst_taxable_values, zero_rated_templates

	pi = frappe.qb.DocType("Purchase Invoice")
	item = frappe.qb.DocType("Purchase Invoice Item")
	supplier = frappe.qb.DocType("Supplier")
	fields = [item.parent, item.base_net_amount, item.item_tax_rate, item.item_tax_template]
	if frappe.get_meta("Purchase Invoice Item").has_field("gst_treatment"):
		fields.append(item.gst_treatment)
	query = frappe.qb.from_(item).join(pi).on(pi.name == item.parent).select(*fields)
	query = _in_window(query, pi, supplier, company_gstin, from_date, to_date, meta)
	query = query.where(item.parenttype == "Purchase Invoice")
	lines = compact(pd.DataFrame.from_records(query.run(as_list=True), columns=_names(fields)), {})
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


def _tax_amounts(mapping: dict[str, str], company_gstin: str, from_date, to_date, meta):
	"""Per bill of the window and tax head, the signed sum of its Purchase Taxes and Charges on
	the mapped accounts, as a frame (index: bill, columns: heads, absolute, to the paisa). One
	query joined to the same window as the bills (no IN-list of 100k names)."""
	import numpy as np
	import pandas as pd

	if not mapping:
		return pd.DataFrame()
	tax = frappe.qb.DocType("Purchase Taxes and Charges")
	pi = frappe.qb.DocType("Purchase Invoice")
	supplier = frappe.qb.DocType("Supplier")
	query = (
		frappe.qb.from_(tax)
		.join(pi)
		.on(pi.name == tax.parent)
		.select(
			tax.parent,
			tax.account_head,
			tax.add_deduct_tax,
			Sum(tax.base_tax_amount_after_discount_amount).as_("amount"),
		)
		.where(tax.parenttype == "Purchase Invoice")
		.where(tax.account_head.isin(list(mapping)))
		.groupby(tax.parent, tax.account_head, tax.add_deduct_tax)
	)
	rows = _in_window(query, pi, supplier, company_gstin, from_date, to_date, meta).run(as_list=True)
	if not rows:
		return pd.DataFrame()
	taxes = pd.DataFrame.from_records(rows, columns=["parent", "account_head", "add_deduct_tax", "amount"])
	taxes["head"] = taxes["account_head"].map(lambda account: HEADS[mapping[account]])
	sign = np.where(taxes["add_deduct_tax"].to_numpy() == "Deduct", -1.0, 1.0)
	taxes["amount"] = taxes["amount"].astype(float).fillna(0.0) * sign
	totals = taxes.groupby(["parent", "head"])["amount"].sum().unstack("head", fill_value=0.0)
	return totals.round(2).abs()


def period_window(from_period: str, to_period: str, days: int) -> tuple[list[str], object, object]:
	start, end = ReturnPeriod.parse(from_period), ReturnPeriod.parse(to_period)
	periods = [str(p) for p in period_range(start, end)]
	return periods, add_days(start.first_day, -days - 31), add_days(end.last_day, days)


RESULT_COLUMNS = (
	"match_status",
	"purchase_invoice",
	"match_score",
	"match_reasons",
	"recommended_action",
	"needs_review",
	"recommendation_reason",
	"purchase_taxable_value",
	"purchase_total_tax",
	"purchase_net_total",
)


def write_results(company_gstin: str, supplies_result, purchases=None, stored=None, bills=None) -> int:
	"""Bulk write-back of what changed, in primary-key order (issue 18).

	`stored`: what the records hold now (read_supplies(with_stored=True), by name); `bills`: what
	the Purchase Invoices of the window show now (read_purchases(with_links=True)). Only records
	whose result differs from `stored`, and only bills whose link, status or action differs, are
	written, each side by UPDATEs joined to a derived table of values (services.ingest.update_rows),
	sorted by name. At 100k the tables no longer fit the server's buffer pool: rows written in the
	engine's order touched a random page each (the write grew ~20x for 10x the data), rows in key
	order share their pages. Returns how many records were written."""
	frame = supplies_result.reset_index() if "name" not in supplies_result.columns else supplies_result
	if frame.empty:
		return 0
	names = frame["name"].tolist()
	if stored is None:
		stored = _stored_state(names)
	stored = stored.reindex(names)
	links = [p if isinstance(p, str) and p else None for p in frame["purchase"].tolist()]
	amounts = _purchase_amounts([p for p in links if p], purchases)
	rows = [
		(
			name,
			status,
			purchase,
			round(float(score or 0), 6),
			json.dumps(reasons, default=str) if reasons else None,
			recommended or "",
			1 if review else 0,
			reason or "",
			*amounts.get(purchase, (0.0, 0.0, 0.0)),
		)
		for name, status, purchase, score, reasons, recommended, review, reason in zip(
			names,
			frame["match_status"].tolist(),
			links,
			frame["score"].tolist(),
			frame["reasons"].tolist(),
			frame["recommended_action"].tolist(),
			frame["needs_review"].tolist(),
			frame["recommendation_reason"].tolist()
			if "recommendation_reason" in frame
			else [""] * len(names),
			strict=True,
		)
	]
	old_links = [_text(p) for p in stored["purchase"].tolist()]
	actions = _revert_accepted_on_relink(names, links, old_links, stored)
	old = zip(
		*(stored[c].tolist() for c in ("match_status", "match_score", "match_reasons", "recommended_action")),
		*(stored[c].tolist() for c in ("needs_review", "recommendation_reason")),
		*(stored[c].tolist() for c in ("purchase_taxable_value", "purchase_total_tax", "purchase_net_total")),
		strict=True,
	)
	changed = [
		row
		for row, old_link, before in zip(rows, old_links, old, strict=True)
		if _result_key(row[1:]) != _result_key((before[0], old_link, *before[1:]))
	]
	changed.sort(key=lambda row: row[0])
	update_rows(supply_doctype(), [dict(zip(("name", *RESULT_COLUMNS), row, strict=True)) for row in changed])
	_write_bills(names, links, old_links, [r[1] for r in rows], actions, bills)
	return len(changed)


def _text(value) -> str | None:
	return value if isinstance(value, str) and value else None


def _result_key(values) -> tuple:
	"""A result row compared by what the columns store: amounts to the paisa, blanks as ""."""
	status, link, score, reasons, recommended, review, reason, *amounts = values
	return (
		status or "",
		_text(link),
		round(float(score or 0), 4),
		reasons if isinstance(reasons, str) else None,
		recommended or "",
		int(review or 0),
		reason or "",
		*(round(float(a or 0), 2) for a in amounts),
	)


def _stored_state(names: list[str]):
	"""STORED_RESULT_COLUMNS and the link of `names` (a caller that did not read them)."""
	import pandas as pd

	table = frappe.qb.DocType(supply_doctype())
	columns = ["name", "match_status", "purchase_invoice", *STORED_RESULT_COLUMNS]
	rows = []
	for start in range(0, len(names), 5000):
		rows += (
			frappe.qb.from_(table)
			.select(*[table[c] for c in columns])
			.where(table.name.isin(names[start : start + 5000]))
		).run(as_list=True)
	frame = pd.DataFrame.from_records(rows, columns=columns).rename(columns={"purchase_invoice": "purchase"})
	return frame.set_index("name")


def _write_bills(names, links, old_links, statuses, actions, bills) -> None:
	"""The Purchase Invoice side (what a bill shows of its record): set where a record links it,
	cleared where a record of this run used to link it or the bill points at one of this run's
	records that no longer links it. Bills already showing the right values are not written."""
	desired = {
		link: (name, status, action)
		for name, link, status, action in zip(names, links, statuses, actions, strict=True)
		if link
	}
	current = {}
	if bills is not None and len(bills) and "ims_inward_supply" in bills:
		current = {
			bill: (_text(supply), _text(status), _text(action))
			for bill, supply, status, action in zip(
				bills["name"].tolist(),
				*(bills[c].tolist() for c in BILL_LINK_COLUMNS),
				strict=True,
			)
		}
	scope = set(names)
	values = {bill: want for bill, want in desired.items() if current.get(bill) != want}
	blank = (None, None, None)
	for bill, (supply, *_rest) in current.items():
		if supply in scope and bill not in desired and current[bill] != blank:
			values[bill] = blank
	for bill in old_links:
		if bill and bill not in desired and bill not in current:
			values[bill] = blank  # outside the window: cleared as before, its state unknown
	update_rows(
		"Purchase Invoice",
		[
			dict(zip(("name", *BILL_LINK_COLUMNS), (bill, *values[bill]), strict=True))
			for bill in sorted(values)
		],
	)


def _revert_accepted_on_relink(names, links, old_links, stored) -> list[str | None]:
	"""P2 holds for automatic matching too: an Accepted record whose Purchase Invoice changes (a
	new link, another invoice, or none) goes back to No Action, logged as an automatic revert.
	Returns every record's action after it (what its bill shows)."""
	actions = [_text(a) for a in stored["action"].tolist()]
	gstn_actions = stored["gstn_action"].tolist()
	moved = [
		i
		for i, (action, new, old) in enumerate(zip(actions, links, old_links, strict=True))
		if action == "Accepted" and new != old
	]
	if not moved:
		return actions
	table = frappe.qb.DocType(supply_doctype())
	for gstn_action_is_none, upload_state in ((True, ""), (False, "Pending Upload")):
		chosen = [names[i] for i in moved if (gstn_actions[i] == "No Action") == gstn_action_is_none]
		for start in range(0, len(chosen), 1000):
			(
				frappe.qb.update(table)
				.set(table.action, "No Action")
				.set(table.upload_state, upload_state)
				.set(table.itc_reduction_required, "")
				.where(table.name.isin(chosen[start : start + 1000]))
			).run()
	write_logs(
		[
			{
				"inward_supply": names[i],
				"from_action": "Accepted",
				"to_action": "No Action",
				"remarks": _("Matched Purchase Invoice changed from {0} to {1} (P2)").format(
					old_links[i] or "-", links[i] or "-"
				),
			}
			for i in moved
		],
		source="Automatic Revert",
	)
	for i in moved:
		actions[i] = "No Action"
	return actions


def _purchase_amounts(names: list[str], purchases=None) -> dict[str, tuple[float, float, float]]:
	"""Linked purchase -> (taxable value of its GST lines, total tax, net total). From the frame
	the engine read when it has the purchase (a manual link may point outside the window)."""
	amounts = {}
	known = set()
	if purchases is not None and len(purchases):
		for name, taxable, net, *heads in zip(
			purchases["name"].tolist(),
			purchases["taxable_value"].tolist(),
			purchases["net_total"].tolist(),
			*(purchases[h].tolist() for h in HEADS.values()),
			strict=True,
		):
			amounts[name] = (
				float(taxable or 0),
				round(sum(float(h or 0) for h in heads), 2),
				float(net or 0),
			)
		known = set(amounts)
	rest = [n for n in names if n not in known]
	for start in range(0, len(rest), 10000):
		for row in frappe.get_all(
			"Purchase Invoice",
			filters={"name": ("in", rest[start : start + 10000])},
			fields=["name", "base_net_total", "base_total_taxes_and_charges"],
		):
			net = abs(row.base_net_total or 0)
			amounts[row.name] = (net, abs(row.base_total_taxes_and_charges or 0), net)
	return amounts


def reconcile(
	company_gstin: str,
	from_period: str,
	to_period: str | None = None,
	*,
	publish: bool = False,
	check_permission: bool = True,
) -> dict:
	"""Reconcile one company GSTIN over a period range: read, match (pure engine), write back
	what changed. A bill whose record moves to another purchase is cleared in the same write, so
	one Purchase Invoice never shows two records."""
	from ims_compliance.core.matching import reconcile as run_engine
	from ims_compliance.services.recommendations import recommendation_map

	if check_permission:
		frappe.has_permission(supply_doctype(), "write", throw=True)
	to_period = to_period or from_period
	tol = tolerances()
	periods, from_date, to_date = period_window(from_period, to_period, tol.days)
	progress = _progress(publish, company_gstin)
	timings = {}
	clock = time.perf_counter()

	def lap(stage: str) -> None:
		nonlocal clock
		timings[stage] = round(time.perf_counter() - clock, 3)
		clock = time.perf_counter()

	progress(10, _("Reading inward supplies"))
	supplies = read_supplies(company_gstin, periods, with_stored=True)
	stored = supplies[["name", "match_status", "purchase", *STORED_RESULT_COLUMNS]].set_index("name")
	supplies = supplies.drop(columns=list(STORED_RESULT_COLUMNS))
	lap("read_supplies")
	progress(30, _("Reading Purchase Invoices"))
	purchases = read_purchases(company_gstin, from_date, to_date, with_links=True)
	bills = purchases.reindex(columns=["name", *BILL_LINK_COLUMNS])
	purchases = purchases.drop(columns=[c for c in BILL_LINK_COLUMNS if c in purchases])
	lap("read_purchases")
	progress(50, _("Matching {0} supplies with {1} purchase documents").format(len(supplies), len(purchases)))
	pans = sorted({g[2:12] for g in supplies["supplier_gstin"].dropna().tolist() if len(g) == 15})
	others = read_other_purchases(company_gstin, pans, from_date, to_date)
	lap("read_other_purchases")
	result = run_engine(
		supplies,
		purchases,
		tolerances=tol,
		recommendation_map=recommendation_map(),
		other_purchases=others,
	)
	lap("match")
	progress(80, _("Writing results"))
	written = write_results(company_gstin, result.supplies, purchases, stored=stored, bills=bills)
	lap("write")
	counts = result.supplies["match_status"].value_counts().to_dict() if len(result.supplies) else {}
	progress(100, _("Done"))
	return {
		"supplies": len(result.supplies),
		"written": written,
		"purchases": len(purchases),
		"missing_in_ims": len(result.missing_in_ims),
		"by_status": counts,
		"timings": timings,
	}


def _progress(publish: bool, company_gstin: str):
	def report(percent: int, description: str) -> None:
		if publish:
			frappe.publish_progress(
				percent, title=_("Reconciling {0}").format(company_gstin), description=description
			)

	return report


def enqueue_reconcile(company_gstin: str, from_period: str, to_period: str | None = None) -> dict:
	"""Background job, one per company GSTIN at a time (job id + deduplicate)."""
	from frappe.utils.background_jobs import is_job_enqueued

	job_id = f"ims-reconcile::{company_gstin}"
	if is_job_enqueued(job_id):
		return {
			"queued": False,
			"message": _("A reconciliation for {0} is already running.").format(company_gstin),
		}
	frappe.enqueue(
		"ims_compliance.services.reconcile.reconcile_job",
		queue="long",
		timeout=3600,
		job_id=job_id,
		deduplicate=True,
		company_gstin=company_gstin,
		from_period=from_period,
		to_period=to_period,
		user=frappe.session.user,
		now=frappe.flags.in_test,
	)
	return {"queued": True, "job_id": job_id}


def reconcile_job(
	company_gstin: str, from_period: str, to_period: str | None = None, user: str | None = None
):
	result = reconcile(company_gstin, from_period, to_period, publish=True)  # the job runner commits
	frappe.publish_realtime("ims_reconcile_done", result, user=user or frappe.session.user)
	return result


def reconcile_for_invoice(company_gstin: str, bill_date: str) -> dict:
	"""A Purchase Invoice was submitted (or amended): match its bill period and the next one
	(suppliers often report late). Runs for whoever submitted it, whatever their IMS roles."""
	period = ReturnPeriod.of_date(getdate(bill_date))
	return reconcile(company_gstin, str(period), str(period.next()), check_permission=False)
