"""Return periods (MMYYYY), GSTN dates (dd-mm-yyyy), and the IMS calendar.

For a period P the draft GSTR-2B is built on the 14th of the month after P, and a monthly
filer's GSTR-3B for P is due on the 20th of that month (IMS_DOMAIN section 5). R8: an action
taken after the 14th needs GSTR-2B recomputed before 3B is filed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ims_compliance.core.errors import IMSValidationError

_PERIOD = re.compile(r"^(0[1-9]|1[0-2])(\d{4})$")
_GSTN_DATE = re.compile(r"^(\d{2})-(\d{2})-(\d{4})$")

#: IMS started with the October 2024 period.
IMS_START = (2024, 10)
#: R1/R6: import sections and the one-period Pending allowance start with the October 2025 period.
OCT_2025 = (2025, 10)


@dataclass(frozen=True, order=True)
class ReturnPeriod:
	year: int
	month: int

	def __post_init__(self) -> None:
		if not 1 <= self.month <= 12:
			raise IMSValidationError(f"month {self.month} is not between 1 and 12")
		if not 2017 <= self.year <= 2099:
			raise IMSValidationError(f"year {self.year} is outside 2017-2099")

	@classmethod
	def parse(cls, value: object, *, field: str = "rtnprd", location: str | None = None) -> ReturnPeriod:
		text = str(value or "").strip()
		if len(text) == 5 and text.isdigit():  # a spreadsheet that dropped the leading zero
			text = "0" + text
		match = _PERIOD.match(text)
		if not match:
			raise IMSValidationError(f"return period {value!r} is not MMYYYY", field=field, location=location)
		try:
			return cls(year=int(match.group(2)), month=int(match.group(1)))
		except IMSValidationError as exc:
			raise IMSValidationError(exc.message, field=field, location=location) from None

	@classmethod
	def of_date(cls, day: dt.date) -> ReturnPeriod:
		return cls(year=day.year, month=day.month)

	def __str__(self) -> str:
		return f"{self.month:02d}{self.year:04d}"

	@property
	def label(self) -> str:
		"""Human label, e.g. 'Oct 2025'."""
		return dt.date(self.year, self.month, 1).strftime("%b %Y")

	def add(self, months: int) -> ReturnPeriod:
		index = self.year * 12 + (self.month - 1) + months
		return ReturnPeriod(year=index // 12, month=index % 12 + 1)

	def next(self) -> ReturnPeriod:
		return self.add(1)

	def previous(self) -> ReturnPeriod:
		return self.add(-1)

	def months_until(self, other: ReturnPeriod) -> int:
		return (other.year * 12 + other.month) - (self.year * 12 + self.month)

	@property
	def first_day(self) -> dt.date:
		return dt.date(self.year, self.month, 1)

	@property
	def last_day(self) -> dt.date:
		return self.next().first_day - dt.timedelta(days=1)

	@property
	def quarter_end(self) -> ReturnPeriod:
		"""Last month of the quarter this period falls in (QRMP filers act per quarter)."""
		return ReturnPeriod(year=self.year, month=((self.month - 1) // 3 + 1) * 3)

	@property
	def gstr2b_cutoff(self) -> dt.date:
		"""The 14th of the next month: draft GSTR-2B for this period is built from IMS actions."""
		return self.next().first_day.replace(day=14)

	@property
	def gstr3b_due(self) -> dt.date:
		"""The 20th of the next month: GSTR-3B due for a monthly filer."""
		return self.next().first_day.replace(day=20)

	@property
	def financial_year(self) -> str:
		"""Indian financial year (April to March) as '2025-26'."""
		start = self.year if self.month >= 4 else self.year - 1
		return f"{start}-{(start + 1) % 100:02d}"

	def in_ims(self) -> bool:
		return (self.year, self.month) >= IMS_START


def period_range(start: ReturnPeriod, end: ReturnPeriod) -> Iterator[ReturnPeriod]:
	"""Every period from start to end inclusive."""
	current = start
	while current <= end:
		yield current
		current = current.next()


def parse_gstn_date(value: object, *, field: str = "idt", location: str | None = None) -> dt.date:
	"""GSTN dates are dd-mm-yyyy."""
	text = str(value or "").strip()
	match = _GSTN_DATE.match(text)
	if not match:
		raise IMSValidationError(f"date {value!r} is not dd-mm-yyyy", field=field, location=location)
	day, month, year = (int(g) for g in match.groups())
	try:
		return dt.date(year, month, day)
	except ValueError as exc:
		raise IMSValidationError(
			f"date {value!r} is not a real date ({exc})", field=field, location=location
		) from None


def format_gstn_date(day: dt.date) -> str:
	return day.strftime("%d-%m-%Y")


def days_left(today: dt.date, deadline: dt.date) -> int:
	"""Whole days from today to a deadline (negative when past); for the page's deadline banner."""
	return (deadline - today).days


def current_action_period(today: dt.date) -> ReturnPeriod:
	"""The period users are acting on today: last month's, until its GSTR-3B due date passes."""
	last_month = ReturnPeriod.of_date(today).previous()
	return last_month if today <= last_month.gstr3b_due else ReturnPeriod.of_date(today)
