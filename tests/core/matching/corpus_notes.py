"""Corpus cases (see corpus.py) for credit and debit notes: a credit note matches only a return
Purchase Invoice, a supplier's debit note only a purchase marked as a debit note."""

from __future__ import annotations

from .corpus_documents import (
	ACC,
	EX,
	MM,
	MP,
	PEN,
	REJ,
	SU,
	Case,
	KindTable,
	P,
	S,
	V,
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


#: kind builder -> variants; the order is the corpus's.
NOTE_KINDS: KindTable = (
	(credit_note_exact, 8),
	(credit_note_vs_ordinary_bill, 5),
	(credit_note_amount_mismatch, 5),
	(credit_note_amendment, 5),
	(debit_note_vs_debit_note_bill, 6),
	(debit_note_vs_ordinary_bill, 6),
	(invoice_vs_debit_note_bill, 5),
	(debit_note_and_invoice_same_number, 5),
)
