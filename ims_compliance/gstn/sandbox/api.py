"""The GSTN side of the sandbox: authentication with a fixed OTP, the IMS calls (GETINV with
RTN_24 -> FILEDET for large sections, GETCNT, SAVE, RESETIMS, REQSTS) and GEN2B/GENSTS2B, in
GSTN's shapes, headers and error codes, optionally behind GSTN's payload protection
(`encrypted`) and a GSP's own authentication (`gsp`).

It stands on the published rules alone (IMS_DOMAIN.md section 3 and "Wire rules"; the sources
are named in `vocabulary`, `wire`, `schema` and `gsp`) and imports nothing from the client, so
a client mistake cannot be agreed to on both sides.

`handle()` is transport-free: it takes the request's parts and returns (HTTP status, JSON), so
the HTTP server stays a thin shell and the rules live here and in `processing`.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import math
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ims_compliance.gstn.sandbox import schema, wire
from ims_compliance.gstn.sandbox import vocabulary as v
from ims_compliance.gstn.sandbox.faults import FaultInjector
from ims_compliance.gstn.sandbox.gsp import GspGate, GspRefusal
from ims_compliance.gstn.sandbox.processing import Refusal, check_envelope, settle, status, submit
from ims_compliance.gstn.sandbox.state import SandboxState

#: The sandbox's OTP: every OTPREQUEST "sends" this one (documented in docs/sandbox.md).
SANDBOX_OTP = "575757"
NO_DOCUMENTS_CODE = v.RET13509
AUTH_PATH, IMS_PATH, GSTR2B_PATH = "authenticate", "returns/ims", "returns/gstr2b"
#: API versions served per endpoint. v1.0 everywhere is what the GSP docs show for
#: authenticate (docs.gsp.vayana.com) and what the client has used for IMS; references differ
#: on GSTR-2B's later versions, so v1.1 and v4.0 are accepted there too (unverified).
API_VERSIONS: dict[str, tuple[str, ...]] = {
	AUTH_PATH: ("v1.0",),
	IMS_PATH: ("v1.0",),
	GSTR2B_PATH: ("v1.0", "v1.1", "v4.0"),
}
_ROUTE = re.compile(
	r"^(?P<prefix>.*?)/taxpayerapi/(?P<version>v\d+\.\d+)/(?P<endpoint>authenticate|returns/ims|returns/gstr2b)/?$"
)
#: FILEDET's `ul`: a path without a host, shaped like GSTN's published sample (gsthelp.charteredinfo
#: .com/ucl/gst_large_files_api.htm: "/returns/16012021/R1/<id>/returns_16012021_R1_<gstin>_b2b_0
#: .tar.gz?md5=...&expires=..."), with IMS in place of R1 (assumed). The query string is a signed,
#: expiring link: a client must fetch `ul` exactly as given. Served under any prefix, so a GSP
#: profile that prepends its own files path works too.
FILE_LINK = re.compile(
	r"/returns/(?P<date>\d{8})/IMS/(?P<token>[0-9a-f]+)/returns_(?P=date)_IMS_[0-9A-Z]{15}_[a-z0-9]+_(?P<index>\d+)\.tar\.gz$"
)
#: The sandbox's older file path, still served: /files/<token>/<n> (and /sandbox/files/...).
FILE_PATH = re.compile(r"^(?:.*)?/files/(?P<token>[0-9a-f]+)/(?P<index>\d+)$")
#: GSTN's headers (IMS_DOMAIN.md section 3; India Compliance `TaxpayerBaseAPI.setup` sends the
#: first five on every call and `auth-token` on every call after login). The authenticate call
#: is shown with state-cd, ip-usr and txn (docs.gsp.vayana.com/GSTN/authentication-request-api);
#: the sandbox also needs gstin there, to know whose records the session opens.
AUTH_HEADERS = ("gstin", "state-cd", "ip-usr", "txn")
API_HEADERS = ("gstin", "state-cd", "username", "ip-usr", "txn", "auth-token")


@dataclass(frozen=True)
class SandboxConfig:
	encrypted: bool = False  # GSTN's payload protection on every call (wire.py)
	otp: str = SANDBOX_OTP
	token_ttl: float = 6 * 3600  # seconds an auth token lives
	refresh_ttl: float = 24 * 3600  # seconds after login during which REFRESHTOKEN works
	queue_threshold: int = 5000  # GETINV above this many records answers {token, est} (RTN_24)
	part_size: int = 10000  # records per FILEDET part
	file_delay: float = 0.0  # seconds before a queued file is ready
	file_ttl: float = 1800.0  # seconds a queued file stays downloadable (GSTN's links expire too)
	max_body_bytes: int = v.MAX_BODY_BYTES
	gsp: str | None = None  # None, "plain", "vayana" or "taxpro": a GSP's auth before GSTN's (gsp.py)
	gsp_credentials: dict | None = None  # clientid/client-secret, aspid/asp_secret, public_key
	call_budget: int | None = None  # API calls a session may make before HTTP 429
	max_sessions: int | None = None  # live sessions per user before AUTH403
	api_versions: dict = field(default_factory=lambda: dict(API_VERSIONS))


class GstnApi:
	def __init__(self, state: SandboxState, config: SandboxConfig, faults: FaultInjector):
		self.state = state
		self.config = config
		self.faults = faults
		# One lock with the state: sessions live there (they survive a restart, as GSTN's do).
		self.lock = state.lock
		self.private_key, self.public_key = self._keys() if config.encrypted else ("", b"")
		self.otps: dict[tuple[str, str], bytes | None] = {}
		self.files: dict[str, dict] = {}
		self._link_secret = secrets.token_bytes(16)  # signs FILEDET links (files live in memory)
		self.gsp = GspGate(config.gsp, config.gsp_credentials)
		#: API calls served, by "endpoint ACTION" (what a GSP would bill); /sandbox/calls
		self.calls: dict[str, int] = {}
		self._calls_lock = threading.Lock()

	@property
	def sessions(self) -> dict[str, dict]:
		return self.state.sessions

	@property
	def certificate_pem(self) -> str:
		return self.public_key.decode()

	def _keys(self) -> tuple[str, bytes]:
		"""GSTN's private key and the self-signed certificate that publishes its public half,
		kept in the state file: a client configured with the certificate keeps working across
		sandbox restarts."""
		with self.lock:
			if not self.state.rsa_private_pem:
				self.state.rsa_private_pem = wire.new_private_key_pem()
				self.state.certificate_pem = None
			if not self.state.certificate_pem:
				self.state.certificate_pem = wire.self_signed_certificate_pem(self.state.rsa_private_pem)
				self.state.dirty = True
			return self.state.rsa_private_pem, self.state.certificate_pem.encode()

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
			try:
				path = self.gsp.check(path, headers)
			except GspRefusal as exc:
				raise Refusal(v.GEN5004, f"GSP authentication failed: {exc}", http_status=401) from None
			endpoint = self._route(path)
			if endpoint == AUTH_PATH:
				if method != "POST":
					raise Refusal(v.GEN5002, f"authenticate is POST, not {method}", http_status=405)
				request = _json(body)
				self._count(endpoint, request.get("action") if isinstance(request, dict) else None)
				_require_headers(headers, AUTH_HEADERS)
				return 200, self._authenticate(headers, request)
			self._count(endpoint, query.get("action"))
			if len(body) > self.config.max_body_bytes:
				raise Refusal(v.IMSSAV0016, "request body is over 4 MB", http_status=413)
			_require_headers(headers, API_HEADERS)
			session = self._session(headers)
			plain = self._open_body(session, body) if body else None
			handler = self._ims if endpoint == IMS_PATH else self._gstr2b
			data = handler(method, query, headers, plain, base_url)
			if session.get("sek"):
				return 200, {"status_cd": "1", **wire.seal_response_data(session["sek"], data)}
			return 200, {"status_cd": "1", "data": data}
		except Refusal as exc:
			return exc.http_status, {
				"status_cd": "0",
				"error": {"error_cd": exc.code, "message": exc.message, **exc.details},
			}

	def _route(self, path: str) -> str:
		"""`<prefix>/taxpayerapi/<version>/<endpoint>`: the endpoint, once its version is one the
		sandbox serves for it."""
		match = _ROUTE.match(path)
		if not match:
			raise Refusal(v.GEN5002, f"no such API: {path}", http_status=404)
		endpoint, version = match["endpoint"], match["version"]
		served = self.config.api_versions.get(endpoint, ())
		if version not in served:
			raise Refusal(
				v.GEN5002,
				f"{endpoint} is not served at API version {version}; served: {', '.join(served)}",
				http_status=404,
			)
		return endpoint

	def _count(self, endpoint: str, action: object) -> None:
		with self._calls_lock:
			name = f"{endpoint} {action or '-'}"
			self.calls[name] = self.calls.get(name, 0) + 1

	# --- authentication ----------------------------------------------------------------
	def _authenticate(self, headers: dict[str, str], body: Any) -> dict:
		if not isinstance(body, dict) or not body.get("action") or not body.get("username"):
			raise Refusal(v.GEN5001, "action and username are required")
		username, gstin = str(body["username"]), headers["gstin"].upper()
		_check_state_code(headers)
		action = body["action"]
		if action == v.OTPREQUEST:
			app_key = self._app_key(body) if self.config.encrypted else None
			with self.lock:
				self.otps[(username, gstin)] = app_key
			return {"status_cd": "1"}
		if action == v.AUTHTOKEN:
			with self.lock:
				if (username, gstin) not in self.otps:
					raise Refusal(v.AUTH158, "request an OTP first", http_status=401)
				app_key = self._app_key(body) if self.config.encrypted else None
				otp = body.get("otp")
				if not isinstance(otp, str) or not otp:
					raise Refusal(v.GEN5001, "otp is required")
				if app_key is not None:
					try:
						otp = wire.aes_ecb_decrypt(app_key, wire.b64d(otp, what="otp"), what="otp").decode()
					except (wire.WireError, UnicodeDecodeError):
						raise Refusal(
							v.AUTH158, "the OTP could not be decrypted with the app key", http_status=401
						) from None
				if otp != self.config.otp:
					raise Refusal(v.AUTH158, "invalid OTP", http_status=401)
				self._check_session_cap(username)
				del self.otps[(username, gstin)]
				return self._new_session(username, gstin, app_key, login=time.time())
		if action == v.REFRESHTOKEN:
			with self.lock:
				old = self.sessions.get(str(body.get("auth_token", "")))
				if old is None or old["username"] != username or time.time() > old["refresh_until"]:
					raise Refusal(v.AUTH4033, "the session cannot be refreshed", http_status=401)
				app_key = None
				if self.config.encrypted:
					# app_key = b64(AES(sek, app key)) (India Compliance `encrypt_request`)
					try:
						app_key = wire.aes_ecb_decrypt(
							old["sek"],
							wire.b64d(str(body.get("app_key", "")), what="app_key"),
							what="app_key",
						)
					except wire.WireError as exc:
						raise Refusal(v.GEN5003, str(exc), http_status=401) from None
					if len(app_key) != wire.KEY_BYTES:
						raise Refusal(v.GEN5003, "app_key is not a 32-byte key", http_status=401)
				del self.sessions[body["auth_token"]]
				return self._new_session(username, gstin, app_key, login=old["login"])
		raise Refusal(v.GEN5002, f"unknown authenticate action {action!r}")

	def _app_key(self, body: dict) -> bytes:
		if not body.get("app_key"):
			raise Refusal(v.GEN5001, "app_key is required (encrypted with GSTN's public key)")
		try:
			return wire.rsa_decrypt_app_key(self.private_key, str(body["app_key"]))
		except wire.WireError as exc:
			raise Refusal(v.GEN5003, str(exc)) from None

	def _check_session_cap(self, username: str) -> None:
		cap = self.config.max_sessions
		if cap is None:
			return
		now = time.time()
		live = [s for s in self.sessions.values() if s["username"] == username and s["expires_at"] > now]
		if len(live) >= cap:
			raise Refusal(
				v.AUTH403,
				f"too many sessions: {len(live)} of {cap} already open for {username}",
				http_status=403,
			)

	def _new_session(self, username: str, gstin: str, app_key: bytes | None, *, login: float) -> dict:
		token = secrets.token_hex(16)
		sek = wire.new_key() if app_key is not None else None
		now = time.time()
		self.sessions[token] = {
			"username": username,
			"gstin": gstin,
			"expires_at": now + self.config.token_ttl,
			"refresh_until": login + self.config.refresh_ttl,
			"login": login,
			"sek": sek,
			"calls": 0,  # authenticated calls: the early-expiry fault and the call budget
		}
		self.state.dirty = True
		minutes = self.config.token_ttl / 60
		expiry: float = int(minutes) if minutes == int(minutes) else minutes
		answer: dict = {"status_cd": "1", "auth_token": token, "expiry": expiry}
		if sek is not None:
			# sek = b64(AES(app key, sek)); after a refresh, the app key that refresh carried
			answer["sek"] = wire.b64e(wire.aes_ecb_encrypt(app_key, sek))  # type: ignore[arg-type]
		return answer

	def _session(self, headers: dict[str, str]) -> dict:
		_check_state_code(headers)
		with self.lock:
			session = self.sessions.get(headers["auth-token"])
			if session is None or session["username"] != headers["username"]:
				raise Refusal(v.AUTH4033, "invalid session: log in again", http_status=401)
			if session["gstin"] != headers["gstin"].upper():
				raise Refusal(v.AUTH4033, "the session belongs to another GSTIN", http_status=401)
			session["calls"] += 1
			limit = self.faults.plan.expire_sessions_after
			if limit is not None and session["calls"] > limit:
				session["expires_at"] = min(session["expires_at"], time.time())  # early expiry fault
			if time.time() >= session["expires_at"]:
				raise Refusal(v.AUTH4038, "the session has expired", http_status=401)
			budget = self.config.call_budget
			if budget is not None and session["calls"] > budget:
				raise Refusal(
					v.RATE_LIMITED,
					f"API call budget exhausted: {budget} calls per session",
					http_status=429,
				)
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
		if not isinstance(envelope, dict):
			raise Refusal(v.GEN5003, "an encrypted request is {action, data, hmac}")
		try:
			inner = wire.open_request_data(session["sek"], envelope.get("data"), envelope.get("hmac"))
		except wire.WireError as exc:
			raise Refusal(v.GEN5003, str(exc)) from None
		return {"action": envelope.get("action"), "data": inner}

	# --- IMS ---------------------------------------------------------------------------
	def _ims(self, method: str, query: dict, headers: dict, body: Any, base_url: str) -> Any:
		action, gstin = query.get("action", ""), _gstin(query, headers)
		if method == "GET" and action in (v.GETINV, v.GETCNT):
			settle(self.state, gstin)  # GSTN works through requests on its own, polled or not
		if method == "GET" and action == v.GETINV:
			return self._getinv(gstin, _param(query, "section"), base_url)
		if method == "GET" and action == v.FILEDET:
			return self._filedet(gstin, _param(query, "token"))
		if method == "GET" and action == v.GETCNT:
			goods = _param(query, "goods_typ")
			if goods != v.GOODS_TYPE_ALL_OTHER:
				raise Refusal(v.GEN5002, f"goods_typ {goods!r} is not served; use {v.GOODS_TYPE_ALL_OTHER}")
			return self.state.counts(gstin)
		if method == "GET" and action == v.REQSTS:
			ref = _param(query, "int_tran_id")
			return status(self.state, gstin=gstin, reference_id=ref, kinds=("SAVE", "RESET"))
		if method == "PUT" and action in (v.SAVE, v.RESETIMS):
			invdata = check_envelope(body, gstin=gstin, action=action)
			plan = self.faults.plan
			ref = submit(
				self.state,
				gstin=gstin,
				kind="SAVE" if action == v.SAVE else "RESET",
				payload=invdata,
				stuck=plan.stuck_requests,
				delay=plan.process_delay,
				fail=plan.failed_requests,
			)
			return {"reference_id": ref}
		raise Refusal(v.GEN5002, f"unknown IMS call {method} action={action!r}")

	def _getinv(self, gstin: str, section: str, base_url: str) -> dict:
		sec = v.find_section(section)
		if sec is None:
			raise Refusal(v.GEN5002, f"unknown section {section!r}")
		rows = self.state.section_records(gstin, sec.code)
		if not rows:
			raise Refusal(NO_DOCUMENTS_CODE, f"no documents found for section {sec.code}", http_status=200)
		if len(rows) <= self.config.queue_threshold:
			return {sec.key: rows}
		return self._queue_file(gstin, sec.key, rows, base_url)

	def _queue_file(self, gstin: str, key: str, rows: list[dict], base_url: str) -> dict:
		"""RTN_24: the result goes to tar.gz parts served later through FILEDET."""
		token = secrets.token_hex(12)
		ek = wire.new_key() if self.config.encrypted else None
		size = self.config.part_size
		parts = [
			wire.file_part({key: rows[start : start + size]}, name=f"{key}_{start // size + 1}.json", ek=ek)
			for start in range(0, len(rows), size)
		]
		with self.lock:
			now = time.time()
			for old in [t for t, file in self.files.items() if file["expires_at"] < now]:
				del self.files[old]  # a long-running sandbox must not keep every download's parts
			self.files[token] = {
				"gstin": gstin,
				"key": key,
				"parts": parts,
				"ek": ek,
				"counts": [min(size, len(rows) - i) for i in range(0, len(rows), size)],
				"ready_at": now + self.config.file_delay,
				"expires_at": now + self.config.file_delay + self.config.file_ttl,
			}
		# est: minutes, as text, like the published sample {"est":"30","token":"..."}
		return {"token": token, "est": str(max(1, math.ceil(self.config.file_delay / 60)))}

	def _filedet(self, gstin: str, token: str) -> dict:
		with self.lock:
			file = self.files.get(token)
		if file is None or file["gstin"] != gstin or file["expires_at"] < time.time():
			raise Refusal(v.GEN5002, f"unknown or expired file token {token}")
		if time.time() < file["ready_at"]:
			# India Compliance treats RTN_24 on FILEDET as "queued, ask later" (ReturnsAPI)
			raise Refusal(v.RTN_24, "the file is still being generated; try again later", http_status=200)
		day = time.strftime("%d%m%Y", time.localtime(file["ready_at"]))
		expires = int(file["expires_at"])
		urls = []
		for i, (part, count) in enumerate(zip(file["parts"], file["counts"], strict=True)):
			path = f"/returns/{day}/IMS/{token}/returns_{day}_IMS_{gstin}_{file['key']}_{i}.tar.gz"
			ul = f"{path}?md5={self._link_signature(path, expires)}&expires={expires}"
			urls.append({"ul": ul, "ic": count, "hash": wire.sha256_hex(part)})
		answer: dict = {"urls": urls}
		if file["ek"]:
			answer["ek"] = wire.b64e(file["ek"])
		answer["fc"] = len(urls)
		return answer

	def _link_signature(self, path: str, expires: int) -> str:
		digest = hashlib.md5(f"{expires}{path} ".encode() + self._link_secret).digest()
		return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

	def file_link(self, path: str, query: dict[str, str]) -> tuple[int, bytes | None]:
		"""A FILEDET `ul` fetched: (200, bytes), or (403, None) for a link whose signature or
		expiry is missing or wrong, or (404, None) for an unknown part."""
		match = FILE_LINK.search(path)
		if not match:
			return 404, None
		link = path[match.start() :]
		try:
			expires = int(query.get("expires", ""))
		except ValueError:
			return 403, None
		signature = self._link_signature(link, expires)
		if expires < time.time() or not secrets.compare_digest(signature, query.get("md5", "")):
			return 403, None
		part = self.file_part(match["token"], int(match["index"]))
		return (200, part) if part is not None else (404, None)

	def file_part(self, token: str, index: int) -> bytes | None:
		with self.lock:
			file = self.files.get(token)
		if file is None or file["expires_at"] < time.time() or not 0 <= index < len(file["parts"]):
			return None
		return file["parts"][index]

	# --- GSTR-2B -----------------------------------------------------------------------
	def _gstr2b(self, method: str, query: dict, headers: dict, body: Any, base_url: str) -> Any:
		action, gstin = query.get("action", ""), _gstin(query, headers)
		if method == "PUT" and action == v.GEN2B:
			try:
				itcprd = schema.check_gen2b(body, gstin=gstin)
			except schema.SchemaError as exc:
				raise Refusal(v.IMSSAV005, str(exc)) from None
			plan = self.faults.plan
			ref = submit(
				self.state,
				gstin=gstin,
				kind="GEN2B",
				payload={"itcprd": itcprd},
				stuck=plan.stuck_requests,
				delay=plan.process_delay,
				fail=plan.failed_requests,
			)
			return {"reference_id": ref}
		if method == "GET" and action == v.GENSTS2B:
			ref = _param(query, "int_tran_id")
			return status(self.state, gstin=gstin, reference_id=ref, kinds=("GEN2B",))
		raise Refusal(v.GEN5002, f"unknown GSTR-2B call {method} action={action!r}")


def _json(body: bytes) -> Any:
	try:
		return json.loads(body or b"null")
	except ValueError:
		raise Refusal(v.IMSSAV005, "body is not JSON") from None


def _param(query: dict, name: str) -> str:
	value = query.get(name)
	if not value:
		raise Refusal(v.GEN5001, f"parameter {name} is required")
	return value


def _require_headers(headers: dict[str, str], names: tuple[str, ...]) -> None:
	"""GSTN's headers; a missing one is named. `ip-usr` must be an IP address and `ret_period`,
	when sent, MMYYYY."""
	for name in names:
		if not str(headers.get(name, "")).strip():
			raise Refusal(v.GEN5001, f"header {name} is required")
	try:
		ipaddress.ip_address(headers["ip-usr"].strip())
	except ValueError:
		raise Refusal(v.GEN5002, f"header ip-usr {headers['ip-usr']!r} is not an IP address") from None
	if "ret_period" in headers and not v.RTNPRD_RE.match(headers["ret_period"]):
		raise Refusal(v.GEN5002, f"header ret_period {headers['ret_period']!r} is not MMYYYY")


def _check_state_code(headers: dict[str, str]) -> None:
	gstin = headers["gstin"].strip().upper()
	if not v.GSTIN_RE.match(gstin):
		raise Refusal(v.GEN5002, f"header gstin {gstin!r} is not a GSTIN")
	if headers["state-cd"].strip() != gstin[:2]:
		raise Refusal(v.GEN5002, f"header state-cd {headers['state-cd']!r} is not the GSTIN's {gstin[:2]}")


def _gstin(query: dict, headers: dict) -> str:
	"""GETs name the GSTIN in the query, PUTs only in the header (and the body's rtin)."""
	gstin = (query.get("gstin") or headers.get("gstin", "")).upper()
	if gstin != headers.get("gstin", "").upper():
		raise Refusal(v.GEN5002, "gstin parameter and header differ")
	return gstin
