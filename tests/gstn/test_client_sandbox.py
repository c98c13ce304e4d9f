"""Acceptance (issue 3): the client drives the sandbox over real HTTP through OTP login, every
section, a queued download via FILEDET, SAVE -> REQSTS (IP, then P or PE with per-record errors,
notes under cn/dn), RESETIMS, GEN2B, session expiry mid-run, injected faults, and GSTN's
validations (IMSSAV005, IMSSAV0010, IMSSAV0015, R4, R5, R7, 4 MB)."""

from __future__ import annotations

import dataclasses
import math
import time

import pytest
import requests

from ims_compliance.core.actions import Action
from ims_compliance.core.sections import DOWNLOAD_SECTIONS, SECTIONS
from ims_compliance.gstn import errors as codes
from ims_compliance.gstn.client import GstnClient
from ims_compliance.gstn.errors import (
	AuthError,
	GstnError,
	GstnUnavailable,
	IntegrityError,
	OtpRequired,
	RequestInProgress,
	SessionExpired,
)
from ims_compliance.gstn.payloads import ActionUpdate
from ims_compliance.gstn.sandbox import SANDBOX_OTP, FaultPlan, SandboxConfig, SandboxServer
from ims_compliance.gstn.sandbox.generator import generate_records

from .conftest import RECIPIENT, make_settings


def by_action(records, action=Action.NO_ACTION, *, section="B2B", blocked=None):
	return [
		r
		for r in records
		if r.section == section
		and r.gstn_action is action
		and (blocked is None or r.pending_blocked == blocked)
	]


def test_otp_login_wrong_otp_and_no_session(sandbox, connect):
	client = connect(sandbox, login=False)
	with pytest.raises(OtpRequired):
		client.get_counts()
	with pytest.raises(AuthError) as caught:
		client.authenticate(SANDBOX_OTP)  # no OTP was requested
	assert caught.value.code == codes.BAD_OTP
	client.request_otp()
	with pytest.raises(AuthError) as caught:
		client.authenticate("000000")
	assert caught.value.code == codes.BAD_OTP
	client.authenticate(SANDBOX_OTP)
	assert client.has_session
	assert client.get_counts().total == 0


def test_every_section_downloads_with_gstns_keys(sandbox, connect):
	pairs = generate_records(800, seed=11, recipient_gstin=RECIPIENT)
	sandbox.state.add_records(RECIPIENT, pairs)
	client = connect(sandbox)
	downloaded = client.get_all_records()
	assert set(downloaded) == set(DOWNLOAD_SECTIONS)
	for code in DOWNLOAD_SECTIONS:
		expected = {
			(r["stin"], r[SECTIONS[code].number_key], r["hash"], r["action"]) for c, r in pairs if c == code
		}
		got = {
			(r.supplier_gstin, r.document_number, r.gstn_hash, r.gstn_action.code) for r in downloaded[code]
		}
		assert got == expected, code
	amended = downloaded["CNA"][0]
	assert amended.original_number and amended.original_date
	counts = client.get_counts()
	assert counts.total == 800
	for code in DOWNLOAD_SECTIONS:
		assert sum(counts.by_section[code].values()) == len(downloaded[code])
		accepted = sum(1 for c, r in pairs if c == code and r["action"] == "A")
		assert counts.by_section[code][Action.ACCEPTED] == accepted


def test_an_empty_section_answers_no_documents_and_reads_as_empty(sandbox, connect):
	sandbox.state.add_records(RECIPIENT, [(c, r) for c, r in generate_records(50, seed=2) if c == "B2B"])
	exchanges: list[dict] = []
	client = connect(sandbox, login=True)
	client.transport.on_exchange = exchanges.append
	assert client.get_records("CN") == []
	assert "RET13509" in str(exchanges[-1]["response"])
	assert client.get_records("B2B")


