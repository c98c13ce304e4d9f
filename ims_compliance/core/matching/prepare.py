"""The engine's input frames made fit to match: required columns checked, optional ones
defaulted, names unique, and the keys every pass merges on added beside the user's columns
(normalised document numbers, supplier PAN, document class, port code). Purchase columns are
prefixed `p_` so a merged pair keeps both sides' values."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.matching.numbers import normalise_number
from ims_compliance.core.sections import BILL_OF_ENTRY, CREDIT_NOTE, DEBIT_NOTE, INVOICE

AMOUNTS: tuple[str, ...] = ("taxable_value", "igst", "cgst", "sgst", "cess")
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
_CLASSES = {CREDIT_NOTE: "CN", DEBIT_NOTE: "DN", BILL_OF_ENTRY: "BOE"}  # everything else: "INV"


def _check_columns(
	frame: pd.DataFrame, required: Iterable[str], location: str, optional: Iterable[str] = ()
) -> pd.DataFrame:
	"""A copy of `frame`'s required and `optional` columns (those it has) once its columns and
	names are fit to match. An empty frame may come without columns (nothing was read): it gets
	them. The other columns are left behind: at 100k rows each copied column costs a pointer per
	row, and the caller's frame keeps them anyway (issue 18)."""
	wanted = [c for c in (*required, *optional) if c in frame.columns]
	frame = frame[wanted].copy()
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
	(pandas merges NaN with NaN, so blanks are removed before every merge). Each distinct value is
	converted once and its result shared: a GSTIN repeated on 100k rows is one string, not 100k."""
	done: dict[str, str | None] = {}
	values = []
	for v in series.tolist():
		if not isinstance(v, str):
			values.append(None)
			continue
		out = done.get(v, "")
		if out == "":
			out = done[v] = v.strip().upper() or None
		values.append(out)
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
	"""The PAN inside each GSTIN, one string per distinct GSTIN (shared, as in `_text`)."""
	done: dict[str, str] = {}
	values = []
	for g in gstins.tolist():
		if g and len(g) == 15:
			pan = done.get(g)
			if pan is None:
				pan = done[g] = g[2:12]
			values.append(pan)
		else:
			values.append(None)
	return pd.Series(values, index=gstins.index)


def _doc_class(document_type: pd.Series) -> np.ndarray:
	"""Credit notes against return Purchase Invoices, debit notes against purchases marked as
	debit notes, Bills of Entry against Bills of Entry, invoices against the rest."""
	return np.array([_CLASSES.get(t, "INV") for t in document_type.astype(str).tolist()], dtype=object)


def _port(series: pd.Series) -> list[str | None]:
	return [(str(v).strip().upper() or None) if isinstance(v, str) else None for v in series.tolist()]


def _amounts(frame: pd.DataFrame) -> None:
	for column in AMOUNTS:
		frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0.0).astype(float)


#: Columns a supply may bring beyond the required ones, with the value assumed when it does not.
SUPPLY_OPTIONAL: dict[str, object] = {
	"original_number": None,
	"place_of_supply": None,
	"company_gstin": None,
	"supplier_filed": True,
	"match_status": None,
	"purchase": None,
	"port_code": None,
}


def prepare_supplies(supplies: pd.DataFrame, cache: dict[str, str | None]) -> pd.DataFrame:
	"""A copy of the columns of `supplies` the engine reads, the optional ones defaulted (filed
	unless told otherwise), with the keys the passes merge on: `s_class`, `s_key`, `s_okey` (the
	original's number, which replaces `original_number`), `s_pan`, `s_idx` (position). `cache`
	normalises each document number once, shared with the purchases."""
	s = _check_columns(supplies, SUPPLY_REQUIRED, "supplies", SUPPLY_OPTIONAL)
	for column, default in SUPPLY_OPTIONAL.items():
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
	s["s_okey"] = _keys(s.pop("original_number"), cache)
	s["s_pan"] = _pan(s["supplier_gstin"])
	s["document_date"] = pd.to_datetime(s["document_date"], errors="coerce")
	_amounts(s)
	s = s.reset_index(drop=True)
	s["s_idx"] = np.arange(len(s))
	return s


def prepare_purchases(purchases: pd.DataFrame, cache: dict[str, str | None]) -> pd.DataFrame:
	"""A copy of `purchases` cut to the columns the passes read, prefixed `p_` (so a merged pair
	keeps both sides; `bill_no` and `bill_date` need no prefix), with `p_class`, `p_key`, `p_pan`
	and `p_idx` (position)."""
	optional = ("place_of_supply", "company_gstin", "port_code")
	p = _check_columns(purchases, PURCHASE_REQUIRED, "purchases", optional)
	for column in optional:
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
