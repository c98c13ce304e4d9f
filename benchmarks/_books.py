"""Real books for the bench benchmarks (issue 18): generated bills bulk-inserted as submitted
Purchase Invoices with their items and taxes, and the meters the benchmarks read (statements
sent, peak RSS per stage, InnoDB buffer pool misses).

The bills go in by SQL (tabPurchase Invoice, tabPurchase Invoice Item, tabPurchase Taxes and
Charges, docstatus 1), NOT through ERPNext's controller: no GL entries, no validations. They stand
in for booked bills only as far as reconciliation reads them; every benchmark that uses them says
so in its output.
"""

from __future__ import annotations

import time
from pathlib import Path

from ims_compliance.doctype_names import supply_doctype

NIL_SHARE = 0.05  # bills that also carry a nil-rated line, left out of their taxable value


def insert_purchase_invoices(frappe, p, *, run: str, company: str, gstin: str, accounts: dict) -> int:
	"""The generated bills as submitted Purchase Invoices with items and taxes, bulk-inserted (see
	the module docstring: not through the controller). Returns the nil-rated lines added."""
	import json
	import random

	now = frappe.utils.now_datetime()
	supplier = frappe.db.get_value("Supplier", {}, "name")
	head_account = {head: account for account, head in accounts.items()}
	nil_rates = json.dumps({account: 0 for account in accounts})
	taxable_rates = json.dumps({account: 9.0 for account in accounts})
	rng = random.Random(7)
	invoices, items, taxes = [], [], []
	nil_lines = 0
	meta = ("creation", "modified", "owner", "modified_by", "docstatus")
	stamp = (now, now, "Administrator", "Administrator", 1)
	for r in p.itertuples(index=False):
		name = f"PB{run}{r.name}"
		sign = -1 if r.document_type == "Credit Note" else 1
		nil = round(rng.uniform(100, 5000), 2) if rng.random() < NIL_SHARE else 0.0
		nil_lines += bool(nil)
		tax_total = round(r.igst + r.cgst + r.sgst + r.cess, 2)
		net = round(r.taxable_value + nil, 2)
		invoices.append(
			(
				name,
				*stamp,
				supplier,
				company,
				gstin,
				r.supplier_gstin,
				r.bill_date.date(),
				r.bill_no,
				r.bill_date.date(),
				1 if sign < 0 else 0,
				"INR",
				1,
				sign * net,
				sign * net,
				sign * tax_total,
				sign * round(net + tax_total, 2),
			)
		)
		items.append(
			(
				f"{name}-1",
				*stamp,
				name,
				"Purchase Invoice",
				"items",
				1,
				"BENCH ITEM",
				sign,
				r.taxable_value,
				sign * r.taxable_value,
				sign * r.taxable_value,
				taxable_rates,
			)
		)
		if nil:
			items.append(
				(
					f"{name}-2",
					*stamp,
					name,
					"Purchase Invoice",
					"items",
					2,
					"BENCH NIL",
					sign,
					nil,
					sign * nil,
					sign * nil,
					nil_rates,
				)
			)
		taxes += tax_rows(name, stamp, r, sign, head_account)
	frappe.db.bulk_insert(
		"Purchase Invoice",
		[
			"name",
			*meta,
			"supplier",
			"company",
			"company_gstin",
			"supplier_gstin",
			"posting_date",
			"bill_no",
			"bill_date",
			"is_return",
			"currency",
			"conversion_rate",
			"net_total",
			"base_net_total",
			"base_total_taxes_and_charges",
			"base_grand_total",
		],
		invoices,
		chunk_size=10000,
	)
	frappe.db.bulk_insert(
		"Purchase Invoice Item",
		[
			"name",
			*meta,
			"parent",
			"parenttype",
			"parentfield",
			"idx",
			"item_name",
			"qty",
			"rate",
			"net_amount",
			"base_net_amount",
			"item_tax_rate",
		],
		items,
		chunk_size=10000,
	)
	insert_tax_rows(frappe, meta, taxes)
	return nil_lines


#: Purchase Taxes and Charges columns after name, the standard columns and the child-row links
TAX_COLUMNS = (
	"account_head",
	"charge_type",
	"add_deduct_tax",
	"category",
	"description",
	"tax_amount",
	"base_tax_amount",
	"base_tax_amount_after_discount_amount",
)


def tax_rows(
	name: str, stamp: tuple, record, sign: int, head_account: dict, *, docstatus=None
) -> list[tuple]:
	"""One bill's tax rows: an "Actual" row per GST head it carries, on the head's account."""
	rows = []
	heads = (("IGST", record.igst), ("CGST", record.cgst), ("SGST", record.sgst), ("Cess", record.cess))
	for idx, (head, amount) in enumerate(heads, start=1):
		if amount and head in head_account:
			status = () if docstatus is None else (docstatus,)
			link = (name, "Purchase Invoice", "taxes", idx)
			values = (head_account[head], "Actual", "Add", "Total", head, *[sign * amount] * 3)
			rows.append((f"{name}-t{idx}", *stamp, *status, *link, *values))
	return rows


