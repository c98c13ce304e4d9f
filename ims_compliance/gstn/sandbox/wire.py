"""GSTN's payload protection from GSTN's side, written from the published rules with the
`cryptography` package's primitives, never through the client's `gstn.crypto`.

The rules (IMS_DOMAIN.md "Wire rules"), with where each was read:

- GSTN's public key is an X.509 certificate (PEM). India Compliance loads it with
  `x509.load_pem_x509_certificate` and refuses it past `not_valid_after`
  (`gst_india/utils/cryptography.py` `encrypt_using_public_key`; `taxpayer_base.py`
  `get_public_certificate`).
- OTPREQUEST/AUTHTOKEN: `app_key` = b64(RSA PKCS#1 v1.5(app key)) with that certificate's key;
  `otp` = b64(AES-256-ECB/PKCS7(app key, otp)) (`taxpayer_base.py` `encrypt_request`; Vayana
  docs.gsp.vayana.com/GSTN/authentication-request-api shows both fields encrypted so).
- The answer's `sek` = b64(AES(app key, session key)); `expiry` is minutes (`decrypt_response`
  decrypts `sek` with the app key and adds `expiry` minutes to now).
- REFRESHTOKEN: `app_key` = b64(AES(sek, app key)) (`encrypt_request` when the action is
  REFRESHTOKEN); the new `sek` in its answer is decrypted, like AUTHTOKEN's, with that app key
  (`TaxpayerAuthenticate.decrypt_response`), so GSTN encrypts it with the app key the refresh
  carried.
- Requests: `data` = b64(AES(sek, b64(JSON))), `hmac` = b64(HMAC-SHA256(sek, b64(JSON)))
  (IMS_DOMAIN.md wire rules; GSTN's developer portal "encrypted using sek after base64 encoding",
  as the GSP docs relay it).
- Responses: `rek` = b64(AES(sek, response key)); `data` = b64(AES(rek, b64(JSON))); `hmac` =
  b64(HMAC-SHA256(rek, b64(JSON))): India Compliance's `TaxpayerBaseAPI.decrypt_response`
  decrypts `rek` with the session key, `data` with the rek, computes the HMAC over the decrypted
  (base64) text keyed with the rek, then base64-decodes it to JSON.
- Queued files: `ek` = b64(file key); each part is a tar.gz (SHA-256 hex in `hash`, computed over
  the downloaded bytes) whose JSON file holds b64(AES(file key, b64(JSON))) (`FilesAPI`:
  `hash_sha256(response)`, `tar_gz_bytes_to_data`, `aes_decrypt_data(..., b64decode(ek))`,
  then `b64decode`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import tarfile
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.x509.oid import NameOID

KEY_BYTES = 32  # AES-256: app key, session key (sek), response key (rek), file key (ek)
CERTIFICATE_DAYS = 3650


class WireError(Exception):
	"""A protected payload could not be opened (bad base64, wrong key, HMAC, not base64(JSON))."""


def new_key() -> bytes:
	return os.urandom(KEY_BYTES)


def b64e(data: bytes) -> str:
	return base64.b64encode(data).decode("ascii")


def b64d(text: str | bytes, *, what: str = "value") -> bytes:
	try:
		return base64.b64decode(text, validate=True)
	except (binascii.Error, ValueError, TypeError):
		raise WireError(f"{what} is not base64") from None


def aes_ecb_encrypt(key: bytes, plain: bytes) -> bytes:
	padder = padding.PKCS7(128).padder()
	padded = padder.update(plain) + padder.finalize()
	encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
	return encryptor.update(padded) + encryptor.finalize()


def aes_ecb_decrypt(key: bytes, cipher: bytes, *, what: str = "value") -> bytes:
	try:
		decryptor = Cipher(algorithms.AES(key), modes.ECB()).decryptor()
		padded = decryptor.update(cipher) + decryptor.finalize()
		unpadder = padding.PKCS7(128).unpadder()
		return unpadder.update(padded) + unpadder.finalize()
	except ValueError:
		raise WireError(f"{what} does not decrypt with the expected key") from None


def hmac_sha256_b64(key: bytes, data: bytes) -> str:
	return b64e(hmac.new(key, data, hashlib.sha256).digest())


# --- GSTN's key pair and certificate ---------------------------------------------------------------
def new_private_key_pem() -> str:
	key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
	return key.private_bytes(
		serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
	).decode()


def self_signed_certificate_pem(private_pem: str, *, days: int = CERTIFICATE_DAYS) -> str:
	"""GSTN publishes its key as a certificate; the sandbox's is self-signed, valid from now
	(a minute back, for clock skew) for `days`."""
	key = serialization.load_pem_private_key(private_pem.encode(), password=None)
	name = x509.Name(
		[
			x509.NameAttribute(NameOID.COUNTRY_NAME, "IN"),
			x509.NameAttribute(NameOID.ORGANIZATION_NAME, "GSTN IMS sandbox"),
			x509.NameAttribute(NameOID.COMMON_NAME, "gstn-sandbox.invalid"),
		]
	)
	now = dt.datetime.now(dt.timezone.utc)
	certificate = (
		x509.CertificateBuilder()
		.subject_name(name)
		.issuer_name(name)
		.public_key(key.public_key())  # type: ignore[union-attr]
		.serial_number(x509.random_serial_number())
		.not_valid_before(now - dt.timedelta(minutes=1))
		.not_valid_after(now + dt.timedelta(days=days))
		.sign(key, hashes.SHA256())  # type: ignore[arg-type]
	)
	return certificate.public_bytes(serialization.Encoding.PEM).decode()


def rsa_decrypt_app_key(private_pem: str, text: str) -> bytes:
	"""`app_key` of OTPREQUEST/AUTHTOKEN: RSA PKCS#1 v1.5 with GSTN's key, base64."""
	key = serialization.load_pem_private_key(private_pem.encode(), password=None)
	try:
		plain = key.decrypt(b64d(text, what="app_key"), rsa_padding.PKCS1v15())  # type: ignore[union-attr]
	except ValueError:
		raise WireError("app_key does not decrypt with GSTN's private key") from None
	if len(plain) != KEY_BYTES:  # implicit rejection yields junk of another length
		raise WireError("app_key is not a 32-byte key encrypted with GSTN's public key")
	return plain


