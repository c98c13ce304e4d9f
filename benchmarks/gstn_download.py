"""Download at scale (issue 3): N records from the GSTN sandbox through GstnClient (OTP login,
GETINV per section, large sections queued and fetched as FILEDET tar.gz parts with SHA-256
checks) and parsed into InwardRecords by the one parser.

Run: python benchmarks/gstn_download.py [--sizes 10000,50000,100000] [--encrypted]
The sandbox runs as its own process (`python -m ims_compliance.gstn.sandbox`), as in production
where GSTN is another machine, so server work does not share the client's interpreter. Its `est`
is in minutes like GSTN's; the client takes a minute as one second, as the app's sandbox
connection does. Each measurement runs in a fresh client process, so its peak RSS is its own:
- `sections`: `client.get_sections`, the path the download job takes (every GETINV first, so
  the waits of the sections GSTN queues overlap; a queued section is parsed part by part as it
  arrives);
- `stream`: `client.get_records` one section after the other (each queued file waited for in
  turn);
- `split`: every section fetched raw first (`get_raw_section`), then parsed, which separates the
  fetch and parse times and is the memory baseline (raw dicts and records side by side);
- baseline speed: parsing the same raw lists again with no network (`parse_section` only); the
  ratio says what HTTP, archives, hashes (and AES in --encrypted) cost on top of parsing.
Prints `metric: value unit` lines.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests

from ims_compliance.core.gstin import make_gstin
from ims_compliance.core.sections import DOWNLOAD_SECTIONS
from ims_compliance.gstn.client import GstnClient
from ims_compliance.gstn.protocol import parse_section
from ims_compliance.gstn.sandbox import SANDBOX_OTP
from ims_compliance.gstn.settings import GSP, SANDBOX, ConnectionSettings

ROOT = Path(__file__).resolve().parent.parent


def peak_rss_mb() -> float:
	return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def free_port() -> int:
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


def start_sandbox(state: Path, *, encrypted: bool) -> tuple[subprocess.Popen, str]:
	port = free_port()
	command = [
		sys.executable,
		"-m",
		"ims_compliance.gstn.sandbox",
		"--port",
		str(port),
		"--state",
		str(state),
	]
	if encrypted:
		command.append("--encrypted")
	env = {**os.environ, "PYTHONPATH": str(ROOT)}
	process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
	process.stdout.readline()  # the "GSTN IMS sandbox on ..." line: it is listening
	return process, f"http://127.0.0.1:{port}"


def logged_in_client(url: str, gstin: str, *, encrypted: bool) -> GstnClient:
	public_key = requests.get(f"{url}/sandbox/public-key", timeout=10).text if encrypted else None
	settings = ConnectionSettings(
		base_url=url,
		gstin=gstin,
		username="bench",
		mode=GSP if encrypted else SANDBOX,
		gstn_public_key=public_key,
		read_timeout=300,
		poll_interval=0.05,
		est_unit=1.0,  # the sandbox's files are ready at once; its est says a minute
	)
	client = GstnClient(settings)
	client.request_otp()
	client.authenticate(SANDBOX_OTP)
	return client


def client_run(url: str, gstin: str, *, path: str, encrypted: bool) -> dict:
	"""One measurement in this (fresh) process; returns its figures."""
	with logged_in_client(url, gstin, encrypted=encrypted) as client:
		started = time.perf_counter()
		if path == "stream":
			count = sum(len(client.get_records(code)) for code in DOWNLOAD_SECTIONS)
			return {"count": count, "total": time.perf_counter() - started, "rss": peak_rss_mb()}
		if path == "sections":
			count = 0
			for result in client.get_sections(DOWNLOAD_SECTIONS):
				if result.error is not None:
					raise result.error
				count += len(result.records)
			return {"count": count, "total": time.perf_counter() - started, "rss": peak_rss_mb()}
		raw = {code: client.get_raw_section(code) for code in DOWNLOAD_SECTIONS}
		fetched = time.perf_counter()
		records = {code: parse_section(code, rows) for code, rows in raw.items()}
		done = time.perf_counter()
	rss = peak_rss_mb()
	again = time.perf_counter()
	for code, rows in raw.items():
		parse_section(code, rows)
	baseline = time.perf_counter() - again
	return {
		"count": sum(len(v) for v in records.values()),
		"fetch": fetched - started,
		"parse": done - fetched,
		"total": done - started,
		"baseline": baseline,
		"rss": rss,
	}


def in_child(url: str, gstin: str, *, path: str, encrypted: bool) -> dict:
	command = [sys.executable, __file__, "--child", json.dumps([url, gstin, path, encrypted])]
	output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
	return json.loads(output.strip().splitlines()[-1])


def measure(url: str, size: int, *, encrypted: bool, index: int) -> None:
	gstin = make_gstin("27", f"AABCB{1000 + index:04d}K")
	started = time.perf_counter()
	answer = requests.post(
		f"{url}/sandbox/generate", json={"gstin": gstin, "n": size, "seed": index}, timeout=600
	)
	answer.raise_for_status()
	requests.post(f"{url}/sandbox/flush", json={}, timeout=600).raise_for_status()
	print(f"sandbox_seed_{size}: {time.perf_counter() - started:.2f} s", flush=True)
	sections = in_child(url, gstin, path="sections", encrypted=encrypted)
	stream = in_child(url, gstin, path="stream", encrypted=encrypted)
	split = in_child(url, gstin, path="split", encrypted=encrypted)
	for run in (sections, stream, split):
		assert run["count"] == size, f"downloaded {run['count']} of {size}"
	print(f"download_{size}_total: {sections['total']:.2f} s")
	print(f"download_{size}_records_per_s: {size / sections['total']:.0f} records/s")
	print(f"download_{size}_peak_rss: {sections['rss']:.0f} MB")
	print(f"one_section_at_a_time_{size}_total: {stream['total']:.2f} s")
	print(f"split_{size}_fetch: {split['fetch']:.2f} s")
	print(f"split_{size}_parse: {split['parse']:.2f} s")
	print(f"split_{size}_peak_rss: {split['rss']:.0f} MB")
	print(f"stream_vs_split_{size}_peak_rss_ratio: {stream['rss'] / split['rss']:.2f} x")
	print(f"baseline_parse_only_{size}_records_per_s: {size / split['baseline']:.0f} records/s")
	print(f"download_vs_parse_only_{size}_ratio: {sections['total'] / split['baseline']:.2f} x", flush=True)


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__)
	parser.add_argument("--sizes", default="10000,50000,100000")
	parser.add_argument("--encrypted", action="store_true", help="GSP mode: GSTN's payload protection")
	parser.add_argument("--child", help=argparse.SUPPRESS)
	args = parser.parse_args()
	if args.child:
		url, gstin, path, encrypted = json.loads(args.child)
		print(json.dumps(client_run(url, gstin, path=path, encrypted=encrypted)))
		return
	print(f"mode: {'gsp (encrypted)' if args.encrypted else 'sandbox (plain)'}")
	with tempfile.TemporaryDirectory() as tmp:
		process, url = start_sandbox(Path(tmp) / "bench.json", encrypted=args.encrypted)
		try:
			for index, size in enumerate(int(s) for s in args.sizes.split(",")):
				measure(url, size, encrypted=args.encrypted, index=index)
		finally:
			process.terminate()
			process.wait(timeout=60)


if __name__ == "__main__":
	main()