def insert_tax_rows(frappe, meta: list[str], rows: list[tuple], *, docstatus: bool = False) -> None:
	status = ["docstatus"] if docstatus else []
	columns = ["name", *meta, *status, "parent", "parenttype", "parentfield", "idx", *TAX_COLUMNS]
	frappe.db.bulk_insert("Purchase Taxes and Charges", columns, rows, chunk_size=10000)


class StatementCounter:
	"""Counts the statements the job's connection sent while it is installed, by kind, as the
	server counts them (its session `Com_*` counters): statements sent past frappe.db.sql (the
	bulk writes' own cursor calls) are counted too. The two SHOW STATUS reads are left out."""

	def __init__(self, frappe):
		self.frappe, self.counts, self.sides = frappe, {}, []

	def _read(self) -> dict[str, int]:
		rows = self.frappe.db.sql("show session status like 'Com\\_%%'")
		return {name[4:]: int(value) for name, value in rows if str(value).isdigit()}

	def __enter__(self):
		from ims_compliance.services import match_results

		sides = self.sides

		class CountedSideWriter(match_results.SideWriter):  # the job's second connection
			def __init__(self, *args, **kwargs):
				super().__init__(*args, **kwargs)
				sides.append(self)

		from ims_compliance.services import recommendations

		class CountedSideQueue(recommendations.SideQueue):
			def __init__(self, *args, **kwargs):
				super().__init__(*args, **kwargs)
				sides.append(self)

		self.original_side = match_results.SideWriter
		self.original_queue = recommendations.SideQueue
		match_results.SideWriter = CountedSideWriter
		recommendations.SideQueue = CountedSideQueue
		self.before = self._read()
		return self

	def __exit__(self, *exc):
		from ims_compliance.services import match_results, recommendations

		match_results.SideWriter = self.original_side
		recommendations.SideQueue = self.original_queue
		after = self._read()
		self.counts = {
			kind: count - self.before.get(kind, 0)
			for kind, count in sorted(after.items())
			if count - self.before.get(kind, 0) > 0
		}
		if self.counts.get("show_status"):
			self.counts["show_status"] -= 1  # the read in __enter__ (the one in __exit__ is not in `after`)
			if not self.counts["show_status"]:
				del self.counts["show_status"]
		if self.sides:  # statements the second connection sent (its own session's counters)
			sent = sum(side.sent if isinstance(side.sent, int) else len(side.sent) for side in self.sides)
			self.counts["second_connection"] = sent
			if any(side.gave_up for side in self.sides):
				self.counts["second_connection_gave_up_and_replayed"] = 1

	@property
	def total(self) -> int:
		return sum(self.counts.values())


class StagePeaks:
	"""The process's peak RSS after each stage of the job (wraps the service's functions)."""

	STAGES = ("read_supplies", "read_purchases", "read_other_purchases", "write_results")

	def __init__(self, service):
		self.service, self.peaks, self.saved = service, {}, {}

	def __enter__(self):
		from _bench import peak_rss_mb

		import ims_compliance.core.matching as matching

		def wrap(owner, name, label):
			original = getattr(owner, name)
			self.saved[(owner, name)] = original

			def wrapped(*args, **kwargs):
				out = original(*args, **kwargs)
				self.peaks[label] = peak_rss_mb()
				return out

			setattr(owner, name, wrapped)

		for stage in self.STAGES:
			wrap(self.service, stage, stage)
		wrap(matching, "reconcile", "match")
		return self

	def __exit__(self, *exc):
		for (owner, name), original in self.saved.items():
			setattr(owner, name, original)


def rss_now_mb() -> float:
	for line in Path("/proc/self/status").read_text().splitlines():
		if line.startswith("VmRSS:"):
			return int(line.split()[1]) / 1024
	return 0.0


def pool_reads(frappe) -> int:
	return int(frappe.db.sql("show global status like 'Innodb_buffer_pool_reads'")[0][1])


def pool_mb(frappe) -> int:
	return int(frappe.db.sql("select @@innodb_buffer_pool_size")[0][0]) // 2**20


def insert_bench_rows(frappe, s, p, *, run: str, company: str, gstin: str, accounts: dict, size: int) -> None:
	from ims_compliance.core.records import financial_year_of

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
		"cgst",
		"sgst",
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
			r.cgst,
			r.sgst,
			round(r.igst + r.cgst + r.sgst, 2),
			"No Action",
			"No Action",
			"Missing in PI",
			1,
			f"{gstin}|{r.section}|{r.supplier_gstin}|{r.document_number}{run}|{financial_year_of(r.document_date.date())}",
			"27",
		)
		for r in s.itertuples()
	]
	p = p.assign(bill_no=p["bill_no"] + run)
	start = time.perf_counter()
	frappe.db.bulk_insert(supply_doctype(), fields, rows, chunk_size=10000)
	nil_lines = insert_purchase_invoices(frappe, p, run=run, company=company, gstin=gstin, accounts=accounts)
	frappe.db.commit()
	print(
		f"bench_setup_seconds_{size}: {time.perf_counter() - start:.2f} s (bulk inserts, not measured below)"
	)
	print(
		f"bench_purchase_invoices_{size}: {len(p)} records (REAL tabPurchase Invoice rows with items and taxes, "
		f"docstatus 1, bulk-inserted by SQL, not submitted through the controller)"
	)
	print(f"bench_nil_rated_lines_{size}: {nil_lines} lines (left out of the taxable value)")
	if not accounts:
		print("bench_tax_accounts_mapped: 0 flag (no IMS Tax Account rows: taxes read as 0)")


