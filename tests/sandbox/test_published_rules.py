"""The sandbox over HTTP, driven by a client written from the published rules
(`published_client`): what it serves, and what it refuses the way GSTN would."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest

from ims_compliance.gstn.sandbox import FaultPlan, SandboxConfig, SandboxServer

from .conftest import NOTE_KEYS, body, save_record
from .published_client import RECIPIENT, PublishedClient, aes_enc, b64, compact


def error(response) -> tuple[int, str, str]:
	answer = response.json()
	assert answer["status_cd"] == "0", answer
	return response.status_code, answer["error"]["error_cd"], answer["error"]["message"]


def wait(
	client: PublishedClient, reference: str, endpoint: str = "returns/ims", action: str = "REQSTS"
) -> dict:
	for _ in range(50):
		status = client.open(client.get(endpoint, action, int_tran_id=reference).json())
		if status["status_cd"] != "IP":
			return status
		time.sleep(0.02)
	raise AssertionError("still IP")


def test_login_counts_and_records_under_payload_protection(enc, client):
	counts = client.open(client.get("returns/ims", "GETCNT", goods_typ="ALL_OTH").json())
	assert set(counts) == {"all_oth"}
	groups = counts["all_oth"]
	assert set(groups) == {"b2b", "b2ba", "b2bcn", "b2bcna", "b2bdn", "b2bdna", "ecom", "ecoma", "ttl_cnt"}
	assert groups["ttl_cnt"] == 60 == sum(sum(g.values()) for k, g in groups.items() if k != "ttl_cnt")
	assert set(groups["b2b"]) == {"accept", "noaction", "pending", "reject"}
	answer = client.get("returns/ims", "GETINV", section="B2BA").json()
	assert set(answer) == {"status_cd", "rek", "data", "hmac"}
	rows = client.open(answer)["b2ba"]
	assert rows == enc.state.section_records(RECIPIENT, "B2BA")


def test_getcnt_requires_goods_typ(client):
	assert error(client.get("returns/ims", "GETCNT")) == (400, "GEN5001", "parameter goods_typ is required")
	assert error(client.get("returns/ims", "GETCNT", goods_typ="ISD"))[1] == "GEN5002"


@pytest.mark.parametrize("header", ["gstin", "state-cd", "username", "ip-usr", "txn", "auth-token"])
def test_a_missing_header_is_refused_naming_it(client, header):
	response = client.get("returns/ims", "GETCNT", goods_typ="ALL_OTH", headers=client.headers(drop=header))
	assert error(response) == (400, "GEN5001", f"header {header} is required")


def test_wrong_header_values_are_refused(client):
	bad_ip = client.headers(**{"ip-usr": "localhost"})
	assert "ip-usr" in error(client.get("returns/ims", "GETCNT", goods_typ="ALL_OTH", headers=bad_ip))[2]
	bad_state = client.headers(**{"state-cd": "29"})
	assert "state-cd" in error(client.get("returns/ims", "GETCNT", goods_typ="ALL_OTH", headers=bad_state))[2]
	bad_period = client.headers(ret_period="2025-10")
	assert (
		"ret_period" in error(client.get("returns/ims", "GETCNT", goods_typ="ALL_OTH", headers=bad_period))[2]
	)


def test_a_large_section_is_queued_and_its_parts_read_by_the_published_rule(enc, client):
	queued = client.open(client.get("returns/ims", "GETINV", section="B2B").json())
	assert set(queued) == {"token", "est"}
	files = client.open(client.get("returns/ims", "FILEDET", token=queued["token"]).json())
	assert set(files) == {"ek", "fc", "urls"} and files["fc"] == len(files["urls"]) > 1
	rows = []
	for url in files["urls"]:
		part = client.part(url["ul"], ek=files["ek"], sha256=url["hash"])
		assert len(part["b2b"]) == url["ic"]
		rows += part["b2b"]
	assert rows == enc.state.section_records(RECIPIENT, "B2B")


def test_a_file_not_ready_answers_rtn_24(tmp_path):
	config = SandboxConfig(encrypted=True, queue_threshold=5, file_delay=30)
	with SandboxServer(state_path=tmp_path / "s.json", port=0, config=config) as sb:
		sb.state.generate(RECIPIENT, 40, seed=1)
		client = PublishedClient(sb.url)
		client.login()
		queued = client.open(client.get("returns/ims", "GETINV", section="B2B").json())
		assert queued["est"] == "1"  # minutes, as text like the published sample
		assert error(client.get("returns/ims", "FILEDET", token=queued["token"]))[1] == "RTN_24"


def test_save_then_reqsts_p_and_pe_with_its_error_report(enc, client):
	first, second = [r for r in enc.state.section_records(RECIPIENT, "B2B") if r["action"] == "N"][:2]
	payload = body("SAVE", [save_record(first, "A"), save_record(second, "R", prev_status="A")])
	reference = client.open(client.put("returns/ims", "SAVE", payload).json())["reference_id"]
	status = wait(client, reference)
	assert status["status_cd"] == "PE" and status["proc_cnt"] == 1 and status["err_cnt"] == 1
	(entry,) = status["error_report"]["b2b"]
	assert entry["error_cd"] == "IMSSAV0010" and entry["stin"] == second["stin"]
	assert entry["inv"] == [{"inum": second["inum"], "rtnprd": second["rtnprd"]}]

	def stored() -> dict:
		return {(r["stin"], r["inum"]): r for r in enc.state.section_records(RECIPIENT, "B2B")}

	one, two = (first["stin"], first["inum"]), (second["stin"], second["inum"])
	assert stored()[one]["action"] == "A" and stored()[two]["action"] == "N"
	reset = body("RESET", [save_record(stored()[one], None)])
	reference = client.open(client.put("returns/ims", "RESETIMS", reset).json())["reference_id"]
	assert wait(client, reference)["status_cd"] == "P"
	assert stored()[one]["action"] == "N"


def test_a_note_error_is_reported_under_cn(enc, client):
	(note,) = [r for r in enc.state.section_records(RECIPIENT, "CN")][:1]
	record = {k: note[k] for k in NOTE_KEYS} | {"action": "P", "prev_status": note["action"]}  # R5: blocked
	payload = {"rtin": RECIPIENT, "reqtyp": "SAVE", "invdata": {"b2bcn": [record]}}
	reference = client.open(client.put("returns/ims", "SAVE", payload).json())["reference_id"]
	status = wait(client, reference)
	assert status["status_cd"] == "PE" and list(status["error_report"]) == ["cn"]


def test_a_second_save_while_one_is_in_progress_is_imssav0015(enc, client):
	enc.set_faults(FaultPlan(stuck_requests=True))
	(record,) = [r for r in enc.state.section_records(RECIPIENT, "B2B") if r["action"] == "N"][:1]
	payload = body("SAVE", [save_record(record, "A")])
	client.open(client.put("returns/ims", "SAVE", payload).json())
	assert error(client.put("returns/ims", "SAVE", payload))[1] == "IMSSAV0015"


def test_a_failed_request_answers_er(enc, client):
	enc.set_faults(FaultPlan(failed_requests=True))
	(record,) = [r for r in enc.state.section_records(RECIPIENT, "B2B") if r["action"] == "N"][:1]
	reference = client.open(
		client.put("returns/ims", "SAVE", body("SAVE", [save_record(record, "A")])).json()
	)
	assert wait(client, reference["reference_id"])["status_cd"] == "ER"


@pytest.mark.parametrize(
	("kind", "mutate", "named"),
	[
		("RESETIMS", lambda r: r.pop("prev_status"), "b2b[0].prev_status: required key is missing"),
		(
			"RESETIMS",
			lambda r: r.update(action="A"),
			"b2b[0].action: a RESETIMS record must not carry action",
		),
		("SAVE", lambda r: r.update(ispendactnallwd="Y"), "b2b[0].ispendactnallwd: key not allowed"),
		("SAVE", lambda r: r.update(hash="00"), "b2b[0].hash: key not allowed"),
		("SAVE", lambda r: r.pop("srcform"), "b2b[0].srcform: required key is missing"),
	],
)
def test_bodies_against_the_published_schema_are_refused_naming_the_key(enc, client, kind, mutate, named):
	(record,) = [r for r in enc.state.section_records(RECIPIENT, "B2B") if r["action"] == "N"][:1]
	sent = save_record(record, None if kind == "RESETIMS" else "A")
	mutate(sent)
	payload = body("RESET" if kind == "RESETIMS" else "SAVE", [sent])
	status, code, message = error(client.put("returns/ims", kind, payload))
	assert (status, code) == (400, "IMSSAV005") and message.startswith(named)


def test_the_schema_applies_in_plain_mode_too(plain):
	client = PublishedClient(plain.url, encrypted=False)
	client.login()
	(record,) = [r for r in plain.state.section_records(RECIPIENT, "B2B") if r["action"] == "N"][:1]
	sent = save_record(record, None)
	del sent["prev_status"]
	assert error(client.put("returns/ims", "RESETIMS", body("RESET", [sent])))[1:] == (
		"IMSSAV005",
		"b2b[0].prev_status: required key is missing",
	)
	assert error(client.get("returns/ims", "GETCNT"))[1] == "GEN5001"
	counts = client.open(client.get("returns/ims", "GETCNT", goods_typ="ALL_OTH").json())
	assert counts["all_oth"]["ttl_cnt"] == 60


def test_raw_json_encryption_and_bad_hmacs_are_refused(enc, client):
	(record,) = [r for r in enc.state.section_records(RECIPIENT, "B2B") if r["action"] == "N"][:1]
	payload = body("SAVE", [save_record(record, "A")])
	plain = compact(payload)
	raw = {
		"data": b64(aes_enc(client.sek, plain)),
		"hmac": b64(hmac.new(client.sek, plain, hashlib.sha256).digest()),
	}
	status, code, message = error(client.put("returns/ims", "SAVE", payload, wire=raw))
	assert (status, code) == (400, "GEN5003") and "base64" in message
	good = client.seal(payload)
	for bad in (
		{**good, "hmac": raw["hmac"]},
		{"data": good["data"]},
		{"data": payload, "hmac": good["hmac"]},
	):
		assert error(client.put("returns/ims", "SAVE", payload, wire=bad))[1] == "GEN5003"
	assert enc.state.requests == {}  # nothing was taken


def test_gen2b_and_gensts2b_at_the_served_versions(enc, client):
	payload = {"rtin": RECIPIENT, "itcprd": "102025"}
	reference = client.open(client.put("returns/gstr2b", "GEN2B", payload).json())["reference_id"]
	assert wait(client, reference, "returns/gstr2b", "GENSTS2B")["status_cd"] == "P"
	later = PublishedClient(enc.url, version="v4.0")
	later.__dict__.update(token=client.token, sek=client.sek)
	assert later.open(later.put("returns/gstr2b", "GEN2B", payload).json())["reference_id"]
	assert error(later.get("returns/ims", "GETCNT", goods_typ="ALL_OTH"))[:2] == (404, "GEN5002")
	assert error(client.put("returns/gstr2b", "GEN2B", {**payload, "extra": 1}))[1] == "IMSSAV005"


def test_otp_and_refresh_follow_the_published_key_rules(enc):
	client = PublishedClient(enc.url)
	assert client.login(otp="111111")["error"]["error_cd"] == "AUTH158"
	answer = client.login()
	assert answer["expiry"] == 360 and client.sek
	old_token, old_sek = client.token, client.sek
	refreshed = client.refresh()
	assert refreshed["status_cd"] == "1" and client.token != old_token and client.sek != old_sek
	assert client.open(client.get("returns/ims", "GETCNT", goods_typ="ALL_OTH").json())["all_oth"]
	stale = PublishedClient(enc.url)
	stale.__dict__.update(token=old_token, sek=old_sek)
	assert error(stale.get("returns/ims", "GETCNT", goods_typ="ALL_OTH"))[1] == "AUTH4033"
	# the OTP encrypted under another key than the app key the RSA part carries
	other = PublishedClient(enc.url)
	other.app_key = bytes(32)
	first = {"action": "OTPREQUEST", "username": "x", "app_key": other.rsa(other.app_key)}
	other.authenticate(first)
	second = {**first, "action": "AUTHTOKEN", "otp": b64(aes_enc(bytes(range(32)), b"575757"))}
	assert other.authenticate(second).json()["error"]["error_cd"] == "AUTH158"


def test_the_certificate_and_the_key_survive_a_restart(tmp_path):
	config = SandboxConfig(encrypted=True)
	with SandboxServer(state_path=tmp_path / "s.json", port=0, config=config) as sb:
		sb.state.generate(RECIPIENT, 5, seed=1)
		client = PublishedClient(sb.url)
		client.login()
		certificate = sb.certificate_pem
		assert certificate.startswith("-----BEGIN CERTIFICATE-----") and sb.public_key_pem == certificate
	with SandboxServer(state_path=tmp_path / "s.json", port=0, config=config) as sb:
		assert sb.certificate_pem == certificate
		again = PublishedClient(sb.url)
		again.__dict__.update(token=client.token, sek=client.sek)
		assert (
			again.open(again.get("returns/ims", "GETCNT", goods_typ="ALL_OTH").json())["all_oth"]["ttl_cnt"]
			== 5
		)


def test_calls_are_counted_per_endpoint_and_action(enc, client):
	client.get("returns/ims", "GETCNT", goods_typ="ALL_OTH")
	client.get("returns/ims", "GETCNT", goods_typ="ALL_OTH")
	calls = enc.control("stats", {"calls": True})["calls"]
	assert calls["returns/ims GETCNT"] == 2
	assert calls["authenticate OTPREQUEST"] == calls["authenticate AUTHTOKEN"] == 1
	assert "calls" not in enc.control("stats", {})  # the old stats shape is kept


def test_json_bodies_need_json(enc, client):
	response = client.http.put(
		client.url("returns/ims"), params={"action": "SAVE"}, data=b"not json", headers=client.headers()
	)
	assert error(response)[1] == "IMSSAV005"
	assert json.loads(base64.b64decode(b64(b"{}"))) == {}


def test_plain_mode_queues_too_with_parts_of_plain_json_under_a_path_without_host(tmp_path):
	config = SandboxConfig(queue_threshold=10, part_size=8)
	with SandboxServer(state_path=tmp_path / "s.json", port=0, config=config) as sb:
		sb.state.generate(RECIPIENT, 60, seed=4)
		client = PublishedClient(sb.url, encrypted=False)
		client.login()
		queued = client.open(client.get("returns/ims", "GETINV", section="b2b").json())
		files = client.open(client.get("returns/ims", "FILEDET", token=queued["token"]).json())
		assert "ek" not in files
		rows = [row for u in files["urls"] for row in client.part(u["ul"], ek=None, sha256=u["hash"])["b2b"]]
		assert rows == sb.state.section_records(RECIPIENT, "B2B")
		first = files["urls"][0]
		# GSTN's published shape: /returns/<ddmmyyyy>/<rtn>/<id>/returns_..._<n>.tar.gz?md5=..&expires=..
		path, _, query = first["ul"].partition("?")
		assert path.startswith("/returns/") and path.endswith("_b2b_0.tar.gz") and "md5=" in query
		# a signed, expiring link: without its query, or with another expiry, it is refused
		assert client.http.get(sb.url + path, timeout=5).status_code == 403
		forged = first["ul"].replace("expires=", "expires=9")
		assert client.http.get(sb.url + forged, timeout=5).status_code == 403
		# the sandbox's older control path serves the same bytes
		old = client.http.get(f"{sb.url}/sandbox/files/{queued['token']}/0", timeout=5).content
		assert hashlib.sha256(old).hexdigest() == first["hash"]


def test_an_unknown_path_or_method_is_refused(client):
	response = client.http.get(
		client.base + "/taxpayerapi/v1.0/returns/gstr1", headers=client.headers(), timeout=5
	)
	assert error(response)[:2] == (404, "GEN5002")
	response = client.http.get(client.url("authenticate"), headers=client.headers(), timeout=5)
	assert error(response)[:2] == (405, "GEN5002")
