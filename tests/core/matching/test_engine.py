"""The reconciliation engine: the labelled cases, the output contract, and invariants that must
hold on any input (hypothesis)."""

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.matching import (
	SUPPLY_STATUSES,
	MatchStatus,
	Tolerances,
	reasons_in_words,
	reconcile,
)

from .cases import A_KA, CASES, A, B, P, S

PURCHASE_COLUMNS = list(P("x", "x"))


def run(supplies, purchases, **kw):
	return reconcile(pd.DataFrame(supplies), pd.DataFrame(purchases, columns=PURCHASE_COLUMNS), **kw)


def test_there_are_at_least_forty_labelled_cases():
	assert len(CASES) >= 40
	assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("label, supplies, purchases, expected", CASES, ids=[c[0] for c in CASES])
def test_case(label, supplies, purchases, expected):
	result = run(supplies, purchases).supplies
	assert set(expected) == {s["name"] for s in supplies}, "every supply of a case is asserted"
	for name, (status, purchase, reason_fields) in expected.items():
		row = result.loc[name]
		assert row["match_status"] == status, (label, row.to_dict())
		assert row["purchase"] == purchase, (label, row.to_dict())
		assert sorted(r["field"] for r in row["reasons"]) == sorted(reason_fields), (label, row["reasons"])


def test_output_contract():
	result = run([S("b", "K-2"), S("a", "K-1")], [P("p", "K-1")])
	frame = result.supplies
	assert list(frame.index) == ["b", "a"]  # input order, keyed by supply name
	assert frame.index.name == "name"
	assert list(frame.columns) == [
		"match_status",
		"purchase",
		"score",
		"reasons",
		"recommended_action",
		"needs_review",
		"recommendation_reason",
	]
	assert frame.loc["b", "purchase"] is None  # None, not NaN: the Frappe side writes it as is
	assert frame.loc["a", "score"] == 100.0
	assert frame.loc["b", "score"] == 0.0
	assert MatchStatus.EXACT == "Exact Match" and str(MatchStatus.MISSING_IN_IMS) == "Missing in IMS"


def test_missing_in_ims_lists_unmatched_purchases_with_their_fields():
	result = run([S("s", "A-1")], [P("p1", "A-1"), P("p2", "LONELY-7", taxable_value=7, igst=1)])
	assert list(result.missing_in_ims["name"]) == ["p2"]
	assert result.missing_in_ims.iloc[0]["bill_no"] == "LONELY-7"
	assert result.stats == {"Exact Match": 1, "Missing in IMS": 1}


def test_a_manually_linked_purchase_is_not_missing_in_ims():
	result = run([S("s", "M-1", match_status="Manual Match", purchase="p")], [P("p", "OTHER-1")])
	assert result.missing_in_ims.empty


def test_manual_link_to_a_purchase_outside_the_window_is_kept():
	result = run([S("s", "M-1", match_status="Manual Match", purchase="gone")], [P("p", "M-1")]).supplies
	assert (result.loc["s", "match_status"], result.loc["s", "purchase"]) == ("Manual Match", "gone")


def test_tolerances_come_from_the_caller():
	supplies, purchases = [S("s", "T-1", igst=183, document_date="2025-10-20")], [P("p", "T-1")]
	assert run(supplies, purchases).supplies.loc["s", "match_status"] == MatchStatus.MISMATCH
	loose = run(supplies, purchases, tolerances=Tolerances(amount=5, days=15)).supplies
	assert loose.loc["s", "match_status"] == MatchStatus.SUGGESTED
	assert [r["field"] for r in loose.loc["s", "reasons"]] == ["document_date", "igst"]
	assert [bool(r.get("within_tolerance")) for r in loose.loc["s", "reasons"]] == [False, True]


@pytest.mark.parametrize(
	"kwargs, field", [({"amount": -1}, "amount"), ({"days": -2}, "days"), ({"days": 1.5}, "days")]
)
def test_bad_tolerances_are_refused(kwargs, field):
	with pytest.raises(IMSValidationError) as error:
		Tolerances(**kwargs)
	assert error.value.field == field


