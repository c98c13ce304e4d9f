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

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.matching.numbers import SAME, normalise_number, number_relation
from ims_compliance.core.matching.reasons import make_hint, make_reason
from ims_compliance.core.matching.recommend import recommend
from ims_compliance.core.matching.status import MatchStatus, Tolerances
from ims_compliance.core.sections import BILL_OF_ENTRY, CREDIT_NOTE, DEBIT_NOTE, INVOICE

AMOUNTS: tuple[str, ...] = ("taxable_value", "igst", "cgst", "sgst", "cess")
FUZZY_THRESHOLD = 85.0  # rapidfuzz ratio on normalised numbers; "ABC12345" vs "ABC12354" is 87.5
SUPPLY_REQUIRED: tuple[str, ...] = (
	"name",
	"supplier_gstin",
	"document_type",
	"document_number",
	"document_date",
	*AMOUNTS,
)
PURCHASE_REQUIRED: tuple[str, ...] = (
	"name",
	"supplier_gstin",
	"document_type",
	"bill_no",
	"bill_date",
	*AMOUNTS,
)
BOE_PASS, GSTIN_PASS, PAN_PASS, FUZZY_PASS, LEFTOVER_PASS = 0, 1, 2, 3, 4
_CLASSES = {CREDIT_NOTE: "CN", DEBIT_NOTE: "DN", BILL_OF_ENTRY: "BOE"}  # everything else: "INV"
_PAISA = 0.005  # smaller differences are float noise, not worth a reason
MAX_HINTS = 3
_EPSILON = 1e-9  # amounts are floats: Rs 1.00 off with a Rs 1 tolerance must stay within


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
	s = _prepare_supplies(supplies, cache)
	p = _prepare_purchases(purchases, cache)
	is_manual = (s["match_status"].eq(MatchStatus.MANUAL.value) & s["purchase"].notna()).to_numpy()
	manual = s[is_manual]
	# taken rows, by position: boolean masks (not name sets) keep each pass's filtering cheap
	used_s = np.array(is_manual, dtype=bool)
	used_p = p["p_name"].isin(set(manual["purchase"])).to_numpy().copy()
	boe_s, boe_p = (s["s_class"] == "BOE").to_numpy(), (p["p_class"] == "BOE").to_numpy()

	chosen = []
	for key in ("s_key", "s_okey"):  # Bills of Entry: number (then the original's), date, port
		pairs = _merge(
			s[~used_s & boe_s], p[~used_p & boe_p], left_on=["s_class", key], right_on=["p_class", "p_key"]
		)
		if not pairs.empty:
			ports = pairs["port_code"].to_numpy(dtype=object), pairs["p_port_code"].to_numpy(dtype=object)
			same_port = np.array(
				[a is None or b is None or a == b for a, b in zip(*ports, strict=True)], dtype=bool
			)
			pairs = pairs[same_port].reset_index(drop=True)
		pairs["pass_no"], pairs["via_original"] = BOE_PASS, key == "s_okey"
		chosen.append(_assign(_score(pairs, tol), used_s, used_p))
	key_passes = (  # the amendment's original number is tried only after its own number
		(["supplier_gstin", "s_class", "s_key"], ["p_supplier_gstin", "p_class", "p_key"], GSTIN_PASS, False),
		(["supplier_gstin", "s_class", "s_okey"], ["p_supplier_gstin", "p_class", "p_key"], GSTIN_PASS, True),
		(["s_pan", "s_class", "s_key"], ["p_pan", "p_class", "p_key"], PAN_PASS, False),
	)
	for left_on, right_on, pass_no, via_original in key_passes:
		pairs = _merge(s[~used_s & ~boe_s], p[~used_p & ~boe_p], left_on=left_on, right_on=right_on)
		pairs["pass_no"], pairs["via_original"] = pass_no, via_original
		chosen.append(_assign(_score(pairs, tol), used_s, used_p))
	free_s, free_p = ~used_s & ~boe_s, ~used_p & ~boe_p
	chosen.append(_assign(_score(_fuzzy_candidates(s[free_s], p[free_p], tol), tol), used_s, used_p))
	free_s, free_p = ~used_s & ~boe_s, ~used_p & ~boe_p
	chosen.append(_assign(_score(_leftover_candidates(s[free_s], p[free_p], tol), tol), used_s, used_p))
	manual_pairs = _merge(manual, p, left_on=["purchase"], right_on=["p_name"])
	if not manual_pairs.empty:  # the user's link stands; its differences are still worth showing
		manual_pairs = _score(manual_pairs.assign(pass_no=GSTIN_PASS, via_original=False), tol)
		manual_pairs["match_status"] = MatchStatus.MANUAL.value
		chosen.append(manual_pairs)
	matched = [c for c in chosen if not c.empty]

	out = _result_frame(s, manual, pd.concat(matched, ignore_index=True) if matched else None, tol)
	if other_purchases is not None and len(other_purchases):
		_add_hints(out, s, _prepare_purchases(other_purchases, cache))
	actions, reviews, whys = _recommendations(out, s, recommendation_map or {})
	out["recommended_action"], out["needs_review"], out["recommendation_reason"] = actions, reviews, whys
	out = out.drop(columns=["number_relation", "via_original"])
	missing_in_ims = purchases[~used_p].copy() if len(purchases) else purchases.copy()
	stats = {str(k): int(v) for k, v in out["match_status"].value_counts().items()}
	stats[MatchStatus.MISSING_IN_IMS.value] = len(missing_in_ims)
	return ReconcileResult(supplies=out, missing_in_ims=missing_in_ims, stats=stats)


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
	pairs = _merge(
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


def _result_frame(
	s: pd.DataFrame, manual: pd.DataFrame, matched: pd.DataFrame | None, tol: Tolerances
) -> pd.DataFrame:
	"""One row per supply, in input order: Missing in PI unless a pass (or a user) linked it."""
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
		via_original[rows] = matched["via_original"].fillna(False).astype(bool).to_numpy()
		cache: dict[tuple, str] = {}
		for row, a, b in zip(
			rows.tolist(), matched["document_number"].tolist(), matched["bill_no"].tolist(), strict=True
		):
			key = (a, b)
			if key not in cache:
				cache[key] = number_relation(a, b)
			relation[row] = cache[key]
		# an Exact pair has reasons only for differences within tolerance
		noisy = np.zeros(len(matched), dtype=bool)
		for column in AMOUNTS:
			noisy |= matched[f"d_{column}"].to_numpy() > _PAISA
		differing = matched[(matched["match_status"].to_numpy() != MatchStatus.EXACT.value) | noisy]
		for row, row_reasons in zip(differing["s_idx"].tolist(), _reasons(differing, tol), strict=True):
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


def _check_columns(frame: pd.DataFrame, required: Iterable[str], location: str) -> pd.DataFrame:
	"""A copy of `frame` once its columns and names are fit to match. An empty frame may come
	without columns (nothing was read): it gets them."""
	frame = frame.copy()
	if frame.empty:
		for column in required:
			if column not in frame.columns:
				frame[column] = pd.Series(dtype=float if column in AMOUNTS else object)
	for column in required:
		if column not in frame.columns:
			raise IMSValidationError(
				f"the {location} frame has no column {column!r}", location=location, field=column
			)
	duplicated = np.flatnonzero(frame["name"].duplicated().to_numpy())
	if len(duplicated):
		row = int(duplicated[0])
		raise IMSValidationError(
			f"name {frame['name'].iloc[row]!r} appears more than once; each row needs its own name",
			location=f"{location} row {row}",  # position in the frame, from 0
			field="name",
		)
	return frame


def _text(series: pd.Series) -> pd.Series:
	"""Upper-cased stripped strings, None for blanks: a blank key must never equal another blank
	(pandas merges NaN with NaN, so blanks are removed before every merge)."""
	values = [(v.strip().upper() or None) if isinstance(v, str) else None for v in series.tolist()]
	return pd.Series(values, index=series.index, dtype=object)


def _keys(series: pd.Series, cache: dict[str, str | None]) -> list[str | None]:
	keys = []
	for value in series.tolist():
		if not isinstance(value, str):
			keys.append(None)
			continue
		key = cache.get(value, "")
		if key == "":
			key = cache[value] = normalise_number(value) or None
		keys.append(key)
	return keys


def _pan(gstins: pd.Series) -> pd.Series:
	return pd.Series([g[2:12] if g and len(g) == 15 else None for g in gstins.tolist()], index=gstins.index)


def _doc_class(document_type: pd.Series) -> np.ndarray:
	"""Credit notes against return Purchase Invoices, debit notes against purchases marked as
	debit notes, Bills of Entry against Bills of Entry, invoices against the rest."""
	return np.array([_CLASSES.get(t, "INV") for t in document_type.astype(str).tolist()], dtype=object)


def _port(series: pd.Series) -> list[str | None]:
	return [(str(v).strip().upper() or None) if isinstance(v, str) else None for v in series.tolist()]


def _amounts(frame: pd.DataFrame) -> None:
	for column in AMOUNTS:
		frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0.0).astype(float)


