"""Free text from outside (GSTN's trade names and remarks, portal files) made plain (issue 14).

Ingest writes with SQL, so Frappe's own sanitiser never sees these values; the page escapes what
it shows, and this is the second wall: no markup is ever stored. Tags go, and so do the angle
brackets left over from a broken or nested tag (``<<b>script>``), control characters and runs
of white space."""

from __future__ import annotations

import re

_TAG = re.compile(r"<!--.*?-->|<[^<>]*>", re.S)
_ANGLES = re.compile(r"[<>]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")
_LINE_SPACE = re.compile(r"[^\S\n]+")


def plain_text(value: object, *, multiline: bool = False) -> str | None:
	"""`value` without markup, control characters or surrounding space; None stays None.
	`multiline` keeps line breaks (remarks), else all white space becomes one space (names)."""
	if value is None:
		return None
	text = _TAG.sub(" ", str(value))
	text = _ANGLES.sub("", text)
	text = _CONTROL.sub("", text)
	if multiline:
		return "\n".join(
			_LINE_SPACE.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")
		).strip()
	return _SPACE.sub(" ", text).strip()


#: What a spreadsheet may read as a formula (or DDE) when a text cell starts with it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_VALUE = re.compile(r"[-+]?[\w./ ]*")


def spreadsheet_safe(text: str) -> str:
	"""A text cell that no spreadsheet takes for a formula: one starting with = + - @ (or a tab
	or carriage return) gets a leading apostrophe, unless it is a plain value such as a
	document number "-12/A" or "+91 98200 00000"."""
	if text.startswith(FORMULA_STARTS) and not _PLAIN_VALUE.fullmatch(text):
		return "'" + text
	return text
