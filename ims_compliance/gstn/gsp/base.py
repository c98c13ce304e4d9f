"""What a GSP profile declares, and the context its hooks receive."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

#: GSTN's endpoints the client calls: name -> (API version, path under the version).
#: GSTN versions each API family separately (GSTR-2B's generation came later than IMS), so
#: every call names its endpoint and the URL is built from this table, which a profile or the
#: settings may override per endpoint.
DEFAULT_ENDPOINTS: dict[str, tuple[str, str]] = {
	"authenticate": ("v1.0", "authenticate"),
	"ims": ("v1.0", "returns/ims"),
	"gstr2b": ("v1.0", "returns/gstr2b"),
}


@dataclass
class GspContext:
	"""What a profile's hooks may use: the connection's credentials (by name, as the profile's
	`credentials` lists them), the GSTIN, a `state` dict the profile keeps between calls (its own
	session, e.g. TaxPro's session-id and AspEK; persisted with GSTN's session), the clock, and
	`post` to make its handshake call through the client's transport (so it is logged, counted
	and retried like any other call)."""

	credentials: Mapping[str, str]
	gstin: str
	state: dict = field(default_factory=dict)
	clock: Callable[[], float] | None = None
	post: Callable[..., tuple[int, dict]] | None = None
	base_url: str = ""

	def credential(self, name: str) -> str:
		return str(self.credentials.get(name) or "")


@dataclass(frozen=True)
class FileRequest:
	"""How to fetch one FILEDET part."""

	method: str
	url: str
	headers: Mapping[str, str] = field(default_factory=dict)
	params: Mapping[str, str] = field(default_factory=dict)
	body: Any = None


def _no_headers(ctx: GspContext, *, action: str, txn: str) -> dict[str, str]:
	return {}


def _no_handshake(ctx: GspContext) -> None:
	return None


def gstn_client_headers(ctx: GspContext) -> dict[str, str]:
	"""GSTN's own `clientid` and `client-secret` headers, each when configured: the plain profile
	sends only these, a GSP such as Vayana sends them beside its own."""
	out = {}
	if ctx.credential("client_id"):
		out["clientid"] = ctx.credential("client_id")
	if ctx.credential("client_secret"):
		out["client-secret"] = ctx.credential("client_secret")
	return out


def fetch_ul(ctx: GspContext, item: Mapping[str, Any], *, ek: str | None = None) -> FileRequest:
	"""GET the part: an absolute `ul` as it is, a path against the connection's base URL."""
	return FileRequest("GET", urljoin(ctx.base_url.rstrip("/") + "/", str(item["ul"]).lstrip("/")))


@dataclass(frozen=True)
class GspProfile:
	"""One GSP, declaratively. `path` is the URL shape between the base URL and GSTN's path,
	with `{version}` and `{path}` placeholders. `credentials` names the settings fields the GSP
	needs (shown in IMS Settings). `headers(ctx, action=, txn=)` adds the GSP's own headers to
	every GSTN call, after `handshake(ctx)` has run when `needs_handshake(ctx)` says so.
	`file_request(ctx, item, ek=)` says how to fetch a FILEDET part. `docs` names the public
	pages the profile was built from; `assumed` what those pages leave open."""

	name: str
	label: str
	path: str = "taxpayerapi/{version}/{path}"
	versions: Mapping[str, str] = field(default_factory=dict)
	credentials: tuple[str, ...] = ("client_id", "client_secret")
	headers: Callable[..., dict[str, str]] = _no_headers
	handshake: Callable[[GspContext], None] = _no_handshake
	needs_handshake: Callable[[GspContext], bool] = lambda ctx: False
	file_request: Callable[..., FileRequest] = fetch_ul
	docs: tuple[str, ...] = ()
	assumed: tuple[str, ...] = ()

	def endpoint(self, name: str, overrides: Mapping[str, str] | None = None) -> str:
		"""The path (after the base URL) of one of GSTN's endpoints."""
		version, path = DEFAULT_ENDPOINTS[name]
		version = (overrides or {}).get(name) or self.versions.get(name) or version
		return self.path.format(version=version, path=path).strip("/")
