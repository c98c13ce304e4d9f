"""What a sandbox serves, set once when it starts: the OTP, the API versions per endpoint, GSTN's
payload protection, a GSP's authentication, the queued-file sizes and timings, and the limits
(body size, call budget, sessions per user)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ims_compliance.gstn.sandbox import vocabulary as v

#: The sandbox's OTP: every OTPREQUEST "sends" this one (documented in docs/sandbox.md).
SANDBOX_OTP = "575757"
AUTH_PATH, IMS_PATH, GSTR2B_PATH = "authenticate", "returns/ims", "returns/gstr2b"
#: API versions served per endpoint. v1.0 everywhere is what the GSP docs show for
#: authenticate (docs.gsp.vayana.com) and what the client has used for IMS; references differ
#: on GSTR-2B's later versions, so v1.1 and v4.0 are accepted there too (unverified).
API_VERSIONS: dict[str, tuple[str, ...]] = {
	AUTH_PATH: ("v1.0",),
	IMS_PATH: ("v1.0",),
	GSTR2B_PATH: ("v1.0", "v1.1", "v4.0"),
}


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
