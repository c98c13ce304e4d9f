"""Reconciliation glue (issue 5): read supplies and Purchase Invoices set-based, hand them to the
pure engine (`core.matching`), write the results back in bulk.

The purchase side is read by `services.books` (what counts as a bill's taxable value and tax),
the results are written by `services.match_results` (only what changed, in key order)."""

from __future__ import annotations

import time

import frappe
from frappe import _
from frappe.utils import add_days, getdate

from ims_compliance.core.periods import ReturnPeriod, period_range
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.books import (  # noqa: F401  (tax_accounts: re-exported for callers)
	BILL_LINK_COLUMNS,
	read_other_purchases,
	read_purchases,
	tax_accounts,
)
from ims_compliance.services.frames import PACKING_ERRORS, ColumnChunks, query_sql
from ims_compliance.services.match_results import STORED_RESULT_COLUMNS, stored_result_terms, write_results

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
def read_supplies(company_gstin: str, periods: list[str], *, with_stored: bool = False, chunk: int = 5000):
	"""The company GSTIN's live records of `periods` in the engine's supply shape (plus
	STORED_RESULT_COLUMNS when asked: the reasons as their MD5). Read in keyset chunks by name, as
	tuples, each chunk split into typed columns before the next is read (`frames.ColumnChunks`:
	floats, datetime64, shared strings): at 100k, dicts or Decimals per value held more than the
	whole job needs, and a chunk's objects left behind fragment the heap for the rest of the job
	(issue 18). Text columns are object arrays, None for NULL."""
	table = frappe.qb.DocType(supply_doctype())
	terms = [table[c] for c in SUPPLY_COLUMNS] + (stored_result_terms(table) if with_stored else [])
	columns = [*SUPPLY_COLUMNS, *(STORED_RESULT_COLUMNS if with_stored else ())]

	def chunk_query(last: str):
		return (
			frappe.qb.from_(table)
			.select(*terms)
			.where(table.company_gstin == company_gstin)
			.where(table.supplier_period.isin(periods))
			.where(table.is_gone == 0)
			.where(table.name > last)
			.orderby(table.name)
			.limit(chunk)
		)

	def reader():
		return ColumnChunks(
			columns,
			dates=("document_date", "original_date"),
			ints=("reverse_charge", "supplier_filed", "needs_review"),
		)

	frame = _read_packed(chunk_query, reader(), chunk)
	if frame is None:  # a value held the packing's separator: read plainly
		plain, last = reader(), ""
		while True:
			rows = chunk_query(last).run()  # tuples as the driver made them
			if not rows:
				break
			last = rows[-1][0]
			plain.add(rows)
			if len(rows) < chunk:
				break
			del rows
		frame = plain.frame()
	frame = frame.rename(columns={"purchase_invoice": "purchase"})
	frame["reverse_charge"] = frame["reverse_charge"].astype(bool)
	frame["supplier_filed"] = frame["supplier_filed"].astype(bool)
	return frame


def _read_packed(chunk_query, reader: ColumnChunks, chunk: int):
	"""`read_supplies`' keyset chunks, each row packed into one string (`ColumnChunks.packed_sql`);
	None when a value held the separator (or the site's collations forbid packing)."""
	last = ""
	try:
		while True:
			sql, params = query_sql(chunk_query(last))
			packed = [row[0] for row in frappe.db.sql(reader.packed_sql(sql, order_by="name"), params)]
			if not packed:
				break
			if not reader.add_packed(packed):
				return None
			last = packed[-1].split("\x1f", 1)[0][1:]  # the name: the first value, "v"-prefixed
			if len(packed) < chunk:
				break
			del packed
	except PACKING_ERRORS:
		return None
	return reader.frame()


def period_window(from_period: str, to_period: str, days: int) -> tuple[list[str], object, object]:
	start, end = ReturnPeriod.parse(from_period), ReturnPeriod.parse(to_period)
	periods = [str(p) for p in period_range(start, end)]
	return periods, add_days(start.first_day, -days - 31), add_days(end.last_day, days)


def reconcile(
	company_gstin: str,
	from_period: str,
	to_period: str | None = None,
	*,
	publish: bool = False,
	check_permission: bool = True,
	parallel_bills: bool = False,
) -> dict:
	"""Reconcile one company GSTIN over a period range: read, match (pure engine), write back
	what changed. A bill whose record moves to another purchase is cleared in the same write, so
	one Purchase Invoice never shows two records. `parallel_bills`: the background job writes
	the Purchase Invoices on a second connection while it writes the records (see
	match_results.write_results); never inside a document's event."""
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
	written = write_results(
		company_gstin, result.supplies, purchases, stored=stored, bills=bills, parallel_bills=parallel_bills
	)
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
	# the job runner commits (and with it the bills' second connection); a test reads back first
	result = reconcile(
		company_gstin, from_period, to_period, publish=True, parallel_bills=not frappe.flags.in_test
	)
	frappe.publish_realtime("ims_reconcile_done", result, user=user or frappe.session.user)
	return result


def reconcile_for_invoice(company_gstin: str, bill_date: str) -> dict:
	"""A Purchase Invoice was submitted (or amended): match its bill period and the next one
	(suppliers often report late). Runs for whoever submitted it, whatever their IMS roles."""
	period = ReturnPeriod.of_date(getdate(bill_date))
	return reconcile(company_gstin, str(period), str(period.next()), check_permission=False)
