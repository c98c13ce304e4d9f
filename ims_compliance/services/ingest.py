"""Writes a download into GST Inward Supply (issue 4): the pure `core.upsert` plan decides, this
module only writes what it says, in bulk (multi-row INSERTs, set-based UPDATEs), committing per
batch when asked so a failure mid-way leaves every committed batch consistent and a re-run
completes the work without duplicates (the natural key is unique)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from operator import attrgetter

import frappe
from frappe.utils import now_datetime

from ims_compliance.core.records import InwardRecord
from ims_compliance.core.sections import section
from ims_compliance.core.text import plain_text
from ims_compliance.core.upsert import (
	DIFF_FIELDS,
	STATUS_FIELDS,
	KeyedRecords,
	StoredRow,
	UpsertPlan,
	plan_upsert,
)
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.action_log import write_logs
from ims_compliance.services.bulk_sql import (
	connection_escape,
	execute,
	insert_statements,
	row_names,
	run_ahead,
	update_rows,
)
from ims_compliance.services.early_inserts import EarlyInserts

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
_FLAGS = ("supplier_filed", "reverse_charge", "pending_blocked", "itc_reduction_blocked", "remarks_blocked")
_NO_SUPPLIER = (None, None)


_DECLARED = ("declared_igst", "declared_cgst", "declared_sgst", "declared_cess")
#: The record's attributes an INSERT reads, gathered in one pass (`_columns`).
_GSTN_COLUMNS = (
	*RECORD_FIELDS,
	*_DECLARED,
	"itc_reduction_required",
	"remarks",
	"gstn_action",
	"warnings",
)


def _columns(records: list[InwardRecord], fields: tuple[str, ...]) -> dict[str, tuple]:
	"""field -> its value on every record, in order (records non-empty)."""
	return dict(zip(fields, zip(*map(attrgetter(*fields), records), strict=True), strict=True))


def load_stored(
	company_gstin: str, incoming: dict[str, InwardRecord]
) -> tuple[list[StoredRow], dict[str, str]]:
	"""Every stored row of the company GSTIN, light; full values only where the hash moved.
	Also returns each amendment's current link to its original (ims_key -> row name)."""
	table = frappe.qb.DocType(supply_doctype())
	fields = (*LIGHT_FIELDS, "original_inward_supply")
	# tuples, not frappe._dicts: a forced re-download reads every row of the GSTIN (100k)
	rows = [
		dict(zip(fields, row, strict=True))
		for row in (
			frappe.qb.from_(table)
			.select(*[table[f] for f in fields])
			.where(table.company_gstin == company_gstin)
		).run()
	]
	links = {row["ims_key"]: row["original_inward_supply"] for row in rows if row["original_inward_supply"]}
	changed = [
		row["name"]
		for row in rows
		if row["ims_key"] in incoming
		and (not row["gstn_hash"] or row["gstn_hash"] != incoming[row["ims_key"]].gstn_hash)
	]
	full: dict[str, tuple] = {}
	for start in range(0, len(changed), BATCH):
		for row in (
			frappe.qb.from_(table)
			.select(table.name, *[table[f] for f in DIFF_FIELDS])
			.where(table.name.isin(changed[start : start + BATCH]))
		).run():
			full[row[0]] = row[1:]
	for row in rows:
		if row["name"] in full:
			row.update(zip(DIFF_FIELDS, full[row["name"]], strict=True))
	return [StoredRow.from_row(row) for row in rows], links


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


def company_of(company_gstin: str) -> str:
	company = frappe.db.get_value(
		"IMS Company GSTIN", {"parent": "IMS Settings", "gstin": company_gstin}, "company"
	)
	if not company:
		frappe.throw(frappe._("Company GSTIN {0} is not configured in IMS Settings").format(company_gstin))
	return company


def start_early_inserts(company_gstin: str) -> EarlyInserts:
	"""An `EarlyInserts` for a download of `company_gstin`: pass its `add` to the client as
	`on_part`, then the object itself to `ingest`."""
	writer = _Writer(
		company=company_of(company_gstin),
		company_gstin=company_gstin,
		suppliers={},
		commit=False,
		on_progress=None,
	)
	return EarlyInserts(company_gstin, writer)


