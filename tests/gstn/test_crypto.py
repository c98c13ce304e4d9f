"""GSTN payload protection: what one side seals the other opens; tampering or a wrong key is an
IntegrityError, never silently wrong data."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ims_compliance.gstn import crypto
from ims_compliance.gstn.errors import IntegrityError

PRIVATE, PUBLIC = crypto.generate_rsa_keypair()


@given(st.binary(max_size=2000))
def test_aes_round_trip(data):
	key = crypto.new_key()
	cipher = crypto.aes_encrypt(key, data)
	assert len(cipher) % 16 == 0 and cipher != data
	assert crypto.aes_decrypt(key, cipher) == data


def test_app_key_travels_under_gstns_public_key():
	app_key = crypto.new_key()
	assert crypto.rsa_decrypt(PRIVATE, crypto.rsa_encrypt(PUBLIC, app_key)) == app_key


def test_request_and_response_seals_open_with_the_session_key():
	sek = crypto.new_key()
	payload = {"b2b": [{"inum": "1", "val": 10.5}]}
	sealed = crypto.seal_request(sek, payload)
	assert "inum" not in sealed["data"]
	assert crypto.open_request(sek, sealed["data"], sealed["hmac"]) == payload
	response = crypto.seal_response(sek, payload)
	assert set(response) == {"data", "rek", "hmac"}
	assert crypto.open_response(sek, response) == payload


def test_a_changed_payload_or_wrong_key_is_refused():
	sek = crypto.new_key()
	response = crypto.seal_response(sek, {"a": 1})
	other = crypto.seal_response(sek, {"a": 2})
	with pytest.raises(IntegrityError):
		crypto.open_response(sek, {**response, "hmac": other["hmac"]})
	with pytest.raises(IntegrityError):
		crypto.open_response(crypto.new_key(), response)
	sealed = crypto.seal_request(sek, {"a": 1})
	with pytest.raises(IntegrityError):
		crypto.open_request(sek, sealed["data"], crypto.hmac_b64(sek, b"something else"))
