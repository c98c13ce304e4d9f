"""Retry policy, which failures are retried (a PUT only when it cannot have reached GSTN), and
log redaction."""

from __future__ import annotations

import socket

import pytest

from ims_compliance.core.actions import Action
from ims_compliance.gstn.errors import GstnUnavailable
from ims_compliance.gstn.payloads import ActionUpdate
from ims_compliance.gstn.sandbox import FaultPlan
from ims_compliance.gstn.settings import ConnectionSettings, RetryPolicy
from ims_compliance.gstn.transport import Transport, redact

from .conftest import FAST_RETRY, RECIPIENT


def test_backoff_grows_exponentially_within_jitter_and_is_reproducible():
	policy = RetryPolicy(attempts=5, base_delay=1.0, max_delay=5.0, jitter=0.25, seed=3)
	delays = policy.delays()
	assert len(delays) == 4
	for delay, nominal in zip(delays, (1, 2, 4, 5), strict=True):
		assert nominal * 0.75 <= delay <= nominal * 1.25
	assert delays == RetryPolicy(attempts=5, base_delay=1.0, max_delay=5.0, jitter=0.25, seed=3).delays()
	assert delays != RetryPolicy(attempts=5, base_delay=1.0, max_delay=5.0, jitter=0.25, seed=4).delays()


def test_secrets_are_masked_at_any_depth():
	masked = redact(
		{"auth-token": "t0k", "body": {"otp": "575757", "app_key": "k", "data": [{"sek": "s", "inum": "1"}]}}
	)
	assert masked == {
		"auth-token": "***",
		"body": {"otp": "***", "app_key": "***", "data": [{"sek": "***", "inum": "1"}]},
	}


def test_urls_join_base_prefix_and_path():
	settings = ConnectionSettings(base_url="http://h:1/", gstin="27AAPFU0939F1ZV", username="u")
	assert settings.url("ims") == "http://h:1/taxpayerapi/v1.0/returns/ims"
	assert settings.url("authenticate") == "http://h:1/taxpayerapi/v1.0/authenticate"
	assert settings.state_cd == "27"


def _closed_port() -> int:
	with socket.socket() as sock:
		sock.bind(("127.0.0.1", 0))
		return sock.getsockname()[1]


def test_a_put_that_never_connected_is_retried():
	exchanges: list[dict] = []
	transport = Transport(
		connect_timeout=1,
		read_timeout=1,
		retry=FAST_RETRY,
		on_exchange=exchanges.append,
		sleep=lambda s: None,
	)
	with pytest.raises(GstnUnavailable) as caught:
		transport.json("PUT", f"http://127.0.0.1:{_closed_port()}/returns/ims", body={"action": "SAVE"})
	assert caught.value.attempts == FAST_RETRY.attempts == len(exchanges)
	assert "outcome is unknown" not in str(caught.value)


def test_a_put_whose_connection_dropped_after_sending_is_not_resent(sandbox, connect):
	sandbox.state.generate(RECIPIENT, 60, seed=3)
	client = connect(sandbox)
	record = next(r for r in client.get_records("B2B") if r.gstn_action is Action.NO_ACTION)
	exchanges: list[dict] = []
	client.transport.on_exchange = exchanges.append
	sandbox.set_faults(FaultPlan(drop_rate=1.0))
	with pytest.raises(GstnUnavailable, match="outcome is unknown") as caught:
		client.save_actions([ActionUpdate(record, Action.ACCEPTED)])
	assert caught.value.attempts == 1 and len(exchanges) == 1
	with pytest.raises(GstnUnavailable) as caught:  # a GET under the same fault is retried
		client.get_counts()
	assert caught.value.attempts == FAST_RETRY.attempts
