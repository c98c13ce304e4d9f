"""The sandbox's generator and state: deterministic realistic records, supplier controls, and a
state file that survives a restart (also when started with `python -m`)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from ims_compliance.core.actions import Action
from ims_compliance.core.gstin import is_valid_gstin
from ims_compliance.core.sections import DOWNLOAD_SECTIONS, SECTIONS
from ims_compliance.gstn.payloads import ActionUpdate
from ims_compliance.gstn.sandbox import SANDBOX_OTP, SandboxConfig, SandboxServer
from ims_compliance.gstn.sandbox.generator import generate_records, record_hash
from ims_compliance.gstn.sandbox.state import SandboxState
from ims_compliance.gstn.settings import ConnectionSettings

from .conftest import RECIPIENT

ROOT = Path(__file__).resolve().parents[2]


def test_the_generator_is_deterministic_and_realistic():
	pairs = generate_records(2000, seed=21, recipient_gstin=RECIPIENT)
	assert pairs == generate_records(2000, seed=21, recipient_gstin=RECIPIENT)
	assert pairs != generate_records(2000, seed=22, recipient_gstin=RECIPIENT)
	sections = Counter(code for code, _ in pairs)
	assert set(sections) == set(DOWNLOAD_SECTIONS) and sections["B2B"] > sections["CN"] > 0
	assert all(is_valid_gstin(r["stin"]) for _, r in pairs)
	assert all(r["hash"] == record_hash(r) for _, r in pairs)
	for code, r in pairs:
		sec = SECTIONS[code]
		assert sec.number_key in r and sec.date_key in r
		if sec.is_amendment:
			assert r[sec.original_number_key] and r[sec.original_date_key]
		assert r["ispendactblocked"] == ("Y" if code == "CN" else "N")  # R5
		from_oct_2025 = (int(r["rtnprd"][2:]), int(r["rtnprd"][:2])) >= (2025, 10)
		assert r["isItcRedReqBlocked"] == ("N" if code == "CN" and from_oct_2025 else "Y")  # R7
		assert r["val"] == pytest.approx(r["txval"] + r["iamt"] + r["camt"] + r["samt"] + r["cess"], abs=0.02)
		assert (r["iamt"] == 0) == (r["stin"][:2] == RECIPIENT[:2])  # intra-state: CGST + SGST
	filed = Counter(r["srcfilstatus"] for _, r in pairs)
	assert filed["Not Filed"] > 0 and filed["Filed"] > filed["Not Filed"]  # R10
	assert {r["action"] for _, r in pairs} == {"A", "R", "P", "N"}
	keys = Counter((code, r["stin"], r[SECTIONS[code].number_key]) for code, r in pairs)
	assert max(keys.values()) == 1


def test_state_survives_a_restart_with_statuses_and_requests(tmp_path, connect):
	path = tmp_path / "state.json"
	with SandboxServer(state_path=path, port=0) as sb:
		sb.state.generate(RECIPIENT, 300, seed=23)
		client = connect(sb)
		chosen = [r for r in client.get_records("B2B") if r.gstn_action is Action.NO_ACTION][:2]
		(reference,) = client.save_actions([ActionUpdate(r, Action.REJECTED) for r in chosen], wait=True)
	saved = json.loads(path.read_text())
	assert sum(len(rows) for rows in saved["records"][RECIPIENT].values()) == 300
	with SandboxServer(state_path=path, port=0) as again:
		client = connect(again)
		assert client.get_counts().total == 300
		rejected = {
			(r.supplier_gstin, r.document_number)
			for r in client.get_records("B2B")
			if r.gstn_action is Action.REJECTED
		}
		assert {(r.supplier_gstin, r.document_number) for r in chosen} <= rejected
		assert client.request_status(reference).processed == 2


def test_reads_do_not_rewrite_the_state_file(tmp_path):
	state = SandboxState(tmp_path / "s.json")
	state.generate(RECIPIENT, 20, seed=1)
	assert state.flush() is True
	state.section_records(RECIPIENT, "B2B")
	state.counts(RECIPIENT)
	assert state.flush() is False


def test_supplier_edit_file_and_remove(tmp_path):
	state = SandboxState(tmp_path / "s.json")
	state.generate(RECIPIENT, 100, seed=2)
	target = next(r for r in state.section_records(RECIPIENT, "B2B") if r["action"] == "A")
	where = {"stin": target["stin"], "number": target["inum"]}
	edited = state.edit(RECIPIENT, "B2B", changes={"txval": target["txval"] + 1}, **where)
	assert edited["hash"] != target["hash"] and edited["action"] == "N"  # R9
	unfiled = next(r for r in state.section_records(RECIPIENT, "B2B") if r["srcfilstatus"] == "Not Filed")
	state.file(RECIPIENT, "B2B", stin=unfiled["stin"], number=unfiled["inum"])
	state.remove(RECIPIENT, "B2B", **where)
	remaining = {(r["stin"], r["inum"]): r for r in state.section_records(RECIPIENT, "B2B")}
	assert (target["stin"], target["inum"]) not in remaining
	assert remaining[(unfiled["stin"], unfiled["inum"])]["srcfilstatus"] == "Filed"
	with pytest.raises(KeyError):
		state.file(RECIPIENT, "B2B", stin=unfiled["stin"], number="NOPE/1")


def _free_port() -> int:
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


def test_python_dash_m_starts_seeds_and_keeps_its_state(tmp_path):
	from ims_compliance.gstn.client import GstnClient

	port, path = _free_port(), tmp_path / "cli.json"
	command = [sys.executable, "-m", "ims_compliance.gstn.sandbox", "--port", str(port), "--state", str(path)]
	seed = ["--seed-gstin", RECIPIENT, "--seed-records", "60", "--seed", "3"]
	env = {**os.environ, "PYTHONPATH": str(ROOT)}
	process = subprocess.Popen(command + seed, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
	try:
		line = process.stdout.readline()
		assert f"127.0.0.1:{port}" in line and SANDBOX_OTP in line

		settings = ConnectionSettings(base_url=f"http://127.0.0.1:{port}", gstin=RECIPIENT, username="cli")
		client = GstnClient(settings)
		client.request_otp()
		client.authenticate(SANDBOX_OTP)
		assert client.get_counts().total == 60
		client.close()
	finally:
		process.send_signal(signal.SIGTERM)
		process.wait(timeout=10)
	assert process.returncode == 0
	saved = json.loads(path.read_text())
	assert sum(len(rows) for rows in saved["records"][RECIPIENT].values()) == 60


def test_sessions_and_gstns_key_survive_a_restart(tmp_path, connect):
	path, config = tmp_path / "enc.json", SandboxConfig(encrypted=True)
	with SandboxServer(state_path=path, port=0, config=config) as sb:
		sb.state.generate(RECIPIENT, 30, seed=4)
		client = connect(sb)
		public_key = sb.public_key_pem
		session = client.session
	with SandboxServer(state_path=path, port=0, config=config) as again:
		assert again.public_key_pem == public_key
		client = connect(again, login=False, gstn_public_key=public_key)
		client.store.save(session)  # the token a background job kept from before the restart
		assert client.get_counts().total == 30
		assert client.session["auth_token"] == session["auth_token"]  # no refresh was needed


def test_a_failed_state_write_leaves_no_temp_file_and_is_retried(tmp_path, monkeypatch):
	state = SandboxState(tmp_path / "s.json")
	state.generate(RECIPIENT, 10, seed=1)

	def refuse(*args):
		raise OSError("disk full")

	monkeypatch.setattr(os, "replace", refuse)
	with pytest.raises(OSError):
		state.flush()
	assert list(tmp_path.iterdir()) == [] and state.dirty
	monkeypatch.undo()
	assert state.flush() is True
	assert SandboxState(tmp_path / "s.json").counts(RECIPIENT)["all_oth"]["ttl_cnt"] == 10
