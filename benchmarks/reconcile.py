"""Reconciliation at scale (issue 5): the pure engine on generated data, and the full job on the
bench (read supplies and Purchase Invoices, match, write back).

Run: python benchmarks/reconcile.py [--sizes 10000,50000,100000] [--bench-size 100000]
Generator: 2,000 suppliers, one purchase document per supply, noise in 10 % of numbers (FY
tokens, separators, typos) and 10 % of amounts (rounding to Rs 5). Baseline: a plain exact-key
dict matcher (no normalisation), to show what the normalisation and fuzzy passes buy.
Targets on this 2-core machine: engine <= 5 s and full job <= 30 s at 100k x 100k.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd

from ims_compliance.core.gstin import make_gstin
from ims_compliance.core.matching import reconcile


def generate(
	size: int, *, seed: int = 11, company_gstin: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
	rng = random.Random(seed)
	company_gstin = company_gstin or make_gstin("27", "AAACI1234K")
	suppliers = [
		make_gstin(rng.choice(("27", "29", "07", "33")), f"AABC{chr(65 + i % 26)}{i:04d}K")
		for i in range(2000)
	]
	supplies, purchases = [], []
	for i in range(size):
		gstin = suppliers[i % 2000]
		taxable = round(rng.uniform(500, 200000), 2)
		igst = round(taxable * 0.18, 2)
		day = pd.Timestamp("2025-10-01") + pd.Timedelta(days=i % 30)
		number = f"INV/{i:07d}"
		bill_no = number
		p_igst = igst
		roll = rng.random()
		if roll < 0.04:
			bill_no = f"{i}/25-26"
		elif roll < 0.07:
			bill_no = number.replace("/", "-").lower()
		elif roll < 0.10:
			bill_no = number[:-2] + number[-1] + number[-2]  # swapped digits
		if rng.random() < 0.10:
			p_igst = round(igst + rng.choice((-5, 5, 0.4)), 2)
		document_type = "Credit Note" if i % 20 == 0 else "Invoice"
		supplies.append(
			(
				f"S{i}",
				gstin,
				company_gstin,
				document_type,
				"CN" if document_type == "Credit Note" else "B2B",
				number,
				day,
				None,
				None,
				"27",
				False,
				taxable,
				igst,
				0.0,
				0.0,
				0.0,
				True,
				None,
				None,
			)
		)
		purchases.append(
			(
				f"P{i}",
				gstin,
				company_gstin,
				document_type,
				bill_no,
				day,
				"27",
				False,
				taxable,
				p_igst,
				0.0,
				0.0,
				0.0,
			)
		)
	s = pd.DataFrame(
		supplies,
		columns=[
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
			"purchase",
		],
	)
	p = pd.DataFrame(
		purchases,
		columns=[
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
		],
	)
	return s, p


def baseline(s: pd.DataFrame, p: pd.DataFrame) -> int:
	"""Exact (GSTIN, number) lookups in a dict: what a naive matcher finds."""
	index = {(g, n): name for g, n, name in zip(p["supplier_gstin"], p["bill_no"], p["name"], strict=True)}
	return sum((g, n) in index for g, n in zip(s["supplier_gstin"], s["document_number"], strict=True))


def peak_mb() -> float:
	return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_engine_benchmark(sizes: list[int]) -> None:
	for size in sizes:
		s, p = generate(size)
		start = time.perf_counter()
		result = reconcile(s, p)
		seconds = time.perf_counter() - start
		print(f"engine_seconds_{size}: {seconds:.2f} s")
		print(f"engine_records_per_second_{size}: {size / seconds:.0f} records/s")
		print(f"engine_peak_rss_{size}: {peak_mb():.0f} MB")
		matched = 0
		for status, count in sorted(result.stats.items()):
			key = status.lower().replace(" ", "_")
			print(f"engine_{key}_{size}: {count} records")
			if status in ("Exact Match", "Suggested Match", "Mismatch"):
				matched += count
		start = time.perf_counter()
		naive = baseline(s, p)
		print(f"baseline_exact_key_seconds_{size}: {time.perf_counter() - start:.2f} s")
		print(f"baseline_exact_key_matched_{size}: {naive} records")
		print(f"engine_vs_baseline_matched_ratio_{size}: {matched / max(naive, 1):.3f} x")


def in_bench(size: int) -> None:
	"""The full job on the bench: rows inserted for a throwaway company GSTIN, then reconcile()."""
	from _bench import connect, peak_rss_mb

	frappe = connect()
	from ims_compliance.core.records import financial_year_of
	from ims_compliance.services import reconcile as service

	row = frappe.get_all(
		"IMS Company GSTIN", filters={"parent": "IMS Settings"}, fields=["company", "gstin"], limit=1
	)
	if not row:
		print("bench_skipped: 1 flag (no company GSTIN configured on the site)")
		return
	company, gstin = row[0].company, row[0].gstin
	s, p = generate(size, company_gstin=gstin)
	run = frappe.generate_hash(length=4).upper()
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
		"section",
		"document_type",
		"document_number",
		"document_date",
		"supplier_period",
		"taxable_value",
		"igst",
		"total_tax",
		"action",
		"gstn_action",
		"match_status",
		"supplier_filed",
		"ims_key",
		"place_of_supply",
	]
	rows = [
		(
			f"RC{run}{r.name}",
			now,
			now,
			"Administrator",
			"Administrator",
			company,
			gstin,
			r.supplier_gstin,
			r.section,
			r.document_type,
			f"{r.document_number}{run}",
			r.document_date.date(),
			"102025",
			r.taxable_value,
			r.igst,
			r.igst,
			"No Action",
			"No Action",
			"Missing in PI",
			1,
			f"{gstin}|{r.section}|{r.supplier_gstin}|{r.document_number}{run}|{financial_year_of(r.document_date.date())}",
			"27",
		)
		for r in s.itertuples()
	]
	frappe.db.bulk_insert("GST Inward Supply", fields, rows, chunk_size=10000)
	frappe.db.commit()
	p = p.assign(bill_no=p["bill_no"] + run)
	original_read = service.read_purchases
	service.read_purchases = lambda *args, **kwargs: p  # Purchase Invoices at this volume are not made here
	try:
		start = time.perf_counter()
		result = service.reconcile(gstin, "102025", "102025")
		seconds = time.perf_counter() - start
		frappe.db.commit()
		print(f"bench_job_seconds_{size}: {seconds:.2f} s")
		print(f"bench_job_supplies_{size}: {result['supplies']} records")
		print(f"bench_job_peak_rss_{size}: {peak_rss_mb():.0f} MB")
		for stage, stage_seconds in result["timings"].items():
			print(f"bench_job_{stage}_seconds_{size}: {stage_seconds:.2f} s")
		for status, count in sorted(result["by_status"].items()):
			print(f"bench_job_{status.lower().replace(' ', '_')}_{size}: {count} records")
	finally:
		service.read_purchases = original_read
		names = frappe.get_all("GST Inward Supply", filters={"name": ("like", f"RC{run}%")}, pluck="name")
		for start in range(0, len(names), 10000):
			frappe.db.delete("GST Inward Supply", {"name": ("in", names[start : start + 10000])})
		frappe.db.commit()


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--sizes", default="10000,50000,100000")
	parser.add_argument("--bench-size", type=int, default=100000)
	parser.add_argument("--in-bench", action="store_true", help=argparse.SUPPRESS)
	parser.add_argument("--no-bench", action="store_true")
	args = parser.parse_args()
	if args.in_bench:
		in_bench(args.bench_size)
		return
	run_engine_benchmark([int(x) for x in args.sizes.split(",")])
	from _bench import bench_available, run_in_bench

	if args.no_bench or not bench_available():
		print("bench_half_ran: 0 flag")
		return
	print("bench_half_ran: 1 flag", flush=True)
	run_in_bench(__file__, ["--bench-size", str(args.bench_size)])


if __name__ == "__main__":
	main()
