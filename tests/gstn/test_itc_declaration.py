"""R7, the ITC-reduction declaration on Accept, as the sandbox (standing for GSTN) judges it: a
nil reversal (itcRedReq N) needs remarks and no amounts; declared amounts need itcRedReq Y, each
head within the record's tax and CGST = SGST, and remarks when the reversal is partial. The
sandbox judges on its own, and must agree with `core.rules` (the action service's judge), or a
user could be told Yes by us and No by GSTN."""

from __future__ import annotations

import datetime as dt

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ims_compliance.core.actions import Action
from ims_compliance.core.rules import ActionRequest, RecordState, RuleContext, check_action
from ims_compliance.gstn import errors as codes
from ims_compliance.gstn.payloads import ActionUpdate
from ims_compliance.gstn.sandbox.processing import _refuse_record

from .conftest import RECIPIENT

HEADS = {
	"igst": ("iamt", "declIgst"),
	"cgst": ("camt", "declCgst"),
	"sgst": ("samt", "declSgst"),
	"cess": ("cess", "declCess"),
}
STORED_CN = {
	"stin": "27AAPFU0939F1ZV",
	"nt_num": "CN-1",
	"nt_dt": "05-10-2025",
	"rtnprd": "102025",
	"val": 1418,
	"txval": 1000,
	"iamt": 0,
	"camt": 90,
	"samt": 90,
	"cess": 10,
	"action": "N",
	"ispendactblocked": "Y",
	"isItcRedReqBlocked": "N",  # GSTN asks the R7 question on this credit note
}
#: A declared amount relative to the head's tax: none, 0, half, all, a paisa under or over, more.
SHARES = (None, 0.0, 0.5, 1.0, "under", "over", 2.0, -1.0)
FULL = {"igst": 0.0, "cgst": 1.0, "sgst": 1.0, "cess": 1.0}


def declared_amount(head: str, share: object) -> float | None:
	tax = float(STORED_CN[HEADS[head][0]])
	if share is None:
		return None
	if share == "under":
		return round(tax - 0.01, 2)
	if share == "over":
		return round(tax + 0.01, 2)
	return round(tax * share, 2)


@settings(max_examples=400)
@example(answer="Y", shares=FULL, remarks=None)  # full reversal: no remarks needed
@example(answer="Y", shares={**FULL, "cess": "under"}, remarks=None)  # partial: remarks needed
@example(answer="Y", shares={**FULL, "sgst": 0.5}, remarks="x")  # CGST != SGST
@example(answer="N", shares=dict.fromkeys(HEADS), remarks="  ")  # nil reversal, blank remarks
@given(
	answer=st.sampled_from([None, "Y", "N"]),
	shares=st.fixed_dictionaries({head: st.sampled_from(SHARES) for head in HEADS}),
	remarks=st.sampled_from([None, "", "  ", "goods returned"]),
)
def test_the_sandbox_and_core_rules_agree_on_every_declaration(answer, shares, remarks):
	declared = {head: declared_amount(head, share) for head, share in shares.items()}
	saved = {**STORED_CN, "action": "A", "prev_status": "N"}
	for head, value in declared.items():
		if value is not None:
			saved[HEADS[head][1]] = value
	if answer is not None:
		saved["itcRedReq"] = answer
	if remarks is not None:
		saved["remarks"] = remarks
	sandbox_refusal = _refuse_record(dict(STORED_CN), saved, "b2bcn", reset=False)
	state = RecordState(
		section="CN",
		supplier_period="102025",
		igst=STORED_CN["iamt"],
		cgst=STORED_CN["camt"],
		sgst=STORED_CN["samt"],
		cess=STORED_CN["cess"],
		pending_blocked=True,
	)
	request = ActionRequest(
		Action.ACCEPTED,
		itc_reduction_required=answer,
		remarks=remarks,
		**{f"declared_{head}": value for head, value in declared.items()},
	)
	core_refusal = check_action(state, request, RuleContext(today=dt.date(2025, 11, 3)))
	assert (sandbox_refusal is None) == (core_refusal is None), (sandbox_refusal, core_refusal)
	if core_refusal is not None:
		assert core_refusal.rule == "R7"


def test_declarations_over_http_processed_or_reported_per_record(sandbox, connect):
	sandbox.state.generate(RECIPIENT, 400, seed=41)
	client = connect(sandbox)
	notes = [r for r in client.get_records("CN") if r.gstn_action is Action.NO_ACTION and r.igst > 0][:5]
	assert len(notes) == 5
	half = {"declIgst": round(notes[0].igst / 2, 2)}
	updates = [
		ActionUpdate(notes[0], Action.ACCEPTED, itc_reduction_required="Y", declared=half, remarks="part"),
		ActionUpdate(notes[1], Action.ACCEPTED, itc_reduction_required="N"),  # nil reversal, no remarks
		ActionUpdate(
			notes[2],
			Action.ACCEPTED,
			itc_reduction_required="Y",
			declared={"declIgst": notes[2].igst + 1},
			remarks="x",
		),
		ActionUpdate(notes[3], Action.ACCEPTED, itc_reduction_required="Y"),  # full reversal
		ActionUpdate(
			notes[4], Action.ACCEPTED, itc_reduction_required="Y", declared=half
		),  # partial, no remarks
	]
	(reference,) = client.save_actions(updates, wait=True)
	status = client.request_status(reference)
	assert (status.status, status.processed, status.errors) == ("PE", 2, 3)
	assert {(e.supplier_gstin, e.document_number): e.error_code for e in status.record_errors} == {
		(notes[1].supplier_gstin, notes[1].document_number): codes.REMARKS_MISSING,
		(notes[2].supplier_gstin, notes[2].document_number): codes.DECLARATION_INVALID,
		(notes[4].supplier_gstin, notes[4].document_number): codes.REMARKS_MISSING,
	}
	after = {(r.supplier_gstin, r.document_number): r for r in client.get_records("CN")}
	saved = after[(notes[0].supplier_gstin, notes[0].document_number)]
	assert saved.gstn_action is Action.ACCEPTED and saved.declared_igst == half["declIgst"]
	assert saved.itc_reduction_required == "Y" and saved.remarks == "part"
	assert after[(notes[3].supplier_gstin, notes[3].document_number)].gstn_action is Action.ACCEPTED
