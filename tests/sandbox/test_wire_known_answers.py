"""Known answers for the sandbox's payload protection: fixed keys and JSON, the expected
ciphertext and HMAC computed here step by step from `cryptography` primitives per the published
rule (IMS_DOMAIN.md "Wire rules"), never through the sandbox's own code; standard test vectors
for the primitives; and published sample bodies as schema fixtures."""

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
from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ims_compliance.gstn.sandbox import schema, wire

SEK = bytes(range(32))
REK = bytes(range(32, 64))
EK = bytes(range(64, 96))
PAYLOAD = {"rtin": "27AAPFU0939F1ZV", "itcprd": "102025"}
JSON = b'{"rtin":"27AAPFU0939F1ZV","itcprd":"102025"}'  # compact, as sent on the wire


def ecb(key: bytes, plain: bytes) -> bytes:
	padder = padding.PKCS7(128).padder()
	encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
	return encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()


def test_aes_256_ecb_and_hmac_match_the_standard_vectors():
	# FIPS-197 appendix C.3 (AES-256): the first block of ECB is the raw cipher block
	key = bytes.fromhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	block = bytes.fromhex("00112233445566778899aabbccddeeff")
	assert wire.aes_ecb_encrypt(key, block)[:16].hex() == "8ea2b7ca516745bfeafc49904b496089"
	assert len(wire.aes_ecb_encrypt(key, block)) == 32  # PKCS#7 adds a whole block to 16 bytes
	assert wire.aes_ecb_decrypt(key, wire.aes_ecb_encrypt(key, block)) == block
	# RFC 4231 test case 2
	expected = bytes.fromhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
	assert (
		wire.hmac_sha256_b64(b"Jefe", b"what do ya want for nothing?") == base64.b64encode(expected).decode()
	)


def test_a_request_sealed_by_the_published_rule_opens_and_the_json_itself_is_refused():
	text = base64.b64encode(JSON)  # step 1: base64 of the JSON
	data = base64.b64encode(ecb(SEK, text)).decode()  # step 2: AES-256-ECB/PKCS7 with sek
	mac = base64.b64encode(hmac.new(SEK, text, hashlib.sha256).digest()).decode()  # step 3
	# pinned with the openssl CLI: printf %s "$(printf %s JSON | base64 -w0)" | openssl enc
	# -aes-256-ecb -K 0001..1f | base64; openssl dgst -sha256 -mac HMAC -macopt hexkey:0001..1f
	assert data == "LooC8kd/J3nCNj/edbFFmEAmiGLlkqWp5YnNINgSRT9IdF0ZitRhcmySl7Sa5inAz+M9769x/4+BygtYNhUvOQ=="
	assert mac == "1xjWfsyZmZf+moP/h9RxTSfljanQrHWNC3b3j/zXZuc="
	assert wire.open_request_data(SEK, data, mac) == PAYLOAD
	# the old client's layering: AES and HMAC over the JSON itself
	raw = base64.b64encode(ecb(SEK, JSON)).decode()
	raw_mac = base64.b64encode(hmac.new(SEK, JSON, hashlib.sha256).digest()).decode()
	with pytest.raises(wire.WireError, match="not base64 text"):
		wire.open_request_data(SEK, raw, raw_mac)
	with pytest.raises(wire.WireError, match="hmac"):
		wire.open_request_data(SEK, data, raw_mac)
	with pytest.raises(wire.WireError, match="hmac is required"):
		wire.open_request_data(SEK, data, None)


def test_a_response_is_sealed_with_a_rek_and_the_hmac_is_keyed_with_the_rek(monkeypatch):
	monkeypatch.setattr(wire, "new_key", lambda: REK)
	sealed = wire.seal_response_data(SEK, PAYLOAD)
	text = base64.b64encode(JSON)
	assert sealed["rek"] == base64.b64encode(ecb(SEK, REK)).decode()
	assert sealed["data"] == base64.b64encode(ecb(REK, text)).decode()
	assert sealed["hmac"] == base64.b64encode(hmac.new(REK, text, hashlib.sha256).digest()).decode()
	assert sealed["hmac"] != base64.b64encode(hmac.new(SEK, text, hashlib.sha256).digest()).decode()


def test_a_file_part_holds_base64_of_aes_of_base64_json_inside_a_tar_gz():
	rows = {"b2b": [{"inum": "INV-1"}]}
	part = wire.file_part(rows, name="b2b_1.json", ek=EK)
	with tarfile.open(fileobj=io.BytesIO(part), mode="r:gz") as archive:
		(member,) = archive.getmembers()
		inside = archive.extractfile(member).read()  # type: ignore[union-attr]
	expected = base64.b64encode(ecb(EK, base64.b64encode(b'{"b2b":[{"inum":"INV-1"}]}')))
	assert member.name == "b2b_1.json" and inside == expected
	assert wire.sha256_hex(part) == hashlib.sha256(part).hexdigest()