def test_a_large_section_is_queued_and_served_as_checked_file_parts(tmp_path, connect):
	config = SandboxConfig(queue_threshold=100, part_size=70, file_delay=0.15)
	with SandboxServer(state_path=tmp_path / "s.json", port=0, config=config) as sb:
		pairs = generate_records(400, seed=4)
		sb.state.add_records(RECIPIENT, pairs)
		exchanges: list[dict] = []
		client = connect(sb)
		client.transport.on_exchange = exchanges.append
		records = client.get_records("B2B")
		expected = sorted((r["stin"], r["inum"]) for c, r in pairs if c == "B2B")
		assert len(expected) > 100
		assert sorted((r.supplier_gstin, r.document_number) for r in records) == expected
		calls = [e for e in exchanges if "params" in e]
		assert '"token"' in calls[0]["response"]  # GETINV answered {token, est}
		filedets = [e for e in calls if e["params"].get("action") == "FILEDET"]
		assert len(filedets) >= 2 and (
			"RTN_24" in filedets[0]["response"] or codes.FILE_NOT_READY in filedets[0]["response"]
		)
		parts = [e for e in exchanges if "bytes" in e]
		assert len(parts) == math.ceil(len(expected) / 70)
		# a part whose bytes do not match FILEDET's SHA-256 is refused, not parsed
		served = sb.api.file_part
		sb.api.file_part = lambda token, index: (served(token, index) or b"") + (b"x" if index == 1 else b"")
		with pytest.raises(IntegrityError):
			client.get_records("B2B")


def test_save_then_reqsts_answers_ip_then_p_and_the_status_changes(sandbox, connect):
	sandbox.state.generate(RECIPIENT, 300, seed=5)
	client = connect(sandbox)
	chosen = by_action(client.get_records("B2B"))[:3]
	(reference,) = client.save_actions([ActionUpdate(r, Action.ACCEPTED) for r in chosen])
	first = client.request_status(reference)
	assert first.status == "IP" and not first.done
	final = client.wait_for_request(reference)
	assert final.ok and (final.processed, final.errors) == (3, 0)
	after = {(r.supplier_gstin, r.document_number): r.gstn_action for r in client.get_records("B2B")}
	assert all(after[(r.supplier_gstin, r.document_number)] is Action.ACCEPTED for r in chosen)


def test_processed_with_errors_reports_each_record_and_notes_under_cn_dn(sandbox, connect):
	sandbox.state.generate(RECIPIENT, 600, seed=6)
	client = connect(sandbox)
	every = [r for rows in client.get_all_records().values() for r in rows]
	good = by_action(every)[0]
	stale = by_action(every)[1]  # we claim GSTN had it Accepted: IMSSAV0010
	blocked_cn = by_action(every, section="CN", blocked=True)[0]  # R5
	dn = by_action(every, section="DN")[0]
	# R7: accepting a credit note GSTN asks the question on (from the Oct-2025 period) needs itcRedReq
	cn_needs_itc = next(
		r for r in by_action(every, section="CN") if not r.itc_reduction_blocked and r != blocked_cn
	)
	updates = [
		ActionUpdate(good, Action.REJECTED, remarks="rate wrong"),
		ActionUpdate(stale, Action.REJECTED, prev_status=Action.ACCEPTED),
		ActionUpdate(blocked_cn, Action.PENDING),
		ActionUpdate(dn, Action.ACCEPTED, prev_status=Action.PENDING),
		ActionUpdate(cn_needs_itc, Action.ACCEPTED),
	]
	(reference,) = client.save_actions(updates, strict=False)
	status = client.wait_for_request(reference)
	assert status.status == "PE" and (status.processed, status.errors) == (1, 4)
	assert set(status.raw["error_report"]) == {"b2b", "cn", "dn"}
	found = {(e.section, e.document_number): e.error_code for e in status.record_errors}
	assert found == {
		("B2B", stale.document_number): codes.PREVIOUS_STATUS_WRONG,
		("CN", blocked_cn.document_number): codes.PENDING_BLOCKED,
		("DN", dn.document_number): codes.PREVIOUS_STATUS_WRONG,
		("CN", cn_needs_itc.document_number): codes.ITC_REDUCTION_MISSING,
	}
	b2b = {r.document_number: r for r in client.get_records("B2B") if r.supplier_gstin == good.supplier_gstin}
	assert b2b[good.document_number].gstn_action is Action.REJECTED
	assert b2b[good.document_number].remarks == "rate wrong"


