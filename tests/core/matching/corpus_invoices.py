"""Corpus cases (see corpus.py) for ordinary invoices: exact numbers, rounding within tolerance,
numbers written another way, serials that differ, dates, amount and place mismatches, missing
purchases, unfiled records (R10), and amendments found by their original number."""

from __future__ import annotations

from .corpus_documents import (
	ACC,
	C2,
	EX,
	MM,
	MP,
	NOA,
	PEN,
	REJ,
	SU,
	Case,
	KindTable,
	P,
	S,
	V,
	days,
)


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


#: kind builder -> variants; the order is the corpus's.
INVOICE_KINDS: KindTable = (
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
)
#: The amendments' kinds apart: the corpus lists them after the Bills of Entry.
AMENDMENT_KINDS: KindTable = (
	(amendment_by_original_number, 5),
	(amendment_with_new_amounts, 5),
	(amendment_keeping_number, 4),
)