def _prepare_supplies(supplies: pd.DataFrame, cache: dict[str, str | None]) -> pd.DataFrame:
	s = _check_columns(supplies, SUPPLY_REQUIRED, "supplies")
	for column, default in (
		("original_number", None),
		("place_of_supply", None),
		("company_gstin", None),
		("supplier_filed", True),
		("match_status", None),
		("purchase", None),
		("port_code", None),
	):
		if column not in s:
			s[column] = default
	s["port_code"] = _port(s["port_code"])
	s["supplier_filed"] = s["supplier_filed"].fillna(True).astype(bool)
	s["purchase"] = [v if isinstance(v, str) and v else None for v in s["purchase"].tolist()]
	s["document_type"] = s["document_type"].fillna(INVOICE).astype(str)
	s["supplier_gstin"] = _text(s["supplier_gstin"])
	s["company_gstin"] = _text(s["company_gstin"])
	s["s_class"] = _doc_class(s["document_type"])
	s["s_key"] = _keys(s["document_number"], cache)
	s["s_okey"] = _keys(s["original_number"], cache)
	s["s_pan"] = _pan(s["supplier_gstin"])
	s["document_date"] = pd.to_datetime(s["document_date"], errors="coerce")
	_amounts(s)
	s = s.reset_index(drop=True)
	s["s_idx"] = np.arange(len(s))
	return s


