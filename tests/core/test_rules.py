"""The action rules, each test named by the rule it pins (R3-R8, P1)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ims_compliance.core.actions import Action
from ims_compliance.core.periods import ReturnPeriod
from ims_compliance.core.rules import (
	MISSING_IN_PI,
	ActionRequest,
	RecordState,
	Refusal,
	RuleContext,
	allowed_actions,
	check_action,
	direction_of,
	is_partial_reversal,
	needs_gstr2b_recompute,
	pending_window,
	reduces_itc,
	warnings_for,
)

TODAY = dt.date(2025, 11, 12)
CTX = RuleContext(today=TODAY)


def state(**kw) -> RecordState:
	base = dict(section="B2B", supplier_period="102025", match_status="Exact Match", igst=180.0)
	base.update(kw)
	return RecordState(**base)


def credit_note(**kw) -> RecordState:
	base = dict(section="CN", supplier_period="102025", match_status="Exact Match", cgst=90.0, sgst=90.0)
	base.update(kw)
	return RecordState(**base)


def ask(action: Action, **kw) -> ActionRequest:
	return ActionRequest(action=action, **kw)


def rule_of(refusal: Refusal | None) -> str | None:
	return refusal.rule if refusal else None


# --- plain records ---------------------------------------------------------------------------


@pytest.mark.parametrize("action", list(Action))
def test_a_matched_invoice_in_an_open_period_takes_any_action(action):
	assert check_action(state(), ask(action), CTX) is None


# --- P1 ----------------------------------------------------------------------------------------


def test_P1_accept_refused_while_missing_in_pi():
	refusal = check_action(state(match_status=MISSING_IN_PI), ask(Action.ACCEPTED), CTX)
	assert rule_of(refusal) == "P1"
	assert "Purchase Invoice" in refusal.message


@pytest.mark.parametrize("action", [Action.REJECTED, Action.PENDING, Action.NO_ACTION])
def test_P1_other_actions_allowed_while_missing_in_pi(action):
	assert check_action(state(match_status=MISSING_IN_PI), ask(action), CTX) is None


@pytest.mark.parametrize("status", ["Exact Match", "Suggested Match", "Mismatch", "Manual Match", None])
def test_P1_accept_allowed_for_other_match_statuses(status):
	assert check_action(state(match_status=status), ask(Action.ACCEPTED), CTX) is None


# --- R4 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["IMPG", "IMPGA", "IMPGSEZ", "IMPGSEZA"])
def test_R4_bill_of_entry_cannot_be_rejected(code):
	refusal = check_action(state(section=code), ask(Action.REJECTED), CTX)
	assert rule_of(refusal) == "R4"
	assert "Bill of Entry" in refusal.message


@pytest.mark.parametrize("action", [Action.ACCEPTED, Action.PENDING, Action.NO_ACTION])
def test_R4_bill_of_entry_can_be_accepted_or_kept_pending(action):
	assert check_action(state(section="IMPG"), ask(action), CTX) is None


# --- R3 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", list(Action))
def test_R3_no_change_once_3b_filed_for_the_period(action):
	ctx = RuleContext(today=TODAY, gstr3b_filed_upto="102025")
	refusal = check_action(state(), ask(action), ctx)
	assert rule_of(refusal) == "R3"
	assert "Oct 2025" in refusal.message


def test_R3_later_filing_also_closes_earlier_periods_but_not_later_ones():
	ctx = RuleContext(today=TODAY, gstr3b_filed_upto=ReturnPeriod(2025, 12))
	assert rule_of(check_action(state(supplier_period="122025"), ask(Action.REJECTED), ctx)) == "R3"
	assert check_action(state(supplier_period="012026"), ask(Action.REJECTED), ctx) is None


def test_R3_period_just_before_filed_upto_boundary():
	ctx = RuleContext(today=TODAY, gstr3b_filed_upto="092025")
	assert check_action(state(supplier_period="102025"), ask(Action.ACCEPTED), ctx) is None
	assert rule_of(check_action(state(supplier_period="092025"), ask(Action.ACCEPTED), ctx)) == "R3"


def test_R3_records_gstn_holds_pending_stay_open_after_filing():
	ctx = RuleContext(today=TODAY, gstr3b_filed_upto="102025")
	record = state(gstn_action=Action.PENDING, action=Action.PENDING)
	assert check_action(record, ask(Action.ACCEPTED), ctx) is None


def test_R3_uses_the_2b_period_not_the_supplier_period():
	ctx = RuleContext(today=TODAY, gstr3b_filed_upto="092025")
	late = state(supplier_period="092025", itc_period="102025")  # GSTR-1A filed in October
	assert check_action(late, ask(Action.REJECTED), ctx) is None


def test_R3_qrmp_filer_closes_the_whole_quarter_only_when_the_quarter_is_filed():
	mid = RuleContext(today=TODAY, gstr3b_filed_upto="112025", is_qrmp=True)
	full = RuleContext(today=TODAY, gstr3b_filed_upto="122025", is_qrmp=True)
	assert check_action(state(supplier_period="102025"), ask(Action.ACCEPTED), mid) is None
	assert rule_of(check_action(state(supplier_period="102025"), ask(Action.ACCEPTED), full)) == "R3"


def test_R3_is_checked_before_every_other_rule():
	ctx = RuleContext(today=TODAY, gstr3b_filed_upto="102025")
	record = state(section="IMPG", match_status=MISSING_IN_PI)
	assert rule_of(check_action(record, ask(Action.REJECTED), ctx)) == "R3"
	assert rule_of(check_action(record, ask(Action.ACCEPTED), ctx)) == "R3"


# --- R5 (before Oct-2025): GSTN's flag decides --------------------------------------------------


def test_R5_pending_refused_when_gstn_blocks_it_before_oct_2025():
	record = credit_note(supplier_period="092025", pending_blocked=True)
	refusal = check_action(record, ask(Action.PENDING), RuleContext(today=dt.date(2025, 10, 12)))
	assert rule_of(refusal) == "R5"
	assert "ispendactblocked" in refusal.message


def test_R5_pending_allowed_when_not_blocked_before_oct_2025():
	record = state(supplier_period="092025", pending_blocked=False)
	assert check_action(record, ask(Action.PENDING), RuleContext(today=dt.date(2025, 10, 12))) is None


@pytest.mark.parametrize("action", [Action.ACCEPTED, Action.REJECTED, Action.NO_ACTION])
def test_R5_only_pending_is_blocked(action):
	record = credit_note(supplier_period="092025", pending_blocked=True)
	assert check_action(record, ask(action), RuleContext(today=dt.date(2025, 10, 12))) is None


# --- R6 (from Oct-2025): the one-tax-period window ---------------------------------------------

MONTHLY_LAST_DAY = dt.date(2025, 12, 20)  # Oct-2025 record -> 3B of Nov-2025 due 20-12-2025


def test_R6_window_for_monthly_filer_ends_on_next_periods_3b_due_date():
	window = pending_window(credit_note(), RuleContext(today=TODAY))
	assert window.last_period == ReturnPeriod(2025, 11)
	assert window.last_day == MONTHLY_LAST_DAY


@pytest.mark.parametrize(
	"today,refused",
	[
		(dt.date(2025, 11, 1), False),
		(dt.date(2025, 11, 20), False),
		(MONTHLY_LAST_DAY - dt.timedelta(days=1), False),
		(MONTHLY_LAST_DAY, False),  # last allowed day
		(MONTHLY_LAST_DAY + dt.timedelta(days=1), True),  # first refused day
		(dt.date(2026, 3, 1), True),
	],
)
def test_R6_credit_note_pending_window_boundaries_monthly(today, refused):
	refusal = check_action(credit_note(pending_blocked=True), ask(Action.PENDING), RuleContext(today=today))
	assert rule_of(refusal) == ("R6" if refused else None)


def test_R6_window_closes_early_when_next_periods_3b_is_filed():
	record = credit_note(gstn_action=Action.PENDING)
	open_ctx = RuleContext(today=dt.date(2025, 12, 5), gstr3b_filed_upto="102025")
	closed_ctx = RuleContext(today=dt.date(2025, 12, 5), gstr3b_filed_upto="112025")
	assert check_action(record, ask(Action.PENDING), open_ctx) is None
	assert rule_of(check_action(record, ask(Action.PENDING), closed_ctx)) == "R6"


@pytest.mark.parametrize(
	"today,refused,gstin",
	[
		(dt.date(2026, 4, 22), False, "27AAPFU0939F1ZV"),  # Maharashtra: 22nd
		(dt.date(2026, 4, 23), True, "27AAPFU0939F1ZV"),
		(dt.date(2026, 4, 24), False, "07AAPFU0939F1ZV"),  # Delhi: 24th
		(dt.date(2026, 4, 25), True, "07AAPFU0939F1ZV"),
		(dt.date(2026, 4, 22), False, None),  # unknown state: the stricter 22nd
		(dt.date(2026, 4, 23), True, None),
	],
)
def test_R6_qrmp_filer_gets_one_quarter_after_the_records_quarter(today, refused, gstin):
	ctx = RuleContext(today=today, is_qrmp=True, company_gstin=gstin)
	record = credit_note(supplier_period="112025")
	assert pending_window(record, ctx).last_period == ReturnPeriod(2026, 3)
	assert rule_of(check_action(record, ask(Action.PENDING), ctx)) == ("R6" if refused else None)


def test_R6_does_not_apply_before_oct_2025_records():
	# a Sep-2025 credit note without GSTN's flag: R5 pre-Oct relies on the flag only
	record = credit_note(supplier_period="092025")
	assert check_action(record, ask(Action.PENDING), RuleContext(today=dt.date(2026, 6, 1))) is None


def test_R6_applies_from_the_2b_period_october_even_for_a_september_supplier_period():
	# GSTN FAQ: a Sep GSTR-1A credit note filed in October has the Oct-2025 2B period
	record = credit_note(supplier_period="092025", itc_period="102025", pending_blocked=True)
	assert check_action(record, ask(Action.PENDING), RuleContext(today=dt.date(2025, 12, 20))) is None
	assert (
		rule_of(check_action(record, ask(Action.PENDING), RuleContext(today=dt.date(2025, 12, 21)))) == "R6"
	)


def test_R6_ordinary_invoices_are_never_pending_restricted():
	record = state(section="B2B")
	assert check_action(record, ask(Action.PENDING), RuleContext(today=dt.date(2027, 1, 1))) is None


@pytest.mark.parametrize(
	"kw,restricted",
	[
		(dict(section="CN"), True),
		(dict(section="CNA", amendment_direction="upward"), True),
		(dict(section="CNA", amendment_direction="downward", original_action=Action.REJECTED), True),
		(dict(section="CNA", amendment_direction="downward", original_action=Action.ACCEPTED), False),
		(dict(section="CNA"), False),
		(
			dict(
				section="B2BA",
				amendment_direction="downward",
				original_action=Action.ACCEPTED,
				original_period="092025",
			),
			True,
		),
		(
			dict(
				section="DNA",
				amendment_direction="downward",
				original_action=Action.ACCEPTED,
				original_period="092025",
			),
			True,
		),
		(
			dict(
				section="ECOMA",
				amendment_direction="downward",
				original_action=Action.ACCEPTED,
				original_period="092025",
			),
			True,
		),
		# original's 3B not filed (filed up to Aug)
		(
			dict(
				section="B2BA",
				amendment_direction="downward",
				original_action=Action.ACCEPTED,
				original_period="102025",
			),
			False,
		),
		(
			dict(
				section="B2BA",
				amendment_direction="downward",
				original_action=Action.REJECTED,
				original_period="092025",
			),
			False,
		),
		(
			dict(
				section="B2BA",
				amendment_direction="upward",
				original_action=Action.ACCEPTED,
				original_period="092025",
			),
			False,
		),
		(dict(section="DN"), False),
	],
)
def test_R6_record_kinds_of_R5_lose_pending_after_the_window(kw, restricted):
	record = state(supplier_period="102025", **kw)
	late = RuleContext(today=dt.date(2025, 12, 21), gstr3b_filed_upto="092025")
	assert rule_of(check_action(record, ask(Action.PENDING), late)) == ("R6" if restricted else None)


def test_R6_gstn_flag_marks_a_record_restricted_even_if_we_cannot_tell_its_kind():
	record = state(section="B2BA", pending_blocked=True)
	assert check_action(record, ask(Action.PENDING), RuleContext(today=dt.date(2025, 12, 20))) is None
	assert (
		rule_of(check_action(record, ask(Action.PENDING), RuleContext(today=dt.date(2025, 12, 21)))) == "R6"
	)


@given(
	year=st.integers(2025, 2030),
	month=st.integers(1, 12),
	qrmp=st.booleans(),
	offset=st.integers(-400, 400),
)
def test_R6_pending_refused_exactly_after_the_last_day(year, month, qrmp, offset):
	period = ReturnPeriod(year, month)
	if period < ReturnPeriod(2025, 10):
		period = ReturnPeriod(2025, 10)
	record = credit_note(supplier_period=str(period))
	window = pending_window(record, RuleContext(today=TODAY, is_qrmp=qrmp))
	today = window.last_day + dt.timedelta(days=offset)
	refusal = check_action(record, ask(Action.PENDING), RuleContext(today=today, is_qrmp=qrmp))
	assert (refusal is not None) == (today > window.last_day)
	# the window always ends after the record's own tax period, one tax period later
	months = 3 if qrmp else 1
	own_end = period.quarter_end if qrmp else period
	assert window.last_period == own_end.add(months)
	assert window.last_day > window.last_period.last_day


# --- R7 ----------------------------------------------------------------------------------------

R7_CTX = RuleContext(today=TODAY)


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


# --- allowed_actions (the UI) ------------------------------------------------------------------


def test_allowed_actions_gives_each_disabled_button_its_reason():
	record = credit_note(section="CN", match_status=MISSING_IN_PI, pending_blocked=True)
	result = allowed_actions(record, RuleContext(today=dt.date(2026, 1, 5)))
	assert set(result) == set(Action)
	assert rule_of(result[Action.ACCEPTED]) == "P1"
	assert rule_of(result[Action.PENDING]) == "R6"
	assert result[Action.REJECTED] is None
	assert result[Action.NO_ACTION] is None


def test_allowed_actions_leaves_accept_enabled_for_r7_records():
	assert allowed_actions(credit_note(), R7_CTX)[Action.ACCEPTED] is None


def test_allowed_actions_bill_of_entry():
	result = allowed_actions(state(section="IMPG"), CTX)
	assert rule_of(result[Action.REJECTED]) == "R4"
	assert result[Action.ACCEPTED] is None


@given(
	section=st.sampled_from(["B2B", "B2BA", "CN", "CNA", "DN", "DNA", "ECOM", "ECOMA", "IMPG", "IMPGA"]),
	match=st.sampled_from([MISSING_IN_PI, "Exact Match", None]),
	blocked=st.booleans(),
	period=st.sampled_from(["092025", "102025", "112025", "032026"]),
	filed=st.sampled_from([None, "082025", "102025", "122025"]),
	days=st.integers(0, 300),
)
def test_allowed_actions_agrees_with_check_action_for_bare_requests(
	section, match, blocked, period, filed, days
):
	record = RecordState(section=section, supplier_period=period, match_status=match, pending_blocked=blocked)
	ctx = RuleContext(today=dt.date(2025, 10, 1) + dt.timedelta(days=days), gstr3b_filed_upto=filed)
	result = allowed_actions(record, ctx)
	for action, refusal in result.items():
		checked = check_action(record, ask(action), ctx)
		if refusal is not None:
			assert checked == refusal
		elif checked is not None:
			assert checked.rule == "R7" and action is Action.ACCEPTED


# --- R8 and R10 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
	"day,recompute",
	[
		(dt.date(2025, 11, 13), False),
		(dt.date(2025, 11, 14), True),
		(dt.date(2025, 11, 15), True),
		(dt.date(2025, 10, 31), False),
	],
)
def test_R8_actions_from_the_14th_need_gstr2b_recompute(day, recompute):
	assert needs_gstr2b_recompute(day, "102025") is recompute
	assert (
		needs_gstr2b_recompute(dt.datetime.combine(day, dt.time(23, 59)), ReturnPeriod(2025, 10)) is recompute
	)


def test_R10_accepting_an_unfiled_record_warns_but_is_not_refused():
	record = state(supplier_filed=False)
	assert check_action(record, ask(Action.ACCEPTED), CTX) is None
	assert any(w.startswith("R10") for w in warnings_for(record, ask(Action.ACCEPTED)))
	assert warnings_for(state(), ask(Action.ACCEPTED)) == []


# --- building states ---------------------------------------------------------------------------


def test_record_state_from_a_doctype_row():
	row = {
		"section": "CN",
		"supplier_period": "102025",
		"action": "Accepted",
		"gstn_action": "No Action",
		"match_status": "Missing in PI",
		"pending_blocked": 1,
		"cgst": 9,
		"sgst": 9,
		"supplier_filed": 0,
	}
	record = RecordState.from_row(row)
	assert record.action is Action.ACCEPTED and record.pending_blocked and not record.supplier_filed
	assert record.document_type == "Credit Note" and record.tax("cgst") == 9.0


def test_record_state_refuses_unknown_section_and_direction():
	with pytest.raises(KeyError):
		RecordState(section="XYZ", supplier_period="102025")
	with pytest.raises(ValueError):
		RecordState(section="CNA", supplier_period="102025", amendment_direction="sideways")
