"""The reconciliation engine (issue 5): inward supplies against purchase documents.

Passes, each over what the earlier ones left, so a strong match is never lost to a weak one:
1. GSTIN level: same supplier GSTIN, same document class, same normalised number; then, for
   amendments, the original's number.
2. PAN level: same PAN (another state registration of the same supplier), same normalised number.
3. Fuzzy: same supplier GSTIN, numbers close by rapidfuzz ratio, amounts within tolerance. Only
   each supplier's leftovers are compared, so the groups stay small.
4. Leftover: same supplier GSTIN, amounts within tolerance, dates within the window.
Candidates come from pandas merges on the normalised keys (vectorised), are scored, then assigned
greedily by pass, document type, score and names: one purchase matches at most one supply and
ties break the same way on every run, whatever the input order. Rows already "Manual Match" keep
their link and status (the engine never overrides a user); their purchase is reserved.
This module runs the passes and builds the result; `prepare` makes the input frames fit to match,
`candidates` finds, scores and assigns the pairs.

Document classes: a credit note matches only a return Purchase Invoice ("Credit Note"); a
supplier's debit note only a purchase marked as a debit note ("Debit Note"), and an invoice only
the other purchases; a Bill of Entry (IMPG*, no supplier GSTIN) only a purchase-side Bill of
Entry, by BoE number, date and port code (pass 0: the port must agree when both sides have one).

Reasons also name amounts that differ within tolerance (flagged `within_tolerance`, so an Exact
Match still shows its Rs 0.50), and a supply left Missing in PI gets `hint` reasons naming
purchases with its number and supplier PAN booked under another company GSTIN or another GSTIN
of the same PAN (`other_purchases`). Recommendations follow P4 (see `recommend`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ims_compliance.core.matching.candidates import (
	BOE_PASS,
	FUZZY_PASS,
	FUZZY_THRESHOLD,
	GSTIN_PASS,
	LEFTOVER_PASS,
	PAN_PASS,
	assign_pairs,
	chosen_pairs,
	fuzzy_candidates,
	leftover_candidates,
	merge_on,
	score_pairs,
)
from ims_compliance.core.matching.numbers import SAME
from ims_compliance.core.matching.prepare import (
	AMOUNTS,
	PURCHASE_REQUIRED,
	SUPPLY_REQUIRED,
	prepare_purchases,
	prepare_supplies,
)
from ims_compliance.core.matching.reasons import make_hint
from ims_compliance.core.matching.recommend import recommend
from ims_compliance.core.matching.status import MatchStatus, Tolerances

__all__ = [  # the constants stay importable from here, where callers have always found them
	"AMOUNTS",
	"BOE_PASS",
	"FUZZY_PASS",
	"FUZZY_THRESHOLD",
	"GSTIN_PASS",
	"LEFTOVER_PASS",
	"MAX_HINTS",
	"PAN_PASS",
	"PURCHASE_REQUIRED",
	"SUPPLY_REQUIRED",
	"ReconcileResult",
	"reconcile",
]

MAX_HINTS = 3


@dataclass
class ReconcileResult:
	"""`supplies`: one row per supply, indexed by its name, with match_status, purchase, score,
	reasons, recommended_action, needs_review. `missing_in_ims`: the purchases no supply took
	(all their input columns). `stats`: count per status, Missing in IMS included."""

	supplies: pd.DataFrame
	missing_in_ims: pd.DataFrame
	stats: dict[str, int] = field(default_factory=dict)


def reconcile(
	supplies: pd.DataFrame,
	purchases: pd.DataFrame,
	*,
	tolerances: Tolerances | None = None,
	recommendation_map: dict[str, str] | None = None,
	other_purchases: pd.DataFrame | None = None,
) -> ReconcileResult:
	"""Match every inward supply to at most one purchase document, explain each match (reasons)
	and recommend an action (P4, R10, R4). `other_purchases` (same columns as `purchases`) are
	never linked: they are the purchases of other company GSTINs, read only for the hints on
	supplies left Missing in PI. Pure: the inputs are not modified."""
	tol = tolerances or Tolerances()
	cache: dict[str, str | None] = {}  # most numbers appear on both sides: normalise each once
	s = prepare_supplies(supplies, cache)
	p = prepare_purchases(purchases, cache)
	is_manual = (s["match_status"].eq(MatchStatus.MANUAL.value) & s["purchase"].notna()).to_numpy()
	manual = s[is_manual]
	# taken rows, by position: boolean masks (not name sets) keep each pass's filtering cheap
	used_s = np.array(is_manual, dtype=bool)
	used_p = p["p_name"].isin(set(manual["purchase"])).to_numpy().copy()
	boe_s, boe_p = (s["s_class"] == "BOE").to_numpy(), (p["p_class"] == "BOE").to_numpy()

	chosen = []
	for key in ("s_key", "s_okey"):  # Bills of Entry: number (then the original's), date, port
		pairs = merge_on(
			s[~used_s & boe_s], p[~used_p & boe_p], left_on=["s_class", key], right_on=["p_class", "p_key"]
		)
		if not pairs.empty:
			ports = pairs["port_code"].to_numpy(dtype=object), pairs["p_port_code"].to_numpy(dtype=object)
			same_port = np.array(
				[a is None or b is None or a == b for a, b in zip(*ports, strict=True)], dtype=bool
			)
			pairs = pairs[same_port].reset_index(drop=True)
		pairs["pass_no"], pairs["via_original"] = BOE_PASS, key == "s_okey"
		chosen.append(_assign(pairs, used_s, used_p, tol))
	key_passes = (  # the amendment's original number is tried only after its own number
		(["supplier_gstin", "s_class", "s_key"], ["p_supplier_gstin", "p_class", "p_key"], GSTIN_PASS, False),
		(["supplier_gstin", "s_class", "s_okey"], ["p_supplier_gstin", "p_class", "p_key"], GSTIN_PASS, True),
		(["s_pan", "s_class", "s_key"], ["p_pan", "p_class", "p_key"], PAN_PASS, False),
	)
	for left_on, right_on, pass_no, via_original in key_passes:
		pairs = merge_on(s[~used_s & ~boe_s], p[~used_p & ~boe_p], left_on=left_on, right_on=right_on)
		pairs["pass_no"], pairs["via_original"] = pass_no, via_original
		chosen.append(_assign(pairs, used_s, used_p, tol))
		del pairs  # a pass's pairs are gone before the next pass builds its own
	free_s, free_p = ~used_s & ~boe_s, ~used_p & ~boe_p
	chosen.append(_assign(fuzzy_candidates(s[free_s], p[free_p], tol), used_s, used_p, tol))
	free_s, free_p = ~used_s & ~boe_s, ~used_p & ~boe_p
	chosen.append(_assign(leftover_candidates(s[free_s], p[free_p], tol), used_s, used_p, tol))
	manual_pairs = merge_on(manual, p, left_on=["purchase"], right_on=["p_name"])
	if not manual_pairs.empty:  # the user's link stands; its differences are still worth showing
		manual_pairs = score_pairs(manual_pairs.assign(pass_no=GSTIN_PASS, via_original=False), tol)
		manual_pairs["match_status"] = MatchStatus.MANUAL.value
		chosen.append(chosen_pairs(manual_pairs, np.arange(len(manual_pairs)), tol))
	matched = [c for c in chosen if not c.empty]

	out = _result_frame(s, manual, pd.concat(matched, ignore_index=True) if matched else None)
	if other_purchases is not None and len(other_purchases):
		_add_hints(out, s, prepare_purchases(other_purchases, cache))
	actions, reviews, whys = _recommendations(out, s, recommendation_map or {})
	out["recommended_action"], out["needs_review"], out["recommendation_reason"] = actions, reviews, whys
	out = out.drop(columns=["number_relation", "via_original"])
	missing_in_ims = purchases[~used_p].copy() if len(purchases) else purchases.copy()
	stats = {str(k): int(v) for k, v in out["match_status"].value_counts().items()}
	stats[MatchStatus.MISSING_IN_IMS.value] = len(missing_in_ims)
	return ReconcileResult(supplies=out, missing_in_ims=missing_in_ims, stats=stats)


def _assign(pairs: pd.DataFrame, used_s: np.ndarray, used_p: np.ndarray, tol: Tolerances) -> pd.DataFrame:
	"""Score a pass's candidates, assign them (marking `used_*`) and keep what the result needs."""
	pairs = score_pairs(pairs, tol)
	return chosen_pairs(pairs, assign_pairs(pairs, used_s, used_p), tol)


