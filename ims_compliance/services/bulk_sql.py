"""Bulk SQL text for the app's large writes (issue 4, issue 18): multi-row INSERTs, UPDATEs joined
to a derived table of values, and time-ordered row names.

A first download inserts 100k rows of about 50 columns. Passing them through pymysql's
placeholders escapes each value through four calls; rendering the literals here by Python type,
with the columns that are the same for every row rendered once, builds the same statement in a
fraction of the time. `insert_statements` goes further for the download: it renders a whole
column at once (one type check per column, not per value), and the download runs those
statements ahead on a helper thread (`run_ahead`) while the server runs the previous one, which
keeps a 100k-row first download's Python share small beside the server's (16 secondary indexes)."""

from __future__ import annotations

import datetime as dt
import math
import queue
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice, product
from operator import methodcaller
from typing import TYPE_CHECKING, TypeVar

import frappe

if TYPE_CHECKING:
	from ims_compliance.services.second_connection import SideQueue

Escape = Callable[[str], str]
T = TypeVar("T")

#: frappe.db.sql rewrites "ifnull(" anywhere in a query's text, string literals included
_IFNULL = re.compile(r"(ifnull)\(", re.IGNORECASE)
_EXACT = frozenset((str, bool, int, float))
_NONE = type(None)
#: What pymysql's escape_string does to text when the server takes backslash escapes (the
#: default sql_mode): `_quoter` checks it against the connection before relying on it.
_BACKSLASH_ESCAPES = str.maketrans(
	{"\x00": "\\0", "\n": "\\n", "\r": "\\r", "\x1a": "\\Z", '"': '\\"', "'": "\\'", "\\": "\\\\"}
)
_BACKSLASH_SPECIALS = "\x00\n\r\x1a\"'\\"
_PROBE = "a" + _BACKSLASH_SPECIALS + "b"
_QUOTED = "'{}'"


def sql_literal(value: object, escape: Escape) -> str:
	"""One value as MariaDB literal text; `escape` is the connection's escape_string (it knows
	whether the server runs with NO_BACKSLASH_ESCAPES). Exact types first: this runs per value."""
	if value is None:
		return "NULL"
	kind = type(value)
	if kind is str or (kind not in _EXACT and isinstance(value, str)):
		text = escape(str(value))
		if "(" in text and _IFNULL.search(text):
			text = _IFNULL.sub(r"\1' '(", text)  # adjacent literals: MariaDB joins them again
		return f"'{text}'"
	if kind is bool:
		return "1" if value else "0"
	if kind is float or (kind not in _EXACT and isinstance(value, float)):
		if not math.isfinite(value):
			raise ValueError(f"{value} cannot be stored")
		return repr(float(value))
	if kind is int or (kind not in _EXACT and isinstance(value, int)):
		return str(int(value))
	if isinstance(value, dt.datetime):
		return f"'{value.isoformat(' ')}'"
	if isinstance(value, dt.date):
		return f"'{value.isoformat()}'"
	raise TypeError(f"no SQL literal for {kind.__name__} {value!r}")


def _escaper(escape: Escape) -> tuple[str | None, Callable[[list[str]], list[str]]]:
	"""The characters `escape` changes (None: unknown) and a function escaping a list of str
	exactly as it does: without a Python call per value when the connection escapes as pymysql
	does by default (backslashes) or under NO_BACKSLASH_ESCAPES (quotes doubled); else `escape`
	per value."""
	escaped = escape(_PROBE)
	if escaped == _PROBE.translate(_BACKSLASH_ESCAPES):
		return _BACKSLASH_SPECIALS, lambda values: list(
			map(methodcaller("translate", _BACKSLASH_ESCAPES), values)
		)
	if escaped == _PROBE.replace("'", "''"):
		return "'", lambda values: list(map(methodcaller("replace", "'", "''"), values))
	return None, lambda values: list(map(escape, values))


