"""GSTN's IMS vocabulary as the sandbox knows it: error codes, actions, section names and keys,
GSTIN and return-period formats, typed here from the public references and NOTHING imported
from the client (`gstn.protocol`, `gstn.errors`, `core.*`).

Why a second copy: the sandbox stands for GSTN in every test. If it borrowed the client's names
and rules, a client mistake (a renamed action, a wrong key) would be agreed to on both sides and
every test would stay green. Each value here comes from a source named beside it:

- IMS_DOMAIN.md section 3 (GSTN API field sheets, GSP docs), section 4 (formats);
- `in-co-sandbox/in-co-sandbox-docs` `data/gst/schema/request/taxpayer/invoices/save.json`
  (section keys, number/date keys, the rtnprd/pos/inum patterns);
- India Compliance `gst_india/api_classes/taxpayer_returns.py` (`IMSAPI`: GETINV, FILEDET,
  SAVE, RESETIMS, REQSTS on `returns/ims`; `GSTR2bAPI`: GEN2B, GENSTS2B on `returns/gstr2b`;
  the no-documents and queued codes in `ReturnsAPI.IGNORED_ERROR_CODES`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# --- error codes (IMS_DOMAIN.md section 3 "Error codes seen") ---------------------------------
IMSSAV005 = "IMSSAV005"  # schema failure (whole request refused)
IMSSAV0010 = "IMSSAV0010"  # prev_status wrong, or the supplier edited the record
IMSSAV0015 = "IMSSAV0015"  # a save/reset already in progress for the GSTIN
IMSSAV0054 = "IMSSAV0054"  # itcRedReq missing (R7)
RTN_24 = "RTN_24"  # queued: GETINV answers {token, est}; FILEDET before the file is ready
RET13509 = "RET13509"  # no documents (one of RET11416, RET13508-RET13510)
AUTH158 = "AUTH158"  # bad OTP
AUTH4033 = "AUTH4033"  # invalid session
AUTH4038 = "AUTH4038"  # session expired
AUTH403 = "AUTH403"  # too many sessions (issue 13: what GSPs answer past their session cap)
GEN5001 = "GEN5001"  # missing parameters (a missing header or query parameter too)
# Codes the sandbox uses where GSTN's own is not published (assumed; docs/sandbox.md says so).
IMSSAV0011 = "IMSSAV0011"  # R5: Pending not allowed where ispendactblocked = Y
IMSSAV0012 = "IMSSAV0012"  # R4: a Bill of Entry cannot be rejected
IMSSAV0013 = "IMSSAV0013"  # no such document
IMSSAV0016 = "IMSSAV0016"  # body over 4 MB
IMSSAV0055 = "IMSSAV0055"  # R7: remarks required for a partial or nil reversal
IMSSAV0056 = "IMSSAV0056"  # R7: declared amounts invalid
GEN5002 = "GEN5002"  # unknown call / parameter value
GEN5003 = "GEN5003"  # payload protection failed: HMAC, decryption, not base64(JSON)
GEN5004 = "GEN5004"  # GSP authentication failed (sandbox code; each GSP has its own)
RATE_LIMITED = "GSP429"  # the GSP's call budget is spent (sent with HTTP 429)

# --- calls (IMS_DOMAIN.md section 3; India Compliance IMSAPI / GSTR2bAPI) --------------------
OTPREQUEST, AUTHTOKEN, REFRESHTOKEN = "OTPREQUEST", "AUTHTOKEN", "REFRESHTOKEN"
GETINV, FILEDET, GETCNT, REQSTS = "GETINV", "FILEDET", "GETCNT", "REQSTS"
SAVE, RESETIMS = "SAVE", "RESETIMS"
GEN2B, GENSTS2B = "GEN2B", "GENSTS2B"
#: GETCNT's goods type: the one documented value (IMS_DOMAIN.md section 3; invoice_count.json
#: names its answer's group `all_oth`).
GOODS_TYPE_ALL_OTHER = "ALL_OTH"
#: GSTN refuses a SAVE/RESETIMS body above 4 MB (IMS_DOMAIN.md section 3).
MAX_BODY_BYTES = 4 * 1024 * 1024

ACTIONS = ("A", "R", "P", "N")  # save.json `all_action`
SAVABLE_ACTIONS = ("A", "R", "P")  # save.json `action`
COUNT_NAMES = {"A": "accept", "N": "noaction", "P": "pending", "R": "reject"}  # invoice_count.json


@dataclass(frozen=True)
class Section:
	"""One IMS section: the GETINV `section` value, the payload key, and its document keys."""

	code: str
	key: str
	number_key: str
	date_key: str
	original_number_key: str | None = None
	original_date_key: str | None = None
	is_note: bool = False
	is_credit_note: bool = False
	is_import: bool = False
	is_ecom: bool = False
	report_key: str | None = None  # REQSTS error_report key when GSTN uses a short one

	@property
	def is_amendment(self) -> bool:
		return self.original_number_key is not None


_INV, _NOTE, _BOE = ("inum", "idt"), ("nt_num", "nt_dt"), ("boenum", "boedt")
SECTIONS: dict[str, Section] = {
	s.code: s
	for s in (
		# the eight of save.json / invoice_count.json
		Section("B2B", "b2b", *_INV),
		Section("B2BA", "b2ba", *_INV, "oinum", "oidt"),
		# REQSTS reports note errors under cn/dn (IMS_DOMAIN.md section 3, seen on GSTN)
		Section("CN", "b2bcn", *_NOTE, is_note=True, is_credit_note=True, report_key="cn"),
		Section("CNA", "b2bcna", *_NOTE, "ont_num", "ont_dt", is_note=True, is_credit_note=True),
		Section("DN", "b2bdn", *_NOTE, is_note=True, report_key="dn"),
		Section("DNA", "b2bdna", *_NOTE, "ont_num", "ont_dt", is_note=True),
		Section("ECOM", "ecom", *_INV, is_ecom=True),
		Section("ECOMA", "ecoma", *_INV, "oinum", "oidt", is_ecom=True),
		# R1: import sections from the Oct-2025 period; keys not in any published schema (assumed)
		Section("IMPG", "impg", *_BOE, is_import=True),
		Section("IMPGA", "impga", *_BOE, "oboenum", "oboedt", is_import=True),
		Section("IMPGSEZ", "impgsez", *_BOE, is_import=True),
		Section("IMPGSEZA", "impgseza", *_BOE, "oboenum", "oboedt", is_import=True),
	)
}
_BY_KEY = {s.key: s for s in SECTIONS.values()}
#: Other spellings seen for the GETINV `section` parameter (GSTN's own upper-case keys).
_ALIASES = {"B2BCN": "CN", "B2BCNA": "CNA", "B2BDN": "DN", "B2BDNA": "DNA"}
#: The sections GETCNT counts (invoice_count.json, `all_oth`).
COUNTED_SECTIONS = ("B2B", "B2BA", "CN", "CNA", "DN", "DNA", "ECOM", "ECOMA")


def find_section(value: object) -> Section | None:
	"""A section from its code (B2B, CN), GSTN's upper-case key (B2BCN) or payload key (b2bcn)."""
	text = str(value or "").strip()
	code = _ALIASES.get(text.upper(), text.upper())
	return SECTIONS.get(code) or _BY_KEY.get(text.lower())


