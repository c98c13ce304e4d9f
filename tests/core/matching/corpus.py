"""The labelled reconciliation corpus (issue 15): at least 300 cases, each with the expected match
status, linked purchase, recommended action and whether the Accept is "after review".

How it is made: `KINDS` is a hand-written table. Each kind is one situation accountants meet
(exact, rounding, FY suffix, typo, date offset, amendment, credit/debit note, Bill of Entry,
nil-rated lines, missing on either side, ...), with a builder that makes the documents and the
expected outcome written from the rules (P4, R4, R10, the tolerances: Rs 1 per amount, 10 days),
never computed by the engine. `corpus()` builds each kind in several deterministic variants
(supplier registration and state, amounts, number style, day, tax split), so the same rule is
checked on varied data. The pure tier asserts every case (test_corpus.py);
benchmarks/reconcile.py prints link precision/recall and wrong recommended Accepts over it.

Rule notes the labels rely on:
- a number written another way (FY token, separators, leading zeros, prefix) is the same number
  once normalised: Suggested Match, Accept after review; case alone is still Exact;
- one digit changed in a normalised number of 7+ characters is close enough for the fuzzy pass
  (equal amounts): Suggested, Pending (serial differs); in a short number it is not, so only the
  leftover pass (equal amounts and dates) links it: Mismatch on the number, review (No Action);
- Mismatch on an amount (beyond Rs 1), place of supply or company GSTIN: Reject; but a Bill of
  Entry is never rejected (R4): Pending;
- an unfiled supplier record (R10) is Pending whatever the match.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from ims_compliance.core.gstin import make_gstin

C = make_gstin("27", "AAACI1234K")  # the company
C2 = make_gstin("29", "AAACI1234K")  # its other registration
PANS = ("AABCA1111A", "AABFB2222B", "AABPC3333C", "AABHD4444D", "AABCE5555E", "AABCF6666F")
STATES = ("27", "29", "27", "07", "33", "27")  # intra-state (27) suppliers charge CGST + SGST
GST_ACCOUNTS = ("Input IGST - X", "Input CGST - X", "Input SGST - X", "Input Cess - X")

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


# --- builders: each returns a Case for variant v, its expectation written from the rules -----------


def exact(v: V) -> Case:
	return Case("", "", [S("s", v)], [P("p", v)], {"s": (EX, "p", ACC, False)})


def exact_case_only(v: V) -> Case:
	return Case("", "", [S("s", v)], [P("p", v, v.number().lower())], {"s": (EX, "p", ACC, False)})


def exact_ecom(v: V) -> Case:
	return Case("", "", [S("s", v, section="ECOM")], [P("p", v)], {"s": (EX, "p", ACC, False)})


def rounding_within_tolerance(v: V) -> Case:
	head = "cgst" if v.local else "igst"
	off = (0.5, -0.5, 0.99, -0.01, 1.0)[v.i % 5]  # Rs 1.00 off is still within
	purchase = P("p", v, **{head: round(v.taxes()[head] + off, 2)})
	return Case("", "", [S("s", v)], [purchase], {"s": (EX, "p", ACC, False)}, reasons={"s": {head}})


def rounding_on_taxable_value(v: V) -> Case:
	purchase = P("p", v, taxable_value=round(v.taxable - 0.4, 2))
	return Case(
		"", "", [S("s", v)], [purchase], {"s": (EX, "p", ACC, False)}, reasons={"s": {"taxable_value"}}
	)


def formatting_only(v: V) -> Case:
	return Case("", "", [S("s", v)], [P("p", v, v.reformatted())], {"s": (SU, "p", ACC, True)})


def formatting_and_rounding(v: V) -> Case:
	purchase = P("p", v, v.reformatted(), taxable_value=round(v.taxable + 0.5, 2))
	return Case(
		"",
		"",
		[S("s", v)],
		[purchase],
		{"s": (SU, "p", ACC, True)},
		reasons={"s": {"document_number", "taxable_value"}},
	)


def fy_suffix(v: V) -> Case:
	styles = (
		f"{v.serial}/25-26",
		f"{v.serial}/2025-26",
		f"FY26/{v.serial}",
		f"2526/{v.serial}",
		f"{v.serial} 2025 26",
	)
	return Case(
		"", "", [S("s", v, f"INV-{v.serial}")], [P("p", v, styles[v.i % 5])], {"s": (SU, "p", ACC, True)}
	)


def serial_differs_long(v: V) -> Case:
	"""BILL-23-00040 vs BILL-23-00045: another invoice of the same supplier."""
	n = 1_234_500 + 10 * v.i  # the last digit 0 becomes 5: one digit differs
	return Case(
		"", "", [S("s", v, f"BILL-23-{n}")], [P("p", v, f"BILL-23-{n + 5}")], {"s": (SU, "p", PEN, False)}
	)


def serial_differs_issue_example(v: V) -> Case:
	return Case(
		"", "", [S("s", v, "BILL-23-00040")], [P("p", v, "BILL-23-00045")], {"s": (SU, "p", PEN, False)}
	)


def swapped_digits(v: V) -> Case:
	n = 7_654_320 + 11 * v.i
	swapped = str(n)[:-2] + str(n)[-1] + str(n)[-2]
	if swapped == str(n):  # equal last digits swap to the same number: change one instead
		swapped = str(n)[:-1] + str((int(str(n)[-1]) + 1) % 10)
	return Case("", "", [S("s", v, f"SR{n}")], [P("p", v, f"SR{swapped}")], {"s": (SU, "p", PEN, False)})


def serial_differs_short(v: V) -> Case:
	"""Short numbers one digit apart are too far for the fuzzy pass: equal amounts and dates still
	pair them in the leftover pass, as a Mismatch on the number (review, never Accept)."""
	return Case("", "", [S("s", v, f"K{v.i + 1}")], [P("p", v, f"K{v.i + 2}")], {"s": (MM, "p", NOA, False)})


def date_within_window(v: V) -> Case:
	offset = (1, -2, 3, 6, 10, -10)[v.i % 6]
	return Case("", "", [S("s", v)], [P("p", v, bill_date=days(v, offset))], {"s": (SU, "p", ACC, True)})


def date_outside_window(v: V) -> Case:
	offset = (11, -12, 20, 25, -30)[v.i % 5]
	return Case("", "", [S("s", v)], [P("p", v, bill_date=days(v, offset))], {"s": (MM, "p", NOA, False)})


def taxable_value_mismatch(v: V) -> Case:
	delta = (5.0, -120.0, 1.01, 1000.0)[v.i % 4]
	purchase = P("p", v, taxable_value=round(v.taxable + delta, 2))
	return Case(
		"", "", [S("s", v)], [purchase], {"s": (MM, "p", REJ, False)}, reasons={"s": {"taxable_value"}}
	)


def tax_mismatch(v: V) -> Case:
	head = "cgst" if v.local else "igst"
	purchase = P("p", v, **{head: round(v.taxes()[head] + (5, -25, 1.01)[v.i % 3], 2)})
	return Case("", "", [S("s", v)], [purchase], {"s": (MM, "p", REJ, False)}, reasons={"s": {head}})


def place_of_supply_mismatch(v: V) -> Case:
	return Case(
		"",
		"",
		[S("s", v, place_of_supply="29")],
		[P("p", v)],
		{"s": (MM, "p", REJ, False)},
		reasons={"s": {"place_of_supply"}},
	)


def company_gstin_mismatch(v: V) -> Case:
	return Case(
		"",
		"",
		[S("s", v)],
		[P("p", v, company_gstin=C2)],
		{"s": (MM, "p", REJ, False)},
		reasons={"s": {"company_gstin"}},
	)


def formatting_and_amount_mismatch(v: V) -> Case:
	purchase = P("p", v, v.reformatted(), taxable_value=round(v.taxable + 250, 2))
	return Case("", "", [S("s", v)], [purchase], {"s": (MM, "p", REJ, False)})


def unrelated_number_equal_amounts(v: V) -> Case:
	return Case(
		"",
		"",
		[S("s", v, f"XQ{v.i}A")],
		[P("p", v, f"LOCAL{v.i}Z", bill_date=days(v, 2))],
		{"s": (MM, "p", NOA, False)},
	)


def missing_purchase(v: V) -> Case:
	return Case("", "", [S("s", v)], [], {"s": (MP, None, PEN, False)})


def other_supplier_same_number(v: V) -> Case:
	other = V(v.i + 1)
	return Case(
		"", "", [S("s", v)], [P("p", other, v.number())], {"s": (MP, None, PEN, False)}, missing_in_ims=["p"]
	)


def unfiled_exact(v: V) -> Case:
	return Case("", "", [S("s", v, supplier_filed=False)], [P("p", v)], {"s": (EX, "p", PEN, False)})


def unfiled_missing(v: V) -> Case:
	return Case("", "", [S("s", v, supplier_filed=False)], [], {"s": (MP, None, PEN, False)})


def unfiled_formatting(v: V) -> Case:
	return Case(
		"", "", [S("s", v, supplier_filed=False)], [P("p", v, v.reformatted())], {"s": (SU, "p", PEN, False)}
	)


def credit_note_exact(v: V) -> Case:
	number = f"CN-{v.serial}"
	return Case(
		"",
		"",
		[S("s", v, number, document_type="Credit Note", section="CN")],
		[P("p", v, number, document_type="Credit Note")],
		{"s": (EX, "p", ACC, False)},
	)


def credit_note_vs_ordinary_bill(v: V) -> Case:
	number = f"CN-{v.serial}"
	return Case(
		"",
		"",
		[S("s", v, number, document_type="Credit Note", section="CN")],
		[P("p", v, number)],
		{"s": (MP, None, PEN, False)},
		missing_in_ims=["p"],
	)


def credit_note_amount_mismatch(v: V) -> Case:
	number = f"CN-{v.serial}"
	return Case(
		"",
		"",
		[S("s", v, number, document_type="Credit Note", section="CN")],
		[P("p", v, number, document_type="Credit Note", taxable_value=round(v.taxable / 2, 2))],
		{"s": (MM, "p", REJ, False)},
	)


def credit_note_amendment(v: V) -> Case:
	return Case(
		"",
		"",
		[
			S(
				"s",
				v,
				f"CN-{v.serial}R",
				document_type="Credit Note",
				section="CNA",
				original_number=f"CN-{v.serial}",
				original_date=v.day,
			)
		],
		[P("p", v, f"CN-{v.serial}", document_type="Credit Note")],
		{"s": (SU, "p", ACC, True)},
	)


def debit_note_vs_debit_note_bill(v: V) -> Case:
	number = f"DN-{v.serial}"
	return Case(
		"",
		"",
		[S("s", v, number, document_type="Debit Note", section="DN")],
		[P("p", v, number, document_type="Debit Note")],
		{"s": (EX, "p", ACC, False)},
	)


def debit_note_vs_ordinary_bill(v: V) -> Case:
	number = f"DN-{v.serial}"
	return Case(
		"",
		"",
		[S("s", v, number, document_type="Debit Note", section="DN")],
		[P("p", v, number)],
		{"s": (MP, None, PEN, False)},
		missing_in_ims=["p"],
	)


def invoice_vs_debit_note_bill(v: V) -> Case:
	return Case(
		"",
		"",
		[S("s", v)],
		[P("p", v, document_type="Debit Note")],
		{"s": (MP, None, PEN, False)},
		missing_in_ims=["p"],
	)


def debit_note_and_invoice_same_number(v: V) -> Case:
	number = f"DN-{v.serial}"
	return Case(
		"",
		"",
		[S("s-dn", v, number, document_type="Debit Note", section="DN"), S("s-inv", v, number)],
		[P("p-inv", v, number), P("p-dn", v, number, document_type="Debit Note")],
		{"s-dn": (EX, "p-dn", ACC, False), "s-inv": (EX, "p-inv", ACC, False)},
	)


def bill_of_entry_exact(v: V) -> Case:
	return Case("", "", [boe_supply("s", v)], [boe_purchase("p", v)], {"s": (EX, "p", ACC, False)})


def bill_of_entry_sez(v: V) -> Case:
	"""IMPGSEZ: the SEZ unit's GSTIN is on the record; still matched by number, date and port."""
	return Case(
		"",
		"",
		[boe_supply("s", v, section="IMPGSEZ", supplier_gstin=v.supplier)],
		[boe_purchase("p", v, supplier_gstin=v.supplier)],
		{"s": (EX, "p", ACC, False)},
	)


