"""India Compliance's Purchase Reconciliation beside ours, on one bench and one site: the same
generated month (core.matching.generate, as benchmarks/reconcile.py) reconciled once by India
Compliance's Purchase Reconciliation Tool and once by our reconcile job, and the ratio of the two
times.

Run: python benchmarks/ic_reconcile.py [--sizes 10000[,100000]] [--keep]
Site: IMS_SITE (default ims-ic.localhost), which must have india_compliance installed beside
ims_compliance (there our records live in supply_doctype(), not in India Compliance's "GST
Inward Supply").

India Compliance half: the generated supplies go into ITS "GST Inward Supply" (one item row
each, classification B2B or CDNR, GSTR-2B period 102025) and the generated bills into Purchase
Invoice, Purchase Invoice Item (with the item-level taxable value and GST amounts India
Compliance reads) and Purchase Taxes and Charges, docstatus 1, all by bulk SQL: not downloaded
from the GST portal and not submitted through ERPNext's controller. Then the "Reconcile" button's
server path is timed: frappe.desk.form.save.savedocs on the Purchase Reconciliation Tool (its
validate reconciles every category and builds the report it stores on the form).
Our half: the same frames through benchmarks/_books.py's insert_bench_rows, then
services.reconcile.reconcile as the page's job runs it. India Compliance's rows are deleted
before ours go in (both read the same company GSTIN's Purchase Invoices). Both jobs run once on an
empty month first (not timed), so neither pays the process's cold start.
India Compliance's save stores its whole report (about 0.5 MB of JSON per 1,000 records) in one
statement: on a server whose max_allowed_packet is smaller (16 MB on this bench) the save fails
after the matching, nothing is committed, and the script prints the failure, the stage times, the
links written (counted in memory) and a lower-bound ratio instead of the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("IMS_SITE", "ims-ic.localhost")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _books import cpu_reference_seconds, delete_bench_rows, insert_bench_rows, wait_for_quiet
from _ic_books import IC_SUPPLY, PERIOD, delete_ic_rows, insert_ic_rows

IC_TOOL = "Purchase Reconciliation Tool"
PURCHASE_WINDOW = ("2025-09-20", "2025-11-30")  # covers every generated bill date
SUPPLY_WINDOW = ("2025-10-01", "2025-10-31")  # the GSTR-2B month 102025

NOTES = (
	"India Compliance's GST Inward Supply rows (one item each) are inserted by SQL, not downloaded or "
	"uploaded from a GSTR-2B file",
	"Purchase Invoices (items, item-level GST amounts, taxes) are inserted by SQL with docstatus 1, "
	"not submitted through ERPNext's controller (no GL entries, no validations)",
	"the generated month is the one benchmarks/reconcile.py uses (about 10 % noisy numbers, 10 % noisy "
	"amounts, 3 % dates, 0.5 % other registration of the PAN, 1 % missing on each side, 5 % credit "
	"notes); 5 % of the bills carry an extra nil-rated line, on both sides, which India Compliance "
	"sums into the taxable value and we leave out",
	"India Compliance is timed through the Reconcile button's server call (savedocs of its Single "
	"DocType, in this process, as Administrator); the browser's HTTP round trip and the response's "
	"JSON encoding are not included",
	"ours is timed as benchmarks/reconcile.py times it (reconcile(), parallel_bills=True, commit); "
	"our apply-recommendations step is not part of it",
	"peak RSS is the process's high-water mark reset just before each job (/proc/self/clear_refs), so "
	"it includes the Frappe process and setup frames still alive, not just the job",
)


def _reset_peak() -> bool:
	try:
		Path("/proc/self/clear_refs").write_text("5")
		return True
	except OSError:
		return False


def _peak_mb() -> float:
	for line in Path("/proc/self/status").read_text().splitlines():
		if line.startswith("VmHWM:"):
			return int(line.split()[1]) / 1024
	from _bench import peak_rss_mb

	return peak_rss_mb()


class StageClock:
	"""Seconds spent in India Compliance's stages inside the save: the Reconciler (matching and
	writing the links, every category) and ReconciledData.get (the report the form stores); and,
	counted in memory so they survive a rollback, the links it wrote by status and the size of the
	report JSON its validate built."""

	def __init__(self):
		from india_compliance.gst_india.doctype.purchase_reconciliation_tool import (
			ReconciledData,
			Reconciler,
		)
		from india_compliance.gst_india.doctype.purchase_reconciliation_tool.purchase_reconciliation_tool import (
			PurchaseReconciliationTool,
		)

		self.targets = (
			(Reconciler, "reconcile", "match_and_link"),
			(ReconciledData, "get", "build_report"),
		)
		self.seconds: dict[str, float] = {}
		self.links: dict[str, int] = {}
		self.report_chars = 0
		self.report_rows = 0
		self.saved = []
		self.link_owner, self.tool_class = Reconciler, PurchaseReconciliationTool

	def _patch(self, owner, attr, make):
		original = getattr(owner, attr)
		self.saved.append((owner, attr, original))
		setattr(owner, attr, make(original))

	def __enter__(self):
		for owner, attr, label in self.targets:

			def make(original, _label=label):
				def timed(*args, **kwargs):
					start = time.perf_counter()
					try:
						out = original(*args, **kwargs)
						if _label == "build_report":
							self.report_rows = len(out)
						return out
					finally:
						self.seconds[_label] = self.seconds.get(_label, 0.0) + time.perf_counter() - start

				return timed

			self._patch(owner, attr, make)

		def make_link(original):
			def counted(reconciler, match_status, *args, **kwargs):
				status = "Mismatch" if match_status == "Residual Match" else match_status
				self.links[status] = self.links.get(status, 0) + 1
				return original(reconciler, match_status, *args, **kwargs)

			return counted

		def make_validate(original):
			def measured(tool, *args, **kwargs):
				out = original(tool, *args, **kwargs)
				self.report_chars = len(tool.reconciliation_data or "")
				return out

			return measured

		self._patch(self.link_owner, "update_matching_doc", make_link)
		self._patch(self.tool_class, "validate", make_validate)
		return self

	def __exit__(self, *exc):
		for owner, attr, original in reversed(self.saved):
			setattr(owner, attr, original)


def _alive(frappe) -> None:
	"""Reconnect if the server dropped the connection (a statement over max_allowed_packet)."""
	try:
		frappe.db.sql("select 1")
	except Exception:
		try:
			frappe.db.close()
		except Exception:  # pymysql refuses to close a connection the server already dropped
			frappe.db._conn = frappe.db._cursor = None
		frappe.db.connect()


def _tool_snapshot(frappe) -> list[tuple]:
	return frappe.db.sql("select field, value from `tabSingles` where doctype = %s", IC_TOOL)


def _tool_restore(frappe, rows: list[tuple]) -> None:
	frappe.db.sql("delete from `tabSingles` where doctype = %s", IC_TOOL)
	for field, value in rows:
		frappe.db.sql(
			"insert into `tabSingles` (doctype, field, value) values (%s, %s, %s)", (IC_TOOL, field, value)
		)
	frappe.clear_document_cache(IC_TOOL, IC_TOOL)


def _press_reconcile(frappe, company: str, gstin: str, purchases: tuple, supplies: tuple) -> None:
	"""What the Reconcile button sends: savedocs(doc, "Save") of the tool (Single DocType)."""
	from frappe.desk.form.save import savedocs

	tool = frappe.get_doc(IC_TOOL).as_dict()
	tool.update(
		{
			"company": company,
			"company_gstin": gstin,
			"gst_return": "GSTR 2B",
			"include_ignored": 0,
			"purchase_period": "Custom",
			"purchase_from_date": purchases[0],
			"purchase_to_date": purchases[1],
			"inward_supply_period": "Custom",
			"inward_supply_from_date": supplies[0],
			"inward_supply_to_date": supplies[1],
			"reconciliation_data": None,
		}
	)
	savedocs(json.dumps(tool, default=str), "Save")


def warm_up(frappe, company: str, gstin: str) -> None:
	"""Both reconcilers once on a month with no rows (January 2020), not timed: imports, DocType
	metadata and caches loaded, so neither timed run pays the process's cold start."""
	from ims_compliance.services import reconcile as service

	start = time.perf_counter()
	_press_reconcile(frappe, company, gstin, ("2020-01-01", "2020-01-31"), ("2020-01-01", "2020-01-31"))
	service.reconcile(gstin, "012020", "012020", check_permission=False, parallel_bills=True)
	frappe.db.commit()
	print(f"warm_up_seconds: {time.perf_counter() - start:.2f} s (both jobs on an empty month, not timed)")


