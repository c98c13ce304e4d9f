"""When Pending is refused: GSTN's flag before the Oct-2025 period (R5) and the one-tax-period
window from it (R6)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ims_compliance.core.actions import Action
from ims_compliance.core.periods import ReturnPeriod
from ims_compliance.core.rules import RuleContext, check_action, pending_window

from .rule_states import TODAY, ask, credit_note, rule_of, state

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
