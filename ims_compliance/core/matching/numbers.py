"""Document-number normalisation for matching.

Suppliers and buyers write the same number differently: case, separators, leading zeros,
financial-year tokens (2023-24, 23-24, 2324, FY24) and prefixes (INV, BILL). The normal form
drops all of those so equal documents compare equal; the raw numbers still decide whether a
match is Exact or only Suggested.
"""

from __future__ import annotations

import re

_YEARS = range(17, 41)  # financial years of the GST era: 2017-18 .. 2040-41
# 23-24, 23/2024, "2025 26" (buyers who re-type numbers often replace separators with spaces)
_SEP_PAIRS = "|".join(rf"{y}(?:\s*[-/_.]\s*|\s+)(?:20)?{y + 1}" for y in _YEARS)
_LOOSE_PAIRS = "|".join(rf"{y}\s*[-/]?\s*(?:20)?{y + 1}" for y in _YEARS)  # after FY: 2324 too
_COMPACT_PAIRS = "|".join(f"{y}{y + 1}" for y in _YEARS)  # 2324
_SINGLE_YEARS = "|".join(str(y) for y in _YEARS)
_FY = re.compile(
	r"FY\s*[-/]?\s*(?:20)?(?:"
	+ _LOOSE_PAIRS
	+ "|"
	+ _SINGLE_YEARS
	+ r")(?!\d)"
	+ r"|(?<!\d)(?:20)?(?:"
	+ _SEP_PAIRS
	+ r")(?!\d)"
	+ r"|(?<!\d)(?:"
	+ _COMPACT_PAIRS
	+ r")(?!\d)"
)
# A prefix counts only before a separator or a digit: "INVOICE" and "SIX-1" keep their letters.
_PREFIX = re.compile(r"^(?:TAX\s*INVOICE|INVOICE|INV|BILL|TI|SI|GST)(?=[\s/\-_.#:]+[A-Z0-9]|[0-9])")
_SEPARATORS = re.compile(r"[\s/\-_.#:\\]+")
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")


def _strip_fy(text: str) -> str:
	"""Remove financial-year tokens. Only real year pairs are in the pattern, so in "12/25-26"
	the scan passes over "12/25" and removes "25-26"."""
	return _FY.sub(" ", text)


def normalise_number(value: object) -> str:
	"""The comparable form of a document number ("" when it has no letters or digits)."""
	raw = str(value if value is not None else "").strip().upper()
	if not raw:
		return ""
	text = _PREFIX.sub("", raw)
	text = _strip_fy(text)
	text = _SEPARATORS.sub("", text)
	text = _LEADING_ZEROS.sub("", text)
	if text:
		return text
	return _LEADING_ZEROS.sub("", _SEPARATORS.sub("", raw))


def raw_equal(a: object, b: object) -> bool:
	"""Equal as written, ignoring case and surrounding spaces only."""
	return str(a or "").strip().upper() == str(b or "").strip().upper()


#: How two document numbers relate (P4): the same as written, the same document written another
#: way (FY suffix, separators, leading zeros, case, a prefix), a different serial (CGST Rule 46
#: makes serials consecutive and unique, so another digit is another invoice), or otherwise
#: different (letters of the series differ, or no number to compare).
SAME, FORMAT, SERIAL, OTHER = "same", "format", "serial", "other"
_DIGITS = re.compile(r"[0-9]+")


def number_relation(ims_number: object, bill_no: object) -> str:
	"""`SAME`, `FORMAT`, `SERIAL` or `OTHER` (see above). `BILL-23-00040` vs `BILL-23-00045` is
	SERIAL; `INV/2025-26/0042` vs `42` is FORMAT."""
	if raw_equal(ims_number, bill_no) and str(ims_number or "").strip():
		return SAME
	a, b = normalise_number(ims_number), normalise_number(bill_no)
	if not a or not b:
		return OTHER
	if a == b:
		return FORMAT
	digits_a = [d.lstrip("0") or "0" for d in _DIGITS.findall(a)]
	digits_b = [d.lstrip("0") or "0" for d in _DIGITS.findall(b)]
	return SERIAL if digits_a != digits_b else OTHER
