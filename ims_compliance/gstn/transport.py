"""HTTP for GSTN: explicit timeouts, retries on 5xx / timeouts / dropped connections only (with
exponential backoff and jitter), and a log of every exchange with secrets masked. GSTN error
codes are not retried here: they are answers, and the client decides what they mean. A PUT
whose answer timed out or whose connection dropped after sending is not repeated (GSTN may
already be processing it); one that never connected is."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from ims_compliance.gstn.errors import GstnUnavailable, OutcomeUnknown, ProtocolError
from ims_compliance.gstn.settings import RetryPolicy

log = logging.getLogger("ims_compliance.gstn")
SECRET_KEYS = frozenset(
	{
		"auth-token",
		"auth_token",
		"client-secret",
		"client_secret",
		"otp",
		"app_key",
		"sek",
		"rek",
		"ek",
		"password",
		"hmac",
	}
)
_LOG_BODY_CHARS = 2000
Exchange = Callable[[dict], None]


def redact(value: Any) -> Any:
	"""A copy with every secret-looking key's value masked, at any depth."""
	if isinstance(value, Mapping):
		return {k: ("***" if str(k).lower() in SECRET_KEYS and v else redact(v)) for k, v in value.items()}
	if isinstance(value, list):
		return [redact(v) for v in value[:20]] + (["..."] if len(value) > 20 else [])
	return value


class Transport:
	"""One requests.Session (keep-alive) per client; `on_exchange` receives a redacted record of
	every attempt so the Frappe layer can keep a request log."""

	def __init__(
		self,
		*,
		connect_timeout: float,
		read_timeout: float,
		retry: RetryPolicy,
		on_exchange: Exchange | None = None,
		sleep: Callable[[float], None] = time.sleep,
	):
		self.timeout = (connect_timeout, read_timeout)
		self.retry = retry
		self.on_exchange = on_exchange
		self.sleep = sleep
		self.session = requests.Session()

	def close(self) -> None:
		self.session.close()

	def _attempts(self, method: str, url: str, send: Callable[[], requests.Response]) -> requests.Response:
		delays = self.retry.delays()
		last = ""
		status = None
		for attempt in range(1, len(delays) + 2):
			started = time.monotonic()
			try:
				response = send()
			except (requests.Timeout, requests.ConnectionError) as exc:
				last, status = f"{type(exc).__name__}: {exc}", None
				if method == "PUT" and not _never_sent(exc):
					# GSTN may have taken the SAVE: sent again, it would meet IMSSAV0015, or
					# IMSSAV0010 on every record once the first landed. The caller must look at
					# REQSTS (or the next download) instead of blindly retrying.
					self._record(
						method=method, url=url, attempt=attempt, status=None, error=last, started=started
					)
					raise OutcomeUnknown(
						f"{method} {url} failed after sending; its outcome is unknown ({last})",
						attempts=attempt,
					) from None
			else:
				if response.status_code < 500:
					return response
				last, status = f"HTTP {response.status_code}", response.status_code
			self._record(method=method, url=url, attempt=attempt, status=status, error=last, started=started)
			if attempt <= len(delays):
				log.info(
					"GSTN %s %s failed (%s); retry %d in %.2fs",
					method,
					url,
					last,
					attempt,
					delays[attempt - 1],
				)
				self.sleep(delays[attempt - 1])
		raise GstnUnavailable(
			f"GSTN did not answer {method} {url} after {len(delays) + 1} attempts ({last})",
			http_status=status,
			attempts=len(delays) + 1,
		)

	def _record(self, **entry: Any) -> None:
		started = entry.pop("started")
		entry["elapsed_ms"] = round((time.monotonic() - started) * 1000, 1)
		entry = redact(entry)
		log.debug("GSTN exchange %s", entry)
		if self.on_exchange:
			self.on_exchange(entry)

	def json(
		self,
		method: str,
		url: str,
		*,
		params: Mapping[str, str] | None = None,
		headers: Mapping[str, str] | None = None,
		body: Any = None,
	) -> tuple[int, dict]:
		"""Send, retrying transient failures; return (HTTP status, decoded JSON object)."""
		data = None if body is None else json.dumps(body, separators=(",", ":")).encode()
		merged = {"Content-Type": "application/json", **(headers or {})}
		started = time.monotonic()
		response = self._attempts(
			method,
			url,
			lambda: self.session.request(
				method, url, params=params, headers=merged, data=data, timeout=self.timeout
			),
		)
		try:
			decoded = response.json()
		except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
			decoded = None
		self._record(
			method=method,
			url=url,
			params=dict(params or {}),
			headers=dict(merged),
			request=_clip(body),
			status=response.status_code,
			response=_clip(decoded),
			started=started,
		)
		if not isinstance(decoded, dict):
			raise ProtocolError(
				f"{method} {url} answered HTTP {response.status_code} without a JSON object",
				http_status=response.status_code,
			)
		return response.status_code, decoded

	def download(self, url: str) -> bytes:
		"""A FILEDET part: plain GET (no GSTN headers), same retry policy."""
		started = time.monotonic()
		response = self._attempts("GET", url, lambda: self.session.get(url, timeout=self.timeout))
		self._record(
			method="GET", url=url, status=response.status_code, bytes=len(response.content), started=started
		)
		if response.status_code != 200:
			raise ProtocolError(
				f"file part {url} answered HTTP {response.status_code}", http_status=response.status_code
			)
		return response.content


def _never_sent(exc: requests.RequestException) -> bool:
	"""True when the request cannot have reached the server: the connection was never made
	(refused, unreachable, connect timeout). A read timeout or a connection dropped mid-exchange
	leaves the outcome unknown."""
	if isinstance(exc, requests.ConnectTimeout):
		return True
	reason = exc.args[0] if exc.args else None
	reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
	return isinstance(reason, NewConnectionError)


def _clip(value: Any) -> Any:
	"""Logged bodies are redacted and cut short: a 100k-record download must not fill the log."""
	if value is None:
		return None
	text = json.dumps(redact(value), default=str)
	return text if len(text) <= _LOG_BODY_CHARS else text[:_LOG_BODY_CHARS] + f"... ({len(text)} chars)"
