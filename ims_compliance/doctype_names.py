"""Which DocType holds this app's inward supplies on the current site.

India Compliance ships a DocType of its own named "GST Inward Supply" (its GSTR-2A/2B store).
On a site without it our records live in "GST Inward Supply"; on a site where another app owns
that name they live in a DocType of our own (issue 16). Every service asks here instead of
naming the DocType, so the answer can depend on the site.
"""

from __future__ import annotations

#: Our DocType's name where nobody else owns it (the design card's name).
DEFAULT_SUPPLY_DOCTYPE = "GST Inward Supply"


def supply_doctype() -> str:
	"""The DocType of this site's GST inward supplies (IMS records)."""
	return DEFAULT_SUPPLY_DOCTYPE


def supply_table() -> str:
	"""Its database table, for raw SQL (already back-quoted)."""
	return f"`tab{supply_doctype()}`"
