"""What the Frappe layer's background jobs meet through the client. Downloads: a queued GETINV
(RTN_24 -> FILEDET) is parsed part by part as it arrives, errors name the index in the whole
section, queued files expire. Uploads: SAVE chunks fit the limit also once sealed, and each chunk
GSTN took is reported before a later one fails. Sessions shared by jobs through one store: a new
OTP request does not log a running job out, and two jobs refreshing at once do not either."""

from __future__ import annotations

import time

import pytest

from ims_compliance.core.errors import IMSValidationError
from ims_compliance.gstn.client import GstnClient
from ims_compliance.gstn.errors import GstnError, SessionExpired
from ims_compliance.gstn.sandbox import SANDBOX_OTP, SandboxConfig, SandboxServer
from ims_compliance.gstn.sandbox.generator import generate_records
from ims_compliance.gstn.settings import MemorySessionStore

from .conftest import RECIPIENT, make_settings


@pytest.fixture
def small_parts(tmp_path):
	config = SandboxConfig(queue_threshold=10, part_size=7)
	with SandboxServer(state_path=tmp_path / "s.json", port=0, config=config) as sb:
		yield sb


def b2b_rows(n: int, seed: int = 31) -> list[dict]:
	return [r for c, r in generate_records(n, seed=seed) if c == "B2B"]


