"""Candidate pairs of the engine's passes, their scores and their assignment. Candidates come
from pandas merges on the prepared keys (vectorised) or, for the fuzzy pass, from rapidfuzz over
each supplier's leftovers; each pair gets its differences, a score (0-100) and a status; the
greedy assignment keeps each supply and each purchase in at most one pair. `pair_reasons` names
the fields of a pair that differ."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from ims_compliance.core.matching.numbers import number_relation
from ims_compliance.core.matching.prepare import AMOUNTS
from ims_compliance.core.matching.reasons import make_reason
from ims_compliance.core.matching.status import MatchStatus, Tolerances
from ims_compliance.core.sections import DEBIT_NOTE

FUZZY_THRESHOLD = 85.0  # rapidfuzz ratio on normalised numbers; "ABC12345" vs "ABC12354" is 87.5
BOE_PASS, GSTIN_PASS, PAN_PASS, FUZZY_PASS, LEFTOVER_PASS = 0, 1, 2, 3, 4
PAISA = 0.005  # smaller differences are float noise, not worth a reason
EPSILON = 1e-9  # amounts are floats: Rs 1.00 off with a Rs 1 tolerance must stay within


#: What a candidate pair carries of each side: what scoring, the assignment and the reasons read.
#: The other prepared columns (keys of other passes, flags, the user's link) stay behind: a pass
#: of the 100k benchmark builds ~95k pairs, and each column carried costs 8 bytes a pair (issue 18).
S_PAIR_COLUMNS: tuple[str, ...] = (
	"s_idx",
	"name",
	"supplier_gstin",
	"company_gstin",
	"place_of_supply",
	"document_type",
	"document_number",
	"document_date",
	"port_code",
	*AMOUNTS,
)
P_PAIR_COLUMNS: tuple[str, ...] = (
	"p_idx",
	"p_name",
	"p_supplier_gstin",
	"p_company_gstin",
	"p_place_of_supply",
	"p_document_type",
	"bill_no",
	"bill_date",
	"p_port_code",
	*(f"p_{c}" for c in AMOUNTS),
)


def _pair_side(frame: pd.DataFrame, keys: list[str], columns: tuple[str, ...]) -> pd.DataFrame:
	"""`frame` cut to the merge keys and the pair columns it has."""
	return frame[[c for c in dict.fromkeys((*keys, *columns)) if c in frame.columns]]


def merge_on(s: pd.DataFrame, p: pd.DataFrame, *, left_on: list[str], right_on: list[str]) -> pd.DataFrame:
	"""Inner merge on keys that are present on both sides (a blank key matches nothing); the pairs
	carry the keys and the pair columns of each side."""
	s = s.dropna(subset=left_on)
	p = p.dropna(subset=right_on)
	if s.empty or p.empty:
		return pd.DataFrame()
	return _pair_side(s, left_on, S_PAIR_COLUMNS).merge(
		_pair_side(p, right_on, P_PAIR_COLUMNS), left_on=left_on, right_on=right_on, how="inner"
	)


def _differs(left: pd.Series, right: pd.Series) -> np.ndarray:
	"""Both known and different (an unknown value on either side is not a difference)."""
	return (left.notna() & right.notna() & (left.astype(str) != right.astype(str))).to_numpy()


def score_pairs(pairs: pd.DataFrame, tol: Tolerances) -> pd.DataFrame:
	"""Differences, score (0-100) and status of each candidate pair, vectorised."""
	if pairs.empty:
		return pairs
	amount_bad = np.zeros(len(pairs), dtype=bool)
	penalty = np.zeros(len(pairs))
	for column in AMOUNTS:
		diff = (pairs[column] - pairs[f"p_{column}"]).abs().to_numpy()
		pairs[f"d_{column}"] = diff
		bad = diff > tol.amount + EPSILON
		amount_bad |= bad
		penalty += np.where(bad, 10.0, 0.0)
	days = (pairs["document_date"] - pairs["bill_date"]).dt.days.abs().fillna(9999).to_numpy()
	pairs["d_days"] = days
	date_bad = days > tol.days
	pos_bad = _differs(pairs["place_of_supply"], pairs["p_place_of_supply"])
	company_bad = _differs(pairs["company_gstin"], pairs["p_company_gstin"])
	pass_no = pairs["pass_no"].to_numpy()
	# a Bill of Entry has no supplier GSTIN to compare (imports): it is matched on number and port
	gstin_differs = (pairs["supplier_gstin"] != pairs["p_supplier_gstin"]).to_numpy() & (pass_no != BOE_PASS)
	raw_same = _same_raw_number(pairs["document_number"], pairs["bill_no"])
	s_type, p_type = pairs["document_type"].to_numpy(), pairs["p_document_type"].to_numpy()
	pairs["type_rank"] = (s_type != p_type).astype(int)  # a debit note prefers a "Debit Note" purchase
	type_bad = (p_type == DEBIT_NOTE) & (s_type != DEBIT_NOTE)
	pairs["type_bad"] = type_bad
	fuzzy = pairs["fuzzy_ratio"].fillna(100.0).to_numpy() if "fuzzy_ratio" in pairs else 100.0
	penalty += np.minimum(days, 30) * 0.5 + np.where(raw_same, 0, 5) + (100 - fuzzy) * 0.5
	penalty += (pos_bad + company_bad + gstin_differs + type_bad) * 10.0
	pairs["score"] = np.clip(100.0 - penalty, 0, 100).round(2)
	hard = amount_bad | date_bad | pos_bad | company_bad | gstin_differs
	exact = ~hard & (days == 0) & raw_same & ~type_bad & ((pass_no == GSTIN_PASS) | (pass_no == BOE_PASS))
	# an object array of the three constants: np.where on strings made a numpy text array, which
	# pandas turned into a new Python string per pair
	status = np.full(len(pairs), MatchStatus.SUGGESTED.value, dtype=object)
	status[hard | (pass_no == LEFTOVER_PASS)] = MatchStatus.MISMATCH.value
	status[exact] = MatchStatus.EXACT.value
	pairs["match_status"] = pd.Series(status, index=pairs.index, dtype=object)
	return pairs


def _same_raw_number(numbers: pd.Series, bills: pd.Series) -> np.ndarray:
	"""Both numbers the same once stripped and upper-cased. Equal strings are the same without
	converting them (most pairs): only the others are stripped and upper-cased, as before."""
	same = np.array(
		[isinstance(a, str) and a == b for a, b in zip(numbers.tolist(), bills.tolist(), strict=True)],
		dtype=bool,
	)
	rest = ~same
	if rest.any():
		same[rest] = (
			numbers[rest].astype(str).str.strip().str.upper()
			== bills[rest].astype(str).str.strip().str.upper()
		).to_numpy()
	return same


def assign_pairs(pairs: pd.DataFrame, used_s: np.ndarray, used_p: np.ndarray) -> np.ndarray:
	"""Greedy one-to-one assignment: walk the candidates best first (earliest pass, same document
	type, highest score, then names) and keep a pair when both sides are still free. The order is
	total, so the result does not depend on the input order. Marks the chosen supplies and
	purchases in the `used_*` masks (by position). Returns the chosen pairs' positions in `pairs`,
	best first; only the sort keys are sorted (sorting the whole pair frame copied it twice)."""
	if pairs.empty:
		return np.zeros(0, dtype=np.int64)
	order = (
		pairs[["pass_no", "type_rank", "score", "name", "p_name"]]
		.reset_index(drop=True)
		.sort_values(
			["pass_no", "type_rank", "score", "name", "p_name"],
			ascending=[True, True, False, True, True],
			kind="mergesort",
		)
		.index.to_numpy()
	)
	s_idx, p_idx = pairs["s_idx"].to_numpy()[order].tolist(), pairs["p_idx"].to_numpy()[order].tolist()
	keep = np.zeros(len(order), dtype=bool)
	for k, (i, j) in enumerate(zip(s_idx, p_idx, strict=True)):
		if not used_s[i] and not used_p[j]:
			used_s[i] = used_p[j] = True
			keep[k] = True
	return order[keep]


def chosen_pairs(pairs: pd.DataFrame, positions: np.ndarray, tol: Tolerances) -> pd.DataFrame:
	"""What the result keeps of the pairs at `positions`: the supply's position, the purchase,
	status, score, whether the original's number matched, how the numbers relate and, for a pair
	that is not a clean Exact Match, its reasons (None otherwise). Taken right after each pass, so
	no pass's full pair frame outlives it."""
	columns = ["s_idx", "p_name", "match_status", "score", "via_original"]
	if pairs.empty or not len(positions):
		return pd.DataFrame(columns=[*columns, "number_relation", "reasons"])
	out = pairs[columns].take(positions).reset_index(drop=True)  # only these columns copied
	out["via_original"] = out["via_original"].fillna(False).astype(bool)
	cache: dict[tuple, str] = {}
	relation = []
	for key in zip(
		pairs["document_number"].to_numpy()[positions].tolist(),
		pairs["bill_no"].to_numpy()[positions].tolist(),
		strict=True,
	):
		if key not in cache:
			cache[key] = number_relation(*key)
		relation.append(cache[key])
	out["number_relation"] = pd.Series(relation, dtype=object)
	# an Exact pair has reasons only for differences within tolerance
	noisy = np.zeros(len(positions), dtype=bool)
	for column in AMOUNTS:
		noisy |= pairs[f"d_{column}"].to_numpy()[positions] > PAISA
	differing = np.flatnonzero((out["match_status"].to_numpy() != MatchStatus.EXACT.value) | noisy)
	reasons: list[list[dict[str, Any]] | None] = [None] * len(positions)
	for row, row_reasons in zip(
		differing.tolist(), pair_reasons(pairs.iloc[positions[differing]], tol), strict=True
	):
		reasons[row] = row_reasons
	out["reasons"] = pd.Series(reasons, dtype=object)
	return out


