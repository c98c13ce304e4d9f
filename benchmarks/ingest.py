"""Download + ingest at 100k on the bench (issue 4).

Run: python benchmarks/ingest.py [--size 100000] [--baseline 1000] [--in-process-sandbox] [--profile]
     [--write-after-reading]
Inside the bench (IMS_BENCH, site IMS_SITE) it adds a throwaway company GSTIN to IMS Settings,
seeds the built-in sandbox with N records for it and times, through the real `download()`:
- the first download (counts, fetch every section, parse, plan, insert), with the share spent in
  `client.get_sections` (HTTP, FILEDET archives, parsing) printed beside it;
- an unchanged re-download (the count call says nothing moved, so nothing is fetched or written);
- a forced full re-download (every section fetched and compared, nothing written).
Baseline: the same records through a `doc.insert()` loop on a sample, scaled per record.
The sandbox runs as its own process by default, as GSTN is another machine in production: in
process, its JSON and tar.gz work would share our interpreter's GIL and be timed as ours.
`--in-process-sandbox` measures that way too (the figures of earlier runs). `--profile` prints
a cProfile of the first download. Everything it made is removed afterwards.
Targets: first download <= 10 s (issue 18; 20 s in issue 4), unchanged re-download <= 5 s (and under
a fifth of the first). `--write-after-reading` measures the path without early inserts.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ims_compliance.doctype_names import supply_doctype  # (needs the path above)

ROOT = Path(__file__).resolve().parent.parent
BASELINE_FIELDS = (
	"section",
	"supplier_gstin",
	"document_number",
	"document_date",
	"supplier_period",
	"document_value",
	"taxable_value",
	"igst",
	"cgst",
	"sgst",
	"cess",
)


class SandboxProcess:
	"""`python -m ims_compliance.gstn.sandbox` in its own process, driven over HTTP."""

	def __init__(self, state_path: str):
		with socket.socket() as sock:
			sock.bind(("127.0.0.1", 0))
			port = sock.getsockname()[1]
		self.url = f"http://127.0.0.1:{port}"
		command = [sys.executable, "-m", "ims_compliance.gstn.sandbox", "--port", str(port)]
		self.process = subprocess.Popen(
			[*command, "--state", state_path],
			stdout=subprocess.PIPE,
			text=True,
			env={**os.environ, "PYTHONPATH": str(ROOT)},
			cwd=ROOT,
		)
		self.process.stdout.readline()  # "GSTN IMS sandbox on ...": it is listening

	def _call(self, path: str, body: dict | None = None):
		request = urllib.request.Request(
			self.url + path,
			data=None if body is None else json.dumps(body).encode(),
			method="GET" if body is None else "POST",
		)
		with urllib.request.urlopen(request, timeout=600) as answer:
			return json.loads(answer.read())

	def generate(self, gstin: str, n: int, seed: int) -> None:
		self._call("/sandbox/generate", {"gstin": gstin, "n": n, "seed": seed})

	def section_records(self, gstin: str, section: str) -> list[dict]:
		return self._call(f"/sandbox/records?gstin={gstin}&section={section}")

	def cpu_seconds(self) -> float | None:
		"""CPU time the sandbox process has used (Linux): GSTN's side of a download."""
		try:
			fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
		except OSError:
			return None
		return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

	def stop(self) -> None:
		self.process.terminate()
		self.process.wait(timeout=30)


class SandboxThread:
	"""The sandbox in this process (its work shares our interpreter)."""

	def __init__(self, state_path: str):
		from ims_compliance.gstn.sandbox import SandboxServer

		self.server = SandboxServer(state_path=state_path, port=0).start()
		self.url = self.server.url

	def generate(self, gstin: str, n: int, seed: int) -> None:
		self.server.state.generate(gstin, n, seed=seed)

	def section_records(self, gstin: str, section: str) -> list[dict]:
		return self.server.state.section_records(gstin, section)

	def cpu_seconds(self) -> None:
		return None  # shares this process

	def stop(self) -> None:
		self.server.stop()