def test_a_supplier_edit_voids_the_action_and_refuses_the_old_record(sandbox, connect):  # R9
	sandbox.state.generate(RECIPIENT, 200, seed=7)
	client = connect(sandbox)
	record = by_action(client.get_records("B2B"))[0]
	client.save_actions([ActionUpdate(record, Action.ACCEPTED)], wait=True)
	answer = requests.post(
		f"{sandbox.url}/sandbox/edit",
		json={
			"gstin": RECIPIENT,
			"section": "B2B",
			"stin": record.supplier_gstin,
			"number": record.document_number,
			"changes": {"txval": record.taxable_value + 100},
		},
		timeout=5,
	)
	assert answer.json()["ok"]
	(edited,) = [
		r
		for r in client.get_records("B2B")
		if r.document_number == record.document_number and r.supplier_gstin == record.supplier_gstin
	]
	assert edited.gstn_hash != record.gstn_hash and edited.gstn_action is Action.NO_ACTION
	(reference,) = client.save_actions([ActionUpdate(record, Action.REJECTED)], wait=True)
	(error,) = client.request_status(reference).record_errors
	assert error.error_code == codes.PREVIOUS_STATUS_WRONG and "supplier" in error.error_message


def test_one_request_at_a_time_and_n_is_a_schema_error(sandbox, connect):
	sandbox.state.generate(RECIPIENT, 200, seed=8)
	client = connect(sandbox)
	first, second = by_action(client.get_records("B2B"))[:2]
	(reference,) = client.save_actions([ActionUpdate(first, Action.ACCEPTED)])
	with pytest.raises(RequestInProgress) as caught:
		client.save_actions([ActionUpdate(second, Action.ACCEPTED)])
	assert caught.value.code == codes.REQUEST_IN_PROGRESS
	client.wait_for_request(reference)
	with pytest.raises(GstnError) as caught:
		client.save_actions([ActionUpdate(second, Action.NO_ACTION)], strict=False)
	assert caught.value.code == codes.SCHEMA_ERROR and "RESETIMS" in caught.value.message


def test_resetims_returns_records_to_no_action(sandbox, connect):
	sandbox.state.generate(RECIPIENT, 200, seed=9)
	client = connect(sandbox)
	chosen = by_action(client.get_records("B2B"))[:4]
	client.save_actions([ActionUpdate(r, Action.REJECTED, remarks="x") for r in chosen], wait=True)
	accepted = [r for r in client.get_records("B2B") if r.gstn_action is Action.REJECTED and r.remarks == "x"]
	assert len(accepted) == 4
	(reference,) = client.reset_actions(accepted)
	assert client.request_status(reference).status == "IP"
	assert client.wait_for_request(reference).processed == 4
	keys = {(r.supplier_gstin, r.document_number) for r in chosen}
	after = [r for r in client.get_records("B2B") if (r.supplier_gstin, r.document_number) in keys]
	assert all(r.gstn_action is Action.NO_ACTION and r.remarks is None for r in after)


def test_bodies_over_the_limit_are_split_and_the_sandbox_refuses_4mb(tmp_path, connect):
	config = SandboxConfig(max_body_bytes=20_000)
	with SandboxServer(state_path=tmp_path / "s.json", port=0, config=config) as sb:
		sb.state.generate(RECIPIENT, 600, seed=10)
		client = connect(sb, max_body_bytes=20_000)
		chosen = by_action(client.get_records("B2B"))[:120]
		references = client.save_actions([ActionUpdate(r, Action.ACCEPTED) for r in chosen], wait=True)
		assert len(references) >= 2
		assert sum(client.request_status(ref).processed for ref in references) == 120
		big = connect(sb, max_body_bytes=200_000)
		with pytest.raises(GstnError) as caught:
			big.save_actions([ActionUpdate(r, Action.REJECTED) for r in chosen])
		assert caught.value.code == codes.PAYLOAD_TOO_LARGE and caught.value.http_status == 413


