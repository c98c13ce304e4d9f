"""Corpus cases (see corpus.py) for how the buyer booked the purchase: lines that bear no GST
(nil-rated, exempt, non-GST), a manual link, a purchase under another company GSTIN or supplier
registration, duplicates, purchases no supply takes and crossed numbers."""

from __future__ import annotations

import json

from .corpus_documents import (
	ACC,
	C2,
	EX,
	MA,
	MM,
	MP,
	NOA,
	PEN,
	REJ,
	Case,
	KindTable,
	P,
	S,
	V,
	days,
)

#: The GST accounts of the test company, and the templates whose GST rates are all 0 (as the
#: Frappe side reads them from Item Tax Template).
GST_ACCOUNTS = ("Input IGST - X", "Input CGST - X", "Input SGST - X", "Input Cess - X")
ZERO_TEMPLATES = frozenset({"GST Exempt"})


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


#: kind builder -> variants; the order is the corpus's.
BOOKING_KINDS: KindTable = (
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
