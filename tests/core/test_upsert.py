"""The download upsert plan (issue 4): inserts, unchanged, R9 supplier edits, GSTN status moves,
gone and returned rows, amendments linked to their originals."""

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ims_compliance.core.actions import Action
from ims_compliance.core.gstin import make_gstin
from ims_compliance.core.records import InwardRecord
from ims_compliance.core.upsert import (
	DIFF_FIELDS,
	STATUS_FIELDS,
	FieldChange,
	KeyedRecords,
	StoredRow,
	normalise_value,
	original_key_of,
	plan_upsert,
	record_values,
)

COMPANY = make_gstin("27", "AAACB1234C")
SUPPLIER = make_gstin("29", "AABCS9876K")
ALL = ("B2B", "B2BA", "CN", "CNA", "DN", "DNA", "ECOM", "ECOMA")


def rec(number: str = "INV-1", **kw) -> InwardRecord:
	base = dict(
		section="B2B",
		supplier_gstin=SUPPLIER,
		document_number=number,
		document_date=dt.date(2025, 10, 5),
		supplier_period="102025",
		document_value=1180.0,
		taxable_value=1000.0,
		igst=180.0,
		gstn_hash=f"h-{number}",
	)
	base.update(kw)
	return InwardRecord(**base)


def stored_from(record: InwardRecord, **kw) -> StoredRow:
	"""The row a previous download of `record` would have left (as the DB returns it)."""
	values = {name: value for name, value in record_values(record).items()}
	values["document_date"] = record.document_date.isoformat()  # DB strings must compare equal
	base = dict(
		key=record.natural_key(COMPANY),
		gstn_hash=record.gstn_hash,
		gstn_action=record.gstn_action,
		action=record.gstn_action,
		name=f"GIS-{record.document_number}",
		values=values,
	)
	base.update(kw)
	return StoredRow(**base)


def plan(records, stored, sections=ALL):
	return plan_upsert(records, stored, company_gstin=COMPANY, sections=sections)


# --- inserts -----------------------------------------------------------------------------------


def test_new_records_are_inserted_with_the_users_action_from_gstn():
	records = [rec("A1"), rec("A2", gstn_action=Action.REJECTED)]
	result = plan(records, [])
	assert [n.key for n in result.inserts] == [r.natural_key(COMPANY) for r in records]
	assert [n.action for n in result.inserts] == [Action.NO_ACTION, Action.REJECTED]
	assert result.counts()["new"] == 2 and not result.unchanged and not result.gone


def test_key_is_for_this_company_gstin():
	result = plan([rec("A1")], [])
	assert result.inserts[0].key.startswith(COMPANY + "|B2B|" + SUPPLIER)


# --- unchanged -------------------------------------------------------------------------------


def test_same_hash_writes_nothing_and_keeps_a_users_action_not_yet_uploaded():
	record = rec("A1")
	row = stored_from(record, action=Action.ACCEPTED, upload_state="Pending Upload")
	result = plan([record], [row])
	assert result.unchanged == [row.key]
	assert result.writes_nothing


def test_unchanged_ignores_db_representation_differences():
	record = rec("A1", document_value=1180.0)
	row = stored_from(record)
	row.values = {**row.values, "document_value": "1180.000000", "supplier_filed": 1, "reverse_charge": 0}
	result = plan([record], [row])
	assert result.unchanged == [row.key]


# --- supplier changed (R9) ---------------------------------------------------------------------


def test_R9_changed_hash_voids_a_differing_action_and_lists_changed_fields():
	old = rec("A1")
	row = stored_from(old, action=Action.ACCEPTED, upload_state="Pending Upload")
	new = dataclasses.replace(old, gstn_hash="h-new", taxable_value=900.0, igst=162.0, document_value=1062.0)
	result = plan([new], [row])
	assert len(result.supplier_changed) == 1
	update = result.supplier_changed[0]
	assert update.supplier_edited and update.void_action
	assert update.new_action is Action.NO_ACTION  # back to GSTN's action
	assert update.new_upload_state == ""  # the queued upload targeted the old version
	assert set(update.changes) == {
		FieldChange("taxable_value", 1000.0, 900.0),
		FieldChange("igst", 180.0, 162.0),
		FieldChange("document_value", 1180.0, 1062.0),
	}
	assert update.name == "GIS-A1"


