"""Reconciliation glue (issue 5): read supplies and Purchase Invoices set-based, hand them to the
pure engine (`core.matching`), write the results back in bulk.

Purchase amounts: taxable value = base net total; IGST/CGST/SGST/cess = the Purchase Taxes and
Charges rows on the accounts mapped in IMS Settings (base currency, absolute values so that
return invoices compare with credit notes, which GSTN reports positive)."""

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


def read_purchases(company_gstin: str, from_date, to_date):
	"""Submitted Purchase Invoices of this company GSTIN with a bill date in the window."""
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
		pi.base_net_total.as_("taxable_value"),
	]
	if meta.has_field("place_of_supply"):  # India Compliance's field, when installed
		fields.append(pi.place_of_supply)
	query = (
		frappe.qb.from_(pi)
		.left_join(supplier)
		.on(supplier.name == pi.supplier)
		.select(*fields)
		.where(pi.docstatus == 1)
		.where(pi.company_gstin == company_gstin)
		.where(Coalesce(pi.bill_date, pi.posting_date)[getdate(from_date) : getdate(to_date)])
	)
	if meta.has_field("is_reverse_charge"):
		query = query.where(pi.is_reverse_charge == 0)
	rows = query.run(as_dict=True)
	columns = [
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
	]
	if not rows:
		return pd.DataFrame(columns=columns)
	frame = pd.DataFrame.from_records(rows)
	frame["document_type"] = frame["is_return"].map(lambda r: "Credit Note" if r else "Invoice")
	frame["bill_no"] = frame["bill_no"].fillna("")
	frame["bill_date"] = pd.to_datetime(frame["bill_date"].fillna(frame["posting_date"]))
	if "place_of_supply" not in frame:
		frame["place_of_supply"] = None
	else:
		frame["place_of_supply"] = frame["place_of_supply"].map(lambda p: str(p)[:2] if p else None)
	frame["reverse_charge"] = False
	frame["taxable_value"] = frame["taxable_value"].astype(float).abs()
	taxes = _tax_amounts(company_gstin, list(frame["name"]))
	for head in HEADS.values():
		frame[head] = frame["name"].map(lambda n, h=head: taxes.get((n, h), 0.0)).astype(float)
	return frame[columns]


def _tax_amounts(company_gstin: str, names: list[str]) -> dict[tuple[str, str], float]:
	company = frappe.db.get_value(
		"IMS Company GSTIN", {"gstin": company_gstin, "parent": "IMS Settings"}, "company"
	)
	mapping = dict(
		frappe.get_all(
			"IMS Tax Account",
			filters={"parent": "IMS Settings", "company": company},
			fields=["account", "tax_head"],
			as_list=True,
		)
	)
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


def write_results(company_gstin: str, supplies_result) -> int:
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
		)
		for row in frame.itertuples(index=False)
	]
	_revert_accepted_on_relink(rows)
	purchase_amounts = _purchase_amounts([r[2] for r in rows if r[2]])
	_upsert_columns(
		supply_doctype(),
		(
			"match_status",
			"purchase_invoice",
			"match_score",
			"match_reasons",
			"recommended_action",
			"needs_review",
			"purchase_taxable_value",
			"purchase_total_tax",
		),
		[(*r, *purchase_amounts.get(r[2], (0, 0))) for r in rows],
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
	for start in range(0, len(links), 250):  # CASE costs O(rows x WHENs): keep the chunks small
		chunk = links[start : start + 250]
		_case_update(
			"Purchase Invoice",
			[link[0] for link in chunk],
			{
				"ims_inward_supply": [link[1] for link in chunk],
				"ims_match_status": [link[2] for link in chunk],
				"ims_action": [actions.get(link[1]) for link in chunk],
			},
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


def _purchase_amounts(names: list[str]) -> dict[str, tuple[float, float]]:
	amounts = {}
	for start in range(0, len(names), 10000):
		for row in frappe.get_all(
			"Purchase Invoice",
			filters={"name": ("in", names[start : start + 10000])},
			fields=["name", "base_net_total", "base_total_taxes_and_charges"],
		):
			amounts[row.name] = (abs(row.base_net_total or 0), abs(row.base_total_taxes_and_charges or 0))
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


def _case_update(doctype: str, names: list[str], columns: dict[str, list]) -> None:
	"""UPDATE `tab<doctype>` SET col = CASE name WHEN %s THEN %s ... END WHERE name IN (...)."""
	if not names:
		return
	sets, values = [], []
	for column, column_values in columns.items():
		sets.append(f"`{column}` = CASE `name` " + "WHEN %s THEN %s " * len(names) + "END")
		for name, value in zip(names, column_values, strict=True):
			values.extend((name, value))
	placeholders = ", ".join(["%s"] * len(names))
	frappe.db.sql(
		f"UPDATE `tab{doctype}` SET {', '.join(sets)} WHERE `name` IN ({placeholders})",
		[*values, *names],
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
	result = run_engine(supplies, purchases, tolerances=tol, recommendation_map=recommendation_map())
	lap("match")
	progress(80, _("Writing results"))
	_clear_stale_purchase_links(supplies)
	written = write_results(company_gstin, result.supplies)
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