def _quote_column(values: list[str], escape: Escape) -> list[str]:
	"""`sql_literal` of each str in `values`. Most columns (GSTINs, numbers, hashes) hold no
	character that needs escaping and no "ifnull(": one scan of the joined column finds out."""
	joined = "".join(values)
	specials, escape_all = _escaper(escape)
	if specials is None or any(c in joined for c in specials):
		values = escape_all(values)
	quoted = list(map(_QUOTED.format, values))
	if "(" in joined and _IFNULL.search(joined):
		return [_IFNULL.sub(r"\1' '(", text) if "(" in text else text for text in quoted]
	return quoted


def render_column(values: Sequence[object], escape: Escape) -> list[str]:
	"""The literal text of every value of one column, the same text `sql_literal` gives each one,
	chosen once for the column by the set of its value types (the download's columns each hold
	one type, maybe with NULLs); a column of mixed types falls back to `sql_literal` per value."""
	kinds = set(map(type, values))
	nullable = _NONE in kinds
	kinds.discard(_NONE)
	if not kinds:
		return ["NULL"] * len(values)
	present = [v for v in values if v is not None] if nullable else values
	if kinds == {str}:
		rendered = _quote_column(present, escape)
	elif kinds <= {float, int}:
		if float in kinds and not all(map(math.isfinite, present)):
			raise ValueError(f"{next(v for v in present if not math.isfinite(v))} cannot be stored")
		rendered = list(map(repr, present))  # repr(5) == str(5); repr of a float as sql_literal
	elif kinds == {bool}:
		rendered = ["1" if v else "0" for v in present]
	elif kinds == {dt.date}:
		rendered = list(map(_QUOTED.format, map(dt.date.isoformat, present)))
	elif kinds == {dt.datetime}:
		rendered = [f"'{v.isoformat(' ')}'" for v in present]
	else:
		return [sql_literal(v, escape) for v in values]
	if not nullable:
		return rendered
	filled = iter(rendered)
	return ["NULL" if v is None else next(filled) for v in values]


def insert_statements(
	doctype: str,
	columns: Mapping[str, Sequence[object]],
	*,
	escape: Escape,
	constants: Mapping[str, object] | None = None,
	chunk: int = 2500,
) -> Iterator[str]:
	"""Multi-row INSERT text for rows given column by column (`columns`: field -> one value per
	row, all the same length), `constants` appended to every row, `chunk` rows a statement.
	Each statement's columns are rendered whole (`render_column`) and zipped into rows: the
	same text `insert_rows` builds. Pure (no database), so it can run ahead on another thread."""
	fields = list(columns)
	if not fields:
		return
	count = len(columns[fields[0]])
	if any(len(columns[f]) != count for f in fields):
		raise ValueError("insert_statements needs one value per row in every column")
	constants = constants or {}
	names = ", ".join(f"`{f}`" for f in (*fields, *constants))
	tail = "".join("," + sql_literal(v, escape) for v in constants.values()) + ")"
	head = f"INSERT INTO `tab{doctype}` ({names}) VALUES ("
	between = tail + ",("
	for start in range(0, count, chunk):
		rendered = [render_column(columns[f][start : start + chunk], escape) for f in fields]
		yield head + between.join(map(",".join, zip(*rendered, strict=True))) + tail


def execute(statement: str) -> None:
	"""Run one statement this module rendered, as frappe.db.sql would but without its rewriting
	of the text. frappe.db.sql first replaces "ifnull(" anywhere in a query with "coalesce(", a
	case-insensitive scan of the whole text: about 13 ms a megabyte, some 0.7 s for the 55 MB of
	a 100k-row first download, spent while the server sits idle between statements. The text
	here has no "ifnull(" outside its literals (sql_literal splits those inside), so the rewrite
	has nothing to do. Kept from frappe.db.sql: the connection, its write count (commit resets
	it) and its deadlock and timeout errors."""
	db = frappe.db
	if not db._conn:
		db.connect()
	db.check_transaction_status(statement)
	try:
		db._cursor.execute(statement)
	except Exception as exc:
		if db.is_deadlocked(exc):
			raise frappe.QueryDeadlockError(exc) from exc
		if db.is_timedout(exc):
			raise frappe.QueryTimeoutError(exc) from exc
		raise


