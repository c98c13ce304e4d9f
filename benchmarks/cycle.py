"""The monthly cycle at scale on the bench (issue 9): every stage's time and memory in one table.

Run: python benchmarks/cycle.py [--size 100000]
Inside the bench (IMS_BENCH, site IMS_SITE): a throwaway company GSTIN; the built-in sandbox
(in-process, real HTTP) seeded with N records; then, timed stage by stage:
download -> reconcile -> apply recommendations -> a bulk manual Reject of 1,000 records ->
upload -> recompute GSTR-2B -> the supplier edits 100 records -> re-download.
Reconcile runs the real job against REAL Purchase Invoices: after the download, about 90 % of the
invoices and credit notes are booked as submitted bills with items and taxes (5 % of them with
another amount), bulk-inserted by SQL, not through ERPNext's controller (see _books.py; not
timed, and the output says so). Peak RSS is the process's high-water mark after each stage.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ims_compliance.doctype_names import supply_doctype  # after the path is set


def purchases_like(supplies, seed: int = 1):
	"""Bills for the downloaded supplies, in insert_purchase_invoices' shape: about 90 % of the
	invoices and credit notes booked, 5 % of those with another taxable value. Debit notes are
	left unbooked (a debit note matches only a bill flagged as one)."""
	import pandas as pd

	rng = random.Random(seed)
	rows = []
	for s in supplies.itertuples():
		if s.section not in ("B2B", "CN") or rng.random() > 0.9:
			continue
		factor = 1.0 if rng.random() > 0.05 else 1.07
		rows.append(
			{
				"name": f"P{len(rows):07d}",
				"supplier_gstin": s.supplier_gstin,
				"document_type": "Credit Note" if s.section == "CN" else "Invoice",
				"bill_no": s.document_number,
				"bill_date": pd.Timestamp(s.document_date),
				"taxable_value": round(float(s.taxable_value) * factor, 2),
				"igst": float(s.igst or 0),
				"cgst": float(s.cgst or 0),
				"sgst": float(s.sgst or 0),
				"cess": float(s.cess or 0),
			}
		)
	return pd.DataFrame(rows)


def book_purchases(frappe, gstin: str, company: str, periods: list[str], run: str, size: int) -> int:
	"""Insert the bills (not timed) and say what they are."""
	from _books import insert_purchase_invoices

	from ims_compliance.services import reconcile as reconcile_service

	start = time.perf_counter()
	purchases = purchases_like(reconcile_service.read_supplies(gstin, periods))
	accounts = reconcile_service.tax_accounts(gstin)
	insert_purchase_invoices(frappe, purchases, run=run, company=company, gstin=gstin, accounts=accounts)
	frappe.db.commit()
	print(
		f"cycle_purchase_invoices_{size}: {len(purchases)} records (REAL tabPurchase Invoice rows with items "
		f"and taxes, docstatus 1, bulk-inserted by SQL in {time.perf_counter() - start:.1f} s, not timed)"
	)
	if not accounts:
		print("cycle_tax_accounts_mapped: 0 flag (no IMS Tax Account rows for the company: taxes read as 0)")
	return len(purchases)


def in_bench(size: int) -> None:
	from _bench import connect, peak_rss_mb
	from _books import cpu_reference_seconds

	frappe = connect()
	from ims_compliance.core.gstin import make_gstin
	from ims_compliance.core.periods import ReturnPeriod
	from ims_compliance.gstn.sandbox import SANDBOX_OTP, SandboxServer
	from ims_compliance.services import gstr2b
	from ims_compliance.services import reconcile as reconcile_service
	from ims_compliance.services import upload as upload_service
	from ims_compliance.services.actions import apply_action, make_request
	from ims_compliance.services.connection import make_client
	from ims_compliance.services.download import download
	from ims_compliance.services.recommendations import apply_recommendations

	company = frappe.get_all("Company", pluck="name", limit=1)[0]
	gstin = make_gstin("29", f"AABCY{random.randrange(10000):04d}Y")
	settings = frappe.get_single("IMS Settings")
	old = (settings.base_url, settings.connection_mode, settings.recompute_2b_after_upload)
	tmp = tempfile.TemporaryDirectory()
	sandbox = SandboxServer(state_path=f"{tmp.name}/state.json", port=0, flush_interval=60).start()
	stages: list[tuple[str, float, str]] = []
	run = "CY" + frappe.generate_hash(length=4).upper()

	print(
		f"cycle_cpu_reference_before_{size}: {cpu_reference_seconds():.2f} s "
		"(a fixed pure-Python loop: how fast this shared machine was; lower is faster)"
	)

	def stage(name: str, fn):
		start = time.perf_counter()
		detail = fn()
		frappe.db.commit()
		stages.append((name, time.perf_counter() - start, detail))
		print(f"cycle_{name}_seconds_{size}: {stages[-1][1]:.2f} s")
		print(f"cycle_{name}_peak_rss_{size}: {peak_rss_mb():.0f} MB")
		print(f"cycle_{name}_detail_{size}: {detail}")

	try:
		settings.append("company_gstins", {"company": company, "gstin": gstin, "gstn_username": "cycle"})
		settings.base_url, settings.connection_mode = sandbox.url, "Sandbox"
		settings.recompute_2b_after_upload = 0
		settings.save()
		frappe.db.commit()
		sandbox.state.generate(gstin, size, seed=21, period="102025")
		client = make_client(gstin)
		client.request_otp()
		client.authenticate(SANDBOX_OTP)
		filters = {"company_gstin": gstin}

		stage("download", lambda: f"{download(gstin, client=client, early=True)['new']} new records")
		periods = [str(ReturnPeriod.parse("102025").add(-k)) for k in (2, 1, 0)]
		book_purchases(frappe, gstin, company, periods, run, size)

		def reconcile():
			# as the page's job runs it (reconcile_job: the bills on a second connection)
			result = reconcile_service.reconcile(
				gstin, periods[0], periods[-1], check_permission=False, parallel_bills=True
			)
			statuses = " ".join(f"{k.replace(' ', '_')}={v}" for k, v in sorted(result["by_status"].items()))
			return f"{statuses}; {result['purchases']} bills read"

		stage("reconcile", reconcile)

		def recommend():
			summary = apply_recommendations(filters)
			return " ".join(f"{a.replace(' ', '_')}={v['moving']}" for a, v in summary["by_action"].items())

		stage("recommendations", recommend)
		names = frappe.get_all(
			supply_doctype(),
			filters={**filters, "action": ("!=", "Rejected"), "section": "B2B"},
			pluck="name",
			limit=1000,
		)
		stage(
			"manual_reject_1000",
			lambda: (
				f"{apply_action(make_request('Rejected', remarks='cycle'), names, source='Bulk').applied} applied"
			),
		)
		upload_detail = {}

		def upload():
			result = upload_service.upload(gstin, client=client)
			upload_detail.update(result.as_dict())
			return f"{result.sent} sent in {result.requests} requests ({result.bytes} bytes), {result.failed + result.refused} refused"

		stage("upload", upload)
		stage(
			"recompute_2b",
			lambda: gstr2b.recompute_2b(gstin, "102025", client=client)["status"],
		)

		def supplier_edits():
			edited = 0
			for record in sandbox.state.section_records(gstin, "B2B")[:100]:
				sandbox.state.edit(
					gstin,
					"B2B",
					stin=record["stin"],
					number=record["inum"],
					changes={"txval": round(float(record["txval"]) + 1, 2)},
				)
				edited += 1
			return f"{edited} records edited on the sandbox"

		stage("supplier_edits", supplier_edits)
		stage(
			"redownload",
			lambda: (
				f"{download(gstin, client=client, early=True).get('changed_by_supplier', 0)} changed by supplier"
			),
		)
	finally:
		sandbox.stop()
		tmp.cleanup()
		names = frappe.get_all(supply_doctype(), filters={"company_gstin": gstin}, pluck="name")
		for start in range(0, len(names), 10000):
			frappe.db.delete("IMS Action Log", {"inward_supply": ("in", names[start : start + 10000])})
		frappe.db.delete(supply_doctype(), {"company_gstin": gstin})
		frappe.db.delete("IMS Upload Request", {"company_gstin": gstin})
		for doctype in ("Purchase Invoice", "Purchase Invoice Item", "Purchase Taxes and Charges"):
			frappe.db.sql(f"delete from `tab{doctype}` where name like %s", f"PB{run}%")
		settings = frappe.get_single("IMS Settings")
		settings.company_gstins = [row for row in settings.company_gstins if row.gstin != gstin]
		settings.base_url, settings.connection_mode, settings.recompute_2b_after_upload = old
		settings.save()
		frappe.db.commit()

	total = sum(seconds for _, seconds, _ in stages)
	print(f"cycle_total_seconds_{size}: {total:.2f} s")
	print(
		f"cycle_cpu_reference_after_{size}: {cpu_reference_seconds():.2f} s "
		"(a fixed pure-Python loop: how fast this shared machine was; lower is faster)"
	)
	print()
	print(f"{'stage':<22}{'seconds':>10}  detail")
	for name, seconds, detail in stages:
		print(f"{name:<22}{seconds:>10.2f}  {detail}")


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--size", type=int, default=100000)
	parser.add_argument("--in-bench", action="store_true", help=argparse.SUPPRESS)
	args = parser.parse_args()
	if args.in_bench:
		in_bench(args.size)
		return
	from _bench import bench_available, run_in_bench

	if not bench_available():
		print("bench_half_ran: 0 flag (no bench found; set IMS_BENCH and IMS_SITE)")
		return
	run_in_bench(__file__, ["--size", str(args.size)])


if __name__ == "__main__":
	main()
