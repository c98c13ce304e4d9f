"""Retry policy and log redaction."""

from __future__ import annotations

from ims_compliance.gstn.settings import ConnectionSettings, RetryPolicy
from ims_compliance.gstn.transport import redact


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
	assert settings.url("returns/ims") == "http://h:1/taxpayerapi/v1.0/returns/ims"
	assert settings.state_cd == "27"
