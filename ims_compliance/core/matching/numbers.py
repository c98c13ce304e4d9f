"""Document-number normalisation for matching.

Suppliers and buyers write the same number differently: case, separators, leading zeros,
financial-year tokens (2023-24, 23-24, 2324, FY24) and prefixes (INV, BILL). The normal form
drops all of those so equal documents compare equal; the raw numbers still decide whether a
match is Exact or only Suggested.
"""

from __future__ import annotations

import re

_FY = re.compile(
	r"""
	FY\s*[-/]?\s*(?:20)?(\d{2})(?:\s*[-/]?\s*(?:20)?(\d{2})(?!\d))?   # FY24, FY2024, FY 23-24, FY2023-24
	| (?<!\d)20(\d{2})\s*[-/]\s*(?:20)?(\d{2})(?!\d)        # 2023-24, 2023-2024, 2023/24
	| (?<!\d)(\d{2})\s*[-/]\s*(\d{2})(?!\d)                  # 23-24 (checked: consecutive years)
	| (?<!\d)(\d{2})(\d{2})(?!\d)                            # 2324 (checked: consecutive years)
	""",
	re.VERBOSE,
)
_PREFIX = re.compile(r"^(?:TAX\s*INVOICE|INVOICE|INV|BILL|TI|SI|GST)(?=[\s/\-_.#:]*[A-Z0-9])")
_SEPARATORS = re.compile(r"[\s/\-_.#:\\]+")
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")


def _consecutive(first: str | None, second: str | None) -> bool:
	"""A financial-year pair of the GST era (2017-18 to 2040-41): 25-26 yes, 00-01 or 12-13 no."""
	if first is None or second is None:
		return True
	return 17 <= int(first) <= 40 and int(first) + 1 == int(second)


def _strip_fy(text: str) -> str:
	"""Remove year tokens. Scans position by position because candidates overlap: in
	"12/25-26" the pair "12/25" is no year range but "25-26" is."""
	out: list[str] = []
	pos = 0
	while pos < len(text):
		match = _FY.match(text, pos)
		if match is None:
			out.append(text[pos])
			pos += 1
			continue
		groups = match.groups()
		if groups[0] is not None:  # FY token: drop "FY24"; keep a following number that is no year
			out.append(" " if _consecutive(groups[0], groups[1]) else f" {groups[1]}")
			pos = match.end()
			continue
		first = next(i for i in (2, 4, 6) if groups[i] is not None)
		if _consecutive(groups[first], groups[first + 1]):
			out.append(" ")
			pos = match.end()
		else:
			out.append(text[pos])
			pos += 1
	return "".join(out)


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
