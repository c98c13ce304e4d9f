"""The download half of `GstnClient`: GETINV per section, following a queued answer (RTN_24)
through FILEDET to its checked file parts, and parsing sections into records, several sections at
once with GSTN's waits overlapped (`get_sections`). A mixin: the session, the call and the clock
come from the client."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.records import InwardRecord
from ims_compliance.core.sections import DOWNLOAD_SECTIONS
from ims_compliance.gstn import protocol as p
from ims_compliance.gstn.errors import FILE_NOT_READY, NO_DOCUMENTS, QUEUED, GstnError, ProtocolError
from ims_compliance.gstn.files import FileList, read_part

Warn = Callable[[str], None]


class SectionRecords(NamedTuple):
	"""One section of `GstnClient.get_sections`: its records, or the error that section met."""

	code: str
	records: list[InwardRecord]
	error: GstnError | IMSValidationError | None


class _Queued(NamedTuple):
	"""A GETINV GSTN queued (RTN_24): the token to poll FILEDET with, its `est`, and when."""

	token: str
	est: object
	asked_at: float


class DownloadCalls:
	"""GETINV and FILEDET for `GstnClient` (which provides `_ims_get`, `_gsp_context`, `profile`,
	`transport`, `settings`, `clock` and `sleep`)."""

	def _getinv(self, sec: p.Section) -> list | _Queued | None:
		"""GETINV for one section: its list of GSTN's dicts when GSTN answers directly, the
		token to follow when it queued the result (RTN_24), None when it has no documents."""
		try:
			data = self._ims_get(p.GETINV, section=sec.code)
		except GstnError as exc:
			if exc.code in NO_DOCUMENTS:
				return None
			if exc.code != QUEUED:
				raise
			data = {"token": _token_of(exc), "est": exc.details.get("est")}
		if isinstance(data, Mapping) and data.get("token"):
			return _Queued(str(data["token"]), data.get("est"), self.clock())
		if not isinstance(data, Mapping):
			raise ProtocolError(f"GETINV {sec.code} data is not an object")
		rows = data.get(sec.key) or []
		if not isinstance(rows, list):
			raise IMSValidationError(
				f"section must be a list of records, got {type(rows).__name__}", location=sec.key
			)
		return rows

	def raw_parts(self, section: str) -> Iterator[list]:
		"""GETINV for one section as GSTN's lists of dicts: the one list of a direct answer, or one
		list per FILEDET part when GSTN queued it (RTN_24), fetched as they are consumed."""
		sec = p.resolve_section(section)
		answer = self._getinv(sec)
		if isinstance(answer, _Queued):
			yield from self._queued_parts(sec.code, answer.token, est=answer.est)
		elif answer is not None:
			yield answer

	def get_raw_section(self, section: str) -> list:
		"""GETINV for one section as GSTN's list of dicts, following RTN_24 -> FILEDET."""
		return [row for part in self.raw_parts(section) for row in part]

	def get_records(self, section: str, *, on_warning: Warn | None = None) -> list[InwardRecord]:
		"""One section parsed into records; the whole section or an IMSValidationError. A queued
		section is parsed part by part as it downloads, so its raw dicts never all sit in memory
		beside the records; an error still names the record's index in the whole section."""
		records: list[InwardRecord] = []
		for part in self.raw_parts(section):
			records.extend(p.parse_section(section, part, on_warning=on_warning, start=len(records)))
		return records

	def get_sections(
		self,
		sections: Iterable[str],
		*,
		on_warning: Warn | None = None,
		on_part: Callable[[str, list[InwardRecord]], None] | None = None,
	) -> Iterator[SectionRecords]:
		"""`get_records` of several sections with GSTN's waits overlapped. Every section's GETINV
		is sent first and direct answers are parsed as they come; the sections GSTN queued are
		read afterwards, each first polled `est` after its own GETINV. One after the other, the
		files' waits added up (three queued sections of a 100k download: three waits, now one,
		and the parsing of the direct answers fills it). Yields each section once, directly
		answered ones first, with its records or the GstnError / IMSValidationError it met: the
		caller decides whether to go on, and closing the iterator stops the remaining calls.

		`on_part(code, records)` is called with each part's records as soon as they are parsed
		(a direct answer is one part), before GSTN is asked for the next: a caller can write a
		section's first parts while its last ones download. The section's own result follows
		(all its records, or its error, which may come after some parts were given)."""
		queued: list[tuple[p.Section, _Queued]] = []
		for section in sections:
			code = str(section)
			try:
				sec = p.resolve_section(section)
				code = sec.code
				answer = self._getinv(sec)
				if isinstance(answer, _Queued):
					queued.append((sec, answer))
					continue
				records = p.parse_section(sec.code, answer, on_warning=on_warning) if answer else []
			except (GstnError, IMSValidationError) as exc:
				yield SectionRecords(code, [], exc)
				continue
			if on_part is not None and records:
				on_part(code, records)
			yield SectionRecords(code, records, None)
		for sec, file in queued:
			records = []
			try:
				for part in self._queued_parts(sec.code, file.token, est=file.est, asked_at=file.asked_at):
					parsed = p.parse_section(sec.code, part, on_warning=on_warning, start=len(records))
					records.extend(parsed)
					if on_part is not None and parsed:
						on_part(sec.code, parsed)
			except (GstnError, IMSValidationError) as exc:
				yield SectionRecords(sec.code, [], exc)
				continue
			yield SectionRecords(sec.code, records, None)

	def get_all_records(
		self, sections: Iterable[str] = DOWNLOAD_SECTIONS, *, on_warning: Warn | None = None
	) -> dict[str, list[InwardRecord]]:
		return {code: self.get_records(code, on_warning=on_warning) for code in sections}

	def _queued_parts(
		self, code: str, token: str, *, est: object = None, asked_at: float | None = None
	) -> Iterator[list]:
		"""FILEDET for a queued GETINV: the first poll after GSTN's estimate `est`, then the poll
		policy's growing waits (each poll may cost a GSP credit), then the parts one at a time,
		fetched the way the GSP profile says (a `ul` is often a path without a host). With
		`asked_at` (the clock when the GETINV was answered), the time since counts towards the
		first wait."""
		policy = self.settings.poll_policy
		first = _number(est) * policy.est_unit if _number(est) else None
		if asked_at is not None:
			elapsed = max(self.clock() - asked_at, 0.0)
			first = max((policy.first if first is None else first) - elapsed, 0.0)
		files: Any = None
		for wait in policy.delays(first=first):
			self.sleep(wait)
			try:
				files = self._ims_get(p.FILEDET, token=token)
				if isinstance(files, Mapping) and files.get("urls"):
					break
			except GstnError as exc:
				if exc.code not in (QUEUED, FILE_NOT_READY):
					raise
			files = None
		if files is None:
			raise GstnError(
				QUEUED,
				f"GETINV {code} file (token {token}) not ready after {policy.max_polls} polls "
				f"or {policy.timeout:.0f}s; run the download again later",
			)
		listing = FileList.parse(files, code=code)
		key = p.resolve_section(code).key
		ctx = self._gsp_context()
		for index, item in enumerate(listing.items):
			request = self.profile.file_request(ctx, item, ek=files.get("ek"))
			content = self.transport.download(
				request.url,
				method=request.method,
				headers=request.headers,
				params=request.params,
				body=request.body,
			)
			# one part at a time: its archive is dropped while the caller parses its rows
			yield read_part(content, files=listing, index=index, section_key=key)


def _number(value: object) -> float:
	try:
		return max(float(value), 0.0)  # type: ignore[arg-type]
	except (TypeError, ValueError):
		return 0.0


def _token_of(exc: GstnError) -> str:
	token = exc.details.get("token")
	if not token:
		raise ProtocolError(f"{exc.code} without a token")
	return str(token)
