"""Which DocType holds this app's inward supplies on the current site.

India Compliance ships a DocType of its own named "GST Inward Supply" (its GSTR-2A/2B store).
On a site without it our records live in "GST Inward Supply" (the design card's name); on a
site where another app owns that name they live in "IMS GST Inward Supply", a DocType of ours
created from the same definition (`ims_compliance.supply_doctype`, issue 16). Every service asks
here instead of naming the DocType, so the answer depends on the site.

The answer is read from the DocType table once and kept in the site's cache (Redis, plus
Frappe's per-request copy), so asking costs nothing; it is dropped whenever the site's cache is
cleared (every migrate and install) and whenever we create or rename the DocType.
"""

from __future__ import annotations

#: Our DocType's name where nobody else owns it (the design card's name).
DEFAULT_SUPPLY_DOCTYPE = "GST Inward Supply"
#: Our DocType's name on a site where another app (India Compliance) owns the default name.
ALTERNATE_SUPPLY_DOCTYPE = "IMS GST Inward Supply"
#: The module our DocTypes belong to: how we tell our "GST Inward Supply" from another app's.
MODULE = "IMS Compliance"

_CACHE_KEY = "ims_supply_doctype"


def supply_doctype() -> str:
	"""The DocType of this site's GST inward supplies (IMS records)."""
	import frappe

	return frappe.cache.get_value(_CACHE_KEY, generator=resolve_supply_doctype)


def supply_table() -> str:
	"""Its database table, for raw SQL (already back-quoted)."""
	return f"`tab{supply_doctype()}`"


def resolve_supply_doctype() -> str:
	"""Read the answer from the DocType table (uncached).

	Ours is whichever of the two names exists in our module. Before we have created it (during
	install) the default name is ours unless another app already owns it."""
	import frappe

	owners = dict(
		frappe.get_all(
			"DocType",
			filters={"name": ("in", (DEFAULT_SUPPLY_DOCTYPE, ALTERNATE_SUPPLY_DOCTYPE))},
			fields=["name", "module"],
			as_list=True,
		)
	)
	if owners.get(DEFAULT_SUPPLY_DOCTYPE) == MODULE:
		return DEFAULT_SUPPLY_DOCTYPE
	if owners.get(ALTERNATE_SUPPLY_DOCTYPE) == MODULE:
		return ALTERNATE_SUPPLY_DOCTYPE
	return ALTERNATE_SUPPLY_DOCTYPE if DEFAULT_SUPPLY_DOCTYPE in owners else DEFAULT_SUPPLY_DOCTYPE


def default_name_owned_elsewhere() -> bool:
	"""Another app's DocType is named "GST Inward Supply" on this site."""
	import frappe

	module = frappe.db.get_value("DocType", DEFAULT_SUPPLY_DOCTYPE, "module")
	return module is not None and module != MODULE


def forget_supply_doctype() -> None:
	"""Drop the cached answer (after creating or renaming our DocType)."""
	import frappe

	frappe.cache.delete_value(_CACHE_KEY)


def add_to_boot(bootinfo) -> None:
	"""boot_session hook: the desk's scripts (our form script) learn the name too."""
	bootinfo.ims_supply_doctype = supply_doctype()
