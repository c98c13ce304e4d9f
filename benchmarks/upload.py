"""Upload at scale on the bench (issue 7): N pending actions sent to the built-in sandbox.

Run: python benchmarks/upload.py [--sizes 10000,100000] [--baseline 500]
For each size, inside the bench (IMS_BENCH, site IMS_SITE): a throwaway company GSTIN, the
sandbox (in-process, real HTTP) seeded with N records, downloaded, every record given an
action other than GSTN's (A/R/P/N), then one `upload()` timed end to end: planning, storing
the requests, SAVE/RESETIMS bodies under 4 MB, REQSTS polling, applying every row's result and
its IMS Action Log row. Prints time, requests, bytes and records/s per size; then the baseline:
the same results applied row by row (a `frappe.db.set_value` + log insert per record, as a
naive job would), timed on a sample and projected. Target: 100k in <= 60 s (issue 7), <= 30 s
on a 2-core machine (issue 18). `--profile FILE` writes a pyinstrument profile of the largest size.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ims_compliance.doctype_names import supply_doctype


def free_port() -> int:
	with socket.socket() as probe:
		probe.bind(("127.0.0.1", 0))
		return probe.getsockname()[1]


def counting(sql, statements: list):
	"""frappe.db.sql, counting the statements and the seconds spent in them."""

	def counted(*args, **kwargs):
		began = time.perf_counter()
		try:
			return sql(*args, **kwargs)
		finally:
			statements[0] += 1
			statements[1] += time.perf_counter() - began

	return counted


CYCLE = {"No Action": "Accepted", "Accepted": "Rejected", "Rejected": "Pending", "Pending": "No Action"}


def in_bench(sizes: list[int], baseline: int, profile: str | None = None) -> None:
	from _bench import connect, peak_rss_mb

	frappe = connect()
	import requests

	from ims_compliance.core.gstin import make_gstin
	from ims_compliance.gstn.sandbox import SANDBOX_OTP
	from ims_compliance.services import upload as service
	from ims_compliance.services.connection import make_client
	from ims_compliance.services.download import download

	company = frappe.get_all("Company", pluck="name", limit=1)[0]
	settings = frappe.get_single("IMS Settings")
	old = (settings.base_url, settings.connection_mode, settings.recompute_2b_after_upload)
	tmp = tempfile.TemporaryDirectory()
	# GSTN is another machine: the sandbox runs in its own process, so its work (parsing and
	# applying 4 MB bodies, writing its state file) is not counted as ours
	port = free_port()
	command = [sys.executable, "-m", "ims_compliance.gstn.sandbox", "--port", str(port)]
	command += ["--state", f"{tmp.name}/state.json"]
	env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
	sandbox = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
	sandbox.stdout.readline()  # it prints one line once it is listening
	url = f"http://127.0.0.1:{port}"
	gstins = []
	timings = {}
	try:
		for size in sizes:
			gstin = make_gstin("32", f"AABCU{len(gstins) + size % 10000:04d}U")
			gstins.append(gstin)
			settings.append("company_gstins", {"company": company, "gstin": gstin, "gstn_username": "bench"})
			settings.base_url, settings.connection_mode = url, "Sandbox"
			settings.recompute_2b_after_upload = 0
			settings.save()
			frappe.db.commit()
			requests.post(
				f"{url}/sandbox/generate", json={"gstin": gstin, "n": size, "seed": 9}, timeout=600
			).raise_for_status()
			client = make_client(gstin)
			client.request_otp()
			client.authenticate(SANDBOX_OTP)
			download(gstin, client=client, force=True)
			table = frappe.qb.DocType(supply_doctype())
			for current, wanted in CYCLE.items():
				rows = (
					frappe.qb.update(table)
					.set(table.action, wanted)
					.set(table.upload_state, "Pending Upload")
				)
				rows = rows.where(table.company_gstin == gstin).where(table.gstn_action == current)
				if wanted == "Pending":
					rows = rows.where(table.pending_blocked == 0)
				rows.run()
			# R7: where GSTN asks on an Accept, the answer is a full reversal (as the page records)
			frappe.qb.update(table).set(table.itc_reduction_required, "Y").where(
				table.company_gstin == gstin
			).where(table.action == "Accepted").where(table.itc_reduction_blocked == 0).run()
			frappe.db.commit()
			pending = len(service.pending_rows(gstin))
			start = time.perf_counter()
			poll = service.PollPolicy(delays=(0.5, 1, 2))
			sql, statements = frappe.db.sql, [0, 0.0]
			frappe.db.sql = counting(sql, statements)
			profiler = None
			if profile and size == sizes[-1]:
				from pyinstrument import Profiler

				profiler = Profiler(interval=0.005)
				profiler.start()
			try:
				result = service.upload(gstin, client=client, poll=poll)
			finally:
				frappe.db.sql = sql
				if profiler:
					profiler.stop()
					Path(profile).write_text(profiler.output_text(unicode=False, color=False, show_all=False))
			seconds = time.perf_counter() - start
			if profiler:
				print(f"upload_profile_{size}: 1 flag (pyinstrument text in {profile}; timing includes it)")
			timings[size] = seconds
			print(f"upload_pending_{size}: {pending} records")
			print(f"upload_seconds_{size}: {seconds:.2f} s")
			print(f"upload_records_per_second_{size}: {result.sent / seconds:.0f} records/s")
			print(f"upload_requests_{size}: {result.requests} requests")
			print(f"upload_bytes_{size}: {result.bytes} bytes")
			print(f"upload_statements_{size}: {statements[0]} statements")
			print(f"upload_statement_seconds_{size}: {statements[1]:.2f} s")
			print(f"upload_api_calls_{size}: {result.api_calls} calls")
			print(f"upload_processed_{size}: {result.processed} records")
			print(f"upload_failed_{size}: {result.failed + result.refused} records")
			left = frappe.db.count(
				supply_doctype(),
				{"company_gstin": gstin, "upload_state": ("in", ("Pending Upload", "Uploading"))},
			)
			print(f"upload_left_pending_{size}: {left} records")
		print(f"upload_peak_rss: {peak_rss_mb():.0f} MB")
		if len(sizes) > 1:
			small, large = sizes[0], sizes[-1]
			scale = (timings[large] / large) / (timings[small] / small)
			print(f"upload_per_record_cost_ratio_{large}_vs_{small}: {scale:.2f} x")

		# baseline: the results applied one row at a time
		names = frappe.get_all(
			supply_doctype(), filters={"company_gstin": gstins[-1]}, pluck="name", limit=baseline
		)
		start = time.perf_counter()
		for name in names:
			row = frappe.db.get_value(supply_doctype(), name, ["action", "gstn_action"], as_dict=True)
			frappe.db.set_value(
				supply_doctype(), name, {"gstn_action": row.action, "upload_state": "Uploaded"}
			)
			frappe.get_doc(
				{
					"doctype": "IMS Action Log",
					"inward_supply": name,
					"from_action": row.gstn_action,
					"to_action": row.action,
					"source": "Upload Result",
				}
			).insert(ignore_permissions=True)
		per_record = (time.perf_counter() - start) / max(len(names), 1)
		frappe.db.rollback()
		large = sizes[-1]
		print(f"baseline_row_by_row_result_ms_per_record: {per_record * 1000:.2f} ms")
		print(f"baseline_row_by_row_results_projected_{large}: {per_record * large:.0f} s")
		print(f"upload_vs_row_by_row_results_ratio_{large}: {per_record * large / timings[large]:.1f} x")
	finally:
		sandbox.terminate()
		sandbox.wait(timeout=30)
		tmp.cleanup()
		for gstin in gstins:
			names = frappe.get_all(supply_doctype(), filters={"company_gstin": gstin}, pluck="name")
			for start in range(0, len(names), 10000):
				frappe.db.delete("IMS Action Log", {"inward_supply": ("in", names[start : start + 10000])})
			frappe.db.delete(supply_doctype(), {"company_gstin": gstin})
			frappe.db.delete("IMS Upload Request", {"company_gstin": gstin})
		settings = frappe.get_single("IMS Settings")
		settings.company_gstins = [row for row in settings.company_gstins if row.gstin not in gstins]
		settings.base_url, settings.connection_mode, settings.recompute_2b_after_upload = old
		settings.save()
		frappe.db.commit()


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--sizes", default="10000,100000")
	parser.add_argument("--baseline", type=int, default=500)
	parser.add_argument("--profile", help="write a pyinstrument profile of the largest size here")
	parser.add_argument("--in-bench", action="store_true", help=argparse.SUPPRESS)
	args = parser.parse_args()
	sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
	if args.in_bench:
		in_bench(sizes, args.baseline, args.profile)
		return
	from _bench import bench_available, run_in_bench

	if not bench_available():
		print("bench_half_ran: 0 flag (no bench found; set IMS_BENCH and IMS_SITE)")
		return
	extra = ["--profile", str(Path(args.profile).resolve())] if args.profile else []
	run_in_bench(__file__, ["--sizes", args.sizes, "--baseline", str(args.baseline), *extra])


if __name__ == "__main__":
	main()
