"""Reconciliation at scale (issue 5) and right on real books (issue 15): link precision, recall and
wrong recommended Accepts on the labelled corpus, the pure engine on generated data, and the full
job on the bench reading REAL Purchase Invoices (read supplies and Purchase Invoices with their
items and taxes, match, write back).

Run: python benchmarks/reconcile.py [--sizes 10000,50000,100000] [--bench-size 10000]
    [--baseline-size 5000] [--no-bench]
Corpus: tests/core/matching/corpus.py (hand-labelled kinds x variants; labels written from the
rules, not by the engine). Engine data: core.matching.generate (2,000 suppliers, noise in 10 % of
numbers and 10 % of amounts, a few dates, other registrations of the same PAN, 1 % missing on
each side): it stands in for a month of a large buyer's IMS records and bills.
Full job: the generated bills are bulk-inserted as submitted Purchase Invoices (tabPurchase
Invoice, tabPurchase Invoice Item, tabPurchase Taxes and Charges, docstatus 1; 5 % of them with an
extra nil-rated line) on the site IMS_SITE, NOT submitted through ERPNext's controller (no GL
entries, no validations): they stand in for booked bills only as far as reconciliation reads them.
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
from _books import (
	StagePeaks,
	StatementCounter,
	cpu_reference_seconds,
	delete_bench_rows,
	insert_bench_rows,
	pool_mb,
	pool_reads,
	reset_reconciled,
	rss_now_mb,
)
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


def corpus_figures() -> None:
	"""Link precision and recall and wrong recommended Accepts over the labelled corpus (P4: the
	last must be 0). A wrong Accept is a recommended Accept whose case expects another action or
	another linked purchase; "after review" Accepts are counted too, and also on their own."""
	from tests.core.matching.corpus import corpus, run_case

	cases = corpus()
	expected_links = links = correct = 0
	wrong_accepts = wrong_after_review = accepts = after_review = status_right = action_right = supplies = 0
	start = time.perf_counter()
	for case in cases:
		frame = run_case(case).supplies
		for name, (status, purchase, action, _after) in case.expected.items():
			row = frame.loc[name]
			supplies += 1
			got = row["purchase"]
			expected_links += purchase is not None
			links += got is not None
			correct += got is not None and got == purchase
			status_right += row["match_status"] == status
			action_right += row["recommended_action"] == action
			if row["recommended_action"] == "Accepted":
				is_after = bool(row["needs_review"])
				accepts += 1
				after_review += is_after
				if action != "Accepted" or got != purchase:
					wrong_accepts += 1
					wrong_after_review += is_after
	seconds = time.perf_counter() - start
	print(f"corpus_cases: {len(cases)} cases (hand-labelled; stands in for nothing: it is the reference)")
	print(f"corpus_supplies: {supplies} records")
	print(f"corpus_link_precision: {correct / max(links, 1):.4f} ratio")
	print(f"corpus_link_recall: {correct / max(expected_links, 1):.4f} ratio")
	print(f"corpus_status_agreement: {status_right / max(supplies, 1):.4f} ratio")
	print(f"corpus_recommended_action_agreement: {action_right / max(supplies, 1):.4f} ratio")
	print(f"corpus_recommended_accepts: {accepts} records ({after_review} of them after review)")
	print(f"corpus_wrong_recommended_accepts: {wrong_accepts} records (must be 0)")
	print(f"corpus_wrong_recommended_accepts_after_review: {wrong_after_review} records (must be 0)")
	print(f"corpus_seconds: {seconds:.2f} s")


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


def _timed_job(frappe, service, gstin: str, size: int, label: str, profile: str | None) -> dict:
	from _bench import peak_rss_mb

	profiler = None
	if profile:
		from pyinstrument import Profiler

		profiler = Profiler(interval=0.005)
		profiler.start()
	print(
		f"bench_job{label}_rss_before_{size}: {rss_now_mb():.0f} MB (the process before the job: Frappe, pandas)"
	)
	print(
		f"bench_job{label}_cpu_reference_{size}: {cpu_reference_seconds():.2f} s "
		"(a fixed pure-Python loop just before the job: how fast this shared machine was; lower is faster)"
	)
	reads = pool_reads(frappe)
	with StatementCounter(frappe) as counter, StagePeaks(service) as peaks:
		start = time.perf_counter()
		# as the page's job runs it (reconcile_job: the bills on a second connection)
		result = service.reconcile(gstin, "102025", "102025", check_permission=False, parallel_bills=True)
		frappe.db.commit()
		seconds = time.perf_counter() - start
	reads = pool_reads(frappe) - reads
	if profiler:
		profiler.stop()
		Path(profile).write_text(profiler.output_text(unicode=False, color=False, show_all=False))
		print(f"bench_job_profile{label}_{size}: 1 flag (pyinstrument text in {profile}; timings include it)")
	print(f"bench_job{label}_seconds_{size}: {seconds:.2f} s (reads the real Purchase Invoice tables)")
	print(f"bench_job{label}_statements_{size}: {counter.total} statements ({counter.counts})")
	print(
		f"bench_job{label}_pool_page_reads_{size}: {reads} pages (server-wide InnoDB buffer pool misses "
		f"during the job, other sites' included; the pool is {pool_mb(frappe)} MB)"
	)
	print(f"bench_job{label}_supplies_{size}: {result['supplies']} records")
	print(f"bench_job{label}_written_{size}: {result.get('written', result['supplies'])} records changed")
	print(f"bench_job{label}_purchases_read_{size}: {result['purchases']} records")
	print(f"bench_job{label}_peak_rss_{size}: {peak_rss_mb():.0f} MB (whole process, setup included)")
	for stage, stage_seconds in result["timings"].items():
		print(f"bench_job{label}_{stage}_seconds_{size}: {stage_seconds:.2f} s")
	for stage, peak in peaks.peaks.items():
		print(f"bench_job{label}_peak_rss_after_{stage}_{size}: {peak:.0f} MB")
	return result


def in_bench(size: int, *, reuse: str | None = None, keep: bool = False, profile: str | None = None) -> None:
	"""The full job on the bench: supplies and REAL Purchase Invoice rows (bulk-inserted) for the
	site's first configured company GSTIN, then reconcile() exactly as the page runs it, twice:
	the first run (every record new to matching) and a re-run on unchanged data (what a nightly
	or per-invoice run mostly is). With --reuse TAG the rows a --keep run left are reset to
	their unreconciled state and used again instead of inserting 100k bills each time."""
	frappe = connect_bench()
	from ims_compliance.services import reconcile as service

	configured = frappe.get_all(
		"IMS Company GSTIN", filters={"parent": "IMS Settings"}, fields=["company", "gstin"], order_by="idx"
	)
	if not configured:
		print("bench_skipped: 1 flag (no company GSTIN configured on the site)")
		return
	row = configured[0]
	if reuse:  # the GSTIN the kept rows were inserted for (bench tests add GSTINs of their own)
		held = frappe.db.sql(
			f"select company_gstin from `tab{supply_doctype()}` where name like %s limit 1", f"RC{reuse}%"
		)
		row = next((r for r in configured if held and r.gstin == held[0][0]), row)
	company, gstin = row.company, row.gstin
	accounts = service.tax_accounts(gstin)
	run = reuse or frappe.generate_hash(length=4).upper()
	stored = frappe.db.sql(f"select count(*) from `tab{supply_doctype()}` where name like %s", f"RC{run}%")[
		0
	][0]
	if reuse and stored:
		# no generated frames in this process: its peak RSS is the job's own
		reset_reconciled(frappe, run)
		print(f"bench_reused_rows_{size}: {stored} records (tag {run}, reset to unreconciled, not timed)")
	else:
		s, p = generate(size, company_gstin=gstin)
		insert_bench_rows(frappe, s, p, run=run, company=company, gstin=gstin, accounts=accounts, size=size)
		del s, p
	if keep:
		print(f"bench_kept_tag: {run} (rerun with --reuse {run})")
	try:
		result = _timed_job(frappe, service, gstin, size, "", profile)
		for status, count in sorted(result["by_status"].items()):
			print(f"bench_job_{status.lower().replace(' ', '_')}_{size}: {count} records")
		linked = frappe.get_all(
			supply_doctype(),
			filters={"name": ("like", f"RC{run}%"), "purchase_invoice": ("is", "set")},
			fields=["name", "purchase_invoice"],
		)
		truth = sum(
			link.purchase_invoice[len(f"PB{run}P") :] == link.name[len(f"RC{run}S") :] for link in linked
		)
		print(f"bench_job_link_precision_{size}: {truth / max(len(linked), 1):.4f} ratio (generator's pairs)")
		accepted_wrong = frappe.db.count(
			supply_doctype(),
			{"name": ("like", f"RC{run}%"), "recommended_action": "Accepted", "needs_review": 0},
		)
		print(f"bench_job_direct_accepts_{size}: {accepted_wrong} records (Exact matches recommended Accept)")
		linked_bills = frappe.db.sql(
			f"""select count(*) from `tabPurchase Invoice` pi join `tab{supply_doctype()}` s
			on s.name = pi.ims_inward_supply and s.purchase_invoice = pi.name
			where pi.name like %s and pi.ims_match_status = s.match_status""",
			f"PB{run}%",
		)[0][0]
		print(
			f"bench_job_bills_linked_back_{size}: {linked_bills} records (bill points at its record, same status)"
		)
		_timed_job(frappe, service, gstin, size, "_rerun", None)
		_apply_recommendations(frappe, gstin, size, profile)
	finally:
		frappe.db.sql("delete from `tabIMS Action Log` where inward_supply like %s", f"RC{run}%")
		frappe.db.commit()
		if not keep:
			delete_bench_rows(frappe, run)
			frappe.db.commit()


def _apply_recommendations(frappe, gstin: str, size: int, profile: str | None) -> None:
	"""Apply Recommended over the company GSTIN's period, as the page's button does (Exact
	Matches to Accepted, Mismatches to Rejected, ...; 'after review' left alone): rules checked
	per record, one IMS Action Log row per change. Stands in for a user's monthly bulk accept."""
	from ims_compliance.services.recommendations import apply_recommendations

	profiler = None
	if profile:
		from pyinstrument import Profiler

		profiler = Profiler(interval=0.005)
		profiler.start()
	with StatementCounter(frappe) as counter:
		start = time.perf_counter()
		summary = apply_recommendations({"company_gstin": gstin, "supplier_period": "102025"})
		frappe.db.commit()
		seconds = time.perf_counter() - start
	if profiler:
		profiler.stop()
		Path(profile + ".apply").write_text(profiler.output_text(unicode=False, color=False))
	moved = sum(v["moving"] for v in summary["by_action"].values())
	refused = sum(v["refused"] for v in summary["by_action"].values())
	print(f"bench_apply_recommendations_seconds_{size}: {seconds:.2f} s (every record of the period)")
	print(f"bench_apply_recommendations_statements_{size}: {counter.total} statements ({counter.counts})")
	print(f"bench_apply_recommendations_moved_{size}: {moved} records ({refused} refused by the rules)")
	logs = frappe.db.count("IMS Action Log", {"source": "Recommendation", "inward_supply": ("like", "RC%")})
	print(f"bench_apply_recommendations_logs_{size}: {logs} rows")


