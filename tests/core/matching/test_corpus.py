"""The labelled corpus (issue 15): every case's status, link, recommended action and "after
review" flag as the rules say (see corpus.py for how the labels are written)."""

import pytest

from .corpus import KINDS, corpus, run_case

CASES = corpus()
_RESULTS: dict = {}


def result_of(case):
	"""Each case runs once per session: the gate below reuses the per-case runs."""
	if case.label not in _RESULTS:
		_RESULTS[case.label] = run_case(case)
	return _RESULTS[case.label]


def test_the_corpus_has_at_least_300_cases_and_covers_every_point_of_issue_15():
	assert len(CASES) >= 300
	assert len({c.label for c in CASES}) == len(CASES)
	kinds = set(KINDS)
	for needed in (
		"nil_rated_line",
		"bill_of_entry_exact",
		"debit_note_vs_ordinary_bill",
		"serial_differs_issue_example",
		"formatting_only",
		"rounding_within_tolerance",
		"booked_under_other_company_gstin",
		"same_pan_other_registration",
		"fy_suffix",
		"swapped_digits",
		"date_within_window",
		"amendment_by_original_number",
		"credit_note_exact",
		"missing_purchase",
		"missing_in_ims",
	):
		assert needed in kinds


@pytest.mark.parametrize("case", CASES, ids=[c.label for c in CASES])
def test_corpus_case(case):
	result = result_of(case)
	frame = result.supplies
	for name, (status, purchase, action, after_review) in case.expected.items():
		row = frame.loc[name]
		got = (row["match_status"], row["purchase"], row["recommended_action"])
		assert got == (status, purchase, action), (case.label, row.to_dict())
		is_after_review = row["recommended_action"] == "Accepted" and bool(row["needs_review"])
		assert is_after_review == after_review, (case.label, row.to_dict())
		assert row["recommendation_reason"], case.label
	for name, fields in case.reasons.items():
		named = {r["field"] for r in frame.loc[name, "reasons"]}
		assert fields <= named, (case.label, frame.loc[name, "reasons"])
	for name in case.hints:
		assert any(r.get("hint") for r in frame.loc[name, "reasons"]), (
			case.label,
			frame.loc[name, "reasons"],
		)
	assert set(case.missing_in_ims) <= set(result.missing_in_ims["name"]), case.label


def test_no_case_recommends_accepting_a_document_other_than_the_labelled_one():
	"""P4: the figure benchmarks/reconcile.py prints as wrong_recommended_accepts, here as a gate."""
	wrong = []
	for case in CASES:
		frame = result_of(case).supplies
		for name, (_, purchase, action, _after) in case.expected.items():
			row = frame.loc[name]
			if row["recommended_action"] == "Accepted" and (
				action != "Accepted" or row["purchase"] != purchase
			):
				wrong.append(case.label)
	assert wrong == []
