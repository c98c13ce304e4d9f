"""GSTN's own convention, which many GSPs pass through as is: `clientid` and `client-secret`
headers on every call, paths `taxpayerapi/<version>/...`, FILEDET parts fetched by GET (a `ul`
without a host is taken relative to the base URL).

Sources: docs.gsp.vayana.com/GSTN/authentication-request-api (the header list GSTN defines:
clientid, client-secret, state-cd, ip-usr, txn); IMS_DOMAIN.md section 3.
"""

from __future__ import annotations

from ims_compliance.gstn.gsp.base import GspContext, GspProfile, gstn_client_headers


def headers(ctx: GspContext, *, action: str, txn: str) -> dict[str, str]:
	return gstn_client_headers(ctx)


PROFILE = GspProfile(
	name="plain",
	label="GSTN (clientid / client-secret)",
	headers=headers,
	docs=("https://docs.gsp.vayana.com/GSTN/authentication-request-api",),
	assumed=("a `ul` without a host is fetched with GET relative to the base URL",),
)
