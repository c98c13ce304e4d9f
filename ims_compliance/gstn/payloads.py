"""The ONE builder of SAVE / RESETIMS bodies, and the readers of GSTN's answers about them
(REQSTS status with its per-record error report, the counts call).

Bodies are split into chunks under GSTN's 4 MB limit here, not in the client, so the offline
export and the API upload produce the same shapes. Rules GSTN enforces (R4, R5, N is not
savable) are checked before sending when `strict`, so the user hears about them at once instead
of from a REQSTS error report minutes later.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ims_compliance.core.actions import Action
from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.gstin import check_gstin
from ims_compliance.core.records import InwardRecord
from ims_compliance.core.sections import SECTIONS, section_by_key
from ims_compliance.gstn.protocol import COUNT_KEYS, DECLARED_KEYS, MAX_BODY_BYTES, to_gstn_record

SAVE_REQUEST, RESET_REQUEST = "SAVE", "RESET"
_COMPACT = (",", ":")

#: The record keys GSTN's published request schemas allow, per section key (in-co-sandbox/
#: in-co-sandbox-docs, data/gst/schema/request/taxpayer/invoices/save.json and reset.json, both
#: `additionalProperties: false`). RESET records are the same without `action`. ECOM and ECOMA
#: carry no `inv_typ`. A record is built from this list, never by passing GETINV's keys through
#: (`trdnm`, `ispendactblocked`, `hash`, `srcfilstatus`... would be refused).
_SCHEMA_COMMON = ("stin", "rtnprd", "srcform")
_SCHEMA_AMOUNTS = ("pos", "val", "txval", "iamt", "camt", "samt", "cess")
_INVOICE = ("inum", "idt")
_NOTE = ("nt_num", "nt_dt")
#: Debit and credit notes share one record shape, and so do their amendments.
_NOTE_KEYS = (*_SCHEMA_COMMON, *_NOTE, "inv_typ", *_SCHEMA_AMOUNTS, "action", "prev_status")
_AMENDED_NOTE_KEYS = (
	*_SCHEMA_COMMON,
	"nt_num",
	"ont_num",
	"nt_dt",
	"ont_dt",
	"inv_typ",
	*_SCHEMA_AMOUNTS,
	"action",
	"prev_status",
)
SAVE_SCHEMA_KEYS: dict[str, tuple[str, ...]] = {
	"b2b": (*_SCHEMA_COMMON, *_INVOICE, "inv_typ", *_SCHEMA_AMOUNTS, "action", "prev_status"),
	"b2ba": (
		*_SCHEMA_COMMON,
		"inum",
		"oinum",
		"idt",
		"oidt",
		"inv_typ",
		*_SCHEMA_AMOUNTS,
		"action",
		"prev_status",
	),
	"b2bdn": _NOTE_KEYS,
	"b2bdna": _AMENDED_NOTE_KEYS,
	"b2bcn": _NOTE_KEYS,
	"b2bcna": _AMENDED_NOTE_KEYS,
	"ecom": (*_SCHEMA_COMMON, *_INVOICE, *_SCHEMA_AMOUNTS, "action", "prev_status"),
	"ecoma": (*_SCHEMA_COMMON, "inum", "oinum", "idt", "oidt", *_SCHEMA_AMOUNTS, "action", "prev_status"),
}
RESET_SCHEMA_KEYS: dict[str, tuple[str, ...]] = {
	key: tuple(k for k in keys if k != "action") for key, keys in SAVE_SCHEMA_KEYS.items()
}
#: The ITC-reduction declaration and remarks (R7, Advisory 624, Sep 2025) are newer than the
#: published schemas; GSTN refuses an ITC-reducing acceptance without `itcRedReq` (IMSSAV0054).
#: These keys are added to a SAVE record only when the user gave them for that record, so every
#: other record carries exactly the schema's keys.
R7_KEYS = ("itcRedReq", "declIgst", "declCgst", "declSgst", "declCess", "remarks")


def _import_keys(section_key: str, *, reset: bool) -> tuple[str, ...]:
	"""Bills of Entry (IMPG*, from the Oct-2025 period) have no published SAVE schema yet:
	the same shape built from the section's own number/date keys (verify)."""
	sec = section_by_key(section_key)
	keys = ["sgstin", "stin", "rtnprd", sec.number_key, sec.date_key]  # type: ignore[union-attr]
	if sec is not None and sec.original_number_key:
		keys += [sec.original_number_key, sec.original_date_key or ""]
	keys += ["portcd", *_SCHEMA_AMOUNTS]
	return tuple(keys) + (("prev_status",) if reset else ("action", "prev_status"))


