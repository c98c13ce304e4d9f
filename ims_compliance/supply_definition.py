"""Our inward-supply DocType, created from its definition under the name this site uses (issue 16).

Frappe syncs every `<module>/doctype/<folder>/<folder>.json` of an app on install and on every
migrate, whatever DocType of that name another app may own. India Compliance ships a DocType named
"GST Inward Supply" too, so a standard JSON of ours by that name would overwrite theirs on every
migrate (and theirs ours). Our definition therefore lives beside the controller as
`gst_inward_supply/definition.json`, out of the sync's reach, and this module does the sync for it:

- `sync_supply_doctype()` (install, every migrate) creates or updates the DocType from the
  definition under `doctype_names.supply_doctype()`: "GST Inward Supply" on a site where nobody
  else owns that name, "IMS GST Inward Supply" where another app does. Same fields, same
  controller (`ims_gst_inward_supply` subclasses it), same form script (hooks.doctype_js).
- `move_aside_for(app)` (our `before_app_install` hook): an app about to be installed that ships
  a DocType named like ours gets the name: ours is renamed to "IMS GST Inward Supply" first, its
  table renamed with its rows, links pointing at it updated.
- `point_links_at_supply_doctype()`: the links to our records (IMS Action Log, the workspace)
  follow the name, as Frappe's own DocType rename would do.
- `keep_export_out_of_sync()` (DocType on_update, developer mode): a change made in the desk is
  exported by Frappe to the standard path; it is moved into the definition at once, so the next
  migrate cannot sync it over another app's DocType.
"""

from __future__ import annotations

import hashlib
import json
import os

import frappe

from ims_compliance.doctype_names import (
	ALTERNATE_SUPPLY_DOCTYPE,
	DEFAULT_SUPPLY_DOCTYPE,
	MODULE,
	forget_supply_doctype,
	supply_doctype,
)

#: The DocType definition (Frappe's export format, named "GST Inward Supply").
DEFINITION_PATH = os.path.join(
	os.path.dirname(__file__), "ims_compliance", "doctype", "gst_inward_supply", "definition.json"
)

#: Standard DocType fields elsewhere in the app that link to our records (DocType, fieldname).
LINKS_TO_SUPPLY = (("IMS Action Log", "inward_supply"),)

#: Our workspace, whose shortcut and link open the supply list.
WORKSPACE = "GST IMS"


def definition(name: str) -> dict:
	"""The definition as a DocType dict named `name`, its links to itself retargeted."""
	with open(DEFINITION_PATH) as f:
		doc = json.load(f)
	doc["name"] = name
	for field in doc.get("fields", []):
		if field.get("fieldtype") == "Link" and field.get("options") == DEFAULT_SUPPLY_DOCTYPE:
			field["options"] = name
	return doc


def definition_hash(name: str) -> str:
	"""What `migration_hash` holds once the DocType matches the definition under `name`."""
	with open(DEFINITION_PATH, "rb") as f:
		content = f.read()
	return hashlib.md5(content + name.encode(), usedforsecurity=False).hexdigest()


def sync_supply_doctype(force: bool = False) -> bool:
	"""Create or update our DocType from the definition; True when it changed anything.

	Frappe's own importer does the work (DocFields, permissions, the table, our
	`on_doctype_update` indexes); like Frappe's sync it is skipped while the stored hash matches."""
	from frappe.modules.import_file import import_doc

	forget_supply_doctype()
	name = supply_doctype()
	digest = definition_hash(name)
	if not force and frappe.db.get_value("DocType", name, "migration_hash") == digest:
		return False
	in_import = frappe.flags.in_import
	try:
		# in_import: never export the DocType back to files (developer mode), as for a sync
		import_doc(definition(name), ignore_version=True)
	finally:
		frappe.flags.in_import = in_import
	frappe.db.set_value("DocType", name, "migration_hash", digest, update_modified=False)
	forget_supply_doctype()
	frappe.clear_cache(doctype=name)
	return True


def app_ships_doctype(app: str, doctype: str) -> bool:
	"""Whether `app` has a standard DocType named `doctype` (read from its files, so it also
	answers for an app that is about to be installed)."""
	folder = frappe.scrub(doctype)
	for module in frappe.get_module_list(app):
		path = frappe.get_app_path(app, frappe.scrub(module), "doctype", folder, f"{folder}.json")
		if os.path.exists(path):
			with open(path) as f:
				if json.load(f).get("name") == doctype:
					return True
	return False


