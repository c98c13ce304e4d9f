"""`GstnClient`: one client for the sandbox and for a GSP (which adds GSTN's payload protection).

It owns the conversation rules: GSTN's headers, the OTP session (request OTP, authenticate,
refresh before expiry, one refresh-and-retry on AUTH4033/AUTH4038), following a queued GETINV
(RTN_24 token) through FILEDET to its checked file parts, chunked SAVE/RESETIMS with one request
in flight at a time (IMSSAV0015), and turning every GSTN answer into records or typed errors.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ims_compliance.core.periods import ReturnPeriod
from ims_compliance.core.records import InwardRecord
from ims_compliance.gstn import crypto
from ims_compliance.gstn import protocol as p
from ims_compliance.gstn.downloads import DownloadCalls, SectionRecords  # noqa: F401  (SectionRecords: re-exported)
from ims_compliance.gstn.errors import (
	GstnError,
	OtpRequired,
	ProtocolError,
	SessionExpired,
	error_for,
)
from ims_compliance.gstn.gsp import GspContext, get_profile
from ims_compliance.gstn.payloads import (
	ActionUpdate,
	Counts,
	PreparedBody,
	RequestStatus,
	build_reset_bodies,
	build_save_bodies,
	parse_counts,
	parse_request_status,
)
from ims_compliance.gstn.settings import SANDBOX_IP, ConnectionSettings, MemorySessionStore, SessionStore
from ims_compliance.gstn.transport import Exchange, Transport

Warn = Callable[[str], None]
Sent = Callable[[str, dict], None]  # (reference_id, the SAVE/RESETIMS body GSTN took)
_ENVELOPE_SLACK = 512  # bytes for `action`/`hmac` around an encrypted body
#: GETCNT's goods type for every IMS section the app handles (invoice_count.json: `all_oth`).
GOODS_TYPE_ALL_OTHER = "ALL_OTH"
#: Session entries that belong to the connection, not to one GSTN token: kept when it changes.
_KEPT_ACROSS_TOKENS = ("gsp", "ip_usr")


class GstnClient(DownloadCalls):
	def __init__(
		self,
		settings: ConnectionSettings,
		*,
		store: SessionStore | None = None,
		on_exchange: Exchange | None = None,
		sleep: Callable[[float], None] = time.sleep,
		clock: Callable[[], float] = time.time,
	):
		self.settings = settings
		self.store = store or MemorySessionStore()
		self.sleep = sleep
		self.clock = clock
		self.transport = Transport(
			connect_timeout=settings.connect_timeout,
			read_timeout=settings.read_timeout,
			retry=settings.retry,
			on_exchange=on_exchange,
			sleep=sleep,
			max_calls=settings.max_calls,
		)
		self.profile = get_profile(settings.gsp_profile if settings.encrypted else "plain")

	@property
	def calls(self) -> int:
		"""HTTP requests this client sent (retries and polls included): what a GSP bills."""
		return self.transport.calls

	def close(self) -> None:
		self.transport.close()

	def __enter__(self) -> GstnClient:
		return self

	def __exit__(self, *exc: object) -> None:
		self.close()

	# --- session -------------------------------------------------------------------------
	@property
	def session(self) -> dict:
		return self.store.load() or {}

	@property
	def has_session(self) -> bool:
		return bool(self.session.get("auth_token"))

	def _ip_usr(self) -> str:
		"""The end user's public IP. GSPs and GSTN want the real one: in GSP mode there is no
		silent 127.0.0.1; the Frappe layer passes the web request's IP or the job starter's."""
		if self.settings.ip_usr:
			return self.settings.ip_usr
		if self.settings.encrypted:
			raise GstnError(
				"IP_USR",
				"the end user's public IP (ip-usr) is unknown: set a fallback IP in IMS Settings "
				"for scheduled jobs",
			)
		return SANDBOX_IP

	def _gsp_context(self) -> GspContext:
		state = dict(self.session.get("gsp") or {})
		return GspContext(
			credentials=self.settings.all_credentials,
			gstin=self.settings.gstin,
			state=state,
			clock=self.clock,
			post=lambda url, *, headers, body: self.transport.json("POST", url, headers=headers, body=body),
			base_url=self.settings.base_url,
		)

	def _gsp_headers(self, action: str, txn: str) -> dict[str, str]:
		"""The profile's own headers, after its handshake (kept with the session) if due."""
		ctx = self._gsp_context()
		if self.profile.needs_handshake(ctx):
			before = dict(ctx.state)
			self.profile.handshake(ctx)
			if ctx.state != before:
				self.store.save({**self.session, "gsp": ctx.state})
		return self.profile.headers(ctx, action=action, txn=txn)

	def _headers(
		self, action: str, *, ret_period: str | None = None, with_token: bool = True
	) -> dict[str, str]:
		s = self.settings
		txn = uuid.uuid4().hex
		headers = {
			"gstin": s.gstin,
			"state-cd": s.state_cd,
			"username": s.username,
			"ip-usr": self._ip_usr(),
			"txn": txn,
		}
		headers.update(self._gsp_headers(action, txn))
		if ret_period:
			headers["ret_period"] = ret_period
		if with_token:
			headers["auth-token"] = self.session.get("auth_token", "")
		return headers

	def _authenticate_call(self, body: dict) -> dict:
		status, answer = self.transport.json(
			"POST",
			self.settings.url(p.AUTH_ENDPOINT),
			headers=self._headers(body["action"], with_token=False),
			body=body,
		)
		return _unwrap(status, answer)

	def request_otp(self) -> None:
		"""OTPREQUEST: GSTN sends an OTP to the taxpayer's phone (the sandbox's is fixed)."""
		body: dict[str, Any] = {"action": p.OTPREQUEST, "username": self.settings.username}
		session: dict[str, Any] = {}
		if self.settings.encrypted:
			app_key = crypto.new_key()
			body["app_key"] = crypto.rsa_encrypt(self.settings.gstn_public_key or "", app_key)
			session["app_key"] = crypto.b64(app_key)  # kept for AUTHTOKEN, maybe in another process
		self._authenticate_call(body)
		# the current token (if any) keeps serving running jobs until the OTP is entered
		self.store.save({**self.session, **session, "otp_requested_at": self.clock()})

	def authenticate(self, otp: str) -> None:
		"""AUTHTOKEN with the OTP the user received; stores the token (and session key)."""
		pending = self.session
		body: dict[str, Any] = {"action": p.AUTHTOKEN, "username": self.settings.username, "otp": otp}
		app_key = None
		if self.settings.encrypted:
			if not pending.get("app_key"):
				raise OtpRequired("request an OTP first: the app key it was sent with is missing")
			app_key = crypto.unb64(pending["app_key"])
			body["app_key"] = crypto.rsa_encrypt(self.settings.gstn_public_key or "", app_key)
			body["otp"] = crypto.encrypt_text(app_key, otp)
		self._store_token(self._authenticate_call(body), app_key)

	def refresh(self) -> None:
		"""REFRESHTOKEN: a new token (and session key) without a new OTP, while GSTN allows it."""
		current = self.session
		if not current.get("auth_token"):
			raise OtpRequired()
		body: dict[str, Any] = {
			"action": p.REFRESHTOKEN,
			"username": self.settings.username,
			"auth_token": current["auth_token"],
		}
		app_key = None
		if self.settings.encrypted:
			app_key = crypto.new_key()
			body["app_key"] = crypto.b64(crypto.aes_encrypt(crypto.unb64(current["sek"]), app_key))
		try:
			answer = self._authenticate_call(body)
		except GstnError as exc:
			if self._refreshed_elsewhere(current["auth_token"]):
				return
			self._forget(current["auth_token"])
			raise SessionExpired(
				f"refresh refused ({exc.code}: {exc.message}); log in again with an OTP"
			) from exc
		self._store_token(answer, app_key)

	def _refreshed_elsewhere(self, token: str) -> bool:
		"""Another job sharing the store refreshed first (GSTN then refuses our old token): its
		new token serves us too, and wiping the store would log every job out."""
		latest = self.session.get("auth_token")
		return bool(latest) and latest != token

	def _forget(self, token: str) -> None:
		"""Clear the stored session, unless it already holds another job's newer token."""
		if not self._refreshed_elsewhere(token):
			gsp = self.session.get("gsp")
			self.store.save({"gsp": gsp} if gsp else {})

	def _store_token(self, answer: Mapping, app_key: bytes | None) -> None:
		if not answer.get("auth_token"):
			raise ProtocolError("authentication answer without auth_token")
		minutes = float(answer.get("expiry") or 360)
		session = {"auth_token": answer["auth_token"], "expires_at": self.clock() + minutes * 60}
		for key in _KEPT_ACROSS_TOKENS:  # the GSP's own session, the user's IP: not GSTN's token's
			if self.session.get(key):
				session[key] = self.session[key]
		if app_key is not None:
			if not answer.get("sek"):
				raise ProtocolError("encrypted authentication answer without sek")
			session["sek"] = crypto.b64(crypto.aes_decrypt(app_key, crypto.unb64(answer["sek"])))
		self.store.save(session)

	def _ensure_session(self) -> dict:
		session = self.session
		if not session.get("auth_token"):
			raise OtpRequired()
		if float(session.get("expires_at") or 0) - self.clock() < self.settings.refresh_margin:
			self.refresh()
			session = self.session
		return session

	# --- calls ---------------------------------------------------------------------------
	def _call(
		self,
		method: str,
		endpoint: str,
		params: dict[str, str],
		*,
		body: dict | PreparedBody | None = None,
		ret_period: str | None = None,
		_retried: bool = False,
	) -> Any:
		session = self._ensure_session()
		sek = crypto.unb64(session["sek"]) if self.settings.encrypted else None
		wire_body: Any = body
		raw = None
		if isinstance(body, PreparedBody):
			wire_body = None
			if sek is not None:
				wire_body = {"action": body.action, **crypto.seal_json(sek, body.data)}
			else:
				raw = body.wire
		elif body is not None and sek is not None:
			wire_body = {"action": body.get("action"), **crypto.seal_request(sek, body.get("data"))}
		try:
			status, answer = self.transport.json(
				method,
				self.settings.url(endpoint),
				params=params,
				headers=self._headers(str(params.get("action") or ""), ret_period=ret_period),
				body=wire_body,
				raw=raw,
			)
			if sek is not None and str(answer.get("status_cd")) == "1" and answer.get("rek"):
				answer = {"status_cd": "1", "data": crypto.open_response(sek, answer)}
			return _unwrap(status, answer)
		except SessionExpired:
			if _retried:
				self._forget(session["auth_token"])
				raise
			self.refresh()  # raises SessionExpired itself when GSTN will not refresh
			return self._call(method, endpoint, params, body=body, ret_period=ret_period, _retried=True)

	def _ims_get(self, action: str, **params: str) -> Any:
		return self._call("GET", p.IMS_ENDPOINT, {"action": action, "gstin": self.settings.gstin, **params})

	def get_counts(self) -> Counts:
		"""GETCNT; `goods_typ` is required (invoice_count.json's `all_oth` group: every section
		this app handles)."""
		return parse_counts(self._ims_get(p.GETCNT, goods_typ=GOODS_TYPE_ALL_OTHER))

	def send_body(self, body: dict | PreparedBody) -> str:
		"""PUT one SAVE/RESETIMS body (a dict, or a `PreparedBody` sent as serialised);
		returns GSTN's reference_id."""
		action = body.action if isinstance(body, PreparedBody) else body["action"]
		data = self._call("PUT", p.IMS_ENDPOINT, {"action": action}, body=body)
		if not isinstance(data, Mapping) or not data.get("reference_id"):
			raise ProtocolError(f"{action} answer without reference_id")
		return str(data["reference_id"])

	def _send_bodies(self, bodies: list[dict], *, wait: bool, on_sent: Sent | None) -> list[str]:
		"""One request at a time per GSTIN (IMSSAV0015): wait for each chunk before the next.
		`on_sent(reference_id, body)` hears of each chunk GSTN took before the next is sent, so
		a caller can record it even when a later chunk fails and this raises."""
		references = []
		for index, body in enumerate(bodies):
			references.append(self.send_body(body))
			if on_sent is not None:
				on_sent(references[-1], body)
			if wait or index < len(bodies) - 1:
				self.wait_for_request(references[-1])
		return references

	@property
	def max_plain_bytes(self) -> int:
		"""The largest SAVE/RESETIMS body (compact JSON) that still fits once sealed."""
		limit = self.settings.max_body_bytes
		if not self.settings.encrypted:
			return limit
		# the JSON is base64-encoded, AES-padded (up to 16 bytes), then base64-encoded again
		return ((limit - _ENVELOPE_SLACK) * 3 // 4 - 16) * 3 // 4

	def save_actions(
		self,
		updates: Iterable[ActionUpdate],
		*,
		strict: bool = True,
		wait: bool = False,
		on_sent: Sent | None = None,
	) -> list[str]:
		"""SAVE the actions in as many bodies as the 4 MB limit needs; reference ids in order."""
		bodies = build_save_bodies(
			self.settings.gstin, updates, max_bytes=self.max_plain_bytes, strict=strict
		)
		return self._send_bodies(bodies, wait=wait, on_sent=on_sent)

	def reset_actions(
		self, records: Iterable[InwardRecord], *, wait: bool = False, on_sent: Sent | None = None
	) -> list[str]:
		"""RESETIMS the records to No Action, chunked like `save_actions`."""
		bodies = build_reset_bodies(self.settings.gstin, records, max_bytes=self.max_plain_bytes)
		return self._send_bodies(bodies, wait=wait, on_sent=on_sent)

	def request_status(self, reference_id: str) -> RequestStatus:
		return parse_request_status(self._ims_get(p.REQSTS, int_tran_id=reference_id))

	def _wait(self, poll: Callable[[], RequestStatus], what: str) -> RequestStatus:
		"""REQSTS / GENSTS2B until done: growing waits, capped in polls and time."""
		policy = self.settings.poll_policy
		for wait in policy.delays():
			status = poll()
			if status.done:
				return status
			self.sleep(wait)
		raise GstnError(
			"IP",
			f"{what} still in progress after {policy.max_polls} polls or {policy.timeout:.0f}s; "
			"its result is read again later",
		)

	def wait_for_request(self, reference_id: str) -> RequestStatus:
		return self._wait(lambda: self.request_status(reference_id), f"request {reference_id}")

	def generate_2b(self, period: ReturnPeriod | str) -> str:
		"""GEN2B: recompute GSTR-2B for the period (R8: needed after actions taken after the 14th)."""
		itcprd = str(ReturnPeriod.parse(str(period)))
		body = {"action": p.GEN2B, "data": {"rtin": self.settings.gstin, "itcprd": itcprd}}
		data = self._call("PUT", p.GSTR2B_ENDPOINT, {"action": p.GEN2B}, body=body, ret_period=itcprd)
		if not isinstance(data, Mapping) or not data.get("reference_id"):
			raise ProtocolError("GEN2B answer without reference_id")
		return str(data["reference_id"])

	def gen2b_status(self, reference_id: str) -> RequestStatus:
		params = {"action": p.GENSTS2B, "gstin": self.settings.gstin, "int_tran_id": reference_id}
		return parse_request_status(self._call("GET", p.GSTR2B_ENDPOINT, params))

	def wait_for_2b(self, reference_id: str) -> RequestStatus:
		return self._wait(lambda: self.gen2b_status(reference_id), f"GSTR-2B generation {reference_id}")


def _unwrap(http_status: int, answer: Mapping) -> Any:
	"""GSTN's envelope: status_cd "1" -> data; otherwise the typed error for error.error_cd."""
	if str(answer.get("status_cd")) == "1":
		return answer.get("data", {k: v for k, v in answer.items() if k != "status_cd"})
	error = answer.get("error")
	if not isinstance(error, Mapping):
		raise ProtocolError(
			f"HTTP {http_status} answer without status_cd 1 or an error", http_status=http_status
		)
	exc = error_for(
		str(error.get("error_cd") or ""), str(error.get("message") or ""), http_status=http_status
	)
	exc.details = dict(error)
	raise exc
