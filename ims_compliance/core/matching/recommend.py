"""Recommended action from a match (P4), with the rules that override it: R10 (the supplier has
not filed, so the record may still change: keep it Pending) and R4 (a Bill of Entry can never be
Rejected). The Frappe layer passes its IMS Settings mapping; the defaults below are the issue's.

P4 never recommends accepting a document that may be another one:
- Exact and Manual matches: Accept.
- Suggested match whose numbers differ only in formatting (FY suffix, separators, leading zeros,
  case, a prefix), or an amendment whose original number is the bill's: Accept *after review*
  (`needs_review` set, reason `AFTER_REVIEW`; "Apply Recommended" leaves these alone unless the
  user opts in).
- Suggested match whose serial digits (or series letters) differ: Pending, with the reason.
- Mismatch on amounts, place of supply or company GSTIN: Reject. Mismatch only on number, date
  or supplier registration: review (No Action), never an automatic Accept.
- Not in purchases (Missing in PI): Pending.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import NamedTuple

from ims_compliance.core.actions import Action
from ims_compliance.core.matching.numbers import FORMAT, OTHER, SAME, SERIAL
from ims_compliance.core.matching.status import MatchStatus
from ims_compliance.core.sections import BILL_OF_ENTRY, INVOICE

NOT_FILED = "Not Filed"  # mapping key for R10, beside the match statuses
DEFAULT_RECOMMENDATIONS: dict[str, str] = {
	MatchStatus.EXACT.value: Action.ACCEPTED.value,
	MatchStatus.MANUAL.value: Action.ACCEPTED.value,
	MatchStatus.SUGGESTED.value: Action.ACCEPTED.value,  # only formatting differences, after review
	MatchStatus.MISMATCH.value: Action.REJECTED.value,
	MatchStatus.MISSING_IN_PI.value: Action.PENDING.value,
	NOT_FILED: Action.PENDING.value,
}
# P4: a mismatch in these fields means the supplier's record is wrong for our ITC (amounts, or a
# place of supply / company GSTIN that changes who may claim it): reject. A mismatch only in the
# number, the date or the supplier's registration is more often our own typo: review instead.
REJECT_FIELDS: frozenset[str] = frozenset(
	{"taxable_value", "igst", "cgst", "sgst", "cess", "place_of_supply", "company_gstin"}
)

# Why a recommendation is what it is: stored on the record and shown on the page.
EXACT = "Exact match"
MANUAL = "Linked by a user"
AFTER_REVIEW = "Accept after review: the numbers differ only in formatting"
AFTER_REVIEW_DATE = "Accept after review: same number, date within the window"
AFTER_REVIEW_AMENDMENT = "Accept after review: an amendment of the booked document"
SERIAL_DIFFERS = "Pending: the serial digits differ, it may be another document"
SERIES_DIFFERS = "Pending: the numbers differ, it may be another document"
MISMATCH_REJECT = "Reject: amounts, place of supply or company GSTIN differ"
MISMATCH_REVIEW = "Review: only the number, date or supplier registration differ"
MISSING = "Pending: not in purchases"
UNFILED = "Pending: the supplier has not filed it yet (R10)"
BOE_NO_REJECT = "Pending: a Bill of Entry cannot be rejected (R4)"
FROM_SETTINGS = "As set in IMS Settings"


class Recommendation(NamedTuple):
	action: str  # an Action value
	needs_review: bool
	reason: str = ""

	@property
	def after_review(self) -> bool:
		"""Accept only once a person has looked: bulk "Apply Recommended" skips these by default."""
		return self.action == Action.ACCEPTED.value and self.needs_review


def recommend(
	status: str,
	*,
	reason_fields: Collection[str] = (),
	supplier_filed: bool = True,
	document_type: str = INVOICE,
	mapping: Mapping[str, str] | None = None,
	number_relation: str = SAME,
	via_original: bool = False,
) -> Recommendation:
	"""The action a match suggests (P4), whether a person should look before applying it, and why.
	`reason_fields` are the fields that differ beyond tolerance; `number_relation` is how the
	supply's number relates to the bill's (`numbers.number_relation`); `via_original` is set when
	an amendment matched by its original number."""
	table = {**DEFAULT_RECOMMENDATIONS, **(mapping or {})}
	status = str(status)
	if not supplier_filed:  # R10
		action, review, why = table.get(NOT_FILED, Action.PENDING.value), True, UNFILED
	elif status == MatchStatus.MISMATCH:
		if REJECT_FIELDS.intersection(reason_fields):
			action, review, why = table[status], True, MISMATCH_REJECT
		else:  # number / date / registration only: a person decides, never an automatic Accept
			action, review, why = Action.NO_ACTION.value, True, MISMATCH_REVIEW
	elif status == MatchStatus.SUGGESTED:
		if via_original or number_relation in (SAME, FORMAT):
			action, review = table[status], True
			why = (
				AFTER_REVIEW_AMENDMENT
				if via_original
				else AFTER_REVIEW_DATE
				if number_relation == SAME
				else AFTER_REVIEW
			)
		else:  # SERIAL or OTHER: maybe another document, whatever the mapping says
			action, review = Action.PENDING.value, True
			why = SERIAL_DIFFERS if number_relation == SERIAL else SERIES_DIFFERS
	elif status == MatchStatus.MISSING_IN_PI:
		action, review, why = table.get(status, Action.PENDING.value), False, MISSING
	elif status in (MatchStatus.EXACT, MatchStatus.MANUAL):
		action, review = table.get(status, Action.NO_ACTION.value), False
		why = EXACT if status == MatchStatus.EXACT else MANUAL
	else:
		action, review, why = table.get(status, Action.NO_ACTION.value), False, ""
	if (
		why
		and action != DEFAULT_RECOMMENDATIONS.get(status, action)
		and why
		not in (
			UNFILED,
			MISMATCH_REVIEW,
			SERIAL_DIFFERS,
			SERIES_DIFFERS,
		)
	):
		why = FROM_SETTINGS
	if document_type == BILL_OF_ENTRY and action == Action.REJECTED.value:  # R4
		action, review, why = Action.PENDING.value, True, BOE_NO_REJECT
	return Recommendation(action, review, why)


__all__ = ["FORMAT", "OTHER", "SAME", "SERIAL", "Recommendation", "recommend"]
