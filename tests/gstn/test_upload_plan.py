"""Issue 7, pure part: which rows go in which SAVE/RESETIMS body, and what a REQSTS answer
means for each row (errors under cn/dn, unmatched lines, IMSSAV0010 -> resync)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ims_compliance.gstn.payloads import body_size, parse_request_status
from ims_compliance.gstn.upload import (
	SentRecord,
	build_body,
	match_errors,
	pending_from_row,
	plan_requests,
)

RECIPIENT = "27AAPFU0939F1ZV"
SUPPLIER = "29AAACB1234K1Z5"


def row(n: int, *, section="B2B", action="Accepted", gstn_action="No Action", **extra) -> dict:
	base = {
		"name": f"row-{n}",
		"section": section,
		"supplier_gstin": SUPPLIER,
		"document_number": f"INV-{n}",
		"document_date": dt.date(2025, 10, 3),
		"supplier_period": "102025",
		"document_value": 1180,
		"taxable_value": 1000,
		"igst": 180,
		"cgst": 0,
		"sgst": 0,
		"cess": 0,
		"place_of_supply": "27",
		"invoice_type": "R",
		"source_form": "R1",
		"action": action,
		"gstn_action": gstn_action,
		"supplier_name": "Renamed In ERPNext Pvt Ltd",
		"declared_igst": 0,
		"declared_cgst": 0,
		"declared_sgst": 0,
		"declared_cess": 0,
	}
	return {**base, **extra}


def sent_rows(plan) -> list[dict]:
	return [r for req in plan.requests for rows in req.body["data"]["invdata"].values() for r in rows]


def test_save_carries_prev_status_from_gstns_last_status_and_no_trade_name():
	plan = plan_requests(RECIPIENT, [pending_from_row(row(1, action="Rejected", gstn_action="Accepted"))])
	(request,) = plan.requests
	(sent,) = request.body["data"]["invdata"]["b2b"]
	assert request.kind == "SAVE" and request.names == ("row-1",)
	assert (sent["action"], sent["prev_status"]) == ("R", "A")
	assert "trdnm" not in sent and "hash" not in sent
	assert (sent["inum"], sent["idt"], sent["rtnprd"]) == ("INV-1", "03-10-2025", "102025")


def test_no_action_goes_in_resetims_without_action_or_declaration():
	pending = pending_from_row(
		row(2, action="No Action", gstn_action="Rejected", remarks="old", itc_reduction_required="Y")
	)
	plan = plan_requests(RECIPIENT, [pending])
	(request,) = plan.requests
	assert request.kind == "RESET" and request.body["action"] == "RESETIMS"
	(sent,) = request.body["data"]["invdata"]["b2b"]
	assert not {"action", "itcRedReq", "remarks", "declIgst"} & set(sent)


def test_saves_come_before_resets_and_every_row_is_in_exactly_one_body():
	rows = [
		row(
			i,
			action=["Accepted", "Rejected", "Pending", "No Action"][i % 4],
			gstn_action="Accepted" if i % 4 == 3 else "No Action",
		)
		for i in range(400)
	]
	plan = plan_requests(RECIPIENT, [pending_from_row(r) for r in rows], max_bytes=20_000)
	assert len(plan.requests) > 4
	kinds = [r.kind for r in plan.requests]
	assert kinds == sorted(kinds, key=lambda k: k != "SAVE")  # all SAVEs, then all RESETs
	names = [n for r in plan.requests for n in r.names]
	assert sorted(names) == sorted(r["name"] for r in rows) and len(set(names)) == len(names)
	for request in plan.requests:
		assert body_size(request.prepared) <= 20_000
		# names follow the body's record order, so row i of the body is names[i]
		numbers = [r["inum"] for rs in request.body["data"]["invdata"].values() for r in rs]
		assert numbers == [f"INV-{n.split('-')[1]}" for n in request.names]


def test_mixed_sections_keep_names_aligned_with_body_order():
	rows = [row(i, section="CN" if i % 2 else "B2B", action="Rejected") for i in range(10)]
	(request,) = plan_requests(RECIPIENT, [pending_from_row(r) for r in rows]).requests
	invdata = request.body["data"]["invdata"]
	numbers = [r.get("inum") or r.get("nt_num") for key in invdata for r in invdata[key]]
	assert numbers == [f"INV-{n.split('-')[1]}" for n in request.names]
	assert set(invdata) == {"b2b", "b2bcn"}


def test_rules_gstn_enforces_refuse_a_row_before_sending_not_the_whole_upload():
	rows = [
		row(1, action="Pending", pending_blocked=1),  # R5
		row(2, section="IMPG", supplier_gstin="", action="Rejected"),  # R4
		row(3, action="Accepted"),
	]
	plan = plan_requests(RECIPIENT, [pending_from_row(r) for r in rows])
	assert [r.name for r in plan.refused] == ["row-1", "row-2"]
	assert "R5" in plan.refused[0].message and "R4" in plan.refused[1].message
	assert [r.names for r in plan.requests] == [("row-3",)]


def test_r7_declaration_is_sent_only_with_itc_reduction_and_amounts():
	partial = row(
		1,
		section="CN",
		itc_reduction_required="Y",
		declared_igst=90,
		remarks="half reversed",
	)
	full = row(2, section="CN", itc_reduction_required="Y")
	plan = plan_requests(RECIPIENT, [pending_from_row(partial), pending_from_row(full)])
	first, second = plan.requests[0].body["data"]["invdata"]["b2bcn"]
	assert (first["itcRedReq"], first["declIgst"], first["declCgst"], first["remarks"]) == (
		"Y",
		90,
		0,
		"half reversed",
	)
	assert second["itcRedReq"] == "Y" and "declIgst" not in second


def test_build_body_refuses_rows_that_no_longer_fit_one_body():
	rows = [pending_from_row(row(i)) for i in range(50)]
	body = build_body(RECIPIENT, "SAVE", rows, max_bytes=100_000)
	assert len(body["data"]["invdata"]["b2b"]) == 50
	with pytest.raises(Exception, match="no longer fit"):
		build_body(RECIPIENT, "SAVE", rows, max_bytes=2_000)


def sent(n: int, section="B2B", number=None, period="102025") -> SentRecord:
	return SentRecord(f"row-{n}", section, SUPPLIER, number or f"INV-{n}", period)


def report(entries: dict, status="PE") -> dict:
	return {"status_cd": status, "proc_cnt": 5, "err_cnt": 3, "error_report": entries}


def entry(number: str, code="IMSSAV0054", key="inum", period="102025") -> dict:
	return {"stin": SUPPLIER, "error_cd": code, "error_msg": "why", "inv": [{key: number, "rtnprd": period}]}


def test_errors_reported_under_cn_and_dn_find_their_note_rows():
	records = [sent(1), sent(2, "CN"), sent(3, "DN"), sent(4)]
	status = parse_request_status(
		report(
			{
				"cn": [entry("INV-2", key="nt_num")],
				"dn": [entry("INV-3", key="nt_num")],
				"b2b": [entry("INV-1")],
			}
		)
	)
	outcome = match_errors(records, status)
	assert set(outcome.failed) == {"row-1", "row-2", "row-3"}
	assert outcome.succeeded(r.name for r in records) == ["row-4"]
	assert outcome.failed["row-2"].error_code == "IMSSAV0054" and not outcome.unmatched


def test_a_line_under_another_sections_key_still_finds_the_row_by_gstin_number_and_period():
	records = [sent(1, "CNA"), sent(2)]
	outcome = match_errors(records, parse_request_status(report({"cn": [entry("INV-1", key="nt_num")]})))
	assert set(outcome.failed) == {"row-1"}


def test_same_number_in_another_period_is_not_confused():
	records = [sent(1, number="X-1", period="092025"), sent(2, number="X-1", period="102025")]
	outcome = match_errors(records, parse_request_status(report({"b2b": [entry("X-1", period="102025")]})))
	assert set(outcome.failed) == {"row-2"}


def test_stale_status_errors_ask_for_a_resync_and_unknown_lines_are_kept():
	records = [sent(1), sent(2)]
	status = parse_request_status(report({"b2b": [entry("INV-1", code="IMSSAV0010"), entry("NOT-SENT")]}))
	outcome = match_errors(records, status)
	assert outcome.resync == {"row-1"} and set(outcome.failed) == {"row-1"}
	assert [e.document_number for e in outcome.unmatched] == ["NOT-SENT"]


def test_processed_answer_fails_nothing_and_er_is_left_to_the_caller():
	records = [sent(1), sent(2)]
	ok = match_errors(records, parse_request_status({"status_cd": "P", "proc_cnt": 2}))
	assert ok.succeeded(["row-1", "row-2"]) == ["row-1", "row-2"]
	er = match_errors(records, parse_request_status({"status_cd": "ER"}))
	assert not er.failed and not er.unmatched


def test_planned_body_is_json_the_sandbox_schema_accepts():
	from ims_compliance.gstn.sandbox.processing import check_envelope

	rows = [
		row(1),
		row(2, section="CN", action="Rejected"),
		row(3, action="No Action", gstn_action="Accepted"),
	]
	plan = plan_requests(RECIPIENT, [pending_from_row(r) for r in rows])
	for request in plan.requests:
		body = json.loads(json.dumps(request.body))
		check_envelope(body, gstin=RECIPIENT, action=body["action"])


def test_pe_without_its_error_report_places_nothing_and_is_not_complete():
	"""A PE answer whose error_report is missing: no row may be taken as landed."""
	records = [sent(1), sent(2)]
	outcome = match_errors(records, parse_request_status({"status_cd": "PE", "proc_cnt": 1, "err_cnt": 1}))
	assert not outcome.failed and outcome.unreported == 1 and not outcome.complete
	bare = match_errors(records, parse_request_status({"status_cd": "PE", "proc_cnt": 1}))
	assert bare.unreported == 1 and not bare.complete


def test_fewer_report_lines_than_err_cnt_leave_the_rest_unreported():
	records = [sent(1), sent(2), sent(3)]
	status = parse_request_status(
		{"status_cd": "PE", "proc_cnt": 1, "err_cnt": 2, "error_report": {"b2b": [entry("INV-1")]}}
	)
	outcome = match_errors(records, status)
	assert set(outcome.failed) == {"row-1"} and outcome.unreported == 1 and not outcome.complete


def test_a_full_report_is_complete():
	records = [sent(1), sent(2)]
	status = parse_request_status(
		{"status_cd": "PE", "proc_cnt": 1, "err_cnt": 1, "error_report": {"b2b": [entry("INV-2")]}}
	)
	outcome = match_errors(records, status)
	assert set(outcome.failed) == {"row-2"} and outcome.unreported == 0 and outcome.complete
	assert match_errors(records, parse_request_status({"status_cd": "P", "proc_cnt": 2})).complete
