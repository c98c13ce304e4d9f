"""Writes a download into GST Inward Supply (issue 4): the pure `core.upsert` plan decides, this
module only writes what it says, in bulk (multi-row INSERTs, set-based UPDATEs), committing per
batch when asked so a failure mid-way leaves every committed batch consistent and a re-run
completes the work without duplicates (the natural key is unique)."""

from __future__ import annotations

from collections.abc import Iterable

import frappe
from frappe.utils import now_datetime

from ims_compliance.core.records import InwardRecord
from ims_compliance.core.upsert import DIFF_FIELDS, STATUS_FIELDS, StoredRow, UpsertPlan, plan_upsert
from ims_compliance.services.action_log import write_logs
from ims_compliance.services.filters import DOCTYPE

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
)


def load_stored(company_gstin: str, incoming: dict[str, InwardRecord]) -> list[StoredRow]:
	"""Every stored row of the company GSTIN, light; full values only where the hash moved."""
	table = frappe.qb.DocType(DOCTYPE)
	rows = (
		frappe.qb.from_(table)
		.select(*[table[f] for f in LIGHT_FIELDS])
		.where(table.company_gstin == company_gstin)
	).run(as_dict=True)
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
	return [StoredRow.from_row({**row, **full.get(row.name, {})}) for row in rows]


def insert_rows(doctype: str, fields: list[str], rows: list[tuple], chunk: int = 2000) -> None:
	"""Multi-row INSERT with plain placeholders: frappe.db.bulk_insert builds every value through
	pypika, which dominated a 100k-record download (about 3x slower than this)."""
	columns = ", ".join(f"`{f}`" for f in fields)
	row_placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
	for start in range(0, len(rows), chunk):
		part = rows[start : start + chunk]
		frappe.db.sql(
			f"INSERT INTO `tab{doctype}` ({columns}) VALUES {', '.join([row_placeholder] * len(part))}",
			[value for row in part for value in row],
		)


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
	stored = load_stored(company_gstin, incoming)
	plan = plan_upsert(records, stored, company_gstin=company_gstin, sections=sections)
	suppliers = supplier_lookup(r.supplier_gstin for r in records)
	writer = _Writer(
		company=company,
		company_gstin=company_gstin,
		suppliers=suppliers,
		commit=commit,
		on_progress=on_progress,
	)
	writer.write(plan)
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

	def write(self, plan: UpsertPlan) -> None:
		total = (
			len(plan.inserts)
			+ len(plan.supplier_changed)
			+ len(plan.gstn_status_changed)
			+ len(plan.returned)
		)
		done = 0
		for start in range(0, len(plan.inserts), BATCH):
			self.insert(plan.inserts[start : start + BATCH])
			done += len(plan.inserts[start : start + BATCH])
			self._commit()
			self.on_progress(done, total)
		updates = [*plan.supplier_changed, *plan.gstn_status_changed, *plan.returned]
		for start in range(0, len(updates), BATCH):
			for update in updates[start : start + BATCH]:
				self.update(update)
			self.log_updates(updates[start : start + BATCH])
			done += len(updates[start : start + BATCH])
			self._commit()
			self.on_progress(done, total)
		if plan.original_keys:
			self.link_originals(plan.original_keys)
		gone = [row.name for row in plan.gone]
		table = frappe.qb.DocType(DOCTYPE)
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
			supplier_name=supplier_name or record.supplier_name,
			document_type=record.document_type,
			total_tax=record.total_tax,
			gstn_action=record.gstn_action.value,
			last_downloaded_on=self.now,
			is_gone=0,
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

	def insert(self, new_records) -> None:
		if not new_records:
			return
		fields = None
		rows = []
		for new in new_records:
			values = {
				"name": frappe.generate_hash(length=12),
				"creation": self.now,
				"modified": self.now,
				"owner": self.user,
				"modified_by": self.user,
				"company": self.company,
				"company_gstin": self.company_gstin,
				"ims_key": new.key,
				"action": new.action.value,
				"upload_state": "",
				"match_status": "Missing in PI",
				"changed_by_supplier": 0,
				"itc_reduction_required": new.record.itc_reduction_required or "",
				"declared_igst": new.record.declared_igst or 0,
				"declared_cgst": new.record.declared_cgst or 0,
				"declared_sgst": new.record.declared_sgst or 0,
				"declared_cess": new.record.declared_cess or 0,
				"remarks": new.record.remarks,
				**self.record_values(new.record),
			}
			fields = fields or list(values)
			rows.append(tuple(values[f] for f in fields))
		insert_rows(DOCTYPE, fields, rows)

	def update(self, update) -> None:
		values = self.record_values(update.record)
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
		frappe.db.set_value(DOCTYPE, update.name, values, update_modified=False)

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

	def link_originals(self, original_keys: dict[str, str]) -> None:
		keys = list(set(original_keys) | set(original_keys.values()))
		names = dict(
			frappe.get_all(
				DOCTYPE, filters={"ims_key": ("in", keys)}, fields=["ims_key", "name"], as_list=True
			)
		)
		for amendment, original in original_keys.items():
			if amendment in names and original in names:
				frappe.db.set_value(
					DOCTYPE,
					names[amendment],
					"original_inward_supply",
					names[original],
					update_modified=False,
				)
