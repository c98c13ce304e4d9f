import pytest

from ims_compliance.core.actions import Action
from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.sections import SECTIONS, section, section_by_key


@pytest.mark.parametrize(
	"value, expected",
	[
		("A", Action.ACCEPTED),
		("accept", Action.ACCEPTED),
		(" Accepted ", Action.ACCEPTED),
		("r", Action.REJECTED),
		("PENDING", Action.PENDING),
		("No Action", Action.NO_ACTION),
		("noaction", Action.NO_ACTION),
		("no_action", Action.NO_ACTION),
		("N", Action.NO_ACTION),
	],
)
def test_action_words_and_codes(value, expected):
	assert Action.parse(value) is expected


def test_codes_round_trip():
	for action in Action:
		assert Action.from_code(action.code) is action


@pytest.mark.parametrize("bad", ["", "maybe", "X", None])
def test_unknown_action_words_are_refused(bad):
	with pytest.raises(IMSValidationError):
		Action.parse(bad)


def test_sections_cover_r1():
	assert set(SECTIONS) >= {"B2B", "B2BA", "CN", "CNA", "DN", "DNA", "ECOM", "ECOMA", "IMPG", "IMPGSEZ"}
	assert section("cna").amends == "CN"
	assert section("CN").number_key == "nt_num"
	assert section("B2BA").original_number_key == "oinum"
	assert section("IMPG").is_import


def test_error_report_short_keys_resolve():
	"""REQSTS has reported note errors under cn/dn, not b2bcn/b2bdn."""
	assert section_by_key("cn").code == "CN"
	assert section_by_key("b2bdn").code == "DN"
	assert section_by_key("dn").code == "DN"
	assert section_by_key("nope") is None


def test_unknown_section_names_the_choices():
	with pytest.raises(KeyError, match="B2B"):
		section("XYZ")
