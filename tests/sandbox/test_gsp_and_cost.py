"""The optional GSP gate in front of GSTN (plain clientid/client-secret, Vayana, TaxPro), and
cost controls: HTTP 429 past a session's call budget, AUTH403 past the session cap."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ims_compliance.gstn.sandbox import SandboxConfig, SandboxServer

from .published_client import RECIPIENT, PublishedClient, aes_enc, b64


def start(tmp_path, **config) -> SandboxServer:
	sb = SandboxServer(state_path=tmp_path / "s.json", port=0, config=SandboxConfig(encrypted=True, **config))
	sb.state.generate(RECIPIENT, 10, seed=2)
	return sb.start()


def test_the_plain_gsp_profile_wants_clientid_and_client_secret(tmp_path):
	sb = start(tmp_path, gsp="plain", gsp_credentials={"clientid": "cid", "client-secret": "sec"})
	try:
		bare = PublishedClient(sb.url)
		answer = bare.login()
		assert answer["error"]["error_cd"] == "GEN5004" and "clientid" in answer["error"]["message"]
		wrong = PublishedClient(sb.url, extra_headers={"clientid": "cid", "client-secret": "nope"})
		assert wrong.login()["error"]["error_cd"] == "GEN5004"
		good = PublishedClient(sb.url, extra_headers={"clientid": "cid", "client-secret": "sec"})
		assert good.login()["status_cd"] == "1"
	finally:
		sb.stop()


def vayana_headers(key: rsa.RSAPrivateKey, gstin: str = RECIPIENT) -> dict:
	"""docs.gsp.vayana.com/building-a-vayana-gsp-auth-token: v2.0:<cust_id>:<client_id>:<txn_id>:
	<timestamp YYYYMMDDHHMMSS+HHMM>:<gstin>:<api_action>; the signature (assumed) RSA-SHA256."""
	stamp = dt.datetime(2026, 12, 1, 10, 0, 0).strftime("%Y%m%d%H%M%S") + "+0530"
	token = f"v2.0:cust-1::txn-1:{stamp}:{gstin}:IMS"
	signature = key.sign(token.encode(), padding.PKCS1v15(), hashes.SHA256())
	return {"X-Asp-Auth-Token": token, "X-Asp-Auth-Signature": base64.b64encode(signature).decode()}


def test_the_vayana_profile_wants_gus_paths_and_a_signed_token(tmp_path):
	key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
	public = key.public_key().public_bytes(
		serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
	)
	sb = start(tmp_path, gsp="vayana", gsp_credentials={"public_key": public.decode()})
	try:
		headers = vayana_headers(key)
		assert (
			PublishedClient(sb.url, extra_headers=headers).login()["error"]["error_cd"] == "GEN5004"
		)  # no /gus
		client = PublishedClient(sb.url, prefix="/gus", extra_headers=headers)
		assert client.login()["status_cd"] == "1"
		assert (
			client.open(client.get("returns/ims", "GETCNT", goods_typ="ALL_OTH").json())["all_oth"]["ttl_cnt"]
			== 10
		)
		other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
		forged = PublishedClient(sb.url, prefix="/gus", extra_headers=vayana_headers(other))
		assert "does not verify" in forged.login()["error"]["message"]
		bad = PublishedClient(sb.url, prefix="/gus", extra_headers={**headers, "X-Asp-Auth-Token": "v1:x"})
		assert bad.login()["error"]["error_cd"] == "GEN5004"
	finally:
		sb.stop()


def test_the_taxpro_profile_wants_aspid_an_encrypted_asp_secret_and_a_session(tmp_path):
	sb = start(tmp_path, gsp="taxpro", gsp_credentials={"aspid": "asp1", "asp_secret": "s3cret"})
	try:
		session = requests.post(sb.url + "/sandbox/gsp-session", json={"aspid": "asp1"}, timeout=5).json()[
			"result"
		]
		ek = base64.b64decode(session["ek"])
		# gsthelp.charteredinfo.com: asp-secret = AesEncryptBase64(AspSecretKey, AspEK), AES/ECB/PKCS7
		headers = {
			"aspid": "asp1",
			"asp-secret": b64(aes_enc(ek, b"s3cret")),
			"session-id": session["session_id"],
		}
		assert PublishedClient(sb.url, extra_headers=headers).login()["status_cd"] == "1"
		wrong = {**headers, "asp-secret": b64(aes_enc(ek, b"guess"))}
		assert PublishedClient(sb.url, extra_headers=wrong).login()["error"]["error_cd"] == "GEN5004"
		stale = {**headers, "session-id": "nope"}
		assert "session-id" in PublishedClient(sb.url, extra_headers=stale).login()["error"]["message"]
	finally:
		sb.stop()


def test_a_spent_call_budget_answers_429_and_a_session_cap_auth403(tmp_path):
	sb = start(tmp_path, call_budget=2, max_sessions=1)
	try:
		client = PublishedClient(sb.url)
		client.login()
		for _ in range(2):
			assert client.get("returns/ims", "GETCNT", goods_typ="ALL_OTH").status_code == 200
		spent = client.get("returns/ims", "GETCNT", goods_typ="ALL_OTH")
		assert spent.status_code == 429 and spent.json()["error"]["error_cd"] == "GSP429"
		second = PublishedClient(sb.url)
		answer = second.login()
		assert answer["error"]["error_cd"] == "AUTH403" and "too many sessions" in answer["error"]["message"]
	finally:
		sb.stop()


def test_an_unknown_gsp_profile_is_refused_at_start(tmp_path):
	with pytest.raises(ValueError, match="unknown GSP profile"):
		SandboxServer(state_path=tmp_path / "s.json", port=0, config=SandboxConfig(gsp="acme"))


def test_python_dash_m_serves_the_published_rules_behind_a_gsp(tmp_path):
	import socket
	import subprocess
	import sys
	import time

	with socket.socket() as probe:
		probe.bind(("127.0.0.1", 0))
		port = probe.getsockname()[1]
	command = [
		sys.executable, "-m", "ims_compliance.gstn.sandbox", "--port", str(port), "--state", str(tmp_path / "s.json"),
		"--encrypted", "--seed-gstin", RECIPIENT, "--seed-records", "30", "--gsp", "plain",
		"--gsp-credentials", '{"clientid": "cid", "client-secret": "sec"}', "--call-budget", "3",
	]  # fmt: skip
	process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
	try:
		url = f"http://127.0.0.1:{port}"
		for _ in range(100):
			try:
				requests.get(url + "/sandbox/public-key", timeout=1)
				break
			except requests.ConnectionError:
				time.sleep(0.1)
		client = PublishedClient(url, extra_headers={"clientid": "cid", "client-secret": "sec"})
		assert client.login()["status_cd"] == "1"
		counts = client.open(client.get("returns/ims", "GETCNT", goods_typ="ALL_OTH").json())
		assert counts["all_oth"]["ttl_cnt"] == 30
		client.get("returns/ims", "GETCNT", goods_typ="ALL_OTH")
		client.get("returns/ims", "GETCNT", goods_typ="ALL_OTH")
		assert client.get("returns/ims", "GETCNT", goods_typ="ALL_OTH").status_code == 429
	finally:
		process.terminate()
		process.wait(timeout=10)