def _prepare_purchases(purchases: pd.DataFrame, cache: dict[str, str | None]) -> pd.DataFrame:
	p = _check_columns(purchases, PURCHASE_REQUIRED, "purchases")
	for column in ("place_of_supply", "company_gstin", "port_code"):
		if column not in p:
			p[column] = None
	p["port_code"] = _port(p["port_code"])
	p["document_type"] = p["document_type"].fillna(INVOICE).astype(str)
	p["supplier_gstin"] = _text(p["supplier_gstin"])
	p["company_gstin"] = _text(p["company_gstin"])
	p["p_class"] = _doc_class(p["document_type"])
	p["p_key"] = _keys(p["bill_no"], cache)
	p["p_pan"] = _pan(p["supplier_gstin"])
	p["bill_date"] = pd.to_datetime(p["bill_date"], errors="coerce")
	_amounts(p)
	renamed = (
		"name",
		*AMOUNTS,
		"place_of_supply",
		"company_gstin",
		"supplier_gstin",
		"document_type",
		"port_code",
	)
	p = p.rename(columns={c: f"p_{c}" for c in renamed})
	p = p[
		[
			*(f"p_{c}" for c in renamed),
			"bill_no",
			"bill_date",
			"p_class",
			"p_key",
			"p_pan",
		]
	].reset_index(drop=True)
	p["p_idx"] = np.arange(len(p))
	return p


def _merge(s: pd.DataFrame, p: pd.DataFrame, *, left_on: list[str], right_on: list[str]) -> pd.DataFrame:
	"""Inner merge on keys that are present on both sides (a blank key matches nothing)."""
	s = s.dropna(subset=left_on)
	p = p.dropna(subset=right_on)
	if s.empty or p.empty:
		return pd.DataFrame()
	return s.merge(p, left_on=left_on, right_on=right_on, how="inner")


