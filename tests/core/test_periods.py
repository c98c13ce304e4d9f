import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.periods import (
	ReturnPeriod,
	current_action_period,
	days_left,
	format_gstn_date,
	parse_gstn_date,
	period_range,
)


def test_parse_and_format_round_trip():
	period = ReturnPeriod.parse("102025")
	assert (period.year, period.month) == (2025, 10)
	assert str(period) == "102025"
	assert period.label == "Oct 2025"


def test_spreadsheet_dropped_leading_zero_is_restored():
	assert str(ReturnPeriod.parse(92025)) == "092025"


@pytest.mark.parametrize("bad", ["132025", "002025", "2025-10", "", None, "1020255"])
def test_bad_periods_are_refused_naming_the_field(bad):
	with pytest.raises(IMSValidationError) as exc:
		ReturnPeriod.parse(bad, field="rtnprd", location="b2b[0]")
	assert exc.value.field == "rtnprd"


def test_cutoffs_fall_in_the_next_month():
	period = ReturnPeriod.parse("122025")
	assert period.gstr2b_cutoff == dt.date(2026, 1, 14)
	assert period.gstr3b_due == dt.date(2026, 1, 20)
	assert period.next() == ReturnPeriod(2026, 1)
	assert ReturnPeriod(2026, 1).previous() == period


def test_period_of_date_and_bounds():
	period = ReturnPeriod.of_date(dt.date(2024, 2, 29))
	assert period.first_day == dt.date(2024, 2, 1)
	assert period.last_day == dt.date(2024, 2, 29)


def test_financial_year_and_quarter():
	assert ReturnPeriod(2026, 3).financial_year == "2025-26"
	assert ReturnPeriod(2026, 4).financial_year == "2026-27"
	assert ReturnPeriod(2025, 11).quarter_end == ReturnPeriod(2025, 12)


def test_range_is_inclusive():
	periods = list(period_range(ReturnPeriod(2025, 11), ReturnPeriod(2026, 2)))
	assert [str(p) for p in periods] == ["112025", "122025", "012026", "022026"]


def test_gstn_dates():
	assert parse_gstn_date("05-11-2025") == dt.date(2025, 11, 5)
	assert format_gstn_date(dt.date(2025, 11, 5)) == "05-11-2025"
	with pytest.raises(IMSValidationError, match="not a real date"):
		parse_gstn_date("31-02-2025")
	with pytest.raises(IMSValidationError, match="dd-mm-yyyy"):
		parse_gstn_date("2025-11-05", field="idt")


def test_action_period_switches_after_3b_due():
	assert current_action_period(dt.date(2025, 11, 20)) == ReturnPeriod(2025, 10)
	assert current_action_period(dt.date(2025, 11, 21)) == ReturnPeriod(2025, 11)
	assert days_left(dt.date(2025, 11, 10), ReturnPeriod(2025, 10).gstr2b_cutoff) == 4


@given(st.integers(2023, 2090), st.integers(1, 12), st.integers(-60, 60))
def test_add_is_consistent_with_months_until(year, month, months):
	start = ReturnPeriod(year, month)
	end = start.add(months)
	assert start.months_until(end) == months
	assert ReturnPeriod.parse(str(end)) == end
