"""The client in GSP mode against the independent sandbox (written from the published rules by
someone else, importing none of the client's names), through each GSP profile: OTP login,
GETCNT, GETINV small and queued (RTN_24 -> FILEDET parts), SAVE then REQSTS P and PE with its
error report, RESETIMS, GEN2B / GENSTS2B, REFRESHTOKEN; HTTP 429 and AUTH403 as typed stops."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ims_compliance.core.actions import Action
from ims_compliance.gstn.client import GstnClient
from ims_compliance.gstn.errors import CreditsExhausted, StopJob, TooManySessions
from ims_compliance.gstn.payloads import ActionUpdate
from ims_compliance.gstn.sandbox import SANDBOX_OTP, SandboxConfig, SandboxServer
from ims_compliance.gstn.sandbox.generator import generate_records
from ims_compliance.gstn.settings import GSP, ConnectionSettings, PollPolicy

from .conftest import FAST_RETRY, RECIPIENT

ASP_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ASP_PRIVATE = ASP_KEY.private_bytes(
	serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
ASP_PUBLIC = (
	ASP_KEY.public_key()
	.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
	.decode()
)
FAST_POLL = PollPolicy(first=0.02, backoff=1.5, max_interval=0.2, max_polls=100, timeout=20, est_unit=0.01)

GATES = {
	"plain": {"clientid": "cid-1", "client-secret": "csecret-1"},
	"vayana": {"public_key": ASP_PUBLIC},
	"taxpro": {"aspid": "asp-7", "asp_secret": "asp-secret-7"},
}
CREDENTIALS = {
	"plain": {},
	"vayana": {"cust_id": "", "asp_private_key": ASP_PRIVATE},
	"taxpro": {"asp_id": "asp-7", "asp_secret": "asp-secret-7", "asp_private_key": ASP_PRIVATE},
}


def gsp_sandbox(tmp_path, profile: str, **config) -> SandboxServer:
	values = {
		"encrypted": True,
		"queue_threshold": 50,
		"part_size": 40,
		"gsp": profile,
		"gsp_credentials": GATES[profile],
		**config,
	}
	return SandboxServer(state_path=tmp_path / f"{profile}.json", port=0, config=SandboxConfig(**values))


def gsp_client(sb: SandboxServer, profile: str, *, login: bool = True, **overrides) -> GstnClient:
	values = {
		"base_url": sb.url,
		"gstin": RECIPIENT,
		"username": "demo_user",
		"mode": GSP,
		"gstn_public_key": sb.certificate_pem,
		"gsp_profile": profile,
		"client_id": "cid-1",
		"client_secret": "csecret-1",
		"credentials": CREDENTIALS[profile],
		"ip_usr": "203.0.113.7",
		"retry": FAST_RETRY,
		"poll": FAST_POLL,
		**overrides,
	}
	client = GstnClient(ConnectionSettings(**values))
	if profile == "taxpro":
		# GetKey: the sandbox's stand-in hands out the ASP session (its own docs say so)
		session = sb.control("gsp-session", {"aspid": "asp-7"})
		client.store.save(
			{"gsp": {"session_id": session["session_id"], "asp_ek": session["ek"], "expires_at": 1e12}}
		)
	if login:
		client.request_otp()
		client.authenticate(SANDBOX_OTP)
	return client


@pytest.mark.parametrize("profile", ["plain", "vayana", "taxpro"])
def test_the_whole_conversation_interoperates_through_each_gsp_profile(tmp_path, profile):
	with gsp_sandbox(tmp_path, profile) as sb:
		pairs = generate_records(160, seed=21)
		sb.state.add_records(RECIPIENT, pairs)
		client = gsp_client(sb, profile)
		assert client.session.get("sek")
		counts = client.get_counts()
		assert counts.total == 160
		records = client.get_all_records(
			["B2B", "CN"]
			if profile != "taxpro"
			else [s for s in counts.by_section if sum(counts.by_section[s].values()) <= 50]
		)
		assert records
		if profile != "taxpro":  # TaxPro parts go through its DownloadGstrFile API, not served here
			assert len(records["B2B"]) > 50  # queued (RTN_24) and read from FILEDET parts
		section = next(iter(records))
		fresh = [r for r in records[section] if r.gstn_action is Action.NO_ACTION][:3]
		# GSTN refuses the third one (PE with its error report); the other two are processed
		sb.control(
			"refuse",
			{
				"gstin": RECIPIENT,
				"section": section,
				"stin": fresh[2].supplier_gstin,
				"number": fresh[2].document_number,
				"code": "IMSSAV0010",
				"message": "previous status mismatch",
			},
		)
		(ref,) = client.save_actions([ActionUpdate(r, Action.ACCEPTED) for r in fresh], wait=True)
		status = client.request_status(ref)
		assert status.status == "PE" and status.errors == 1
		assert status.record_errors[0].document_number == fresh[2].document_number
		(ref,) = client.save_actions(
			[ActionUpdate(fresh[0], Action.REJECTED, prev_status=Action.ACCEPTED)], wait=True
		)
		assert client.request_status(ref).status == "P"
		back = [
			dataclasses.replace(fresh[0], gstn_action=Action.REJECTED),
			dataclasses.replace(fresh[1], gstn_action=Action.ACCEPTED),
		]
		(ref,) = client.reset_actions(back, wait=True)
		assert client.request_status(ref).status == "P"
		assert client.wait_for_2b(client.generate_2b("102025")).ok
		token = client.session["auth_token"]
		client.refresh()
		assert client.session["auth_token"] != token and client.get_counts().total == 160
		assert client.calls >= 10  # every HTTP request counted (what the GSP bills)


def test_a_gsp_refuses_a_client_without_its_credentials(tmp_path):
	with gsp_sandbox(tmp_path, "plain") as sb:
		client = gsp_client(sb, "plain", login=False, client_secret="wrong")
		with pytest.raises(Exception, match="client-secret"):
			client.request_otp()


def test_http_429_stops_the_job_with_a_clear_typed_error(tmp_path):
	with gsp_sandbox(tmp_path, "plain", call_budget=3) as sb:
		sb.state.add_records(RECIPIENT, generate_records(20, seed=3))
		client = gsp_client(sb, "plain")
		with pytest.raises(CreditsExhausted) as caught:
			for _ in range(5):
				client.get_counts()
		assert isinstance(caught.value, StopJob) and "credits" in caught.value.message
		assert caught.value.http_status == 429


def test_auth403_too_many_sessions_is_a_clear_typed_error(tmp_path):
	with gsp_sandbox(tmp_path, "plain", max_sessions=1) as sb:
		gsp_client(sb, "plain")
		second = gsp_client(sb, "plain", login=False)
		second.request_otp()
		with pytest.raises(TooManySessions, match="too many GSTN sessions"):
			second.authenticate(SANDBOX_OTP)


def test_a_cap_on_calls_per_job_stops_before_the_call_that_would_exceed_it(tmp_path):
	with gsp_sandbox(tmp_path, "plain") as sb:
		sb.state.add_records(RECIPIENT, generate_records(20, seed=3))
		client = gsp_client(sb, "plain", max_calls=3)  # OTPREQUEST, AUTHTOKEN, one more
		client.get_counts()
		served = sum(sb.control("calls", {}).values())
		with pytest.raises(StopJob, match="cap of 3"):
			client.get_counts()
		assert sum(sb.control("calls", {}).values()) == served  # the refused call was never sent


def test_filedet_is_first_polled_after_est_then_backs_off(tmp_path):
	"""GSTN's `est` (minutes, here scaled by est_unit) sets the first FILEDET poll; REQSTS waits grow."""
	with gsp_sandbox(tmp_path, "plain", file_delay=0.05) as sb:
		sb.state.add_records(RECIPIENT, generate_records(120, seed=5))
		waits: list[float] = []
		policy = PollPolicy(
			first=0.01, backoff=2.0, max_interval=0.08, max_polls=50, timeout=20, est_unit=0.07
		)
		client = gsp_client(sb, "plain", poll=policy)
		client.sleep = lambda s: (waits.append(s), __import__("time").sleep(s))
		client.get_records("B2B")
		assert waits[0] == pytest.approx(0.07)  # est 1 (minute) x est_unit: no poll before it
		assert policy.delays()[:5] == [0.01, 0.02, 0.04, 0.08, 0.08]
		assert len(PollPolicy(first=1, backoff=2, max_interval=60, max_polls=7, timeout=1e6).delays()) == 7


def test_a_refresh_keeps_the_gsp_session_and_the_users_ip_stored_with_the_session(tmp_path):
	with gsp_sandbox(tmp_path, "taxpro") as sb:
		client = gsp_client(sb, "taxpro")
		client.store.save({**client.session, "ip_usr": "198.51.100.4"})
		gsp_state = client.session["gsp"]
		client.refresh()
		assert client.session["gsp"] == gsp_state and client.session["ip_usr"] == "198.51.100.4"