def schema_keys(section_key: str, *, reset: bool) -> tuple[str, ...]:
	table = RESET_SCHEMA_KEYS if reset else SAVE_SCHEMA_KEYS
	return table.get(section_key) or _import_keys(section_key, reset=reset)


def schema_record(section_key: str, values: Mapping, *, reset: bool, extra: Iterable[str] = ()) -> dict:
	"""A SAVE/RESET record with exactly the schema's keys (those that have a value), plus the
	`extra` keys asked for (R7's, on a SAVE). Required keys missing from `values` stay missing:
	GSTN's schema check (IMSSAV005) names them, which beats inventing a value."""
	allowed = schema_keys(section_key, reset=reset)
	out = {k: values[k] for k in allowed if values.get(k) not in (None, "")}
	for key in extra:
		if values.get(key) not in (None, ""):
			out[key] = values[key]
	return out


@dataclass(frozen=True)
class ActionUpdate:
	"""One action to send to GSTN. `prev_status` is what GSTN last had (defaults to the record's
	`gstn_action`): GSTN refuses the update (IMSSAV0010) when it no longer matches."""

	record: InwardRecord
	action: Action
	prev_status: Action | None = None
	remarks: str | None = None
	itc_reduction_required: str | None = None  # R7 "Y"/"N"
	declared: Mapping[str, float] | None = None  # declIgst/declCgst/declSgst/declCess (R7)

	def to_payload(self) -> dict:
		"""The SAVE record: the schema's keys only (R7's declaration when answered)."""
		values = to_gstn_record(self.record, for_save=True)
		values["action"] = self.action.code
		values["prev_status"] = (self.prev_status or self.record.gstn_action).code
		for key in R7_KEYS:
			values.pop(key, None)
		if self.remarks is not None:
			values["remarks"] = self.remarks
		if self.itc_reduction_required is not None:
			values["itcRedReq"] = self.itc_reduction_required
			for key, amount in (self.declared or {}).items():
				if key not in DECLARED_KEYS:
					raise IMSValidationError(f"unknown declaration key {key!r}", field=key)
				values[key] = amount
		key = SECTIONS[self.record.section].key
		return schema_record(key, values, reset=False, extra=R7_KEYS)


def reset_payload(record: InwardRecord, prev_status: Action | None = None) -> dict:
	"""A RESETIMS record: the schema's keys, `prev_status` (GSTN's status before the reset,
	required by reset.json) and no `action` (the schema forbids it)."""
	values = to_gstn_record(record, for_save=True)
	values["prev_status"] = (prev_status or record.gstn_action).code
	return schema_record(SECTIONS[record.section].key, values, reset=True)


def check_update(update: ActionUpdate, *, location: str) -> None:
	"""The rules GSTN applies to a saved action, checked before sending (R4, R5, N via RESETIMS).
	R7's declaration is judged earlier, by the action service through `core.rules`, which knows
	the amendment's direction and the period; GSTN's REQSTS report catches the rest."""
	record, action = update.record, update.action
	if action is Action.NO_ACTION:
		raise IMSValidationError(
			"No Action cannot be saved; send a RESETIMS for this record", location=location, field="action"
		)
	if action is Action.REJECTED and SECTIONS[record.section].is_import:
		raise IMSValidationError("R4: a Bill of Entry cannot be rejected", location=location, field="action")
	if action is Action.PENDING and record.pending_blocked:
		raise IMSValidationError(
			"R5: GSTN blocks Pending for this record (ispendactblocked = Y)",
			location=location,
			field="action",
		)


def chunk_items(
	gstin: str, request_type: str, items: Sequence[tuple[str, dict]], max_bytes: int
) -> list[tuple[dict, list[int]]]:
	"""Group records by section key into envelopes whose compact JSON stays under max_bytes;
	each envelope comes with the indices (into `items`) of the records it holds, so a caller
	can tell which of its rows went in which request."""
	envelope_action = "SAVE" if request_type == SAVE_REQUEST else "RESETIMS"

	def envelope(invdata: dict) -> dict:
		return {
			"action": envelope_action,
			"data": {"rtin": gstin, "reqtyp": request_type, "invdata": invdata},
		}

	base = len(json.dumps(envelope({}), separators=_COMPACT).encode())
	chunks: list[tuple[dict, list[int]]] = []
	invdata: dict[str, list[dict]] = {}
	order: dict[str, list[int]] = {}
	size = base

	def close() -> None:
		# the body lists records section by section: indices follow the same order
		chunks.append((envelope(invdata), [i for key in invdata for i in order[key]]))

	for index, (key, record) in enumerate(items):
		record_size = len(json.dumps(record, separators=_COMPACT, ensure_ascii=False).encode()) + 1
		extra = record_size + (0 if key in invdata else len(key) + 6)
		if base + extra > max_bytes:
			raise IMSValidationError(f"one {key} record alone is larger than {max_bytes} bytes")
		if size + extra > max_bytes and invdata:
			close()
			invdata, order, size = {}, {}, base
			extra = record_size + len(key) + 6
		invdata.setdefault(key, []).append(record)
		order.setdefault(key, []).append(index)
		size += extra
	if invdata:
		close()
	return chunks