def test_parts_arrive_one_list_each_and_parse_to_the_same_records(small_parts, connect):
	rows = b2b_rows(60)
	small_parts.state.add_records(RECIPIENT, {"b2b": rows})
	client = connect(small_parts)
	parts = list(client.raw_parts("B2B"))
	assert [len(p) for p in parts] == [7] * (len(rows) // 7) + ([len(rows) % 7] if len(rows) % 7 else [])
	records = client.get_records("B2B")
	assert [(r.supplier_gstin, r.document_number) for r in records] == [(r["stin"], r["inum"]) for r in rows]


def test_a_bad_record_in_a_later_part_names_its_index_in_the_whole_section(small_parts, connect):
	rows = b2b_rows(60)
	bad = 16  # the third part, second record
	rows[bad] = {**rows[bad], "idt": "2025/10/01"}
	small_parts.state.add_records(RECIPIENT, {"b2b": rows})
	client = connect(small_parts)
	with pytest.raises(IMSValidationError) as caught:
		client.get_records("B2B")
	assert (caught.value.location, caught.value.field) == (f"b2b[{bad}]", "idt")


def test_a_section_that_is_not_a_list_is_refused_by_name(sandbox, connect):
	client = connect(sandbox)
	sandbox.api._getinv = lambda gstin, section, base_url: {"b2b": {"inum": "1"}}
	with pytest.raises(IMSValidationError) as caught:
		client.get_records("B2B")
	assert caught.value.location == "b2b" and "list" in caught.value.message


def test_queued_files_expire_and_are_forgotten(tmp_path, connect):
	# a link's `expires` is in whole seconds: a TTL of 2 s leaves at least one to fetch the parts
	config = SandboxConfig(queue_threshold=10, part_size=7, file_ttl=2.0)
	with SandboxServer(state_path=tmp_path / "s.json", port=0, config=config) as sb:
		sb.state.add_records(RECIPIENT, {"b2b": b2b_rows(40)})
		client = connect(sb)
		first = client._ims_get("GETINV", section="B2B")["token"]
		assert client._ims_get("FILEDET", token=first)["urls"]
		time.sleep(2.1)
		with pytest.raises(GstnError, match="expired"):
			client._ims_get("FILEDET", token=first)
		assert sb.api.file_part(first, 0) is None
		assert client.get_records("B2B")  # a new GETINV queues a new file ...
		assert first not in sb.api.files  # ... and the expired one is gone from memory


def test_encrypted_save_bodies_are_split_so_the_sealed_body_fits_the_limit(tmp_path, connect):
	from ims_compliance.core.actions import Action
	from ims_compliance.gstn.payloads import ActionUpdate

	config = SandboxConfig(encrypted=True, max_body_bytes=20_000)
	with SandboxServer(state_path=tmp_path / "s.json", port=0, config=config) as sb:
		sb.state.add_records(RECIPIENT, {"b2b": b2b_rows(300)})
		client = connect(sb, max_body_bytes=20_000)
		chosen = [r for r in client.get_records("B2B") if r.gstn_action is Action.NO_ACTION][:100]
		references = client.save_actions([ActionUpdate(r, Action.ACCEPTED) for r in chosen], wait=True)
		# plain chunks of up to 20 kB would seal (AES + base64) to over 20 kB and be refused (413)
		assert len(references) >= 2
		assert sum(client.request_status(ref).processed for ref in references) == len(chosen)


def test_each_chunk_gstn_took_is_reported_before_a_later_failure(tmp_path, connect):
	from ims_compliance.core.actions import Action
	from ims_compliance.gstn.payloads import ActionUpdate
	from ims_compliance.gstn.sandbox import FaultPlan

	config = SandboxConfig(max_body_bytes=20_000)
	with SandboxServer(state_path=tmp_path / "s.json", port=0, config=config) as sb:
		sb.state.add_records(RECIPIENT, {"b2b": b2b_rows(300)})
		client = connect(sb, max_body_bytes=20_000, poll_timeout=0.3)
		chosen = [r for r in client.get_records("B2B") if r.gstn_action is Action.NO_ACTION][:120]
		sb.set_faults(FaultPlan(stuck_requests=True))  # the first chunk never leaves IP
		sent: list[tuple[str, dict]] = []
		with pytest.raises(GstnError, match="still in progress"):
			client.save_actions(
				[ActionUpdate(r, Action.ACCEPTED) for r in chosen],
				on_sent=lambda ref, body: sent.append((ref, body)),
			)
		((reference, body),) = sent
		assert reference in sb.state.requests
		numbers = [r["inum"] for r in body["data"]["invdata"]["b2b"]]
		assert 0 < len(numbers) < len(chosen) and numbers == [
			r.document_number for r in chosen[: len(numbers)]
		]


def test_requesting_a_new_otp_keeps_the_current_session_until_it_is_entered(sandbox, connect):
	client = connect(sandbox)
	token = client.session["auth_token"]
	client.request_otp()  # e.g. a user in the browser, while a download job runs
	assert client.session["auth_token"] == token
	assert client.get_counts().total == 0  # the job carries on
	client.authenticate(SANDBOX_OTP)
	assert client.session["auth_token"] != token


class StaleOnce(MemorySessionStore):
	"""A store shared with another job that read the session just before that job refreshed it."""

	def __init__(self, shared: MemorySessionStore, stale: dict):
		self.shared, self.stale = shared, [stale]

	def load(self) -> dict | None:
		return self.stale.pop() if self.stale else self.shared.load()

	def save(self, session: dict) -> None:
		self.shared.save(session)


def test_two_jobs_refreshing_one_shared_session_do_not_log_each_other_out(sandbox, connect):
	first = connect(sandbox)
	shared = first.store
	old = shared.load()
	first.refresh()  # job 1 refreshes; GSTN forgets the old token
	second = GstnClient(make_settings(sandbox), store=StaleOnce(shared, old))
	second.refresh()  # job 2 tries with the old token: refused, but job 1's new token is there
	assert shared.load()["auth_token"] != old["auth_token"] and second.has_session
	assert second.get_counts().total == 0 and first.get_counts().total == 0
	second.close()


def test_a_refused_refresh_of_the_current_token_still_asks_for_an_otp(sandbox, connect):
	client = connect(sandbox)
	sandbox.api.sessions.clear()  # GSTN forgot every session
	with pytest.raises(SessionExpired):
		client.get_counts()
	assert not client.has_session


def test_a_queued_answer_given_as_the_rtn_24_error_is_followed_too(small_parts, connect):
	"""GSTN has been seen to say "queued" both ways: data {token, est}, or error RTN_24 + token."""
	from ims_compliance.gstn import errors as codes
	from ims_compliance.gstn.sandbox.processing import Refusal

	rows = b2b_rows(30)
	small_parts.state.add_records(RECIPIENT, {"b2b": rows})
	queue = small_parts.api._getinv

	def as_error(gstin: str, section: str, base_url: str) -> dict:
		answer = queue(gstin, section, base_url)
		raise Refusal(codes.QUEUED, "request queued", http_status=200, **answer)

	small_parts.api._getinv = as_error
	client = connect(small_parts)
	assert [r.document_number for r in client.get_records("B2B")] == [r["inum"] for r in rows]


def test_get_sections_gives_each_section_as_get_records_does(small_parts, connect):
	"""Queued (more than 10 records: FILEDET parts of 7) and direct sections alike."""
	small_parts.state.generate(RECIPIENT, 240, seed=12)
	client = connect(small_parts)
	sections = ("B2B", "B2BA", "CN", "CNA", "DN", "DNA", "ECOM", "ECOMA", "IMPG")
	results = list(client.get_sections(sections))
	assert sorted(r.code for r in results) == sorted(sections)
	assert all(r.error is None for r in results)
	got = {r.code: r.records for r in results}
	assert got == {code: client.get_records(code) for code in sections}
	assert len(got["B2B"]) > 10 and 0 < len(got["DNA"]) <= 10  # both kinds were met


def test_on_part_gives_each_part_as_it_is_parsed_before_the_next_is_fetched(small_parts, connect):
	"""The download writes a queued section's first parts while GSTN serves its last ones: every
	part reaches on_part once, in order, before the following file part is fetched, and the
	parts of a section add up to its result."""
	small_parts.state.generate(RECIPIENT, 240, seed=12)
	client = connect(small_parts)
	fetched: list[int] = []
	file_part = small_parts.api.file_part
	small_parts.api.file_part = lambda token, index: (fetched.append(index), file_part(token, index))[1]
	seen: list[tuple[str, list, int]] = []
	results = {
		r.code: r.records
		for r in client.get_sections(
			("B2B", "DNA"), on_part=lambda code, records: seen.append((code, records, len(fetched)))
		)
	}
	b2b = [(records, parts_fetched) for code, records, parts_fetched in seen if code == "B2B"]
	assert len(b2b) == -(-len(results["B2B"]) // 7) > 1  # one call a part (parts of 7 records)
	assert [r for records, _n in b2b for r in records] == results["B2B"]
	# part k reached on_part when k parts had been fetched, not after the last
	assert [parts_fetched for _records, parts_fetched in b2b] == list(range(1, len(b2b) + 1))
	assert [records for code, records, _n in seen if code == "DNA"] == [results["DNA"]]
	assert [code for code, _r, _n in seen].index("DNA") == 0  # a direct answer first, as it came


def test_queued_sections_wait_for_gstn_together_not_one_after_another(tmp_path):
	"""Every GETINV goes out before the first FILEDET, and each file is first polled `est`
	after its own GETINV: the waits overlap instead of adding up (est 1 minute = 0.3 s here)."""
	config = SandboxConfig(queue_threshold=10, part_size=50)
	with SandboxServer(state_path=tmp_path / "s.json", port=0, config=config) as sb:
		sb.state.generate(RECIPIENT, 400, seed=12)
		calls: list[tuple[str, str, float]] = []
		getinv, filedet = sb.api._getinv, sb.api._filedet

		def recorded_getinv(gstin, section, base_url):
			calls.append(("GETINV", section, time.monotonic()))
			return getinv(gstin, section, base_url)

		def recorded_filedet(gstin, token):
			calls.append(("FILEDET", token, time.monotonic()))
			return filedet(gstin, token)

		sb.api._getinv, sb.api._filedet = recorded_getinv, recorded_filedet
		client = GstnClient(make_settings(sb, est_unit=0.3))
		client.request_otp()
		client.authenticate(SANDBOX_OTP)
		waits: list[float] = []
		client.sleep = lambda seconds: (waits.append(seconds), time.sleep(seconds))
		results = list(client.get_sections(("B2B", "CN", "DN", "ECOM")))
		queued = sum(
			len(sb.state.section_records(RECIPIENT, code)) > 10 for code in ("B2B", "CN", "DN", "ECOM")
		)
		assert queued >= 3 and all(r.error is None and r.records for r in results)
		kinds = [kind for kind, _name, _at in calls]
		assert kinds == ["GETINV"] * 4 + ["FILEDET"] * queued
		asked = [at for kind, _name, at in calls if kind == "GETINV"]
		polled = [at for kind, _name, at in calls if kind == "FILEDET"]
		assert polled[0] - asked[0] >= 0.29  # never before GSTN's estimate
		assert sum(waits) < 0.3 + 0.1  # one estimate in all, not one per queued section
		client.close()


def test_a_section_that_fails_is_reported_and_the_others_still_come(sandbox, connect):
	sandbox.state.generate(RECIPIENT, 120, seed=3)
	getinv = sandbox.api._getinv
	sandbox.api._getinv = lambda gstin, section, base_url: (
		{"b2bcn": {"nt_num": "1"}} if section == "CN" else getinv(gstin, section, base_url)
	)
	client = connect(sandbox)
	results = {r.code: r for r in client.get_sections(("B2B", "CN", "DN"))}
	assert isinstance(results["CN"].error, IMSValidationError) and results["CN"].records == []
	assert results["B2B"].records and results["DN"].records
	assert results["B2B"].error is None and results["DN"].error is None


def test_closing_get_sections_stops_its_calls(sandbox, connect):
	sandbox.state.generate(RECIPIENT, 120, seed=3)
	client = connect(sandbox)

	def getinvs() -> int:
		return sum(n for name, n in sandbox.api.calls.items() if name.endswith(" GETINV"))

	before = getinvs()
	results = client.get_sections(("B2B", "CN", "DN", "ECOM"))
	first = next(results)
	results.close()
	assert first.code == "B2B" and first.records
	assert getinvs() - before == 1
