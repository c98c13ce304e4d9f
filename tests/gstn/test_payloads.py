"""The one SAVE/RESETIMS builder (chunked under 4 MB, R4/R5/N checked) and the REQSTS and
counts readers (note errors under cn/dn)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ims_compliance.core.actions import Action
from ims_compliance.core.errors import IMSValidationError
from ims_compliance.gstn.payloads import (
	ActionUpdate,
	body_size,
	build_reset_bodies,
	build_save_bodies,
	parse_counts,
	parse_request_status,
)
from ims_compliance.gstn.protocol import parse_section
from ims_compliance.gstn.sandbox.generator import generate_records

RECIPIENT = "27AAPFU0939F1ZV"


def records(n: int = 300, seed: int = 2) -> list:
	pairs = generate_records(n, seed=seed)
	out = []
	for code in {c for c, _ in pairs}:
		out.extend(parse_section(code, [r for c, r in pairs if c == code]))
	return out


def test_save_body_has_gstns_envelope_action_and_prev_status():
	record = next(r for r in records() if r.section == "B2B" and r.gstn_action is Action.NO_ACTION)
	(body,) = build_save_bodies(RECIPIENT, [ActionUpdate(record, Action.ACCEPTED, remarks="ok")])
	assert body["action"] == "SAVE"
	assert body["data"]["rtin"] == RECIPIENT and body["data"]["reqtyp"] == "SAVE"
	(sent,) = body["data"]["invdata"]["b2b"]
	assert (sent["action"], sent["prev_status"], sent["remarks"]) == ("A", "N", "ok")
	assert sent["inum"] == record.document_number and sent["stin"] == record.supplier_gstin
	assert "hash" not in sent and "srcfilstatus" not in sent and "ispendactblocked" not in sent


def test_reset_body_carries_records_without_action():
	some = records()[:5]
	(body,) = build_reset_bodies(RECIPIENT, some)
	assert body["action"] == "RESETIMS" and body["data"]["reqtyp"] == "RESET"
	sent = [r for rows in body["data"]["invdata"].values() for r in rows]
	assert len(sent) == 5 and all("action" not in r for r in sent)


def test_no_action_cannot_be_saved_only_reset():
	record = records()[0]
	with pytest.raises(IMSValidationError, match="RESETIMS"):
		build_save_bodies(RECIPIENT, [ActionUpdate(record, Action.NO_ACTION)])


def test_r5_pending_is_refused_where_gstn_blocks_it_unless_not_strict():
	blocked = next(r for r in records() if r.pending_blocked)
	with pytest.raises(IMSValidationError, match="R5"):
		build_save_bodies(RECIPIENT, [ActionUpdate(blocked, Action.PENDING)])
	assert build_save_bodies(RECIPIENT, [ActionUpdate(blocked, Action.PENDING)], strict=False)


def test_r4_a_bill_of_entry_cannot_be_rejected():
	boe = parse_section(
		"IMPG",
		[
			{
				"boenum": "1234567",
				"boedt": "01-10-2025",
				"rtnprd": "102025",
				"val": 100,
				"txval": 100,
				"iamt": 18,
			}
		],
	)[0]
	with pytest.raises(IMSValidationError, match="R4"):
		build_save_bodies(RECIPIENT, [ActionUpdate(boe, Action.REJECTED)])
	assert build_save_bodies(RECIPIENT, [ActionUpdate(boe, Action.ACCEPTED)])


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=2_000, max_value=60_000), st.integers(min_value=1, max_value=300))
def test_bodies_stay_under_the_limit_and_keep_every_record_once(limit, count):
	some = records(300)[:count]
	bodies = build_save_bodies(
		RECIPIENT, [ActionUpdate(r, Action.REJECTED) for r in some], max_bytes=limit, strict=False
	)
	assert all(body_size(b) <= limit for b in bodies)
	assert all(len(json.dumps(b, separators=(",", ":")).encode()) <= limit for b in bodies)
	sent = [
		(r["stin"], r.get("inum") or r.get("nt_num"))
		for b in bodies
		for rows in b["data"]["invdata"].values()
		for r in rows
	]
	assert sorted(sent) == sorted((r.supplier_gstin, r.document_number) for r in some)


def test_the_default_limit_is_gstns_4_mb():
	many = records(6000)
	bodies = build_save_bodies(RECIPIENT, [ActionUpdate(r, Action.REJECTED) for r in many] * 4, strict=False)
	assert len(bodies) >= 2
	assert all(body_size(b) <= 4 * 1024 * 1024 for b in bodies)


def test_request_status_maps_note_errors_under_cn_and_dn_to_their_sections():
	status = parse_request_status(
		{
			"status_cd": "PE",
			"proc_cnt": 3,
			"err_cnt": 2,
			"error_report": {
				"cn": [
					{
						"stin": "X",
						"error_cd": "IMSSAV0010",
						"error_msg": "m",
						"inv": [{"nt_num": "C1", "rtnprd": "102025"}],
					}
				],
				"b2bdn": [{"stin": "Y", "error_cd": "IMSSAV0011", "error_msg": "n", "inv": [{"inum": "D1"}]}],
			},
		}
	)
	assert status.done and not status.ok and (status.processed, status.errors) == (3, 2)
	assert [(e.section, e.document_number, e.error_code) for e in status.record_errors] == [
		("CN", "C1", "IMSSAV0010"),
		("DN", "D1", "IMSSAV0011"),
	]
	assert not parse_request_status({"status_cd": "IP"}).done
	with pytest.raises(IMSValidationError):
		parse_request_status({"status_cd": "??"})


def test_counts_per_section_and_total():
	counts = parse_counts(
		{
			"all_oth": {
				"b2b": {"accept": 2, "noaction": 5, "pending": 1, "reject": 0},
				"b2bcn": {"accept": 1},
			},
			"ttl_cnt": 9,
		}
	)
	assert counts.by_section["B2B"][Action.NO_ACTION] == 5
	assert counts.by_section["CN"] == {
		Action.ACCEPTED: 1,
		Action.NO_ACTION: 0,
		Action.PENDING: 0,
		Action.REJECTED: 0,
	}
	assert counts.total == 9