def chunk_bodies(
	gstin: str, request_type: str, items: Iterable[tuple[str, dict]], max_bytes: int
) -> list[dict]:
	"""Group records by section key into envelopes whose compact JSON stays under max_bytes."""
	return [body for body, _ in chunk_items(gstin, request_type, list(items), max_bytes)]


def build_save_bodies(
	gstin: str, updates: Iterable[ActionUpdate], *, max_bytes: int = MAX_BODY_BYTES, strict: bool = True
) -> list[dict]:
	"""SAVE bodies for action updates, each under `max_bytes` as compact JSON."""
	gstin = check_gstin(gstin, field="rtin").gstin
	items = []
	for index, update in enumerate(updates):
		key = SECTIONS[update.record.section].key
		if strict:
			check_update(update, location=f"{key} update {index}")
		items.append((key, update.to_payload()))
	return chunk_bodies(gstin, SAVE_REQUEST, items, max_bytes)


def build_reset_bodies(
	gstin: str, records: Iterable[InwardRecord], *, max_bytes: int = MAX_BODY_BYTES
) -> list[dict]:
	"""RESETIMS bodies: the records back to No Action; GSTN wants them without `action`."""
	gstin = check_gstin(gstin, field="rtin").gstin
	items = [(SECTIONS[record.section].key, reset_payload(record)) for record in records]
	return chunk_bodies(gstin, RESET_REQUEST, items, max_bytes)


def body_size(body: Mapping | PreparedBody) -> int:
	if isinstance(body, PreparedBody):
		return len(body.wire)
	return len(json.dumps(body, separators=_COMPACT, ensure_ascii=False).encode())


# --- bodies serialised once ------------------------------------------------------------------
# A 100k upload's bodies are 23 MB of JSON. Serialising each record once, when it is planned,
# and joining those bytes into the body gives its exact wire size while chunking (no margin
# for a size measured one way and sent another) and nothing to serialise again when it is sent.


def record_json(record: Mapping) -> bytes:
	"""One SAVE/RESET record as it goes on the wire: compact UTF-8 JSON."""
	return json.dumps(record, separators=_COMPACT, ensure_ascii=False).encode()


@dataclass(frozen=True)
class PreparedBody:
	"""A SAVE/RESETIMS body already serialised: `data` is the compact UTF-8 JSON of the
	envelope's `data` object ({rtin, reqtyp, invdata}); `wire` is the whole body as sent."""

	action: str
	data: bytes
	records: int

	@property
	def wire(self) -> bytes:
		return b'{"action":"' + self.action.encode() + b'","data":' + self.data + b"}"

	def as_dict(self) -> dict:
		return {"action": self.action, "data": json.loads(self.data)}


def _data_head(gstin: str, request_type: str) -> bytes:
	return b'{"rtin":' + json.dumps(gstin).encode() + b',"reqtyp":' + json.dumps(request_type).encode()


def prepare_body(
	gstin: str, request_type: str, items: Sequence[tuple[str, bytes]]
) -> tuple[PreparedBody, list[int]]:
	"""One body from (section key, record JSON) items, records grouped by key in the order the
	keys first appear; with it the items' indices in body order."""
	order: dict[str, list[int]] = {}
	for index, (key, _) in enumerate(items):
		order.setdefault(key, []).append(index)
	groups = [
		json.dumps(key).encode() + b":[" + b",".join(items[i][1] for i in indices) + b"]"
		for key, indices in order.items()
	]
	data = _data_head(gstin, request_type) + b',"invdata":{' + b",".join(groups) + b"}}"
	action = "SAVE" if request_type == SAVE_REQUEST else "RESETIMS"
	return PreparedBody(action, data, len(items)), [i for indices in order.values() for i in indices]


def chunk_prepared(
	gstin: str, request_type: str, items: Sequence[tuple[str, bytes]], max_bytes: int
) -> list[tuple[PreparedBody, list[int]]]:
	"""`chunk_items` for records already serialised: consecutive items fill a body while its
	exact wire size stays within `max_bytes` (a body exactly at the limit is allowed); each body
	comes with its items' indices in body order (records grouped by section key)."""
	empty, _ = prepare_body(gstin, request_type, [])
	base = len(empty.wire)
	chunks: list[tuple[PreparedBody, list[int]]] = []
	start, size, keys = 0, base, set()
	for index, (key, record) in enumerate(items):
		extra = _added_bytes(key, record, keys)
		if size + extra > max_bytes:
			if keys:
				chunks.append(_chunk(gstin, request_type, items, start, index))
				start, size, keys = index, base, set()
				extra = _added_bytes(key, record, keys)
			if size + extra > max_bytes:
				raise IMSValidationError(f"one {key} record alone is larger than {max_bytes} bytes")
		keys.add(key)
		size += extra
	if start < len(items):
		chunks.append(_chunk(gstin, request_type, items, start, len(items)))
	return chunks