def test_r4_a_bill_of_entry_rejected_on_the_sandbox(sandbox, connect):
	boe = {
		"boenum": "7654321",
		"boedt": "02-10-2025",
		"rtnprd": "102025",
		"val": 1180,
		"txval": 1000,
		"iamt": 180,
	}
	sandbox.state.add_records(RECIPIENT, {"IMPG": [boe]})
	client = connect(sandbox)
	(record,) = client.get_records("IMPG")
	(reference,) = client.save_actions([ActionUpdate(record, Action.REJECTED)], strict=False, wait=True)
	(error,) = client.request_status(reference).record_errors
	assert error.error_code == codes.REJECT_NOT_ALLOWED and error.section == "IMPG"


def test_gen2b_recomputes_asynchronously(sandbox, connect):
	pairs = generate_records(300, seed=12, recipient_gstin=RECIPIENT)
	sandbox.state.add_records(RECIPIENT, pairs)
	client = connect(sandbox)
	reference = client.generate_2b("092025")
	assert client.gen2b_status(reference).status == "IP"
	status = client.wait_for_2b(reference)
	assert status.ok
	expected = 0.0
	for code, r in pairs:
		period = (int(r["rtnprd"][2:]), int(r["rtnprd"][:2]))
		if period <= (2025, 9) and r["srcfilstatus"] == "Filed" and r["action"] in ("A", "N"):
			sign = -1 if code in ("CN", "CNA") else 1
			expected += sign * (r["iamt"] + r["camt"] + r["samt"] + r["cess"])
	assert status.raw["summary"]["itc_available"] == pytest.approx(expected, abs=0.05)


def test_session_expiry_mid_run_refreshes_once_and_continues(sandbox, connect):
	sandbox.state.generate(RECIPIENT, 300, seed=13)
	exchanges: list[dict] = []
	client = connect(sandbox, refresh_margin=0)
	client.transport.on_exchange = exchanges.append
	token = client.session["auth_token"]
	client.get_records("B2B")
	sandbox.control("expire-sessions", {})
	assert len(client.get_records("B2B")) > 0
	assert client.session["auth_token"] != token
	refreshes = [e for e in exchanges if e["url"].endswith("/authenticate")]
	assert len(refreshes) == 1
	# GSTN-side early expiry on every third call: the run still completes
	sandbox.set_faults(FaultPlan(expire_sessions_after=2))
	assert set(client.get_all_records()) == set(DOWNLOAD_SECTIONS)


def test_a_session_past_its_refresh_window_asks_for_a_new_otp(tmp_path, connect):
	config = SandboxConfig(token_ttl=0.2, refresh_ttl=0.3)
	with SandboxServer(state_path=tmp_path / "s.json", port=0, config=config) as sb:
		client = connect(sb, refresh_margin=0)
		time.sleep(0.45)
		with pytest.raises(SessionExpired):
			client.get_counts()
		assert not client.has_session
		with pytest.raises(OtpRequired):
			client.get_counts()


def test_a_token_near_expiry_is_refreshed_before_use(tmp_path, connect):
	config = SandboxConfig(token_ttl=60)
	with SandboxServer(state_path=tmp_path / "s.json", port=0, config=config) as sb:
		client = connect(sb, refresh_margin=120)  # always "near expiry": refresh first
		token = client.session["auth_token"]
		client.get_counts()
		assert client.session["auth_token"] != token


def test_injected_503s_are_retried_then_a_clear_error(sandbox, connect):
	client = connect(sandbox)
	exchanges: list[dict] = []
	client.transport.on_exchange = exchanges.append
	sandbox.set_faults(FaultPlan(fail_first=2))
	assert client.get_counts().total == 0
	assert [e.get("status") for e in exchanges] == [503, 503, 200]
	sandbox.set_faults(FaultPlan(fail_first=99))
	with pytest.raises(GstnUnavailable) as caught:
		client.get_counts()
	assert caught.value.attempts == 3 and "503" in str(caught.value)


def test_timeouts_are_retried_then_a_clear_error(sandbox, connect):
	client = connect(sandbox, read_timeout=0.1)
	sandbox.set_faults(FaultPlan(timeout_rate=1.0, timeout_seconds=0.3))
	with pytest.raises(GstnUnavailable) as caught:
		client.get_counts()
	assert "Timeout" in str(caught.value) and caught.value.attempts == 3
	sandbox.set_faults(FaultPlan(drop_rate=1.0))
	with pytest.raises(GstnUnavailable) as caught:
		client.get_counts()
	assert "ConnectionError" in str(caught.value)