def test_gstns_key_is_a_self_signed_certificate_with_a_validity_period():
	private = wire.new_private_key_pem()
	pem = wire.self_signed_certificate_pem(private)
	certificate = x509.load_pem_x509_certificate(pem.encode())
	now = dt.datetime.now(dt.timezone.utc)
	assert certificate.not_valid_before_utc <= now < certificate.not_valid_after_utc
	assert certificate.not_valid_after_utc - now > dt.timedelta(days=365)
	assert certificate.issuer == certificate.subject
	# an app key encrypted with the certificate's key (PKCS#1 v1.5) opens with GSTN's private key
	app_key = bytes(range(100, 132))
	cipher = certificate.public_key().encrypt(app_key, rsa_padding.PKCS1v15())  # type: ignore[union-attr]
	assert wire.rsa_decrypt_app_key(private, base64.b64encode(cipher).decode()) == app_key
	with pytest.raises(wire.WireError):
		short = certificate.public_key().encrypt(b"0" * 16, rsa_padding.PKCS1v15())  # type: ignore[union-attr]
		wire.rsa_decrypt_app_key(private, base64.b64encode(short).decode())
	key = serialization.load_pem_private_key(private.encode(), password=None)
	assert key.public_key().public_numbers() == certificate.public_key().public_numbers()  # type: ignore[union-attr]


# Published sample bodies, typed from the docs (fixtures for the schema).
#: developer.sandbox.co.in/api-reference/gst/compliance/endpoints/taxpayer/invoices/save (the
#: request sample; its b2bcn..ecoma entries left out)
PUBLISHED_SAVE = {
	"rtin": "24SHUBH3221U1Z1",
	"reqtyp": "SAVE",
	"invdata": {
		"b2b": [
			{
				"stin": "24MAYAS0100J1JD", "inum": "b1", "inv_typ": "R", "action": "A", "srcform": "R1",
				"rtnprd": "012023", "idt": "23-01-2023", "val": 1000, "pos": "24", "txval": 100,
				"iamt": 20, "camt": 20, "samt": 20, "cess": 0, "prev_status": "A",
				"remarks": "Business to business changes",
			}
		],
		"b2ba": [
			{
				"oinum": "ab2", "oidt": "24-02-2023", "stin": "24MAYAS0100J1JD", "rtnprd": "012023",
				"inum": "b1a", "action": "A", "inv_typ": "R", "srcform": "R1", "idt": "24-02-2023",
				"val": 1000, "pos": "07", "txval": 100, "iamt": 20, "camt": 20, "samt": 20, "cess": 0,
				"prev_status": "A", "itcRedReq": "Y", "declIgst": 2000, "declSgst": 500,
				"declCgst": 500, "declCess": 100, "remarks": "Business to business ammendment changes",
			}
		],
		"b2bdn": [
			{
				"stin": "24MAYAS0100J1JD", "nt_num": "dn2", "action": "A", "inv_typ": "R", "srcform": "R1",
				"rtnprd": "012023", "nt_dt": "24-02-2023", "val": 1000.1, "pos": "07", "txval": 1000.1,
				"iamt": 20, "camt": 20, "samt": 20, "cess": 0, "prev_status": "A",
				"remarks": "Business to business debit changes",
			}
		],
		"b2bdna": [
			{
				"stin": "24MAYAS0100J1JD", "ont_num": "ca2", "ont_dt": "24-02-2023", "nt_num": "dn2",
				"action": "A", "inv_typ": "R", "srcform": "R1", "rtnprd": "012023", "nt_dt": "24-02-2023",
				"val": 1000.1, "pos": "07", "txval": 1000.1, "iamt": 20, "camt": 20, "samt": 20, "cess": 0,
				"prev_status": "A", "itcRedReq": "Y", "declIgst": 2000, "declSgst": 500, "declCgst": 500,
				"declCess": 100, "remarks": "Business to business debit ammendment changes",
			}
		],
	},
}  # fmt: skip
#: docs.enriched-api.vayana.com/routes/enriched/gstn/apis/IMS/ims-invoice-status-reset/
#: ims-invoice-status-reset-vone-oh (the request sample's b2b entry)
PUBLISHED_RESET = {
	"rtin": "20MAYAS0100J1ZX",
	"reqtyp": "RESET",
	"invdata": {
		"b2b": [
			{
				"stin": "24MAYAS0100J1JD", "inum": "b1", "inv_typ": "R", "srcform": "R1", "rtnprd": "012023",
				"idt": "23-01-2023", "val": 1000, "pos": "24", "txval": 100, "iamt": 20, "camt": 20,
				"samt": 20, "cess": 0, "prev_status": "A",
			}
		]
	},
}  # fmt: skip