def test_reasons_carry_both_values_the_difference_and_words():
	row = run([S("s", "W-1", igst=185, document_date="2025-10-08")], [P("p", "W-1")]).supplies.loc["s"]
	date, igst = row["reasons"]
	assert (igst["field"], igst["ims"], igst["purchase"], igst["difference"]) == ("igst", 185.0, 180.0, 5.0)
	assert (date["field"], str(date["ims"]), str(date["purchase"]), date["difference"]) == (
		"document_date",
		"2025-10-08",
		"2025-10-05",
		"3 days",
	)
	words = reasons_in_words(row["reasons"])
	assert "IGST: 185.00 in IMS, 180.00 in the purchase (difference 5.0)" in words
	assert "Document date" in words and "3 days" in words
	assert igst["text"] in words
	assert reasons_in_words([]) == "All fields agree"


def test_recommendations_follow_p4_r10_and_the_settings_map():
	mapping = {"Exact Match": "Accepted", "Mismatch": "Rejected", "Missing in PI": "Pending"}
	result = run(
		[
			S("e", "E-1"),
			S("m", "E-2", igst=190),
			S("d", "E-3", document_date="2025-12-01"),
			S("x", "E-4"),
			S("u", "E-5", supplier_filed=False),
			S("b", "E-6", document_type="Bill of Entry", section="IMPG", igst=190),
		],
		[
			P("pe", "E-1"),
			P("pm", "E-2"),
			P("pd", "E-3"),
			P("pu", "E-5"),
			P("pb", "E-6", document_type="Bill of Entry"),
		],
		recommendation_map=mapping,
	).supplies
	got = {name: (row.recommended_action, row.needs_review) for name, row in result.iterrows()}
	assert got == {
		"e": ("Accepted", False),
		"m": ("Rejected", True),
		"d": ("No Action", True),  # only the date differs: review (P4)
		"x": ("Pending", False),
		"u": ("Pending", True),  # R10
		"b": ("Pending", True),  # R4: a Bill of Entry is never rejected
	}


def test_inputs_are_not_modified():
	supplies = pd.DataFrame([S("s", "INV 1", document_date="2025-10-05")])
	purchases = pd.DataFrame([P("p", "INV-1")])
	before = (supplies.copy(deep=True), purchases.copy(deep=True))
	run_result = reconcile(supplies, purchases)
	assert run_result.supplies.loc["s", "match_status"] == MatchStatus.SUGGESTED
	pd.testing.assert_frame_equal(supplies, before[0])
	pd.testing.assert_frame_equal(purchases, before[1])


@pytest.mark.parametrize("frame, column", [("supplies", "document_number"), ("purchases", "bill_no")])
def test_a_missing_column_is_named(frame, column):
	supplies, purchases = pd.DataFrame([S("s", "1")]), pd.DataFrame([P("p", "1")])
	frames = {"supplies": supplies, "purchases": purchases}
	frames[frame] = frames[frame].drop(columns=[column])
	with pytest.raises(IMSValidationError) as error:
		reconcile(frames["supplies"], frames["purchases"])
	assert (error.value.location, error.value.field) == (frame, column)


def test_duplicate_names_are_refused_with_the_row():
	with pytest.raises(IMSValidationError) as error:
		run([S("s", "1"), S("s", "2")], [])
	assert error.value.field == "name" and error.value.location == "supplies row 1"


def test_optional_supply_columns_may_be_left_out():
	minimal = pd.DataFrame([S("s", "O-1")]).drop(
		columns=[
			"original_number",
			"original_date",
			"place_of_supply",
			"supplier_filed",
			"match_status",
			"purchase",
		]
	)
	result = reconcile(minimal, pd.DataFrame([P("p", "O-1")])).supplies
	assert (result.loc["s", "match_status"], result.loc["s", "purchase"]) == ("Exact Match", "p")


def test_empty_inputs():
	result = run([], [])
	assert result.supplies.empty and result.missing_in_ims.empty
	result = run([], [P("p", "1")])
	assert list(result.missing_in_ims["name"]) == ["p"]


# --- invariants on any input -------------------------------------------------------------------

