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
}


def make_reason(fieldname: str, ims: Any, purchase: Any, difference: Any = None) -> dict[str, Any]:
	"""One difference as the dict stored on GST Inward Supply; `text` is the same in words, for the
	page's detail dialog and the Excel export."""
	reason = {"field": fieldname, "ims": ims, "purchase": purchase, "difference": difference}
	reason["text"] = reason_in_words(reason)
	return reason


def reason_in_words(reason: dict[str, Any]) -> str:
	label = LABELS.get(reason["field"], reason["field"].replace("_", " ").capitalize())
	text = f"{label}: {_show(reason['ims'])} in IMS, {_show(reason['purchase'])} in the purchase"
	if reason.get("difference") not in (None, ""):
		text += f" (difference {reason['difference']})"
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
