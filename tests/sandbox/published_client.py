"""A tiny GSTN client written in the tests from the published rules and `cryptography`
primitives only: it shares no code with the sandbox (`gstn.sandbox.wire`) nor with the app's
client (`gstn.crypto`, `gstn.client`), so the sandbox is checked against the rules, not
against itself.

Rules (IMS_DOMAIN.md "Wire rules"): app_key = b64(RSA-PKCS1v15(certificate key, 32 bytes));
otp = b64(AES-256-ECB/PKCS7(app key, otp)); sek = AES-decrypt(app key, b64d(sek));
REFRESHTOKEN app_key = b64(AES(sek, new app key)), its sek under that new app key;
request data = b64(AES(sek, b64(JSON))), hmac = b64(HMAC-SHA256(sek, b64(JSON)));
response: rek = AES-decrypt(sek, b64d(rek)), text = AES-decrypt(rek, b64d(data)),
hmac = b64(HMAC-SHA256(rek, text)), JSON = b64d(text); file part: SHA-256 hex of the bytes,
untar, the file holds b64(AES(b64d(ek), b64(JSON))).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import tarfile
import uuid
from typing import Any

import requests
from cryptography import x509
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

RECIPIENT = "27AAPFU0939F1ZV"
OTP = "575757"  # docs/sandbox.md: the sandbox's fixed OTP


def aes_enc(key: bytes, plain: bytes) -> bytes:
	padder = padding.PKCS7(128).padder()
	encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
	return encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()


def aes_dec(key: bytes, cipher: bytes) -> bytes:
	decryptor = Cipher(algorithms.AES(key), modes.ECB()).decryptor()
	unpadder = padding.PKCS7(128).unpadder()
	return unpadder.update(decryptor.update(cipher) + decryptor.finalize()) + unpadder.finalize()


def b64(data: bytes) -> str:
	return base64.b64encode(data).decode()


def mac(key: bytes, data: bytes) -> str:
	return b64(hmac.new(key, data, hashlib.sha256).digest())


def compact(payload: Any) -> bytes:
	return json.dumps(payload, separators=(",", ":")).encode()


class PublishedClient:
	def __init__(
		self,
		base_url: str,
		*,
		encrypted: bool = True,
		gstin: str = RECIPIENT,
		username: str = "demo_user",
		prefix: str = "",
		version: str = "v1.0",
		extra_headers: dict | None = None,
	):
		self.base = base_url.rstrip("/")
		self.encrypted = encrypted
		self.gstin = gstin
		self.username = username
		self.prefix = prefix
		self.version = version
		self.extra = dict(extra_headers or {})
		self.http = requests.Session()
		self.app_key = b""
		self.sek = b""
		self.token = ""
		self.certificate = None
		if encrypted:
			pem = self.http.get(self.base + "/sandbox/public-key", timeout=5).content
			self.certificate = x509.load_pem_x509_certificate(pem)

	def url(self, endpoint: str, version: str | None = None) -> str:
		return f"{self.base}{self.prefix}/taxpayerapi/{version or self.version}/{endpoint}"

	def headers(self, *, drop: str | None = None, **extra: str) -> dict:
		headers = {
			"gstin": self.gstin,
			"state-cd": self.gstin[:2],
			"username": self.username,
			"ip-usr": "203.0.113.7",
			"txn": uuid.uuid4().hex,
			"auth-token": self.token,
			"Content-Type": "application/json",
			**self.extra,
			**extra,
		}
		headers.pop(drop or "", None)
		return headers

	def rsa(self, key: bytes) -> str:
		return b64(self.certificate.public_key().encrypt(key, rsa_padding.PKCS1v15()))  # type: ignore[union-attr]

	def authenticate(self, body: dict) -> requests.Response:
		return self.http.post(self.url("authenticate"), json=body, headers=self.headers(), timeout=5)

	def login(self, otp: str = OTP) -> dict:
		self.app_key = os.urandom(32)
		first = {"action": "OTPREQUEST", "username": self.username}
		second: dict = {"action": "AUTHTOKEN", "username": self.username, "otp": otp}
		if self.encrypted:
			first["app_key"] = second["app_key"] = self.rsa(self.app_key)
			second["otp"] = b64(aes_enc(self.app_key, otp.encode()))
		answer = self.authenticate(first).json()
		if answer.get("status_cd") != "1":
			return answer
		answer = self.authenticate(second).json()
		if answer.get("status_cd") == "1":
			self.token = answer["auth_token"]
			if self.encrypted:
				self.sek = aes_dec(self.app_key, base64.b64decode(answer["sek"]))
		return answer

	def refresh(self) -> dict:
		new_app_key = os.urandom(32)
		body = {"action": "REFRESHTOKEN", "username": self.username, "auth_token": self.token}
		if self.encrypted:
			body["app_key"] = b64(aes_enc(self.sek, new_app_key))
		answer = self.authenticate(body).json()
		if answer.get("status_cd") == "1":
			self.token = answer["auth_token"]
			if self.encrypted:
				self.sek = aes_dec(new_app_key, base64.b64decode(answer["sek"]))
		return answer

	def open(self, answer: dict) -> Any:
		"""The JSON of a success answer (checks the response HMAC in encrypted mode)."""
		assert answer.get("status_cd") == "1", answer
		if not self.encrypted:
			return answer["data"]
		rek = aes_dec(self.sek, base64.b64decode(answer["rek"]))
		text = aes_dec(rek, base64.b64decode(answer["data"]))
		assert hmac.compare_digest(mac(rek, text), answer["hmac"]), "response HMAC"
		return json.loads(base64.b64decode(text, validate=True))

	def get(
		self, endpoint: str, action: str, *, headers: dict | None = None, **params: str
	) -> requests.Response:
		query = {"action": action, "gstin": self.gstin, **params}
		return self.http.get(self.url(endpoint), params=query, headers=headers or self.headers(), timeout=10)

	def seal(self, payload: Any) -> dict:
		"""The published rule: AES and HMAC over base64(JSON)."""
		text = b64(compact(payload)).encode()
		return {"data": b64(aes_enc(self.sek, text)), "hmac": mac(self.sek, text)}

	def put(
		self,
		endpoint: str,
		action: str,
		payload: Any,
		*,
		wire: dict | None = None,
		headers: dict | None = None,
	) -> requests.Response:
		if wire is None:
			wire = self.seal(payload) if self.encrypted else {"data": payload}
		return self.http.put(
			self.url(endpoint),
			params={"action": action},
			data=compact({"action": action, **wire}),
			headers=headers or self.headers(),
			timeout=10,
		)

	def part(self, ul: str, *, ek: str | None, sha256: str) -> Any:
		"""One FILEDET part: `ul` is a path without host, fetched from the sandbox's address."""
		assert ul.startswith("/") and "://" not in ul
		content = self.http.get(self.base + ul, timeout=10).content
		assert hashlib.sha256(content).hexdigest() == sha256
		with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as archive:
			(member,) = archive.getmembers()
			inside = archive.extractfile(member).read()  # type: ignore[union-attr]
		if ek is None:
			return json.loads(inside)
		text = aes_dec(base64.b64decode(ek), base64.b64decode(inside))
		return json.loads(base64.b64decode(text, validate=True))
