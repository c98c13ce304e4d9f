"""Frames read from the database for reconciliation: amounts as floats, repeated strings shared.

At 100k rows a GSTIN, a status or a section repeated in every row costs memory once per row
unless equal strings are made one object; amounts come back as Decimals, which pandas keeps as
Python objects, unless converted. Both readers (supplies and Purchase Invoices) go through here.
"""

from __future__ import annotations

AMOUNT_COLUMNS = (
	"taxable_value",
	"igst",
	"cgst",
	"sgst",
	"cess",
	"match_score",
	"purchase_taxable_value",
	"purchase_total_tax",
	"purchase_net_total",
)


#: Columns whose values are (nearly) unique: never worth sharing.
UNIQUE_COLUMNS = frozenset(
	("name", "document_number", "original_number", "match_reasons", "purchase", "purchase_invoice", "bill_no")
)


def compact(frame, shared: dict):
	"""Amount columns as floats; in other text columns, equal strings become one object (a
	GSTIN, a status or a section repeated 100k times is stored once). Missing values stay as
	they were; each column keeps its dtype."""
	import pandas as pd
	from pandas.api.types import is_string_dtype

	for column in frame.columns:
		if column in AMOUNT_COLUMNS or column in ("net_total", "base_net_amount"):
			frame[column] = frame[column].astype(float)
		elif column not in UNIQUE_COLUMNS and (
			frame[column].dtype == object or is_string_dtype(frame[column].dtype)
		):
			values = [v if v is None else shared.setdefault(v, v) for v in frame[column].tolist()]
			frame[column] = pd.Series(values, index=frame.index, dtype=frame[column].dtype)
	return frame
