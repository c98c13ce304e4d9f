"""The reconciliation engine (issue 5): inward supplies against purchase documents.

Passes, each over what the earlier ones left:
1. GSTIN level: same supplier GSTIN, same document class, same normalised number (an amendment
   also tries its original's number).
2. PAN level: same PAN (another state registration of the same supplier), same normalised number.
3. Fuzzy: same supplier GSTIN, numbers close by rapidfuzz ratio, amounts within tolerance.
4. Leftover: same supplier GSTIN, equal amounts within tolerance, dates within the window.
Candidates are merged with pandas (vectorised), scored, then assigned greedily by pass, score
and names, so one purchase matches at most one supply and ties break the same way every run.
Rows already "Manual Match" keep their link and status; their purchase is reserved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from ims_compliance.core.actions import Action
from ims_compliance.core.matching.numbers import normalise_number


class MatchStatus:
	EXACT = "Exact Match"
	SUGGESTED = "Suggested Match"
	MISMATCH = "Mismatch"
	MANUAL = "Manual Match"
	MISSING_IN_PI = "Missing in PI"
	MISSING_IN_IMS = "Missing in IMS"


AMOUNTS = ("taxable_value", "igst", "cgst", "sgst", "cess")
FUZZY_THRESHOLD = 85.0
DEFAULT_RECOMMENDATIONS = {
	MatchStatus.EXACT: Action.ACCEPTED.value,
	MatchStatus.MANUAL: Action.ACCEPTED.value,
	MatchStatus.SUGGESTED: Action.ACCEPTED.value,
	MatchStatus.MISMATCH: Action.REJECTED.value,
	MatchStatus.MISSING_IN_PI: Action.PENDING.value,
	"Not Filed": Action.PENDING.value,
}
_LABELS = {
	"document_number": "Document number",
	"document_date": "Document date",
	"taxable_value": "Taxable value",
	"igst": "IGST",
	"cgst": "CGST",
	"sgst": "SGST",
	"cess": "Cess",
	"place_of_supply": "Place of supply",
	"company_gstin": "Company GSTIN",
	"supplier_gstin": "Supplier GSTIN",
}


@dataclass(frozen=True)
class Tolerances:
	amount: float = 1.0  # rupees, per amount
	days: int = 10


@dataclass
class ReconcileResult:
	supplies: pd.DataFrame
	missing_in_ims: pd.DataFrame
	stats: dict = field(default_factory=dict)


def _doc_class(document_type: pd.Series) -> pd.Series:
	"""Credit notes match return invoices; invoices, debit notes and bills of entry match invoices."""
	return np.where(document_type.astype(str).eq("Credit Note"), "CN", "INV")


def _prepare_supplies(supplies: pd.DataFrame) -> pd.DataFrame:
	s = supplies.copy()
	for column, default in (
		("original_number", None),
		("original_date", None),
		("place_of_supply", None),
		("company_gstin", None),
		("supplier_filed", True),
		("match_status", None),
		("purchase", None),
		("reverse_charge", False),
		("section", "B2B"),
	):
		if column not in s:
			s[column] = default
	s["s_class"] = _doc_class(s["document_type"])
	s["s_key"] = s["document_number"].map(normalise_number)
	s["s_okey"] = s["original_number"].map(
		lambda v: normalise_number(v) if isinstance(v, str) and v else None
	)
	s["s_pan"] = s["supplier_gstin"].str.slice(2, 12)
	s["document_date"] = pd.to_datetime(s["document_date"])
	for column in AMOUNTS:
		s[column] = pd.to_numeric(s[column], errors="coerce").fillna(0.0).astype(float)
	return s


def _prepare_purchases(purchases: pd.DataFrame) -> pd.DataFrame:
	p = purchases.copy()
	for column, default in (("place_of_supply", None), ("company_gstin", None), ("reverse_charge", False)):
		if column not in p:
			p[column] = default
	p["p_class"] = _doc_class(p["document_type"])
	p["p_key"] = [normalise_number(v) for v in p["bill_no"].tolist()]
	p["p_pan"] = p["supplier_gstin"].fillna("").astype(str).str.slice(2, 12)
	p["bill_date"] = pd.to_datetime(p["bill_date"])
	for column in AMOUNTS:
		p[column] = pd.to_numeric(p[column], errors="coerce").fillna(0.0).astype(float)
	return p.rename(
		columns={
			c: f"p_{c}"
			for c in (
				"name",
				*AMOUNTS,
				"place_of_supply",
				"company_gstin",
				"supplier_gstin",
				"document_type",
				"reverse_charge",
			)
		}
	)


def _candidates(
	s: pd.DataFrame, p: pd.DataFrame, left_on: list[str], right_on: list[str], pass_no: int
) -> pd.DataFrame:
	if s.empty or p.empty:
		return pd.DataFrame()
	pairs = s.merge(p, left_on=left_on, right_on=right_on, how="inner", suffixes=("", "_p"))
	pairs["pass_no"] = pass_no
	return pairs


def _score(pairs: pd.DataFrame, tol: Tolerances) -> pd.DataFrame:
	"""Differences, score and status of each candidate pair (vectorised)."""
	if pairs.empty:
		return pairs
	amount_bad = np.zeros(len(pairs), dtype=bool)
	penalty = np.zeros(len(pairs))
	for column in AMOUNTS:
		diff = (pairs[column] - pairs[f"p_{column}"]).abs()
		pairs[f"d_{column}"] = diff
		bad = diff > tol.amount + 1e-9
		amount_bad |= bad.to_numpy()
		penalty += np.where(bad, 10.0, 0.0)
	days = (pairs["document_date"] - pairs["bill_date"]).dt.days.abs().fillna(9999)
	pairs["d_days"] = days
	date_bad = (days > tol.days).to_numpy()
	date_differs = (days > 0).to_numpy()
	pos_bad = (
		pairs["place_of_supply"].notna()
		& pairs["p_place_of_supply"].notna()
		& (pairs["place_of_supply"].astype(str) != pairs["p_place_of_supply"].astype(str))
	).to_numpy()
	company_bad = (
		pairs["company_gstin"].notna()
		& pairs["p_company_gstin"].notna()
		& (pairs["company_gstin"].astype(str) != pairs["p_company_gstin"].astype(str))
	).to_numpy()
	gstin_differs = (pairs["supplier_gstin"] != pairs["p_supplier_gstin"]).to_numpy()
	raw_same = (
		pairs["document_number"].astype(str).str.strip().str.upper()
		== pairs["bill_no"].astype(str).str.strip().str.upper()
	).to_numpy()
	fuzzy = pairs.get("fuzzy_ratio", pd.Series(100.0, index=pairs.index)).fillna(100.0).to_numpy()
	penalty += np.minimum(days.to_numpy(), 30) * 0.5 + np.where(raw_same, 0, 5) + (100 - fuzzy) * 0.5
	penalty += np.where(pos_bad, 10, 0) + np.where(company_bad, 10, 0) + np.where(gstin_differs, 10, 0)
	pairs["score"] = np.clip(100.0 - penalty, 0, 100).round(2)
	hard = amount_bad | date_bad | pos_bad | company_bad | gstin_differs
	exact = ~hard & ~date_differs & raw_same & (pairs["pass_no"].to_numpy() == 1)
	status = np.where(exact, MatchStatus.EXACT, np.where(hard, MatchStatus.MISMATCH, MatchStatus.SUGGESTED))
	leftover = pairs["pass_no"].to_numpy() == 4
	pairs["match_status"] = np.where(leftover, MatchStatus.MISMATCH, status)
	pairs["amount_bad"] = amount_bad
	return pairs


def _assign(pairs: pd.DataFrame, used_s: set, used_p: set) -> pd.DataFrame:
	"""Greedy one-to-one assignment: best pass, then best score, then names (deterministic)."""
	if pairs.empty:
		return pairs
	ordered = pairs.sort_values(
		["pass_no", "score", "name", "p_name"], ascending=[True, False, True, True], kind="mergesort"
	)
	ordered = ordered[~ordered["name"].isin(used_s) & ~ordered["p_name"].isin(used_p)]
	chosen = []
	while not ordered.empty:
		best = ordered.drop_duplicates("name", keep="first").drop_duplicates("p_name", keep="first")
		chosen.append(best)
		used_s.update(best["name"])
		used_p.update(best["p_name"])
		ordered = ordered[~ordered["name"].isin(used_s) & ~ordered["p_name"].isin(used_p)]
	return pd.concat(chosen) if chosen else ordered


def _fuzzy_candidates(s: pd.DataFrame, p: pd.DataFrame, tol: Tolerances) -> pd.DataFrame:
	"""Within each supplier GSTIN's leftovers only: small groups, so rapidfuzz stays cheap."""
	if s.empty or p.empty:
		return pd.DataFrame()
	groups = {k: g for k, g in p.groupby(["p_supplier_gstin", "p_class"], sort=False)}
	rows = []
	for (gstin, doc_class), group in s.groupby(["supplier_gstin", "s_class"], sort=False):
		target = groups.get((gstin, doc_class))
		if target is None:
			continue
		choices = target["p_key"].tolist()
		scores = process.cdist(
			group["s_key"].tolist(), choices, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD
		)
		for i, j in zip(*np.nonzero(scores), strict=True):
			rows.append((group.index[i], target.index[j], float(scores[i, j])))
	if not rows:
		return pd.DataFrame()
	index = pd.DataFrame(rows, columns=["s_index", "p_index", "fuzzy_ratio"])
	pairs = (
		s.loc[index["s_index"]].reset_index(drop=True).join(p.loc[index["p_index"]].reset_index(drop=True))
	)
	pairs["fuzzy_ratio"] = index["fuzzy_ratio"].to_numpy()
	pairs["pass_no"] = 3
	within = np.ones(len(pairs), dtype=bool)
	for column in AMOUNTS:
		within &= ((pairs[column] - pairs[f"p_{column}"]).abs() <= tol.amount + 1e-9).to_numpy()
	return pairs[within]


