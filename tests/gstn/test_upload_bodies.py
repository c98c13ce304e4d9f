"""Issue 18: SAVE/RESETIMS bodies serialised once, filled to GSTN's 4 MB limit by their exact
wire size (records as the sandbox generates them, remarks in Hindi included), sent as
serialised in plain and GSP (encrypted) mode, and re-fitted when rows grew after planning."""

from __future__ import annotations

import functools
import json
import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ims_compliance.core.actions import Action
from ims_compliance.core.errors import IMSValidationError
from ims_compliance.gstn import crypto
from ims_compliance.gstn.client import GstnClient
from ims_compliance.gstn.payloads import (
	RESET_REQUEST,
	SAVE_REQUEST,
	PreparedBody,
	chunk_prepared,
	record_json,
)
from ims_compliance.gstn.protocol import MAX_BODY_BYTES, parse_section
from ims_compliance.gstn.sandbox.generator import generate_records
from ims_compliance.gstn.upload import PendingAction, fit_body, plan_requests

from .conftest import RECIPIENT, make_settings

HINDI = "आंशिक रूप से उलटा: आपूर्तिकर्ता से पुष्टि"  # 3 bytes a character in UTF-8, 6 as \u escapes


@functools.cache
def records(n: int, seed: int = 5) -> tuple:
	pairs = generate_records(n, seed=seed, recipient_gstin=RECIPIENT)
	out = []
	for code in sorted({c for c, _ in pairs}):
		out.extend(parse_section(code, [r for c, r in pairs if c == code]))
	return tuple(out)


def pending(n: int, seed: int = 5, *, copies: int = 1) -> list[PendingAction]:
	"""Every record with an action other than GSTN's, as a user would leave them: Accept with
	R7's answer and remarks (some in Hindi), Reject, Pending where allowed, back to No Action.
	`copies`: the records again under other row names (bodies past 4 MB without generating and
	parsing 40,000 records)."""
	out = []
	for i, record in enumerate(records(n, seed)):
		if record.gstn_action is not Action.NO_ACTION:
			action = Action.NO_ACTION
		else:
			action = (Action.ACCEPTED, Action.REJECTED, Action.PENDING)[i % 3]
			if action is Action.PENDING and record.pending_blocked:
				action = Action.REJECTED
		if action is Action.REJECTED and record.section.startswith("IMPG"):
			action = Action.ACCEPTED
		if action is Action.ACCEPTED:
			record = replace(record, itc_reduction_required="Y", remarks=HINDI if i % 5 == 0 else None)
		for copy in range(copies):
			out.append(PendingAction(name=f"row-{copy}-{i:06d}", record=record, action=action))
	return out


def wire_of(body: PreparedBody) -> bytes:
	return json.dumps(body.as_dict(), separators=(",", ":"), ensure_ascii=False).encode()


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1_500, max_value=40_000), st.integers(min_value=1, max_value=250))
def test_prepared_bodies_are_their_dicts_json_within_the_limit_with_every_record_once(limit, count):
	items = []
	for item in pending(250, seed=3)[:count]:
		items.append(item.wire_record())
	chunks = chunk_prepared(RECIPIENT, SAVE_REQUEST, items, limit)
	seen = []
	for body, indices in chunks:
		assert body.wire == wire_of(body)  # the bytes sent are the JSON of the body, exactly
		assert len(body.wire) <= limit
		invdata = body.as_dict()["data"]["invdata"]
		in_body = [
			json.dumps(r, separators=(",", ":"), ensure_ascii=False).encode()
			for k in invdata
			for r in invdata[k]
		]
		assert in_body == [items[i][1] for i in indices]  # indices follow the body's order
		assert body.records == len(indices)
		seen.extend(indices)
	assert sorted(seen) == list(range(count))