def test_R9_changed_hash_keeps_an_action_equal_to_gstns():
	old = rec("A1", gstn_action=Action.ACCEPTED)
	row = stored_from(old, action=Action.ACCEPTED)
	new = dataclasses.replace(old, gstn_hash="h-new", document_date=dt.date(2025, 10, 6))
	update = plan([new], [row]).supplier_changed[0]
	assert not update.void_action and update.new_action is None and update.new_upload_state is None
	assert update.changes == (FieldChange("document_date", dt.date(2025, 10, 5), dt.date(2025, 10, 6)),)


def test_R9_changed_hash_with_no_modelled_field_change_is_still_an_edit():
	old = rec("A1")
	row = stored_from(old, action=Action.REJECTED)
	update = plan([dataclasses.replace(old, gstn_hash="h-2")], [row]).supplier_changed[0]
	assert update.void_action and update.changes == ()


def test_R9_without_hashes_the_values_decide():
	old = rec("A1", gstn_hash=None)
	row = stored_from(old, gstn_hash=None, action=Action.ACCEPTED)
	assert plan([old], [row]).unchanged == [row.key]
	edited = dataclasses.replace(old, cgst=1.0)
	update = plan([edited], [row]).supplier_changed[0]
	assert update.changes == (FieldChange("cgst", 0.0, 1.0),)


def test_legacy_row_without_hash_gets_the_hash_stored_when_values_agree():
	record = rec("A1")
	row = stored_from(record, gstn_hash=None)
	result = plan([record], [row])
	assert not result.supplier_changed
	assert result.gstn_status_changed[0].status_changes == (FieldChange("gstn_hash", None, "h-A1"),)


# --- GSTN status changed -------------------------------------------------------------------------


def test_action_taken_on_the_portal_is_followed_when_nothing_is_pending_here():
	old = rec("A1")
	row = stored_from(old, action=Action.NO_ACTION, upload_state="Uploaded")
	new = dataclasses.replace(old, gstn_action=Action.REJECTED)
	update = plan([new], [row]).gstn_status_changed[0]
	assert update.gstn_action_changed and not update.supplier_edited
	assert update.new_action is Action.REJECTED and update.new_upload_state is None


def test_local_action_waiting_for_upload_is_kept_when_gstn_moves():
	old = rec("A1")
	row = stored_from(old, action=Action.ACCEPTED, upload_state="Pending Upload")
	new = dataclasses.replace(old, gstn_action=Action.PENDING)
	update = plan([new], [row]).gstn_status_changed[0]
	assert update.new_action is None and update.new_upload_state is None


def test_upload_that_already_landed_clears_the_pending_state():
	old = rec("A1")
	row = stored_from(old, action=Action.ACCEPTED, upload_state="Failed")
	new = dataclasses.replace(old, gstn_action=Action.ACCEPTED)
	update = plan([new], [row]).gstn_status_changed[0]
	assert update.new_action is None and update.new_upload_state == ""


def test_our_uploaded_action_seen_on_gstn_only_updates_gstn_action():
	old = rec("A1")
	row = stored_from(old, action=Action.ACCEPTED, upload_state="Uploaded")
	update = plan([dataclasses.replace(old, gstn_action=Action.ACCEPTED)], [row]).gstn_status_changed[0]
	assert update.new_action is None and update.new_upload_state is None and update.gstn_action_changed


def test_flag_flip_without_edit_is_a_status_change():
	old = rec("A1", section="CN", document_number="CN-1")
	row = stored_from(old)
	new = dataclasses.replace(old, pending_blocked=True, supplier_filed=True)
	update = plan([new], [row]).gstn_status_changed[0]
	assert update.status_changes == (FieldChange("pending_blocked", False, True),)
	assert update.new_action is None


# --- gone and returned -------------------------------------------------------------------------


def test_rows_missing_from_a_downloaded_section_are_gone_never_deleted():
	keep, drop = rec("A1"), rec("A2")
	cn = rec("CN-1", section="CN")
	rows = [stored_from(keep), stored_from(drop), stored_from(cn)]
	result = plan([keep], rows, sections=("B2B",))
	assert [r.key for r in result.gone] == [drop.natural_key(COMPANY)]  # CN was not downloaded


def test_empty_download_of_a_section_marks_all_its_rows_gone():
	rows = [stored_from(rec("A1")), stored_from(rec("A2"))]
	assert len(plan([], rows, sections=("B2B",)).gone) == 2
	assert plan([], rows, sections=("CN",)).gone == []