def run_ic(frappe, size: int, *, run: str, company: str, gstin: str) -> tuple:
	"""Press India Compliance's Reconcile for the company GSTIN, 2B month 102025 and the bills'
	dates. Returns (its seconds or None if it failed, seconds until it ended, seconds in its
	Reconciler)."""
	waited, state = wait_for_quiet(frappe)
	print(f"ic_quiet_wait_{size}: {waited:.1f} s (MariaDB caught up with the inserts; then {state or 'n/a'})")
	print(
		f"ic_cpu_reference_{size}: {cpu_reference_seconds():.2f} s (fixed pure-Python loop; lower is faster)"
	)
	_reset_peak()
	failure = None
	with StageClock() as stages:
		start = time.perf_counter()
		try:
			_press_reconcile(frappe, company, gstin, PURCHASE_WINDOW, SUPPLY_WINDOW)
			frappe.db.commit()
		except Exception as error:  # reported below; the bench rows are still cleaned up
			failure = error
		seconds = time.perf_counter() - start
	if failure:
		_alive(frappe)
		packet = frappe.db.sql("select @@global.max_allowed_packet")[0][0] / 2**20
		print(
			f"ic_reconcile_failed_{size}: 1 flag after {seconds:.2f} s ({type(failure).__name__}: "
			f"{str(failure)[:160]}; the report JSON was {stages.report_chars / 2**20:.1f} MB, the "
			f"server's max_allowed_packet is {packet:.0f} MB; nothing was committed)"
		)
	else:
		print(
			f"ic_reconcile_seconds_{size}: {seconds:.2f} s (Reconcile button's server call, commit included)"
		)
	print(f"ic_reconcile_peak_rss_{size}: {_peak_mb():.0f} MB")
	for stage, stage_seconds in stages.seconds.items():
		print(f"ic_reconcile_{stage}_seconds_{size}: {stage_seconds:.2f} s")
	print(
		f"ic_report_{size}: {stages.report_rows} rows, {stages.report_chars / 2**20:.1f} MB of JSON "
		"(stored on the form by the save)"
	)
	for status, count in sorted(stages.links.items()):
		print(
			f"ic_links_written_{status.lower().replace(' ', '_')}_{size}: {count} records (counted in memory)"
		)
	if failure:
		return None, seconds, stages.seconds.get("match_and_link", 0.0)
	by_status = frappe.db.sql(
		f"""select ifnull(nullif(match_status, ''), 'Missing in PI'), count(*) from `tab{IC_SUPPLY}`
		where name like %s group by 1 order by 1""",
		f"ICS{run}%",
	)
	for status, count in by_status:
		print(f"ic_{status.lower().replace(' ', '_').replace('/', '_')}_{size}: {count} records")
	linked = frappe.db.sql(
		f"""select name, link_name from `tab{IC_SUPPLY}` where name like %s and link_doctype = 'Purchase Invoice'""",
		f"ICS{run}%",
	)
	right = sum(link[len(f"ICP{run}P") :] == name[len(f"ICS{run}S") :] for name, link in linked)
	print(f"ic_linked_{size}: {len(linked)} records ({right} to the generator's own bill)")
	bills = frappe.db.sql(
		"""select reconciliation_status, count(*) from `tabPurchase Invoice` where name like %s
		group by 1 order by 1""",
		f"ICP{run}%",
	)
	print(f"ic_bills_by_status_{size}: {dict(bills)}")
	return seconds, seconds, stages.seconds.get("match_and_link", 0.0)


