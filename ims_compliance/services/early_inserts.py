"""New rows written while the download is still reading GSTN (issue 18).

A first download of 100k records spent about half its time asking GSTN and parsing, the other
half planning and writing, one after the other. Most of the asking is waiting: for GSTN to
answer, to build the large sections' files, to serve their parts. `EarlyInserts` takes each part
as the client parses it (`get_sections(on_part=...)`) and writes the rows that are certainly new
(their key is not stored) on a second connection, from a thread, while the download goes on
asking for the next part. When every section is read, `ingest` plans the whole download as
before and writes only what is left; `settle` makes what was written early agree with that plan.

What keeps the result the one the plan alone would give:
- Only supplier sections are taken (`STREAMED`): any failure there fails the whole download,
  and the second connection rolls back with it. A Bills of Entry section may fail alone and is
  then left out of the download (`download`), so its rows are written after the plan, as before.
- A key that comes again in a later part of the same section keeps its last record, as the plan
  does: the row written for the earlier one is deleted and written again with the same name.
- An amendment whose original has not come yet is written without its link; `settle` sets the
  link once the plan knows the original.
- The second connection commits right after the download's first commit once every part is
  written (`tie`), not before: anything the job's connection commits while the new rows are
  still being written (a hook, a notification; GSTN calls log on a connection of their own)
  must not take them along half-written.
- A row another process inserts with the same key during the download (an Excel import of the
  same GSTIN, say) makes the second connection's INSERT fail: the download fails and rolls back,
  and the next run finds that row stored.
"""

from __future__ import annotations

from collections import ChainMap

import frappe

from ims_compliance.core.sections import DOWNLOAD_SECTIONS
from ims_compliance.core.upsert import KeyedRecords, NewRecord, UpsertPlan, original_key_of
from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.bulk_sql import (
	connection_escape,
	insert_statements,
	joined_update_statements,
	row_names,
)
from ims_compliance.services.second_connection import SideQueue

#: Sections whose failure fails the download (see the module's docstring).
STREAMED = frozenset(DOWNLOAD_SECTIONS)


class EarlyInserts:
	"""The new rows of the parts read so far, on their way to the table on a second connection.
	`writer`: the ingest writer (`ingest._Writer`) whose columns and constants every new row of
	this download shares; `ingest` goes on with the same writer."""

	def __init__(self, company_gstin: str, writer) -> None:
		self.company_gstin = company_gstin
		self.writer = writer
		table = frappe.qb.DocType(supply_doctype())
		#: ims_key -> name of every stored row of the GSTIN (keys and names never change)
		self.stored: dict[str, str] = dict(
			frappe.qb.from_(table)
			.select(table.ims_key, table.name)
			.where(table.company_gstin == company_gstin)
			.run()
		)
		#: ims_key -> name of every row written early, and the original key it was linked to
		self.names: dict[str, str] = {}
		self.linked: dict[str, str | None] = {}
		self.looked_up: set[str] = set()  # supplier GSTINs already looked up
		self.escape = connection_escape()
		self.side: SideQueue | None = None  # opened with the first new row

	def add(self, code: str, records: list) -> None:
		"""One parsed part of section `code` (the client's on_part)."""
		if code not in STREAMED or not records:
			return
		keyed = KeyedRecords.of(records, self.company_gstin)
		fresh = [(key, record) for key, record in keyed.by_key.items() if key not in self.stored]
		if not fresh:
			return
		side = self._side()
		again = [self.names[key] for key, _record in fresh if key in self.names]
		if again:
			side.sql(f"delete from `tab{supply_doctype()}` where name in %(names)s", {"names": again})
		new_names = iter(row_names(len(fresh) - len(again)))
		for key, _record in fresh:
			if key not in self.names:
				self.names[key] = next(new_names)
		self.look_up_suppliers({record.supplier_gstin for _key, record in fresh})
		known = ChainMap(self.names, self.stored)
		new_records = []
		for key, record in fresh:
			original = original_key_of(record, self.company_gstin)
			if original not in known:
				original = None  # not come yet (or never): `settle` links it if it comes
			self.linked[key] = original
			new_records.append(
				NewRecord(key=key, record=record, action=record.gstn_action, original_key=original)
			)
		columns = self.writer.insert_columns(new_records, known)
		doctype, escape, constants = supply_doctype(), self.escape, self.writer.constants
		side.rendered(lambda: insert_statements(doctype, columns, escape=escape, constants=constants))

	def _side(self) -> SideQueue:
		if self.side is None:
			self.side = SideQueue(tie=False)
		return self.side

	def look_up_suppliers(self, gstins: set[str]) -> None:
		from ims_compliance.services.ingest import supplier_lookup

		wanted = gstins - self.looked_up
		if wanted:
			self.writer.suppliers.update(supplier_lookup(wanted))
			self.looked_up |= wanted

	def settle(self, plan: UpsertPlan, names: dict[str, str]) -> None:
		"""Make the rows written early agree with the whole download's `plan` (`names`: key ->
		row name of every stored, early and planned row), wait for them, and tie the second
		connection to the caller's transaction. Call before the caller's first commit."""
		if self.side is None:
			return
		planned = {new.key: new for new in plan.inserts}
		links = [
			(self.names[key], names.get(planned[key].original_key) if planned[key].original_key else None)
			for key in self.names
			if key in planned and planned[key].original_key != self.linked[key]
		]
		if links:
			doctype, escape = supply_doctype(), self.escape
			self.side.rendered(
				lambda: (
					statement
					for statement, _names in joined_update_statements(
						doctype, ("name", "original_inward_supply"), links, escape=escape
					)
				)
			)
		stray = [name for key, name in self.names.items() if key not in planned]
		if stray:  # (cannot happen: a streamed section left out of the plan fails the download)
			self.side.sql(f"delete from `tab{supply_doctype()}` where name in %(names)s", {"names": stray})
		if not self.side.finish():
			self.side.replay()  # it met a lock and rolled back: the caller's connection writes it all
			return
		self.side.tie()

	def abandon(self) -> None:
		"""The download failed before `settle`: nothing written early lands."""
		if self.side is not None:
			self.side.rollback()

	@property
	def rows(self) -> int:
		return len(self.names)