def _within_amounts(pairs: pd.DataFrame, tol: Tolerances) -> np.ndarray:
	ok = np.ones(len(pairs), dtype=bool)
	for column in AMOUNTS:
		ok &= ((pairs[column] - pairs[f"p_{column}"]).abs() <= tol.amount + EPSILON).to_numpy()
	return ok


def fuzzy_candidates(s: pd.DataFrame, p: pd.DataFrame, tol: Tolerances) -> pd.DataFrame:
	"""Within each supplier GSTIN's leftovers only: small groups, so rapidfuzz stays cheap."""
	s = s.dropna(subset=["supplier_gstin", "s_key"])
	p = p.dropna(subset=["p_supplier_gstin", "p_key"])
	if s.empty or p.empty:
		return pd.DataFrame()
	targets: dict[tuple[str, str], tuple[list[int], list[str]]] = {}
	for position, gstin, doc_class, key in zip(
		range(len(p)), p["p_supplier_gstin"].tolist(), p["p_class"].tolist(), p["p_key"].tolist(), strict=True
	):
		group = targets.setdefault((gstin, doc_class), ([], []))
		group[0].append(position)
		group[1].append(key)
	sources: dict[tuple[str, str], tuple[list[int], list[str]]] = {}
	for position, gstin, doc_class, key in zip(
		range(len(s)), s["supplier_gstin"].tolist(), s["s_class"].tolist(), s["s_key"].tolist(), strict=True
	):
		if (gstin, doc_class) in targets:
			group = sources.setdefault((gstin, doc_class), ([], []))
			group[0].append(position)
			group[1].append(key)
	rows: list[tuple[int, int, float]] = []
	for group_key, (s_positions, s_keys) in sources.items():
		p_positions, p_keys = targets[group_key]
		scores = process.cdist(s_keys, p_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD)
		for i, j in zip(*np.nonzero(scores), strict=True):
			rows.append((s_positions[i], p_positions[j], float(scores[i, j])))
	if not rows:
		return pd.DataFrame()
	s_rows, p_rows, ratios = zip(*rows, strict=True)
	s, p = _pair_side(s, [], S_PAIR_COLUMNS), _pair_side(p, [], P_PAIR_COLUMNS)
	pairs = s.iloc[list(s_rows)].reset_index(drop=True).join(p.iloc[list(p_rows)].reset_index(drop=True))
	pairs["fuzzy_ratio"] = ratios
	pairs["pass_no"], pairs["via_original"] = FUZZY_PASS, False
	return pairs[_within_amounts(pairs, tol)].reset_index(drop=True)