def run_ims(frappe, size: int, s, p, *, company: str, gstin: str, keep: bool) -> float:
	from ims_compliance.services import reconcile as service

	run = frappe.generate_hash(length=4).upper()
	insert_bench_rows(
		frappe, s, p, run=run, company=company, gstin=gstin, accounts=service.tax_accounts(gstin), size=size
	)
	try:
		waited, state = wait_for_quiet(frappe)
		print(f"ims_quiet_wait_{size}: {waited:.1f} s (then {state or 'n/a'})")
		print(
			f"ims_cpu_reference_{size}: {cpu_reference_seconds():.2f} s (fixed pure-Python loop; lower is faster)"
		)
		_reset_peak()
		start = time.perf_counter()
		result = service.reconcile(gstin, PERIOD, PERIOD, check_permission=False, parallel_bills=True)
		frappe.db.commit()
		seconds = time.perf_counter() - start
		print(
			f"ims_reconcile_seconds_{size}: {seconds:.2f} s (reconcile job as the page runs it, commit included)"
		)
		print(f"ims_reconcile_peak_rss_{size}: {_peak_mb():.0f} MB")
		for status, count in sorted(result["by_status"].items()):
			print(f"ims_{status.lower().replace(' ', '_').replace('/', '_')}_{size}: {count} records")
		print(f"ims_purchases_read_{size}: {result['purchases']} records")
		return seconds
	finally:
		frappe.db.sql("delete from `tabIMS Action Log` where inward_supply like %s", f"RC{run}%")
		if keep:
			print(f"ims_kept_tag_{size}: {run} (records RC{run}*, bills PB{run}*)")
		else:
			delete_bench_rows(frappe, run)
		frappe.db.commit()


