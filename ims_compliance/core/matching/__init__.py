"""Reconciliation of inward supplies with purchase documents (pure: pandas + rapidfuzz)."""

from ims_compliance.core.matching.engine import (
	DEFAULT_RECOMMENDATIONS,
	MatchStatus,
	ReconcileResult,
	Tolerances,
	reasons_in_words,
	reconcile,
)
from ims_compliance.core.matching.numbers import normalise_number

__all__ = [
	"DEFAULT_RECOMMENDATIONS",
	"MatchStatus",
	"ReconcileResult",
	"Tolerances",
	"normalise_number",
	"reasons_in_words",
	"reconcile",
]