def leftover_candidates(s: pd.DataFrame, p: pd.DataFrame, tol: Tolerances) -> pd.DataFrame:
	"""Same supplier, amounts within tolerance, dates within the window, numbers unrelated. The
	merge is on taxable-value buckets as wide as the tolerance (a purchase sits in its bucket and
	both neighbours), so it never builds every pair of a supplier's leftovers."""
	s = s.dropna(subset=["supplier_gstin"])
	p = p.dropna(subset=["p_supplier_gstin"])
	if s.empty or p.empty:
		return pd.DataFrame()
	width = max(tol.amount, 0.01)
	s = _pair_side(s, ["s_class"], S_PAIR_COLUMNS)
	p = _pair_side(p, ["p_class"], P_PAIR_COLUMNS)
	s = s.assign(_bucket=np.floor(s["taxable_value"].to_numpy() / width).astype(np.int64))
	bucket = np.floor(p["p_taxable_value"].to_numpy() / width).astype(np.int64)
	p = pd.concat([p.assign(_bucket=bucket + shift) for shift in (-1, 0, 1)], ignore_index=True)
	pairs = s.merge(
		p,
		left_on=["supplier_gstin", "s_class", "_bucket"],
		right_on=["p_supplier_gstin", "p_class", "_bucket"],
	)
	if pairs.empty:
		return pairs
	pairs["pass_no"], pairs["via_original"] = LEFTOVER_PASS, False
	ok = _within_amounts(pairs, tol)
	ok &= ((pairs["document_date"] - pairs["bill_date"]).dt.days.abs() <= tol.days).to_numpy()
	return pairs[ok].reset_index(drop=True)


