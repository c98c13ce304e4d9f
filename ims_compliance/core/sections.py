"""IMS sections (R1): how each one is named by the API, which keys carry its document number
and date, what kind of document it holds, and whether it amends another section.

One table drives the parser, the payload builder, the DocType's options and the matcher, so a
section is described once.
"""

from __future__ import annotations

from dataclasses import dataclass

INVOICE = "Invoice"
CREDIT_NOTE = "Credit Note"
DEBIT_NOTE = "Debit Note"
BILL_OF_ENTRY = "Bill of Entry"
DOCUMENT_TYPES: tuple[str, ...] = (INVOICE, CREDIT_NOTE, DEBIT_NOTE, BILL_OF_ENTRY)


@dataclass(frozen=True)
class Section:
	code: str  # GETINV `section` parameter and our stored value, e.g. "CN"
	key: str  # key of the list in GETINV / SAVE payloads, e.g. "b2bcn"
	document_type: str
	number_key: str
	date_key: str
	amends: str | None = None  # code of the section this one amends
	original_number_key: str | None = None
	original_date_key: str | None = None
	error_keys: tuple[str, ...] = ()  # extra keys REQSTS error_report may use for this section

	@property
	def is_amendment(self) -> bool:
		return self.amends is not None

	@property
	def is_import(self) -> bool:
		return self.document_type == BILL_OF_ENTRY


_INV = ("inum", "idt")
_NOTE = ("nt_num", "nt_dt")
_BOE = ("boenum", "boedt")  # (verify) bill-of-entry keys; the import sections start Oct-2025

SECTIONS: dict[str, Section] = {
	s.code: s
	for s in (
		Section("B2B", "b2b", INVOICE, *_INV),
		Section(
			"B2BA",
			"b2ba",
			INVOICE,
			*_INV,
			amends="B2B",
			original_number_key="oinum",
			original_date_key="oidt",
		),
		Section("CN", "b2bcn", CREDIT_NOTE, *_NOTE, error_keys=("cn",)),
		Section(
			"CNA",
			"b2bcna",
			CREDIT_NOTE,
			*_NOTE,
			amends="CN",
			original_number_key="ont_num",
			original_date_key="ont_dt",
			error_keys=("cna",),
		),
		Section("DN", "b2bdn", DEBIT_NOTE, *_NOTE, error_keys=("dn",)),
		Section(
			"DNA",
			"b2bdna",
			DEBIT_NOTE,
			*_NOTE,
			amends="DN",
			original_number_key="ont_num",
			original_date_key="ont_dt",
			error_keys=("dna",),
		),
		Section("ECOM", "ecom", INVOICE, *_INV),
		Section(
			"ECOMA",
			"ecoma",
			INVOICE,
			*_INV,
			amends="ECOM",
			original_number_key="oinum",
			original_date_key="oidt",
		),
		Section("IMPG", "impg", BILL_OF_ENTRY, *_BOE),
		Section(
			"IMPGA",
			"impga",
			BILL_OF_ENTRY,
			*_BOE,
			amends="IMPG",
			original_number_key="oboenum",
			original_date_key="oboedt",
		),
		Section("IMPGSEZ", "impgsez", BILL_OF_ENTRY, *_BOE),
		Section(
			"IMPGSEZA",
			"impgseza",
			BILL_OF_ENTRY,
			*_BOE,
			amends="IMPGSEZ",
			original_number_key="oboenum",
			original_date_key="oboedt",
		),
	)
}

#: Sections GETINV serves (the import ones are read from the same call from Oct-2025).
DOWNLOAD_SECTIONS: tuple[str, ...] = ("B2B", "B2BA", "CN", "CNA", "DN", "DNA", "ECOM", "ECOMA")
#: Bills of Entry (R1, from the Oct-2025 period): the download asks for them too, and goes on
#: without them where a GSP does not offer them yet.
IMPORT_SECTIONS: tuple[str, ...] = ("IMPG", "IMPGA", "IMPGSEZ", "IMPGSEZA")
SECTION_CODES: tuple[str, ...] = tuple(SECTIONS)
_BY_KEY = {s.key: s for s in SECTIONS.values()}
_BY_ANY_KEY = {**_BY_KEY, **{k: s for s in SECTIONS.values() for k in s.error_keys}}


def section(code: str) -> Section:
	"""Section by its code (B2B, CN, ...). Raises KeyError naming the allowed codes."""
	try:
		return SECTIONS[str(code).strip().upper()]
	except KeyError:
		raise KeyError(f"unknown IMS section {code!r}; expected one of {', '.join(SECTIONS)}") from None


def section_by_key(key: str) -> Section | None:
	"""Section by payload key, including the short `cn`/`dn` keys seen in REQSTS error reports."""
	return _BY_ANY_KEY.get(str(key).strip().lower())
