import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ims_compliance.core.matching import (
	MatchStatus,
	Tolerances,
	normalise_number,
	reasons_in_words,
	recommend,
	reconcile,
)

from .cases import CASES, P, S

PURCHASE_COLUMNS = list(P("x", "x"))


def run(supplies, purchases, **kw):
	return reconcile(pd.DataFrame(supplies), pd.DataFrame(purchases, columns=PURCHASE_COLUMNS), **kw)


def test_there_are_at_least_forty_labelled_cases():
	assert len(CASES) >= 40
	assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("label, supplies, purchases, expected", CASES, ids=[c[0] for c in CASES])
def test_case(label, supplies, purchases, expected):
	result = run(supplies, purchases).supplies
	for name, (status, purchase, reason_fields) in expected.items():
		row = result.loc[name]
		assert row["match_status"] == status, (label, row.to_dict())
		assert (row["purchase"] or None) == purchase, (label, row.to_dict())
		assert sorted(r["field"] for r in row["reasons"]) == sorted(reason_fields), (label, row["reasons"])


def test_missing_in_ims_lists_unmatched_purchases():
	result = run([S("s", "A-1")], [P("p1", "A-1"), P("p2", "LONELY-7", taxable_value=7, igst=1)])
	assert list(result.missing_in_ims["name"]) == ["p2"]
	assert result.stats[MatchStatus.MISSING_IN_IMS] == 1


def test_tolerances_come_from_the_caller():
	supplies, purchases = [S("s", "T-1", igst=183)], [P("p", "T-1")]
	assert run(supplies, purchases).supplies.loc["s", "match_status"] == MatchStatus.MISMATCH
	loose = run(supplies, purchases, tolerances=Tolerances(amount=5)).supplies
	assert loose.loc["s", "match_status"] == MatchStatus.EXACT


def test_reasons_carry_both_values_and_words():
	row = run([S("s", "W-1", igst=185)], [P("p", "W-1")]).supplies.loc["s"]
	(reason,) = row["reasons"]
	assert (reason["ims"], reason["purchase"], reason["difference"]) == (185.0, 180.0, 5.0)
	assert "IGST" in reasons_in_words(row["reasons"])


def test_recommendations_p4_and_r10():
	mapping = {
		"Exact Match": "Accepted",
		"Mismatch": "Rejected",
		"Missing in PI": "Pending",
		"Not Filed": "Pending",
	}
	result = run(
		[
			S("e", "E-1"),
			S("m", "E-2", igst=190),
			S("d", "E-3", document_date="2025-12-01"),
			S("x", "E-4"),
			S("u", "E-5", supplier_filed=False),
		],
		[P("pe", "E-1"), P("pm", "E-2"), P("pd", "E-3"), P("pu", "E-5")],
		recommendation_map=mapping,
	).supplies
	assert (result.loc["e", "recommended_action"], result.loc["e", "needs_review"]) == ("Accepted", False)
	assert (result.loc["m", "recommended_action"], result.loc["m", "needs_review"]) == ("Rejected", True)
	assert (result.loc["d", "recommended_action"], result.loc["d", "needs_review"]) == ("No Action", True)
	assert result.loc["x", "recommended_action"] == "Pending"
	assert (result.loc["u", "recommended_action"], result.loc["u", "needs_review"]) == ("Pending", True)
	assert recommend("Suggested Match", mapping=mapping) == ("Accepted", True)  # defaults fill gaps


def test_deterministic_and_one_to_one_on_noisy_data():
	supplies = [S(f"s{i}", f"N-{i % 7}", igst=180 + (i % 3)) for i in range(30)]
	purchases = [P(f"p{i}", f"N-{i % 5}") for i in range(20)]
	first = run(supplies, purchases).supplies
	second = run(list(reversed(supplies)), list(reversed(purchases))).supplies.loc[first.index]
	assert first["purchase"].tolist() == second["purchase"].tolist()
	linked = first["purchase"].dropna()
	assert linked.is_unique


numbers = st.text(alphabet="ABCXYZ0123456789/- ", min_size=1, max_size=16)


@given(numbers)
def test_normalising_is_idempotent(number):
	once = normalise_number(number)
	assert normalise_number(once) == once


@given(numbers)
def test_normalising_ignores_case_and_separators(number):
	assert normalise_number(number.lower()) == normalise_number(number.upper())
	assert normalise_number(number.replace("/", "-")) == normalise_number(number.replace("-", "/"))


@given(st.integers(min_value=1, max_value=99999), st.integers(min_value=0, max_value=4))
def test_leading_zeros_and_fy_tokens_do_not_matter(n, zeros):
	assume(not (17 <= n // 100 <= 40 and n % 100 == n // 100 + 1))  # "2728" is itself a year pair
	assume(n not in (24, 2024))  # "2024/25-26" reads as the year pair "2024/25" and 26
	plain = normalise_number(str(n))
	assert normalise_number("0" * zeros + str(n)) == plain
	assert normalise_number(f"INV/2025-26/{'0' * zeros}{n}") == plain
	assert normalise_number(f"{n}/25-26") == plain