def test_a_save_that_timed_out_after_sending_is_not_sent_twice(sandbox, connect):
	sandbox.state.generate(RECIPIENT, 100, seed=16)
	client = connect(sandbox, read_timeout=0.1)
	record = by_action(client.get_records("B2B"))[0]
	sandbox.set_faults(FaultPlan(timeout_rate=1.0, timeout_seconds=0.3))
	with pytest.raises(GstnUnavailable, match="outcome is unknown") as caught:
		client.save_actions([ActionUpdate(record, Action.ACCEPTED)])
	assert caught.value.attempts == 1
	sandbox.set_faults(FaultPlan())
	time.sleep(0.3)  # the sandbox finishes the hung request: GSTN did take the SAVE
	(only,) = [r for r in sandbox.api.state.requests.values() if r["kind"] == "SAVE"]
	assert only["gstin"] == RECIPIENT


def test_faults_are_reproducible_from_their_seed(sandbox, connect):
	sandbox.state.generate(RECIPIENT, 50, seed=1)
	client = connect(
		sandbox, retry=make_settings(sandbox).retry.__class__(attempts=8, base_delay=0.001, seed=1)
	)

	def run() -> list:
		sandbox.set_faults(FaultPlan(seed=42, error_rate=0.3, drop_rate=0.1, latency=0.001))
		outcomes: list = []
		client.transport.on_exchange = lambda e: outcomes.append(e.get("status") or e.get("error", "")[:14])
		for code in ("B2B", "CN", "DN"):
			client.get_records(code)
		return outcomes

	first = run()
	assert any(o in (500, 503) for o in first)
	assert run() == first


def test_a_request_stuck_in_progress_ends_in_a_clear_error(sandbox, connect):
	sandbox.state.generate(RECIPIENT, 100, seed=14)
	client = connect(sandbox, poll_timeout=0.3)
	record = by_action(client.get_records("B2B"))[0]
	sandbox.set_faults(FaultPlan(stuck_requests=True))
	(reference,) = client.save_actions([ActionUpdate(record, Action.ACCEPTED)])
	with pytest.raises(GstnError, match="still in progress"):
		client.wait_for_request(reference)


def test_encrypted_mode_end_to_end(encrypted_sandbox, connect):
	sb = encrypted_sandbox
	pairs = generate_records(300, seed=15)
	sb.state.add_records(RECIPIENT, pairs)
	exchanges: list[dict] = []
	client = connect(sb)
	assert client.session.get("sek")
	client.transport.on_exchange = exchanges.append
	downloaded = client.get_all_records()
	assert sum(len(v) for v in downloaded.values()) == 300
	assert any("bytes" in e for e in exchanges)  # B2B > 50 went through FILEDET
	chosen = by_action(downloaded["B2B"])[:2]
	(reference,) = client.save_actions([ActionUpdate(r, Action.ACCEPTED) for r in chosen], wait=True)
	assert client.request_status(reference).processed == 2
	puts = [e for e in exchanges if e.get("request")]
	assert puts and all("inum" not in e["request"] for e in puts)  # the body went encrypted
	# RESETIMS carries prev_status: what GSTN has now (A), not what the download said (N)
	accepted = [dataclasses.replace(r, gstn_action=Action.ACCEPTED) for r in chosen]
	(reference,) = client.reset_actions(accepted, wait=True)
	assert client.request_status(reference).ok
	assert client.wait_for_2b(client.generate_2b("102025")).ok


def test_encrypted_mode_refuses_a_client_with_the_wrong_public_key(encrypted_sandbox, connect):
	from ims_compliance.gstn.crypto import generate_rsa_keypair

	_, wrong = generate_rsa_keypair()
	client = connect(encrypted_sandbox, login=False, gstn_public_key=wrong.decode())
	with pytest.raises(GstnError) as caught:
		client.request_otp()  # refused here, or (if RSA's implicit rejection made a 32-byte key) at the OTP
		client.authenticate(SANDBOX_OTP)
	assert caught.value.code in (codes.INTEGRITY_FAILED, codes.BAD_OTP)
	assert not client.has_session


