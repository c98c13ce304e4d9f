"""TaxPro GSP (charteredinfo): an ASP-GSP session first (GetKey: `aspid` + a timestamp signed
with the ASP's private key, answered with a session id and the key AspEK), then on every call
`aspid`, `asp-secret` = base64(AES-256-ECB/PKCS7(AspEK, ASP secret)) and `session-id`; FILEDET
parts are fetched by POSTing the `urls` item to the GSP's DownloadGstrFile API.

Sources: https://gsthelp.charteredinfo.com/ucl/gst_pass_through_api.htm (headers on every call),
https://gsthelp.charteredinfo.com/ucl/getkey_api.htm (GetKey request: `aspid`/`txn` headers,
`timestamp` "ddMMyyyyHHmmssFFFFFF", `signed_content` = RSA-SHA256 of aspid + timestamp),
https://gsthelp.charteredinfo.com/ucl/gst_large_files_api.htm (FILEDET sample, DownloadGstrFile:
POST `aspapi/v1.0/downloadgstrfile?gstin=...`, body = one item of `urls`),
https://gsthelp.charteredinfo.com/ucl/track_return.htm (asp-secret sample, AES/ECB/PKCS7).
"""

from __future__ import annotations

import base64
import datetime as dt
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ims_compliance.gstn.gsp.base import FileRequest, GspContext, GspProfile

GETKEY_PATH = "aspapi/v1.0/getkey"
DOWNLOAD_PATH = "aspapi/v1.0/downloadgstrfile"
SESSION_MARGIN = 120.0  # seconds: a new GetKey before the ASP session runs out


def getkey_timestamp(now: float) -> str:
	""".NET's "ddMMyyyyHHmmssFFFFFF": day, month, year, time, then six fraction digits."""
	moment = dt.datetime.fromtimestamp(now)
	return moment.strftime("%d%m%Y%H%M%S") + f"{moment.microsecond:06d}"


def signed_content(private_pem: str, aspid: str, stamp: str) -> str:
	key = serialization.load_pem_private_key(private_pem.encode(), password=None)
	signature = key.sign(  # type: ignore[union-attr]
		(aspid + stamp).encode(), asym_padding.PKCS1v15(), hashes.SHA256()
	)
	return base64.b64encode(signature).decode()


def asp_secret(secret: str, asp_ek: bytes) -> str:
	"""AesEncryptBase64(AspSecret, AspEK), AES/ECB/PKCS7."""
	padder = padding.PKCS7(128).padder()
	padded = padder.update(secret.encode()) + padder.finalize()
	encryptor = Cipher(algorithms.AES(asp_ek), modes.ECB()).encryptor()
	return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()


def _asp_ek(ctx: GspContext, answer: Mapping[str, Any]) -> bytes:
	"""AspEK from the GetKey answer: base64 of the key, or (when it is the size of an RSA block)
	encrypted with the ASP's registered public key, so opened with its private key."""
	raw = base64.b64decode(str(answer.get("enc_key") or answer.get("aspek") or ""))
	if len(raw) in (16, 24, 32):
		return raw
	key = serialization.load_pem_private_key(ctx.credential("asp_private_key").encode(), password=None)
	opened = key.decrypt(raw, asym_padding.PKCS1v15())  # type: ignore[union-attr]
	return base64.b64decode(opened) if len(opened) not in (16, 24, 32) else opened


def needs_handshake(ctx: GspContext) -> bool:
	now = (ctx.clock or time.time)()
	return not ctx.state.get("session_id") or float(ctx.state.get("expires_at") or 0) - now < SESSION_MARGIN


def handshake(ctx: GspContext) -> None:
	"""GetKey: a new ASP-GSP session (session id, AspEK) kept in `ctx.state`."""
	now = (ctx.clock or time.time)()
	aspid = ctx.credential("asp_id")
	stamp = getkey_timestamp(now)
	body = {
		"timestamp": stamp,
		"signed_content": signed_content(ctx.credential("asp_private_key"), aspid, stamp),
	}
	url = urljoin(ctx.base_url.rstrip("/") + "/", GETKEY_PATH)
	assert ctx.post is not None
	_, answer = ctx.post(url, headers={"aspid": aspid, "txn": f"getkey{int(now * 1000)}"}, body=body)
	data = answer.get("data") if isinstance(answer.get("data"), Mapping) else answer
	if not data.get("session_id"):
		from ims_compliance.gstn.errors import AuthError

		raise AuthError("GETKEY", f"TaxPro GetKey gave no session_id: {str(answer)[:300]}")
	minutes = float(data.get("expiry") or 360)
	ctx.state.update(
		session_id=str(data["session_id"]),
		asp_ek=base64.b64encode(_asp_ek(ctx, data)).decode(),
		expires_at=now + minutes * 60,
	)


def headers(ctx: GspContext, *, action: str, txn: str) -> dict[str, str]:
	asp_ek = base64.b64decode(ctx.state.get("asp_ek") or "")
	return {
		"aspid": ctx.credential("asp_id"),
		"asp-secret": asp_secret(ctx.credential("asp_secret"), asp_ek),
		"session-id": str(ctx.state.get("session_id") or ""),
	}


def file_request(ctx: GspContext, item: Mapping[str, Any], *, ek: str | None = None) -> FileRequest:
	return FileRequest(
		"POST",
		urljoin(ctx.base_url.rstrip("/") + "/", DOWNLOAD_PATH),
		headers=headers(ctx, action="FILEDOWNLOAD", txn=""),
		params={"gstin": ctx.gstin},
		body=dict(item),
	)


PROFILE = GspProfile(
	name="taxpro",
	label="TaxPro (charteredinfo)",
	credentials=("asp_id", "asp_secret", "asp_private_key"),
	headers=headers,
	handshake=handshake,
	needs_handshake=needs_handshake,
	file_request=file_request,
	docs=(
		"https://gsthelp.charteredinfo.com/ucl/gst_pass_through_api.htm",
		"https://gsthelp.charteredinfo.com/ucl/getkey_api.htm",
		"https://gsthelp.charteredinfo.com/ucl/gst_large_files_api.htm",
	),
	assumed=(
		f"the GetKey URL is <base>/{GETKEY_PATH} and its answer carries session_id, enc_key "
		"(AspEK, base64; opened with the ASP private key when RSA-encrypted) and expiry in minutes",
		"pass-through GSTN paths are <base>/taxpayerapi/<version>/... (the docs show the "
		"decrypting variant taxpayerapi/dec/v1.0)",
	),
)