def move_aside_for(app: str) -> bool:
	"""Make way for `app` if it ships a DocType named like ours: rename ours (table, rows and
	every link to it kept) before the app's sync creates its own. True when ours was moved."""
	if app == "ims_compliance":
		return False
	current = supply_doctype()
	if current != DEFAULT_SUPPLY_DOCTYPE or not app_ships_doctype(app, current):
		return False
	if frappe.db.get_value("DocType", current, "module") != MODULE:
		return False
	count = frappe.db.count(current)
	print(
		f"IMS Compliance: {app} ships a DocType named {current!r}; moving our {count} records to {ALTERNATE_SUPPLY_DOCTYPE!r}"
	)
	flags = frappe.flags.in_patch, frappe.flags.in_import
	try:
		# in_patch: Frappe must not move our source folder (a rename outside a patch does);
		# in_import: nor export DocTypes whose links it updates (developer mode)
		frappe.flags.in_patch = frappe.flags.in_import = True
		frappe.rename_doc(
			"DocType", current, ALTERNATE_SUPPLY_DOCTYPE, force=True, show_alert=False, rebuild_search=False
		)
	finally:
		frappe.flags.in_patch, frappe.flags.in_import = flags
	forget_supply_doctype()
	frappe.db.set_value(
		"DocType",
		ALTERNATE_SUPPLY_DOCTYPE,
		"migration_hash",
		definition_hash(ALTERNATE_SUPPLY_DOCTYPE),
		update_modified=False,
	)
	point_links_at_supply_doctype()
	frappe.db.commit()  # the app's install that follows must find the name free, whatever it does
	frappe.clear_cache()
	return True


def point_links_at_supply_doctype() -> None:
	"""Links to our records name the DocType this site uses.

	IMS Action Log's JSON (synced by Frappe) says "GST Inward Supply"; where ours is named
	otherwise, its DocField is updated the way Frappe's DocType rename updates links, after every
	sync. The Purchase Invoice field is created with the right options (constants.custom_fields)."""
	name = supply_doctype()
	for doctype, fieldname in LINKS_TO_SUPPLY:
		field = frappe.qb.DocType("DocField")
		(
			frappe.qb.update(field)
			.set(field.options, name)
			.where(
				(field.parent == doctype)
				& (field.fieldname == fieldname)
				& (field.fieldtype == "Link")
				& (field.options != name)
			)
		).run()
		frappe.clear_cache(doctype=doctype)
	for child in ("Workspace Link", "Workspace Shortcut"):
		table = frappe.qb.DocType(child)
		(
			frappe.qb.update(table)
			.set(table.link_to, name)
			.where(
				(table.parent == WORKSPACE)
				& (table.link_to.isin((DEFAULT_SUPPLY_DOCTYPE, ALTERNATE_SUPPLY_DOCTYPE)))
				& (table.link_to != name)
			)
		).run()


def keep_export_out_of_sync(doc, method=None) -> None:
	"""DocType on_update hook: in developer mode Frappe exports a saved DocType to
	`<module>/doctype/<name>/<name>.json`, where the next migrate would sync it over another
	app's "GST Inward Supply". Move such an export of ours into the definition instead."""
	if doc.name not in (DEFAULT_SUPPLY_DOCTYPE, ALTERNATE_SUPPLY_DOCTYPE) or doc.module != MODULE:
		return
	folder = frappe.scrub(doc.name)
	exported = frappe.get_module_path(frappe.scrub(MODULE), "doctype", folder, f"{folder}.json")
	if not os.path.exists(exported):
		return
	with open(exported) as f:
		content = json.load(f)
	content["name"] = DEFAULT_SUPPLY_DOCTYPE
	for field in content.get("fields", []):
		if field.get("fieldtype") == "Link" and field.get("options") == doc.name:
			field["options"] = DEFAULT_SUPPLY_DOCTYPE
	with open(DEFINITION_PATH, "w") as f:
		f.write(frappe.as_json(content))
		f.write("\n")
	os.remove(exported)
	frappe.msgprint(
		frappe._("Saved to {0} (our supply DocType is not synced from the standard path).").format(
			os.path.relpath(DEFINITION_PATH, frappe.get_app_path("ims_compliance", ".."))
		),
		alert=True,
	)