def _differs(left: pd.Series, right: pd.Series) -> np.ndarray:
	"""Both known and different (an unknown value on either side is not a difference)."""
	return (left.notna() & right.notna() & (left.astype(str) != right.astype(str))).to_numpy()


def _score(pairs: pd.DataFrame, tol: Tolerances) -> pd.DataFrame:
	"""Differences, score (0-100) and status of each candidate pair, vectorised."""
	if pairs.empty:
		return pairs
	amount_bad = np.zeros(len(pairs), dtype=bool)
	penalty = np.zeros(len(pairs))
	for column in AMOUNTS:
		diff = (pairs[column] - pairs[f"p_{column}"]).abs().to_numpy()
		pairs[f"d_{column}"] = diff
		bad = diff > tol.amount + _EPSILON
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
	raw_same = (
		pairs["document_number"].astype(str).str.strip().str.upper()
		== pairs["bill_no"].astype(str).str.strip().str.upper()
	).to_numpy()
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
	status = np.where(
		exact,
		MatchStatus.EXACT.value,
		np.where(hard | (pass_no == LEFTOVER_PASS), MatchStatus.MISMATCH.value, MatchStatus.SUGGESTED.value),
	)
	pairs["match_status"] = status
	return pairs


def _assign(pairs: pd.DataFrame, used_s: np.ndarray, used_p: np.ndarray) -> pd.DataFrame:
	"""Greedy one-to-one assignment: walk the candidates best first (earliest pass, same document
	type, highest score, then names) and keep a pair when both sides are still free. The order is
	total, so the result does not depend on the input order. Marks the chosen supplies and
	purchases in the `used_*` masks (by position)."""
	if pairs.empty:
		return pairs
	ordered = pairs.sort_values(
		["pass_no", "type_rank", "score", "name", "p_name"],
		ascending=[True, True, False, True, True],
		kind="mergesort",
	)
	keep = np.zeros(len(ordered), dtype=bool)
	for k, (i, j) in enumerate(zip(ordered["s_idx"].tolist(), ordered["p_idx"].tolist(), strict=True)):
		if not used_s[i] and not used_p[j]:
			used_s[i] = used_p[j] = True
			keep[k] = True
	return ordered[keep]


def _within_amounts(pairs: pd.DataFrame, tol: Tolerances) -> np.ndarray:
	ok = np.ones(len(pairs), dtype=bool)
	for column in AMOUNTS:
		ok &= ((pairs[column] - pairs[f"p_{column}"]).abs() <= tol.amount + _EPSILON).to_numpy()
	return ok


def _fuzzy_candidates(s: pd.DataFrame, p: pd.DataFrame, tol: Tolerances) -> pd.DataFrame:
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
	pairs = s.iloc[list(s_rows)].reset_index(drop=True).join(p.iloc[list(p_rows)].reset_index(drop=True))
	pairs["fuzzy_ratio"] = ratios
	pairs["pass_no"], pairs["via_original"] = FUZZY_PASS, False
	return pairs[_within_amounts(pairs, tol)].reset_index(drop=True)


def _leftover_candidates(s: pd.DataFrame, p: pd.DataFrame, tol: Tolerances) -> pd.DataFrame:
	"""Same supplier, amounts within tolerance, dates within the window, numbers unrelated. The
	merge is on taxable-value buckets as wide as the tolerance (a purchase sits in its bucket and
	both neighbours), so it never builds every pair of a supplier's leftovers."""
	s = s.dropna(subset=["supplier_gstin"])
	p = p.dropna(subset=["p_supplier_gstin"])
	if s.empty or p.empty:
		return pd.DataFrame()
	width = max(tol.amount, 0.01)
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


def _reasons(pairs: pd.DataFrame, tol: Tolerances) -> list[list[dict[str, Any]]]:
	"""The fields of each pair that differ, in a fixed order (number, date, type, amounts,
	places). Plain lists, not itertuples: per-element access to pandas string arrays is slow."""
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
			if row[f"d_{column}"] > _PAISA:
				ims, purchase = float(row[column]), float(row[f"p_{column}"])
				within = row[f"d_{column}"] <= tol.amount + _EPSILON
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