def _leftover_candidates(s: pd.DataFrame, p: pd.DataFrame, tol: Tolerances) -> pd.DataFrame:
	if s.empty or p.empty:
		return pd.DataFrame()
	s = s.assign(_amount=s["taxable_value"].round(0))
	p = p.assign(_amount=p["p_taxable_value"].round(0))
	pairs = s.merge(
		p,
		left_on=["supplier_gstin", "s_class", "_amount"],
		right_on=["p_supplier_gstin", "p_class", "_amount"],
	)
	if pairs.empty:
		return pairs
	pairs["pass_no"] = 4
	ok = (pairs["document_date"] - pairs["bill_date"]).dt.days.abs() <= tol.days
	for column in AMOUNTS:
		ok &= (pairs[column] - pairs[f"p_{column}"]).abs() <= tol.amount + 1e-9
	return pairs[ok]


def _reasons(row, tol: Tolerances) -> list[dict]:
	reasons = []
	if str(row.document_number).strip().upper() != str(row.bill_no).strip().upper():
		reasons.append(_reason("document_number", row.document_number, row.bill_no))
	if row.d_days > 0:
		reasons.append(
			_reason(
				"document_date", row.document_date.date(), row.bill_date.date(), f"{int(row.d_days)} days"
			)
		)
	for column in AMOUNTS:
		if getattr(row, f"d_{column}") > tol.amount + 1e-9:
			ims, pur = getattr(row, column), getattr(row, f"p_{column}")
			reasons.append(_reason(column, ims, pur, round(ims - pur, 2)))
	for column in ("place_of_supply", "company_gstin", "supplier_gstin"):
		ims, pur = getattr(row, column), getattr(row, f"p_{column}")
		if (
			ims is not None
			and pur is not None
			and not pd.isna(ims)
			and not pd.isna(pur)
			and str(ims) != str(pur)
		):
			reasons.append(_reason(column, ims, pur))
	return reasons


