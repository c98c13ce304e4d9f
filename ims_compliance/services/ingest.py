"""Writes a download into GST Inward Supply (issue 4): the pure `core.upsert` plan decides, this
module only writes what it says, in bulk (multi-row INSERTs, set-based UPDATEs), committing per
batch when asked so a failure mid-way leaves every committed batch consistent and a re-run
completes the work without duplicates (the natural key is unique)."""

from __future__ import annotations

import datetime as dt
import math
import re
import secrets
import time
from collections.abc import Callable, Iterable

import frappe
from frappe.utils import now_datetime

from ims_compliance.core.records import InwardRecord
from ims_compliance.core.text import plain_text
from ims_compliance.core.upsert import DIFF_FIELDS, STATUS_FIELDS, StoredRow, UpsertPlan, plan_upsert
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.action_log import write_logs

BATCH = 5000
LIGHT_FIELDS = (
	"name",
	"ims_key",
	"gstn_hash",
	"gstn_action",
	"action",
	"upload_state",
	"is_gone",
	*STATUS_FIELDS,
)
RECORD_FIELDS = (
	"section",
	"supplier_gstin",
	"supplier_name",
	"document_number",
	"document_date",
	"supplier_period",
	"document_value",
	"taxable_value",
	"igst",
	"cgst",
	"sgst",
	"cess",
	"place_of_supply",
	"invoice_type",
	"source_form",
	"supplier_filed",
	"reverse_charge",
	"gstn_hash",
	"pending_blocked",
	"original_number",
	"original_date",
	"itc_reduction_blocked",
	"remarks_blocked",
	"port_code",
)


def load_stored(
	company_gstin: str, incoming: dict[str, InwardRecord]
) -> tuple[list[StoredRow], dict[str, str]]:
	"""Every stored row of the company GSTIN, light; full values only where the hash moved.
	Also returns each amendment's current link to its original (ims_key -> row name)."""
	table = frappe.qb.DocType(supply_doctype())
	rows = (
		frappe.qb.from_(table)
		.select(*[table[f] for f in LIGHT_FIELDS], table.original_inward_supply)
		.where(table.company_gstin == company_gstin)
	).run(as_dict=True)
	links = {row.ims_key: row.original_inward_supply for row in rows if row.original_inward_supply}
	changed = [
		row.name
		for row in rows
		if row.ims_key in incoming and (not row.gstn_hash or row.gstn_hash != incoming[row.ims_key].gstn_hash)
	]
	full: dict[str, dict] = {}
	for start in range(0, len(changed), BATCH):
		for row in (
			frappe.qb.from_(table)
			.select(table.name, *[table[f] for f in DIFF_FIELDS])
			.where(table.name.isin(changed[start : start + BATCH]))
		).run(as_dict=True):
			full[row.pop("name")] = row
	return [StoredRow.from_row({**row, **full.get(row.name, {})}) for row in rows], links


# --- multi-row INSERT text -------------------------------------------------------------------
# A first download inserts every record. Passing ~45 values a row through pymysql's placeholders
# escapes each one through four calls; rendering the literals here by Python type, with the
# columns that are the same for every row rendered once, builds the same statement in about half
# the time. The server's side (16 secondary indexes) is the larger cost; see `row_names`.

#: frappe.db.sql rewrites "ifnull(" anywhere in a query's text, string literals included
_IFNULL = re.compile(r"(ifnull)\(", re.IGNORECASE)


def sql_literal(value: object, escape: Callable[[str], str]) -> str:
	"""One value as MariaDB literal text; `escape` is the connection's escape_string (it knows
	whether the server runs with NO_BACKSLASH_ESCAPES). Exact types first: this runs per value."""
	if value is None:
		return "NULL"
	kind = type(value)
	if kind is str or (kind not in _EXACT and isinstance(value, str)):
		text = escape(str(value))
		if "(" in text and _IFNULL.search(text):
			text = _IFNULL.sub(r"\1' '(", text)  # adjacent literals: MariaDB joins them again
		return f"'{text}'"
	if kind is bool:
		return "1" if value else "0"
	if kind is float or (kind not in _EXACT and isinstance(value, float)):
		if not math.isfinite(value):
			raise ValueError(f"{value} cannot be stored")
		return repr(float(value))
	if kind is int or (kind not in _EXACT and isinstance(value, int)):
		return str(int(value))
	if isinstance(value, dt.datetime):
		return f"'{value.isoformat(' ')}'"
	if isinstance(value, dt.date):
		return f"'{value.isoformat()}'"
	raise TypeError(f"no SQL literal for {kind.__name__} {value!r}")


