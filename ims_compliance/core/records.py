"""The inward-supply record model: one supplier document as IMS shows it.

The parser (gstn.protocol) produces these from any connection (sandbox, GSP API, portal
file); the upsert and the matcher consume them. Amounts are rupees rounded to paise; GSTN
sends them positive even on credit notes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field

from ims_compliance.core.actions import Action
from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.periods import ReturnPeriod
from ims_compliance.core.sections import SECTIONS, Section, section

DOCUMENT_NUMBER = re.compile(r"^[A-Za-z0-9/\-]{1,16}$")
SOURCE_FORMS = ("R1", "R1A", "IFF")
INVOICE_TYPES = ("R", "DE", "SEWP", "SEWOP", "CBW")
AMOUNT_FIELDS = ("document_value", "taxable_value", "igst", "cgst", "sgst", "cess")
#: Largest amount accepted on one document (GSTN's schema allows 13 digits + 2 decimals).
MAX_AMOUNT = 9_999_999_999_999.99


def check_document_number(value: object, *, field: str = "inum", location: str | None = None) -> str:
	"""Document numbers are 1-16 chars of A-Z a-z 0-9 / -, not all zeros; kept as strings."""
	text = str(value if value is not None else "").strip()
	if not DOCUMENT_NUMBER.match(text):
		raise IMSValidationError(
			f"document number {value!r} must be 1-16 characters of letters, digits, '/' and '-'",
			field=field,
			location=location,
		)
	if set(text) <= {"0", "/", "-"}:
		raise IMSValidationError(f"document number {value!r} is all zeros", field=field, location=location)
	return text


def check_amount(value: object, *, field: str, location: str | None = None) -> float:
	if isinstance(value, bool) or value is None or value == "":
		raise IMSValidationError(f"amount {value!r} is not a number", field=field, location=location)
	try:
		amount = float(value)
	except (TypeError, ValueError):
		raise IMSValidationError(
			f"amount {value!r} is not a number", field=field, location=location
		) from None
	if amount != amount or amount in (float("inf"), float("-inf")):
		raise IMSValidationError(f"amount {value!r} is not a number", field=field, location=location)
	if amount < 0:
		raise IMSValidationError(f"amount {amount} is negative", field=field, location=location)
	if amount > MAX_AMOUNT:
		raise IMSValidationError(f"amount {amount} is out of range", field=field, location=location)
	return round(amount, 2)


def financial_year_of(day: dt.date) -> str:
	start = day.year if day.month >= 4 else day.year - 1
	return f"{start}-{(start + 1) % 100:02d}"


def _section(code: str) -> Section:
	"""`sections.section`, the exact code looked up first (every record of a download)."""
	return SECTIONS.get(code) or section(code)


@dataclass(slots=True)
class InwardRecord:
	"""One supplier document. Slotted: a download holds 100k of them at once, and an instance
	dict cost about 1.2 KB each (some 120 MB at 100k)."""

	section: str
	supplier_gstin: str
	document_number: str
	document_date: dt.date
	supplier_period: str
	document_value: float = 0.0
	taxable_value: float = 0.0
	igst: float = 0.0
	cgst: float = 0.0
	sgst: float = 0.0
	cess: float = 0.0
	place_of_supply: str | None = None
	invoice_type: str | None = None
	source_form: str | None = None
	supplier_filed: bool = True
	reverse_charge: bool = False
	gstn_hash: str | None = None
	gstn_action: Action = Action.NO_ACTION
	pending_blocked: bool = False
	original_number: str | None = None
	original_date: dt.date | None = None
	supplier_name: str | None = None
	itc_reduction_required: str | None = None  # "Y" / "N" (R7)
	declared_igst: float | None = None
	declared_cgst: float | None = None
	declared_sgst: float | None = None
	declared_cess: float | None = None
	remarks: str | None = None
	itc_reduction_blocked: bool = False
	remarks_blocked: bool = False
	#: Bills of Entry (IMPG*): the customs port code (`portcd`), matched with the purchase side's.
	port_code: str | None = None
	#: What the parser warned about in this record (a GSTIN whose check character fails, ...):
	#: stored on the row and shown on the page, not only logged.
	warnings: list[str] = field(default_factory=list)
	#: Keys GSTN sent that we do not model; kept so a SAVE can echo the record faithfully.
	extra: dict = field(default_factory=dict)

	@property
	def document_type(self) -> str:
		return _section(self.section).document_type

	@property
	def total_tax(self) -> float:
		return round(self.igst + self.cgst + self.sgst + self.cess, 2)

	@property
	def period(self) -> ReturnPeriod:
		return ReturnPeriod.parse(self.supplier_period)

	def natural_key(self, company_gstin: str) -> str:
		"""One supplier document = one row. GSTN keys a document by supplier, number and
		financial year; an amendment is its own record keyed by the document it amends (R9)."""
		number, day = self.document_number, self.document_date
		if _section(self.section).is_amendment and self.original_number and self.original_date:
			number, day = self.original_number, self.original_date
		return "|".join(
			(
				company_gstin.upper(),
				self.section,
				self.supplier_gstin.upper(),
				number.upper(),
				financial_year_of(day),
			)
		)

	def as_dict(self) -> dict:
		data = asdict(self)
		data["gstn_action"] = self.gstn_action.value
		return data
