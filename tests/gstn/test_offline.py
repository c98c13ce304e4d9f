"""The portal's offline JSON: import through the one parser, export the tool's upload shape."""

from __future__ import annotations

import json

import pytest

from ims_compliance.core.actions import Action
from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.sections import SECTIONS
from ims_compliance.gstn.offline import export_actions, export_actions_json, import_portal_json
from ims_compliance.gstn.payloads import ActionUpdate
from ims_compliance.gstn.sandbox.generator import generate_records

RECIPIENT = "27AAPFU0939F1ZV"


def portal_file(n: int = 200) -> dict:
	data: dict = {}
	for code, record in generate_records(n, seed=5):
		data.setdefault(SECTIONS[code].key, []).append(record)
	return {"gstin": RECIPIENT, "rtnprd": "102025", "data": data}


def test_import_reads_every_section_and_the_header():
	content = portal_file()
	imported = import_portal_json(json.dumps(content).encode())
	assert imported.gstin == RECIPIENT and imported.period == "102025"
	assert imported.count == 200
	assert set(imported.records) == {"B2B", "B2BA", "CN", "CNA", "DN", "DNA", "ECOM", "ECOMA"}
	assert sum(len(v) for v in content["data"].values()) == imported.count


def test_import_refuses_a_broken_file_whole():
	with pytest.raises(IMSValidationError, match="JSON"):
		import_portal_json(b"{not json")
	content = portal_file()
	content["data"]["b2bcn"][3]["nt_dt"] = "2025/10/01"
	with pytest.raises(IMSValidationError) as caught:
		import_portal_json(content)
	assert (caught.value.location, caught.value.field) == ("b2bcn[3]", "nt_dt")
	with pytest.raises(IMSValidationError, match="no IMS section"):
		import_portal_json({"gstin": RECIPIENT})


def test_export_is_the_save_shape_with_action_and_prev_status_and_allows_n():
	imported = import_portal_json(portal_file())
	b2b = imported.records["B2B"][:3]
	updates = [
		ActionUpdate(b2b[0], Action.ACCEPTED),
		ActionUpdate(b2b[1], Action.NO_ACTION, prev_status=Action.REJECTED),
	]
	(upload,) = export_actions(RECIPIENT, updates)
	assert upload["rtin"] == RECIPIENT and upload["reqtyp"] == "SAVE"
	sent = upload["invdata"]["b2b"]
	assert [(r["inum"], r["action"], r["prev_status"]) for r in sent] == [
		(b2b[0].document_number, "A", b2b[0].gstn_action.code),
		(b2b[1].document_number, "N", "R"),
	]
	assert json.loads(export_actions_json(RECIPIENT, updates)) == upload
	# and the exported file imports again as the same documents
	again = import_portal_json({"data": upload["invdata"]})
	assert [r.document_number for r in again.records["B2B"]] == [r["inum"] for r in sent]


def test_export_still_applies_r5():
	imported = import_portal_json(portal_file())
	blocked = next(r for r in imported.records["CN"] if r.pending_blocked)
	with pytest.raises(IMSValidationError, match="R5"):
		export_actions(RECIPIENT, [ActionUpdate(blocked, Action.PENDING)])