def _recommendations(out: pd.DataFrame, s: pd.DataFrame, mapping: dict[str, str]) -> tuple[list, list, list]:
	"""P4 per supply; the few distinct inputs are computed once each. Differences within
	tolerance and hints are shown, never acted on."""
	memo: dict[tuple, Any] = {}
	actions, reviews, whys = [], [], []
	for status, reasons, filed, document_type, relation, via_original in zip(
		out["match_status"].tolist(),
		out["reasons"].tolist(),
		s["supplier_filed"].tolist(),
		s["document_type"].tolist(),
		out["number_relation"].tolist(),
		out["via_original"].tolist(),
		strict=True,
	):
		fields = tuple(r["field"] for r in reasons if not r.get("within_tolerance") and not r.get("hint"))
		key = (status, fields, filed, document_type, relation, via_original)
		rec = memo.get(key)
		if rec is None:
			rec = memo[key] = recommend(
				status,
				reason_fields=fields,
				supplier_filed=filed,
				document_type=document_type,
				mapping=mapping,
				number_relation=relation,
				via_original=via_original,
			)
		actions.append(rec.action)
		reviews.append(rec.needs_review)
		whys.append(rec.reason)
	return actions, reviews, whys


def _add_hints(out: pd.DataFrame, s: pd.DataFrame, other: pd.DataFrame) -> None:
	"""Missing in PI supplies whose number and supplier PAN appear on a purchase of another company
	GSTIN (or none), or of another GSTIN of the same supplier PAN: say where it was booked."""
	missing = s[(out["match_status"].to_numpy() == MatchStatus.MISSING_IN_PI.value)]
	pairs = merge_on(
		missing, other, left_on=["s_pan", "s_class", "s_key"], right_on=["p_pan", "p_class", "p_key"]
	)
	if pairs.empty:
		return
	pairs = pairs.sort_values(["s_idx", "p_name"], kind="mergesort")
	reasons = out["reasons"].tolist()
	for row in pairs[
		["s_idx", "p_name", "company_gstin", "p_company_gstin", "supplier_gstin", "p_supplier_gstin"]
	].itertuples(index=False):
		hints = reasons[row.s_idx]
		if len(hints) >= MAX_HINTS:
			continue
		hints.append(
			make_hint(
				row.p_name,
				company_gstin=(row.company_gstin, row.p_company_gstin),
				supplier_gstin=(row.supplier_gstin, row.p_supplier_gstin),
			)
		)
	out["reasons"] = pd.Series(reasons, index=out.index, dtype=object)


