"""Reconciliation of inward supplies with purchase documents (pure: pandas + rapidfuzz)."""

from ims_compliance.core.matching.engine import ReconcileResult, reconcile
from ims_compliance.core.matching.numbers import normalise_number
from ims_compliance.core.matching.reasons import reasons_in_words
from ims_compliance.core.matching.recommend import DEFAULT_RECOMMENDATIONS, Recommendation, recommend
from ims_compliance.core.matching.status import SUPPLY_STATUSES, MatchStatus, Tolerances

__all__ = [
	"DEFAULT_RECOMMENDATIONS",
	"SUPPLY_STATUSES",
	"MatchStatus",
	"Recommendation",
	"ReconcileResult",
	"Tolerances",
	"normalise_number",
	"reasons_in_words",
	"recommend",
	"reconcile",
]
