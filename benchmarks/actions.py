"""Benchmark of the pure half of bulk actions (issue 6): writing the Excel action template,
parsing a filled-in template (the import), and checking the action rules on every record.

Run: python benchmarks/actions.py [--sizes 5000,50000] [--bench-sizes 5000,50000]
Prints `metric: value unit` lines. When a bench is found (IMS_BENCH, site IMS_SITE) it also runs
the bench half inside the bench: a bulk action through the action service and an Excel import
of the same number of rows, end to end (read, rules, write, IMS Action Log).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import resource
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from openpyxl import Workbook, load_workbook
from openpyxl.xml import LXML

from ims_compliance.core.actions import Action
from ims_compliance.core.excel_import import read_action_rows
from ims_compliance.core.excel_template import TEMPLATE_COLUMNS, write_action_template
from ims_compliance.core.gstin import make_gstin
from ims_compliance.core.rules import ActionRequest, RecordState, RuleContext, check_action
from ims_compliance.doctype_names import supply_doctype

SECTIONS = ("B2B", "B2B", "B2B", "CN", "CNA", "DN", "B2BA", "ECOM", "IMPG")
MATCH = ("Exact Match", "Suggested Match", "Mismatch", "Missing in PI", "Manual Match")


def generate_records(count: int, *, seed: int = 7) -> list[dict]:
	"""Records shaped like GST Inward Supply rows: 2,000 suppliers, mixed sections and statuses."""
	rng = random.Random(seed)
	suppliers = [
		make_gstin(f"{rng.choice((27, 29, 33, 7, 9)):02d}", f"AAB{'CFHP'[i % 4]}{chr(65 + i % 26)}{i:04d}K")
		for i in range(2000)
	]
	rows = []
	for i in range(count):
		taxable = round(rng.uniform(100, 500_000), 2)
		inter = rng.random() < 0.4
		igst = round(taxable * 0.18, 2) if inter else 0.0
		half = 0.0 if inter else round(taxable * 0.09, 2)
		code = rng.choice(SECTIONS)
		rows.append(
			{
				"name": f"GIS-{i:07d}",
				"supplier_gstin": suppliers[i % len(suppliers)],
				"supplier_name": f"Supplier {i % 2000}",
				"section": code,
				"document_type": "",
				"document_number": f"INV/{i:06d}",
				"document_date": dt.date(2025, 10, 1) + dt.timedelta(days=i % 30),
				"supplier_period": "102025",
				"document_value": round(taxable + igst + 2 * half, 2),
				"taxable_value": taxable,
				"igst": igst,
				"cgst": half,
				"sgst": half,
				"cess": 0.0,
				"match_status": rng.choice(MATCH),
				"gstn_action": "No Action",
				"action": "No Action",
				"recommended_action": "Accepted",
				"pending_blocked": code == "CN",
				"amendment_direction": "upward"
				if code == "CNA"
				else ("downward" if code == "B2BA" else None),
			}
		)
	return rows


def filled_template(records: list[dict]) -> bytes:
	"""A template as a user would return it: a new action on every row (so every row is parsed),
	R7 answers on credit notes."""
	workbook = Workbook(write_only=True)
	ws = workbook.create_sheet("Actions")
	ws.append([c.label for c in TEMPLATE_COLUMNS])
	actions = [a.value for a in Action]
	for i, row in enumerate(records):
		values = [row.get(c.field) for c in TEMPLATE_COLUMNS]
		values[-7] = actions[i % 4]
		if row["section"] == "CN":
			values[-6] = "Y"
		ws.append(values)
	buffer = io.BytesIO()
	workbook.save(buffer)
	return buffer.getvalue()


def measure(fn: Callable[[], object]) -> tuple[float, float, object]:
	"""Seconds of one call and the growth of the process's peak RSS (MB) during it.

	Peak RSS (getrusage) rather than tracemalloc, which slows allocation-heavy code several
	times over and would distort the timing."""
	before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
	start = time.perf_counter()
	result = fn()
	seconds = time.perf_counter() - start
	after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
	return seconds, (after - before) / 1024, result


def openpyxl_template_baseline(records: list[dict]) -> bytes:
	"""The plain way: every cell through openpyxl's write-only sheet (no styles at all)."""
	workbook = Workbook(write_only=True)
	ws = workbook.create_sheet("Actions")
	ws.append([c.label for c in TEMPLATE_COLUMNS])
	for row in records:
		ws.append([row.get(c.field) for c in TEMPLATE_COLUMNS])
	buffer = io.BytesIO()
	workbook.save(buffer)
	return buffer.getvalue()


