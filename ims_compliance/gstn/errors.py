"""Typed failures of a GSTN conversation.

The Frappe layer shows GSTN's own code and message to the user and decides what to do from the
type alone (ask for an OTP again, retry later, fix the data), so every failure the client can
meet maps to one class here. Bad *input data* is `core.errors.IMSValidationError` instead.
"""

from __future__ import annotations

# GSTN error codes the client and sandbox act on (IMS_DOMAIN.md section 3).
SCHEMA_ERROR = "IMSSAV005"
PREVIOUS_STATUS_WRONG = "IMSSAV0010"
REQUEST_IN_PROGRESS = "IMSSAV0015"
ITC_REDUCTION_MISSING = "IMSSAV0054"
QUEUED = "RTN_24"
NO_DOCUMENTS = ("RET11416", "RET13508", "RET13509", "RET13510")
BAD_OTP = "AUTH158"
INVALID_SESSION = "AUTH4033"
SESSION_EXPIRED = "AUTH4038"
MISSING_PARAMETERS = "GEN5001"
# Codes the sandbox uses where GSTN's own code is not documented (verify against GSTN).
PENDING_BLOCKED = "IMSSAV0011"  # R5: Pending not allowed where ispendactblocked = Y
REJECT_NOT_ALLOWED = "IMSSAV0012"  # R4: a Bill of Entry cannot be rejected
RECORD_NOT_FOUND = "IMSSAV0013"
PAYLOAD_TOO_LARGE = "IMSSAV0016"
REMARKS_MISSING = "IMSSAV0055"  # R7: remarks are required for a partial or nil ITC reversal
DECLARATION_INVALID = "IMSSAV0056"  # R7: declared amounts without itcRedReq Y, or above the tax
FILE_NOT_READY = "RTN_25"
#: GSTN could not decrypt the app key: its public key (certificate) in IMS Settings is stale.
INVALID_PUBLIC_KEY = "TEC4002"
#: Too many sessions open for this GSTIN (or the GSP refused a new one).
TOO_MANY_SESSIONS = "AUTH403"
#: HTTP status a GSP answers when the API credits bought from it are used up.
HTTP_CREDITS_EXHAUSTED = 429
INVALID_REQUEST = "GEN5002"
INTEGRITY_FAILED = "GEN5003"  # HMAC or file hash did not match


class GstnError(Exception):
	"""GSTN answered with an error. `code` is GSTN's error code (e.g. IMSSAV0015)."""

	def __init__(self, code: str, message: str, *, http_status: int | None = None):
		self.code = code
		self.message = message
		self.http_status = http_status
		self.details: dict = {}  # GSTN's whole `error` object (a queued GETINV puts its token there)
		super().__init__(f"{code}: {message}" if code else message)


class AuthError(GstnError):
	"""Authentication failed (wrong OTP, unknown user); the user must act."""


class OtpRequired(AuthError):
	"""No usable session: request an OTP and call `authenticate(otp)`."""

	def __init__(self, message: str = "no GSTN session: request an OTP and authenticate", *, code: str = ""):
		super().__init__(code, message)


class SessionExpired(OtpRequired):
	"""The session expired (AUTH4038/AUTH4033) and a refresh did not revive it."""

	def __init__(
		self, message: str = "the GSTN session expired; log in again with a new OTP", *, code: str = ""
	):
		super().__init__(message, code=code or SESSION_EXPIRED)


class RequestInProgress(GstnError):
	"""IMSSAV0015: GSTN processes one save/reset per GSTIN at a time; wait for REQSTS."""


class GstnUnavailable(GstnError):
	"""GSTN (or the GSP) kept failing with 5xx, timeouts or dropped connections after all retries."""

	def __init__(self, message: str, *, http_status: int | None = None, attempts: int = 0):
		self.attempts = attempts
		super().__init__("UNAVAILABLE", message, http_status=http_status)


class OutcomeUnknown(GstnUnavailable):
	"""A PUT reached GSTN (or may have) but no answer came back: GSTN may have taken it. It is
	never resent blindly; the caller learns the outcome from GSTN's records (a download)."""


class StopJob(GstnError):
	"""A failure no retry inside the job can fix: the job stops at once, keeping what it already
	saved, and tells the user what to do. Never retried by the transport or the poller."""


class CreditsExhausted(StopJob):
	"""HTTP 429 from the GSP: the API calls bought from it are used up (or rate-limited)."""

	def __init__(self, message: str = "", *, http_status: int | None = HTTP_CREDITS_EXHAUSTED):
		super().__init__(
			"HTTP429",
			message
			or "the GSP refused the call (HTTP 429): its API credits are used up or the rate limit is "
			"reached; buy credits or wait, then run the job again (nothing was lost)",
			http_status=http_status,
		)


class TooManySessions(StopJob):
	"""AUTH403: GSTN (or the GSP) has too many sessions open for this user."""

	def __init__(self, message: str = "", *, http_status: int | None = None):
		super().__init__(
			TOO_MANY_SESSIONS,
			(message + ": " if message else "")
			+ "too many GSTN sessions are open for this user; log out of other applications or wait "
			"for their sessions to expire, then run the job again (nothing was lost)",
			http_status=http_status,
		)


class CallBudgetExceeded(StopJob):
	"""The job reached its cap on GSTN calls (each one may cost a GSP credit)."""

	def __init__(self, message: str):
		super().__init__("CALL_CAP", message)


class CertificateError(GstnError):
	"""GSTN's public key certificate in IMS Settings is missing, unreadable, expired, or GSTN
	says it is not its current key (TEC4002)."""

	def __init__(self, message: str, *, http_status: int | None = None):
		super().__init__(INVALID_PUBLIC_KEY, message, http_status=http_status)


class IntegrityError(GstnError):
	"""A response HMAC or a downloaded file's SHA-256 did not match: the data is not trusted."""

	def __init__(self, message: str):
		super().__init__(INTEGRITY_FAILED, message)


class ProtocolError(GstnError):
	"""The other side answered something that is not GSTN's envelope (not JSON, no status_cd)."""

	def __init__(self, message: str, *, http_status: int | None = None):
		super().__init__("PROTOCOL", message, http_status=http_status)


_BY_CODE: dict[str, type[GstnError]] = {REQUEST_IN_PROGRESS: RequestInProgress, BAD_OTP: AuthError}


def error_for(code: str, message: str, *, http_status: int | None = None) -> GstnError:
	"""The typed exception for a GSTN error code."""
	if code in (SESSION_EXPIRED, INVALID_SESSION):
		return SessionExpired(message, code=code)
	if code == INVALID_PUBLIC_KEY:
		return CertificateError(
			f"GSTN could not use the app key ({code}: {message}): update GSTN's public key "
			"certificate in IMS Settings > GSTN Public Key with the one GSTN currently publishes",
			http_status=http_status,
		)
	if code == TOO_MANY_SESSIONS:
		return TooManySessions(message, http_status=http_status)
	return _BY_CODE.get(code, GstnError)(code, message, http_status=http_status)
