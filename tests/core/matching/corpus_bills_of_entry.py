"""Corpus cases (see corpus.py) for Bills of Entry (IMPG*): matched by number, date and port,
never recommended for Reject (R4)."""

from __future__ import annotations

from .corpus_documents import (
	ACC,
	EX,
	MM,
	MP,
	PEN,
	SU,
	Case,
	KindTable,
	P,
	V,
	boe_number,
	boe_purchase,
	boe_supply,
	days,
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


#: kind builder -> variants; the order is the corpus's.
BILL_OF_ENTRY_KINDS: KindTable = (
	(bill_of_entry_exact, 8),
	(bill_of_entry_sez, 4),
	(bill_of_entry_no_port_on_purchase, 4),
	(bill_of_entry_other_port, 5),
	(bill_of_entry_amount_mismatch, 5),
	(bill_of_entry_date_within_window, 5),
	(bill_of_entry_amendment, 4),
	(bill_of_entry_missing, 4),
	(bill_of_entry_vs_invoice, 4),
)