supply_rows = st.fixed_dictionaries(
	{
		"supplier_gstin": st.sampled_from([A, A_KA, B]),
		"document_type": st.sampled_from(["Invoice", "Credit Note", "Debit Note"]),
		"document_number": st.sampled_from(["INV-1", "inv/01", "1/25-26", "X-12345", "X-12354", "Q-7"]),
		"day": st.integers(1, 28),
		"taxable_value": st.sampled_from([1000.0, 1000.5, 1005.0, 2000.0]),
		"igst": st.sampled_from([180.0, 180.4, 185.0]),
		"supplier_filed": st.booleans(),
	}
)
purchase_rows = st.fixed_dictionaries(
	{
		"supplier_gstin": st.sampled_from([A, A_KA, B]),
		"document_type": st.sampled_from(["Invoice", "Credit Note", "Debit Note"]),
		"bill_no": st.sampled_from(["INV-1", "1", "X-12345", "X12354", "Q-8", ""]),
		"day": st.integers(1, 28),
		"taxable_value": st.sampled_from([1000.0, 1000.5, 1005.0, 2000.0]),
		"igst": st.sampled_from([180.0, 180.4, 185.0]),
	}
)


def _frames(supply_specs, purchase_specs):
	supplies = [
		S(f"s{i}", spec["document_number"], document_date=f"2025-10-{spec['day']:02d}", **_rest(spec))
		for i, spec in enumerate(supply_specs)
	]
	purchases = [
		P(f"p{i}", spec["bill_no"], bill_date=f"2025-10-{spec['day']:02d}", **_rest(spec))
		for i, spec in enumerate(purchase_specs)
	]
	return pd.DataFrame(supplies, columns=list(S("x", "x"))), pd.DataFrame(
		purchases, columns=PURCHASE_COLUMNS
	)


def _rest(spec):
	return {k: v for k, v in spec.items() if k not in ("document_number", "bill_no", "day")}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(supply_rows, max_size=8), st.lists(purchase_rows, max_size=8), st.randoms())
def test_invariants(supply_specs, purchase_specs, rng):
	supplies, purchases = _frames(supply_specs, purchase_specs)
	result = reconcile(supplies, purchases)
	out = result.supplies
	assert list(out.index) == list(supplies["name"])
	assert set(out["match_status"]) <= set(SUPPLY_STATUSES)
	linked = out["purchase"].dropna()
	assert linked.is_unique  # one purchase matches at most one supply
	assert set(linked) <= set(purchases["name"])
	assert set(result.missing_in_ims["name"]) == set(purchases["name"]) - set(linked)
	assert out["score"].between(0, 100).all()
	by_name = supplies.set_index("name")
	p_by_name = purchases.set_index("name")
	for name, row in out.iterrows():
		if row["match_status"] == MatchStatus.MISSING_IN_PI:
			assert row["purchase"] is None and row["reasons"] == []
			continue
		assert row["match_status"] == MatchStatus.EXACT or row["reasons"], "a non-exact match says why"
		if row["match_status"] == MatchStatus.EXACT:  # all fields equal (within the tolerances)
			s, p = by_name.loc[name], p_by_name.loc[row["purchase"]]
			assert s["supplier_gstin"] == p["supplier_gstin"]
			assert s["document_number"].upper() == p["bill_no"].upper()
			assert s["document_date"] == p["bill_date"]
			assert abs(s["igst"] - p["igst"]) <= 1 and abs(s["taxable_value"] - p["taxable_value"]) <= 1
			assert (s["document_type"] == "Credit Note") == (p["document_type"] == "Credit Note")
		if not by_name.loc[name, "supplier_filed"]:
			assert row["recommended_action"] == "Pending"  # R10

	# deterministic: the same links whatever the input order
	order_s = list(range(len(supplies)))
	order_p = list(range(len(purchases)))
	rng.shuffle(order_s)
	rng.shuffle(order_p)
	again = reconcile(supplies.iloc[order_s], purchases.iloc[order_p]).supplies.loc[out.index]
	assert again["purchase"].tolist() == out["purchase"].tolist()
	assert again["match_status"].tolist() == out["match_status"].tolist()


def test_matching_package_does_not_import_frappe():
	import subprocess
	import sys

	code = (
		"import sys, ims_compliance.core.matching, ims_compliance.core.matching.generate\n"
		"sys.exit(any(m == 'frappe' or m.startswith('frappe.') for m in sys.modules))"
	)
	assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