def bill_of_entry_no_port_on_purchase(v: V) -> Case:
	return Case(
		"", "", [boe_supply("s", v)], [boe_purchase("p", v, port_code=None)], {"s": (EX, "p", ACC, False)}
	)


def bill_of_entry_other_port(v: V) -> Case:
	"""Same BoE number at another port is another Bill of Entry."""
	return Case(
		"",
		"",
		[boe_supply("s", v)],
		[boe_purchase("p", v, port_code="INCCU1")],
		{"s": (MP, None, PEN, False)},
		missing_in_ims=["p"],
	)


def bill_of_entry_amount_mismatch(v: V) -> Case:
	"""R4: never Reject a Bill of Entry: Pending instead."""
	return Case(
		"",
		"",
		[boe_supply("s", v)],
		[boe_purchase("p", v, igst=round(v.taxable * 0.18 + 50, 2))],
		{"s": (MM, "p", PEN, False)},
	)


def bill_of_entry_date_within_window(v: V) -> Case:
	return Case(
		"",
		"",
		[boe_supply("s", v)],
		[boe_purchase("p", v, bill_date=days(v, 3))],
		{"s": (SU, "p", ACC, True)},
	)


def bill_of_entry_amendment(v: V) -> Case:
	supply = boe_supply("s", v, section="IMPGA", original_number=boe_number(v), original_date=v.day)
	supply["document_number"] = str(int(boe_number(v)) + 900_000)
	return Case("", "", [supply], [boe_purchase("p", v)], {"s": (SU, "p", ACC, True)})