def connection_escape() -> Escape:
	"""The connection's escape_string as a function of the text alone (its NO_BACKSLASH_ESCAPES
	mode read now), so a helper thread can render while the connection runs statements."""
	escape = _connection().escape_string
	specials, _escape_all = _escaper(escape)
	if specials == _BACKSLASH_SPECIALS:
		return methodcaller("translate", _BACKSLASH_ESCAPES)
	if specials == "'":
		return methodcaller("replace", "'", "''")
	return escape


def run_ahead(items: Iterator[T], *, depth: int = 1) -> Iterator[T]:
	"""`items`, produced on a helper thread up to `depth` ahead of the caller.

	For statements: while the caller waits for the database to run one (the server builds the
	rows and their index entries; pymysql waits without holding the GIL), the next is rendered.
	`items` must not touch Frappe or the connection. An exception raised producing an item is
	raised here, in its place; a caller that stops early stops the producer."""
	box: queue.Queue = queue.Queue(maxsize=depth)
	stop = threading.Event()
	done = object()

	def produce() -> None:
		try:
			for item in items:
				if not _put(box, (item, None), stop):
					return
			_put(box, (done, None), stop)
		except BaseException as exc:  # raised in the caller's thread, where it belongs
			_put(box, (done, exc), stop)

	worker = threading.Thread(target=produce, name="ims-run-ahead", daemon=True)
	worker.start()
	try:
		while True:
			item, exc = box.get()
			if exc is not None:
				raise exc
			if item is done:
				return
			yield item
	finally:
		stop.set()
		worker.join()


def _put(box: queue.Queue, entry: tuple, stop: threading.Event) -> bool:
	"""Put `entry` once there is room, unless the caller stopped reading (then False)."""
	while not stop.is_set():
		try:
			box.put(entry, timeout=0.05)
			return True
		except queue.Full:
			continue
	return False


def insert_rows(
	doctype: str,
	fields: list[str],
	rows: Iterable[tuple],
	*,
	constants: dict[str, object] | None = None,
	chunk: int = 2000,
	side: SideQueue | None = None,
) -> int:
	"""Multi-row INSERTs of `rows` (tuples in `fields` order) with `constants` appended to every
	row. `rows` may be produced lazily: producing and rendering them (column by column, as
	`insert_statements`) runs on a helper thread while the server runs the statement before, so
	`rows` must not touch Frappe. With `side` the statements are queued there instead. Returns
	how many rows were inserted."""
	escape = connection_escape()

	def statements() -> Iterator[tuple[str, int]]:
		for part in _chunks(rows, chunk):
			columns = dict(zip(fields, zip(*part, strict=True), strict=True))
			for statement in insert_statements(
				doctype, columns, escape=escape, constants=constants, chunk=chunk
			):
				yield statement, len(part)

	count = 0
	if side is not None:
		for statement, size in statements():
			side.sql(statement)
			count += size
		return count
	for statement, size in run_ahead(statements()):
		execute(statement)
		count += size
	return count


#: The owner an upsert row carries (a user id no account can have): a row that found no row to
#: update was inserted with it, and is found by it and removed (see update_rows).
MISSING_ROW_OWNER = "ims::no-such-row"


def update_rows(doctype: str, rows: list[dict], *, chunk: int = 1000, upsert: bool = False) -> int:
	"""Set-based UPDATE of existing rows by name: `rows` are dicts with "name" and the columns to
	set; rows setting the same columns share statements (`update_stream`), so 10,000 status
	changes are ten statements, not 10,000 (a per-row set_value took about 1 ms each). A name
	that no longer exists changes nothing."""
	shapes: dict[tuple, list[tuple]] = {}
	for row in rows:
		shapes.setdefault(tuple(row), []).append(tuple(row.values()))
	for fields, group in shapes.items():
		update_stream(doctype, fields, group, chunk=chunk, upsert=upsert)
	return len(rows)