def test_already_gone_rows_are_not_gone_again():
	row = stored_from(rec("A1"), is_gone=True)
	assert plan([], [row]).writes_nothing


def test_gone_row_that_comes_back_is_returned():
	record = rec("A1")
	row = stored_from(record, is_gone=True, action=Action.ACCEPTED, upload_state="Uploaded")
	result = plan([record], [row])
	assert [u.key for u in result.returned] == [row.key]
	update = result.returned[0]
	assert not update.supplier_edited and not result.unchanged and not result.gstn_status_changed


def test_gone_row_that_comes_back_edited_is_returned_with_the_R9_void():
	record = rec("A1")
	row = stored_from(record, is_gone=True, action=Action.ACCEPTED)
	update = plan([dataclasses.replace(record, gstn_hash="h-x", igst=10.0)], [row]).returned[0]
	assert update.supplier_edited and update.void_action and update.new_action is Action.NO_ACTION
	assert FieldChange("igst", 180.0, 10.0) in update.changes


# --- amendments --------------------------------------------------------------------------------


def amendment(number="INV-1A", original="INV-1", **kw):
	return rec(
		number,
		section="B2BA",
		original_number=original,
		original_date=dt.date(2025, 10, 5),
		supplier_period="112025",
		**kw,
	)


def test_amendment_points_at_its_stored_original():
	original = rec("INV-1")
	result = plan([amendment()], [stored_from(original)], sections=("B2BA",))
	assert result.inserts[0].original_key == original.natural_key(COMPANY)
	assert result.original_keys == {amendment().natural_key(COMPANY): original.natural_key(COMPANY)}


def test_amendment_points_at_an_original_arriving_in_the_same_download():
	original = rec("INV-1")
	result = plan([amendment(), original], [])
	assert result.inserts[0].original_key == original.natural_key(COMPANY)


def test_amendment_without_a_known_original_has_no_link():
	result = plan([amendment(original="OTHER")], [])
	assert result.inserts[0].original_key is None and result.original_keys == {}


def test_original_key_of_credit_note_amendment_uses_the_original_note_and_its_year():
	cna = rec("CN-9", section="CNA", original_number="cn-1", original_date=dt.date(2025, 3, 31))
	assert original_key_of(cna, COMPANY) == f"{COMPANY}|CN|{SUPPLIER}|CN-1|2024-25"
	assert original_key_of(rec("X"), COMPANY) is None


# --- duplicates, normalisation -------------------------------------------------------------------


def test_duplicate_keys_in_a_download_are_reported_and_the_last_wins():
	first, second = rec("A1"), rec("A1", igst=1.0, gstn_hash="h-2")
	result = plan([first, second], [])
	assert result.duplicates == [first.natural_key(COMPANY)]
	assert len(result.inserts) == 1 and result.inserts[0].record.igst == 1.0


def test_normalise_value_handles_db_forms():
	assert normalise_value("document_date", "2025-10-05 00:00:00") == dt.date(2025, 10, 5)
	assert normalise_value("document_date", "05-10-2025") == dt.date(2025, 10, 5)
	assert normalise_value("document_date", dt.datetime(2025, 10, 5, 9)) == dt.date(2025, 10, 5)
	assert normalise_value("igst", None) == 0.0
	assert normalise_value("igst", "10.005") == round(10.005, 2)
	assert normalise_value("pending_blocked", "0") is False
	assert normalise_value("place_of_supply", "  ") is None


def test_stored_row_from_a_doctype_row():
	row = StoredRow.from_row(
		{
			"ims_key": f"{COMPANY}|CN|{SUPPLIER}|CN-1|2025-26",
			"name": "GIS-0001",
			"gstn_hash": "",
			"gstn_action": "Rejected",
			"action": "Accepted",
			"upload_state": "Pending Upload",
			"is_gone": 0,
			"igst": 5,
			"modified": "ignored",
		}
	)
	assert row.section == "CN" and row.gstn_hash is None and row.upload_pending
	assert row.gstn_action is Action.REJECTED and row.values == {"igst": 5}


# --- properties over random histories ---------------------------------------------------------------

_actions = st.sampled_from(list(Action))
_upload = st.sampled_from([None, "Pending Upload", "Uploading", "Uploaded", "Failed"])


