"""GSTIN helpers: pattern, the mod-36 check character, PAN and state code.

GSTN's API only checks the pattern, and its own sample data contains GSTINs whose check
character is wrong, so the check character is reported separately (a warning), never used to
drop a record (IMS_DOMAIN section 4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ims_compliance.core.errors import IMSValidationError

GSTIN_PATTERN = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z][Z1-9ABD-J][0-9A-Z]$")
PAN_PATTERN = re.compile(r"^[A-Z]{5}[0-9]{4}[A-Z]$")
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

STATE_CODES: dict[str, str] = {
	"01": "Jammu and Kashmir",
	"02": "Himachal Pradesh",
	"03": "Punjab",
	"04": "Chandigarh",
	"05": "Uttarakhand",
	"06": "Haryana",
	"07": "Delhi",
	"08": "Rajasthan",
	"09": "Uttar Pradesh",
	"10": "Bihar",
	"11": "Sikkim",
	"12": "Arunachal Pradesh",
	"13": "Nagaland",
	"14": "Manipur",
	"15": "Mizoram",
	"16": "Tripura",
	"17": "Meghalaya",
	"18": "Assam",
	"19": "West Bengal",
	"20": "Jharkhand",
	"21": "Odisha",
	"22": "Chhattisgarh",
	"23": "Madhya Pradesh",
	"24": "Gujarat",
	"25": "Daman and Diu",
	"26": "Dadra and Nagar Haveli and Daman and Diu",
	"27": "Maharashtra",
	"28": "Andhra Pradesh (Old)",
	"29": "Karnataka",
	"30": "Goa",
	"31": "Lakshadweep",
	"32": "Kerala",
	"33": "Tamil Nadu",
	"34": "Puducherry",
	"35": "Andaman and Nicobar Islands",
	"36": "Telangana",
	"37": "Andhra Pradesh",
	"38": "Ladakh",
	"97": "Other Territory",
}
#: Place-of-supply only: supplies to other countries.
POS_OTHER_COUNTRIES = "96"


@dataclass(frozen=True)
class GstinCheck:
	"""Outcome of checking one GSTIN: the pattern must hold; the check char only warns."""

	gstin: str
	checksum_ok: bool

	@property
	def pan(self) -> str:
		return pan_of(self.gstin)

	@property
	def state_code(self) -> str:
		return self.gstin[:2]

	@property
	def warning(self) -> str | None:
		if self.checksum_ok:
			return None
		return (
			f"GSTIN {self.gstin} has check character {self.gstin[-1]}, expected {check_char(self.gstin[:14])}"
		)


def check_char(first14: str) -> str:
	"""The 15th character of a GSTIN computed from its first 14 (mod 36, factors 1,2,1,2...)."""
	if len(first14) != 14:
		raise IMSValidationError(f"need 14 characters to compute a check character, got {len(first14)}")
	total = 0
	for i, ch in enumerate(first14.upper()):
		value = _ALPHABET.find(ch)
		if value < 0:
			raise IMSValidationError(f"character {ch!r} cannot appear in a GSTIN")
		product = value * (1 if i % 2 == 0 else 2)
		total += product // 36 + product % 36
	return _ALPHABET[(36 - total % 36) % 36]


def normalise_gstin(value: object) -> str:
	"""Upper-case and strip; GSTN sends upper case but spreadsheets and users do not."""
	return str(value or "").strip().upper()


def is_gstin_pattern(value: str) -> bool:
	return bool(GSTIN_PATTERN.match(value or ""))


def check_gstin(value: object, *, field: str = "gstin", location: str | None = None) -> GstinCheck:
	"""Validate the pattern and state code (errors) and the check character (warning only)."""
	gstin = normalise_gstin(value)
	if not gstin:
		raise IMSValidationError("GSTIN is missing", field=field, location=location)
	if len(gstin) != 15:
		raise IMSValidationError(
			f"GSTIN {gstin!r} must be 15 characters, not {len(gstin)}", field=field, location=location
		)
	if not GSTIN_PATTERN.match(gstin):
		raise IMSValidationError(
			f"GSTIN {gstin!r} does not follow the GSTIN pattern", field=field, location=location
		)
	if gstin[:2] not in STATE_CODES:
		raise IMSValidationError(
			f"GSTIN {gstin!r} starts with unknown state code {gstin[:2]}", field=field, location=location
		)
	return GstinCheck(gstin=gstin, checksum_ok=check_char(gstin[:14]) == gstin[14])


def is_valid_gstin(value: object) -> bool:
	"""Pattern, state code and check character all correct."""
	try:
		return check_gstin(value).checksum_ok
	except IMSValidationError:
		return False


def pan_of(gstin: str) -> str:
	"""PAN = characters 3 to 12 of the GSTIN."""
	return normalise_gstin(gstin)[2:12]


def state_code_of(gstin: str) -> str:
	return normalise_gstin(gstin)[:2]


def make_gstin(state_code: str, pan: str, entity: str = "1") -> str:
	"""Build a GSTIN with a correct check character (used by generators and the sandbox)."""
	body = f"{state_code}{pan}{entity}Z"
	return body + check_char(body)


def is_valid_pos(code: object) -> bool:
	"""Place of supply: a state code, or 96 for other countries."""
	text = str(code or "").strip().zfill(2)
	return text in STATE_CODES or text == POS_OTHER_COUNTRIES
