import pytest
from hypothesis import given
from hypothesis import strategies as st

from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.gstin import (
	STATE_CODES,
	check_char,
	check_gstin,
	is_valid_gstin,
	is_valid_pos,
	make_gstin,
	pan_of,
	state_code_of,
)

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@pytest.mark.parametrize("gstin", ["27AAPFU0939F1ZV", "33AAECT8346F1ZB"])
def test_known_good_gstins_pass(gstin):
	result = check_gstin(gstin)
	assert result.checksum_ok
	assert result.warning is None


def test_wrong_check_char_is_a_warning_not_an_error():
	result = check_gstin("27AAPFU0939F1ZA")
	assert not result.checksum_ok
	assert "expected V" in result.warning
	assert not is_valid_gstin("27AAPFU0939F1ZA")


@pytest.mark.parametrize(
	"bad, words",
	[
		("", "missing"),
		("27AAPFU0939F1Z", "15 characters"),
		("27AAPFU0939F1ZVX", "15 characters"),
		("2AAAPFU0939F1ZV", "pattern"),
		("27AAPF10939F1ZV", "pattern"),
		("27AAPFU0939F0ZV", "pattern"),  # entity char 0 is not allowed
		("27AAPFU0939F1CV", "pattern"),  # 14th char C not allowed
		("99AAPFU0939F1ZV", "state code"),
	],
)
def test_bad_gstins_raise_naming_the_field(bad, words):
	with pytest.raises(IMSValidationError) as exc:
		check_gstin(bad, field="supplier_gstin", location="b2b[4]")
	assert words in str(exc.value)
	assert exc.value.field == "supplier_gstin"
	assert "b2b[4]" in str(exc.value)


def test_lower_case_and_spaces_are_normalised():
	assert check_gstin(" 27aapfu0939f1zv ").gstin == "27AAPFU0939F1ZV"


def test_pan_and_state():
	assert pan_of("27AAPFU0939F1ZV") == "AAPFU0939F"
	assert state_code_of("27AAPFU0939F1ZV") == "27"
	assert check_gstin("27AAPFU0939F1ZV").pan == "AAPFU0939F"


def test_place_of_supply_codes():
	assert is_valid_pos("27") and is_valid_pos(7) and is_valid_pos("96")
	assert not is_valid_pos("99") and not is_valid_pos(None)


gstin_bodies = st.builds(
	lambda state, letters, digits, last, entity: f"{state}{letters}{digits}{last}{entity}Z",
	st.sampled_from(sorted(STATE_CODES)),
	st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=5, max_size=5),
	st.text(alphabet="0123456789", min_size=4, max_size=4),
	st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
	st.sampled_from("123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
)


@given(gstin_bodies)
def test_made_gstins_always_validate(body):
	gstin = body + check_char(body)
	assert check_gstin(gstin).checksum_ok
	assert make_gstin(body[:2], body[2:12], body[12]) == gstin


@given(gstin_bodies, st.integers(min_value=0, max_value=13), st.sampled_from(ALNUM))
def test_any_single_character_change_is_detected(body, position, replacement):
	"""Mod-36 with weights 1,2 catches every single-character substitution."""
	good = body + check_char(body)
	changed_body = body[:position] + replacement + body[position + 1 :]
	if changed_body == body:
		return
	assert check_char(changed_body) != good[14]


@given(gstin_bodies, st.sampled_from(ALNUM))
def test_only_one_check_char_is_accepted(body, candidate):
	gstin = body + candidate
	assert check_gstin(gstin).checksum_ok == (candidate == check_char(body))
