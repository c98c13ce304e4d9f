"""Sandbox and client fixtures: a sandbox on a free port per test, clients with tiny retry
delays so fault tests stay fast."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from ims_compliance.gstn.client import GstnClient
from ims_compliance.gstn.sandbox import SANDBOX_OTP, SandboxConfig, SandboxServer
from ims_compliance.gstn.settings import GSP, SANDBOX, ConnectionSettings, RetryPolicy

RECIPIENT = "27AAPFU0939F1ZV"
FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, jitter=0.5, seed=7)


@pytest.fixture
def sandbox(tmp_path) -> Iterator[SandboxServer]:
	with SandboxServer(state_path=tmp_path / "sandbox.json", port=0, flush_interval=0.2) as sb:
		yield sb


@pytest.fixture
def encrypted_sandbox(tmp_path) -> Iterator[SandboxServer]:
	config = SandboxConfig(encrypted=True, queue_threshold=50, part_size=40)
	with SandboxServer(state_path=tmp_path / "enc.json", port=0, config=config) as sb:
		yield sb


def make_settings(sb: SandboxServer, **overrides) -> ConnectionSettings:
	encrypted = sb.config.encrypted
	values = {
		"base_url": sb.url,
		"gstin": RECIPIENT,
		"username": "demo_user",
		"mode": GSP if encrypted else SANDBOX,
		"gstn_public_key": sb.public_key_pem if encrypted else None,
		"client_id": "client-id" if encrypted else "",
		"client_secret": "client-secret" if encrypted else "",
		"connect_timeout": 2.0,
		"read_timeout": 5.0,
		"retry": FAST_RETRY,
		"poll_interval": 0.02,
		"poll_timeout": 10.0,
		"ip_usr": "203.0.113.7" if encrypted else "",  # GSP mode wants the user's IP (TEST-NET-3)
		"est_unit": 0.01,  # the sandbox's est is in minutes, like GSTN's; tests do not wait them
	}
	values.update(overrides)
	return ConnectionSettings(**values)


@pytest.fixture
def connect() -> Iterator[Callable[..., GstnClient]]:
	"""connect(sb, login=True, **settings) -> a client, logged in with the sandbox OTP."""
	clients: list[GstnClient] = []

	def factory(sb: SandboxServer, *, login: bool = True, **overrides) -> GstnClient:
		client = GstnClient(make_settings(sb, **overrides))
		clients.append(client)
		if login:
			client.request_otp()
			client.authenticate(SANDBOX_OTP)
		return client

	yield factory
	for client in clients:
		client.close()