def test_the_planner_fills_bodies_to_gstns_limit_with_real_records_and_never_passes_it():
	items = pending(5_000, copies=4)  # 20,000 records, 4.6 MB of SAVEs
	plan = plan_requests(RECIPIENT, items)
	assert not plan.refused
	assert MAX_BODY_BYTES <= 4 * 1024 * 1024  # "4 MB" under either reading
	by_kind: dict[str, list] = {SAVE_REQUEST: [], RESET_REQUEST: []}
	for request in plan.requests:
		by_kind[request.kind].append(request)
		assert len(request.prepared.wire) <= MAX_BODY_BYTES
		assert request.prepared.wire == wire_of(request.prepared)
	largest = max(len(record_json(p.payload())) for p in items) + 16
	for kind, requests in by_kind.items():
		sizes = [len(r.prepared.wire) for r in requests]
		assert all(size > MAX_BODY_BYTES - largest for size in sizes[:-1]), kind  # filled
		# as few requests as the bytes allow: one more would be needed only past the limit
		assert len(requests) == math.ceil(sum(sizes) / MAX_BODY_BYTES), kind
	assert len(by_kind[SAVE_REQUEST]) >= 2
	assert sum(len(r.names) for r in plan.requests) == len(items)


def test_in_gsp_mode_the_sealed_body_stays_within_the_limit(encrypted_sandbox):
	client = GstnClient(make_settings(encrypted_sandbox))
	limit = client.max_plain_bytes
	plan = plan_requests(RECIPIENT, pending(5_000, copies=3), max_bytes=limit)
	largest = max(plan.requests, key=lambda r: len(r.prepared.wire)).prepared
	assert len(largest.wire) > limit - 2_000  # filled to the plain limit
	sealed = {"action": largest.action, **crypto.seal_json(crypto.new_key(), largest.data)}
	assert len(json.dumps(sealed, separators=(",", ":")).encode()) <= MAX_BODY_BYTES
	client.close()


def test_fit_body_sends_what_fits_and_names_what_no_longer_does():
	items = [p.wire_record() for p in pending(60, seed=8) if p.kind == SAVE_REQUEST]
	whole = chunk_prepared(RECIPIENT, SAVE_REQUEST, items, 10**9)[0][0]
	body, fitted, overflow = fit_body(RECIPIENT, SAVE_REQUEST, items, max_bytes=len(whole.wire))
	assert (fitted, overflow) == (list(range(len(items))), [])  # exactly at the limit: all fit
	grown = [
		*items[:10],
		(items[10][0], items[10][1][:-1] + b',"remarks":"' + b"x" * 5000 + b'"}'),
		*items[11:],
	]
	body, fitted, overflow = fit_body(RECIPIENT, SAVE_REQUEST, grown, max_bytes=len(whole.wire))
	assert overflow and sorted(fitted + overflow) == list(range(len(items)))
	assert len(body.wire) <= len(whole.wire)
	empty, fitted, overflow = fit_body(RECIPIENT, RESET_REQUEST, [], max_bytes=1000)
	assert (empty.records, fitted, overflow) == (0, [], [])
	assert empty.as_dict()["data"] == {"rtin": RECIPIENT, "reqtyp": "RESET", "invdata": {}}
	with pytest.raises(IMSValidationError, match="alone is larger"):
		fit_body(RECIPIENT, SAVE_REQUEST, items, max_bytes=200)


@pytest.mark.parametrize("mode", ["plain", "gsp"])
def test_a_prepared_body_is_sent_as_serialised_and_gstn_takes_every_record(
	mode, sandbox, encrypted_sandbox, connect
):
	sb = encrypted_sandbox if mode == "gsp" else sandbox
	sb.state.generate(RECIPIENT, 300, seed=4)
	client = connect(sb)
	fresh = [r for r in client.get_records("B2B") if r.gstn_action is Action.NO_ACTION][:40]
	items = [
		PendingAction(f"row-{i}", r, Action.REJECTED if i % 2 else Action.PENDING)
		for i, r in enumerate(fresh)
	]
	(request,) = plan_requests(RECIPIENT, items, max_bytes=client.max_plain_bytes).requests
	exchanges: list[dict] = []
	client.transport.on_exchange = exchanges.append
	reference = client.send_body(request.prepared)
	assert client.wait_for_request(reference).processed == len(items)
	after = {(r.supplier_gstin, r.document_number): r.gstn_action for r in client.get_records("B2B")}
	for item in items:
		assert after[(item.record.supplier_gstin, item.record.document_number)] is item.action
	put = next(e for e in exchanges if e.get("method") == "PUT" and "request" in e)
	logged = json.dumps(put["request"])
	assert len(logged) < 3000  # the log keeps a clipped copy, not the body
	if mode == "plain":
		assert "bytes)" in put["request"] or len(request.prepared.wire) <= 2000