def bill_of_entry_missing(v: V) -> Case:
	return Case("", "", [boe_supply("s", v)], [], {"s": (MP, None, PEN, False)})


def bill_of_entry_vs_invoice(v: V) -> Case:
	"""An ordinary bill with the BoE's number is not the Bill of Entry."""
	purchase = P("p", v, boe_number(v), igst=round(v.taxable * 0.18, 2), cgst=0.0, sgst=0.0)
	return Case("", "", [boe_supply("s", v)], [purchase], {"s": (MP, None, PEN, False)}, missing_in_ims=["p"])


def amendment_by_original_number(v: V) -> Case:
	return Case(
		"",
		"",
		[S("s", v, f"{v.number()[:12]}R", section="B2BA", original_number=v.number(), original_date=v.day)],
		[P("p", v)],
		{"s": (SU, "p", ACC, True)},
	)


def amendment_with_new_amounts(v: V) -> Case:
	supply = S(
		"s",
		v,
		f"AM{v.serial}R",
		section="B2BA",
		original_number=f"AM{v.serial}",
		original_date=v.day,
		taxable_value=round(v.taxable * 1.5, 2),
		**v.taxes(round(v.taxable * 1.5, 2)),
	)
	return Case("", "", [supply], [P("p", v, f"AM{v.serial}")], {"s": (MM, "p", REJ, False)})


