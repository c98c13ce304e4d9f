"""What a download does to the stored GST Inward Supply rows: the upsert plan (issue 4).

The download job, the portal-file import and tests all decide through `plan_upsert`, so the
rules below hold on every path; the Frappe side only writes what the plan says, in bulk.

Each incoming record lands in exactly one bucket:
- `inserts`: never seen; the user's action starts as GSTN's action.
- `unchanged`: same hash, same GSTN status: nothing is written, so a user's action that is not
  uploaded yet survives the re-download untouched.
- `supplier_changed` (R9): the hash changed, so the supplier edited the record: new values, the
  user's action is void when it differs from GSTN's (and any pending upload is dropped: GSTN
  would refuse it with IMSSAV0010 anyway), with the changed fields for the IMS Action Log.
- `gstn_status_changed`: same document, but GSTN's action or flags moved (someone acted on the
  portal, our upload landed, a deemed action, ispendactblocked flipped). See
  `_follow_gstn_status` for what happens to the user's action.
- `returned`: a row marked gone is back; it is un-gone and otherwise treated as above.
Stored rows of the downloaded sections that are not in the download are `gone`: marked, never
deleted, so links to Purchase Invoices and the action history survive.

Everything is dict lookups by natural key: linear in the number of records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ims_compliance.core.actions import Action
from ims_compliance.core.records import InwardRecord, financial_year_of
from ims_compliance.core.sections import SECTIONS, section

#: Supplier-side values compared when the hash changes; their old and new values are logged.
DIFF_FIELDS: tuple[str, ...] = (
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
	"reverse_charge",
	"original_number",
	"original_date",
)
#: GSTN-side flags that may move without the supplier editing the record (same hash).
STATUS_FIELDS: tuple[str, ...] = (
	"supplier_filed",
	"pending_blocked",
	"itc_reduction_blocked",
	"remarks_blocked",
)
_AMOUNT_FIELDS = frozenset(("document_value", "taxable_value", "igst", "cgst", "sgst", "cess"))
_DATE_FIELDS = frozenset(("document_date", "original_date"))
_BOOL_FIELDS = frozenset(("reverse_charge", *STATUS_FIELDS))

#: Upload states (GST Inward Supply.upload_state) meaning the user's action has not reached GSTN.
PENDING_UPLOAD_STATES = frozenset(("Pending Upload", "Uploading", "Failed"))
NO_UPLOAD_STATE = ""


@dataclass(frozen=True)
class FieldChange:
	field: str
	old: object
	new: object


@dataclass(slots=True)
class StoredRow:
	"""The light view of a stored GST Inward Supply row the plan needs.

	`values` holds whichever of DIFF_FIELDS / STATUS_FIELDS the caller loaded; only those are
	compared, so load them all to get a complete change list.
	"""

	key: str
	gstn_hash: str | None = None
	gstn_action: Action = Action.NO_ACTION
	action: Action = Action.NO_ACTION
	upload_state: str | None = None
	is_gone: bool = False
	name: str | None = None
	values: Mapping[str, object] = field(default_factory=dict)

	@property
	def section(self) -> str:
		return self.key.split("|")[1]

	@property
	def upload_pending(self) -> bool:
		return (self.upload_state or "") in PENDING_UPLOAD_STATES

	@classmethod
	def from_row(cls, row: Mapping) -> StoredRow:
		"""From a GST Inward Supply row dict (fields as in the DocType, key in `ims_key`)."""
		return cls(
			key=row["ims_key"],
			gstn_hash=row.get("gstn_hash") or None,
			gstn_action=Action.parse(row.get("gstn_action") or Action.NO_ACTION),
			action=Action.parse(row.get("action") or Action.NO_ACTION),
			upload_state=row.get("upload_state") or None,
			is_gone=bool(row.get("is_gone")),
			name=row.get("name"),
			values={f: row[f] for f in (*DIFF_FIELDS, *STATUS_FIELDS) if f in row},
		)


@dataclass(frozen=True, slots=True)
class NewRecord:
	key: str
	record: InwardRecord
	action: Action  # the user's action starts as GSTN's
	original_key: str | None = None


@dataclass(frozen=True, slots=True)
class RowUpdate:
	"""One stored row to update.

	`new_action` None keeps the user's action; `new_upload_state` None keeps the upload state
	("" clears it). `void_action` (R9) means the user's action was voided because the supplier
	edited the record: the service also clears the R7 answer, declared amounts and remarks.
	"""

	key: str
	record: InwardRecord
	stored: StoredRow
	supplier_edited: bool
	changes: tuple[FieldChange, ...] = ()
	status_changes: tuple[FieldChange, ...] = ()
	new_action: Action | None = None
	new_upload_state: str | None = None
	void_action: bool = False
	original_key: str | None = None

	@property
	def name(self) -> str | None:
		return self.stored.name

	@property
	def gstn_action_changed(self) -> bool:
		return self.record.gstn_action is not self.stored.gstn_action


@dataclass
class UpsertPlan:
	inserts: list[NewRecord] = field(default_factory=list)
	unchanged: list[str] = field(default_factory=list)
	supplier_changed: list[RowUpdate] = field(default_factory=list)
	gstn_status_changed: list[RowUpdate] = field(default_factory=list)
	returned: list[RowUpdate] = field(default_factory=list)
	gone: list[StoredRow] = field(default_factory=list)
	#: natural keys that came more than once in the download (the last one was kept)
	duplicates: list[str] = field(default_factory=list)
	#: amendment key -> its original's key, for every amendment whose original exists
	original_keys: dict[str, str] = field(default_factory=dict)

	def counts(self) -> dict[str, int]:
		"""For the Notification Log entry: new, updated, changed by supplier, gone, ..."""
		return {
			"new": len(self.inserts),
			"unchanged": len(self.unchanged),
			"changed_by_supplier": len(self.supplier_changed),
			"gstn_status_changed": len(self.gstn_status_changed),
			"returned": len(self.returned),
			"gone": len(self.gone),
			"duplicates": len(self.duplicates),
		}

	@property
	def writes_nothing(self) -> bool:
		return not (
			self.inserts or self.supplier_changed or self.gstn_status_changed or self.returned or self.gone
		)


# ---------------------------------------------------------------------------------------------


def normalise_value(name: str, value: object) -> object:
	"""Bring stored (DB) and parsed values to one form so equal things compare equal: amounts
	to paise, dates to `date` (DB strings and datetimes too), flags to bool, blanks to None."""
	if name in _AMOUNT_FIELDS:
		return round(float(value or 0), 2)
	if name in _BOOL_FIELDS:
		return bool(int(value)) if isinstance(value, str) and value.isdigit() else bool(value)
	if value is None or value == "":
		return None
	if name in _DATE_FIELDS:
		if isinstance(value, dt.datetime):
			return value.date()
		if isinstance(value, dt.date):
			return value
		text = str(value).strip()
		try:
			return dt.date.fromisoformat(text[:10])
		except ValueError:
			return dt.datetime.strptime(text, "%d-%m-%Y").date()
	if isinstance(value, str):
		return value.strip() or None
	return value


def record_values(record: InwardRecord) -> dict[str, object]:
	"""The compared fields of an incoming record, normalised."""
	return {name: normalise_value(name, getattr(record, name)) for name in (*DIFF_FIELDS, *STATUS_FIELDS)}


def _status_values(record: InwardRecord) -> dict[str, object]:
	return {name: bool(getattr(record, name)) for name in STATUS_FIELDS}


def _diff(stored: StoredRow, new_values: Mapping[str, object], names: Iterable[str]) -> list[FieldChange]:
	changes = []
	for name in names:
		if name not in stored.values:
			continue
		old = normalise_value(name, stored.values[name])
		if old != new_values[name]:
			changes.append(FieldChange(field=name, old=old, new=new_values[name]))
	return changes


def original_key_of(record: InwardRecord, company_gstin: str) -> str | None:
	"""The natural key of the document an amendment amends (R9), or None for originals."""
	sec = SECTIONS.get(record.section) or section(record.section)
	if not sec.amends or not record.original_number or not record.original_date:
		return None
	return "|".join(
		(
			company_gstin.upper(),
			sec.amends,
			record.supplier_gstin.upper(),
			record.original_number.upper(),
			financial_year_of(record.original_date),
		)
	)


def _follow_supplier_edit(stored: StoredRow, record: InwardRecord) -> tuple[Action | None, str | None, bool]:
	"""R9: the edited record replaces the original, so an action that differs from GSTN's is
	void; a queued upload targets the old version and is dropped."""
	void = stored.action is not record.gstn_action
	upload_state = NO_UPLOAD_STATE if stored.upload_state else None
	return (record.gstn_action if void else None), upload_state, void


def _follow_gstn_status(stored: StoredRow, record: InwardRecord) -> tuple[Action | None, str | None]:
	"""GSTN's action moved on the same document. Decision:
	- an action waiting for upload here (Pending Upload / Uploading / Failed) is the user's latest
	intent in this app: it is kept, and the upload will name GSTN's new status as prev_status;
	if it already equals GSTN's new action there is nothing left to upload (state cleared);
	- otherwise GSTN is the truth (someone acted on the portal, or a deemed action): the user's
	action follows it; the service logs that as "value found on GSTN" (P3).
	"""
	new_gstn = record.gstn_action
	if stored.upload_pending:
		if stored.action is new_gstn:
			return None, NO_UPLOAD_STATE
		return None, None
	return (new_gstn if stored.action is not new_gstn else None), None


@dataclass(frozen=True)
class KeyedRecords:
	"""One download's records by natural key (a key that comes twice keeps its last record) and
	the keys that came more than once. Built once per download: the service reads the stored
	rows whose hash moved with it, and the plan decides from it."""

	company_gstin: str
	by_key: dict[str, InwardRecord]
	duplicates: list[str]

	@classmethod
	def of(cls, records: Iterable[InwardRecord], company_gstin: str) -> KeyedRecords:
		company_gstin = company_gstin.strip().upper()
		by_key: dict[str, InwardRecord] = {}
		duplicates: list[str] = []
		for record in records:
			key = record.natural_key(company_gstin)
			if key in by_key:
				duplicates.append(key)
			by_key[key] = record
		return cls(company_gstin, by_key, duplicates)


def plan_upsert(
	records: Iterable[InwardRecord] | KeyedRecords,
	stored: Iterable[StoredRow],
	*,
	company_gstin: str,
	sections: Iterable[str],
) -> UpsertPlan:
	"""Decide what one download of `sections` for `company_gstin` does to the stored rows.

	`records` as they came, or already keyed (`KeyedRecords.of`, for the same company GSTIN).
	`stored` must be the company GSTIN's rows (any sections; rows outside `sections` are left
	alone, so a section skipped because its count did not change never goes "gone").
	"""
	company_gstin = company_gstin.strip().upper()
	if not isinstance(records, KeyedRecords):
		records = KeyedRecords.of(records, company_gstin)
	elif records.company_gstin != company_gstin:
		raise ValueError(f"records keyed for {records.company_gstin}, not {company_gstin}")
	plan = UpsertPlan(duplicates=list(records.duplicates))
	incoming = records.by_key

	by_key: dict[str, StoredRow] = {row.key: row for row in stored}
	downloaded = {section(code).code for code in sections}
	downloaded.update(record.section for record in incoming.values())

	for key, record in incoming.items():
		original_key = original_key_of(record, company_gstin)
		if original_key is not None and (original_key in by_key or original_key in incoming):
			plan.original_keys[key] = original_key
		else:
			original_key = None

		row = by_key.get(key)
		if row is None:
			plan.inserts.append(
				NewRecord(key=key, record=record, action=record.gstn_action, original_key=original_key)
			)
			continue

		if record.gstn_hash and row.gstn_hash:
			edited = record.gstn_hash != row.gstn_hash
			# the common re-download case (same hash) only needs the GSTN flags compared
			new_values = record_values(record) if edited else _status_values(record)
			changes = _diff(row, new_values, DIFF_FIELDS) if edited else []
		else:  # no hash on one side (legacy row, some portal files): the values decide
			new_values = record_values(record)
			changes = _diff(row, new_values, DIFF_FIELDS)
			edited = bool(changes)
		status_changes = _diff(row, new_values, STATUS_FIELDS)
		if record.gstn_hash and record.gstn_hash != row.gstn_hash and not edited:
			status_changes.append(FieldChange(field="gstn_hash", old=row.gstn_hash, new=record.gstn_hash))

		if edited:
			new_action, upload_state, void = _follow_supplier_edit(row, record)
		else:
			void = False
			new_action, upload_state = _follow_gstn_status(row, record)

		status_moved = bool(status_changes) or record.gstn_action is not row.gstn_action
		if not (edited or status_moved or row.is_gone):
			plan.unchanged.append(key)
			continue

		update = RowUpdate(
			key=key,
			record=record,
			stored=row,
			supplier_edited=edited,
			changes=tuple(changes),
			status_changes=tuple(status_changes),
			new_action=new_action,
			new_upload_state=upload_state,
			void_action=void,
			original_key=original_key,
		)
		if row.is_gone:
			plan.returned.append(update)
		elif edited:
			plan.supplier_changed.append(update)
		else:
			plan.gstn_status_changed.append(update)

	for key, row in by_key.items():
		if not row.is_gone and key not in incoming and row.section in downloaded:
			plan.gone.append(row)
	return plan
