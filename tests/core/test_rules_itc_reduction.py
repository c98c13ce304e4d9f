"""The ITC-reduction declaration on accepting a record that reduces ITC (R7, Advisory 624), and the
direction of amendments it depends on."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ims_compliance.core.actions import Action
from ims_compliance.core.rules import (
	RuleContext,
	check_action,
	direction_of,
	is_partial_reversal,
	reduces_itc,
)

from .rule_states import R7_CTX, ask, credit_note, rule_of, state

# --- R7 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
	"kw,reduces",
	[
		(dict(section="CN"), True),
		(dict(section="CNA", amendment_direction="upward"), True),
		(dict(section="CNA", amendment_direction="downward"), False),
		(dict(section="B2BA", amendment_direction="downward"), True),
		(dict(section="DNA", amendment_direction="downward"), True),
		(dict(section="ECOMA", amendment_direction="downward"), True),
		(dict(section="B2BA", amendment_direction="upward"), False),
		(dict(section="B2B"), False),
		(dict(section="DN"), False),
		(dict(section="IMPG"), False),
	],
)
def test_R7_which_records_reduce_itc(kw, reduces):
	assert reduces_itc(state(**kw)) is reduces


def test_R7_accepting_a_credit_note_needs_the_itc_reduction_answer():
	refusal = check_action(credit_note(), ask(Action.ACCEPTED), R7_CTX)
	assert rule_of(refusal) == "R7"
	assert "Y or N" in refusal.message
	assert (
		rule_of(check_action(credit_note(), ask(Action.ACCEPTED, itc_reduction_required="maybe"), R7_CTX))
		== "R7"
	)


def test_R7_full_reversal_needs_no_remarks():
	assert check_action(credit_note(), ask(Action.ACCEPTED, itc_reduction_required="Y"), R7_CTX) is None
	full = ask(Action.ACCEPTED, itc_reduction_required="y", declared_cgst=90, declared_sgst=90)
	assert check_action(credit_note(), full, R7_CTX) is None
	assert not is_partial_reversal(credit_note(), full)


def test_R7_nil_reversal_needs_remarks():
	assert (
		rule_of(check_action(credit_note(), ask(Action.ACCEPTED, itc_reduction_required="N"), R7_CTX)) == "R7"
	)
	blank = ask(Action.ACCEPTED, itc_reduction_required="N", remarks="   ")
	assert rule_of(check_action(credit_note(), blank, R7_CTX)) == "R7"
	ok = ask(Action.ACCEPTED, itc_reduction_required="N", remarks="ITC never availed")
	assert check_action(credit_note(), ok, R7_CTX) is None


def test_R7_nil_reversal_with_declared_amounts_is_contradictory():
	request = ask(
		Action.ACCEPTED, itc_reduction_required="N", declared_cgst=10, declared_sgst=10, remarks="x"
	)
	assert rule_of(check_action(credit_note(), request, R7_CTX)) == "R7"


def test_R7_partial_reversal_needs_remarks():
	partial = ask(Action.ACCEPTED, itc_reduction_required="Y", declared_cgst=40, declared_sgst=40)
	assert is_partial_reversal(credit_note(), partial)
	refusal = check_action(credit_note(), partial, R7_CTX)
	assert rule_of(refusal) == "R7" and "remarks" in refusal.message
	with_remarks = ask(
		Action.ACCEPTED,
		itc_reduction_required="Y",
		declared_cgst=40,
		declared_sgst=40,
		remarks="half availed",
	)
	assert check_action(credit_note(), with_remarks, R7_CTX) is None


@pytest.mark.parametrize(
	"declared",
	[
		dict(declared_cgst=90.01, declared_sgst=90.01),  # above the document's tax
		dict(declared_cgst=-1, declared_sgst=-1),  # negative
		dict(declared_igst=1, declared_cgst=0, declared_sgst=0),  # the note carries no IGST
		dict(declared_cgst=50, declared_sgst=40),  # CGST must equal SGST
		dict(declared_cgst=50),  # SGST left empty counts as 0
	],
)
def test_R7_declared_amounts_must_fit_the_document(declared):
	request = ask(Action.ACCEPTED, itc_reduction_required="Y", remarks="partial", **declared)
	assert rule_of(check_action(credit_note(), request, R7_CTX)) == "R7"


def test_R7_declared_amount_equal_to_the_tax_within_a_paisa_is_allowed():
	request = ask(Action.ACCEPTED, itc_reduction_required="Y", declared_cgst=90.004, declared_sgst=90.004)
	assert check_action(credit_note(), request, R7_CTX) is None


@given(
	cgst=st.decimals(min_value=0, max_value=100_000, places=2),
	frac=st.floats(min_value=0, max_value=1),
	remarks=st.sampled_from([None, "", "partly availed"]),
)
def test_R7_partial_reversal_property(cgst, frac, remarks):
	tax = float(cgst)
	record = credit_note(cgst=tax, sgst=tax)
	declared = round(tax * frac, 2)
	request = ask(
		Action.ACCEPTED,
		itc_reduction_required="Y",
		declared_cgst=declared,
		declared_sgst=declared,
		remarks=remarks,
	)
	partial = declared < tax - 0.005
	refusal = check_action(record, request, R7_CTX)
	assert is_partial_reversal(record, request) is partial
	assert (refusal is None) == (not partial or bool(remarks))


def test_R7_not_asked_on_reject_pending_or_for_ordinary_invoices():
	assert check_action(credit_note(), ask(Action.REJECTED, remarks="wrong rate"), R7_CTX) is None
	assert check_action(credit_note(), ask(Action.PENDING, remarks="awaiting PI"), R7_CTX) is None
	assert check_action(state(), ask(Action.ACCEPTED), R7_CTX) is None


def test_R7_fields_refused_where_they_do_not_apply():
	assert rule_of(check_action(state(), ask(Action.ACCEPTED, itc_reduction_required="Y"), R7_CTX)) == "R7"
	assert (
		rule_of(check_action(credit_note(), ask(Action.REJECTED, itc_reduction_required="N"), R7_CTX)) == "R7"
	)


def test_R7_not_asked_when_gstn_blocks_the_question_or_before_oct_2025():
	assert check_action(credit_note(itc_reduction_blocked=True), ask(Action.ACCEPTED), R7_CTX) is None
	old = credit_note(supplier_period="092025")
	assert check_action(old, ask(Action.ACCEPTED), RuleContext(today=dt.date(2025, 10, 12))) is None


def test_R7_downward_invoice_amendment_needs_the_answer():
	record = state(section="B2BA", amendment_direction="downward")
	assert rule_of(check_action(record, ask(Action.ACCEPTED), R7_CTX)) == "R7"
	assert check_action(record, ask(Action.ACCEPTED, itc_reduction_required="Y"), R7_CTX) is None


def test_direction_of_amendments():
	assert direction_of(110, 100) == "upward"
	assert direction_of(90, 100) == "downward"
	assert direction_of(100.001, 100) is None
