"""The GSTN side of the sandbox: authentication with a fixed OTP, the IMS calls (GETINV with
RTN_24 -> FILEDET for large sections, counts, SAVE, RESETIMS, REQSTS) and GEN2B/GENSTS2B, in
GSTN's shapes and error codes, optionally behind GSTN's payload protection (`encrypted`).

`handle()` is transport-free: it takes the request's parts and returns (HTTP status, JSON), so
the HTTP server stays a thin shell and the rules live here and in `processing`.
"""

from __future__ import annotations

import io
import json
import math
import secrets
import tarfile
import time
from dataclasses import dataclass
from typing import Any

from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.periods import ReturnPeriod
from ims_compliance.gstn import crypto
from ims_compliance.gstn import errors as codes
from ims_compliance.gstn import protocol as p
from ims_compliance.gstn.sandbox.faults import FaultInjector
from ims_compliance.gstn.sandbox.processing import Refusal, check_envelope, settle, status, submit
from ims_compliance.gstn.sandbox.state import SandboxState

#: The sandbox's OTP: every OTPREQUEST "sends" this one (documented in docs/sandbox.md).
SANDBOX_OTP = "575757"
NO_DOCUMENTS_CODE = "RET13509"


@dataclass(frozen=True)
class SandboxConfig:
	encrypted: bool = False  # GSTN's payload protection (crypto.py) on every call
	otp: str = SANDBOX_OTP
	token_ttl: float = 6 * 3600  # seconds an auth token lives
	refresh_ttl: float = 24 * 3600  # seconds after login during which REFRESHTOKEN works
	queue_threshold: int = 5000  # GETINV above this many records answers {token, est} (RTN_24)
	part_size: int = 10000  # records per FILEDET part
	file_delay: float = 0.0  # seconds before a queued file is ready
	file_ttl: float = 1800.0  # seconds a queued file stays downloadable (GSTN's links expire too)
	max_body_bytes: int = p.MAX_BODY_BYTES


