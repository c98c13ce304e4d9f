"""GSTN's payload protection as GSPs must apply it, built on `cryptography`.

The scheme (IMS_DOMAIN.md "Wire rules"; India Compliance's production client,
`gst_india/api_classes/taxpayer_base.py` and `gst_india/utils/cryptography.py`; Vayana's
docs.gsp.vayana.com/GSTN/authentication-request-api): the client makes a random 32-byte app key
and sends it RSA (PKCS#1 v1.5) encrypted with the public key in GSTN's X.509 certificate; the OTP
goes AES-256 encrypted with that app key; GSTN answers with a session key (`sek`) encrypted with
the app key. A request's JSON is base64-encoded FIRST: `data` = b64(AES(sek, b64(JSON))) and
`hmac` = b64(HMAC-SHA256(sek, b64(JSON))). Each response carries its own key (`rek`, encrypted
with sek); `data` decrypts with it to base64 TEXT, the `hmac` is HMAC-SHA256(rek, that text), and
the text base64-decodes to the JSON. GSTN uses AES in ECB mode with PKCS#7 padding, so we do too:
interoperability, not our choice.

`open_request` / `seal_response` are the server's half, kept for tests that play GSTN.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ims_compliance.gstn.errors import CertificateError, IntegrityError, ProtocolError

KEY_BYTES = 32


def new_key() -> bytes:
	"""A fresh random AES-256 key (app key, session key or response key)."""
	return os.urandom(KEY_BYTES)


def b64(data: bytes) -> str:
	return base64.b64encode(data).decode("ascii")


def unb64(text: str | bytes) -> bytes:
	try:
		return base64.b64decode(text, validate=True)
	except (ValueError, TypeError) as exc:
		raise ProtocolError(f"not valid base64: {exc}") from None


def aes_encrypt(key: bytes, plain: bytes) -> bytes:
	padder = padding.PKCS7(128).padder()
	padded = padder.update(plain) + padder.finalize()
	encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
	return encryptor.update(padded) + encryptor.finalize()


def aes_decrypt(key: bytes, cipher: bytes) -> bytes:
	"""Raises IntegrityError when the key is wrong (bad padding) or the text is truncated."""
	try:
		decryptor = Cipher(algorithms.AES(key), modes.ECB()).decryptor()
		padded = decryptor.update(cipher) + decryptor.finalize()
		unpadder = padding.PKCS7(128).unpadder()
		return unpadder.update(padded) + unpadder.finalize()
	except ValueError as exc:
		raise IntegrityError(f"AES decryption failed (wrong key or damaged data): {exc}") from None


def hmac_b64(key: bytes, data: bytes) -> str:
	return b64(hmac.new(key, data, hashlib.sha256).digest())


def check_hmac(key: bytes, data: bytes, expected: str | None) -> None:
	if not expected or not hmac.compare_digest(hmac_b64(key, data), str(expected)):
		raise IntegrityError(
			"HMAC-SHA256 of the payload does not match: the data was altered or the key is wrong"
		)


def generate_rsa_keypair(bits: int = 2048) -> tuple[bytes, bytes]:
	"""(private PEM, public PEM); the sandbox plays GSTN with this pair."""
	private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
	private_pem = private.private_bytes(
		serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
	)
	public_pem = private.public_key().public_bytes(
		serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
	)
	return private_pem, public_pem


def rsa_public_pem(private_pem: bytes) -> bytes:
	"""The public half of a private key (the sandbox keeps only the private key in its state)."""
	private = serialization.load_pem_private_key(private_pem, password=None)
	return private.public_key().public_bytes(
		serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
	)


def load_gstn_key(pem: bytes | str, *, now: dt.datetime | None = None):
	"""GSTN's RSA public key from the PEM set in IMS Settings: its X.509 certificate (what GSTN
	publishes) or, still accepted, a bare public key. An expired certificate is refused with
	a message saying what to do: GSTN would answer TEC4002 to an app key sealed with it."""
	data = pem.encode() if isinstance(pem, str) else pem
	data = data.strip()
	try:
		if b"BEGIN CERTIFICATE" in data:
			cert = x509.load_pem_x509_certificate(data)
			now = now or dt.datetime.now(dt.timezone.utc)
			if cert.not_valid_after_utc < now:
				raise CertificateError(
					f"GSTN's public key certificate expired on {cert.not_valid_after_utc:%d-%m-%Y}: "
					"paste GSTN's current certificate in IMS Settings > GSTN Public Key"
				)
			return cert.public_key()
		return serialization.load_pem_public_key(data)
	except ValueError as exc:
		raise CertificateError(
			f"GSTN's public key in IMS Settings is not a PEM certificate or public key ({exc})"
		) from None


def certificate_expiry(pem: bytes | str) -> dt.datetime | None:
	"""When the certificate stops being valid (None for a bare public key)."""
	data = pem.encode() if isinstance(pem, str) else pem
	if b"BEGIN CERTIFICATE" not in data:
		return None
	return x509.load_pem_x509_certificate(data.strip()).not_valid_after_utc


def rsa_encrypt(public_pem: bytes | str, data: bytes, *, now: dt.datetime | None = None) -> str:
	"""GSTN's public key encrypts the app key (PKCS#1 v1.5, as GSTN's key exchange expects)."""
	key = load_gstn_key(public_pem, now=now)
	return b64(key.encrypt(data, asym_padding.PKCS1v15()))  # type: ignore[union-attr]


def rsa_decrypt(private_pem: bytes, text: str) -> bytes:
	key = serialization.load_pem_private_key(private_pem, password=None)
	try:
		return key.decrypt(unb64(text), asym_padding.PKCS1v15())  # type: ignore[union-attr]
	except ValueError:
		raise IntegrityError("the app key could not be decrypted with GSTN's private key") from None


def encrypt_text(key: bytes, text: str) -> str:
	"""OTP and key fields: AES with the app/session key, base64."""
	return b64(aes_encrypt(key, text.encode()))


def decrypt_text(key: bytes, text: str) -> str:
	return aes_decrypt(key, unb64(text)).decode()


def _b64_json(payload: Any) -> bytes:
	"""The JSON as GSTN wants it before encryption and signing: base64 text (ASCII bytes)."""
	return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode())


def _json_of_b64(text: bytes, what: str) -> Any:
	try:
		return json.loads(base64.b64decode(text, validate=True))
	except ValueError as exc:
		raise ProtocolError(f"decrypted {what} is not base64 of JSON: {exc}") from None


def seal_request(session_key: bytes, payload: Any) -> dict[str, str]:
	"""A request's `data` = b64(AES(sek, b64(JSON))) and `hmac` = b64(HMAC(sek, b64(JSON)))."""
	return seal_json(session_key, json.dumps(payload, separators=(",", ":")).encode())