_EXACT = frozenset((str, bool, int, float))


def insert_rows(
	doctype: str,
	fields: list[str],
	rows: Iterable[tuple],
	*,
	constants: dict[str, object] | None = None,
	chunk: int = 2000,
) -> int:
	"""Multi-row INSERTs of `rows` (tuples in `fields` order) with `constants` appended to every
	row; the text goes to frappe.db.sql without parameters, so nothing is formatted twice."""
	escape = _connection().escape_string
	constants = constants or {}
	columns = ", ".join(f"`{f}`" for f in (*fields, *constants))
	tail = "".join("," + sql_literal(v, escape) for v in constants.values()) + ")"
	head = f"INSERT INTO `tab{doctype}` ({columns}) VALUES "
	count, batch = 0, []
	for row in rows:
		batch.append("(" + ",".join([sql_literal(v, escape) for v in row]) + tail)
		if len(batch) == chunk:
			frappe.db.sql(head + ",".join(batch))
			count, batch = count + len(batch), []
	if batch:
		frappe.db.sql(head + ",".join(batch))
		count += len(batch)
	return count


def update_rows(doctype: str, rows: list[dict], *, chunk: int = 1000) -> int:
	"""Set-based UPDATE of existing rows by name: `rows` are dicts with "name" and the columns to
	set. Rows setting the same columns share statements joining the table to a derived table of
	their values, so 10,000 status changes are ten statements, not 10,000 (a per-row set_value
	took about 1 ms each). A name that no longer exists simply matches nothing."""
	conn = _connection()
	escape = conn.escape_string
	shapes: dict[tuple, list[dict]] = {}
	for row in rows:
		shapes.setdefault(tuple(row), []).append(row)
	for fields, group in shapes.items():
		if "name" not in fields:
			raise ValueError("update_rows needs each row's name")
		assign = ", ".join(f"t.`{f}` = v.`{f}`" for f in fields if f != "name")
		for start in range(0, len(group), chunk):
			part = group[start : start + chunk]
			first = ", ".join(f"{sql_literal(part[0][f], escape)} AS `{f}`" for f in fields)
			rest = (
				" UNION ALL SELECT " + ", ".join([sql_literal(row[f], escape) for f in fields])
				for row in part[1:]
			)
			frappe.db.sql(
				f"UPDATE `tab{doctype}` t JOIN (SELECT {first}{''.join(rest)}) v ON t.`name` = v.`name` SET {assign}"
			)
	return len(rows)


def _connection():
	if frappe.db._conn is None:
		frappe.db.connect()
	return frappe.db._conn


