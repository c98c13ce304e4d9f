"""GSP profiles: each builds what its GSP's public docs describe (checked here with
`cryptography` primitives, not the profile's own helpers), and the registry finds a new GSP
from one new file."""

from __future__ import annotations

import base64
import importlib
import sys

import pytest
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ims_compliance.gstn import gsp
from ims_compliance.gstn.gsp import (
	GspContext,
	get_profile,
	profile_options,
	profiles,
	registry,
	vayana,
)

from .test_wire_known_answers import TAXPRO_FILEDET_SAMPLE

ASP = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ASP_PEM = ASP.private_bytes(
	serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
GSTIN = "27AAPFU0939F1ZV"
NOW = 1_764_633_600.0  # 2025-12-02 00:00:00 UTC = 05:30 IST


def test_the_three_documented_gsps_are_registered_with_their_path_shapes():
	assert {"plain", "vayana", "taxpro"} <= set(profiles())
	assert get_profile(None).name == "plain"
	assert get_profile("Vayana").endpoint("authenticate") == "gus/taxpayerapi/v1.0/authenticate"
	assert get_profile("taxpro").endpoint("ims") == "taxpayerapi/v1.0/returns/ims"
	# per-endpoint versions: GEN2B may move on without IMS
	assert get_profile("plain").endpoint("gstr2b", {"gstr2b": "v4.0"}) == "taxpayerapi/v4.0/returns/gstr2b"
	assert profile_options()[0] == get_profile("plain").label
	with pytest.raises(ValueError):
		get_profile("nobody")


def test_plain_sends_gstns_client_headers():
	ctx = GspContext(credentials={"client_id": "c1", "client_secret": "s1"}, gstin=GSTIN)
	assert get_profile("plain").headers(ctx, action="GETINV", txn="t") == {
		"clientid": "c1",
		"client-secret": "s1",
	}


def test_vayana_token_has_the_documented_fields_and_a_verifiable_signature():
	"""docs.gsp.vayana.com/building-a-vayana-gsp-auth-token: v2.0:<cust_id>:<client_id>:<txn_id>:
	<timestamp>:<gstin>:<api_action>; timestamp YYYYMMDDHHMMSS+HHMM, 19 characters (its example
	20180224112759+0530)."""
	ctx = GspContext(
		credentials={"client_id": "cl-1", "asp_private_key": ASP_PEM}, gstin=GSTIN, clock=lambda: NOW
	)
	headers = vayana.headers(ctx, action="GETINV", txn="txn42")
	token = headers["X-Asp-Auth-Token"]
	assert token == f"v2.0::cl-1:txn42:20251202053000+0530:{GSTIN}:GETINV"
	assert len(token.split(":")[4]) == len("20180224112759+0530")
	ASP.public_key().verify(
		base64.b64decode(headers["X-Asp-Auth-Signature"]),
		token.encode(),
		asym_padding.PKCS1v15(),
		hashes.SHA256(),
	)
	# a customer id takes the client id's place
	ctx.credentials = {"cust_id": "cu-9", "client_id": "cl-1"}
	assert vayana.auth_token(ctx, action="A", txn="t", now=NOW).startswith("v2.0:cu-9::t:")


def test_taxpro_getkey_then_asp_secret_under_aspek_on_every_call():
	"""gsthelp.charteredinfo.com getkey_api.htm and gst_pass_through_api.htm."""
	asp_ek = bytes(range(32))
	sent: list[dict] = []

	def post(url, *, headers, body):  # the GSP's GetKey, faked from its documented shape
		sent.append({"url": url, "headers": headers, "body": body})
		return 200, {"session_id": "S-1", "enc_key": base64.b64encode(asp_ek).decode(), "expiry": 60}

	ctx = GspContext(
		credentials={"asp_id": "asp-7", "asp_secret": "s3cret", "asp_private_key": ASP_PEM},
		gstin=GSTIN,
		clock=lambda: NOW,
		post=post,
		base_url="https://gstsandbox.charteredinfo.com",
	)
	profile = get_profile("taxpro")
	assert profile.needs_handshake(ctx)
	profile.handshake(ctx)
	(call,) = sent
	assert call["url"] == "https://gstsandbox.charteredinfo.com/aspapi/v1.0/getkey"
	assert call["headers"]["aspid"] == "asp-7" and call["headers"]["txn"]
	stamp = call["body"]["timestamp"]
	assert len(stamp) == len("ddMMyyyyHHmmssFFFFFF") and stamp.isdigit()
	ASP.public_key().verify(
		base64.b64decode(call["body"]["signed_content"]),
		("asp-7" + stamp).encode(),
		asym_padding.PKCS1v15(),
		hashes.SHA256(),
	)
	assert not profile.needs_handshake(ctx)
	headers = profile.headers(ctx, action="GETINV", txn="t")
	assert headers["aspid"] == "asp-7" and headers["session-id"] == "S-1"
	decryptor = Cipher(algorithms.AES(asp_ek), modes.ECB()).decryptor()
	padded = decryptor.update(base64.b64decode(headers["asp-secret"])) + decryptor.finalize()
	unpadder = padding.PKCS7(128).unpadder()
	assert unpadder.update(padded) + unpadder.finalize() == b"s3cret"
	# a file part goes through DownloadGstrFile with the FILEDET item as the body
	item = TAXPRO_FILEDET_SAMPLE["urls"][0]
	request = profile.file_request(ctx, item, ek=TAXPRO_FILEDET_SAMPLE["ek"])
	assert request.method == "POST"
	assert request.url == "https://gstsandbox.charteredinfo.com/aspapi/v1.0/downloadgstrfile"
	assert request.params == {"gstin": GSTIN} and request.body == item
	assert request.headers["session-id"] == "S-1"


def test_a_ul_without_a_host_is_fetched_from_the_base_url():
	ctx = GspContext(credentials={}, gstin=GSTIN, base_url="https://gsp.example/api/")
	item = TAXPRO_FILEDET_SAMPLE["urls"][1]
	request = get_profile("plain").file_request(ctx, item)
	assert request.method == "GET"
	assert request.url == "https://gsp.example/api/" + item["ul"].lstrip("/")
	absolute = {"ul": "https://files.example/x.tar.gz?sig=1"}
	assert get_profile("plain").file_request(ctx, absolute).url == absolute["ul"]


def test_adding_a_gsp_is_one_new_file(tmp_path, monkeypatch):
	(tmp_path / "acme.py").write_text(
		"from ims_compliance.gstn.gsp.base import GspProfile\n"
		"PROFILE = GspProfile(name='acme', label='Acme GSP', path='acme/{version}/{path}')\n"
	)
	monkeypatch.setattr(gsp, "__path__", [*gsp.__path__, str(tmp_path)])
	registry.profiles.cache_clear()
	try:
		assert get_profile("Acme GSP").endpoint("ims") == "acme/v1.0/returns/ims"
	finally:
		registry.profiles.cache_clear()
		sys.modules.pop("ims_compliance.gstn.gsp.acme", None)
		importlib.invalidate_caches()