def reset_reconciled(frappe, run: str) -> None:
	"""Put reused rows back as a first reconciliation finds them (not timed): every record Missing
	in PI and unlinked, every bill unlinked."""
	frappe.db.sql(
		f"""update `tab{supply_doctype()}` set match_status = 'Missing in PI', purchase_invoice = null,
		match_score = 0, match_reasons = null, recommended_action = '', needs_review = 0,
		recommendation_reason = '', purchase_taxable_value = 0, purchase_total_tax = 0,
		purchase_net_total = 0, action = 'No Action', upload_state = '', upload_error = null
		where name like %s""",
		f"RC{run}%",
	)
	frappe.db.sql(
		"""update `tabPurchase Invoice` set ims_inward_supply = null, ims_match_status = null,
		ims_action = null where name like %s""",
		f"PB{run}%",
	)
	frappe.db.commit()
	waited, state = wait_for_quiet(frappe)
	print(
		f"bench_reset_quiet_wait: {waited:.1f} s (until MariaDB purged and flushed the reset's writes, "
		f"as a real job finds it; then {state or 'not readable: no root_password'})"
	)


def wait_for_quiet(frappe, *, limit: float = 90.0) -> tuple[float, dict]:
	"""Wait until MariaDB has caught up with the writes before the timed job, at most `limit`
	seconds: purge (history list under 1,000 entries) and page flushing (checkpoint age under
	64 MB, about where InnoDB stops flushing ahead of need). A reset just before the job leaves
	200k old row versions and a few hundred MB of dirty pages that the server would otherwise
	purge and flush during the job, charged to it; a real job starts on a server that has long
	done so. Reading these needs the PROCESS privilege: the bench's MariaDB root (its
	`root_password`); without it, no wait ({} returned)."""
	import pymysql

	password = frappe.conf.get("root_password")
	if not password:
		return 0.0, {}
	root = pymysql.connect(host=frappe.conf.db_host or "127.0.0.1", user="root", password=password)
	started = time.monotonic()
	cursor = root.cursor()
	# An idle server flushes at innodb_io_capacity (200 pages/s by default): the few hundred MB of
	# dirty pages a test run or a demo leaves outlast the wait. Flushing them all is asked for
	# during the wait only; the setting is put back before the job.
	cursor.execute("select @@global.innodb_max_dirty_pages_pct")
	dirty_pct = cursor.fetchone()[0]
	try:
		cursor.execute("set global innodb_max_dirty_pages_pct = 0")
		while True:
			cursor.execute(
				"select count from information_schema.innodb_metrics where name = 'trx_rseg_history_len'"
			)
			state = {"history_entries": int(cursor.fetchone()[0])}
			cursor.execute("show global status like 'Innodb_checkpoint_age'")
			state["checkpoint_age_mb"] = round(int(cursor.fetchone()[1]) / 2**20, 1)
			quiet = state["history_entries"] < 1000 and state["checkpoint_age_mb"] < 64
			if quiet or time.monotonic() - started > limit:
				return time.monotonic() - started, state
			time.sleep(3)  # (a busy poll keeps InnoDB from flushing as an idle server does)
	finally:
		cursor.execute("set global innodb_max_dirty_pages_pct = %s", (dirty_pct,))
		root.close()


def delete_bench_rows(frappe, tag: str) -> None:
	"""Everything insert_bench_rows made under `tag` (records RC<tag>*, bills PB<tag>* with their
	lines and taxes) and the action log of those records."""
	frappe.db.sql("delete from `tabIMS Action Log` where inward_supply like %s", f"RC{tag}%")
	for doctype, prefix in (
		(supply_doctype(), f"RC{tag}%"),
		("Purchase Invoice", f"PB{tag}%"),
		("Purchase Invoice Item", f"PB{tag}%"),
		("Purchase Taxes and Charges", f"PB{tag}%"),
	):
		frappe.db.sql(f"delete from `tab{doctype}` where name like %s", prefix)


def cpu_reference_seconds() -> float:
	"""Seconds this machine takes for a fixed piece of pure-Python work, printed beside the
	figures: on this shared 2-core machine the same job's CPU-bound stages (the match, the
	reads) have taken up to twice as long from one run to the next; this says how fast the CPU
	was when the run started (lower is faster)."""
	start = time.perf_counter()
	total = 0
	for i in range(3_000_000):
		total += i * i % 7
	return time.perf_counter() - start
