"""R7, the ITC-reduction declaration on Accept: itcRedReq on an original credit note, declared
amounts only for a partial reversal (itcRedReq Y) and never above the record's tax, remarks for a
partial or nil reversal. Checked before sending (strict) and by the sandbox, with one judge."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ims_compliance.core.actions import Action
from ims_compliance.core.errors import IMSValidationError
from ims_compliance.gstn import errors as codes
from ims_compliance.gstn.payloads import ActionUpdate, build_save_bodies
from ims_compliance.gstn.protocol import parse_section
from ims_compliance.gstn.sandbox.generator import generate_records

from .conftest import RECIPIENT


def credit_note():
	raw = next(
		r for c, r in generate_records(200, seed=41) if c == "CN" and r["action"] == "N" and r["iamt"] > 0
	)
	(record,) = parse_section("CN", [raw])
	return record


def refusal(update: ActionUpdate) -> tuple[str | None, str] | None:
	try:
		build_save_bodies(RECIPIENT, [update])
	except IMSValidationError as exc:
		return exc.field, exc.message
	return None


def test_accepting_a_credit_note_asks_whether_itc_is_reduced():
	note = credit_note()
	field, message = refusal(ActionUpdate(note, Action.ACCEPTED))
	assert field == "itcRedReq" and "R7" in message
	assert refusal(ActionUpdate(note, Action.ACCEPTED, itc_reduction_required="Y")) is None  # full reversal
	assert refusal(ActionUpdate(note, Action.REJECTED)) is None  # R7 asks on Accept only


def test_a_nil_reversal_needs_remarks():
	note = credit_note()
	field, _ = refusal(ActionUpdate(note, Action.ACCEPTED, itc_reduction_required="N"))
	assert field == "remarks"
	assert (
		refusal(ActionUpdate(note, Action.ACCEPTED, itc_reduction_required="N", remarks="goods kept")) is None
	)


def test_declared_amounts_need_itcredreq_y_and_remarks():
	note = credit_note()
	half = {"declIgst": round(note.igst / 2, 2)}
	field, message = refusal(
		ActionUpdate(note, Action.ACCEPTED, itc_reduction_required="N", declared=half, remarks="x")
	)
	assert field == "declIgst" and "itcRedReq Y" in message
	field, _ = refusal(ActionUpdate(note, Action.ACCEPTED, itc_reduction_required="Y", declared=half))
	assert field == "remarks"
	assert (
		refusal(
			ActionUpdate(note, Action.ACCEPTED, itc_reduction_required="Y", declared=half, remarks="part")
		)
		is None
	)


@given(st.floats(min_value=0, max_value=4, allow_nan=False))
def test_a_declared_amount_may_not_exceed_the_records_tax(share):
	note = credit_note()
	amount = round(note.igst * share, 2)
	update = ActionUpdate(
		note, Action.ACCEPTED, itc_reduction_required="Y", declared={"declIgst": amount}, remarks="part"
	)
	problem = refusal(update)
	if amount <= note.igst:
		assert problem is None
	else:
		assert problem[0] == "declIgst" and "more than" in problem[1]


def test_the_sandbox_judges_declarations_the_same_way(sandbox, connect):
	sandbox.state.generate(RECIPIENT, 400, seed=41)
	client = connect(sandbox)
	notes = [r for r in client.get_records("CN") if r.gstn_action is Action.NO_ACTION and r.igst > 0][:4]
	assert len(notes) == 4
	partial = {"declIgst": round(notes[0].igst / 2, 2)}
	updates = [
		ActionUpdate(notes[0], Action.ACCEPTED, itc_reduction_required="Y", declared=partial, remarks="part"),
		ActionUpdate(notes[1], Action.ACCEPTED, itc_reduction_required="N"),  # nil, no remarks
		ActionUpdate(
			notes[2],
			Action.ACCEPTED,
			itc_reduction_required="Y",
			declared={"declIgst": notes[2].igst + 1},
			remarks="x",
		),
		ActionUpdate(notes[3], Action.ACCEPTED, itc_reduction_required="Y"),
	]
	(reference,) = client.save_actions(updates, strict=False, wait=True)
	status = client.request_status(reference)
	assert (status.status, status.processed, status.errors) == ("PE", 2, 2)
	assert {(e.supplier_gstin, e.document_number): e.error_code for e in status.record_errors} == {
		(notes[1].supplier_gstin, notes[1].document_number): codes.REMARKS_MISSING,
		(notes[2].supplier_gstin, notes[2].document_number): codes.DECLARATION_INVALID,
	}
	after = {(r.supplier_gstin, r.document_number): r for r in client.get_records("CN")}
	saved = after[(notes[0].supplier_gstin, notes[0].document_number)]
	assert saved.gstn_action is Action.ACCEPTED and saved.declared_igst == partial["declIgst"]
	assert saved.itc_reduction_required == "Y" and saved.remarks == "part"
