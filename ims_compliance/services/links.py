"""Linking inward supplies to Purchase Invoices by hand, and unlinking (P2).

P2: linking or unlinking a Purchase Invoice on a record whose action is Accepted reverts the
action to No Action (the acceptance was made against the old pairing), logged as an
"Automatic Revert". Cancelling a linked Purchase Invoice unlinks it.

A manual link makes the record a Manual Match, which recommends Accept (P4), so the pair is
checked first (issue 14): the user may read the Purchase Invoice; it is submitted (not a draft,
not cancelled), of the same company and company GSTIN, of the same supplier GSTIN (another GSTIN
of the same PAN only when the user confirms it with a reason), and of the right kind (a credit
note pairs with a return). Every link and unlink is logged (P3) with the user."""

from __future__ import annotations

import frappe
from frappe import _

from ims_compliance.core.gstin import pan_of
from ims_compliance.core.text import plain_text
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
			"company",
			"document_type",
		],
		as_dict=True,
	)
	if not row:
		frappe.throw(
			_("GST Inward Supply {0} not found").format(frappe.utils.escape_html(name)),
			frappe.DoesNotExistError,
		)
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


def _purchase(purchase_invoice: str):
	"""The Purchase Invoice, if the user may read it (else the same answer as a wrong name)."""
	pi = None
	if purchase_invoice and frappe.has_permission("Purchase Invoice", "read", doc=purchase_invoice):
		pi = frappe.db.get_value(
			"Purchase Invoice",
			purchase_invoice,
			[
				"name",
				"docstatus",
				"company",
				"company_gstin",
				"supplier",
				"supplier_gstin",
				"is_return",
				"ims_inward_supply",
				"base_net_total",
				"base_total_taxes_and_charges",
			],
			as_dict=True,
		)
	if not pi:
		frappe.throw(
			_("Purchase Invoice {0} was not found, or you may not read it.").format(
				frappe.bold(frappe.utils.escape_html(purchase_invoice))  # the user's input, echoed
			),
			frappe.DoesNotExistError,
			title=_("Cannot Link"),
		)
	if not pi.supplier_gstin and pi.supplier:
		pi.supplier_gstin = frappe.db.get_value("Supplier", pi.supplier, "tax_id")
	return pi


def check_pair(supply, pi, *, confirm_other_gstin: bool = False, reason: str | None = None) -> str | None:
	"""Refuse a pairing that cannot be the same document; returns the note to log when the
	supplier GSTIN differs within one PAN (confirmed with a reason)."""

	def refuse(message):
		frappe.throw(message, title=_("Cannot Link"))

	if pi.docstatus != 1:
		refuse(
			_("Purchase Invoice {0} is {1}: only a submitted Purchase Invoice can be linked.").format(
				frappe.bold(pi.name), _("cancelled") if pi.docstatus == 2 else _("a draft")
			)
		)
	if pi.company != supply.company or (pi.company_gstin and pi.company_gstin != supply.company_gstin):
		refuse(
			_("Purchase Invoice {0} belongs to {1} ({2}), the inward supply to {3} ({4}).").format(
				frappe.bold(pi.name),
				pi.company,
				pi.company_gstin or "-",
				supply.company,
				supply.company_gstin,
			)
		)
	wants_return = supply.document_type == "Credit Note"
	if bool(pi.is_return) != wants_return:
		refuse(
			_("{0} {1} pairs with a {2}; Purchase Invoice {3} is {4}.").format(
				_(supply.document_type),
				frappe.bold(supply.document_number),
				_("return (debit note) Purchase Invoice")
				if wants_return
				else _("Purchase Invoice that is not a return"),
				frappe.bold(pi.name),
				_("a return") if pi.is_return else _("not a return"),
			)
		)
	if (pi.supplier_gstin or "") == supply.supplier_gstin:
		return None
	if not pi.supplier_gstin or pan_of(pi.supplier_gstin) != pan_of(supply.supplier_gstin):
		refuse(
			_("Purchase Invoice {0} is from supplier GSTIN {1}, the inward supply from {2}.").format(
				frappe.bold(pi.name), pi.supplier_gstin or "-", supply.supplier_gstin
			)
		)
	if not confirm_other_gstin or not (reason or "").strip():
		refuse(
			_(
				"Purchase Invoice {0} is from {1}, another GSTIN of the same PAN as the inward supply's {2}. "
				"Link it only if it is the same document: confirm and give the reason."
			).format(frappe.bold(pi.name), pi.supplier_gstin, supply.supplier_gstin)
		)
	return _("Supplier GSTIN {0} on the Purchase Invoice (same PAN), confirmed: {1}").format(
		pi.supplier_gstin, plain_text(reason, multiline=True)
	)


def _log_link(supply, action: str, note: str, changed: dict, *, source: str) -> None:
	write_logs(
		[
			{
				"inward_supply": supply.name,
				"from_action": action,
				"to_action": action,
				"remarks": note,
				"changed_values": changed,
			}
		],
		source=source,
	)


def link(
	name: str,
	purchase_invoice: str,
	*,
	confirm_other_gstin: bool = False,
	reason: str | None = None,
) -> dict:
	"""Manual Match: pair a record with a submitted Purchase Invoice chosen by the user."""
	frappe.has_permission(supply_doctype(), "write", doc=name, throw=True)
	supply = _supply(name)
	pi = _purchase(purchase_invoice)
	other_gstin = check_pair(supply, pi, confirm_other_gstin=confirm_other_gstin, reason=reason)
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
	action = values.get("action", supply.action)
	note = _("Linked to Purchase Invoice {0}").format(purchase_invoice)
	_log_link(
		supply,
		action,
		f"{note}. {other_gstin}" if other_gstin else note,
		{"purchase_invoice": [supply.purchase_invoice, purchase_invoice]},
		source="Link",
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
	_log_link(
		supply,
		revert.get("action", supply.action),
		reason or _("Unlinked from Purchase Invoice {0}").format(supply.purchase_invoice),
		{"purchase_invoice": [supply.purchase_invoice, None]},
		source="Unlink",
	)
	return {"unlinked": supply.purchase_invoice, "reverted": bool(revert)}


def unlink_purchase_invoice(purchase_invoice: str, reason: str) -> None:
	"""A Purchase Invoice was cancelled: unlink whatever supply points at it (P2)."""
	for name in frappe.get_all(
		supply_doctype(), filters={"purchase_invoice": purchase_invoice}, pluck="name"
	):
		unlink(name, reason=reason)
