"""Document-number normalisation: what the GSTIN and PAN passes merge on."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ims_compliance.core.matching import normalise_number

numbers = st.text(alphabet="ABCXYZ0123456789/- ", min_size=1, max_size=16)


@pytest.mark.parametrize(
	"written, normal",
	[
		("INV/2023-24/0042", "42"),
		("42/23-24", "42"),
		("2324/42", "42"),
		("FY24/42", "42"),
		("FY 2023-24 / 42", "42"),
		("fy2023-2024-42", "42"),
		("INV 2025 26 00042", "42"),
		("Tax Invoice 42", "42"),
		("BILL#42", "42"),
		("ab/12-7", "AB127"),
		("A-0012-B", "A12B"),
		("0000", "0"),  # all zeros: nothing to strip to, so the zero stays
		("12/25-26", "12"),  # "12/25" is not a year pair; "25-26" is
		("INVOICE", "INVOICE"),  # a prefix alone is the number itself
		("", ""),
	],
)
def test_examples(written, normal):
	assert normalise_number(written) == normal


def test_blank_and_none():
	assert normalise_number(None) == ""
	assert normalise_number("   ") == ""


@given(numbers)
def test_normalising_is_idempotent(number):
	once = normalise_number(number)
	assert normalise_number(once) == once


@given(numbers)
def test_normalising_ignores_case_and_separators(number):
	assert normalise_number(number.lower()) == normalise_number(number.upper())
	assert normalise_number(number.replace("/", "-")) == normalise_number(number.replace("-", "/"))
	assert normalise_number(f"  {number}  ") == normalise_number(number)


@given(numbers)
def test_normal_form_has_only_letters_and_digits(number):
	assert all(c.isalnum() for c in normalise_number(number))


@given(st.integers(min_value=1, max_value=99999), st.integers(min_value=0, max_value=4))
def test_leading_zeros_and_fy_tokens_do_not_matter(n, zeros):
	assume(not (17 <= n // 100 <= 40 and n % 100 == n // 100 + 1))  # "2728" is itself a year pair
	assume(n not in (24, 2024))  # "2024/25-26" reads as the year pair "2024/25" and 26
	plain = normalise_number(str(n))
	assert normalise_number("0" * zeros + str(n)) == plain
	assert normalise_number(f"INV/2025-26/{'0' * zeros}{n}") == plain
	assert normalise_number(f"{n}/25-26") == plain
	assert normalise_number(f"FY2526-{n}") == plain


@given(st.sampled_from(["/", "-", " ", "_", "."]), st.sampled_from(["INV", "SI", "GST", "BILL"]))
def test_prefix_and_separator_styles_agree(separator, prefix):
	assert normalise_number(f"{prefix}{separator}A{separator}77") == normalise_number("A77")


@pytest.mark.parametrize("word", ["INVOICE", "INVENTORY-5", "SIX-1", "TIGER/9", "BILLY 3"])
def test_a_prefix_inside_a_word_is_not_stripped(word):
	assert normalise_number(word)[:3] == word[:3]