def _result_frame(s: pd.DataFrame, manual: pd.DataFrame, matched: pd.DataFrame | None) -> pd.DataFrame:
	"""One row per supply, in input order: Missing in PI unless a pass (or a user) linked it.
	`matched`: the passes' chosen pairs (`chosen_pairs`), reasons already worked out."""
	n = len(s)
	status = np.full(n, MatchStatus.MISSING_IN_PI.value, dtype=object)
	purchase = np.full(n, None, dtype=object)
	score = np.zeros(n)
	relation = np.full(n, SAME, dtype=object)
	via_original = np.zeros(n, dtype=bool)
	reasons: list[list[dict[str, Any]]] = [[] for _ in range(n)]
	if not manual.empty:  # kept even when the purchase is no longer in the window
		rows = manual["s_idx"].to_numpy()
		status[rows] = MatchStatus.MANUAL.value
		purchase[rows] = manual["purchase"].to_numpy()
		score[rows] = 100.0
	if matched is not None:
		rows = matched["s_idx"].to_numpy()
		status[rows] = matched["match_status"].to_numpy()
		purchase[rows] = matched["p_name"].to_numpy()
		score[rows] = matched["score"].to_numpy()
		via_original[rows] = matched["via_original"].to_numpy()
		relation[rows] = matched["number_relation"].to_numpy()
		for row, row_reasons in zip(rows.tolist(), matched["reasons"].tolist(), strict=True):
			if row_reasons is not None:
				reasons[row] = row_reasons
	index = pd.Index(s["name"].tolist(), name="name", dtype=object)
	return pd.DataFrame(
		{
			"match_status": pd.Series(status, index=index, dtype=object),
			"purchase": pd.Series(purchase, index=index, dtype=object),  # None, not NaN, when unlinked
			"score": pd.Series(score, index=index),
			"reasons": pd.Series(reasons, index=index, dtype=object),
			"number_relation": pd.Series(relation, index=index, dtype=object),
			"via_original": pd.Series(via_original, index=index, dtype=bool),
		},
		index=index,
	)
