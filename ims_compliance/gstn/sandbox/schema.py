"""The published request schemas of SAVE and RESETIMS (and GEN2B's body), typed into Python.

Source: `in-co-sandbox/in-co-sandbox-docs`, `data/gst/schema/request/taxpayer/invoices/save.json`
and `reset.json` (read Dec 2026). What they say, and what this module enforces:

- `data` is `{rtin, reqtyp, invdata}`, all three required, nothing else (additionalProperties
  false); `reqtyp` is "SAVE" (save.json `req_typ`) or "RESET" (reset.json `rst_req_typ`);
- `invdata` holds only b2b, b2ba, b2bdn, b2bdna, b2bcn, b2bcna, ecom, ecoma (at least one), each
  a list of records;
- every record carries exactly its section's keys (additionalProperties false), all required:
  `stin rtnprd srcform <number> <date> [original number/date] [inv_typ] pos val txval iamt camt
  samt cess prev_status`, plus `action` in a SAVE; a RESET record has no `action` property at
  all, so sending one is a schema failure, and `prev_status` is required in both;
  ECOM/ECOMA records have no `inv_typ`;
- formats: gstin pattern, `rtnprd` MMYYYY (19xx/20xx), `srcform` R1/R1A/IFF, `inum` 1-16 chars
  of the published pattern, dates dd-mm-yyyy that exist, `inv_typ` R/DE/SEWP/SEWOP/CBW, `pos`
  01-38/96/97, amounts numbers >= 0 in paise (`multipleOf` 0.01) under the published maxima,
  `action` A/R/P, `prev_status` A/R/P/N.

Not in those schemas, accepted as assumptions (docs/sandbox.md lists them):
- the R7 keys of Advisory 624 (Sep 2025) on a SAVE record: `itcRedReq` (Y/N), `declIgst`,
  `declCgst`, `declSgst`, `declCess` (amounts), `remarks` (text up to 500 characters);
- the import sections (IMPG, IMPGA, IMPGSEZ, IMPGSEZA, from the Oct-2025 period), whose schema
  is unpublished: Bill of Entry keys `boenum`/`boedt` (+ `oboenum`/`oboedt`), `portcode`,
  `stin` optional (SEZ suppliers only), amounts as above.

Any failure refuses the whole request with IMSSAV005 and a message naming the key.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from ims_compliance.gstn.sandbox import vocabulary as v

SRCFORMS = ("R1", "R1A", "IFF")
INV_TYPES = ("R", "DE", "SEWP", "SEWOP", "CBW")
INUM_RE = re.compile(r"^(?=.{1,16}$)([/\-0]*[a-zA-Z0-9/\-]*[a-zA-Z1-9]+[a-zA-Z0-9/\-]*)$")
POS_RE = re.compile(r"^(3[0-8]|[12][0-9]|0[1-9]|96|97)$")
MAX_VALUE = 9999999999999.99  # inv_val
MAX_AMOUNT = 99999999999.99  # amts
R7_KEYS = ("itcRedReq", "declIgst", "declCgst", "declSgst", "declCess", "remarks")
MAX_REMARKS = 500
_AMOUNTS = ("txval", "iamt", "camt", "samt", "cess")


class SchemaError(ValueError):
	"""IMSSAV005: the request does not follow the published schema."""


def _record_keys(sec: v.Section, *, reset: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
	"""(required, optional) keys of one record of `sec` in a SAVE or a RESET."""
	status = ("prev_status",) if reset else ("action", "prev_status")
	optional = () if reset else R7_KEYS
	original = (sec.original_number_key, sec.original_date_key) if sec.is_amendment else ()
	if sec.is_import:  # assumed: no published schema yet
		required = (sec.number_key, *original, sec.date_key, "rtnprd", *status)
		return required, (*optional, "stin", "portcode", "pos", "val", *_AMOUNTS)
	typ = () if sec.is_ecom else ("inv_typ",)
	required = (
		"stin",
		"rtnprd",
		"srcform",
		sec.number_key,
		*original[:1],
		sec.date_key,
		*original[1:],
		*typ,
		"pos",
		"val",
		*_AMOUNTS,
		*status,
	)
	return required, optional


def _amount(where: str, value: object, maximum: float) -> None:
	if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
		raise SchemaError(f"{where}: must be a number")
	if not 0 <= value <= maximum:
		raise SchemaError(f"{where}: {value} is outside 0..{maximum}")
	if abs(value * 100 - round(value * 100)) > 1e-6:
		raise SchemaError(f"{where}: {value} is not a multiple of 0.01")


def _text(where: str, value: object) -> str:
	if not isinstance(value, str):
		raise SchemaError(f"{where}: must be a string")
	return value


def _check_value(where: str, key: str, value: object, sec: v.Section) -> None:
	if key == "stin":
		if not v.GSTIN_RE.match(_text(where, value)):
			raise SchemaError(f"{where}: {value!r} does not follow the GSTIN pattern")
	elif key == "rtnprd":
		if not v.RTNPRD_RE.match(_text(where, value)):
			raise SchemaError(f"{where}: {value!r} is not a return period MMYYYY")
	elif key == "srcform":
		if _text(where, value) not in SRCFORMS:
			raise SchemaError(f"{where}: {value!r} is not one of {', '.join(SRCFORMS)}")
	elif key in ("inum", "oinum", "nt_num", "ont_num"):
		if not INUM_RE.match(_text(where, value)):
			raise SchemaError(f"{where}: {value!r} does not follow the document number pattern")
	elif key in ("boenum", "oboenum", "portcode"):
		if not _text(where, value).strip():
			raise SchemaError(f"{where}: must not be empty")
	elif key in ("idt", "oidt", "nt_dt", "ont_dt", "boedt", "oboedt"):
		text = _text(where, value)
		try:
			if not v.DATE_RE.match(text):
				raise ValueError
			dt.datetime.strptime(text, "%d-%m-%Y")
		except ValueError:
			raise SchemaError(f"{where}: {value!r} is not a date dd-mm-yyyy") from None
	elif key == "inv_typ":
		if _text(where, value) not in INV_TYPES:
			raise SchemaError(f"{where}: {value!r} is not one of {', '.join(INV_TYPES)}")
	elif key == "pos":
		if not POS_RE.match(_text(where, value)):
			raise SchemaError(f"{where}: {value!r} is not a place-of-supply code")
	elif key == "val":
		_amount(where, value, MAX_VALUE)
	elif key in _AMOUNTS or key.startswith("decl"):
		_amount(where, value, MAX_AMOUNT)
	elif key == "action":
		if value not in v.SAVABLE_ACTIONS:
			note = "; N is set with RESETIMS" if value == "N" else ""
			raise SchemaError(f"{where}: {value!r} is not one of A, R, P{note}")
	elif key == "prev_status":
		if value not in v.ACTIONS:
			raise SchemaError(f"{where}: {value!r} is not one of A, R, P, N")
	elif key == "itcRedReq":
		if value not in ("Y", "N"):
			raise SchemaError(f"{where}: {value!r} is not Y or N")
	elif key == "remarks":
		if len(_text(where, value)) > MAX_REMARKS:
			raise SchemaError(f"{where}: longer than {MAX_REMARKS} characters")


def check_record(sec: v.Section, index: int, record: object, *, reset: bool) -> None:
	where = f"{sec.key}[{index}]"
	if not isinstance(record, dict):
		raise SchemaError(f"{where}: a record must be an object")
	required, optional = _record_keys(sec, reset=reset)
	allowed = set(required) | set(optional)
	for key in record:
		if key not in allowed:
			if reset and key == "action":
				raise SchemaError(f"{where}.action: a RESETIMS record must not carry action (reset.json)")
			raise SchemaError(f"{where}.{key}: key not allowed in a {'RESET' if reset else 'SAVE'} record")
	for key in required:
		if key not in record:
			raise SchemaError(f"{where}.{key}: required key is missing")
	for key, value in record.items():
		_check_value(f"{where}.{key}", key, value, sec)


def check_envelope(body: object, *, gstin: str, action: str) -> dict:
	"""The SAVE/RESETIMS body `{action, data:{rtin, reqtyp, invdata}}`; returns `invdata`.
	Raises SchemaError (IMSSAV005) naming the first key at fault."""
	if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
		raise SchemaError("body must be {action, data:{rtin, reqtyp, invdata}}")
	if body.get("action") != action:
		raise SchemaError(f"action: {body.get('action')!r} does not match the call's action {action}")
	reset = action == v.RESETIMS
	data = body["data"]
	for key in data:
		if key not in ("rtin", "reqtyp", "invdata"):
			raise SchemaError(f"data.{key}: key not allowed")
	for key in ("rtin", "reqtyp", "invdata"):
		if key not in data:
			raise SchemaError(f"data.{key}: required key is missing")
	if data["reqtyp"] != ("RESET" if reset else "SAVE"):
		raise SchemaError(f"data.reqtyp: must be {'RESET' if reset else 'SAVE'} for {action}")
	if not isinstance(data["rtin"], str) or not v.GSTIN_RE.match(data["rtin"]):
		raise SchemaError("data.rtin: does not follow the GSTIN pattern")
	if data["rtin"].upper() != gstin.upper():
		raise SchemaError("data.rtin: does not match the gstin header")
	invdata = data["invdata"]
	if not isinstance(invdata, dict) or not invdata:
		raise SchemaError("data.invdata: must be an object with at least one section")
	for key, rows in invdata.items():
		sec = v.find_section(key)
		if sec is None or sec.key != key:
			raise SchemaError(f"data.invdata.{key}: key not allowed (not an IMS section key)")
		if not isinstance(rows, list):
			raise SchemaError(f"data.invdata.{key}: must be a list of records")
		for index, record in enumerate(rows):
			check_record(sec, index, record, reset=reset)
	return invdata


def check_gen2b(body: object, *, gstin: str) -> str:
	"""GEN2B's `{action: GEN2B, data: {rtin, itcprd}}` (India Compliance `GSTR2bAPI.gen_on_demand`;
	IMS_DOMAIN.md section 3); returns itcprd."""
	if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
		raise SchemaError("GEN2B body must be {action, data:{rtin, itcprd}}")
	data = body["data"]
	for key in data:
		if key not in ("rtin", "itcprd"):
			raise SchemaError(f"data.{key}: key not allowed")
	for key in ("rtin", "itcprd"):
		if key not in data:
			raise SchemaError(f"data.{key}: required key is missing")
	if str(data["rtin"]).upper() != gstin.upper():
		raise SchemaError("data.rtin: does not match the gstin header")
	if not isinstance(data["itcprd"], str) or not v.RTNPRD_RE.match(data["itcprd"]):
		raise SchemaError("data.itcprd: is not a return period MMYYYY")
	return data["itcprd"]