def test_the_request_log_never_holds_secrets(sandbox, connect):
	exchanges: list[dict] = []
	client = GstnClient(make_settings(sandbox, client_secret="s3cr3t-value"), on_exchange=exchanges.append)
	client.request_otp()
	client.authenticate(SANDBOX_OTP)
	client.get_counts()
	text = str(exchanges)
	assert exchanges and SANDBOX_OTP not in text and "s3cr3t-value" not in text
	assert client.session["auth_token"] not in text
	client.close()


def test_http_supplier_controls(sandbox, connect):
	url = f"{sandbox.url}/sandbox"
	assert requests.post(
		f"{url}/generate", json={"gstin": RECIPIENT, "n": 40, "seed": 3}, timeout=5
	).json() == {
		"ok": True,
		"result": 40,
	}
	rows = requests.get(f"{url}/records", params={"gstin": RECIPIENT, "section": "B2B"}, timeout=5).json()
	target = next(r for r in rows if r["srcfilstatus"] == "Filed")
	unfiled = {**target, "inum": "NEW/1", "srcfilstatus": "Not Filed"}
	unfiled.pop("hash")
	assert requests.post(
		f"{url}/records", json={"gstin": RECIPIENT, "records": {"b2b": [unfiled]}}, timeout=5
	).ok
	client = connect(sandbox)
	(new,) = [r for r in client.get_records("B2B") if r.document_number == "NEW/1"]
	assert not new.supplier_filed and new.gstn_hash  # R10; the sandbox hashed it
	where = {"gstin": RECIPIENT, "section": "B2B", "stin": target["stin"], "number": "NEW/1"}
	assert requests.post(f"{url}/file", json=where, timeout=5).json()["result"]["srcfilstatus"] == "Filed"
	assert requests.post(f"{url}/remove", json=where, timeout=5).json()["ok"]
	assert all(r.document_number != "NEW/1" for r in client.get_records("B2B"))
	bad = requests.post(f"{url}/faults", json={"nonsense": 1}, timeout=5)
	assert bad.status_code == 400 and "nonsense" in bad.json()["error"]


def test_a_planned_refusal_fails_that_record_once_and_stats_count_stale_prev_status(sandbox, connect):
	sandbox.state.generate(RECIPIENT, 200, seed=8)
	client = connect(sandbox)
	first, second, third = by_action(client.get_records("B2B"))[:3]
	sandbox.control(
		"refuse",
		{
			"gstin": RECIPIENT,
			"section": "B2B",
			"stin": first.supplier_gstin,
			"number": first.document_number,
			"code": "IMSSAV0099",
			"message": "planned by the test",
		},
	)
	updates = [
		ActionUpdate(first, Action.ACCEPTED),
		ActionUpdate(second, Action.ACCEPTED),
		ActionUpdate(third, Action.ACCEPTED, prev_status=Action.REJECTED),  # stale: GSTN has N
	]
	(reference,) = client.save_actions(updates)
	status = client.wait_for_request(reference)
	assert {(e.document_number, e.error_code) for e in status.record_errors} == {
		(first.document_number, "IMSSAV0099"),
		(third.document_number, codes.PREVIOUS_STATUS_WRONG),
	}
	assert sandbox.control("stats", {}) == {"saved": 1, "stale_prev_status": 1}
	(again,) = client.save_actions([ActionUpdate(first, Action.ACCEPTED)])  # the refusal was one-off
	assert client.wait_for_request(again).ok
	assert sandbox.state.stats["saved"] == 2


def test_a_request_nobody_polls_is_processed_before_records_are_read(sandbox, connect, monkeypatch):
	from ims_compliance.gstn.sandbox import processing

	monkeypatch.setattr(processing, "AUTO_COMPLETE_SECONDS", 0.05)
	sandbox.state.generate(RECIPIENT, 100, seed=9)
	client = connect(sandbox)
	record = by_action(client.get_records("B2B"))[0]
	client.save_actions([ActionUpdate(record, Action.REJECTED)])  # the answer is never polled
	time.sleep(0.1)
	after = {(r.supplier_gstin, r.document_number): r.gstn_action for r in client.get_records("B2B")}
	assert after[(record.supplier_gstin, record.document_number)] is Action.REJECTED
