"""Vayana GSP: paths `gus/taxpayerapi/<version>/...`; every call carries `X-Asp-Auth-Token`, a
colon-delimited string `v2.0:<cust_id>:<client_id>:<txn_id>:<timestamp>:<gstin>:<api_action>`
(timestamp `YYYYMMDDHHMMSS+0530`, 19 characters), and `X-Asp-Auth-Signature`, that string signed
with the ASP's private key; GSTN's `clientid`/`client-secret` headers as well when configured.

Sources: https://docs.gsp.vayana.com/building-a-vayana-gsp-auth-token (token fields and
timestamp format), https://docs.gsp.vayana.com/GSTN/authentication-request-api (endpoint
`<base_url>/gus/taxpayerapi/v1.0/authenticate` and its headers).
"""

from __future__ import annotations

import base64
import datetime as dt

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from ims_compliance.gstn.gsp.base import GspContext, GspProfile, fetch_ul, gstn_client_headers

TOKEN_VERSION = "v2.0"
IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


def timestamp(now: float) -> str:
	"""`YYYYMMDDHHMMSS+0530`: Vayana's 19-character timestamp, in IST."""
	return dt.datetime.fromtimestamp(now, IST).strftime("%Y%m%d%H%M%S%z")


def auth_token(ctx: GspContext, *, action: str, txn: str, now: float) -> str:
	fields = (
		TOKEN_VERSION,
		ctx.credential("cust_id"),
		"" if ctx.credential("cust_id") else ctx.credential("client_id"),
		txn,
		timestamp(now),
		ctx.gstin,
		action,
	)
	return ":".join(fields)


def sign(private_pem: str, token: str) -> str:
	key = serialization.load_pem_private_key(private_pem.encode(), password=None)
	signature = key.sign(token.encode(), padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr]
	return base64.b64encode(signature).decode()


def headers(ctx: GspContext, *, action: str, txn: str) -> dict[str, str]:
	import time

	token = auth_token(ctx, action=action, txn=txn, now=(ctx.clock or time.time)())
	out = {"X-Asp-Auth-Token": token}
	if ctx.credential("asp_private_key"):
		out["X-Asp-Auth-Signature"] = sign(ctx.credential("asp_private_key"), token)
	out.update(gstn_client_headers(ctx))
	return out


PROFILE = GspProfile(
	name="vayana",
	label="Vayana",
	path="gus/taxpayerapi/{version}/{path}",
	credentials=("cust_id", "client_id", "client_secret", "asp_private_key"),
	headers=headers,
	file_request=fetch_ul,
	docs=(
		"https://docs.gsp.vayana.com/building-a-vayana-gsp-auth-token",
		"https://docs.gsp.vayana.com/GSTN/authentication-request-api",
	),
	assumed=(
		"the signature is RSA PKCS#1 v1.5 with SHA-256 over the token string, base64 "
		"(the public page names the header; the signing steps were not readable here)",
		"<api_action> is GSTN's action of the call (OTPREQUEST, GETINV, ...)",
		"a FILEDET `ul` is fetched with GET relative to the base URL",
	),
)
