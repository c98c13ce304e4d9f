"""GSTN's payload protection as GSPs must apply it, built on `cryptography`.

The scheme: the client makes a random 32-byte app key and sends it RSA-encrypted with GSTN's
public key; the OTP goes AES-256 encrypted with that app key; GSTN answers with a session key
(`sek`) encrypted with the app key. Request payloads are AES-256 encrypted with the session key
and signed with HMAC-SHA256; each response carries its own key (`rek`, encrypted with the
session key) that decrypts `data`, and an HMAC over the plaintext proving it was not altered.
GSTN uses AES in ECB mode with PKCS#7 padding, so we do too: interoperability, not our choice.
The sandbox's encrypted mode uses these same functions from the server side.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ims_compliance.gstn.errors import IntegrityError, ProtocolError

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


def rsa_encrypt(public_pem: bytes | str, data: bytes) -> str:
	"""GSTN's public key encrypts the app key (PKCS#1 v1.5, as GSTN's key exchange expects)."""
	key = serialization.load_pem_public_key(
		public_pem.encode() if isinstance(public_pem, str) else public_pem
	)
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


def seal_request(session_key: bytes, payload: Any) -> dict[str, str]:
	"""A request's `data` and `hmac`: AES(session key, JSON) and HMAC(session key, JSON)."""
	plain = json.dumps(payload, separators=(",", ":")).encode()
	return {"data": b64(aes_encrypt(session_key, plain)), "hmac": hmac_b64(session_key, plain)}


def open_request(session_key: bytes, data: str, mac: str | None) -> Any:
	plain = aes_decrypt(session_key, unb64(data))
	check_hmac(session_key, plain, mac)
	try:
		return json.loads(plain)
	except ValueError as exc:
		raise ProtocolError(f"decrypted request is not JSON: {exc}") from None


def seal_response(session_key: bytes, payload: Any) -> dict[str, str]:
	"""A response's `data`, `rek` and `hmac`: a fresh key per response, itself sealed with sek."""
	response_key = new_key()
	plain = json.dumps(payload, separators=(",", ":")).encode()
	return {
		"data": b64(aes_encrypt(response_key, plain)),
		"rek": b64(aes_encrypt(session_key, response_key)),
		"hmac": hmac_b64(response_key, plain),
	}


def open_response(session_key: bytes, envelope: dict) -> Any:
	"""Decrypt `rek` with the session key, then `data` with it, then check the HMAC."""
	if not envelope.get("rek"):
		raise ProtocolError("encrypted response without rek")
	response_key = aes_decrypt(session_key, unb64(envelope["rek"]))
	plain = aes_decrypt(response_key, unb64(envelope.get("data") or ""))
	check_hmac(response_key, plain, envelope.get("hmac"))
	try:
		return json.loads(plain)
	except ValueError as exc:
		raise ProtocolError(f"decrypted response is not JSON: {exc}") from None


def sha256_hex(data: bytes) -> str:
	return hashlib.sha256(data).hexdigest()
