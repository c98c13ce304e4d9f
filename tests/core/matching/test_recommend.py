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
	assert recommend(status, reason_fields=fields)[:2] == expected


def test_r10_unfiled_supplier_is_pending_whatever_the_match():
	for status in (MatchStatus.EXACT, MatchStatus.SUGGESTED, MatchStatus.MISMATCH, MatchStatus.MISSING_IN_PI):
		assert recommend(status, reason_fields=("igst",), supplier_filed=False)[:2] == ("Pending", True)


def test_r4_bill_of_entry_is_never_recommended_for_rejection():
	result = recommend(MatchStatus.MISMATCH, reason_fields=("igst",), document_type="Bill of Entry")
	assert result[:2] == ("Pending", True)
	assert recommend(MatchStatus.EXACT, document_type="Bill of Entry")[:2] == ("Accepted", False)
	assert (
		recommend(MatchStatus.MISMATCH, reason_fields=("igst",), document_type="Invoice").action == "Rejected"
	)


def test_mapping_from_settings_overrides_the_defaults_and_plain_strings_work():
	mapping = {"Exact Match": "Pending", "Mismatch": "Pending", NOT_FILED: "No Action"}
	assert recommend("Exact Match", mapping=mapping)[:2] == ("Pending", False)
	assert recommend("Mismatch", reason_fields=["cess"], mapping=mapping)[:2] == ("Pending", True)
	assert recommend("Exact Match", supplier_filed=False, mapping=mapping)[:2] == ("No Action", True)
	assert recommend("Suggested Match", mapping=mapping)[:2] == ("Accepted", True)  # default fills the gap


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


@pytest.mark.parametrize(
	"relation, via_original, expected",
	[
		("same", False, ("Accepted", True)),  # same number, date within the window: after review
		("format", False, ("Accepted", True)),  # FY suffix, separators, zeros, case, prefix
		("serial", False, ("Pending", True)),  # BILL-23-00040 vs BILL-23-00045: another invoice
		("other", False, ("Pending", True)),
		("other", True, ("Accepted", True)),  # an amendment matched by its original number
	],
)
def test_p4_suggested_match_accepts_only_formatting_differences(relation, via_original, expected):
	result = recommend(
		MatchStatus.SUGGESTED,
		reason_fields=("document_number",),
		number_relation=relation,
		via_original=via_original,
	)
	assert result[:2] == expected
	assert result.after_review == (expected[0] == "Accepted")
	assert result.reason


def test_p4_serial_difference_is_pending_whatever_the_settings_say():
	mapping = {"Suggested Match": "Accepted"}
	assert recommend(MatchStatus.SUGGESTED, number_relation="serial", mapping=mapping).action == "Pending"


def test_exact_and_manual_are_accepted_without_review_and_say_why():
	for status in (MatchStatus.EXACT, MatchStatus.MANUAL):
		result = recommend(status)
		assert (result.action, result.after_review) == ("Accepted", False)
		assert result.reason