def update_stream(
	doctype: str, fields: Sequence[str], rows: Iterable[tuple], *, chunk: int = 1000, upsert: bool = False
) -> int:
	"""UPDATE existing rows by name from `rows`, tuples in `fields` order ("name" among them),
	which may be produced lazily: producing and rendering them runs on a helper thread
	(`run_ahead`) while the server runs the statement before, so `rows` must not touch Frappe.

	The statements join the table to a derived table of the values. With `upsert` (for the app's
	own tables) they are INSERT ... ON DUPLICATE KEY UPDATE of those columns instead, which
	MariaDB runs a little faster (100k supply rows, 7 columns, alternating on one bench: 4.1-4.4 s
	against 4.5-5.0 s; on Purchase Invoice's wide rows no difference, so core tables keep the
	UPDATE, whose locks are the plain row locks). Where such a statement finds no row it inserts
	one: it carries MISSING_ROW_OWNER as its owner and is deleted again in the same transaction,
	so no reader ever sees it (looked for only when the server's count of changed rows says an
	insert may have happened: 2 per changed row, 1 per insert, 0 per unchanged). A table where an
	insert could fail or hit another row (a column NOT NULL without a default, a set column in a
	unique index) gets the joined UPDATE all the same. Returns how many rows were given."""
	fields = tuple(fields)
	if "name" not in fields:
		raise ValueError("update_rows needs each row's name")
	upsert = upsert and _upsert_allowed(doctype, fields)
	make = upsert_statements if upsert else joined_update_statements
	count = 0
	for statement, names in run_ahead(make(doctype, fields, rows, escape=connection_escape(), chunk=chunk)):
		execute(statement)
		count += len(names)
		if upsert and frappe.db._cursor.rowcount != 2 * len(names):
			frappe.db.sql(
				f"delete from `tab{doctype}` where name in %(names)s and owner = %(owner)s",
				{"names": tuple(names), "owner": MISSING_ROW_OWNER},
			)
	return count