class GstnApi:
	def __init__(self, state: SandboxState, config: SandboxConfig, faults: FaultInjector):
		self.state = state
		self.config = config
		self.faults = faults
		# One lock with the state: sessions live there (they survive a restart, as GSTN's do).
		self.lock = state.lock
		self.private_key, self.public_key = self._rsa_keys() if config.encrypted else (b"", b"")
		self.otps: dict[tuple[str, str], bytes | None] = {}
		self.files: dict[str, dict] = {}

	@property
	def sessions(self) -> dict[str, dict]:
		return self.state.sessions

	def _rsa_keys(self) -> tuple[bytes, bytes]:
		"""GSTN's key pair, kept in the state file: a client configured with the public key (IMS
		Settings) keeps working across sandbox restarts."""
		with self.lock:
			if not self.state.rsa_private_pem:
				private, _ = crypto.generate_rsa_keypair()
				self.state.rsa_private_pem = private.decode()
				self.state.dirty = True
			private = self.state.rsa_private_pem.encode()
		return private, crypto.rsa_public_pem(private)

	# --- entry ---------------------------------------------------------------------------
	def handle(
		self,
		method: str,
		path: str,
		query: dict[str, str],
		headers: dict[str, str],
		body: bytes,
		base_url: str,
	) -> tuple[int, dict]:
		try:
			if path.endswith("/" + p.AUTH_PATH) and method == "POST":
				return 200, self._authenticate(headers, _json(body))
			for suffix, handler in ((p.IMS_PATH, self._ims), (p.GSTR2B_PATH, self._gstr2b)):
				if path.endswith("/" + suffix):
					if len(body) > self.config.max_body_bytes:
						raise Refusal(codes.PAYLOAD_TOO_LARGE, "request body is over 4 MB", http_status=413)
					session = self._session(headers)
					plain = self._open_body(session, body) if body else None
					data = handler(method, query, headers, plain, base_url)
					if session.get("sek"):
						return 200, {"status_cd": "1", **crypto.seal_response(session["sek"], data)}
					return 200, {"status_cd": "1", "data": data}
			raise Refusal(codes.INVALID_REQUEST, f"no such API: {method} {path}", http_status=404)
		except Refusal as exc:
			return exc.http_status, {
				"status_cd": "0",
				"error": {"error_cd": exc.code, "message": exc.message, **exc.details},
			}
		except codes.GstnError as exc:  # a key, HMAC or base64 check failed inside an encrypted call
			return 400, {"status_cd": "0", "error": {"error_cd": exc.code, "message": exc.message}}

	# --- authentication ----------------------------------------------------------------
	def _authenticate(self, headers: dict[str, str], body: Any) -> dict:
		if not isinstance(body, dict) or not body.get("action") or not body.get("username"):
			raise Refusal(codes.MISSING_PARAMETERS, "action and username are required")
		username, gstin = str(body["username"]), headers.get("gstin", "").upper()
		if not gstin:
			raise Refusal(codes.MISSING_PARAMETERS, "the gstin header is required")
		action = body["action"]
		if action == p.OTPREQUEST:
			app_key = self._app_key(body) if self.config.encrypted else None
			with self.lock:
				self.otps[(username, gstin)] = app_key
			return {"status_cd": "1"}
		if action == p.AUTHTOKEN:
			with self.lock:
				if (username, gstin) not in self.otps:
					raise Refusal(codes.BAD_OTP, "request an OTP first", http_status=401)
				app_key = self._app_key(body) if self.config.encrypted else None
				otp = str(body.get("otp", ""))
				if app_key is not None:
					otp = _decrypt_or_refuse(app_key, otp)
				if otp != self.config.otp:
					raise Refusal(codes.BAD_OTP, "invalid OTP", http_status=401)
				del self.otps[(username, gstin)]
				return self._new_session(username, gstin, app_key, login=time.time())
		if action == p.REFRESHTOKEN:
			with self.lock:
				old = self.sessions.get(str(body.get("auth_token", "")))
				if old is None or old["username"] != username or time.time() > old["refresh_until"]:
					raise Refusal(codes.INVALID_SESSION, "the session cannot be refreshed", http_status=401)
				app_key = None
				if self.config.encrypted:
					app_key = crypto.aes_decrypt(old["sek"], crypto.unb64(str(body.get("app_key", ""))))
				del self.sessions[body["auth_token"]]
				return self._new_session(username, gstin, app_key, login=old["login"])
		raise Refusal(codes.INVALID_REQUEST, f"unknown authenticate action {action!r}")

	def _app_key(self, body: dict) -> bytes:
		if not body.get("app_key"):
			raise Refusal(codes.MISSING_PARAMETERS, "app_key is required in encrypted mode")
		try:
			app_key = crypto.rsa_decrypt(self.private_key, str(body["app_key"]))
		except codes.GstnError as exc:
			raise Refusal(codes.INTEGRITY_FAILED, exc.message) from None
		if len(app_key) != crypto.KEY_BYTES:  # RSA implicit rejection yields junk of another length
			raise Refusal(
				codes.INTEGRITY_FAILED, "app_key is not a 32-byte key encrypted with GSTN's public key"
			)
		return app_key

	def _new_session(self, username: str, gstin: str, app_key: bytes | None, *, login: float) -> dict:
		token = secrets.token_hex(16)
		sek = crypto.new_key() if app_key is not None else None
		now = time.time()
		self.sessions[token] = {
			"username": username,
			"gstin": gstin,
			"expires_at": now + self.config.token_ttl,
			"refresh_until": login + self.config.refresh_ttl,
			"login": login,
			"sek": sek,
			"calls": 0,  # for the early-expiry fault only; not persisted work (no dirty flag)
		}
		self.state.dirty = True
		answer = {"status_cd": "1", "auth_token": token, "expiry": self.config.token_ttl / 60}
		if sek is not None:
			answer["sek"] = crypto.b64(crypto.aes_encrypt(app_key, sek))
		return answer

	def _session(self, headers: dict[str, str]) -> dict:
		with self.lock:
			session = self.sessions.get(headers.get("auth-token", ""))
			if session is None or session["username"] != headers.get("username"):
				raise Refusal(codes.INVALID_SESSION, "invalid session: log in again", http_status=401)
			if session["gstin"] != headers.get("gstin", "").upper():
				raise Refusal(codes.INVALID_SESSION, "the session belongs to another GSTIN", http_status=401)
			session["calls"] += 1
			limit = self.faults.plan.expire_sessions_after
			if limit is not None and session["calls"] > limit:
				session["expires_at"] = min(session["expires_at"], time.time())  # early expiry fault
			if time.time() >= session["expires_at"]:
				raise Refusal(codes.SESSION_EXPIRED, "the session has expired", http_status=401)
			return session

	def expire_sessions(self) -> None:
		"""Demo/test control: every token expires now (they stay refreshable)."""
		with self.lock:
			for session in self.sessions.values():
				session["expires_at"] = time.time()
			self.state.dirty = True

	def _open_body(self, session: dict, body: bytes) -> Any:
		envelope = _json(body)
		if not session.get("sek"):
			return envelope
		if not isinstance(envelope, dict) or not isinstance(envelope.get("data"), str):
			raise Refusal(codes.SCHEMA_ERROR, "encrypted mode: data must be the encrypted payload")
		try:
			inner = crypto.open_request(session["sek"], envelope["data"], envelope.get("hmac"))
		except codes.GstnError as exc:
			raise Refusal(codes.INTEGRITY_FAILED, exc.message) from None
		return {"action": envelope.get("action"), "data": inner}

	# --- IMS ---------------------------------------------------------------------------
	def _ims(self, method: str, query: dict, headers: dict, body: Any, base_url: str) -> Any:
		action, gstin = query.get("action", ""), _gstin(query, headers)
		if method == "GET" and action in (p.GETINV, p.GETCNT):
			settle(self.state, gstin)  # GSTN works through requests on its own, polled or not
		if method == "GET" and action == p.GETINV:
			return self._getinv(gstin, _param(query, "section"), base_url)
		if method == "GET" and action == p.FILEDET:
			return self._filedet(gstin, _param(query, "token"))
		if method == "GET" and action == p.GETCNT:
			return self.state.counts(gstin)
		if method == "GET" and action == p.REQSTS:
			ref = _param(query, "int_tran_id")
			return status(self.state, gstin=gstin, reference_id=ref, kinds=("SAVE", "RESET"))
		if method == "PUT" and action in (p.SAVE, p.RESETIMS):
			invdata = check_envelope(body, gstin=gstin, action=action)
			plan = self.faults.plan
			kind = "SAVE" if action == p.SAVE else "RESET"
			ref = submit(
				self.state,
				gstin=gstin,
				kind=kind,
				payload=invdata,
				stuck=plan.stuck_requests,
				delay=plan.process_delay,
			)
			return {"reference_id": ref}
		raise Refusal(codes.INVALID_REQUEST, f"unknown IMS call {method} action={action!r}")

	def _getinv(self, gstin: str, section: str, base_url: str) -> dict:
		try:
			sec = p.resolve_section(section)
		except IMSValidationError:
			raise Refusal(codes.INVALID_REQUEST, f"unknown section {section!r}") from None
		rows = self.state.section_records(gstin, sec.code)
		if not rows:
			raise Refusal(NO_DOCUMENTS_CODE, f"no documents found for section {sec.code}", http_status=200)
		if len(rows) <= self.config.queue_threshold:
			return {sec.key: rows}
		return self._queue_file(gstin, sec.key, rows, base_url)

	def _queue_file(self, gstin: str, key: str, rows: list[dict], base_url: str) -> dict:
		"""RTN_24: the result goes to tar.gz parts served later through FILEDET."""
		token = secrets.token_hex(12)
		ek = crypto.new_key() if self.config.encrypted else None
		parts = []
		for start in range(0, len(rows), self.config.part_size):
			chunk = json.dumps(
				{key: rows[start : start + self.config.part_size]}, separators=(",", ":")
			).encode()
			buffer = io.BytesIO()
			with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as archive:
				info = tarfile.TarInfo(f"{key}_{start // self.config.part_size + 1}.json")
				info.size = len(chunk)
				archive.addfile(info, io.BytesIO(chunk))
			content = buffer.getvalue()
			parts.append(crypto.aes_encrypt(ek, content) if ek else content)
		with self.lock:
			now = time.time()
			for old in [t for t, file in self.files.items() if file["expires_at"] < now]:
				del self.files[old]  # a long-running sandbox must not keep every download's parts
			self.files[token] = {
				"gstin": gstin,
				"parts": parts,
				"ek": ek,
				"counts": [
					min(self.config.part_size, len(rows) - i)
					for i in range(0, len(rows), self.config.part_size)
				],
				"ready_at": now + self.config.file_delay,
				"expires_at": now + self.config.file_delay + self.config.file_ttl,
				"base_url": base_url,
			}
		return {"token": token, "est": max(1, math.ceil(self.config.file_delay / 60))}

	def _filedet(self, gstin: str, token: str) -> dict:
		with self.lock:
			file = self.files.get(token)
		if file is None or file["gstin"] != gstin or file["expires_at"] < time.time():
			raise Refusal(codes.INVALID_REQUEST, f"unknown or expired file token {token}")
		if time.time() < file["ready_at"]:
			raise Refusal(codes.FILE_NOT_READY, "the file is still being generated; try again later")
		urls = [
			{
				"ul": f"{file['base_url']}/sandbox/files/{token}/{i}",
				"hash": crypto.sha256_hex(part),
				"ic": count,
			}
			for i, (part, count) in enumerate(zip(file["parts"], file["counts"], strict=True))
		]
		answer: dict = {"urls": urls, "fc": len(urls)}
		if file["ek"]:
			answer["ek"] = crypto.b64(file["ek"])
		return answer

	def file_part(self, token: str, index: int) -> bytes | None:
		with self.lock:
			file = self.files.get(token)
		if file is None or file["expires_at"] < time.time() or not 0 <= index < len(file["parts"]):
			return None
		return file["parts"][index]

	# --- GSTR-2B -----------------------------------------------------------------------
	def _gstr2b(self, method: str, query: dict, headers: dict, body: Any, base_url: str) -> Any:
		action, gstin = query.get("action", ""), _gstin(query, headers)
		if method == "PUT" and action == p.GEN2B:
			data = body.get("data") if isinstance(body, dict) else None
			if not isinstance(data, dict) or str(data.get("rtin", "")).upper() != gstin:
				raise Refusal(codes.SCHEMA_ERROR, "GEN2B needs data {rtin, itcprd} for the session's GSTIN")
			try:
				itcprd = str(ReturnPeriod.parse(data.get("itcprd"), field="itcprd"))
			except IMSValidationError as exc:
				raise Refusal(codes.SCHEMA_ERROR, str(exc)) from None
			plan = self.faults.plan
			ref = submit(
				self.state,
				gstin=gstin,
				kind="GEN2B",
				payload={"itcprd": itcprd},
				stuck=plan.stuck_requests,
				delay=plan.process_delay,
			)
			return {"reference_id": ref}
		if method == "GET" and action == p.GENSTS2B:
			ref = _param(query, "int_tran_id")
			return status(self.state, gstin=gstin, reference_id=ref, kinds=("GEN2B",))
		raise Refusal(codes.INVALID_REQUEST, f"unknown GSTR-2B call {method} action={action!r}")


def _json(body: bytes) -> Any:
	try:
		return json.loads(body or b"null")
	except ValueError:
		raise Refusal(codes.SCHEMA_ERROR, "body is not JSON") from None


def _param(query: dict, name: str) -> str:
	value = query.get(name)
	if not value:
		raise Refusal(codes.MISSING_PARAMETERS, f"parameter {name} is required")
	return value


def _gstin(query: dict, headers: dict) -> str:
	"""GETs name the GSTIN in the query, PUTs only in the header (and the body's rtin)."""
	gstin = (query.get("gstin") or headers.get("gstin", "")).upper()
	if not gstin:
		raise Refusal(codes.MISSING_PARAMETERS, "parameter gstin is required")
	if gstin != headers.get("gstin", "").upper():
		raise Refusal(codes.INVALID_REQUEST, "gstin parameter and header differ")
	return gstin


def _decrypt_or_refuse(key: bytes, text: str) -> str:
	try:
		return crypto.decrypt_text(key, text)
	except codes.GstnError:
		raise Refusal(
			codes.BAD_OTP, "the OTP could not be decrypted with the app key", http_status=401
		) from None
