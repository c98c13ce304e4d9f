"""The sandbox's memory: records per recipient GSTIN and section with their GSTN status, the
save/reset/GEN2B requests, generated GSTR-2B summaries, the auth sessions and (encrypted mode)
GSTN's RSA key, kept in one JSON file, so a restart costs nobody a new OTP or new settings.

Records live in dicts indexed by GSTIN, section and document key, so 100k records answer a
GETINV or a SAVE without scanning. The file is written when something changed (`flush`, called
by the server's flusher thread and on stop), never on reads. This module is also the supplier's
side of the story: tests and demos add, edit (R9), file (R10) and remove records here.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from ims_compliance.gstn.sandbox import wire
from ims_compliance.gstn.sandbox.generator import generate_records, record_hash
from ims_compliance.gstn.sandbox.vocabulary import COUNT_NAMES, COUNTED_SECTIONS, SECTIONS, normal_gstin
from ims_compliance.gstn.sandbox.vocabulary import section_of as resolve_section

STATE_VERSION = 1
ACTION_KEYS = ("action", "itcRedReq", "declIgst", "declCgst", "declSgst", "declCess", "remarks")


def document_key(code: str, record: dict) -> str:
	"""Supplier + number + financial year, the way GSTN tells documents apart."""
	sec = resolve_section(code)
	number = str(record.get(sec.number_key, "")).upper()
	date = str(record.get(sec.date_key, ""))
	try:
		year, month = int(date[6:10]), int(date[3:5])
		fy = year if month >= 4 else year - 1
	except ValueError:
		fy = 0
	return f"{str(record.get('stin', '')).upper()}|{number}|{fy}"


class SandboxState:
	def __init__(self, path: str | Path | None = None):
		self.path = Path(path) if path else None
		self.lock = threading.RLock()
		self._flush_lock = threading.Lock()  # one writer of the file at a time
		self.records: dict[str, dict[str, dict[str, dict]]] = {}
		self.requests: dict[str, dict] = {}
		self.gstr2b: dict[str, dict[str, dict]] = {}
		self.sessions: dict[str, dict] = {}  # auth token -> session (GstnApi's); `sek` as bytes
		self.rsa_private_pem: str | None = None  # encrypted mode: GSTN's key pair
		self.certificate_pem: str | None = None  # ... and the certificate that publishes it
		#: gstin -> "CODE|document key" -> [error code, message]: the next SAVE/RESET of that
		#: record is refused with it once (a test's way to get a PE answer for chosen records)
		self.refusals: dict[str, dict[str, list[str]]] = {}
		#: what clients did: records saved/reset, and sends whose prev_status was stale
		self.stats: dict[str, int] = {}
		self.counter = 0
		self.dirty = False
		if self.path and self.path.exists():
			self.load()

	# --- persistence -------------------------------------------------------------------
	def load(self) -> None:
		with self.lock:
			data = json.loads(self.path.read_text()) if self.path else {}
			if data.get("version") != STATE_VERSION:
				raise ValueError(f"{self.path}: not a sandbox state file (version {data.get('version')!r})")
			self.records = {
				gstin: {code: {document_key(code, r): r for r in rows} for code, rows in sections.items()}
				for gstin, sections in data.get("records", {}).items()
			}
			self.requests = data.get("requests", {})
			self.gstr2b = data.get("gstr2b", {})
			self.sessions = {
				token: {**session, "sek": wire.b64d(session["sek"]) if session.get("sek") else None}
				for token, session in data.get("sessions", {}).items()
			}
			self.rsa_private_pem = data.get("rsa_private_pem")
			self.certificate_pem = data.get("certificate_pem")
			self.refusals = data.get("refusals", {})
			self.stats = data.get("stats", {})
			self.counter = int(data.get("counter", 0))
			self.dirty = False

	def flush(self) -> bool:
		"""Write the file if anything changed; atomic (temp file + rename). True when written.
		Only a snapshot is taken under the lock (record dicts copied, as SAVEs change them in
		place); encoding and writing 100k records happen outside it, so API calls do not wait."""
		with self._flush_lock:
			with self.lock:
				if not (self.dirty and self.path):
					return False
				data = self._snapshot()
				self.dirty = False
			text = json.dumps(data, separators=(",", ":"))  # dumps: the C encoder, unlike dump
			self.path.parent.mkdir(parents=True, exist_ok=True)
			fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".sandbox-", suffix=".json")
			try:
				with os.fdopen(fd, "w") as handle:
					handle.write(text)
				os.replace(tmp, self.path)
			except OSError:
				if os.path.exists(tmp):
					os.unlink(tmp)
				with self.lock:
					self.dirty = True  # try again on the next flush
				raise
			return True

	def _snapshot(self) -> dict:
		return {
			"version": STATE_VERSION,
			"records": {
				gstin: {code: [dict(r) for r in rows.values()] for code, rows in sections.items()}
				for gstin, sections in self.records.items()
			},
			# a request's payload and report are set once; only its top-level keys change
			"requests": {ref: dict(request) for ref, request in self.requests.items()},
			"gstr2b": {gstin: dict(periods) for gstin, periods in self.gstr2b.items()},
			"sessions": {
				token: {**session, "sek": wire.b64e(session["sek"]) if session.get("sek") else None}
				for token, session in self.sessions.items()
				if session["refresh_until"] > time.time()  # dead sessions are not kept
			},
			"rsa_private_pem": self.rsa_private_pem,
			"certificate_pem": self.certificate_pem,
			"refusals": {gstin: dict(planned) for gstin, planned in self.refusals.items()},
			"stats": dict(self.stats),
			"counter": self.counter,
		}

	def next_id(self, prefix: str) -> str:
		with self.lock:
			self.counter += 1
			self.dirty = True
			return f"{prefix}{int(time.time())}{self.counter:06d}"

	# --- reading -----------------------------------------------------------------------
	def section_records(self, gstin: str, section: str) -> list[dict]:
		"""Copies, taken under the lock: callers serialise them while SAVEs change the originals."""
		code = resolve_section(section).code
		with self.lock:
			return [dict(r) for r in self.records.get(gstin.upper(), {}).get(code, {}).values()]

	def find(self, gstin: str, section: str, key: str) -> dict | None:
		return self.records.get(gstin.upper(), {}).get(resolve_section(section).code, {}).get(key)

	def counts(self, gstin: str) -> dict:
		"""GETCNT's answer for goods type ALL_OTH, shaped as `invoice_count.json` (in-co-sandbox-docs):
		`{all_oth: {b2b: {accept, noaction, pending, reject}, ..., ttl_cnt}}`, every section
		listed, `ttl_cnt` inside `all_oth`."""
		groups: dict[str, dict | int] = {}
		total = 0
		with self.lock:
			held = self.records.get(gstin.upper(), {})
			for code in COUNTED_SECTIONS:
				counts = dict.fromkeys(COUNT_NAMES.values(), 0)
				for record in held.get(code, {}).values():
					counts[COUNT_NAMES.get(record.get("action", "N"), "noaction")] += 1
				groups[SECTIONS[code].key] = counts
				total += sum(counts.values())
		groups["ttl_cnt"] = total
		return {"all_oth": groups}

	# --- the supplier's side -------------------------------------------------------------
	def add_records(self, gstin: str, records: Iterable[tuple[str, dict]] | dict[str, list[dict]]) -> int:
		"""Add (or replace) records: (section, record) pairs or {section: [records]}. A record
		without `hash` gets one; without `action`, N."""
		gstin = normal_gstin(gstin)
		pairs = (
			((code, r) for code, rows in records.items() for r in rows)
			if isinstance(records, dict)
			else records
		)
		added = 0
		with self.lock:
			sections = self.records.setdefault(gstin, {})
			for section, record in pairs:
				code = resolve_section(section).code
				record = {"action": "N", "srcfilstatus": "Filed", "ispendactblocked": "N", **record}
				if "hash" not in record:
					record["hash"] = record_hash(record)
				sections.setdefault(code, {})[document_key(code, record)] = record
				added += 1
			self.dirty = True
		return added

	def generate(self, gstin: str, n: int, *, seed: int = 0, period: str = "102025") -> int:
		gstin = normal_gstin(gstin)
		return self.add_records(gstin, generate_records(n, seed=seed, recipient_gstin=gstin, period=period))

	def _located(
		self, gstin: str, section: str, stin: str, number: str, date: str | None
	) -> tuple[str, dict]:
		code = resolve_section(section).code
		rows = self.records.get(gstin.upper(), {}).get(code, {})
		sec = SECTIONS[code]
		matches = [
			(k, r)
			for k, r in rows.items()
			if r.get("stin", "").upper() == stin.upper()
			and str(r.get(sec.number_key, "")).upper() == number.upper()
			and (date is None or r.get(sec.date_key) == date)
		]
		if len(matches) != 1:
			raise KeyError(f"{len(matches)} {code} records of {stin} numbered {number} for {gstin}")
		return matches[0]

	def edit(
		self, gstin: str, section: str, *, stin: str, number: str, changes: dict, date: str | None = None
	) -> dict:
		"""A supplier edit before filing (R9): new content, new hash, and any action is void."""
		with self.lock:
			key, record = self._located(gstin, section, stin, number, date)
			record.update(changes)
			for name in ACTION_KEYS:
				record.pop(name, None)
			record["action"] = "N"
			record["hash"] = record_hash(record)
			code = resolve_section(section).code
			rows = self.records[gstin.upper()][code]
			del rows[key]
			rows[document_key(code, record)] = record
			self.dirty = True
			return dict(record)

	def file(self, gstin: str, section: str, *, stin: str, number: str, date: str | None = None) -> dict:
		"""The supplier files its return: the record stops being 'Not Filed' (R10)."""
		with self.lock:
			_, record = self._located(gstin, section, stin, number, date)
			record["srcfilstatus"] = "Filed"
			self.dirty = True
			return dict(record)

	def remove(self, gstin: str, section: str, *, stin: str, number: str, date: str | None = None) -> None:
		"""The supplier deletes a record it had saved but not filed."""
		with self.lock:
			key, _ = self._located(gstin, section, stin, number, date)
			del self.records[gstin.upper()][resolve_section(section).code][key]
			self.dirty = True

	def refuse(
		self,
		gstin: str,
		section: str,
		*,
		stin: str,
		number: str,
		code: str,
		message: str,
		date: str | None = None,
	) -> None:
		"""Make GSTN refuse the next SAVE/RESET of this record with `code` (one time), so a
		test gets a PE answer for chosen records without breaking the records themselves."""
		with self.lock:
			key, _ = self._located(gstin, section, stin, number, date)
			code_ = resolve_section(section).code
			self.refusals.setdefault(gstin.upper(), {})[f"{code_}|{key}"] = [code, message]
			self.dirty = True

	def count(self, name: str, n: int = 1) -> None:
		with self.lock:
			self.stats[name] = self.stats.get(name, 0) + n
			self.dirty = True

	def clear(self) -> None:
		with self.lock:
			self.records, self.requests, self.gstr2b = {}, {}, {}
			self.refusals, self.stats = {}, {}
			self.dirty = True