def row_names(count: int) -> list[str]:
	"""`count` new row names that sort in the order given and after every name made before.

	Random names (Frappe's "hash" autoname) land each row, and each entry of every secondary
	index keyed by a common value (section, action, company GSTIN, ...), on a random B-tree page;
	time-ordered names append instead, which cut the server's share of a 100k first download by
	about a third. Format: microseconds since the epoch in base 36 (11 characters until 2059),
	3 random characters so two jobs starting in the same microsecond cannot collide, and a
	5-character sequence: 19 characters, so never equal to a 10-character hash name."""
	prefix = _base36(time.time_ns() // 1000, 11) + _base36(secrets.randbelow(36**3), 3)
	return [prefix + _base36(i, 5) for i in range(count)]


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(number: int, width: int) -> str:
	out, rest = [], number
	while rest:
		rest, digit = divmod(rest, 36)
		out.append(_DIGITS[digit])
	text = "".join(reversed(out)) or "0"
	if len(text) > width:
		raise ValueError(f"{number} does not fit {width} base-36 digits")
	return text.rjust(width, "0")


def supplier_lookup(gstins: Iterable[str]) -> dict[str, tuple[str, str]]:
	"""GSTIN -> (Supplier, supplier name), by the Supplier's tax id."""
	gstins = list(set(gstins))
	found: dict[str, tuple[str, str]] = {}
	for start in range(0, len(gstins), BATCH):
		for row in frappe.get_all(
			"Supplier",
			filters={"tax_id": ("in", gstins[start : start + BATCH]), "disabled": 0},
			fields=["name", "supplier_name", "tax_id"],
			order_by="creation",
		):
			found.setdefault(row.tax_id, (row.name, row.supplier_name))
	return found


def ingest(
	company_gstin: str,
	records: list[InwardRecord],
	*,
	sections: Iterable[str],
	commit: bool = False,
	on_progress=None,
) -> dict:
	"""Upsert one download of `sections` for `company_gstin`. Returns the plan's counts and the
	GSTINs with no ERPNext Supplier (kept with GSTN's name, listed for the user)."""
	company = frappe.db.get_value(
		"IMS Company GSTIN", {"parent": "IMS Settings", "gstin": company_gstin}, "company"
	)
	if not company:
		frappe.throw(frappe._("Company GSTIN {0} is not configured in IMS Settings").format(company_gstin))
	incoming = {record.natural_key(company_gstin): record for record in records}
	stored, links = load_stored(company_gstin, incoming)
	plan = plan_upsert(records, stored, company_gstin=company_gstin, sections=sections)
	suppliers = supplier_lookup(r.supplier_gstin for r in records)
	writer = _Writer(
		company=company,
		company_gstin=company_gstin,
		suppliers=suppliers,
		commit=commit,
		on_progress=on_progress,
	)
	writer.write(plan, stored=stored, links=links)
	counts = plan.counts()
	counts["unknown_suppliers"] = sorted({r.supplier_gstin for r in records} - set(suppliers))
	return counts


class _Writer:
	def __init__(self, *, company, company_gstin, suppliers, commit, on_progress):
		self.company = company
		self.company_gstin = company_gstin
		self.suppliers = suppliers
		self.commit = commit
		self.on_progress = on_progress or (lambda done, total: None)
		self.now = now_datetime()
		self.user = frappe.session.user

	def _commit(self):
		if self.commit:
			frappe.db.commit()  # nosemgrep: the download commits per batch so a failure keeps finished batches

	def write(self, plan: UpsertPlan, *, stored: list[StoredRow], links: dict[str, str]) -> None:
		total = (
			len(plan.inserts)
			+ len(plan.supplier_changed)
			+ len(plan.gstn_status_changed)
			+ len(plan.returned)
		)
		# Originals first, then key order: the unique key index and the time-ordered names both
		# grow in insert order, and an amendment never points at a row a later batch inserts.
		inserts = sorted(plan.inserts, key=lambda new: (new.original_key is not None, new.key))
		names = {row.key: row.name for row in stored}
		names.update(zip((new.key for new in inserts), row_names(len(inserts)), strict=True))
		done = 0
		for start in range(0, len(inserts), BATCH):
			self.insert(inserts[start : start + BATCH], names)
			done += len(inserts[start : start + BATCH])
			self._commit()
			self.on_progress(done, total)
		updates = [*plan.supplier_changed, *plan.gstn_status_changed, *plan.returned]
		for start in range(0, len(updates), BATCH):
			update_rows(
				supply_doctype(), [self.update_values(update) for update in updates[start : start + BATCH]]
			)
			self.log_updates(updates[start : start + BATCH])
			done += len(updates[start : start + BATCH])
			self._commit()
			self.on_progress(done, total)
		inserted = {new.key for new in inserts}
		self.link_originals(
			{
				names[amendment]: names[original]
				for amendment, original in plan.original_keys.items()
				if amendment not in inserted and links.get(amendment) != names[original]
			}
		)
		gone = [row.name for row in plan.gone]
		table = frappe.qb.DocType(supply_doctype())
		for start in range(0, len(gone), BATCH):
			frappe.qb.update(table).set(table.is_gone, 1).set(table.modified, self.now).where(
				table.name.isin(gone[start : start + BATCH])
			).run()
		self._commit()

	def record_values(self, record: InwardRecord) -> dict:
		supplier, supplier_name = self.suppliers.get(record.supplier_gstin, (None, None))
		values = {f: getattr(record, f) for f in RECORD_FIELDS}
		values.update(
			supplier=supplier,
			# written with SQL, so Frappe's sanitiser never sees it: no markup is stored (issue 14)
			supplier_name=plain_text(supplier_name or record.supplier_name),
			document_type=record.document_type,
			total_tax=record.total_tax,
			gstn_action=record.gstn_action.value,
			last_downloaded_on=self.now,
			is_gone=0,
			parse_warnings="\n".join(record.warnings) or None,  # shown on the page (issue 15)
		)
		for flag in (
			"supplier_filed",
			"reverse_charge",
			"pending_blocked",
			"itc_reduction_blocked",
			"remarks_blocked",
		):
			values[flag] = 1 if values[flag] else 0
		return values

	def insert(self, new_records: list, names: dict[str, str]) -> None:
		"""New rows: GSTN's values, the user's action starting as GSTN's, no upload state ("" as
		the form leaves it, never NULL), "Missing in PI" until reconciliation runs."""
		if not new_records:
			return
		fields = None
		rows = []
		for new in new_records:
			values = {
				"name": names[new.key],
				"ims_key": new.key,
				"action": new.action.value,
				"original_inward_supply": names.get(new.original_key) if new.original_key else None,
				"itc_reduction_required": new.record.itc_reduction_required or "",
				"declared_igst": new.record.declared_igst or 0,
				"declared_cgst": new.record.declared_cgst or 0,
				"declared_sgst": new.record.declared_sgst or 0,
				"declared_cess": new.record.declared_cess or 0,
				"remarks": plain_text(new.record.remarks, multiline=True),
				**self.record_values(new.record),
			}
			fields = fields or list(values)
			rows.append(tuple(values[f] for f in fields))
		insert_rows(
			supply_doctype(),
			fields,
			rows,
			constants={
				"creation": self.now,
				"modified": self.now,
				"owner": self.user,
				"modified_by": self.user,
				"company": self.company,
				"company_gstin": self.company_gstin,
				"upload_state": "",
				"match_status": "Missing in PI",
				"changed_by_supplier": 0,
			},
		)

	def update_values(self, update) -> dict:
		"""A stored row's new values: GSTN's, and what the plan says about the user's action."""
		values = {"name": update.name, **self.record_values(update.record)}
		values["modified"] = self.now
		if update.supplier_edited:
			values["changed_by_supplier"] = 1
		if update.new_action is not None:
			values["action"] = update.new_action.value
		if update.new_upload_state is not None:
			values["upload_state"] = update.new_upload_state
			values["upload_error"] = None
		if update.void_action:
			values.update(
				itc_reduction_required="",
				declared_igst=0,
				declared_cgst=0,
				declared_sgst=0,
				declared_cess=0,
				remarks=None,
			)
		return values

	def log_updates(self, updates) -> None:
		supplier_changes, gstn_moves = [], []
		for update in updates:
			changed = {c.field: {"old": c.old, "new": c.new} for c in update.changes}
			if update.supplier_edited:
				supplier_changes.append(
					{
						"inward_supply": update.name,
						"from_action": update.stored.action.value,
						"to_action": (update.new_action or update.stored.action).value,
						"remarks": "R9: the supplier edited this record"
						+ ("; the earlier action is void" if update.void_action else ""),
						"changed_values": changed,
					}
				)
			elif update.new_action is not None and update.new_action is not update.stored.action:
				gstn_moves.append(
					{
						"inward_supply": update.name,
						"from_action": update.stored.action.value,
						"to_action": update.new_action.value,
						"remarks": "Value found on GSTN",
					}
				)
		write_logs(supplier_changes, source="Supplier Change")
		write_logs(gstn_moves, source="GSTN Download")

	def link_originals(self, links: dict[str, str]) -> None:
		"""Stored amendments whose original arrived later (or whose link a failed run left
		pointing at a row that was never written): point them at the original's row."""
		for amendment, original in links.items():
			frappe.db.set_value(
				supply_doctype(), amendment, "original_inward_supply", original, update_modified=False
			)
