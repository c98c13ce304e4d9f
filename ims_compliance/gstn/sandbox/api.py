"""The GSTN side of the sandbox: authentication with a fixed OTP, the IMS calls (GETINV with
RTN_24 -> FILEDET for large sections, GETCNT, SAVE, RESETIMS, REQSTS) and GEN2B/GENSTS2B, in
GSTN's shapes, headers and error codes, optionally behind GSTN's payload protection
(`encrypted`) and a GSP's own authentication (`gsp`).

It stands on the published rules alone (IMS_DOMAIN.md section 3 and "Wire rules"; the sources
are named in `vocabulary`, `wire`, `schema` and `gsp`) and imports nothing from the client, so
a client mistake cannot be agreed to on both sides.

`handle()` is transport-free: it takes the request's parts and returns (HTTP status, JSON), so
the HTTP server stays a thin shell. Here: routing, the checks every call passes and the answer's
envelope; the handlers by area in `sessions` (authenticate), `ims` (IMS and GSTR-2B calls) and
`files` (queued results, FILEDET); the rules they apply in `processing` and `schema`.
"""

from __future__ import annotations

import re
import secrets
import threading

from ims_compliance.gstn.sandbox import vocabulary as v
from ims_compliance.gstn.sandbox import wire
from ims_compliance.gstn.sandbox.config import AUTH_PATH, IMS_PATH, SandboxConfig
from ims_compliance.gstn.sandbox.faults import FaultInjector
from ims_compliance.gstn.sandbox.gsp import GspGate, GspRefusal
from ims_compliance.gstn.sandbox.ims import ImsHandlers
from ims_compliance.gstn.sandbox.processing import Refusal
from ims_compliance.gstn.sandbox.request_checks import json_body, require_headers
from ims_compliance.gstn.sandbox.sessions import SessionHandlers
from ims_compliance.gstn.sandbox.state import SandboxState

_ROUTE = re.compile(
	r"^(?P<prefix>.*?)/taxpayerapi/(?P<version>v\d+\.\d+)/(?P<endpoint>authenticate|returns/ims|returns/gstr2b)/?$"
)
#: GSTN's headers (IMS_DOMAIN.md section 3; India Compliance `TaxpayerBaseAPI.setup` sends the
#: first five on every call and `auth-token` on every call after login). The authenticate call
#: is shown with state-cd, ip-usr and txn (docs.gsp.vayana.com/GSTN/authentication-request-api);
#: the sandbox also needs gstin there, to know whose records the session opens.
AUTH_HEADERS = ("gstin", "state-cd", "ip-usr", "txn")
API_HEADERS = ("gstin", "state-cd", "username", "ip-usr", "txn", "auth-token")


class GstnApi(SessionHandlers, ImsHandlers):
	"""GSTN as one sandbox serves it: the state's lock, the queued files, the call counts and the
	GSP gate live here; the handlers come from the bases, one per area."""

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
				request = json_body(body)
				self._count(endpoint, request.get("action") if isinstance(request, dict) else None)
				require_headers(headers, AUTH_HEADERS)
				return 200, self._authenticate(headers, request)
			self._count(endpoint, query.get("action"))
			if len(body) > self.config.max_body_bytes:
				raise Refusal(v.IMSSAV0016, "request body is over 4 MB", http_status=413)
			require_headers(headers, API_HEADERS)
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