class TimedClient:
	"""The download's own client, with the time spent in `get_sections` (or `get_records`) added
	up: GSTN's answers, FILEDET archives and parsing."""

	def __init__(self, client):
		self.client = client
		self.seconds = 0.0

	def __getattr__(self, name):
		return getattr(self.client, name)

	def get_records(self, section, **kwargs):
		start = time.perf_counter()
		try:
			return self.client.get_records(section, **kwargs)
		finally:
			self.seconds += time.perf_counter() - start

	def get_sections(self, sections, **kwargs):
		results = self.client.get_sections(sections, **kwargs)
		while True:
			start = time.perf_counter()
			try:
				result = next(results)
			except StopIteration:
				return
			finally:
				self.seconds += time.perf_counter() - start
			yield result


def in_bench(size: int, baseline: int, in_process: bool, profile: bool, early: bool) -> None:
	from _bench import connect, peak_rss_mb
	from _books import cpu_reference_seconds, wait_for_quiet

	frappe = connect()
	from ims_compliance.core.gstin import make_gstin
	from ims_compliance.gstn.protocol import parse_section
	from ims_compliance.gstn.sandbox import SANDBOX_OTP
	from ims_compliance.services.connection import make_client
	from ims_compliance.services.download import COUNTS_KEY, FULL_DOWNLOAD_KEY, download
	from ims_compliance.services.writes import service_write

	company = frappe.get_all("Company", pluck="name", limit=1)[0]
	gstin = make_gstin(
		"33",
		"AABCB"
		+ frappe.generate_hash(length=4).upper().translate(str.maketrans("ABCDEF", "123456"))[:4]
		+ "B",
	)
	settings = frappe.get_single("IMS Settings")
	old_url, old_mode = settings.base_url, settings.connection_mode
	tmp = tempfile.TemporaryDirectory()
	sandbox = (SandboxThread if in_process else SandboxProcess)(f"{tmp.name}/state.json")
	print(f"sandbox_in_own_process: {0 if in_process else 1} flag")
	print(f"early_inserts: {int(early)} flag (0: every row written after the last part, as before)")
	try:
		settings.append("company_gstins", {"company": company, "gstin": gstin, "gstn_username": "bench"})
		settings.base_url, settings.connection_mode = sandbox.url, "Sandbox"
		settings.save()
		frappe.db.commit()
		start = time.perf_counter()
		sandbox.generate(gstin, size, seed=5)
		print(f"sandbox_generate_seconds_{size}: {time.perf_counter() - start:.2f} s")
		client = make_client(gstin)
		client.request_otp()
		client.authenticate(SANDBOX_OTP)
		frappe.cache.delete_value(COUNTS_KEY.format(gstin))
		frappe.cache.delete_value(FULL_DOWNLOAD_KEY.format(gstin))

		# the last run's cleanup (100k deletes) may still be purging: a real job finds a quiet server
		waited, state = wait_for_quiet(frappe)
		print(f"first_download_quiet_wait: {waited:.1f} s (then {state or 'not readable: no root_password'})")
		print(
			f"first_download_cpu_reference_{size}: {cpu_reference_seconds():.2f} s (pure-Python loop; lower is faster)"
		)
		timed = TimedClient(client)
		sandbox_cpu = sandbox.cpu_seconds()
		cpu = time.process_time()
		start = time.perf_counter()
		if profile:
			import cProfile
			import pstats

			profiler = cProfile.Profile()
			first = profiler.runcall(download, gstin, client=timed, early=early)
			pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
		else:
			first = download(gstin, client=timed, early=early)  # early: as the download job does
		seconds = time.perf_counter() - start
		cpu = time.process_time() - cpu
		print(f"first_download_seconds_{size}: {seconds:.2f} s")
		# where the time went: this process's CPU (all its threads), the sandbox's (GSTN's side);
		# the rest is mostly the database server's work on the INSERTs
		print(f"first_download_cpu_seconds_{size}: {cpu:.2f} s")
		if sandbox_cpu is not None:
			print(f"first_download_sandbox_cpu_seconds_{size}: {sandbox.cpu_seconds() - sandbox_cpu:.2f} s")
		print(
			f"first_download_fetch_parse_seconds_{size}: {timed.seconds:.2f} s "
			"(with the early inserts' share of this thread: their rows' columns)"
		)
		print(
			f"first_download_plan_write_seconds_{size}: {seconds - timed.seconds:.2f} s (after the last part)"
		)
		print(f"first_download_written_while_reading_{size}: {first.get('written_while_reading', 0)} records")
		print(f"first_download_new_{size}: {first['new']} records")
		print(f"first_download_records_per_second_{size}: {first['new'] / seconds:.0f} records/s")
		print(f"first_download_rss_{size}: {peak_rss_mb():.0f} MB")
		start = time.perf_counter()
		second = download(gstin)
		unchanged = time.perf_counter() - start
		print(f"unchanged_redownload_seconds_{size}: {unchanged:.2f} s")
		print(f"unchanged_redownload_sections_fetched_{size}: {len(second['sections'])} sections")
		print(f"unchanged_vs_first_ratio_{size}: {unchanged / seconds:.3f} x")
		start = time.perf_counter()
		forced = download(gstin, force=True)
		print(f"forced_full_redownload_seconds_{size}: {time.perf_counter() - start:.2f} s")
		print(f"forced_full_redownload_unchanged_{size}: {forced['unchanged']} records")
		print(f"peak_rss_{size}: {peak_rss_mb():.0f} MB")

		raw = sandbox.section_records(gstin, "B2B")[:baseline]
		records = parse_section("B2B", raw)
		frappe.db.delete(
			supply_doctype(),
			{
				"company_gstin": gstin,
				"section": "B2B",
				"document_number": ("in", [r.document_number for r in records]),
			},
		)
		start = time.perf_counter()
		with service_write("benchmark baseline"):  # the controller refuses unmarked inserts (issue 14)
			for record in records:
				values = {k: v for k, v in record.as_dict().items() if k in BASELINE_FIELDS}
				frappe.get_doc(
					{"doctype": supply_doctype(), "company": company, "company_gstin": gstin, **values}
				).insert()
		per_record = (time.perf_counter() - start) / max(len(records), 1)
		print(f"baseline_doc_insert_seconds_per_record: {per_record * 1000:.2f} ms")
		print(f"baseline_doc_insert_projected_seconds_{size}: {per_record * size:.0f} s")
		print(f"bulk_vs_doc_insert_ratio_{size}: {per_record * size / seconds:.1f} x")
		frappe.db.rollback()
	finally:
		sandbox.stop()
		tmp.cleanup()
		names = frappe.get_all(supply_doctype(), filters={"company_gstin": gstin}, pluck="name")
		for start in range(0, len(names), 10000):
			frappe.db.delete("IMS Action Log", {"inward_supply": ("in", names[start : start + 10000])})
			frappe.db.delete(supply_doctype(), {"name": ("in", names[start : start + 10000])})
		settings = frappe.get_single("IMS Settings")
		settings.company_gstins = [row for row in settings.company_gstins if row.gstin != gstin]
		settings.base_url, settings.connection_mode = old_url, old_mode
		settings.save()
		frappe.db.commit()


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--size", type=int, default=100000)
	parser.add_argument(
		"--baseline", type=int, default=1000, help="records inserted one by one for the baseline"
	)
	parser.add_argument("--in-process-sandbox", action="store_true", help="serve GSTN from this process")
	parser.add_argument("--profile", action="store_true", help="cProfile the first download")
	parser.add_argument(
		"--write-after-reading",
		action="store_true",
		help="no early inserts: every row is written once GSTN is read (the code before them)",
	)
	parser.add_argument("--in-bench", action="store_true", help=argparse.SUPPRESS)
	args = parser.parse_args()
	if args.in_bench:
		in_bench(
			args.size, args.baseline, args.in_process_sandbox, args.profile, not args.write_after_reading
		)
		return
	from _bench import bench_available, run_in_bench

	if not bench_available():
		print("bench_half_ran: 0 flag (no bench found; set IMS_BENCH and IMS_SITE)")
		return
	extra = [
		flag
		for flag, on in (
			("--in-process-sandbox", args.in_process_sandbox),
			("--profile", args.profile),
			("--write-after-reading", args.write_after_reading),
		)
		if on
	]
	run_in_bench(__file__, ["--size", str(args.size), "--baseline", str(args.baseline), *extra])


if __name__ == "__main__":
	main()
