"""Frames read from the database for reconciliation: typed columns built as the rows arrive.

At 100k rows a GSTIN, a status or a section repeated in every row costs memory once per row
unless equal strings are made one object; amounts come back as Decimals and dates as date
objects, which pandas keeps as Python objects unless converted. So every reader (supplies,
Purchase Invoices, their lines and taxes) goes through `ColumnChunks`: each chunk of rows is split
at once into float64, datetime64 and object columns with shared strings, and no chunk's tuples,
Decimals or dates outlive it (issue 18). Built through a DataFrame per chunk instead, a column
left as a view of pandas' 2-D object array kept every value of its chunk alive until the final
concat: ~150 MB at the peak for a 35 MB frame of supplies, memory Python does not give back.
`batches` streams a query from an unbuffered cursor for the readers that need no keyset paging.
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
	(
		"name",
		"document_number",
		"original_number",
		"match_reasons",
		"match_reasons_md5",
		"purchase",
		"purchase_invoice",
		"bill_no",
		"parent",
	)
)


_EMPTY = {"date": "datetime64[s]", "int": "int64", "float": "float64", "text": object}
_NULL_TEXT = {"date": "NaT", "int": "0", "float": "nan"}
_SEP = "\x1f"  # char(31), the unit separator: between the values of a packed row


def _packing_errors() -> tuple:
	from pymysql.err import InternalError, OperationalError, ProgrammingError

	return (InternalError, OperationalError, ProgrammingError)


#: What a packed read may meet that a plain one would not (columns of two collations cannot be
#: concatenated on a site whose tables differ): the query is then read plainly.
PACKING_ERRORS = _packing_errors()


class ColumnChunks:
	"""A frame read in chunks of row tuples, kept column by column: `dates` as datetime64[s]
	(NaT for NULL), AMOUNT_COLUMNS and `floats` as float64 (NaN for NULL), `ints` as int64, text
	as object arrays with None for NULL, repeated strings shared across chunks (UNIQUE_COLUMNS
	excepted). `frame()` joins the chunks one column at a time."""

	def __init__(self, columns, *, dates=(), ints=(), floats=()):
		self.columns = list(columns)
		self.kinds = [
			"date"
			if c in dates
			else "int"
			if c in ints
			else "float"
			if c in AMOUNT_COLUMNS or c in floats
			else "text"
			for c in self.columns
		]
		self.parts = [[] for _ in self.columns]
		self.shared: dict = {}

	def add(self, rows) -> None:
		import numpy as np

		for position, kind in enumerate(self.kinds):
			values = [row[position] for row in rows]
			if kind == "date":
				part = np.array(values, dtype="datetime64[s]")
			elif kind == "int":  # Check columns: NOT NULL in Frappe's schema
				part = np.array([v or 0 for v in values], dtype=np.int64)
			elif kind == "float":
				part = np.array(values, dtype=float)
			else:
				if self.columns[position] not in UNIQUE_COLUMNS:
					shared = self.shared
					values = [v if v is None else shared.setdefault(v, v) for v in values]
				part = np.array(values, dtype=object)
			self.parts[position].append(part)

	def add_packed(self, packed: list[str]) -> bool:
		"""Rows as `packed_sql` returns them (one string a row). False, adding nothing, when a
		value held the separator (the field count does not add up): read that query plainly."""
		import numpy as np

		width = len(self.columns)
		values = _SEP.join(packed).split(_SEP)
		if len(values) != width * len(packed):
			return False
		columns = [values[position::width] for position in range(width)]
		del values
		for position, kind in enumerate(self.kinds):
			column = columns[position]
			if kind == "date":
				part = np.array(column, dtype="datetime64[s]")
			elif kind == "int":
				part = np.array(column).astype(np.int64)
			elif kind == "float":
				part = np.array(column, dtype=float)
			else:  # "" is NULL, "v..." a value (see packed_sql)
				if self.columns[position] in UNIQUE_COLUMNS:
					texts = [v[1:] if v else None for v in column]
				else:  # each distinct value decoded once, and shared
					shared = self.shared
					decoded = {v: shared.setdefault(v[1:], v[1:]) if v else None for v in set(column)}
					texts = list(map(decoded.__getitem__, column))
				part = np.array(texts, dtype=object)
			columns[position] = None
			self.parts[position].append(part)
		return True

	def packed_sql(self, sql: str, *, order_by: str | None = None) -> str:
		"""`sql` (selecting `columns`, in order, under those names) with each row packed into one
		string: PyMySQL spends about 0.6 us a value turning rows into Python objects, 1.8 s for
		100k supply rows of 30 columns, against 0.3 s for one string a row that numpy and
		`str.split` take apart (issue 18). Text is prefixed with "v" ("" is NULL), NULL amounts
		are "nan", NULL dates "NaT", NULL flags "0"."""
		parts = []
		for column, kind in zip(self.columns, self.kinds, strict=True):
			ref = f"t.`{column}`"
			if kind == "text":
				parts.append(f"ifnull(concat('v', {ref}), '')")
			else:
				parts.append(f"ifnull({ref}, '{_NULL_TEXT[kind]}')")
		order = f" order by t.`{order_by}`" if order_by else ""
		return f"select concat_ws(char(31), {', '.join(parts)}) from ({sql}) t{order}"

	def frame(self):
		import numpy as np
		import pandas as pd

		data = {}
		for position, column in enumerate(self.columns):
			parts = self.parts[position]
			data[column] = (
				np.concatenate(parts) if parts else np.array([], dtype=_EMPTY[self.kinds[position]])
			)
			parts.clear()  # each column's chunks go as soon as it is joined
		return pd.DataFrame(data, copy=False)


def batches(query, size: int = 5000):
	"""The rows of a query-builder query, `size` at a time, from an unbuffered cursor (see
	`sql_batches`)."""
	return sql_batches(*query_sql(query), size)


def read_frame(query, columns, **kinds):
	"""A query's rows as a frame built by `ColumnChunks` (`kinds`: its dates, ints and floats),
	streamed in batches, packed one string a row (`ColumnChunks.packed_sql`); read plainly when a
	value held the separator."""
	reader = ColumnChunks(columns, **kinds)
	sql, params = query_sql(query)
	whole = True
	try:
		for batch in sql_batches(reader.packed_sql(sql), params):
			whole = whole and reader.add_packed([row[0] for row in batch])
	except PACKING_ERRORS:
		whole = False
	if whole:
		return reader.frame()
	reader = ColumnChunks(columns, **kinds)
	for batch in batches(query):
		reader.add(batch)
	return reader.frame()


def query_sql(query) -> tuple[str, dict]:
	"""A query-builder query's text and parameters, as its `run()` sends them."""
	from frappe.query_builder.terms import NamedParameterWrapper

	wrapper = NamedParameterWrapper()
	return query.get_sql(param_wrapper=wrapper), wrapper.get_parameters()


def sql_batches(sql: str, params, size: int = 5000):
	"""The rows of `sql`, `size` at a time, from an unbuffered cursor: the driver parses rows as
	they are consumed, so a 200k-row result never exists as one list of tuples (with a Decimal,
	a date or a string object per value). Consume every batch: the connection serves no other
	query until the result is read."""
	import itertools

	import frappe

	with frappe.db.unbuffered_cursor():
		rows = frappe.db.sql(sql, params, as_iterator=True, as_list=True)
		while batch := list(itertools.islice(rows, size)):
			yield batch
