"""Reconciliation at scale (issue 5): the pure engine on generated data, and the full job on the
bench (read supplies and Purchase Invoices, match, write back).

Run: python benchmarks/reconcile.py [--sizes 10000,50000,100000] [--bench-size 100000]
    [--baseline-size 5000] [--no-bench]
Data: core.matching.generate (2,000 suppliers, noise in 10 % of numbers and 10 % of amounts, a
few dates, other registrations of the same PAN, 1 % missing on each side).
Baselines: a naive row-by-row matcher with the same rules (speed ratio, at a small size) and an
exact-key dict lookup without normalisation (how many more links the engine finds).
Targets on this 2-core machine: engine <= 5 s and full job <= 30 s at 100k x 100k.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd
from rapidfuzz import fuzz

from ims_compliance.core.matching import SUPPLY_STATUSES, MatchStatus, Tolerances, normalise_number, reconcile
from ims_compliance.core.matching.engine import AMOUNTS, FUZZY_THRESHOLD
from ims_compliance.core.matching.generate import generate
from ims_compliance.doctype_names import supply_doctype


def exact_key_baseline(s: pd.DataFrame, p: pd.DataFrame) -> int:
	"""Exact (GSTIN, number) lookups in a dict: what a matcher without normalisation finds."""
	index = {(g, n): name for g, n, name in zip(p["supplier_gstin"], p["bill_no"], p["name"], strict=True)}
	return sum((g, n) in index for g, n in zip(s["supplier_gstin"], s["document_number"], strict=True))


def naive_loop_match(s: pd.DataFrame, p: pd.DataFrame, tol: Tolerances) -> dict[str, str]:
	"""The engine's rules row by row, without the vectorised merges: every supply scans every
	free purchase (same GSTIN or PAN and normalised number, else a close number with equal
	amounts). The speed baseline for the engine at a small size."""
	purchases = [
		(name, gstin, gstin[2:12], doc_type == "Credit Note", normalise_number(bill_no), amounts)
		for name, gstin, doc_type, bill_no, *amounts in zip(
			p["name"],
			p["supplier_gstin"],
			p["document_type"],
			p["bill_no"],
			*(p[c] for c in AMOUNTS),
			strict=True,
		)
	]
	taken: set[str] = set()
	links = {}
	for name, gstin, doc_type, number, *amounts in zip(
		s["name"],
		s["supplier_gstin"],
		s["document_type"],
		s["document_number"],
		*(s[c] for c in AMOUNTS),
		strict=True,
	):
		key, is_note, best = normalise_number(number), doc_type == "Credit Note", None
		for p_name, p_gstin, p_pan, p_note, p_key, p_amounts in purchases:
			if p_name in taken or p_note != is_note:
				continue
			if p_gstin == gstin and p_key == key:
				rank = 3
			elif p_pan == gstin[2:12] and p_key == key:
				rank = 2
			elif (
				p_gstin == gstin
				and fuzz.ratio(key, p_key) >= FUZZY_THRESHOLD
				and all(abs(a - b) <= tol.amount for a, b in zip(amounts, p_amounts, strict=True))
			):
				rank = 1
			else:
				continue
			if best is None or rank > best[0]:
				best = (rank, p_name)
		if best:
			links[name] = best[1]
			taken.add(best[1])
	return links


def peak_mb() -> float:
	"""Peak resident memory of this process so far (Linux reports KiB)."""
	return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_mb(s: pd.DataFrame, p: pd.DataFrame) -> float:
	"""Peak memory the engine allocates (tracemalloc sees numpy and pandas buffers), measured in a
	second run so tracing does not slow the timed one."""
	tracemalloc.start()
	reconcile(s, p)
	peak = tracemalloc.get_traced_memory()[1]
	tracemalloc.stop()
	return peak / 2**20


def run_engine_benchmark(sizes: list[int], *, baseline_size: int = 5000) -> None:
	"""Engine alone on generated data (2,000 suppliers, 10 % noise): time, records/s, peak memory
	and counts per status for each size; then the naive row-by-row matcher at a small size."""
	print(f"cpu_count: {os.cpu_count()} cpus")
	seconds = 0.0
	for size in sizes:
		s, p = generate(size)
		start = time.perf_counter()
		result = reconcile(s, p)
		seconds = time.perf_counter() - start
		print(f"engine_seconds_{size}: {seconds:.2f} s")
		print(f"records_per_second_{size}: {size / seconds:.0f} records/s")
		print(f"engine_peak_mb_{size}: {_peak_mb(s, p):.0f} MB")
		print(f"process_peak_rss_{size}: {peak_mb():.0f} MB")
		for status in (*SUPPLY_STATUSES, MatchStatus.MISSING_IN_IMS.value):
			key = status.lower().replace(" ", "_")
			print(f"engine_{key}_{size}: {result.stats.get(status, 0)} records")
		linked = int(result.supplies["purchase"].notna().sum())
		# ground truth: the generator made purchase P<i> from supply S<i>
		truth = result.supplies["purchase"].str[1:] == result.supplies.index.str[1:]
		has_purchase = s["name"].str[1:].isin(p["name"].str[1:]).to_numpy()
		print(f"engine_link_precision_{size}: {truth.sum() / max(linked, 1):.4f} ratio")
		print(f"engine_link_recall_{size}: {truth.to_numpy()[has_purchase].mean():.4f} ratio")
		naive = exact_key_baseline(s, p)
		print(f"exact_key_baseline_linked_{size}: {naive} records")
		print(f"engine_vs_exact_key_linked_ratio_{size}: {linked / max(naive, 1):.3f} x")
	if sizes:
		print(f"records_per_second: {sizes[-1] / seconds:.0f} records/s")
	s, p = generate(baseline_size)
	start = time.perf_counter()
	engine = reconcile(s, p).supplies["purchase"].dropna().to_dict()
	engine_seconds = time.perf_counter() - start
	start = time.perf_counter()
	naive = naive_loop_match(s, p, Tolerances())
	naive_seconds = time.perf_counter() - start
	agree = sum(engine.get(name) == link for name, link in naive.items())
	print(f"naive_loop_seconds_{baseline_size}: {naive_seconds:.2f} s")
	print(f"engine_seconds_{baseline_size}: {engine_seconds:.2f} s")
	print(f"engine_speedup_vs_naive_loop_{baseline_size}: {naive_seconds / engine_seconds:.1f} x")
	print(f"naive_loop_links_engine_agrees_{baseline_size}: {agree / max(len(naive), 1):.3f} ratio")


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
	frappe.db.bulk_insert(supply_doctype(), fields, rows, chunk_size=10000)
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
		names = frappe.get_all(supply_doctype(), filters={"name": ("like", f"RC{run}%")}, pluck="name")
		for start in range(0, len(names), 10000):
			frappe.db.delete(supply_doctype(), {"name": ("in", names[start : start + 10000])})
		frappe.db.commit()


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--sizes", default="10000,50000,100000")
	parser.add_argument("--bench-size", type=int, default=100000)
	parser.add_argument("--baseline-size", type=int, default=5000)
	parser.add_argument("--in-bench", action="store_true", help=argparse.SUPPRESS)
	parser.add_argument("--no-bench", action="store_true")
	args = parser.parse_args()
	if args.in_bench:
		in_bench(args.bench_size)
		return
	run_engine_benchmark([int(x) for x in args.sizes.split(",")], baseline_size=args.baseline_size)
	from _bench import bench_available, run_in_bench

	if args.no_bench or not bench_available():
		print("bench_half_ran: 0 flag")
		return
	print("bench_half_ran: 1 flag", flush=True)
	run_in_bench(__file__, ["--bench-size", str(args.bench_size)])


if __name__ == "__main__":
	main()