def section_of(value: object) -> Section:
	found = find_section(value)
	if found is None:
		raise KeyError(f"unknown IMS section {value!r}; expected one of {', '.join(SECTIONS)}")
	return found


# --- GSTIN (IMS_DOMAIN.md section 4) -------------------------------------------------------------
#: save.json `definitions.gstin` (case-insensitive there; GSTN sends upper case)
GSTIN_RE = re.compile(r"^[0-9]{2}[a-zA-Z]{5}[0-9]{4}[a-zA-Z][1-9A-Za-z][Zz1-9A-Ja-j][0-9a-zA-Z]$")
_MOD36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def gstin_check_char(first14: str) -> str:
	"""IMS_DOMAIN.md section 4: factors 1,2,1,2... from the left over the first 14 characters;
	each product adds `p // 36 + p % 36`; check = (36 - sum % 36) % 36, in 0-9A-Z."""
	if len(first14) != 14:
		raise ValueError(f"a GSTIN check character needs 14 characters, got {len(first14)}")
	total = 0
	for index, char in enumerate(first14.upper()):
		product = _MOD36.index(char) * (2 if index % 2 else 1)
		total += product // 36 + product % 36
	return _MOD36[(36 - total % 36) % 36]


def make_gstin(state_code: str, pan: str, entity: str = "1") -> str:
	body = f"{state_code}{pan}{entity}Z"
	return body + gstin_check_char(body)


def normal_gstin(value: object) -> str:
	"""The GSTIN upper-cased, or ValueError when it does not follow GSTN's pattern."""
	text = str(value or "").strip().upper()
	if not GSTIN_RE.match(text):
		raise ValueError(f"{value!r} is not a GSTIN")
	return text


# --- return periods and dates (IMS_DOMAIN.md section 4; save.json rtn_prd / inv_dt) --------------
RTNPRD_RE = re.compile(r"^((0[1-9]|1[012])((19|20)\d\d))$")
DATE_RE = re.compile(r"^\d{2}-\d{2}-\d{4}$")
OCT_2025 = (2025, 10)  # R6/R7 and the import sections start with this period


def period_index(mmyyyy: str) -> int:
	"""MMYYYY as a month count, so periods compare and add as integers."""
	if not RTNPRD_RE.match(str(mmyyyy)):
		raise ValueError(f"return period {mmyyyy!r} is not MMYYYY")
	return int(mmyyyy[2:]) * 12 + int(mmyyyy[:2]) - 1


def period_of_index(index: int) -> str:
	return f"{index % 12 + 1:02d}{index // 12:04d}"