def _reason(fieldname: str, ims, purchase, difference=None) -> dict:
	label = _LABELS[fieldname]
	text = f"{label}: {ims} in IMS, {purchase} in the purchase"
	if difference is not None:
		text += f" (difference {difference})"
	return {"field": fieldname, "ims": ims, "purchase": purchase, "difference": difference, "text": text}


def recommend(
	status: str, supplier_filed: bool, amount_bad: bool, mapping: dict[str, str]
) -> tuple[str, bool]:
	"""P4 (+R10): the action a status suggests, and whether a person should look first."""
	if not supplier_filed:
		return mapping.get("Not Filed", Action.PENDING.value), True
	if status == MatchStatus.MISMATCH and not amount_bad:
		return Action.NO_ACTION.value, True  # only the date, number, POS or GSTIN differs: review
	return mapping.get(status, Action.NO_ACTION.value), status in (
		MatchStatus.SUGGESTED,
		MatchStatus.MISMATCH,
	)


def reconcile(
	supplies: pd.DataFrame,
	purchases: pd.DataFrame,
	*,
	tolerances: Tolerances | None = None,
	recommendation_map: dict[str, str] | None = None,
) -> ReconcileResult:
	tol = tolerances or Tolerances()
	mapping = {**DEFAULT_RECOMMENDATIONS, **(recommendation_map or {})}
	s = _prepare_supplies(supplies)
	p = _prepare_purchases(purchases)
	manual = s[s["match_status"].eq(MatchStatus.MANUAL) & s["purchase"].notna()]
	used_s, used_p = set(manual["name"]), set(manual["purchase"])

	def free_s():
		return s[~s["name"].isin(used_s)]

	def free_p():
		return p[~p["p_name"].isin(used_p)]

	chosen = []
	passes = (
		(["supplier_gstin", "s_class", "s_key"], ["p_supplier_gstin", "p_class", "p_key"], 1, None),
		(["supplier_gstin", "s_class", "s_okey"], ["p_supplier_gstin", "p_class", "p_key"], 1, "okey"),
		(["s_pan", "s_class", "s_key"], ["p_pan", "p_class", "p_key"], 2, None),
	)
	for left, right, pass_no, kind in passes:
		left_frame = free_s()
		if kind == "okey":
			left_frame = left_frame[left_frame["s_okey"].notna()]
		chosen.append(
			_assign(_score(_candidates(left_frame, free_p(), left, right, pass_no), tol), used_s, used_p)
		)
	chosen.append(_assign(_score(_fuzzy_candidates(free_s(), free_p(), tol), tol), used_s, used_p))
	chosen.append(_assign(_score(_leftover_candidates(free_s(), free_p(), tol), tol), used_s, used_p))
	matched = (
		pd.concat([c for c in chosen if not c.empty]) if any(not c.empty for c in chosen) else pd.DataFrame()
	)

	out = pd.DataFrame({"name": s["name"], "supplier_filed": s["supplier_filed"].fillna(True).astype(bool)})
	out["match_status"] = MatchStatus.MISSING_IN_PI
	out["purchase"] = None
	out["score"] = 0.0
	out["reasons"] = [[] for _ in range(len(out))]
	out["amount_bad"] = False
	out = out.set_index("name")
	if not manual.empty:
		out.loc[manual["name"], "match_status"] = MatchStatus.MANUAL
		out.loc[manual["name"], "purchase"] = manual["purchase"].to_numpy()
		out.loc[manual["name"], "score"] = 100.0
	if not matched.empty:
		names = matched["name"].to_numpy()
		out.loc[names, "match_status"] = matched["match_status"].to_numpy()
		out.loc[names, "purchase"] = matched["p_name"].to_numpy()
		out.loc[names, "score"] = matched["score"].to_numpy()
		out.loc[names, "amount_bad"] = matched["amount_bad"].to_numpy()
		differing = matched[matched["match_status"].to_numpy() != MatchStatus.EXACT]  # exact pairs have none
		if not differing.empty:
			reasons = pd.Series(
				[_reasons(row, tol) for row in differing.itertuples(index=False)],
				index=differing["name"].to_numpy(),
			)
			out.loc[reasons.index, "reasons"] = reasons
	recs = [
		recommend(st, filed, bad, mapping)
		for st, filed, bad in zip(out["match_status"], out["supplier_filed"], out["amount_bad"], strict=True)
	]
	out["recommended_action"] = [r[0] for r in recs]
	out["needs_review"] = [r[1] for r in recs]
	out = out.drop(columns=["supplier_filed", "amount_bad"])
	missing_in_ims = purchases[~purchases["name"].isin(used_p)].copy()
	stats = out["match_status"].value_counts().to_dict()
	stats[MatchStatus.MISSING_IN_IMS] = len(missing_in_ims)
	return ReconcileResult(supplies=out, missing_in_ims=missing_in_ims, stats=stats)


def reasons_in_words(reasons: list[dict]) -> str:
	"""For the UI and exports: one line per difference."""
	return "; ".join(r["text"] for r in reasons) if reasons else "All fields agree"
