"""How the client connects (mode, URLs, credentials, timeouts, retries) and where it keeps its
session. The Frappe layer builds `ConnectionSettings` from IMS Settings and passes a
`SessionStore` backed by the database, so an OTP entered in the browser serves the background
jobs that follow; tests and the sandbox demo use the in-memory store."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Protocol

from ims_compliance.core.gstin import state_code_of
from ims_compliance.gstn.protocol import MAX_BODY_BYTES

SANDBOX, GSP = "sandbox", "gsp"


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
class ConnectionSettings:
	"""`mode` sandbox: plain JSON to our sandbox; gsp: GSTN's payload protection (crypto.py) to a
	GSP, or to the sandbox started with --encrypted. `gstn_public_key` is GSTN's RSA key (PEM)."""

	base_url: str
	gstin: str
	username: str
	mode: str = SANDBOX
	client_id: str = ""
	client_secret: str = ""
	gstn_public_key: str | None = None
	api_prefix: str = "taxpayerapi/v1.0"
	ip_usr: str = "127.0.0.1"
	connect_timeout: float = 5.0
	read_timeout: float = 60.0
	retry: RetryPolicy = field(default_factory=RetryPolicy)
	refresh_margin: float = 120.0  # refresh the token when it has less than this many seconds left
	poll_interval: float = 2.0  # FILEDET / REQSTS polling
	poll_timeout: float = 900.0
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

	def url(self, path: str) -> str:
		prefix = self.api_prefix.strip("/")
		return "/".join(p for p in (self.base_url.rstrip("/"), prefix, path.strip("/")) if p)


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
