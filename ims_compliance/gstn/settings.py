"""How the client connects (mode, URLs, credentials, timeouts, retries) and where it keeps its
session. The Frappe layer builds `ConnectionSettings` from IMS Settings and passes a
`SessionStore` backed by the database, so an OTP entered in the browser serves the background
jobs that follow; tests and the sandbox demo use the in-memory store."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from ims_compliance.core.gstin import state_code_of
from ims_compliance.gstn.protocol import MAX_BODY_BYTES

SANDBOX, GSP = "sandbox", "gsp"
#: `ip-usr` for the local sandbox only; never sent to a GSP (see ConnectionSettings.ip_usr).
SANDBOX_IP = "127.0.0.1"


@dataclass(frozen=True)
class RetryPolicy:
	"""Exponential backoff with jitter, for 5xx answers, timeouts and dropped connections only:
	retrying a 4xx or a GSTN error code would just repeat the same refusal."""

	attempts: int = 4
	base_delay: float = 0.5
	max_delay: float = 8.0
	jitter: float = 0.5  # each delay is scaled by a random factor in [1 - jitter, 1 + jitter]
	seed: int | None = None

	def delays(self) -> list[float]:
		"""The waits between attempts (attempts - 1 of them), reproducible when seeded."""
		rng = random.Random(self.seed)
		waits = []
		for retry in range(max(self.attempts - 1, 0)):
			wait = min(self.base_delay * 2**retry, self.max_delay)
			waits.append(wait * rng.uniform(1 - self.jitter, 1 + self.jitter))
		return waits


@dataclass(frozen=True)
class PollPolicy:
	"""How FILEDET and REQSTS are polled, each poll costing a GSP credit: the first poll after
	GSTN's estimate (`est` of a queued GETINV; GSTN documents it in minutes, so `est_unit` is 60
	seconds, smaller for a local sandbox), then waits growing by `backoff` up to `max_interval`,
	at most `max_polls` polls and `timeout` seconds per wait."""

	first: float = 2.0  # seconds before the first REQSTS / GENSTS2B poll
	backoff: float = 1.6
	max_interval: float = 120.0
	max_polls: int = 40
	timeout: float = 900.0
	est_unit: float = 60.0

	def delays(self, *, first: float | None = None) -> list[float]:
		"""The waits before each poll: `first`, then growing; stops at max_polls or timeout."""
		waits: list[float] = []
		wait = self.first if first is None else first
		total = 0.0
		step = max(self.first, 0.001)
		while len(waits) < self.max_polls and total <= self.timeout:
			waits.append(wait)
			total += wait
			step = min(step * self.backoff, self.max_interval)
			wait = step
		return waits


@dataclass(frozen=True)
class ConnectionSettings:
	"""`mode` sandbox: plain JSON to our sandbox; gsp: GSTN's payload protection (crypto.py) to a
	GSP, spoken as its profile (`gsp_profile`, see `gstn.gsp`) says, or to a sandbox that plays
	GSTN encrypted. `gstn_public_key` is GSTN's X.509 certificate (PEM; a bare public key is
	still accepted). `credentials` holds what the profile needs beyond client id/secret (ASP id,
	ASP secret, the ASP's private key...). `endpoint_versions` overrides the API version of one
	endpoint (authenticate, ims, gstr2b). `ip_usr` is the end user's public IP: required in GSP
	mode (GSPs and GSTN want the real one), 127.0.0.1 only for the sandbox. `max_calls` caps the
	GSTN calls one client (one job) may make."""

	base_url: str
	gstin: str
	username: str
	mode: str = SANDBOX
	client_id: str = ""
	client_secret: str = ""
	gstn_public_key: str | None = None
	gsp_profile: str = "plain"
	credentials: Mapping[str, str] = field(default_factory=dict)
	endpoint_versions: Mapping[str, str] = field(default_factory=dict)
	ip_usr: str = ""
	connect_timeout: float = 5.0
	read_timeout: float = 60.0
	retry: RetryPolicy = field(default_factory=RetryPolicy)
	refresh_margin: float = 120.0  # refresh the token when it has less than this many seconds left
	poll_interval: float = 2.0  # the first REQSTS / FILEDET wait when GSTN gives no estimate
	poll_timeout: float = 900.0
	poll: PollPolicy | None = None
	est_unit: float | None = None  # seconds per unit of GSTN's `est` (default: minutes)
	max_calls: int | None = None
	max_body_bytes: int = MAX_BODY_BYTES

	def __post_init__(self) -> None:
		if self.mode not in (SANDBOX, GSP):
			raise ValueError(f"connection mode must be {SANDBOX!r} or {GSP!r}, not {self.mode!r}")
		if self.mode == GSP and not self.gstn_public_key:
			raise ValueError("GSP mode needs GSTN's public key (gstn_public_key) to send the app key")

	@property
	def encrypted(self) -> bool:
		return self.mode == GSP

	@property
	def state_cd(self) -> str:
		return state_code_of(self.gstin)

	@property
	def poll_policy(self) -> PollPolicy:
		if self.poll is not None:
			return self.poll
		return PollPolicy(
			first=self.poll_interval,
			max_interval=max(self.poll_interval * 30, 0.001),
			timeout=self.poll_timeout,
			est_unit=60.0 if self.est_unit is None else self.est_unit,
		)

	@property
	def all_credentials(self) -> dict[str, str]:
		return {"client_id": self.client_id, "client_secret": self.client_secret, **self.credentials}

	def endpoint_path(self, endpoint: str) -> str:
		from ims_compliance.gstn.gsp import get_profile

		profile = get_profile(self.gsp_profile if self.encrypted else "plain")
		return profile.endpoint(endpoint, self.endpoint_versions)

	def url(self, endpoint: str) -> str:
		"""The URL of one of GSTN's endpoints (authenticate, ims, gstr2b) through the profile."""
		return f"{self.base_url.rstrip('/')}/{self.endpoint_path(endpoint)}"


class SessionStore(Protocol):
	"""Where the session (auth token, expiry, keys) lives between calls and processes."""

	def load(self) -> dict | None: ...

	def save(self, session: dict) -> None: ...


class MemorySessionStore:
	def __init__(self, session: dict | None = None):
		self._session = dict(session) if session else None

	def load(self) -> dict | None:
		return dict(self._session) if self._session else None

	def save(self, session: dict) -> None:
		self._session = dict(session) if session else None
