"""Known-answer tests of GSTN's wire rules (IMS_DOMAIN.md "Wire rules"), pure tier.

Fixed keys and JSON; every expected value is computed HERE, step by step, from `cryptography`'s
primitives (never through `gstn.crypto`), so a client that encrypts the raw JSON, swaps ECB for
another mode, keys the response HMAC with the wrong key or skips a base64 layer fails. Published
sample bodies are typed in as fixtures with their source URL.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import json
import tarfile

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.x509.oid import NameOID

from ims_compliance.gstn import crypto
from ims_compliance.gstn.errors import CertificateError, IntegrityError, error_for
from ims_compliance.gstn.files import FileList, read_part

SEK = bytes(range(32))  # fixed session key
REK = bytes(range(32, 64))  # fixed response key
EK = bytes(range(64, 96))  # fixed FILEDET key
APP_KEY = bytes(range(96, 128))
PAYLOAD = {"rtin": "27AAPFU0939F1ZV", "reqtyp": "SAVE", "invdata": {"b2b": [{"inum": "INV/1", "val": 118}]}}


def ecb_encrypt(key: bytes, plain: bytes) -> bytes:
	padder = sym_padding.PKCS7(128).padder()
	padded = padder.update(plain) + padder.finalize()
	encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
	return encryptor.update(padded) + encryptor.finalize()


def ecb_decrypt(key: bytes, cipher: bytes) -> bytes:
	decryptor = Cipher(algorithms.AES(key), modes.ECB()).decryptor()
	padded = decryptor.update(cipher) + decryptor.finalize()
	unpadder = sym_padding.PKCS7(128).unpadder()
	return unpadder.update(padded) + unpadder.finalize()


def b64(data: bytes) -> str:
	return base64.b64encode(data).decode()


def compact(value: object) -> bytes:
	return json.dumps(value, separators=(",", ":")).encode()


def test_request_data_is_aes_of_base64_json_and_hmac_is_over_base64_json():
	inner = base64.b64encode(compact(PAYLOAD))  # step 1: the JSON, base64-encoded
	expected_data = b64(ecb_encrypt(SEK, inner))  # step 2: AES-256-ECB/PKCS7 with sek, base64
	expected_hmac = b64(hmac.new(SEK, inner, hashlib.sha256).digest())  # step 3: HMAC over step 1
	sealed = crypto.seal_request(SEK, PAYLOAD)
	assert sealed == {"data": expected_data, "hmac": expected_hmac}
	# and not the raw-JSON layering GSTN cannot read
	assert sealed["data"] != b64(ecb_encrypt(SEK, compact(PAYLOAD)))


def test_response_rek_opens_with_sek_data_with_rek_to_base64_text_hmac_keyed_with_rek():
	answer = {"status_cd": "1", "counts": {"b2b": 3}}
	text = base64.b64encode(compact(answer))
	envelope = {
		"rek": b64(ecb_encrypt(SEK, REK)),
		"data": b64(ecb_encrypt(REK, text)),
		"hmac": b64(hmac.new(REK, text, hashlib.sha256).digest()),
	}
	assert crypto.open_response(SEK, envelope) == answer
	# an HMAC over the JSON (not the base64 text), or keyed with sek, is refused
	for wrong in (hmac.new(REK, compact(answer), hashlib.sha256), hmac.new(SEK, text, hashlib.sha256)):
		with pytest.raises(IntegrityError):
			crypto.open_response(SEK, {**envelope, "hmac": b64(wrong.digest())})


def test_a_response_whose_data_is_raw_json_is_not_taken_for_base64():
	envelope = {
		"rek": b64(ecb_encrypt(SEK, REK)),
		"data": b64(ecb_encrypt(REK, compact({"a": 1}))),
		"hmac": b64(hmac.new(REK, compact({"a": 1}), hashlib.sha256).digest()),
	}
	with pytest.raises(Exception, match="base64"):
		crypto.open_response(SEK, envelope)


def test_otp_and_refresh_app_key_are_aes_ecb_base64():
	assert crypto.encrypt_text(APP_KEY, "575757") == b64(ecb_encrypt(APP_KEY, b"575757"))
	# REFRESHTOKEN: app_key = b64(AES(sek, app key)), as India Compliance's encrypt_request
	assert crypto.b64(crypto.aes_encrypt(SEK, APP_KEY)) == b64(ecb_encrypt(SEK, APP_KEY))


def self_signed(private, *, days: int) -> bytes:
	name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "GSTN test")])
	start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
	cert = (
		x509.CertificateBuilder()
		.subject_name(name)
		.issuer_name(name)
		.public_key(private.public_key())
		.serial_number(1)
		.not_valid_before(start)
		.not_valid_after(start + dt.timedelta(days=days))
		.sign(private, hashes.SHA256())
	)
	return cert.public_bytes(serialization.Encoding.PEM)


PRIVATE = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_app_key_is_rsa_pkcs1v15_under_the_key_of_gstns_certificate():
	pem = self_signed(PRIVATE, days=3650)
	sealed = crypto.rsa_encrypt(pem, APP_KEY, now=dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc))
	assert PRIVATE.decrypt(base64.b64decode(sealed), padding.PKCS1v15()) == APP_KEY
	# a bare public key is still accepted
	bare = PRIVATE.public_key().public_bytes(
		serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
	)
	assert PRIVATE.decrypt(base64.b64decode(crypto.rsa_encrypt(bare, APP_KEY)), padding.PKCS1v15()) == APP_KEY


def test_an_expired_certificate_is_refused_with_what_to_do():
	pem = self_signed(PRIVATE, days=30)
	with pytest.raises(CertificateError, match=r"expired on 31-01-2026.*IMS Settings"):
		crypto.rsa_encrypt(pem, APP_KEY, now=dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc))
	assert crypto.certificate_expiry(pem) == dt.datetime(2026, 1, 31, tzinfo=dt.timezone.utc)


def test_tec4002_tells_the_user_to_update_gstns_certificate():
	exc = error_for("TEC4002", "Invalid public key")
	assert isinstance(exc, CertificateError)
	assert "update GSTN's public key certificate in IMS Settings" in exc.message


def test_a_file_part_is_hashed_as_downloaded_then_untarred_then_each_file_opened_with_ek():
	records = {"b2b": [{"inum": "S008400", "idt": "24-11-2016", "val": 729248.16}]}
	member = b64(ecb_encrypt(EK, base64.b64encode(compact(records)))).encode()
	buffer = io.BytesIO()
	with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
		info = tarfile.TarInfo("returns_b2b_0.json")
		info.size = len(member)
		archive.addfile(info, io.BytesIO(member))
	part = buffer.getvalue()
	files = FileList.parse(
		{"urls": [{"ul": "/x.tar.gz", "ic": 1, "hash": hashlib.sha256(part).hexdigest()}], "ek": b64(EK)},
		code="B2B",
	)
	assert read_part(part, files=files, index=0, section_key="b2b") == records["b2b"]


# Published FILEDET answer, typed from https://gsthelp.charteredinfo.com/ucl/gst_large_files_api.htm
# ("Sample response from GSTN to FILEDET API"): `ul` is a path without a host.
TAXPRO_FILEDET_SAMPLE = {
	"urls": [
		{
			"ul": "/returns/16012021/R1/7613eb66a13d4b269de42e91bfcf2ad2/returns_16012021_R1_27GSPMH0992G1ZF_b2b_0.tar.gz?md5=1m6TtTHIGszV2B6NaanPww&expires=1610868095",
			"ic": 10000,
			"hash": "38f46b623fdc8b937fab139c8d4660a15f9dbf07dce188fe279ba52f7c3e2780",
		},
		{
			"ul": "/returns/16012021/R1/7613eb66a13d4b269de42e91bfcf2ad2/returns_16012021_R1_27GSPMH0992G1ZF_b2b_1.tar.gz?md5=VPGuLi0C9U3EGUhgYh3KLQ&expires=1610868095",
			"ic": 4702,
			"hash": "1d795e19921d5d13510bda6f4db40ed5f3d78a963486a111734791f716f88d1a",
		},
	],
	"ek": "11VZrNwzUoUy4ykr3wEKzxb7SeNpjDbQ0vJKBTFV+Kg=",
	"fc": 2,
}


def test_the_published_filedet_sample_parses_with_its_32_byte_ek_and_hex_hashes():
	files = FileList.parse(TAXPRO_FILEDET_SAMPLE, code="B2B")
	assert len(files.key or b"") == 32  # an AES-256 key, base64 in `ek`, used as is
	assert files.hashes[1] == TAXPRO_FILEDET_SAMPLE["urls"][1]["hash"]
	assert files.urls[0].startswith("/returns/16012021/")
	# bytes that do not hash to the published value are refused before anything is read
	with pytest.raises(IntegrityError):
		read_part(b"\x1f\x8b not the file", files=files, index=0, section_key="b2b")


# Published AUTHTOKEN body, typed from https://docs.gsp.vayana.com/GSTN/authentication-request-api
VAYANA_AUTHTOKEN_SAMPLE = {
	"action": "AUTHTOKEN",
	"username": "AkashSingh01",
	"app_key": "48Kw7zR3L9nsbBJI3BJBmg8K0cx/XoGzR6uJHcBCuEPUlBTDPLochguhJk1DTvvHYQqQwaU0yhOqfZHgalD9sGMikaEBmY7Y1YcjP5drvwhmmcqQmCLK3D1FE18ditvlqV4DWou5feLM07QwWTj/i8mDwc5YgWz0cYnr6r7wnd2nlbmMxdHOYbKjOP6SxOdD2Gb6GZDI5+RFkkfGSPKwtvXR9NfZQaLaTIY1w8O0X0NI56C9oqjcqT5+FgdpTnLYc3rodHJuEFVgqfeTpWSk3QfAcnQg9P1N9Azcx2OI+AXbLLhcLLbSpfveelhaK02uEdUDYgGHfztr//9RPfqOzg==",
	"otp": "BmgX0cZuroBbOHk7KT4Wzw==",
}


def test_our_authtoken_body_has_the_published_shape():
	"""app_key: one RSA-2048 block (256 bytes) base64; otp: one AES block (16 bytes) base64."""
	sample = VAYANA_AUTHTOKEN_SAMPLE
	assert len(base64.b64decode(sample["app_key"])) == 256
	assert len(base64.b64decode(sample["otp"])) == 16
	ours_key = crypto.rsa_encrypt(self_signed(PRIVATE, days=36500), APP_KEY)
	ours_otp = crypto.encrypt_text(APP_KEY, "575757")
	assert len(ours_key) == len(sample["app_key"]) and len(ours_otp) == len(sample["otp"])
