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


def read_supplies(company_gstin: str, periods: list[str]):
	import pandas as pd

	rows = frappe.get_all(
		supply_doctype(),
		filters={"company_gstin": company_gstin, "supplier_period": ("in", periods), "is_gone": 0},
		fields=list(SUPPLY_COLUMNS),
		limit_page_length=0,
	)
	frame = pd.DataFrame.from_records(rows, columns=list(SUPPLY_COLUMNS))
	frame = frame.rename(columns={"purchase_invoice": "purchase"})
	for column in ("document_date", "original_date"):
		frame[column] = pd.to_datetime(frame[column])
	frame["reverse_charge"] = frame["reverse_charge"].astype(bool)
	frame["supplier_filed"] = frame["supplier_filed"].astype(bool)
	return frame


#: Flags that mark a Purchase Invoice as the supplier's debit note, first found wins: a core or
#: India Compliance field of that name if one ever exists, else ours (constants/custom_fields.py).
DEBIT_NOTE_FIELDS = ("is_debit_note", "ims_is_debit_note")
PURCHASE_COLUMNS = [
	"name",
	"supplier_gstin",
	"company_gstin",
	"document_type",
	"bill_no",
	"bill_date",
	"place_of_supply",
	"reverse_charge",
	"taxable_value",
	"igst",
	"cgst",
	"sgst",
	"cess",
	"port_code",
	"net_total",
]


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


def read_purchases(company_gstin: str, from_date, to_date):
	"""Submitted Purchase Invoices of this company GSTIN with a bill date in the window, in the
	engine's purchase shape, read set-based (one query per table, never per document):
	- taxable value: the lines that bear GST (nil-rated, exempt and non-GST lines left out, see
	core.matching.purchase_lines); `net_total` keeps the bill's net total beside it;
	- document type: a return is a "Credit Note", a bill marked as the supplier's debit note a
	"Debit Note", an import bill carrying a Bill of Entry number a "Bill of Entry" (its number,
	date and port are what IMS shows); with India Compliance installed, its submitted Bills of
	Entry stand in for their Purchase Invoices instead;
	- taxes: the Purchase Taxes and Charges rows on the accounts mapped in IMS Settings."""
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
	rows = _in_window(frappe.qb.from_(pi), pi, supplier, company_gstin, from_date, to_date, meta).select(
		*fields
	)
	rows = rows.run(as_dict=True)
	if not rows:
		frame = pd.DataFrame(columns=PURCHASE_COLUMNS)
	else:
		frame = _purchase_frame(pd.DataFrame.from_records(rows), has_boe=has_boe)
		accounts = tax_accounts(company_gstin)
		taxes = _tax_amounts(accounts, list(frame["name"]))
		gst_charged = {name for (name, _head), amount in taxes.items() if amount}
		gst_taxable = _gst_line_taxable(company_gstin, from_date, to_date, meta, set(accounts), gst_charged)
		frame["taxable_value"] = [
			gst_taxable.get(name, net) for name, net in zip(frame["name"], frame["net_total"], strict=True)
		]
		for head in HEADS.values():
			frame[head] = frame["name"].map(lambda n, h=head: taxes.get((n, h), 0.0)).astype(float)
	bills_of_entry = _ic_bills_of_entry(company_gstin, from_date, to_date)
	if bills_of_entry is not None and len(bills_of_entry):
		frame = frame[~frame["name"].isin(set(bills_of_entry["name"]))]
		frame = pd.concat([frame, bills_of_entry], ignore_index=True) if len(frame) else bills_of_entry
	return frame[PURCHASE_COLUMNS].reset_index(drop=True)


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
	lines = pd.DataFrame.from_records(query.run(as_dict=True))
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


def _tax_amounts(mapping: dict[str, str], names: list[str]) -> dict[tuple[str, str], float]:
	if not mapping or not names:
		return {}
	tax = frappe.qb.DocType("Purchase Taxes and Charges")
	totals: dict[tuple[str, str], float] = {}
	for start in range(0, len(names), 20000):
		rows = (
			frappe.qb.from_(tax)
			.select(
				tax.parent,
				tax.account_head,
				tax.add_deduct_tax,
				Sum(tax.base_tax_amount_after_discount_amount).as_("amount"),
			)
			.where(tax.parenttype == "Purchase Invoice")
			.where(tax.parent.isin(names[start : start + 20000]))
			.where(tax.account_head.isin(list(mapping)))
			.groupby(tax.parent, tax.account_head, tax.add_deduct_tax)
		).run(as_dict=True)
		for row in rows:
			key = (row.parent, HEADS[mapping[row.account_head]])
			sign = -1 if row.add_deduct_tax == "Deduct" else 1
			totals[key] = totals.get(key, 0.0) + sign * float(row.amount or 0)
	return {key: abs(round(value, 2)) for key, value in totals.items()}


def period_window(from_period: str, to_period: str, days: int) -> tuple[list[str], object, object]:
	start, end = ReturnPeriod.parse(from_period), ReturnPeriod.parse(to_period)
	periods = [str(p) for p in period_range(start, end)]
	return periods, add_days(start.first_day, -days - 31), add_days(end.last_day, days)


