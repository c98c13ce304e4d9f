"""The GSP in front of GSTN, optionally: the sandbox can require one GSP's own authentication
before GSTN's rules apply, so a client's GSP profile is exercised too.

Profiles (`SandboxConfig.gsp`), from each GSP's public docs:

- `plain`: `clientid` + `client-secret` headers on every call. Source: Vayana's GSTN pages list
  them (docs.gsp.vayana.com/GSTN/authentication-request-api) as GSTN's own convention.
- `vayana`: `X-Asp-Auth-Token` + `X-Asp-Auth-Signature` headers, paths under `/gus/`
  (`<base>/gus/taxpayerapi/v1.0/authenticate`). The token is the colon-delimited
  `v2.0:<cust_id>:<client_id>:<txn_id>:<timestamp>:<gstin>:<api_action>`, timestamp
  `YYYYMMDDHHMMSS+HHMM` (19 characters) (docs.gsp.vayana.com/building-a-vayana-gsp-auth-token).
  VERIFIED: header names, path shape, token fields. ASSUMED: the signature is
  b64(RSA PKCS#1 v1.5 SHA-256 signature of the token) with the ASP's registered key; the
  signature part of that page was not available, so the sandbox checks it only when it is given
  the ASP's public key (`gsp_credentials["public_key"]`), else only that it is base64.
- `taxpro` (TaxPro / charteredinfo): `aspid`, `asp-secret`, `session-id` headers; `asp-secret`
  = AesEncryptBase64(AspSecretKey, AspEK) with AES/ECB/PKCS7, AspEK from GetKey identified by
  the session id (gsthelp.charteredinfo.com/ucl/gst_pass_through_api.htm, getkey_api.htm,
  gsp_utility_apis.htm). VERIFIED: header names and the AES/ECB/PKCS7 rule. ASSUMED: GetKey
  itself (an RSA-signed timestamp) is replaced by the control `POST /sandbox/gsp-session`, which
  returns `{session_id, ek}` (ek = b64(AspEK)).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import secrets

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding

from ims_compliance.gstn.sandbox import wire

PLAIN, VAYANA, TAXPRO = "plain", "vayana", "taxpro"
PROFILES = (PLAIN, VAYANA, TAXPRO)
#: Vayana's path prefix before `taxpayerapi/...`
VAYANA_PREFIX = "/gus"
_VAYANA_TOKEN = re.compile(
	r"^v2\.0:(?P<cust>[^:]*):(?P<client>[^:]*):(?P<txn>[^:]+):(?P<ts>\d{14}[+-]\d{4}):(?P<gstin>[^:]*):(?P<action>[^:]*)$"
)


class GspRefusal(ValueError):
	"""The GSP refused the call before GSTN saw it."""


class GspGate:
	def __init__(self, profile: str | None, credentials: dict | None = None):
		if profile not in (None, *PROFILES):
			raise ValueError(f"unknown GSP profile {profile!r}; expected one of {', '.join(PROFILES)}")
		self.profile = profile
		self.credentials = dict(credentials or {})
		self.sessions: dict[str, bytes] = {}  # taxpro: session id -> AspEK

	def new_session(self, aspid: str) -> dict:
		"""TaxPro's GetKey, simplified (assumed): a session id and its AspEK."""
		if aspid != self.credentials.get("aspid", "asp-id"):
			raise GspRefusal("unknown aspid")
		session_id, key = secrets.token_hex(8), wire.new_key()
		self.sessions[session_id] = key
		return {"session_id": session_id, "ek": wire.b64e(key)}

	def check(self, path: str, headers: dict[str, str]) -> str:
		"""Refuse a call without the GSP's credentials; returns the path with the GSP's prefix
		removed (Vayana's `/gus`)."""
		if self.profile is None:
			return path
		if self.profile == PLAIN:
			self._plain(headers)
			return path
		if self.profile == VAYANA:
			if not path.startswith(VAYANA_PREFIX + "/"):
				raise GspRefusal(f"Vayana serves GSTN under {VAYANA_PREFIX}/taxpayerapi/..., not {path}")
			self._vayana(headers)
			return path[len(VAYANA_PREFIX) :]
		self._taxpro(headers)
		return path

	def _require(self, headers: dict[str, str], *names: str) -> list[str]:
		missing = [name for name in names if not headers.get(name)]
		if missing:
			raise GspRefusal(f"missing GSP header(s): {', '.join(missing)}")
		return [headers[name] for name in names]

	def _plain(self, headers: dict[str, str]) -> None:
		client_id, secret = self._require(headers, "clientid", "client-secret")
		expected = (self.credentials.get("clientid"), self.credentials.get("client-secret"))
		if expected[0] and not hmac.compare_digest(client_id, expected[0]):
			raise GspRefusal("clientid is not registered with the GSP")
		if expected[1] and not hmac.compare_digest(secret, expected[1]):
			raise GspRefusal("client-secret does not match")

	def _vayana(self, headers: dict[str, str]) -> None:
		token, signature = self._require(headers, "x-asp-auth-token", "x-asp-auth-signature")
		match = _VAYANA_TOKEN.match(token) or _VAYANA_TOKEN.match(_maybe_b64(token))
		if not match:
			raise GspRefusal(
				"X-Asp-Auth-Token is not v2.0:<cust_id>:<client_id>:<txn_id>:<timestamp>:<gstin>:<api_action>"
			)
		gstin = match["gstin"]
		if gstin and headers.get("gstin") and gstin.upper() != headers["gstin"].upper():
			raise GspRefusal("X-Asp-Auth-Token names another GSTIN than the gstin header")
		try:
			raw_signature = base64.b64decode(signature, validate=True)
		except (binascii.Error, ValueError):
			raise GspRefusal("X-Asp-Auth-Signature is not base64") from None
		public_pem = self.credentials.get("public_key")
		if public_pem:
			key = serialization.load_pem_public_key(public_pem.encode())
			try:
				key.verify(  # type: ignore[union-attr, call-arg]
					raw_signature, token.encode(), rsa_padding.PKCS1v15(), hashes.SHA256()
				)
			except InvalidSignature:
				raise GspRefusal("X-Asp-Auth-Signature does not verify with the ASP's key") from None

	def _taxpro(self, headers: dict[str, str]) -> None:
		aspid, secret, session_id = self._require(headers, "aspid", "asp-secret", "session-id")
		if aspid != self.credentials.get("aspid", "asp-id"):
			raise GspRefusal("unknown aspid")
		key = self.sessions.get(session_id)
		if key is None:
			raise GspRefusal("unknown or expired session-id: call GetKey again")
		try:
			plain = wire.aes_ecb_decrypt(key, wire.b64d(secret, what="asp-secret"), what="asp-secret")
		except wire.WireError as exc:
			raise GspRefusal(str(exc)) from None
		if not hmac.compare_digest(plain, str(self.credentials.get("asp_secret", "asp-secret")).encode()):
			raise GspRefusal("asp-secret does not match")


def _maybe_b64(text: str) -> str:
	try:
		return base64.b64decode(text, validate=True).decode()
	except (binascii.Error, ValueError):
		return ""
