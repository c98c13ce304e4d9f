"""A second database connection for a job's or request's big writes (issue 18).

A first reconcile writes 100k records and 100k Purchase Invoices, Apply Recommended 89k actions
and their log rows: each statement is a few milliseconds of the server's work on one core, and
the machine has two. These classes let the job write on a second connection of its own, from a
thread, while its own connection reads or writes too, and tie that connection's transaction to
the job's: it commits right after the job's commit and rolls back with it."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain

import frappe

from ims_compliance.services.bulk_sql import _chunks, connection_escape, execute, joined_update_statements


class SharedRows:
	"""Rows handed out `chunk` at a time to whichever connection asks next (thread-safe), so two
	connections can share one table's write: each takes the next 1,000 rows when it is free."""

	def __init__(self, rows: Iterable[tuple], *, chunk: int = 1000):
		self.parts = _chunks(rows, chunk)
		self.lock = threading.Lock()

	def take(self, taken: list[list[tuple]] | None = None) -> Iterator[tuple]:
		"""The rows this taker gets, part by part; each part is recorded in `taken`."""
		while True:
			with self.lock:
				part = next(self.parts, None)
			if part is None:
				return
			if taken is not None:
				taken.append(part)
			yield from part


class _SecondConnection:
	"""A second connection of this job or request with a thread writing on it (SideWriter,
	SideQueue): it commits right after the caller's transaction commits (frappe.db.after_commit)
	and rolls back with it, so the two land together; only a failure between the two commits
	could leave its rows behind. It waits at most LOCK_WAIT seconds for a row lock: a row the
	caller's own connection has locked (changed earlier in its transaction) would make each wait
	for the other, so it rolls back, finish() returns False, and the caller writes what it had
	given it. Not for tests that read back before committing."""

	#: seconds the second connection waits for a row lock before it gives its work back
	LOCK_WAIT = 5

	def _start(self, name: str, *, tie: bool = True) -> None:
		self.connection = frappe.db.create_connection()
		# the caller's statement time limit (Frappe sets one for web requests) holds here too
		self.statement_time = frappe.db.sql("select @@session.max_statement_time")[0][0]
		self.error: BaseException | None = None
		self.gave_up = False
		self.thread = threading.Thread(target=self._guarded, name=name, daemon=True)
		if tie:
			self.tie()
		self.thread.start()

	def tie(self) -> None:
		"""From now on, commit right after the caller's next commit and roll back with it. Left
		for later (`tie=False`) by a caller whose own connection may commit before the second
		one's work should land: a download's new rows land only once every part is written."""
		frappe.db.after_commit.add(self.commit)
		frappe.db.after_rollback.add(self.rollback)

	def _guarded(self) -> None:
		try:
			with self.connection.cursor() as cursor:
				cursor.execute("set session innodb_lock_wait_timeout = %s", self.LOCK_WAIT)
				cursor.execute("set session max_statement_time = %s", self.statement_time)
				self._work(cursor)
		except BaseException as exc:  # raised in the caller's thread by finish()
			self.error = exc

	def _work(self, cursor) -> None:
		raise NotImplementedError

	def _stop(self) -> None:
		"""Ask the thread to end once its work is done (nothing to ask by default)."""

	def finish(self) -> bool:
		"""Wait until the work is done. False: it met a lock (timeout or deadlock) and rolled
		back, and the caller writes it itself; anything else that failed there is raised here."""
		self._stop()
		self.thread.join()
		if self.error is None:
			return True
		self.rollback()
		code = getattr(self.error, "args", (None,))[0]
		if code in (1205, 1213):  # ER_LOCK_WAIT_TIMEOUT, ER_LOCK_DEADLOCK
			self.gave_up = True
			return False
		raise self.error

	def commit(self) -> None:
		self._end("commit")

	def rollback(self) -> None:
		self._end("rollback")

	def _end(self, how: str) -> None:
		if self.connection is None:
			return
		self._stop()
		self.thread.join()
		connection, self.connection = self.connection, None
		try:
			getattr(connection, how)()
		finally:
			connection.close()


class SideWriter(_SecondConnection):
	"""`update_stream`'s joined UPDATEs on a second connection (issue 18: a first reconcile writes
	100k records and 100k Purchase Invoices; each is a few seconds of the server's work on one
	core, and the machine has two). `jobs`: (doctype, fields, SharedRows) in the order this side
	takes them; the caller's connection takes from the same SharedRows in its own order, so
	whichever connection is free writes the next 1,000 rows and both finish together. After
	finish() returned False, `taken_rows` gives back what this side had taken."""

	def __init__(self, jobs: Sequence[tuple[str, Sequence[str], SharedRows]], *, chunk: int = 1000):
		escape = connection_escape()
		self.taken: dict[str, list[list[tuple]]] = {doctype: [] for doctype, _f, _r in jobs}
		self.statements = chain.from_iterable(
			joined_update_statements(
				doctype, tuple(fields), shared.take(self.taken[doctype]), escape=escape, chunk=chunk
			)
			for doctype, fields, shared in jobs
		)
		self.sent = self.rows_sent = 0  # statements and rows this side sent (for benchmarks)
		self._start("ims-side-writer")

	def _work(self, cursor) -> None:
		for statement, names in self.statements:
			cursor.execute(statement)
			self.sent += 1
			self.rows_sent += len(names)

	def taken_rows(self, doctype: str) -> list[tuple]:
		"""The rows of `doctype` this side took."""
		return [row for part in self.taken.get(doctype, ()) for row in part]

	def taken_count(self, doctype: str) -> int:
		return sum(map(len, self.taken.get(doctype, ())))


class SideQueue(_SecondConnection):
	"""Statements run in the order given on a second connection, while the caller's own
	connection goes on reading (issue 18: Apply Recommended reads and checks the next 5,000
	records while the server writes the last 5,000's actions and log rows; on two cores the two
	take about as long as the longer one). After finish() returned False, `replay()` sends every
	statement again on the caller's connection, in order."""

	_DONE = object()
	_RENDER = object()  # in place of values: the statement is a function that renders statements

	def __init__(self, *, tie: bool = True):
		self.sent: list[tuple[object, object]] = []  # every statement given, for replay()
		self.box: queue.Queue = queue.Queue()
		self._start("ims-side-queue", tie=tie)

	def sql(self, statement: str, values: object = None) -> None:
		"""Queue one statement (pymysql's %(name)s / %s parameters in `values`)."""
		self._put((statement, values))

	def rendered(self, render: Callable[[], Iterable[str]]) -> None:
		"""Queue the statements `render()` gives, rendered on the side's thread when their turn
		comes (pure: no Frappe, no connection), so the caller's thread goes on meanwhile."""
		self._put((render, self._RENDER))

	def _put(self, item: tuple[object, object]) -> None:
		self.sent.append(item)
		if self.error is None:  # (once the side has stopped, only replay() sends it)
			self.box.put(item)

	def _work(self, cursor) -> None:
		while (item := self.box.get()) is not self._DONE:
			statement, values = item
			if values is self._RENDER:
				for text in statement():
					cursor.execute(text)
			else:
				cursor.execute(statement, values)

	def _stop(self) -> None:
		if self.thread.is_alive():
			self.box.put(self._DONE)

	def replay(self) -> None:
		"""Every statement given, on the caller's own connection, in order."""
		for statement, values in self.sent:
			if values is self._RENDER:
				for text in statement():
					execute(text)
			elif values is None:
				execute(statement)
			else:
				frappe.db.sql(statement, values)