def amendment_keeping_number(v: V) -> Case:
	return Case(
		"",
		"",
		[S("s", v, section="B2BA", original_number=v.number(), original_date=v.day)],
		[P("p", v)],
		{"s": (EX, "p", ACC, False)},
	)


def _lines(v: V, *extra: dict) -> list[dict]:
	rate = {a: 0.0 for a in GST_ACCOUNTS}
	rate["Input IGST - X" if not v.local else "Input CGST - X"] = v.rate * 100
	return [
		{
			"parent": "p",
			"base_net_amount": v.taxable,
			"item_tax_rate": json.dumps(rate),
			"item_tax_template": f"GST {int(v.rate * 100)}%",
		},
		*extra,
	]


def nil_rated_line(v: V) -> Case:
	"""One taxable line and one nil-rated line of 10,000: the supplier reports the taxable one."""
	line = {
		"parent": "p",
		"base_net_amount": 10000.0,
		"item_tax_rate": "",
		"item_tax_template": None,
		"gst_treatment": "Nil-Rated",
	}
	return Case("", "", [S("s", v)], [P("p", v)], {"s": (EX, "p", ACC, False)}, lines=_lines(v, line))


def exempt_line_by_zero_rates(v: V) -> Case:
	zero = json.dumps({a: 0 for a in GST_ACCOUNTS})
	line = {"parent": "p", "base_net_amount": 2500.0 + v.i, "item_tax_rate": zero, "item_tax_template": None}
	return Case("", "", [S("s", v)], [P("p", v)], {"s": (EX, "p", ACC, False)}, lines=_lines(v, line))


