"""Server times behind the GST Invoice Management System page at 100k records (issue 8).

Run: python benchmarks/page.py [--sizes 10000,100000]
Inside the bench (IMS_BENCH, site IMS_SITE) it inserts N throwaway GST Inward Supply rows for
the site's first company GSTIN, times the page's read methods as the page calls them (Document
View first page, a filtered and sorted page, a deep page, Match Summary, Actions Summary, the
header totals), then deletes the rows. Each figure is the median of 5 calls after one warm-up.
Targets: <= 300 ms for a page, <= 200 ms per summary (issue 18: <= 100 ms for every view at
100k; the deep page by keyset is what the page's Next reads with the previous page's cursor).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STATUSES = ("Exact Match", "Exact Match", "Exact Match", "Suggested Match", "Mismatch", "Missing in PI")
ACTIONS = ("No Action", "No Action", "Accepted", "Rejected", "Pending")
SECTIONS = ("B2B", "B2B", "B2B", "B2B", "CN", "DN", "B2BA")
DOC_TYPES = {"B2B": "Invoice", "B2BA": "Invoice", "CN": "Credit Note", "DN": "Debit Note"}


def timed(fn, repeat: int = 5) -> float:
	fn()
	samples = []
	for _ in range(repeat):
		start = time.perf_counter()
		fn()
		samples.append((time.perf_counter() - start) * 1000)
	return statistics.median(samples)


def insert_rows(frappe, size: int, company: str, gstin: str, run: str) -> None:
	from ims_compliance.core.gstin import make_gstin
	from ims_compliance.doctype_names import supply_doctype

	rng = random.Random(size)
	suppliers = [
		make_gstin(rng.choice(("27", "29", "07", "33")), f"AABC{chr(65 + i % 26)}{i:04d}K")
		for i in range(2000)
	]
	now = frappe.utils.now_datetime()
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
		"document_value",
		"taxable_value",
		"igst",
		"total_tax",
		"action",
		"gstn_action",
		"match_status",
		"upload_state",
		"supplier_filed",
		"ims_key",
	]
	rows = []
	for i in range(size):
		section = rng.choice(SECTIONS)
		taxable = round(rng.uniform(500, 200000), 2)
		day = frappe.utils.add_days("2025-10-01", i % 30)
		action = rng.choice(ACTIONS)
		supplier = suppliers[i % 2000]
		number = f"P{run}{i:08d}"
		rows.append(
			(
				f"PG{run}{i:08d}",
				now,
				now,
				"Administrator",
				"Administrator",
				company,
				gstin,
				supplier,
				f"Supplier {i % 2000}",
				section,
				DOC_TYPES[section],
				number,
				day,
				"102025",
				taxable * 1.18,
				taxable,
				round(taxable * 0.18, 2),
				round(taxable * 0.18, 2),
				action,
				"No Action",
				rng.choice(STATUSES),
				"Pending Upload" if action != "No Action" else "",
				1,
				f"{gstin}|{section}|{supplier}|{number}|2025-26",
			)
		)
	frappe.db.bulk_insert(supply_doctype(), fields, rows, chunk_size=10000)
	frappe.db.commit()


def in_bench(sizes: list[int]) -> None:
	from _bench import connect

	frappe = connect()
	from ims_compliance.doctype_names import supply_doctype, supply_table
	from ims_compliance.services import queries

	row = frappe.get_all(
		"IMS Company GSTIN", filters={"parent": "IMS Settings"}, fields=["company", "gstin"], limit=1
	)
	if not row:
		print("bench_skipped: 1 flag (no company GSTIN configured on the site)")
		return
	company, gstin = row[0].company, row[0].gstin
	existing = frappe.db.count(supply_doctype(), {"company_gstin": gstin})
	for size in sizes:
		run = frappe.generate_hash(length=4).upper()
		insert_rows(frappe, size, company, gstin, run)
		frappe.db.sql(f"analyze table {supply_table()}")
		base = {"company_gstin": gstin}
		filtered = {**base, "match_status": "Mismatch", "action": "No Action", "document_type": "Invoice"}
		try:
			total = size + existing
			print(f"page_records_{size}: {total} records")
			calls = {
				"first_page": partial(queries.document_view, base, page_length=50),
				"filtered_sorted": partial(
					queries.document_view, filtered, page_length=50, sort_by="taxable_value", sort_order="asc"
				),
				"deep_page": partial(queries.document_view, base, start=total // 2, page_length=50),
				# the same page by keyset: the cursor the page holds after the page before it
				"deep_page_keyset": partial(
					queries.document_view,
					base,
					start=total // 2,
					page_length=50,
					after=queries.document_view(base, start=total // 2 - 1, page_length=1)["next"],
				),
				"match_summary": partial(queries.match_summary, base),
				"actions_summary": partial(queries.actions_summary, base),
				"header_totals": partial(queries.action_totals, base),
			}
			for label, call in calls.items():
				print(f"page_{label}_ms_{size}: {timed(call):.1f} ms")
		finally:
			names = frappe.get_all(supply_doctype(), filters={"name": ("like", f"PG{run}%")}, pluck="name")
			for start in range(0, len(names), 10000):
				frappe.db.delete(supply_doctype(), {"name": ("in", names[start : start + 10000])})
			frappe.db.commit()


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--sizes", default="10000,100000")
	parser.add_argument("--in-bench", action="store_true", help=argparse.SUPPRESS)
	args = parser.parse_args()
	sizes = [int(s) for s in args.sizes.split(",")]
	if args.in_bench:
		in_bench(sizes)
		return
	from _bench import bench_available, run_in_bench

	if not bench_available():
		print("bench_half_ran: 0 flag (no bench found; set IMS_BENCH and IMS_SITE)")
		return
	run_in_bench(__file__, ["--sizes", args.sizes])


if __name__ == "__main__":
	main()
