"""Recommended action from a match (P4), with the rules that override it: R10 (the supplier has
not filed, so the record may still change: keep it Pending) and R4 (a Bill of Entry can never be
Rejected). The Frappe layer passes its IMS Settings mapping; the defaults below are the issue's."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import NamedTuple

from ims_compliance.core.actions import Action
from ims_compliance.core.matching.status import MatchStatus
from ims_compliance.core.sections import BILL_OF_ENTRY, INVOICE

NOT_FILED = "Not Filed"  # mapping key for R10, beside the match statuses
DEFAULT_RECOMMENDATIONS: dict[str, str] = {
	MatchStatus.EXACT.value: Action.ACCEPTED.value,
	MatchStatus.MANUAL.value: Action.ACCEPTED.value,
	MatchStatus.SUGGESTED.value: Action.ACCEPTED.value,  # after review: needs_review is set
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


class Recommendation(NamedTuple):
	action: str  # an Action value
	needs_review: bool


def recommend(
	status: str,
	*,
	reason_fields: Collection[str] = (),
	supplier_filed: bool = True,
	document_type: str = INVOICE,
	mapping: Mapping[str, str] | None = None,
) -> Recommendation:
	"""The action a match suggests (P4) and whether a person should look before applying it."""
	table = {**DEFAULT_RECOMMENDATIONS, **(mapping or {})}
	if not supplier_filed:  # R10
		action, review = table.get(NOT_FILED, Action.PENDING.value), True
	elif status == MatchStatus.MISMATCH and not REJECT_FIELDS.intersection(reason_fields):
		action, review = Action.NO_ACTION.value, True
	else:
		action = table.get(str(status), Action.NO_ACTION.value)
		review = status in (MatchStatus.SUGGESTED, MatchStatus.MISMATCH)
	if document_type == BILL_OF_ENTRY and action == Action.REJECTED.value:  # R4
		action, review = Action.PENDING.value, True
	return Recommendation(action, review)