def bench_template_write(records: list[dict], *, baseline: bool) -> Iterator[str]:
	buffer = io.BytesIO()
	seconds, peak, _ = measure(lambda: write_action_template(records, buffer))
	n = len(records)
	yield f"template_write_{n}_seconds: {seconds:.2f} s"
	if baseline:
		base_seconds, _, _ = measure(lambda: openpyxl_template_baseline(records))
		yield f"template_write_{n}_openpyxl_baseline_seconds: {base_seconds:.2f} s"
		yield f"template_write_{n}_speedup_vs_openpyxl: {base_seconds / seconds:.1f} x"
	yield f"template_write_{n}_rows_per_second: {n / seconds:.0f} rows/s"
	yield f"template_write_{n}_peak_rss_growth: {peak:.1f} MB"
	yield f"template_write_{n}_file_size: {len(buffer.getvalue()) / 1e6:.1f} MB"


def _openpyxl_rows(data: bytes) -> list:
	workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
	try:
		return list(workbook["Actions"].iter_rows(values_only=True))
	finally:
		workbook.close()


def bench_import_parse(records: list[dict], *, baseline: bool) -> Iterator[str]:
	data = filled_template(records)
	seconds, peak, parsed = measure(lambda: read_action_rows(data))
	n = len(records)
	yield f"import_parse_{n}_seconds: {seconds:.2f} s"
	if baseline:
		# openpyxl's read-only reader alone, before any validation: what calamine replaces
		base_seconds, _, _ = measure(lambda: _openpyxl_rows(data))
		yield f"import_parse_{n}_openpyxl_read_only_baseline_seconds: {base_seconds:.2f} s"
		yield f"import_parse_{n}_speedup_vs_openpyxl: {base_seconds / seconds:.1f} x"
	yield f"import_parse_{n}_rows_per_second: {n / seconds:.0f} rows/s"
	yield f"import_parse_{n}_peak_rss_growth: {peak:.1f} MB"
	yield f"import_parse_{n}_valid_rows: {len(parsed.rows)} rows"
	yield f"import_parse_{n}_error_rows: {len(parsed.errors)} rows"


def bench_rule_checks(records: list[dict], *, baseline: bool) -> Iterator[str]:
	context = RuleContext(today=dt.date(2025, 11, 18), gstr3b_filed_upto="092025")
	actions = list(Action)

	def run() -> int:
		refused = 0
		for i, row in enumerate(records):
			state = RecordState.from_row(row)
			request = ActionRequest(action=actions[i % 4], itc_reduction_required="Y" if i % 8 == 0 else None)
			if check_action(state, request, context) is not None:
				refused += 1
		return refused

	seconds, peak, refused = measure(run)
	n = len(records)
	yield f"rule_check_{n}_seconds: {seconds:.2f} s"
	yield f"rule_check_{n}_per_record: {seconds / n * 1e6:.1f} us"
	yield f"rule_check_{n}_peak_rss_growth: {peak:.1f} MB"
	yield f"rule_check_{n}_refused: {refused} records"


def bench_half(sizes: list[int]) -> None:
	"""Inside the bench: bulk action and Excel import through the real services, on throwaway
	rows of the site's first configured company GSTIN (deleted afterwards)."""
	from _bench import connect, peak_rss_mb

	frappe = connect()
	from ims_compliance.services.actions import ActionRequest, apply_action
	from ims_compliance.services.excel import import_actions

	gstin_row = frappe.get_all(
		"IMS Company GSTIN", filters={"parent": "IMS Settings"}, fields=["company", "gstin"], limit=1
	)
	if not gstin_row:
		print("bench_skipped: 1 flag (no company GSTIN configured on the site)")
		return
	company, gstin = gstin_row[0].company, gstin_row[0].gstin
	for size in sizes:
		records = [dict(r, section="B2B", match_status="Exact Match") for r in generate_records(size)]
		names = _insert_rows(frappe, records, company=company, gstin=gstin)
		try:
			start = time.perf_counter()
			result = apply_action(
				ActionRequest(action=Action.ACCEPTED), names, source="Bulk", commit_per_chunk=True
			)
			seconds = time.perf_counter() - start
			print(f"bench_bulk_action_seconds_{size}: {seconds:.2f} s")
			print(f"bench_bulk_action_applied_{size}: {result.applied} records")
			print(f"bench_bulk_action_records_per_second_{size}: {size / seconds:.0f} records/s")
			for rec, name in zip(records, names, strict=True):
				rec["name"] = name
			content = filled_template([dict(r, action="Accepted") for r in records])
			start = time.perf_counter()
			imported = import_actions(content, commit=True)
			seconds = time.perf_counter() - start
			print(f"bench_excel_import_seconds_{size}: {seconds:.2f} s")
			print(f"bench_excel_import_applied_{size}: {imported['applied']} records")
			print(f"bench_excel_import_unchanged_{size}: {imported['unchanged']} records")
			print(f"bench_peak_rss_{size}: {peak_rss_mb():.0f} MB")
		finally:
			_delete_rows(frappe, names)


