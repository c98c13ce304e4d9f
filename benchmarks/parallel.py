"""Scale-out on Frappe's own job engine (issue 18): one reconcile job per company GSTIN, 4 GSTINs
x N records each, run by 1 RQ worker and then by 2, on the bench.

Run: python benchmarks/parallel.py [--size 25000] [--workers 1,2]
Inside the bench (IMS_BENCH, site IMS_SITE): 4 throwaway company GSTINs on the site's first
company, each with N IMS records and about N REAL Purchase Invoices with items and taxes
(bulk-inserted by SQL, not through ERPNext's controller: see _books.py; not timed). For each
worker count: every record and bill is reset to unreconciled, that many `bench worker --queue
long` processes are started with this checkout's code, and the four jobs are enqueued exactly as
the page enqueues them (services.reconcile.enqueue_reconcile: queue "long", one job id per
GSTIN). Timed from the first enqueue to the last job's end. Printed: wall seconds, records per
second, the ratio to 1 worker, failed jobs, and the server's InnoDB row lock waits and
deadlocks during the run (server-wide counters: other sites' work would show up too).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STATES = ("27", "29", "07", "33")
COUNTERS = (
	"Innodb_deadlocks",
	"Innodb_row_lock_waits",
	"Innodb_row_lock_time",
	"Innodb_row_lock_current_waits",
)


def counters(frappe) -> dict[str, int]:
	rows = frappe.db.sql(
		"show global status where Variable_name in ({})".format(", ".join(["%s"] * len(COUNTERS))), COUNTERS
	)
	return {name: int(value) for name, value in rows}


def start_workers(count: int) -> list[subprocess.Popen]:
	"""`bench worker --queue long`, as the bench runs it, from the sites folder, this checkout first."""
	command = [sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "worker", "--queue", "long"]
	return [
		subprocess.Popen(
			command,
			cwd=os.getcwd(),
			env=os.environ.copy(),
			stdout=subprocess.DEVNULL,
			stderr=subprocess.DEVNULL,
			start_new_session=True,
		)
		for _ in range(count)
	]


def stop_workers(workers: list[subprocess.Popen]) -> None:
	for worker in workers:
		try:
			os.killpg(worker.pid, signal.SIGTERM)
		except ProcessLookupError:
			pass
	for worker in workers:
		try:
			worker.wait(timeout=30)
		except subprocess.TimeoutExpired:
			os.killpg(worker.pid, signal.SIGKILL)


def wait_for_workers(count: int, before: int, timeout: float = 120) -> None:
	"""Until `count` more workers listen on the bench's Redis queue (they take a few seconds to import)."""
	from rq import Worker

	from frappe.utils.background_jobs import get_redis_conn

	deadline = time.monotonic() + timeout
	while len(Worker.all(connection=get_redis_conn())) < before + count:
		if time.monotonic() > deadline:
			raise RuntimeError(f"{count} workers did not start within {timeout:.0f} s")
		time.sleep(0.5)


def run_round(frappe, gstins: list[str], tags: list[str], workers: int, size: int) -> dict:
	from _books import reset_reconciled
	from rq import Worker

	from frappe.utils.background_jobs import get_job, get_redis_conn

	from ims_compliance.services import reconcile as service

	for tag in tags:
		reset_reconciled(frappe, tag)
	before = len(Worker.all(connection=get_redis_conn()))
	processes = start_workers(workers)
	try:
		wait_for_workers(workers, before)
		start_counters = counters(frappe)
		start = time.perf_counter()
		job_ids = []
		for gstin in gstins:
			queued = service.enqueue_reconcile(gstin, "102025", "102025")
			if not queued.get("queued"):
				raise RuntimeError(f"reconcile for {gstin} not queued: {queued}")
			job_ids.append(queued["job_id"])  # get_job adds the site prefix
		frappe.db.commit()
		jobs = {job_id: None for job_id in job_ids}
		while any(status not in ("finished", "failed", "stopped", "canceled") for status in jobs.values()):
			time.sleep(0.2)
			for job_id in jobs:
				job = get_job(job_id)
				jobs[job_id] = job.get_status(refresh=True) if job else "missing"
		seconds = time.perf_counter() - start
		end_counters = counters(frappe)
		results = {}
		for job_id in job_ids:
			job = get_job(job_id)
			results[job_id] = (job.return_value() if job and jobs[job_id] == "finished" else None) or {}
		return {
			"seconds": seconds,
			"failed": sum(status != "finished" for status in jobs.values()),
			"statuses": jobs,
			"by_status": [r.get("by_status") for r in results.values()],
			"job_seconds": [sum((r.get("timings") or {}).values()) for r in results.values()],
			**{
				k: end_counters[k] - start_counters[k]
				for k in COUNTERS
				if k != "Innodb_row_lock_current_waits"
			},
		}
	finally:
		stop_workers(processes)