def ingest(
	company_gstin: str,
	records: list[InwardRecord],
	*,
	sections: Iterable[str],
	commit: bool = False,
	on_progress=None,
	early: EarlyInserts | None = None,
) -> dict:
	"""Upsert one download of `sections` for `company_gstin`. Returns the plan's counts and the
	GSTINs with no ERPNext Supplier (kept with GSTN's name, listed for the user). `early`: the
	rows this download already wrote while it was reading GSTN (`start_early_inserts`)."""
	keyed = KeyedRecords.of(records, company_gstin)
	stored, links = load_stored(company_gstin, keyed.by_key)
	plan = plan_upsert(keyed, stored, company_gstin=company_gstin, sections=sections)
	gstins = {r.supplier_gstin for r in records}
	if early is None:
		writer = _Writer(
			company=company_of(company_gstin),
			company_gstin=company_gstin,
			suppliers=supplier_lookup(gstins),
			commit=commit,
			on_progress=on_progress,
		)
	else:
		writer = early.writer
		early.look_up_suppliers(gstins)
		writer.commit, writer.on_progress = commit, on_progress or writer.on_progress
	writer.write(plan, stored=stored, links=links, early=early)
	counts = plan.counts()
	counts["unknown_suppliers"] = sorted(gstins - set(writer.suppliers))
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
		self._plain_names: dict[str | None, str | None] = {}
		#: the columns every new row shares
		self.constants = {
			"last_downloaded_on": self.now,
			"is_gone": 0,
			"creation": self.now,
			"modified": self.now,
			"owner": self.user,
			"modified_by": self.user,
			"company": company,
			"company_gstin": company_gstin,
			"upload_state": "",
			"match_status": "Missing in PI",
			"changed_by_supplier": 0,
		}

	def _commit(self):
		if self.commit:
			frappe.db.commit()  # nosemgrep: the download commits per batch so a failure keeps finished batches

	def write(
		self,
		plan: UpsertPlan,
		*,
		stored: list[StoredRow],
		links: dict[str, str],
		early: EarlyInserts | None = None,
	) -> None:
		total = (
			len(plan.inserts)
			+ len(plan.supplier_changed)
			+ len(plan.gstn_status_changed)
			+ len(plan.returned)
		)
		names = {row.key: row.name for row in stored}
		written = early.names if early is not None else {}
		names.update(written)
		# Originals first, then key order: the unique key index and the time-ordered names both
		# grow in insert order, and an amendment never points at a row a later batch inserts.
		inserts = sorted(
			(new for new in plan.inserts if new.key not in written),
			key=lambda new: (new.original_key is not None, new.key),
		)
		names.update(zip((new.key for new in inserts), row_names(len(inserts)), strict=True))
		if early is not None:
			early.settle(plan, names)  # before the first commit: see EarlyInserts
		done = len(written)
		# the next statements are rendered on a helper thread while the server runs this one
		for statement, rows in run_ahead(self.insert_statements(inserts, names)):
			execute(statement)
			if rows:  # the last statement of a batch
				done += rows
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
		# (rows new in this download, early ones included, were written with their link)
		inserted = {new.key for new in plan.inserts}
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
			supplier_name=self.plain_name(supplier_name or record.supplier_name),
			document_type=record.document_type,
			total_tax=record.total_tax,
			gstn_action=record.gstn_action.value,
			last_downloaded_on=self.now,
			is_gone=0,
			parse_warnings="\n".join(record.warnings) or None,  # shown on the page (issue 15)
		)
		for flag in _FLAGS:
			values[flag] = 1 if values[flag] else 0
		return values

	def insert_statements(self, inserts: list, names: dict[str, str]) -> Iterator[tuple[str, int]]:
		"""The INSERTs of every new row, BATCH rows between commits: (statement, rows) where rows
		is the batch's size on its last statement, else 0. Frappe is asked everything it knows
		here, in the caller's thread; what is returned is pure Python over the plan, so `write`
		can run it ahead on a helper thread."""
		doctype, escape = supply_doctype(), connection_escape()

		def statements() -> Iterator[tuple[str, int]]:
			for start in range(0, len(inserts), BATCH):
				batch = inserts[start : start + BATCH]
				columns = self.insert_columns(batch, names)
				pending = None
				for statement in insert_statements(doctype, columns, escape=escape, constants=self.constants):
					if pending is not None:
						yield pending, 0
					pending = statement
				if pending is not None:
					yield pending, len(batch)

		return statements()

	def insert_columns(self, new_records: list, names: dict[str, str]) -> dict[str, Sequence]:
		"""New rows: GSTN's values, the user's action starting as GSTN's, no upload state ("" as
		the form leaves it, never NULL), "Missing in PI" until reconciliation runs. The values are
		the ones `record_values` gives, gathered column by column (a 100k first download spent
		most of its Python time in per-row dicts and per-value rendering)."""
		records = [new.record for new in new_records]
		gstn = _columns(records, _GSTN_COLUMNS)
		suppliers = [self.suppliers.get(gstin, _NO_SUPPLIER) for gstin in gstn["supplier_gstin"]]
		document_types = {code: section(code).document_type for code in set(gstn["section"])}
		columns: dict[str, Sequence] = {
			"name": [names[new.key] for new in new_records],
			"ims_key": [new.key for new in new_records],
			"action": [new.action.value for new in new_records],
			"original_inward_supply": [
				names.get(new.original_key) if new.original_key else None for new in new_records
			],
			"itc_reduction_required": [value or "" for value in gstn["itc_reduction_required"]],
			**{field: [value or 0 for value in gstn[field]] for field in _DECLARED},
			"remarks": [
				None if value is None else plain_text(value, multiline=True) for value in gstn["remarks"]
			],
			**{field: gstn[field] for field in RECORD_FIELDS},
			"supplier": [supplier for supplier, _name in suppliers],
			"supplier_name": [
				self.plain_name(name or gstn_name)
				for (_supplier, name), gstn_name in zip(suppliers, gstn["supplier_name"], strict=True)
			],
			"document_type": [document_types[code] for code in gstn["section"]],
			"total_tax": [record.total_tax for record in records],
			"gstn_action": [action.value for action in gstn["gstn_action"]],
			"parse_warnings": ["\n".join(warnings) or None for warnings in gstn["warnings"]],
		}
		for flag in _FLAGS:
			columns[flag] = [1 if value else 0 for value in columns[flag]]
		return columns

	def plain_name(self, name: str | None) -> str | None:
		"""`plain_text` of a supplier name, once per distinct name (a few thousand per download)."""
		try:
			return self._plain_names[name]
		except KeyError:
			return self._plain_names.setdefault(name, plain_text(name))

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
