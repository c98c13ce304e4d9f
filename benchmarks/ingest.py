"""Download + ingest at 100k on the bench (issue 4).

Run: python benchmarks/ingest.py [--size 100000] [--baseline 1000]
Inside the bench (IMS_BENCH, site IMS_SITE) it adds a throwaway company GSTIN to IMS Settings,
seeds the built-in sandbox (in-process, over real HTTP) with N records for it, then times:
the first download (fetch every section, parse, upsert), an unchanged re-download (the count
call says nothing moved, so nothing is fetched or written), and a forced full re-download
(every section fetched and compared, nothing written). Baseline: the same records through a
`doc.insert()` loop on a sample, scaled per record. Everything it made is removed afterwards.
Targets: first download <= 20 s, unchanged re-download <= 5 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def in_bench(size: int, baseline: int) -> None:
	from _bench import connect, peak_rss_mb

	frappe = connect()
	from ims_compliance.core.gstin import make_gstin
	from ims_compliance.gstn.protocol import parse_section
	from ims_compliance.gstn.sandbox import SANDBOX_OTP, SandboxServer
	from ims_compliance.services.connection import make_client
	from ims_compliance.services.download import COUNTS_KEY, download

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
	sandbox = SandboxServer(state_path=f"{tmp.name}/state.json", port=0).start()
	try:
		settings.append("company_gstins", {"company": company, "gstin": gstin, "gstn_username": "bench"})
		settings.base_url, settings.connection_mode = sandbox.url, "Sandbox"
		settings.save()
		frappe.db.commit()
		start = time.perf_counter()
		sandbox.state.generate(gstin, size, seed=5)
		print(f"sandbox_generate_seconds_{size}: {time.perf_counter() - start:.2f} s")
		client = make_client(gstin)
		client.request_otp()
		client.authenticate(SANDBOX_OTP)
		frappe.cache.delete_value(COUNTS_KEY.format(gstin))

		start = time.perf_counter()
		if "IMS_PROFILE" in __import__("os").environ:
			import cProfile
			import pstats

			profile = cProfile.Profile()
			first = profile.runcall(download, gstin)
			pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
		else:
			first = download(gstin)
		seconds = time.perf_counter() - start
		print(f"first_download_seconds_{size}: {seconds:.2f} s")
		print(f"first_download_new_{size}: {first['new']} records")
		print(f"first_download_records_per_second_{size}: {first['new'] / seconds:.0f} records/s")
		start = time.perf_counter()
		second = download(gstin)
		print(f"unchanged_redownload_seconds_{size}: {time.perf_counter() - start:.2f} s")
		print(f"unchanged_redownload_sections_fetched_{size}: {len(second['sections'])} sections")
		start = time.perf_counter()
		forced = download(gstin, force=True)
		print(f"forced_full_redownload_seconds_{size}: {time.perf_counter() - start:.2f} s")
		print(f"forced_full_redownload_unchanged_{size}: {forced['unchanged']} records")
		print(f"peak_rss_{size}: {peak_rss_mb():.0f} MB")

		raw = sandbox.state.section_records(gstin, "B2B")[:baseline]
		records = parse_section("B2B", raw)
		frappe.db.delete(
			"GST Inward Supply",
			{
				"company_gstin": gstin,
				"section": "B2B",
				"document_number": ("in", [r.document_number for r in records]),
			},
		)
		start = time.perf_counter()
		for record in records:
			frappe.get_doc(
				{
					"doctype": "GST Inward Supply",
					"company": company,
					"company_gstin": gstin,
					**{
						k: v
						for k, v in record.as_dict().items()
						if k
						in (
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
					},
				}
			).insert()
		per_record = (time.perf_counter() - start) / max(len(records), 1)
		print(f"baseline_doc_insert_seconds_per_record: {per_record * 1000:.2f} ms")
		print(f"baseline_doc_insert_projected_seconds_{size}: {per_record * size:.0f} s")
		print(f"bulk_vs_doc_insert_ratio_{size}: {per_record * size / seconds:.1f} x")
		frappe.db.rollback()
	finally:
		sandbox.stop()
		tmp.cleanup()
		names = frappe.get_all("GST Inward Supply", filters={"company_gstin": gstin}, pluck="name")
		for start in range(0, len(names), 10000):
			frappe.db.delete("IMS Action Log", {"inward_supply": ("in", names[start : start + 10000])})
			frappe.db.delete("GST Inward Supply", {"name": ("in", names[start : start + 10000])})
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
	parser.add_argument("--in-bench", action="store_true", help=argparse.SUPPRESS)
	args = parser.parse_args()
	if args.in_bench:
		in_bench(args.size, args.baseline)
		return
	from _bench import bench_available, run_in_bench

	if not bench_available():
		print("bench_half_ran: 0 flag (no bench found; set IMS_BENCH and IMS_SITE)")
		return
	run_in_bench(__file__, ["--size", str(args.size), "--baseline", str(args.baseline)])


if __name__ == "__main__":
	main()
