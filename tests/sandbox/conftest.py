"""A plain and an encrypted sandbox per test, and a SAVE/RESET record built from a stored
GETINV record with exactly the published schema's keys (save.json / reset.json)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ims_compliance.gstn.sandbox import SandboxConfig, SandboxServer

from .published_client import RECIPIENT, PublishedClient

#: save.json's b2b record keys (in-co-sandbox-docs data/gst/schema/request/taxpayer/invoices)
B2B_KEYS = (
	"stin",
	"rtnprd",
	"srcform",
	"inum",
	"idt",
	"inv_typ",
	"pos",
	"val",
	"txval",
	"iamt",
	"camt",
	"samt",
	"cess",
)

#: save.json's credit and debit note record keys: the b2b keys with the note's number and date
NOTE_KEYS = tuple({"inum": "nt_num", "idt": "nt_dt"}.get(key, key) for key in B2B_KEYS)


def save_record(stored: dict, action: str | None, *, prev_status: str | None = None) -> dict:
	record = {key: stored[key] for key in B2B_KEYS}
	if action is not None:
		record["action"] = action
	record["prev_status"] = prev_status or stored["action"]
	return record


def body(kind: str, records: list[dict], rtin: str = RECIPIENT) -> dict:
	return {"rtin": rtin, "reqtyp": kind, "invdata": {"b2b": records}}


@pytest.fixture
def plain(tmp_path) -> Iterator[SandboxServer]:
	with SandboxServer(state_path=tmp_path / "plain.json", port=0, flush_interval=0.2) as sb:
		sb.state.generate(RECIPIENT, 60, seed=3)
		yield sb


@pytest.fixture
def enc(tmp_path) -> Iterator[SandboxServer]:
	config = SandboxConfig(encrypted=True, queue_threshold=20, part_size=15)
	with SandboxServer(state_path=tmp_path / "enc.json", port=0, config=config) as sb:
		sb.state.generate(RECIPIENT, 60, seed=3)
		yield sb


@pytest.fixture
def client(enc) -> PublishedClient:
	c = PublishedClient(enc.url)
	assert c.login()["status_cd"] == "1"
	return c


def unfiled_free_b2b(sb: SandboxServer, action: str = "N") -> list[dict]:
	return [r for r in sb.state.section_records(RECIPIENT, "B2B") if r["action"] == action]
