"""The one parser: typed records from GSTN section payloads, errors that name section, index and
key, nothing returned from a payload with one bad record, and fuzzing (only IMSValidationError)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ims_compliance.core.actions import Action
from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.sections import DOWNLOAD_SECTIONS, SECTIONS
from ims_compliance.gstn.protocol import parse_section, parse_sections, to_gstn_record
from ims_compliance.gstn.sandbox.generator import generate_records

# 27AAPFU0939F1ZV passes the check char; 27AAPFU0939F1ZA only matches the pattern.
GOOD, BAD_CHECK = "27AAPFU0939F1ZV", "27AAPFU0939F1ZA"


def b2b(**overrides) -> dict:
	record = {
		"stin": GOOD,
		"inum": "INV/001",
		"idt": "05-10-2025",
		"inv_typ": "R",
		"srcform": "R1",
		"rtnprd": "102025",
		"srcfilstatus": "Filed",
		"action": "N",
		"ispendactblocked": "N",
		"pos": "27",
		"val": 1180,
		"txval": 1000,
		"iamt": 0,
		"camt": 90,
		"samt": 90.004,
		"cess": 0,
		"hash": "ab" * 32,
	}
	record.update(overrides)
	return {k: v for k, v in record.items() if v is not None}


def test_a_b2b_record_becomes_a_typed_record():
	(record,) = parse_section("b2b", [b2b(action="P", remarks="awaiting goods")])
	assert record.section == "B2B"
	assert record.supplier_gstin == GOOD
	assert record.document_number == "INV/001"
	assert record.document_date == dt.date(2025, 10, 5)
	assert record.supplier_period == "102025"
	assert (record.document_value, record.taxable_value, record.sgst) == (1180.0, 1000.0, 90.0)
	assert record.gstn_action is Action.PENDING
	assert record.remarks == "awaiting goods"
	assert record.place_of_supply == "27"
	assert record.supplier_filed and not record.pending_blocked


def test_section_code_and_payload_key_both_select_the_section():
	note = {k: v for k, v in b2b().items() if k not in ("inum", "idt", "inv_typ")}
	note.update(nt_num="CN-9", nt_dt="01-10-2025", ispendactblocked="Y", srcfilstatus="Not Filed")
	by_code = parse_section("CN", [note])
	by_key = parse_section("b2bcn", [note])
	assert by_code == by_key
	assert by_code[0].document_number == "CN-9" and by_code[0].pending_blocked
	assert not by_code[0].supplier_filed  # R10


def test_amendments_carry_their_original_document():
	(record,) = parse_section("B2BA", [b2b(inum="INV/001A", oinum="INV/001", oidt="30-09-2025")])
	assert (record.original_number, record.original_date) == ("INV/001", dt.date(2025, 9, 30))
	with pytest.raises(IMSValidationError) as caught:
		parse_section("B2BA", [b2b()])
	assert (caught.value.location, caught.value.field) == ("b2ba[0]", "oinum")


def test_itc_reduction_declaration_fields_are_read():  # R7
	(record,) = parse_section("b2b", [b2b(itcRedReq="Y", declIgst=10.5, declCgst=0, isItcRedReqBlocked="N")])
	assert record.itc_reduction_required == "Y"
	assert (record.declared_igst, record.declared_cgst, record.declared_sgst) == (10.5, 0.0, None)
	assert not record.itc_reduction_blocked


@pytest.mark.parametrize(
	("overrides", "field"),
	[
		({"stin": "27AAPFU0939"}, "stin"),
		({"stin": 12345}, "stin"),
		({"inum": None}, "inum"),
		({"inum": "0000"}, "inum"),
		({"idt": "2025-10-05"}, "idt"),
		({"idt": "31-02-2025"}, "idt"),
		({"rtnprd": "132025"}, "rtnprd"),
		({"val": "1180"}, "val"),
		({"txval": None}, "txval"),
		({"iamt": -1}, "iamt"),
		({"camt": 1e16}, "camt"),
		({"camt": True}, "camt"),
		({"action": "X"}, "action"),
		({"ispendactblocked": "yes"}, "ispendactblocked"),
		({"pos": "55"}, "pos"),
		({"srcfilstatus": "Draft"}, "srcfilstatus"),
		({"itcRedReq": "Maybe"}, "itcRedReq"),
	],
)
def test_bad_input_names_section_index_and_key(overrides, field):
	payload = [b2b(), b2b(inum="INV/002"), b2b(**{"inum": "INV/003", **overrides})]
	with pytest.raises(IMSValidationError) as caught:
		parse_section("B2B", payload)
	assert caught.value.location == "b2b[2]"
	assert caught.value.field == field
	assert "b2b[2]" in str(caught.value) and field in str(caught.value)


def test_a_section_that_is_not_a_list_or_a_record_that_is_not_an_object_is_refused():
	with pytest.raises(IMSValidationError, match="list"):
		parse_section("B2B", {"inum": "1"})
	with pytest.raises(IMSValidationError) as caught:
		parse_section("B2B", [b2b(), "oops"])
	assert caught.value.location == "b2b[1]"


def test_unknown_sections_are_refused():
	with pytest.raises(IMSValidationError):
		parse_section("B2C", [])


def test_a_bad_check_character_is_accepted_with_a_warning():
	warnings: list[str] = []
	(record,) = parse_section("B2B", [b2b(stin=BAD_CHECK)], on_warning=warnings.append)
	assert record.supplier_gstin == BAD_CHECK
	assert len(warnings) == 1 and "b2b[0]" in warnings[0] and BAD_CHECK in warnings[0]


def test_unknown_keys_are_kept_for_the_save_echo():
	(record,) = parse_section("B2B", [b2b(flag="X", chksum="abc")])
	assert record.extra == {"flag": "X", "chksum": "abc"}
	assert to_gstn_record(record)["flag"] == "X"


def test_parse_sections_reads_every_section_and_ignores_metadata():
	data = {"gstin": GOOD, "b2b": [b2b()], "b2bdn": [], "ecom": [b2b(inum="E-1")]}
	parsed = parse_sections(data)
	assert {code: len(rows) for code, rows in parsed.items()} == {"B2B": 1, "DN": 0, "ECOM": 1}


def test_generated_records_of_every_section_round_trip_through_the_getinv_shape():
	pairs = generate_records(400, seed=3)
	assert {code for code, _ in pairs} == set(DOWNLOAD_SECTIONS)
	for code in DOWNLOAD_SECTIONS:
		raw = [r for c, r in pairs if c == code]
		records = parse_section(code, raw)
		again = parse_section(code, [to_gstn_record(r) for r in records])
		assert again == records
		save_shape = to_gstn_record(records[0], for_save=True)
		assert "hash" not in save_shape and "srcfilstatus" not in save_shape
		assert "ispendactblocked" not in save_shape
		assert SECTIONS[code].number_key in save_shape


json_values = st.recursive(
	st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
	lambda children: (
		st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
	),
	max_leaves=12,
)
_BASE = generate_records(1, seed=1)[0][1]
KEYS = [*b2b(), "oinum", "oidt", "nt_num", "nt_dt", "itcRedReq", "declIgst", "remarks"]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(DOWNLOAD_SECTIONS), json_values)
def test_fuzz_any_json_payload_raises_only_the_typed_error(code, payload):
	try:
		parse_section(code, payload)
	except IMSValidationError:
		pass


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(DOWNLOAD_SECTIONS), st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8))
def test_fuzz_mutated_records_raise_only_the_typed_error(code, mutation):
	base = dict(_BASE)
	base.update(mutation)
	try:
		records = parse_section(code, [base])
	except IMSValidationError as exc:
		assert exc.location == f"{SECTIONS[code].key}[0]" or exc.location is None
	else:
		assert len(records) == 1 and records[0].section == code


def test_every_bad_record_is_reported_in_one_go():
	"""Issue 15: five defects, one attempt. The error lists each record by section[index] and key."""
	payload = [b2b(inum=f"OK/{i}") for i in range(10)]
	payload[2]["pos"] = "55"
	payload[4]["action"] = "X"
	payload[7] = "oops"
	with pytest.raises(IMSValidationError) as caught:
		parse_section("B2B", payload)
	errors = caught.value.errors
	assert [(e.location, e.field) for e in errors] == [
		("b2b[2]", "pos"),
		("b2b[4]", "action"),
		("b2b[7]", None),
	]
	assert "3 bad records" in str(caught.value) and "b2b[7]" in str(caught.value)


def test_at_most_100_bad_records_are_listed():
	with pytest.raises(IMSValidationError) as caught:
		parse_section("B2B", [b2b(pos="55") for _ in range(250)])
	assert len(caught.value.errors) == 100 and "may be more" in str(caught.value)


def test_parse_sections_reports_bad_records_of_every_section_together():
	with pytest.raises(IMSValidationError) as caught:
		parse_sections({"b2b": [b2b(pos="55")], "b2ba": [b2b(oinum=None, oidt=None)]})
	assert {e.location.split("[")[0] for e in caught.value.errors} == {"b2b", "b2ba"}


def test_warnings_are_kept_on_the_record():
	first, second = parse_section("B2B", [b2b(stin=BAD_CHECK), b2b(inum="INV/9")], on_warning=lambda m: None)
	assert len(first.warnings) == 1 and BAD_CHECK in first.warnings[0]
	assert second.warnings == []


def test_a_bill_of_entry_keeps_its_port_code_and_needs_no_supplier_gstin():
	raw = b2b(stin=None, inum=None, idt=None, boenum="4100013", boedt="05-10-2025", portcd="innsa1")
	(record,) = parse_section("IMPG", [raw])
	assert (record.supplier_gstin, record.document_number, record.port_code) == ("", "4100013", "INNSA1")
	assert record.document_type == "Bill of Entry"


def test_a_bill_of_entry_may_spell_igst_and_omit_the_document_value():
	raw = {
		"boenum": "4100014",
		"boedt": "06-10-2025",
		"portcd": "INMAA1",
		"rtnprd": "102025",
		"txval": 1000,
		"igst": 180,
	}
	(record,) = parse_section("IMPG", [raw])
	assert (record.igst, record.document_value) == (180.0, 1180.0)
