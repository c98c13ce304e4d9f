"""The "reasons" of a match: each field that differs, with the value in IMS, the value on the
purchase document and the difference, so a reviewer sees why a pair is not Exact without opening
both documents."""

from __future__ import annotations

from typing import Any

LABELS: dict[str, str] = {
	"document_number": "Document number",
	"document_date": "Document date",
	"document_type": "Document type",
	"taxable_value": "Taxable value",
	"igst": "IGST",
	"cgst": "CGST",
	"sgst": "SGST",
	"cess": "Cess",
	"place_of_supply": "Place of supply",
	"company_gstin": "Company GSTIN",
	"supplier_gstin": "Supplier GSTIN",
	"port_code": "Port code",
	"candidate": "Booked elsewhere?",
}


def make_reason(
	fieldname: str, ims: Any, purchase: Any, difference: Any = None, *, within_tolerance: bool = False
) -> dict[str, Any]:
	"""One difference as the dict stored on GST Inward Supply; `text` is the same in words, for the
	page's detail dialog and the Excel export. `within_tolerance` marks a difference that is shown
	but does not change the status (an Exact Match with Rs 0.50 on IGST)."""
	reason = {"field": fieldname, "ims": ims, "purchase": purchase, "difference": difference}
	if within_tolerance:
		reason["within_tolerance"] = True
	reason["text"] = reason_in_words(reason)
	return reason


def make_hint(
	purchase_name: str, *, company_gstin: tuple[Any, Any], supplier_gstin: tuple[Any, Any]
) -> dict[str, Any]:
	"""A purchase with this record's number and supplier PAN that the engine may not link: booked
	under another company GSTIN (or none), or under another GSTIN of the same supplier."""
	where = []
	if company_gstin[0] != company_gstin[1]:
		where.append(f"company GSTIN {_show(company_gstin[1])} (IMS: {_show(company_gstin[0])})")
	if supplier_gstin[0] != supplier_gstin[1]:
		where.append(f"supplier GSTIN {_show(supplier_gstin[1])} (IMS: {_show(supplier_gstin[0])}, same PAN)")
	text = f"Purchase Invoice {purchase_name} has this number under " + (" and ".join(where) or "this GSTIN")
	return {
		"field": "candidate",
		"ims": supplier_gstin[0],
		"purchase": purchase_name,
		"difference": None,
		"hint": True,
		"company_gstin": company_gstin[1],
		"supplier_gstin": supplier_gstin[1],
		"text": text + ": booked under another GSTIN?",
	}


def reason_in_words(reason: dict[str, Any]) -> str:
	label = LABELS.get(reason["field"], reason["field"].replace("_", " ").capitalize())
	text = f"{label}: {_show(reason['ims'])} in IMS, {_show(reason['purchase'])} in the purchase"
	if reason.get("hint") and reason.get("text"):
		return reason["text"]
	if reason.get("difference") not in (None, ""):
		text += f" (difference {reason['difference']})"
	if reason.get("within_tolerance"):
		text += " (within tolerance)"
	return text


def reasons_in_words(reasons: list[dict[str, Any]] | None) -> str:
	"""For the UI and exports: the differences in one line."""
	return "; ".join(reason_in_words(r) for r in reasons) if reasons else "All fields agree"


def _show(value: Any) -> str:
	if value is None or value == "":
		return "(empty)"
	if isinstance(value, float):
		return f"{value:,.2f}"
	return str(value)