def seal_json(session_key: bytes, text: bytes) -> dict[str, str]:
	"""`seal_request` for JSON already serialised (a prepared SAVE body's `data`)."""
	inner = base64.b64encode(text)
	return {"data": b64(aes_encrypt(session_key, inner)), "hmac": hmac_b64(session_key, inner)}


def open_request(session_key: bytes, data: str, mac: str | None) -> Any:
	"""The server's half of `seal_request` (tests that play GSTN)."""
	inner = aes_decrypt(session_key, unb64(data))
	check_hmac(session_key, inner, mac)
	return _json_of_b64(inner, "request")


def seal_response(session_key: bytes, payload: Any) -> dict[str, str]:
	"""The server's half of `open_response`: a fresh key per response, itself sealed with sek."""
	response_key = new_key()
	inner = _b64_json(payload)
	return {
		"data": b64(aes_encrypt(response_key, inner)),
		"rek": b64(aes_encrypt(session_key, response_key)),
		"hmac": hmac_b64(response_key, inner),
	}


def open_response(session_key: bytes, envelope: dict) -> Any:
	"""`rek` decrypts with sek; `data` decrypts with rek to base64 text; the HMAC (keyed with
	rek, as India Compliance's decrypt_response checks it) is over that text; then the JSON."""
	if not envelope.get("rek"):
		raise ProtocolError("encrypted response without rek")
	response_key = aes_decrypt(session_key, unb64(envelope["rek"]))
	inner = aes_decrypt(response_key, unb64(envelope.get("data") or ""))
	check_hmac(response_key, inner, envelope.get("hmac"))
	return _json_of_b64(inner, "response")


def open_file(key: bytes, text: bytes | str) -> Any:
	"""The JSON file inside a FILEDET part: b64(AES(ek, b64(JSON)))."""
	inner = aes_decrypt(key, unb64(text.strip() if isinstance(text, bytes | str) else text))
	return _json_of_b64(inner, "file part")


def seal_file(key: bytes, payload: Any) -> bytes:
	"""The server's half of `open_file` (tests that play GSTN)."""
	return b64(aes_encrypt(key, _b64_json(payload))).encode()


def sha256_hex(data: bytes) -> str:
	return hashlib.sha256(data).hexdigest()
