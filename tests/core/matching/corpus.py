"""The labelled reconciliation corpus (issue 15): at least 300 cases, each with the expected match
status, linked purchase, recommended action and whether the Accept is "after review".

How it is made: `KINDS` gathers the hand-written tables of the case families (corpus_invoices,
corpus_notes, corpus_bills_of_entry, corpus_books, their documents made by corpus_documents). Each
kind is one situation accountants meet (exact, rounding, FY suffix, typo, date offset, amendment,
credit/debit note, Bill of Entry, nil-rated lines, missing on either side, ...), with a builder
that makes the documents and the expected outcome written from the rules (P4, R4, R10, the
tolerances: Rs 1 per amount, 10 days), never computed by the engine. `corpus()` builds each kind in several deterministic variants
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

from collections.abc import Callable

from .corpus_bills_of_entry import BILL_OF_ENTRY_KINDS
from .corpus_books import BOOKING_KINDS, GST_ACCOUNTS, ZERO_TEMPLATES
from .corpus_documents import Case, KindTable, P, V
from .corpus_invoices import AMENDMENT_KINDS, INVOICE_KINDS
from .corpus_notes import NOTE_KINDS

__all__ = ["KINDS", "Case", "corpus", "run_case"]


def _kinds(*families: KindTable) -> dict[str, tuple[Callable[[V], Case], int]]:
	kinds: dict[str, tuple[Callable[[V], Case], int]] = {}
	for builder, variants in (row for family in families for row in family):
		if builder.__name__ in kinds:
			raise ValueError(f"two corpus families name the kind {builder.__name__}")
		kinds[builder.__name__] = (builder, variants)
	return kinds


#: kind -> (builder, variants), every family's. Expected outcomes are in the builders (the
#: corpus_* modules), written from the rules.
KINDS = _kinds(INVOICE_KINDS, NOTE_KINDS, BILL_OF_ENTRY_KINDS, AMENDMENT_KINDS, BOOKING_KINDS)


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