def _added_bytes(key: str, record: bytes, keys) -> int:
	"""Exactly what a record adds to a body holding `keys`: itself and a comma, or, first of its
	key, `"key":[record]` and a comma unless it is the body's first key."""
	if key in keys:
		return len(record) + 1
	return len(key) + 5 + len(record) + (1 if keys else 0)  # section keys need no JSON escapes


def _chunk(
	gstin: str, request_type: str, items: Sequence, start: int, end: int
) -> tuple[PreparedBody, list[int]]:
	body, order = prepare_body(gstin, request_type, items[start:end])
	return body, [start + i for i in order]


@dataclass(frozen=True)
class RecordError:
	"""One line of a REQSTS error report. `section` is our code even when GSTN used `cn`/`dn`."""

	section: str | None
	supplier_gstin: str
	error_code: str
	error_message: str
	document_number: str | None = None
	supplier_period: str | None = None


@dataclass(frozen=True)
class RequestStatus:
	"""REQSTS / GENSTS2B: IP (in progress), P (processed), PE (with errors), ER (error)."""

	status: str
	processed: int = 0
	errors: int = 0
	record_errors: list[RecordError] = field(default_factory=list)
	raw: Mapping = field(default_factory=dict)

	@property
	def done(self) -> bool:
		return self.status in ("P", "PE", "ER")

	@property
	def ok(self) -> bool:
		return self.status == "P"


def _int(value: object) -> int:
	try:
		return int(value or 0)
	except (TypeError, ValueError, OverflowError):  # OverflowError: a count of inf
		return 0


def parse_request_status(data: Mapping) -> RequestStatus:
	"""REQSTS `data`. Notes' errors may come under `cn`/`dn` instead of `b2bcn`/`b2bdn`."""
	if not isinstance(data, Mapping):
		raise IMSValidationError("request status must be an object")
	status = str(data.get("status_cd") or data.get("status") or "").upper()
	if status not in ("IP", "P", "PE", "ER"):
		raise IMSValidationError(f"unknown request status {status!r}", field="status_cd")
	record_errors: list[RecordError] = []
	report = data.get("error_report") or {}
	if isinstance(report, Mapping):
		for key, entries in report.items():
			sec = section_by_key(str(key))
			for entry in entries if isinstance(entries, list) else []:
				if not isinstance(entry, Mapping):
					continue
				invs = entry.get("inv") or [{}]
				for inv in invs if isinstance(invs, list) else [{}]:
					inv = inv if isinstance(inv, Mapping) else {}
					number = next((inv[k] for k in ("inum", "nt_num", "boenum") if inv.get(k)), None)
					record_errors.append(
						RecordError(
							section=sec.code if sec else None,
							supplier_gstin=str(entry.get("stin") or ""),
							error_code=str(entry.get("error_cd") or ""),
							error_message=str(entry.get("error_msg") or ""),
							document_number=str(number) if number is not None else None,
							supplier_period=str(inv["rtnprd"]) if inv.get("rtnprd") else None,
						)
					)
	return RequestStatus(
		status=status,
		processed=_int(data.get("proc_cnt")),
		errors=_int(data.get("err_cnt")),
		record_errors=record_errors,
		raw=dict(data),
	)


@dataclass(frozen=True)
class Counts:
	"""The counts call: per section code, records per GSTN action, and the total."""

	by_section: dict[str, dict[Action, int]]
	total: int


def parse_counts(data: Mapping) -> Counts:
	if not isinstance(data, Mapping):
		raise IMSValidationError("counts must be an object")
	groups = data.get("all_oth", data)
	by_section: dict[str, dict[Action, int]] = {}
	for key, counts in groups.items() if isinstance(groups, Mapping) else ():
		sec = section_by_key(str(key))
		if sec is None or not isinstance(counts, Mapping):
			continue
		by_section[sec.code] = {action: _int(counts.get(name)) for name, action in COUNT_KEYS.items()}
	total = data.get("ttl_cnt", groups.get("ttl_cnt") if isinstance(groups, Mapping) else None)
	if total is None:
		total = sum(sum(c.values()) for c in by_section.values())
	return Counts(by_section=by_section, total=_int(total))