def write_results(company_gstin: str, supplies_result, purchases=None) -> int:
	"""Bulk write-back: chunked UPDATE ... SET col = CASE name WHEN ... END, one statement per
	chunk of supplies and one per chunk of linked Purchase Invoices (no per-row round trips,
	no DDL inside the caller's transaction)."""
	frame = supplies_result.reset_index() if "name" not in supplies_result.columns else supplies_result
	if frame.empty:
		return 0
	rows = [
		(
			row.name,
			row.match_status,
			row.purchase if isinstance(row.purchase, str) and row.purchase else None,
			float(row.score or 0),
			json.dumps(row.reasons, default=str) if row.reasons else None,
			row.recommended_action or "",
			1 if row.needs_review else 0,
			getattr(row, "recommendation_reason", "") or "",
		)
		for row in frame.itertuples(index=False)
	]
	_revert_accepted_on_relink(rows)
	purchase_amounts = _purchase_amounts([r[2] for r in rows if r[2]], purchases)
	_upsert_columns(
		supply_doctype(),
		(
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
		),
		[(*r, *purchase_amounts.get(r[2], (0, 0, 0))) for r in rows],
	)
	links = [(r[2], r[0], r[1]) for r in rows if r[2]]
	actions = (
		dict(
			frappe.get_all(
				supply_doctype(),
				filters={"name": ("in", [link[1] for link in links])},
				fields=["name", "action"],
				as_list=True,
			)
		)
		if links
		else {}
	)
	# one UPDATE joined to a derived table of values per 1,000 bills (services.ingest.update_rows):
	# on real books at 100k the CASE-per-name statements this replaced took most of the write
	update_rows(
		"Purchase Invoice",
		[
			{
				"name": purchase,
				"ims_inward_supply": supply_name,
				"ims_match_status": status,
				"ims_action": actions.get(supply_name),
			}
			for purchase, supply_name, status in links
		],
	)
	return len(rows)


def _revert_accepted_on_relink(rows: list[tuple]) -> None:
	"""P2 holds for automatic matching too: an Accepted record whose Purchase Invoice changes (a
	new link, another invoice, or none) goes back to No Action, logged as an automatic revert."""
	new_link = {r[0]: r[2] for r in rows}
	accepted = []
	for start in range(0, len(rows), 10000):
		accepted += frappe.get_all(
			supply_doctype(),
			filters={"name": ("in", [r[0] for r in rows[start : start + 10000]]), "action": "Accepted"},
			fields=["name", "purchase_invoice", "gstn_action"],
		)
	moved = [row for row in accepted if (row.purchase_invoice or None) != new_link[row.name]]
	if not moved:
		return
	table = frappe.qb.DocType(supply_doctype())
	for gstn_action_is_none, upload_state in ((True, ""), (False, "Pending Upload")):
		names = [r.name for r in moved if (r.gstn_action == "No Action") == gstn_action_is_none]
		if names:
			(
				frappe.qb.update(table)
				.set(table.action, "No Action")
				.set(table.upload_state, upload_state)
				.set(table.itc_reduction_required, "")
				.where(table.name.isin(names))
			).run()
	write_logs(
		[
			{
				"inward_supply": row.name,
				"from_action": "Accepted",
				"to_action": "No Action",
				"remarks": _("Matched Purchase Invoice changed from {0} to {1} (P2)").format(
					row.purchase_invoice or "-", new_link[row.name] or "-"
				),
			}
			for row in moved
		],
		source="Automatic Revert",
	)


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


def _upsert_columns(doctype: str, columns: tuple[str, ...], rows: list[tuple], chunk: int = 5000) -> None:
	"""Update existing rows of our own table by primary key: a multi-row INSERT ... ON DUPLICATE
	KEY UPDATE touches only `columns` (every other column of the table is nullable or has a
	default, so no row is ever created by it: all names already exist)."""
	fields = ", ".join(f"`{c}`" for c in ("name", *columns))
	updates = ", ".join(f"`{c}` = VALUES(`{c}`)" for c in columns)
	width = len(columns) + 1
	for start in range(0, len(rows), chunk):
		part = rows[start : start + chunk]
		placeholders = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(part))
		frappe.db.sql(
			f"INSERT INTO `tab{doctype}` ({fields}) VALUES {placeholders} ON DUPLICATE KEY UPDATE {updates}",
			[value for row in part for value in row],
		)


def reconcile(
	company_gstin: str,
	from_period: str,
	to_period: str | None = None,
	*,
	publish: bool = False,
	check_permission: bool = True,
) -> dict:
	"""Reconcile one company GSTIN over a period range: read, match (pure engine), write back.
	Links of records whose supply moves to another purchase are cleared first, so one Purchase
	Invoice is never linked to two supplies."""
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
	supplies = read_supplies(company_gstin, periods)
	lap("read_supplies")
	progress(30, _("Reading Purchase Invoices"))
	purchases = read_purchases(company_gstin, from_date, to_date)
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
	_clear_stale_purchase_links(supplies)
	written = write_results(company_gstin, result.supplies, purchases)
	lap("write")
	counts = result.supplies["match_status"].value_counts().to_dict() if written else {}
	progress(100, _("Done"))
	return {
		"supplies": written,
		"purchases": len(purchases),
		"missing_in_ims": len(result.missing_in_ims),
		"by_status": counts,
		"timings": timings,
	}


def _clear_stale_purchase_links(supplies) -> None:
	names = [n for n in supplies.get("purchase", []) if isinstance(n, str) and n]
	for start in range(0, len(names), 5000):
		pi = frappe.qb.DocType("Purchase Invoice")
		(
			frappe.qb.update(pi)
			.set(pi.ims_inward_supply, None)
			.set(pi.ims_match_status, None)
			.set(pi.ims_action, None)
			.where(pi.name.isin(names[start : start + 5000]))
		).run()


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
