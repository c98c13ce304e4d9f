"""Everything GSTN, a GSP or a user's portal file sends is untrusted: the readers of REQSTS,
counts and portal files raise only the typed errors, however odd the input (counts of infinity,
nesting deeper than the JSON decoder goes, non-text periods), and the sandbox answers a broken
encrypted call or its own bug with GSTN's error envelope instead of dropping the connection."""

from __future__ import annotations

import json

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ims_compliance.core.errors import IMSValidationError
from ims_compliance.gstn import crypto
from ims_compliance.gstn.errors import GstnUnavailable, ProtocolError
from ims_compliance.gstn.offline import import_portal_json
from ims_compliance.gstn.payloads import parse_counts, parse_request_status

from .conftest import RECIPIENT

scalars = (
	st.none()
	| st.booleans()
	| st.integers()
	| st.floats()
	| st.text(max_size=12)
	| st.sampled_from(["P", "PE", "IP", "ER", "b2b", "cn", "dn", "ttl_cnt", "all_oth", "102025"])
)
json_values = st.recursive(
	scalars,
	lambda children: (
		st.lists(children, max_size=4)
		| st.dictionaries(
			st.sampled_from(
				[
					"status_cd",
					"error_report",
					"inv",
					"inum",
					"rtnprd",
					"all_oth",
					"b2b",
					"cn",
					"ttl_cnt",
					"accept",
				]
			)
			| st.text(max_size=6),
			children,
			max_size=4,
		)
	),
	max_leaves=16,
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_fuzz_gstn_status_and_count_readers_raise_only_the_typed_error(data):
	for reader in (parse_request_status, parse_counts):
		try:
			result = reader(data)
		except IMSValidationError:
			continue
		if reader is parse_request_status:
			assert result.status in ("IP", "P", "PE", "ER")
			assert all(
				e.supplier_period is None or isinstance(e.supplier_period, str) for e in result.record_errors
			)
		else:
			assert isinstance(result.total, int)
			assert all(isinstance(n, int) for c in result.by_section.values() for n in c.values())


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
def test_fuzz_portal_files_are_read_or_refused_with_the_typed_error(content):
	try:
		imported = import_portal_json(content)
	except IMSValidationError:
		return
	assert imported.count == sum(len(v) for v in imported.records.values())


def test_an_infinite_count_reads_as_zero_not_a_crash():
	counts = parse_counts(
		{"all_oth": {"b2b": {"accept": float("inf"), "pending": 2}}, "ttl_cnt": float("inf")}
	)
	assert counts.by_section["B2B"][next(iter(counts.by_section["B2B"]))] == 0
	assert counts.total == 0


def test_an_error_reports_period_is_text_whatever_gstn_sent():
	status = parse_request_status(
		{
			"status_cd": "PE",
			"error_report": {"cn": [{"stin": RECIPIENT, "inv": [{"nt_num": 7, "rtnprd": 102025}]}]},
		}
	)
	(error,) = status.record_errors
	assert (error.section, error.document_number, error.supplier_period) == ("CN", "7", "102025")


def test_a_portal_file_nested_deeper_than_json_allows_is_refused_as_not_json():
	with pytest.raises(IMSValidationError, match="not valid JSON"):
		import_portal_json(b"[" * 200_000 + b"]" * 200_000)


def test_a_sealed_request_that_is_not_json_is_a_protocol_error():
	sek = crypto.new_key()
	plain = b"not json at all"
	with pytest.raises(ProtocolError):
		crypto.open_request(sek, crypto.b64(crypto.aes_encrypt(sek, plain)), crypto.hmac_b64(sek, plain))


def test_an_encrypted_refresh_with_a_garbage_app_key_gets_gstns_error_envelope(encrypted_sandbox, connect):
	client = connect(encrypted_sandbox)
	answer = requests.post(
		client.settings.url("authenticate"),
		headers={"gstin": RECIPIENT, "username": "demo_user"},
		json={
			"action": "REFRESHTOKEN",
			"username": "demo_user",
			"auth_token": client.session["auth_token"],
			"app_key": "@@",
		},
		timeout=5,
	)
	body = answer.json()
	assert answer.status_code == 400 and body["status_cd"] == "0" and body["error"]["error_cd"]


def test_a_sandbox_bug_reaches_the_client_as_a_500_envelope(sandbox, connect):
	client = connect(sandbox)

	def broken(*args, **kwargs):
		raise RuntimeError("boom")

	sandbox.api.handle = broken
	answer = requests.get(client.settings.url("ims"), params={"action": "GETCNT"}, timeout=5)
	assert answer.status_code == 500 and answer.json()["error"]["error_cd"] == "SYS500"
	assert "boom" in answer.json()["error"]["message"]
	with pytest.raises(GstnUnavailable, match="HTTP 500"):  # 5xx: retried, then a clear error
		client.get_counts()