def test_the_published_sample_bodies_pass_the_schema_and_their_mutations_do_not():
	save = json.loads(json.dumps(PUBLISHED_SAVE))
	reset = json.loads(json.dumps(PUBLISHED_RESET))
	assert set(schema.check_envelope({"action": "SAVE", "data": save}, gstin=save["rtin"], action="SAVE")) == {
		"b2b", "b2ba", "b2bdn", "b2bdna",
	}  # fmt: skip
	schema.check_envelope({"action": "RESETIMS", "data": reset}, gstin=reset["rtin"], action="RESETIMS")
	cases = [
		("RESETIMS", reset, lambda r: r.pop("prev_status"), "b2b[0].prev_status: required key is missing"),
		("RESETIMS", reset, lambda r: r.update(action="A"), "b2b[0].action: a RESETIMS record must not"),
		("SAVE", save, lambda r: r.update(trdnm="Alpha"), "b2b[0].trdnm: key not allowed"),
		("SAVE", save, lambda r: r.update(ispendactblocked="N"), "b2b[0].ispendactblocked: key not allowed"),
		("SAVE", save, lambda r: r.pop("prev_status"), "b2b[0].prev_status: required key is missing"),
		("SAVE", save, lambda r: r.update(action="N"), "N is set with RESETIMS"),
		("SAVE", save, lambda r: r.update(val=10.001), "not a multiple of 0.01"),
		("SAVE", save, lambda r: r.update(idt="31-02-2023"), "not a date"),
		("SAVE", save, lambda r: r.update(srcform="GSTR1"), "srcform"),
		("SAVE", save, lambda r: r.update(pos="99"), "place-of-supply"),
	]
	for action, sample, mutate, message in cases:
		copy = json.loads(json.dumps(sample))
		mutate(copy["invdata"]["b2b"][0])
		with pytest.raises(schema.SchemaError, match=message.replace("[", r"\[").replace("]", r"\]")):
			schema.check_envelope({"action": action, "data": copy}, gstin=copy["rtin"], action=action)
	ecom = json.loads(json.dumps(save))
	ecom["invdata"] = {"ecom": [{k: v for k, v in save["invdata"]["b2b"][0].items()}]}
	with pytest.raises(schema.SchemaError, match=r"ecom\[0\]\.inv_typ: key not allowed"):
		schema.check_envelope({"action": "SAVE", "data": ecom}, gstin=ecom["rtin"], action="SAVE")


def test_the_otp_known_answer_and_the_sandbox_reads_it(tmp_path):
	"""otp = b64(AES-256-ECB/PKCS7(app key, otp)); pinned with the openssl CLI:
	printf %s 575757 | openssl enc -aes-256-ecb -K c8c9..e7 | base64"""
	from ims_compliance.gstn.sandbox import SandboxConfig, SandboxServer

	app_key = bytes(range(200, 232))
	otp = base64.b64encode(ecb(app_key, b"575757")).decode()
	assert otp == "KYnpVQBkqhYrmmZSHq4l/A=="
	with SandboxServer(state_path=tmp_path / "s.json", port=0, config=SandboxConfig(encrypted=True)) as sb:
		certificate = x509.load_pem_x509_certificate(sb.certificate_pem.encode())
		rsa_key = base64.b64encode(certificate.public_key().encrypt(app_key, rsa_padding.PKCS1v15())).decode()  # type: ignore[union-attr]
		headers = {"gstin": "27AAPFU0939F1ZV", "state-cd": "27", "ip-usr": "203.0.113.7", "txn": "t1"}
		handle = sb.api.handle
		body = {"action": "OTPREQUEST", "username": "u", "app_key": rsa_key}
		assert handle("POST", "/taxpayerapi/v1.0/authenticate", {}, headers, json.dumps(body).encode(), "")[
			1
		] == {"status_cd": "1"}
		body.update(action="AUTHTOKEN", otp=otp)
		status, answer = handle(
			"POST", "/taxpayerapi/v1.0/authenticate", {}, headers, json.dumps(body).encode(), ""
		)
		assert status == 200 and answer["expiry"] == 360
		sek = Cipher(algorithms.AES(app_key), modes.ECB()).decryptor().update(base64.b64decode(answer["sek"]))
		assert len(sek) == 48 and sek[32:] == bytes([16]) * 16  # 32-byte key + a whole PKCS#7 block