_REASON_COLUMNS: tuple[str, ...] = (
	"document_number",
	"bill_no",
	"d_days",
	"document_date",
	"bill_date",
	"type_bad",
	"document_type",
	"p_document_type",
	*(f"{prefix}{c}" for c in AMOUNTS for prefix in ("", "p_", "d_")),
	*(
		f"{prefix}{c}"
		for c in ("place_of_supply", "company_gstin", "supplier_gstin")
		for prefix in ("", "p_")
	),
)


def pair_reasons(pairs: pd.DataFrame, tol: Tolerances) -> list[list[dict[str, Any]]]:
	"""The fields of each pair that differ, in a fixed order (number, date, type, amounts,
	places). Plain lists, not itertuples: per-element access to pandas string arrays is slow; a
	block of rows at a time, so the lists (a Python object per value) stay small (issue 18)."""
	out: list[list[dict[str, Any]]] = []
	for start in range(0, len(pairs), _REASON_BLOCK):
		out += _block_reasons(pairs.iloc[start : start + _REASON_BLOCK], tol)
	return out


_REASON_BLOCK = 4096


def _block_reasons(pairs: pd.DataFrame, tol: Tolerances) -> list[list[dict[str, Any]]]:
	columns = {c: pairs[c].tolist() for c in _REASON_COLUMNS}
	out = []
	for i in range(len(pairs)):
		row = {c: values[i] for c, values in columns.items()}
		reasons = []
		if str(row["document_number"]).strip().upper() != str(row["bill_no"]).strip().upper():
			reasons.append(make_reason("document_number", row["document_number"], row["bill_no"]))
		if row["d_days"] > 0:
			difference = f"{int(row['d_days'])} days" if row["d_days"] < 9999 else None
			reasons.append(
				make_reason("document_date", _date(row["document_date"]), _date(row["bill_date"]), difference)
			)
		if row["type_bad"]:
			reasons.append(make_reason("document_type", row["document_type"], row["p_document_type"]))
		for column in AMOUNTS:
			if row[f"d_{column}"] > PAISA:
				ims, purchase = float(row[column]), float(row[f"p_{column}"])
				within = row[f"d_{column}"] <= tol.amount + EPSILON
				reasons.append(
					make_reason(column, ims, purchase, round(ims - purchase, 2), within_tolerance=within)
				)
		for column in ("place_of_supply", "company_gstin", "supplier_gstin"):
			ims, purchase = row[column], row[f"p_{column}"]
			if not _blank(ims) and not _blank(purchase) and str(ims) != str(purchase):
				reasons.append(make_reason(column, ims, purchase))
		out.append(reasons)
	return out


def _date(value: Any) -> Any:
	return None if _blank(value) else value.date()


def _blank(value: Any) -> bool:
	return value is None or value == "" or (not isinstance(value, str) and pd.isna(value))