def _insert_rows(frappe, records, *, company: str, gstin: str) -> list[str]:
	from ims_compliance.core.records import financial_year_of

	now = frappe.utils.now_datetime()
	run = frappe.generate_hash(length=4).upper()
	fields = [
		"name",
		"creation",
		"modified",
		"owner",
		"modified_by",
		"company",
		"company_gstin",
		"supplier_gstin",
		"supplier_name",
		"section",
		"document_type",
		"document_number",
		"document_date",
		"supplier_period",
		"taxable_value",
		"igst",
		"cgst",
		"sgst",
		"cess",
		"total_tax",
		"action",
		"gstn_action",
		"match_status",
		"supplier_filed",
		"ims_key",
	]
	rows, names = [], []
	for i, r in enumerate(records):
		name = f"BENCH{run}{i:07d}"
		number = f"B{run}{i:08d}"
		r["document_number"] = number
		key = "|".join((gstin, "B2B", r["supplier_gstin"], number, financial_year_of(r["document_date"])))
		rows.append(
			(
				name,
				now,
				now,
				"Administrator",
				"Administrator",
				company,
				gstin,
				r["supplier_gstin"],
				r["supplier_name"],
				"B2B",
				"Invoice",
				number,
				r["document_date"],
				"102025",
				r["taxable_value"],
				r["igst"],
				r["cgst"],
				r["sgst"],
				r["cess"],
				r["igst"] + r["cgst"] + r["sgst"] + r["cess"],
				"No Action",
				"No Action",
				"Exact Match",
				1,
				key,
			)
		)
		names.append(name)
	frappe.db.bulk_insert(supply_doctype(), fields, rows, chunk_size=10000)
	frappe.db.commit()
	return names


def _delete_rows(frappe, names: list[str]) -> None:
	for start in range(0, len(names), 10000):
		chunk = names[start : start + 10000]
		frappe.db.delete("IMS Action Log", {"inward_supply": ("in", chunk)})
		frappe.db.delete(supply_doctype(), {"name": ("in", chunk)})
	frappe.db.commit()


def main(argv: list[str] | None = None) -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--sizes", default="5000,50000", help="comma-separated record counts")
	parser.add_argument("--bench-sizes", default="5000,50000", help="record counts for the bench half")
	parser.add_argument("--no-baseline", action="store_true", help="skip the slow openpyxl baselines")
	parser.add_argument("--in-bench", action="store_true", help=argparse.SUPPRESS)
	parser.add_argument("--no-bench", action="store_true", help="skip the bench half")
	args = parser.parse_args(argv)
	if args.in_bench:
		bench_half([int(s) for s in args.bench_sizes.split(",")])
		return
	print(f"openpyxl_uses_lxml: {int(LXML)} flag")
	for size in (int(s) for s in args.sizes.split(",")):
		records = generate_records(size)
		for bench in (bench_rule_checks, bench_import_parse, bench_template_write):
			for line in bench(records, baseline=not args.no_baseline):
				print(line, flush=True)
	from _bench import bench_available, run_in_bench

	if args.no_bench or not bench_available():
		print("bench_half_ran: 0 flag")
		return
	print("bench_half_ran: 1 flag", flush=True)
	run_in_bench(__file__, ["--bench-sizes", args.bench_sizes])


if __name__ == "__main__":
	main()
