"""What every corpus case is made of (see corpus.py): the `Case` record, the variant data `V`
(supplier, amounts, serial, day, number styles) and the document builders: `S` an inward supply,
`P` a purchase, `boe_*` a Bill of Entry on either side, with the labels' status and action names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from ims_compliance.core.gstin import make_gstin

C = make_gstin("27", "AAACI1234K")  # the company
C2 = make_gstin("29", "AAACI1234K")  # its other registration
PANS = ("AABCA1111A", "AABFB2222B", "AABPC3333C", "AABHD4444D", "AABCE5555E", "AABCF6666F")
STATES = ("27", "29", "27", "07", "33", "27")  # intra-state (27) suppliers charge CGST + SGST

EX, SU, MM, MA, MP = "Exact Match", "Suggested Match", "Mismatch", "Manual Match", "Missing in PI"
ACC, REJ, PEN, NOA = "Accepted", "Rejected", "Pending", "No Action"


@dataclass
class Case:
	label: str
	kind: str
	supplies: list[dict]
	purchases: list[dict]
	# supply name -> (status, linked purchase or None, recommended action, accept after review);
	# the flag is True only for an Accept that waits for a person (P4)
	expected: dict[str, tuple[str, str | None, str, bool]]
	lines: list[dict] = field(default_factory=list)  # purchase lines: taxable value from GST lines
	other_purchases: list[dict] = field(default_factory=list)  # other company GSTINs (hints only)
	missing_in_ims: list[str] = field(default_factory=list)  # purchases no supply may take
	reasons: dict[str, set[str]] = field(default_factory=dict)  # reason fields that must be named
	hints: list[str] = field(default_factory=list)  # supplies that must carry a hint


@dataclass(frozen=True)
class V:
	"""One variant's data: supplier, amounts, a serial, a day."""

	i: int

	@property
	def supplier(self) -> str:
		k = self.i % len(PANS)
		return make_gstin(STATES[k], PANS[k])

	@property
	def other_registration(self) -> str:
		k = self.i % len(PANS)
		return make_gstin("24" if STATES[k] != "24" else "09", PANS[k])

	@property
	def local(self) -> bool:
		return STATES[self.i % len(PANS)] == "27"

	@property
	def taxable(self) -> float:
		return round(1000 + 1379.5 * self.i + 0.25 * (self.i % 4), 2)

	@property
	def rate(self) -> float:
		return (0.05, 0.12, 0.18, 0.28)[self.i % 4]

	def taxes(self, taxable: float | None = None) -> dict[str, float]:
		tax = round((self.taxable if taxable is None else taxable) * self.rate, 2)
		if self.local:
			return {"igst": 0.0, "cgst": round(tax / 2, 2), "sgst": round(tax / 2, 2), "cess": 0.0}
		return {"igst": tax, "cgst": 0.0, "sgst": 0.0, "cess": 0.0}

	@property
	def serial(self) -> int:
		return 40 + 7 * self.i

	@property
	def day(self) -> dt.date:
		return dt.date(2025, 10, 3) + dt.timedelta(days=self.i % 15)

	def number(self) -> str:
		"""The supplier's number in one of several styles."""
		n = self.serial
		return (f"INV/2025-26/{n:04d}", f"SI-{n}", f"TI/{n:04d}/25-26", f"BILL-25-{n:05d}", f"GST{n:05d}")[
			self.i % 5
		]

	def reformatted(self) -> str:
		"""The same number as a buyer re-types it: FY dropped, separators changed, zeros added or
		dropped, a prefix added or dropped (each normalises to the supplier's)."""
		n = self.serial
		return (
			f"{n}",  # INV/2025-26/0040 -> 40: prefix and FY dropped
			f"SI/{n:04d}",  # SI-40 -> SI/0040: separator and leading zeros
			f"{n}/2025-26",  # TI/0040/25-26 -> 40/2025-26: prefix dropped, FY in long form
			f"BILL/25/{n:05d}",  # BILL-25-00040 -> BILL/25/00040: separators
			f"GST-{n}",  # GST00040 -> GST-40: separator, zeros
		)[self.i % 5]


#: A family's kinds: (builder, variants) rows, in the corpus's order.
KindTable = tuple[tuple[Callable[[V], Case], int], ...]


def S(name: str, v: V, number: str | None = None, **kw) -> dict:
	row = {
		"name": name,
		"supplier_gstin": v.supplier,
		"company_gstin": C,
		"document_type": "Invoice",
		"section": "B2B",
		"document_number": number or v.number(),
		"document_date": v.day,
		"original_number": None,
		"original_date": None,
		"place_of_supply": "27",
		"reverse_charge": False,
		"taxable_value": v.taxable,
		**v.taxes(),
		"supplier_filed": True,
		"match_status": None,
		"purchase": None,
		"port_code": None,
	}
	row.update(kw)
	return row


def P(name: str, v: V, bill_no: str | None = None, **kw) -> dict:
	row = {
		"name": name,
		"supplier_gstin": v.supplier,
		"company_gstin": C,
		"document_type": "Invoice",
		"bill_no": v.number() if bill_no is None else bill_no,
		"bill_date": v.day,
		"place_of_supply": "27",
		"reverse_charge": False,
		"taxable_value": v.taxable,
		**v.taxes(),
		"port_code": None,
	}
	row.update(kw)
	return row


def days(v: V, n: int) -> dt.date:
	return v.day + dt.timedelta(days=n)


def boe(v: V) -> dict:
	"""A Bill of Entry: no supplier GSTIN, IGST only, a port."""
	return {
		"supplier_gstin": None,
		"document_type": "Bill of Entry",
		"port_code": ("INNSA1", "INMAA1", "INBLR4", "INDEL4")[v.i % 4],
		"igst": round(v.taxable * 0.18, 2),
		"cgst": 0.0,
		"sgst": 0.0,
		"cess": 0.0,
	}


def boe_number(v: V) -> str:
	return str(4_100_000 + 13 * v.i)


def boe_supply(name: str, v: V, **kw) -> dict:
	return S(name, v, boe_number(v), **{"section": "IMPG", **boe(v), **kw})


def boe_purchase(name: str, v: V, **kw) -> dict:
	return P(name, v, boe_number(v), **{**boe(v), **kw})