def _chunks(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
	rows = iter(rows)
	while part := list(islice(rows, size)):
		yield part


def upsert_statements(
	doctype: str, fields: Sequence[str], rows: Iterable[tuple], *, escape: Escape, chunk: int = 1000
) -> Iterator[tuple[str, list[str]]]:
	"""INSERT ... ON DUPLICATE KEY UPDATE text for `rows` (tuples in `fields` order), `chunk`
	rows a statement, with the names each one covers. Pure: runs ahead."""
	at = fields.index("name")
	assign = ", ".join(f"`{f}` = VALUES(`{f}`)" for f in fields if f != "name")
	head = f"INSERT INTO `tab{doctype}` (`owner`, {', '.join(f'`{f}`' for f in fields)}) VALUES ("
	owner = sql_literal(MISSING_ROW_OWNER, escape) + ","
	between = "),(" + owner
	for part in _chunks(rows, chunk):
		rendered = [render_column(column, escape) for column in zip(*part, strict=True)]
		values = between.join(map(",".join, zip(*rendered, strict=True)))
		yield f"{head}{owner}{values}) ON DUPLICATE KEY UPDATE {assign}", [row[at] for row in part]


def joined_update_statements(
	doctype: str, fields: Sequence[str], rows: Iterable[tuple], *, escape: Escape, chunk: int = 1000
) -> Iterator[tuple[str, list[str]]]:
	"""UPDATE text joining the table to a derived table of `rows`' values (tuples in `fields`
	order), `chunk` rows a statement, with the names each one covers. Pure: runs ahead."""
	at = fields.index("name")
	assign = ", ".join(f"t.`{f}` = v.`{f}`" for f in fields if f != "name")
	for part in _chunks(rows, chunk):
		first = ", ".join(f"{sql_literal(v, escape)} AS `{f}`" for f, v in zip(fields, part[0], strict=True))
		rest = "".join(
			" UNION ALL SELECT " + ", ".join([sql_literal(v, escape) for v in row]) for row in part[1:]
		)
		yield (
			f"UPDATE `tab{doctype}` t JOIN (SELECT {first}{rest}) v ON t.`name` = v.`name` SET {assign}",
			[row[at] for row in part],
		)


_UPSERT_FACTS: dict[tuple[str, str, int], tuple[frozenset, frozenset]] = {}


def _upsert_allowed(doctype: str, fields: Sequence[str]) -> bool:
	"""Whether an upsert of `fields` can only update existing rows or insert one that is
	removed at once: no column NOT NULL without a default outside `fields` (the insert would
	fail), no set column in a unique index besides the name (the insert could update another
	row), and an `owner` column to mark inserts with. The facts are read from the table once per
	shape of the DocType's fields: a migrate or a new custom field (which clear Frappe's cached
	meta for every process) makes a long-running worker read them again."""
	shape = hash(
		tuple(
			(f.fieldname, f.fieldtype, f.unique, f.get("not_nullable"), f.get("default"))
			for f in frappe.get_meta(doctype).fields
		)
	)
	key = (frappe.local.site, doctype, shape)
	if key not in _UPSERT_FACTS:
		for old in [k for k in _UPSERT_FACTS if k[:2] == key[:2]]:
			del _UPSERT_FACTS[old]
		columns = frappe.db.sql(
			"""select column_name, is_nullable = 'NO' and column_default is null
			and extra not like '%%auto_increment%%'
			from information_schema.columns where table_schema = database() and table_name = %s""",
			f"tab{doctype}",
		)
		unique = frappe.db.sql(
			"""select column_name from information_schema.statistics where table_schema = database()
			and table_name = %s and non_unique = 0 and index_name != 'PRIMARY'""",
			f"tab{doctype}",
		)
		required = frozenset(c for c, needs_value in columns if needs_value) - {"name"}
		if not any(c == "owner" for c, _ in columns):
			required |= {"owner"}  # (read as: no upsert)
		_UPSERT_FACTS[key] = (required, frozenset(c for (c,) in unique))
	required, unique = _UPSERT_FACTS[key]
	return "owner" not in fields and not (required - set(fields)) and not (unique & set(fields))


def _connection():
	if frappe.db._conn is None:
		frappe.db.connect()
	return frappe.db._conn


def row_names(count: int) -> list[str]:
	"""`count` new row names that sort in the order given and after every name made before.

	Random names (Frappe's "hash" autoname) land each row, and each entry of every secondary
	index keyed by a common value (section, action, company GSTIN, ...), on a random B-tree page;
	time-ordered names append instead, which cut the server's share of a 100k first download by
	about a third. Format: microseconds since the epoch in base 36 (11 characters until 2059),
	3 random characters so two jobs starting in the same microsecond cannot collide, and a
	5-character sequence: 19 characters, so never equal to a 10-character hash name."""
	prefix = _base36(time.time_ns() // 1000, 11) + _base36(secrets.randbelow(36**3), 3)
	if count > 36**5:
		raise ValueError(f"{count} names do not fit a 5-digit sequence")
	# the 5-digit base-36 sequence 00000, 00001, ... as itertools counts it (no arithmetic per name)
	return [prefix + "".join(digits) for digits in islice(product(_DIGITS, repeat=5), count)]


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(number: int, width: int) -> str:
	out, rest = [], number
	while rest:
		rest, digit = divmod(rest, 36)
		out.append(_DIGITS[digit])
	text = "".join(reversed(out)) or "0"
	if len(text) > width:
		raise ValueError(f"{number} does not fit {width} base-36 digits")
	return text.rjust(width, "0")
