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

from ims_compliance.gstn.errors import (
	HTTP_CREDITS_EXHAUSTED,
	CallBudgetExceeded,
	CreditsExhausted,
	GstnUnavailable,
	OutcomeUnknown,
	ProtocolError,
)
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
		"asp-secret",
		"x-asp-auth-token",
		"x-asp-auth-signature",
		"session-id",
		"aspsecret",
		"signed_content",
		"enc_key",
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
	every attempt so the Frappe layer can keep a request log.

	`calls` counts every HTTP request sent (retries included: a GSP bills each one); with
	`max_calls` set, the call that would exceed it is not sent and `CallBudgetExceeded` stops
	the job instead."""

	def __init__(
		self,
		*,
		connect_timeout: float,
		read_timeout: float,
		retry: RetryPolicy,
		on_exchange: Exchange | None = None,
		sleep: Callable[[float], None] = time.sleep,
		max_calls: int | None = None,
	):
		self.timeout = (connect_timeout, read_timeout)
		self.retry = retry
		self.on_exchange = on_exchange
		self.sleep = sleep
		self.session = requests.Session()
		self.calls = 0
		self.max_calls = max_calls

	def _count(self, method: str, url: str) -> None:
		if self.max_calls is not None and self.calls >= self.max_calls:
			raise CallBudgetExceeded(
				f"this job reached its cap of {self.max_calls} GSTN calls before {method} {url}; "
				"what it already saved is kept: run it again to continue"
			)
		self.calls += 1

	def close(self) -> None:
		self.session.close()

	def _attempts(self, method: str, url: str, send: Callable[[], requests.Response]) -> requests.Response:
		delays = self.retry.delays()
		last = ""
		status = None
		for attempt in range(1, len(delays) + 2):
			started = time.monotonic()
			self._count(method, url)
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
				if response.status_code == HTTP_CREDITS_EXHAUSTED:
					# never retried: every retry would cost (or be refused) the same way
					self._record(
						method=method, url=url, attempt=attempt, status=429, error="HTTP 429", started=started
					)
					raise CreditsExhausted(_gsp_message(response))
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
		raw: bytes | None = None,
	) -> tuple[int, dict]:
		"""Send, retrying transient failures; return (HTTP status, decoded JSON object). `raw`: a
		JSON body already serialised (a prepared SAVE body: records, no secrets), sent as is."""
		if raw is not None:
			data = raw
		else:
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
			request=_clip(body) if raw is None else _clip_raw(raw),
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

	def download(
		self,
		url: str,
		*,
		method: str = "GET",
		headers: Mapping[str, str] | None = None,
		params: Mapping[str, str] | None = None,
		body: Any = None,
	) -> bytes:
		"""A FILEDET part, fetched the way the GSP profile says (plain GET of an absolute URL by
		default), same retry policy. The bytes are returned untouched: their SHA-256 is checked
		against FILEDET's `hash` by the caller."""
		data = None if body is None else json.dumps(body, separators=(",", ":")).encode()
		merged = dict(headers or {})
		if data is not None:
			merged.setdefault("Content-Type", "application/json")
		started = time.monotonic()
		response = self._attempts(
			method,
			url,
			lambda: self.session.request(
				method, url, params=params, headers=merged, data=data, timeout=self.timeout
			),
		)
		self._record(
			method=method,
			url=url,
			params=dict(params or {}),
			headers=merged,
			status=response.status_code,
			bytes=len(response.content),
			started=started,
		)
		if response.status_code != 200:
			raise ProtocolError(
				f"file part {url} answered HTTP {response.status_code}", http_status=response.status_code
			)
		return response.content


def _gsp_message(response: requests.Response) -> str:
	"""The GSP's own words for a 429, when it gave any (shown to the user verbatim)."""
	text = (response.text or "").strip()[:300]
	base = (
		"the GSP refused the call (HTTP 429): its API credits are used up or the rate limit is "
		"reached; buy credits or wait, then run the job again (nothing was lost)"
	)
	return f"{base}. The GSP said: {text}" if text else base


def _never_sent(exc: requests.RequestException) -> bool:
	"""True when the request cannot have reached the server: the connection was never made
	(refused, unreachable, connect timeout). A read timeout or a connection dropped mid-exchange
	leaves the outcome unknown."""
	if isinstance(exc, requests.ConnectTimeout):
		return True
	reason = exc.args[0] if exc.args else None
	reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
	return isinstance(reason, NewConnectionError)


def _clip_raw(data: bytes) -> str:
	text = data[:_LOG_BODY_CHARS].decode("utf-8", "replace")
	return text if len(data) <= _LOG_BODY_CHARS else f"{text}... ({len(data)} bytes)"


def _clip(value: Any) -> Any:
	"""Logged bodies are redacted and cut short: a 100k-record download must not fill the log."""
	if value is None:
		return None
	text = json.dumps(redact(value), default=str)
	return text if len(text) <= _LOG_BODY_CHARS else text[:_LOG_BODY_CHARS] + f"... ({len(text)} chars)"