def non_gst_line(v: V) -> Case:
	line = {
		"parent": "p",
		"base_net_amount": 750.0,
		"item_tax_rate": None,
		"item_tax_template": None,
		"gst_treatment": "Non-GST",
	}
	return Case("", "", [S("s", v)], [P("p", v)], {"s": (EX, "p", ACC, False)}, lines=_lines(v, line))


def exempt_line_by_template(v: V) -> Case:
	line = {"parent": "p", "base_net_amount": 999.0, "item_tax_rate": None, "item_tax_template": "GST Exempt"}
	return Case("", "", [S("s", v)], [P("p", v)], {"s": (EX, "p", ACC, False)}, lines=_lines(v, line))


def every_line_taxable_but_supplier_reports_less(v: V) -> Case:
	"""A second line that does bear GST is part of the taxable value: a real Mismatch."""
	line = _lines(v)[0] | {"base_net_amount": 500.0}
	return Case("", "", [S("s", v)], [P("p", v)], {"s": (MM, "p", REJ, False)}, lines=[*_lines(v), line])


def manual_match_kept(v: V) -> Case:
	return Case(
		"",
		"",
		[S("s", v, match_status=MA, purchase="p-mine")],
		[P("p", v), P("p-mine", v, "SOMETHING-ELSE")],
		{"s": (MA, "p-mine", ACC, False)},
		missing_in_ims=["p"],
	)


def booked_under_other_company_gstin(v: V) -> Case:
	return Case(
		"",
		"",
		[S("s", v)],
		[],
		{"s": (MP, None, PEN, False)},
		other_purchases=[P("p-c2", v, company_gstin=C2)],
		hints=["s"],
	)


def booked_without_company_gstin(v: V) -> Case:
	return Case(
		"",
		"",
		[S("s", v)],
		[],
		{"s": (MP, None, PEN, False)},
		other_purchases=[P("p-none", v, company_gstin=None)],
		hints=["s"],
	)


def booked_under_other_registration_elsewhere(v: V) -> Case:
	purchase = P("p-x", v, company_gstin=C2, supplier_gstin=v.other_registration)
	return Case(
		"", "", [S("s", v)], [], {"s": (MP, None, PEN, False)}, other_purchases=[purchase], hints=["s"]
	)


def same_pan_other_registration(v: V) -> Case:
	"""Booked under the supplier's other state registration: linked at PAN level, a Mismatch on
	the supplier GSTIN only: review."""
	return Case(
		"",
		"",
		[S("s", v)],
		[P("p", v, supplier_gstin=v.other_registration)],
		{"s": (MM, "p", NOA, False)},
		reasons={"s": {"supplier_gstin"}},
	)


def duplicate_supplies_one_bill(v: V) -> Case:
	return Case(
		"",
		"",
		[
			S("s1", v),
			S(
				"s2",
				v,
				section="B2BA",
				original_number=v.number(),
				original_date=v.day,
				document_date=days(v, 2),
			),
		],
		[P("p", v)],
		{"s1": (EX, "p", ACC, False), "s2": (MP, None, PEN, False)},
	)


def missing_in_ims(v: V) -> Case:
	other = V(v.i + 3)
	return Case(
		"",
		"",
		[S("s", v)],
		[P("p", v), P("p-extra", other, f"LOCAL-{v.i}")],
		{"s": (EX, "p", ACC, False)},
		missing_in_ims=["p-extra"],
	)


def crossed_numbers(v: V) -> Case:
	a, b = V(v.i), V(v.i + 5)
	return Case(
		"",
		"",
		[S("s1", a), S("s2", a, b.number(), taxable_value=b.taxable, **b.taxes())],
		[P("p2", a, b.number(), taxable_value=b.taxable, **b.taxes()), P("p1", a)],
		{"s1": (EX, "p1", ACC, False), "s2": (EX, "p2", ACC, False)},
	)


