"""The action rules that refuse or warn on an action, each test named by the rule it pins (P1, R3,
R4, R8, R10), the buttons the page enables (allowed_actions) and record states built from rows."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ims_compliance.core.actions import Action
from ims_compliance.core.periods import ReturnPeriod
from ims_compliance.core.rules import (
	MISSING_IN_PI,
	RecordState,
	RuleContext,
	allowed_actions,
	check_action,
	needs_gstr2b_recompute,
	warnings_for,
)

from .rule_states import CTX, R7_CTX, TODAY, ask, credit_note, rule_of, state

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