def in_bench(size: int, worker_counts: list[int]) -> None:
	from _bench import connect
	from _books import delete_bench_rows, insert_bench_rows

	frappe = connect()
	from ims_compliance.core.gstin import make_gstin
	from ims_compliance.core.matching.generate import generate
	from ims_compliance.services import reconcile as service

	company = frappe.get_all("Company", pluck="name", limit=1)[0]
	first = frappe.get_all(
		"IMS Company GSTIN", filters={"parent": "IMS Settings"}, fields=["company"], limit=1
	)
	if first:
		company = first[0].company
	pan_seed = f"{random.randrange(10000):04d}"
	gstins = [make_gstin(state, f"AABCP{pan_seed}P") for state in STATES]
	tags = [f"PX{i}{pan_seed}" for i in range(len(gstins))]
	settings = frappe.get_single("IMS Settings")
	for gstin in gstins:
		settings.append("company_gstins", {"company": company, "gstin": gstin, "gstn_username": "parallel"})
	settings.save()
	frappe.db.commit()
	try:
		accounts = service.tax_accounts(gstins[0])
		setup = time.perf_counter()
		for index, (gstin, tag) in enumerate(zip(gstins, tags, strict=True)):
			s, p = generate(size, seed=31 + index, company_gstin=gstin)
			insert_bench_rows(
				frappe, s, p, run=tag, company=company, gstin=gstin, accounts=accounts, size=size
			)
		print(
			f"parallel_setup_seconds: {time.perf_counter() - setup:.1f} s ({len(gstins)} GSTINs x {size} "
			"records and bills, bulk-inserted, not timed)"
		)
		print(f"parallel_gstins: {len(gstins)} count")
		print(f"parallel_records_per_gstin: {size} records")
		baseline = None
		outcomes = []
		for workers in worker_counts:
			result = run_round(frappe, gstins, tags, workers, size)
			total = size * len(gstins)
			baseline = baseline or result["seconds"]
			print(
				f"parallel_{workers}_workers_seconds: {result['seconds']:.2f} s (first enqueue to last job end)"
			)
			print(f"parallel_{workers}_workers_throughput: {total / result['seconds']:.0f} records/s")
			print(
				f"parallel_{workers}_workers_speedup: {baseline / result['seconds']:.2f} x (vs {worker_counts[0]} worker)"
			)
			print(f"parallel_{workers}_workers_failed_jobs: {result['failed']} jobs ({result['statuses']})")
			print(f"parallel_{workers}_workers_deadlocks: {result['Innodb_deadlocks']} count (server-wide)")
			print(
				f"parallel_{workers}_workers_row_lock_waits: {result['Innodb_row_lock_waits']} count (server-wide)"
			)
			print(
				f"parallel_{workers}_workers_row_lock_time: {result['Innodb_row_lock_time']} ms (server-wide)"
			)
			print(
				f"parallel_{workers}_workers_job_seconds: "
				+ " ".join(f"{s:.1f}" for s in result["job_seconds"])
				+ " s (each job's own stages)"
			)
			print(f"parallel_{workers}_workers_by_status: {result['by_status']}")
			outcomes.append(result["by_status"])
		same = all(outcome == outcomes[0] for outcome in outcomes)
		print(
			f"parallel_results_identical: {int(same)} flag (every worker count matched the same records the same way)"
		)
	finally:
		for tag in tags:
			delete_bench_rows(frappe, tag)
		settings = frappe.get_single("IMS Settings")
		settings.company_gstins = [row for row in settings.company_gstins if row.gstin not in gstins]
		settings.save()
		frappe.db.commit()


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--size", type=int, default=25000)
	parser.add_argument("--workers", default="1,2")
	parser.add_argument("--in-bench", action="store_true", help=argparse.SUPPRESS)
	args = parser.parse_args()
	counts = [int(x) for x in args.workers.split(",")]
	if args.in_bench:
		in_bench(args.size, counts)
		return
	from _bench import bench_available, run_in_bench

	if not bench_available():
		print("bench_half_ran: 0 flag (no bench found; set IMS_BENCH and IMS_SITE)")
		return
	run_in_bench(__file__, ["--size", str(args.size), "--workers", args.workers])


if __name__ == "__main__":
	main()
