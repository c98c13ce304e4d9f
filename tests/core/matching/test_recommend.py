"""Recommended actions (P4) and the rules that override them (R10, R4)."""

import pytest

from ims_compliance.core.matching import DEFAULT_RECOMMENDATIONS, MatchStatus, recommend
from ims_compliance.core.matching.recommend import NOT_FILED


@pytest.mark.parametrize(
	"status, fields, expected",
	[
		(MatchStatus.EXACT, (), ("Accepted", False)),
		(MatchStatus.MANUAL, ("document_number",), ("Accepted", False)),  # the user linked it
		(MatchStatus.SUGGESTED, ("document_number",), ("Accepted", True)),  # accept after review
		(MatchStatus.MISMATCH, ("igst",), ("Rejected", True)),
		(MatchStatus.MISMATCH, ("taxable_value", "document_date"), ("Rejected", True)),
		(MatchStatus.MISMATCH, ("place_of_supply",), ("Rejected", True)),
		(MatchStatus.MISMATCH, ("company_gstin",), ("Rejected", True)),
		(MatchStatus.MISMATCH, ("document_date",), ("No Action", True)),  # review, not reject
		(MatchStatus.MISMATCH, ("document_number",), ("No Action", True)),
		(MatchStatus.MISMATCH, ("supplier_gstin",), ("No Action", True)),
		(MatchStatus.MISSING_IN_PI, (), ("Pending", False)),
	],
)
def test_p4_defaults(status, fields, expected):
	assert recommend(status, reason_fields=fields) == expected


def test_r10_unfiled_supplier_is_pending_whatever_the_match():
	for status in (MatchStatus.EXACT, MatchStatus.SUGGESTED, MatchStatus.MISMATCH, MatchStatus.MISSING_IN_PI):
		assert recommend(status, reason_fields=("igst",), supplier_filed=False) == ("Pending", True)


def test_r4_bill_of_entry_is_never_recommended_for_rejection():
	result = recommend(MatchStatus.MISMATCH, reason_fields=("igst",), document_type="Bill of Entry")
	assert result == ("Pending", True)
	assert recommend(MatchStatus.EXACT, document_type="Bill of Entry") == ("Accepted", False)
	assert (
		recommend(MatchStatus.MISMATCH, reason_fields=("igst",), document_type="Invoice").action == "Rejected"
	)


def test_mapping_from_settings_overrides_the_defaults_and_plain_strings_work():
	mapping = {"Exact Match": "Pending", "Mismatch": "Pending", NOT_FILED: "No Action"}
	assert recommend("Exact Match", mapping=mapping) == ("Pending", False)
	assert recommend("Mismatch", reason_fields=["cess"], mapping=mapping) == ("Pending", True)
	assert recommend("Exact Match", supplier_filed=False, mapping=mapping) == ("No Action", True)
	assert recommend("Suggested Match", mapping=mapping) == ("Accepted", True)  # default fills the gap


def test_defaults_cover_every_supply_status_and_use_action_words():
	assert set(DEFAULT_RECOMMENDATIONS) == {
		"Exact Match",
		"Suggested Match",
		"Mismatch",
		"Manual Match",
		"Missing in PI",
		NOT_FILED,
	}
	assert set(DEFAULT_RECOMMENDATIONS.values()) <= {"Accepted", "Rejected", "Pending", "No Action"}
