"""The ONE parser of GSTN IMS records and the wire vocabulary around it.

Every connection (sandbox, GSP API, the portal's offline file) hands a section's list of records
to `parse_section`, so one set of checks decides what is a valid record. A payload is parsed
whole before anything is returned: one bad record raises `IMSValidationError` naming section,
index and key, and the caller applies nothing from that payload. Every bad record of a payload
is reported at once (up to MAX_REPORTED_ERRORS), so five defects take one attempt, not five.
Warnings (a GSTIN whose check character fails) are kept on the record (`InwardRecord.warnings`)
as well as passed to `on_warning`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from functools import lru_cache

from ims_compliance.core.actions import Action
from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.gstin import GstinCheck, check_gstin, is_valid_pos
from ims_compliance.core.periods import ReturnPeriod, format_gstn_date, parse_gstn_date
from ims_compliance.core.records import (
	INVOICE_TYPES,
	MAX_AMOUNT,
	SOURCE_FORMS,
	InwardRecord,
	check_amount,
	check_document_number,
)
from ims_compliance.core.sections import SECTIONS, Section, section_by_key

log = logging.getLogger("ims_compliance.gstn")

#: GSTN's endpoints by name; their paths and API versions are in `gstn.gsp.DEFAULT_ENDPOINTS`,
#: overridable per GSP profile and per site (GEN2B may sit on a later version than IMS).
IMS_ENDPOINT, GSTR2B_ENDPOINT, AUTH_ENDPOINT = "ims", "gstr2b", "authenticate"
#: Path tails, for the old built-in sandbox only (it is being replaced by one that reads none
#: of the client's names).
IMS_PATH, GSTR2B_PATH, AUTH_PATH = "returns/ims", "returns/gstr2b", "authenticate"
GETINV, FILEDET, REQSTS, SAVE, RESETIMS = "GETINV", "FILEDET", "REQSTS", "SAVE", "RESETIMS"
#: The counts call; it requires `goods_typ` (invoice_count.json's groups: ALL_OTH for the IMS
#: sections, or the import / ISD groups).
GETCNT = "GETCNT"
GEN2B, GENSTS2B = "GEN2B", "GENSTS2B"
OTPREQUEST, AUTHTOKEN, REFRESHTOKEN = "OTPREQUEST", "AUTHTOKEN", "REFRESHTOKEN"
#: GSTN refuses a SAVE/RESETIMS body above 4 MB. Read as 4,000,000 bytes, the stricter of the
#: two readings (4 MiB is 4,194,304): a body over the real limit is refused whole, and at 100k
#: records the looser reading would not save a single request (issue 18).
MAX_BODY_BYTES = 4_000_000
#: GETCNT keys per action, in the order GSTN lists them.
COUNT_KEYS: dict[str, Action] = {
	"accept": Action.ACCEPTED,
	"noaction": Action.NO_ACTION,
	"pending": Action.PENDING,
	"reject": Action.REJECTED,
}

AMOUNT_KEYS: dict[str, str] = {
	"val": "document_value",
	"txval": "taxable_value",
	"iamt": "igst",
	"camt": "cgst",
	"samt": "sgst",
	"cess": "cess",
}
DECLARED_KEYS: dict[str, str] = {
	"declIgst": "declared_igst",
	"declCgst": "declared_cgst",
	"declSgst": "declared_sgst",
	"declCess": "declared_cess",
}
FLAG_KEYS: dict[str, str] = {
	"ispendactblocked": "pending_blocked",
	"isItcRedReqBlocked": "itc_reduction_blocked",
	"isRemarksBlocked": "remarks_blocked",
}
#: Keys GETINV sends that a SAVE must not repeat (IMS_DOMAIN.md section 3).
NOT_IN_SAVE = ("hash", "srcfilstatus", "ispendactblocked", "isItcRedReqBlocked", "isRemarksBlocked")
FILED, NOT_FILED = "Filed", "Not Filed"
_HANDLED = {
	"stin",
	"sgstin",
	"trdnm",
	"inv_typ",
	"srcform",
	"rtnprd",
	"srcfilstatus",
	"action",
	"pos",
	"hash",
	"itcRedReq",
	"remarks",
	*AMOUNT_KEYS,
	*DECLARED_KEYS,
	*FLAG_KEYS,
}
Warn = Callable[[str], None]
_REQUIRED_AMOUNTS = ("val", "txval")
_IMPORT_ALIASES = {"iamt": "igst"}
#: How many bad records one IMSValidationError lists before it stops looking.
MAX_REPORTED_ERRORS = 100
_MAX_REMARKS = 500


def resolve_section(section_key_or_code: object) -> Section:
	"""A section from its code (B2B, CN) or payload key (b2b, b2bcn, and REQSTS' cn/dn)."""
	text = str(section_key_or_code or "").strip()
	found = SECTIONS.get(text.upper()) or section_by_key(text)
	if found is None:
		raise IMSValidationError(
			f"unknown IMS section {section_key_or_code!r}; expected one of {', '.join(SECTIONS)}",
			field="section",
		)
	return found


@lru_cache(maxsize=65536)
def _cached_gstin(text: str) -> GstinCheck:
	return check_gstin(text)


@lru_cache(maxsize=65536)
def _cached_date(text: str) -> dt.date:
	return parse_gstn_date(text)


@lru_cache(maxsize=4096)
def _cached_period(text: str) -> str:
	return str(ReturnPeriod.parse(text))


def _relocate(exc: IMSValidationError, key: str, location: str) -> IMSValidationError:
	return IMSValidationError(exc.message, location=location, field=key)


def _text(raw: Mapping, key: str, location: str, *, required: bool = True) -> str | None:
	value = raw.get(key)
	if type(value) is str and value:  # the common case, checked first: 100k records per download
		return value
	if value is None or value == "":
		if required:
			raise IMSValidationError("is missing", location=location, field=key)
		return None
	if not isinstance(value, str):
		raise IMSValidationError(
			f"must be text, got {type(value).__name__} {value!r}", location=location, field=key
		)
	return value


def _gstin(raw: Mapping, key: str, location: str, on_warning: Warn | None) -> str:
	text = _text(raw, key, location)
	try:
		checked = _cached_gstin(text.strip().upper())
	except IMSValidationError as exc:
		raise _relocate(exc, key, location) from None
	if not checked.checksum_ok:
		# GSTN's own sample data carries such GSTINs and its API checks only the pattern.
		message = f"{location}: {checked.warning}"
		(on_warning or log.warning)(message)
	return checked.gstin


def _date(raw: Mapping, key: str, location: str) -> dt.date:
	try:
		return _cached_date(_text(raw, key, location).strip())
	except IMSValidationError as exc:
		raise _relocate(exc, key, location) from None


def _amount(raw: Mapping, key: str, location: str, *, required: bool) -> float | None:
	value = raw.get(key)
	kind = type(value)
	if (kind is float or kind is int) and 0 <= value <= MAX_AMOUNT:  # fast path; NaN fails the range
		return round(float(value), 2)
	if value is None:
		if required:
			raise IMSValidationError("is missing", location=location, field=key)
		return None
	if isinstance(value, bool) or not isinstance(value, int | float):
		raise IMSValidationError(
			f"must be a number, got {type(value).__name__} {value!r}", location=location, field=key
		)
	return check_amount(value, field=key, location=location)


def _choice(raw: Mapping, key: str, location: str, allowed: tuple[str, ...]) -> str | None:
	text = _text(raw, key, location, required=False)
	if text is not None and text not in allowed:
		raise IMSValidationError(f"{text!r} is not one of {', '.join(allowed)}", location=location, field=key)
	return text


@lru_cache(maxsize=64)
def _handled_keys(sec: Section) -> frozenset[str]:
	"""The keys of `sec`'s records that map to InwardRecord fields (the rest go to `extra`)."""
	handled = _HANDLED | {sec.number_key, sec.date_key}
	if sec.is_amendment:
		handled |= {sec.original_number_key, sec.original_date_key}
	return frozenset(handled)


@lru_cache(maxsize=256)
def _cached_pos(text: str) -> str:
	if not is_valid_pos(text) or len(text.strip()) > 2:
		raise ValueError(text)
	return text.strip().zfill(2)


_ACTION_CODES = {action.code: action for action in Action}
_FLAG_CHOICES = ("Y", "N")
_FILING_CHOICES = (FILED, NOT_FILED)


def parse_record(sec: Section, raw: object, *, index: int, on_warning: Warn | None = None) -> InwardRecord:
	"""One GETINV record to an `InwardRecord`; raises `IMSValidationError` naming section[index] and key.

	The checks run in a fixed order and the first that fails names the record's error. Each
	value's common, valid form is recognised inline (this runs 100k times per download); anything
	else goes through the checking helpers, which accept or name the problem."""
	location = f"{sec.key}[{index}]"
	if not isinstance(raw, Mapping):
		raise IMSValidationError(f"record must be an object, got {type(raw).__name__}", location=location)
	warnings: list[str] = []
	is_import = sec.is_import

	supplier_key = "stin" if (not is_import or "stin" in raw) else "sgstin"
	if is_import and not raw.get(supplier_key):
		supplier = ""  # a Bill of Entry for an import from abroad has no supplier GSTIN
	else:

		def warn(message: str) -> None:
			warnings.append(message)
			(on_warning or log.warning)(message)

		supplier = _gstin(raw, supplier_key, location, warn)
	number = check_document_number(
		_text(raw, sec.number_key, location), field=sec.number_key, location=location
	)
	document_date = _date(raw, sec.date_key, location)
	try:
		supplier_period = _cached_period(_text(raw, "rtnprd", location).strip())
	except IMSValidationError as exc:
		raise _relocate(exc, "rtnprd", location) from None
	# The loop below inlines the common, valid case: it runs six times per record.
	amounts: list[float] = []
	for key in AMOUNT_KEYS:
		value = raw.get(key)
		kind = type(value)
		if kind is int and 0 <= value <= MAX_AMOUNT:
			# whole rupees need no rounding (exact as floats far past MAX_AMOUNT); the many
			# zeros share one float instead of a new object each
			amounts.append(float(value) if value else 0.0)
		elif kind is float and 0 <= value <= MAX_AMOUNT:  # NaN fails the range
			amounts.append(round(value, 2))
		elif is_import:
			# (verify) GSTR-2B's import records carry `igst` (not `iamt`) and no `val`: take
			# either spelling, and let a Bill of Entry without a document value through
			if key in _IMPORT_ALIASES and _IMPORT_ALIASES[key] in raw:
				key = _IMPORT_ALIASES[key]
			amounts.append(_amount(raw, key, location, required=key == "txval") or 0.0)
		else:
			amounts.append(_amount(raw, key, location, required=key in _REQUIRED_AMOUNTS) or 0.0)
	document_value, taxable_value, igst, cgst, sgst, cess = amounts
	if is_import and not document_value:
		document_value = round(taxable_value + igst + cess, 2)
	declared = [_amount(raw, key, location, required=False) if key in raw else None for key in DECLARED_KEYS]
	flags = []
	for key in FLAG_KEYS:
		flag = raw.get(key)
		flags.append(
			flag == "Y" or (flag not in (None, "N") and _choice(raw, key, location, _FLAG_CHOICES) == "Y")
		)
	pos = raw.get("pos")
	if pos is not None and pos != "":
		if type(pos) is not str:
			_text(raw, "pos", location)  # raises: not text
		try:
			pos = _cached_pos(pos)
		except ValueError:
			raise IMSValidationError(
				f"place of supply {pos!r} is not a state code", location=location, field="pos"
			) from None
	else:
		pos = None
	invoice_type = raw.get("inv_typ")
	if type(invoice_type) is not str or invoice_type not in INVOICE_TYPES:
		invoice_type = _choice(raw, "inv_typ", location, INVOICE_TYPES)
	source_form = raw.get("srcform")
	if type(source_form) is not str or source_form not in SOURCE_FORMS:
		source_form = _choice(raw, "srcform", location, SOURCE_FORMS)
	filing = raw.get("srcfilstatus")
	if type(filing) is not str or filing not in _FILING_CHOICES:
		filing = _choice(raw, "srcfilstatus", location, _FILING_CHOICES)
	code = _text(raw, "action", location, required=False) or "N"
	action = _ACTION_CODES.get(code)  # `code` is text here: _text refused anything else
	if action is None:
		raise IMSValidationError(f"action {code!r} is not A, R, P or N", location=location, field="action")
	gstn_hash = _text(raw, "hash", location, required=False)
	itc_reduction_required = raw.get("itcRedReq")
	if itc_reduction_required is not None:
		itc_reduction_required = _choice(raw, "itcRedReq", location, _FLAG_CHOICES)
	remarks = _text(raw, "remarks", location, required=False)
	if remarks is not None and len(remarks) > _MAX_REMARKS:
		raise IMSValidationError(
			f"remarks longer than {_MAX_REMARKS} characters", location=location, field="remarks"
		)
	supplier_name = _text(raw, "trdnm", location, required=False)
	original_number = original_date = None
	if sec.is_amendment:
		okey, dkey = sec.original_number_key, sec.original_date_key
		original_number = check_document_number(_text(raw, okey, location), field=okey, location=location)
		original_date = _date(raw, dkey, location)
	port_code = None
	if is_import:  # kept in `extra` too, so a SAVE echoes it
		port = raw.get("portcd")
		port_code = str(port).strip().upper() or None if port not in (None, "") else None
	handled = _handled_keys(sec)
	unknown = raw.keys() - handled
	return InwardRecord(
		section=sec.code,
		supplier_gstin=supplier,
		document_number=number,
		document_date=document_date,
		supplier_period=supplier_period,
		document_value=document_value,
		taxable_value=taxable_value,
		igst=igst,
		cgst=cgst,
		sgst=sgst,
		cess=cess,
		place_of_supply=pos,
		invoice_type=invoice_type,
		source_form=source_form,
		supplier_filed=filing != NOT_FILED,
		gstn_hash=gstn_hash,
		gstn_action=action,
		pending_blocked=flags[0],
		original_number=original_number,
		original_date=original_date,
		supplier_name=supplier_name,
		itc_reduction_required=itc_reduction_required,
		declared_igst=declared[0],
		declared_cgst=declared[1],
		declared_sgst=declared[2],
		declared_cess=declared[3],
		remarks=remarks,
		itc_reduction_blocked=flags[1],
		remarks_blocked=flags[2],
		port_code=port_code,
		warnings=warnings,
		extra={k: v for k, v in raw.items() if k in unknown} if unknown else {},
	)


def parse_section(
	section_key_or_code: object, payload_list: object, *, on_warning: Warn | None = None, start: int = 0
) -> list[InwardRecord]:
	"""All records of one section, or an `IMSValidationError` and nothing (the payload is atomic).
	`start` is the index of the first record when the section arrives in parts (FILEDET), so an
	error still names the record's place in the whole section."""
	sec = resolve_section(section_key_or_code)
	if payload_list is None:
		return []
	if not isinstance(payload_list, list):
		raise IMSValidationError(
			f"section must be a list of records, got {type(payload_list).__name__}", location=sec.key
		)
	records: list[InwardRecord] = []
	errors: list[IMSValidationError] = []
	for i, raw in enumerate(payload_list, start):
		try:
			records.append(parse_record(sec, raw, index=i, on_warning=on_warning))
		except IMSValidationError as exc:
			errors.append(exc)
			if len(errors) >= MAX_REPORTED_ERRORS:
				break
	if errors:
		raise combine_errors(errors, location=sec.key)
	return records


def combine_errors(errors: list[IMSValidationError], *, location: str | None = None) -> IMSValidationError:
	"""One error for the caller to show: the error itself when there is one, else one listing
	every bad record (`.errors` keeps them, each naming section[index] and key)."""
	if len(errors) == 1:
		return errors[0]
	more = " (the first 100; there may be more)" if len(errors) >= MAX_REPORTED_ERRORS else ""
	combined = IMSValidationError(
		f"{len(errors)} bad records{more}: " + "; ".join(str(e) for e in errors[:MAX_REPORTED_ERRORS]),
		location=location,
	)
	combined.errors = errors[:MAX_REPORTED_ERRORS]
	return combined


def parse_sections(payload: object, *, on_warning: Warn | None = None) -> dict[str, list[InwardRecord]]:
	"""A GETINV `data` object (or a portal file's) holding several sections: code -> records.
	Keys that are not IMS sections are ignored (GSTN adds metadata such as `gstin`)."""
	if not isinstance(payload, Mapping):
		raise IMSValidationError(f"payload must be an object, got {type(payload).__name__}")
	parsed: dict[str, list[InwardRecord]] = {}
	errors: list[IMSValidationError] = []
	for key, value in payload.items():
		sec = section_by_key(str(key))
		if sec is None or sec.key != str(key).strip().lower():
			continue
		try:
			parsed.setdefault(sec.code, []).extend(parse_section(sec.code, value, on_warning=on_warning))
		except IMSValidationError as exc:  # go on: every section's bad records in one report
			errors.extend(getattr(exc, "errors", None) or [exc])
	if errors:
		raise combine_errors(errors)
	return parsed


def _amount_out(value: float | None) -> float | int | None:
	if value is None:
		return None
	return int(value) if float(value).is_integer() else round(value, 2)


def to_gstn_record(record: InwardRecord, *, for_save: bool = False) -> dict:
	"""The GSTN shape of a record: GETINV's (default) or SAVE's (no hash, no GSTN-only flags)."""
	sec = SECTIONS[record.section]
	out: dict = dict(record.extra)
	if record.supplier_gstin:
		out["stin"] = record.supplier_gstin
	out[sec.number_key] = record.document_number
	out[sec.date_key] = format_gstn_date(record.document_date)
	if sec.is_amendment and record.original_number and record.original_date:
		out[sec.original_number_key] = record.original_number
		out[sec.original_date_key] = format_gstn_date(record.original_date)
	for key, name in (("inv_typ", "invoice_type"), ("srcform", "source_form"), ("trdnm", "supplier_name")):
		if getattr(record, name):
			out[key] = getattr(record, name)
	out["rtnprd"] = record.supplier_period
	if record.place_of_supply:
		out["pos"] = record.place_of_supply
	for key, name in AMOUNT_KEYS.items():
		out[key] = _amount_out(getattr(record, name))
	out["action"] = record.gstn_action.code
	if record.itc_reduction_required:
		out["itcRedReq"] = record.itc_reduction_required
	for key, name in DECLARED_KEYS.items():
		if getattr(record, name) is not None:
			out[key] = _amount_out(getattr(record, name))
	if record.remarks:
		out["remarks"] = record.remarks
	if not for_save:
		out["srcfilstatus"] = FILED if record.supplier_filed else NOT_FILED
		for key, name in FLAG_KEYS.items():
			out[key] = "Y" if getattr(record, name) else "N"
		if record.gstn_hash:
			out["hash"] = record.gstn_hash
	else:
		for key in NOT_IN_SAVE:
			out.pop(key, None)
	return out
