"""The generator's records fit the published rules: every one, sent back with the schema's keys
for its section, passes the SAVE and RESET schemas, and the GSTINs carry the check character of
IMS_DOMAIN.md section 4 (recomputed here, not through the sandbox)."""

from __future__ import annotations

from ims_compliance.gstn.sandbox import schema
from ims_compliance.gstn.sandbox.generator import generate_records
from ims_compliance.gstn.sandbox.vocabulary import SECTIONS, gstin_check_char

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: save.json's keys per section key, without action/prev_status
KEYS = {
	"b2b": ("stin", "rtnprd", "srcform", "inum", "idt", "inv_typ", "pos", "val", "txval", "iamt", "camt", "samt", "cess"),
	"b2ba": ("stin", "rtnprd", "srcform", "inum", "oinum", "idt", "oidt", "inv_typ", "pos", "val", "txval", "iamt", "camt", "samt", "cess"),
	"b2bcn": ("stin", "rtnprd", "srcform", "nt_num", "nt_dt", "inv_typ", "pos", "val", "txval", "iamt", "camt", "samt", "cess"),
	"b2bcna": ("stin", "rtnprd", "srcform", "nt_num", "ont_num", "nt_dt", "ont_dt", "inv_typ", "pos", "val", "txval", "iamt", "camt", "samt", "cess"),
	"b2bdn": ("stin", "rtnprd", "srcform", "nt_num", "nt_dt", "inv_typ", "pos", "val", "txval", "iamt", "camt", "samt", "cess"),
	"b2bdna": ("stin", "rtnprd", "srcform", "nt_num", "ont_num", "nt_dt", "ont_dt", "inv_typ", "pos", "val", "txval", "iamt", "camt", "samt", "cess"),
	"ecom": ("stin", "rtnprd", "srcform", "inum", "idt", "pos", "val", "txval", "iamt", "camt", "samt", "cess"),
	"ecoma": ("stin", "rtnprd", "srcform", "inum", "oinum", "idt", "oidt", "pos", "val", "txval", "iamt", "camt", "samt", "cess"),
}  # fmt: skip


def check_char(first14: str) -> str:
	total = 0
	for index, char in enumerate(first14):
		product = ALPHABET.index(char) * (1 if index % 2 == 0 else 2)
		total += product // 36 + product % 36
	return ALPHABET[(36 - total % 36) % 36]


def test_the_published_check_character_examples():
	assert check_char("27AAPFU0939F1Z") == "V" == gstin_check_char("27AAPFU0939F1Z")
	assert check_char("33AAECT8346F1Z") == "B" == gstin_check_char("33AAECT8346F1Z")


def test_every_generated_record_is_savable_and_resettable_under_the_published_schema():
	records = generate_records(3000, seed=11, period="112025")
	assert {code for code, _ in records} == set(KEYS_BY_CODE)
	for index, (code, record) in enumerate(records):
		sec = SECTIONS[code]
		assert check_char(record["stin"][:14]) == record["stin"][14]
		assert set(record) - {
			"hash",
			"srcfilstatus",
			"ispendactblocked",
			"isItcRedReqBlocked",
			"isRemarksBlocked",
			"action",
			"itcRedReq",
		} == set(KEYS[sec.key])
		sent = {key: record[key] for key in KEYS[sec.key]}
		schema.check_record(sec, index, {**sent, "prev_status": record["action"]}, reset=True)
		action = "A" if record["action"] != "A" else "R"
		schema.check_record(
			sec, index, {**sent, "action": action, "prev_status": record["action"]}, reset=False
		)


KEYS_BY_CODE = {code for code, sec in SECTIONS.items() if sec.key in KEYS}
