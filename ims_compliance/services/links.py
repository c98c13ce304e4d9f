"""Linking inward supplies to Purchase Invoices by hand, and unlinking (P2).

P2: linking or unlinking a Purchase Invoice on a record whose action is Accepted reverts the
action to No Action (the acceptance was made against the old pairing), logged as an
"Automatic Revert". Cancelling a linked Purchase Invoice unlinks it."""

from __future__ import annotations

import frappe
from frappe import _

from ims_compliance.doctype_names import supply_doctype
from ims_compliance.services.action_log import write_logs

MANUAL_MATCH = "Manual Match"
MISSING_IN_PI = "Missing in PI"


def _supply(name: str):
	row = frappe.db.get_value(
		supply_doctype(),
		name,
		[
			"name",
			"action",
			"gstn_action",
			"purchase_invoice",
			"document_number",
			"company_gstin",
			"supplier_gstin",
		],
		as_dict=True,
	)
	if not row:
		frappe.throw(_("GST Inward Supply {0} not found").format(name), frappe.DoesNotExistError)
	return row


def _revert_if_accepted(supply, why: str) -> dict:
	"""P2: an Accepted record goes back to No Action when its pairing changes."""
	if supply.action != "Accepted":
		return {}
	write_logs(
		[{"inward_supply": supply.name, "from_action": "Accepted", "to_action": "No Action", "remarks": why}],
		source="Automatic Revert",
	)
	return {
		"action": "No Action",
		"upload_state": "Pending Upload" if supply.gstn_action != "No Action" else "",
		"itc_reduction_required": "",
		"declared_igst": 0,
		"declared_cgst": 0,
		"declared_sgst": 0,
		"declared_cess": 0,
	}


def _set_purchase_fields(purchase_invoice: str, values: dict) -> None:
	frappe.db.set_value("Purchase Invoice", purchase_invoice, values, update_modified=False)


def link(name: str, purchase_invoice: str) -> dict:
	"""Manual Match: pair a record with a submitted Purchase Invoice chosen by the user."""
	frappe.has_permission(supply_doctype(), "write", doc=name, throw=True)
	supply = _supply(name)
	pi = frappe.db.get_value(
		"Purchase Invoice",
		purchase_invoice,
		["name", "docstatus", "ims_inward_supply", "base_net_total", "base_total_taxes_and_charges"],
		as_dict=True,
	)
	if not pi or pi.docstatus != 1:
		frappe.throw(
			_("Purchase Invoice {0} must be submitted before it can be linked.").format(purchase_invoice),
			title=_("Cannot Link"),
		)
	if pi.ims_inward_supply and pi.ims_inward_supply != name:
		other = frappe.db.get_value(supply_doctype(), pi.ims_inward_supply, "document_number")
		frappe.throw(
			_(
				"Purchase Invoice {0} is already linked to inward supply {1} ({2}). Unlink it there first."
			).format(purchase_invoice, other, pi.ims_inward_supply),
			title=_("Already Linked"),
		)
	if supply.purchase_invoice == purchase_invoice:
		return {"linked": purchase_invoice, "reverted": False}
	if supply.purchase_invoice:
		_set_purchase_fields(
			supply.purchase_invoice, {"ims_inward_supply": None, "ims_match_status": None, "ims_action": None}
		)
	revert = _revert_if_accepted(supply, _("Linked to Purchase Invoice {0} (P2)").format(purchase_invoice))
	values = {
		"purchase_invoice": purchase_invoice,
		"match_status": MANUAL_MATCH,
		"match_reasons": None,
		"match_score": 100,
		"purchase_taxable_value": pi.base_net_total,
		"purchase_total_tax": pi.base_total_taxes_and_charges,
		**revert,
	}
	frappe.db.set_value(supply_doctype(), name, values)
	_set_purchase_fields(
		purchase_invoice,
		{
			"ims_inward_supply": name,
			"ims_match_status": MANUAL_MATCH,
			"ims_action": values.get("action", supply.action),
		},
	)
	return {"linked": purchase_invoice, "reverted": bool(revert)}


def unlink(name: str, *, reason: str | None = None) -> dict:
	"""Remove the pairing; the record becomes Missing in PI (the engine may match it again)."""
	frappe.has_permission(supply_doctype(), "write", doc=name, throw=True)
	supply = _supply(name)
	if not supply.purchase_invoice:
		return {"unlinked": None, "reverted": False}
	revert = _revert_if_accepted(
		supply, reason or _("Unlinked from Purchase Invoice {0} (P2)").format(supply.purchase_invoice)
	)
	frappe.db.set_value(
		supply_doctype(),
		name,
		{
			"purchase_invoice": None,
			"match_status": MISSING_IN_PI,
			"match_reasons": None,
			"match_score": 0,
			"purchase_taxable_value": 0,
			"purchase_total_tax": 0,
			**revert,
		},
	)
	_set_purchase_fields(
		supply.purchase_invoice, {"ims_inward_supply": None, "ims_match_status": None, "ims_action": None}
	)
	return {"unlinked": supply.purchase_invoice, "reverted": bool(revert)}


def unlink_purchase_invoice(purchase_invoice: str, reason: str) -> None:
	"""A Purchase Invoice was cancelled: unlink whatever supply points at it (P2)."""
	for name in frappe.get_all(
		supply_doctype(), filters={"purchase_invoice": purchase_invoice}, pluck="name"
	):
		unlink(name, reason=reason)