#: kind -> (builder, variants). Expected outcomes are in the builders, written from the rules.
KINDS: dict[str, tuple[Callable[[V], Case], int]] = {
	f.__name__: (f, n)
	for f, n in (
		(exact, 12),
		(exact_case_only, 6),
		(exact_ecom, 4),
		(rounding_within_tolerance, 10),
		(rounding_on_taxable_value, 5),
		(formatting_only, 10),
		(formatting_and_rounding, 5),
		(fy_suffix, 10),
		(serial_differs_long, 8),
		(serial_differs_issue_example, 2),
		(swapped_digits, 8),
		(serial_differs_short, 5),
		(date_within_window, 6),
		(date_outside_window, 5),
		(taxable_value_mismatch, 8),
		(tax_mismatch, 6),
		(place_of_supply_mismatch, 5),
		(company_gstin_mismatch, 5),
		(formatting_and_amount_mismatch, 5),
		(unrelated_number_equal_amounts, 5),
		(missing_purchase, 8),
		(other_supplier_same_number, 5),
		(unfiled_exact, 5),
		(unfiled_missing, 4),
		(unfiled_formatting, 4),
		(credit_note_exact, 8),
		(credit_note_vs_ordinary_bill, 5),
		(credit_note_amount_mismatch, 5),
		(credit_note_amendment, 5),
		(debit_note_vs_debit_note_bill, 6),
		(debit_note_vs_ordinary_bill, 6),
		(invoice_vs_debit_note_bill, 5),
		(debit_note_and_invoice_same_number, 5),
		(bill_of_entry_exact, 8),
		(bill_of_entry_sez, 4),
		(bill_of_entry_no_port_on_purchase, 4),
		(bill_of_entry_other_port, 5),
		(bill_of_entry_amount_mismatch, 5),
		(bill_of_entry_date_within_window, 5),
		(bill_of_entry_amendment, 4),
		(bill_of_entry_missing, 4),
		(bill_of_entry_vs_invoice, 4),
		(amendment_by_original_number, 5),
		(amendment_with_new_amounts, 5),
		(amendment_keeping_number, 4),
		(nil_rated_line, 8),
		(exempt_line_by_zero_rates, 5),
		(non_gst_line, 5),
		(exempt_line_by_template, 4),
		(every_line_taxable_but_supplier_reports_less, 4),
		(manual_match_kept, 4),
		(booked_under_other_company_gstin, 5),
		(booked_without_company_gstin, 4),
		(booked_under_other_registration_elsewhere, 4),
		(same_pan_other_registration, 5),
		(duplicate_supplies_one_bill, 4),
		(missing_in_ims, 4),
		(crossed_numbers, 4),
	)
}
#: Templates whose GST rates are all 0 (as the Frappe side reads them from Item Tax Template).
ZERO_TEMPLATES = frozenset({"GST Exempt"})


def corpus() -> list[Case]:
	cases = []
	for kind, (builder, variants) in KINDS.items():
		for i in range(variants):
			case = builder(V(i))
			case.kind, case.label = kind, f"{kind} #{i}"
			cases.append(case)
	return cases


PURCHASE_COLUMNS = tuple(P("x", V(0)))


def run_case(case: Case, **kwargs):
	"""The engine on one case, the purchase side as the Frappe layer builds it: a purchase with
	lines takes its taxable value from the lines that bear GST (core.matching.purchase_lines)."""
	import pandas as pd

	from ims_compliance.core.matching import reconcile
	from ims_compliance.core.matching.purchase_lines import gst_taxable_values

	purchases = pd.DataFrame(case.purchases, columns=list(PURCHASE_COLUMNS))
	if case.lines:
		taxable = gst_taxable_values(
			pd.DataFrame(case.lines), gst_accounts=GST_ACCOUNTS, zero_templates=ZERO_TEMPLATES
		)
		purchases["taxable_value"] = [
			taxable.get(n, t) for n, t in zip(purchases["name"], purchases["taxable_value"], strict=True)
		]
	other = (
		pd.DataFrame(case.other_purchases, columns=list(PURCHASE_COLUMNS)) if case.other_purchases else None
	)
	return reconcile(pd.DataFrame(case.supplies), purchases, other_purchases=other, **kwargs)