@st.composite
def histories(draw):
	n = draw(st.integers(0, 25))
	stored, incoming = [], []
	for i in range(n):
		record = rec(
			f"D{i}",
			section=draw(st.sampled_from(["B2B", "CN", "DN"])),
			gstn_action=draw(_actions),
			igst=float(draw(st.integers(0, 3))),
		)
		fate = draw(st.sampled_from(["new", "same", "edited", "status", "gone", "gone-back"]))
		row = stored_from(
			record, action=draw(_actions), upload_state=draw(_upload), is_gone=fate == "gone-back"
		)
		if fate != "new":
			stored.append(row)
		if fate == "edited":
			record = dataclasses.replace(record, gstn_hash="edited", igst=record.igst + 1)
		elif fate == "status":
			record = dataclasses.replace(record, gstn_action=draw(_actions))
		if fate != "gone":
			incoming.append(record)
	return incoming, stored


@settings(max_examples=200)
@given(histories())
def test_every_incoming_record_lands_in_exactly_one_bucket(history):
	incoming, stored = history
	result = plan(incoming, stored)
	buckets = (
		[n.key for n in result.inserts]
		+ result.unchanged
		+ [u.key for u in result.supplier_changed + result.gstn_status_changed + result.returned]
	)
	assert sorted(buckets) == sorted(r.natural_key(COMPANY) for r in incoming)
	incoming_keys = {r.natural_key(COMPANY) for r in incoming}
	assert {g.key for g in result.gone} == {s.key for s in stored if not s.is_gone} - incoming_keys


@settings(max_examples=200)
@given(histories())
def test_replaying_the_same_download_after_applying_it_writes_nothing(history):
	incoming, stored = history
	result = plan(incoming, stored)
	# apply the plan the way the service would, then download the same records again
	after: dict[str, StoredRow] = {s.key: s for s in stored}
	for new in result.inserts:
		after[new.key] = stored_from(new.record, action=new.action)
	for update in result.supplier_changed + result.gstn_status_changed + result.returned:
		old = update.stored
		after[update.key] = stored_from(
			update.record,
			action=update.new_action or old.action,
			upload_state=old.upload_state if update.new_upload_state is None else update.new_upload_state,
		)
	for row in result.gone:
		after[row.key] = dataclasses.replace(row, is_gone=True)
	again = plan(incoming, list(after.values()))
	assert again.writes_nothing


@settings(max_examples=200)
@given(histories())
def test_an_action_waiting_for_upload_survives_unless_the_supplier_edited(history):
	incoming, stored = history
	result = plan(incoming, stored)
	for update in result.gstn_status_changed:
		if update.stored.upload_pending:
			assert update.new_action is None
	for update in result.supplier_changed:
		assert update.void_action == (update.stored.action is not update.record.gstn_action)
		if update.void_action:
			assert update.new_action is update.record.gstn_action


def test_diff_and_status_fields_are_disjoint_and_known_to_the_record():
	assert not set(DIFF_FIELDS) & set(STATUS_FIELDS)
	names = {f.name for f in dataclasses.fields(InwardRecord)}
	assert set(DIFF_FIELDS) | set(STATUS_FIELDS) <= names


@settings(max_examples=100)
@given(histories())
def test_a_plan_from_keyed_records_is_the_plan_from_the_records(history):
	"""The service keys a download once (KeyedRecords) and plans from that: same plan."""
	incoming, stored = history
	keyed = KeyedRecords.of(incoming, f" {COMPANY.lower()} ")
	assert keyed.company_gstin == COMPANY
	assert plan(keyed, stored) == plan(incoming, stored)


def test_keyed_records_keep_the_last_of_a_key_and_list_the_repeats():
	first, second, other = rec("A1", igst=1.0), rec("a1", igst=2.0), rec("A2")
	keyed = KeyedRecords.of([first, other, second], COMPANY)
	assert keyed.by_key == {first.natural_key(COMPANY): second, other.natural_key(COMPANY): other}
	assert keyed.duplicates == [first.natural_key(COMPANY)]


def test_records_keyed_for_another_company_gstin_are_refused():
	keyed = KeyedRecords.of([rec("A1")], make_gstin("29", "AAACB1234C"))
	with pytest.raises(ValueError, match="keyed for"):
		plan(keyed, [])


def test_records_are_slotted():
	"""A download holds 100k records at once: no per-instance dict."""
	assert not hasattr(rec("A1"), "__dict__")
