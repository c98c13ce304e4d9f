"""GSTN's authentication in the sandbox: OTPREQUEST, AUTHTOKEN with the sandbox's fixed OTP and
REFRESHTOKEN, the sessions they open (kept in the state, so they survive a restart, as GSTN's
do), the RSA key and certificate behind `app_key`, and the opening of an encrypted request body
with the session key (IMS_DOMAIN.md "Wire rules")."""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any

from ims_compliance.gstn.sandbox import vocabulary as v
from ims_compliance.gstn.sandbox import wire
from ims_compliance.gstn.sandbox.config import SandboxConfig
from ims_compliance.gstn.sandbox.faults import FaultInjector
from ims_compliance.gstn.sandbox.processing import Refusal
from ims_compliance.gstn.sandbox.request_checks import check_state_code, json_body
from ims_compliance.gstn.sandbox.state import SandboxState


class SessionHandlers:
	"""The authenticate endpoint and the session check of every other call; a part of `GstnApi`,
	which sets the attributes below."""

	state: SandboxState
	config: SandboxConfig
	faults: FaultInjector
	lock: threading.RLock
	private_key: str
	public_key: bytes
	otps: dict[tuple[str, str], bytes | None]

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

	def _authenticate(self, headers: dict[str, str], body: Any) -> dict:
		if not isinstance(body, dict) or not body.get("action") or not body.get("username"):
			raise Refusal(v.GEN5001, "action and username are required")
		username, gstin = str(body["username"]), headers["gstin"].upper()
		check_state_code(headers)
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
		check_state_code(headers)
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
		envelope = json_body(body)
		if not session.get("sek"):
			return envelope
		if not isinstance(envelope, dict):
			raise Refusal(v.GEN5003, "an encrypted request is {action, data, hmac}")
		try:
			inner = wire.open_request_data(session["sek"], envelope.get("data"), envelope.get("hmac"))
		except wire.WireError as exc:
			raise Refusal(v.GEN5003, str(exc)) from None
		return {"action": envelope.get("action"), "data": inner}
