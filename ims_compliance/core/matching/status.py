"""Match statuses and tolerances: the vocabulary the engine, the recommendations and the Frappe
layer share, so a status is spelled once."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from numbers import Integral

from ims_compliance.core.errors import IMSValidationError


class MatchStatus(str, Enum):
	"""How an inward supply stands against the purchase documents. A str enum, so a member equals
	the word stored on GST Inward Supply ("Exact Match" == MatchStatus.EXACT)."""

	EXACT = "Exact Match"
	SUGGESTED = "Suggested Match"
	MISMATCH = "Mismatch"
	MANUAL = "Manual Match"
	MISSING_IN_PI = "Missing in PI"
	MISSING_IN_IMS = "Missing in IMS"

	def __str__(self) -> str:
		return self.value


SUPPLY_STATUSES: tuple[str, ...] = (
	MatchStatus.EXACT.value,
	MatchStatus.SUGGESTED.value,
	MatchStatus.MISMATCH.value,
	MatchStatus.MANUAL.value,
	MatchStatus.MISSING_IN_PI.value,
)


@dataclass(frozen=True)
class Tolerances:
	"""How far a supply and a purchase may differ and still count as equal. The Frappe layer reads
	them from IMS Settings; the defaults are the issue's (Rs 1 on each amount, 10 days)."""

	amount: float = 1.0  # rupees, on each of taxable value, IGST, CGST, SGST, cess
	days: int = 10  # document date vs bill date

	def __post_init__(self) -> None:
		if not self.amount >= 0:
			raise IMSValidationError(
				f"amount tolerance must be 0 or more, got {self.amount!r}",
				location="tolerances",
				field="amount",
			)
		if not isinstance(self.days, Integral) or self.days < 0:
			raise IMSValidationError(
				f"date tolerance must be a whole number of days, 0 or more, got {self.days!r}",
				location="tolerances",
				field="days",
			)