def connect_bench():
	from _bench import connect

	return connect()


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--sizes", default="10000,50000,100000")
	parser.add_argument("--bench-size", type=int, default=10000)
	parser.add_argument("--baseline-size", type=int, default=5000)
	parser.add_argument("--in-bench", action="store_true", help=argparse.SUPPRESS)
	parser.add_argument("--no-bench", action="store_true")
	parser.add_argument("--bench-only", action="store_true", help="skip the corpus and engine figures")
	parser.add_argument("--keep", action="store_true", help="leave the bench rows for --reuse")
	parser.add_argument("--reuse", help="tag printed by a --keep run: reset and reuse its rows")
	parser.add_argument("--profile", help="write a pyinstrument profile of the first job run here")
	args = parser.parse_args()
	if args.in_bench:
		in_bench(args.bench_size, reuse=args.reuse, keep=args.keep, profile=args.profile)
		return
	if not args.bench_only:
		corpus_figures()
		run_engine_benchmark([int(x) for x in args.sizes.split(",")], baseline_size=args.baseline_size)
	from _bench import bench_available, run_in_bench

	if args.no_bench or not bench_available():
		print("bench_half_ran: 0 flag")
		return
	print("bench_half_ran: 1 flag", flush=True)
	extra = ["--keep"] * args.keep + ["--reuse", args.reuse] * bool(args.reuse)
	if args.profile:
		extra += ["--profile", str(Path(args.profile).resolve())]
	run_in_bench(__file__, ["--bench-size", str(args.bench_size), *extra])


if __name__ == "__main__":
	main()