def _company(frappe) -> tuple[str, str]:
	"""A company GSTIN both apps accept: configured in IMS Settings and on one of the company's
	own addresses (India Compliance's source of GSTINs); the state-27 one first, as the generator
	puts the company in 27."""
	configured = frappe.get_all(
		"IMS Company GSTIN", filters={"parent": "IMS Settings"}, fields=["company", "gstin"], order_by="idx"
	)
	on_address = {
		g
		for (g,) in frappe.db.sql(
			"select gstin from `tabAddress` where is_your_company_address = 1 and ifnull(gstin, '') != ''"
		)
	}
	usable = [r for r in configured if r.gstin in on_address]
	usable.sort(key=lambda r: not r.gstin.startswith("27"))
	if not usable:
		raise SystemExit("no company GSTIN both in IMS Settings and on a company address")
	return usable[0].company, usable[0].gstin


def in_bench(sizes: list[int], *, keep: bool) -> None:
	from _bench import connect

	frappe = connect()
	from ims_compliance.core.matching.generate import generate
	from ims_compliance.doctype_names import supply_doctype
	from ims_compliance.services import reconcile as service

	if "india_compliance" not in frappe.get_installed_apps():
		raise SystemExit(f"india_compliance is not installed on {frappe.local.site}")
	if supply_doctype() == IC_SUPPLY:
		raise SystemExit("our supply DocType is named like India Compliance's: wrong site?")
	company, gstin = _company(frappe)
	ic_version = frappe.get_attr("india_compliance.__version__")
	print(f"site: {frappe.local.site}; india_compliance {ic_version}; company {company}, GSTIN {gstin}")
	packet = frappe.db.sql("select @@global.max_allowed_packet")[0][0] / 2**20
	print(
		f"server_max_allowed_packet: {packet:.0f} MB (India Compliance stores its whole report in one statement)"
	)
	for note in NOTES:
		print(f"note: {note}")
	snapshot = _tool_snapshot(frappe)
	try:
		warm_up(frappe, company, gstin)
	finally:
		_alive(frappe)
		frappe.db.rollback()
		_tool_restore(frappe, snapshot)
		frappe.db.commit()
	for size in sizes:
		s, p = generate(size, company_gstin=gstin)
		run = frappe.generate_hash(length=4).upper()
		start = time.perf_counter()
		try:
			counts = insert_ic_rows(
				frappe, s, p, run=run, company=company, gstin=gstin, accounts=service.tax_accounts(gstin)
			)
			frappe.db.commit()
			print(
				f"ic_setup_seconds_{size}: {time.perf_counter() - start:.2f} s ({counts['records']} 2B records, "
				f"{counts['bills']} bills, {counts['nil_lines']} nil-rated lines, {counts['tax_rows']} tax rows; "
				"bulk SQL, not timed)"
			)
			ic_seconds, ic_elapsed, ic_matching = run_ic(frappe, size, run=run, company=company, gstin=gstin)
		finally:
			_alive(frappe)
			frappe.db.rollback()
			if keep:
				print(
					f"ic_kept_tag_{size}: {run} (records ICS{run}*, bills ICP{run}*; they would be read by ours)"
				)
			else:
				delete_ic_rows(frappe, run)
			_tool_restore(frappe, snapshot)
			frappe.db.commit()
		if keep:
			print(
				"ims_skipped: 1 flag (--keep leaves India Compliance's bills, which our job would read too)"
			)
			continue
		ims_seconds = run_ims(frappe, size, s, p, company=company, gstin=gstin, keep=keep)
		del s, p
		if ic_seconds is not None:
			print(
				f"ic_vs_ims_ratio_{size}: {ic_seconds / ims_seconds:.1f} x (India Compliance seconds / ours)"
			)
		else:
			print(
				f"ic_vs_ims_ratio_{size}: >= {ic_elapsed / ims_seconds:.1f} x (lower bound: India Compliance "
				f"failed after {ic_elapsed:.2f} s without finishing; its Reconciler alone took {ic_matching:.2f} s, "
				f"{ic_matching / ims_seconds:.1f} x ours)"
			)
		print(
			f"ic_vs_ims_matching_only_ratio_{size}: {ic_matching / ims_seconds:.1f} x (India Compliance's Reconciler stage alone / our whole job)"
		)


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--sizes", default="10000")
	parser.add_argument("--keep", action="store_true", help="leave India Compliance's rows (skips our half)")
	parser.add_argument("--in-bench", action="store_true", help=argparse.SUPPRESS)
	args = parser.parse_args()
	sizes = [int(x) for x in args.sizes.split(",")]
	if args.in_bench:
		in_bench(sizes, keep=args.keep)
		return
	from _bench import SITE, bench_available, run_in_bench

	if not bench_available():
		raise SystemExit(f"no bench site {SITE}")
	sys.exit(run_in_bench(__file__, ["--sizes", args.sizes] + ["--keep"] * args.keep))


if __name__ == "__main__":
	main()