# --- requests and responses -------------------------------------------------------------------
def open_request_data(sek: bytes, data: object, mac: object) -> Any:
	"""A request's `data`/`hmac`: decrypt with sek to the base64 text, check the HMAC over that
	text, base64-decode to JSON. A body whose plaintext is the JSON itself (encrypted without the
	base64 step) is refused: GSTN would not read it."""
	if not isinstance(data, str) or not data:
		raise WireError("data must be the encrypted payload (base64 text)")
	text = aes_ecb_decrypt(sek, b64d(data, what="data"), what="data")
	if not isinstance(mac, str) or not mac:
		raise WireError("hmac is required with an encrypted payload")
	if not hmac.compare_digest(hmac_sha256_b64(sek, text), mac):
		raise WireError("hmac does not match HMAC-SHA256(sek, base64(JSON)) of the payload")
	try:
		inner = base64.b64decode(text, validate=True)
	except (binascii.Error, ValueError):
		raise WireError(
			"decrypted data is not base64 text: the JSON must be base64-encoded before encryption"
		) from None
	try:
		return json.loads(inner)
	except ValueError:
		raise WireError("decrypted data is base64 but not of JSON") from None


def seal_response_data(sek: bytes, payload: Any) -> dict[str, str]:
	"""`rek`, `data`, `hmac` of an encrypted answer, a fresh response key each time."""
	rek = new_key()
	text = b64e(json.dumps(payload, separators=(",", ":")).encode()).encode("ascii")
	return {
		"rek": b64e(aes_ecb_encrypt(sek, rek)),
		"data": b64e(aes_ecb_encrypt(rek, text)),
		"hmac": hmac_sha256_b64(rek, text),
	}


# --- queued files ---------------------------------------------------------------------------------
def file_part(payload: Any, *, name: str, ek: bytes | None) -> bytes:
	"""One FILEDET part: a tar.gz holding one JSON file; under payload protection the file holds
	b64(AES(ek, b64(JSON))) as text, without protection the JSON itself (plain mode)."""
	content = json.dumps(payload, separators=(",", ":")).encode()
	if ek is not None:
		content = b64e(aes_ecb_encrypt(ek, b64e(content).encode("ascii"))).encode("ascii")
	buffer = io.BytesIO()
	with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as archive:
		info = tarfile.TarInfo(name)
		info.size = len(content)
		archive.addfile(info, io.BytesIO(content))
	return buffer.getvalue()


def sha256_hex(data: bytes) -> str:
	return hashlib.sha256(data).hexdigest()
