"""Fault campaign for the upload pipeline (issue 7), on the bench against the built-in sandbox.

Run: python benchmarks/faults.py [--runs 100] [--records 60] [--seed 0] [--body-bytes N]
Each run, seeded: the sandbox holds N records, we download them, the "user" sets random
actions (A/R/P/N), then uploads while the sandbox injects random 503s/500s, read timeouts,
dropped connections and session expiry, sometimes keeps requests stuck in IP, and the
"worker" is killed (an exception at one of the upload service's checkpoints, then a rollback
of whatever was not committed, as a dead process leaves it). The user retries, logging in
again when GSTN asks. Then the faults stop, stuck requests are released, and the jobs are
resumed as the scheduler would, then uploaded once more. Checked after each run:
- lost: a record whose wanted action is neither on GSTN nor still pending here;
- stale: SAVEs GSTN refused because `prev_status` was stale (a record sent twice);
- out of sync: our `gstn_action` differs from what the sandbox holds.
Prints totals and per-fault counts as `metric: value unit` lines.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ims_compliance.doctype_names import supply_doctype

ACTIONS = ("Accepted", "Rejected", "Pending", "No Action")
CODES = {"Accepted": "A", "Rejected": "R", "Pending": "P", "No Action": "N"}
STAGES = ("before-send", "after-send", "after-reference")


class WorkerKilled(Exception):
	pass


def in_bench(runs: int, records: int, seed: int, body_bytes: int | None = None) -> None:
	from _bench import connect

	frappe = connect()
	from ims_compliance.core.gstin import make_gstin
	from ims_compliance.gstn.errors import GstnError, OtpRequired
	from ims_compliance.gstn.sandbox import SANDBOX_OTP, SandboxServer
	from ims_compliance.gstn.sandbox.faults import FaultPlan
	from ims_compliance.gstn.settings import RetryPolicy
	from ims_compliance.services import upload as service
	from ims_compliance.services.connection import CacheSessionStore, make_client
	from ims_compliance.services.download import COUNTS_KEY, download

	company = frappe.get_all("Company", pluck="name", limit=1)[0]
	gstin = make_gstin("24", "AABCF" + f"{random.Random(seed).randrange(10000):04d}" + "F")
	settings = frappe.get_single("IMS Settings")
	old = (settings.base_url, settings.connection_mode, settings.recompute_2b_after_upload)
	tmp = tempfile.TemporaryDirectory()
	sandbox = SandboxServer(state_path=f"{tmp.name}/state.json", port=0, flush_interval=5).start()
	totals = {"lost": 0, "stale": 0, "out_of_sync": 0, "crashes": 0, "gstn_errors": 0, "relogins": 0}
	totals |= {"resynced": 0, "unfinished_runs": 0, "wanted": 0}
	faults_seen: dict[str, int] = {}
	# settle: longer than a timed-out PUT can take to reach the sandbox (0.8 s) plus the time it
	# takes to process a request nobody polls (2 s), as the production default (300 s) is meant
	# to be longer than GSTN ever takes
	poll = service.PollPolicy(delays=(0.05, 0.1, 0.2), budget=1.0, settle=4.0)
	started = time.perf_counter()

	def client_for():
		client = make_client(gstin)
		if body_bytes:  # small bodies: several requests per run, so kills land between them
			client.settings = dataclasses.replace(client.settings, max_body_bytes=body_bytes)
		client.transport.retry = RetryPolicy(attempts=3, base_delay=0.02, max_delay=0.1, seed=seed)
		client.transport.timeout = (1.0, 0.6)
		return client

	def absorb_counts():
		for fault, count in sandbox.faults.counts.items():
			faults_seen[fault] = faults_seen.get(fault, 0) + count

	def login():
		client = client_for()
		client.request_otp()
		client.authenticate(SANDBOX_OTP)

	def clean_up():
		names = frappe.get_all(supply_doctype(), filters={"company_gstin": gstin}, pluck="name")
		for start in range(0, len(names), 5000):
			frappe.db.delete("IMS Action Log", {"inward_supply": ("in", names[start : start + 5000])})
		frappe.db.delete(supply_doctype(), {"company_gstin": gstin})
		frappe.db.delete("IMS Upload Request", {"company_gstin": gstin})
		frappe.db.commit()

	try:
		settings.append("company_gstins", {"company": company, "gstin": gstin, "gstn_username": "faults"})
		settings.base_url, settings.connection_mode = sandbox.url, "Sandbox"
		settings.recompute_2b_after_upload = 0
		settings.save()
		frappe.db.commit()
		for run in range(runs):
			rng = random.Random(seed * 1000 + run)
			clean_up()
			sandbox.set_faults(FaultPlan())
			sandbox.state.clear()
			sandbox.state.generate(gstin, records, seed=run)
			CacheSessionStore(gstin).save({})
			frappe.cache.delete_value(COUNTS_KEY.format(gstin))
			login()
			download(gstin, client=client_for())
			rows = frappe.get_all(
				supply_doctype(),
				filters={"company_gstin": gstin},
				fields=["name", "gstn_action", "pending_blocked", "section", "itc_reduction_blocked"],
			)
			wanted = {}
			for row in rows:
				action = rng.choice(ACTIONS)
				if action == row.gstn_action or (action == "Pending" and row.pending_blocked):
					continue
				if action == "Rejected" and row.section.startswith("IMPG"):
					continue
				wanted[row.name] = action
				values = {"action": action, "upload_state": "Pending Upload"}
				if action == "Accepted" and not row.itc_reduction_blocked:
					values["itc_reduction_required"] = "Y"  # R7 answered: full reversal
				frappe.db.set_value(supply_doctype(), row.name, values)
			frappe.db.commit()
			totals["wanted"] += len(wanted)

			plan = FaultPlan(
				seed=run,
				error_rate=rng.choice((0.0, 0.1, 0.25)),
				timeout_rate=rng.choice((0.0, 0.05, 0.1)),
				timeout_seconds=0.8,
				drop_rate=rng.choice((0.0, 0.05)),
				expire_sessions_after=rng.choice((None, 5, 12)),
				stuck_requests=rng.random() < 0.2,
			)
			sandbox.set_faults(plan)
			kill_stage = rng.choice((*STAGES, None))
			kill_after = rng.randrange(1, 4)
			calls = {"n": 0}

			def checkpoint(stage, request, _stage=kill_stage, _after=kill_after, _calls=calls):
				if stage == _stage:
					_calls["n"] += 1
					if _calls["n"] == _after:
						raise WorkerKilled(stage)

			service._checkpoint = checkpoint
			for _attempt in range(3):  # the user presses Upload up to three times
				try:
					service.upload(gstin, client=client_for(), poll=poll)
					break
				except WorkerKilled:
					frappe.db.rollback()  # what was not committed dies with the worker
					totals["crashes"] += 1
				except OtpRequired:
					frappe.db.rollback()
					absorb_counts()
					sandbox.set_faults(FaultPlan())
					login()
					sandbox.set_faults(FaultPlan(**{**plan.as_dict(), "seed": plan.seed + 7919}))
					totals["relogins"] += 1
				except GstnError:
					frappe.db.rollback()
					totals["gstn_errors"] += 1
			service._checkpoint = lambda stage, request: None
			absorb_counts()

			# faults over: GSTN releases stuck requests; the scheduler resumes; the user uploads
			sandbox.set_faults(FaultPlan())
			with sandbox.state.lock:
				for request in sandbox.state.requests.values():
					request["stuck"] = False
			login()
			time.sleep(poll.settle + 0.1)
			for _round in range(4):
				for resume in (True, False):
					try:
						result = service.upload(gstin, client=client_for(), poll=poll, resume=resume)
					except OtpRequired:  # a session the faults expired: the user logs in again
						frappe.db.rollback()
						login()
						totals["relogins"] += 1
						result = service.upload(gstin, client=client_for(), poll=poll, resume=resume)
					totals["resynced"] += result.resynced
				open_requests = frappe.db.count(
					"IMS Upload Request", {"company_gstin": gstin, "status": ("in", service.OPEN)}
				)
				if not open_requests and not result.in_progress:
					break
				time.sleep(poll.settle + 0.1)
			else:
				totals["unfinished_runs"] += 1

			final = {
				r.name: r
				for r in frappe.get_all(
					supply_doctype(),
					filters={"company_gstin": gstin},
					fields=[
						"name",
						"supplier_gstin",
						"document_number",
						"gstn_action",
						"upload_state",
						"action",
					],
				)
			}
			on_gstn = {}
			for section_rows in sandbox.state.records[gstin].values():
				for record in section_rows.values():
					number = record.get("inum") or record.get("nt_num") or record.get("boenum")
					on_gstn[(record.get("stin", ""), number)] = record.get("action", "N")
			for name, action in wanted.items():
				row = final[name]
				landed = on_gstn.get((row.supplier_gstin or "", row.document_number)) == CODES[action]
				pending = row.upload_state in ("Pending Upload", "Failed") and row.action == action
				if not (landed or pending):
					totals["lost"] += 1
			for row in final.values():
				if on_gstn.get((row.supplier_gstin or "", row.document_number)) != CODES[row.gstn_action]:
					totals["out_of_sync"] += 1
			totals["stale"] += sandbox.state.stats.get("stale_prev_status", 0)
	finally:
		service._checkpoint = lambda stage, request: None
		sandbox.stop()
		tmp.cleanup()
		clean_up()
		settings = frappe.get_single("IMS Settings")
		settings.company_gstins = [row for row in settings.company_gstins if row.gstin != gstin]
		settings.base_url, settings.connection_mode, settings.recompute_2b_after_upload = old
		settings.save()
		frappe.db.commit()

	print(f"fault_runs: {runs} runs")
	print(f"fault_records_per_run: {records} records")
	print(f"fault_actions_wanted: {totals['wanted']} records")
	print(f"fault_records_lost: {totals['lost']} records")
	print(f"fault_stale_prev_status_sends: {totals['stale']} records")
	print(f"fault_out_of_sync_rows: {totals['out_of_sync']} records")
	print(f"fault_worker_kills: {totals['crashes']} kills")
	print(f"fault_gstn_errors_seen_by_user: {totals['gstn_errors']} errors")
	print(f"fault_relogins: {totals['relogins']} logins")
	print(f"fault_records_resynced: {totals['resynced']} records")
	print(f"fault_unfinished_runs: {totals['unfinished_runs']} runs")
	for fault, count in sorted(faults_seen.items()):
		print(f"fault_injected_{fault}: {count} answers")
	print(f"fault_campaign_seconds: {time.perf_counter() - started:.1f} s")


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--runs", type=int, default=100)
	parser.add_argument("--records", type=int, default=60)
	parser.add_argument("--seed", type=int, default=0)
	parser.add_argument(
		"--body-bytes", type=int, default=0, help="SAVE/RESETIMS body limit (default: GSTN's)"
	)
	parser.add_argument("--in-bench", action="store_true", help=argparse.SUPPRESS)
	args = parser.parse_args()
	if args.in_bench:
		in_bench(args.runs, args.records, args.seed, args.body_bytes or None)
		return
	from _bench import bench_available, run_in_bench

	if not bench_available():
		print("bench_half_ran: 0 flag (no bench found; set IMS_BENCH and IMS_SITE)")
		return
	run_in_bench(
		__file__,
		[
			"--runs",
			str(args.runs),
			"--records",
			str(args.records),
			"--seed",
			str(args.seed),
			"--body-bytes",
			str(args.body_bytes),
		],
	)


if __name__ == "__main__":
	main()
